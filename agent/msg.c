/* netd <-> agent messages: one datagram per message on a SOCK_SEQPACKET socketpair.
 * Every datagram is checked (version, type, direction, size, descriptor count) before
 * its payload is looked at. Replies are the only variable-size message: a fixed part
 * and up to AG_REPLY_CHUNK text bytes, whose count the fixed part must match. */
#include <errno.h>
#include <string.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

static const struct {
	size_t min, max;	/* payload bytes */
	int min_fds, max_fds;
	bool from_netd;
} msg_desc[AG_TYPE_MAX] = {
	[AG_HELLO] = { sizeof(struct ag_hello), sizeof(struct ag_hello), 1, AG_MAX_FDS, true },
	[AG_AUTH] = { sizeof(struct ag_auth), sizeof(struct ag_auth), 0, 0, true },
	[AG_REPLY] = { sizeof(struct ag_reply), sizeof(struct ag_reply) + AG_REPLY_CHUNK, 0, 0,
		       true },
	[AG_READY] = { sizeof(struct ag_ready), sizeof(struct ag_ready), 0, 0, false },
	[AG_CALL] = { sizeof(struct ag_call), sizeof(struct ag_call), 0, 0, false },
};

int ag_msg_check(const void *buf, size_t n, int nfds, bool from_netd, struct d0_err *e)
{
	struct ag_hdr h;
	size_t plen;

	if (n < sizeof(h)) {
		d0_err_set(e, EBADMSG, "short message (%zu bytes)", n);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	plen = n - sizeof(h);
	if (h.version != AG_PROTO_VERSION) {
		d0_err_set(e, EPROTO, "protocol version %u, expected %u", h.version,
			   AG_PROTO_VERSION);
		return -1;
	}
	if (h.type == 0 || h.type >= AG_TYPE_MAX || msg_desc[h.type].from_netd != from_netd) {
		d0_err_set(e, EBADMSG, "unexpected message type %u", h.type);
		return -1;
	}
	if (h.len != plen || plen < msg_desc[h.type].min || plen > msg_desc[h.type].max) {
		d0_err_set(e, EBADMSG, "message type %u: %zu payload bytes (header says %u)",
			   h.type, plen, h.len);
		return -1;
	}
	if (h.type == AG_REPLY) {
		struct ag_reply r;

		memcpy(&r, (const char *)buf + sizeof(h), sizeof(r));
		if (r.len != plen - sizeof(r)) {
			d0_err_set(e, EBADMSG, "reply: %zu text bytes, says %u", plen - sizeof(r),
				   r.len);
			return -1;
		}
	}
	if (nfds < msg_desc[h.type].min_fds || nfds > msg_desc[h.type].max_fds) {
		d0_err_set(e, EBADMSG, "message type %u carries %d descriptors", h.type, nfds);
		return -1;
	}
	return 0;
}

const char *ag_op_name(unsigned op)
{
	static const char *const names[AG_OP_MAX] = {
		[AG_OP_STATUS] = "dom0net.status",
		[AG_OP_BRIDGES] = "dom0net.bridges",
		[AG_OP_NICS] = "dom0net.nics",
		[AG_OP_VIFS] = "dom0net.vifs",
		[AG_OP_CONSOLES] = "dom0net.consoles",
		[AG_OP_FIREWALL] = "dom0net.firewall",
		[AG_OP_CONSOLE_PASSWORD] = "dom0net.setConsolePassword",
		[AG_OP_BRIDGE_NAMES] = "OvmNetwork.getAllBridges",
		[AG_OP_BRIDGE_DETAILS] = "OvmNetwork.getBridgeDetails",
		[AG_OP_BRIDGE_BY_IP] = "OvmNetwork.getBridgeByIp",
		[AG_OP_BRIDGE_CREATE] = "OvmNetwork.createBridge",
		[AG_OP_BRIDGE_DELETE] = "OvmNetwork.deleteBridge",
		[AG_OP_VLANS] = "OvmNetwork.getVlans",
		[AG_OP_VLAN_CREATE] = "OvmNetwork.createVlan",
		[AG_OP_VLAN_DELETE] = "OvmNetwork.deleteVlan",
		[AG_OP_VLAN_BRIDGE_CREATE] = "OvmNetwork.createVlanBridge",
		[AG_OP_VLAN_BRIDGE_DELETE] = "OvmNetwork.deleteVlanBridge",
		[AG_OP_SG_CAN] = "OvmSecurityGroup.can_bridge_firewall",
		[AG_OP_SG_CLEANUP] = "OvmSecurityGroup.cleanup_rules",
		[AG_OP_SG_DEFAULT] = "OvmSecurityGroup.default_network_rules_user_vm",
		[AG_OP_SG_DELETE] = "OvmSecurityGroup.delete_all_network_rules_for_vm",
	};

	return op > 0 && op < AG_OP_MAX && names[op] ? names[op] : "?";
}
