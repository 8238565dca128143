/* netd internals: the daemon's context and the parts of netd.c split per job. */
#ifndef NETD_H
#define NETD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include <dom0net/config.h>

struct event_base;
struct event;
struct nl_sock;
struct d0_nl;
struct d0_xs;
struct vif_mgr;
struct netd_ctl;
struct netd_consoles;
struct fw;
struct fw_policy;
struct vif_hooks;
struct netd_agent;

struct netd {
	struct d0_config cfg;
	const char *config_path;
	struct event_base *base;
	struct nl_sock *req;		/* netlink requests (ext-ack enabled) */
	struct d0_nl *mon;		/* netlink monitor */
	struct d0_xs *xs;		/* NULL until xenstored answers */
	struct event *xs_retry;		/* reconnect timer while xenstored is absent */
	struct vif_mgr *vifs;
	struct netd_ctl *ctl;
	struct netd_consoles *consoles;	/* the VNC console gateway (netd_consoles.c) */
	struct fw *fw;			/* firewall state (netd_firewall.c) */
	struct fw_policy *fw_policy;	/* built with cfg; what start/reload apply */
	struct netd_agent *agent;	/* the agent API child (netd_agent.c) */
	struct event *sig_term, *sig_int, *sig_hup;
	time_t started;
};

/* netd_bridges.c: bridges at start, NIC hot-add, --stop-bridges. */
void netd_bridges_boot(struct netd *d);
void netd_bridges_link_added(struct netd *d, const char *ifname);
int netd_bridges_stop(struct netd *d, int argc, const char **argv);

/* netd_vifs.c: xenstore connection and the VIF manager. */
int netd_vifs_start(struct netd *d);
void netd_vifs_stop(struct netd *d);

/* netd_firewall.c: host port policy and per-VIF anti-spoofing. init builds the
 * policy (cluster.conf included) without touching the kernel; reload refuses a
 * broken policy (-1, "file:line: message" in err) before anything changes. */
int netd_firewall_init(struct netd *d, char *err, size_t errlen);
void netd_firewall_start(struct netd *d);
int netd_firewall_reload(struct netd *d, const struct d0_config *next, char *err, size_t errlen);
void netd_firewall_stop(struct netd *d);
int netd_firewall_remove(struct netd *d);
const struct vif_hooks *netd_firewall_hooks(struct netd *d);
/* netd_firewall_show.c: `netctl firewall [--json]`. */
int netd_firewall_print(struct netd *d, bool json, FILE *out, char *err, size_t errlen);

/* netd_consoles.c: the console table from xenstore and the vncgw child. */
int netd_consoles_start(struct netd *d);
void netd_consoles_stop(struct netd *d);
void netd_consoles_xs_connected(struct netd *d);
void netd_consoles_xs_event(struct netd *d, const char *path, const char *token);
int netd_consoles_print(struct netd *d, bool json, FILE *out);
int netd_consoles_set_password(struct netd *d, int argc, const char **argv, FILE *out);

/* netd_agent.c: the agent API (XML-RPC on [agent] port) and its child. */
void netd_agent_start(struct netd *d);
void netd_agent_reload(struct netd *d);
void netd_agent_stop(struct netd *d);

/* netd_ctl.c: the control socket. */
struct netd_ctl *netd_ctl_open(struct netd *d, const char *path);
void netd_ctl_close(struct netd_ctl *ctl);

/* netd_notify.c: sd_notify(3) for Type=notify; 0 when not under systemd. */
int notify_systemd(const char *state);

/* netd_pidfile.c; mkdir_parent: mkdir -p of a path's directory (/run/dom0net). */
int mkdir_parent(const char *path);
int pidfile_create(const char *path);
void pidfile_remove(const char *path);

#endif
