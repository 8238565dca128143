/* Private to bridges/: the conversion machinery shared by the direct and legacy
 * styles and by revert. Not installed, not used outside bridges/ and its tests. */
#ifndef DOM0NET_BR_INT_H
#define DOM0NET_BR_INT_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dom0net/bridges.h>

struct nl_sock;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;

#define BR_MAC_LEN 6
extern const uint8_t br_mac_feff[BR_MAC_LEN];	/* fe:ff:ff:ff:ff:ff */

/* ---- snapshot.c: what an uplink carries before we touch it ---- */
struct br_snap {
	int ifindex;
	char name[IFNAMSIZ];
	uint8_t mac[BR_MAC_LEN];
	unsigned mtu;
	unsigned flags;			/* IFF_* */
	int master;			/* ifindex, 0 if none */
	bool carrier;
	int addrgen;			/* IPv6 address generation mode, -1 unknown */
	struct rtnl_addr **addrs;	/* clones in kernel (dump) order: primaries first */
	size_t n_addrs;
	struct rtnl_route **routes;	/* non-kernel routes with a nexthop on ifindex */
	size_t n_routes;
	bool has_default;		/* an IPv4 default route among routes */
};

int br_snap_take(struct nl_sock *sk, int ifindex, struct br_snap *s, struct d0_err *err);
void br_snap_free(struct br_snap *s);
/* Addresses that we move: IPv4 all, IPv6 except link-local and kernel-made ones. */
bool br_addr_movable(struct rtnl_addr *a);

/* ---- journal.c: the snapshot on disk while addresses are in flight ---- */
int br_journal_save(const struct br_snap *s, const char *uplink);
/* 1 and s filled if a journal exists, 0 if none, -1 if unreadable. */
int br_journal_load(const char *uplink, struct br_snap *s);
void br_journal_drop(const char *uplink);

/* ---- undo.c: the undo log ---- */
enum br_undo_kind { BR_U_DEL_LINK, BR_U_LINK_SET, BR_U_ADD_ADDR, BR_U_DEL_ADDR,
		    BR_U_ADD_ROUTE, BR_U_DEL_ROUTE };

struct br_undo_ent {
	enum br_undo_kind kind;
	const char *step;
	int ifindex;			/* BR_U_DEL_LINK, BR_U_LINK_SET */
	struct rtnl_link *set;		/* BR_U_LINK_SET: the old values to put back */
	void *obj;			/* an rtnl_addr / rtnl_route clone */
};

struct br_undo {
	struct br_undo_ent *v;
	size_t n, cap;
};

int br_undo_push(struct br_undo *u, const struct br_undo_ent *e);
/* Undo every entry in reverse order; keeps going on errors. Returns the number of
 * entries that failed (the first failure is described in why). */
int br_undo_run(struct nl_sock *sk, struct br_undo *u, char *why, size_t len);
void br_undo_free(struct br_undo *u);

/* ---- ops.c: one kernel change per call, each recording its inverse ---- */
struct br_ctx {
	struct nl_sock *sk;
	struct br_undo undo;
	struct d0_err *err;
	const char *uplink;
	const char *step;		/* the step running now, for messages */
	bool unclean;			/* set by br_rollback when something stayed changed */
};

/* Start a named step. Fails (err filled) when DOM0NET_FAULT_STEP names it. */
int br_step(struct br_ctx *c, const char *name);
/* Fill err from a libnl error code for the current step; returns -1. */
int br_fail_nl(struct br_ctx *c, int nlerr, const char *what);
int br_fail(struct br_ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A link change; unset fields (NULL / 0 / master < 0) are left alone. */
struct br_linkset {
	const char *name;
	const uint8_t *mac;
	bool pin_mac;			/* send mac even if unchanged: the kernel then marks it
					 * set, and a VLAN stops following its NIC's MAC */
	unsigned mtu;
	unsigned flags, mask;		/* IFF_* bits to set, and which ones to touch */
	int master;			/* -1: leave; 0: release; else the master's ifindex */
	bool set_addrgen;		/* IPv6 address generation mode (IN6_ADDR_GEN_MODE_*) */
	uint8_t addrgen;
};

int br_op_bridge_create(struct br_ctx *c, const char *name, const uint8_t *mac,
			unsigned mtu, bool stp, unsigned fwd_delay_s, int *ifindex);
int br_op_veth_create(struct br_ctx *c, const char *name, const uint8_t *mac,
		      const char *peer, const uint8_t *peer_mac, unsigned mtu);
int br_op_link_set(struct br_ctx *c, int ifindex, const struct br_linkset *set);
int br_op_link_del(struct br_ctx *c, int ifindex);	/* not undoable: use last */
int br_op_addr_add(struct br_ctx *c, struct rtnl_addr *tmpl, int ifindex, const char *label);
int br_op_addr_del(struct br_ctx *c, struct rtnl_addr *a);
/* Add route r with every nexthop on from_ifindex moved to to_ifindex. */
int br_op_route_add(struct br_ctx *c, struct rtnl_route *r, int from_ifindex, int to_ifindex);
/* Delete route r; one already gone is not an error (*gone set). */
int br_op_route_del(struct br_ctx *c, struct rtnl_route *r, bool *gone);

/* ---- link.c: reading links ---- */
struct br_linkinfo {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];			/* "bridge", "veth", "bond", "vlan", "" */
	uint8_t mac[BR_MAC_LEN];
	unsigned mtu, flags, arptype;
	int master, link;		/* IFLA_MASTER, IFLA_LINK (veth peer) */
	bool carrier;
	int addrgen;			/* IPv6 address generation mode, -1 unknown */
};
/* 0, -1 with errno ENODEV when missing. By name (ifindex 0) or by ifindex. */
int br_link_read(struct nl_sock *sk, int ifindex, const char *name, struct br_linkinfo *li);
void br_linkinfo_from(struct rtnl_link *l, struct br_linkinfo *li);
/* Ports of a bridge (ifindexes), up to max; returns the count or -1. */
int br_bridge_ports(struct nl_sock *sk, int br_ifindex, int *ports, size_t max);
/* VLAN devices stacked on lower_ifindex, up to max; returns the count or -1. */
int br_vlan_uppers(struct nl_sock *sk, int lower_ifindex, int *vlans, size_t max);
/* Wait until ifindex has carrier, up to timeout_ms. 0 on carrier, -1 (ETIMEDOUT). */
int br_wait_carrier(struct nl_sock *sk, int ifindex, unsigned timeout_ms);

/* ---- migrate.c: moving addresses and routes between links ---- */
int br_addrs_add(struct br_ctx *c, const struct br_snap *s, int to_ifindex, const char *to_name);
int br_addrs_del(struct br_ctx *c, const struct br_snap *s);
int br_routes_add(struct br_ctx *c, const struct br_snap *s, int to_ifindex);
int br_routes_del(struct br_ctx *c, const struct br_snap *s);
/* After a rollback: put back any snapshot address or route missing on s->ifindex. */
int br_snap_restore(struct nl_sock *sk, const struct br_snap *s, char *why, size_t len);
/* The label an address gets on to_name: ethN -> to_name, ethN:x -> to_name:x. */
void br_label_move(const char *label, const char *from, const char *to, char out[IFNAMSIZ]);

/* ---- verify.c ---- */
/* Carrier on each of carrier_idx (bounded wait), every snapshot address and route
 * present on to_ifindex. */
int br_verify(struct br_ctx *c, const struct br_snap *s, int to_ifindex,
	      const int *carrier_idx, size_t n_carrier);

/* ---- names.c / state.c: names and recognising our own work ---- */
struct br_names {
	char uplink[IFNAMSIZ];		/* ethN: the physical NIC, or the pseudo NIC (legacy) */
	char bridge[IFNAMSIZ];		/* xenbrN */
	char peth[IFNAMSIZ];		/* pethN (legacy) */
	char vif[IFNAMSIZ];		/* vif0.N (legacy) */
	char veth[IFNAMSIZ];		/* vethN: the pseudo NIC's name before the swap */
};
int br_names_for(const struct d0_config *cfg, const char *uplink, int phys_ifindex,
		 struct br_names *n);

enum br_kstate {
	BRK_MISSING,		/* no such link and no trace of ours */
	BRK_PLAIN,		/* a NIC that is not converted */
	BRK_DIRECT,		/* uplink is a port of our bridge */
	BRK_LEGACY,		/* pethN + vif0.N ports of our bridge, pseudo ethN peer of vif0.N */
	BRK_HALF_LEGACY,	/* some legacy pieces present, not all */
	BRK_FOREIGN,		/* uplink is a port of some other master */
};

struct br_state {
	enum br_kstate st;
	struct br_names n;
	int up_idx, br_idx, peth_idx, vif_idx, veth_idx;	/* 0 when absent */
	char why[160];
};
int br_state_read(struct nl_sock *sk, const struct d0_config *cfg, const char *uplink,
		  struct br_state *st, struct d0_err *err);
const char *br_kstate_name(enum br_kstate s);

/* ---- direct.c, legacy.c, revert_*.c ---- */
/* Each returns BR_CONVERTED / BR_ALREADY / BR_FAILED (rolled back). */
enum br_outcome br_direct_convert(struct nl_sock *sk, const struct d0_config *cfg,
				  const struct br_state *st, struct d0_err *err);
enum br_outcome br_legacy_convert(struct nl_sock *sk, const struct d0_config *cfg,
				  const struct br_state *st, struct d0_err *err);
enum br_outcome br_legacy_finish(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err);
enum br_outcome br_direct_revert(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err);
enum br_outcome br_legacy_revert(struct nl_sock *sk, const struct br_state *st,
				 struct d0_err *err);
/* Delete a bridge we emptied, or keep it (a warning in err) while ports remain. */
int br_drop_bridge(struct br_ctx *c, int br, const char *name);
/* Finish a failed conversion: undo in reverse, put the snapshot back, and make err
 * say what failed (and whether the rollback was clean). Frees the undo log. */
enum br_outcome br_rollback(struct br_ctx *c, const struct br_snap *s);

/* ---- safety.c ---- */
/* Paths read by the safety checks; DOM0NET_SAFETY_ROOT prefixes them (tests). */
struct br_safety_paths {
	char mounts[256], cmdline[256], iscsi[256], nm_run[256], proc[256];
};
void br_safety_paths_default(struct br_safety_paths *p);
/* 1 if the uplink (its snapshot) carries the root file system, with why filled. */
int br_carries_root(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		    size_t len);
/* 1 if NetworkManager runs and manages this link. */
int br_nm_manages(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		  size_t len);
/* A DHCP client running for ifname: its pid and name in why; 0 if none. */
int br_dhcp_client(const struct br_safety_paths *p, const char *ifname, char *why,
		   size_t len);

#endif
