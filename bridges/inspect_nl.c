/* rtnetlink requests and dumps for the read-only inspection commands, with libmnl:
 * sequence and port ids checked, the kernel's extended ack kept for the error text,
 * interrupted dumps (NLM_F_DUMP_INTR) redone. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "inspect_priv.h"

#define DUMP_TRIES 4
/* Large enough for any dump skb (the kernel caps them at 32 KiB); a big first read
 * also makes the kernel use big skbs, so fewer recvmsg calls. */
#define RECV_BUF (64 * 1024)

struct dump_ctx {
	mnl_cb_t cb;
	void *data;
	bool intr;
	char ack[256];		/* extended ack text of a failed request */
};

static int data_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	return c->cb(nlh, c->data);
}

/* NLMSG_ERROR: take errno and the kernel's extended-ack text. */
static int error_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (e->error == 0)
		return MNL_CB_STOP;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += mnl_nlmsg_get_payload_len(&e->msg);
		mnl_attr_for_each(a, nlh, off) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(c->ack, sizeof(c->ack), "%s", mnl_attr_get_str(a));
		}
	}
	errno = -e->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE carries the dump's final status (an int) since Linux 4.x. */
static int done_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *c = arg;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		c->intr = true;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int status = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (status < 0) {
			errno = -status;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

struct br_nl {
	struct mnl_socket *sk;
	char *buf;
	unsigned seq;
};

void br_nl_close(struct br_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->buf);
	free(nl);
}

struct br_nl *br_nl_open(struct d0_err *err)
{
	struct br_nl *nl = calloc(1, sizeof(*nl));
	int on = 1, saved;

	if (!nl)
		goto fail;
	nl->buf = malloc(RECV_BUF);
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->buf || !nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Both are optional: older kernels lack them, requests still work. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl->sk, NETLINK_GET_STRICT_CHK, &on, sizeof(on));
	nl->seq = (unsigned)time(NULL);
	return nl;
fail:
	saved = nl && nl->buf ? errno : ENOMEM;
	d0_err_set(err, saved, "netlink socket: %s", strerror(saved));
	br_nl_close(nl);
	errno = saved;
	return NULL;
}

static int run_once(struct br_nl *nl, struct nlmsghdr *req, struct dump_ctx *c)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = error_cb,
		[NLMSG_DONE] = done_cb,
	};
	unsigned portid = mnl_socket_get_portid(nl->sk);
	ssize_t n;
	int ret;

	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sk, req, req->nlmsg_len) < 0)
		return -1;
	do {
		n = mnl_socket_recvfrom(nl->sk, nl->buf, RECV_BUF);
		if (n < 0)
			return -1;
		/* Checks sequence and port ids, so stale answers are refused. */
		ret = mnl_cb_run2(nl->buf, (size_t)n, req->nlmsg_seq, portid, data_cb, c, ctl,
				  NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -1 : 0;
}

int br_nl_run(struct br_nl *nl, struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *),
	      void *data, const char *what, struct d0_err *err)
{
	struct dump_ctx c = { .cb = cb, .data = data };
	int ret = -1, saved = 0;

	for (int i = 0; i < DUMP_TRIES; i++) {
		c.intr = false;
		c.ack[0] = '\0';
		if (reset)
			reset(data);
		ret = run_once(nl, req, &c);
		if (ret < 0 || !c.intr)
			break;
		/* The dump was read to its end, so the socket is clean for another. */
		ret = -1;
		errno = EAGAIN;	/* interrupted every time: the tables keep changing */
	}
	if (ret < 0) {
		saved = errno;
		d0_err_set(err, saved, "%s: %s%s%s", what, strerror(saved), c.ack[0] ? ": " : "",
			   c.ack);
		errno = saved;
	}
	return ret;
}

int br_nl_dump(struct nlmsghdr *req, mnl_cb_t cb, void (*reset)(void *), void *data,
	       const char *what, struct d0_err *err)
{
	struct br_nl *nl = br_nl_open(err);
	int ret, saved;

	if (!nl)
		return -1;
	ret = br_nl_run(nl, req, cb, reset, data, what, err);
	saved = errno;
	br_nl_close(nl);
	errno = saved;
	return ret;
}

int br_vec_grow(void **v, size_t *cap, size_t n, size_t sz)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	p = reallocarray(*v, ncap, sz);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	*v = p;
	*cap = ncap;
	return 0;
}
