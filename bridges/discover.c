/* Uplink discovery over netlink. An uplink is a NIC the config names in a [nic]
 * section (any kind: veth in the lab, bonds, VLANs), or - when default-style is not
 * none - a physical Ethernet NIC: a `device` link in sysfs, ARPHRD_ETHER, not
 * wireless, not a bridge/bond/veth/vif/tap, and no master other than its own bridge.
 * A host converted in legacy style is recognised by its pethN. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <net/if_arp.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>

#include <dom0net/nl.h>

#include "br_int.h"

static bool sysfs_has(const char *ifname, const char *entry)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, entry);
	return stat(path, &sb) == 0;
}

static bool guest_name(const char *n)
{
	return strncmp(n, "vif", 3) == 0 || strncmp(n, "tap", 3) == 0;
}

/* A physical Ethernet NIC, free or a port of the bridge it maps to. */
static bool physical(struct nl_cache *c, const struct d0_config *cfg, struct rtnl_link *l)
{
	const char *name = rtnl_link_get_name(l);
	const char *kind = rtnl_link_get_type(l);
	char br[IFNAMSIZ];

	if (rtnl_link_get_arptype(l) != ARPHRD_ETHER || (kind && *kind) || guest_name(name))
		return false;
	if (!sysfs_has(name, "device") || sysfs_has(name, "wireless") ||
	    sysfs_has(name, "phy80211"))
		return false;
	if (rtnl_link_get_master(l)) {
		struct rtnl_link *m = c ? rtnl_link_get(c, rtnl_link_get_master(l)) : NULL;
		bool ours = m && br_bridge_name(cfg, name, br) == 0 &&
			    strcmp(rtnl_link_get_name(m), br) == 0;

		if (m)
			rtnl_link_put(m);
		return ours;
	}
	return true;
}

/* The pseudo ethN of a legacy conversion: a veth whose pethN is a bridge port. */
static bool legacy_pseudo(struct nl_cache *c, const struct d0_config *cfg, struct rtnl_link *l)
{
	const char *kind = rtnl_link_get_type(l);
	struct br_names n;
	struct rtnl_link *p, *m;
	bool ok = false;

	if (!kind || strcmp(kind, "veth") != 0 ||
	    br_names_for(cfg, rtnl_link_get_name(l), 0, &n) < 0)
		return false;
	if (!(p = rtnl_link_get_by_name(c, n.peth)))
		return false;
	if ((m = rtnl_link_get(c, rtnl_link_get_master(p)))) {
		ok = strcmp(rtnl_link_get_name(m), n.bridge) == 0;
		rtnl_link_put(m);
	}
	rtnl_link_put(p);
	return ok;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int br_discover(struct nl_sock *sk, const struct d0_config *cfg,
		char (*names)[IFNAMSIZ], size_t max, size_t *n)
{
	struct nl_cache *c = NULL;
	int rc;

	*n = 0;
	if ((rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &c)) < 0) {
		errno = EIO;
		return -1;
	}
	for (struct nl_object *o = nl_cache_get_first(c); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *name = rtnl_link_get_name(l);
		const struct d0_nic_cfg *nic = NULL;

		if (config_style_for(cfg, name, &nic) == BR_STYLE_NONE)
			continue;
		if (!nic && !physical(c, cfg, l) && !legacy_pseudo(c, cfg, l))
			continue;
		if (*n == max) {
			nl_cache_free(c);
			errno = ENOSPC;
			return -1;
		}
		snprintf(names[(*n)++], IFNAMSIZ, "%s", name);
	}
	nl_cache_free(c);
	qsort(names, *n, IFNAMSIZ, cmp_name);
	return 0;
}

bool br_link_is_uplink(const struct d0_config *cfg, struct rtnl_link *link)
{
	const char *name = rtnl_link_get_name(link);
	const char *kind = rtnl_link_get_type(link);
	const struct d0_nic_cfg *nic = NULL;

	if (!name || config_style_for(cfg, name, &nic) == BR_STYLE_NONE)
		return false;
	/* Only a free link: ports (pethN, a converted ethN) are handled at start. */
	if (rtnl_link_get_master(link))
		return false;
	if (nic)
		return !kind || strcmp(kind, "bridge") != 0;
	return physical(NULL, cfg, link);
}
