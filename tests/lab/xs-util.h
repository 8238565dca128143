/* xs-util: small libxenstore helpers for the lab toolstack (xs-toolstack). */
#ifndef DOM0NET_LAB_XS_UTIL_H
#define DOM0NET_LAB_XS_UTIL_H

#include <stdbool.h>
#include <xenstore.h>

#define XSU_PATH_MAX 256

/* What xsu_wait() waits for at a path. */
enum xsu_cond {
	XSU_EQUALS,	/* reads exactly the given value */
	XSU_ABSENT,	/* does not exist */
	XSU_NONEMPTY,	/* exists with a non-empty value */
};

long long xsu_now_us(void);

/* buf (XSU_PATH_MAX bytes) = "dir/key"; -1 with ENAMETOOLONG if too long. */
int xsu_path(char *buf, const char *dir, const char *key);

/* Read path; NULL with errno = ENOENT if absent. Caller frees. */
char *xsu_read(struct xs_handle *h, xs_transaction_t t, const char *path);

/* Write "dir/key" = val (or "dir" itself when key is NULL). 0 / -1. */
int xsu_write(struct xs_handle *h, xs_transaction_t t, const char *dir,
	      const char *key, const char *val);

/* mkdir + set permissions: owner gets nothing implicit, reader gets read. */
int xsu_mkdir_perms(struct xs_handle *h, xs_transaction_t t, const char *path,
		    unsigned int owner, unsigned int reader);

/* Remove path, then its parents while they are empty with an empty value,
 * like libxl__xs_path_cleanup() / xenstore-rm -t. Absent path is fine. */
int xsu_rm_clean(struct xs_handle *h, xs_transaction_t t, const char *path);

/* Run fn(h, t, arg) in a transaction, retrying on EAGAIN like libxl does.
 * fn returns 0 / -1 (errno set); on -1 the transaction is aborted. */
int xsu_tx(struct xs_handle *h,
	   int (*fn)(struct xs_handle *h, xs_transaction_t t, void *arg),
	   void *arg);

/* Watch-based wait (no polling) until cond holds at path, or timeout_ms
 * passes (-1 with errno = ETIMEDOUT). want is used by XSU_EQUALS only. */
int xsu_wait(struct xs_handle *h, const char *path, enum xsu_cond cond,
	     const char *want, int timeout_ms);

#endif
