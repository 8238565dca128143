/* Unit tests: the OCFS2 cluster.conf parser (fixture tests/firewall/fixtures/). */
#include <check.h>
#include <string.h>

#include <dom0net/firewall.h>

static struct fw_cluster c;

static int parse(const char *text, struct d0_err *e)
{
	return fw_cluster_parse(&c, "cc.conf", text, strlen(text), e);
}

START_TEST(fixture)
{
	struct d0_err e = { 0 };

	ck_assert_int_eq(fw_cluster_load(&c, TEST_SRC_DIR "/firewall/fixtures/cluster.conf", &e), 0);
	ck_assert(c.present);
	ck_assert_uint_eq(c.n_clusters, 1);
	ck_assert_str_eq(c.names[0], "ocfs2");
	ck_assert_uint_eq(c.node_counts[0], 3);
	ck_assert_uint_eq(c.n_nodes, 3);
	ck_assert_str_eq(c.nodes[0].name, "ovs1");
	ck_assert_uint_eq(c.nodes[0].addr, 0x0a000001);
	ck_assert_uint_eq(c.nodes[0].port, 7777);
	ck_assert_int_eq(c.nodes[0].line, 2);
	/* spaces instead of a tab indent the third node */
	ck_assert_str_eq(c.nodes[2].name, "ovs3");
	ck_assert_uint_eq(c.nodes[2].addr, 0x0a000103);
	ck_assert_uint_eq(c.nodes[2].number, 2);
}
END_TEST

START_TEST(missing_file_is_standalone)
{
	struct d0_err e = { 0 };

	ck_assert_int_eq(fw_cluster_load(&c, "/nonexistent/cluster.conf", &e), 0);
	ck_assert(!c.present);
	ck_assert_uint_eq(c.n_nodes, 0);
}
END_TEST

START_TEST(defaults_and_last_value)
{
	struct d0_err e = { 0 };

	ck_assert_int_eq(parse("cluster:\n\tname = a\n\tname = b\n\nnode:\n\tname = n1\n"
			       "\tcluster = b\n\tnumber = 4\n\tip_address = 192.168.0.9\n", &e), 0);
	ck_assert_str_eq(c.names[0], "b");
	ck_assert_uint_eq(c.nodes[0].port, FW_CLUSTER_PORT); /* ip_port missing: 7777 */
	/* node before its cluster, unknown keys and stanzas, CRLF, trailing spaces */
	ck_assert_int_eq(parse("node:\r\n\tname = n\r\n\tcluster = x\r\n\tnumber = 0\r\n"
			       "\tip_address = 10.1.1.1  \r\n\tcolour = blue\r\n\r\nfuture:\n"
			       "\twhatever = 1\n\ncluster:\n\tname = x\n", &e), 0);
	ck_assert_uint_eq(c.nodes[0].addr, 0x0a010101);
	/* a value continued on the next line */
	ck_assert_int_eq(parse("cluster:\n\tname = x\n\nnode:\n\tname = long\\\nname\n"
			       "\tcluster = x\n\tnumber = 1\n\tip_address = 10.0.0.1\n", &e), 0);
	ck_assert_str_eq(c.nodes[0].name, "long\nname");
}
END_TEST

static void bad(const char *text, const char *want)
{
	struct d0_err e = { 0 };

	ck_assert_int_eq(parse(text, &e), -1);
	ck_assert_msg(strcmp(e.msg, want) == 0, "got '%s', want '%s'", e.msg, want);
}

START_TEST(errors_name_file_and_line)
{
	bad("\tname = x\n", "cc.conf:1: attribute 'name' outside of a stanza");
	bad("cluster:\n\tname = x\n\n\tname = y\n", "cc.conf:4: attribute 'name' outside of a stanza");
	bad("cluster\n", "cc.conf:1: expected a stanza name ending with ':'");
	bad("cluster: x\n", "cc.conf:1: trailing characters after the stanza name");
	bad("cluster:\n\tname x\n", "cc.conf:2: expected 'key = value'");
	bad("-x:\n", "cc.conf:1: unexpected character '-' at the start of a line");
	bad("cluster:\n\tnode_count = 2\n", "cc.conf:1: cluster stanza without a name");
	bad("cluster:\n\tname = x\n\ncluster:\n\tname = x\n", "cc.conf:4: cluster 'x' is defined twice");
	bad("cluster:\n\tname = a b\n",
	    "cc.conf:1: cluster name 'a b': up to 16 letters, digits, '_' or '-'");
	bad("cluster:\n\tname = x\n\nnode:\n\tname = n\n\tcluster = x\n\tnumber = 0\n"
	    "\tip_address = 10.0.0.300\n",
	    "cc.conf:4: node 'n': ip_address '10.0.0.300' is not an IPv4 address");
	bad("cluster:\n\tname = x\n\nnode:\n\tname = n\n\tcluster = x\n\tnumber = 255\n"
	    "\tip_address = 10.0.0.3\n", "cc.conf:4: node 'n': number '255' is not in 0..254");
	bad("cluster:\n\tname = x\n\nnode:\n\tname = n\n\tcluster = x\n\tnumber = 1\n"
	    "\tip_address = 10.0.0.3\n\tip_port = 0\n",
	    "cc.conf:4: node 'n': ip_port '0' is not in 1..65535");
	bad("node:\n\tname = n\n\tcluster = y\n\tnumber = 1\n\tip_address = 10.0.0.3\n",
	    "cc.conf:1: node 'n': cluster 'y' has no cluster stanza");
	bad("cluster:\n\tname = x\n\nnode:\n\tname = a\n\tcluster = x\n\tnumber = 1\n"
	    "\tip_address = 10.0.0.3\n\nnode:\n\tname = b\n\tcluster = x\n\tnumber = 1\n"
	    "\tip_address = 10.0.0.4\n", "cc.conf:10: node 'b': number 1 is already node 'a'");
	bad("cluster:\n\tname = x\n\nnode:\n\tname = a\n\tcluster = x\n\tnumber = 1\n"
	    "\tip_address = 10.0.0.3\n\nnode:\n\tname = b\n\tcluster = x\n\tnumber = 2\n"
	    "\tip_address = 10.0.0.3\n", "cc.conf:10: node 'b': same ip_address as node 'a'");
	bad("node:\n\tname = n\n\tcluster = x\n\tnumber = 1\n",
	    "cc.conf:1: node 'n' has no ip_address");
}
END_TEST

START_TEST(nul_byte)
{
	struct d0_err e = { 0 };
	static const char text[] = "cluster:\n\tname = x\0y\n";

	ck_assert_int_eq(fw_cluster_parse(&c, "cc.conf", text, sizeof(text) - 1, &e), -1);
	ck_assert_str_eq(e.msg, "cc.conf:2: NUL byte in line");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fw_cluster");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, fixture);
	tcase_add_test(tc, missing_file_is_standalone);
	tcase_add_test(tc, defaults_and_last_value);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, nul_byte);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
