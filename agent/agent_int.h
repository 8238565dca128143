/* The agent process's internals (not used outside agent/). */
#ifndef AGENT_INT_H
#define AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include <dom0net/agent.h>

struct event;
struct event_base;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct bufferevent;
struct evconnlistener;
typedef struct ssl_ctx_st SSL_CTX;

#define AUTH_CACHE 16			/* credentials verified recently */
#define AUTH_CACHE_TTL_MS 300000u	/* ... remembered this long */
#define ACCEPT_PAUSE_MS 1000		/* the listener rests this long after EMFILE */

struct conn;
struct pending;

struct auth_entry {
	uint8_t digest[32];	/* SHA-256(key, Authorization header) */
	uint64_t expires;	/* 0: empty */
};

struct agent {
	struct event_base *base;
	struct ag_chan *chan;
	struct ag_hello cfg;
	char hash[AG_HASH_MAX];		/* the password hash in force */
	SSL_CTX *ssl;			/* NULL: plain HTTP */
	struct evhttp *http;
	struct evconnlistener *listener;
	struct event *accept_resume;
	bool accept_paused;
	struct ag_addrtab *addrs;
	struct conn *conns;
	unsigned nconns;
	struct pending *pending;
	unsigned npending;
	uint32_t next_id;
	double crypt_tokens;
	uint64_t crypt_last;
	uint8_t cache_key[32];
	struct auth_entry cache[AUTH_CACHE];
	unsigned long requests, logins_failed, refused;
};

uint64_t ag_now_ms(void);

/* http.c: the HTTP(S) server on the listener netd passed. */
int ag_http_start(struct agent *ag, int listen_fd);
void ag_http_stop(struct agent *ag);
/* A chunk of netd's answer to call r->id. */
void ag_http_reply(struct agent *ag, const struct ag_reply *r, const char *text);

/* auth_http.c: the auth step of a request: true to go on; otherwise the request was
 * answered (401, 429 or 503). */
bool ag_http_auth(struct agent *ag, struct evhttp_request *req, const struct sockaddr *peer,
		  struct ag_addr *addr);
void ag_auth_cache_clear(struct agent *ag);
/* An HTTP error answer with its headers (401's challenge, Retry-After when retry_s),
 * closing the connection after it. */
void ag_http_refuse(struct evhttp_request *req, int code, const char *reason,
		    unsigned retry_s);

/* tls.c: the server context from the certificate and key netd opened. NULL with a
 * reason in err. */
SSL_CTX *ag_tls_ctx(int cert_fd, int key_fd, char *err, size_t errlen);
void ag_tls_free(SSL_CTX *ctx);
struct bufferevent *ag_tls_bev(struct event_base *base, SSL_CTX *ctx);

/* sandbox.c: the lock-down after set-up; AG_SANDBOX_* flags, or -1 with err. */
int ag_sandbox(const struct ag_hello *h, char *err, size_t errlen);

#endif
