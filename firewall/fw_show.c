/* What is installed: the jumps into dom0net's chains and every rule of those chains,
 * with their packet and byte counters, read from one snapshot of the table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libiptc/libiptc.h>

#include "fw_int.h"

static int add_rule(struct fw_shown *s, size_t *cap, const char *chain,
		    const struct ipt_entry *ent, struct xtc_handle *h)
{
	struct fw_shown_rule *r;
	struct fw_rule fr;

	if (s->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct fw_shown_rule *nr = realloc(s->rules, nc * sizeof(*nr));

		if (!nr)
			return -1;
		s->rules = nr;
		*cap = nc;
	}
	r = &s->rules[s->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->chain, sizeof(r->chain), "%s", chain);
	fw_entry_decode(ent, iptc_get_target(ent, h), &fr);
	fw_rule_format(&fr, r->text, sizeof(r->text));
	r->packets = ent->counters.pcnt;
	r->bytes = ent->counters.bcnt;
	return 0;
}

int fw_show(struct fw_shown *s, struct d0_err *e)
{
	static const char *const builtins[] = { "INPUT", "FORWARD" };
	size_t cap = 0, plen = strlen(FW_CHAIN_PREFIX);
	struct xtc_handle *h;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (fw_xt_init(e) < 0)
		return -1;
	h = iptc_init(FW_TABLE);
	if (!h) {
		d0_err_set(e, errno, "iptc_init(%s): %s", FW_TABLE, iptc_strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < 2; i++)
		for (const struct ipt_entry *ent = iptc_first_rule(builtins[i], h); ent;
		     ent = iptc_next_rule(ent, h))
			if (strncmp(iptc_get_target(ent, h), FW_CHAIN_PREFIX, plen) == 0 &&
			    add_rule(s, &cap, builtins[i], ent, h) < 0)
				goto oom;
	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		if (strncmp(c, FW_CHAIN_PREFIX, plen) != 0)
			continue;
		s->n_chains++;
		for (const struct ipt_entry *ent = iptc_first_rule(c, h); ent;
		     ent = iptc_next_rule(ent, h))
			if (add_rule(s, &cap, c, ent, h) < 0)
				goto oom;
	}
	rc = 0;
	goto out;
oom:
	d0_err_set(e, ENOMEM, "out of memory");
	fw_shown_free(s);
out:
	iptc_free(h);
	return rc;
}

void fw_shown_free(struct fw_shown *s)
{
	if (!s)
		return;
	free(s->rules);
	s->rules = NULL;
	s->n = 0;
}
