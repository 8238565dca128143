/* netd's firewall glue: the policy is built with the configuration (a broken one is
 * refused before anything is touched), applied as a whole at start and on reload,
 * per-VIF rules follow the VIF manager's attach/detach hooks, and `netctl firewall`
 * is answered here. Stopping netd leaves the rules in place (guests stay protected,
 * management stays open); `netd --remove-firewall` removes them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/firewall.h>
#include <dom0net/log.h>
#include <dom0net/vif.h>

#include "netd.h"
#include "print.h"

static struct fw_policy *build(const struct d0_config *cfg, char *err, size_t errlen)
{
	struct fw_policy *p = malloc(sizeof(*p));
	struct d0_err e = { 0 };

	if (!p) {
		snprintf(err, errlen, "firewall: out of memory");
		return NULL;
	}
	if (fw_policy_build(p, cfg, &e) < 0) {
		snprintf(err, errlen, "%s", e.msg);
		free(p);
		return NULL;
	}
	return p;
}

int netd_firewall_init(struct netd *d, char *err, size_t errlen)
{
	d->fw_policy = build(&d->cfg, err, errlen);
	return d->fw_policy ? 0 : -1;
}

static void warn_flavour(void)
{
	struct fw_flavour f;

	fw_flavour_detect(&f);
	if (f.iptables_nft && f.nft_rules > 0)
		log_warnx("firewall: `iptables` on this host is the nf_tables variant (%s) and "
			  "nf_tables holds %d rules of its own: both rule sets apply to every "
			  "packet. dom0net's rules are in the legacy tables: see them with "
			  "`iptables-legacy-save` or `netctl firewall`", f.iptables, f.nft_rules);
	else if (f.iptables_nft)
		log_info("firewall: `iptables` here is the nf_tables variant; dom0net's rules are "
			 "in the legacy tables (iptables-legacy-save, netctl firewall)");
}

static void bridge_nf(void)
{
	struct d0_err e = { 0 };
	int was;

	if (fw_bridge_nf_enable(&was, &e) < 0)
		log_warnx("firewall: %s", e.msg);
	else if (was == 0)
		log_info("firewall: net.bridge.bridge-nf-call-iptables was 0, set to 1: bridged "
			 "guest traffic now crosses FORWARD and the anti-spoof rules");
	else
		log_info("firewall: net.bridge.bridge-nf-call-iptables is 1 (bridged guest "
			 "traffic crosses the anti-spoof rules)");
}

static void applied(const char *what, const struct fw_policy *p, size_t vifs)
{
	char roles[64];

	if (!p->enable) {
		log_info("firewall: disabled in the configuration; dom0net's chains removed");
		return;
	}
	log_info("firewall: %s: roles %s, input default %s, anti-spoof %s (%zu VIFs), "
		 "pool %zu nodes%s", what, fw_roles_format(p->roles, roles, sizeof(roles)),
		 fw_default_name(p->input_default), p->antispoof ? "on" : "off", vifs,
		 p->cluster.n_nodes, p->cluster.present ? "" : " (no cluster.conf)");
}

void netd_firewall_start(struct netd *d)
{
	struct d0_err e = { 0 };

	if (!d->fw && !(d->fw = fw_new(&e))) {
		log_warnx("firewall: %s; nothing applied", e.msg);
		return;
	}
	if (d->fw_policy->enable) {
		warn_flavour();
		if (d->fw_policy->antispoof)
			bridge_nf();
	}
	if (fw_apply(d->fw, d->fw_policy, FW_APPLY_ADOPT, &e) < 0) {
		log_warnx("firewall: %s; the tables are as they were", e.msg);
		return;
	}
	applied("policy applied", d->fw_policy, fw_vif_count(d->fw));
}

int netd_firewall_reload(struct netd *d, const struct d0_config *next, char *err, size_t errlen)
{
	struct fw_policy *p = build(next, err, errlen);
	struct d0_err e = { 0 };

	if (!p)
		return -1;
	if (d->fw && fw_apply(d->fw, p, 0, &e) < 0) {
		snprintf(err, errlen, "firewall: %s (the running policy stays)", e.msg);
		free(p);
		return -1;
	}
	if (d->fw && p->enable && p->antispoof && !d->fw_policy->antispoof)
		log_warnx("firewall: anti-spoof turned on: VIFs attached before get their rules "
			  "when they attach again");
	free(d->fw_policy);
	d->fw_policy = p;
	if (d->fw)
		applied("policy re-applied", p, fw_vif_count(d->fw));
	return 0;
}

void netd_firewall_stop(struct netd *d)
{
	/* The rules stay: guests keep their anti-spoofing, management stays open. */
	fw_free(d->fw);
	d->fw = NULL;
	free(d->fw_policy);
	d->fw_policy = NULL;
}

int netd_firewall_remove(struct netd *d)
{
	struct d0_err e = { 0 };
	struct fw *fw = fw_new(&e);
	int rc = fw ? fw_remove_all(fw, &e) : -1;

	if (rc < 0)
		log_warnx("firewall: %s", e.msg);
	else
		log_info("firewall: dom0net's chains and jumps removed");
	fw_free(fw);
	return rc;
}

/* ---- VIF hooks ---- */

static void to_fw_vif(const struct vif_info *vi, struct fw_vif *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->ifname, sizeof(v->ifname), "%s", vi->ifname);
	v->domid = vi->domid;
	v->devid = vi->devid;
	v->has_mac = true;
	memcpy(v->mac, vi->mac, 6);
	v->n_ips = vi->n_ips < FW_VIF_MAX_IPS ? vi->n_ips : FW_VIF_MAX_IPS;
	memcpy(v->ips, vi->ips, v->n_ips * sizeof(v->ips[0]));
	memcpy(v->plens, vi->plens, v->n_ips * sizeof(v->plens[0]));
}

/* The rules of n VIFs in one commit: all are in, or none (the table is untouched). */
static int on_attached_batch(void *arg, const struct vif_info *const *vis, size_t n, char *err,
			     size_t errlen)
{
	struct netd *d = arg;
	struct d0_err e = { 0 };
	struct fw_vif *vs;

	if (!d->fw_policy || !d->fw_policy->enable || !d->fw_policy->antispoof)
		return 0;
	if (!d->fw) {
		snprintf(err, errlen, "anti-spoof rules cannot be installed (firewall unavailable)");
		return -1;
	}
	vs = calloc(n, sizeof(*vs));
	if (!vs) {
		snprintf(err, errlen, "anti-spoof rules: out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		to_fw_vif(vis[i], &vs[i]);
	if (fw_vifs_add(d->fw, vs, n, &e) < 0) {
		snprintf(err, errlen, "anti-spoof rules: %s", e.msg);
		free(vs);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		log_debug("firewall: %s: anti-spoof rules installed (%u addresses)", vs[i].ifname,
			  vs[i].n_ips);
	free(vs);
	return 0;
}

static int on_attached(void *arg, const struct vif_info *vi, char *err, size_t errlen)
{
	return on_attached_batch(arg, &vi, 1, err, errlen);
}

static void on_detached(void *arg, const struct vif_info *vi)
{
	struct netd *d = arg;
	struct d0_err e = { 0 };
	const char *name = vi->ifname;

	/* From our record only: whatever xenstore says now is not consulted. */
	if (d->fw && fw_vifs_del(d->fw, &name, 1, &e) < 0)
		log_warnx("firewall: %s: removing its rules: %s", name, e.msg);
}

/* A batch's detaches in one commit (a mass `xl destroy`). */
static void on_detached_batch(void *arg, const struct vif_info *vis, size_t n)
{
	struct netd *d = arg;
	struct d0_err e = { 0 };
	const char **names;

	if (!d->fw || n == 0)
		return;
	names = calloc(n, sizeof(*names));
	if (!names) {
		for (size_t i = 0; i < n; i++)
			on_detached(arg, &vis[i]);
		return;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = vis[i].ifname;
	if (fw_vifs_del(d->fw, names, n, &e) < 0)
		log_warnx("firewall: removing the rules of %zu VIFs: %s", n, e.msg);
	free(names);
}

const struct vif_hooks *netd_firewall_hooks(struct netd *d)
{
	static struct vif_hooks hooks; /* copied by vif_mgr_new */

	hooks = (struct vif_hooks){ on_attached, on_detached, d, on_attached_batch,
				    on_detached_batch };
	return &hooks;
}
