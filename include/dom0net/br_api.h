/* bridges/api_*.c: single bridge and VLAN operations for the agent API (OvmNetwork's
 * createBridge, deleteBridge, createVlan, deleteVlan), next to the configured
 * conversions of bridges.h. Each reads the kernel first (idempotent: BR_ALREADY when
 * there is nothing to do), changes it through the undo log (rolled back on failure:
 * BR_FAILED, err names the step and the kernel's text) and refuses what would put
 * the host at risk (BR_SKIPPED, err says why, errno-style code in err->code). */
#ifndef DOM0NET_BR_API_H
#define DOM0NET_BR_API_H

#include <dom0net/bridges.h>

struct nl_sock;

/* Bridge `name` with `uplink` as its port, both up; STP and forward delay as cfg's
 * [bridges]. Finishes a half-done one (bridge there, uplink free). Refuses: a missing
 * uplink (ENODEV), an uplink that is a port elsewhere (EBUSY) or carries addresses
 * (EADDRINUSE: dom0net's configured conversion moves addresses, this does not),
 * `name` taken by a link that is not a bridge (EEXIST). */
enum br_outcome br_api_bridge_create(struct nl_sock *sk, const struct d0_config *cfg,
				     const char *name, const char *uplink, struct d0_err *err);

/* Deletes bridge `name` if every port is an uplink (is_uplink says which names are):
 * the uplinks are released and stay up. Keeps it while other ports remain (guests):
 * BR_SKIPPED with EBUSY and the ports in err. Refuses a bridge carrying addresses
 * (EADDRINUSE) or a link that is not a bridge (EINVAL). BR_ALREADY when absent.
 * uplink_out (may be NULL) receives the released uplink ("" if none). */
enum br_outcome br_api_bridge_delete(struct nl_sock *sk, const char *name,
				     bool (*is_uplink)(const char *port),
				     char uplink_out[IFNAMSIZ], struct d0_err *err);

/* VLAN device PIF.VID (802.1Q, kind "vlan") on pif, up. BR_ALREADY if it exists as
 * such; EEXIST if the name is another kind of link; ENODEV without pif; EOPNOTSUPP
 * when the kernel has no 802.1Q support (module 8021q). */
enum br_outcome br_api_vlan_create(struct nl_sock *sk, const char *pif, unsigned vid,
				   char name_out[IFNAMSIZ], struct d0_err *err);

/* Deletes VLAN device `name`. BR_ALREADY when absent; refuses a link that is not a
 * VLAN (EINVAL), is a bridge port (EBUSY) or carries addresses (EADDRINUSE). */
enum br_outcome br_api_vlan_delete(struct nl_sock *sk, const char *name, struct d0_err *err);

#endif
