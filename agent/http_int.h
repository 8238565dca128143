/* Private to the agent's HTTP side (http.c, http_call.c). */
#ifndef AGENT_HTTP_INT_H
#define AGENT_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <dom0net/agent.h>

struct agent;
struct event;
struct bufferevent;
struct evhttp_connection;
struct evhttp_request;

/* One client connection (http.c). */
struct conn {
	struct agent *ag;
	struct conn *prev, *next;
	struct bufferevent *bev;		/* evhttp's; we hold a reference */
	struct evhttp_connection *evcon;	/* set by the check */
	struct event *check, *deadline;
	struct ag_addr *addr;			/* counted in its connections */
	struct sockaddr_storage peer;
	char peer_text[64];
	bool checked, closed;
	unsigned requests;
	struct pending *pending;
};

/* A call sent to netd, its request parked until the answer (http_call.c). */
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

/* Re-arms the connection's deadline for its next request (http.c). */
void ag_conn_arm_deadline(struct conn *c);
/* Sends a parsed call to netd and parks the request (http_call.c). */
void ag_http_call(struct agent *ag, struct conn *c, struct evhttp_request *req,
		  struct ag_parsed *parsed);
void ag_http_send_fault(struct evhttp_request *req, int code, const char *msg);
/* Forgets the parked calls (evhttp frees their requests): at exit. */
void ag_http_calls_drop(struct agent *ag);

#endif
