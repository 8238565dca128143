/* Internal to bridges/inspect*.c and fdb.c: one-shot rtnetlink dumps with libmnl. */
#ifndef BRIDGES_INSPECT_PRIV_H
#define BRIDGES_INSPECT_PRIV_H

#include <libmnl/libmnl.h>

#include <dom0net/err.h>

/* A NETLINK_ROUTE socket with its receive buffer. */
struct br_nl;
struct br_nl *br_nl_open(struct d0_err *err);
void br_nl_close(struct br_nl *nl);
/* Send req (a dump, or a request answered by one message whose callback returns
 * MNL_CB_STOP) and feed every reply message to cb. When the kernel marks the dump as
 * interrupted (NLM_F_DUMP_INTR: the tables changed under it) the dump is redone, up to
 * a few times, after reset(data). Returns 0, or -1 with errno set and err filled with
 * "what: error text: kernel's extended ack". */
int br_nl_run(struct br_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *),
	      void *data, const char *what, struct d0_err *err);
/* br_nl_run on a socket of its own. */
int br_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *), void *data,
	       const char *what, struct d0_err *err);

/* Grow a vector of elements of size sz so it can hold one more; 0 or -1 (ENOMEM). */
int br_vec_grow(void **v, size_t *cap, size_t n, size_t sz);

struct br_link;
struct br_links;
/* Parse an RTM_NEWLINK message (AF_UNSPEC, or AF_BRIDGE as the bridge reports its
 * ports) into *l; -1 if it is not a usable link message. */
int br_link_parse(const struct nlmsghdr *nlh, struct br_link *l);
/* Append a copy of *l; cap is the allocated size. 0 or -1 (ENOMEM). */
int br_links_add(struct br_links *out, size_t *cap, const struct br_link *l);
/* Sort by name, byte order. */
void br_links_sort(struct br_links *l);

#endif
