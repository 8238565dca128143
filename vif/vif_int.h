/* vif/ internals: the per-VIF record, the manager, and the module's private calls.
 *
 * A record (struct vif) exists for each <domid>/<devid> seen in either source: the
 * xenstore backend entry or a kernel link named vifD.N / tapD.N / vifD.N-emu. Inputs
 * only mark the record and queue it; one libevent "run" per loop iteration drains the
 * queue in batches (vif/run.c): read the dirty entries, decide per record
 * (vif/reconcile.c), send all netlink requests back to back and collect the acks
 * (vif/link.c), then write the hotplug statuses grouped in transactions (vif/store.c). */
#ifndef VIF_INT_H
#define VIF_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dom0net/vif.h>

struct event;
struct nl_cache;
struct nl_object;
struct vif;
struct vif_nl;

/* A kernel link as last seen (monitor event, start-up dump, or our own change). */
struct vif_link {
	int ifindex;		/* 0: absent */
	char name[IFNAMSIZ];
	bool up;
	int master;
	unsigned mtu;
	bool has_addr;
	uint8_t addr[6];
};

/* One kernel device of a VIF: the PV one, or the HVM emulated NIC. */
struct vif_dev {
	struct vif *vif;
	struct vif_dev *inext;	/* by-ifindex hash chain */
	bool emu;
	struct vif_link link;
	bool attached;		/* configured by us (or found configured) */
	bool hooked;		/* hooks->attached succeeded: detached() is owed */
	struct vif_info info;	/* the record made at attach, handed to detached() */
	/* per-run scratch */
	bool plan_attach, plan_detach, failed;
	bool sent;		/* requests were needed (else: found attached as it is) */
	int br_ifindex;
	char br_name[IFNAMSIZ];
	unsigned mtu;
	char target[IFNAMSIZ];
	char err[160];
};

enum vif_state {
	VS_NEW,		/* entry not ready (state < InitWait, keys missing) */
	VS_WAIT_LINK,	/* entry ready, link missing: link-timeout timer armed */
	VS_ATTACHED,	/* attached, hotplug-status=connected */
	VS_FAILED,	/* hotplug-status=error; retried when the entry or link changes */
	VS_DOWN,	/* detached: online=0, Closing/Closed, or the entry gone */
};

enum vif_op_kind { VIF_OP_NONE, VIF_OP_CONNECTED, VIF_OP_ERROR, VIF_OP_CLEAR };

struct vif {
	struct vif_mgr *mgr;
	unsigned domid, devid;
	struct vif *hnext;	/* by-id hash chain */
	struct vif *qnext;	/* run queue */
	bool queued;
	bool xs_dirty;		/* re-read the whole entry (one transaction) */
	unsigned dirty_keys;	/* else re-read just these keys (1 << VIF_K_STATE/ONLINE) */
	bool entry_read;	/* entry holds a read result */
	char *raw[VIF_K_MAX];	/* the values as read (NULL: missing), parsed into entry */
	bool changed;		/* an input changed since the last decision */
	bool timed_out;		/* the link did not appear in time */
	enum vif_state state;
	struct vif_entry entry;
	struct vif_dev pv, emu;
	struct event *timer;	/* link timeout, allocated on first use */
	bool error_written;	/* we wrote hotplug-error (remove it on success) */
	unsigned fe_mtu;	/* the frontend's mtu as last read or written (0: unknown) */
	char error[200];	/* last failure, for logs and `netctl vifs` */
	/* per-run scratch */
	enum vif_op_kind op;
	unsigned op_mtu;
	int op_result;
};

#define VIF_HASH 4096		/* buckets (power of two) */
#define VIF_BATCH 128		/* records per run step */

struct vif_mgr {
	struct event_base *base;
	struct d0_xs *xs;
	struct d0_nl *mon;
	const struct d0_config *cfg;
	struct vif_hooks hooks;
	struct vif_nl *nl;
	struct event *run_ev;
	struct vif *by_id[VIF_HASH];
	struct vif_dev *by_ifindex[VIF_HASH];
	size_t n_vifs;
	struct vif *q_head, *q_tail;
	bool scan_all;		/* re-list the whole backend tree */
	unsigned *scan_doms;	/* domids whose directory changed */
	size_t n_scan_doms, cap_scan_doms;
	bool started;
	unsigned bogus_events;	/* watch paths that are not ids, not yet reported */
	char first_bogus[48];
	long long bogus_logged_us;	/* reported at most every 10 s */
	/* detached() hooks owed by the running batch, delivered together at its end */
	struct vif_info detach_q[2 * VIF_BATCH];
	size_t n_detach_q;
};

/* mgr.c */
struct vif *vif_find(struct vif_mgr *m, unsigned domid, unsigned devid);
struct vif *vif_get(struct vif_mgr *m, unsigned domid, unsigned devid);
void vif_free_record(struct vif_mgr *m, struct vif *v);
/* Replaces v->raw[k] with a copy of val (NULL: missing); -1 on ENOMEM. */
int vif_set_raw(struct vif *v, int k, const char *val, size_t len);
void vif_queue(struct vif_mgr *m, struct vif *v);
struct vif_dev *vif_dev_by_ifindex(struct vif_mgr *m, int ifindex);
void vif_dev_set_ifindex(struct vif_mgr *m, struct vif_dev *d, int ifindex);
void vif_link_snapshot(struct vif_link *l, struct rtnl_link *link);
const char *vif_state_name(enum vif_state s);

/* run.c: the batch step run once per loop iteration. */
void vif_run(struct vif_mgr *m);
void vif_timer_arm(struct vif_mgr *m, struct vif *v);
void vif_timer_cancel(struct vif *v);

/* reconcile.c: decisions for one batch, and the batch's driver. */
struct vif_batch {
	struct vif *v[VIF_BATCH];
	size_t n;
};
void vif_reconcile(struct vif_mgr *m, struct vif_batch *b);
/* The record failed (v->error): hotplug-status=error, unless already written. */
void vif_want_error(struct vif *v);
/* detached() for a device whose attached() ran. */
/* Queues d's detached() hook (with its attach-time record) for the end of the batch. */
void vif_hook_detach(struct vif_mgr *m, struct vif_dev *d);
/* Delivers the queued detached() hooks: one detached_batch() call, or one by one. */
void vif_hooks_detach_flush(struct vif_mgr *m);

/* bridge.c: which bridge, resolved once per batch. */
struct vif_bridge {
	char want[IFNAMSIZ];	/* the name asked for */
	char name[IFNAMSIZ];	/* the bridge it resolved to */
	int ifindex;		/* 0: unresolved; err says why */
	unsigned mtu;
	char err[160];
};

#define VIF_CTX_BRIDGES 8

/* One batch's shared context. */
struct vif_ctx {
	struct vif_mgr *m;
	struct nl_cache *links;
	struct vif_bridge br[VIF_CTX_BRIDGES];
	size_t n_br;
	bool any_attach;
};
const struct vif_bridge *vif_bridge_for(struct vif_ctx *c, const char *want);
/* Devices (family AF_UNSPEC) in the monitor's cache; referenced, or NULL. */
struct rtnl_link *vif_link_by_name(struct nl_cache *links, const char *name);
struct rtnl_link *vif_link_by_index(struct nl_cache *links, int ifindex);

/* apply.c: the batch's requests and their results. */
extern const uint8_t VIF_MAC[6];	/* fe:ff:ff:ff:ff:ff, for every VIF port */
void vif_send_phase_a(struct vif_ctx *c, struct vif_dev *d);
void vif_flush_addr(struct nl_object *obj, void *arg);	/* nl_cache_foreach callback */
/* One device whose attached() hook is due in this batch. */
struct vif_hook_job {
	struct vif *v;
	struct vif_dev *d;
};
void vif_hooks_attach(struct vif_ctx *c, struct vif_hook_job *jobs, size_t n);
void vif_send_phase_b(struct vif_ctx *c, struct vif_dev *d);
void vif_finish(struct vif_mgr *m, struct vif *v);
void vif_after_write(struct vif *v);

#define VIF_RAW_MAX 1024	/* longer values are replaced by an invalid marker */

/* store.c: xenstore I/O. */
/* Re-reads v->raw: everything in one transaction (full, or v->xs_dirty), else only
 * v->dirty_keys (single reads are atomic by themselves). Sets v->entry.present. */
int vif_store_read(struct d0_xs *xs, struct vif *v, bool full, bool *present);
/* Writes each record's op (v->op) in transactions of a few dozen records; sets
 * v->op_result (0, or ENOENT when the entry vanished meanwhile). */
int vif_store_write(struct d0_xs *xs, struct vif *const *v, size_t n);
/* Lists the entries under base (or base/domid) and queues every valid record.
 * Counts names that are not ids into *bogus (first one copied to first). */
int vif_store_scan(struct vif_mgr *m, int domid, unsigned *bogus, char *first, size_t len);

/* link.c: a private rtnetlink socket and batched requests. */
struct vif_nl *vif_nl_open(void);
void vif_nl_close(struct vif_nl *nl);

struct vif_setlink {
	int ifindex;
	int up;			/* -1 leave, 0 down, 1 up */
	const uint8_t *addr;	/* NULL: leave */
	unsigned mtu;		/* 0: leave */
	const char *ifname;	/* NULL: leave */
	int master;		/* -1 leave, 0 no master, else the bridge's ifindex */
};
/* Queue a request on behalf of dev; failures are reported to dev->err/failed. */
int vif_nl_setlink(struct vif_nl *nl, const struct vif_setlink *r, struct vif_dev *dev,
		   const char *what);
int vif_nl_deladdr4(struct vif_nl *nl, int ifindex, uint32_t addr, unsigned plen,
		    struct vif_dev *dev);
/* Send what is queued (in windows) and collect every ack. */
int vif_nl_flush(struct vif_nl *nl);

/* print.c */
const char *vif_dev_name(const struct vif *v, const struct vif_dev *d, char *buf, size_t len);

#endif
