/* Calls to netd from the HTTP side: the typed call sent over the channel, the
 * request parked with a timeout, netd's answer (in chunks) gathered and turned into
 * the XML-RPC response the method's caller expects. evhttp keeps a parked request
 * valid even if its connection goes away, so an answer can always be sent. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <dom0net/agent.h>
#include <dom0net/log.h>

#include "agent_int.h"
#include "http_int.h"

static void send_xml(struct evhttp_request *req, char *xml, size_t len)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/xml");
	evbuffer_add(evhttp_request_get_output_buffer(req), xml, len);
	evhttp_send_reply(req, HTTP_OK, "OK", NULL);
	free(xml);
}

void ag_http_send_fault(struct evhttp_request *req, int code, const char *msg)
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
		ag_conn_arm_deadline(p->conn);
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

void ag_http_call(struct agent *ag, struct conn *c, struct evhttp_request *req,
		      struct ag_parsed *parsed)
{
	struct timeval tv = { AG_CALL_TIMEOUT_S, 0 };
	struct pending *p;

	if (ag->npending >= AG_MAX_PENDING) {
		ag_http_refuse(req, HTTP_SERVUNAVAIL, "Too many calls in progress", 1);
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->timeout = evtimer_new(ag->base, on_call_timeout, p))) {
		free(p);
		ag_http_send_fault(req, AG_FAULT_INTERNAL, "out of memory");
		return;
	}
	if (++ag->next_id == 0)
		++ag->next_id;
	p->id = parsed->call.id = ag->next_id;
	if (ag_chan_send(ag->chan, AG_CALL, &parsed->call, sizeof(parsed->call), NULL, 0) < 0) {
		event_free(p->timeout);
		free(p);
		ag_http_send_fault(req, ag_rpc_fault_code(parsed, EPIPE), "netd is not reachable");
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

void ag_http_calls_drop(struct agent *ag)
{
	while (ag->pending) {
		struct pending *p = ag->pending;

		ag->pending = p->next;
		if (p->conn)
			p->conn->pending = NULL;
		event_free(p->timeout);
		free(p->text);
		free(p);
	}
	ag->npending = 0;
}
