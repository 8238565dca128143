/* bridges/: uplink discovery, the direct and legacy bridge styles with an undo log,
 * and read-only bridge inspection (netctl show / showmacs / nics).
 * Functions return 0 on success, -1 with errno set (and *err filled where given). */
#ifndef DOM0NET_BRIDGES_H
#define DOM0NET_BRIDGES_H

#include <dom0net/names.h> /* IFNAMSIZ without <net/if.h>, which clashes with <linux/if.h> */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dom0net/config.h>
#include <dom0net/err.h>

struct nl_sock;
struct rtnl_link;

/* ---- conversion (owned by bridges/: discover, convert, direct, legacy, revert...) ----
 * See doc/bridges.md. Every call reads the kernel first, so it is safe to repeat and
 * recognises both styles after a restart. */

/* Outcome of converting (or reverting) one uplink. */
enum br_outcome {
	BR_CONVERTED,		/* changed the system: now bridged (br_revert: now reverted) */
	BR_ALREADY,		/* was already in the requested state: nothing touched */
	BR_SKIPPED,		/* style none, no such link, another master, other style in
				 * place, or refused (root fs / NetworkManager): err says why */
	BR_FAILED,		/* failed and rolled back: err names the step and the kernel's
				 * error ("; ROLLBACK INCOMPLETE: ..." if the undo failed too) */
};
/* err on BR_CONVERTED / BR_ALREADY: empty, or a warning to log (code 0), e.g. a
 * DHCP client still running on the NIC, a half-done run finished, a bridge kept
 * because guests still use it.
 * Test hooks (environment): DOM0NET_FAULT_STEP=STEP or UPLINK:STEP fails that step
 * (DOM0NET_FAULT_CRASH=1: the process exits there); DOM0NET_SAFETY_ROOT prefixes
 * the /proc, /sys, /run files of the safety checks; DOM0NET_RUN_DIR replaces
 * /run/dom0net (the journal); DOM0NET_CARRIER_WAIT_MS bounds the carrier wait. */

/* Uplinks to bridge, in name order: every NIC named by a [nic] section whose style
 * is not none (any kind: veth, bond, VLAN), and with default-style != none every
 * physical Ethernet NIC (a sysfs `device`, ARPHRD_ETHER, not wireless, not a bridge/
 * bond slave/veth/vif/tap, no master but its own bridge); a legacy-converted ethN is
 * listed by its pethN. */
int br_discover(struct nl_sock *sk, const struct d0_config *cfg,
		char (*names)[IFNAMSIZ], size_t max, size_t *n);
/* True if a newly seen link (read from the kernel now) is an uplink to bridge:
 * the same rules, and it must have no master. */
bool br_link_is_uplink(const struct d0_config *cfg, struct rtnl_link *link);
/* The bridge an uplink maps to: [nic] bridge=, else ethN/bondN -> xenbrN,
 * BASE.V -> (BASE's bridge).V, other NAME -> br-NAME. -1 ENAMETOOLONG if too long. */
int br_bridge_name(const struct d0_config *cfg, const char *uplink, char out[IFNAMSIZ]);
/* Convert one uplink in its configured style. Idempotent; finishes a half-done
 * direct conversion, undoes and redoes a half-done legacy one. */
enum br_outcome br_convert(struct nl_sock *sk, const struct d0_config *cfg,
			   const char *uplink, struct d0_err *err);
/* Reverse a conversion, whatever style the kernel shows (legacy completely, also a
 * half-done one; direct back to the NIC; the bridge is deleted unless guest ports
 * remain). BR_ALREADY for a plain NIC. */
enum br_outcome br_revert(struct nl_sock *sk, const struct d0_config *cfg,
			  const char *uplink, struct d0_err *err);

/* ---- inspection (owned by bridges/inspect*, fdb*) ---- */

/* A snapshot of the kernel's links, read in one RTM_GETLINK dump (no sysfs, no netd),
 * with what `netctl show`, `showmacs` and `nics` need. Read-only. */
struct br_link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];		/* IFLA_INFO_KIND: "bridge", "veth", "tun", "" (physical) */
	char parent_dev[32];	/* IFLA_PARENT_DEV_NAME (bus device), "" for virtual links */
	int master;		/* IFLA_MASTER, 0 if none */
	int link;		/* IFLA_LINK (veth peer, VLAN lower device), 0 if none */
	unsigned flags;		/* IFF_* */
	unsigned short type;	/* ARPHRD_* */
	uint8_t mac[6];
	bool has_mac;
	uint32_t mtu;
	uint8_t operstate;	/* IF_OPER_* */
	bool carrier;
	bool is_bridge;		/* kind "bridge": the br_* fields below are valid */
	bool is_bridge_port;	/* slave kind "bridge": port_no is valid */
	uint8_t br_id[8];	/* IFLA_BR_BRIDGE_ID: priority (2 bytes, big endian), MAC */
	uint32_t br_stp_state;	/* 0 off, 1 kernel STP, 2 user-space STP */
	uint32_t br_ageing_cs;	/* ageing time, centiseconds */
	uint32_t br_fwd_delay_cs;
	bool br_topology_change;
	uint16_t port_no;	/* IFLA_BRPORT_NO */
};

/* Sorted by name in byte order (what brctl's scandir+alphasort gives: it never sets a
 * locale, so strcoll is strcmp). */
struct br_links {
	struct br_link *v;
	size_t n;
};

/* Every link, all fields (netctl nics). */
int br_links_dump(struct br_links *out, struct d0_err *err);
/* Only bridges and their ports, in two small dumps whatever the number of other links
 * (netctl show / showmacs: fast with 1000 ports). Ports carry name, ifindex, master,
 * MAC, MTU, operstate and port_no; no kind, carrier or parent_dev. */
int br_links_dump_bridges(struct br_links *out, struct d0_err *err);
/* One link by name (an RTM_GETLINK request, not a dump); -1 with errno ENODEV if none. */
int br_link_get(const char *name, struct br_link *out, struct d0_err *err);
void br_links_free(struct br_links *l);
const struct br_link *br_links_find(const struct br_links *l, const char *name);
const struct br_link *br_links_by_index(const struct br_links *l, int ifindex);
/* The next port of bridge br after position *pos (start with *pos = 0), in name order;
 * NULL at the end. */
const struct br_link *br_links_next_port(const struct br_links *l, const struct br_link *br,
					 size_t *pos);
/* The link a command-line name means to brctl, whose lookups go through interface
 * ioctls: the kernel keeps the first 15 bytes and cuts at the first ':' (an alias
 * label), so "br0:1" and "abcdefghijklmnoXYZ" name br0 and abcdefghijklmno. */
void br_compat_name(const char *arg, char out[IFNAMSIZ]);
/* "8000.0e49efaec5d2": priority, '.', bridge MAC, as brctl and sysfs print it. */
void br_id_format(const struct br_link *br, char out[18]);

/* One forwarding-database entry of a bridge, as `brctl showmacs` lists them. */
struct br_fdb_entry {
	uint8_t mac[6];
	int ifindex;		/* the port */
	uint16_t port_no;	/* full number; brctl prints only the low 8 bits */
	uint16_t vlan;		/* 0: none */
	bool is_local;
	bool is_static;
	uint32_t ageing_cs;	/* centiseconds since last seen; 0 for local/static */
};

struct br_fdb {
	struct br_fdb_entry *v;
	size_t n;
};

/* The bridge's FDB in one RTM_GETNEIGH (AF_BRIDGE, NDA_MASTER) dump, with the rows
 * brctl shows (port entries, not expired), stably sorted by MAC like brctl. */
int br_fdb_dump(const struct br_links *links, const struct br_link *br, struct br_fdb *out,
		struct d0_err *err);
void br_fdb_free(struct br_fdb *f);

/* Link modes from the ethtool generic-netlink family (ETHTOOL_MSG_LINKMODES_GET). */
#define BR_SPEED_UNKNOWN 0u
enum br_duplex { BR_DUPLEX_UNKNOWN = 0, BR_DUPLEX_HALF, BR_DUPLEX_FULL };
struct br_linkmodes {
	uint32_t speed;		/* Mb/s, BR_SPEED_UNKNOWN if not reported */
	enum br_duplex duplex;
};
struct br_ethtool;		/* a generic-netlink socket with the family resolved */
struct br_ethtool *br_ethtool_open(struct d0_err *err);
void br_ethtool_close(struct br_ethtool *et);
/* A link without ethtool link modes (EOPNOTSUPP) is success with speed/duplex unknown. */
int br_ethtool_linkmodes(struct br_ethtool *et, const char *ifname, struct br_linkmodes *out,
			 struct d0_err *err);

/* IPv4 addresses of all links, from one RTM_GETADDR dump. */
struct br_addr4 {
	int ifindex;
	uint32_t addr;		/* network byte order */
	uint8_t plen;
};
struct br_addrs {
	struct br_addr4 *v;
	size_t n;
};
int br_addrs_dump(struct br_addrs *out, struct d0_err *err);
void br_addrs_free(struct br_addrs *a);

/* Links `netctl nics` lists: uplink candidates (physical NICs, bonds, VLANs, ethN/pethN)
 * and bridge ports, but not guest interfaces (vifD.N, tapD.N with D >= 1) nor bridges. */
bool br_link_is_nic(const struct br_links *l, const struct br_link *link);
/* Detected from kernel state: pethN in a bridge with a vif0.N sibling, vif0.N itself and
 * the pseudo ethN whose veth peer is vif0.N -> legacy; another port of a xenbr* bridge ->
 * direct; else none. */
enum br_style br_link_style(const struct br_links *l, const struct br_link *link);

#endif
