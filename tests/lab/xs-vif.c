/* xs-vif: write/remove VIF xenstore entries the way the toolstacks do.
 *
 * libxl 4.17 (libxl_device.c: libxl__device_add_async, _generic_add;
 * libxl_nic.c: libxl__set_xenstore_nic), all in ONE transaction:
 *   /libxl/D/device/vif/N         frontend, backend, then a copy of the
 *                                 backend keys (libxl's private record)
 *   /local/domain/D/device/vif/N  owner D, dom0 reads: backend, backend-id,
 *                                 state=1, handle, mac, trusted; mtu is
 *                                 owned by dom0 (guest may only read it)
 *   /local/domain/0/backend/vif/D/N  owner dom0, D reads: frontend,
 *                                 frontend-id, online=1, state=1, script,
 *                                 [vifname], mac, [ip], [rate], [mtu if not
 *                                 1500], bridge (xenbr0), handle, type=vif,
 *                                 hotplug-status="" (makes netback wait)
 * xend (DevController.py, netif.py): same two directories and permissions,
 *   no libxl record, backend also has domain=<name>; bridge, type, ip,
 *   vifname, rate only when configured; no hotplug-status.
 * Netback's part is played afterwards: backend state=2 (InitWait).
 */
#include "xs-vif.h"
#include "xs-util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KV_MAX 48
#define DEFAULT_SCRIPT "/etc/xen/scripts/vif-bridge"

/* Ordered key/value list; a NULL value is a slot that is not written. */
struct kvl {
	const char *k[KV_MAX];
	const char *v[KV_MAX];
	int n;
};

struct vif_ctx {
	const struct vif_req *r;
	char be[XSU_PATH_MAX], fe[XSU_PATH_MAX], lx[XSU_PATH_MAX];
	char domid[12], devid[12], mac[18], name[64];
	char kvbuf[KV_MAX][XSU_PATH_MAX];
	struct kvl back, front, ro_front;
};

static int kv_put(struct kvl *l, const char *k, const char *v)
{
	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->k[i], k) == 0) {
			l->v[i] = v;
			return 0;
		}
	}
	if (l->n == KV_MAX) {
		errno = E2BIG;
		return -1;
	}
	l->k[l->n] = k;
	l->v[l->n++] = v;
	return 0;
}

static const char *kv_get(const struct kvl *l, const char *k)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->k[i], k) == 0)
			return l->v[i];
	return NULL;
}

static int kv_write(struct xs_handle *h, xs_transaction_t t, const char *dir,
		    const struct kvl *l)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i] && xsu_write(h, t, dir, l->k[i], l->v[i]))
			return -1;
	return 0;
}

static void build_defaults(struct vif_ctx *c)
{
	bool libxl = c->r->style == VIF_LIBXL;
	struct kvl *b = &c->back, *f = &c->front;

	if (!libxl) {
		kv_put(b, "frontend", c->fe);
		kv_put(b, "frontend-id", c->domid);
		kv_put(b, "online", "1");
		kv_put(b, "state", "1");
		kv_put(b, "domain", c->name);
		kv_put(b, "script", DEFAULT_SCRIPT);
		kv_put(b, "mac", c->mac);
		kv_put(b, "type", NULL);
		kv_put(b, "ip", NULL);
		kv_put(b, "bridge", NULL);
		kv_put(b, "vifname", NULL);
		kv_put(b, "rate", NULL);
		kv_put(b, "handle", c->devid);
		kv_put(f, "backend", c->be);
		kv_put(f, "backend-id", "0");
		kv_put(f, "state", "1");
		kv_put(f, "handle", c->devid);
		kv_put(f, "mac", c->mac);
		return;
	}
	/* "frontend" (backend) and "backend" (frontend) are written first,
	 * outside these lists, as libxl__device_generic_add does. */
	kv_put(b, "frontend-id", c->domid);
	kv_put(b, "online", "1");
	kv_put(b, "state", "1");
	kv_put(b, "script", DEFAULT_SCRIPT);
	kv_put(b, "vifname", NULL);
	kv_put(b, "mac", c->mac);
	kv_put(b, "ip", NULL);
	kv_put(b, "gatewaydev", NULL);
	kv_put(b, "rate", NULL);
	kv_put(b, "mtu", NULL);
	kv_put(b, "bridge", "xenbr0");
	kv_put(b, "handle", c->devid);
	kv_put(b, "type", "vif");
	kv_put(b, "hotplug-status", "");
	kv_put(f, "backend-id", "0");
	kv_put(f, "state", "1");
	kv_put(f, "handle", c->devid);
	kv_put(f, "mac", c->mac);
	kv_put(f, "trusted", "1");
	kv_put(&c->ro_front, "mtu", "1500");
}

/* key=value overrides; "key" without '=' removes a default key. */
static int apply_overrides(struct vif_ctx *c)
{
	bool libxl = c->r->style == VIF_LIBXL;
	const char *type;

	if (c->r->nkv > KV_MAX) {
		errno = E2BIG;
		return -1;
	}
	for (int i = 0; i < c->r->nkv; i++) {
		char *k = c->kvbuf[i], *v;

		if (strlen(c->r->kv[i]) >= XSU_PATH_MAX) {
			errno = EINVAL;
			return -1;
		}
		snprintf(k, XSU_PATH_MAX, "%s", c->r->kv[i]);
		v = strchr(k, '=');
		if (v)
			*v++ = '\0';
		if (!*k || strchr(k, '/')) {
			errno = EINVAL;
			return -1;
		}
		if (strcmp(k, "mac") == 0 && kv_put(&c->front, k, v))
			return -1;
		if (libxl && strcmp(k, "trusted") == 0) {
			kv_put(&c->front, k, v);
			continue;
		}
		if (libxl && strcmp(k, "mtu") == 0) {
			/* libxl: frontend always, backend only if not 1500 */
			kv_put(&c->ro_front, k, v);
			if (v && strcmp(v, "1500") == 0)
				v = NULL;
		}
		if (kv_put(&c->back, k, v))
			return -1;
	}
	/* xend: an emulated-only NIC has no PV frontend details. */
	type = kv_get(&c->back, "type");
	if (!libxl && type && strcmp(type, "ioemu") == 0) {
		kv_put(&c->front, "handle", NULL);
		kv_put(&c->front, "mac", NULL);
	}
	return 0;
}

static int exists(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char *v = xsu_read(h, t, path);

	free(v);
	return v != NULL;
}

static int rm_ok(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_rm(h, t, path) || errno == ENOENT ? 0 : -1;
}

static int libxl_add_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct vif_ctx *c = arg;
	unsigned int d = c->r->domid;
	struct xs_permissions ro[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = d, .perms = XS_PERM_READ },
	};

	if (exists(h, t, c->lx)) {
		errno = EEXIST;
		return -1;
	}
	if (rm_ok(h, t, c->lx) ||
	    xsu_write(h, t, c->lx, "frontend", c->fe) ||
	    xsu_write(h, t, c->lx, "backend", c->be))
		return -1;

	if (rm_ok(h, t, c->fe) || xsu_mkdir_perms(h, t, c->fe, d, 0) ||
	    xsu_write(h, t, c->fe, "backend", c->be) ||
	    kv_write(h, t, c->fe, &c->front) ||
	    kv_write(h, t, c->fe, &c->ro_front))
		return -1;
	for (int i = 0; i < c->ro_front.n; i++) {
		char p[XSU_PATH_MAX];

		if (!c->ro_front.v[i])
			continue;
		if (xsu_path(p, c->fe, c->ro_front.k[i]) ||
		    !xs_set_permissions(h, t, p, ro, 2))
			return -1;
	}

	if (rm_ok(h, t, c->be) || xsu_mkdir_perms(h, t, c->be, 0, d) ||
	    xsu_write(h, t, c->be, "frontend", c->fe) ||
	    kv_write(h, t, c->be, &c->back))
		return -1;
	return kv_write(h, t, c->lx, &c->back);
}

static int xend_add_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct vif_ctx *c = arg;
	unsigned int d = c->r->domid;

	if (exists(h, t, c->be)) {
		errno = EEXIST;
		return -1;
	}
	if (rm_ok(h, t, c->fe) || rm_ok(h, t, c->be) ||
	    xsu_mkdir_perms(h, t, c->be, 0, d) ||
	    xsu_mkdir_perms(h, t, c->fe, d, 0) ||
	    kv_write(h, t, c->fe, &c->front))
		return -1;
	return kv_write(h, t, c->be, &c->back);
}

static struct vif_ctx *ctx_new(const struct vif_req *r)
{
	struct vif_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->r = r;
	snprintf(c->be, sizeof(c->be), "/local/domain/0/backend/vif/%u/%u",
		 r->domid, r->devid);
	snprintf(c->fe, sizeof(c->fe), "/local/domain/%u/device/vif/%u",
		 r->domid, r->devid);
	snprintf(c->lx, sizeof(c->lx), "/libxl/%u/device/vif/%u", r->domid,
		 r->devid);
	snprintf(c->domid, sizeof(c->domid), "%u", r->domid);
	snprintf(c->devid, sizeof(c->devid), "%u", r->devid);
	/* Deterministic, in Xen's OUI, like libxl's random one. */
	snprintf(c->mac, sizeof(c->mac), "00:16:3e:%02x:%02x:%02x",
		 (r->domid >> 8) & 0x7f, r->domid & 0xff, r->devid & 0xff);
	if (r->name)
		snprintf(c->name, sizeof(c->name), "%s", r->name);
	else
		snprintf(c->name, sizeof(c->name), "guest-%u", r->domid);
	return c;
}

/* Like the toolstack: wait for the hotplug side's verdict. */
static int wait_hotplug(struct xs_handle *h, const struct vif_ctx *c)
{
	char p[XSU_PATH_MAX];
	char *st, *msg;
	int rc;

	if (xsu_path(p, c->be, "hotplug-status") ||
	    xsu_wait(h, p, XSU_NONEMPTY, NULL, c->r->wait_hotplug_ms))
		return -1;
	st = xsu_read(h, XBT_NULL, p);
	rc = st && strcmp(st, "connected") == 0 ? 0 : -1;
	if (rc) {
		msg = xsu_path(p, c->be, "hotplug-error") ? NULL
			: xsu_read(h, XBT_NULL, p);
		fprintf(stderr, "hotplug-status=%s hotplug-error=%s\n",
			st ? st : "(none)", msg ? msg : "(none)");
		free(msg);
		errno = EIO;
	}
	free(st);
	return rc;
}

int vif_add(struct xs_handle *h, const struct vif_req *r,
	    long long *elapsed_us)
{
	struct vif_ctx *c = ctx_new(r);
	long long t0;
	int rc = -1, err;

	if (!c)
		return -1;
	build_defaults(c);
	if (apply_overrides(c))
		goto out;
	if (xsu_tx(h, r->style == VIF_LIBXL ? libxl_add_tx : xend_add_tx, c))
		goto out;
	t0 = xsu_now_us();
	/* Netback's part: the vif exists, waiting for the hotplug side. */
	if (!r->no_initwait && xsu_write(h, XBT_NULL, c->be, "state", "2"))
		goto out;
	if (r->wait_hotplug_ms > 0 && wait_hotplug(h, c))
		goto out;
	if (elapsed_us)
		*elapsed_us = xsu_now_us() - t0;
	rc = 0;
out:
	err = errno;
	free(c);
	errno = err;
	return rc;
}

struct closing {
	const struct vif_ctx *c;
	bool gone;		/* backend had no state: nothing to close */
};

static int libxl_close_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct closing *cl = arg;
	char p[XSU_PATH_MAX];
	char *state;
	int rc = -1;

	if (xsu_path(p, cl->c->be, "state"))
		return -1;
	state = xsu_read(h, t, p);
	cl->gone = !state;
	if (!state)
		return 0;
	/* online=0 first: netback only removes the vif once it reads it. */
	if (!xsu_write(h, t, cl->c->be, "online", "0") &&
	    (strcmp(state, "6") == 0 || !xsu_write(h, t, p, NULL, "5")))
		rc = 0;
	free(state);
	return rc;
}

static int libxl_destroy_tx(struct xs_handle *h, xs_transaction_t t,
			    void *arg)
{
	const struct vif_ctx *c = arg;

	if (xsu_rm_clean(h, t, c->fe) || xsu_rm_clean(h, t, c->be))
		return -1;
	return xsu_rm_clean(h, t, c->lx);
}

static int libxl_remove(struct xs_handle *h, const struct vif_ctx *c)
{
	struct closing cl = { .c = c };
	char p[XSU_PATH_MAX];
	int timed_out = 0;

	if (xsu_tx(h, libxl_close_tx, &cl))
		return -1;
	if (xsu_path(p, c->be, "state"))
		return -1;
	if (!cl.gone && c->r->wait_closed &&
	    xsu_wait(h, p, XSU_EQUALS, "6", c->r->timeout_ms)) {
		if (errno != ETIMEDOUT)
			return -1;
		timed_out = 1;	/* libxl then removes by force */
	}
	if (xsu_tx(h, libxl_destroy_tx, (void *)c))
		return -1;
	if (timed_out)
		errno = ETIMEDOUT;
	return timed_out ? -1 : 0;
}

static int xend_remove(struct xs_handle *h, const struct vif_ctx *c)
{
	char p[XSU_PATH_MAX];
	int timed_out = 0;

	/* Separate writes, online before state (DevController.destroyDevice)*/
	if (xsu_write(h, XBT_NULL, c->be, "online", "0") ||
	    xsu_write(h, XBT_NULL, c->be, "state", "5"))
		return -1;
	if (xsu_path(p, c->be, "hotplug-status"))
		return -1;
	if (xsu_wait(h, p, XSU_ABSENT, NULL, c->r->timeout_ms)) {
		if (errno != ETIMEDOUT)
			return -1;
		timed_out = 1;
	}
	if (rm_ok(h, XBT_NULL, c->be) || rm_ok(h, XBT_NULL, c->fe))
		return -1;
	if (timed_out)
		errno = ETIMEDOUT;
	return timed_out ? -1 : 0;
}

int vif_remove(struct xs_handle *h, const struct vif_req *r)
{
	struct vif_ctx *c = ctx_new(r);
	int rc, err;

	if (!c)
		return -1;
	rc = r->style == VIF_LIBXL ? libxl_remove(h, c) : xend_remove(h, c);
	err = errno;
	free(c);
	errno = err;
	return rc;
}

int vif_state(struct xs_handle *h, unsigned int domid, unsigned int devid,
	      const char *state)
{
	char be[XSU_PATH_MAX];

	snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/%u", domid,
		 devid);
	return xsu_write(h, XBT_NULL, be, "state", state);
}
