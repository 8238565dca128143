/* xs-util: small libxenstore helpers for the lab toolstack. */
#include "xs-util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long xsu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int xsu_path(char *buf, const char *dir, const char *key)
{
	int n = snprintf(buf, XSU_PATH_MAX, "%s/%s", dir, key);

	if (n < 0 || n >= XSU_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

char *xsu_read(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

int xsu_write(struct xs_handle *h, xs_transaction_t t, const char *dir,
	      const char *key, const char *val)
{
	char path[XSU_PATH_MAX];

	if (!key)
		return xs_write(h, t, dir, val, strlen(val)) ? 0 : -1;
	if (xsu_path(path, dir, key))
		return -1;
	return xs_write(h, t, path, val, strlen(val)) ? 0 : -1;
}

int xsu_mkdir_perms(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int owner, unsigned int reader)
{
	struct xs_permissions p[2] = {
		{ .id = owner, .perms = XS_PERM_NONE },
		{ .id = reader, .perms = XS_PERM_READ },
	};

	if (!xs_mkdir(h, t, path))
		return -1;
	return xs_set_permissions(h, t, path, p, 2) ? 0 : -1;
}

/* True if path exists, has an empty value and no children. */
static bool empty_node(struct xs_handle *h, xs_transaction_t t,
		       const char *path)
{
	unsigned int n = 1;
	char *val = xsu_read(h, t, path);
	char **kids;
	bool empty = val && !*val;

	free(val);
	if (!empty)
		return false;
	kids = xs_directory(h, t, path, &n);
	free(kids);
	return kids && n == 0;
}

int xsu_rm_clean(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	char buf[XSU_PATH_MAX];
	char *slash;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (!xs_rm(h, t, buf))
		return errno == ENOENT ? 0 : -1;
	while ((slash = strrchr(buf, '/')) && slash != buf) {
		*slash = '\0';
		if (!empty_node(h, t, buf))
			break;
		if (!xs_rm(h, t, buf))
			return -1;
	}
	return 0;
}

int xsu_tx(struct xs_handle *h,
	   int (*fn)(struct xs_handle *h, xs_transaction_t t, void *arg),
	   void *arg)
{
	for (;;) {
		xs_transaction_t t = xs_transaction_start(h);
		int err;

		if (!t)
			return -1;
		if (fn(h, t, arg)) {
			err = errno;
			xs_transaction_end(h, t, true);
			errno = err;
			return -1;
		}
		if (xs_transaction_end(h, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
}

static bool cond_holds(struct xs_handle *h, const char *path,
		       enum xsu_cond cond, const char *want)
{
	char *val = xsu_read(h, XBT_NULL, path);
	bool ok = false;

	switch (cond) {
	case XSU_EQUALS:
		ok = val && strcmp(val, want) == 0;
		break;
	case XSU_ABSENT:
		ok = !val;
		break;
	case XSU_NONEMPTY:
		ok = val && *val;
		break;
	}
	free(val);
	return ok;
}

int xsu_wait(struct xs_handle *h, const char *path, enum xsu_cond cond,
	     const char *want, int timeout_ms)
{
	long long deadline = xsu_now_us() + (long long)timeout_ms * 1000;
	char token[64];
	int rc = -1, err = 0;

	/* Unique token: several waits may share one connection over time. */
	snprintf(token, sizeof(token), "xsu-wait-%lld", xsu_now_us());
	if (xs_fileno(h) < 0 || !xs_watch(h, path, token))
		return -1;
	for (;;) {
		struct pollfd pfd = { .fd = xs_fileno(h), .events = POLLIN };
		long long left;
		char **ev;

		/* Re-check after each event; also covers the initial state
		 * (a new watch fires once anyway). */
		if (cond_holds(h, path, cond, want)) {
			rc = 0;
			break;
		}
		left = deadline - xsu_now_us();
		if (left <= 0) {
			err = ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, (int)((left + 999) / 1000)) < 0 &&
		    errno != EINTR) {
			err = errno;
			break;
		}
		while ((ev = xs_check_watch(h)))
			free(ev);
	}
	xs_unwatch(h, path, token);
	if (rc)
		errno = err;
	return rc;
}
