/* The VIF manager: records, the two input sources and the run queue.
 * Inputs never act directly; they mark a record and queue it (networkd-queue style),
 * and vif_run() handles everything queued once per loop iteration. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/link.h>

#include <dom0net/log.h>
#include <dom0net/nl.h>
#include <dom0net/xs.h>

#include "vif_int.h"

static unsigned id_hash(unsigned domid, unsigned devid)
{
	return (domid * 2654435761u ^ devid * 40503u) & (VIF_HASH - 1);
}

struct vif *vif_find(struct vif_mgr *m, unsigned domid, unsigned devid)
{
	for (struct vif *v = m->by_id[id_hash(domid, devid)]; v; v = v->hnext)
		if (v->domid == domid && v->devid == devid)
			return v;
	return NULL;
}

/* Find or create; a new record is dirty so its entry gets read first. */
struct vif *vif_get(struct vif_mgr *m, unsigned domid, unsigned devid)
{
	struct vif *v = vif_find(m, domid, devid);
	unsigned h;

	if (v)
		return v;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->mgr = m;
	v->domid = domid;
	v->devid = devid;
	v->pv.vif = v;
	v->emu.vif = v;
	v->emu.emu = true;
	v->xs_dirty = true;
	v->changed = true;
	h = id_hash(domid, devid);
	v->hnext = m->by_id[h];
	m->by_id[h] = v;
	m->n_vifs++;
	return v;
}

static struct vif_dev **ifindex_slot(struct vif_mgr *m, int ifindex)
{
	return &m->by_ifindex[(unsigned)ifindex & (VIF_HASH - 1)];
}

struct vif_dev *vif_dev_by_ifindex(struct vif_mgr *m, int ifindex)
{
	for (struct vif_dev *d = *ifindex_slot(m, ifindex); d; d = d->inext)
		if (d->link.ifindex == ifindex)
			return d;
	return NULL;
}

void vif_dev_set_ifindex(struct vif_mgr *m, struct vif_dev *d, int ifindex)
{
	if (d->link.ifindex == ifindex)
		return;
	if (d->link.ifindex) {
		struct vif_dev **pp = ifindex_slot(m, d->link.ifindex);

		while (*pp && *pp != d)
			pp = &(*pp)->inext;
		if (*pp)
			*pp = d->inext;
		d->inext = NULL;
		memset(&d->link, 0, sizeof(d->link));
	}
	if (ifindex > 0) {
		struct vif_dev **slot = ifindex_slot(m, ifindex);

		d->link.ifindex = ifindex;
		d->inext = *slot;
		*slot = d;
	}
}

void vif_free_record(struct vif_mgr *m, struct vif *v)
{
	struct vif **pp;

	if (!v)
		return;
	vif_dev_set_ifindex(m, &v->pv, 0);
	vif_dev_set_ifindex(m, &v->emu, 0);
	for (pp = &m->by_id[id_hash(v->domid, v->devid)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == v) {
			*pp = v->hnext;
			m->n_vifs--;
			break;
		}
	}
	if (v->timer)
		event_free(v->timer);
	for (int k = 0; k < VIF_K_MAX; k++)
		free(v->raw[k]);
	free(v);
}

int vif_set_raw(struct vif *v, int k, const char *val, size_t len)
{
	char *copy = NULL;

	if (val) {
		/* Too long for any key: keep the start (for the message) and end it with a
		 * control character that no parser accepts. */
		bool cut = len > VIF_RAW_MAX;

		if (cut)
			len = VIF_RAW_MAX;
		copy = malloc(len + 2);
		if (!copy)
			return -1;
		memcpy(copy, val, len);
		/* Values are bytes: an embedded NUL must not shorten one into validity. */
		for (size_t i = 0; i < len; i++)
			if (copy[i] == '\0')
				copy[i] = '?';
		if (cut)
			copy[len++] = '\x01';
		copy[len] = '\0';
	}
	free(v->raw[k]);
	v->raw[k] = copy;
	return 0;
}

void vif_queue(struct vif_mgr *m, struct vif *v)
{
	if (!v->queued) {
		v->queued = true;
		v->qnext = NULL;
		if (m->q_tail)
			m->q_tail->qnext = v;
		else
			m->q_head = v;
		m->q_tail = v;
	}
	if (m->run_ev && m->started)
		event_active(m->run_ev, EV_TIMEOUT, 0);
}

static void schedule(struct vif_mgr *m)
{
	if (m->run_ev && m->started)
		event_active(m->run_ev, EV_TIMEOUT, 0);
}

static void on_run(evutil_socket_t fd, short what, void *arg)
{
	vif_run(arg);
}

void vif_link_snapshot(struct vif_link *l, struct rtnl_link *link)
{
	const char *name = rtnl_link_get_name(link);
	struct nl_addr *a = rtnl_link_get_addr(link);

	if (name)
		snprintf(l->name, sizeof(l->name), "%s", name);
	l->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	l->master = rtnl_link_get_master(link);
	l->mtu = rtnl_link_get_mtu(link);
	l->has_addr = a && nl_addr_get_len(a) == 6;
	if (l->has_addr)
		memcpy(l->addr, nl_addr_get_binary_addr(a), 6);
}

const char *vif_state_name(enum vif_state s)
{
	switch (s) {
	case VS_NEW:
		return "waiting";
	case VS_WAIT_LINK:
		return "wait-link";
	case VS_ATTACHED:
		return "attached";
	case VS_FAILED:
		return "failed";
	case VS_DOWN:
		return "detached";
	}
	return "?";
}

struct vif_mgr *vif_mgr_new(struct event_base *base, struct d0_xs *xs, struct nl_sock *req,
			    struct d0_nl *mon, const struct d0_config *cfg,
			    const struct vif_hooks *hooks)
{
	struct vif_mgr *m;
	int e;

	if (!base || !xs || !mon || !cfg) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->base = base;
	m->xs = xs;
	m->mon = mon;
	m->cfg = cfg;
	if (hooks)
		m->hooks = *hooks;
	/* A private request socket: batches of requests and their acks never interleave
	 * with other modules' requests on netd's shared socket (req is not used). */
	m->nl = vif_nl_open();
	m->run_ev = event_new(base, -1, 0, on_run, m);
	if (!m->nl || !m->run_ev)
		goto fail;
	return m;
fail:
	e = errno ? errno : ENOMEM;
	vif_mgr_free(m);
	errno = e;
	return NULL;
}

void vif_mgr_free(struct vif_mgr *m)
{
	if (!m)
		return;
	/* Bookkeeping only: attached VIFs stay attached and their status stays written,
	 * exactly as after kill -9. */
	for (size_t h = 0; h < VIF_HASH; h++)
		while (m->by_id[h])
			vif_free_record(m, m->by_id[h]);
	if (m->run_ev)
		event_free(m->run_ev);
	vif_nl_close(m->nl);
	free(m->scan_doms);
	free(m);
}

static void link_seen(struct vif_mgr *m, struct rtnl_link *link)
{
	int ifindex = rtnl_link_get_ifindex(link);
	struct vif_dev *d = vif_dev_by_ifindex(m, ifindex);
	const char *name = rtnl_link_get_name(link);
	unsigned domid, devid;
	enum vif_kind kind;
	struct vif *v;

	if (!d) {
		if (!name || vif_parse_ifname(name, &domid, &devid, &kind) < 0)
			return;	/* not a VIF name (renamed ones are known by ifindex) */
		v = vif_get(m, domid, devid);
		if (!v) {
			log_warn("vif %u/%u: cannot track link %s", domid, devid, name);
			return;
		}
		d = kind == VIF_KIND_PV ? &v->pv : &v->emu;
		vif_dev_set_ifindex(m, d, ifindex);
		v->changed = true;
		vif_queue(m, v);
	}
	vif_link_snapshot(&d->link, link);
}

static void link_gone(struct vif_mgr *m, struct rtnl_link *link)
{
	struct vif_dev *d = vif_dev_by_ifindex(m, rtnl_link_get_ifindex(link));

	if (!d)
		return;
	vif_dev_set_ifindex(m, d, 0);
	d->vif->changed = true;
	vif_queue(m, d->vif);
}

void vif_mgr_link_event(struct vif_mgr *m, struct rtnl_link *link, int action)
{
	if (!m || !link)
		return;
	/* The kernel also reports bridge ports as AF_BRIDGE link objects; their removal
	 * means "left the bridge", not that the device went away. */
	if (action == NL_ACT_DEL && rtnl_link_get_family(link) == AF_BRIDGE) {
		struct vif_dev *d = vif_dev_by_ifindex(m, rtnl_link_get_ifindex(link));

		if (d)
			d->link.master = 0;
		return;
	}
	if (action == NL_ACT_DEL)
		link_gone(m, link);
	else
		link_seen(m, link);
}

static void each_link(struct nl_object *obj, void *arg)
{
	link_seen(arg, (struct rtnl_link *)obj);
}

void vif_mgr_resync(struct vif_mgr *m)
{
	struct nl_cache *links;

	if (!m)
		return;
	links = d0_nl_links(m->mon);
	/* Devices we track that the kernel no longer has. */
	for (size_t h = 0; h < VIF_HASH; h++) {
		for (struct vif *v = m->by_id[h]; v; v = v->hnext) {
			struct vif_dev *devs[2] = { &v->pv, &v->emu };

			for (int i = 0; i < 2; i++) {
				struct rtnl_link *l;

				if (!devs[i]->link.ifindex)
					continue;
				l = vif_link_by_index(links, devs[i]->link.ifindex);
				if (!l) {
					vif_dev_set_ifindex(m, devs[i], 0);
					v->changed = true;
					vif_queue(m, v);
				} else {
					rtnl_link_put(l);
				}
			}
		}
	}
	nl_cache_foreach(links, each_link, m);
	/* Only netlink events were lost: every record is re-checked against the kernel,
	 * xenstore need not be re-read. */
	for (size_t h = 0; h < VIF_HASH; h++)
		for (struct vif *v = m->by_id[h]; v; v = v->hnext)
			vif_queue(m, v);
	schedule(m);
}

int vif_mgr_start(struct vif_mgr *m)
{
	if (!m) {
		errno = EINVAL;
		return -1;
	}
	m->started = true;
	/* Links first: when the entries are read, every existing device is known, so
	 * attached VIFs are recognised as such and left untouched. */
	nl_cache_foreach(d0_nl_links(m->mon), each_link, m);
	m->scan_all = true;
	if (d0_xs_watch(m->xs, VIF_BACKEND, "vif") < 0)
		return -1;
	schedule(m);
	return 0;
}

static void scan_domain(struct vif_mgr *m, unsigned domid)
{
	for (size_t i = 0; i < m->n_scan_doms; i++)
		if (m->scan_doms[i] == domid)
			return;
	if (m->n_scan_doms == m->cap_scan_doms) {
		size_t cap = m->cap_scan_doms ? 2 * m->cap_scan_doms : 16;
		unsigned *p = realloc(m->scan_doms, cap * sizeof(*p));

		if (!p) {
			m->scan_all = true;	/* degrade to a full scan */
			return;
		}
		m->scan_doms = p;
		m->cap_scan_doms = cap;
	}
	m->scan_doms[m->n_scan_doms++] = domid;
}

void vif_mgr_xs_event(struct vif_mgr *m, const char *path, const char *token)
{
	unsigned domid, devid;
	const char *key = NULL;
	size_t keylen = 0;
	struct vif *v;
	int depth, k;

	if (!m || !path)
		return;
	depth = vif_parse_path(path, VIF_BACKEND, &domid, &devid, &key, &keylen);
	switch (depth) {
	case 0:
		m->scan_all = true;
		break;
	case 1:
		/* The domain's directory came or went: re-list it, re-read its records. */
		scan_domain(m, domid);
		for (size_t h = 0; h < VIF_HASH; h++)
			for (v = m->by_id[h]; v; v = v->hnext)
				if (v->domid == domid) {
					v->xs_dirty = true;
					vif_queue(m, v);
				}
		break;
	case 2:
	case 3:
		k = depth == 3 ? vif_key_lookup(key, keylen) : -1;
		v = vif_find(m, domid, devid);
		/* Our own writes (hotplug-status/-error) and keys we don't use change
		 * nothing for a known record. */
		if (v && depth == 3 && (k < 0 || k == VIF_K_HOTPLUG_STATUS))
			return;
		if (!v)
			v = vif_get(m, domid, devid);
		if (!v) {
			log_warn("vif %u/%u: cannot allocate a record", domid, devid);
			return;
		}
		/* netback's and the toolstack's state/online flips are the hot path: those
		 * keys alone are re-read, not the whole entry. */
		if ((k == VIF_K_STATE || k == VIF_K_ONLINE) && v->entry_read && v->entry.present)
			v->dirty_keys |= 1u << k;
		else
			v->xs_dirty = true;
		vif_queue(m, v);
		return;
	default:
		/* Not an id: counted, reported once per run (thousands may come at once). */
		if (m->bogus_events++ == 0) {
			const char *rel = strncmp(path, VIF_BACKEND "/", sizeof(VIF_BACKEND)) == 0
						  ? path + sizeof(VIF_BACKEND) : path;

			vif_quote(rel, m->first_bogus, sizeof(m->first_bogus));
		}
		break;
	}
	schedule(m);
}
