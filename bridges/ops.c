/* Kernel changes, one per call. Each records its inverse in the undo log before it
 * returns success, and names the current step and the kernel's text on failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_link.h>
#include <linux/veth.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <dom0net/nl.h>

#include "br_int.h"

/* DOM0NET_FAULT_STEP=STEP or UPLINK:STEP makes that step fail before it runs, so
 * that the tests exercise the real rollback. With DOM0NET_FAULT_CRASH=1 the process
 * dies there instead (a crash half-way, for the restart tests). */
int br_step(struct br_ctx *c, const char *name)
{
	const char *f = getenv("DOM0NET_FAULT_STEP");
	size_t ul = strlen(c->uplink);

	c->step = name;
	if (!f || !*f)
		return 0;
	if (strncmp(f, c->uplink, ul) == 0 && f[ul] == ':')
		f += ul + 1;
	if (strcmp(f, name) == 0) {
		const char *crash = getenv("DOM0NET_FAULT_CRASH");

		if (crash && strcmp(crash, "1") == 0)
			_exit(99);
		return br_fail(c, EIO, "fault injected (DOM0NET_FAULT_STEP)");
	}
	return 0;
}

int br_fail(struct br_ctx *c, int code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d0_err_set(c->err, code, "step %s: %s", c->step ? c->step : "?", msg);
	errno = code;
	return -1;
}

int br_fail_nl(struct br_ctx *c, int nlerr, const char *what)
{
	char buf[300];
	int code = nlerr == -NLE_EXIST ? EEXIST : nlerr == -NLE_NOMEM ? ENOMEM : EIO;

	return br_fail(c, code, "%s: %s", what, d0_nl_strerror(c->sk, nlerr, buf, sizeof(buf)));
}

static int push(struct br_ctx *c, enum br_undo_kind kind, int ifindex, struct rtnl_link *set,
		void *obj)
{
	struct br_undo_ent e = { kind, c->step, ifindex, set, obj };

	if (br_undo_push(&c->undo, &e) == 0)
		return 0;
	/* Could not record the inverse: treat as failure of this step. */
	if (set)
		rtnl_link_put(set);
	if (obj && (kind == BR_U_ADD_ADDR || kind == BR_U_DEL_ADDR))
		rtnl_addr_put(obj);
	else if (obj)
		rtnl_route_put(obj);
	return br_fail(c, ENOMEM, "undo log: out of memory");
}

/* ---- links ---- */

/* RTM_NEWLINK create request up to an open IFLA_INFO_DATA nest; the caller adds the
 * kind's data and calls finish_newlink(). */
struct newlink {
	struct nl_msg *msg;
	struct nlattr *info, *data;
};

static int send_newlink(const char *kind, const char *name, const uint8_t *mac, unsigned mtu,
			struct newlink *nl)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };

	nl->msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	if (!nl->msg || nlmsg_append(nl->msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    nla_put_string(nl->msg, IFLA_IFNAME, name) < 0 ||
	    (mac && nla_put(nl->msg, IFLA_ADDRESS, BR_MAC_LEN, mac) < 0) ||
	    (mtu && nla_put_u32(nl->msg, IFLA_MTU, mtu) < 0) ||
	    !(nl->info = nla_nest_start(nl->msg, IFLA_LINKINFO)) ||
	    nla_put_string(nl->msg, IFLA_INFO_KIND, kind) < 0 ||
	    !(nl->data = nla_nest_start(nl->msg, IFLA_INFO_DATA)))
		return -NLE_NOMEM;
	return 0;
}

static int finish_newlink(struct br_ctx *c, struct newlink *nl)
{
	int rc;

	nla_nest_end(nl->msg, nl->data);
	nla_nest_end(nl->msg, nl->info);
	if ((rc = nl_send_auto(c->sk, nl->msg)) < 0)
		return rc;
	return nl_wait_for_ack(c->sk);
}

static int created(struct br_ctx *c, const char *name, int *ifindex)
{
	struct br_linkinfo li;

	if (br_link_read(c->sk, 0, name, &li) < 0)
		return br_fail(c, errno, "%s vanished after creation", name);
	if (ifindex)
		*ifindex = li.ifindex;
	return push(c, BR_U_DEL_LINK, li.ifindex, NULL, NULL);
}

int br_op_bridge_create(struct br_ctx *c, const char *name, const uint8_t *mac,
			unsigned mtu, bool stp, unsigned fwd_delay_s, int *ifindex)
{
	struct newlink nl = { NULL, NULL, NULL };
	int rc;

	/* Forward delay first (the kernel applies it before STP and refuses < 2 s
	 * while STP is on); STP needs at least 2 s. */
	if (stp && fwd_delay_s < 2)
		fwd_delay_s = 2;
	if ((rc = send_newlink("bridge", name, mac, mtu, &nl)) == 0 &&
	    (rc = nla_put_u32(nl.msg, IFLA_BR_FORWARD_DELAY, fwd_delay_s * 100)) == 0 &&
	    (rc = nla_put_u32(nl.msg, IFLA_BR_STP_STATE, stp ? 1 : 0)) == 0)
		rc = finish_newlink(c, &nl);
	nlmsg_free(nl.msg);
	if (rc < 0)
		return br_fail_nl(c, rc, name);
	return created(c, name, ifindex);
}

int br_op_veth_create(struct br_ctx *c, const char *name, const uint8_t *mac,
		      const char *peer, const uint8_t *peer_mac, unsigned mtu)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct newlink nl = { NULL, NULL, NULL };
	struct nlattr *p;
	int rc;

	if ((rc = send_newlink("veth", name, mac, mtu, &nl)) == 0) {
		if (!(p = nla_nest_start(nl.msg, VETH_INFO_PEER)) ||
		    nlmsg_append(nl.msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
		    nla_put_string(nl.msg, IFLA_IFNAME, peer) < 0 ||
		    (peer_mac && nla_put(nl.msg, IFLA_ADDRESS, BR_MAC_LEN, peer_mac) < 0) ||
		    (mtu && nla_put_u32(nl.msg, IFLA_MTU, mtu) < 0))
			rc = -NLE_NOMEM;
		else {
			nla_nest_end(nl.msg, p);
			rc = finish_newlink(c, &nl);
		}
	}
	nlmsg_free(nl.msg);
	if (rc < 0)
		return br_fail_nl(c, rc, name);
	/* Deleting one end deletes both: one undo entry is enough. */
	return created(c, name, NULL);
}

int br_op_link_set(struct br_ctx *c, int ifindex, const struct br_linkset *set)
{
	struct rtnl_link *orig = rtnl_link_alloc(), *chg = rtnl_link_alloc(),
			 *old = rtnl_link_alloc();
	struct nl_addr *a = NULL;
	struct br_linkinfo li = { 0 };
	bool touched = false;
	int rc = -NLE_NOMEM;

	if (!orig || !chg || !old)
		goto out;
	if (br_link_read(c->sk, ifindex, NULL, &li) < 0) {
		rc = -NLE_NODEV;
		goto out;
	}
	rtnl_link_set_ifindex(orig, ifindex);
	if (set->name && strcmp(set->name, li.name) != 0) {
		rtnl_link_set_name(chg, set->name);
		rtnl_link_set_name(old, li.name);
	}
	if (set->mac && (set->pin_mac || memcmp(set->mac, li.mac, BR_MAC_LEN) != 0)) {
		if (!(a = nl_addr_build(AF_LLC, set->mac, BR_MAC_LEN)))
			goto out;
		rtnl_link_set_addr(chg, a);
		nl_addr_put(a);
		if (!(a = nl_addr_build(AF_LLC, li.mac, BR_MAC_LEN)))
			goto out;
		rtnl_link_set_addr(old, a);
		nl_addr_put(a);
	}
	if (set->mtu && set->mtu != li.mtu) {
		rtnl_link_set_mtu(chg, set->mtu);
		rtnl_link_set_mtu(old, li.mtu);
	}
	if (set->mask && ((li.flags ^ set->flags) & set->mask)) {
		unsigned m = (li.flags ^ set->flags) & set->mask;

		rtnl_link_set_flags(chg, set->flags & m);
		rtnl_link_unset_flags(chg, ~set->flags & m);
		rtnl_link_set_flags(old, li.flags & m);
		rtnl_link_unset_flags(old, ~li.flags & m);
	}
	if (set->master >= 0 && set->master != li.master) {
		rtnl_link_set_master(chg, set->master);
		rtnl_link_set_master(old, li.master);
	}
	if (set->set_addrgen && li.addrgen >= 0 && li.addrgen != set->addrgen) {
		if (rtnl_link_inet6_set_addr_gen_mode(chg, set->addrgen) < 0 ||
		    rtnl_link_inet6_set_addr_gen_mode(old, (uint8_t)li.addrgen) < 0)
			goto out;
		touched = true;
	}
	if (!rtnl_link_get_name(chg) && !rtnl_link_get_addr(chg) && !rtnl_link_get_mtu(chg) &&
	    !(set->mask && ((li.flags ^ set->flags) & set->mask)) &&
	    !(set->master >= 0 && set->master != li.master) && !touched) {
		rc = 0; /* nothing to change */
		goto out;
	}
	if ((rc = rtnl_link_change(c->sk, orig, chg, 0)) == 0) {
		rc = push(c, BR_U_LINK_SET, ifindex, old, NULL);
		old = NULL;
		rtnl_link_put(orig);
		rtnl_link_put(chg);
		return rc;
	}
out:
	rtnl_link_put(orig);
	rtnl_link_put(chg);
	rtnl_link_put(old);
	if (rc < 0)
		return br_fail_nl(c, rc, li.name[0] ? li.name : "link");
	return 0;
}

int br_op_link_del(struct br_ctx *c, int ifindex)
{
	struct rtnl_link *l = rtnl_link_alloc();
	int rc;

	if (!l)
		return br_fail(c, ENOMEM, "out of memory");
	rtnl_link_set_ifindex(l, ifindex);
	rc = rtnl_link_delete(c->sk, l);
	rtnl_link_put(l);
	if (rc < 0 && rc != -NLE_NODEV && rc != -NLE_OBJ_NOTFOUND)
		return br_fail_nl(c, rc, "delete link");
	return 0;
}

/* ---- addresses ---- */

int br_op_addr_add(struct br_ctx *c, struct rtnl_addr *tmpl, int ifindex, const char *label)
{
	struct rtnl_addr *a = (struct rtnl_addr *)nl_object_clone((struct nl_object *)tmpl);
	char buf[64];
	int rc;

	if (!a)
		return br_fail(c, ENOMEM, "out of memory");
	rtnl_addr_set_ifindex(a, ifindex);
	/* The kernel decides primary/secondary again on the new link. */
	rtnl_addr_unset_flags(a, IFA_F_SECONDARY);
	if (label && rtnl_addr_get_family(a) == AF_INET)
		rtnl_addr_set_label(a, label);
	if ((rc = rtnl_addr_add(c->sk, a, NLM_F_EXCL)) == -NLE_EXIST) {
		rtnl_addr_put(a); /* there already (a half-done run): not ours to undo */
		return 0;
	}
	if (rc < 0) {
		nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
		rtnl_addr_put(a);
		return br_fail_nl(c, rc, buf);
	}
	return push(c, BR_U_DEL_ADDR, ifindex, NULL, a);
}

int br_op_addr_del(struct br_ctx *c, struct rtnl_addr *a)
{
	struct rtnl_addr *copy = (struct rtnl_addr *)nl_object_clone((struct nl_object *)a);
	char buf[64];
	int rc;

	if (!copy)
		return br_fail(c, ENOMEM, "out of memory");
	if ((rc = rtnl_addr_delete(c->sk, a, 0)) < 0) {
		rtnl_addr_put(copy);
		if (rc == -NLE_NOADDR || rc == -NLE_OBJ_NOTFOUND)
			return 0; /* gone already (a primary took its secondaries along) */
		nl_addr2str(rtnl_addr_get_local(a), buf, sizeof(buf));
		return br_fail_nl(c, rc, buf);
	}
	rtnl_addr_unset_flags(copy, IFA_F_SECONDARY);
	return push(c, BR_U_ADD_ADDR, rtnl_addr_get_ifindex(a), NULL, copy);
}

/* ---- routes ---- */

/* A route ready for RTM_NEWROUTE: nexthops moved, kernel-only flags dropped. */
static struct rtnl_route *route_for(struct rtnl_route *r, int from, int to)
{
	struct rtnl_route *n = (struct rtnl_route *)nl_object_clone((struct nl_object *)r);
	int nh;

	if (!n)
		return NULL;
	nh = rtnl_route_get_nnexthops(n);
	for (int i = 0; i < nh; i++) {
		struct rtnl_nexthop *x = rtnl_route_nexthop_n(n, i);

		if (from && rtnl_route_nh_get_ifindex(x) == from)
			rtnl_route_nh_set_ifindex(x, to);
		rtnl_route_nh_unset_flags(x, RTNH_F_DEAD | RTNH_F_LINKDOWN | RTNH_F_OFFLOAD |
					       RTNH_F_TRAP | RTNH_F_UNRESOLVED);
	}
	rtnl_route_unset_flags(n, RTM_F_CLONED | RTM_F_NOTIFY | RTM_F_EQUALIZE |
				  RTM_F_OFFLOAD | RTM_F_TRAP);
	return n;
}

static void route_str(struct rtnl_route *r, char *buf, size_t len)
{
	char d[64];

	nl_addr2str(rtnl_route_get_dst(r), d, sizeof(d));
	snprintf(buf, len, "route %s table %u", d, rtnl_route_get_table(r));
}

int br_op_route_add(struct br_ctx *c, struct rtnl_route *r, int from_ifindex, int to_ifindex)
{
	struct rtnl_route *n = route_for(r, from_ifindex, to_ifindex);
	char buf[96];
	int rc;

	if (!n)
		return br_fail(c, ENOMEM, "out of memory");
	/* No NLM_F_EXCL: the same route may still exist through the old link; the new
	 * one goes in front of it and takes over at once. */
	if ((rc = rtnl_route_add(c->sk, n, 0)) < 0 && rc != -NLE_EXIST) {
		route_str(n, buf, sizeof(buf));
		rtnl_route_put(n);
		return br_fail_nl(c, rc, buf);
	}
	if (rc == -NLE_EXIST) {
		rtnl_route_put(n); /* already there (a half-done run): not ours to undo */
		return 0;
	}
	return push(c, BR_U_DEL_ROUTE, 0, NULL, n);
}

int br_op_route_del(struct br_ctx *c, struct rtnl_route *r, bool *gone)
{
	struct rtnl_route *n = route_for(r, 0, 0);
	char buf[96];
	int rc;

	*gone = false;
	if (!n)
		return br_fail(c, ENOMEM, "out of memory");
	if ((rc = rtnl_route_delete(c->sk, n, 0)) < 0) {
		if (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV || rc == -NLE_NOADDR) {
			*gone = true;
			rtnl_route_put(n);
			return 0;
		}
		route_str(n, buf, sizeof(buf));
		rtnl_route_put(n);
		return br_fail_nl(c, rc, buf);
	}
	return push(c, BR_U_ADD_ROUTE, 0, NULL, n);
}
