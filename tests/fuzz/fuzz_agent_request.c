/* libFuzzer target for the agent's request-parsing glue (agent/rpc*.c, auth.c): the
 * input is an HTTP request body as a client sends it, parsed into a typed call or a
 * fault (xmlrpc-c underneath, then the method table and the argument converters,
 * JSON arguments included); a parsed call must pass the checks netd runs, and every
 * fault must serialise. The same bytes also go through the Basic auth parser and,
 * as netd's answer, through the result conversion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ag_parsed p;
	struct d0_err e = { 0 };
	char user[64], pw[AG_PASSWORD_MAX], *s, *xml = NULL;
	size_t len;

	if (size > AG_MAX_BODY)
		return 0;
	ag_rpc_parse((const char *)data, size, &p);
	if (p.ok) {
		/* What the agent sends, netd accepts. */
		if (ag_call_validate(&p.call, &e) < 0)
			abort();
		for (int k = AG_RES_JSON_STRING; k <= AG_RES_NATIVE; k++) {
			if (ag_rpc_result_xml((enum ag_result)k, (const char *)data, size, &xml,
					      &len) < 0)
				abort();
			free(xml);
		}
	} else {
		if (!p.fault[0] || ag_rpc_fault_xml(p.fault_code, p.fault, &xml, &len) < 0)
			abort();
		free(xml);
	}
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	ag_basic_parse(s, user, sizeof(user), pw, sizeof(pw));
	free(s);
	return 0;
}
