/* vif/: guest network interfaces. Replaces the vif-bridge hotplug script: watches the
 * xenstore backend tree and the kernel's links, attaches each VIF to the bridge named
 * in xenstore and answers the toolstack's hotplug protocol (spec/xen-vif.md). */
#ifndef DOM0NET_VIF_H
#define DOM0NET_VIF_H

#include <dom0net/names.h> /* IFNAMSIZ without <net/if.h>, which clashes with <linux/if.h> */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dom0net/config.h>

struct event_base;
struct nl_sock;
struct rtnl_link;
struct d0_xs;
struct d0_nl;
struct vif_mgr;

#define VIF_MAX_IPS 16

/* What the firewall needs to know about an attached VIF. */
struct vif_info {
	unsigned domid, devid;
	char ifname[IFNAMSIZ];	/* the dom0 device (vifD.N, tapD.N, vifD.N-emu, vifname) */
	char bridge[IFNAMSIZ];
	uint8_t mac[6];		/* the guest's MAC (backend `mac`) */
	uint32_t ips[VIF_MAX_IPS];	/* network byte order, from `ip` */
	uint8_t plens[VIF_MAX_IPS];	/* prefix lengths (32 unless `ip` gave a network) */
	unsigned n_ips;
	bool emulated;		/* the HVM emulated NIC (tapD.N / vifD.N-emu) */
};

/* Attach/detach notifications (the firewall's per-VIF rules hang here), one call per
 * device (an HVM guest's emulated NIC gets its own, with emulated set).
 * attached() runs once the port is in its bridge but before it is set up, so the
 * rules exist before it forwards; a failure (-1, text in err) takes the port out
 * again and turns the attach into hotplug-status=error with that text. VIFs found
 * attached when netd starts are reported too. detached() receives exactly the record
 * given to attached() (never re-read from xenstore), also when the device vanished. */
struct vif_hooks {
	int (*attached)(void *arg, const struct vif_info *vif, char *err, size_t errlen);
	void (*detached)(void *arg, const struct vif_info *vif);
	void *arg;
	/* Optional: attach a whole batch at once (a host booting 200 guests then costs one
	 * firewall commit, not 200). All or nothing: on -1 the manager falls back to
	 * attached() one VIF at a time, so one bad VIF never fails the others. */
	int (*attached_batch)(void *arg, const struct vif_info *const *vifs, size_t n,
			      char *err, size_t errlen);
	/* Optional: the detached() calls of one batch at once (a mass destroy). */
	void (*detached_batch)(void *arg, const struct vif_info *vifs, size_t n);
};

/* base, xs, mon and cfg are required (cfg is read live: [vif] link-timeout-ms);
 * hooks may be NULL. req is not used: the manager keeps its own rtnetlink socket for
 * its batched requests, so their acks never mix with other modules' requests. */
struct vif_mgr *vif_mgr_new(struct event_base *base, struct d0_xs *xs, struct nl_sock *req,
			    struct d0_nl *mon, const struct d0_config *cfg,
			    const struct vif_hooks *hooks);
void vif_mgr_free(struct vif_mgr *m);
/* Register the xenstore watches and reconcile every existing backend and link
 * (restart path: attached VIFs untouched, missing status written, stale ports removed). */
int vif_mgr_start(struct vif_mgr *m);
/* netd routes events here: xenstore watches whose token starts with "vif", and
 * link changes from the netlink monitor (action = NL_ACT_NEW/DEL/CHANGE). */
void vif_mgr_xs_event(struct vif_mgr *m, const char *path, const char *token);
void vif_mgr_link_event(struct vif_mgr *m, struct rtnl_link *link, int action);
/* After a netlink overflow: re-check every VIF against the kernel. */
void vif_mgr_resync(struct vif_mgr *m);
/* `netctl vifs`: the table as text or JSON. */
int vif_mgr_print(struct vif_mgr *m, bool json, FILE *out);

/* ---- parsers for untrusted xenstore and link names (vif/parse.c; exposed for the
 * unit tests and the fuzzer). Every input may be missing (NULL), empty, long or hostile. */

#define VIF_BACKEND "/local/domain/0/backend/vif"
#define VIF_MAX_DOMID 0x7fefu	/* DOMID_FIRST_RESERVED - 1 */
#define VIF_MAX_DEVID 65535u	/* device names are checked to fit IFNAMSIZ separately */

enum vif_kind { VIF_KIND_PV, VIF_KIND_TAP, VIF_KIND_EMU };

/* "vifD.N" (PV), "tapD.N" or "vifD.N-emu" (emulated NIC) -> ids and kind; -1 otherwise. */
int vif_parse_ifname(const char *name, unsigned *domid, unsigned *devid, enum vif_kind *kind);
/* A strict decimal id: digits only, no sign/space/leading zero, <= max. */
int vif_parse_id(const char *s, unsigned max, unsigned *out);

/* Where a watch path lies under base ("BASE/D/N/key..."). Returns the depth:
 * 0 = base itself, 1 = BASE/D, 2 = BASE/D/N, 3 = a key below (its first component in
 * *key, not NUL-terminated: *keylen bytes); -1 = outside base or a bad id. */
int vif_parse_path(const char *path, const char *base, unsigned *domid, unsigned *devid,
		   const char **key, size_t *keylen);

/* The backend keys read in one transaction. */
enum vif_key {
	VIF_K_ONLINE, VIF_K_STATE, VIF_K_BRIDGE, VIF_K_MAC, VIF_K_IP, VIF_K_MTU, VIF_K_TYPE,
	VIF_K_VIFNAME, VIF_K_HANDLE, VIF_K_HOTPLUG_STATUS, VIF_K_MAX
};
extern const char *const vif_key_names[VIF_K_MAX];
/* Index of a key name (len bytes), or -1 when it is not one we read. */
int vif_key_lookup(const char *name, size_t len);

enum vif_hs { VIF_HS_NONE, VIF_HS_EMPTY, VIF_HS_CONNECTED, VIF_HS_ERROR, VIF_HS_OTHER };

/* A backend entry as read from xenstore, validated. */
struct vif_entry {
	bool present;		/* the BASE/D/N directory exists */
	int online;		/* 0/1, -1 missing */
	int state;		/* XenbusState 1..8, -1 missing */
	bool hvm;		/* type vif_ioemu / ioemu */
	char bridge[IFNAMSIZ];	/* "" when the key is missing */
	bool has_mac;
	uint8_t mac[6];
	uint32_t ips[VIF_MAX_IPS];	/* network byte order */
	uint8_t plens[VIF_MAX_IPS];
	unsigned n_ips;
	unsigned mtu;		/* 0: not set, use the bridge's */
	char vifname[IFNAMSIZ];	/* "" when not set */
	enum vif_hs hotplug_status;
	bool invalid;		/* some key is unusable: err says which and why */
	char err[160];
};

/* raw[k] is the value of key k (NULL when missing). Never fails: problems set
 * e->invalid and e->err (the first problem found). */
void vif_entry_parse(unsigned domid, unsigned devid, const char *const raw[VIF_K_MAX],
		     struct vif_entry *e);

enum vif_want {
	VIF_WANT_WAIT,		/* not ready (state < InitWait, keys missing): leave as is */
	VIF_WANT_UP,		/* online=1, InitWait..Connected (or 7/8): attach */
	VIF_WANT_DOWN,		/* online=0 or Closing/Closed: detach, clear status */
	VIF_WANT_GONE,		/* the directory was removed: detach */
	VIF_WANT_INVALID,	/* hotplug-status=error with e->err */
};
enum vif_want vif_entry_want(const struct vif_entry *e);
const char *vif_want_name(enum vif_want w);

int vif_parse_mac(const char *s, uint8_t mac[6]);
/* 68..65535 */
int vif_parse_mtu(const char *s, unsigned *mtu);
/* Space- (or comma-) separated addresses, each with an optional "/prefix"; IPv4 ones
 * (at most max) are returned, IPv6 ones are accepted and skipped. */
int vif_parse_ips(const char *s, uint32_t *ips, uint8_t *plens, unsigned max, unsigned *n);
/* Copies a printable, bounded excerpt of untrusted text for log lines. */
const char *vif_quote(const char *s, char *buf, size_t len);

#endif
