/* Names: the bridge an uplink maps to, and the legacy style's pethN / vif0.N / vethN. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "br_int.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* ethN -> xenbrN, bondN -> xenbrN, BASE.V -> (BASE's bridge).V, other -> br-NAME. */
static int derive(const char *up, char out[IFNAMSIZ])
{
	const char *dot = strrchr(up, '.');
	int n;

	if (dot && all_digits(dot + 1)) {
		char base[IFNAMSIZ], b[IFNAMSIZ];

		snprintf(base, sizeof(base), "%.*s", (int)(dot - up), up);
		if (derive(base, b) < 0)
			return -1;
		n = snprintf(out, IFNAMSIZ, "%s%s", b, dot);
	} else if (strncmp(up, "eth", 3) == 0 && all_digits(up + 3)) {
		n = snprintf(out, IFNAMSIZ, "xenbr%s", up + 3);
	} else if (strncmp(up, "bond", 4) == 0 && all_digits(up + 4)) {
		n = snprintf(out, IFNAMSIZ, "xenbr%s", up + 4);
	} else {
		n = snprintf(out, IFNAMSIZ, "br-%s", up);
	}
	if (n < 0 || n >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int br_bridge_name(const struct d0_config *cfg, const char *uplink, char out[IFNAMSIZ])
{
	const struct d0_nic_cfg *nic = NULL;

	config_style_for(cfg, uplink, &nic);
	if (nic && nic->bridge[0]) {
		snprintf(out, IFNAMSIZ, "%s", nic->bridge);
		return 0;
	}
	return derive(uplink, out);
}

int br_names_for(const struct d0_config *cfg, const char *uplink, int phys_ifindex,
		 struct br_names *n)
{
	char num[IFNAMSIZ];
	int len;

	memset(n, 0, sizeof(*n));
	snprintf(n->uplink, sizeof(n->uplink), "%s", uplink);
	if (br_bridge_name(cfg, uplink, n->bridge) < 0)
		return -1;
	/* The legacy pair is numbered after the bridge (xenbrN -> vif0.N, vethN), as
	 * the Xen scripts did; other bridge names use the NIC's ifindex. */
	if (strncmp(n->bridge, "xenbr", 5) == 0 && all_digits(n->bridge + 5))
		snprintf(num, sizeof(num), "%s", n->bridge + 5);
	else
		snprintf(num, sizeof(num), "%d", phys_ifindex);
	len = snprintf(n->peth, sizeof(n->peth), "p%s", uplink);
	if (len >= IFNAMSIZ || snprintf(n->vif, sizeof(n->vif), "vif0.%s", num) >= IFNAMSIZ ||
	    snprintf(n->veth, sizeof(n->veth), "veth%s", num) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}
