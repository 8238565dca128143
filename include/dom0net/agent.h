/* agent/: the Oracle VM 2.x agent API on 8899 (spec/agent.md, doc/agent.md): XML-RPC
 * over HTTP(S) with Basic auth, the calls CloudStack's OVM plugin makes through
 * OvmDispatch("Class.function", args...), and dom0net's own dom0net.* methods.
 *
 * Processes: netd (root) binds the port and re-executes itself as the agent child
 * (AGENT_CHILD_ARG), which drops to an unprivileged user, no capabilities, seccomp.
 * The child speaks HTTP(S) (evhttp, libevent_openssl), checks the password against
 * its crypt(3) hash, parses XML-RPC with xmlrpc-c and sends netd one typed,
 * versioned, size-checked request per call over a SOCK_SEQPACKET socketpair. netd
 * re-validates every field and answers with JSON text; XML never reaches netd.
 *
 * The pure parts (the message checks, the request-parsing glue, names, Basic auth,
 * the per-address table) are here for the unit tests and the fuzzers. */
#ifndef DOM0NET_AGENT_H
#define DOM0NET_AGENT_H

#include <dom0net/names.h> /* IFNAMSIZ */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct d0_err;
struct event_base;

/* ---- limits (defaults; the HELLO carries the values in force) --------------------- */
#define AG_MAX_BODY (1u << 20)		/* request body bytes (XML); 413 above */
#define AG_MAX_HEADERS 8192u		/* request line + headers; 400/431 above */
#define AG_MAX_CONNS 1024u		/* connections at once, all clients */
#define AG_MAX_CONNS_PER_ADDR 64u	/* ... per client address (IPv6: per /64) */
#define AG_REQUEST_TIMEOUT_S 30u	/* a whole request must arrive within this */
#define AG_IDLE_TIMEOUT_S 30u		/* keep-alive connections idle this long close */
#define AG_MAX_PENDING 64u		/* calls waiting for netd; 503 above */
#define AG_CALL_TIMEOUT_S 120u		/* netd must answer a call within this */
#define AG_REPLY_MAX (16u << 20)	/* largest answer the agent takes from netd */
#define AG_CRYPT_RATE 20.0		/* password hash checks per second ... */
#define AG_CRYPT_BURST 40.0		/* ... with this burst (cached successes are free) */
#define AG_BACKOFF_FIRST_MS 1000u	/* after a failed login; doubling ... */
#define AG_BACKOFF_MAX_MS 60000u	/* ... up to this */
#define AG_FORGET_MS 600000u		/* failures forgotten after 10 quiet minutes */
#define AG_ADDR_TABLE 4096u		/* client addresses tracked */

/* ---- netd <-> agent messages (msg.c) ---------------------------------------------- */
#define AG_PROTO_VERSION 1
#define AG_MAX_MSG 16384		/* largest datagram, header included */
#define AG_MAX_FDS 3			/* listener, certificate, key */
#define AGENT_CHILD_ARG "--agent-child"	/* netd re-executed as the agent */
#define AGENT_CHILD_FD 3		/* the child's end of the socketpair */
#define AG_HASH_MAX 160			/* = sizeof(d0_config.agent_password_hash) */

enum ag_type {
	AG_HELLO = 1,	/* netd -> agent: ag_hello + listener (+ cert, key if tls) */
	AG_AUTH,	/* netd -> agent: ag_auth (the password hash changed) */
	AG_REPLY,	/* netd -> agent: ag_reply + up to AG_REPLY_CHUNK text bytes */
	AG_READY,	/* agent -> netd: ag_ready (sandbox in place) */
	AG_CALL,	/* agent -> netd: ag_call */
	AG_TYPE_MAX,
};

struct ag_hdr {
	uint16_t version;	/* AG_PROTO_VERSION */
	uint16_t type;		/* enum ag_type */
	uint32_t len;		/* payload bytes after the header */
};

struct ag_hello {
	uint32_t uid, gid;	/* the unprivileged user to become */
	uint32_t log_level, log_stderr, log_syslog;
	uint32_t tls;		/* 1: certificate and key descriptors follow the listener */
	uint32_t max_body, max_headers, max_conns, max_conns_per_addr;
	uint32_t request_timeout_s, idle_timeout_s;
	char password_hash[AG_HASH_MAX];
	char listen_desc[80];	/* "0.0.0.0:8899", for logs */
};

struct ag_auth {
	char password_hash[AG_HASH_MAX];
};

struct ag_ready {
	uint32_t pid;
	uint32_t uid;		/* what the child runs as */
	uint32_t flags;		/* AG_SANDBOX_* */
};

#define AG_SANDBOX_SETUID 0x1	/* switched to the configured user */
#define AG_SANDBOX_NOCAPS 0x2	/* no capabilities in any set, bounding set empty */
#define AG_SANDBOX_SECCOMP 0x4	/* system call allow-list loaded */

/* What the agent may ask. Every operation names its arguments in the union below;
 * netd checks the operation, then every string (NUL inside its array, the name rules
 * of ovm_names.c) and number again before doing anything. */
enum ag_op {
	AG_OP_STATUS = 1,	/* dom0net.status */
	AG_OP_BRIDGES,		/* dom0net.bridges: every bridge with its details */
	AG_OP_NICS,		/* dom0net.nics */
	AG_OP_VIFS,		/* dom0net.vifs */
	AG_OP_CONSOLES,		/* dom0net.consoles */
	AG_OP_FIREWALL,		/* dom0net.firewall */
	AG_OP_CONSOLE_PASSWORD,	/* dom0net.setConsolePassword: console_pw */
	AG_OP_BRIDGE_NAMES,	/* OvmNetwork.getAllBridges */
	AG_OP_BRIDGE_DETAILS,	/* OvmNetwork.getBridgeDetails: name */
	AG_OP_BRIDGE_BY_IP,	/* OvmNetwork.getBridgeByIp: ip */
	AG_OP_BRIDGE_CREATE,	/* OvmNetwork.createBridge: bridge */
	AG_OP_BRIDGE_DELETE,	/* OvmNetwork.deleteBridge: name */
	AG_OP_VLANS,		/* OvmNetwork.getVlans */
	AG_OP_VLAN_CREATE,	/* OvmNetwork.createVlan: vlan */
	AG_OP_VLAN_DELETE,	/* OvmNetwork.deleteVlan: name */
	AG_OP_VLAN_BRIDGE_CREATE, /* OvmNetwork.createVlanBridge: vlan_bridge */
	AG_OP_VLAN_BRIDGE_DELETE, /* OvmNetwork.deleteVlanBridge: name */
	AG_OP_SG_CAN,		/* OvmSecurityGroup.can_bridge_firewall */
	AG_OP_SG_CLEANUP,	/* OvmSecurityGroup.cleanup_rules */
	AG_OP_SG_DEFAULT,	/* OvmSecurityGroup.default_network_rules_user_vm: sg */
	AG_OP_SG_DELETE,	/* OvmSecurityGroup.delete_all_network_rules_for_vm: sg */
	AG_OP_MAX,
};

#define AG_VM_NAME_MAX 64
#define AG_VM_ID_MAX 32
#define AG_DOMAIN_MAX 64
#define AG_CONSOLE_PW_MAX 64

struct ag_call {
	uint32_t id;		/* echoed in the reply */
	uint16_t op;		/* enum ag_op */
	uint16_t pad;
	union {
		struct {
			char name[IFNAMSIZ];	/* xenbrN, vlanN, or a VLAN device */
		} name;
		struct {
			uint32_t addr;		/* IPv4, network byte order */
		} ip;
		struct {
			char name[IFNAMSIZ];	/* xenbrN / vlanN */
			char attach[IFNAMSIZ];	/* ethN, bondN, ethN.V, bondN.V */
		} bridge;
		struct {
			char pif[IFNAMSIZ];	/* ethN / bondN */
			uint32_t vid;		/* 1..4094 */
		} vlan;
		struct {
			char name[IFNAMSIZ];	/* the bridge */
			char pif[IFNAMSIZ];
			uint32_t vid;
		} vlan_bridge;
		struct {
			char vm_name[AG_VM_NAME_MAX];
			char vm_id[AG_VM_ID_MAX];
			char vif[IFNAMSIZ];
			char bridge[IFNAMSIZ];	/* "" : not given */
			uint32_t ip;		/* network byte order; valid if has_ip */
			uint8_t has_ip;
			uint8_t mac[6];		/* valid if has_mac */
			uint8_t has_mac;
		} sg;
		struct {
			char domain[AG_DOMAIN_MAX];	/* name or domain id */
			char password[AG_CONSOLE_PW_MAX];	/* "" clears */
		} console_pw;
	} u;
};

#define AG_REPLY_MORE 0x1	/* more chunks of this answer follow */

struct ag_reply {
	uint32_t id;
	int32_t err;		/* 0, or an errno value: the text is then the reason */
	uint32_t flags;		/* AG_REPLY_* */
	uint32_t len;		/* text bytes in this chunk */
};
#define AG_REPLY_CHUNK (AG_MAX_MSG - sizeof(struct ag_hdr) - sizeof(struct ag_reply))

/* Checks a datagram (n bytes, nfds descriptors) arriving at the side from_netd says:
 * version, known type, direction, size, descriptor count. */
int ag_msg_check(const void *buf, size_t n, int nfds, bool from_netd, struct d0_err *e);
const char *ag_op_name(unsigned op);	/* "OvmNetwork.createBridge", "?" */

/* ---- the channel (chan.c): typed datagrams on a libevent loop ------------------------
 * Generic over a message table (what ag_msg_check uses for this protocol), so that
 * the vncgw channel can share it once both move into a common privsep module. */
struct ag_chan;
typedef int (*ag_check_fn)(const void *buf, size_t n, int nfds, bool from_netd,
			   struct d0_err *e);
typedef void (*ag_msg_cb)(void *arg, uint16_t type, const void *payload, size_t len,
			  int *fds, int nfds);
typedef void (*ag_close_cb)(void *arg, const struct d0_err *err);

struct ag_chan *ag_chan_new(struct event_base *base, int fd, bool netd_side, ag_check_fn check,
			    ag_msg_cb msg, ag_close_cb closed, void *arg);
/* Queues one message; fds are duplicated (the caller keeps its own). */
int ag_chan_send(struct ag_chan *c, uint16_t type, const void *payload, size_t len,
		 const int *fds, int nfds);
void ag_chan_free(struct ag_chan *c);	/* closes the socket */
/* One blocking datagram (the child's HELLO, tests). Returns its size or -1. */
ssize_t ag_recv(int fd, void *buf, size_t size, int *fds, int maxfds, int *nfds);
ssize_t ag_send(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		int nfds);

/* ---- Oracle VM names (ovm_names.c), as OvmNetworkModule.py's filters ------------------ */
bool ovm_bridge_name_ok(const char *s);	/* xenbrN | vlanN */
bool ovm_pif_name_ok(const char *s);	/* ethN | bondN */
/* ethN.V | bondN.V with V 1..4094; pif and vid filled when not NULL. */
bool ovm_vlan_name_ok(const char *s, char pif[IFNAMSIZ], unsigned *vid);
/* A dom0 VIF device name: vifD.N, tapD.N, vifD.N-emu, or any valid interface name
 * that is not an uplink or a bridge of the patterns above. */
bool ovm_vif_name_ok(const char *s);
/* "aa:bb:cc:dd:ee:ff" (also '-'), unicast, not zero. */
int ovm_parse_mac(const char *s, uint8_t mac[6]);
/* A CloudStack VM name or id: 1..max-1 bytes of [A-Za-z0-9._-]. */
bool ovm_token_ok(const char *s, size_t max);
/* Every string of a call NUL-terminated in its array and valid for its operation
 * (what netd runs before anything); -1 with the reason in e (code EINVAL). */
int ag_call_validate(const struct ag_call *c, struct d0_err *e);

/* ---- the request-parsing glue (rpc.c): XML-RPC body -> typed call, or a fault ------- */

/* How an answer from netd becomes the XML-RPC result. */
enum ag_result {
	AG_RES_JSON_STRING,	/* the JSON text as a string (OvmDispatch convention) */
	AG_RES_SUCC,		/* the string "SUCC" (void OvmNetwork calls) */
	AG_RES_BOOL,		/* "true"/"false" as a boolean (OvmSecurityGroup) */
	AG_RES_NATIVE,		/* the JSON as XML-RPC values (dom0net.* called directly) */
};

/* Fault codes: the dispatcher's and OvmNetwork's are OvmFaultConstants.py's; methods
 * that table lacks answer -1 as the original does; the rest are XML-RPC's
 * interoperability codes. */
#define AG_FAULT_GENERIC -1
#define AG_FAULT_DISPATCH_FORMAT 1	/* OvmDispatch.InvalidCallMethodFormat */
#define AG_FAULT_DISPATCH_CLASS 2	/* OvmDispatch.InvalidClass */
#define AG_FAULT_DISPATCH_FUNCTION 3	/* OvmDispatch.InvalidFunction */
#define AG_FAULT_PARSE -32700		/* not well-formed XML-RPC */
#define AG_FAULT_REQUEST -32600		/* not a call (e.g. a DOCTYPE) */
#define AG_FAULT_METHOD -32601		/* no such method */
#define AG_FAULT_PARAMS -32602		/* wrong number or type of arguments */
#define AG_FAULT_INTERNAL -32603	/* netd unavailable, out of memory */
#define AG_FAULT_UNSUPPORTED -32000	/* known method this agent does not implement */

struct ag_parsed {
	bool ok;		/* call is filled: send it to netd */
	struct ag_call call;
	enum ag_result result;
	int fault_code;		/* the method's code for faults about this call */
	char method[80];	/* "OvmNetwork.createBridge", for logs and faults */
	char fault[256];	/* !ok: the fault to answer */
};

/* Parses one request body (not NUL-terminated) and maps it to a method. Never fails:
 * out->ok or a fault in out. Sets xmlrpc-c's size and nesting limits once. */
void ag_rpc_parse(const char *xml, size_t len, struct ag_parsed *out);
/* Fault code a netd error (errno) gets for a call of this parse. */
int ag_rpc_fault_code(const struct ag_parsed *p, int err);
/* The XML of a response (malloc'd): a fault, or the result built from netd's text.
 * 0; 1 when the result did not convert and a fault was produced instead; -1 (ENOMEM). */
int ag_rpc_fault_xml(int code, const char *msg, char **xml, size_t *len);
int ag_rpc_result_xml(enum ag_result kind, const char *text, size_t textlen, char **xml,
		      size_t *len);

/* ---- HTTP Basic auth (auth.c) ---------------------------------------------------------- */
#define AG_PASSWORD_MAX 256
/* "Basic base64(user:password)" -> user and password (NUL-terminated; the password may
 * contain ':'). -1 if absent, not Basic, malformed or too long. */
int ag_basic_parse(const char *header, char *user, size_t ulen, char *pw, size_t plen);
/* crypt(3) the password with hash's setting and compare in constant time. False for an
 * empty or unusable hash ("*", "!"). */
bool ag_password_check(const char *pw, const char *hash);
bool ag_ct_equal(const void *a, const void *b, size_t n);

/* ---- per-address accounting (addrtab.c) ------------------------------------------------ */
struct ag_addrtab;
struct ag_addr;
struct ag_addrtab *ag_addrtab_new(unsigned max_entries);
void ag_addrtab_free(struct ag_addrtab *t);
/* The entry of a client address (IPv4, or the /64 of IPv6); created on demand. NULL
 * when the table is full of entries still in use. */
struct ag_addr *ag_addr_get(struct ag_addrtab *t, const struct sockaddr *sa, uint64_t now_ms);
unsigned *ag_addr_conns(struct ag_addr *a);	/* open connections (the caller counts) */
uint64_t ag_addr_blocked(const struct ag_addr *a, uint64_t now_ms);	/* ms to wait, 0 */
void ag_addr_failure(struct ag_addr *a, uint64_t now_ms);
void ag_addr_success(struct ag_addr *a);
unsigned ag_addr_failures(const struct ag_addr *a);
size_t ag_addrtab_count(const struct ag_addrtab *t);
/* The address as text ("10.0.0.1", "2001:db8::1"). */
void ag_addr_format(const struct sockaddr *sa, char *buf, size_t len);

/* ---- the child ------------------------------------------------------------------------------ */
/* main() of the agent process (netd re-executed with AGENT_CHILD_ARG). */
int agent_child_main(void);

#endif
