/* The vncgw child seen from netd: fork + exec of netd itself (a fresh address space
 * without netd's secrets or descriptors), the channel, restarts with back-off, the
 * listening sockets netd binds and passes, and the backend connections netd dials
 * when the child asks. Everything the child asks is re-checked against netd's own
 * table: the child only names a console; the address dialled is netd's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <dom0net/err.h>
#include <dom0net/log.h>

#include "netd.h"
#include "netd_consoles.h"

#define RESTART_MAX_S 60
#define DIAL_RATE 100.0		/* dials per second the child may ask for ... */
#define DIAL_BURST 200.0	/* ... with this burst */
#define LISTEN_BACKLOG 64

/* Defaults when the configuration does not say. */
#define DEF_HANDSHAKE_S 30
#define DEF_MAX_SESSIONS 256
#define DEF_MAX_UNAUTH 256
#define DEF_MAX_UNAUTH_PER_ADDR 16

int vncgw_parse_listen(struct netd_consoles *nc, const char *spec, char *err, size_t errlen)
{
	char buf[sizeof(nc->d->cfg.console_listen)], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	nc->nlisten = 0;
	for (char *tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		struct sockaddr_storage *ss = &nc->listen[nc->nlisten];

		if (nc->nlisten == VG_MAX_LISTEN) {
			snprintf(err, errlen, "listen: at most %d addresses", VG_MAX_LISTEN);
			return -1;
		}
		memset(ss, 0, sizeof(*ss));
		if (inet_pton(AF_INET, tok, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
			ss->ss_family = AF_INET;
			nc->listen_len[nc->nlisten++] = sizeof(struct sockaddr_in);
		} else if (inet_pton(AF_INET6, tok, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
			ss->ss_family = AF_INET6;
			nc->listen_len[nc->nlisten++] = sizeof(struct sockaddr_in6);
		} else {
			snprintf(err, errlen, "listen: '%s' is not a numeric IPv4 or IPv6 address", tok);
			return -1;
		}
	}
	if (nc->nlisten == 0) {
		snprintf(err, errlen, "listen: no address");
		return -1;
	}
	return 0;
}

static bool wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

bool vncgw_listen_wildcard(const struct netd_consoles *nc)
{
	for (int i = 0; i < nc->nlisten; i++)
		if (wildcard(&nc->listen[i]))
			return true;
	return false;
}

/* Would dialling b reach one of our own listeners (a display address that is really
 * a gateway port)? The gateway would then relay to itself, session after session. */
bool vncgw_is_own_listener(struct netd_consoles *nc, const struct con_backend *b)
{
	bool ours = false;

	if (b->kind != CON_BACKEND_TCP)
		return false;
	for (size_t i = 0; i < con_table_size(nc->t) && !ours; i++)
		ours = con_table_at(nc->t, i)->port == b->tcp_port;
	if (!ours)
		return false;
	for (int i = 0; i < nc->nlisten; i++) {
		const struct sockaddr_storage *l = &nc->listen[i];

		if (l->ss_family != b->addr.ss_family)
			continue;
		if (wildcard(l))
			return true;
		if (l->ss_family == AF_INET &&
		    ((const struct sockaddr_in *)l)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)&b->addr)->sin_addr.s_addr)
			return true;
		if (l->ss_family == AF_INET6 &&
		    IN6_ARE_ADDR_EQUAL(&((const struct sockaddr_in6 *)l)->sin6_addr,
				       &((const struct sockaddr_in6 *)&b->addr)->sin6_addr))
			return true;
	}
	return false;
}

int vncgw_bind(void *arg, struct con_entry *e, uint16_t port)
{
	struct netd_consoles *nc = arg;
	int fds[VG_MAX_LISTEN], n = 0, one = 1, err;

	for (; n < nc->nlisten; n++) {
		struct sockaddr_storage ss = nc->listen[n];
		int fd;

		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			goto fail;
		fds[n] = fd;
		/* SO_REUSEADDR: a restarted netd rebinds despite TIME_WAIT leftovers. */
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ss.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&ss, nc->listen_len[n]) < 0 ||
		    listen(fd, LISTEN_BACKLOG) < 0) {
			n++;
			goto fail;
		}
	}
	memcpy(e->lfds, fds, sizeof(int) * (size_t)n);
	e->nlfds = n;
	return 0;
fail:
	err = errno;
	while (n-- > 0)
		close(fds[n]);
	errno = err;
	return -1;
}

/* ---- messages ----------------------------------------------------------------------- */

static void build(struct netd_consoles *nc, struct con_entry *e, struct vg_console *m)
{
	memset(m, 0, sizeof(*m));
	m->id = e->info.domid;
	m->port = e->port;
	m->state = (uint8_t)e->state;
	snprintf(m->name, sizeof(m->name), "%s", e->info.name);
	snprintf(m->backend, sizeof(m->backend), "%s",
		 e->info.backend.kind ? e->info.backend.desc : "-");
	snprintf(m->client_pw, sizeof(m->client_pw), "%s", con_table_client_password(nc->t, e));
	snprintf(m->backend_pw, sizeof(m->backend_pw), "%s", e->info.password);
}

void vncgw_proc_sync(struct netd_consoles *nc)
{
	if (!nc->chan || !nc->ready)
		return;
	for (size_t i = 0; i < con_table_size(nc->t); i++) {
		struct con_entry *e = con_table_at(nc->t, i);
		struct vg_console m;

		if (!e->port)
			continue;	/* no listener: the child has nothing to serve */
		build(nc, e, &m);
		m.gen = e->gen;
		if (e->sent_valid && memcmp(&m, &e->sent, sizeof(m)) == 0)
			continue;
		m.gen = ++e->gen;
		m.nfds = (uint8_t)e->nlfds;
		if (vg_chan_send(nc->chan, VG_CONSOLE_SET, &m, sizeof(m), e->lfds, e->nlfds) < 0) {
			log_warn("console %u: cannot tell the gateway", e->info.domid);
		} else {
			m.nfds = 0;
			e->sent = m;
			e->sent.nfds = 0;
			e->sent_valid = true;
			/* Compared without the generation next time. */
			e->sent.gen = e->gen;
		}
		explicit_bzero(&m, sizeof(m));
	}
}

void vncgw_proc_forget(struct netd_consoles *nc, unsigned domid)
{
	struct con_entry *e = con_table_find(nc->t, domid);
	struct vg_console_ref r = { domid };

	if (!e || !e->sent_valid)
		return;
	if (nc->chan && nc->ready)
		vg_chan_send(nc->chan, VG_CONSOLE_DEL, &r, sizeof(r), NULL, 0);
	e->sent_valid = false;
}

static bool dial_allowed(struct netd_consoles *nc)
{
	struct timespec now;
	double dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - nc->dial_last.tv_sec) +
	     (double)(now.tv_nsec - nc->dial_last.tv_nsec) / 1e9;
	nc->dial_last = now;
	nc->dial_tokens += dt * DIAL_RATE;
	if (nc->dial_tokens > DIAL_BURST)
		nc->dial_tokens = DIAL_BURST;
	if (nc->dial_tokens < 1.0)
		return false;
	nc->dial_tokens -= 1.0;
	return true;
}

/* Connects to the console's display; the connect may still be in progress (the child
 * sees its outcome on the first read). Returns the socket, or -1 with errno. */
static int dial(const struct con_backend *b)
{
	int fd = socket(b->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	if (b->kind == CON_BACKEND_TCP)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&b->addr, b->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void on_dial(struct netd_consoles *nc, const struct vg_dial *m)
{
	struct vg_dial_reply r = { m->session, m->console, 0 };
	struct con_entry *e = con_table_find(nc->t, m->console);
	int fd = -1;

	if (!e || !e->sent_valid || m->gen > e->gen) {
		r.err = ENOENT;	/* a console we never described: refuse */
		log_warnx("gateway asked to dial unknown console %u (gen %u)", m->console, m->gen);
	} else if (e->state != VG_CON_READY || vncgw_is_own_listener(nc, &e->info.backend)) {
		r.err = EHOSTUNREACH;
	} else if (!dial_allowed(nc)) {
		r.err = EAGAIN;
		log_warnx("gateway dials too fast; refusing one for console %u", m->console);
	} else if ((fd = dial(&e->info.backend)) < 0) {
		r.err = errno;
	}
	nc->dials++;
	log_debug("console %u: dialled %s for session %u: %s", m->console,
		  e ? e->info.backend.desc : "-", m->session, r.err ? strerror(r.err) : "ok");
	if (vg_chan_send(nc->chan, VG_DIAL_REPLY, &r, sizeof(r), fd >= 0 ? &fd : NULL,
			 fd >= 0) < 0 && fd >= 0) {
		/* Could not pass the socket (out of descriptors): the viewer must still
		 * get an answer, not a timeout. */
		r.err = errno;
		vg_chan_send(nc->chan, VG_DIAL_REPLY, &r, sizeof(r), NULL, 0);
	}
	if (fd >= 0)
		close(fd);
}

static void on_msg(void *arg, uint16_t type, const void *payload, size_t len, int *fds,
		   int nfds)
{
	struct netd_consoles *nc = arg;

	for (int i = 0; i < nfds; i++)
		close(fds[i]);	/* the child never sends descriptors (and the checks say 0) */
	switch (type) {
	case VG_READY:
		if (nc->ready)
			break;
		memcpy(&nc->info, payload, sizeof(nc->info));
		nc->ready = true;
		log_info("console gateway: ready (pid %u, uid %u%s%s)", nc->info.pid, nc->info.uid,
			 nc->info.flags & VG_SANDBOX_NOCAPS ? ", no capabilities" : "",
			 nc->info.flags & VG_SANDBOX_SECCOMP ? ", seccomp" : "");
		vncgw_proc_sync(nc);
		return;
	case VG_DIAL:
		if (!nc->ready)
			break;
		on_dial(nc, payload);
		return;
	case VG_VIEWERS: {
		struct vg_viewers v;
		struct con_entry *e;

		if (!nc->ready)
			break;
		memcpy(&v, payload, sizeof(v));
		e = con_table_find(nc->t, v.console);
		if (e) {
			e->viewers = v.viewers;
			e->pending = v.pending;
		}
		return;
	}
	}
	log_warnx("console gateway: unexpected message %u; restarting it", type);
	if (nc->pid > 0)
		kill(nc->pid, SIGKILL);
}

void vncgw_proc_retry(struct netd_consoles *nc)
{
	struct timeval tv = { 1, 0 };

	if (!nc->restart)
		return;

	/* Quick deaths in a row back off: 1, 2, 4 ... 60 s. */
	if (time(NULL) - nc->started < RESTART_MAX_S)
		nc->failures++;
	else
		nc->failures = 0;
	for (unsigned i = 0; i < nc->failures && tv.tv_sec < RESTART_MAX_S; i++)
		tv.tv_sec *= 2;
	if (tv.tv_sec > RESTART_MAX_S)
		tv.tv_sec = RESTART_MAX_S;
	log_warnx("console gateway: restarting in %lds", (long)tv.tv_sec);
	evtimer_add(nc->restart, &tv);
}

static void chan_gone(struct netd_consoles *nc)
{
	vg_chan_free(nc->chan);
	nc->chan = NULL;
	nc->ready = false;
	for (size_t i = 0; i < con_table_size(nc->t); i++) {
		struct con_entry *e = con_table_at(nc->t, i);

		e->sent_valid = false;
		e->viewers = e->pending = 0;
	}
}

static void on_chan_closed(void *arg, const struct d0_err *e)
{
	struct netd_consoles *nc = arg;

	if (e->code != ECONNRESET)
		log_warnx("console gateway: %s; stopping it", e->msg);
	/* Freed from the SIGCHLD handler: not inside the channel's own callback. */
	if (nc->pid > 0)
		kill(nc->pid, SIGKILL);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct netd_consoles *nc = arg;
	int status;

	if (nc->pid <= 0 || waitpid(nc->pid, &status, WNOHANG) != nc->pid)
		return;	/* another module's child */
	if (WIFSIGNALED(status))
		log_warnx("console gateway (pid %d) killed by signal %d%s", (int)nc->pid,
			  WTERMSIG(status), WTERMSIG(status) == SIGSYS ? " (seccomp)" : "");
	else
		log_warnx("console gateway (pid %d) exited with status %d", (int)nc->pid,
			  WEXITSTATUS(status));
	nc->pid = -1;
	chan_gone(nc);
	vncgw_proc_retry(nc);
}

static bool stderr_is_devnull(void)
{
	struct stat a, b;

	return fstat(2, &a) < 0 || (stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev &&
				    S_ISCHR(a.st_mode));
}

int vncgw_check_user(const struct d0_config *cfg, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(cfg->console_user);

	if (!pw) {
		snprintf(err, errlen, "user '%s' does not exist", cfg->console_user);
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is root; refusing", cfg->console_user);
		return -1;
	}
	return 0;
}

static int hello(struct netd_consoles *nc, struct vg_hello *h)
{
	const struct d0_config *cfg = &nc->d->cfg;
	struct passwd *pw = getpwnam(cfg->console_user);

	memset(h, 0, sizeof(*h));
	if (!pw || pw->pw_uid == 0) {
		log_warnx("console gateway: user '%s' missing or root", cfg->console_user);
		errno = EPERM;
		return -1;
	}
	h->uid = pw->pw_uid;
	h->gid = pw->pw_gid;
	h->log_level = (uint32_t)log_getlevel();
	/* A daemonised netd has /dev/null as stderr and logs to syslog: so does the child. */
	h->log_syslog = stderr_is_devnull();
	h->log_stderr = !h->log_syslog;
	h->handshake_timeout_s = cfg->console_handshake_timeout ? cfg->console_handshake_timeout
								: DEF_HANDSHAKE_S;
	h->idle_timeout_s = cfg->console_idle_timeout;
	h->max_sessions = cfg->console_max_sessions ? cfg->console_max_sessions : DEF_MAX_SESSIONS;
	h->max_unauth = DEF_MAX_UNAUTH;
	h->max_unauth_per_addr = DEF_MAX_UNAUTH_PER_ADDR;
	return 0;
}

static void on_restart(evutil_socket_t fd, short what, void *arg)
{
	if (vncgw_proc_start(arg) < 0) {
		log_warn("console gateway: cannot start");
		vncgw_proc_retry(arg);
	}
}

int vncgw_proc_start(struct netd_consoles *nc)
{
	struct vg_hello h;
	int sv[2] = { -1, -1 };
	pid_t pid;

	if (!nc->restart && !(nc->restart = evtimer_new(nc->d->base, on_restart, nc)))
		return -1;
	if (!nc->sigchld) {
		nc->sigchld = evsignal_new(nc->d->base, SIGCHLD, on_sigchld, nc);
		if (!nc->sigchld || evsignal_add(nc->sigchld, NULL) < 0)
			return -1;
	}
	if (hello(nc, &h) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		char *const argv[] = { "vncgw", VNCGW_CHILD_ARG, NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Descriptor 3 is the channel; everything else of netd's is closed. */
		/* stdin/stdout: nothing; stderr stays, it is netd's log when in the foreground. */
		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(sv[1], VNCGW_CHILD_FD) < 0)
			_exit(127);
		if (sv[1] == VNCGW_CHILD_FD)
			fcntl(VNCGW_CHILD_FD, F_SETFD, 0);
		close_range(VNCGW_CHILD_FD + 1, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	nc->chan = vg_chan_new(nc->d->base, sv[0], true, on_msg, on_chan_closed, nc);
	if (!nc->chan) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	nc->pid = pid;
	nc->started = time(NULL);
	nc->dial_tokens = DIAL_BURST;
	clock_gettime(CLOCK_MONOTONIC, &nc->dial_last);
	vg_chan_send(nc->chan, VG_HELLO, &h, sizeof(h), NULL, 0);
	log_info("console gateway: started pid %d (user %s)", (int)pid, nc->d->cfg.console_user);
	return 0;
}

void vncgw_proc_stop(struct netd_consoles *nc)
{
	if (nc->pid > 0) {
		int status, i;

		kill(nc->pid, SIGTERM);
		for (i = 0; i < 100 && waitpid(nc->pid, &status, WNOHANG) != nc->pid; i++)
			usleep(10000);
		if (i == 100) {
			kill(nc->pid, SIGKILL);
			waitpid(nc->pid, &status, 0);
		}
		nc->pid = -1;
	}
	if (nc->chan)
		chan_gone(nc);
	if (nc->sigchld)
		event_free(nc->sigchld);
	if (nc->restart)
		event_free(nc->restart);
	nc->sigchld = nc->restart = NULL;
}
