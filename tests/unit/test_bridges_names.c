/* bridges/: bridge and legacy names, label rewriting. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <dom0net/bridges.h>
#include <dom0net/config.h>

#include "../../bridges/br_int.h"

static struct d0_config cfg;

static void setup(void)
{
	const char *conf = "[bridges]\ndefault-style = direct\n"
			   "[nic eth3]\nbridge = lan3\nstyle = legacy\n"
			   "[nic eth4]\nstyle = none\n";
	char err[256];

	ck_assert_int_eq(config_parse_buf(&cfg, "t", conf, strlen(conf), err, sizeof(err)), 0);
}

static void name_is(const char *up, const char *want)
{
	char out[IFNAMSIZ];

	ck_assert_int_eq(br_bridge_name(&cfg, up, out), 0);
	ck_assert_str_eq(out, want);
}

START_TEST(bridge_names)
{
	name_is("eth0", "xenbr0");
	name_is("eth12", "xenbr12");
	name_is("bond1", "xenbr1");
	name_is("eth1.100", "xenbr1.100");
	name_is("bond0.7", "xenbr0.7");
	name_is("enp3s0", "br-enp3s0");
	name_is("eth3", "lan3");	/* [nic] bridge= wins */
}
END_TEST

START_TEST(bridge_name_too_long)
{
	char out[IFNAMSIZ];

	errno = 0;
	ck_assert_int_eq(br_bridge_name(&cfg, "enp129s0f1np1", out), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

START_TEST(legacy_names)
{
	struct br_names n;

	ck_assert_int_eq(br_names_for(&cfg, "eth0", 7, &n), 0);
	ck_assert_str_eq(n.bridge, "xenbr0");
	ck_assert_str_eq(n.peth, "peth0");
	ck_assert_str_eq(n.vif, "vif0.0");
	ck_assert_str_eq(n.veth, "veth0");
	/* A bridge not named xenbrN: numbered after the NIC's ifindex. */
	ck_assert_int_eq(br_names_for(&cfg, "eth3", 7, &n), 0);
	ck_assert_str_eq(n.bridge, "lan3");
	ck_assert_str_eq(n.vif, "vif0.7");
	ck_assert_str_eq(n.veth, "veth7");
	ck_assert_int_eq(br_names_for(&cfg, "abcdefghijklmno", 1, &n), -1);
}
END_TEST

static void label_is(const char *label, const char *from, const char *to, const char *want)
{
	char out[IFNAMSIZ];

	br_label_move(label, from, to, out);
	ck_assert_str_eq(out, want);
}

START_TEST(labels)
{
	label_is("eth0", "eth0", "xenbr0", "xenbr0");
	label_is("eth0:9", "eth0", "xenbr0", "xenbr0:9");
	label_is("xenbr0:mgmt", "xenbr0", "eth0", "eth0:mgmt");
	label_is(NULL, "eth0", "xenbr0", "xenbr0");
	label_is("", "eth0", "xenbr0", "xenbr0");
	/* Would not fit: the plain name. */
	label_is("eth0:abcdefghij", "eth0", "xenbr0", "xenbr0");
	/* Legacy: same name on both ends. */
	label_is("eth0:1", "eth0", "eth0", "eth0:1");
}
END_TEST

START_TEST(styles)
{
	const struct d0_nic_cfg *nic;

	ck_assert_int_eq(config_style_for(&cfg, "eth0", &nic), BR_STYLE_DIRECT);
	ck_assert_ptr_null(nic);
	ck_assert_int_eq(config_style_for(&cfg, "eth3", &nic), BR_STYLE_LEGACY);
	ck_assert_int_eq(config_style_for(&cfg, "eth4", &nic), BR_STYLE_NONE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bridges_names");
	TCase *tc = tcase_create("names");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, bridge_names);
	tcase_add_test(tc, bridge_name_too_long);
	tcase_add_test(tc, legacy_names);
	tcase_add_test(tc, labels);
	tcase_add_test(tc, styles);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
