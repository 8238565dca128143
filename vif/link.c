/* Batched rtnetlink requests on the VIF manager's own socket (libmnl).
 * Requests are queued into a window, sent with one sendmsg, and every ack is read
 * before the next window: no request goes unanswered, no round trip per request.
 * Acks are checked for the kernel as sender, our port id and a sequence number of the
 * window; failures carry the kernel's extended-ack text. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "vif_int.h"

#define WINDOW 128		/* requests per sendmsg; their acks fit the receive buffer */
#define MSG_MAX 256		/* bytes of one request, at most */
#define ACK_TIMEOUT_MS 2000	/* rtnetlink answers synchronously: this is a safety net */

struct pending {
	struct vif_dev *dev;
	const char *what;
};

struct vif_nl {
	struct mnl_socket *sk;
	unsigned portid;
	uint32_t seq, first_seq;
	size_t len;
	size_t n;
	struct pending pend[WINDOW];
	char buf[WINDOW * MSG_MAX];
};

struct vif_nl *vif_nl_open(void)
{
	struct vif_nl *nl = calloc(1, sizeof(*nl));
	int one = 1, rcvbuf = 1 << 20, e;

	if (!nl)
		return NULL;
	nl->sk = mnl_socket_open(NETLINK_ROUTE);
	if (!nl->sk || mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* Error text from the kernel; acks without the request echoed back. */
	mnl_socket_setsockopt(nl->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = 1;
	return nl;
fail:
	e = errno;
	vif_nl_close(nl);
	errno = e;
	return NULL;
}

void vif_nl_close(struct vif_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl);
}

static void fail_dev(struct vif_dev *dev, const char *what, int err, const char *ext)
{
	if (!dev || dev->failed)
		return;	/* the first failure explains the others */
	dev->failed = true;
	snprintf(dev->err, sizeof(dev->err), "%s: %s%s%s%s", what, strerror(err),
		 ext && *ext ? " (kernel: " : "", ext && *ext ? ext : "",
		 ext && *ext ? ")" : "");
}

static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* NETLINK_CAP_ACK: only the request's header follows the error code. */
	mnl_attr_for_each(attr, nlh, sizeof(struct nlmsgerr)) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

/* Reads acks until every request of the window is answered. */
static void collect(struct vif_nl *nl, bool *done, size_t *left)
{
	char buf[16384];
	int fd = mnl_socket_get_fd(nl->sk);

	while (*left) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct sockaddr_nl sa;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa),
				      .msg_iov = &iov, .msg_iovlen = 1 };
		const struct nlmsghdr *nlh;
		ssize_t r;
		int rr = poll(&p, 1, ACK_TIMEOUT_MS), n;

		if (rr < 0 && errno == EINTR)
			continue;
		if (rr <= 0)
			break;
		r = recvmsg(fd, &msg, 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			break;	/* ENOBUFS: acks were lost; the rest counts as failed */
		}
		if (sa.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC))
			continue;	/* not from the kernel, or cut short */
		n = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		     nlh = mnl_nlmsg_next(nlh, &n)) {
			const struct nlmsgerr *e;
			uint32_t i = nlh->nlmsg_seq - nl->first_seq;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != nl->portid ||
			    i >= nl->n || done[i] ||
			    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			done[i] = true;
			(*left)--;
			if (e->error)
				fail_dev(nl->pend[i].dev, nl->pend[i].what, -e->error,
					 ext_ack_msg(nlh));
		}
	}
}

static int send_window(struct vif_nl *nl)
{
	bool done[WINDOW] = { false };
	size_t left = nl->n;
	int rc = 0;

	if (!nl->n)
		return 0;
	if (mnl_socket_sendto(nl->sk, nl->buf, nl->len) < 0) {
		int e = errno;

		for (size_t i = 0; i < nl->n; i++)
			fail_dev(nl->pend[i].dev, nl->pend[i].what, e, NULL);
		rc = -1;
	} else {
		collect(nl, done, &left);
		for (size_t i = 0; i < nl->n; i++)
			if (!done[i])
				fail_dev(nl->pend[i].dev, nl->pend[i].what, ETIMEDOUT,
					 "no acknowledgement");
		rc = left ? -1 : 0;
	}
	nl->n = 0;
	nl->len = 0;
	return rc;
}

int vif_nl_flush(struct vif_nl *nl)
{
	return send_window(nl);
}

static struct nlmsghdr *new_msg(struct vif_nl *nl, uint16_t type, struct vif_dev *dev,
				const char *what)
{
	struct nlmsghdr *nlh;

	if (nl->n == WINDOW)
		send_window(nl);
	if (nl->n == 0)
		nl->first_seq = nl->seq;
	memset(nl->buf + nl->len, 0, MSG_MAX);
	nlh = mnl_nlmsg_put_header(nl->buf + nl->len);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = nl->seq++;
	nl->pend[nl->n].dev = dev;
	nl->pend[nl->n].what = what;
	return nlh;
}

static void commit_msg(struct vif_nl *nl, struct nlmsghdr *nlh)
{
	nl->len += MNL_ALIGN(nlh->nlmsg_len);
	nl->n++;
}

int vif_nl_setlink(struct vif_nl *nl, const struct vif_setlink *r, struct vif_dev *dev,
		   const char *what)
{
	struct nlmsghdr *nlh = new_msg(nl, RTM_NEWLINK, dev, what);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = r->ifindex;
	if (r->up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = r->up ? IFF_UP : 0;
	}
	if (r->addr)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, r->addr);
	if (r->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
	if (r->ifname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, r->ifname);
	if (r->master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)r->master);
	commit_msg(nl, nlh);
	return 0;
}

int vif_nl_deladdr4(struct vif_nl *nl, int ifindex, uint32_t addr, unsigned plen,
		    struct vif_dev *dev)
{
	struct nlmsghdr *nlh = new_msg(nl, RTM_DELADDR, dev, "remove address");
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)plen;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	commit_msg(nl, nlh);
	return 0;
}
