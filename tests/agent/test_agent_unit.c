/* Unit tests for the agent's pure parts: Oracle VM names, the checks netd runs on
 * every call, the message checks, Basic auth and password hashes, the
 * request-parsing glue (XML-RPC -> typed call or fault), results and faults, the
 * per-address table, and a datagram round trip. */
#include <check.h>
#include <crypt.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

/* A methodCall with string parameters ("\x01" stands for an <int>7</int>, "\x02" for
 * <nil/>). Parameters must not contain '<' or '&'. */
static char *call_xml(const char *method, int n, ...)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	va_list ap;

	fprintf(f, "<?xml version=\"1.0\"?><methodCall><methodName>%s</methodName><params>",
		method);
	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		const char *p = va_arg(ap, const char *);

		if (strcmp(p, "\x01") == 0)
			fprintf(f, "<param><value><int>7</int></value></param>");
		else if (strcmp(p, "\x02") == 0)
			fprintf(f, "<param><value><nil/></value></param>");
		else
			fprintf(f, "<param><value><string>%s</string></value></param>", p);
	}
	va_end(ap);
	fprintf(f, "</params></methodCall>");
	fclose(f);
	return buf;
}

static void parse_str(const char *xml, struct ag_parsed *p)
{
	ag_rpc_parse(xml, strlen(xml), p);
}

#define PARSE(p, ...)                                \
	do {                                         \
		char *x_ = call_xml(__VA_ARGS__);    \
		parse_str(x_, (p));                  \
		free(x_);                            \
	} while (0)

START_TEST(test_names)
{
	char pif[IFNAMSIZ];
	unsigned vid;
	uint8_t mac[6];

	ck_assert(ovm_bridge_name_ok("xenbr0") && ovm_bridge_name_ok("vlan4094"));
	ck_assert(!ovm_bridge_name_ok("xenbr") && !ovm_bridge_name_ok("myxenbr0") &&
		  !ovm_bridge_name_ok("xenbr0x") && !ovm_bridge_name_ok("xenbr123456") &&
		  !ovm_bridge_name_ok("br0") && !ovm_bridge_name_ok(""));
	ck_assert(ovm_pif_name_ok("eth0") && ovm_pif_name_ok("bond12"));
	ck_assert(!ovm_pif_name_ok("eth0.5") && !ovm_pif_name_ok("peth0") &&
		  !ovm_pif_name_ok("eth") && !ovm_pif_name_ok("eth-1"));
	ck_assert(ovm_vlan_name_ok("eth0.5", pif, &vid));
	ck_assert_str_eq(pif, "eth0");
	ck_assert_uint_eq(vid, 5);
	ck_assert(ovm_vlan_name_ok("bond1.4094", pif, &vid) && vid == 4094);
	ck_assert(!ovm_vlan_name_ok("eth0.0", NULL, NULL) && !ovm_vlan_name_ok("eth0.4095", NULL, NULL) &&
		  !ovm_vlan_name_ok("eth0.05", NULL, NULL) && !ovm_vlan_name_ok("eth0.", NULL, NULL) &&
		  !ovm_vlan_name_ok("eth0.5.6", NULL, NULL) && !ovm_vlan_name_ok("xenbr0.5", NULL, NULL));
	ck_assert(ovm_vif_name_ok("vif3.0") && ovm_vif_name_ok("tap3.0") &&
		  ovm_vif_name_ok("vif3.0-emu"));
	ck_assert(!ovm_vif_name_ok("eth0") && !ovm_vif_name_ok("xenbr0") &&
		  !ovm_vif_name_ok("lo") && !ovm_vif_name_ok("a/b") &&
		  !ovm_vif_name_ok("0123456789abcdef"));
	ck_assert_int_eq(ovm_parse_mac("00:16:3e:aa:bb:cc", mac), 0);
	ck_assert(mac[0] == 0 && mac[2] == 0x3e && mac[5] == 0xcc);
	ck_assert_int_eq(ovm_parse_mac("00-16-3E-AA-BB-CC", mac), 0);
	ck_assert_int_eq(ovm_parse_mac("01:16:3e:aa:bb:cc", mac), -1);	/* multicast */
	ck_assert_int_eq(ovm_parse_mac("00:00:00:00:00:00", mac), -1);
	ck_assert_int_eq(ovm_parse_mac("00:16:3e:aa:bb", mac), -1);
	ck_assert_int_eq(ovm_parse_mac("00:16:3e:aa:bb:cg", mac), -1);
	ck_assert(ovm_token_ok("i-2-5-VM", 64) && ovm_token_ok("r-17.x_y", 64));
	ck_assert(!ovm_token_ok("", 64) && !ovm_token_ok("a b", 64) && !ovm_token_ok("a;b", 64) &&
		  !ovm_token_ok("abc", 3));
}
END_TEST

START_TEST(test_validate)
{
	struct ag_call c;
	struct d0_err e = { 0 };

	memset(&c, 0, sizeof(c));
	c.op = AG_OP_BRIDGE_CREATE;
	strcpy(c.u.bridge.name, "xenbr1");
	strcpy(c.u.bridge.attach, "eth1.7");
	ck_assert_int_eq(ag_call_validate(&c, &e), 0);
	memset(c.u.bridge.attach, 'a', sizeof(c.u.bridge.attach));	/* no NUL */
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	strcpy(c.u.bridge.attach, "vif1.0");
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	ck_assert_int_eq(e.code, EINVAL);

	memset(&c, 0, sizeof(c));
	c.op = AG_OP_VLAN_CREATE;
	strcpy(c.u.vlan.pif, "eth0");
	c.u.vlan.vid = 4095;
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.u.vlan.vid = 100;
	ck_assert_int_eq(ag_call_validate(&c, &e), 0);

	memset(&c, 0, sizeof(c));
	c.op = AG_OP_SG_DEFAULT;
	strcpy(c.u.sg.vm_name, "i-2-5-VM");
	strcpy(c.u.sg.vif, "vif5.0");
	c.u.sg.has_mac = 1;
	c.u.sg.mac[0] = 0x00;
	c.u.sg.mac[5] = 0x01;
	ck_assert_int_eq(ag_call_validate(&c, &e), 0);
	c.u.sg.mac[0] = 0x01;	/* multicast */
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.u.sg.mac[0] = 0;
	c.u.sg.has_ip = 1;	/* without an address */
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.u.sg.ip = htonl(0x0a000005);
	ck_assert_int_eq(ag_call_validate(&c, &e), 0);
	strcpy(c.u.sg.vm_name, "x;rm -rf");
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);

	memset(&c, 0, sizeof(c));
	c.op = AG_OP_BRIDGE_BY_IP;
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.op = AG_OP_MAX;
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.op = 0;
	ck_assert_int_eq(ag_call_validate(&c, &e), -1);
	c.op = AG_OP_STATUS;
	ck_assert_int_eq(ag_call_validate(&c, &e), 0);
}
END_TEST

static size_t msg(uint8_t *buf, uint16_t version, uint16_t type, const void *p, size_t len,
		  uint32_t says)
{
	struct ag_hdr h = { version, type, says };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	return sizeof(h) + len;
}

START_TEST(test_msg_check)
{
	uint8_t buf[AG_MAX_MSG + 64];
	struct d0_err e = { 0 };
	struct ag_call c = { 0 };
	struct ag_hello h = { 0 };
	struct ag_reply r = { 1, 0, 0, 5 };
	uint8_t rp[sizeof(r) + 5];
	size_t n;

	n = msg(buf, AG_PROTO_VERSION, AG_CALL, &c, sizeof(c), sizeof(c));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, false, &e), 0);
	ck_assert_int_eq(ag_msg_check(buf, n, 0, true, &e), -1);	/* wrong direction */
	ck_assert_int_eq(ag_msg_check(buf, n, 1, false, &e), -1);	/* a descriptor */
	ck_assert_int_eq(ag_msg_check(buf, n - 1, 0, false, &e), -1);
	n = msg(buf, AG_PROTO_VERSION + 1, AG_CALL, &c, sizeof(c), sizeof(c));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, false, &e), -1);
	ck_assert_int_eq(e.code, EPROTO);
	n = msg(buf, AG_PROTO_VERSION, AG_CALL, &c, sizeof(c), sizeof(c) + 1);
	ck_assert_int_eq(ag_msg_check(buf, n, 0, false, &e), -1);
	n = msg(buf, AG_PROTO_VERSION, AG_TYPE_MAX, &c, sizeof(c), sizeof(c));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, false, &e), -1);
	ck_assert_int_eq(ag_msg_check(buf, 3, 0, false, &e), -1);
	n = msg(buf, AG_PROTO_VERSION, AG_HELLO, &h, sizeof(h), sizeof(h));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, true, &e), -1);	/* needs the listener */
	ck_assert_int_eq(ag_msg_check(buf, n, 1, true, &e), 0);
	ck_assert_int_eq(ag_msg_check(buf, n, 4, true, &e), -1);
	memcpy(rp, &r, sizeof(r));
	memcpy(rp + sizeof(r), "hello", 5);
	n = msg(buf, AG_PROTO_VERSION, AG_REPLY, rp, sizeof(rp), sizeof(rp));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, true, &e), 0);
	r.len = 6;	/* says more text than it carries */
	memcpy(rp, &r, sizeof(r));
	n = msg(buf, AG_PROTO_VERSION, AG_REPLY, rp, sizeof(rp), sizeof(rp));
	ck_assert_int_eq(ag_msg_check(buf, n, 0, true, &e), -1);
	ck_assert_str_eq(ag_op_name(AG_OP_BRIDGE_CREATE), "OvmNetwork.createBridge");
	ck_assert_str_eq(ag_op_name(0), "?");
	ck_assert_str_eq(ag_op_name(999), "?");
}
END_TEST

START_TEST(test_basic)
{
	char u[64], p[AG_PASSWORD_MAX];
	char big[2048] = "Basic ";

	/* "oracle:pa:ss" */
	ck_assert_int_eq(ag_basic_parse("Basic b3JhY2xlOnBhOnNz", u, sizeof(u), p, sizeof(p)), 0);
	ck_assert_str_eq(u, "oracle");
	ck_assert_str_eq(p, "pa:ss");
	ck_assert_int_eq(ag_basic_parse("basic   b3JhY2xlOnBhOnNz  ", u, sizeof(u), p, sizeof(p)), 0);
	/* ":" (empty user and password) */
	ck_assert_int_eq(ag_basic_parse("Basic Og==", u, sizeof(u), p, sizeof(p)), 0);
	ck_assert_str_eq(u, "");
	ck_assert_str_eq(p, "");
	ck_assert_int_eq(ag_basic_parse(NULL, u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Bearer abc", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basic", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basicb3Jh", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basic b3JhY2xl", u, sizeof(u), p, sizeof(p)), -1); /* no ':' */
	ck_assert_int_eq(ag_basic_parse("Basic b3JhY2xlOnBhOnN", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basic b3Jh=2xl", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basic b3JhY2xlOnBhOnNz x", u, sizeof(u), p, sizeof(p)), -1);
	ck_assert_int_eq(ag_basic_parse("Basic YQBiOmM=", u, sizeof(u), p, sizeof(p)), -1); /* NUL */
	memset(big + 6, 'A', 1500);
	ck_assert_int_eq(ag_basic_parse(big, u, sizeof(u), p, sizeof(p)), -1);
	/* "user:password" does not fit a 4-byte user buffer */
	ck_assert_int_eq(ag_basic_parse("Basic dXNlcjpwYXNzd29yZA==", u, 4, p, sizeof(p)), -1);
}
END_TEST

START_TEST(test_password)
{
	const char *prefixes[] = { "$y$", "$6$" };

	for (int i = 0; i < 2; i++) {
		char *salt = crypt_gensalt_ra(prefixes[i], 0, NULL, 0);
		struct crypt_data cd;
		char hash[AG_HASH_MAX];

		ck_assert_ptr_nonnull(salt);
		memset(&cd, 0, sizeof(cd));
		snprintf(hash, sizeof(hash), "%s", crypt_r("good one", salt, &cd));
		free(salt);
		ck_assert(ag_password_check("good one", hash));
		ck_assert(!ag_password_check("good on", hash));
		ck_assert(!ag_password_check("", hash));
	}
	ck_assert(!ag_password_check("x", ""));
	ck_assert(!ag_password_check("x", "*"));
	ck_assert(!ag_password_check("x", "!$6$abc$def"));
	ck_assert(!ag_password_check("x", "$9$garbage"));
	ck_assert(ag_ct_equal("abc", "abc", 3) && !ag_ct_equal("abc", "abd", 3));
}
END_TEST

START_TEST(test_parse_network)
{
	struct ag_parsed p;

	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge",
	      "{\"name\":\"xenbr1\",\"attach\":\"eth1\"}");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert_uint_eq(p.call.op, AG_OP_BRIDGE_CREATE);
	ck_assert_str_eq(p.call.u.bridge.name, "xenbr1");
	ck_assert_str_eq(p.call.u.bridge.attach, "eth1");
	ck_assert_int_eq(p.result, AG_RES_SUCC);
	ck_assert_int_eq(p.fault_code, 4001);
	/* Gson sends interfaces too (or nothing); Python's repr quotes with ' */
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge",
	      "{'name': 'vlan7', 'attach': 'eth0.7', 'interfaces': []}");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert_str_eq(p.call.u.bridge.attach, "eth0.7");
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "{\"name\":\"br9\",\"attach\":\"eth1\"}");
	ck_assert(!p.ok && p.fault_code == 4001 && strstr(p.fault, "Invalid bridge name br9"));
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "{\"name\":\"xenbr1\",\"attach\":\"vif1.0\"}");
	ck_assert(!p.ok && strstr(p.fault, "is not either pif or vlan"));
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "{\"name\":\"xenbr1\"}");
	ck_assert(!p.ok && strstr(p.fault, "'attach' is missing"));
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "[1,2]");
	ck_assert(!p.ok && strstr(p.fault, "JSON object"));
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "{\"name\":5,\"attach\":\"eth1\"}");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_PARAMS);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createBridge", "\x01");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_PARAMS);
	PARSE(&p, "OvmDispatch", 1, "OvmNetwork.createBridge");
	ck_assert(!p.ok && p.fault_code == 4001 && strstr(p.fault, "takes 1 argument, got 0"));

	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createVlan", "{\"vid\":100,\"pif\":\"eth0\"}");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert(p.call.u.vlan.vid == 100 && strcmp(p.call.u.vlan.pif, "eth0") == 0);
	ck_assert_int_eq(p.result, AG_RES_JSON_STRING);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createVlan", "{\"vid\":\"42\",\"pif\":\"bond0\"}");
	ck_assert(p.ok && p.call.u.vlan.vid == 42);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createVlan", "{\"vid\":0,\"pif\":\"eth0\"}");
	ck_assert(!p.ok && p.fault_code == 4003);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.createVlan", "{\"vid\":\"4x\",\"pif\":\"eth0\"}");
	ck_assert(!p.ok);
	PARSE(&p, "OvmDispatch", 3, "OvmNetwork.createVlanBridge",
	      "{\"name\":\"vlan5\",\"attach\":\"whatever\"}", "{\"vid\":5,\"pif\":\"eth1\"}");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert(strcmp(p.call.u.vlan_bridge.name, "vlan5") == 0 && p.call.u.vlan_bridge.vid == 5);

	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.deleteBridge", "xenbr1");
	ck_assert(p.ok && p.call.op == AG_OP_BRIDGE_DELETE);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.deleteBridge", "eth0");
	ck_assert(!p.ok && p.fault_code == 4002);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.getBridgeDetails", "xenbr0");
	ck_assert(p.ok && p.fault_code == -1 && p.result == AG_RES_JSON_STRING);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.deleteVlan", "eth0.12");
	ck_assert(p.ok && strcmp(p.call.u.name.name, "eth0.12") == 0);
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.getBridgeByIp", "10.1.2.3");
	ck_assert(p.ok && p.call.u.ip.addr == inet_addr("10.1.2.3"));
	PARSE(&p, "OvmDispatch", 2, "OvmNetwork.getBridgeByIp", "10.1.2");
	ck_assert(!p.ok && p.fault_code == 4006);
	PARSE(&p, "OvmDispatch", 1, "OvmNetwork.getAllBridges");
	ck_assert(p.ok && p.call.op == AG_OP_BRIDGE_NAMES && p.fault_code == 4005);
	PARSE(&p, "OvmDispatch", 1, "OvmNetwork.getVlans");
	ck_assert(p.ok && p.call.op == AG_OP_VLANS);
}
END_TEST

START_TEST(test_parse_dispatch)
{
	struct ag_parsed p;

	PARSE(&p, "OvmDispatch", 1, "OvmNetwork.nosuch");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_FUNCTION);
	ck_assert_str_eq(p.fault, "class OvmNetwork has no function nosuch");
	PARSE(&p, "OvmDispatch", 1, "Nope.getAllBridges");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_CLASS);
	PARSE(&p, "OvmDispatch", 1, "OvmVm.create");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_UNSUPPORTED);
	PARSE(&p, "OvmDispatch", 1, "getAllBridges");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_FORMAT);
	PARSE(&p, "OvmDispatch", 1, "a.b.c");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_FORMAT);
	PARSE(&p, "OvmDispatch", 1, ".x");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_FORMAT);
	PARSE(&p, "OvmDispatch", 1, "\x01");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_DISPATCH_FORMAT);
	PARSE(&p, "OvmDispatch", 0);
	ck_assert(!p.ok && p.fault_code == AG_FAULT_PARAMS);
	PARSE(&p, "OvmNetwork.getAllBridges", 0);
	ck_assert(!p.ok && p.fault_code == AG_FAULT_METHOD && strstr(p.fault, "through OvmDispatch"));
	PARSE(&p, "system.shutdown", 0);
	ck_assert(!p.ok && p.fault_code == AG_FAULT_METHOD);
	PARSE(&p, "dom0net.status", 0);
	ck_assert(p.ok && p.call.op == AG_OP_STATUS && p.result == AG_RES_NATIVE);
	PARSE(&p, "OvmDispatch", 1, "dom0net.vifs");
	ck_assert(p.ok && p.call.op == AG_OP_VIFS && p.result == AG_RES_JSON_STRING);
	PARSE(&p, "dom0net.status", 1, "extra");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_GENERIC);
	PARSE(&p, "dom0net.setConsolePassword", 2, "guest1", "pw");
	ck_assert(p.ok && strcmp(p.call.u.console_pw.domain, "guest1") == 0 &&
		  strcmp(p.call.u.console_pw.password, "pw") == 0);
	PARSE(&p, "dom0net.setConsolePassword", 2, "\x01", "");
	ck_assert(p.ok && strcmp(p.call.u.console_pw.domain, "7") == 0);
	PARSE(&p, "dom0net.setConsolePassword", 2, "a b", "pw");
	ck_assert(!p.ok);
}
END_TEST

START_TEST(test_parse_sg)
{
	struct ag_parsed p;

	PARSE(&p, "OvmDispatch", 7, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM",
	      "5", "10.1.0.5", "00:16:3e:00:01:05", "vif1.0", "xenbr1");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert(p.call.op == AG_OP_SG_DEFAULT && p.result == AG_RES_BOOL);
	ck_assert(p.call.u.sg.has_ip && p.call.u.sg.ip == inet_addr("10.1.0.5"));
	ck_assert(p.call.u.sg.has_mac && p.call.u.sg.mac[5] == 5);
	ck_assert_str_eq(p.call.u.sg.vif, "vif1.0");
	PARSE(&p, "OvmDispatch", 7, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM",
	      "\x01", "\x02", "00:16:3e:00:01:05", "vif1.0", "");
	ck_assert_msg(p.ok, "%s", p.fault);
	ck_assert(!p.call.u.sg.has_ip && strcmp(p.call.u.sg.vm_id, "7") == 0);
	PARSE(&p, "OvmDispatch", 7, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM",
	      "5", "10.1.0.5", "00:16:3e:00:01:05", "eth0", "xenbr1");
	ck_assert(!p.ok);
	PARSE(&p, "OvmDispatch", 7, "OvmSecurityGroup.default_network_rules_user_vm", "i-2-5-VM",
	      "5", "10.1.0.500", "00:16:3e:00:01:05", "vif1.0", "xenbr1");
	ck_assert(!p.ok);
	PARSE(&p, "OvmDispatch", 2, "OvmSecurityGroup.delete_all_network_rules_for_vm", "i-2-5-VM");
	ck_assert(p.ok && p.call.u.sg.vif[0] == '\0');
	PARSE(&p, "OvmDispatch", 3, "OvmSecurityGroup.delete_all_network_rules_for_vm", "i-2-5-VM",
	      "vif1.0");
	ck_assert(p.ok && strcmp(p.call.u.sg.vif, "vif1.0") == 0);
	PARSE(&p, "OvmDispatch", 4, "OvmSecurityGroup.delete_all_network_rules_for_vm", "a", "b", "c");
	ck_assert(!p.ok);
	PARSE(&p, "OvmDispatch", 1, "OvmSecurityGroup.can_bridge_firewall");
	ck_assert(p.ok && p.call.op == AG_OP_SG_CAN);
	PARSE(&p, "OvmDispatch", 10, "OvmSecurityGroup.add_network_rules", "a", "b", "c", "d", "e",
	      "f", "g", "h", "i");
	ck_assert(!p.ok && p.fault_code == AG_FAULT_UNSUPPORTED && strstr(p.fault, "not supported"));
}
END_TEST

START_TEST(test_parse_hostile)
{
	static const char *const bad[] = {
		"",
		"<",
		"not xml at all",
		"<?xml version=\"1.0\"?><methodCall></methodCall>",
		"<methodCall><methodName>OvmDispatch</methodName><params><param><value><array>"
		"<data>",
		"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><methodCall><methodName>"
		"&a;</methodName></methodCall>",
		"<methodCall><methodName>OvmDispatch</methodName><params><param><value><string>"
		"OvmNetwork.createBridge</string></value></param><param><value><string>"
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[</string></value></param></params>"
		"</methodCall>",
		"<methodCall><methodName>OvmDispatch</methodName><params><param><value><i4>"
		"99999999999</i4></value></param></params></methodCall>",
	};
	struct ag_parsed p;
	char *deep;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_str(bad[i], &p);
		ck_assert_msg(!p.ok && p.fault[0], "accepted bad input %zu", i);
	}
	/* Deep XML-RPC nesting: over xmlrpc-c's limit, a fault (not a crash). */
	deep = malloc(100000);
	n += (size_t)sprintf(deep, "<methodCall><methodName>dom0net.status</methodName><params>"
				   "<param><value>");
	for (int i = 0; i < 2000; i++)
		n += (size_t)sprintf(deep + n, "<array><data><value>");
	sprintf(deep + n, "<int>1</int>");
	parse_str(deep, &p);
	ck_assert(!p.ok);
	free(deep);
	/* Binary garbage with NULs, through the length-counted path. */
	{
		char junk[64];

		for (size_t i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 37);
		ag_rpc_parse(junk, sizeof(junk), &p);
		ck_assert(!p.ok);
	}
}
END_TEST

START_TEST(test_results)
{
	char *x;
	size_t n;

	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_JSON_STRING, "[\"xenbr0\"]", 10, &x, &n), 0);
	ck_assert(strstr(x, "<string>[\"xenbr0\"]</string>") || strstr(x, "<string>[&quot;xenbr0&quot;]</string>"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_JSON_STRING, "a\0b", 3, &x, &n), 1);
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_SUCC, "", 0, &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, "SUCC"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_BOOL, "true", 4, &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, "<boolean>1</boolean>"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_BOOL, "false\n", 6, &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, "<boolean>0</boolean>"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_BOOL, "maybe", 5, &x, &n), 1);
	ck_assert_ptr_nonnull(strstr(x, "faultCode"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_NATIVE, "{\"a\":1,\"b\":[true,null,\"x\"]}", 27,
					   &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, "<name>a</name>"));
	ck_assert_ptr_nonnull(strstr(x, "nil"));
	free(x);
	/* netd's printer writes whole doubles as "6e+01": valid JSON xmlrpc-c cannot read */
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_NATIVE, "{\"b\":6e+01,\"c\":\"1e5\",\"d\":-2.5E-1}",
					   33, &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, ">60</i"));
	ck_assert_ptr_nonnull(strstr(x, "<string>1e5</string>"));
	ck_assert_ptr_nonnull(strstr(x, "<double>-0.25"));
	free(x);
	ck_assert_int_eq(ag_rpc_result_xml(AG_RES_NATIVE, "{\"a\":", 5, &x, &n), 1);
	free(x);
	ck_assert_int_eq(ag_rpc_fault_xml(4001, "bad \x01<name>&\xff", &x, &n), 0);
	ck_assert_ptr_nonnull(strstr(x, "<i4>4001</i4>"));
	ck_assert_ptr_nonnull(strstr(x, "bad ?&lt;name&gt;&amp;?"));
	free(x);
}
END_TEST

static struct sockaddr *v4(const char *ip, struct sockaddr_in *s)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &s->sin_addr);
	return (struct sockaddr *)s;
}

static struct sockaddr *v6(const char *ip, struct sockaddr_in6 *s)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	return (struct sockaddr *)s;
}

START_TEST(test_addrtab)
{
	struct ag_addrtab *t = ag_addrtab_new(3);
	struct sockaddr_in a, b;
	struct sockaddr_in6 c, d;
	struct ag_addr *x, *y;
	char text[64];

	x = ag_addr_get(t, v4("10.0.0.1", &a), 1000);
	ck_assert_ptr_nonnull(x);
	ck_assert_ptr_eq(ag_addr_get(t, v4("10.0.0.1", &a), 1001), x);
	(*ag_addr_conns(x))++;
	ck_assert_uint_eq(ag_addr_blocked(x, 1000), 0);
	ag_addr_failure(x, 1000);
	ck_assert_uint_eq(ag_addr_blocked(x, 1000), AG_BACKOFF_FIRST_MS);
	ag_addr_failure(x, 1000);
	ck_assert_uint_eq(ag_addr_blocked(x, 1000), 2 * AG_BACKOFF_FIRST_MS);
	for (int i = 0; i < 20; i++)
		ag_addr_failure(x, 1000);
	ck_assert_uint_eq(ag_addr_blocked(x, 1000), AG_BACKOFF_MAX_MS);
	ck_assert_uint_eq(ag_addr_failures(x), 22);
	ag_addr_success(x);
	ck_assert_uint_eq(ag_addr_blocked(x, 1000), 0);
	/* One /64 is one client. */
	y = ag_addr_get(t, v6("2001:db8::1", &c), 1000);
	ck_assert_ptr_eq(ag_addr_get(t, v6("2001:db8::ffff:1", &d), 1000), y);
	(*ag_addr_conns(y))++;
	/* v4-mapped is the IPv4 client. */
	ck_assert_ptr_eq(ag_addr_get(t, v6("::ffff:10.0.0.1", &d), 1000), x);
	ck_assert_uint_eq(ag_addrtab_count(t), 2);
	ck_assert_ptr_nonnull(ag_addr_get(t, v4("10.0.0.2", &b), 1000));
	/* Full: 10.0.0.2 has no connection and no failure, so it makes room. */
	ck_assert_ptr_nonnull(ag_addr_get(t, v4("10.0.0.3", &b), 1000));
	/* Now full of entries in use (connections) or remembered (failures). */
	ag_addr_failure(ag_addr_get(t, v4("10.0.0.3", &b), 1000), 1000);
	ck_assert_ptr_null(ag_addr_get(t, v4("10.0.0.4", &b), 2000));
	/* Failures are forgotten after a quiet while. */
	ck_assert_ptr_nonnull(ag_addr_get(t, v4("10.0.0.4", &b), 2000 + AG_FORGET_MS + 1));
	ag_addr_format(v4("10.0.0.1", &a), text, sizeof(text));
	ck_assert_str_eq(text, "10.0.0.1");
	ag_addrtab_free(t);
	ag_addrtab_free(NULL);
}
END_TEST

START_TEST(test_datagrams)
{
	int sv[2], fds[AG_MAX_FDS], nfds;
	uint8_t buf[AG_MAX_MSG];
	struct ag_call c = { 0 }, back;
	struct d0_err e = { 0 };
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	c.id = 42;
	c.op = AG_OP_STATUS;
	ck_assert_int_gt(ag_send(sv[0], AG_CALL, &c, sizeof(c), NULL, 0), 0);
	n = ag_recv(sv[1], buf, sizeof(buf), fds, AG_MAX_FDS, &nfds);
	ck_assert_int_eq(n, (ssize_t)(sizeof(struct ag_hdr) + sizeof(c)));
	ck_assert_int_eq(ag_msg_check(buf, (size_t)n, nfds, false, &e), 0);
	memcpy(&back, buf + sizeof(struct ag_hdr), sizeof(back));
	ck_assert_uint_eq(back.id, 42);
	/* Descriptors travel; more than allowed is refused. */
	{
		struct ag_hello h = { 0 };
		int three[3] = { 0, 1, 2 };

		ck_assert_int_gt(ag_send(sv[1], AG_HELLO, &h, sizeof(h), three, 3), 0);
		n = ag_recv(sv[0], buf, sizeof(buf), fds, AG_MAX_FDS, &nfds);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(nfds, 3);
		ck_assert_int_eq(ag_msg_check(buf, (size_t)n, nfds, true, &e), 0);
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		ck_assert_int_lt(ag_send(sv[1], AG_HELLO, &h, sizeof(h), three, 4), 0);
	}
	/* A datagram larger than the receive buffer is cut: refused. */
	ck_assert_int_gt(ag_send(sv[0], AG_CALL, buf, 2000, NULL, 0), 0);
	ck_assert_int_lt(ag_recv(sv[1], buf, 100, fds, AG_MAX_FDS, &nfds), 0);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_lt(ag_send(sv[0], AG_CALL, buf, AG_MAX_MSG, NULL, 0), 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("pure");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_validate);
	tcase_add_test(tc, test_msg_check);
	tcase_add_test(tc, test_basic);
	tcase_add_test(tc, test_password);
	tcase_add_test(tc, test_parse_network);
	tcase_add_test(tc, test_parse_dispatch);
	tcase_add_test(tc, test_parse_sg);
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_results);
	tcase_add_test(tc, test_addrtab);
	tcase_add_test(tc, test_datagrams);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
