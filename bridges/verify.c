/* Verification after a conversion step sequence: carrier (bounded wait), every
 * snapshot address present on the target link, every snapshot route present
 * through it (so the default route, if there was one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <dom0net/nl.h>

#include "br_int.h"

/* How long a link may take to get carrier back (autonegotiation of a real NIC after
 * it went down takes a few seconds). DOM0NET_CARRIER_WAIT_MS overrides (tests). */
static unsigned carrier_wait_ms(void)
{
	const char *e = getenv("DOM0NET_CARRIER_WAIT_MS");

	return e && *e ? (unsigned)strtoul(e, NULL, 10) : 10000;
}

static bool addr_present(struct nl_cache *cache, struct rtnl_addr *want, int ifindex)
{
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) == ifindex &&
		    rtnl_addr_get_prefixlen(a) == rtnl_addr_get_prefixlen(want) &&
		    nl_addr_cmp(rtnl_addr_get_local(a), rtnl_addr_get_local(want)) == 0)
			return true;
	}
	return false;
}

static bool route_present(struct nl_cache *cache, struct rtnl_route *want, int to)
{
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;
		int n = rtnl_route_get_nnexthops(r);
		bool dev_ok = false;

		if (rtnl_route_get_family(r) != rtnl_route_get_family(want) ||
		    rtnl_route_get_table(r) != rtnl_route_get_table(want) ||
		    rtnl_route_get_priority(r) != rtnl_route_get_priority(want) ||
		    nl_addr_cmp(rtnl_route_get_dst(r), rtnl_route_get_dst(want)) != 0)
			continue;
		for (int i = 0; i < n; i++) {
			int idx = rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, i));

			dev_ok |= idx == to;
		}
		if (dev_ok)
			return true;
	}
	return false;
}

int br_verify(struct br_ctx *c, const struct br_snap *s, int to_ifindex,
	      const int *carrier_idx, size_t n_carrier)
{
	struct nl_cache *addrs = NULL, *routes = NULL;
	char buf[256], what[64];
	int rc = -1, nlrc;

	/* A NIC that had no cable before the conversion will not get carrier now. */
	for (size_t i = 0; s->carrier && i < n_carrier; i++) {
		if (br_wait_carrier(c->sk, carrier_idx[i], carrier_wait_ms()) < 0) {
			struct br_linkinfo li = { .name = "?" };

			br_link_read(c->sk, carrier_idx[i], NULL, &li);
			return br_fail(c, errno, "%s: no carrier after %u ms", li.name,
				       carrier_wait_ms());
		}
	}
	if ((nlrc = rtnl_addr_alloc_cache(c->sk, &addrs)) < 0 ||
	    (nlrc = rtnl_route_alloc_cache(c->sk, AF_UNSPEC, 0, &routes)) < 0) {
		br_fail(c, EIO, "dump: %s", d0_nl_strerror(c->sk, nlrc, buf, sizeof(buf)));
		goto out;
	}
	for (size_t i = 0; i < s->n_addrs; i++) {
		if (!addr_present(addrs, s->addrs[i], to_ifindex)) {
			nl_addr2str(rtnl_addr_get_local(s->addrs[i]), what, sizeof(what));
			br_fail(c, ENOENT, "address %s missing after the move", what);
			goto out;
		}
	}
	for (size_t i = 0; i < s->n_routes; i++) {
		if (!route_present(routes, s->routes[i], to_ifindex)) {
			nl_addr2str(rtnl_route_get_dst(s->routes[i]), what, sizeof(what));
			br_fail(c, ENOENT, "route %s (table %u) missing after the move%s", what,
				rtnl_route_get_table(s->routes[i]),
				s->has_default ? ": the default route would be lost" : "");
			goto out;
		}
	}
	rc = 0;
out:
	nl_cache_free(addrs);
	nl_cache_free(routes);
	return rc;
}
