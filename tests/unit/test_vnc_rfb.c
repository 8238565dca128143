/* Unit tests: the two RFB handshake state machines, fed like the network would. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/vncgw.h>

static const uint8_t CH[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

/* Feeds all of in (as one piece, or byte by byte), returns the bytes consumed. */
static size_t srv_feed_all(struct rfb_srv *s, const void *in, size_t len, bool bytewise)
{
	const uint8_t *p = in;
	size_t used = 0, pending = 0;

	if (!bytewise) {
		for (size_t n; (n = rfb_srv_feed(s, p + used, len - used)) > 0;)
			used += n;
		return used;
	}
	/* Bytes arrive one at a time; unconsumed ones stay buffered like in an evbuffer. */
	for (size_t i = 0; i < len; i++) {
		pending++;
		for (size_t n; (n = rfb_srv_feed(s, p + used, pending)) > 0;) {
			used += n;
			pending -= n;
		}
	}
	return used;
}

static void expect_out(struct rfb_srv *s, const void *want, size_t len)
{
	ck_assert_uint_eq(s->out_len, len);
	ck_assert_mem_eq(s->out, want, len);
	rfb_srv_consumed(s, s->out_len);
}

static void srv_38(bool bytewise)
{
	struct rfb_srv s;
	uint8_t resp[16];

	rfb_srv_init(&s, CH, NULL);
	expect_out(&s, "RFB 003.008\n", 12);
	ck_assert_uint_eq(srv_feed_all(&s, "RFB 003.008\n", 12, bytewise), 12);
	ck_assert_int_eq(s.minor, 8);
	expect_out(&s, "\x01\x02", 2);
	ck_assert_uint_eq(srv_feed_all(&s, "\x02", 1, bytewise), 1);
	expect_out(&s, CH, 16);
	ck_assert_int_eq(s.state, RFB_SRV_RESPONSE);
	vnc_auth_response(CH, "secret12", resp);
	ck_assert_uint_eq(srv_feed_all(&s, resp, 16, bytewise), 16);
	ck_assert_int_eq(s.state, RFB_SRV_CHECK);
	ck_assert_mem_eq(s.response, resp, 16);
	/* Nothing is consumed while the caller decides. */
	ck_assert_uint_eq(rfb_srv_feed(&s, (const uint8_t *)"\x01", 1), 0);
	rfb_srv_verdict(&s, true, NULL);
	expect_out(&s, "\0\0\0\0", 4);
	ck_assert_uint_eq(srv_feed_all(&s, "\x00", 1, bytewise), 1);
	ck_assert_int_eq(s.state, RFB_SRV_DONE);
	ck_assert(!s.shared);
	/* What follows ClientInit belongs to the relay. */
	ck_assert_uint_eq(rfb_srv_feed(&s, (const uint8_t *)"\x03", 1), 0);
}

START_TEST(srv_38_bulk)
{
	srv_38(false);
}
END_TEST

START_TEST(srv_38_bytewise)
{
	srv_38(true);
}
END_TEST

START_TEST(srv_failure_reason_only_on_38)
{
	struct rfb_srv s;
	uint8_t r[16] = { 0 };

	/* 3.8: SecurityResult 1 + reason. */
	rfb_srv_init(&s, CH, NULL);
	rfb_srv_consumed(&s, 12);
	srv_feed_all(&s, "RFB 003.008\n\x02", 13, false);
	rfb_srv_consumed(&s, s.out_len);
	srv_feed_all(&s, r, 16, false);
	rfb_srv_verdict(&s, false, "authentication failed");
	expect_out(&s, "\0\0\0\1\0\0\0\x15" "authentication failed", 8 + 21);
	ck_assert_int_eq(s.state, RFB_SRV_FAILED);
	ck_assert_str_eq(s.error, "authentication failed");
	/* 3.7: SecurityResult 1 alone. */
	rfb_srv_init(&s, CH, NULL);
	rfb_srv_consumed(&s, 12);
	srv_feed_all(&s, "RFB 003.007\n\x02", 13, false);
	ck_assert_int_eq(s.minor, 7);
	rfb_srv_consumed(&s, s.out_len);
	srv_feed_all(&s, r, 16, false);
	rfb_srv_verdict(&s, false, "authentication failed");
	expect_out(&s, "\0\0\0\1", 4);
	/* 3.3: the server picks VNC auth (U32 2) and SecurityResult 1 alone on failure. */
	rfb_srv_init(&s, CH, NULL);
	rfb_srv_consumed(&s, 12);
	srv_feed_all(&s, "RFB 003.003\n", 12, false);
	ck_assert_int_eq(s.minor, 3);
	ck_assert_uint_eq(s.out_len, 20);
	ck_assert_mem_eq(s.out, "\0\0\0\2", 4);
	ck_assert_mem_eq(s.out + 4, CH, 16);
	rfb_srv_consumed(&s, s.out_len);
	srv_feed_all(&s, r, 16, false);
	rfb_srv_verdict(&s, false, "x");
	expect_out(&s, "\0\0\0\1", 4);
}
END_TEST

START_TEST(srv_version_mapping)
{
	static const struct {
		const char *v;
		int minor;
	} cases[] = {
		{ "RFB 003.003\n", 3 }, { "RFB 003.005\n", 3 }, { "RFB 003.006\n", 3 },
		{ "RFB 003.007\n", 7 }, { "RFB 003.008\n", 8 }, { "RFB 003.889\n", 8 },
		{ "RFB 004.001\n", 8 }, { "RFB 003.000\n", 3 },
	};
	static const char *const bad[] = { "RFB 002.008\n", "RFB 03.008\n\n", "rfb 003.008\n",
					   "RFB 003.008\r", "RFB 003,008\n", "\0\0\0\0\0\0\0\0\0\0\0\0" };
	struct rfb_srv s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rfb_srv_init(&s, CH, NULL);
		ck_assert_uint_eq(rfb_srv_feed(&s, (const uint8_t *)cases[i].v, 12), 12);
		ck_assert_int_eq(s.minor, cases[i].minor);
		ck_assert_int_ne(s.state, RFB_SRV_FAILED);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rfb_srv_init(&s, CH, NULL);
		rfb_srv_feed(&s, (const uint8_t *)bad[i], 12);
		ck_assert_int_eq(s.state, RFB_SRV_FAILED);
		ck_assert_uint_eq(s.out_len, 12);	/* nothing but our version went out */
	}
}
END_TEST

START_TEST(srv_unoffered_type_is_no_bypass)
{
	struct rfb_srv s;

	for (int type = 0; type < 256; type++) {
		if (type == 2)
			continue;
		rfb_srv_init(&s, CH, NULL);
		rfb_srv_consumed(&s, 12);
		rfb_srv_feed(&s, (const uint8_t *)"RFB 003.008\n", 12);
		rfb_srv_consumed(&s, s.out_len);
		ck_assert_uint_eq(rfb_srv_feed(&s, &(uint8_t){ (uint8_t)type }, 1), 1);
		ck_assert_int_eq(s.state, RFB_SRV_FAILED);
		ck_assert_mem_eq(s.out, "\0\0\0\1", 4);
		/* No challenge, no success: whatever comes next is not consumed. */
		ck_assert_uint_eq(rfb_srv_feed(&s, CH, 16), 0);
	}
}
END_TEST

START_TEST(srv_refusal)
{
	struct rfb_srv s;

	rfb_srv_init(&s, CH, "this guest's console is not running");
	rfb_srv_consumed(&s, 12);
	rfb_srv_feed(&s, (const uint8_t *)"RFB 003.008\n", 12);
	ck_assert_int_eq(s.state, RFB_SRV_FAILED);
	expect_out(&s, "\0\0\0\0\x23" "this guest's console is not running", 5 + 35);
	rfb_srv_init(&s, CH, "no");
	rfb_srv_consumed(&s, 12);
	rfb_srv_feed(&s, (const uint8_t *)"RFB 003.003\n", 12);
	expect_out(&s, "\0\0\0\0\0\0\0\2no", 10);
	ck_assert_str_eq(s.error, "no");
}
END_TEST

/* ---- the backend side ---- */

static size_t cli_feed_all(struct rfb_cli *c, const void *in, size_t len)
{
	size_t used = 0;

	for (size_t n; (n = rfb_cli_feed(c, (const uint8_t *)in + used, len - used)) > 0;)
		used += n;
	return used;
}

static void cli_expect(struct rfb_cli *c, const void *want, size_t len)
{
	ck_assert_uint_eq(c->out_len, len);
	ck_assert_mem_eq(c->out, want, len);
	rfb_cli_consumed(c, c->out_len);
}

START_TEST(cli_qemu_vncauth)
{
	struct rfb_cli c;
	uint8_t resp[16];

	rfb_cli_init(&c, "guestpw-and-more");
	cli_feed_all(&c, "RFB 003.008\n", 12);
	cli_expect(&c, "RFB 003.008\n", 12);
	cli_feed_all(&c, "\x01\x02", 2);
	cli_expect(&c, "\x02", 1);
	cli_feed_all(&c, CH, 16);
	vnc_auth_response(CH, "guestpw-", resp);
	cli_expect(&c, resp, 16);
	ck_assert_str_eq(c.password, "");	/* wiped once used */
	cli_feed_all(&c, "\0\0\0\0", 4);
	ck_assert_int_eq(c.state, RFB_CLI_DONE);
	cli_expect(&c, "\x01", 1);	/* ClientInit, shared */
	/* ServerInit is the relay's: not consumed. */
	ck_assert_uint_eq(rfb_cli_feed(&c, (const uint8_t *)"\x02\xd0", 2), 0);
}
END_TEST

START_TEST(cli_prefers_none)
{
	struct rfb_cli c;

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.008\n\x02\x02\x01", 15);
	cli_expect(&c, "RFB 003.008\n\x01", 13);
	ck_assert_int_eq(c.state, RFB_CLI_RESULT);	/* 3.8 sends a result for None */
	cli_feed_all(&c, "\0\0\0\0", 4);
	cli_expect(&c, "\x01", 1);
	/* 3.7: None has no SecurityResult. */
	rfb_cli_init(&c, NULL);
	cli_feed_all(&c, "RFB 003.007\n\x01\x01", 14);
	ck_assert_int_eq(c.state, RFB_CLI_DONE);
	cli_expect(&c, "RFB 003.007\n\x01\x01", 14);
	/* 3.3: the server decides. */
	rfb_cli_init(&c, NULL);
	cli_feed_all(&c, "RFB 003.003\n\0\0\0\1", 16);
	ck_assert_int_eq(c.state, RFB_CLI_DONE);
	cli_expect(&c, "RFB 003.003\n\x01", 13);
}
END_TEST

START_TEST(cli_failures)
{
	struct rfb_cli c;

	rfb_cli_init(&c, NULL);
	cli_feed_all(&c, "RFB 003.008\n\x01\x02", 14);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);
	ck_assert_ptr_nonnull(strstr(c.error, "password"));

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.008\n\x01\x02", 14);
	cli_feed_all(&c, CH, 16);
	cli_feed_all(&c, "\0\0\0\1\0\0\0\x0a" "bad\x01pass\n!", 18);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);
	ck_assert_str_eq(c.error, "backend refused: bad?pass?!");

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.003\n\0\0\0\0\0\0\0\3abc", 23);
	ck_assert_str_eq(c.error, "backend refused: abc");

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.008\n\0\xff\xff\xff\xff", 17);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);
	ck_assert_ptr_nonnull(strstr(c.error, "oversized"));

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.008\n\x02\x10\x11", 15);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);

	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "SSH-2.0-Open", 12);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);

	/* 3.7 password rejected: no reason follows. */
	rfb_cli_init(&c, "pw");
	cli_feed_all(&c, "RFB 003.007\n\x01\x02", 14);
	cli_feed_all(&c, CH, 16);
	cli_feed_all(&c, "\0\0\0\1", 4);
	ck_assert_int_eq(c.state, RFB_CLI_FAILED);
	ck_assert_ptr_nonnull(strstr(c.error, "rejected"));
}
END_TEST

START_TEST(cli_version_choice)
{
	struct rfb_cli c;

	rfb_cli_init(&c, NULL);
	cli_feed_all(&c, "RFB 003.889\n", 12);
	cli_expect(&c, "RFB 003.008\n", 12);
	rfb_cli_init(&c, NULL);
	cli_feed_all(&c, "RFB 003.005\n", 12);
	cli_expect(&c, "RFB 003.003\n", 12);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vnc_rfb");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, srv_38_bulk);
	tcase_add_test(tc, srv_38_bytewise);
	tcase_add_test(tc, srv_failure_reason_only_on_38);
	tcase_add_test(tc, srv_version_mapping);
	tcase_add_test(tc, srv_unoffered_type_is_no_bypass);
	tcase_add_test(tc, srv_refusal);
	tcase_add_test(tc, cli_qemu_vncauth);
	tcase_add_test(tc, cli_prefers_none);
	tcase_add_test(tc, cli_failures);
	tcase_add_test(tc, cli_version_choice);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
