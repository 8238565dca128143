#include <stdarg.h>
#include <stdio.h>

#include <dom0net/err.h>

void d0_err_set(struct d0_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void d0_err_clear(struct d0_err *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
}
