/* 802.1Q VLAN devices PIF.VID on request (OvmNetwork.createVlan / deleteVlan). Where
 * the kernel lacks the 8021q module the create is refused with EOPNOTSUPP and a
 * message saying so (the lane-1 lab kernel is such a kernel). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/vlan.h>

#include <dom0net/br_api.h>
#include <dom0net/nl.h>

#include "br_int.h"

static enum br_outcome refuse(struct d0_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum br_outcome refuse(struct d0_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	errno = code;
	return BR_SKIPPED;
}

static int vlan_add(struct nl_sock *sk, int parent, const char *name, unsigned vid)
{
	struct rtnl_link *l = rtnl_link_vlan_alloc();
	int rc;

	if (!l)
		return -NLE_NOMEM;
	rtnl_link_set_link(l, parent);
	rtnl_link_set_name(l, name);
	rc = rtnl_link_vlan_set_id(l, (uint16_t)vid);
	if (rc == 0)
		rc = rtnl_link_add(sk, l, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(l);
	return rc;
}

enum br_outcome br_api_vlan_create(struct nl_sock *sk, const char *pif, unsigned vid,
				   char name_out[IFNAMSIZ], struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = pif };
	struct br_linkinfo pl, vl;
	struct br_linkset set = { .flags = IFF_UP, .mask = IFF_UP, .master = -1 };
	char name[IFNAMSIZ], buf[256];
	int rc;

	if (vid < 1 || vid > 4094 || !ifname_valid(pif) ||
	    (size_t)snprintf(name, sizeof(name), "%s.%u", pif, vid) >= sizeof(name))
		return refuse(err, EINVAL, "bad VLAN %s.%u", pif, vid);
	if (name_out)
		snprintf(name_out, IFNAMSIZ, "%s", name);
	if (br_link_read(sk, 0, pif, &pl) < 0)
		return refuse(err, ENODEV, "Physical Interface(%s) does not exist", pif);
	if (br_link_read(sk, 0, name, &vl) == 0) {
		if (strcmp(vl.kind, "vlan") != 0 || vl.link != pl.ifindex)
			return refuse(err, EEXIST, "%s exists and is not VLAN %u of %s", name, vid,
				      pif);
		if (vl.flags & IFF_UP)
			return BR_ALREADY;
	} else {
		if (br_step(&c, "create-vlan") < 0)
			goto fail;
		rc = vlan_add(sk, pl.ifindex, name, vid);
		if (rc == -NLE_OPNOTSUPP || rc == -NLE_AF_NOSUPPORT)
			return refuse(err, EOPNOTSUPP, "cannot create %s: this kernel has no 802.1Q "
				      "VLAN support (module 8021q): %s", name,
				      d0_nl_strerror(sk, rc, buf, sizeof(buf)));
		if (rc < 0) {
			br_fail_nl(&c, rc, name);
			goto fail;
		}
		if (br_link_read(sk, 0, name, &vl) < 0) {
			br_fail(&c, EIO, "%s vanished after creation", name);
			goto fail;
		}
		if (br_undo_push(&c.undo, &(struct br_undo_ent){ BR_U_DEL_LINK, c.step, vl.ifindex,
								 NULL, NULL }) < 0) {
			br_fail(&c, ENOMEM, "undo log: out of memory");
			goto fail;
		}
	}
	if (br_step(&c, "vlan-up") < 0 || br_op_link_set(&c, vl.ifindex, &set) < 0)
		goto fail;
	br_undo_free(&c.undo);
	return BR_CONVERTED;
fail:
	br_undo_run(sk, &c.undo, NULL, 0);
	br_undo_free(&c.undo);
	return BR_FAILED;
}

enum br_outcome br_api_vlan_delete(struct nl_sock *sk, const char *name, struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = name };
	struct br_linkinfo vl;
	struct br_snap s;
	bool addrs;

	if (br_link_read(sk, 0, name, &vl) < 0) {
		int e = errno;

		return e == ENODEV ? BR_ALREADY : refuse(err, e, "%s: %s", name, strerror(e));
	}
	if (strcmp(vl.kind, "vlan") != 0)
		return refuse(err, EINVAL, "%s is not a VLAN device", name);
	if (vl.master) {
		struct br_linkinfo m;

		return refuse(err, EBUSY, "%s is a port of %s: delete that bridge first", name,
			      br_link_read(sk, vl.master, NULL, &m) == 0 ? m.name : "another device");
	}
	if (br_snap_take(sk, vl.ifindex, &s, err) < 0)
		return BR_FAILED;
	addrs = s.n_addrs > 0;
	br_snap_free(&s);
	if (addrs)
		return refuse(err, EADDRINUSE, "%s carries IP addresses; not deleted", name);
	if (br_step(&c, "delete-vlan") < 0 || br_op_link_del(&c, vl.ifindex) < 0) {
		br_undo_free(&c.undo);
		return BR_FAILED;
	}
	br_undo_free(&c.undo);
	return BR_CONVERTED;
}
