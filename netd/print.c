/* Text/JSON printer for netctl (see print.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print.h"

#define MAX_DEPTH 32

static struct {
	FILE *out;
	bool json;
	int depth;
	bool first[MAX_DEPTH];	/* no element written yet at this level */
	bool is_array[MAX_DEPTH];
	bool wrote_top;		/* a top-level JSON value was written */
} P = { .first = { true } };

void print_init(FILE *out, bool json)
{
	memset(&P, 0, sizeof(P));
	P.out = out;
	P.json = json;
	P.first[0] = true;
}

bool print_is_json(void)
{
	return P.json;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void print_json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);

		switch (*s) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f || n == 0) {
				/* Control character, or a stray byte: keep it visible and the
				 * document valid (read as U+0080..U+00FF). */
				fprintf(f, "\\u%04x", *s);
				n = 1;
			} else {
				fwrite(s, 1, n, f);
			}
			s += n;
			continue;
		}
		s++;
	}
	fputc('"', f);
}

/* Comma and key before a JSON value or container. */
static void json_prefix(const char *key)
{
	if (P.depth == 0) {
		if (P.wrote_top)
			fputc('\n', P.out);	/* several top-level values: one per line */
		P.wrote_top = true;
	} else {
		if (!P.first[P.depth])
			fputc(',', P.out);
		P.first[P.depth] = false;
	}
	if (key && P.depth > 0 && !P.is_array[P.depth]) {
		print_json_escape(P.out, key);
		fputc(':', P.out);
	}
}

static void open_container(const char *key, bool array)
{
	if (!P.json)
		return;
	json_prefix(key);
	fputc(array ? '[' : '{', P.out);
	if (P.depth + 1 < MAX_DEPTH) {
		P.depth++;
		P.first[P.depth] = true;
		P.is_array[P.depth] = array;
	}
}

static void close_container(void)
{
	if (!P.json || P.depth == 0)
		return;
	fputc(P.is_array[P.depth] ? ']' : '}', P.out);
	P.depth--;
}

void print_open_object(const char *key)
{
	open_container(key, false);
}

void print_open_array(const char *key)
{
	open_container(key, true);
}

void print_close_object(void)
{
	close_container();
}

void print_close_array(void)
{
	close_container();
}

int print_finish(void)
{
	if (!P.out)
		return 0;
	while (P.json && P.depth > 0)
		close_container();
	if (P.json && P.wrote_top)
		fputc('\n', P.out);
	if (fflush(P.out) != 0 || ferror(P.out)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

static bool want_text(enum print_type t, const char *fmt)
{
	return !P.json && (t & PRINT_FP) && fmt;
}

static bool want_json(enum print_type t)
{
	return P.json && (t & PRINT_JSON);
}

/* The formats are the callers' literals. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

void print_string(enum print_type t, const char *key, const char *fmt, const char *value)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value);
	} else if (want_json(t)) {
		json_prefix(key);
		print_json_escape(P.out, value);
	}
}

void print_uint(enum print_type t, const char *key, const char *fmt, unsigned value)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value);
	} else if (want_json(t)) {
		json_prefix(key);
		fprintf(P.out, "%u", value);
	}
}

void print_int(enum print_type t, const char *key, const char *fmt, int value)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value);
	} else if (want_json(t)) {
		json_prefix(key);
		fprintf(P.out, "%d", value);
	}
}

void print_u64(enum print_type t, const char *key, const char *fmt, uint64_t value)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value);
	} else if (want_json(t)) {
		json_prefix(key);
		fprintf(P.out, "%" PRIu64, value);
	}
}

void print_float(enum print_type t, const char *key, const char *fmt, double value)
{
	char buf[40];

	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value);
	} else if (want_json(t)) {
		json_prefix(key);
		if (!isfinite(value)) {
			fputs("null", P.out);
			return;
		}
		/* Shortest form that reads back as the same double: 6.9, not 6.90000000001. */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, sizeof(buf), "%.*g", prec, value);
			if (strtod(buf, NULL) == value)
				break;
		}
		fputs(buf, P.out);
	}
}

void print_bool(enum print_type t, const char *key, const char *fmt, bool value)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, value ? "true" : "false");
	} else if (want_json(t)) {
		json_prefix(key);
		fputs(value ? "true" : "false", P.out);
	}
}

void print_null(enum print_type t, const char *key, const char *fmt, const char *text)
{
	if (want_text(t, fmt)) {
		fprintf(P.out, fmt, text);
	} else if (want_json(t)) {
		json_prefix(key);
		fputs("null", P.out);
	}
}

#pragma GCC diagnostic pop
