/* A typed datagram channel on a libevent loop: SOCK_SEQPACKET, one message per
 * datagram, descriptors with SCM_RIGHTS, an outgoing queue for when the peer is slow.
 * Which messages exist is the caller's check function (ag_msg_check for netd <->
 * agent): a datagram that fails it, arrives cut, or carries unexpected descriptors
 * ends the channel. Nothing here knows the agent's messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

#define QUEUE_MAX 4096		/* queued messages: a peer that stops reading is broken */
#define READ_BURST 32		/* datagrams per read event */

ssize_t ag_send(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		int nfds)
{
	struct ag_hdr h = { AG_PROTO_VERSION, type, (uint32_t)len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * AG_MAX_FDS)];
	} ctl;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)payload, len } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	ssize_t n;

	if (len > AG_MAX_MSG - sizeof(h) || nfds < 0 || nfds > AG_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do
		n = sendmsg(fd, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

ssize_t ag_recv(int fd, void *buf, size_t size, int *fds, int maxfds, int *nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * (AG_MAX_FDS + 4))];
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	int got = 0, kept = 0;
	ssize_t n;

	*nfds = 0;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++, got++) {
			int rfd;

			memcpy(&rfd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof(int));
			if (kept < maxfds)
				fds[kept++] = rfd;
			else
				close(rfd);
		}
	}
	*nfds = kept;
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || kept < got) {
		/* Cut or with too many descriptors: nothing of it is trusted. */
		for (int i = 0; i < kept; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

struct qmsg {
	struct qmsg *next;
	uint16_t type;
	int nfds;
	int fds[AG_MAX_FDS];
	size_t len;
	uint8_t payload[];
};

struct ag_chan {
	int fd;
	bool netd_side;
	struct event *rd, *wr;
	struct qmsg *head, **tail;
	unsigned queued;
	ag_check_fn check;
	ag_msg_cb msg;
	ag_close_cb closed;
	void *arg;
	bool dead;
};

static void qmsg_free(struct qmsg *q)
{
	for (int i = 0; i < q->nfds; i++)
		close(q->fds[i]);
	explicit_bzero(q->payload, q->len);	/* passwords travel in some */
	free(q);
}

static void chan_die(struct ag_chan *c, int code, const char *what)
{
	struct d0_err e = { 0 };

	if (c->dead)
		return;
	c->dead = true;
	event_del(c->rd);
	event_del(c->wr);
	d0_err_set(&e, code, "%s", what);
	c->closed(c->arg, &e);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
	struct ag_chan *c = arg;

	while (c->head) {
		struct qmsg *q = c->head;

		if (ag_send(c->fd, q->type, q->payload, q->len, q->fds, q->nfds) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				return;	/* stays queued; the write event is on */
			chan_die(c, errno, "peer gone (send)");
			return;
		}
		c->head = q->next;
		if (!c->head)
			c->tail = &c->head;
		c->queued--;
		qmsg_free(q);
	}
	event_del(c->wr);
}

int ag_chan_send(struct ag_chan *c, uint16_t type, const void *payload, size_t len,
		 const int *fds, int nfds)
{
	struct qmsg *q;

	if (c->dead) {
		errno = EPIPE;
		return -1;
	}
	if (len > AG_MAX_MSG - sizeof(struct ag_hdr) || nfds < 0 || nfds > AG_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->queued >= QUEUE_MAX) {
		chan_die(c, ENOBUFS, "peer stopped reading its messages");
		errno = ENOBUFS;
		return -1;
	}
	q = calloc(1, sizeof(*q) + len);
	if (!q)
		return -1;
	q->type = type;
	q->len = len;
	if (len)
		memcpy(q->payload, payload, len);
	for (int i = 0; i < nfds; i++) {
		q->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
		if (q->fds[i] < 0) {
			int e = errno;

			qmsg_free(q);
			errno = e;
			return -1;
		}
		q->nfds = i + 1;
	}
	*c->tail = q;
	c->tail = &q->next;
	c->queued++;
	event_add(c->wr, NULL);
	on_writable(c->fd, EV_WRITE, c);
	return 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct ag_chan *c = arg;
	_Alignas(8) uint8_t buf[AG_MAX_MSG];

	for (int i = 0; i < READ_BURST && !c->dead; i++) {
		int fds[AG_MAX_FDS], nfds;
		struct d0_err e = { 0 };
		struct ag_hdr h;
		ssize_t n = ag_recv(c->fd, buf, sizeof(buf), fds, AG_MAX_FDS, &nfds);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			chan_die(c, errno, errno == EMSGSIZE ? "oversized message" : "peer gone");
			break;
		}
		if (n == 0) {
			chan_die(c, ECONNRESET, "peer closed the channel");
			break;
		}
		if (c->check(buf, (size_t)n, nfds, !c->netd_side, &e) < 0) {
			for (int k = 0; k < nfds; k++)
				close(fds[k]);
			chan_die(c, e.code, e.msg);
			break;
		}
		memcpy(&h, buf, sizeof(h));
		c->msg(c->arg, h.type, buf + sizeof(h), h.len, fds, nfds);
	}
	explicit_bzero(buf, sizeof(buf));
}

struct ag_chan *ag_chan_new(struct event_base *base, int fd, bool netd_side, ag_check_fn check,
			    ag_msg_cb msg, ag_close_cb closed, void *arg)
{
	struct ag_chan *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->netd_side = netd_side;
	c->tail = &c->head;
	c->check = check;
	c->msg = msg;
	c->closed = closed;
	c->arg = arg;
	if (evutil_make_socket_nonblocking(fd) < 0)
		goto fail;
	c->rd = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, c);
	c->wr = event_new(base, fd, EV_WRITE | EV_PERSIST, on_writable, c);
	if (!c->rd || !c->wr || event_add(c->rd, NULL) < 0)
		goto fail;
	return c;
fail:
	c->fd = -1;	/* the caller keeps fd on failure */
	ag_chan_free(c);
	return NULL;
}

void ag_chan_free(struct ag_chan *c)
{
	if (!c)
		return;
	if (c->rd)
		event_free(c->rd);
	if (c->wr)
		event_free(c->wr);
	while (c->head) {
		struct qmsg *q = c->head;

		c->head = q->next;
		qmsg_free(q);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
