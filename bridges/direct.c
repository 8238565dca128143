/* Direct style (Oracle VM 2.2): xenbrN with the NIC's MAC and MTU, the NIC enslaved
 * as it is, its addresses and routes moved to the bridge. No renames, no down.
 *
 * Order for management connectivity: the bridge is ready before the NIC is
 * enslaved; once enslaved, frames for the host arrive on the bridge but still match
 * the addresses on ethN (weak host model) and replies still leave through ethN, so
 * nothing is lost while the addresses are added to the bridge, its routes are put
 * in front of the old ones, and only then the old addresses (and with the last one
 * the kernel's routes via ethN) go away. */
#include <errno.h>
#include <string.h>

#include <net/if.h>

#include "br_int.h"

enum br_outcome br_direct_convert(struct nl_sock *sk, const struct d0_config *cfg,
				  const struct br_state *st, struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = st->n.uplink };
	struct br_linkset set;
	struct br_snap s;
	struct br_linkinfo bl, ul;
	int br = st->br_idx;
	bool have_bridge = br > 0;

	c.step = "snapshot";
	if (br_snap_take(sk, st->up_idx, &s, err) < 0)
		return BR_FAILED;
	if (st->st == BRK_DIRECT && s.n_addrs == 0 && s.n_routes == 0 &&
	    br_link_read(sk, br, NULL, &bl) == 0 && (bl.flags & IFF_UP) &&
	    br_link_read(sk, st->up_idx, NULL, &ul) == 0 && (ul.flags & IFF_UP)) {
		br_snap_free(&s);
		return BR_ALREADY;
	}

	if (!have_bridge &&
	    (br_step(&c, "create-bridge") < 0 ||
	     br_op_bridge_create(&c, st->n.bridge, s.mac, s.mtu, cfg->stp, cfg->forward_delay,
				 &br) < 0))
		goto fail;
	set = (struct br_linkset){ .mac = s.mac, .flags = IFF_UP, .mask = IFF_UP, .master = -1 };
	if (br_step(&c, "bridge-up") < 0 || br_op_link_set(&c, br, &set) < 0)
		goto fail;
	set = (struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP, .master = br };
	if (br_step(&c, "enslave") < 0 || br_op_link_set(&c, st->up_idx, &set) < 0)
		goto fail;
	if (br_step(&c, "add-addresses") < 0 || br_addrs_add(&c, &s, br, st->n.bridge) < 0)
		goto fail;
	if (br_step(&c, "add-routes") < 0 || br_routes_add(&c, &s, br) < 0)
		goto fail;
	if (br_step(&c, "del-addresses") < 0 || br_addrs_del(&c, &s) < 0)
		goto fail;
	if (br_step(&c, "del-routes") < 0 || br_routes_del(&c, &s) < 0)
		goto fail;
	if (br_step(&c, "verify") < 0 || br_verify(&c, &s, br, &br, 1) < 0)
		goto fail;
	br_undo_free(&c.undo);
	br_snap_free(&s);
	return BR_CONVERTED;
fail: {
	enum br_outcome o = br_rollback(&c, &s);

	br_snap_free(&s);
	return o;
}
}
