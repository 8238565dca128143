/* netd <-> vncgw messages: one datagram per message on a SOCK_SEQPACKET socketpair,
 * descriptors with SCM_RIGHTS. Every datagram is checked (version, type, direction,
 * exact size, descriptor count) before its payload is looked at; unexpected
 * descriptors are closed. In the spirit of OpenBSD's imsg, reduced to fixed-size
 * messages. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include <dom0net/err.h>
#include <dom0net/vncgw.h>

#define VG_QUEUE_MAX 4096	/* a peer that stops reading is broken */

static const struct {
	size_t len;
	int min_fds, max_fds;
	bool from_netd;
} msg_desc[VG_TYPE_MAX] = {
	[VG_HELLO] = { sizeof(struct vg_hello), 0, 0, true },
	[VG_CONSOLE_SET] = { sizeof(struct vg_console), 0, VG_MAX_LISTEN, true },
	[VG_CONSOLE_DEL] = { sizeof(struct vg_console_ref), 0, 0, true },
	[VG_DIAL_REPLY] = { sizeof(struct vg_dial_reply), 0, 1, true },
	[VG_READY] = { sizeof(struct vg_ready), 0, 0, false },
	[VG_DIAL] = { sizeof(struct vg_dial), 0, 0, false },
	[VG_VIEWERS] = { sizeof(struct vg_viewers), 0, 0, false },
};

int vg_msg_check(const void *buf, size_t n, int nfds, bool from_netd, struct d0_err *e)
{
	struct vg_hdr h;

	if (n < sizeof(h)) {
		d0_err_set(e, EBADMSG, "short message (%zu bytes)", n);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.version != VG_PROTO_VERSION) {
		d0_err_set(e, EPROTO, "protocol version %u, expected %u", h.version,
			   VG_PROTO_VERSION);
		return -1;
	}
	if (h.type == 0 || h.type >= VG_TYPE_MAX || msg_desc[h.type].from_netd != from_netd) {
		d0_err_set(e, EBADMSG, "unexpected message type %u", h.type);
		return -1;
	}
	if (h.len != n - sizeof(h) || h.len != msg_desc[h.type].len) {
		d0_err_set(e, EBADMSG, "message type %u: %zu payload bytes, expected %zu", h.type,
			   n - sizeof(h), msg_desc[h.type].len);
		return -1;
	}
	if (nfds < msg_desc[h.type].min_fds || nfds > msg_desc[h.type].max_fds) {
		d0_err_set(e, EBADMSG, "message type %u carries %d descriptors", h.type, nfds);
		return -1;
	}
	return 0;
}

ssize_t vg_send(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		int nfds)
{
	uint8_t buf[VG_MAX_MSG];
	struct vg_hdr h = { VG_PROTO_VERSION, type, (uint32_t)len };
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int) * VG_MAX_LISTEN)];
	} ctl;
	struct iovec iov;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (len > sizeof(buf) - sizeof(h) || nfds < 0 || nfds > VG_MAX_LISTEN) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	iov.iov_base = buf;
	iov.iov_len = sizeof(h) + len;
	if (nfds > 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.b;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

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

ssize_t vg_recv(int fd, void *buf, size_t size, int *fds, int maxfds, int *nfds)
{
	union {
		struct cmsghdr c;
		char b[CMSG_SPACE(sizeof(int) * (VG_MAX_LISTEN + 4))];
	} ctl;
	struct iovec iov = { buf, size };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
			    .msg_controllen = sizeof(ctl.b) };
	ssize_t n;
	int got = 0, kept = 0;

	*nfds = 0;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		got = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < got; i++) {
			int rfd;

			memcpy(&rfd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof(int));
			if (kept < maxfds)
				fds[kept++] = rfd;
			else
				close(rfd);
		}
	}
	*nfds = kept;
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC) || kept < got) {
		/* Oversized: the caller must not trust a cut message. */
		for (int i = 0; i < kept; i++)
			close(fds[i]);
		*nfds = 0;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

struct vg_qmsg {
	struct vg_qmsg *next;
	uint16_t type;
	uint16_t len;
	int nfds;
	int fds[VG_MAX_LISTEN];
	uint8_t payload[];
};

struct vg_chan {
	int fd;
	bool netd_side;
	struct event *rd, *wr;
	struct vg_qmsg *head, **tail;
	unsigned queued;
	vg_msg_cb msg;
	vg_close_cb closed;
	void *arg;
	bool dead;
};

static void qmsg_free(struct vg_qmsg *q)
{
	for (int i = 0; i < q->nfds; i++)
		close(q->fds[i]);
	explicit_bzero(q->payload, q->len);	/* may hold passwords */
	free(q);
}

static void chan_die(struct vg_chan *c, int code, const char *what)
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
	struct vg_chan *c = arg;

	while (c->head) {
		struct vg_qmsg *q = c->head;

		if (vg_send(c->fd, q->type, q->payload, q->len, q->fds, q->nfds) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				return;	/* stays queued: the write event is still on */
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

int vg_chan_send(struct vg_chan *c, uint16_t type, const void *payload, size_t len,
		 const int *fds, int nfds)
{
	struct vg_qmsg *q;

	if (c->dead) {
		errno = EPIPE;
		return -1;
	}
	if (len > VG_MAX_MSG - sizeof(struct vg_hdr) || nfds < 0 || nfds > VG_MAX_LISTEN) {
		errno = EMSGSIZE;
		return -1;
	}
	if (c->queued >= VG_QUEUE_MAX) {
		chan_die(c, ENOBUFS, "peer stopped reading its messages");
		errno = ENOBUFS;
		return -1;
	}
	q = calloc(1, sizeof(*q) + len);
	if (!q)
		return -1;
	q->type = type;
	q->len = (uint16_t)len;
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
	/* Try now; what does not go stays queued for the write event. */
	event_add(c->wr, NULL);
	on_writable(c->fd, EV_WRITE, c);
	return 0;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct vg_chan *c = arg;

	for (int i = 0; i < 16 && !c->dead; i++) {
		_Alignas(8) uint8_t buf[VG_MAX_MSG];
		int fds[VG_MAX_LISTEN], nfds;
		struct d0_err e = { 0 };
		struct vg_hdr h;
		ssize_t n = vg_recv(c->fd, buf, sizeof(buf), fds, VG_MAX_LISTEN, &nfds);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			chan_die(c, errno, errno == EMSGSIZE ? "oversized message" : "peer gone");
			return;
		}
		if (n == 0) {
			chan_die(c, ECONNRESET, "peer closed the channel");
			return;
		}
		if (vg_msg_check(buf, (size_t)n, nfds, !c->netd_side, &e) < 0) {
			for (int k = 0; k < nfds; k++)
				close(fds[k]);
			explicit_bzero(buf, sizeof(buf));
			chan_die(c, e.code, e.msg);
			return;
		}
		memcpy(&h, buf, sizeof(h));
		c->msg(c->arg, h.type, buf + sizeof(h), h.len, fds, nfds);
		explicit_bzero(buf, sizeof(buf));
	}
}

struct vg_chan *vg_chan_new(struct event_base *base, int fd, bool netd_side, vg_msg_cb msg,
			    vg_close_cb closed, void *arg)
{
	struct vg_chan *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->netd_side = netd_side;
	c->tail = &c->head;
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
	vg_chan_free(c);
	return NULL;
}

void vg_chan_free(struct vg_chan *c)
{
	if (!c)
		return;
	if (c->rd)
		event_free(c->rd);
	if (c->wr)
		event_free(c->wr);
	while (c->head) {
		struct vg_qmsg *q = c->head;

		c->head = q->next;
		qmsg_free(q);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}
