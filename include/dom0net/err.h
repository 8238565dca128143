/* Error reports from library code: a code (errno value) and a message naming the
 * step and the kernel's text. Libraries fill it; the caller logs it once. */
#ifndef DOM0NET_ERR_H
#define DOM0NET_ERR_H

#include <stddef.h>

struct d0_err {
	int code;		/* errno-style, 0 when unset */
	char msg[512];
};

void d0_err_set(struct d0_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void d0_err_clear(struct d0_err *e);

#endif
