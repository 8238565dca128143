/* firewall/: the host port policy and per-VIF anti-spoofing (spec/firewall.md).
 * The policy is built from the configuration (and the OCFS2 cluster file) without
 * touching the kernel; it is then applied to the legacy "filter" table with libiptc,
 * one commit per transaction, into dom0net's own chains:
 *
 *   INPUT   -> DOM0NET-INPUT              host ports (rebuilt as a whole, swapped atomically)
 *   FORWARD -> DOM0NET-FORWARD            one dispatch pair per VIF:
 *                -m physdev --physdev-in  VIF --physdev-is-bridged -j DOM0NET-VIF-<VIF>
 *                -m physdev --physdev-out VIF --physdev-is-bridged -j ACCEPT
 *
 * Other tools' rules and chains are never flushed or reordered; the two jumps are
 * inserted once, at the head of INPUT and FORWARD. Functions return 0 or -1 with
 * errno set and the reason in a struct d0_err; nothing here logs. */
#ifndef DOM0NET_FIREWALL_H
#define DOM0NET_FIREWALL_H

#include <dom0net/names.h> /* IFNAMSIZ without <net/if.h> */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <dom0net/config.h>
#include <dom0net/err.h>

#define FW_TABLE "filter"
#define FW_CHAIN_INPUT "DOM0NET-INPUT"
#define FW_CHAIN_INPUT_NEW "DOM0NET-INPUT-NEW"	/* built here, then renamed */
#define FW_CHAIN_FORWARD "DOM0NET-FORWARD"
#define FW_CHAIN_VIF_PREFIX "DOM0NET-VIF-"	/* + device name: at most 27 bytes */
#define FW_CHAIN_PREFIX "DOM0NET-"

#define FW_MIGRATION_PORT 8002
#define FW_MIGRATION_SSL_PORT 8003
#define FW_CLUSTER_PORT 7777		/* o2net's default when cluster.conf has none */

/* ---- /etc/ocfs2/cluster.conf (fw_cluster.c) ----
 * OCFS2's stanza format (ocfs2.cluster.conf(5), ocfs2-tools jconfig): a stanza
 * name starting at column 0 and ending with ':', then indented `key = value` lines,
 * a blank line ending the stanza, '#' comments at column 0. */
#define FW_MAX_NODES 255	/* node numbers 0..254 */
#define FW_MAX_CLUSTERS 8

struct fw_node {
	char name[64];
	char cluster[17];
	uint32_t addr;		/* host byte order */
	unsigned port;
	unsigned number;
	int line;		/* where its stanza starts */
};

struct fw_cluster {
	char path[256];
	bool present;		/* the file exists (absent: a stand-alone server) */
	char names[FW_MAX_CLUSTERS][17];	/* cluster stanzas */
	unsigned node_counts[FW_MAX_CLUSTERS];
	size_t n_clusters;
	struct fw_node nodes[FW_MAX_NODES];
	size_t n_nodes;
};

/* Parse buf (name is used in messages). On error: -1, errno EINVAL and
 * "name:line: message" in e. */
int fw_cluster_parse(struct fw_cluster *c, const char *name, const char *buf, size_t len,
		     struct d0_err *e);
/* Read and parse a file; a missing file is an empty cluster (present = false). */
int fw_cluster_load(struct fw_cluster *c, const char *path, struct d0_err *e);

/* ---- the policy (fw_policy.c) ---- */
#define FW_MAX_SERVICES 16
#define FW_MAX_SOURCES (D0_MAX_NETS + FW_MAX_NODES)
#define FW_MAX_PORTS 8

struct fw_source {
	uint32_t addr;		/* host byte order */
	uint8_t plen;
	bool pool;		/* a cluster.conf node (not a configured network) */
};

struct fw_service {
	char name[16];		/* ssh, agent, cluster, migration, console, manager */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t ports[FW_MAX_PORTS];	/* single ports (multiport when more than one) */
	unsigned n_ports;
	uint16_t lo, hi;	/* a range instead (n_ports == 0) */
	uint32_t dst;		/* host byte order; 0: any local address */
	bool management;	/* ssh and agent: open in every state */
	struct fw_source src[FW_MAX_SOURCES];
	size_t n_src;		/* 0: nobody may connect */
};

struct fw_policy {
	bool enable, antispoof, antispoof_mac;
	unsigned roles;		/* D0_ROLE_* */
	int input_default;	/* enum d0_fw_default */
	struct fw_service svc[FW_MAX_SERVICES];
	size_t n_svc;
	struct fw_cluster cluster;
};

/* Build the policy from a validated configuration; reads cfg->fw_cluster_conf.
 * Touches nothing. On error -1 with "file:line: message" in e. */
int fw_policy_build(struct fw_policy *p, const struct d0_config *cfg, struct d0_err *e);
/* "vm-server pool-master" */
const char *fw_roles_format(unsigned roles, char *buf, size_t len);
const char *fw_default_name(int input_default);

/* ---- rules (fw_rule.c): what dom0net installs, in iptables-save syntax ---- */
#define FW_MAX_MPORTS 15	/* XT_MULTI_PORTS */

struct fw_rule {
	uint32_t src, dst;	/* host byte order */
	uint8_t splen, dplen;	/* 0: any */
	char iniface[IFNAMSIZ];
	uint8_t proto;		/* 0: any */
	bool has_sport, has_dport;
	uint16_t sport[2], dport[2];	/* inclusive ranges */
	uint16_t mports[FW_MAX_MPORTS];	/* multiport --dports */
	unsigned n_mports;
	bool ctstate;		/* -m conntrack --ctstate RELATED,ESTABLISHED */
	char physin[IFNAMSIZ], physout[IFNAMSIZ];
	bool phys_bridged;
	bool has_mac;
	uint8_t mac[6];
	char comment[64];
	char target[32];	/* ACCEPT, DROP, RETURN, REJECT or a chain */
	bool foreign;		/* decoded: it has a match dom0net does not write */
};

/* The rule as iptables-save prints it, without "-A CHAIN ". */
int fw_rule_format(const struct fw_rule *r, char *buf, size_t len);
/* The whole ordered rule list of DOM0NET-INPUT for a policy (the unit tests check
 * it; apply installs it). Returns the count, or -1 (ENOSPC) when max is too small. */
int fw_policy_render_input(const struct fw_policy *p, struct fw_rule *rules, size_t max);

/* A VIF as the firewall needs it (copied from the VIF manager's struct vif_info). */
#define FW_VIF_MAX_IPS 16
struct fw_vif {
	char ifname[IFNAMSIZ];
	unsigned domid, devid;
	bool has_mac;
	uint8_t mac[6];
	uint32_t ips[FW_VIF_MAX_IPS];	/* network byte order */
	uint8_t plens[FW_VIF_MAX_IPS];
	unsigned n_ips;
};

/* The chain name of a VIF; -1 (ENAMETOOLONG/EINVAL) for an unusable name. */
int fw_vif_chain(const char *ifname, char out[32]);
/* The rules of DOM0NET-VIF-<ifname> and the two dispatch rules of DOM0NET-FORWARD. */
int fw_vif_render(const struct fw_vif *v, bool with_mac, struct fw_rule *chain, size_t max,
		  struct fw_rule dispatch[2]);

/* ---- applying (fw_apply.c, fw_vifs.c) ---- */
struct fw;

struct fw_stats {
	unsigned long commits;	/* successful */
	unsigned long retries;	/* EAGAIN: another writer committed first */
	unsigned long failures;
};

/* Loads the libxtables extensions dom0net uses (once per process). No kernel change. */
struct fw *fw_new(struct d0_err *e);
void fw_free(struct fw *fw);	/* frees our bookkeeping; the rules stay */

enum {
	FW_APPLY_ADOPT = 0x1,	/* start-up: take over the VIF chains found in the
				 * table; drop those whose device is gone */
};
/* Apply a whole policy in one commit: DOM0NET-INPUT is rebuilt under a new name and
 * swapped in; DOM0NET-FORWARD and its jump are ensured. With enable = no, removes
 * dom0net's chains instead; with anti-spoof = no, removes the VIF chains. */
int fw_apply(struct fw *fw, const struct fw_policy *p, unsigned flags, struct d0_err *e);
/* Install the rules of n VIFs in one commit (replacing any rules a device of the same
 * name had). Records what was installed. */
int fw_vifs_add(struct fw *fw, const struct fw_vif *v, size_t n, struct d0_err *e);
/* Remove what was recorded for these devices, in one commit; unknown names are
 * ignored. Never consults xenstore. */
int fw_vifs_del(struct fw *fw, const char *const *ifnames, size_t n, struct d0_err *e);
/* Remove every dom0net chain and jump (netd --remove-firewall). */
int fw_remove_all(struct fw *fw, struct d0_err *e);

const struct fw_stats *fw_get_stats(const struct fw *fw);
/* The policy last applied (NULL before the first fw_apply). */
const struct fw_policy *fw_get_policy(const struct fw *fw);
/* The recorded VIFs: i-th record or NULL. */
const struct fw_vif *fw_vif_record(const struct fw *fw, size_t i);
size_t fw_vif_count(const struct fw *fw);
/* Test hook: called after the table was read and changed, just before the commit. */
void fw_set_precommit_hook(struct fw *fw, void (*fn)(void *arg), void *arg);

/* ---- what is installed (fw_show.c): dom0net's chains and the jumps into them ---- */
struct fw_shown_rule {
	char chain[32];
	char text[512];		/* fw_rule_format */
	uint64_t packets, bytes;
};
struct fw_shown {
	struct fw_shown_rule *rules;
	size_t n;
	unsigned n_chains;	/* dom0net chains present */
};
int fw_show(struct fw_shown *out, struct d0_err *e);
void fw_shown_free(struct fw_shown *s);

/* ---- the host (fw_host.c) ---- */
struct fw_flavour {
	char iptables[256];	/* what the `iptables` command resolves to ("" if absent) */
	bool iptables_nft;	/* ... is the nf_tables variant */
	int nft_rules;		/* rules in nf_tables ip/inet tables; -1 unknown */
};
void fw_flavour_detect(struct fw_flavour *f);
/* net.bridge.bridge-nf-call-iptables = 1 in this network namespace (br_netfilter is
 * loaded first if the sysctl is missing). *was: 0/1 before, -1 when absent. */
int fw_bridge_nf_enable(int *was, struct d0_err *e);

#endif
