/* The gateway process: netd re-executes itself with VNCGW_CHILD_ARG and hands over
 * one end of a socketpair as descriptor 3. The first message (HELLO) says whom to
 * become and the limits; the child then locks itself down (gw_sandbox), reports
 * READY, and from then on only accepts viewers on the listening sockets netd sends,
 * relays, and asks netd to dial backends. It never opens a file or a socket itself. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/listener.h>

#include <dom0net/err.h>
#include <dom0net/log.h>

#include "gw.h"

uint64_t gw_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct gw_console *gw_console_find(struct gw *gw, uint32_t id)
{
	for (struct gw_console *c = gw->consoles; c; c = c->next)
		if (c->c.id == id)
			return c;
	return NULL;
}

void gw_report(struct gw *gw, struct gw_console *con)
{
	struct vg_viewers v = { con->c.id, con->viewers, con->pending, gw->n_relaying };

	vg_chan_send(gw->chan, VG_VIEWERS, &v, sizeof(v), NULL, 0);
}

static void listeners_set(struct gw *gw, bool on)
{
	for (struct gw_console *c = gw->consoles; c; c = c->next)
		for (int i = 0; i < c->nlis; i++)
			on ? evconnlistener_enable(c->lis[i]) : evconnlistener_disable(c->lis[i]);
}

static void on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;

	gw->accept_paused = false;
	listeners_set(gw, true);
}

void gw_accept_pause(struct gw *gw)
{
	struct timeval tv = { GW_ACCEPT_PAUSE_MS / 1000, (GW_ACCEPT_PAUSE_MS % 1000) * 1000 };

	if (gw->accept_paused)
		return;
	gw->accept_paused = true;
	listeners_set(gw, false);
	evtimer_add(gw->accept_resume, &tv);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct gw_console *con = arg;

	session_accept(con->gw, con, fd, sa, salen);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct gw_console *con = arg;
	int err = EVUTIL_SOCKET_ERROR();

	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* Out of descriptors or memory: rest instead of spinning on accept(). */
		log_warnx("accept on port %u: %s; pausing all listeners for %d ms",
			  con->c.port, strerror(err), GW_ACCEPT_PAUSE_MS);
		gw_accept_pause(con->gw);
		return;
	}
	if (err != ECONNABORTED && err != EINTR && err != EPROTO)
		log_warnx("accept on port %u: %s", con->c.port, strerror(err));
}

static void console_listeners_free(struct gw_console *c)
{
	for (int i = 0; i < c->nlis; i++)
		evconnlistener_free(c->lis[i]);
	c->nlis = 0;
}

static void console_set(struct gw *gw, const struct vg_console *m, int *fds, int nfds)
{
	struct gw_console *c = gw_console_find(gw, m->id);
	struct vg_console v = *m;

	v.name[sizeof(v.name) - 1] = v.backend[sizeof(v.backend) - 1] = '\0';
	v.client_pw[sizeof(v.client_pw) - 1] = v.backend_pw[sizeof(v.backend_pw) - 1] = '\0';
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			for (int i = 0; i < nfds; i++)
				close(fds[i]);
			log_warn("console %u", m->id);
			return;
		}
		c->gw = gw;
		c->next = gw->consoles;
		gw->consoles = c;
	}
	explicit_bzero(&c->c, sizeof(c->c));
	c->c = v;
	explicit_bzero(&v, sizeof(v));
	if (nfds == 0)
		return;
	console_listeners_free(c);
	for (int i = 0; i < nfds; i++) {
		struct evconnlistener *l = evconnlistener_new(gw->base, on_accept, c,
				LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fds[i]);

		if (!l) {
			log_warnx("console %u: cannot watch listening socket", m->id);
			close(fds[i]);
			continue;
		}
		evconnlistener_set_error_cb(l, on_accept_error);
		if (gw->accept_paused)
			evconnlistener_disable(l);
		c->lis[c->nlis++] = l;
	}
	log_info("console %u (%s): port %u, %s, display %s", c->c.id, c->c.name, c->c.port,
		 con_state_name((enum vg_con_state)c->c.state), c->c.backend);
}

static void console_del(struct gw *gw, uint32_t id)
{
	struct gw_console **p = &gw->consoles;

	while (*p && (*p)->c.id != id)
		p = &(*p)->next;
	if (!*p)
		return;
	struct gw_console *c = *p;

	session_close_console(gw, c, "the guest's console went away");
	console_listeners_free(c);
	*p = c->next;
	log_info("console %u (%s): removed", c->c.id, c->c.name);
	explicit_bzero(c, sizeof(*c));
	free(c);
}

static void on_msg(void *arg, uint16_t type, const void *payload, size_t len, int *fds,
		   int nfds)
{
	struct gw *gw = arg;

	switch (type) {
	case VG_CONSOLE_SET: {
		struct vg_console m;

		memcpy(&m, payload, sizeof(m));
		console_set(gw, &m, fds, nfds);
		explicit_bzero(&m, sizeof(m));
		return;
	}
	case VG_CONSOLE_DEL: {
		struct vg_console_ref r;

		memcpy(&r, payload, sizeof(r));
		console_del(gw, r.id);
		return;
	}
	case VG_DIAL_REPLY: {
		struct vg_dial_reply r;

		memcpy(&r, payload, sizeof(r));
		session_dial_reply(gw, &r, nfds ? fds[0] : -1);
		return;
	}
	}
	/* HELLO twice, or anything else the checks let through: netd is confused. */
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	log_warnx("unexpected message %u from netd; exiting", type);
	event_base_loopbreak(gw->base);
}

static void on_chan_closed(void *arg, const struct d0_err *e)
{
	struct gw *gw = arg;

	if (e->code != ECONNRESET)
		log_warnx("channel to netd: %s; exiting", e->msg);
	event_base_loopbreak(gw->base);
}

static int read_hello(struct vg_hello *h)
{
	_Alignas(8) uint8_t buf[VG_MAX_MSG];
	int fds[VG_MAX_LISTEN], nfds;
	struct d0_err e = { 0 };
	ssize_t n = vg_recv(VNCGW_CHILD_FD, buf, sizeof(buf), fds, VG_MAX_LISTEN, &nfds);
	struct vg_hdr hdr;

	if (n < 0 || vg_msg_check(buf, (size_t)n, nfds, true, &e) < 0) {
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		return -1;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.type != VG_HELLO)
		return -1;
	memcpy(h, buf + sizeof(hdr), sizeof(*h));
	return 0;
}

static void prepare(void)
{
	uint8_t c[VNC_CHALLENGE_LEN] = { 1 }, r[VNC_CHALLENGE_LEN];
	struct rlimit rl;

	/* Everything that opens files on first use happens before the sandbox: the time
	 * zone for syslog, the DES code's library initialisation. */
	tzset();
	vnc_auth_response(c, "warm-up", r);
	/* One descriptor per viewer and per backend. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int vncgw_child_main(void)
{
	struct gw gw = { 0 };
	struct vg_ready ready = { 0 };
	char err[256];
	int flags;

	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "vncgw", 0, 0, 0);	/* exec'd as /proc/self/exe: "exe" otherwise */
	if (read_hello(&gw.cfg) < 0) {
		log_warnx("vncgw: no valid HELLO from netd");
		return 1;
	}
	log_init("vncgw", (int)gw.cfg.log_stderr, (int)gw.cfg.log_syslog,
		 gw.cfg.log_level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : (enum log_level)gw.cfg.log_level);
	if (gw.cfg.max_sessions == 0 || gw.cfg.max_unauth == 0 || gw.cfg.handshake_timeout_s == 0)
		fatalx("HELLO with zero limits");
	prepare();
	gw.base = event_base_new();
	gw.scratch = malloc(GW_IO_CHUNK);
	gw.limits = gw_limits_new(GW_ADDR_TABLE);
	if (!gw.base || !gw.scratch || !gw.limits)
		fatalx("out of memory");
	gw.accept_resume = evtimer_new(gw.base, on_accept_resume, &gw);
	gw.chan = vg_chan_new(gw.base, VNCGW_CHILD_FD, false, on_msg, on_chan_closed, &gw);
	if (!gw.accept_resume || !gw.chan)
		fatal("event setup");
	flags = gw_sandbox(&gw.cfg, err, sizeof(err));
	if (flags < 0)
		fatalx("sandbox: %s", err);
	if (err[0])
		log_warnx("sandbox: %s", err);
	ready.pid = (uint32_t)getpid();
	ready.uid = (uint32_t)getuid();
	ready.flags = (uint32_t)flags;
	vg_chan_send(gw.chan, VG_READY, &ready, sizeof(ready), NULL, 0);
	log_info("ready: pid %d, uid %u, capabilities %s, seccomp %s", (int)getpid(),
		 (unsigned)getuid(), flags & VG_SANDBOX_NOCAPS ? "none" : "KEPT",
		 flags & VG_SANDBOX_SECCOMP ? "on" : "off");
	event_base_dispatch(gw.base);
	session_close_all(&gw, "gateway stopping");
	while (gw.consoles)
		console_del(&gw, gw.consoles->c.id);
	vg_chan_free(gw.chan);
	event_free(gw.accept_resume);
	gw_limits_free(gw.limits);
	gw_pipes_free(&gw);
	free(gw.scratch);
	event_base_free(gw.base);
	return 0;
}
