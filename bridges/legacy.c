/* Legacy style (Oracle VM 2.1): ethN becomes pethN (MAC fe:ff:ff:ff:ff:ff, NOARP),
 * a veth pair vif0.N <-> vethN stands in for the old netloop, vethN is renamed ethN
 * and gets the physical MAC, the addresses and the routes; xenbrN (MAC fe:ff:..,
 * NOARP, no multicast) joins pethN and vif0.N.
 *
 * Everything that does not touch ethN is built first, so the outage is only the
 * cut-over: addresses off, down, two renames, MAC, enslave, up, addresses and routes
 * back on the new ethN - a few netlink round trips. Addresses leave ethN before the
 * rename because a rename rewrites the labels of a link's addresses. While they are
 * off, the journal (journal.c) holds them for a run that has to recover. */
#include <errno.h>
#include <string.h>

#include <linux/if_link.h>
#include <net/if.h>

#include "br_int.h"

/* No IPv6 link-local on pethN, vif0.N and the bridge: they carry no address. */
#define NO_LL IN6_ADDR_GEN_MODE_NONE

/* VLAN devices on the NIC (ethN.V) follow its MAC for as long as nobody set theirs.
 * pethN is about to take fe:ff:ff:ff:ff:ff: set each such VLAN's MAC explicitly (to the
 * value it has) first, so that it and any bridge over it keep the NIC's real MAC. */
static int pin_vlans(struct br_ctx *c, int nic, const uint8_t mac[BR_MAC_LEN])
{
	int vlans[64];
	int n = br_vlan_uppers(c->sk, nic, vlans, 64);
	struct br_linkinfo li;

	if (n < 0)
		return br_fail(c, errno, "cannot list the VLANs on the NIC");
	for (int i = 0; i < n; i++) {
		if (br_link_read(c->sk, vlans[i], NULL, &li) < 0 ||
		    memcmp(li.mac, mac, BR_MAC_LEN) != 0)
			continue;
		if (br_op_link_set(c, vlans[i], &(struct br_linkset){ .mac = mac, .pin_mac = true,
								    .master = -1 }) < 0)
			return -1;
	}
	return 0;
}

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
	/* vif0.N: NOARP and no IPv6 link-local (no address at all); the pseudo NIC makes
	 * its IPv6 link-local the way the NIC did. */
	if (br_step(&c, "pair-setup") < 0 ||
	    br_op_link_set(&c, vif, &(struct br_linkset){ .flags = IFF_NOARP, .mask = IFF_NOARP,
				  .master = -1, .set_addrgen = true, .addrgen = NO_LL }) < 0 ||
	    br_op_link_set(&c, veth, &(struct br_linkset){ .master = -1,
				  .set_addrgen = s.addrgen >= 0, .addrgen = (uint8_t)s.addrgen }) < 0)
		goto fail;
	if (br_step(&c, "create-bridge") < 0 ||
	    br_op_bridge_create(&c, n->bridge, br_mac_feff, s.mtu, cfg->stp, cfg->forward_delay,
				&br) < 0)
		goto fail;
	if (br_step(&c, "bridge-up") < 0 ||
	    br_op_link_set(&c, br, &(struct br_linkset){ .master = -1, .set_addrgen = true,
							 .addrgen = NO_LL }) < 0 ||
	    br_op_link_set(&c, br, &(struct br_linkset){ .flags = IFF_UP | IFF_NOARP,
				  .mask = IFF_UP | IFF_NOARP | IFF_MULTICAST, .master = -1 }) < 0)
		goto fail;
	if (br_step(&c, "enslave-vif") < 0 ||
	    br_op_link_set(&c, vif, &(struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP,
							  .master = br }) < 0)
		goto fail;

	/* ---- cut-over ---- */
	if (br_step(&c, "journal") < 0)
		goto fail;
	if (br_journal_save(&s, n->uplink) < 0) {
		br_fail(&c, errno, "cannot write the journal: %s", strerror(errno));
		goto fail;
	}
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
	if (br_step(&c, "pin-vlans") < 0 || pin_vlans(&c, up, s.mac) < 0)
		goto fail;
	if (br_step(&c, "peth-mac") < 0 ||
	    br_op_link_set(&c, up, &(struct br_linkset){ .mac = br_mac_feff, .flags = IFF_NOARP,
				  .mask = IFF_NOARP, .master = -1, .set_addrgen = true,
				  .addrgen = NO_LL }) < 0)
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
	br_journal_drop(n->uplink);
	br_snap_free(&s);
	return BR_CONVERTED;
fail: {
	enum br_outcome o = br_rollback(&c, &s);

	if (!c.unclean) /* else keep it for the next run */
		br_journal_drop(n->uplink);
	br_snap_free(&s);
	return o;
}
}

/* Legacy pieces all in place but a journal left: the run died after the cut-over,
 * before the addresses and routes were all back. Put them on the pseudo NIC. */
enum br_outcome br_legacy_finish(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = st->n.uplink };
	struct br_snap j;
	int r;

	if ((r = br_journal_load(st->n.uplink, &j)) <= 0) {
		if (r < 0)
			d0_err_set(err, 0, "warning: unreadable journal for %s ignored",
				   st->n.uplink);
		return BR_ALREADY;
	}
	if (br_step(&c, "journal-restore") < 0 ||
	    br_addrs_add(&c, &j, st->up_idx, st->n.uplink) < 0 ||
	    br_routes_add(&c, &j, st->up_idx) < 0)
		goto fail;
	j.carrier = false; /* the carrier was verified when the links were set up */
	if (br_step(&c, "verify") < 0 || br_verify(&c, &j, st->up_idx, NULL, 0) < 0)
		goto fail;
	br_undo_free(&c.undo);
	br_journal_drop(st->n.uplink);
	br_snap_free(&j);
	d0_err_set(err, 0, "finished a half-done legacy conversion from its journal");
	return BR_CONVERTED;
fail:
	/* Keep the journal: the addresses are still only there. */
	br_rollback(&c, NULL);
	br_snap_free(&j);
	return BR_FAILED;
}
