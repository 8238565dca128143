/* Unit tests: netctl's text/JSON printer (netd/print.c). */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../netd/print.h"

static char *buf;
static size_t len;
static FILE *mem;

static void start(bool json)
{
	mem = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(mem);
	print_init(mem, json);
}

/* Ends the document and returns what was written (valid until the next start). */
static const char *finish(void)
{
	ck_assert_int_eq(print_finish(), 0);
	fclose(mem);
	return buf;
}

static void teardown(void)
{
	free(buf);
	buf = NULL;
}

static const char *escaped(const char *s)
{
	start(true);
	print_open_array(NULL);
	print_string(PRINT_JSON, NULL, NULL, s);
	print_close_array();
	return finish();
}

START_TEST(text_formats_and_modes)
{
	start(false);
	print_string(PRINT_ANY, "name", "%s\t\t", "br0");
	print_string(PRINT_JSON, "json_only", "%s", "nope");
	print_uint(PRINT_FP, NULL, "%3u\t", 2);
	print_int(PRINT_ANY, "i", "[%d]", -5);
	print_float(PRINT_ANY, "t", "%7.2f\n", 6.9);
	print_bool(PRINT_ANY, "b", "%s ", true);
	print_null(PRINT_ANY, "n", "%-4s|", "-");
	print_string(PRINT_ANY, "nofmt", NULL, "hidden");
	print_open_object("ignored");
	print_open_array("ignored");
	print_close_array();
	print_close_object();
	ck_assert_str_eq(finish(), "br0\t\t  2\t[-5]   6.90\ntrue -   |");
}
END_TEST

START_TEST(json_structure)
{
	start(true);
	print_open_array(NULL);
	for (int i = 0; i < 2; i++) {
		print_open_object(NULL);
		print_string(PRINT_ANY, "name", "%s\n", i ? "b" : "a");
		print_string(PRINT_FP, NULL, "%s", "text only");
		print_uint(PRINT_JSON, "port_no", NULL, 300);
		print_int(PRINT_ANY, "neg", "%d", -1);
		print_bool(PRINT_JSON, "stp", NULL, i);
		print_null(PRINT_ANY, "speed", "%s", "unknown");
		print_open_array("interfaces");
		if (i) {
			print_string(PRINT_ANY, NULL, "%s", "v1");
			print_string(PRINT_ANY, NULL, "%s", "v2");
		}
		print_close_array();
		print_open_object("empty");
		print_close_object();
		print_close_object();
	}
	print_close_array();
	ck_assert_str_eq(finish(),
			 "[{\"name\":\"a\",\"port_no\":300,\"neg\":-1,\"stp\":false,\"speed\":null,"
			 "\"interfaces\":[],\"empty\":{}},"
			 "{\"name\":\"b\",\"port_no\":300,\"neg\":-1,\"stp\":true,\"speed\":null,"
			 "\"interfaces\":[\"v1\",\"v2\"],\"empty\":{}}]\n");
}
END_TEST

START_TEST(json_empty_and_unclosed)
{
	start(true);
	print_open_array(NULL);
	print_close_array();
	ck_assert_str_eq(finish(), "[]\n");
	teardown();
	/* print_finish closes what the command left open. */
	start(true);
	print_open_array(NULL);
	print_open_object(NULL);
	print_open_array("x");
	print_uint(PRINT_ANY, NULL, "%u", 1);
	ck_assert_str_eq(finish(), "[{\"x\":[1]}]\n");
	teardown();
	/* Nothing printed: nothing written, not even the newline. */
	start(true);
	ck_assert_str_eq(finish(), "");
}
END_TEST

START_TEST(json_string_escaping)
{
	ck_assert_str_eq(escaped("a\"b\\c"), "[\"a\\\"b\\\\c\"]\n");
	teardown();
	ck_assert_str_eq(escaped("\b\f\n\r\t"), "[\"\\b\\f\\n\\r\\t\"]\n");
	teardown();
	ck_assert_str_eq(escaped("\x01\x1f\x7f"), "[\"\\u0001\\u001f\\u007f\"]\n");
	teardown();
	/* Valid UTF-8 (2, 3 and 4 bytes) passes through. */
	ck_assert_str_eq(escaped("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
			 "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"]\n");
	teardown();
	/* Stray bytes, truncated/overlong sequences and surrogates become \u00XX. */
	ck_assert_str_eq(escaped("\xff"), "[\"\\u00ff\"]\n");
	teardown();
	ck_assert_str_eq(escaped("a\xc3"), "[\"a\\u00c3\"]\n");
	teardown();
	ck_assert_str_eq(escaped("\xc0\xaf"), "[\"\\u00c0\\u00af\"]\n");
	teardown();
	ck_assert_str_eq(escaped("\xed\xa0\x80"), "[\"\\u00ed\\u00a0\\u0080\"]\n");
	teardown();
	ck_assert_str_eq(escaped("\xe2\x82"), "[\"\\u00e2\\u0082\"]\n");
	teardown();
	ck_assert_str_eq(escaped(""), "[\"\"]\n");
}
END_TEST

START_TEST(json_keys_escaped)
{
	start(true);
	print_open_object(NULL);
	print_uint(PRINT_ANY, "we\"ird", "%u", 1);
	print_close_object();
	ck_assert_str_eq(finish(), "{\"we\\\"ird\":1}\n");
}
END_TEST

START_TEST(json_numbers)
{
	start(true);
	print_open_array(NULL);
	print_float(PRINT_JSON, NULL, NULL, 6.9);
	print_float(PRINT_JSON, NULL, NULL, 0.0);
	print_float(PRINT_JSON, NULL, NULL, 299.99);
	print_float(PRINT_JSON, NULL, NULL, 42949672.95);
	print_float(PRINT_JSON, NULL, NULL, 1.0 / 3.0);
	print_float(PRINT_JSON, NULL, NULL, NAN);
	print_uint(PRINT_JSON, NULL, NULL, 4294967295u);
	print_int(PRINT_JSON, NULL, NULL, -2147483647 - 1);
	print_close_array();
	ck_assert_str_eq(finish(), "[6.9,0,299.99,42949672.95,0.3333333333333333,null,"
				   "4294967295,-2147483648]\n");
}
END_TEST

/* brctl prints the ageing timer as "%4i.%.2i" of seconds and centiseconds;
 * showmacs uses "%7.2f" of cs/100.0: the same text for every 32-bit value tried. */
START_TEST(ageing_format_matches_brctl)
{
	char a[32], b[32];
	unsigned long long samples[] = { 0, 1, 9, 10, 99, 100, 101, 690, 999, 30000, 99999,
					 100000, 999999, 4294967295ull };

	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		unsigned long long cs = samples[i];

		snprintf(a, sizeof(a), "%4i.%.2i", (int)(cs / 100), (int)(cs % 100));
		snprintf(b, sizeof(b), "%7.2f", (double)cs / 100.0);
		ck_assert_str_eq(a, b);
	}
	for (unsigned cs = 0; cs < 200000; cs += 7) {
		snprintf(a, sizeof(a), "%4i.%.2i", (int)(cs / 100), (int)(cs % 100));
		snprintf(b, sizeof(b), "%7.2f", cs / 100.0);
		ck_assert_str_eq(a, b);
	}
}
END_TEST

START_TEST(several_top_level_values)
{
	start(true);
	print_open_object(NULL);
	print_close_object();
	print_open_object(NULL);
	print_close_object();
	ck_assert_str_eq(finish(), "{}\n{}\n");
}
END_TEST

START_TEST(write_error_reported)
{
	FILE *full = fopen("/dev/full", "w");

	if (!full)
		return;	/* no /dev/full in this environment */
	print_init(full, false);
	print_string(PRINT_ANY, "x", "%s\n", "data");
	errno = 0;
	ck_assert_int_eq(print_finish(), -1);
	ck_assert_int_ne(errno, 0);
	fclose(full);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("print");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, text_formats_and_modes);
	tcase_add_test(tc, json_structure);
	tcase_add_test(tc, json_empty_and_unclosed);
	tcase_add_test(tc, json_string_escaping);
	tcase_add_test(tc, json_keys_escaped);
	tcase_add_test(tc, json_numbers);
	tcase_add_test(tc, ageing_format_matches_brctl);
	tcase_add_test(tc, several_top_level_values);
	tcase_add_test(tc, write_error_reported);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
