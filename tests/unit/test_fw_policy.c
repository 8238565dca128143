/* Unit tests: the policy built from a configuration and its rules, compared with the
 * exact text iptables-save prints (the lab tests compare the kernel with it too). */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/config.h>
#include <dom0net/firewall.h>

#define MAX_RULES (FW_MAX_SERVICES * (FW_MAX_SOURCES + 1) + 8)

static struct d0_config cfg;
static struct fw_policy pol;
static struct fw_rule rules[MAX_RULES];
static char text[16384];

/* The rules of DOM0NET-INPUT as "-A DOM0NET-INPUT ..." lines. */
static const char *render(const char *conf)
{
	char err[256], line[512];
	struct d0_err e = { 0 };
	size_t n = 0;
	int count;

	ck_assert_msg(config_parse_buf(&cfg, "t.conf", conf, strlen(conf), err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_msg(fw_policy_build(&pol, &cfg, &e) == 0, "%s", e.msg);
	count = fw_policy_render_input(&pol, rules, MAX_RULES);
	ck_assert_int_ge(count, 0);
	text[0] = '\0';
	for (int i = 0; i < count; i++) {
		ck_assert_int_eq(fw_rule_format(&rules[i], line, sizeof(line)), 0);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "-A DOM0NET-INPUT %s\n", line);
	}
	return text;
}

START_TEST(defaults)
{
	ck_assert_str_eq(render("[firewall]\ncluster-conf = /nonexistent\n"),
		"-A DOM0NET-INPUT -i lo -j ACCEPT\n"
		"-A DOM0NET-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A DOM0NET-INPUT -p icmp -j ACCEPT\n"
		"-A DOM0NET-INPUT -p tcp -m tcp --dport 22 -m comment --comment \"dom0net:ssh\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -p tcp -m tcp --dport 8899 -m comment --comment \"dom0net:agent\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -p tcp -m tcp --dport 5900:5999 -m comment --comment \"dom0net:console\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -j DROP\n");
	ck_assert_uint_eq(pol.roles, D0_ROLE_VM_SERVER);
	ck_assert(pol.svc[0].management && pol.svc[1].management && !pol.svc[2].management);
}
END_TEST

START_TEST(pool_roles_networks)
{
	const char *t = render("[firewall]\n"
		"cluster-conf = " TEST_SRC_DIR "/firewall/fixtures/cluster.conf\n"
		"ssh-networks = 10.0.0.0/8 192.168.1.0/24\n"
		"agent-networks = 192.168.1.10\n"
		"cluster-networks = 10.0.1.0/24\n"
		"migration-networks = none\n"
		"console-networks = 192.168.1.0/24\n"
		"manager-networks = 192.168.1.0/24\n"
		"roles = vm-server manager\n"
		"input-default = reject\n"
		"[console]\nlisten = 10.0.0.2\nports = 5900-5949\n"
		"[agent]\nport = 8898\n");

	ck_assert_str_eq(t,
		"-A DOM0NET-INPUT -i lo -j ACCEPT\n"
		"-A DOM0NET-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A DOM0NET-INPUT -p icmp -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m comment --comment \"dom0net:ssh\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 192.168.1.0/24 -p tcp -m tcp --dport 22 -m comment --comment \"dom0net:ssh\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 192.168.1.10/32 -p tcp -m tcp --dport 8898 -m comment --comment \"dom0net:agent\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 8898 -m comment --comment \"dom0net:agent\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 8898 -m comment --comment \"dom0net:agent\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.1.3/32 -p tcp -m tcp --dport 8898 -m comment --comment \"dom0net:agent\" -j ACCEPT\n"
		/* 10.0.1.3 is inside cluster-networks 10.0.1.0/24: not repeated */
		"-A DOM0NET-INPUT -s 10.0.1.0/24 -p tcp -m tcp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.1.0/24 -p udp -m udp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.1/32 -p udp -m udp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.2/32 -p udp -m udp --dport 7777 -m comment --comment \"dom0net:cluster\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.1/32 -p tcp -m multiport --dports 8002,8003 -m comment --comment \"dom0net:migration\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.2/32 -p tcp -m multiport --dports 8002,8003 -m comment --comment \"dom0net:migration\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.1.3/32 -p tcp -m multiport --dports 8002,8003 -m comment --comment \"dom0net:migration\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 192.168.1.0/24 -d 10.0.0.2/32 -p tcp -m tcp --dport 5900:5949 -m comment --comment \"dom0net:console\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 192.168.1.0/24 -p tcp -m multiport --dports 4443,8888,8080,1521,4889 -m comment --comment \"dom0net:manager\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -j REJECT --reject-with icmp-port-unreachable\n");
}
END_TEST

START_TEST(return_default_still_closes_our_ports)
{
	const char *t = render("[firewall]\ncluster-conf = /nonexistent\nroles = none\n"
			       "ssh-networks = 10.0.0.0/8\nagent-networks = none\n"
			       "input-default = return\n");

	ck_assert_str_eq(t,
		"-A DOM0NET-INPUT -i lo -j ACCEPT\n"
		"-A DOM0NET-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
		"-A DOM0NET-INPUT -p icmp -j ACCEPT\n"
		"-A DOM0NET-INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m comment --comment \"dom0net:ssh\" -j ACCEPT\n"
		"-A DOM0NET-INPUT -p tcp -m tcp --dport 22 -m comment --comment \"dom0net:ssh\" -j DROP\n"
		"-A DOM0NET-INPUT -p tcp -m tcp --dport 8899 -m comment --comment \"dom0net:agent\" -j DROP\n");
}
END_TEST

START_TEST(bad_inputs)
{
	char err[256];
	struct d0_err e = { 0 };
	static const char bad_roles[] = "[firewall]\nroles = vm-server hypervisor\n";
	static const char bad_default[] = "[firewall]\ninput-default = accept\n";
	static const char bad_listen[] = "[firewall]\ncluster-conf = /nonexistent\n[console]\nlisten = host\n";

	ck_assert_int_eq(config_parse_buf(&cfg, "t.conf", bad_roles, strlen(bad_roles), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:2: roles: 'hypervisor' is not one of vm-server, pool-master, manager (or none)");
	ck_assert_int_eq(config_parse_buf(&cfg, "t.conf", bad_default, strlen(bad_default), err, sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:2: input-default: 'accept' is not one of drop, reject, return");
	ck_assert_int_eq(config_parse_buf(&cfg, "t.conf", bad_listen, strlen(bad_listen), err, sizeof(err)), 0);
	ck_assert_int_eq(fw_policy_build(&pol, &cfg, &e), -1);
	ck_assert_str_eq(e.msg, "t.conf: [console] listen 'host' is not an IPv4 address");
}
END_TEST

START_TEST(vif_rules)
{
	struct fw_vif v = { .ifname = "vif3.0", .has_mac = true,
			    .mac = { 0x00, 0x16, 0x3e, 0x0a, 0x0b, 0x0c }, .n_ips = 2 };
	struct fw_rule r[FW_VIF_MAX_IPS + 2], d[2];
	char line[512], chain[32];
	int n;

	v.ips[0] = htonl(0x0a000032);
	v.plens[0] = 32;
	v.ips[1] = htonl(0xc0a80181); /* 192.168.1.129/25: host bits dropped */
	v.plens[1] = 25;
	n = fw_vif_render(&v, true, r, FW_VIF_MAX_IPS + 2, d);
	ck_assert_int_eq(n, 4);
	fw_rule_format(&r[0], line, sizeof(line));
	ck_assert_str_eq(line, "-s 10.0.0.50/32 -m mac --mac-source 00:16:3e:0a:0b:0c -j ACCEPT");
	fw_rule_format(&r[1], line, sizeof(line));
	ck_assert_str_eq(line, "-s 192.168.1.128/25 -m mac --mac-source 00:16:3e:0a:0b:0c -j ACCEPT");
	fw_rule_format(&r[2], line, sizeof(line));
	ck_assert_str_eq(line, "-p udp -m udp --sport 68 --dport 67 -m mac --mac-source 00:16:3e:0a:0b:0c -j ACCEPT");
	fw_rule_format(&r[3], line, sizeof(line));
	ck_assert_str_eq(line, "-j DROP");
	fw_rule_format(&d[0], line, sizeof(line));
	ck_assert_str_eq(line, "-m physdev --physdev-in vif3.0 --physdev-is-bridged -j DOM0NET-VIF-vif3.0");
	fw_rule_format(&d[1], line, sizeof(line));
	ck_assert_str_eq(line, "-m physdev --physdev-out vif3.0 --physdev-is-bridged -j ACCEPT");
	/* without `ip`: not restricted */
	v.n_ips = 0;
	ck_assert_int_eq(fw_vif_render(&v, false, r, FW_VIF_MAX_IPS + 2, d), 1);
	fw_rule_format(&r[0], line, sizeof(line));
	ck_assert_str_eq(line, "-j ACCEPT");
	/* the longest device name still makes a valid chain name (<= 28) */
	ck_assert_int_eq(fw_vif_chain("vif32751.65535", chain), 0);
	ck_assert_uint_le(strlen(chain), 28);
	ck_assert_int_eq(fw_vif_chain("a/b", chain), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_policy");
	TCase *tc = tcase_create("policy");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, pool_roles_networks);
	tcase_add_test(tc, return_default_still_closes_our_ports);
	tcase_add_test(tc, bad_inputs);
	tcase_add_test(tc, vif_rules);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
