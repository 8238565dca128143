/* Decisions for one batch of records, level-triggered: from the entry (what the
 * toolstack wants) and the links (what the kernel has), plan only the changes that are
 * missing -- an attached VIF found at restart costs no request at all.
 *
 *   entry GONE/DOWN  -> detach what we attached (and stale ports), clear the status
 *   entry WAIT       -> nothing yet
 *   entry INVALID    -> detach, hotplug-status=error
 *   entry UP         -> link missing: wait (timer, then error); else attach, connected
 *
 * Attach is two netlink phases: (A) down if the MAC or name must change, MAC, MTU,
 * name, master, stale IPv4 addresses; then the attached() hook (rules are in place
 * before the port forwards); (B) up. Then the statuses, grouped. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include <dom0net/log.h>
#include <dom0net/nl.h>

#include "vif_int.h"

static const uint8_t VIF_MAC[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

struct bridge {
	char want[IFNAMSIZ];	/* the name asked for */
	char name[IFNAMSIZ];	/* the bridge it resolved to */
	int ifindex;		/* 0: unresolved; err says why */
	unsigned mtu;
	char err[160];
};

struct ctx {
	struct vif_mgr *m;
	struct nl_cache *links;
	struct bridge br[8];	/* resolved once per batch */
	size_t n_br;
	bool any_attach;
};

static bool is_bridge(struct rtnl_link *l)
{
	const char *t = rtnl_link_get_type(l);

	return t && strcmp(t, "bridge") == 0;
}

/* The bridge that owns uplink name: itself if it is a bridge, else its master. */
static struct rtnl_link *owner_bridge(struct nl_cache *links, const char *name)
{
	struct rtnl_link *l = rtnl_link_get_by_name(links, name), *mst;

	if (!l)
		return NULL;
	if (is_bridge(l))
		return l;
	mst = rtnl_link_get_master(l) > 0 ? rtnl_link_get(links, rtnl_link_get_master(l)) : NULL;
	rtnl_link_put(l);
	if (mst && !is_bridge(mst)) {
		rtnl_link_put(mst);
		mst = NULL;
	}
	return mst;
}

static void resolve(struct nl_cache *links, struct bridge *b)
{
	struct rtnl_link *l = rtnl_link_get_by_name(links, b->want);
	unsigned n;

	if (l && !is_bridge(l)) {
		snprintf(b->err, sizeof(b->err), "%s is not a bridge", b->want);
		rtnl_link_put(l);
		return;
	}
	/* Legacy names: xenbrN that does not exist means the bridge that took over ethN
	 * (named ethN itself, or holding ethN/pethN as a port). Never "the first bridge". */
	if (!l && strncmp(b->want, "xenbr", 5) == 0 && vif_parse_id(b->want + 5, 999, &n) == 0) {
		char eth[IFNAMSIZ];

		snprintf(eth, sizeof(eth), "eth%u", n);
		l = owner_bridge(links, eth);
		if (!l) {
			snprintf(eth, sizeof(eth), "peth%u", n);
			l = owner_bridge(links, eth);
		}
	}
	if (!l) {
		snprintf(b->err, sizeof(b->err), "bridge %s does not exist", b->want);
		return;
	}
	snprintf(b->name, sizeof(b->name), "%s", rtnl_link_get_name(l));
	b->ifindex = rtnl_link_get_ifindex(l);
	b->mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
}

static const struct bridge *bridge_for(struct ctx *c, const char *want)
{
	struct bridge *b;

	if (!*want)
		want = "xenbr0";	/* xend may omit the key; libxl's default */
	for (size_t i = 0; i < c->n_br; i++)
		if (strcmp(c->br[i].want, want) == 0)
			return &c->br[i];
	b = c->n_br < 8 ? &c->br[c->n_br++] : &c->br[7];
	memset(b, 0, sizeof(*b));
	snprintf(b->want, sizeof(b->want), "%s", want);
	resolve(c->links, b);
	return b;
}

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

static void want_error(struct vif *v)
{
	v->state = VS_FAILED;
	/* Written once: not again while xenstore already shows this failure. */
	if (v->entry.hotplug_status == VIF_HS_ERROR && v->error_written)
		return;
	v->op = VIF_OP_ERROR;
}

static void hook_detach(struct vif_mgr *m, struct vif_dev *d)
{
	if (d->hooked && m->hooks.detached)
		m->hooks.detached(m->hooks.arg, &d->info);
	d->hooked = false;
}

/* A VIF named vifname at restart is found by that name, if it looks like one of ours
 * (the MAC we give VIF ports), never by guessing otherwise. */
static void adopt_renamed(struct ctx *c, struct vif *v, struct vif_dev *d)
{
	char name[IFNAMSIZ];
	struct rtnl_link *l;
	struct nl_addr *a;

	if (d->link.ifindex || !v->entry.vifname[0])
		return;
	snprintf(name, sizeof(name), d->emu ? "%.11s-emu" : "%s", v->entry.vifname);
	l = rtnl_link_get_by_name(c->links, name);
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

static bool plan_dev(struct ctx *c, struct vif *v, struct vif_dev *d, const struct bridge *br)
{
	struct rtnl_link *other;

	if (v->entry.vifname[0])
		snprintf(d->target, sizeof(d->target), d->emu ? "%.11s-emu" : "%s",
			 v->entry.vifname);
	else
		snprintf(d->target, sizeof(d->target), "%s", d->link.name);
	if (strcmp(d->target, d->link.name) != 0) {
		other = rtnl_link_get_by_name(c->links, d->target);
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
	d->mtu = v->entry.mtu ? v->entry.mtu : br->mtu;
	d->plan_attach = true;
	c->any_attach = true;
	return true;
}

static void decide_up(struct ctx *c, struct vif *v)
{
	const struct bridge *br;
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
		want_error(v);
		return;
	}
	vif_timer_cancel(v);
	br = bridge_for(c, v->entry.bridge);
	if (!br->ifindex) {
		set_error(v, br->err);
		want_error(v);
		return;
	}
	if (!plan_dev(c, v, &v->pv, br)) {
		set_error(v, v->pv.err);
		want_error(v);
		return;
	}
	if (v->entry.hvm && v->emu.link.ifindex && !plan_dev(c, v, &v->emu, br)) {
		set_error(v, v->emu.err);
		v->pv.plan_attach = false;
		want_error(v);
	}
}

static bool stale_port(const struct vif_dev *d)
{
	return d->link.ifindex && d->link.master > 0;
}

static void decide(struct ctx *c, struct vif *v)
{
	enum vif_want want = v->entry_read ? vif_entry_want(&v->entry) : VIF_WANT_WAIT;
	struct vif_dev *devs[2] = { &v->pv, &v->emu };

	v->op = VIF_OP_NONE;
	for (int i = 0; i < 2; i++) {
		struct vif_dev *d = devs[i];

		d->plan_attach = d->plan_detach = d->failed = false;
		d->err[0] = '\0';
		/* The device vanished: only our bookkeeping is left to undo. */
		if (d->attached && !d->link.ifindex) {
			hook_detach(c->m, d);
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
		want_error(v);
		break;
	case VIF_WANT_UP:
		decide_up(c, v);
		break;
	}
	v->changed = false;
}

static bool need_mac(const struct vif_dev *d)
{
	return !d->link.has_addr || memcmp(d->link.addr, VIF_MAC, 6) != 0;
}

static void send_phase_a(struct ctx *c, struct vif_dev *d)
{
	bool rename = strcmp(d->target, d->link.name) != 0;
	struct vif_setlink r = { .ifindex = d->link.ifindex, .up = -1, .master = -1 };

	if (d->plan_detach) {
		r.up = 0;
		r.master = 0;
		vif_nl_setlink(c->m->nl, &r, d, "leave the bridge");
		return;
	}
	if (!d->plan_attach)
		return;
	if (d->link.up && (need_mac(d) || rename)) {
		r.up = 0;
		vif_nl_setlink(c->m->nl, &r, d, "set link down");
		r.up = -1;
	}
	if (need_mac(d))
		r.addr = VIF_MAC;
	if (d->link.mtu != d->mtu)
		r.mtu = d->mtu;
	if (rename)
		r.ifname = d->target;
	if (d->link.master != d->br_ifindex)
		r.master = d->br_ifindex;
	if (r.addr || r.mtu || r.ifname || r.master >= 0)
		vif_nl_setlink(c->m->nl, &r, d,
			       rename ? "rename, MAC, MTU, bridge" : "MAC, MTU, bridge");
}

/* Stale IPv4 addresses on devices being attached ("no addresses", as the script's
 * `ip address flush`). dom0 has few addresses: one pass over the cache. */
static void flush_one(struct nl_object *obj, void *arg)
{
	struct ctx *c = arg;
	struct rtnl_addr *a = (struct rtnl_addr *)obj;
	struct nl_addr *local = rtnl_addr_get_local(a);
	struct vif_dev *d;
	uint32_t ip;

	if (rtnl_addr_get_family(a) != AF_INET || !local || nl_addr_get_len(local) != 4)
		return;
	d = vif_dev_by_ifindex(c->m, rtnl_addr_get_ifindex(a));
	if (!d || !d->plan_attach || d->failed)
		return;
	memcpy(&ip, nl_addr_get_binary_addr(local), 4);
	vif_nl_deladdr4(c->m->nl, d->link.ifindex, ip, rtnl_addr_get_prefixlen(a), d);
}

static void make_info(struct vif *v, struct vif_dev *d, const char *bridge,
		      struct vif_info *info)
{
	memset(info, 0, sizeof(*info));
	info->domid = v->domid;
	info->devid = v->devid;
	snprintf(info->ifname, sizeof(info->ifname), "%s", d->target);
	snprintf(info->bridge, sizeof(info->bridge), "%s", bridge);
	memcpy(info->mac, v->entry.mac, 6);
	memcpy(info->ips, v->entry.ips, sizeof(info->ips));
	memcpy(info->plens, v->entry.plens, sizeof(info->plens));
	info->n_ips = v->entry.n_ips;
	info->emulated = d->emu;
}

/* Runs the attached() hook for a configured device; the port is still down. */
static void hook_attach(struct ctx *c, struct vif *v, struct vif_dev *d)
{
	struct vif_mgr *m = c->m;
	const struct bridge *br = bridge_for(c, v->entry.bridge);
	struct vif_info info;
	char err[200] = "";

	make_info(v, d, br->name, &info);
	if (d->hooked && memcmp(&info, &d->info, sizeof(info)) != 0)
		hook_detach(m, d);	/* the entry changed: drop the old record first */
	if (!d->hooked && m->hooks.attached &&
	    m->hooks.attached(m->hooks.arg, &info, err, sizeof(err)) < 0) {
		d->failed = true;
		snprintf(d->err, sizeof(d->err), "%s", *err ? err : "attach hook failed");
		return;
	}
	d->hooked = true;
	d->info = info;
}

static void send_phase_b(struct ctx *c, struct vif_dev *d)
{
	struct vif_setlink r = { .ifindex = d->link.ifindex, .up = 1, .master = -1 };

	if (!d->plan_attach)
		return;
	if (d->failed) {
		/* Half-configured: keep it out of the bridge, down. */
		r.up = 0;
		r.master = 0;
		vif_nl_setlink(c->m->nl, &r, NULL, "undo");
		return;
	}
	if (!d->link.up || need_mac(d) || strcmp(d->target, d->link.name) != 0)
		vif_nl_setlink(c->m->nl, &r, d, "set link up");
}

static void finish_dev(struct vif_mgr *m, struct vif *v, struct vif_dev *d)
{
	if (d->plan_detach) {
		hook_detach(m, d);
		if (d->failed)
			log_warnx("vif %u/%u: detaching %s: %s", v->domid, v->devid, d->link.name,
				  d->err);
		else
			log_info("vif %u/%u: %s detached from the bridge", v->domid, v->devid,
				 d->link.name);
		d->attached = false;
		d->link.up = false;
		d->link.master = 0;
		return;
	}
	if (!d->plan_attach)
		return;
	if (d->failed) {
		snprintf(v->error, sizeof(v->error), "%s: %s", d->link.name, d->err);
		if (d->hooked) {
			hook_detach(m, d);
		}
		d->attached = false;
		return;
	}
	if (!d->attached || strcmp(d->link.name, d->target) != 0 || !d->link.up)
		log_info("vif %u/%u: %s attached to %s (mtu %u)", v->domid, v->devid, d->target,
			 d->info.bridge, d->mtu);
	d->attached = true;
	snprintf(d->link.name, sizeof(d->link.name), "%s", d->target);
	memcpy(d->link.addr, VIF_MAC, 6);
	d->link.has_addr = true;
	d->link.up = true;
	d->link.master = d->br_ifindex;
	d->link.mtu = d->mtu;
}

static void finish(struct vif_mgr *m, struct vif *v)
{
	bool attach = v->pv.plan_attach;
	bool failed = (v->pv.plan_attach && v->pv.failed) ||
		      (v->emu.plan_attach && v->emu.failed);

	finish_dev(m, v, &v->pv);
	finish_dev(m, v, &v->emu);
	if (!attach)
		return;
	if (failed) {
		/* finish_dev wrote the reason; a new text must be written again */
		v->error_written = false;
		want_error(v);
		return;
	}
	v->state = VS_ATTACHED;
	v->error[0] = '\0';
	if (v->entry.hotplug_status != VIF_HS_CONNECTED) {
		v->op = VIF_OP_CONNECTED;
		v->op_mtu = v->pv.mtu;
	}
}

static void after_write(struct vif *v)
{
	if (v->op == VIF_OP_NONE)
		return;
	if (v->op_result == ENOENT) {
		v->xs_dirty = true;	/* removed meanwhile: its watch event follows */
		return;
	}
	if (v->op_result) {
		log_warnx("vif %u/%u: cannot write the hotplug status: %s", v->domid, v->devid,
			  strerror(v->op_result));
		return;
	}
	switch (v->op) {
	case VIF_OP_CONNECTED:
		v->entry.hotplug_status = VIF_HS_CONNECTED;
		vif_set_raw(v, VIF_K_HOTPLUG_STATUS, "connected", 9);
		v->error_written = false;
		break;
	case VIF_OP_ERROR:
		log_warnx("vif %u/%u: hotplug-status=error: %s", v->domid, v->devid, v->error);
		v->entry.hotplug_status = VIF_HS_ERROR;
		vif_set_raw(v, VIF_K_HOTPLUG_STATUS, "error", 5);
		v->error_written = true;
		break;
	case VIF_OP_CLEAR:
		v->entry.hotplug_status = VIF_HS_NONE;
		vif_set_raw(v, VIF_K_HOTPLUG_STATUS, NULL, 0);
		v->error_written = false;
		break;
	case VIF_OP_NONE:
		break;
	}
}

void vif_reconcile(struct vif_mgr *m, struct vif_batch *b)
{
	struct ctx c = { .m = m, .links = d0_nl_links(m->mon) };
	struct vif *writes[VIF_BATCH];
	size_t n_writes = 0;

	for (size_t i = 0; i < b->n; i++)
		decide(&c, b->v[i]);
	/* Phase A for the whole batch, then its acks. */
	for (size_t i = 0; i < b->n; i++) {
		send_phase_a(&c, &b->v[i]->pv);
		send_phase_a(&c, &b->v[i]->emu);
	}
	if (c.any_attach)
		nl_cache_foreach(d0_nl_addrs(m->mon), flush_one, &c);
	vif_nl_flush(m->nl);
	for (size_t i = 0; i < b->n; i++) {
		struct vif *v = b->v[i];

		if (v->pv.plan_attach && !v->pv.failed)
			hook_attach(&c, v, &v->pv);
		if (v->emu.plan_attach && !v->emu.failed)
			hook_attach(&c, v, &v->emu);
	}
	for (size_t i = 0; i < b->n; i++) {
		send_phase_b(&c, &b->v[i]->pv);
		send_phase_b(&c, &b->v[i]->emu);
	}
	vif_nl_flush(m->nl);
	for (size_t i = 0; i < b->n; i++) {
		finish(m, b->v[i]);
		if (b->v[i]->op != VIF_OP_NONE)
			writes[n_writes++] = b->v[i];
	}
	if (n_writes)
		vif_store_write(m->xs, writes, n_writes);
	for (size_t i = 0; i < b->n; i++) {
		struct vif *v = b->v[i];

		after_write(v);
		if (v->xs_dirty && !v->queued)
			vif_queue(m, v);
		/* Nothing left in either source: forget it. */
		if (v->entry_read && !v->entry.present && !v->pv.link.ifindex &&
		    !v->emu.link.ifindex && !v->pv.attached && !v->emu.attached && !v->queued)
			vif_free_record(m, v);
	}
}
