/* netd internals: the daemon's context and the parts of netd.c split per job. */
#ifndef NETD_H
#define NETD_H

#include <stdbool.h>
#include <time.h>

#include <dom0net/config.h>

struct event_base;
struct event;
struct nl_sock;
struct d0_nl;
struct d0_xs;
struct vif_mgr;
struct netd_ctl;

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
