/* The end of a failed conversion: undo every applied step newest first, then put
 * back whatever the kernel removed by itself on the way (routes dropped when a link
 * went down or lost its last address), from the snapshot. */
#include <stdio.h>
#include <string.h>

#include "br_int.h"

enum br_outcome br_rollback(struct br_ctx *c, const struct br_snap *s)
{
	char what[sizeof(c->err->msg)], why[256] = "", why2[256] = "";
	int code = c->err->code, bad, lost = 0;

	snprintf(what, sizeof(what), "%s", c->err->msg);
	bad = br_undo_run(c->sk, &c->undo, why, sizeof(why));
	if (s && s->ifindex)
		lost = br_snap_restore(c->sk, s, why2, sizeof(why2)) < 0;
	br_undo_free(&c->undo);
	c->unclean = bad || lost;
	if (bad || lost)
		d0_err_set(c->err, code, "%s; ROLLBACK INCOMPLETE: %s", what, bad ? why : why2);
	return BR_FAILED;
}
