/* netd's side of the console gateway: the console table from xenstore
 * (netd_consoles.c) and the vncgw child with its listeners and dials (netd_vncgw.c). */
#ifndef NETD_CONSOLES_H
#define NETD_CONSOLES_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <dom0net/vncgw.h>

struct netd;
struct event;
struct vg_chan;

struct con_dom {
	unsigned domid;
	bool dirty;		/* re-read its keys at the next scan */
};

struct netd_consoles {
	struct netd *d;
	struct con_table *t;
	char state_path[300];
	char runtime_dir[256];
	const char *unix_prefixes[8];
	/* listen addresses from [console] listen */
	struct sockaddr_storage listen[VG_MAX_LISTEN];
	socklen_t listen_len[VG_MAX_LISTEN];
	int nlisten;
	/* xenstore */
	bool watching;
	bool list_dirty;	/* re-list /local/domain */
	bool scanned;		/* one full scan done (remembered ports pruned after it) */
	struct con_dom *doms;
	size_t ndoms, capdoms;
	struct event *rescan;
	/* the child */
	pid_t pid;
	struct vg_chan *chan;
	struct event *sigchld, *restart;
	bool ready;
	struct vg_ready info;
	unsigned failures;	/* quick deaths in a row: restart back-off */
	time_t started;
	double dial_tokens;	/* dial rate limit (token bucket) */
	struct timespec dial_last;
	unsigned long dials;
};

/* netd_vncgw.c */
struct d0_config;
/* The configured user exists and is not root; -1 with the reason in err. */
int vncgw_check_user(const struct d0_config *cfg, char *err, size_t errlen);
int vncgw_proc_start(struct netd_consoles *nc);
/* Another start later (with back-off). */
void vncgw_proc_retry(struct netd_consoles *nc);
void vncgw_proc_stop(struct netd_consoles *nc);
/* Tells the child about every console whose description changed. */
void vncgw_proc_sync(struct netd_consoles *nc);
void vncgw_proc_forget(struct netd_consoles *nc, unsigned domid);
/* Binds a console's listening sockets on every listen address (con_bind_fn). */
int vncgw_bind(void *arg, struct con_entry *e, uint16_t port);
/* A listen address is 0.0.0.0 or ::. */
bool vncgw_listen_wildcard(const struct netd_consoles *nc);
/* The display address is one of the gateway's own listeners (a relay loop). */
bool vncgw_is_own_listener(struct netd_consoles *nc, const struct con_backend *b);
/* The configured listen addresses; -1 with a message in err. */
int vncgw_parse_listen(struct netd_consoles *nc, const char *spec, char *err, size_t errlen);

#endif
