/* netd's use of bridges/: convert the configured uplinks at start, bridge NICs that
 * appear later, and reverse conversions on request. Logging happens here, once. */
#include <string.h>

#include <netlink/route/link.h>

#include <dom0net/bridges.h>
#include <dom0net/log.h>

#include "netd.h"

static void log_outcome(const char *verb, const char *uplink, enum br_outcome o,
			const struct d0_err *err)
{
	switch (o) {
	case BR_CONVERTED:
		log_info("%s %s: done", verb, uplink);
		break;
	case BR_ALREADY:
		log_info("%s %s: already in place, nothing changed", verb, uplink);
		break;
	case BR_SKIPPED:
		log_warnx("%s %s: skipped: %s", verb, uplink, err->msg);
		break;
	case BR_FAILED:
		log_warnx("%s %s: failed and rolled back: %s", verb, uplink, err->msg);
		break;
	}
	/* Success may carry a warning (a DHCP client left on the NIC, a bridge kept
	 * for its guests, a half-done run finished). */
	if ((o == BR_CONVERTED || o == BR_ALREADY) && err->msg[0])
		log_warnx("%s %s: %s", verb, uplink, err->msg);
}

static void convert_one(struct netd *d, const char *uplink)
{
	struct d0_err err = { 0, "" };
	enum br_outcome o = br_convert(d->req, &d->cfg, uplink, &err);

	log_outcome("bridge", uplink, o, &err);
}

void netd_bridges_boot(struct netd *d)
{
	char names[D0_MAX_NICS * 2][IFNAMSIZ];
	size_t n = 0;

	if (br_discover(d->req, &d->cfg, names, D0_MAX_NICS * 2, &n) < 0) {
		log_warn("bridges: NIC discovery failed");
		return;
	}
	if (n == 0)
		log_info("bridges: no uplink to bridge");
	for (size_t i = 0; i < n; i++)
		convert_one(d, names[i]);
}

void netd_bridges_link_added(struct netd *d, const char *ifname)
{
	struct rtnl_link *link = NULL;

	if (!d->cfg.hotplug_nics)
		return;
	if (rtnl_link_get_kernel(d->req, 0, ifname, &link) < 0)
		return;
	if (br_link_is_uplink(&d->cfg, link)) {
		log_info("bridges: new NIC %s", ifname);
		convert_one(d, ifname);
	}
	rtnl_link_put(link);
}

int netd_bridges_stop(struct netd *d, int argc, const char **argv)
{
	char names[D0_MAX_NICS * 2][IFNAMSIZ];
	size_t n = 0;
	int rc = 0;

	if (argc == 0) {
		/* Every configured uplink, whatever its style is now. */
		for (size_t i = 0; i < d->cfg.n_nics; i++)
			strcpy(names[n++], d->cfg.nics[i].name);
		if (n == 0 && br_discover(d->req, &d->cfg, names, D0_MAX_NICS * 2, &n) < 0)
			return -1;
	} else {
		for (int i = 0; i < argc && n < D0_MAX_NICS * 2; i++)
			snprintf(names[n++], IFNAMSIZ, "%s", argv[i]);
	}
	for (size_t i = 0; i < n; i++) {
		struct d0_err err = { 0, "" };
		enum br_outcome o = br_revert(d->req, &d->cfg, names[i], &err);

		log_outcome("unbridge", names[i], o, &err);
		if (o == BR_FAILED)
			rc = -1;
	}
	return rc;
}
