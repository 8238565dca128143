/* Carrying out a batch's decisions: the netlink requests of both phases, the
 * attached() hook between them, and the results (record state, status to write).
 *   phase A: down if the MAC or the name must change; MAC fe:ff:ff:ff:ff:ff, MTU,
 *            name, master in one request; stale IPv4 addresses removed; detaches
 *   hook:    attached() -- the anti-spoof rules exist before the port forwards
 *   phase B: up (or, after a failure, out of the bridge and down) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/addr.h>
#include <netlink/route/addr.h>

#include <dom0net/log.h>

#include "vif_int.h"

const uint8_t VIF_MAC[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

static bool need_mac(const struct vif_dev *d)
{
	return !d->link.has_addr || memcmp(d->link.addr, VIF_MAC, 6) != 0;
}

void vif_send_phase_a(struct vif_ctx *c, struct vif_dev *d)
{
	bool rename = strcmp(d->target, d->link.name) != 0;
	struct vif_setlink r = { .ifindex = d->link.ifindex, .up = -1, .master = -1 };

	if (d->plan_detach) {
		if (!d->link.up && !d->link.master)
			return;	/* already out and down: only the bookkeeping is left */
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
		d->sent = true;
	}
	if (need_mac(d))
		r.addr = VIF_MAC;
	if (d->link.mtu != d->mtu)
		r.mtu = d->mtu;
	if (rename)
		r.ifname = d->target;
	if (d->link.master != d->br_ifindex)
		r.master = d->br_ifindex;
	if (r.addr || r.mtu || r.ifname || r.master >= 0) {
		vif_nl_setlink(c->m->nl, &r, d,
			       rename ? "rename, MAC, MTU, bridge" : "MAC, MTU, bridge");
		d->sent = true;
	}
}

/* Stale IPv4 addresses on devices being attached ("no addresses", as the script's
 * `ip address flush`). dom0 has few addresses: one pass over the cache. */
void vif_flush_addr(struct nl_object *obj, void *arg)
{
	struct vif_ctx *c = arg;
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

/* Runs the attached() hook for a configured device; the port is in its bridge but
 * still down. The record given stays the device's until detach: later changes of the
 * entry (the `ip` key removed during teardown, say) never alter what detached()
 * receives. */
static void hook_attach_one(struct vif_mgr *m, struct vif_dev *d)
{
	char err[sizeof(d->err)] = "";

	if (m->hooks.attached && m->hooks.attached(m->hooks.arg, &d->info, err, sizeof(err)) < 0) {
		d->failed = true;
		snprintf(d->err, sizeof(d->err), "%s", *err ? err : "attach hook failed");
		return;
	}
	d->hooked = true;
}

void vif_hooks_attach(struct vif_ctx *c, struct vif_hook_job *jobs, size_t n)
{
	struct vif_mgr *m = c->m;
	const struct vif_info *infos[2 * VIF_BATCH];
	char err[256] = "";

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		make_info(jobs[i].v, jobs[i].d, jobs[i].d->br_name, &jobs[i].d->info);
		infos[i] = &jobs[i].d->info;
	}
	if (m->hooks.attached_batch && n > 1 && n <= 2 * VIF_BATCH) {
		if (m->hooks.attached_batch(m->hooks.arg, infos, n, err, sizeof(err)) == 0) {
			for (size_t i = 0; i < n; i++)
				jobs[i].d->hooked = true;
			return;
		}
		log_debug("vif: batch of %zu attach hooks failed (%s); one by one", n, err);
	}
	for (size_t i = 0; i < n; i++)
		hook_attach_one(m, jobs[i].d);
}

void vif_send_phase_b(struct vif_ctx *c, struct vif_dev *d)
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
	if (!d->link.up || need_mac(d) || strcmp(d->target, d->link.name) != 0) {
		vif_nl_setlink(c->m->nl, &r, d, "set link up");
		d->sent = true;
	}
}

static void finish_dev(struct vif_mgr *m, struct vif *v, struct vif_dev *d)
{
	if (d->plan_detach) {
		vif_hook_detach(m, d);
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
			vif_hook_detach(m, d);
		}
		d->attached = false;
		return;
	}
	if (d->sent)
		log_info("vif %u/%u: %s attached to %s (mtu %u)", v->domid, v->devid, d->target,
			 d->br_name, d->mtu);
	else if (!d->attached)
		log_info("vif %u/%u: %s found attached to %s", v->domid, v->devid, d->target,
			 d->br_name);
	d->attached = true;
	snprintf(d->link.name, sizeof(d->link.name), "%s", d->target);
	memcpy(d->link.addr, VIF_MAC, 6);
	d->link.has_addr = true;
	d->link.up = true;
	d->link.master = d->br_ifindex;
	d->link.mtu = d->mtu;
}

void vif_finish(struct vif_mgr *m, struct vif *v)
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
		vif_want_error(v);
		return;
	}
	v->state = VS_ATTACHED;
	v->error[0] = '\0';
	if (v->entry.hotplug_status != VIF_HS_CONNECTED) {
		v->op = VIF_OP_CONNECTED;
		v->op_mtu = v->pv.mtu;
	}
}

void vif_after_write(struct vif *v)
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
		if (v->op_mtu)
			v->fe_mtu = v->op_mtu;
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

