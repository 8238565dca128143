/* The agent's HTTP(S) server: evhttp on the listener netd bound, TLS through
 * libevent_openssl where configured. Each connection gets our own record through
 * the bufferevent callback (a pass-through filter over the socket or TLS
 * bufferevent, whose free tells us when evhttp is done with it), so that connections
 * can be counted and capped per client address before a byte is read, and bounded
 * by a deadline for a whole request (slow senders) besides evhttp's idle timeout.
 *
 * A request: auth (auth_http.c), the body parsed into a typed call (rpc.c), the
 * call sent to netd, the request parked until netd's answer (or a timeout) comes
 * back; evhttp keeps a parked request valid even if its connection goes away. */
#include <errno.h>
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

struct conn {
	struct agent *ag;
	struct conn *prev, *next;
	struct bufferevent *bev;		/* the filter evhttp owns */
	struct evhttp_connection *evcon;	/* set by the check; NULL once closed */
	struct event *check, *deadline, *kick;
	struct ag_addr *addr;			/* counted in its connections */
	struct sockaddr_storage peer;
	char peer_text[64];
	bool checked, closed;
	unsigned requests;
	struct pending *pending;
};

struct pending {
	struct pending *next;
	struct agent *ag;
	uint32_t id;
	struct evhttp_request *req;
	struct conn *conn;	/* NULL once its connection closed */
	enum ag_result result;
	int fault_code;
	unsigned op;
	char method[80];
	char peer[64];
	struct event *timeout;
	char *text;
	size_t len;
	bool too_big;
};

static struct agent *the_agent;	/* for the listener's error callback */

uint64_t ag_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- connections ------------------------------------------------------------------- */

static void arm_deadline(struct conn *c)
{
	struct timeval tv = { (time_t)c->ag->cfg.request_timeout_s, 0 };

	if (!c->closed)
		evtimer_add(c->deadline, &tv);
}

/* evhttp is done with the connection (its close callback, or the filter's free). */
static void conn_closed(struct conn *c)
{
	struct agent *ag = c->ag;

	if (c->closed)
		return;
	c->closed = true;
	c->evcon = NULL;
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
	event_del(c->check);
	event_del(c->deadline);
	event_del(c->kick);
}

static void on_evcon_close(struct evhttp_connection *evcon, void *arg)
{
	conn_closed(arg);
}

static void on_bev_free(void *arg)
{
	struct conn *c = arg;

	conn_closed(c);
	event_free(c->check);
	event_free(c->deadline);
	event_free(c->kick);
	free(c);
}

/* Close a connection no request of which is waiting for netd. */
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

/* Runs before evhttp reads anything from a new connection (priority 0): the peer,
 * the global and per-address caps. */
static void conn_check(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct agent *ag = c->ag;
	socklen_t sl = sizeof(c->peer);
	void *cbarg = NULL;
	int sfd;

	if (c->closed || c->checked)
		return;
	c->checked = true;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	c->evcon = cbarg;	/* evhttp's callbacks take its connection as argument */
	if (!c->evcon)
		return;
	evhttp_connection_set_closecb(c->evcon, on_evcon_close, c);
	sfd = bufferevent_getfd(c->bev);
	if (sfd < 0 || getpeername(sfd, (struct sockaddr *)&c->peer, &sl) < 0) {
		conn_drop(c, "no peer address");
		return;
	}
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

	if (c->closed)
		return;
	if (c->pending) {
		arm_deadline(c);	/* the call has its own timeout */
		return;
	}
	log_debug("%s: no complete request within %u s; closing", c->peer_text,
		  c->ag->cfg.request_timeout_s);
	if (c->evcon)
		evhttp_connection_free(c->evcon);
}

/* evhttp queues an answer while writing is off and turns it on afterwards; the
 * filter moves output down only while writing is on and does not look again when
 * it is turned on. So: once evhttp has queued something, look again just after. */
static void on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	if (!c->closed)
		bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
}

static void on_output(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct conn *c = arg;

	if (info->n_added && !c->closed)
		event_active(c->kick, EV_TIMEOUT, 0);
}

static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
	struct agent *ag = arg;
	struct conn *c = calloc(1, sizeof(*c));
	struct bufferevent *under;

	if (!c)
		fatalx("out of memory");
	under = ag->ssl ? ag_tls_bev(base, ag->ssl)
			: bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	/* No fallback: a NULL here would make evhttp serve the connection in clear. */
	if (!under)
		fatalx("cannot set up a connection");
	c->ag = ag;
	c->check = event_new(base, -1, 0, conn_check, c);
	c->deadline = evtimer_new(base, conn_deadline, c);
	c->kick = event_new(base, -1, 0, on_kick, c);
	c->bev = bufferevent_filter_new(under, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, on_bev_free, c);
	if (!c->check || !c->deadline || !c->kick || !c->bev ||
	    event_priority_set(c->check, 0) < 0 ||
	    !evbuffer_add_cb(bufferevent_get_output(c->bev), on_output, c))
		fatalx("cannot set up a connection");
	snprintf(c->peer_text, sizeof(c->peer_text), "?");
	c->next = ag->conns;
	if (ag->conns)
		ag->conns->prev = c;
	ag->conns = c;
	ag->nconns++;
	event_active(c->check, EV_TIMEOUT, 0);
	arm_deadline(c);
	return c->bev;
}

static struct conn *conn_of(struct agent *ag, struct evhttp_connection *evcon)
{
	for (struct conn *c = ag->conns; c; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

/* ---- answers ------------------------------------------------------------------------- */

static void send_xml(struct evhttp_request *req, char *xml, size_t len)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/xml");
	evbuffer_add(evhttp_request_get_output_buffer(req), xml, len);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
	free(xml);
}

static void send_fault(struct evhttp_request *req, int code, const char *msg)
{
	char *xml;
	size_t len;

	if (ag_rpc_fault_xml(code, msg, &xml, &len) < 0) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	send_xml(req, xml, len);
}

static bool op_changes(unsigned op)
{
	switch (op) {
	case AG_OP_CONSOLE_PASSWORD:
	case AG_OP_BRIDGE_CREATE:
	case AG_OP_BRIDGE_DELETE:
	case AG_OP_VLAN_CREATE:
	case AG_OP_VLAN_DELETE:
	case AG_OP_VLAN_BRIDGE_CREATE:
	case AG_OP_VLAN_BRIDGE_DELETE:
	case AG_OP_SG_CLEANUP:
	case AG_OP_SG_DEFAULT:
	case AG_OP_SG_DELETE:
		return true;
	}
	return false;
}

static void log_call(unsigned op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Changes at info level, queries at debug level. */
static void log_call(unsigned op, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(op_changes(op) ? LOG_LVL_INFO : LOG_LVL_DEBUG, fmt, ap);
	va_end(ap);
}

static void pending_finish(struct pending *p, int err, const char *text, size_t len)
{
	struct agent *ag = p->ag;
	struct pending **pp = &ag->pending;
	char *xml = NULL;
	size_t xlen = 0;
	int rc;

	if (err) {
		char msg[300];

		snprintf(msg, sizeof(msg), "%.*s", (int)(len < 299 ? len : 299), text);
		msg[strcspn(msg, "\n")] = '\0';
		log_call(p->op, "%s %s: fault %d: %s", p->peer, p->method, p->fault_code, msg);
		rc = ag_rpc_fault_xml(p->fault_code, msg, &xml, &xlen);
	} else {
		log_call(p->op, "%s %s: done", p->peer, p->method);
		rc = ag_rpc_result_xml(p->result, text, len, &xml, &xlen);
	}
	if (rc < 0)
		evhttp_send_error(p->req, HTTP_INTERNAL, NULL);
	else
		send_xml(p->req, xml, xlen);	/* frees the request if its connection went */
	if (p->conn) {
		p->conn->pending = NULL;
		arm_deadline(p->conn);
	}
	while (*pp != p)
		pp = &(*pp)->next;
	*pp = p->next;
	ag->npending--;
	event_free(p->timeout);
	free(p->text);
	free(p);
}

static void on_call_timeout(evutil_socket_t fd, short what, void *arg)
{
	static const char msg[] = "netd did not answer in time";

	pending_finish(arg, ETIMEDOUT, msg, sizeof(msg) - 1);
}

void ag_http_reply(struct agent *ag, const struct ag_reply *r, const char *text)
{
	struct pending *p = ag->pending;
	char *nt;

	while (p && p->id != r->id)
		p = p->next;
	if (!p) {
		log_debug("netd answered call %u, which timed out", r->id);
		return;
	}
	if (!p->too_big && p->len + r->len <= AG_REPLY_MAX) {
		nt = realloc(p->text, p->len + r->len + 1);
		if (nt) {
			memcpy(nt + p->len, text, r->len);
			p->text = nt;
			p->len += r->len;
			nt[p->len] = '\0';
		} else {
			p->too_big = true;
		}
	} else {
		p->too_big = true;
	}
	if (r->flags & AG_REPLY_MORE)
		return;
	if (p->too_big) {
		static const char msg[] = "the answer is too large";

		pending_finish(p, EFBIG, msg, sizeof(msg) - 1);
		return;
	}
	pending_finish(p, r->err, p->text ? p->text : "", p->len);
}

/* ---- requests ------------------------------------------------------------------------- */

static void call_netd(struct agent *ag, struct conn *c, struct evhttp_request *req,
		      struct ag_parsed *parsed)
{
	struct timeval tv = { AG_CALL_TIMEOUT_S, 0 };
	struct pending *p;

	if (ag->npending >= AG_MAX_PENDING) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		evhttp_send_error(req, HTTP_SERVUNAVAIL, "Too many calls in progress");
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->timeout = evtimer_new(ag->base, on_call_timeout, p))) {
		free(p);
		send_fault(req, AG_FAULT_INTERNAL, "out of memory");
		return;
	}
	if (++ag->next_id == 0)
		++ag->next_id;
	p->id = parsed->call.id = ag->next_id;
	if (ag_chan_send(ag->chan, AG_CALL, &parsed->call, sizeof(parsed->call), NULL, 0) < 0) {
		event_free(p->timeout);
		free(p);
		send_fault(req, ag_rpc_fault_code(parsed, EPIPE), "netd is not reachable");
		return;
	}
	p->ag = ag;
	p->req = req;
	p->conn = c;
	p->result = parsed->result;
	p->fault_code = parsed->fault_code;
	p->op = parsed->call.op;
	snprintf(p->method, sizeof(p->method), "%s", parsed->method);
	snprintf(p->peer, sizeof(p->peer), "%s", c->peer_text);
	p->next = ag->pending;
	ag->pending = p;
	ag->npending++;
	c->pending = p;
	evtimer_add(p->timeout, &tv);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct agent *ag = arg;
	struct conn *c = conn_of(ag, evhttp_request_get_connection(req));
	struct evbuffer *body;
	struct ag_parsed parsed;
	size_t len;

	if (!c || c->closed || c->pending || !c->addr) {
		/* Not checked yet or being dropped (the check runs first: not expected). */
		evhttp_send_error(req, HTTP_SERVUNAVAIL, NULL);
		return;
	}
	c->requests++;
	ag->requests++;
	if (!ag_http_auth(ag, req, (struct sockaddr *)&c->peer, c->addr)) {
		arm_deadline(c);
		return;
	}
	body = evhttp_request_get_input_buffer(req);
	len = evbuffer_get_length(body);
	ag_rpc_parse((const char *)evbuffer_pullup(body, -1), len, &parsed);
	if (!parsed.ok) {
		log_info("%s %s: fault %d: %s", c->peer_text, parsed.method, parsed.fault_code,
			 parsed.fault);
		send_fault(req, parsed.fault_code, parsed.fault);
		arm_deadline(c);
		return;
	}
	call_netd(ag, c, req, &parsed);
	explicit_bzero(&parsed.call, sizeof(parsed.call));	/* a console password */
	if (!c->pending)
		arm_deadline(c);
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
	while (ag->pending) {
		struct pending *p = ag->pending;

		ag->pending = p->next;
		event_free(p->timeout);
		free(p->text);
		free(p);
	}
	ag->npending = 0;
	for (struct conn *c = ag->conns; c; c = c->next)
		c->pending = NULL;
	if (ag->http)
		evhttp_free(ag->http);
	ag->http = NULL;
	/* The filters' frees may be deferred to the loop: let them run. */
	event_base_loop(ag->base, EVLOOP_NONBLOCK);
	if (ag->accept_resume)
		event_free(ag->accept_resume);
	ag->accept_resume = NULL;
	ag_addrtab_free(ag->addrs);
	ag->addrs = NULL;
}
