/* Recognising an uplink's state from the kernel alone (after a restart, or when run
 * twice): plain NIC, direct style, legacy style, half-done legacy, foreign master. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/route/link.h>

#include <dom0net/nl.h>

#include "br_int.h"

const char *br_kstate_name(enum br_kstate s)
{
	switch (s) {
	case BRK_MISSING: return "missing";
	case BRK_PLAIN: return "plain";
	case BRK_DIRECT: return "direct";
	case BRK_LEGACY: return "legacy";
	case BRK_HALF_LEGACY: return "half-done legacy";
	case BRK_FOREIGN: return "port of another master";
	}
	return "?";
}

static bool find(struct nl_cache *c, const char *name, struct br_linkinfo *li)
{
	struct rtnl_link *l = rtnl_link_get_by_name(c, name);

	if (!l)
		return false;
	br_linkinfo_from(l, li);
	rtnl_link_put(l);
	return true;
}

static bool find_idx(struct nl_cache *c, int ifindex, struct br_linkinfo *li)
{
	struct rtnl_link *l = ifindex > 0 ? rtnl_link_get(c, ifindex) : NULL;

	if (!l)
		return false;
	br_linkinfo_from(l, li);
	rtnl_link_put(l);
	return true;
}

int br_state_read(struct nl_sock *sk, const struct d0_config *cfg, const char *uplink,
		  struct br_state *st, struct d0_err *err)
{
	struct br_linkinfo u, b, p, v, t;
	bool has_u, has_b, has_p, has_v = false, has_t;
	struct nl_cache *c = NULL;
	char buf[256];
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = rtnl_link_alloc_cache(sk, AF_UNSPEC, &c)) < 0) {
		d0_err_set(err, EIO, "reading links: %s", d0_nl_strerror(sk, rc, buf, sizeof(buf)));
		return -1;
	}
	has_u = find(c, uplink, &u);
	if (br_names_for(cfg, uplink, 0, &st->n) < 0)
		goto badname;
	has_p = find(c, st->n.peth, &p);
	/* vif0.N / vethN may be numbered after the physical NIC's ifindex. */
	if (br_names_for(cfg, uplink, has_p ? p.ifindex : has_u ? u.ifindex : 0, &st->n) < 0)
		goto badname;
	has_b = find(c, st->n.bridge, &b) && strcmp(b.kind, "bridge") == 0;
	if (has_u && strcmp(u.kind, "veth") == 0 && find_idx(c, u.link, &v) &&
	    strncmp(v.name, "vif0.", 5) == 0)
		has_v = true;	/* the pseudo NIC and its vif0.N */
	else
		has_v = find(c, st->n.vif, &v);
	has_t = find(c, st->n.veth, &t);
	nl_cache_free(c);

	st->up_idx = has_u ? u.ifindex : 0;
	st->br_idx = has_b ? b.ifindex : 0;
	st->peth_idx = has_p ? p.ifindex : 0;
	st->vif_idx = has_v ? v.ifindex : 0;
	st->veth_idx = has_t ? t.ifindex : 0;
	if (has_v)
		snprintf(st->n.vif, sizeof(st->n.vif), "%s", v.name);

	if (has_u && has_p && has_v && has_b && strcmp(u.kind, "veth") == 0 &&
	    u.link == v.ifindex && p.master == b.ifindex && v.master == b.ifindex) {
		st->st = BRK_LEGACY;
	} else if (has_p || (has_u && strcmp(u.kind, "veth") == 0 && has_v && u.link == v.ifindex) ||
		   (has_v && has_t && t.link == v.ifindex)) {
		st->st = BRK_HALF_LEGACY;
		snprintf(st->why, sizeof(st->why), "%s %s, %s %s, %s %s, %s %s",
			 uplink, has_u ? u.kind[0] ? u.kind : "present" : "missing",
			 st->n.peth, has_p ? "present" : "missing",
			 has_v ? v.name : st->n.vif, has_v ? "present" : "missing",
			 st->n.bridge, has_b ? "present" : "missing");
	} else if (!has_u) {
		st->st = BRK_MISSING;
	} else if (u.master && has_b && u.master == b.ifindex) {
		st->st = BRK_DIRECT;
	} else if (u.master) {
		st->st = BRK_FOREIGN;
		snprintf(st->why, sizeof(st->why), "%s already has master ifindex %d", uplink,
			 u.master);
	} else {
		st->st = BRK_PLAIN;
	}
	return 0;
badname:
	nl_cache_free(c);
	d0_err_set(err, ENAMETOOLONG,
		   "%s: derived interface names are too long; set bridge= in [nic %s]", uplink,
		   uplink);
	return -1;
}
