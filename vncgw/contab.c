/* The console table netd keeps: one entry per domain with a VNC console, its gateway
 * port (stable: remembered per domain id in a state file, so a restarted netd gives
 * each running guest the port it had), and the gateway passwords set with
 * `netctl console-password` (kept in the same 0600 file). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <dom0net/err.h>
#include <dom0net/vncgw.h>

#define CON_KEY_MAX (CON_NAME_MAX + 8)

struct saved_port {
	unsigned domid;
	uint16_t port;
};

struct gw_pw {
	char key[CON_KEY_MAX];
	char pw[VNC_PASSWORD_MAX + 1];
};

struct con_table {
	struct con_entry **v;
	size_t n, cap;
	unsigned port_min, port_max;
	bool avoid_display_ports;
	struct saved_port *saved;
	size_t nsaved, capsaved;
	struct gw_pw *pws;
	size_t npws, cappws;
};

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *nv;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

struct con_table *con_table_new(unsigned port_min, unsigned port_max)
{
	struct con_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->port_min = port_min;
	t->port_max = port_max >= port_min ? port_max : port_min;
	return t;
}

static void entry_free(struct con_entry *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nlfds; i++)
		close(e->lfds[i]);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

void con_table_free(struct con_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		entry_free(t->v[i]);
	free(t->v);
	free(t->saved);
	if (t->pws)
		explicit_bzero(t->pws, t->cappws * sizeof(*t->pws));
	free(t->pws);
	free(t);
}

size_t con_table_size(const struct con_table *t)
{
	return t->n;
}

struct con_entry *con_table_at(struct con_table *t, size_t i)
{
	return i < t->n ? t->v[i] : NULL;
}

struct con_entry *con_table_find(struct con_table *t, unsigned domid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i]->info.domid == domid)
			return t->v[i];
	return NULL;
}

struct con_entry *con_table_add(struct con_table *t, const struct con_info *info)
{
	struct con_entry *e;
	size_t at = 0;

	if (grow((void **)&t->v, &t->cap, t->n + 1, sizeof(*t->v)) < 0)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->info = *info;
	e->state = VG_CON_NOT_RUNNING;
	/* Kept sorted by domain id: stable listings. */
	while (at < t->n && t->v[at]->info.domid < info->domid)
		at++;
	memmove(t->v + at + 1, t->v + at, (t->n - at) * sizeof(*t->v));
	t->v[at] = e;
	t->n++;
	return e;
}

static struct saved_port *saved_find(struct con_table *t, unsigned domid)
{
	for (size_t i = 0; i < t->nsaved; i++)
		if (t->saved[i].domid == domid)
			return &t->saved[i];
	return NULL;
}

static void saved_drop(struct con_table *t, unsigned domid)
{
	struct saved_port *s = saved_find(t, domid);

	if (s)
		*s = t->saved[--t->nsaved];
}

static int saved_set(struct con_table *t, unsigned domid, uint16_t port)
{
	struct saved_port *s = saved_find(t, domid);

	if (!s) {
		if (grow((void **)&t->saved, &t->capsaved, t->nsaved + 1, sizeof(*t->saved)) < 0)
			return -1;
		s = &t->saved[t->nsaved++];
		s->domid = domid;
	}
	s->port = port;
	return 0;
}

void con_table_remove(struct con_table *t, unsigned domid)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->info.domid != domid)
			continue;
		entry_free(t->v[i]);
		memmove(t->v + i, t->v + i + 1, (t->n - i - 1) * sizeof(*t->v));
		t->n--;
		break;
	}
	saved_drop(t, domid);	/* a new guest with this id later gets a fresh choice */
}

void con_table_prune_saved(struct con_table *t)
{
	for (size_t i = 0; i < t->nsaved;) {
		if (!con_table_find(t, t->saved[i].domid))
			t->saved[i] = t->saved[--t->nsaved];
		else
			i++;
	}
}

/* Taken by a live entry, or remembered for another domain. */
void con_table_avoid_display_ports(struct con_table *t, bool on)
{
	t->avoid_display_ports = on;
}

static bool port_taken(struct con_table *t, const struct con_entry *self, unsigned port)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct con_backend *b = &t->v[i]->info.backend;

		if (t->v[i] != self && t->v[i]->port == port)
			return true;
		if (t->avoid_display_ports && b->kind == CON_BACKEND_TCP && b->tcp_port == port)
			return true;
	}
	for (size_t i = 0; i < t->nsaved; i++)
			if (t->saved[i].domid != self->info.domid && t->saved[i].port == port)
				return true;
	return false;
}

static bool try_port(struct con_table *t, struct con_entry *e, unsigned port, con_bind_fn bind,
		     void *arg, bool *stop)
{
	if (port < t->port_min || port > t->port_max || port_taken(t, e, port))
		return false;
	if (bind(arg, e, (uint16_t)port) == 0) {
		e->port = (uint16_t)port;
		saved_set(t, e->info.domid, e->port);
		return true;
	}
	/* In use by someone else (qemu on a wildcard address, another daemon): next one.
	 * Anything else (the listen address is missing) fails every port alike. */
	if (errno != EADDRINUSE)
		*stop = true;
	return false;
}

uint16_t con_table_assign_port(struct con_table *t, struct con_entry *e, con_bind_fn bind,
			       void *arg)
{
	struct saved_port *s = saved_find(t, e->info.domid);
	bool stop = false;

	if (e->port)
		return e->port;
	if (s && try_port(t, e, s->port, bind, arg, &stop))
		return e->port;
	if (!stop && e->info.backend.kind == CON_BACKEND_TCP &&
	    try_port(t, e, e->info.backend.tcp_port, bind, arg, &stop))
		return e->port;
	/* The lowest free port, leaving other domains' remembered ports alone (they are
	 * pruned after netd's first full scan, and unassigned consoles retried then). */
	for (unsigned p = t->port_min; p <= t->port_max && !stop; p++)
		if (try_port(t, e, p, bind, arg, &stop))
			return e->port;
	return 0;
}

static bool same_backend(const struct con_backend *a, const struct con_backend *b)
{
	if (a->kind != b->kind || a->kind == CON_BACKEND_NONE)
		return false;
	return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

unsigned con_table_resolve_conflicts(struct con_table *t)
{
	unsigned changed = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct con_entry *a = t->v[i];
		bool lose = false;

		if (a->state == VG_CON_NOT_RUNNING)
			continue;
		for (size_t j = 0; j < t->n && !lose; j++) {
			struct con_entry *b = t->v[j];

			if (i == j || !same_backend(&a->info.backend, &b->info.backend))
				continue;
			/* A guest-written address that another guest's console also names
			 * is the guest pointing us at someone else's display. */
			lose = a->info.backend_guest_writable;
		}
		if (lose && a->state != VG_CON_CONFLICT) {
			a->state = VG_CON_CONFLICT;
			changed++;
		}
	}
	return changed;
}

static void entry_key(const struct con_entry *e, char key[CON_KEY_MAX])
{
	if (e->info.name[0])
		snprintf(key, CON_KEY_MAX, "%s", e->info.name);
	else
		snprintf(key, CON_KEY_MAX, "#%u", e->info.domid);
}

static struct gw_pw *pw_find(const struct con_table *t, const char *key)
{
	for (size_t i = 0; i < t->npws; i++)
		if (strcmp(t->pws[i].key, key) == 0)
			return &t->pws[i];
	return NULL;
}

int con_table_set_gw_password(struct con_table *t, const char *key, const char *pw)
{
	struct gw_pw *p = pw_find(t, key);

	if (strlen(key) >= CON_KEY_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!pw || !*pw) {
		if (p) {
			explicit_bzero(p, sizeof(*p));
			*p = t->pws[--t->npws];
		}
		return 0;
	}
	if (!p) {
		if (grow((void **)&t->pws, &t->cappws, t->npws + 1, sizeof(*t->pws)) < 0)
			return -1;
		p = &t->pws[t->npws++];
		memset(p, 0, sizeof(*p));
		snprintf(p->key, sizeof(p->key), "%s", key);
	}
	snprintf(p->pw, sizeof(p->pw), "%.*s", VNC_PASSWORD_MAX, pw);
	return 0;
}

const char *con_table_gw_password(const struct con_table *t, const struct con_entry *e)
{
	char key[CON_KEY_MAX];
	struct gw_pw *p;

	entry_key(e, key);
	p = pw_find(t, key);
	return p ? p->pw : NULL;
}

const char *con_table_client_password(const struct con_table *t, const struct con_entry *e)
{
	const char *gw = con_table_gw_password(t, e);

	return gw ? gw : e->info.password;
}

void con_table_update_state(struct con_table *t, struct con_entry *e)
{
	if (e->info.backend.kind == CON_BACKEND_NONE)
		e->state = VG_CON_NOT_RUNNING;
	else if (!con_table_client_password(t, e)[0])
		e->state = VG_CON_NO_PASSWORD;
	else
		e->state = VG_CON_READY;
}

const char *con_state_name(enum vg_con_state s)
{
	switch (s) {
	case VG_CON_READY:
		return "ready";
	case VG_CON_NOT_RUNNING:
		return "not-running";
	case VG_CON_NO_PASSWORD:
		return "no-password";
	case VG_CON_CONFLICT:
		return "conflict";
	}
	return "unknown";
}

/* ---- the state file: "port DOMID PORT" and "password HEX(KEY) HEX(PASSWORD)" ---- */

static void hex(const char *s, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (; *s; s++) {
		*out++ = digits[(unsigned char)*s >> 4];
		*out++ = digits[(unsigned char)*s & 15];
	}
	*out = '\0';
}

static int unhex(const char *s, char *out, size_t size)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 >= size)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 || v == 0)
			return -1;
		out[i] = (char)v;
	}
	out[n / 2] = '\0';
	return 0;
}

int con_table_load(struct con_table *t, const char *path, struct d0_err *e)
{
	FILE *f = fopen(path, "re");
	char line[512];
	int lineno = 0, rc = 0;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		d0_err_set(e, errno, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char a[2 * CON_KEY_MAX + 2], b[2 * CON_KEY_MAX + 2];
		char key[CON_KEY_MAX], pw[VNC_PASSWORD_MAX + 1];
		unsigned domid, port;

		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "port %u %u", &domid, &port) == 2 && port >= 1 && port <= 65535) {
			saved_set(t, domid, (uint16_t)port);
		} else if (sscanf(line, "password %137s %137s", a, b) == 2 &&
			   unhex(a, key, sizeof(key)) == 0 && unhex(b, pw, sizeof(pw)) == 0) {
			con_table_set_gw_password(t, key, pw);
		} else if (rc == 0) {
			d0_err_set(e, EINVAL, "%s:%d: unreadable line ignored", path, lineno);
			rc = -1;
		}
		explicit_bzero(line, sizeof(line));
		explicit_bzero(pw, sizeof(pw));
		explicit_bzero(b, sizeof(b));
	}
	fclose(f);
	return rc;
}

int con_table_save(const struct con_table *t, const char *path, struct d0_err *e)
{
	char tmp[300];
	FILE *f;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		d0_err_set(e, ENAMETOOLONG, "%s: path too long", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0 || !(f = fdopen(fd, "w"))) {
		d0_err_set(e, errno, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# netd console state: gateway ports and passwords (do not edit)\n");
	for (size_t i = 0; i < t->nsaved; i++)
		fprintf(f, "port %u %u\n", t->saved[i].domid, t->saved[i].port);
	for (size_t i = 0; i < t->npws; i++) {
		char a[2 * CON_KEY_MAX + 1], b[2 * VNC_PASSWORD_MAX + 1];

		hex(t->pws[i].key, a);
		hex(t->pws[i].pw, b);
		fprintf(f, "password %s %s\n", a, b);
		explicit_bzero(b, sizeof(b));
	}
	if (fflush(f) != 0 || ferror(f))
		err = errno ? errno : EIO;
	if (fclose(f) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) < 0)
		err = errno;
	if (err) {
		unlink(tmp);
		d0_err_set(e, err, "%s: %s", path, strerror(err));
		return -1;
	}
	return 0;
}
