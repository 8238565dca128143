/* Applying to the kernel: one libiptc transaction per change (read the table,
 * change it, commit once, always free the handle; when another writer committed
 * first, EAGAIN: re-read and redo, a bounded number of times). The whole-policy
 * transaction rebuilds DOM0NET-INPUT under a new name and swaps the jump in the same
 * commit, so no packet ever sees a half-built chain and ssh/agent stay accepted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libiptc/libiptc.h>

#include "fw_int.h"

/* libiptc takes chain names as char[32]: copy literals into one so nothing reads past. */
struct label {
	xt_chainlabel s;
};

static struct label L(const char *name)
{
	struct label l;

	memset(&l, 0, sizeof(l));
	snprintf(l.s, sizeof(l.s), "%s", name);
	return l;
}

static int iptc_fail(struct d0_err *e, const char *what, const char *chain)
{
	int err = errno;

	d0_err_set(e, err ? err : EINVAL, "%s %s: %s", what, chain, iptc_strerror(err));
	errno = err ? err : EINVAL;
	return -1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* One read-change-commit under the xtables lock. Returns 0 committed, 1 when fn had
 * nothing to do, -1 with errno (EAGAIN/EINVAL at commit: another writer won). */
static int transact_once(struct fw *fw, fw_tx_fn fn, void *arg, struct d0_err *e)
{
	struct xtc_handle *h;
	int lock, rc, err;

	lock = fw_xtlock_take(FW_XTLOCK_WAIT_MS);
	if (lock < 0) {
		err = errno;
		d0_err_set(e, err, "the xtables lock: %s", strerror(err));
		errno = err;
		return -1;
	}
	h = iptc_init(FW_TABLE);
	if (!h) {
		err = errno;
		d0_err_set(e, err, "iptc_init(%s): %s", FW_TABLE, iptc_strerror(err));
		fw_xtlock_release(lock);
		errno = err == EAGAIN ? EIO : err; /* not a commit race: do not retry */
		return -1;
	}
	rc = fn(fw, h, arg, e);
	if (rc > 0) {
		if (fw->precommit)
			fw->precommit(fw->precommit_arg);
		rc = iptc_commit(h) ? 0 : -1;
		if (rc < 0)
			d0_err_set(e, errno, "iptc_commit(%s): %s", FW_TABLE, iptc_strerror(errno));
	} else {
		rc = rc < 0 ? -2 : 1; /* fn failed (not retryable) / nothing to commit */
	}
	err = errno;
	iptc_free(h);
	fw_xtlock_release(lock);
	errno = err;
	return rc;
}

int fw_transact(struct fw *fw, fw_tx_fn fn, void *arg, struct d0_err *e)
{
	long long deadline = now_ms() + FW_RETRY_MS;

	for (unsigned attempt = 1;; attempt++) {
		int rc = transact_once(fw, fn, arg, e);
		int err = errno;

		if (rc == 0) {
			fw->stats.commits++;
			return 0;
		}
		if (rc == 1)
			return 0;
		/* EAGAIN: the table changed since we read it, nothing was replaced.
		 * EINVAL here is (almost always) the second half of libiptc's commit: the
		 * table was replaced, then a writer that ignores the xtables lock replaced it
		 * again before our counters were added back. Either way the state is
		 * unknown: re-read and redo (every transaction is idempotent), bounded. */
		if (rc == -2 || (err != EAGAIN && err != EINVAL) ||
		    (attempt >= FW_MAX_ATTEMPTS && now_ms() >= deadline)) {
			if (rc == -1 && (err == EAGAIN || err == EINVAL))
				d0_err_set(e, err, "iptc_commit(%s) (other writers kept committing "
					   "first): %s", FW_TABLE, iptc_strerror(err));
			fw->stats.failures++;
			errno = err;
			return -1;
		}
		/* Back off, exponentially and jittered (0.1 ms doubling up to 20 ms), so a
		 * busy writer leaves us a gap. */
		fw->stats.retries++;
		{
			long cap = 100L << (attempt < 8 ? attempt : 8);

			if (cap > 20000)
				cap = 20000;
			nanosleep(&(struct timespec){ 0, (rand() % cap + 50) * 1000L }, NULL);
		}
	}
}

int fw_tx_ensure_chain(struct xtc_handle *h, const char *chain, struct d0_err *e)
{
	if (iptc_is_chain(chain, h))
		return 0;
	if (!iptc_create_chain(L(chain).s, h))
		return iptc_fail(e, "create chain", chain);
	return 0;
}

static struct ipt_entry *jump_entry(const char *chain, struct d0_err *e)
{
	struct fw_rule r;

	memset(&r, 0, sizeof(r));
	snprintf(r.target, sizeof(r.target), "%s", chain);
	return fw_entry_build(&r, e);
}

/* Indexes (0-based) of the rules of builtin that jump to chain. */
static size_t find_jumps(struct xtc_handle *h, const char *builtin, const char *chain,
			 unsigned *idx, size_t max)
{
	size_t n = 0;
	unsigned i = 0;

	for (const struct ipt_entry *ent = iptc_first_rule(builtin, h); ent;
	     ent = iptc_next_rule(ent, h), i++)
		if (strcmp(iptc_get_target(ent, h), chain) == 0 && n < max)
			idx[n++] = i;
	return n;
}

int fw_tx_ensure_jump(struct xtc_handle *h, const char *builtin, const char *chain,
		      struct d0_err *e)
{
	unsigned idx[16];
	size_t n = find_jumps(h, builtin, chain, idx, 16);
	struct ipt_entry *ent;

	/* Extra copies are ours too (e.g. added by hand): keep the first only. */
	while (n > 1)
		if (!iptc_delete_num_entry(L(builtin).s, idx[--n], h))
			return iptc_fail(e, "delete duplicate jump in", builtin);
	if (n == 1)
		return 0;
	if (!(ent = jump_entry(chain, e)))
		return -1;
	if (!iptc_insert_entry(L(builtin).s, ent, 0, h)) {
		free(ent);
		return iptc_fail(e, "insert jump into", builtin);
	}
	free(ent);
	return 0;
}

int fw_tx_append(struct xtc_handle *h, const char *chain, const struct fw_rule *r,
		 struct d0_err *e)
{
	struct ipt_entry *ent = fw_entry_build(r, e);
	int ok;

	if (!ent)
		return -1;
	ok = iptc_append_entry(L(chain).s, ent, h);
	free(ent);
	return ok ? 0 : iptc_fail(e, "append to", chain);
}

int fw_tx_insert_first(struct xtc_handle *h, const char *chain, const struct fw_rule *r,
		       struct d0_err *e)
{
	struct ipt_entry *ent = fw_entry_build(r, e);
	int ok;

	if (!ent)
		return -1;
	ok = iptc_insert_entry(L(chain).s, ent, 0, h);
	free(ent);
	return ok ? 0 : iptc_fail(e, "insert into", chain);
}

int fw_tx_drop_chain(struct xtc_handle *h, const char *chain, struct d0_err *e)
{
	if (!iptc_is_chain(chain, h))
		return 0;
	if (!iptc_flush_entries(L(chain).s, h))
		return iptc_fail(e, "flush", chain);
	if (!iptc_delete_chain(L(chain).s, h))
		return iptc_fail(e, "delete chain", chain);
	return 0;
}

int fw_tx_delete_rules(struct xtc_handle *h, const char *chain,
		       bool (*match)(const struct fw_rule *r, const void *arg), const void *arg,
		       struct d0_err *e)
{
	unsigned *idx = NULL;
	size_t n = 0, cap = 0;
	unsigned i = 0;
	int rc = 0;

	for (const struct ipt_entry *ent = iptc_first_rule(chain, h); ent;
	     ent = iptc_next_rule(ent, h), i++) {
		struct fw_rule r;

		fw_entry_decode(ent, iptc_get_target(ent, h), &r);
		if (!match(&r, arg))
			continue;
		if (n == cap) {
			unsigned *ni = realloc(idx, (cap = cap ? cap * 2 : 16) * sizeof(*idx));

			if (!ni) {
				free(idx);
				d0_err_set(e, ENOMEM, "out of memory");
				return -1;
			}
			idx = ni;
		}
		idx[n++] = i;
	}
	while (n > 0 && rc == 0)
		if (!iptc_delete_num_entry(L(chain).s, idx[--n], h))
			rc = iptc_fail(e, "delete rule in", chain);
	free(idx);
	return rc;
}

/* DOM0NET-INPUT: built fully as DOM0NET-INPUT-NEW, the INPUT jump pointed at it,
 * the old chain deleted, the new one renamed: all inside one commit. */
static int swap_input(struct xtc_handle *h, const struct fw_policy *p, struct d0_err *e)
{
	struct fw_rule *rules = NULL;
	struct ipt_entry *jump = NULL;
	unsigned idx[16];
	size_t n, max = (size_t)FW_MAX_SERVICES * (FW_MAX_SOURCES + 1) + 8;
	int count, rc = -1;

	rules = calloc(max, sizeof(*rules));
	if (!rules) {
		d0_err_set(e, ENOMEM, "out of memory");
		return -1;
	}
	count = fw_policy_render_input(p, rules, max);
	if (count < 0) {
		d0_err_set(e, errno, "rendering the policy: %s", strerror(errno));
		goto out;
	}
	if (fw_tx_drop_chain(h, FW_CHAIN_INPUT_NEW, e) < 0 ||
	    fw_tx_ensure_chain(h, FW_CHAIN_INPUT_NEW, e) < 0)
		goto out;
	for (int i = 0; i < count; i++)
		if (fw_tx_append(h, FW_CHAIN_INPUT_NEW, &rules[i], e) < 0)
			goto out;
	if (!(jump = jump_entry(FW_CHAIN_INPUT_NEW, e)))
		goto out;
	n = find_jumps(h, "INPUT", FW_CHAIN_INPUT, idx, 16);
	while (n > 1)
		if (!iptc_delete_num_entry(L("INPUT").s, idx[--n], h)) {
			iptc_fail(e, "delete duplicate jump in", "INPUT");
			goto out;
		}
	if (n == 1 ? !iptc_replace_entry(L("INPUT").s, jump, idx[0], h)
		   : !iptc_insert_entry(L("INPUT").s, jump, 0, h)) {
		iptc_fail(e, "jump from", "INPUT");
		goto out;
	}
	if (fw_tx_drop_chain(h, FW_CHAIN_INPUT, e) < 0)
		goto out;
	if (!iptc_rename_chain(L(FW_CHAIN_INPUT_NEW).s, L(FW_CHAIN_INPUT).s, h)) {
		iptc_fail(e, "rename", FW_CHAIN_INPUT_NEW);
		goto out;
	}
	rc = 0;
out:
	free(jump);
	free(rules);
	return rc;
}

/* Every rule of a built-in chain that jumps into one of ours. */
static bool jumps_to_ours(const struct fw_rule *r, const void *arg)
{
	return strncmp(r->target, FW_CHAIN_PREFIX, strlen(FW_CHAIN_PREFIX)) == 0;
}

static int remove_all(struct xtc_handle *h, struct d0_err *e)
{
	char (*names)[32] = NULL;
	size_t n = 0, cap = 0;
	int rc = -1;

	if (fw_tx_delete_rules(h, "INPUT", jumps_to_ours, NULL, e) < 0 ||
	    fw_tx_delete_rules(h, "FORWARD", jumps_to_ours, NULL, e) < 0)
		return -1;
	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		if (strncmp(c, FW_CHAIN_PREFIX, strlen(FW_CHAIN_PREFIX)) != 0)
			continue;
		if (n == cap) {
			void *nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn) {
				d0_err_set(e, ENOMEM, "out of memory");
				goto out;
			}
			names = nn;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", c);
	}
	/* Flush all first: our chains jump into each other. */
	for (size_t i = 0; i < n; i++)
		if (!iptc_flush_entries(L(names[i]).s, h)) {
			iptc_fail(e, "flush", names[i]);
			goto out;
		}
	for (size_t i = 0; i < n; i++)
		if (!iptc_delete_chain(L(names[i]).s, h)) {
			iptc_fail(e, "delete chain", names[i]);
			goto out;
		}
	rc = n ? 1 : 0;
out:
	free(names);
	return rc;
}

struct apply_arg {
	const struct fw_policy *p;
	unsigned flags;
	struct fw_vif *adopted;
	size_t n_adopted;
};

static int tx_apply(struct fw *fw, struct xtc_handle *h, void *argp, struct d0_err *e)
{
	struct apply_arg *a = argp;

	free(a->adopted); /* from an attempt that lost the race */
	a->adopted = NULL;
	a->n_adopted = 0;
	if (!a->p->enable)
		return remove_all(h, e);
	if (fw_tx_ensure_chain(h, FW_CHAIN_FORWARD, e) < 0 ||
	    fw_tx_ensure_jump(h, "FORWARD", FW_CHAIN_FORWARD, e) < 0)
		return -1;
	if (swap_input(h, a->p, e) < 0)
		return -1;
	if (!a->p->antispoof) {
		if (fw_tx_vifs_clear(h, e) < 0)
			return -1;
	} else if (a->flags & FW_APPLY_ADOPT) {
		if (fw_tx_vifs_adopt(h, &a->adopted, &a->n_adopted, e) < 0)
			return -1;
	}
	return 1;
}

int fw_apply(struct fw *fw, const struct fw_policy *p, unsigned flags, struct d0_err *e)
{
	struct apply_arg a = { p, flags, NULL, 0 };
	struct fw_policy *copy = malloc(sizeof(*copy));

	if (!copy) {
		d0_err_set(e, ENOMEM, "out of memory");
		return -1;
	}
	*copy = *p;
	if (fw_transact(fw, tx_apply, &a, e) < 0) {
		free(a.adopted);
		free(copy);
		return -1;
	}
	free(fw->policy);
	fw->policy = copy;
	if (!p->enable || !p->antispoof)
		fw_records_replace(fw, NULL, 0);
	else if (flags & FW_APPLY_ADOPT)
		fw_records_replace(fw, a.adopted, a.n_adopted);
	else
		free(a.adopted);
	return 0;
}

static int tx_remove(struct fw *fw, struct xtc_handle *h, void *arg, struct d0_err *e)
{
	return remove_all(h, e);
}

int fw_remove_all(struct fw *fw, struct d0_err *e)
{
	if (fw_xt_init(e) < 0 || fw_transact(fw, tx_remove, NULL, e) < 0)
		return -1;
	fw_records_replace(fw, NULL, 0);
	return 0;
}

struct fw *fw_new(struct d0_err *e)
{
	struct fw *fw;

	if (fw_xt_init(e) < 0)
		return NULL;
	fw = calloc(1, sizeof(*fw));
	if (!fw)
		d0_err_set(e, ENOMEM, "out of memory");
	return fw;
}

void fw_free(struct fw *fw)
{
	if (!fw)
		return;
	free(fw->policy);
	free(fw->vifs);
	free(fw);
}

const struct fw_stats *fw_get_stats(const struct fw *fw)
{
	return &fw->stats;
}

const struct fw_policy *fw_get_policy(const struct fw *fw)
{
	return fw->policy;
}

void fw_set_precommit_hook(struct fw *fw, void (*fn)(void *arg), void *arg)
{
	fw->precommit = fn;
	fw->precommit_arg = arg;
}
