/* Logging to syslog and/or stderr with a level threshold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <dom0net/log.h>

static struct {
	const char *ident;
	int to_stderr;
	int to_syslog;
	enum log_level level;
} logcfg = { "dom0net", 1, 0, LOG_LVL_INFO };

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void log_init(const char *ident, int to_stderr, int to_syslog, enum log_level level)
{
	logcfg.ident = ident;
	logcfg.to_stderr = to_stderr;
	logcfg.to_syslog = to_syslog;
	logcfg.level = level;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_setlevel(enum log_level level)
{
	logcfg.level = level;
}

enum log_level log_getlevel(void)
{
	return logcfg.level;
}

int log_parse_level(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	errno = EINVAL;
	return -1;
}

/* Writes one finished line: one write each so concurrent writers never interleave. */
static void log_line(enum log_level level, const char *msg)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

	if (logcfg.to_syslog)
		syslog(prio[level], "%s", msg);
	if (logcfg.to_stderr)
		fprintf(stderr, "%s: %s\n", logcfg.ident, msg);
}

void vlog(enum log_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;

	if (level > logcfg.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_line(level, msg);
	errno = saved;
}

/* Like vlog, with ": strerror(errno)" appended. */
static void vlog_errno(enum log_level level, const char *fmt, va_list ap)
{
	char msg[2048];
	int saved = errno;
	int n;

	if (level > logcfg.level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	log_line(level, msg);
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}
