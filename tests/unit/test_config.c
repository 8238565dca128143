/* Unit tests: configuration parsing, name validation, control message framing. */
#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dom0net/config.h>
#include <dom0net/ctl.h>
#include <dom0net/log.h>
#include <dom0net/names.h>

static int parse(struct d0_config *cfg, const char *text, char *err)
{
	return config_parse_buf(cfg, "t.conf", text, strlen(text), err, 256);
}

START_TEST(full_file_values)
{
	struct d0_config cfg;
	char err[256];
	const struct d0_nic_cfg *nic;

	ck_assert_int_eq(config_load(&cfg, TEST_SRC_DIR "/config/pass/full.conf", err,
				     sizeof(err)), 0);
	ck_assert_int_eq(cfg.log_level, LOG_LVL_DEBUG);
	ck_assert_int_eq(cfg.default_style, BR_STYLE_LEGACY);
	ck_assert_uint_eq(cfg.n_nics, 4);
	ck_assert_int_eq(config_style_for(&cfg, "eth0", &nic), BR_STYLE_DIRECT);
	ck_assert_ptr_nonnull(nic);
	/* A [nic] without style= takes default-style, even though it is declared later. */
	ck_assert_int_eq(config_style_for(&cfg, "eth1", &nic), BR_STYLE_LEGACY);
	ck_assert_str_eq(nic->bridge, "xenbr7");
	ck_assert(nic->force);
	ck_assert_int_eq(config_style_for(&cfg, "eth2.100", NULL), BR_STYLE_NONE);
	ck_assert_int_eq(config_style_for(&cfg, "eth9", &nic), BR_STYLE_LEGACY);
	ck_assert_ptr_null(nic);
	ck_assert_uint_eq(cfg.vif_link_timeout_ms, 5000);
	ck_assert_uint_eq(cfg.fw_ssh_nets.n, 2);
	ck_assert_uint_eq(cfg.fw_ssh_nets.nets[0].addr, 0x0a000000);
	ck_assert_uint_eq(cfg.fw_ssh_nets.nets[0].plen, 8);
	ck_assert_uint_eq(cfg.fw_agent_nets.nets[0].plen, 32);
	ck_assert_uint_eq(cfg.fw_cluster_nets.n, 0);
	ck_assert_uint_eq(cfg.fw_console_nets.n, 1);
	ck_assert_uint_eq(cfg.fw_console_nets.nets[0].plen, 0);
	ck_assert_uint_eq(cfg.console_port_min, 5900);
	ck_assert_uint_eq(cfg.console_port_max, 5999);
	ck_assert_str_eq(cfg.agent_tls_key, "/etc/dom0net/agent.key");
}
END_TEST

START_TEST(defaults)
{
	struct d0_config cfg;
	char err[256];

	ck_assert_int_eq(parse(&cfg, "", err), 0);
	ck_assert_int_eq(cfg.default_style, BR_STYLE_DIRECT);
	ck_assert(!cfg.stp);
	ck_assert_uint_eq(cfg.forward_delay, 0);
	ck_assert_str_eq(cfg.ctl_socket, D0_CTL_SOCKET);
	/* Management reachable from anywhere until the admin narrows it. */
	ck_assert_uint_eq(cfg.fw_ssh_nets.n, 1);
	ck_assert_uint_eq(cfg.fw_ssh_nets.nets[0].plen, 0);
	ck_assert(!cfg.agent_enable);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	struct d0_config cfg;
	char err[256];

	ck_assert_int_eq(parse(&cfg, "[bridges]\n\n\nstp = perhaps\n", err), -1);
	ck_assert_str_eq(err, "t.conf:4: stp: 'perhaps' is not yes/no");
	ck_assert_int_eq(config_parse_buf(&cfg, "t.conf", "[bridges]\nstp = no\0x\n", 19, err,
					  sizeof(err)), -1);
	ck_assert_str_eq(err, "t.conf:2: NUL byte in line");
}
END_TEST

START_TEST(long_line_rejected)
{
	struct d0_config cfg;
	char err[256];
	char *buf = malloc(3000);

	memset(buf, 'a', 2999);
	buf[2999] = '\0';
	ck_assert_int_eq(parse(&cfg, buf, err), -1);
	ck_assert_str_eq(err, "t.conf:1: line longer than 1023 characters");
	free(buf);
}
END_TEST

START_TEST(net4)
{
	struct d0_net4 n;

	ck_assert_int_eq(config_parse_net4("192.168.0.0/16", &n), 0);
	ck_assert_uint_eq(n.addr, 0xc0a80000);
	ck_assert_uint_eq(n.plen, 16);
	ck_assert_int_eq(config_parse_net4("192.168.0.1", &n), 0);
	ck_assert_uint_eq(n.plen, 32);
	ck_assert_int_eq(config_parse_net4("0.0.0.0/0", &n), 0);
	ck_assert_int_eq(config_parse_net4("192.168.0.1/16", &n), -1);
	ck_assert_int_eq(config_parse_net4("192.168.0.0/33", &n), -1);
	ck_assert_int_eq(config_parse_net4("192.168.0.0/", &n), -1);
	ck_assert_int_eq(config_parse_net4("192.168.0/24", &n), -1);
	ck_assert_int_eq(config_parse_net4("300.1.1.1", &n), -1);
	ck_assert_int_eq(config_parse_net4("", &n), -1);
}
END_TEST

START_TEST(ifnames)
{
	ck_assert(ifname_valid("eth0"));
	ck_assert(ifname_valid("xenbr0"));
	ck_assert(ifname_valid("vif12.3-emu"));
	ck_assert(ifname_valid("abcdefghijklmno")); /* 15 */
	ck_assert(!ifname_valid("abcdefghijklmnop")); /* 16 */
	ck_assert(!ifname_valid(""));
	ck_assert(!ifname_valid("."));
	ck_assert(!ifname_valid(".."));
	ck_assert(!ifname_valid("../x"));
	ck_assert(!ifname_valid("a b"));
	ck_assert(!ifname_valid("eth0:1"));
	ck_assert(!ifname_valid("tab\tx"));
	ck_assert(!ifname_valid("caf\xc3\xa9"));
}
END_TEST

START_TEST(ctl_roundtrip)
{
	int sv[2];
	struct ctl_hdr h;
	char *payload;
	const char *argv[4];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(ctl_write_msg(sv[0], CTL_REQ_VIFS, CTL_F_JSON, 0, "a\0bc\0", 5), 0);
	ck_assert_int_eq(ctl_read_msg(sv[1], &h, &payload, 64), 0);
	ck_assert_uint_eq(h.type, CTL_REQ_VIFS);
	ck_assert_uint_eq(h.flags, CTL_F_JSON);
	ck_assert_int_eq(ctl_split_args(payload, h.len, argv, 4), 2);
	ck_assert_str_eq(argv[1], "bc");
	free(payload);
	/* Oversized messages are refused before the payload is read. */
	ck_assert_int_eq(ctl_write_msg(sv[0], CTL_REQ_VIFS, 0, 0, "xxxxxxxx", 8), 0);
	ck_assert_int_eq(ctl_read_msg(sv[1], &h, &payload, 4), -1);
	ck_assert_ptr_null(payload);
	/* An unterminated argument list is malformed. */
	ck_assert_int_eq(ctl_split_args("ab", 2, argv, 4), -1);
	ck_assert_int_eq(ctl_split_args("a\0b\0c\0", 6, argv, 2), -1);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, full_file_values);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, long_line_rejected);
	tcase_add_test(tc, net4);
	tcase_add_test(tc, ifnames);
	tcase_add_test(tc, ctl_roundtrip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
