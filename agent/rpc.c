/* The request-parsing glue: an XML-RPC body (untrusted, up to the body limit) parsed
 * by xmlrpc-c, the method looked up, its arguments checked and converted into the
 * typed call netd gets. Everything that can go wrong becomes a fault with a code
 * and a readable message; nothing here talks to netd or the network (the fuzzer
 * drives it directly).
 *
 * Calls arrive as CloudStack's Connection.java makes them: OvmDispatch(
 * "Class.function", args...) with structured arguments as JSON strings; or directly,
 * for the dom0net.* methods. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmlrpc-c/base.h>
#include <xmlrpc-c/json.h>

#include <dom0net/agent.h>

#include "rpc_int.h"

#define NESTING_MAX 32		/* XML-RPC values inside values */

struct method {
	const char *name;	/* "Class.function" */
	enum ag_op op;		/* 0: a known function dom0net does not serve */
	int nargs;
	int fault;		/* code of this method's faults */
	enum ag_result via_dispatch, direct;
	bool direct_ok;		/* also callable as a plain XML-RPC method */
	int (*args)(struct rpc_args *a, struct ag_call *c);
};

/* OvmFaultConstants.py: OvmNetworkErrCodeStub (4000) + n; -1 for the rest. */
static const struct method methods[] = {
	{ "OvmNetwork.createBridge", AG_OP_BRIDGE_CREATE, 1, 4001, AG_RES_SUCC, 0, false,
	  rpc_args_create_bridge },
	{ "OvmNetwork.deleteBridge", AG_OP_BRIDGE_DELETE, 1, 4002, AG_RES_SUCC, 0, false,
	  rpc_args_bridge_name },
	{ "OvmNetwork.createVlan", AG_OP_VLAN_CREATE, 1, 4003, AG_RES_JSON_STRING, 0, false,
	  rpc_args_create_vlan },
	{ "OvmNetwork.deleteVlan", AG_OP_VLAN_DELETE, 1, 4004, AG_RES_SUCC, 0, false,
	  rpc_args_vlan_name },
	{ "OvmNetwork.getAllBridges", AG_OP_BRIDGE_NAMES, 0, 4005, AG_RES_JSON_STRING, 0, false,
	  NULL },
	{ "OvmNetwork.getBridgeByIp", AG_OP_BRIDGE_BY_IP, 1, 4006, AG_RES_JSON_STRING, 0, false,
	  rpc_args_ip },
	{ "OvmNetwork.createVlanBridge", AG_OP_VLAN_BRIDGE_CREATE, 2, 4007, AG_RES_SUCC, 0, false,
	  rpc_args_create_vlan_bridge },
	{ "OvmNetwork.deleteVlanBridge", AG_OP_VLAN_BRIDGE_DELETE, 1, 4008, AG_RES_SUCC, 0, false,
	  rpc_args_bridge_name },
	{ "OvmNetwork.getBridgeDetails", AG_OP_BRIDGE_DETAILS, 1, -1, AG_RES_JSON_STRING, 0, false,
	  rpc_args_bridge_name },
	{ "OvmNetwork.getVlans", AG_OP_VLANS, 0, -1, AG_RES_JSON_STRING, 0, false, NULL },
	{ "OvmSecurityGroup.can_bridge_firewall", AG_OP_SG_CAN, 0, -1, AG_RES_BOOL, 0, false,
	  NULL },
	{ "OvmSecurityGroup.cleanup_rules", AG_OP_SG_CLEANUP, 0, -1, AG_RES_BOOL, 0, false, NULL },
	{ "OvmSecurityGroup.default_network_rules_user_vm", AG_OP_SG_DEFAULT, 6, -1, AG_RES_BOOL,
	  0, false, rpc_args_sg_default },
	{ "OvmSecurityGroup.delete_all_network_rules_for_vm", AG_OP_SG_DELETE, -2, -1,
	  AG_RES_BOOL, 0, false, rpc_args_sg_delete },
	/* Its rule language (CloudStack's ingress rules) is not dom0net's anti-spoof model. */
	{ "OvmSecurityGroup.add_network_rules", 0, 9, AG_FAULT_UNSUPPORTED, 0, 0, false, NULL },
	{ "dom0net.status", AG_OP_STATUS, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING, AG_RES_NATIVE,
	  true, NULL },
	{ "dom0net.bridges", AG_OP_BRIDGES, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING, AG_RES_NATIVE,
	  true, NULL },
	{ "dom0net.nics", AG_OP_NICS, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING, AG_RES_NATIVE, true,
	  NULL },
	{ "dom0net.vifs", AG_OP_VIFS, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING, AG_RES_NATIVE, true,
	  NULL },
	{ "dom0net.consoles", AG_OP_CONSOLES, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING,
	  AG_RES_NATIVE, true, NULL },
	{ "dom0net.firewall", AG_OP_FIREWALL, 0, AG_FAULT_GENERIC, AG_RES_JSON_STRING,
	  AG_RES_NATIVE, true, NULL },
	{ "dom0net.setConsolePassword", AG_OP_CONSOLE_PASSWORD, 2, AG_FAULT_GENERIC,
	  AG_RES_JSON_STRING, AG_RES_NATIVE, true, rpc_args_console_password },
};
#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

/* Classes of the Oracle VM agent that dom0net knows but does not serve (it serves
 * the network and console parts only). */
static const char *const other_classes[] = {
	"OvmHost", "OvmVm", "OvmStoragePool", "OvmVolume", "OvmOCFS2", "OvmHaHeartBeat",
	"OvmDisk", "OvmVif",
};

static const struct method *find(const char *name)
{
	for (size_t i = 0; i < N_METHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static bool class_known(const char *cls, size_t len)
{
	for (size_t i = 0; i < N_METHODS; i++)
		if (strncmp(methods[i].name, cls, len) == 0 && methods[i].name[len] == '.')
			return true;
	return false;
}

static bool class_other(const char *cls, size_t len)
{
	for (size_t i = 0; i < sizeof(other_classes) / sizeof(other_classes[0]); i++)
		if (strlen(other_classes[i]) == len && strncmp(other_classes[i], cls, len) == 0)
			return true;
	return false;
}

void rpc_fault(struct ag_parsed *out, int code, const char *fmt, ...)
{
	va_list ap;

	out->ok = false;
	out->fault_code = code;
	va_start(ap, fmt);
	vsnprintf(out->fault, sizeof(out->fault), fmt, ap);
	va_end(ap);
}

/* A printable copy of an untrusted name for messages. */
void rpc_printable(const char *s, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n + 1 < size; i++)
		buf[n++] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	buf[n] = '\0';
	if (len >= size && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

/* The method a call names: OvmDispatch's first argument, or the call's own name. */
static const struct method *resolve(xmlrpc_env *env, const char *name, xmlrpc_value *params,
				    unsigned *first, bool *dispatch, struct ag_parsed *out)
{
	const struct method *m;
	const char *fn = NULL, *dot;
	size_t len = 0;
	char shown[80];

	*first = 0;
	*dispatch = strcmp(name, "OvmDispatch") == 0;
	if (!*dispatch) {
		m = find(name);
		rpc_printable(name, strlen(name), out->method, sizeof(out->method));
		if (m && m->direct_ok)
			return m;
		rpc_printable(name, strlen(name), shown, sizeof(shown));
		rpc_fault(out, AG_FAULT_METHOD, "method %s is not supported%s", shown,
			  m ? " directly (call it through OvmDispatch)" : "");
		return NULL;
	}
	if (xmlrpc_array_size(env, params) < 1) {
		rpc_fault(out, AG_FAULT_PARAMS, "OvmDispatch needs the method name first");
		return NULL;
	}
	{
		xmlrpc_value *v = NULL;

		xmlrpc_array_read_item(env, params, 0, &v);
		if (!env->fault_occurred && xmlrpc_value_type(v) == XMLRPC_TYPE_STRING)
			xmlrpc_read_string_lp(env, v, &len, &fn);
		if (v)
			xmlrpc_DECREF(v);
	}
	if (env->fault_occurred || !fn) {
		rpc_fault(out, AG_FAULT_DISPATCH_FORMAT,
			  "OvmDispatch: the first argument must be the method name as a string");
		free((char *)fn);
		return NULL;
	}
	rpc_printable(fn, len, shown, sizeof(shown));
	snprintf(out->method, sizeof(out->method), "%s", shown);
	*first = 1;
	dot = memchr(fn, '.', len);
	if (!dot || memchr(fn, '\0', len) || memchr(dot + 1, '.', len - (size_t)(dot - fn) - 1) ||
	    dot == fn || dot == fn + len - 1) {
		rpc_fault(out, AG_FAULT_DISPATCH_FORMAT,
			  "%s is not a valid format, should be classname.methodname", shown);
	} else if ((m = find(fn))) {
		free((char *)fn);
		return m;
	} else if (class_other(fn, (size_t)(dot - fn))) {
		rpc_fault(out, AG_FAULT_UNSUPPORTED,
			  "class %.*s is not served by dom0net's agent (network and console calls "
			  "only)", (int)(dot - fn), fn);
	} else if (class_known(fn, (size_t)(dot - fn))) {
		rpc_fault(out, AG_FAULT_DISPATCH_FUNCTION, "class %.*s has no function %s",
			  (int)(dot - fn), fn, dot + 1);
	} else {
		rpc_printable(fn, (size_t)(dot - fn), shown, sizeof(shown));
		rpc_fault(out, AG_FAULT_DISPATCH_CLASS, "class %s is not exposed by agent", shown);
	}
	free((char *)fn);
	return NULL;
}

/* XML-RPC never needs a DTD; xmlrpc-c's expat-era parser would expand entities. */
static bool has_dtd(const char *xml, size_t len)
{
	static const char *const bad[] = { "<!DOCTYPE", "<!ENTITY" };

	for (size_t k = 0; k < 2; k++)
		if (memmem(xml, len, bad[k], strlen(bad[k])))
			return true;
	return false;
}

static void limits_once(void)
{
	static bool done;

	if (done)
		return;
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, AG_MAX_BODY);
	xmlrpc_limit_set(XMLRPC_NESTING_LIMIT_ID, NESTING_MAX);
	done = true;
}

void ag_rpc_parse(const char *xml, size_t len, struct ag_parsed *out)
{
	xmlrpc_env env;
	const char *name = NULL;
	xmlrpc_value *params = NULL;
	const struct method *m;
	unsigned first;
	bool dispatch;
	int given;

	memset(out, 0, sizeof(*out));
	out->fault_code = AG_FAULT_GENERIC;
	snprintf(out->method, sizeof(out->method), "?");
	limits_once();
	if (has_dtd(xml, len)) {
		rpc_fault(out, AG_FAULT_REQUEST, "document type declarations are not accepted");
		return;
	}
	xmlrpc_env_init(&env);
	xmlrpc_parse_call(&env, xml, len, &name, &params);
	if (env.fault_occurred) {
		char why[160];

		rpc_printable(env.fault_string ? env.fault_string : "?",
			      env.fault_string ? strlen(env.fault_string) : 1, why, sizeof(why));
		rpc_fault(out, AG_FAULT_PARSE, "not a valid XML-RPC call: %s", why);
		goto out;
	}
	m = resolve(&env, name, params, &first, &dispatch, out);
	if (!m)
		goto out;
	out->fault_code = m->fault;
	given = xmlrpc_array_size(&env, params) - (int)first;
	if (!m->op) {
		rpc_fault(out, AG_FAULT_UNSUPPORTED,
			  "%s is not supported: dom0net installs per-VIF anti-spoofing rules "
			  "(default_network_rules_user_vm); CloudStack's per-VM ingress rules are "
			  "out of its scope", m->name);
		goto out;
	}
	/* nargs -2: one required, a second optional (delete_all_network_rules_for_vm). */
	if ((m->nargs >= 0 && given != m->nargs) || (m->nargs == -2 && (given < 1 || given > 2))) {
		rpc_fault(out, m->fault, "%s takes %d argument%s, got %d", m->name,
			  m->nargs == -2 ? 2 : m->nargs, m->nargs == 1 ? "" : "s", given);
		goto out;
	}
	out->call.op = (uint16_t)m->op;
	out->result = dispatch ? m->via_dispatch : m->direct;
	if (m->args) {
		struct rpc_args a = { &env, params, first, (unsigned)given, m->name, m->fault, out };

		if (m->args(&a, &out->call) < 0)
			goto out;
	}
	out->ok = true;
out:
	if (params)
		xmlrpc_DECREF(params);
	free((char *)name);
	xmlrpc_env_clean(&env);
	if (!out->ok)
		memset(&out->call, 0, sizeof(out->call));	/* may hold a password */
}

int ag_rpc_fault_code(const struct ag_parsed *p, int err)
{
	(void)err;
	return p->fault_code;
}
