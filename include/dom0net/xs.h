/* netd's xenstore layer: one libxenstore connection, its watch fd on the libevent
 * loop, and transactions retried on EAGAIN. */
#ifndef DOM0NET_XS_H
#define DOM0NET_XS_H

#include <stdbool.h>
#include <xenstore.h>

struct event_base;
struct d0_xs;

typedef void (*d0_xs_watch_cb)(void *arg, const char *path, const char *token);
/* Body of a transaction: return 0 to commit, -1 (errno set) to abort. */
typedef int (*d0_xs_txn_fn)(struct xs_handle *xs, xs_transaction_t t, void *arg);

#define D0_XS_TXN_RETRIES 16

/* Opens the connection (XENSTORED_PATH / XENSTORED_RUNDIR are honoured by
 * libxenstore). base may be NULL for tools that don't watch. */
struct d0_xs *d0_xs_open(struct event_base *base, d0_xs_watch_cb cb, void *arg);
void d0_xs_close(struct d0_xs *xs);
struct xs_handle *d0_xs_handle(struct d0_xs *xs);
int d0_xs_watch(struct d0_xs *xs, const char *path, const char *token);
int d0_xs_unwatch(struct d0_xs *xs, const char *path, const char *token);
/* Runs fn in a transaction; on EAGAIN at commit re-runs it (bounded). */
int d0_xs_transact(struct d0_xs *xs, d0_xs_txn_fn fn, void *arg);
/* Reads path (outside a transaction) into a NUL-terminated malloc'd string, or NULL. */
char *d0_xs_read(struct d0_xs *xs, xs_transaction_t t, const char *path, unsigned *len);
/* Drain pending watch events now (normally the loop does it). */
void d0_xs_dispatch(struct d0_xs *xs);

#endif
