/* Argument converters of the request-parsing glue: XML-RPC values (and the JSON
 * strings CloudStack's plugin sends inside them) into the typed call. Names are
 * checked here for a good message and again by netd. Messages follow the ones of
 * OvmNetworkModule.py where it had them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmlrpc-c/base.h>
#include <xmlrpc-c/json.h>

#include "rpc_int.h"

#define JSON_DEPTH_MAX 8	/* {name, attach, interfaces: [...]} needs 2 */
#define JSON_TEXT_MAX 4096

unsigned rpc_json_depth(const char *s, size_t len)
{
	unsigned depth = 0, max = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max)
				max = depth;
		} else if ((c == ']' || c == '}') && depth) {
			depth--;
		}
	}
	return max;
}

static xmlrpc_value *item(struct rpc_args *a, unsigned i)
{
	xmlrpc_value *v = NULL;

	xmlrpc_array_read_item(a->env, a->params, a->first + i, &v);
	if (a->env->fault_occurred) {
		xmlrpc_env_clean(a->env);
		xmlrpc_env_init(a->env);
		return NULL;
	}
	return v;
}

/* Argument i as a string (an integer is accepted where ints_ok, nil where nil_ok: "").
 * what names it in messages. */
static int arg_string(struct rpc_args *a, unsigned i, const char *what, bool ints_ok,
		      bool nil_ok, char *buf, size_t size)
{
	xmlrpc_value *v = item(a, i);
	const char *s = NULL;
	size_t len = 0;
	int rc = -1;

	if (!v)
		goto bad;
	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_STRING:
		xmlrpc_read_string_lp(a->env, v, &len, &s);
		if (a->env->fault_occurred || !s)
			goto bad;
		if (memchr(s, '\0', len)) {
			rpc_fault(a->out, a->fault, "%s: %s contains a NUL character", a->method, what);
			goto out;
		}
		if (len >= size) {
			rpc_fault(a->out, a->fault, "%s: %s is too long (at most %zu bytes)", a->method,
				  what, size - 1);
			goto out;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		rc = 0;
		goto out;
	case XMLRPC_TYPE_INT:
	case XMLRPC_TYPE_I8: {
		xmlrpc_int64 n = 0;

		if (!ints_ok)
			goto bad;
		if (xmlrpc_value_type(v) == XMLRPC_TYPE_INT) {
			int k = 0;

			xmlrpc_read_int(a->env, v, &k);
			n = k;
		} else {
			xmlrpc_read_i8(a->env, v, &n);
		}
		if (a->env->fault_occurred || (size_t)snprintf(buf, size, "%lld", (long long)n) >= size)
			goto bad;
		rc = 0;
		goto out;
	}
	case XMLRPC_TYPE_NIL:
		if (!nil_ok)
			goto bad;
		buf[0] = '\0';
		rc = 0;
		goto out;
	default:
		goto bad;
	}
bad:
	rpc_fault(a->out, AG_FAULT_PARAMS, "%s: %s must be a string%s", a->method, what,
		  ints_ok ? " or an integer" : "");
out:
	if (a->env->fault_occurred) {
		xmlrpc_env_clean(a->env);
		xmlrpc_env_init(a->env);
	}
	free((char *)s);
	if (v)
		xmlrpc_DECREF(v);
	return rc;
}

/* Argument i: a JSON object in a string. OvmCommonModule.asciiLoads also took
 * Python's repr (single quotes, True/False): so do we. */
static xmlrpc_value *arg_json(struct rpc_args *a, unsigned i, const char *what)
{
	char text[JSON_TEXT_MAX];
	xmlrpc_value *obj;
	size_t len;

	if (arg_string(a, i, what, false, false, text, sizeof(text)) < 0)
		return NULL;
	len = strlen(text);
	for (size_t k = 0; k < len; k++)
		if (text[k] == '\'')
			text[k] = '"';
	for (char *p = text; (p = strstr(p, "True")); p += 4)
		memcpy(p, "true", 4);
	for (char *p = text; (p = strstr(p, "False")); p += 5)
		memcpy(p, "false", 5);
	if (rpc_json_depth(text, strlen(text)) > JSON_DEPTH_MAX) {
		rpc_fault(a->out, a->fault, "%s: %s is nested too deeply", a->method, what);
		return NULL;
	}
	obj = xmlrpc_parse_json(a->env, text);
	if (a->env->fault_occurred)
		obj = NULL;	/* on failure xmlrpc-c returns garbage or a freed value */
	if (!obj || xmlrpc_value_type(obj) != XMLRPC_TYPE_STRUCT) {
		xmlrpc_env_clean(a->env);
		xmlrpc_env_init(a->env);
		if (obj)
			xmlrpc_DECREF(obj);
		rpc_fault(a->out, a->fault, "%s: %s must be a JSON object", a->method, what);
		return NULL;
	}
	return obj;
}

/* A string member of a JSON object; absent is an error when required. */
static int json_string(struct rpc_args *a, xmlrpc_value *obj, const char *key, bool required,
		       char *buf, size_t size)
{
	xmlrpc_value *v = NULL;
	const char *s = NULL;
	size_t len = 0;
	int rc = -1;

	buf[0] = '\0';
	xmlrpc_struct_find_value(a->env, obj, key, &v);
	if (a->env->fault_occurred)
		goto bad;
	if (!v) {
		if (!required)
			return 0;
		rpc_fault(a->out, a->fault, "%s: '%s' is missing", a->method, key);
		return -1;
	}
	if (xmlrpc_value_type(v) != XMLRPC_TYPE_STRING)
		goto bad;
	xmlrpc_read_string_lp(a->env, v, &len, &s);
	if (a->env->fault_occurred || !s || memchr(s, '\0', len))
		goto bad;
	if (len >= size) {
		rpc_fault(a->out, a->fault, "%s: '%s' is too long", a->method, key);
		goto out;
	}
	memcpy(buf, s, len + 1);
	rc = 0;
	goto out;
bad:
	rpc_fault(a->out, AG_FAULT_PARAMS, "%s: '%s' must be a string", a->method, key);
out:
	if (a->env->fault_occurred) {
		xmlrpc_env_clean(a->env);
		xmlrpc_env_init(a->env);
	}
	free((char *)s);
	if (v)
		xmlrpc_DECREF(v);
	return rc;
}

/* A VLAN id member: a number, or digits in a string (the original applied int()). */
static int json_vid(struct rpc_args *a, xmlrpc_value *obj, uint32_t *vid)
{
	xmlrpc_value *v = NULL;
	long long n = -1;
	int rc = -1;

	xmlrpc_struct_find_value(a->env, obj, "vid", &v);
	if (!a->env->fault_occurred && v) {
		xmlrpc_type t = xmlrpc_value_type(v);

		if (t == XMLRPC_TYPE_INT) {
			int k;

			xmlrpc_read_int(a->env, v, &k);
			n = k;
		} else if (t == XMLRPC_TYPE_I8) {
			xmlrpc_int64 k;

			xmlrpc_read_i8(a->env, v, &k);
			n = k;
		} else if (t == XMLRPC_TYPE_STRING) {
			char buf[8];

			xmlrpc_DECREF(v);
			v = NULL;
			if (json_string(a, obj, "vid", true, buf, sizeof(buf)) < 0)
				return -1;
			if (buf[0] >= '1' && buf[0] <= '9' && strspn(buf, "0123456789") == strlen(buf))
				n = atoll(buf);
		}
	}
	if (a->env->fault_occurred) {
		xmlrpc_env_clean(a->env);
		xmlrpc_env_init(a->env);
		n = -1;
	}
	if (v)
		xmlrpc_DECREF(v);
	if (n >= 1 && n <= 4094) {
		*vid = (uint32_t)n;
		rc = 0;
	} else {
		rpc_fault(a->out, a->fault, "%s: 'vid' must be a VLAN id 1..4094", a->method);
	}
	return rc;
}

static int bridge_json(struct rpc_args *a, unsigned i, char name[IFNAMSIZ], char attach[IFNAMSIZ],
		       bool want_attach)
{
	xmlrpc_value *o = arg_json(a, i, "the bridge");
	char nb[64], ab[64];
	int rc = -1;

	if (!o)
		return -1;
	if (json_string(a, o, "name", true, nb, sizeof(nb)) < 0 ||
	    (want_attach && json_string(a, o, "attach", true, ab, sizeof(ab)) < 0))
		goto out;
	if (!ovm_bridge_name_ok(nb)) {
		rpc_printable(nb, strlen(nb), nb, sizeof(nb));
		rpc_fault(a->out, a->fault, "Invalid bridge name %s. Bridge name must be in pattern "
			  "xenbr/vlan, e.g. xenbr0", nb);
		goto out;
	}
	snprintf(name, IFNAMSIZ, "%.15s", nb);
	if (want_attach) {
		if (!ovm_pif_name_ok(ab) && !ovm_vlan_name_ok(ab, NULL, NULL)) {
			rpc_printable(ab, strlen(ab), ab, sizeof(ab));
			rpc_fault(a->out, a->fault, "%s is not either pif or vlan", ab);
			goto out;
		}
		snprintf(attach, IFNAMSIZ, "%.15s", ab);
	}
	rc = 0;
out:
	xmlrpc_DECREF(o);
	return rc;
}

static int vlan_json(struct rpc_args *a, unsigned i, char pif[IFNAMSIZ], uint32_t *vid)
{
	xmlrpc_value *o = arg_json(a, i, "the VLAN");
	char pb[64];
	int rc = -1;

	if (!o)
		return -1;
	if (json_string(a, o, "pif", true, pb, sizeof(pb)) < 0 || json_vid(a, o, vid) < 0)
		goto out;
	if (!ovm_pif_name_ok(pb)) {
		rpc_printable(pb, strlen(pb), pb, sizeof(pb));
		rpc_fault(a->out, a->fault, "Physical Interface(%s) is not ethN or bondN", pb);
		goto out;
	}
	snprintf(pif, IFNAMSIZ, "%.15s", pb);
	rc = 0;
out:
	xmlrpc_DECREF(o);
	return rc;
}

int rpc_args_create_bridge(struct rpc_args *a, struct ag_call *c)
{
	return bridge_json(a, 0, c->u.bridge.name, c->u.bridge.attach, true);
}

int rpc_args_create_vlan(struct rpc_args *a, struct ag_call *c)
{
	return vlan_json(a, 0, c->u.vlan.pif, &c->u.vlan.vid);
}

int rpc_args_create_vlan_bridge(struct rpc_args *a, struct ag_call *c)
{
	/* The bridge's attach is the VLAN device (the original overwrote it too). */
	if (bridge_json(a, 0, c->u.vlan_bridge.name, NULL, false) < 0)
		return -1;
	return vlan_json(a, 1, c->u.vlan_bridge.pif, &c->u.vlan_bridge.vid);
}

int rpc_args_bridge_name(struct rpc_args *a, struct ag_call *c)
{
	char buf[64], shown[64];

	if (arg_string(a, 0, "the bridge name", false, false, buf, sizeof(buf)) < 0)
		return -1;
	if (!ovm_bridge_name_ok(buf)) {
		rpc_printable(buf, strlen(buf), shown, sizeof(shown));
		rpc_fault(a->out, a->fault, "No bridge %s found (bridge names are xenbrN or vlanN)",
			  shown);
		return -1;
	}
	snprintf(c->u.name.name, sizeof(c->u.name.name), "%.15s", buf);
	return 0;
}

int rpc_args_vlan_name(struct rpc_args *a, struct ag_call *c)
{
	char buf[64], shown[64];

	if (arg_string(a, 0, "the VLAN device", false, false, buf, sizeof(buf)) < 0)
		return -1;
	if (!ovm_vlan_name_ok(buf, NULL, NULL)) {
		rpc_printable(buf, strlen(buf), shown, sizeof(shown));
		rpc_fault(a->out, a->fault, "No vlan device %s found (VLAN devices are ethN.V or "
			  "bondN.V)", shown);
		return -1;
	}
	snprintf(c->u.name.name, sizeof(c->u.name.name), "%.15s", buf);
	return 0;
}

int rpc_args_ip(struct rpc_args *a, struct ag_call *c)
{
	char buf[64], shown[64];
	struct in_addr in;

	if (arg_string(a, 0, "the address", false, false, buf, sizeof(buf)) < 0)
		return -1;
	if (inet_pton(AF_INET, buf, &in) != 1 || in.s_addr == 0) {
		rpc_printable(buf, strlen(buf), shown, sizeof(shown));
		rpc_fault(a->out, a->fault, "Cannot find bridge with IP %s (not an IPv4 address)",
			  shown);
		return -1;
	}
	c->u.ip.addr = in.s_addr;
	return 0;
}

int rpc_args_sg_default(struct rpc_args *a, struct ag_call *c)
{
	char ip[64], mac[64];
	struct in_addr in;

	/* (vmName, vmId, ip, mac, vif, bridge) as OvmSecurityGroup.java sends them. */
	if (arg_string(a, 0, "vmName", false, false, c->u.sg.vm_name, sizeof(c->u.sg.vm_name)) < 0 ||
	    arg_string(a, 1, "vmId", true, true, c->u.sg.vm_id, sizeof(c->u.sg.vm_id)) < 0 ||
	    arg_string(a, 2, "ip", false, true, ip, sizeof(ip)) < 0 ||
	    arg_string(a, 3, "mac", false, false, mac, sizeof(mac)) < 0 ||
	    arg_string(a, 4, "vif", false, false, c->u.sg.vif, sizeof(c->u.sg.vif)) < 0 ||
	    arg_string(a, 5, "bridge", false, true, c->u.sg.bridge, sizeof(c->u.sg.bridge)) < 0)
		return -1;
	if (!ovm_token_ok(c->u.sg.vm_name, sizeof(c->u.sg.vm_name)) ||
	    (c->u.sg.vm_id[0] && !ovm_token_ok(c->u.sg.vm_id, sizeof(c->u.sg.vm_id)))) {
		rpc_fault(a->out, a->fault, "%s: VM names and ids are letters, digits, '.', '_', '-'",
			  a->method);
		return -1;
	}
	if (ip[0]) {
		if (inet_pton(AF_INET, ip, &in) != 1 || in.s_addr == 0) {
			rpc_fault(a->out, a->fault, "%s: ip is not an IPv4 address", a->method);
			return -1;
		}
		c->u.sg.ip = in.s_addr;
		c->u.sg.has_ip = 1;
	}
	if (ovm_parse_mac(mac, c->u.sg.mac) < 0) {
		rpc_fault(a->out, a->fault, "%s: mac is not a unicast MAC address", a->method);
		return -1;
	}
	c->u.sg.has_mac = 1;
	if (!ovm_vif_name_ok(c->u.sg.vif) || (c->u.sg.bridge[0] && !ifname_valid(c->u.sg.bridge))) {
		rpc_fault(a->out, a->fault, "%s: vif must name a guest device (vifD.N) and bridge "
			  "an interface", a->method);
		return -1;
	}
	return 0;
}

int rpc_args_sg_delete(struct rpc_args *a, struct ag_call *c)
{
	/* (vmName, vif): vif may be absent or nil, as the Python default vif=None. */
	if (arg_string(a, 0, "vmName", false, false, c->u.sg.vm_name, sizeof(c->u.sg.vm_name)) < 0 ||
	    (a->n > 1 && arg_string(a, 1, "vif", false, true, c->u.sg.vif, sizeof(c->u.sg.vif)) < 0))
		return -1;
	if (!ovm_token_ok(c->u.sg.vm_name, sizeof(c->u.sg.vm_name)) ||
	    (c->u.sg.vif[0] && !ovm_vif_name_ok(c->u.sg.vif))) {
		rpc_fault(a->out, a->fault, "%s: bad VM name or vif", a->method);
		return -1;
	}
	return 0;
}

int rpc_args_console_password(struct rpc_args *a, struct ag_call *c)
{
	if (arg_string(a, 0, "domain", true, false, c->u.console_pw.domain,
		       sizeof(c->u.console_pw.domain)) < 0 ||
	    arg_string(a, 1, "password", false, false, c->u.console_pw.password,
		       sizeof(c->u.console_pw.password)) < 0)
		return -1;
	if (!ovm_token_ok(c->u.console_pw.domain, sizeof(c->u.console_pw.domain))) {
		rpc_fault(a->out, a->fault, "%s: domain must be a domain name or id", a->method);
		return -1;
	}
	return 0;
}
