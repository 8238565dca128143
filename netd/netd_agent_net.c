/* OvmNetwork through the agent: what OvmNetworkModule.py did with ip, vconfig and
 * /sys/class/net, done with bridges/ (netlink) and answered with the same JSON
 * shapes. Differences, all on the side of doing no harm: deleting what is absent
 * succeeds (idempotent); a bridge carrying addresses, or the bridge dom0net's own
 * configuration made for an uplink, is never deleted; an uplink carrying addresses
 * is never put into a new bridge. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/br_api.h>
#include <dom0net/bridges.h>
#include <dom0net/log.h>

#include "netd.h"
#include "netd_agent.h"
#include "print.h"

static bool is_uplink(const char *name)
{
	return ovm_pif_name_ok(name) || ovm_vlan_name_ok(name, NULL, NULL);
}

/* The uplink of a bridge as the original saw it: its one port named like an uplink;
 * "null" when none. */
static const char *attach_of(const struct br_links *l, const struct br_link *br)
{
	const struct br_link *p;
	size_t pos = 0;

	while ((p = br_links_next_port(l, br, &pos)))
		if (is_uplink(p->name))
			return p->name;
	return "null";
}

void netd_agent_bridge_json(const struct br_links *l, const struct br_link *br)
{
	const struct br_link *p;
	size_t pos = 0;

	print_open_object(NULL);
	print_string(PRINT_JSON, "name", NULL, br->name);
	print_string(PRINT_JSON, "attach", NULL, attach_of(l, br));
	print_open_array("interfaces");
	while ((p = br_links_next_port(l, br, &pos)))
		print_string(PRINT_JSON, NULL, NULL, p->name);
	print_close_array();
	print_close_object();
}

static int fail(FILE *out, int code, const char *msg)
{
	fprintf(out, "%s", msg);
	return code;
}

static int bridge_names(FILE *out, bool vlans)
{
	struct br_links l = { 0 };
	struct d0_err e = { 0 };
	int rc = vlans ? br_links_dump(&l, &e) : br_links_dump_bridges(&l, &e);

	if (rc < 0)
		return fail(out, EIO, e.msg);
	print_init(out, true);
	print_open_array(NULL);
	for (size_t i = 0; i < l.n; i++) {
		const struct br_link *k = &l.v[i];

		if (vlans ? ovm_vlan_name_ok(k->name, NULL, NULL)
			  : k->is_bridge && ovm_bridge_name_ok(k->name))
			print_string(PRINT_JSON, NULL, NULL, k->name);
	}
	print_close_array();
	rc = print_finish() < 0 ? EIO : 0;
	br_links_free(&l);
	return rc;
}

static int bridge_details(FILE *out, const char *name)
{
	struct br_links l = { 0 };
	struct d0_err e = { 0 };
	const struct br_link *br;
	int rc;

	if (br_links_dump_bridges(&l, &e) < 0)
		return fail(out, EIO, e.msg);
	br = br_links_find(&l, name);
	if (!br || !br->is_bridge) {
		fprintf(out, "No bridge %s found", name);
		rc = ENOENT;
	} else {
		print_init(out, true);
		netd_agent_bridge_json(&l, br);
		rc = print_finish() < 0 ? EIO : 0;
	}
	br_links_free(&l);
	return rc;
}

/* The bridge holding ip: first one with that address, else the one whose connected
 * network contains it (the original grepped `ip route` for it). */
static int bridge_by_ip(FILE *out, uint32_t ip)
{
	struct br_links l = { 0 };
	struct br_addrs a = { 0 };
	struct d0_err e = { 0 };
	const struct br_link *found = NULL;
	char text[INET_ADDRSTRLEN];
	int rc = EIO;

	if (br_links_dump_bridges(&l, &e) < 0 || br_addrs_dump(&a, &e) < 0) {
		fprintf(out, "%s", e.msg);
		goto out;
	}
	for (int pass = 0; pass < 2 && !found; pass++)
		for (size_t i = 0; i < a.n && !found; i++) {
			const struct br_link *k = br_links_by_index(&l, a.v[i].ifindex);
			uint32_t mask = a.v[i].plen ? htonl(~0u << (32 - a.v[i].plen)) : 0;

			if (!k || !k->is_bridge || !ovm_bridge_name_ok(k->name))
				continue;
			if (pass == 0 ? a.v[i].addr == ip : (a.v[i].addr & mask) == (ip & mask))
				found = k;
		}
	if (!found) {
		inet_ntop(AF_INET, &ip, text, sizeof(text));
		fprintf(out, "Cannot find bridge with IP %s", text);
		rc = ENOENT;
		goto out;
	}
	print_init(out, true);
	print_open_object(NULL);
	print_string(PRINT_JSON, "bridge", NULL, found->name);
	print_close_object();
	rc = print_finish() < 0 ? EIO : 0;
out:
	br_addrs_free(&a);
	br_links_free(&l);
	return rc;
}

static int outcome(FILE *out, enum br_outcome o, const struct d0_err *e)
{
	switch (o) {
	case BR_CONVERTED:
	case BR_ALREADY:
		return 0;
	case BR_SKIPPED:
		return fail(out, e->code ? e->code : EPERM, e->msg);
	case BR_FAILED:
		break;
	}
	return fail(out, e->code && e->code != EIO ? e->code : EIO, e->msg);
}

/* dom0net's own conversion bridge of a configured uplink is not the agent's to delete. */
static int ours(struct netd *d, const char *name, FILE *out)
{
	struct br_links l = { 0 };
	struct d0_err e = { 0 };
	const struct br_link *br, *p;
	size_t pos = 0;
	int rc = 0;

	if (br_links_dump_bridges(&l, &e) < 0)
		return fail(out, EIO, e.msg);
	br = br_links_find(&l, name);
	while (br && br->is_bridge && (p = br_links_next_port(&l, br, &pos))) {
		char want[IFNAMSIZ];

		if (config_style_for(&d->cfg, p->name, NULL) != BR_STYLE_NONE &&
		    br_bridge_name(&d->cfg, p->name, want) == 0 && strcmp(want, name) == 0) {
			fprintf(out, "%s is dom0net's bridge for %s (configured style %s); "
				"netd --stop-bridges %s reverses it", name, p->name,
				br_style_name(config_style_for(&d->cfg, p->name, NULL)), p->name);
			rc = EPERM;
			break;
		}
	}
	br_links_free(&l);
	return rc;
}

static int bridge_delete(struct netd *d, const char *name, char vlan_out[IFNAMSIZ], FILE *out)
{
	struct d0_err e = { 0 };
	enum br_outcome o;
	int rc = ours(d, name, out);

	if (rc)
		return rc;
	o = br_api_bridge_delete(d->req, name, is_uplink, vlan_out, &e);
	if (o == BR_SKIPPED && e.code == EBUSY) {
		/* As the original: guests still use it, it stays, and that is no error. */
		log_warnx("agent: %s", e.msg);
		if (vlan_out)
			vlan_out[0] = '\0';
		return 0;
	}
	if (o == BR_CONVERTED)
		log_info("agent: bridge %s deleted", name);
	return outcome(out, o, &e);
}

static int vlan_create(struct netd *d, const char *pif, unsigned vid, char name[IFNAMSIZ],
		       bool *created, FILE *out)
{
	struct d0_err e = { 0 };
	enum br_outcome o = br_api_vlan_create(d->req, pif, vid, name, &e);

	*created = o == BR_CONVERTED;
	if (*created)
		log_info("agent: VLAN device %s created", name);
	return outcome(out, o, &e);
}

static int bridge_create(struct netd *d, const char *name, const char *attach, FILE *out)
{
	struct d0_err e = { 0 };
	enum br_outcome o = br_api_bridge_create(d->req, &d->cfg, name, attach, &e);

	if (o == BR_CONVERTED)
		log_info("agent: bridge %s created on %s", name, attach);
	return outcome(out, o, &e);
}

int netd_agent_net(struct netd *d, const struct ag_call *c, FILE *out)
{
	char name[IFNAMSIZ], vlan[IFNAMSIZ];
	struct d0_err e = { 0 };
	bool created;
	int rc;

	switch (c->op) {
	case AG_OP_BRIDGE_NAMES:
		return bridge_names(out, false);
	case AG_OP_VLANS:
		return bridge_names(out, true);
	case AG_OP_BRIDGE_DETAILS:
		return bridge_details(out, c->u.name.name);
	case AG_OP_BRIDGE_BY_IP:
		return bridge_by_ip(out, c->u.ip.addr);
	case AG_OP_BRIDGE_CREATE:
		return bridge_create(d, c->u.bridge.name, c->u.bridge.attach, out);
	case AG_OP_BRIDGE_DELETE:
		return bridge_delete(d, c->u.name.name, NULL, out);
	case AG_OP_VLAN_CREATE:
		rc = vlan_create(d, c->u.vlan.pif, c->u.vlan.vid, name, &created, out);
		if (rc)
			return rc;
		print_init(out, true);
		print_open_object(NULL);
		print_string(PRINT_JSON, "name", NULL, name);
		print_uint(PRINT_JSON, "vid", NULL, c->u.vlan.vid);
		print_string(PRINT_JSON, "pif", NULL, c->u.vlan.pif);
		print_close_object();
		return print_finish() < 0 ? EIO : 0;
	case AG_OP_VLAN_DELETE:
		return outcome(out, br_api_vlan_delete(d->req, c->u.name.name, &e), &e);
	case AG_OP_VLAN_BRIDGE_CREATE:
		rc = vlan_create(d, c->u.vlan_bridge.pif, c->u.vlan_bridge.vid, vlan, &created, out);
		if (rc)
			return rc;
		rc = bridge_create(d, c->u.vlan_bridge.name, vlan, out);
		if (rc && created && br_api_vlan_delete(d->req, vlan, &e) != BR_CONVERTED)
			log_warnx("agent: %s stays after the failed bridge: %s", vlan, e.msg);
		return rc;
	case AG_OP_VLAN_BRIDGE_DELETE:
		rc = bridge_delete(d, c->u.name.name, vlan, out);
		if (rc || !vlan[0] || !ovm_vlan_name_ok(vlan, NULL, NULL))
			return rc;
		return outcome(out, br_api_vlan_delete(d->req, vlan, &e), &e);
	}
	fprintf(out, "unknown operation %u", c->op);
	return EINVAL;
}
