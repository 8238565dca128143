/* netctl's printer: text and JSON from the same calls, in the spirit of iproute2's
 * include/json_print.h. A command prints each value once with a key (used in JSON)
 * and a printf format (used in text); PRINT_FP / PRINT_JSON restrict a call to one
 * mode when the two representations differ. Objects and arrays exist only in JSON.
 * Output state is global: netctl prints one document per run. */
#ifndef NETCTL_PRINT_H
#define NETCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum print_type {
	PRINT_FP = 1,		/* text only */
	PRINT_JSON = 2,		/* JSON only */
	PRINT_ANY = 3,		/* both */
};

/* Start a document on out (text, or JSON when json is true). */
void print_init(FILE *out, bool json);
/* Close what is still open, end JSON with a newline, flush. 0, or -1 on a write
 * error (e.g. EPIPE, ENOSPC) with errno set. */
int print_finish(void);
bool print_is_json(void);

/* JSON containers; key is NULL for array elements and the top level. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

/* fmt is a printf format for the one value in text mode (NULL: print nothing there).
 * No format attribute: GCC rejects the NULL formats of JSON-only calls. */
void print_string(enum print_type t, const char *key, const char *fmt, const char *value);
void print_uint(enum print_type t, const char *key, const char *fmt, unsigned value);
void print_int(enum print_type t, const char *key, const char *fmt, int value);
/* Counters: exact integers in JSON (never 6e+01); fmt takes a uint64_t (PRIu64). */
void print_u64(enum print_type t, const char *key, const char *fmt, uint64_t value);
void print_float(enum print_type t, const char *key, const char *fmt, double value);
/* Text: fmt applied to "true"/"false" (a %s format). JSON: true/false. */
void print_bool(enum print_type t, const char *key, const char *fmt, bool value);
/* Text: fmt applied to text (a %s format). JSON: null. */
void print_null(enum print_type t, const char *key, const char *fmt, const char *text);

/* A JSON string literal for s (quotes included) on f: \" \\ and control characters
 * escaped, valid UTF-8 kept, each byte of invalid UTF-8 written as \u00XX. */
void print_json_escape(FILE *f, const char *s);

#endif
