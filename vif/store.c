/* xenstore I/O for the VIF manager: the backend entry read in one transaction, the
 * hotplug statuses written in grouped transactions, and the directory scans. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/xs.h>

#include "vif_int.h"

#define WRITE_GROUP 64		/* records per status transaction */

struct read_ctx {
	char dir[96];
	struct vif *v;
	bool present;
	unsigned fe_mtu;
};

static int read_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct read_ctx *c = arg;
	char *val[VIF_K_MAX] = { NULL };
	unsigned vlen[VIF_K_MAX] = { 0 };
	char **names;
	unsigned num = 0;
	int rc = -1;

	names = xs_directory(h, t, c->dir, &num);
	if (!names) {
		if (errno != ENOENT)
			return -1;
		c->present = false;
		for (int k = 0; k < VIF_K_MAX; k++)
			vif_set_raw(c->v, k, NULL, 0);
		return 0;
	}
	/* Only the keys that exist: most optional ones usually don't. */
	for (unsigned i = 0; i < num; i++) {
		int k = vif_key_lookup(names[i], strlen(names[i]));
		char path[128];

		if (k < 0 || val[k])
			continue;
		snprintf(path, sizeof(path), "%s/%s", c->dir, names[i]);
		val[k] = xs_read(h, t, path, &vlen[k]);
		if (!val[k] && errno != ENOENT)
			goto out;
	}
	/* The frontend's mtu, so that the usual case (libxl pre-wrote the value we
	 * will write) costs nothing when the VIF is attached. */
	{
		char path[96], *fe;
		unsigned fid, flen;

		snprintf(path, sizeof(path), "/local/domain/%u/device/vif/%u/mtu", c->v->domid,
			 c->v->devid);
		fe = xs_read(h, t, path, &flen);
		if (!fe && errno != ENOENT)
			goto out;
		c->fe_mtu = fe && vif_parse_id(fe, 65535, &fid) == 0 ? fid : 0;
		free(fe);
	}
	/* Only a complete read replaces what we had (this body may run again). */
	for (int k = 0; k < VIF_K_MAX; k++)
		if (vif_set_raw(c->v, k, val[k], vlen[k]) < 0)
			goto out;
	c->v->fe_mtu = c->fe_mtu;
	c->present = true;
	rc = 0;
out:
	for (int k = 0; k < VIF_K_MAX; k++)
		free(val[k]);
	free(names);
	return rc;
}

int vif_store_read(struct d0_xs *xs, struct vif *v, bool full, bool *present)
{
	struct read_ctx c = { .v = v };

	snprintf(c.dir, sizeof(c.dir), VIF_BACKEND "/%u/%u", v->domid, v->devid);
	for (int k = 0; !full && k < VIF_K_MAX; k++) {
		char path[128], *val;
		unsigned len = 0;

		if (!(v->dirty_keys & (1u << k)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", c.dir, vif_key_names[k]);
		val = xs_read(d0_xs_handle(xs), XBT_NULL, path, &len);
		if (!val) {
			if (errno != ENOENT)
				return -1;
			full = true;	/* the key or the whole entry went: look at all */
			break;
		}
		if (vif_set_raw(v, k, val, len) < 0) {
			free(val);
			return -1;
		}
		free(val);
	}
	v->dirty_keys = 0;
	if (!full) {
		*present = true;
		return 0;
	}
	if (d0_xs_transact(xs, read_txn, &c) < 0)
		return -1;
	*present = c.present;
	return 0;
}

struct write_ctx {
	struct vif *const *v;
	size_t n;
};

static int txn_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	if (xs_rm(h, t, path) || errno == ENOENT)
		return 0;
	return -1;
}

/* The frontend's mtu, as the script writes it: libxl pre-writes the value it expects,
 * so usually there is nothing to change. A removed frontend is not recreated. */
static int write_fe_mtu(struct xs_handle *h, xs_transaction_t t, const struct vif *v)
{
	char fe[96], path[128], val[16];
	unsigned len;
	char *cur;

	snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%u", v->domid, v->devid);
	snprintf(path, sizeof(path), "%s/mtu", fe);
	snprintf(val, sizeof(val), "%u", v->op_mtu);
	cur = xs_read(h, t, path, &len);
	if (cur) {
		bool same = strcmp(cur, val) == 0;

		free(cur);
		if (same)
			return 0;
	} else if (errno != ENOENT) {
		return -1;
	} else {
		cur = xs_read(h, t, fe, &len);
		if (!cur)
			return errno == ENOENT ? 0 : -1;
		free(cur);
	}
	return xs_write(h, t, path, val, (unsigned)strlen(val)) ? 0 : -1;
}

static int write_one(struct xs_handle *h, xs_transaction_t t, struct vif *v)
{
	char be[96], path[128];
	unsigned len;
	char *cur;

	snprintf(be, sizeof(be), VIF_BACKEND "/%u/%u", v->domid, v->devid);
	/* Never recreate an entry the toolstack removed meanwhile. */
	cur = xs_read(h, t, be, &len);
	if (!cur) {
		if (errno != ENOENT)
			return -1;
		v->op_result = ENOENT;
		return 0;
	}
	free(cur);
	switch (v->op) {
	case VIF_OP_CONNECTED:
		if (v->error_written) {
			snprintf(path, sizeof(path), "%s/hotplug-error", be);
			if (txn_rm(h, t, path) < 0)
				return -1;
		}
		snprintf(path, sizeof(path), "%s/hotplug-status", be);
		if (!xs_write(h, t, path, "connected", 9))
			return -1;
		if (v->op_mtu && v->op_mtu != v->fe_mtu && write_fe_mtu(h, t, v) < 0)
			return -1;
		break;
	case VIF_OP_ERROR:
		snprintf(path, sizeof(path), "%s/hotplug-error", be);
		if (!xs_write(h, t, path, v->error, (unsigned)strlen(v->error)))
			return -1;
		snprintf(path, sizeof(path), "%s/hotplug-status", be);
		if (!xs_write(h, t, path, "error", 5))
			return -1;
		break;
	case VIF_OP_CLEAR:
		snprintf(path, sizeof(path), "%s/hotplug-status", be);
		if (txn_rm(h, t, path) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/hotplug-error", be);
		if (txn_rm(h, t, path) < 0)
			return -1;
		break;
	case VIF_OP_NONE:
		break;
	}
	v->op_result = 0;
	return 0;
}

static int write_txn(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct write_ctx *c = arg;

	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i]->op == VIF_OP_NONE)
			continue;
		if (write_one(h, t, c->v[i]) < 0)
			return -1;
	}
	return 0;
}

int vif_store_write(struct d0_xs *xs, struct vif *const *v, size_t n)
{
	int rc = 0;

	for (size_t off = 0; off < n; off += WRITE_GROUP) {
		struct write_ctx c = { .v = v + off, .n = n - off < WRITE_GROUP ? n - off : WRITE_GROUP };

		for (size_t i = 0; i < c.n; i++)
			c.v[i]->op_result = EIO;
		if (d0_xs_transact(xs, write_txn, &c) < 0) {
			for (size_t i = 0; i < c.n; i++)
				c.v[i]->op_result = errno ? errno : EIO;
			rc = -1;
		}
	}
	return rc;
}

static void note_bogus(const char *name, unsigned *bogus, char *first, size_t len)
{
	if ((*bogus)++ == 0)
		vif_quote(name, first, len);
}

/* Lists base/domid and queues its devices. */
static int scan_dom(struct vif_mgr *m, unsigned domid, unsigned *bogus, char *first,
		    size_t len)
{
	struct xs_handle *h = d0_xs_handle(m->xs);
	char dir[64];
	char **names;
	unsigned num = 0, devid;

	snprintf(dir, sizeof(dir), VIF_BACKEND "/%u", domid);
	names = xs_directory(h, XBT_NULL, dir, &num);
	if (!names)
		return -1;
	for (unsigned i = 0; i < num; i++) {
		struct vif *v;

		if (vif_parse_id(names[i], VIF_MAX_DEVID, &devid) < 0) {
			note_bogus(names[i], bogus, first, len);
			continue;
		}
		v = vif_get(m, domid, devid);
		if (!v) {
			free(names);
			errno = ENOMEM;
			return -1;
		}
		v->xs_dirty = true;
		vif_queue(m, v);
	}
	free(names);
	return 0;
}

int vif_store_scan(struct vif_mgr *m, int domid, unsigned *bogus, char *first, size_t len)
{
	struct xs_handle *h = d0_xs_handle(m->xs);
	char **names;
	unsigned num = 0, d;

	if (domid >= 0) {
		/* Records of a removed domain get re-read (and found gone) by the caller. */
		return scan_dom(m, (unsigned)domid, bogus, first, len);
	}
	names = xs_directory(h, XBT_NULL, VIF_BACKEND, &num);
	if (!names && errno != ENOENT)
		return -1;
	for (unsigned i = 0; names && i < num; i++) {
		if (vif_parse_id(names[i], VIF_MAX_DOMID, &d) < 0) {
			note_bogus(names[i], bogus, first, len);
			continue;
		}
		if (scan_dom(m, d, bogus, first, len) < 0 && errno != ENOENT) {
			free(names);
			return -1;
		}
	}
	free(names);
	/* Known records whose entry vanished while nobody watched (restart). */
	for (size_t b = 0; b < VIF_HASH; b++)
		for (struct vif *v = m->by_id[b]; v; v = v->hnext)
			if (!v->queued) {
				v->xs_dirty = true;
				vif_queue(m, v);
			}
	return 0;
}
