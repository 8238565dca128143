/* br_revert: undo a conversion, whatever style the kernel shows now. Direct style
 * goes back to the NIC (addresses and routes moved back, NIC released, bridge
 * deleted when no guest port remains); legacy style see legacy_revert.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>

#include "br_int.h"

/* Delete a bridge we emptied; keep it (and say so) while guests still use it. */
int br_drop_bridge(struct br_ctx *c, int br, const char *name)
{
	int ports[8];
	int n = br > 0 ? br_bridge_ports(c->sk, br, ports, 8) : 0;

	if (n < 0)
		return br_fail(c, errno, "listing the ports of %s", name);
	if (n > 0) {
		d0_err_set(c->err, 0, "%s kept: %d guest port%s still attached", name, n,
			   n == 1 ? "" : "s");
		return 0;
	}
	return br > 0 ? br_op_link_del(c, br) : 0;
}

enum br_outcome br_direct_revert(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = st->n.uplink };
	int up = st->up_idx;
	struct br_snap s;

	c.step = "snapshot";
	if (br_snap_take(sk, st->br_idx, &s, err) < 0)
		return BR_FAILED;
	/* Same order as the conversion, mirrored: the NIC has the addresses and routes
	 * before the bridge loses them, and is released last. */
	if (br_step(&c, "add-addresses") < 0 || br_addrs_add(&c, &s, up, st->n.uplink) < 0)
		goto fail;
	if (br_step(&c, "add-routes") < 0 || br_routes_add(&c, &s, up) < 0)
		goto fail;
	if (br_step(&c, "del-addresses") < 0 || br_addrs_del(&c, &s) < 0)
		goto fail;
	if (br_step(&c, "del-routes") < 0 || br_routes_del(&c, &s) < 0)
		goto fail;
	if (br_step(&c, "release") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .master = 0 }) < 0)
		goto fail;
	if (br_step(&c, "verify") < 0 || br_verify(&c, &s, up, &up, 1) < 0)
		goto fail;
	br_undo_free(&c.undo);
	/* Past the point of no return: the bridge goes. */
	if (br_step(&c, "delete-bridge") == 0)
		br_drop_bridge(&c, st->br_idx, st->n.bridge); /* a failure is only a warning */
	br_snap_free(&s);
	return BR_CONVERTED;
fail: {
	enum br_outcome o = br_rollback(&c, &s);

	br_snap_free(&s);
	return o;
}
}

enum br_outcome br_revert(struct nl_sock *sk, const struct d0_config *cfg, const char *uplink,
			  struct d0_err *err)
{
	struct br_state st;

	d0_err_clear(err);
	if (br_state_read(sk, cfg, uplink, &st, err) < 0)
		return BR_FAILED;
	switch (st.st) {
	case BRK_LEGACY:
	case BRK_HALF_LEGACY:
		return br_legacy_revert(sk, &st, err);
	case BRK_DIRECT:
		return br_direct_revert(sk, &st, err);
	case BRK_PLAIN:
		return BR_ALREADY;
	case BRK_MISSING:
		d0_err_set(err, ENODEV, "no link %s", uplink);
		return BR_SKIPPED;
	case BRK_FOREIGN:
		d0_err_set(err, EBUSY, "not ours: %s", st.why);
		return BR_SKIPPED;
	}
	return BR_FAILED;
}
