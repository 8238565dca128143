/* The xenstore layer: libxenstore on the libevent loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include <dom0net/xs.h>

struct d0_xs {
	struct xs_handle *h;
	struct event *ev;
	d0_xs_watch_cb cb;
	void *arg;
};

void d0_xs_dispatch(struct d0_xs *xs)
{
	char **vec;

	/* xs_check_watch never blocks; drain everything that is queued. */
	while ((vec = xs_check_watch(xs->h)) != NULL) {
		if (xs->cb)
			xs->cb(xs->arg, vec[XS_WATCH_PATH], vec[XS_WATCH_TOKEN]);
		free(vec);
	}
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	d0_xs_dispatch(arg);
}

struct d0_xs *d0_xs_open(struct event_base *base, d0_xs_watch_cb cb, void *arg)
{
	struct d0_xs *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return NULL;
	xs->cb = cb;
	xs->arg = arg;
	/* The socket only: the kernel device (xenbus) would need a real hypervisor and
	 * gives the same API. XENSTORED_PATH selects a private daemon in the lab. */
	xs->h = xs_open(0);
	if (!xs->h)
		goto fail;
	if (base) {
		xs->ev = event_new(base, xs_fileno(xs->h), EV_READ | EV_PERSIST, on_readable, xs);
		if (!xs->ev || event_add(xs->ev, NULL) < 0)
			goto fail;
	}
	return xs;
fail:
	{
		int e = errno ? errno : EIO;

		d0_xs_close(xs);
		errno = e;
	}
	return NULL;
}

void d0_xs_close(struct d0_xs *xs)
{
	if (!xs)
		return;
	if (xs->ev)
		event_free(xs->ev);
	if (xs->h)
		xs_close(xs->h);
	free(xs);
}

struct xs_handle *d0_xs_handle(struct d0_xs *xs)
{
	return xs->h;
}

int d0_xs_watch(struct d0_xs *xs, const char *path, const char *token)
{
	return xs_watch(xs->h, path, token) ? 0 : -1;
}

int d0_xs_unwatch(struct d0_xs *xs, const char *path, const char *token)
{
	return xs_unwatch(xs->h, path, token) ? 0 : -1;
}

int d0_xs_transact(struct d0_xs *xs, d0_xs_txn_fn fn, void *arg)
{
	for (int attempt = 0; attempt < D0_XS_TXN_RETRIES; attempt++) {
		xs_transaction_t t = xs_transaction_start(xs->h);

		if (t == XBT_NULL)
			return -1;
		if (fn(xs->h, t, arg) < 0) {
			int e = errno;

			xs_transaction_end(xs->h, t, true);
			errno = e;
			return -1;
		}
		if (xs_transaction_end(xs->h, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
		/* Another writer committed first: run the body again on fresh data. */
	}
	errno = EAGAIN;
	return -1;
}

char *d0_xs_read(struct d0_xs *xs, xs_transaction_t t, const char *path, unsigned *len)
{
	unsigned n = 0;
	char *v = xs_read(xs->h, t, path, &n);

	/* libxenstore NUL-terminates its buffer, but values may hold NULs: callers that
	 * treat them as strings must check strlen(v) == n. */
	if (v && len)
		*len = n;
	return v;
}
