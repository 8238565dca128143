/* Legacy style (Oracle VM 2.1): ethN becomes pethN (MAC fe:ff:ff:ff:ff:ff, NOARP),
 * a veth pair vif0.N <-> vethN stands in for the old netloop, vethN is renamed ethN
 * and gets the physical MAC, the addresses and the routes; xenbrN (MAC fe:ff:..,
 * NOARP, no multicast) joins pethN and vif0.N.
 *
 * Everything that does not touch ethN is built first, so the outage is only the
 * cut-over: addresses off, down, two renames, MAC, enslave, up, addresses and routes
 * back on the new ethN - a few netlink round trips. Addresses leave ethN before the
 * rename because a rename rewrites the labels of a link's addresses. */
#include <errno.h>
#include <string.h>

#include <net/if.h>

#include "br_int.h"

enum br_outcome br_legacy_convert(struct nl_sock *sk, const struct d0_config *cfg,
				  const struct br_state *st, struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = st->n.uplink };
	const struct br_names *n = &st->n;
	struct br_linkinfo li;
	struct br_snap s;
	int up = st->up_idx, br = 0, vif, veth, carrier[2];

	c.step = "snapshot";
	if (br_snap_take(sk, up, &s, err) < 0)
		return BR_FAILED;

	if (br_step(&c, "create-veth") < 0 ||
	    br_op_veth_create(&c, n->veth, s.mac, n->vif, br_mac_feff, s.mtu) < 0)
		goto fail;
	if (br_link_read(sk, 0, n->vif, &li) < 0) {
		br_fail(&c, errno, "%s missing after creation", n->vif);
		goto fail;
	}
	vif = li.ifindex;
	if (br_link_read(sk, 0, n->veth, &li) < 0) {
		br_fail(&c, errno, "%s missing after creation", n->veth);
		goto fail;
	}
	veth = li.ifindex;
	if (br_step(&c, "vif-noarp") < 0 ||
	    br_op_link_set(&c, vif, &(struct br_linkset){ .flags = IFF_NOARP, .mask = IFF_NOARP,
							  .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "create-bridge") < 0 ||
	    br_op_bridge_create(&c, n->bridge, br_mac_feff, s.mtu, cfg->stp, cfg->forward_delay,
				&br) < 0)
		goto fail;
	if (br_step(&c, "bridge-up") < 0 ||
	    br_op_link_set(&c, br, &(struct br_linkset){ .flags = IFF_UP | IFF_NOARP,
				  .mask = IFF_UP | IFF_NOARP | IFF_MULTICAST, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "enslave-vif") < 0 ||
	    br_op_link_set(&c, vif, &(struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP,
							  .master = br }) < 0)
		goto fail;

	/* ---- cut-over ---- */
	if (br_step(&c, "del-addresses") < 0 || br_addrs_del(&c, &s) < 0)
		goto fail;
	if (br_step(&c, "uplink-down") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .mask = IFF_UP, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "rename-uplink") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .name = n->peth, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "rename-veth") < 0 ||
	    br_op_link_set(&c, veth, &(struct br_linkset){ .name = n->uplink, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "peth-mac") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .mac = br_mac_feff, .flags = IFF_NOARP,
							 .mask = IFF_NOARP, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "enslave-peth") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .master = br }) < 0)
		goto fail;
	if (br_step(&c, "peth-up") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP,
							 .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "eth-up") < 0 ||
	    br_op_link_set(&c, veth, &(struct br_linkset){ .flags = IFF_UP,
				  .mask = IFF_UP | IFF_NOARP, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "add-addresses") < 0 || br_addrs_add(&c, &s, veth, n->uplink) < 0)
		goto fail;
	if (br_step(&c, "add-routes") < 0 || br_routes_add(&c, &s, veth) < 0)
		goto fail;
	carrier[0] = up;
	carrier[1] = veth;
	if (br_step(&c, "verify") < 0 || br_verify(&c, &s, veth, carrier, 2) < 0)
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
