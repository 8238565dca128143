/* netd's side of the agent API (netd_agent*.c): the child, its listener, and the
 * operations its calls map to. */
#ifndef NETD_AGENT_H
#define NETD_AGENT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <dom0net/agent.h>

struct netd;
struct event;

struct sg_rec {
	char vm[AG_VM_NAME_MAX];
	char vif[IFNAMSIZ];
};

struct netd_agent {
	struct netd *d;
	/* what the running child was started with: a change means a restart */
	char listen[64];
	unsigned port;
	char user[32];
	char cert[256], key[256];
	bool plain;
	char hash[AG_HASH_MAX];
	/* the listener netd bound (kept across child restarts) */
	int lfd;
	char bound[80];
	/* the child */
	pid_t pid;
	struct ag_chan *chan;
	struct event *sigchld, *restart;
	bool ready;
	struct ag_ready info;
	unsigned quick_deaths;
	time_t started;
	/* OvmSecurityGroup: the VIFs default_network_rules_user_vm protected, per VM */
	struct sg_rec *sg;
	size_t nsg, capsg;
	unsigned long calls, calls_failed;
};

/* Runs one validated call; its JSON (or, on failure, the reason) goes to out.
 * Returns 0 or an errno value. */
int netd_agent_run(struct netd *d, const struct ag_call *c, FILE *out);
/* netd_agent_net.c: OvmNetwork. */
int netd_agent_net(struct netd *d, const struct ag_call *c, FILE *out);
/* netd_agent_sg.c: OvmSecurityGroup. */
int netd_agent_sg(struct netd *d, const struct ag_call *c, FILE *out);
void netd_agent_sg_free(struct netd_agent *na);
/* One bridge as getBridgeDetails shows it ({name, attach, interfaces}), with print.h. */
struct br_links;
struct br_link;
void netd_agent_bridge_json(const struct br_links *l, const struct br_link *br);
/* netd_agent_show.c: dom0net.*. */
int netd_agent_show(struct netd *d, const struct ag_call *c, FILE *out);

#endif
