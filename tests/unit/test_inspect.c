/* Unit tests: bridge inspection helpers — link message parsing (bridges/inspect_parse.c),
 * snapshot lookups and the NIC/style classification (bridges/inspect*.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>

#include <dom0net/bridges.h>

#include "../../bridges/inspect_priv.h"

static char buf[4096];

static struct nlmsghdr *link_msg(unsigned char family, int ifindex, const char *name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = family;
	ifi->ifi_index = ifindex;
	ifi->ifi_type = ARPHRD_ETHER;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

START_TEST(parse_bridge)
{
	static const uint8_t id[8] = { 0x80, 0x00, 0x0e, 0x49, 0xef, 0xae, 0xc5, 0xd2 };
	static const uint8_t mac[6] = { 0x0e, 0x49, 0xef, 0xae, 0xc5, 0xd2 };
	struct nlmsghdr *nlh = link_msg(AF_UNSPEC, 7, "xenbr0");
	struct nlattr *info, *data;
	struct br_link l;
	char text[18];

	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, 1);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 1500);
	mnl_attr_put(nlh, IFLA_BR_BRIDGE_ID, sizeof(id), id);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 2);
	mnl_attr_put_u32(nlh, IFLA_BR_AGEING_TIME, 30000);
	mnl_attr_put_u8(nlh, IFLA_BR_TOPOLOGY_CHANGE, 1);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);

	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert_str_eq(l.name, "xenbr0");
	ck_assert_int_eq(l.ifindex, 7);
	ck_assert(l.is_bridge);
	ck_assert(!l.is_bridge_port);
	ck_assert_str_eq(l.kind, "bridge");
	ck_assert(l.has_mac);
	ck_assert_uint_eq(l.mtu, 9000);
	ck_assert(l.carrier);
	ck_assert_uint_eq(l.br_stp_state, 2);
	ck_assert_uint_eq(l.br_ageing_cs, 30000);
	ck_assert_uint_eq(l.br_fwd_delay_cs, 1500);
	ck_assert(l.br_topology_change);
	br_id_format(&l, text);
	ck_assert_str_eq(text, "8000.0e49efaec5d2");
}
END_TEST

START_TEST(parse_ports)
{
	struct nlmsghdr *nlh = link_msg(AF_BRIDGE, 12, "vif1.0");
	struct nlattr *nest, *info;
	struct br_link l;

	/* The bridge's AF_BRIDGE message for a port: IFLA_PROTINFO, NLA_F_NESTED set. */
	mnl_attr_put_u32(nlh, IFLA_MASTER, 7);
	nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_STATE, 3);
	mnl_attr_put_u16(nlh, IFLA_BRPORT_NO, 0x12b);
	mnl_attr_nest_end(nlh, nest);
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert(l.is_bridge_port);
	ck_assert_int_eq(l.master, 7);
	ck_assert_uint_eq(l.port_no, 299);

	/* A device answering for itself (ndo_dflt_bridge_getlink): no port number. */
	nlh = link_msg(AF_BRIDGE, 13, "enp1s0");
	mnl_attr_put_u32(nlh, IFLA_MASTER, 7);
	nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	mnl_attr_put_u8(nlh, IFLA_BRPORT_MODE, 0);
	mnl_attr_nest_end(nlh, nest);
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert(!l.is_bridge_port);

	/* AF_UNSPEC: the port data is IFLA_INFO_SLAVE_DATA of slave kind "bridge". */
	nlh = link_msg(AF_UNSPEC, 14, "eth0");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
	nest = mnl_attr_nest_start(nlh, IFLA_INFO_SLAVE_DATA);
	mnl_attr_put_u16(nlh, IFLA_BRPORT_NO, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, info);
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert(l.is_bridge_port);
	ck_assert_uint_eq(l.port_no, 1);
	ck_assert_str_eq(l.kind, "");

	/* Slave of a bond: not a bridge port. */
	nlh = link_msg(AF_UNSPEC, 15, "eth1");
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bond");
	mnl_attr_nest_end(nlh, info);
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert(!l.is_bridge_port);
}
END_TEST

START_TEST(parse_malformed)
{
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct br_link l;

	/* No name. */
	nlh = link_msg(AF_UNSPEC, 1, NULL);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	ck_assert_int_eq(br_link_parse(nlh, &l), -1);

	/* A name without its terminating NUL is not used. */
	nlh = link_msg(AF_UNSPEC, 1, NULL);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	ck_assert_int_eq(br_link_parse(nlh, &l), -1);

	/* An attribute claiming more than the message holds ends the walk safely. */
	nlh = link_msg(AF_UNSPEC, 1, "eth0");
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	a->nla_len = 200;
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert_uint_eq(l.mtu, 0);

	/* Short fixed-size attributes are ignored, not read past. */
	nlh = link_msg(AF_UNSPEC, 1, "eth0");
	mnl_attr_put(nlh, IFLA_MTU, 2, "\x01\x02");
	mnl_attr_put(nlh, IFLA_ADDRESS, 4, "\x01\x02\x03\x04");
	ck_assert_int_eq(br_link_parse(nlh, &l), 0);
	ck_assert_uint_eq(l.mtu, 0);
	ck_assert(!l.has_mac);

	/* Not RTM_NEWLINK, or shorter than its header. */
	nlh = link_msg(AF_UNSPEC, 1, "eth0");
	nlh->nlmsg_type = RTM_DELLINK;
	ck_assert_int_eq(br_link_parse(nlh, &l), -1);
	nlh = link_msg(AF_UNSPEC, 1, NULL);
	nlh->nlmsg_len = NLMSG_HDRLEN + 4;
	ck_assert_int_eq(br_link_parse(nlh, &l), -1);
}
END_TEST

/* A snapshot by hand, in name order as the dumps return it. */
static struct br_link L[16];
static struct br_links links = { L, 0 };

static struct br_link *add(const char *name, int ifindex, const char *kind, int master)
{
	struct br_link *l = &L[links.n++];

	memset(l, 0, sizeof(*l));
	strcpy(l->name, name);
	strcpy(l->kind, kind);
	l->ifindex = ifindex;
	l->master = master;
	l->type = ARPHRD_ETHER;
	l->is_bridge = strcmp(kind, "bridge") == 0;
	l->is_bridge_port = master != 0;
	return l;
}

static void build(void)
{
	links.n = 0;
	add("bond0", 20, "bond", 0);
	add("br-test", 30, "bridge", 0);
	add("eth0", 3, "veth", 0)->link = 5;	/* legacy pseudo NIC, peer vif0.0 */
	add("eth1", 11, "", 2);			/* direct: port of xenbr1 */
	add("eth2", 12, "", 0);			/* plain NIC, not bridged */
	add("eth3", 13, "", 30);		/* port of a non-xen bridge */
	add("foo", 40, "veth", 0);		/* not a NIC */
	add("lo", 1, "", 0)->type = ARPHRD_LOOPBACK;
	add("peth0", 4, "", 1);			/* legacy: with vif0.0 in xenbr0 */
	add("peth9", 9, "", 2);			/* no vif0.9 sibling */
	strcpy(add("physnic", 41, "", 0)->parent_dev, "0000:00:03.0");
	add("vif0.0", 5, "veth", 1);
	add("vif1.0", 6, "", 2);		/* a guest's: not a NIC */
	add("xenbr0", 1 + 100, "bridge", 0);
	add("xenbr1", 2 + 100, "bridge", 0);
	/* ifindex of xenbr0/1 as masters */
	for (size_t i = 0; i < links.n; i++) {
		if (L[i].master == 1 || L[i].master == 2)
			L[i].master += 100;
	}
}

START_TEST(snapshot_lookups)
{
	const struct br_link *br, *p;
	size_t pos = 0;

	build();
	ck_assert_ptr_eq(br_links_find(&links, "eth2"), &L[4]);
	ck_assert_ptr_null(br_links_find(&links, "eth"));
	ck_assert_ptr_null(br_links_find(&links, "a-name-that-is-far-too-long"));
	ck_assert_ptr_eq(br_links_by_index(&links, 13), &L[5]);
	ck_assert_ptr_null(br_links_by_index(&links, 999));
	br = br_links_find(&links, "xenbr1");
	ck_assert_ptr_nonnull(br);
	p = br_links_next_port(&links, br, &pos);
	ck_assert_str_eq(p->name, "eth1");
	p = br_links_next_port(&links, br, &pos);
	ck_assert_str_eq(p->name, "peth9");
	p = br_links_next_port(&links, br, &pos);
	ck_assert_str_eq(p->name, "vif1.0");
	ck_assert_ptr_null(br_links_next_port(&links, br, &pos));
	pos = 0;
	ck_assert_ptr_null(br_links_next_port(&links, br_links_find(&links, "bond0"), &pos));
}
END_TEST

static enum br_style style(const char *name)
{
	return br_link_style(&links, br_links_find(&links, name));
}

static bool nic(const char *name)
{
	return br_link_is_nic(&links, br_links_find(&links, name));
}

START_TEST(nic_selection_and_style)
{
	build();
	ck_assert(nic("bond0"));
	ck_assert(!nic("br-test"));
	ck_assert(nic("eth0"));
	ck_assert(nic("eth1"));
	ck_assert(nic("eth2"));
	ck_assert(nic("eth3"));
	ck_assert(!nic("foo"));
	ck_assert(!nic("lo"));
	ck_assert(nic("peth0"));
	ck_assert(nic("physnic"));
	ck_assert(nic("vif0.0"));
	ck_assert(!nic("vif1.0"));
	ck_assert(!nic("xenbr0"));

	ck_assert_int_eq(style("peth0"), BR_STYLE_LEGACY);
	ck_assert_int_eq(style("vif0.0"), BR_STYLE_LEGACY);
	ck_assert_int_eq(style("eth0"), BR_STYLE_LEGACY);
	ck_assert_int_eq(style("eth1"), BR_STYLE_DIRECT);
	ck_assert_int_eq(style("peth9"), BR_STYLE_DIRECT);
	ck_assert_int_eq(style("eth2"), BR_STYLE_NONE);
	ck_assert_int_eq(style("eth3"), BR_STYLE_NONE);
	ck_assert_int_eq(style("bond0"), BR_STYLE_NONE);
}
END_TEST

START_TEST(compat_names)
{
	char out[IFNAMSIZ];

	br_compat_name("br0", out);
	ck_assert_str_eq(out, "br0");
	br_compat_name("br0:1", out);
	ck_assert_str_eq(out, "br0");
	br_compat_name(":x", out);
	ck_assert_str_eq(out, "");
	br_compat_name("abcdefghijklmnoXYZ", out);
	ck_assert_str_eq(out, "abcdefghijklmno");
	br_compat_name("abcdefghijklmn:9", out);
	ck_assert_str_eq(out, "abcdefghijklmn");
	br_compat_name("abcdefghijklmnop:1", out);
	ck_assert_str_eq(out, "abcdefghijklmno");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, parse_bridge);
	tcase_add_test(tc, parse_ports);
	tcase_add_test(tc, parse_malformed);
	tcase_add_test(tc, snapshot_lookups);
	tcase_add_test(tc, nic_selection_and_style);
	tcase_add_test(tc, compat_names);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
