/* vncgw/: the VNC console gateway. Guests' consoles on ports 5900-5999 of dom0, VNC
 * password authentication with the viewer, then a byte relay to the guest's qemu.
 *
 * Processes (doc/vncgw.md): netd (root) builds the console table from xenstore, binds
 * one listening socket per console and dials backends; the vncgw child (netd
 * re-executed with VNCGW_CHILD_ARG, unprivileged, no capabilities, seccomp) accepts
 * viewers, speaks RFB with both sides and relays. They talk over a SOCK_SEQPACKET
 * socketpair: one typed, versioned, size-checked message per datagram, file
 * descriptors (listeners, dialled backends) passed with SCM_RIGHTS.
 *
 * Pure parts (the two handshake state machines, VNC authentication, the message
 * checks, the console table and the per-address limits) are here for the unit tests
 * and the fuzzers. */
#ifndef DOM0NET_VNCGW_H
#define DOM0NET_VNCGW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct d0_err;
struct event_base;

/* ---- VNC authentication (vncauth.c) ---------------------------------------------- */

#define VNC_CHALLENGE_LEN 16
/* VNC authentication keys DES with 8 bytes: characters past the 8th do not count. */
#define VNC_PASSWORD_MAX 8

/* 16 bytes from getrandom(2) (a CSPRNG, unlike libvncserver's rfbRandomBytes). */
int vnc_challenge(uint8_t out[VNC_CHALLENGE_LEN]);
/* The response a client holding password sends: DES-ECB of the challenge, keyed with
 * the password cut/NUL-padded to 8 bytes, each key byte bit-reversed (libvncserver's
 * rfbEncryptBytes). -1 with EINVAL for an empty password, EIO if the cipher failed. */
int vnc_auth_response(const uint8_t challenge[VNC_CHALLENGE_LEN], const char *password,
		      uint8_t out[VNC_CHALLENGE_LEN]);
/* Constant-time comparison of two responses. */
bool vnc_auth_equal(const uint8_t a[VNC_CHALLENGE_LEN], const uint8_t b[VNC_CHALLENGE_LEN]);

/* ---- the viewer-facing handshake (rfb_server.c): bytes in, bytes/verdicts out ----- */

#define RFB_REASON_MAX 160
#define RFB_OUT_MAX 256	/* every output of one handshake fits unsent */

enum rfb_srv_state {
	RFB_SRV_VERSION,	/* waiting for the client's 12-byte version */
	RFB_SRV_SECTYPE,	/* 3.7+: waiting for the chosen security type */
	RFB_SRV_RESPONSE,	/* waiting for the 16-byte VNC auth response */
	RFB_SRV_CHECK,		/* response in s->response: caller calls rfb_srv_verdict */
	RFB_SRV_CLIENTINIT,	/* SecurityResult OK sent; waiting for ClientInit */
	RFB_SRV_DONE,		/* ClientInit read (s->shared): relay from here */
	RFB_SRV_FAILED,		/* send what is in out, then close; s->error says why */
};

struct rfb_srv {
	enum rfb_srv_state state;
	int minor;		/* negotiated: 3, 7 or 8 (0 before) */
	uint8_t challenge[VNC_CHALLENGE_LEN];
	uint8_t response[VNC_CHALLENGE_LEN];
	bool shared;		/* the client's ClientInit flag (we force shared anyway) */
	char refuse[RFB_REASON_MAX];	/* non-empty: refuse at the security step */
	char error[RFB_REASON_MAX];	/* for the log; never holds secrets */
	uint8_t out[RFB_OUT_MAX];	/* bytes to send to the client */
	size_t out_len;
};

/* Starts a handshake: out holds our version ("RFB 003.008\n"). refuse (NULL or "")
 * makes the security step a failure with that reason (console down, back-off). */
void rfb_srv_init(struct rfb_srv *s, const uint8_t challenge[VNC_CHALLENGE_LEN],
		  const char *refuse);
/* Consumes what the current state needs from in; returns the bytes consumed (0 when
 * more input is needed or the state does not take input). Call again while it
 * consumes. Output accumulates in s->out. */
size_t rfb_srv_feed(struct rfb_srv *s, const uint8_t *in, size_t len);
/* In RFB_SRV_CHECK: ok sends SecurityResult OK; otherwise failed (with reason on 3.8). */
void rfb_srv_verdict(struct rfb_srv *s, bool ok, const char *reason);
/* The caller sent the first n bytes of s->out. */
void rfb_srv_consumed(struct rfb_srv *s, size_t n);

/* ---- the backend-facing handshake (rfb_client.c): we are the client of qemu ------ */

enum rfb_cli_state {
	RFB_CLI_VERSION,	/* waiting for the server's version */
	RFB_CLI_SECTYPE33,	/* 3.3: the server's U32 security type */
	RFB_CLI_NTYPES,		/* 3.7+: the number of types */
	RFB_CLI_TYPES,		/* 3.7+: the list */
	RFB_CLI_CHALLENGE,	/* VNC auth challenge */
	RFB_CLI_RESULT,		/* SecurityResult */
	RFB_CLI_REASON_LEN,	/* a failure reason follows */
	RFB_CLI_REASON,
	RFB_CLI_DONE,		/* ClientInit (shared=1) is in out; ServerInit is the relay's */
	RFB_CLI_FAILED,		/* c->error says why */
};

struct rfb_cli {
	enum rfb_cli_state state;
	int minor;
	unsigned ntypes;
	bool vnc_auth;		/* VNC authentication chosen */
	char password[VNC_PASSWORD_MAX + 1];	/* "" = none known */
	uint32_t reason_left;	/* reason bytes still to skip */
	size_t reason_len;
	char reason[RFB_REASON_MAX];	/* the server's reason, printable characters only */
	char error[RFB_REASON_MAX];
	uint8_t out[RFB_OUT_MAX];
	size_t out_len;
};

void rfb_cli_init(struct rfb_cli *c, const char *password);
size_t rfb_cli_feed(struct rfb_cli *c, const uint8_t *in, size_t len);
void rfb_cli_consumed(struct rfb_cli *c, size_t n);
/* Zeroes the password. */
void rfb_cli_wipe(struct rfb_cli *c);

/* ---- netd <-> vncgw messages (msg.c) ------------------------------------------------ */

#define VG_PROTO_VERSION 1
#define VG_MAX_LISTEN 4		/* listening sockets per console (one per listen address) */
#define VG_MAX_MSG 512		/* largest datagram, header included */
#define VNCGW_CHILD_ARG "--vncgw-child"	/* netd re-executed as the gateway */
#define VNCGW_CHILD_FD 3	/* the child's end of the socketpair */

enum vg_type {
	VG_HELLO = 1,		/* netd -> gw: struct vg_hello (first message) */
	VG_CONSOLE_SET,		/* netd -> gw: struct vg_console + its listening sockets */
	VG_CONSOLE_DEL,		/* netd -> gw: struct vg_console_ref */
	VG_DIAL_REPLY,		/* netd -> gw: struct vg_dial_reply (+ the backend socket) */
	VG_READY,		/* gw -> netd: struct vg_ready (sandbox in place) */
	VG_DIAL,		/* gw -> netd: struct vg_dial (a viewer authenticated) */
	VG_VIEWERS,		/* gw -> netd: struct vg_viewers */
	VG_TYPE_MAX,
};

struct vg_hdr {
	uint16_t version;	/* VG_PROTO_VERSION */
	uint16_t type;		/* enum vg_type */
	uint32_t len;		/* payload bytes after the header */
};

struct vg_hello {
	uint32_t uid, gid;	/* the unprivileged user to become */
	uint32_t log_level;	/* enum log_level */
	uint32_t log_stderr, log_syslog;
	uint32_t handshake_timeout_s;	/* accept to relay, backend included */
	uint32_t idle_timeout_s;	/* 0: none */
	uint32_t max_sessions;		/* relaying sessions, all consoles */
	uint32_t max_unauth;		/* connections not yet authenticated, overall */
	uint32_t max_unauth_per_addr;	/* ... per client address (IPv6: per /64) */
};

enum vg_con_state {
	VG_CON_READY = 1,	/* backend known: viewers may authenticate */
	VG_CON_NOT_RUNNING,	/* configured, the guest's display is not up (yet) */
	VG_CON_NO_PASSWORD,	/* no console password anywhere: refused */
	VG_CON_CONFLICT,	/* the backend address is claimed by another guest */
};

struct vg_console {
	uint32_t id;		/* the domain id */
	uint32_t gen;		/* changes with every update; a dial names it */
	uint16_t port;		/* gateway port (for logs) */
	uint8_t state;		/* enum vg_con_state */
	uint8_t nfds;		/* listening sockets attached */
	char name[64];		/* domain name, for logs */
	char backend[112];	/* backend address, for logs */
	char client_pw[VNC_PASSWORD_MAX + 1];	/* what viewers type */
	char backend_pw[VNC_PASSWORD_MAX + 1];	/* what qemu expects ("" = none) */
	uint8_t pad[2];
};

struct vg_console_ref {
	uint32_t id;
};

struct vg_dial {
	uint32_t session;
	uint32_t console;
	uint32_t gen;
};

struct vg_dial_reply {
	uint32_t session;
	uint32_t console;
	int32_t err;		/* 0: the backend socket is attached (connect may be in progress) */
};

struct vg_ready {
	uint32_t pid;
	uint32_t uid;		/* what the child runs as */
	uint32_t flags;		/* VG_SANDBOX_* */
};

#define VG_SANDBOX_SETUID 0x1	/* switched to the configured user */
#define VG_SANDBOX_NOCAPS 0x2	/* no capabilities in any set, bounding set empty */
#define VG_SANDBOX_SECCOMP 0x4	/* system call allow-list loaded */

struct vg_viewers {
	uint32_t console;
	uint32_t viewers;	/* relaying sessions */
	uint32_t pending;	/* connections in the handshake */
	uint32_t total;		/* relaying sessions on all consoles */
};

/* Checks a received datagram (n bytes, nfds descriptors) arriving at the side
 * from_netd says: version, known type, direction, exact size, descriptor count. */
int vg_msg_check(const void *buf, size_t n, int nfds, bool from_netd, struct d0_err *e);

/* A non-blocking SOCK_SEQPACKET endpoint on a libevent loop with an outgoing queue.
 * The message callback gets a checked message; it owns the descriptors. */
struct vg_chan;
typedef void (*vg_msg_cb)(void *arg, uint16_t type, const void *payload, size_t len,
			  int *fds, int nfds);
/* Called once when the peer is gone or broke the protocol (err says how). */
typedef void (*vg_close_cb)(void *arg, const struct d0_err *err);

struct vg_chan *vg_chan_new(struct event_base *base, int fd, bool netd_side, vg_msg_cb msg,
			    vg_close_cb closed, void *arg);
/* Queues one message; fds are duplicated (the caller keeps its own). */
int vg_chan_send(struct vg_chan *c, uint16_t type, const void *payload, size_t len,
		 const int *fds, int nfds);
/* Closes the socket too. */
void vg_chan_free(struct vg_chan *c);
/* One blocking datagram (the child's first message, tests). Returns its size or -1. */
ssize_t vg_recv(int fd, void *buf, size_t size, int *fds, int maxfds, int *nfds);
ssize_t vg_send(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		int nfds);

/* ---- per-address limits in the gateway (limits.c) ----------------------------------- */

struct gw_limits;
struct gw_addr;

#define GW_BACKOFF_FIRST_MS 1000u	/* after the first failure */
#define GW_BACKOFF_MAX_MS 60000u	/* doubling up to this */
#define GW_FORGET_MS 600000u		/* failures forgotten after 10 quiet minutes */

struct gw_limits *gw_limits_new(unsigned max_entries);
void gw_limits_free(struct gw_limits *l);
/* The entry of a client address (IPv4, or the /64 of IPv6); created on demand. NULL
 * when the table is full of live entries. */
struct gw_addr *gw_limits_get(struct gw_limits *l, const struct sockaddr *sa, uint64_t now_ms);
/* Milliseconds until a new attempt is allowed; 0 when not blocked. */
uint64_t gw_addr_blocked(const struct gw_addr *a, uint64_t now_ms);
void gw_addr_failure(struct gw_addr *a, uint64_t now_ms);
void gw_addr_success(struct gw_addr *a);
/* Unauthenticated connections from this address (the caller counts). */
unsigned *gw_addr_unauth(struct gw_addr *a);
unsigned gw_addr_failures(const struct gw_addr *a);
size_t gw_limits_count(const struct gw_limits *l);

/* ---- the console table netd builds from xenstore (contab.c, conparse.c) ------------- */

#define CON_NAME_MAX 64

enum con_backend_kind { CON_BACKEND_NONE = 0, CON_BACKEND_TCP, CON_BACKEND_UNIX };

struct con_backend {
	enum con_backend_kind kind;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char desc[112];		/* "127.0.0.1:5901", "[::1]:5901", "unix:/run/xen/vnc-3" */
	uint16_t tcp_port;	/* TCP backends */
};

/* What xenstore says about one domain's console (conparse.c fills it). */
struct con_info {
	unsigned domid;
	char name[CON_NAME_MAX];
	bool configured;	/* the domain has a VNC console (port key or vfb vnc=1) */
	struct con_backend backend;	/* kind NONE: not running yet */
	bool backend_guest_writable;	/* the key naming it is writable by the guest */
	char password[VNC_PASSWORD_MAX + 1];	/* the guest's console password, "" = none */
	const char *pw_source;	/* "console/vnc-pass", "vfb vncpasswd", "/vm/.../vncpasswd" */
	char problem[128];	/* why a present value was refused (for the log) */
};

/* Untrusted xenstore values. */
int con_parse_domid(const char *s, unsigned *out);
int con_parse_port(const char *s, unsigned *out);	/* 1..65535, digits only */
/* listen ("127.0.0.1", "::1", "localhost", "unix:/path") and port -> backend. TCP
 * backends must be loopback; unix paths absolute, normalised and under one of the
 * NULL-terminated allowed prefixes. -1 with a reason in e. */
int con_parse_backend(const char *listen, unsigned port, const char *const *unix_prefixes,
		      struct con_backend *out, struct d0_err *e);
/* A VNC password value: no NUL inside, cut to 8 bytes. -1 if unusable. */
int con_parse_password(const char *v, size_t len, char out[VNC_PASSWORD_MAX + 1]);

/* The gateway's view: one entry per domain with a console. */
struct con_entry {
	struct con_info info;
	uint16_t port;		/* gateway port, 0: none free */
	enum vg_con_state state;
	bool present;		/* seen by the last scan */
	bool port_warned;
	int lfds[VG_MAX_LISTEN];
	int nlfds;
	uint32_t gen;
	unsigned viewers, pending;
	struct vg_console sent;	/* what the gateway was last told (netd re-sends on change) */
	bool sent_valid;
};

struct con_table;
/* try_bind: binds the listening sockets of a port into e->lfds; 0 or -1 (errno). */
typedef int (*con_bind_fn)(void *arg, struct con_entry *e, uint16_t port);

struct con_table *con_table_new(unsigned port_min, unsigned port_max);
void con_table_free(struct con_table *t);	/* closes listening sockets */
size_t con_table_size(const struct con_table *t);
struct con_entry *con_table_at(struct con_table *t, size_t i);
struct con_entry *con_table_find(struct con_table *t, unsigned domid);
struct con_entry *con_table_add(struct con_table *t, const struct con_info *info);
void con_table_remove(struct con_table *t, unsigned domid);	/* closes its sockets */
/* Chooses and binds a port: the one remembered for this domain, else the backend's
 * own port if in range, else the lowest free one. 0 when none could be bound. */
uint16_t con_table_assign_port(struct con_table *t, struct con_entry *e, con_bind_fn bind,
			       void *arg);
/* The gateway listens on a wildcard address: never pick a port some display uses
 * (qemu holds 127.0.0.1:59xx; the wildcard listener would shadow it). */
void con_table_avoid_display_ports(struct con_table *t, bool on);
/* Forgets remembered ports of domains without an entry (after the first full scan). */
void con_table_prune_saved(struct con_table *t);
/* Marks consoles whose backends collide: guest-writable claimants lose to trusted
 * ones; two guest-writable claimants both lose. Returns how many changed state. */
unsigned con_table_resolve_conflicts(struct con_table *t);
/* Gateway passwords, keyed by domain name (or "#<domid>" for nameless domains). */
int con_table_set_gw_password(struct con_table *t, const char *key, const char *pw);
const char *con_table_gw_password(const struct con_table *t, const struct con_entry *e);
/* The password a viewer must type for e ("" = none): gateway password first. */
const char *con_table_client_password(const struct con_table *t, const struct con_entry *e);
/* Remembered ports (domid -> port) and gateway passwords, in a 0600 file. */
int con_table_load(struct con_table *t, const char *path, struct d0_err *e);
int con_table_save(const struct con_table *t, const char *path, struct d0_err *e);
/* Recomputes e->state from its info and the passwords. */
void con_table_update_state(struct con_table *t, struct con_entry *e);
const char *con_state_name(enum vg_con_state s);

/* ---- the child ------------------------------------------------------------------------ */

/* main() of the gateway process (netd re-executed with VNCGW_CHILD_ARG). */
int vncgw_child_main(void);

#endif
