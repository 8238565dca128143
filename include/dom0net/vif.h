/* vif/: guest network interfaces. Replaces the vif-bridge hotplug script: watches the
 * xenstore backend tree and the kernel's links, attaches each VIF to the bridge named
 * in xenstore and answers the toolstack's hotplug protocol (spec/xen-vif.md). */
#ifndef DOM0NET_VIF_H
#define DOM0NET_VIF_H

#include <net/if.h>
#include <stdbool.h>
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
	unsigned n_ips;
};

/* Attach/detach notifications (the firewall's per-VIF rules hang here). A failing
 * attached() hook turns the attach into hotplug-status=error with its message. */
struct vif_hooks {
	int (*attached)(void *arg, const struct vif_info *vif, char *err, size_t errlen);
	void (*detached)(void *arg, const struct vif_info *vif);
	void *arg;
};

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

#endif
