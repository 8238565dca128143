/* netd's netlink layer.
 * - A request socket for changes: extended acks on, so the kernel's error text can be
 *   reported (d0_nl_ext_ack) next to libnl's error string.
 * - A monitor (libnl cache manager) on the libevent loop mirroring links, IPv4 addresses
 *   and routes: initial dump, change callbacks, messages from non-kernel senders dropped,
 *   full re-dump when the socket overflowed (ENOBUFS) followed by a resync callback. */
#ifndef DOM0NET_NL_H
#define DOM0NET_NL_H

#include <stddef.h>

struct event_base;
struct nl_sock;
struct nl_cache;
struct nl_object;
struct d0_nl;

/* A connected NETLINK_ROUTE socket for requests, ext-ack enabled. NULL on error. */
struct nl_sock *d0_nl_request_socket(void);
void d0_nl_request_socket_free(struct nl_sock *sk);
/* The kernel's extended-ack message for the last failed request on sk, or "". */
const char *d0_nl_ext_ack(struct nl_sock *sk);
/* "libnl error text (kernel: ext-ack text)" for err = a negative libnl error code. */
const char *d0_nl_strerror(struct nl_sock *sk, int err, char *buf, size_t len);

/* action is libnl's NL_ACT_NEW / NL_ACT_DEL / NL_ACT_CHANGE. obj is a rtnl_link,
 * rtnl_addr or rtnl_route (check with nl_object_get_type or the cache). */
struct d0_nl_handlers {
	void (*changed)(void *arg, struct nl_cache *cache, struct nl_object *obj, int action);
	/* After an overflow re-dump: events may have been lost; re-read the caches. */
	void (*resync)(void *arg);
	void *arg;
};

struct d0_nl *d0_nl_monitor_open(struct event_base *base, const struct d0_nl_handlers *h);
void d0_nl_monitor_close(struct d0_nl *nl);
struct nl_cache *d0_nl_links(struct d0_nl *nl);
struct nl_cache *d0_nl_addrs(struct d0_nl *nl);
struct nl_cache *d0_nl_routes(struct d0_nl *nl);
/* The monitor's socket (tests tune its buffer). */
int d0_nl_monitor_fd(struct d0_nl *nl);
/* Process pending monitor input now (used after our own requests, and by tests). */
int d0_nl_monitor_poll(struct d0_nl *nl);

#endif
