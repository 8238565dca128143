/* Moving an uplink's addresses and routes to another link (the bridge in direct
 * style, the pseudo NIC in legacy style, the NIC again on revert), and putting a
 * snapshot back after a rollback. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <dom0net/nl.h>

#include "br_int.h"

void br_label_move(const char *label, const char *from, const char *to, char out[IFNAMSIZ])
{
	size_t fl = strlen(from);

	if (!label || !*label || strcmp(label, from) == 0) {
		snprintf(out, IFNAMSIZ, "%s", to);
		return;
	}
	if (strncmp(label, from, fl) == 0 && label[fl] == ':' &&
	    strlen(to) + strlen(label + fl) < IFNAMSIZ) {
		snprintf(out, IFNAMSIZ, "%s%s", to, label + fl);
		return;
	}
	/* A label that does not start with the link name: keep it if it names the new
	 * link, else fall back to the plain link name (the kernel rewrites on rename). */
	snprintf(out, IFNAMSIZ, "%s", strncmp(label, to, strlen(to)) == 0 ? label : to);
}

int br_addrs_add(struct br_ctx *c, const struct br_snap *s, int to_ifindex, const char *to_name)
{
	char label[IFNAMSIZ];

	for (size_t i = 0; i < s->n_addrs; i++) {
		br_label_move(rtnl_addr_get_label(s->addrs[i]), s->name, to_name, label);
		if (br_op_addr_add(c, s->addrs[i], to_ifindex, label) < 0)
			return -1;
	}
	return 0;
}

int br_addrs_del(struct br_ctx *c, const struct br_snap *s)
{
	/* Newest first: secondaries go before their primary, so deleting the primary
	 * neither takes them along nor promotes one. */
	for (size_t i = s->n_addrs; i-- > 0;)
		if (br_op_addr_del(c, s->addrs[i]) < 0)
			return -1;
	return 0;
}

int br_routes_add(struct br_ctx *c, const struct br_snap *s, int to_ifindex)
{
	/* Dump order, so that routes with the same key keep their relative order. */
	for (size_t i = s->n_routes; i-- > 0;)
		if (br_op_route_add(c, s->routes[i], s->ifindex, to_ifindex) < 0)
			return -1;
	return 0;
}

int br_routes_del(struct br_ctx *c, const struct br_snap *s)
{
	bool gone;

	for (size_t i = 0; i < s->n_routes; i++)
		if (br_op_route_del(c, s->routes[i], &gone) < 0)
			return -1;
	return 0;
}

int br_snap_restore(struct nl_sock *sk, const struct br_snap *s, char *why, size_t len)
{
	char buf[256];
	int failed = 0, rc;

	for (size_t i = 0; i < s->n_addrs; i++) {
		struct rtnl_addr *a = (struct rtnl_addr *)nl_object_clone((struct nl_object *)s->addrs[i]);

		if (!a)
			return -1;
		rtnl_addr_unset_flags(a, IFA_F_SECONDARY);
		rc = rtnl_addr_add(sk, a, NLM_F_EXCL);
		rtnl_addr_put(a);
		if (rc < 0 && rc != -NLE_EXIST && failed++ == 0)
			snprintf(why, len, "restoring an address: %s",
				 d0_nl_strerror(sk, rc, buf, sizeof(buf)));
	}
	for (size_t i = s->n_routes; i-- > 0;) {
		struct rtnl_route *r = (struct rtnl_route *)nl_object_clone((struct nl_object *)s->routes[i]);
		int n;

		if (!r)
			return -1;
		n = rtnl_route_get_nnexthops(r);
		for (int j = 0; j < n; j++)
			rtnl_route_nh_unset_flags(rtnl_route_nexthop_n(r, j),
						  RTNH_F_DEAD | RTNH_F_LINKDOWN);
		rc = rtnl_route_add(sk, r, 0); /* in front of same-key routes */
		rtnl_route_put(r);
		if (rc < 0 && rc != -NLE_EXIST && failed++ == 0)
			snprintf(why, len, "restoring a route: %s",
				 d0_nl_strerror(sk, rc, buf, sizeof(buf)));
	}
	return failed ? -1 : 0;
}
