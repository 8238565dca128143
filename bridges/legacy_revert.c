/* Reversing the legacy style, also from a half-done state: the pseudo ethN gives
 * back its addresses, routes and the physical MAC; pethN is released, renamed ethN,
 * gets that MAC and ARP back; the vif0.N pair goes, and the bridge if it is empty.
 * Each piece may be missing (a conversion cut short by a crash): its steps are then
 * skipped, and the addresses and routes that run had in flight come back from its
 * journal. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>

#include "br_int.h"

enum br_outcome br_legacy_revert(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = st->n.uplink };
	const struct br_names *n = &st->n;
	struct br_linkinfo u = { 0 }, q = { 0 }, p = { 0 };
	struct br_snap s = { 0 }, j = { 0 };
	bool journal_here = false;
	int have_j;
	const uint8_t *mac = NULL;
	int phys = 0, pseudo = 0;

	c.step = "inspect";
	if (st->up_idx && br_link_read(sk, st->up_idx, NULL, &u) == 0 &&
	    strcmp(u.kind, "veth") == 0 && st->peth_idx)
		pseudo = u.ifindex;		/* ethN is the pseudo NIC */
	else if (st->up_idx)
		phys = st->up_idx;		/* ethN is still the NIC (cut short early) */
	if (st->peth_idx && br_link_read(sk, st->peth_idx, NULL, &p) == 0)
		phys = p.ifindex;
	if (!pseudo && st->veth_idx)
		pseudo = st->veth_idx;		/* vethN not yet renamed */
	if (pseudo && br_link_read(sk, pseudo, NULL, &q) < 0)
		pseudo = 0;
	if (!phys) {
		d0_err_set(err, ENODEV, "%s: neither %s nor %s exists", n->uplink, n->uplink,
			   n->peth);
		return BR_FAILED;
	}
	if (pseudo && memcmp(q.mac, br_mac_feff, BR_MAC_LEN) != 0)
		mac = q.mac;			/* the physical MAC, kept on the pseudo NIC */
	else if (p.ifindex && memcmp(p.mac, br_mac_feff, BR_MAC_LEN) != 0)
		mac = p.mac;

	/* Addresses and routes of a run that died with them in flight. */
	c.step = "journal";
	if ((have_j = br_journal_load(n->uplink, &j)) < 0) {
		d0_err_set(err, errno, "%s: unreadable journal: %s", n->uplink, strerror(errno));
		return BR_FAILED;
	}
	c.step = "snapshot";
	if (pseudo && br_snap_take(sk, pseudo, &s, err) < 0) {
		br_snap_free(&j);
		return BR_FAILED;
	}

	if (p.ifindex && (br_step(&c, "peth-down") < 0 ||
			  br_op_link_set(&c, phys, &(struct br_linkset){ .mask = IFF_UP,
									 .master = -1 }) < 0))
		goto fail;
	if (pseudo) {
		if (!have_j && s.n_addrs + s.n_routes > 0) {
			if (br_journal_save(&s, n->uplink) < 0) {
				br_fail(&c, errno, "cannot write the journal: %s", strerror(errno));
				goto fail;
			}
			journal_here = true;
		}
		if (br_step(&c, "del-addresses") < 0 || br_addrs_del(&c, &s) < 0)
			goto fail;
		if (br_step(&c, "pseudo-down") < 0 ||
		    br_op_link_set(&c, pseudo, &(struct br_linkset){ .mask = IFF_UP,
								     .master = -1 }) < 0)
			goto fail;
		if (strcmp(q.name, n->uplink) == 0 &&
		    (br_step(&c, "rename-pseudo") < 0 ||
		     br_op_link_set(&c, pseudo, &(struct br_linkset){ .name = n->veth,
								      .master = -1 }) < 0))
			goto fail;
	}
	if (br_step(&c, "release-peth") < 0 ||
	    br_op_link_set(&c, phys, &(struct br_linkset){ .master = 0 }) < 0)
		goto fail;
	if (p.ifindex && (br_step(&c, "rename-peth") < 0 ||
			  br_op_link_set(&c, phys, &(struct br_linkset){ .name = n->uplink,
									 .master = -1 }) < 0))
		goto fail;
	/* Only a NIC that became pethN had its MAC, ARP and IPv6 mode changed. */
	if (p.ifindex &&
	    (br_step(&c, "uplink-mac") < 0 ||
	     br_op_link_set(&c, phys, &(struct br_linkset){ .mac = mac, .mask = IFF_NOARP,
				  .master = -1, .set_addrgen = pseudo && q.addrgen >= 0,
				  .addrgen = (uint8_t)q.addrgen }) < 0))
		goto fail;
	if (br_step(&c, "uplink-up") < 0 ||
	    br_op_link_set(&c, phys, &(struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP,
							   .master = -1 }) < 0)
		goto fail;
	if (pseudo) {
		if (br_step(&c, "add-addresses") < 0 || br_addrs_add(&c, &s, phys, n->uplink) < 0)
			goto fail;
		if (br_step(&c, "add-routes") < 0 || br_routes_add(&c, &s, phys) < 0)
			goto fail;
		if (br_step(&c, "verify") < 0 || br_verify(&c, &s, phys, &phys, 1) < 0)
			goto fail;
	}
	if (have_j && (br_step(&c, "journal-restore") < 0 ||
		       br_addrs_add(&c, &j, phys, n->uplink) < 0 ||
		       br_routes_add(&c, &j, phys) < 0))
		goto fail;
	br_undo_free(&c.undo);
	br_journal_drop(n->uplink);
	br_snap_free(&j);
	/* Past the point of no return: the pair and the bridge go. */
	c.step = "delete-veth";
	if (st->vif_idx)
		br_op_link_del(&c, st->vif_idx);
	else if (pseudo)
		br_op_link_del(&c, pseudo);
	if (!err->msg[0] && br_step(&c, "delete-bridge") == 0)
		br_drop_bridge(&c, st->br_idx, n->bridge);
	br_snap_free(&s);
	return BR_CONVERTED;
fail: {
	enum br_outcome o = br_rollback(&c, pseudo ? &s : NULL);

	if (journal_here && !c.unclean)
		br_journal_drop(n->uplink);
	br_snap_free(&j);
	br_snap_free(&s);
	return o;
}
}
