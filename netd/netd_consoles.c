/* The console table from xenstore: which domains have a VNC console, where their
 * display is (libxl's console/vnc-*, the vfb backend, xend's /vm/<uuid>/vncpasswd),
 * and a stable gateway port for each. Watch-driven: @introduceDomain/@releaseDomain
 * re-list the domains, a per-domain watch on its console keys re-reads that domain;
 * events are coalesced into one scan. The vncgw child hears about every change. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include <dom0net/err.h>
#include <dom0net/log.h>
#include <dom0net/xs.h>

#include "netd.h"
#include "netd_consoles.h"
#include "print.h"

#define TOKEN_INTRO "con-intro"
#define TOKEN_RELEASE "con-release"
#define TOKEN_DOM "con-d"	/* + domid */
#define XS_VALUE_MAX 1024

static void schedule(struct netd_consoles *nc)
{
	struct timeval tv = { 0, 20000 };	/* a toolstack writes several keys in a row */

	if (!evtimer_pending(nc->rescan, NULL))
		evtimer_add(nc->rescan, &tv);
}

/* A value as a string; NULL when missing, holding a NUL, or oversized. */
static char *rd(struct xs_handle *h, xs_transaction_t t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static char *rd(struct xs_handle *h, xs_transaction_t t, const char *fmt, ...)
{
	char path[256];
	unsigned len = 0;
	va_list ap;
	char *v;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	v = xs_read(h, t, path, &len);
	if (v && (strlen(v) != len || len > XS_VALUE_MAX)) {
		explicit_bzero(v, len);
		free(v);
		return NULL;
	}
	return v;
}

static void drop(char **v)
{
	if (*v) {
		explicit_bzero(*v, strlen(*v));
		free(*v);
		*v = NULL;
	}
}

static bool guest_writable(struct xs_handle *h, xs_transaction_t t, unsigned domid,
			   const char *path)
{
	unsigned n = 0;
	struct xs_permissions *p = xs_get_permissions(h, t, path, &n);
	bool w = false;

	if (!p)
		return false;
	/* perms[0]: owner (may do anything) and what everyone else may do. */
	w = n > 0 && (p[0].id == domid || (p[0].perms & XS_PERM_WRITE));
	for (unsigned i = 1; i < n; i++)
		w |= p[i].id == domid && (p[i].perms & XS_PERM_WRITE);
	free(p);
	return w;
}

struct read_ctx {
	struct netd_consoles *nc;
	struct con_info *info;
};

static void pick_password(struct con_info *info, char **cands, const char *const *sources,
			  int n)
{
	for (int i = 0; i < n; i++) {
		if (cands[i] && cands[i][0] &&
		    con_parse_password(cands[i], strlen(cands[i]), info->password) == 0) {
			info->pw_source = sources[i];
			return;
		}
	}
	info->password[0] = '\0';
	info->pw_source = NULL;
}

/* One domain's console keys, read in one transaction. */
static int read_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	struct read_ctx *c = arg;
	struct con_info *info = c->info;
	unsigned d = info->domid, port = 0, disp;
	char *name, *vport, *vlisten, *vpass, *fb_vnc, *fb_listen, *fb_disp, *fb_unused, *fb_pass;
	char *vm, *vm_pass = NULL;
	const char *listen;
	struct d0_err e = { 0 };
	static const char *const sources[] = { "console/vnc-pass", "vfb vncpasswd",
						"/vm/<uuid>/vncpasswd" };

	memset(info, 0, sizeof(*info));
	info->domid = d;
	name = rd(h, t, "/local/domain/%u/name", d);
	vport = rd(h, t, "/local/domain/%u/console/vnc-port", d);
	vlisten = rd(h, t, "/local/domain/%u/console/vnc-listen", d);
	vpass = rd(h, t, "/local/domain/%u/console/vnc-pass", d);
	fb_vnc = rd(h, t, "/local/domain/0/backend/vfb/%u/0/vnc", d);
	fb_listen = rd(h, t, "/local/domain/0/backend/vfb/%u/0/vnclisten", d);
	fb_disp = rd(h, t, "/local/domain/0/backend/vfb/%u/0/vncdisplay", d);
	fb_unused = rd(h, t, "/local/domain/0/backend/vfb/%u/0/vncunused", d);
	fb_pass = rd(h, t, "/local/domain/0/backend/vfb/%u/0/vncpasswd", d);
	vm = rd(h, t, "/local/domain/%u/vm", d);
	/* xend and qemu-dm: the password lives with the VM's record. */
	if (vm && strncmp(vm, "/vm/", 4) == 0 && !strchr(vm + 4, '/') && strlen(vm) < 100)
		vm_pass = rd(h, t, "%s/vncpasswd", vm);

	if (name)
		snprintf(info->name, sizeof(info->name), "%s", name);
	info->configured = vport || (fb_vnc && strcmp(fb_vnc, "1") == 0) ||
			   (vlisten && strncmp(vlisten, "unix:", 5) == 0);
	if (vport) {
		if (con_parse_port(vport, &port) < 0)
			snprintf(info->problem, sizeof(info->problem), "console/vnc-port is not a port");
	} else if (info->configured && fb_unused && strcmp(fb_unused, "0") == 0 && fb_disp &&
		   con_parse_domid(fb_disp, &disp) == 0 && disp < 100) {
		port = 5900 + disp;	/* a fixed display; with vncunused qemu writes vnc-port */
	}
	listen = vlisten ? vlisten : fb_listen;
	if (port || (listen && strncmp(listen, "unix:", 5) == 0)) {
		if (con_parse_backend(listen, port, c->nc->unix_prefixes, &info->backend, &e) < 0) {
			snprintf(info->problem, sizeof(info->problem), "%.120s", e.msg);
			info->backend.kind = CON_BACKEND_NONE;
		} else {
			/* Who may rewrite the keys naming the display decides conflicts. */
			char p[128];

			snprintf(p, sizeof(p), "/local/domain/%u/console/vnc-listen", d);
			info->backend_guest_writable = vlisten && guest_writable(h, t, d, p);
			snprintf(p, sizeof(p), "/local/domain/%u/console/vnc-port", d);
			info->backend_guest_writable |= vport && guest_writable(h, t, d, p);
		}
	}
	{
		char *cands[] = { vpass, fb_pass, vm_pass };

		pick_password(info, cands, sources, 3);
	}
	free(name);
	free(vport);
	free(vlisten);
	drop(&vpass);
	free(fb_vnc);
	free(fb_listen);
	free(fb_disp);
	free(fb_unused);
	drop(&fb_pass);
	free(vm);
	drop(&vm_pass);
	return 0;
}

static struct con_dom *dom_find(struct netd_consoles *nc, unsigned domid)
{
	for (size_t i = 0; i < nc->ndoms; i++)
		if (nc->doms[i].domid == domid)
			return &nc->doms[i];
	return NULL;
}

static void dom_watch(struct netd_consoles *nc, unsigned domid, bool on)
{
	char token[32], p1[96], p2[96];

	snprintf(token, sizeof(token), TOKEN_DOM "%u", domid);
	snprintf(p1, sizeof(p1), "/local/domain/%u/console", domid);
	snprintf(p2, sizeof(p2), "/local/domain/0/backend/vfb/%u", domid);
	if (on) {
		if (d0_xs_watch(nc->d->xs, p1, token) < 0 || d0_xs_watch(nc->d->xs, p2, token) < 0)
			log_warn("consoles: watch for domain %u", domid);
	} else {
		d0_xs_unwatch(nc->d->xs, p1, token);
		d0_xs_unwatch(nc->d->xs, p2, token);
	}
}

static void console_remove(struct netd_consoles *nc, struct con_entry *e, const char *why)
{
	log_info("console %u (%s): %s; port %u released", e->info.domid, e->info.name, why,
		 e->port);
	vncgw_proc_forget(nc, e->info.domid);
	con_table_remove(nc->t, e->info.domid);
}

static void relist(struct netd_consoles *nc)
{
	unsigned n = 0;
	char **v = xs_directory(d0_xs_handle(nc->d->xs), XBT_NULL, "/local/domain", &n);

	for (size_t i = 0; i < nc->ndoms; i++)
		nc->doms[i].dirty = false;	/* reused below as "still there" */
	for (unsigned i = 0; v && i < n; i++) {
		unsigned domid;
		struct con_dom *dom;

		if (con_parse_domid(v[i], &domid) < 0 || domid == 0)
			continue;
		dom = dom_find(nc, domid);
		if (dom) {
			dom->dirty = true;
			continue;
		}
		if (nc->ndoms == nc->capdoms) {
			size_t cap = nc->capdoms ? nc->capdoms * 2 : 16;
			struct con_dom *nd = realloc(nc->doms, cap * sizeof(*nd));

			if (!nd)
				break;
			nc->doms = nd;
			nc->capdoms = cap;
		}
		nc->doms[nc->ndoms++] = (struct con_dom){ domid, true };
		dom_watch(nc, domid, true);
	}
	free(v);
	/* Domains no longer listed: released. */
	for (size_t i = 0; i < nc->ndoms;) {
		struct con_dom *dom = &nc->doms[i];
		struct con_entry *e;

		if (dom->dirty) {
			i++;
			continue;
		}
		dom_watch(nc, dom->domid, false);
		e = con_table_find(nc->t, dom->domid);
		if (e)
			console_remove(nc, e, "domain gone");
		nc->doms[i] = nc->doms[--nc->ndoms];
	}
}

static void apply(struct netd_consoles *nc, const struct con_info *info)
{
	struct con_entry *e = con_table_find(nc->t, info->domid);
	char prev_problem[sizeof(info->problem)] = "";

	if (!info->configured) {
		if (e)
			console_remove(nc, e, "no VNC console any more");
		return;
	}
	if (!e) {
		e = con_table_add(nc->t, info);
		if (!e) {
			log_warn("console %u", info->domid);
			return;
		}
		log_info("console %u (%s): display %s", info->domid, info->name,
			 info->backend.kind ? info->backend.desc : "not running yet");
	} else {
		snprintf(prev_problem, sizeof(prev_problem), "%s", e->info.problem);
		if (strcmp(e->info.backend.desc, info->backend.desc) != 0)
			log_info("console %u (%s): display %s", info->domid, info->name,
				 info->backend.kind ? info->backend.desc : "gone");
		e->info = *info;
	}
	/* Logged when it changes: a guest could otherwise flood the log. */
	if (info->problem[0] && strcmp(prev_problem, info->problem) != 0)
		log_warnx("console %u (%s): ignored a xenstore value: %s", info->domid, info->name,
			  info->problem);
}

/* A gateway port for a console without one (new, or waiting for a free port). */
static void give_port(struct netd_consoles *nc, struct con_entry *e)
{
	uint16_t port;

	if (e->port)
		return;
	errno = 0;
	port = con_table_assign_port(nc->t, e, vncgw_bind, nc);
	if (port) {
		log_info("console %u (%s): gateway port %u", e->info.domid, e->info.name, port);
		e->port_warned = false;
	} else if (!e->port_warned) {
		log_warnx("console %u (%s): no gateway port: %s (ports %u-%u, %zu consoles)",
			  e->info.domid, e->info.name,
			  errno == EADDRINUSE || errno == 0 ? "all in use" : strerror(errno),
			  nc->d->cfg.console_port_min, nc->d->cfg.console_port_max,
			  con_table_size(nc->t));
		e->port_warned = true;
	}
}

static void save(struct netd_consoles *nc)
{
	struct d0_err e = { 0 };

	if (con_table_save(nc->t, nc->state_path, &e) < 0)
		log_warnx("consoles: cannot save the state: %s", e.msg);
}

static void scan(evutil_socket_t fd, short what, void *arg)
{
	struct netd_consoles *nc = arg;
	struct con_info info;

	if (!nc->d->xs)
		return;
	if (nc->list_dirty) {
		nc->list_dirty = false;
		relist(nc);	/* marks every listed domain dirty */
	}
	for (size_t i = 0; i < nc->ndoms; i++) {
		struct read_ctx c = { nc, &info };

		if (!nc->doms[i].dirty)
			continue;
		nc->doms[i].dirty = false;
		info.domid = nc->doms[i].domid;
		if (d0_xs_transact(nc->d->xs, read_tx, &c) < 0) {
			log_warn("consoles: reading domain %u", info.domid);
			continue;
		}
		apply(nc, &info);
		explicit_bzero(info.password, sizeof(info.password));
	}
	if (!nc->scanned) {
		/* Ports remembered for domains that did not come back are free now. */
		nc->scanned = true;
		con_table_prune_saved(nc->t);
	}
	for (size_t i = 0; i < con_table_size(nc->t); i++) {
		struct con_entry *e = con_table_at(nc->t, i);

		give_port(nc, e);
		con_table_update_state(nc->t, e);
		if (vncgw_is_own_listener(nc, &e->info.backend)) {
			/* qemu lost the port to our wildcard listener: relaying would loop. */
			if (e->state != VG_CON_CONFLICT)
				log_warnx("console %u (%s): display %s is the gateway's own port; "
					  "console disabled (set [console] listen to the external "
					  "address)", e->info.domid, e->info.name, e->info.backend.desc);
			e->state = VG_CON_CONFLICT;
			snprintf(e->info.problem, sizeof(e->info.problem),
				 "display %.80s is the gateway's own listener", e->info.backend.desc);
		}
	}
	if (con_table_resolve_conflicts(nc->t))
		log_warnx("consoles: a guest names another guest's display; its console is disabled "
			  "(see netctl consoles)");
	save(nc);
	vncgw_proc_sync(nc);
}

void netd_consoles_xs_connected(struct netd *d)
{
	struct netd_consoles *nc = d->consoles;

	if (!nc || nc->watching)
		return;
	if (d0_xs_watch(d->xs, "@introduceDomain", TOKEN_INTRO) < 0 ||
	    d0_xs_watch(d->xs, "@releaseDomain", TOKEN_RELEASE) < 0) {
		log_warn("consoles: cannot watch for domains");
		return;
	}
	nc->watching = true;
	nc->list_dirty = true;
	schedule(nc);
}

void netd_consoles_xs_event(struct netd *d, const char *path, const char *token)
{
	struct netd_consoles *nc = d->consoles;
	unsigned domid;
	struct con_dom *dom;

	if (!nc)
		return;
	if (strcmp(token, TOKEN_INTRO) == 0 || strcmp(token, TOKEN_RELEASE) == 0) {
		nc->list_dirty = true;
	} else if (strncmp(token, TOKEN_DOM, strlen(TOKEN_DOM)) == 0 &&
		   con_parse_domid(token + strlen(TOKEN_DOM), &domid) == 0 &&
		   (dom = dom_find(nc, domid))) {
		dom->dirty = true;
	} else {
		return;
	}
	schedule(nc);
}

int netd_consoles_start(struct netd *d)
{
	struct netd_consoles *nc;
	struct d0_err e = { 0 };
	char dir[256], err[256];
	int n = 0;

	if (!d->cfg.console_enable) {
		log_info("console gateway: disabled in the configuration");
		return 0;
	}
	/* Without an unprivileged user there is no gateway, and no listener may wait for
	 * one (viewers would hang in the backlog). */
	if (vncgw_check_user(&d->cfg, err, sizeof(err)) < 0) {
		log_warnx("console gateway: %s; gateway disabled", err);
		return 0;
	}
	nc = calloc(1, sizeof(*nc));
	if (!nc)
		return -1;
	nc->d = d;
	nc->pid = -1;
	snprintf(dir, sizeof(dir), "%s", d->cfg.pidfile);
	snprintf(nc->runtime_dir, sizeof(nc->runtime_dir), "%s", dirname(dir));
	snprintf(nc->state_path, sizeof(nc->state_path), "%s/consoles.state", nc->runtime_dir);
	/* Where a display's unix socket may be: the usual Xen places and our own. */
	nc->unix_prefixes[n++] = "/run/xen/";
	nc->unix_prefixes[n++] = "/var/run/xen/";
	nc->unix_prefixes[n++] = "/var/lib/xen/";
	nc->unix_prefixes[n++] = "/run/qemu/";
	nc->unix_prefixes[n++] = nc->runtime_dir;
	nc->unix_prefixes[n] = NULL;
	nc->t = con_table_new(d->cfg.console_port_min, d->cfg.console_port_max);
	nc->rescan = evtimer_new(d->base, scan, nc);
	if (!nc->t || !nc->rescan)
		goto fail;
	if (vncgw_parse_listen(nc, d->cfg.console_listen, err, sizeof(err)) < 0) {
		log_warnx("console gateway: %s; gateway disabled", err);
		goto fail;
	}
	if (vncgw_listen_wildcard(nc)) {
		/* 0.0.0.0:59xx shadows qemu's 127.0.0.1:59xx (and takes ports it wants). */
		log_warnx("console gateway: listen = %s includes a wildcard; displays' own ports "
			  "are skipped, but qemu started later may find its port taken: prefer the "
			  "external address", d->cfg.console_listen);
		con_table_avoid_display_ports(nc->t, true);
	}
	if (con_table_load(nc->t, nc->state_path, &e) < 0)
		log_warnx("consoles: %s", e.msg);
	d->consoles = nc;
	if (vncgw_proc_start(nc) < 0) {
		log_warn("console gateway: cannot start the vncgw process");
		vncgw_proc_retry(nc);
	}
	return 0;
fail:
	if (nc->rescan)
		event_free(nc->rescan);
	con_table_free(nc->t);
	free(nc);
	return -1;
}

void netd_consoles_stop(struct netd *d)
{
	struct netd_consoles *nc = d->consoles;

	if (!nc)
		return;
	vncgw_proc_stop(nc);
	if (nc->rescan)
		event_free(nc->rescan);
	con_table_free(nc->t);	/* closes the listening sockets; the state file stays */
	free(nc->doms);
	free(nc);
	d->consoles = NULL;
}

/* ---- the control socket ------------------------------------------------------------- */

static const char *pw_kind(struct netd_consoles *nc, struct con_entry *e)
{
	if (con_table_gw_password(nc->t, e))
		return "gateway";
	return e->info.password[0] ? "guest" : "none";
}

int netd_consoles_print(struct netd *d, bool json, FILE *out)
{
	struct netd_consoles *nc = d->consoles;
	char addr[64];

	print_init(out, json);
	print_open_object(NULL);
	print_open_object("gateway");
	if (!nc) {
		print_bool(PRINT_JSON, "enabled", NULL, false);
		print_string(PRINT_FP, NULL, "%s\n", "console gateway: disabled (see netd's log)");
		print_close_object();
		print_close_object();
		return print_finish();
	}
	print_bool(PRINT_JSON, "enabled", NULL, true);
	print_bool(PRINT_JSON, "running", NULL, nc->ready);
	if (nc->ready) {
		char text[160];

		snprintf(text, sizeof(text), "gateway: running (pid %u, uid %u, %s, %s)",
			 nc->info.pid, nc->info.uid,
			 nc->info.flags & VG_SANDBOX_NOCAPS ? "no capabilities" : "CAPABILITIES KEPT",
			 nc->info.flags & VG_SANDBOX_SECCOMP ? "seccomp" : "no seccomp");
		print_string(PRINT_FP, NULL, "%s", text);
		print_uint(PRINT_JSON, "pid", NULL, nc->info.pid);
		print_uint(PRINT_JSON, "uid", NULL, nc->info.uid);
		print_bool(PRINT_JSON, "no_capabilities", NULL, nc->info.flags & VG_SANDBOX_NOCAPS);
		print_bool(PRINT_JSON, "seccomp", NULL, nc->info.flags & VG_SANDBOX_SECCOMP);
	} else {
		print_string(PRINT_FP, NULL, "%s", "gateway: NOT running (restarting)");
	}
	print_string(PRINT_FP, NULL, "%s", ", listening on");
	print_open_array("listen");
	for (int i = 0; i < nc->nlisten; i++) {
		void *a = nc->listen[i].ss_family == AF_INET
				  ? (void *)&((struct sockaddr_in *)&nc->listen[i])->sin_addr
				  : (void *)&((struct sockaddr_in6 *)&nc->listen[i])->sin6_addr;

		inet_ntop(nc->listen[i].ss_family, a, addr, sizeof(addr));
		print_string(PRINT_ANY, NULL, " %s", addr);
	}
	print_close_array();
	print_uint(PRINT_ANY, "port_min", ", ports %u", d->cfg.console_port_min);
	print_uint(PRINT_ANY, "port_max", "-%u\n", d->cfg.console_port_max);
	print_close_object();
	print_string(PRINT_FP, NULL, "%s", "DOMAIN NAME                 PORT  STATE        "
		     "DISPLAY                        PASSWORD VIEWERS\n");
	print_open_array("consoles");
	for (size_t i = 0; i < con_table_size(nc->t); i++) {
		struct con_entry *e = con_table_at(nc->t, i);

		print_open_object(NULL);
		print_uint(PRINT_ANY, "domid", "%-6u ", e->info.domid);
		print_string(PRINT_ANY, "name", "%-20s ", e->info.name[0] ? e->info.name : "-");
		if (e->port)
			print_uint(PRINT_ANY, "port", "%-5u ", e->port);
		else
			print_null(PRINT_ANY, "port", "%-5s ", "-");
		print_string(PRINT_ANY, "state", "%-12s ", con_state_name(e->state));
		print_string(PRINT_ANY, "display", "%-30s ",
			     e->info.backend.kind ? e->info.backend.desc : "-");
		print_string(PRINT_ANY, "password", "%-8s ", pw_kind(nc, e));
		print_uint(PRINT_ANY, "viewers", "%u\n", e->viewers);
		if (e->info.problem[0])
			print_string(PRINT_ANY, "problem", "       note: %s\n", e->info.problem);
		print_close_object();
	}
	print_close_array();
	print_close_object();
	return print_finish();
}

static struct con_entry *resolve(struct netd_consoles *nc, const char *dom)
{
	unsigned domid;

	if (con_parse_domid(dom, &domid) == 0)
		return con_table_find(nc->t, domid);
	for (size_t i = 0; i < con_table_size(nc->t); i++) {
		struct con_entry *e = con_table_at(nc->t, i);

		if (strcmp(e->info.name, dom) == 0)
			return e;
	}
	return NULL;
}

int netd_consoles_set_password(struct netd *d, int argc, const char **argv, FILE *out)
{
	struct netd_consoles *nc = d->consoles;
	struct con_entry *e;
	char key[CON_NAME_MAX + 8];
	size_t len;
	int rc = 0;

	if (argc != 2) {
		fprintf(out, "usage: console-password DOMAIN (password on stdin)\n");
		rc = EINVAL;
		goto out;
	}
	if (!nc) {
		fprintf(out, "the console gateway is disabled\n");
		rc = ENOTSUP;
		goto out;
	}
	e = resolve(nc, argv[0]);
	if (!e) {
		fprintf(out, "no console for domain '%s' (see netctl consoles)\n", argv[0]);
		rc = ENOENT;
		goto out;
	}
	len = strlen(argv[1]);
	if (e->info.name[0])
		snprintf(key, sizeof(key), "%s", e->info.name);
	else
		snprintf(key, sizeof(key), "#%u", e->info.domid);
	if (con_table_set_gw_password(nc->t, key, argv[1]) < 0) {
		fprintf(out, "cannot store the password: %s\n", strerror(errno));
		rc = errno;
		goto out;
	}
	/* Never the password itself in a log or an answer. */
	if (len) {
		log_info("console %u (%s): gateway password set", e->info.domid, e->info.name);
		fprintf(out, "console %u (%s): gateway password set%s\n", e->info.domid,
			e->info.name,
			len > VNC_PASSWORD_MAX ? " (VNC uses only its first 8 characters)" : "");
	} else {
		log_info("console %u (%s): gateway password cleared", e->info.domid, e->info.name);
		fprintf(out, "console %u (%s): gateway password cleared; viewers use the guest's "
			"password\n", e->info.domid, e->info.name);
	}
	con_table_update_state(nc->t, e);
	con_table_resolve_conflicts(nc->t);
	save(nc);
	vncgw_proc_sync(nc);
out:
	if (argc >= 2)
		explicit_bzero((char *)argv[1], strlen(argv[1]));	/* in the request buffer */
	return rc;
}
