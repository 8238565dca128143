/* OvmSecurityGroup through the agent, on dom0net's per-VIF anti-spoof rules
 * (firewall/): default_network_rules_user_vm installs the VIF's chain for its MAC
 * and address (as the VIF manager does on attach), delete_all_network_rules_for_vm
 * removes what was installed for the VM's VIFs, cleanup_rules removes the rules of
 * devices that are gone. The original's own chains (BF-<bridge>, <vm>-def, ebtables)
 * are not recreated: dom0net's chains carry the same protection. add_network_rules
 * (CloudStack's ingress rule language) is answered with a fault by the agent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/bridges.h>
#include <dom0net/firewall.h>
#include <dom0net/log.h>

#include "netd.h"
#include "netd_agent.h"

static bool antispoof_on(struct netd *d)
{
	return d->fw && d->fw_policy && d->fw_policy->enable && d->fw_policy->antispoof;
}

static int sg_record(struct netd_agent *na, const char *vm, const char *vif)
{
	for (size_t i = 0; i < na->nsg; i++)
		if (strcmp(na->sg[i].vif, vif) == 0) {
			snprintf(na->sg[i].vm, sizeof(na->sg[i].vm), "%s", vm);
			return 0;
		}
	if (na->nsg == na->capsg) {
		size_t cap = na->capsg ? na->capsg * 2 : 16;
		struct sg_rec *v = realloc(na->sg, cap * sizeof(*v));

		if (!v)
			return -1;
		na->sg = v;
		na->capsg = cap;
	}
	snprintf(na->sg[na->nsg].vm, sizeof(na->sg[0].vm), "%s", vm);
	snprintf(na->sg[na->nsg].vif, sizeof(na->sg[0].vif), "%s", vif);
	na->nsg++;
	return 0;
}

static void sg_forget_vif(struct netd_agent *na, const char *vif)
{
	for (size_t i = 0; i < na->nsg; i++)
		if (strcmp(na->sg[i].vif, vif) == 0) {
			na->sg[i] = na->sg[--na->nsg];
			return;
		}
}

void netd_agent_sg_free(struct netd_agent *na)
{
	free(na->sg);
	na->sg = NULL;
	na->nsg = na->capsg = 0;
}

static int default_rules(struct netd *d, const struct ag_call *c, FILE *out)
{
	struct d0_err e = { 0 };
	struct br_link link, br;
	struct fw_vif v;

	if (!antispoof_on(d)) {
		fprintf(out, "anti-spoofing is off in dom0net's configuration ([firewall] enable, "
			"anti-spoof)");
		return EOPNOTSUPP;
	}
	if (br_link_get(c->u.sg.vif, &link, &e) < 0) {
		int gone = errno == ENODEV;

		fprintf(out, "%s: %s", c->u.sg.vif, gone ? "no such device" : e.msg);
		return gone ? ENODEV : EIO;
	}
	if (c->u.sg.bridge[0] &&
	    (br_link_get(c->u.sg.bridge, &br, &e) < 0 || link.master != br.ifindex)) {
		fprintf(out, "%s is not a port of %s", c->u.sg.vif, c->u.sg.bridge);
		return EINVAL;
	}
	memset(&v, 0, sizeof(v));
	snprintf(v.ifname, sizeof(v.ifname), "%s", c->u.sg.vif);
	if (sscanf(v.ifname, "vif%u.%u", &v.domid, &v.devid) != 2)
		v.domid = v.devid = 0;
	v.has_mac = c->u.sg.has_mac != 0;
	memcpy(v.mac, c->u.sg.mac, sizeof(v.mac));
	if (c->u.sg.has_ip) {
		v.ips[0] = c->u.sg.ip;
		v.plens[0] = 32;
		v.n_ips = 1;
	}
	if (fw_vifs_add(d->fw, &v, 1, &e) < 0) {
		fprintf(out, "anti-spoof rules for %s: %s", v.ifname, e.msg);
		return e.code ? e.code : EIO;
	}
	if (sg_record(d->agent, c->u.sg.vm_name, v.ifname) < 0)
		log_warnx("agent: %s: out of memory for its record", v.ifname);
	log_info("agent: anti-spoof rules for %s (VM %s) installed", v.ifname, c->u.sg.vm_name);
	fprintf(out, "true");
	return 0;
}

static int delete_rules(struct netd *d, const struct ag_call *c, FILE *out)
{
	struct netd_agent *na = d->agent;
	const char *names[64];
	char keep[64][IFNAMSIZ];
	struct d0_err e = { 0 };
	size_t n = 0;

	if (c->u.sg.vif[0])
		snprintf(keep[n], IFNAMSIZ, "%s", c->u.sg.vif), n++;
	for (size_t i = 0; i < na->nsg && n < 64; i++)
		if (strcmp(na->sg[i].vm, c->u.sg.vm_name) == 0 &&
		    (!c->u.sg.vif[0] || strcmp(na->sg[i].vif, c->u.sg.vif) != 0))
			snprintf(keep[n], IFNAMSIZ, "%s", na->sg[i].vif), n++;
	for (size_t i = 0; i < n; i++)
		names[i] = keep[i];
	if (n && d->fw && fw_vifs_del(d->fw, names, n, &e) < 0) {
		fprintf(out, "removing the rules of VM %s: %s", c->u.sg.vm_name, e.msg);
		return e.code ? e.code : EIO;
	}
	for (size_t i = 0; i < n; i++)
		sg_forget_vif(na, keep[i]);
	if (n)
		log_info("agent: anti-spoof rules of VM %s removed (%zu VIFs)", c->u.sg.vm_name, n);
	fprintf(out, "true");
	return 0;
}

/* Rules recorded for devices the kernel no longer has. */
static int cleanup(struct netd *d, FILE *out)
{
	const char *names[256];
	char gone[256][IFNAMSIZ];
	struct d0_err e = { 0 };
	size_t n = 0;

	for (size_t i = 0; d->fw && i < fw_vif_count(d->fw) && n < 256; i++) {
		const struct fw_vif *v = fw_vif_record(d->fw, i);
		struct br_link l;

		if (br_link_get(v->ifname, &l, &e) < 0 && errno == ENODEV) {
			snprintf(gone[n], IFNAMSIZ, "%s", v->ifname);
			names[n] = gone[n];
			n++;
		}
	}
	if (n && fw_vifs_del(d->fw, names, n, &e) < 0) {
		fprintf(out, "%s", e.msg);
		return e.code ? e.code : EIO;
	}
	for (size_t i = 0; i < n; i++)
		sg_forget_vif(d->agent, gone[i]);
	if (n)
		log_info("agent: cleanup_rules removed the rules of %zu vanished devices", n);
	fprintf(out, "true");
	return 0;
}

int netd_agent_sg(struct netd *d, const struct ag_call *c, FILE *out)
{
	switch (c->op) {
	case AG_OP_SG_CAN:
		fprintf(out, antispoof_on(d) ? "true" : "false");
		return 0;
	case AG_OP_SG_CLEANUP:
		return cleanup(d, out);
	case AG_OP_SG_DEFAULT:
		return default_rules(d, c, out);
	case AG_OP_SG_DELETE:
		return delete_rules(d, c, out);
	}
	fprintf(out, "unknown operation %u", c->op);
	return EINVAL;
}
