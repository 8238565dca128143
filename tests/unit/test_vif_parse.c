/* Unit tests for vif/parse.c: everything the VIF manager takes from xenstore and from
 * kernel link names, including hostile input. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/vif.h>

START_TEST(test_id)
{
	unsigned v = 12345;

	ck_assert_int_eq(vif_parse_id("0", 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(vif_parse_id("32751", VIF_MAX_DOMID, &v), 0);
	ck_assert_uint_eq(v, 32751);
	ck_assert_int_eq(vif_parse_id("32752", VIF_MAX_DOMID, &v), -1);
	const char *bad[] = { "", "01", "-1", "+1", " 1", "1 ", "1a", "0x10", "1e9",
			      "99999999999", "4294967296", "１" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vif_parse_id(bad[i], 0xffffffffu, &v) == -1, "accepted '%s'",
			      bad[i]);
	ck_assert_int_eq(vif_parse_id(NULL, 10, &v), -1);
}
END_TEST

START_TEST(test_ifname)
{
	unsigned d, n;
	enum vif_kind k;

	ck_assert_int_eq(vif_parse_ifname("vif1.0", &d, &n, &k), 0);
	ck_assert(d == 1 && n == 0 && k == VIF_KIND_PV);
	ck_assert_int_eq(vif_parse_ifname("tap12.3", &d, &n, &k), 0);
	ck_assert(d == 12 && n == 3 && k == VIF_KIND_TAP);
	ck_assert_int_eq(vif_parse_ifname("vif7.1-emu", &d, &n, &k), 0);
	ck_assert(d == 7 && n == 1 && k == VIF_KIND_EMU);
	ck_assert_int_eq(vif_parse_ifname("vif32751.65535", &d, &n, &k), 0);
	/* vif0.N: the legacy style's dom0 port, never a guest's. */
	const char *bad[] = { "vif0.0", "vif0.1", "tap0.1", "vif0.0-emu",
			      "vif", "vif1", "vif1.", "vif.1", "vifx.0", "vif1.0x", "vif01.0",
			      "vif1.00", "tap1.0-emu", "vif1.0-em", "vif1.0-emux", "eth0",
			      "vif1.2.3", "vif-1.0", "vif32752.0", "vif1.65536",
			      "vif1234567.12345", "VIF1.0", " vif1.0", "vif1 .0", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vif_parse_ifname(bad[i], &d, &n, &k) == -1, "accepted '%s'",
			      bad[i]);
	ck_assert_int_eq(vif_parse_ifname(NULL, &d, &n, &k), -1);
}
END_TEST

START_TEST(test_path)
{
	const char *key = NULL;
	size_t keylen = 0;
	unsigned d = 0, n = 0;

	ck_assert_int_eq(vif_parse_path(VIF_BACKEND, VIF_BACKEND, &d, &n, &key, &keylen), 0);
	ck_assert_int_eq(vif_parse_path(VIF_BACKEND "/5", VIF_BACKEND, &d, &n, &key, &keylen), 1);
	ck_assert_uint_eq(d, 5);
	ck_assert_int_eq(vif_parse_path(VIF_BACKEND "/5/2", VIF_BACKEND, &d, &n, &key, &keylen),
			 2);
	ck_assert(d == 5 && n == 2);
	ck_assert_int_eq(vif_parse_path(VIF_BACKEND "/5/2/state", VIF_BACKEND, &d, &n, &key,
					&keylen), 3);
	ck_assert(keylen == 5 && memcmp(key, "state", 5) == 0);
	ck_assert_int_eq(vif_parse_path(VIF_BACKEND "/5/2/hotplug-status/x", VIF_BACKEND, &d, &n,
					&key, &keylen), 3);
	ck_assert_int_eq(vif_key_lookup(key, keylen), VIF_K_HOTPLUG_STATUS);
	const char *bad[] = { VIF_BACKEND "x", VIF_BACKEND "/", VIF_BACKEND "/abc",
			      VIF_BACKEND "//0", VIF_BACKEND "/5/", VIF_BACKEND "/5/x",
			      VIF_BACKEND "/05/0", VIF_BACKEND "/99999/0", "/local/domain/0",
			      "@releaseDomain", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vif_parse_path(bad[i], VIF_BACKEND, &d, &n, &key, &keylen) == -1,
			      "accepted '%s'", bad[i]);
	ck_assert_int_eq(vif_key_lookup("state", 5), VIF_K_STATE);
	ck_assert_int_eq(vif_key_lookup("stat", 4), -1);
	ck_assert_int_eq(vif_key_lookup("frontend", 8), -1);
}
END_TEST

START_TEST(test_mac_mtu)
{
	uint8_t mac[6];
	unsigned mtu;

	ck_assert_int_eq(vif_parse_mac("00:16:3e:0A:bC:ff", mac), 0);
	ck_assert(mac[0] == 0 && mac[3] == 0x0a && mac[4] == 0xbc && mac[5] == 0xff);
	const char *bad[] = { "", "00:16:3e:0a:bc", "00:16:3e:0a:bc:ff:", "00-16-3e-0a-bc-ff",
			      "0:16:3e:0a:bc:ff:0", "zz:16:3e:0a:bc:ff", "01:00:5e:00:00:01",
			      "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", " 0:16:3e:0a:bc:ff",
			      "00:16:3e:0a:bc:ff\n" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vif_parse_mac(bad[i], mac) == -1, "accepted '%s'", bad[i]);
	ck_assert_int_eq(vif_parse_mac(NULL, mac), -1);

	ck_assert_int_eq(vif_parse_mtu("1500", &mtu), 0);
	ck_assert_uint_eq(mtu, 1500);
	ck_assert_int_eq(vif_parse_mtu("68", &mtu), 0);
	ck_assert_int_eq(vif_parse_mtu("65535", &mtu), 0);
	const char *badmtu[] = { "0", "67", "65536", "1e9", "1000000000", "-1500", "1500 ",
				 " 1500", "01500", "abc", "" };
	for (size_t i = 0; i < sizeof(badmtu) / sizeof(badmtu[0]); i++)
		ck_assert_msg(vif_parse_mtu(badmtu[i], &mtu) == -1, "accepted '%s'", badmtu[i]);
}
END_TEST

START_TEST(test_ips)
{
	uint32_t ips[VIF_MAX_IPS];
	uint8_t plens[VIF_MAX_IPS];
	unsigned n = 99;
	char many[512] = "";

	ck_assert_int_eq(vif_parse_ips("10.0.0.1 10.0.0.2", ips, plens, VIF_MAX_IPS, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ips[1], inet_addr("10.0.0.2"));
	ck_assert_uint_eq(plens[0], 32);
	ck_assert_int_eq(vif_parse_ips("  10.1.0.0/16,,10.0.0.3\t fe80::1 ", ips, plens,
				       VIF_MAX_IPS, &n), 0);
	ck_assert_uint_eq(n, 2);	/* the IPv6 address is accepted and skipped */
	ck_assert_uint_eq(plens[0], 16);
	ck_assert_int_eq(vif_parse_ips("", ips, plens, VIF_MAX_IPS, &n), 0);
	ck_assert_uint_eq(n, 0);
	const char *bad[] = { "10.0.0", "10.0.0.1/33", "10.0.0.1/", "10.0.0.1/032", "x",
			      "10.0.0.256", "10.0.0.1;rm -rf /", "1.2.3.4/24/1",
			      "111111111111111111111111111111111111111111111111111111" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(vif_parse_ips(bad[i], ips, plens, VIF_MAX_IPS, &n) == -1,
			      "accepted '%s'", bad[i]);
	for (int i = 0; i < 17; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d ", i + 1);
	ck_assert_int_eq(vif_parse_ips(many, ips, plens, VIF_MAX_IPS, &n), -1);
}
END_TEST

/* Builds raw[] from "key=value" strings. */
static void entry(struct vif_entry *e, unsigned domid, unsigned devid, const char **kv)
{
	const char *raw[VIF_K_MAX] = { NULL };
	static char store[VIF_K_MAX][512];

	for (; *kv; kv++) {
		const char *eq = strchr(*kv, '=');
		int k = vif_key_lookup(*kv, (size_t)(eq - *kv));

		ck_assert_int_ge(k, 0);
		snprintf(store[k], sizeof(store[k]), "%s", eq + 1);
		raw[k] = store[k];
	}
	vif_entry_parse(domid, devid, raw, e);
}

#define ENTRY(e, ...) entry(e, 3, 1, (const char *[]){ __VA_ARGS__, NULL })

START_TEST(test_entry_good)
{
	struct vif_entry e;

	ENTRY(&e, "online=1", "state=2", "bridge=xenbr0", "mac=00:16:3e:00:03:01",
	      "ip=10.0.0.5", "mtu=9000", "type=vif", "handle=1", "hotplug-status=");
	ck_assert(!e.invalid);
	ck_assert_str_eq(e.bridge, "xenbr0");
	ck_assert(e.has_mac && e.mac[5] == 1);
	ck_assert_uint_eq(e.mtu, 9000);
	ck_assert_uint_eq(e.n_ips, 1);
	ck_assert(!e.hvm);
	ck_assert_int_eq(e.hotplug_status, VIF_HS_EMPTY);
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_UP);

	ENTRY(&e, "online=1", "state=4", "type=vif_ioemu", "vifname=web0", "mtu=",
	      "hotplug-status=connected");
	ck_assert(!e.invalid && e.hvm && e.mtu == 0 && !e.has_mac && e.bridge[0] == 0);
	ck_assert_str_eq(e.vifname, "web0");
	ck_assert_int_eq(e.hotplug_status, VIF_HS_CONNECTED);
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_UP);

	ENTRY(&e, "online=1", "state=2", "type=ioemu", "vifname=vif3.1");
	ck_assert(!e.invalid && e.hvm);	/* its own default name is fine */
}
END_TEST

START_TEST(test_entry_want)
{
	struct vif_entry e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_GONE);
	ENTRY(&e, "online=1", "state=1");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_WAIT);
	ENTRY(&e, "online=1", "state=0");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_WAIT);
	ENTRY(&e, "state=2");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_WAIT);
	ENTRY(&e, "online=1");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_WAIT);
	ENTRY(&e, "online=1", "state=3");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_UP);
	ENTRY(&e, "online=1", "state=7");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_UP);
	ENTRY(&e, "online=0", "state=4");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_DOWN);
	ENTRY(&e, "online=1", "state=5");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_DOWN);
	ENTRY(&e, "online=1", "state=6");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_DOWN);
	/* Going away wins over bad keys: there is nothing to attach. */
	ENTRY(&e, "online=0", "state=5", "mac=garbage", "bridge=../x");
	ck_assert(e.invalid);
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_DOWN);
	/* A bad key only matters once the VIF is to be attached. */
	ENTRY(&e, "online=1", "state=1", "mtu=0");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_WAIT);
	ENTRY(&e, "online=yes", "state=2");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_INVALID);
	ENTRY(&e, "online=1", "state=9");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_INVALID);
	ENTRY(&e, "online=1", "state=");
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_INVALID);
	ck_assert_str_eq(vif_want_name(VIF_WANT_INVALID), "invalid");
}
END_TEST

static void expect_invalid(const char *kv, const char *needle)
{
	struct vif_entry e;

	entry(&e, 3, 1, (const char *[]){ "online=1", "state=2", kv, NULL });
	ck_assert_msg(e.invalid, "accepted %s", kv);
	ck_assert_int_eq(vif_entry_want(&e), VIF_WANT_INVALID);
	ck_assert_msg(strstr(e.err, needle), "error '%s' lacks '%s'", e.err, needle);
}

START_TEST(test_entry_hostile)
{
	char big[600];

	expect_invalid("bridge=../x", "bridge '../x' is not a valid interface name");
	expect_invalid("bridge=br 0", "bridge");
	expect_invalid("bridge=abcdefghijklmnop", "bridge");
	expect_invalid("bridge=", "bridge '' is empty");
	expect_invalid("bridge=..", "bridge");
	expect_invalid("bridge=br:0", "bridge");
	expect_invalid("mac=garbage", "mac 'garbage'");
	expect_invalid("mac=01:00:5e:00:00:01", "mac");
	expect_invalid("mtu=0", "mtu '0'");
	expect_invalid("mtu=1000000000", "mtu");
	expect_invalid("mtu=1e9", "mtu");
	expect_invalid("type=hvm", "type 'hvm'");
	expect_invalid("vifname=a b", "vifname");
	expect_invalid("vifname=vif4.0", "another VIF");
	expect_invalid("vifname=0123456789abcdef", "vifname");
	expect_invalid("handle=2", "handle '2'");
	expect_invalid("handle=x", "handle");
	expect_invalid("ip=10.0.0.1 x", "ip");
	/* Control characters and long values are quoted safely in the message. */
	expect_invalid("bridge=\x1b[31mred", "bridge '?[31mred'");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "mac=", 4);
	expect_invalid(big, "...'");
	{
		struct vif_entry e;

		/* The emulated NIC's name must fit too. */
		entry(&e, 3, 1, (const char *[]){ "online=1", "state=2", "type=vif_ioemu",
						 "vifname=abcdefghijkl", NULL });
		ck_assert(e.invalid && strstr(e.err, "-emu"));
	}
}
END_TEST

START_TEST(test_quote)
{
	char buf[8];

	ck_assert_str_eq(vif_quote("abc", buf, sizeof(buf)), "abc");
	ck_assert_str_eq(vif_quote("a\nb\x7f", buf, sizeof(buf)), "a?b?");
	ck_assert_str_eq(vif_quote("0123456789", buf, sizeof(buf)), "0123...");
	ck_assert_str_eq(vif_quote(NULL, buf, sizeof(buf)), "(missin");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vif_parse");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_id);
	tcase_add_test(tc, test_ifname);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_mac_mtu);
	tcase_add_test(tc, test_ips);
	tcase_add_test(tc, test_entry_good);
	tcase_add_test(tc, test_entry_want);
	tcase_add_test(tc, test_entry_hostile);
	tcase_add_test(tc, test_quote);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
