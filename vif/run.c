/* The batch step: everything queued since the last loop iteration is handled in
 * batches of VIF_BATCH records -- entries read, decisions made, netlink requests sent
 * back to back, statuses written in grouped transactions. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include <dom0net/log.h>
#include <dom0net/xs.h>

#include "vif_int.h"

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct vif *v = arg;

	v->timed_out = true;
	v->changed = true;
	vif_queue(v->mgr, v);
}

void vif_timer_arm(struct vif_mgr *m, struct vif *v)
{
	struct timeval tv;
	unsigned ms = m->cfg->vif_link_timeout_ms ? m->cfg->vif_link_timeout_ms : 10000;

	if (v->timed_out || (v->timer && evtimer_pending(v->timer, NULL)))
		return;
	if (!v->timer) {
		v->timer = evtimer_new(m->base, on_timeout, v);
		if (!v->timer) {
			log_warn("vif %u/%u: cannot arm the link timer", v->domid, v->devid);
			return;
		}
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(v->timer, &tv);
}

void vif_timer_cancel(struct vif *v)
{
	if (v->timer)
		evtimer_del(v->timer);
	v->timed_out = false;
}

static void log_bogus(unsigned bogus, const char *first, const char *where)
{
	if (bogus)
		log_warnx("vif: ignoring %u entr%s under %s that %s not a domain/device id "
			  "(first: '%s')", bogus, bogus == 1 ? "y" : "ies", where,
			  bogus == 1 ? "is" : "are", first);
}

static void scans(struct vif_mgr *m)
{
	unsigned bogus = 0;
	char first[48] = "";

	if (m->scan_all) {
		m->scan_all = false;
		m->n_scan_doms = 0;
		if (vif_store_scan(m, -1, &bogus, first, sizeof(first)) < 0)
			log_warn("vif: cannot list %s", VIF_BACKEND);
		log_bogus(bogus, first, VIF_BACKEND);
	}
	for (size_t i = 0; i < m->n_scan_doms; i++) {
		bogus = 0;
		if (vif_store_scan(m, (int)m->scan_doms[i], &bogus, first, sizeof(first)) < 0 &&
		    errno != ENOENT)
			log_warn("vif: cannot list %s/%u", VIF_BACKEND, m->scan_doms[i]);
		log_bogus(bogus, first, "a domain directory");
	}
	m->n_scan_doms = 0;
}

static bool entry_same(const struct vif_entry *a, const struct vif_entry *b)
{
	struct vif_entry x = *a, y = *b;

	/* hotplug-status is ours: its changes are not new input. */
	x.hotplug_status = y.hotplug_status = VIF_HS_NONE;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static void read_entries(struct vif_mgr *m, struct vif_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct vif *v = b->v[i];
		struct vif_entry e;
		bool present;

		if (!v->xs_dirty && !v->dirty_keys)
			continue;
		if (vif_store_read(m->xs, v, v->xs_dirty || !v->entry_read, &present) < 0) {
			log_warn("vif %u/%u: cannot read the backend entry", v->domid, v->devid);
			continue;
		}
		v->xs_dirty = false;
		if (present)
			vif_entry_parse(v->domid, v->devid, (const char *const *)v->raw, &e);
		else
			memset(&e, 0, sizeof(e));
		if (!v->entry_read || !entry_same(&e, &v->entry))
			v->changed = true;
		v->entry = e;
		v->entry_read = true;
	}
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void vif_run(struct vif_mgr *m)
{
	long long t0 = now_us(), t1, t_read = 0;
	size_t total = 0;
	bool full = m->scan_all;
	struct vif *todo;

	scans(m);
	t1 = now_us();
	/* What is queued now; records queued meanwhile wait for the next run (no
	 * unbounded loop within one callback). */
	todo = m->q_head;
	m->q_head = m->q_tail = NULL;
	while (todo) {
		struct vif_batch b = { .n = 0 };

		while (todo && b.n < VIF_BATCH) {
			struct vif *v = todo;

			todo = v->qnext;
			v->queued = false;
			v->qnext = NULL;
			b.v[b.n++] = v;
		}
		total += b.n;
		{
			long long a = now_us();

			read_entries(m, &b);
			t_read += now_us() - a;
		}
		vif_reconcile(m, &b);
	}
	if (m->bogus_events &&
	    (!m->bogus_logged_us || now_us() - m->bogus_logged_us >= 10000000)) {
		m->bogus_logged_us = now_us();
		log_warnx("vif: ignored %u change%s under %s with no domain/device id "
			  "(first: '%s')", m->bogus_events, m->bogus_events == 1 ? "" : "s",
			  VIF_BACKEND, m->first_bogus);
		m->bogus_events = 0;
	}
	log_debug("vif: run: %zu records in %lld us (scan%s %lld us, read %lld us)", total,
		  now_us() - t0, full ? " all" : "", t1 - t0, t_read);
}
