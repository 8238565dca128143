/* Unit tests: VNC authentication (DES response, the spec's test vector, constant-time
 * comparison, 8-character cut) and the per-address back-off table. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/vncgw.h>

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++) {
		unsigned v;

		sscanf(h + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

START_TEST(spec_vector)
{
	uint8_t ch[16], resp[16], want[16];

	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	unhex("adcd997f8e16fee575e973f93c2b62b4", want);
	ck_assert_int_eq(vnc_auth_response(ch, "secret12", resp), 0);
	ck_assert_mem_eq(resp, want, 16);
	ck_assert(vnc_auth_equal(resp, want));
	/* Characters past the 8th do not count. */
	ck_assert_int_eq(vnc_auth_response(ch, "secret12-and-more", resp), 0);
	ck_assert_mem_eq(resp, want, 16);
	/* ... but every one of the 8 does. */
	ck_assert_int_eq(vnc_auth_response(ch, "secret13", resp), 0);
	ck_assert(!vnc_auth_equal(resp, want));
}
END_TEST

START_TEST(empty_password_refused)
{
	uint8_t ch[16] = { 0 }, resp[16];

	errno = 0;
	ck_assert_int_eq(vnc_auth_response(ch, "", resp), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(vnc_auth_response(ch, NULL, resp), -1);
}
END_TEST

START_TEST(equal_every_byte)
{
	uint8_t a[16], b[16];

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	ck_assert(vnc_auth_equal(a, b));
	for (int i = 0; i < 16; i++) {
		b[i] ^= 1;
		ck_assert(!vnc_auth_equal(a, b));
		b[i] ^= 1;
	}
}
END_TEST

START_TEST(challenges_differ)
{
	uint8_t a[16], b[16];

	ck_assert_int_eq(vnc_challenge(a), 0);
	ck_assert_int_eq(vnc_challenge(b), 0);
	ck_assert(memcmp(a, b, 16) != 0);
}
END_TEST

static struct sockaddr_in v4(const char *s)
{
	struct sockaddr_in in = { .sin_family = AF_INET };

	inet_pton(AF_INET, s, &in.sin_addr);
	return in;
}

START_TEST(backoff_grows_and_resets)
{
	struct gw_limits *l = gw_limits_new(16);
	struct sockaddr_in a = v4("10.0.0.1");
	struct gw_addr *e = gw_limits_get(l, (struct sockaddr *)&a, 1000);

	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(gw_addr_blocked(e, 1000), 0);
	gw_addr_failure(e, 1000);
	ck_assert_uint_eq(gw_addr_blocked(e, 1000), GW_BACKOFF_FIRST_MS);
	ck_assert_uint_eq(gw_addr_blocked(e, 1000 + GW_BACKOFF_FIRST_MS), 0);
	gw_addr_failure(e, 5000);
	ck_assert_uint_eq(gw_addr_blocked(e, 5000), 2 * GW_BACKOFF_FIRST_MS);
	for (int i = 0; i < 20; i++)
		gw_addr_failure(e, 10000);
	ck_assert_uint_eq(gw_addr_blocked(e, 10000), GW_BACKOFF_MAX_MS);
	/* Same entry for the same address; another address is independent. */
	ck_assert_ptr_eq(gw_limits_get(l, (struct sockaddr *)&a, 10000), e);
	a = v4("10.0.0.3");
	ck_assert_uint_eq(gw_addr_blocked(gw_limits_get(l, (struct sockaddr *)&a, 10000),
					  10000), 0);
	gw_addr_success(e);
	ck_assert_uint_eq(gw_addr_blocked(e, 10000), 0);
	ck_assert_uint_eq(gw_addr_failures(e), 0);
	gw_limits_free(l);
}
END_TEST

START_TEST(ipv6_grouped_per_64)
{
	struct gw_limits *l = gw_limits_new(16);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 }, b = a, c = a;

	inet_pton(AF_INET6, "2001:db8:1:2::1", &a.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2:ffff::9", &b.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:3::1", &c.sin6_addr);
	ck_assert_ptr_eq(gw_limits_get(l, (struct sockaddr *)&a, 0),
			 gw_limits_get(l, (struct sockaddr *)&b, 0));
	ck_assert_ptr_ne(gw_limits_get(l, (struct sockaddr *)&a, 0),
			 gw_limits_get(l, (struct sockaddr *)&c, 0));
	gw_limits_free(l);
}
END_TEST

START_TEST(table_full_keeps_backoffs)
{
	struct gw_limits *l = gw_limits_new(4);
	char ip[32];

	/* Four addresses in back-off: a fifth address is refused, not a back-off lost. */
	for (int i = 0; i < 4; i++) {
		struct sockaddr_in a;

		snprintf(ip, sizeof(ip), "10.1.0.%d", i + 1);
		a = v4(ip);
		gw_addr_failure(gw_limits_get(l, (struct sockaddr *)&a, 0), 0);
	}
	{
		struct sockaddr_in a = v4("10.9.9.9");

		ck_assert_ptr_null(gw_limits_get(l, (struct sockaddr *)&a, 10));
		/* Once the back-offs and the forget time passed, entries are recycled. */
		ck_assert_ptr_nonnull(gw_limits_get(l, (struct sockaddr *)&a, GW_FORGET_MS + 1));
		ck_assert_uint_le(gw_limits_count(l), 4);
	}
	/* Entries with live unauthenticated connections are never evicted. */
	{
		struct gw_limits *m = gw_limits_new(1);
		struct sockaddr_in a = v4("10.2.0.1"), b = v4("10.2.0.2");

		(*gw_addr_unauth(gw_limits_get(m, (struct sockaddr *)&a, 0)))++;
		ck_assert_ptr_null(gw_limits_get(m, (struct sockaddr *)&b, GW_FORGET_MS * 2));
		gw_limits_free(m);
	}
	gw_limits_free(l);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vnc_auth");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, spec_vector);
	tcase_add_test(tc, empty_password_refused);
	tcase_add_test(tc, equal_every_byte);
	tcase_add_test(tc, challenges_differ);
	tcase_add_test(tc, backoff_grows_and_resets);
	tcase_add_test(tc, ipv6_grouped_per_64);
	tcase_add_test(tc, table_full_keeps_backoffs);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
