/* br_convert: the entry point. Reads the kernel state of the uplink, decides between
 * nothing to do, refusing, finishing/cleaning a half-done run, or converting in the
 * configured style; warns about a DHCP client left on the NIC. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "br_int.h"

/* Refuse NICs that carry the root file system or that NetworkManager manages. */
static int refused(struct nl_sock *sk, const struct br_state *st, struct d0_err *err)
{
	struct br_safety_paths p;
	struct br_snap s;
	char why[300];
	int r = 0;

	br_safety_paths_default(&p);
	if (br_snap_take(sk, st->up_idx, &s, err) < 0)
		return -1;
	if (br_carries_root(&p, &s, why, sizeof(why)) || br_nm_manages(&p, &s, why, sizeof(why))) {
		d0_err_set(err, EBUSY, "refused: %s (set force = yes in [nic %s] to override)",
			   why, st->n.uplink);
		r = 1;
	}
	br_snap_free(&s);
	return r;
}

/* A DHCP client keeps renewing on the NIC while its lease address now lives on the
 * bridge (direct) or the pseudo NIC (legacy), where nobody extends its lifetime. */
static void dhcp_warning(const struct br_state *st, enum br_style style, struct d0_err *err)
{
	const char *on = style == BR_STYLE_LEGACY ? st->n.uplink : st->n.bridge;
	struct br_safety_paths p;
	char who[64];

	br_safety_paths_default(&p);
	if (br_dhcp_client(&p, st->n.uplink, who, sizeof(who)))
		d0_err_set(err, 0, "warning: DHCP client %s still runs on %s; its lease address "
			   "now lives on %s%s with the lease's lifetime and expires there unless "
			   "renewed: restart the client on %s (see doc/bridges.md)", who,
			   st->n.uplink, style == BR_STYLE_LEGACY ? "the pseudo NIC " : "", on, on);
}

enum br_outcome br_convert(struct nl_sock *sk, const struct d0_config *cfg, const char *uplink,
			   struct d0_err *err)
{
	const struct d0_nic_cfg *nic = NULL;
	enum br_style style = config_style_for(cfg, uplink, &nic);
	enum br_outcome o;
	struct br_state st;
	char note[sizeof(st.why) + 64] = "";

	d0_err_clear(err);
	if (style == BR_STYLE_NONE) {
		d0_err_set(err, 0, "style none");
		return BR_SKIPPED;
	}
	if (br_state_read(sk, cfg, uplink, &st, err) < 0)
		return err->code == ENAMETOOLONG ? BR_SKIPPED : BR_FAILED;

	if (st.st == BRK_HALF_LEGACY) {
		/* A legacy conversion cut short (crash, kill): go back to the plain NIC
		 * first, then convert afresh. */
		snprintf(note, sizeof(note), "half-done legacy conversion found (%s): undone and "
			 "converted again", st.why);
		if ((o = br_legacy_revert(sk, &st, err)) == BR_FAILED) {
			char m[sizeof(err->msg)];

			snprintf(m, sizeof(m), "%s", err->msg);
			d0_err_set(err, err->code, "half-done legacy conversion found (%s); "
				   "cleaning it up failed: %s", st.why, m);
			return BR_FAILED;
		}
		d0_err_clear(err);
		if (br_state_read(sk, cfg, uplink, &st, err) < 0)
			return BR_FAILED;
	}
	switch (st.st) {
	case BRK_MISSING:
		d0_err_set(err, ENODEV, "no link %s", uplink);
		return BR_SKIPPED;
	case BRK_FOREIGN:
		d0_err_set(err, EBUSY, "%s", st.why);
		return BR_SKIPPED;
	case BRK_HALF_LEGACY:
		d0_err_set(err, EAGAIN, "%s: still half-done after clean-up (%s)", uplink, st.why);
		return BR_FAILED;
	case BRK_LEGACY:
		if (style == BR_STYLE_LEGACY)
			return br_legacy_finish(sk, &st, err); /* BR_ALREADY unless half-done */
		d0_err_set(err, EEXIST, "%s is bridged in legacy style but configured %s: run "
			   "netd --stop-bridges first", uplink, br_style_name(style));
		return BR_SKIPPED;
	case BRK_DIRECT:
		if (style != BR_STYLE_DIRECT) {
			d0_err_set(err, EEXIST, "%s is bridged in direct style but configured %s: "
				   "run netd --stop-bridges first", uplink, br_style_name(style));
			return BR_SKIPPED;
		}
		/* Also finishes a direct conversion cut short after the enslave. */
		return br_direct_convert(sk, cfg, &st, err);
	case BRK_PLAIN:
		break;
	}
	if (!(nic && nic->force)) {
		int r = refused(sk, &st, err);

		if (r != 0)
			return r > 0 ? BR_SKIPPED : BR_FAILED;
	}
	o = style == BR_STYLE_LEGACY ? br_legacy_convert(sk, cfg, &st, err)
				     : br_direct_convert(sk, cfg, &st, err);
	if (o == BR_CONVERTED) {
		dhcp_warning(&st, style, err);
		if (note[0] && !err->msg[0])
			d0_err_set(err, 0, "%s", note);
	}
	return o;
}
