/* The control socket between netctl (and later the unprivileged children) and netd:
 * versioned, typed, size-checked messages. Every message is a header followed by
 * `len` payload bytes. Requests carry NUL-separated string arguments; responses carry
 * a status (0 or an errno value) and text (or JSON) for the caller to print. */
#ifndef DOM0NET_CTL_H
#define DOM0NET_CTL_H

#include <stddef.h>
#include <stdint.h>

#define D0_CTL_SOCKET "/run/dom0net/netd.sock"
#define D0_CTL_VERSION 1
#define D0_CTL_MAX_REQUEST 4096		/* requests are short argument lists */
#define D0_CTL_MAX_RESPONSE (16u << 20)	/* e.g. `vifs --json` for thousands of VIFs */

enum ctl_type {
	CTL_REQ_STATUS = 1,	/* -> text: version, pid, uptime, counts */
	CTL_REQ_VIFS,		/* flags: CTL_F_JSON */
	CTL_REQ_RELOAD,		/* re-read the configuration (like SIGHUP) */
	CTL_REQ_STOP_BRIDGES,	/* args: uplinks (none = all configured) */
	CTL_REQ_FIREWALL,	/* flags: CTL_F_JSON; the policy and installed rules */
	CTL_REQ_CONSOLES,	/* flags: CTL_F_JSON; the console gateway's table */
	CTL_REQ_CONSOLE_PASSWORD, /* args: DOMAIN PASSWORD ("" clears); root */
	CTL_REQ_MAX,
	CTL_RESPONSE = 0x8000,	/* or'ed with the request type */
};

#define CTL_F_JSON 0x1

struct ctl_hdr {
	uint16_t version;
	uint16_t type;
	uint32_t flags;
	int32_t status;		/* responses: 0 or a positive errno value */
	uint32_t len;		/* payload bytes that follow */
};

/* Blocking helpers for clients (netctl). */
int ctl_connect(const char *path);
int ctl_write_msg(int fd, uint16_t type, uint32_t flags, int32_t status, const void *payload,
		  size_t len);
/* Reads one message; *payload is malloc'd (NUL-terminated) and must be freed. */
int ctl_read_msg(int fd, struct ctl_hdr *hdr, char **payload, size_t max);
/* One request/response round trip. argv is packed NUL-separated. On success returns 0
 * and the daemon's status in *status, its text in *out (malloc'd). */
int ctl_call(const char *path, uint16_t type, uint32_t flags, int argc, char *const *argv,
	     int32_t *status, char **out, size_t *outlen);
/* Splits a request payload into at most max arguments; -1 if malformed. */
int ctl_split_args(const char *payload, size_t len, const char **argv, int max);

#endif
