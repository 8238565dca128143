/* The netlink layer: request sockets with extended acks, and the monitor. */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include <dom0net/nl.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* ---- request sockets ---- */

/* The last extended-ack text per request socket. libnl 3.7 has no ext-ack API, so
 * the option is set on the fd and the text is taken from the error message. */
struct ack_slot {
	struct nl_sock *sk;
	char msg[256];
};
static struct ack_slot ack_slots[32];

static struct ack_slot *slot_for(struct nl_sock *sk)
{
	for (size_t i = 0; i < sizeof(ack_slots) / sizeof(ack_slots[0]); i++)
		if (ack_slots[i].sk == sk)
			return &ack_slots[i];
	return NULL;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct ack_slot *slot = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	size_t off;

	slot->msg[0] = '\0';
	if (nla->nl_pid != 0)
		return NL_SKIP; /* not from the kernel */
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	/* TLVs follow the echoed request (only its header when capped). */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	while (off + NLA_HDRLEN <= nlh->nlmsg_len) {
		struct nlattr *a = (struct nlattr *)((char *)nlh + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nlh->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			size_t n = a->nla_len - NLA_HDRLEN;

			if (n >= sizeof(slot->msg))
				n = sizeof(slot->msg) - 1;
			memcpy(slot->msg, (char *)a + NLA_HDRLEN, n);
			slot->msg[n] = '\0';
			slot->msg[strcspn(slot->msg, "\n")] = '\0';
			break;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return NL_STOP; /* libnl then returns the errno mapped to its code */
}

struct nl_sock *d0_nl_request_socket(void)
{
	struct ack_slot *slot = slot_for(NULL);
	struct nl_sock *sk;
	int one = 1;

	if (!slot) {
		errno = EMFILE;
		return NULL;
	}
	sk = nl_socket_alloc();
	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	if (nl_connect(sk, NETLINK_ROUTE) < 0) {
		nl_socket_free(sk);
		errno = EPROTO;
		return NULL;
	}
	/* Both are best effort: older kernels lack them and still work. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	slot->sk = sk;
	slot->msg[0] = '\0';
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, on_error, slot);
	return sk;
}

void d0_nl_request_socket_free(struct nl_sock *sk)
{
	struct ack_slot *slot;

	if (!sk)
		return;
	slot = slot_for(sk);
	if (slot)
		slot->sk = NULL;
	nl_socket_free(sk);
}

const char *d0_nl_ext_ack(struct nl_sock *sk)
{
	struct ack_slot *slot = sk ? slot_for(sk) : NULL;

	return slot ? slot->msg : "";
}

const char *d0_nl_strerror(struct nl_sock *sk, int err, char *buf, size_t len)
{
	const char *ack = d0_nl_ext_ack(sk);

	if (ack[0])
		snprintf(buf, len, "%s (kernel: %s)", nl_geterror(err), ack);
	else
		snprintf(buf, len, "%s", nl_geterror(err));
	return buf;
}

/* ---- monitor ---- */

struct d0_nl {
	struct nl_cache_mngr *mngr;
	struct nl_sock *sk;		/* the manager's event socket */
	struct nl_sock *sync;		/* for re-dumps */
	struct nl_cache *links, *addrs, *routes;
	struct event *ev;
	struct d0_nl_handlers h;
};

static void on_change(struct nl_cache *cache, struct nl_object *obj, int action, void *arg)
{
	struct d0_nl *nl = arg;

	if (nl->h.changed)
		nl->h.changed(nl->h.arg, cache, obj, action);
}

/* Multicast events must come from the kernel (port id 0); drop anything else. Bridge
 * port notifications (RTM_*LINK with family AF_BRIDGE) are dropped too: libnl's link
 * cache would let them replace the device's own entry, and a port leaving its bridge
 * would look like the device vanishing. */
static int check_sender(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	if (nlmsg_get_src(msg)->nl_pid != 0)
		return NL_SKIP;
	if ((nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) &&
	    nlmsg_datalen(nlh) >= (int)sizeof(struct ifinfomsg) &&
	    ((struct ifinfomsg *)nlmsg_data(nlh))->ifi_family == AF_BRIDGE)
		return NL_SKIP;
	return NL_OK;
}

static int redump(struct d0_nl *nl)
{
	struct nl_cache *caches[] = { nl->links, nl->addrs, nl->routes };

	for (size_t i = 0; i < 3; i++) {
		int err = nl_cache_refill(nl->sync, caches[i]);

		if (err < 0)
			return err;
	}
	if (nl->h.resync)
		nl->h.resync(nl->h.arg);
	return 0;
}

int d0_nl_monitor_poll(struct d0_nl *nl)
{
	int err = nl_cache_mngr_data_ready(nl->mngr);

	/* ENOBUFS (libnl: NLE_NOMEM): the kernel dropped events; the caches can no longer
	 * be trusted, so dump everything again. */
	if (err == -NLE_NOMEM)
		err = redump(nl);
	return err < 0 ? err : 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	d0_nl_monitor_poll(arg);
}

struct d0_nl *d0_nl_monitor_open(struct event_base *base, const struct d0_nl_handlers *h)
{
	struct d0_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return NULL;
	nl->h = *h;
	nl->sk = nl_socket_alloc();
	nl->sync = nl_socket_alloc();
	if (!nl->sk || !nl->sync || nl_connect(nl->sync, NETLINK_ROUTE) < 0)
		goto fail;
	nl_socket_modify_cb(nl->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, check_sender, NULL);
	if (nl_cache_mngr_alloc(nl->sk, NETLINK_ROUTE, NL_AUTO_PROVIDE, &nl->mngr) < 0)
		goto fail;
	/* A large receive buffer makes overflows (and re-dumps) rare at 1000s of VIFs;
	 * FORCE (root) goes past net.core.rmem_max, which caps the plain option. */
	{
		int size = 8 << 20;

		if (setsockopt(nl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE, &size,
			       sizeof(size)) < 0)
			nl_socket_set_buffer_size(nl->sk, size, 0);
	}
	if (nl_cache_mngr_add(nl->mngr, "route/link", on_change, nl, &nl->links) < 0 ||
	    nl_cache_mngr_add(nl->mngr, "route/addr", on_change, nl, &nl->addrs) < 0 ||
	    nl_cache_mngr_add(nl->mngr, "route/route", on_change, nl, &nl->routes) < 0)
		goto fail;
	if (base) {
		nl->ev = event_new(base, nl_cache_mngr_get_fd(nl->mngr), EV_READ | EV_PERSIST,
				   on_readable, nl);
		if (!nl->ev || event_add(nl->ev, NULL) < 0)
			goto fail;
	}
	return nl;
fail:
	d0_nl_monitor_close(nl);
	errno = EPROTO;
	return NULL;
}

void d0_nl_monitor_close(struct d0_nl *nl)
{
	if (!nl)
		return;
	if (nl->ev)
		event_free(nl->ev);
	if (nl->mngr)
		nl_cache_mngr_free(nl->mngr); /* frees its caches and, being ours, not sk */
	nl_socket_free(nl->sk);
	nl_socket_free(nl->sync);
	free(nl);
}

int d0_nl_monitor_fd(struct d0_nl *nl)
{
	return nl_cache_mngr_get_fd(nl->mngr);
}

struct nl_cache *d0_nl_links(struct d0_nl *nl)
{
	return nl->links;
}

struct nl_cache *d0_nl_addrs(struct d0_nl *nl)
{
	return nl->addrs;
}

struct nl_cache *d0_nl_routes(struct d0_nl *nl)
{
	return nl->routes;
}
