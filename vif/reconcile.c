/* Decisions for one batch of records, level-triggered: from the entry (what the
 * toolstack wants) and the links (what the kernel has), plan only the changes that are
 * missing -- an attached VIF found at restart costs no request at all.
 *
 *   entry GONE/DOWN  -> detach what we attached (and stale ports), clear the status
 *   entry WAIT       -> nothing yet
 *   entry INVALID    -> detach, hotplug-status=error
 *   entry UP         -> link missing: wait (timer, then error); else attach, connected
 *
 * vif_reconcile() runs a batch: decide, phase A (vif/apply.c), hooks, phase B,
 * results, then the statuses grouped in transactions (vif/store.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <dom0net/log.h>
#include <dom0net/nl.h>

#include "vif_int.h"

const char *vif_dev_name(const struct vif *v, const struct vif_dev *d, char *buf, size_t len)
{
	if (d->link.ifindex)
		snprintf(buf, len, "%s", d->link.name);
	else if (d->attached)
		snprintf(buf, len, "%s", d->info.ifname);
	else
		snprintf(buf, len, d->emu ? "tap%u.%u" : "vif%u.%u", v->domid, v->devid);
	return buf;
}

/* A new failure text is written again; the same one only once. */
static void set_error(struct vif *v, const char *text)
{
	if (strcmp(v->error, text) != 0)
		v->error_written = false;
	snprintf(v->error, sizeof(v->error), "%s", text);
}

void vif_want_error(struct vif *v)
{
	v->state = VS_FAILED;
	/* Written once: not again while xenstore already shows this failure. */
	if (v->entry.hotplug_status == VIF_HS_ERROR && v->error_written)
		return;
	v->op = VIF_OP_ERROR;
}

void vif_hooks_detach_flush(struct vif_mgr *m)
{
	if (m->n_detach_q && m->hooks.detached_batch) {
		m->hooks.detached_batch(m->hooks.arg, m->detach_q, m->n_detach_q);
	} else if (m->hooks.detached) {
		for (size_t i = 0; i < m->n_detach_q; i++)
			m->hooks.detached(m->hooks.arg, &m->detach_q[i]);
	}
	m->n_detach_q = 0;
}

void vif_hook_detach(struct vif_mgr *m, struct vif_dev *d)
{
	if (d->hooked && (m->hooks.detached || m->hooks.detached_batch)) {
		if (m->n_detach_q == sizeof(m->detach_q) / sizeof(m->detach_q[0]))
			vif_hooks_detach_flush(m);
		m->detach_q[m->n_detach_q++] = d->info; /* a copy: the record may go */
	}
	d->hooked = false;
}

/* A VIF named vifname at restart is found by that name, if it looks like one of ours
 * (the MAC we give VIF ports), never by guessing otherwise. */
static void adopt_renamed(struct vif_ctx *c, struct vif *v, struct vif_dev *d)
{
	char name[IFNAMSIZ];
	struct rtnl_link *l;
	struct nl_addr *a;

	if (d->link.ifindex || !v->entry.vifname[0])
		return;
	snprintf(name, sizeof(name), d->emu ? "%.11s-emu" : "%s", v->entry.vifname);
	l = vif_link_by_name(c->links, name);
	if (!l)
		return;
	a = rtnl_link_get_addr(l);
	if (!vif_dev_by_ifindex(c->m, rtnl_link_get_ifindex(l)) &&
	    a && nl_addr_get_len(a) == 6 && memcmp(nl_addr_get_binary_addr(a), VIF_MAC, 6) == 0) {
		vif_dev_set_ifindex(c->m, d, rtnl_link_get_ifindex(l));
		vif_link_snapshot(&d->link, l);
	}
	rtnl_link_put(l);
}

static bool plan_dev(struct vif_ctx *c, struct vif *v, struct vif_dev *d,
		     const struct vif_bridge *br)
{
	struct rtnl_link *other;

	if (v->entry.vifname[0])
		snprintf(d->target, sizeof(d->target), d->emu ? "%.11s-emu" : "%s",
			 v->entry.vifname);
	else
		snprintf(d->target, sizeof(d->target), "%s", d->link.name);
	if (strcmp(d->target, d->link.name) != 0) {
		other = vif_link_by_name(c->links, d->target);
		if (other && rtnl_link_get_ifindex(other) != d->link.ifindex) {
			rtnl_link_put(other);
			snprintf(d->err, sizeof(d->err),
				 "cannot rename %s to %s: the name is taken", d->link.name,
				 d->target);
			d->failed = true;
			return false;
		}
		if (other)
			rtnl_link_put(other);
	}
	d->br_ifindex = br->ifindex;
	memcpy(d->br_name, br->name, sizeof(d->br_name));
	d->mtu = v->entry.mtu ? v->entry.mtu : br->mtu;
	d->plan_attach = true;
	c->any_attach = true;
	return true;
}

static void decide_up(struct vif_ctx *c, struct vif *v)
{
	const struct vif_bridge *br;
	char name[IFNAMSIZ];

	if (v->state == VS_FAILED && !v->changed)
		return;	/* a failure stands until the entry or a link changes */
	adopt_renamed(c, v, &v->pv);
	if (v->entry.hvm)
		adopt_renamed(c, v, &v->emu);
	if (!v->pv.link.ifindex) {
		if (!v->timed_out) {
			v->state = VS_WAIT_LINK;
			vif_timer_arm(c->m, v);
			return;
		}
		char text[96];

		vif_dev_name(v, &v->pv, name, sizeof(name));
		snprintf(text, sizeof(text), "device %s did not appear within %u ms", name,
			 c->m->cfg->vif_link_timeout_ms ? c->m->cfg->vif_link_timeout_ms : 10000);
		set_error(v, text);
		vif_want_error(v);
		return;
	}
	vif_timer_cancel(v);
	br = vif_bridge_for(c, v->entry.bridge);
	if (!br->ifindex) {
		set_error(v, br->err);
		vif_want_error(v);
		return;
	}
	if (!plan_dev(c, v, &v->pv, br)) {
		set_error(v, v->pv.err);
		vif_want_error(v);
		return;
	}
	if (v->entry.hvm && v->emu.link.ifindex && !plan_dev(c, v, &v->emu, br)) {
		set_error(v, v->emu.err);
		v->pv.plan_attach = false;
		vif_want_error(v);
	}
}

static bool stale_port(const struct vif_dev *d)
{
	return d->link.ifindex && d->link.master > 0;
}

static void decide(struct vif_ctx *c, struct vif *v)
{
	enum vif_want want = v->entry_read ? vif_entry_want(&v->entry) : VIF_WANT_WAIT;
	struct vif_dev *devs[2] = { &v->pv, &v->emu };

	v->op = VIF_OP_NONE;
	for (int i = 0; i < 2; i++) {
		struct vif_dev *d = devs[i];

		d->plan_attach = d->plan_detach = d->failed = d->sent = false;
		d->err[0] = '\0';
		/* The device vanished: only our bookkeeping is left to undo. */
		if (d->attached && !d->link.ifindex) {
			vif_hook_detach(c->m, d);
			d->attached = false;
			log_info("vif %u/%u: %s is gone", v->domid, v->devid, d->info.ifname);
		}
	}
	switch (want) {
	case VIF_WANT_GONE:
	case VIF_WANT_DOWN:
		vif_timer_cancel(v);
		for (int i = 0; i < 2; i++)
			if (devs[i]->attached || (want == VIF_WANT_GONE && stale_port(devs[i])))
				devs[i]->plan_detach = devs[i]->link.ifindex != 0;
		if (want == VIF_WANT_DOWN && v->entry.hotplug_status != VIF_HS_NONE)
			v->op = VIF_OP_CLEAR;
		v->state = VS_DOWN;
		v->error[0] = '\0';
		break;
	case VIF_WANT_WAIT:
		if (v->state == VS_WAIT_LINK) {
			vif_timer_cancel(v);
			v->state = VS_NEW;
		}
		break;
	case VIF_WANT_INVALID:
		vif_timer_cancel(v);
		for (int i = 0; i < 2; i++)
			devs[i]->plan_detach = devs[i]->attached && devs[i]->link.ifindex;
		set_error(v, v->entry.err);
		vif_want_error(v);
		break;
	case VIF_WANT_UP:
		decide_up(c, v);
		break;
	}
	v->changed = false;
}

void vif_reconcile(struct vif_mgr *m, struct vif_batch *b)
{
	struct vif_ctx c = { .m = m, .links = d0_nl_links(m->mon) };
	struct vif *writes[VIF_BATCH];
	struct vif_hook_job jobs[2 * VIF_BATCH];
	size_t n_writes = 0, n_jobs = 0;

	for (size_t i = 0; i < b->n; i++)
		decide(&c, b->v[i]);
	/* Phase A for the whole batch, then its acks. */
	for (size_t i = 0; i < b->n; i++) {
		vif_send_phase_a(&c, &b->v[i]->pv);
		vif_send_phase_a(&c, &b->v[i]->emu);
	}
	if (c.any_attach)
		nl_cache_foreach(d0_nl_addrs(m->mon), vif_flush_addr, &c);
	vif_nl_flush(m->nl);
	for (size_t i = 0; i < b->n; i++) {
		struct vif *v = b->v[i];
		struct vif_dev *devs[2] = { &v->pv, &v->emu };

		for (int j = 0; j < 2; j++)
			if (devs[j]->plan_attach && !devs[j]->failed && !devs[j]->hooked)
				jobs[n_jobs++] = (struct vif_hook_job){ v, devs[j] };
	}
	/* Detaches decided so far go first: a reused device name must lose the old
	 * VIF's rules before it gets its own. */
	vif_hooks_detach_flush(m);
	vif_hooks_attach(&c, jobs, n_jobs);
	for (size_t i = 0; i < b->n; i++) {
		vif_send_phase_b(&c, &b->v[i]->pv);
		vif_send_phase_b(&c, &b->v[i]->emu);
	}
	vif_nl_flush(m->nl);
	for (size_t i = 0; i < b->n; i++) {
		vif_finish(m, b->v[i]);
		if (b->v[i]->op != VIF_OP_NONE)
			writes[n_writes++] = b->v[i];
	}
	vif_hooks_detach_flush(m);
	if (n_writes)
		vif_store_write(m->xs, writes, n_writes);
	for (size_t i = 0; i < b->n; i++) {
		struct vif *v = b->v[i];

		vif_after_write(v);
		if (v->xs_dirty && !v->queued)
			vif_queue(m, v);
		/* Nothing left in either source: forget it. */
		if (v->entry_read && !v->entry.present && !v->pv.link.ifindex &&
		    !v->emu.link.ifindex && !v->pv.attached && !v->emu.attached && !v->queued)
			vif_free_record(m, v);
	}
}
