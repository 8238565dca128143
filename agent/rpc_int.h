/* Private to agent/: the request-parsing glue's pieces (rpc.c, rpc_args.c). */
#ifndef AGENT_RPC_INT_H
#define AGENT_RPC_INT_H

#include <stdarg.h>

#include <xmlrpc-c/base.h>

#include <dom0net/agent.h>

/* The arguments of one call: params[first .. first+n-1]. */
struct rpc_args {
	xmlrpc_env *env;
	xmlrpc_value *params;
	unsigned first, n;
	const char *method;
	int fault;		/* the method's fault code */
	struct ag_parsed *out;	/* faults go here */
};

void rpc_fault(struct ag_parsed *out, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void rpc_printable(const char *s, size_t len, char *buf, size_t size);

/* Converters: 0, or -1 with a fault in a->out. */
int rpc_args_create_bridge(struct rpc_args *a, struct ag_call *c);
int rpc_args_bridge_name(struct rpc_args *a, struct ag_call *c);
int rpc_args_vlan_name(struct rpc_args *a, struct ag_call *c);
int rpc_args_create_vlan(struct rpc_args *a, struct ag_call *c);
int rpc_args_create_vlan_bridge(struct rpc_args *a, struct ag_call *c);
int rpc_args_ip(struct rpc_args *a, struct ag_call *c);
int rpc_args_sg_default(struct rpc_args *a, struct ag_call *c);
int rpc_args_sg_delete(struct rpc_args *a, struct ag_call *c);
int rpc_args_console_password(struct rpc_args *a, struct ag_call *c);

/* Deepest nesting of [ and { in a JSON text (outside strings). */
unsigned rpc_json_depth(const char *s, size_t len);

#endif
