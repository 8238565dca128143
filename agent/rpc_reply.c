/* Responses: faults, and results built from netd's JSON text the way the method's
 * caller expects them (a JSON string for OvmDispatch, a boolean for the security
 * group calls, XML-RPC values for dom0net.* called directly). Serialised by xmlrpc-c
 * with <i8/> and <nil/> where values need them. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xmlrpc-c/base.h>
#include <xmlrpc-c/json.h>

#include <dom0net/agent.h>

#include "rpc_int.h"

#define RESULT_DEPTH_MAX 16	/* netd's documents nest a few levels */

static int take(xmlrpc_env *env, xmlrpc_mem_block *mb, char **xml, size_t *len)
{
	size_t n;

	if (env->fault_occurred)
		return -1;
	n = XMLRPC_MEMBLOCK_SIZE(char, mb);
	*xml = malloc(n + 1);
	if (!*xml)
		return -1;
	memcpy(*xml, XMLRPC_MEMBLOCK_CONTENTS(char, mb), n);
	(*xml)[n] = '\0';
	*len = n;
	return 0;
}

int ag_rpc_fault_xml(int code, const char *msg, char **xml, size_t *len)
{
	xmlrpc_env env, fault;
	xmlrpc_mem_block *mb;
	char clean[512];
	int rc = -1;

	/* Messages quote kernel text and names: printable ASCII only in the XML. */
	rpc_printable(msg, strlen(msg), clean, sizeof(clean));
	xmlrpc_env_init(&env);
	xmlrpc_env_init(&fault);
	xmlrpc_env_set_fault(&fault, code, clean);
	mb = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	if (!env.fault_occurred) {
		xmlrpc_serialize_fault(&env, mb, &fault);
		rc = take(&env, mb, xml, len);
		XMLRPC_MEMBLOCK_FREE(char, mb);
	}
	xmlrpc_env_clean(&fault);
	xmlrpc_env_clean(&env);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

/* A copy of JSON text with numbers in exponent form ("6e+01", valid JSON, which
 * netd's printer writes for whole doubles) rewritten in decimals: xmlrpc-c's JSON
 * parser reads no exponents. NULL if out of memory. */
static char *decimal_numbers(const char *text, size_t len)
{
	char *out = malloc(len * 4 + 64), *o = out;
	bool in_str = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		char c = text[i];

		if (in_str || (c != '-' && (c < '0' || c > '9'))) {
			if (in_str && c == '\\' && i + 1 < len) {
				*o++ = text[i++];
			} else if (c == '"') {
				in_str = !in_str;
			}
			*o++ = text[i++];
			continue;
		}
		size_t n = strspn(text + i, "-+0123456789.eE");
		char num[64];

		if (n < sizeof(num) && (memchr(text + i, 'e', n) || memchr(text + i, 'E', n))) {
			double v;

			memcpy(num, text + i, n);
			num[n] = '\0';
			v = strtod(num, NULL);
			/* Below 1e15 the decimal form is at most 4 times as long as the
			 * exponent form (3+ bytes): len * 4 + 64 holds the result. Larger
			 * ones stay as they are (and do not convert). */
			if (!(v > -1e15 && v < 1e15)) {
				memcpy(o, num, n);
				o += n;
			} else if (v == (double)(long long)v) {
				o += sprintf(o, "%lld", (long long)v);
			} else {
				o += sprintf(o, "%.6f", v);
			}
		} else {
			memcpy(o, text + i, n);
			o += n;
		}
		i += n;
	}
	*o = '\0';
	return out;
}

static xmlrpc_value *build(xmlrpc_env *env, enum ag_result kind, const char *text, size_t len)
{
	if (memchr(text, '\0', len))
		kind = (enum ag_result)-1;	/* never from netd's printers: refuse */
	switch (kind) {
	case AG_RES_JSON_STRING:
		while (len && text[len - 1] == '\n')
			len--;	/* netd's printer ends documents with one */
		return xmlrpc_string_new_lp(env, len, text);
	case AG_RES_SUCC:
		return xmlrpc_string_new(env, "SUCC");
	case AG_RES_BOOL:
		while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
			len--;
		if (len == 4 && memcmp(text, "true", 4) == 0)
			return xmlrpc_bool_new(env, 1);
		if (len == 5 && memcmp(text, "false", 5) == 0)
			return xmlrpc_bool_new(env, 0);
		break;
	case AG_RES_NATIVE: {
		char *copy;
		xmlrpc_value *v;

		if (rpc_json_depth(text, len) > RESULT_DEPTH_MAX)
			break;
		copy = decimal_numbers(text, len);
		if (!copy)
			break;
		v = xmlrpc_parse_json(env, copy);
		free(copy);
		/* On failure xmlrpc-c returns garbage or a freed value: never use it. */
		return env->fault_occurred ? NULL : v;
	}
	}
	xmlrpc_env_set_fault(env, AG_FAULT_INTERNAL, "netd's answer does not convert");
	return NULL;
}

int ag_rpc_result_xml(enum ag_result kind, const char *text, size_t textlen, char **xml,
		      size_t *len)
{
	xmlrpc_env env;
	xmlrpc_value *v;
	xmlrpc_mem_block *mb = NULL;
	int rc = -1;

	xmlrpc_env_init(&env);
	v = build(&env, kind, text, textlen);
	if (env.fault_occurred)
		v = NULL;
	else
		mb = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	if (!env.fault_occurred) {
		xmlrpc_serialize_response2(&env, mb, v, xmlrpc_dialect_i8);
		rc = take(&env, mb, xml, len);
	}
	if (mb)
		XMLRPC_MEMBLOCK_FREE(char, mb);
	if (v)
		xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
	if (rc < 0)
		return ag_rpc_fault_xml(AG_FAULT_INTERNAL, "cannot encode the result", xml, len) < 0
			       ? -1 : 1;
	return 0;
}
