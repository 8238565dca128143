/* firewall/ internals: libxtables extensions, entries, the transaction. */
#ifndef FW_INT_H
#define FW_INT_H

#include <dom0net/firewall.h>

/* Only pointers here: fw_host.c needs <net/if.h>, which clashes with libiptc's
 * <linux/if.h>; the files that use libiptc include it themselves. */
struct xtc_handle;
struct ipt_entry;

#define FW_MAX_ATTEMPTS 32	/* commits tried when other writers keep winning... */
#define FW_RETRY_MS 10000	/* ...or for this long, whichever is later */
#define FW_XTLOCK_WAIT_MS 5000	/* how long to wait for another holder of the xtables lock */

/* fw_lock.c: the xtables lock; returns its fd (release with fw_xtlock_release), or -1
 * with errno (ETIMEDOUT when another holder kept it longer than timeout_ms). */
int fw_xtlock_take(unsigned timeout_ms);
void fw_xtlock_release(int fd);

struct fw {
	struct fw_policy *policy;	/* last applied; NULL before */
	struct fw_vif *vifs;		/* the record of what was installed, per device */
	size_t n_vifs, cap_vifs;
	struct fw_stats stats;
	void (*precommit)(void *arg);
	void *precommit_arg;
};

/* ---- fw_xt.c: libxtables (loaded once) and ipt_entry encoding ---- */
int fw_xt_init(struct d0_err *e);
/* A malloc'd entry for r; NULL with e set. */
struct ipt_entry *fw_entry_build(const struct fw_rule *r, struct d0_err *e);
/* target: iptc_get_target()'s answer. Unknown matches set r->foreign. */
void fw_entry_decode(const struct ipt_entry *ent, const char *target, struct fw_rule *r);

/* ---- fw_apply.c: the transaction and chain helpers ---- */
/* fn reads and changes the table through h; returns 1 if it changed something,
 * 0 if nothing needs committing, -1 on error (e set). It may run several times
 * (each on a freshly read table) and must not change fw until fw_transact returns. */
typedef int (*fw_tx_fn)(struct fw *fw, struct xtc_handle *h, void *arg, struct d0_err *e);
int fw_transact(struct fw *fw, fw_tx_fn fn, void *arg, struct d0_err *e);

int fw_tx_ensure_chain(struct xtc_handle *h, const char *chain, struct d0_err *e);
/* Exactly one jump builtin -> chain: inserted at the head if missing (once). */
int fw_tx_ensure_jump(struct xtc_handle *h, const char *builtin, const char *chain,
		      struct d0_err *e);
int fw_tx_append(struct xtc_handle *h, const char *chain, const struct fw_rule *r,
		 struct d0_err *e);
/* Flush and delete a chain if it exists. */
/* Inserts r as the first rule of chain. */
int fw_tx_insert_first(struct xtc_handle *h, const char *chain, const struct fw_rule *r,
		       struct d0_err *e);
int fw_tx_drop_chain(struct xtc_handle *h, const char *chain, struct d0_err *e);
/* Delete the rules of chain for which match(rule, arg) is true (last first). */
int fw_tx_delete_rules(struct xtc_handle *h, const char *chain,
		       bool (*match)(const struct fw_rule *r, const void *arg), const void *arg,
		       struct d0_err *e);

/* ---- fw_vifs.c ---- */
/* Inside a policy transaction: remove every VIF chain (anti-spoof off), or adopt the
 * ones found (start-up): adopted records go to *out (malloc'd). */
int fw_tx_vifs_clear(struct xtc_handle *h, struct d0_err *e);
int fw_tx_vifs_adopt(struct xtc_handle *h, struct fw_vif **out, size_t *n, struct d0_err *e);
void fw_records_replace(struct fw *fw, struct fw_vif *v, size_t n);

/* ---- fw_host.c ---- */
bool fw_dev_exists(const char *ifname);

#endif
