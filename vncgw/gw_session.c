/* One viewer connection: the RFB handshake with the viewer, the backend dialled by
 * netd only after the viewer authenticated, the backend's handshake, then a relay
 * that copies bytes both ways unparsed. One close path (session_close) with a reason;
 * counters are undone there and nowhere else.
 *
 * The relay reads up to GW_IO_CHUNK bytes into one buffer shared by all sessions and
 * writes them straight to the other socket; only what the kernel does not take is
 * queued (an evbuffer per direction, empty while idle). A side whose peer has
 * GW_HIGH_WATER queued stops being read until the queue drains below GW_LOW_WATER.
 * When much is waiting (a frame), it moves with splice(2) through a pipe instead: pages
 * change hands in the kernel. Small messages stay plain copies (cheaper per call). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>

#include <dom0net/log.h>

#include "gw.h"

enum phase {
	P_CLIENT_HS,	/* version, security, response */
	P_DIALING,	/* authenticated; netd is dialling the backend */
	P_BACKEND_HS,	/* backend handshake */
	P_CLIENT_INIT,	/* SecurityResult OK sent; waiting for ClientInit */
	P_RELAY,
	P_CLOSING,	/* flushing a failure to the viewer, then close */
};

struct leg {
	struct session *s;
	int fd;
	struct event rd, wr;
	bool ev_set;
	struct evbuffer *out;	/* bytes queued for this leg's socket */
	int pipe[2];		/* ... or spliced into this pipe (never both) */
	size_t in_pipe;
	struct evbuffer *in;	/* handshake input only */
	bool eof;		/* this leg sent EOF */
	bool shut;		/* we shut down writing to this leg */
	bool paused;		/* not read: the other leg's queue is full */
	uint64_t bytes;		/* read from this leg */
	const char *name;
};

struct hs {
	struct rfb_srv srv;
	struct rfb_cli cli;
};

struct session {
	struct gw *gw;
	struct session *next, **prevp;
	struct gw_console *con;
	struct gw_addr *addr;	/* while unauthenticated */
	uint32_t id;
	enum phase phase;
	struct leg c, b;
	struct event timer;
	struct hs *hs;
	bool unauth, slot, pending, viewer;
	uint64_t start_ms, last_ms;
	const char *first_eof;	/* who closed first, for the reason */
	char peer[64];
	char reason[RFB_REASON_MAX];	/* P_CLOSING: why */
};

static void on_read(evutil_socket_t fd, short what, void *arg);
static void on_write(evutil_socket_t fd, short what, void *arg);
static void on_timer(evutil_socket_t fd, short what, void *arg);

static void log_close(struct session *s, const char *reason)
{
	uint64_t secs = (gw_now_ms() - s->start_ms) / 1000;

	if (s->phase == P_RELAY || s->viewer)
		log_info("session %u: %s on console %u (%s) closed: %s (%llu bytes from the "
			 "viewer, %llu from the backend, %llus)",
			 s->id, s->peer, s->con->c.id, s->con->c.name, reason,
			 (unsigned long long)s->c.bytes, (unsigned long long)s->b.bytes,
			 (unsigned long long)secs);
	else
		log_debug("session %u: %s on console %u closed before the relay: %s", s->id,
			  s->peer, s->con->c.id, reason);
}

static void leg_free(struct leg *l)
{
	if (l->ev_set) {
		event_del(&l->rd);
		event_del(&l->wr);
	}
	gw_pipe_close(l->pipe);	/* may hold data: not returned to the pool */
	if (l->out)
		evbuffer_free(l->out);
	if (l->in)
		evbuffer_free(l->in);
	if (l->fd >= 0)
		close(l->fd);
}

/* The one way a session ends. The caller returns at once: s is gone. */
static void session_close(struct session *s, const char *reason)
{
	struct gw *gw = s->gw;

	if (s->phase == P_CLOSING && s->reason[0])
		reason = s->reason;
	log_close(s, reason);
	if (s->unauth) {
		gw->n_unauth--;
		if (s->addr)
			(*gw_addr_unauth(s->addr))--;
	}
	if (s->slot)
		gw->n_relaying--;
	if (s->pending)
		s->con->pending--;
	if (s->viewer) {
		s->con->viewers--;
		gw_report(gw, s->con);
	}
	gw->n_conns--;
	event_del(&s->timer);
	leg_free(&s->c);
	leg_free(&s->b);
	if (s->hs) {
		rfb_cli_wipe(&s->hs->cli);
		explicit_bzero(s->hs, sizeof(*s->hs));
		free(s->hs);
	}
	*s->prevp = s->next;
	if (s->next)
		s->next->prevp = s->prevp;
	free(s);
}

static void timer_in(struct session *s, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(&s->timer, &tv);
}

static int leg_init(struct session *s, struct leg *l, int fd, const char *name)
{
	l->s = s;
	l->fd = fd;
	l->name = name;
	l->out = evbuffer_new();
	l->in = evbuffer_new();
	if (!l->out || !l->in)
		return -1;
	event_assign(&l->rd, s->gw->base, fd, EV_READ | EV_PERSIST, on_read, l);
	event_assign(&l->wr, s->gw->base, fd, EV_WRITE | EV_PERSIST, on_write, l);
	l->ev_set = true;
	return event_add(&l->rd, NULL);
}

static struct leg *other(struct leg *l)
{
	return l == &l->s->c ? &l->s->b : &l->s->c;
}

/* Both directions finished: each side sent EOF and we passed it on. */
static bool relay_done(const struct session *s)
{
	return s->c.eof && s->b.shut && s->b.eof && s->c.shut;
}

static const char *eof_reason(const struct session *s)
{
	return s->first_eof ? s->first_eof : "connection closed";
}

/* After a failure was queued for the viewer: stop reading, flush, then close. */
static void session_finish(struct session *s, const char *reason)
{
	s->phase = P_CLOSING;
	snprintf(s->reason, sizeof(s->reason), "%s", reason);
	event_del(&s->c.rd);
	if (s->b.ev_set) {
		event_del(&s->b.rd);
		event_del(&s->b.wr);
	}
	if (evbuffer_get_length(s->c.out) == 0) {
		session_close(s, reason);
		return;
	}
	event_add(&s->c.wr, NULL);
	timer_in(s, GW_LINGER_S * 1000);
}

/* Writes what is queued for a leg. -1: the session was closed. */
static int leg_flush(struct leg *l)
{
	struct session *s = l->s;
	struct leg *o = other(l);
	char why[96];

	while (l->in_pipe > 0) {
		ssize_t n = splice(l->pipe[0], NULL, l->fd, NULL, l->in_pipe,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				event_add(&l->wr, NULL);
				return 0;
			}
			snprintf(why, sizeof(why), "write to the %s: %s", l->name, strerror(errno));
			session_close(s, why);
			return -1;
		}
		l->in_pipe -= (size_t)n;
		if (l->in_pipe == 0)
			gw_pipe_put(s->gw, l->pipe);
	}
	while (evbuffer_get_length(l->out) > 0) {
		int n = evbuffer_write_atmost(l->out, l->fd, GW_IO_CHUNK);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				event_add(&l->wr, NULL);
				return 0;
			}
			snprintf(why, sizeof(why), "write to the %s: %s", l->name, strerror(errno));
			session_close(s, why);
			return -1;
		}
		if (n == 0)
			break;
	}
	event_del(&l->wr);
	if (s->phase == P_CLOSING) {
		session_close(s, "failure sent");
		return -1;
	}
	if (s->phase != P_RELAY)
		return 0;
	if (o->paused) {
		o->paused = false;
		event_add(&o->rd, NULL);
	}
	if (o->eof && !l->shut) {
		/* Half-close: the other side is done sending and everything is through. */
		l->shut = true;
		shutdown(l->fd, SHUT_WR);
		if (relay_done(s)) {
			session_close(s, eof_reason(s));
			return -1;
		}
		timer_in(s, GW_LINGER_S * 1000);	/* the peer gets this long to close */
	}
	return 0;
}

static int queue(struct leg *l, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (evbuffer_add(l->out, p, n) < 0) {
		session_close(l->s, "out of memory");
		return -1;
	}
	return leg_flush(l);
}

/* ---- the relay ---------------------------------------------------------------------- */

static void relay_eof(struct leg *l);

/* One move from l's socket to o's through a pipe: pages change hands in the kernel,
 * nothing is copied through the gateway. What o does not take stays in the pipe, which
 * o keeps until it drained; l is not read meanwhile (order, back-pressure).
 * Returns 0 when done, -1 when the session is gone, 1 to fall back to read/write. */
static int relay_splice(struct leg *l, struct leg *o)
{
	struct session *s = l->s;
	char why[96];
	ssize_t n, w;
	int p[2];

	if (gw_pipe_get(s->gw, p) < 0)
		return 1;
	n = splice(l->fd, NULL, p[1], NULL, GW_PIPE_SIZE, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n <= 0) {
		int err = errno;

		gw_pipe_put(s->gw, p);	/* still empty */
		if (n == 0) {
			relay_eof(l);
			return 0;
		}
		if (err == EAGAIN || err == EINTR)
			return 0;
		if (err == EINVAL || err == ENOSYS) {
			s->gw->no_splice = true;
			return 1;
		}
		snprintf(why, sizeof(why), "read from the %s: %s", l->name, strerror(err));
		session_close(s, why);
		return -1;
	}
	l->bytes += (uint64_t)n;
	s->last_ms = gw_now_ms();
	w = splice(p[0], NULL, o->fd, NULL, (size_t)n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (w < 0 && errno != EAGAIN && errno != EINTR) {
		snprintf(why, sizeof(why), "write to the %s: %s", o->name, strerror(errno));
		gw_pipe_close(p);
		session_close(s, why);
		return -1;
	}
	if (w == n) {
		gw_pipe_put(s->gw, p);
		return 0;
	}
	o->pipe[0] = p[0];
	o->pipe[1] = p[1];
	o->in_pipe = (size_t)(n - (w > 0 ? w : 0));
	event_add(&o->wr, NULL);
	l->paused = true;
	event_del(&l->rd);
	return 0;
}

static void relay_read(struct leg *l)
{
	struct session *s = l->s;
	struct leg *o = other(l);
	uint8_t *buf = s->gw->scratch;
	char why[96];
	int avail = 0;
	ssize_t n;

	if (o->in_pipe || evbuffer_get_length(o->out) >= GW_HIGH_WATER) {
		l->paused = true;
		event_del(&l->rd);
		return;
	}
	if (!s->gw->no_splice && evbuffer_get_length(o->out) == 0 &&
	    ioctl(l->fd, FIONREAD, &avail) == 0 && avail >= (int)GW_SPLICE_MIN) {
		int r = relay_splice(l, o);

		if (r <= 0)
			return;	/* done, or the session is gone */
		/* r > 0: splice is not possible here; copy instead. */
	}
	n = read(l->fd, buf, GW_IO_CHUNK);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		snprintf(why, sizeof(why), "read from the %s: %s", l->name, strerror(errno));
		session_close(s, why);
		return;
	}
	if (n == 0) {
		relay_eof(l);
		return;
	}
	l->bytes += (uint64_t)n;
	s->last_ms = gw_now_ms();
	if (evbuffer_get_length(o->out) == 0) {
		/* Fast path: straight from the read buffer to the other socket. */
		ssize_t w = write(o->fd, buf, (size_t)n);

		if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			snprintf(why, sizeof(why), "write to the %s: %s", o->name, strerror(errno));
			session_close(s, why);
			return;
		}
		if (w < 0)
			w = 0;
		if (w == n)
			return;
		buf += w;
		n -= w;
	}
	if (evbuffer_add(o->out, buf, (size_t)n) < 0) {
		session_close(s, "out of memory");
		return;
	}
	event_add(&o->wr, NULL);
	if (evbuffer_get_length(o->out) >= GW_HIGH_WATER) {
		l->paused = true;
		event_del(&l->rd);
	}
}

static void relay_eof(struct leg *l)
{
	struct session *s = l->s;

	l->eof = true;
	event_del(&l->rd);
	if (!s->first_eof)
		s->first_eof = l == &s->c ? "viewer closed the connection"
					  : "backend closed the connection (guest display gone)";
	if (relay_done(s)) {
		session_close(s, eof_reason(s));
		return;
	}
	leg_flush(other(l));	/* shuts it down once its queue is empty */
}

static void relay_start(struct session *s)
{
	struct gw *gw = s->gw;
	size_t cl = evbuffer_get_length(s->c.in), bl = evbuffer_get_length(s->b.in);

	s->phase = P_RELAY;
	s->pending = false;
	s->con->pending--;
	s->viewer = true;
	s->con->viewers++;
	gw_report(gw, s->con);
	log_info("session %u: %s viewing console %u (%s) at %s (RFB 3.%d viewer, %u viewer%s)",
		 s->id, s->peer, s->con->c.id, s->con->c.name, s->con->c.backend, s->hs->srv.minor,
		 s->con->viewers, s->con->viewers == 1 ? "" : "s");
	rfb_cli_wipe(&s->hs->cli);
	explicit_bzero(s->hs, sizeof(*s->hs));
	free(s->hs);
	s->hs = NULL;
	/* Whatever either side sent past its handshake belongs to the stream. */
	evbuffer_add_buffer(s->b.out, s->c.in);
	evbuffer_add_buffer(s->c.out, s->b.in);
	evbuffer_free(s->c.in);
	evbuffer_free(s->b.in);
	s->c.in = s->b.in = NULL;
	s->last_ms = gw_now_ms();
	event_del(&s->timer);
	if (gw->cfg.idle_timeout_s)
		timer_in(s, gw->cfg.idle_timeout_s * 1000);
	event_add(&s->c.rd, NULL);
	event_add(&s->b.rd, NULL);
	if (bl && leg_flush(&s->c) < 0)
		return;
	if (cl)
		leg_flush(&s->b);
}

/* ---- the handshakes ----------------------------------------------------------------- */

static void pump_client(struct session *s);

static void verdict(struct session *s, bool ok, const char *reason)
{
	struct rfb_srv *srv = &s->hs->srv;

	rfb_srv_verdict(srv, ok, reason);
	if (s->c.out && queue(&s->c, srv->out, srv->out_len) < 0)
		return;
	srv->out_len = 0;
	if (!ok) {
		session_finish(s, reason);
		return;
	}
	s->phase = P_CLIENT_INIT;
	pump_client(s);	/* ClientInit may be waiting already */
}

static void check_response(struct session *s)
{
	struct gw *gw = s->gw;
	struct rfb_srv *srv = &s->hs->srv;
	uint8_t want[VNC_CHALLENGE_LEN];
	uint64_t now = gw_now_ms(), wait;
	char why[RFB_REASON_MAX];
	bool ok;

	wait = gw_addr_blocked(s->addr, now);
	if (wait) {
		/* Another connection from this address failed meanwhile. */
		snprintf(why, sizeof(why), "too many authentication failures; try again in %llu s",
			 (unsigned long long)(wait + 999) / 1000);
		verdict(s, false, why);
		return;
	}
	ok = vnc_auth_response(srv->challenge, s->con->c.client_pw, want) == 0 &&
	     vnc_auth_equal(want, srv->response);
	explicit_bzero(want, sizeof(want));
	if (!ok) {
		gw_addr_failure(s->addr, now);
		log_warnx("session %u: %s: authentication failed for console %u (%s); this "
			  "address waits %llu s (failure %u)", s->id, s->peer, s->con->c.id,
			  s->con->c.name,
			  (unsigned long long)(gw_addr_blocked(s->addr, now) + 999) / 1000,
			  gw_addr_failures(s->addr));
		verdict(s, false, "authentication failed");
		return;
	}
	gw_addr_success(s->addr);
	s->unauth = false;
	gw->n_unauth--;
	(*gw_addr_unauth(s->addr))--;
	s->addr = NULL;
	if (gw->n_relaying >= gw->cfg.max_sessions) {
		log_warnx("session %u: %s: session limit (%u) reached", s->id, s->peer,
			  gw->cfg.max_sessions);
		verdict(s, false, "too many sessions on this gateway; try again later");
		return;
	}
	s->slot = true;
	gw->n_relaying++;
	s->phase = P_DIALING;
	if (vg_chan_send(gw->chan, VG_DIAL, &(struct vg_dial){ s->id, s->con->c.id, s->con->c.gen },
			 sizeof(struct vg_dial), NULL, 0) < 0)
		verdict(s, false, "console backend unavailable (gateway error)");
}

static void pump_client(struct session *s)
{
	struct rfb_srv *srv = &s->hs->srv;

	for (;;) {
		size_t len = evbuffer_get_length(s->c.in);
		uint8_t *p = evbuffer_pullup(s->c.in, -1);
		size_t n = len ? rfb_srv_feed(srv, p, len) : 0;

		if (n == 0)
			break;
		evbuffer_drain(s->c.in, n);
	}
	if (srv->out_len) {
		size_t n = srv->out_len;

		srv->out_len = 0;
		if (queue(&s->c, srv->out, n) < 0)
			return;
	}
	switch (srv->state) {
	case RFB_SRV_CHECK:
		if (s->phase == P_CLIENT_HS)
			check_response(s);
		return;
	case RFB_SRV_FAILED:
		session_finish(s, srv->error);
		return;
	case RFB_SRV_DONE:
		if (s->phase == P_CLIENT_INIT)
			relay_start(s);
		return;
	default:
		return;
	}
}

static void pump_backend(struct session *s)
{
	struct rfb_cli *cli = &s->hs->cli;
	char why[RFB_REASON_MAX + 32];

	for (;;) {
		size_t len = evbuffer_get_length(s->b.in);
		uint8_t *p = evbuffer_pullup(s->b.in, -1);
		size_t n = len ? rfb_cli_feed(cli, p, len) : 0;

		if (n == 0)
			break;
		evbuffer_drain(s->b.in, n);
	}
	if (cli->out_len) {
		size_t n = cli->out_len;

		cli->out_len = 0;
		if (queue(&s->b, cli->out, n) < 0)
			return;
	}
	if (cli->state == RFB_CLI_FAILED) {
		log_warnx("session %u: console %u (%s): backend handshake failed: %s", s->id,
			  s->con->c.id, s->con->c.name, cli->error);
		snprintf(why, sizeof(why), "console unavailable: %s", cli->error);
		verdict(s, false, why);
	} else if (cli->state == RFB_CLI_DONE) {
		verdict(s, true, NULL);
	}
}

/* Handshake-phase input. */
static void hs_read(struct leg *l)
{
	struct session *s = l->s;
	char why[96];
	int n = evbuffer_read(l->in, l->fd, 4096);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == 0)
			snprintf(why, sizeof(why), "the %s closed during the handshake", l->name);
		else
			snprintf(why, sizeof(why), "read from the %s: %s", l->name, strerror(errno));
		if (l == &s->b && s->phase == P_BACKEND_HS) {
			/* The connect netd started completes (or fails) here. */
			if (n < 0 && l->bytes == 0)
				log_warnx("session %u: console %u (%s): cannot reach the display at "
					  "%s: %s", s->id, s->con->c.id, s->con->c.name,
					  s->con->c.backend, strerror(errno));
			else
				log_warnx("session %u: console %u (%s): the display %s", s->id,
					  s->con->c.id, s->con->c.name, n == 0 ?
					  "closed during the handshake" : strerror(errno));
			snprintf(why, sizeof(why), "console unavailable: %s",
				 n == 0 ? "the display closed the connection" : strerror(errno));
			verdict(s, false, why);
			return;
		}
		session_close(s, why);
		return;
	}
	l->bytes += (uint64_t)n;
	if (evbuffer_get_length(l->in) > (l == &s->c ? GW_HS_INPUT_MAX : GW_HS_BACKEND_MAX)) {
		session_close(s, l == &s->c ? "viewer sent too much before the session started"
					    : "backend sent too much during its handshake");
		return;
	}
	if (l == &s->c)
		pump_client(s);
	else if (s->phase == P_BACKEND_HS)
		pump_backend(s);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct leg *l = arg;

	if (l->s->phase == P_RELAY)
		relay_read(l);
	else if (l->s->phase != P_CLOSING)
		hs_read(l);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	leg_flush(arg);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	uint64_t idle_ms, now = gw_now_ms();
	char why[64];

	switch (s->phase) {
	case P_RELAY:
		if (s->c.shut || s->b.shut) {
			session_close(s, "half-closed connection lingered");
			return;
		}
		idle_ms = (uint64_t)s->gw->cfg.idle_timeout_s * 1000;
		if (!idle_ms)
			return;
		if (now - s->last_ms >= idle_ms) {
			snprintf(why, sizeof(why), "idle for %u s", s->gw->cfg.idle_timeout_s);
			session_close(s, why);
			return;
		}
		timer_in(s, (unsigned)(idle_ms - (now - s->last_ms)));
		return;
	case P_CLOSING:
		session_close(s, "viewer did not take the failure message");
		return;
	case P_DIALING:
	case P_BACKEND_HS:
		verdict(s, false, "console unavailable: the display did not answer in time");
		return;
	case P_CLIENT_HS:
	case P_CLIENT_INIT:
		session_close(s, "handshake timeout");
		return;
	}
}

static const char *refusal(struct gw *gw, struct gw_console *con, struct gw_addr *a,
			   char *buf, size_t size)
{
	uint64_t wait = gw_addr_blocked(a, gw_now_ms());

	if (wait) {
		snprintf(buf, size, "too many authentication failures; try again in %llu s",
			 (unsigned long long)(wait + 999) / 1000);
		return buf;
	}
	switch (con->c.state) {
	case VG_CON_READY:
		return NULL;
	case VG_CON_NOT_RUNNING:
		return "this guest's console is not running";
	case VG_CON_NO_PASSWORD:
		return "no console password is set for this guest "
		       "(an administrator can set one with netctl console-password)";
	case VG_CON_CONFLICT:
		return "this guest's console is disabled (its display address is disputed)";
	}
	return "console unavailable";
}

static void peer_name(const struct sockaddr *sa, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		snprintf(buf, size, "%s:%u", a, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		snprintf(buf, size, "[%s]:%u", a, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "local");
	}
}

static void cap_warn(struct gw *gw, const char *what, const char *peer)
{
	uint64_t now = gw_now_ms();

	if (now - gw->cap_warned_ms < 10000 && gw->cap_warned_ms)
		return;
	gw->cap_warned_ms = now;
	log_warnx("%s (latest from %s); refusing connections (this message is repeated at "
		  "most every 10 s)", what, peer);
}

void session_accept(struct gw *gw, struct gw_console *con, int fd, const struct sockaddr *sa,
		    int salen)
{
	struct session *s;
	struct gw_addr *a;
	uint8_t challenge[VNC_CHALLENGE_LEN];
	char peer[64], buf[RFB_REASON_MAX];
	const char *refuse;
	int one = 1;

	peer_name(sa, peer, sizeof(peer));
	a = gw_limits_get(gw->limits, sa, gw_now_ms());
	if (gw->n_conns >= gw->cfg.max_sessions + gw->cfg.max_unauth) {
		cap_warn(gw, "connection limit reached", peer);
		close(fd);
		return;
	}
	if (!a || gw->n_unauth >= gw->cfg.max_unauth) {
		cap_warn(gw, "limit of unauthenticated connections reached", peer);
		close(fd);
		return;
	}
	if (*gw_addr_unauth(a) >= gw->cfg.max_unauth_per_addr) {
		cap_warn(gw, "limit of unauthenticated connections per address reached", peer);
		close(fd);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->hs = calloc(1, sizeof(*s->hs))) || vnc_challenge(challenge) < 0) {
		log_warn("session: cannot start one for %s", peer);
		if (s)
			free(s->hs);
		free(s);
		close(fd);
		return;
	}
	s->gw = gw;
	s->con = con;
	s->addr = a;
	s->id = ++gw->next_id;
	s->start_ms = s->last_ms = gw_now_ms();
	s->b.fd = -1;
	s->c.pipe[0] = s->c.pipe[1] = s->b.pipe[0] = s->b.pipe[1] = -1;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	s->next = gw->sessions;
	if (s->next)
		s->next->prevp = &s->next;
	s->prevp = &gw->sessions;
	gw->sessions = s;
	gw->n_conns++;
	gw->n_unauth++;
	(*gw_addr_unauth(a))++;
	s->unauth = true;
	s->pending = true;
	con->pending++;
	evtimer_assign(&s->timer, gw->base, on_timer, s);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (leg_init(s, &s->c, fd, "viewer") < 0) {
		session_close(s, "out of memory");
		return;
	}
	timer_in(s, gw->cfg.handshake_timeout_s * 1000);
	refuse = refusal(gw, con, a, buf, sizeof(buf));
	rfb_srv_init(&s->hs->srv, challenge, refuse);
	explicit_bzero(challenge, sizeof(challenge));
	log_debug("session %u: %s connected to console %u (%s) on port %u", s->id, s->peer,
		  con->c.id, con->c.name, con->c.port);
	pump_client(s);	/* sends our version */
}

static struct session *find(struct gw *gw, uint32_t id)
{
	for (struct session *s = gw->sessions; s; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

void session_dial_reply(struct gw *gw, const struct vg_dial_reply *r, int fd)
{
	struct session *s = find(gw, r->session);
	char why[96];

	if (!s || s->phase != P_DIALING || s->con->c.id != r->console) {
		/* The viewer left meanwhile. */
		if (fd >= 0)
			close(fd);
		return;
	}
	if (r->err || fd < 0) {
		int err = r->err > 0 ? r->err : EIO;

		log_warnx("session %u: console %u (%s): cannot reach the display at %s: %s", s->id,
			  s->con->c.id, s->con->c.name, s->con->c.backend, strerror(err));
		snprintf(why, sizeof(why), "console unavailable: %s", strerror(err));
		if (fd >= 0)
			close(fd);
		verdict(s, false, why);
		return;
	}
	if (leg_init(s, &s->b, fd, "backend") < 0) {
		session_close(s, "out of memory");
		return;
	}
	s->phase = P_BACKEND_HS;
	rfb_cli_init(&s->hs->cli, s->con->c.backend_pw);
}

void session_close_console(struct gw *gw, struct gw_console *con, const char *reason)
{
	struct session *s = gw->sessions, *next;

	for (; s; s = next) {
		next = s->next;
		if (s->con == con)
			session_close(s, reason);
	}
}

void session_close_all(struct gw *gw, const char *reason)
{
	while (gw->sessions)
		session_close(gw->sessions, reason);
}
