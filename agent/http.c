/* The agent's HTTP(S) server: evhttp on the listener netd bound, TLS through
 * libevent_openssl where configured. Each connection gets our own record when evhttp
 * asks for its bufferevent, and a check that runs before anything is read from it
 * (registering for evhttp's close callback, which 2.1 offers only per connection),
 * so that connections are counted and capped per client address, and bounded by a
 * deadline for a whole request (slow senders) besides evhttp's idle timeout.
 *
 * A request: auth (auth_http.c), the body parsed into a typed call (rpc.c), the
 * call sent to netd and answered when netd answers (http_call.c). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <dom0net/agent.h>
#include <dom0net/log.h>

#include "agent_int.h"
#include "http_int.h"

static struct agent *the_agent;	/* for the listener's error callback */

uint64_t ag_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- connections ------------------------------------------------------------------- */

void ag_conn_arm_deadline(struct conn *c)
{
	struct timeval tv = { (time_t)c->ag->cfg.request_timeout_s, 0 };

	if (!c->closed)
		evtimer_add(c->deadline, &tv);
}

/* evhttp is done with the connection (its close callback, or the check found the
 * bufferevent already freed by evhttp): our record goes, and our reference on the
 * bufferevent with it. Callers must not touch c afterwards. */
static void conn_closed(struct conn *c)
{
	struct agent *ag = c->ag;

	c->closed = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		ag->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ag->nconns--;
	if (c->addr)
		(*ag_addr_conns(c->addr))--;
	if (c->pending)
		c->pending->conn = NULL;
	event_free(c->check);
	event_free(c->deadline);
	bufferevent_decref(c->bev);
	free(c);
}

static void on_evcon_close(struct evhttp_connection *evcon, void *arg)
{
	conn_closed(arg);
}

/* Close a connection none of whose requests waits for netd. c is gone afterwards. */
static void conn_drop(struct conn *c, const char *why)
{
	static uint64_t last_log;
	static unsigned quiet;
	struct agent *ag = c->ag;
	uint64_t now = ag_now_ms();

	ag->refused++;
	if (now - last_log >= 1000) {
		log_warnx("refusing a connection from %s: %s%s", c->peer_text, why,
			  quiet ? " (and others in the last second)" : "");
		last_log = now;
		quiet = 0;
	} else {
		quiet++;
	}
	if (!c->pending && c->evcon)
		evhttp_connection_free(c->evcon);	/* calls on_evcon_close */
}

/* Runs before evhttp reads anything from a new connection (priority 0): evhttp's
 * connection (its callbacks' argument) gets our close callback, then the peer, the
 * global and per-address caps. */
static void conn_check(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct agent *ag = c->ag;
	bufferevent_data_cb readcb = NULL;
	socklen_t sl = sizeof(c->peer);
	void *cbarg = NULL;
	int sfd;

	c->checked = true;
	bufferevent_getcb(c->bev, &readcb, NULL, NULL, &cbarg);
	if (!readcb || !cbarg) {
		/* evhttp failed to set the connection up and freed it already (our
		 * reference kept the bufferevent readable). */
		conn_closed(c);
		return;
	}
	c->evcon = cbarg;
	evhttp_connection_set_closecb(c->evcon, on_evcon_close, c);
	sfd = bufferevent_getfd(c->bev);
	if (sfd < 0 || getpeername(sfd, (struct sockaddr *)&c->peer, &sl) < 0) {
		conn_drop(c, "no peer address");
		return;
	}
	/* An answer leaves in a few writes (TLS records): no Nagle delay between them. */
	setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	ag_addr_format((struct sockaddr *)&c->peer, c->peer_text, sizeof(c->peer_text));
	c->addr = ag_addr_get(ag->addrs, (struct sockaddr *)&c->peer, ag_now_ms());
	if (!c->addr) {
		conn_drop(c, "the client address table is full");
		return;
	}
	(*ag_addr_conns(c->addr))++;
	if (ag->nconns > ag->cfg.max_conns)
		conn_drop(c, "too many connections");
	else if (*ag_addr_conns(c->addr) > ag->cfg.max_conns_per_addr)
		conn_drop(c, "too many connections from this address");
}

static void conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (c->pending || !c->evcon) {
		ag_conn_arm_deadline(c);	/* a call has its own timeout */
		return;
	}
	log_debug("%s: no complete request within %u s; closing", c->peer_text,
		  c->ag->cfg.request_timeout_s);
	evhttp_connection_free(c->evcon);	/* calls on_evcon_close */
}

/* evhttp asks for each new connection's bufferevent (fd set later). We keep a
 * reference on it, so that it stays valid until our check has seen it. */
static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct agent *ag = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		fatalx("out of memory");
	/* No fallback: a NULL here would make evhttp serve the connection in clear. */
	c->bev = ag->ssl ? ag_tls_bev(base, ag->ssl)
			 : bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->check = event_new(base, -1, 0, conn_check, c);
	c->deadline = evtimer_new(base, conn_deadline, c);
	if (!c->bev || !c->check || !c->deadline || event_priority_set(c->check, 0) < 0)
		fatalx("cannot set up a connection");
	bufferevent_incref(c->bev);
	c->ag = ag;
	snprintf(c->peer_text, sizeof(c->peer_text), "?");
	c->next = ag->conns;
	if (ag->conns)
		ag->conns->prev = c;
	ag->conns = c;
	ag->nconns++;
	event_active(c->check, EV_TIMEOUT, 0);
	ag_conn_arm_deadline(c);
	return c->bev;
}

static struct conn *conn_of(struct agent *ag, struct evhttp_connection *evcon)
{
	for (struct conn *c = ag->conns; c; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* ---- requests ------------------------------------------------------------------------- */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct agent *ag = arg;
	struct conn *c = conn_of(ag, evhttp_request_get_connection(req));
	struct evbuffer *body;
	struct ag_parsed parsed;
	size_t len;

	if (!c || c->pending || !c->addr) {
		/* Not checked yet or being dropped (the check runs first: not expected). */
		ag_http_refuse(req, HTTP_SERVUNAVAIL, "Service Unavailable", 1);
		return;
	}
	c->requests++;
	ag->requests++;
	if (!ag_http_auth(ag, req, (struct sockaddr *)&c->peer, c->addr)) {
		ag_conn_arm_deadline(c);
		return;
	}
	body = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(body);
	ag_rpc_parse((const char *)evbuffer_pullup(body, -1), len, &parsed);
	if (!parsed.ok) {
		log_info("%s %s: fault %d: %s", c->peer_text, parsed.method, parsed.fault_code,
			 parsed.fault);
		ag_http_send_fault(req, parsed.fault_code, parsed.fault);
		ag_conn_arm_deadline(c);
		return;
	}
	ag_http_call(ag, c, req, &parsed);
	explicit_bzero(&parsed.call, sizeof(parsed.call));	/* a console password */
	if (!c->pending)
		ag_conn_arm_deadline(c);
}

/* ---- the listener ----------------------------------------------------------------------- */

static void on_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct agent *ag = arg;

	ag->accept_paused = false;
	evconnlistener_enable(ag->listener);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct agent *ag = the_agent;
	int err = EVUTIL_SOCKET_ERROR();
	struct timeval tv = { ACCEPT_PAUSE_MS / 1000, (ACCEPT_PAUSE_MS % 1000) * 1000 };

	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		/* Out of descriptors or memory: rest instead of spinning on accept(). */
		if (!ag->accept_paused)
			log_warnx("accept: %s; pausing for %d ms", strerror(err), ACCEPT_PAUSE_MS);
		ag->accept_paused = true;
		evconnlistener_disable(l);
		evtimer_add(ag->accept_resume, &tv);
		return;
	}
	if (err != ECONNABORTED && err != EINTR && err != EPROTO && err != EAGAIN)
		log_warnx("accept: %s", strerror(err));
}

int ag_http_start(struct agent *ag, int listen_fd)
{
	struct evhttp_bound_socket *bound;

	the_agent = ag;
	ag->addrs = ag_addrtab_new(AG_ADDR_TABLE);
	ag->http = evhttp_new(ag->base);
	ag->accept_resume = evtimer_new(ag->base, on_accept_resume, ag);
	if (!ag->addrs || !ag->http || !ag->accept_resume)
		return -1;
	evhttp_set_allowed_methods(ag->http, EVHTTP_REQ_POST);
	evhttp_set_max_headers_size(ag->http, ag->cfg.max_headers);
	evhttp_set_max_body_size(ag->http, ag->cfg.max_body);
	evhttp_set_timeout(ag->http, (int)ag->cfg.idle_timeout_s);
	evhttp_set_default_content_type(ag->http, "text/xml");
	evhttp_set_bevcb(ag->http, make_bev, ag);
	evhttp_set_gencb(ag->http, on_request, ag);
	bound = evhttp_accept_socket_with_handle(ag->http, listen_fd);
	if (!bound)
		return -1;
	ag->listener = evhttp_bound_socket_get_listener(bound);
	evconnlistener_set_error_cb(ag->listener, on_accept_error);
	return 0;
}

void ag_http_stop(struct agent *ag)
{
	/* Parked requests belong to evhttp: forget them before it frees everything. */
	ag_http_calls_drop(ag);
	if (ag->http)
		evhttp_free(ag->http);	/* closes the checked connections (on_evcon_close) */
	ag->http = NULL;
	while (ag->conns)
		conn_closed(ag->conns);	/* not checked yet: only our reference is left */
	event_base_loop(ag->base, EVLOOP_NONBLOCK);	/* deferred frees */
	if (ag->accept_resume)
		event_free(ag->accept_resume);
	ag->accept_resume = NULL;
	ag_addrtab_free(ag->addrs);
	ag->addrs = NULL;
}
