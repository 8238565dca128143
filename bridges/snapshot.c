/* The snapshot of an uplink taken before any change: link facts, the addresses it
 * carries, and every route (every table) with a nexthop through it. Rollback and
 * verification both work from this copy, never from what is left in the kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include <dom0net/nl.h>

#include "br_int.h"

bool br_addr_movable(struct rtnl_addr *a)
{
	int fam = rtnl_addr_get_family(a);

	if (fam == AF_INET)
		return true;
	/* IPv6: only static addresses. Link-local ones are made per link by the kernel,
	 * SLAAC/DHCPv6 ones (not permanent) come back by themselves on the new link. */
	return fam == AF_INET6 && rtnl_addr_get_scope(a) != RT_SCOPE_LINK &&
	       (rtnl_addr_get_flags(a) & IFA_F_PERMANENT);
}

static bool route_uses(struct rtnl_route *r, int ifindex)
{
	int n = rtnl_route_get_nnexthops(r);

	for (int i = 0; i < n; i++)
		if (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(r, i)) == ifindex)
			return true;
	return false;
}

/* Routes the kernel makes and removes by itself (prefix, local, broadcast, RA). */
static bool route_movable(struct rtnl_route *r)
{
	int fam = rtnl_route_get_family(r);
	int proto = rtnl_route_get_protocol(r);

	if (fam != AF_INET && fam != AF_INET6)
		return false;
	if (proto == RTPROT_KERNEL || proto == RTPROT_RA || proto == RTPROT_REDIRECT)
		return false;
	return rtnl_route_get_type(r) == RTN_UNICAST;
}

static int push(void ***v, size_t *n, void *obj)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	nv[(*n)++] = obj;
	*v = nv;
	return 0;
}

int br_snap_take(struct nl_sock *sk, int ifindex, struct br_snap *s, struct d0_err *err)
{
	struct nl_cache *addrs = NULL, *routes = NULL;
	struct br_linkinfo li;
	char buf[256];
	int rc;

	memset(s, 0, sizeof(*s));
	if (br_link_read(sk, ifindex, NULL, &li) < 0) {
		d0_err_set(err, errno, "snapshot: link %d: %s", ifindex, strerror(errno));
		return -1;
	}
	s->ifindex = ifindex;
	memcpy(s->name, li.name, sizeof(s->name));
	memcpy(s->mac, li.mac, sizeof(s->mac));
	s->mtu = li.mtu;
	s->flags = li.flags;
	s->master = li.master;
	s->carrier = li.carrier;
	s->addrgen = li.addrgen;

	if ((rc = rtnl_addr_alloc_cache(sk, &addrs)) < 0 ||
	    (rc = rtnl_route_alloc_cache(sk, AF_UNSPEC, 0, &routes)) < 0) {
		d0_err_set(err, EIO, "snapshot %s: dump: %s", li.name,
			   d0_nl_strerror(sk, rc, buf, sizeof(buf)));
		goto fail;
	}
	for (struct nl_object *o = nl_cache_get_first(addrs); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;

		if (rtnl_addr_get_ifindex(a) != ifindex || !br_addr_movable(a))
			continue;
		if (push((void ***)&s->addrs, &s->n_addrs, nl_object_clone(o)) < 0 ||
		    !s->addrs[s->n_addrs - 1])
			goto nomem;
	}
	for (struct nl_object *o = nl_cache_get_first(routes); o; o = nl_cache_get_next(o)) {
		struct rtnl_route *r = (struct rtnl_route *)o;

		if (!route_uses(r, ifindex) || !route_movable(r))
			continue;
		if (push((void ***)&s->routes, &s->n_routes, nl_object_clone(o)) < 0 ||
		    !s->routes[s->n_routes - 1])
			goto nomem;
		if (rtnl_route_get_family(r) == AF_INET &&
		    nl_addr_get_prefixlen(rtnl_route_get_dst(r)) == 0)
			s->has_default = true;
	}
	nl_cache_free(addrs);
	nl_cache_free(routes);
	return 0;
nomem:
	d0_err_set(err, ENOMEM, "snapshot %s: out of memory", li.name);
fail:
	nl_cache_free(addrs);
	nl_cache_free(routes);
	br_snap_free(s);
	return -1;
}

void br_snap_free(struct br_snap *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i])
			rtnl_addr_put(s->addrs[i]);
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i])
			rtnl_route_put(s->routes[i]);
	free(s->addrs);
	free(s->routes);
	s->addrs = NULL;
	s->routes = NULL;
	s->n_addrs = s->n_routes = 0;
}
