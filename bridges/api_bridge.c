/* A bridge with one uplink, made and removed on request (OvmNetwork.createBridge /
 * deleteBridge), through the same undo log as the conversions. Unlike those it moves
 * no addresses: an uplink that carries any is refused, so a request can never cut
 * the host off; the configured conversion ([nic] sections) is the way for those. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <net/if.h>

#include <dom0net/br_api.h>

#include "br_int.h"

#define MAX_PORTS 1024

static enum br_outcome refuse(struct d0_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum br_outcome refuse(struct d0_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	errno = code;
	return BR_SKIPPED;
}

/* Addresses an operation must not take away from the host (IPv4 any, IPv6 other than
 * link-local): 1 if ifindex has some, 0 if not, -1 on error. */
static int has_addresses(struct nl_sock *sk, int ifindex, struct d0_err *err)
{
	struct br_snap s;
	int rc;

	if (br_snap_take(sk, ifindex, &s, err) < 0)
		return -1;
	rc = s.n_addrs > 0;
	br_snap_free(&s);
	return rc;
}

static enum br_outcome rollback(struct br_ctx *c)
{
	char why[256];

	if (br_undo_run(c->sk, &c->undo, why, sizeof(why)) > 0) {
		size_t n = strlen(c->err->msg);

		snprintf(c->err->msg + n, sizeof(c->err->msg) - n, "; ROLLBACK INCOMPLETE: %s", why);
	}
	br_undo_free(&c->undo);
	return BR_FAILED;
}

enum br_outcome br_api_bridge_create(struct nl_sock *sk, const struct d0_config *cfg,
				     const char *name, const char *uplink, struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = uplink };
	struct br_linkinfo ul, bl;
	struct br_linkset set;
	bool have_bridge;
	int br = 0, rc;

	if (!ifname_valid(name) || !ifname_valid(uplink))
		return refuse(err, EINVAL, "bad interface name %s / %s", name, uplink);
	if (br_link_read(sk, 0, uplink, &ul) < 0)
		return refuse(err, ENODEV, "%s does not exist", uplink);
	have_bridge = br_link_read(sk, 0, name, &bl) == 0;
	if (have_bridge && strcmp(bl.kind, "bridge") != 0)
		return refuse(err, EEXIST, "%s exists and is not a bridge (%s)", name,
			      bl.kind[0] ? bl.kind : "physical");
	if (have_bridge)
		br = bl.ifindex;
	if (have_bridge && ul.master == br) {
		if ((ul.flags & IFF_UP) && (bl.flags & IFF_UP))
			return BR_ALREADY;
	} else if (ul.master) {
		struct br_linkinfo m;

		return refuse(err, EBUSY, "%s is already a port of %s", uplink,
			      br_link_read(sk, ul.master, NULL, &m) == 0 ? m.name : "another device");
	} else if (strcmp(ul.kind, "bridge") == 0) {
		return refuse(err, EINVAL, "%s is a bridge, not an uplink", uplink);
	}
	rc = has_addresses(sk, ul.ifindex, err);
	if (rc < 0)
		return BR_FAILED;
	if (rc > 0)
		return refuse(err, EADDRINUSE, "%s carries IP addresses: bridging it here would "
			      "take them away from the host (configure it in a [nic %s] section "
			      "instead, which moves them)", uplink, uplink);

	if (!have_bridge &&
	    (br_step(&c, "create-bridge") < 0 ||
	     br_op_bridge_create(&c, name, NULL, ul.mtu, cfg->stp, cfg->forward_delay, &br) < 0))
		return rollback(&c);
	set = (struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP, .master = br };
	if (br_step(&c, "enslave") < 0 || br_op_link_set(&c, ul.ifindex, &set) < 0)
		return rollback(&c);
	set = (struct br_linkset){ .flags = IFF_UP, .mask = IFF_UP, .master = -1 };
	if (br_step(&c, "bridge-up") < 0 || br_op_link_set(&c, br, &set) < 0)
		return rollback(&c);
	br_undo_free(&c.undo);
	return BR_CONVERTED;
}

enum br_outcome br_api_bridge_delete(struct nl_sock *sk, const char *name,
				     bool (*is_uplink)(const char *port),
				     char uplink_out[IFNAMSIZ], struct d0_err *err)
{
	struct br_ctx c = { .sk = sk, .err = err, .uplink = name };
	int ports[MAX_PORTS], n, rc;
	char guests[160] = "";
	size_t glen = 0;
	struct br_linkinfo bl;

	if (uplink_out)
		uplink_out[0] = '\0';
	if (br_link_read(sk, 0, name, &bl) < 0) {
		int e = errno;

		return e == ENODEV ? BR_ALREADY : refuse(err, e, "%s: %s", name, strerror(e));
	}
	if (strcmp(bl.kind, "bridge") != 0)
		return refuse(err, EINVAL, "%s is not a bridge", name);
	rc = has_addresses(sk, bl.ifindex, err);
	if (rc < 0)
		return BR_FAILED;
	if (rc > 0)
		return refuse(err, EADDRINUSE, "%s carries IP addresses (the host's connectivity "
			      "depends on it); not deleted", name);
	n = br_bridge_ports(sk, bl.ifindex, ports, MAX_PORTS);
	if (n < 0)
		return refuse(err, EIO, "%s: cannot list its ports", name);
	for (int i = 0; i < n; i++) {
		struct br_linkinfo p;

		if (br_link_read(sk, ports[i], NULL, &p) < 0)
			continue;	/* gone meanwhile */
		if (is_uplink(p.name)) {
			if (uplink_out && !uplink_out[0])
				snprintf(uplink_out, IFNAMSIZ, "%s", p.name);
		} else if (glen < sizeof(guests)) {
			glen += (size_t)snprintf(guests + glen, sizeof(guests) - glen, "%s%s",
						 glen ? " " : "", p.name);
		}
	}
	if (glen)
		return refuse(err, EBUSY, "%s still has ports (%s): kept", name, guests);
	/* Deleting the bridge releases its uplinks; they stay up. */
	if (br_step(&c, "delete-bridge") < 0 || br_op_link_del(&c, bl.ifindex) < 0) {
		br_undo_free(&c.undo);
		return BR_FAILED;
	}
	br_undo_free(&c.undo);
	return BR_CONVERTED;
}
