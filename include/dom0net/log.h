/* Logging for the daemon and its tools: syslog and/or stderr, with levels.
 * Style follows OpenBSD's log.c: log_warn appends strerror(errno), log_warnx does not,
 * fatal/fatalx log and exit(1). Library code does not log; callers log once. */
#ifndef DOM0NET_LOG_H
#define DOM0NET_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* to_stderr: also (or only, when !to_syslog) write to stderr. */
void log_init(const char *ident, int to_stderr, int to_syslog, enum log_level level);
void log_setlevel(enum log_level level);
enum log_level log_getlevel(void);
int log_parse_level(const char *s, enum log_level *out);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void vlog(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
