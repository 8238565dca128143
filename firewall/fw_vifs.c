/* Per-VIF anti-spoofing: DOM0NET-VIF-<dev> plus two dispatch rules in
 * DOM0NET-FORWARD, installed on attach and removed on detach from the record of what
 * was installed (the device name is the key; xenstore is never asked again). A device
 * name that comes back gets a fresh chain: nothing of a previous VIF survives. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libiptc/libiptc.h>

#include "fw_int.h"

#define VIF_MAX_RULES (FW_VIF_MAX_IPS + 2)

static struct fw_vif *record_find(struct fw *fw, const char *ifname)
{
	for (size_t i = 0; i < fw->n_vifs; i++)
		if (strcmp(fw->vifs[i].ifname, ifname) == 0)
			return &fw->vifs[i];
	return NULL;
}

static int record_put(struct fw *fw, const struct fw_vif *v)
{
	struct fw_vif *r = record_find(fw, v->ifname);

	if (!r) {
		if (fw->n_vifs == fw->cap_vifs) {
			size_t cap = fw->cap_vifs ? fw->cap_vifs * 2 : 64;
			struct fw_vif *nv = realloc(fw->vifs, cap * sizeof(*nv));

			if (!nv)
				return -1;
			fw->vifs = nv;
			fw->cap_vifs = cap;
		}
		r = &fw->vifs[fw->n_vifs++];
	}
	*r = *v;
	return 0;
}

static void record_drop(struct fw *fw, const char *ifname)
{
	struct fw_vif *r = record_find(fw, ifname);

	if (r)
		*r = fw->vifs[--fw->n_vifs];
}

void fw_records_replace(struct fw *fw, struct fw_vif *v, size_t n)
{
	free(fw->vifs);
	fw->vifs = v;
	fw->n_vifs = fw->cap_vifs = n;
}

size_t fw_vif_count(const struct fw *fw)
{
	return fw->n_vifs;
}

const struct fw_vif *fw_vif_record(const struct fw *fw, size_t i)
{
	return i < fw->n_vifs ? &fw->vifs[i] : NULL;
}

/* A dispatch rule of this device: physdev-in/out names it. */
static bool names_dev(const struct fw_rule *r, const void *ifname)
{
	return strcmp(r->physin, ifname) == 0 || strcmp(r->physout, ifname) == 0;
}

/* Exactly one of the two dispatch rules recorded for a device. */
static bool is_dispatch(const struct fw_rule *r, const void *arg)
{
	const struct fw_rule *want = arg;
	char a[512], b[512];

	if (fw_rule_format(r, a, sizeof(a)) < 0)
		return false;
	for (int i = 0; i < 2; i++)
		if (fw_rule_format(&want[i], b, sizeof(b)) == 0 && strcmp(a, b) == 0)
			return true;
	return false;
}

static int install_one(struct xtc_handle *h, const struct fw_vif *v, bool with_mac,
		       struct d0_err *e)
{
	struct fw_rule rules[VIF_MAX_RULES], dispatch[2];
	char chain[32];
	int n = fw_vif_render(v, with_mac, rules, VIF_MAX_RULES, dispatch);

	if (n < 0 || fw_vif_chain(v->ifname, chain) < 0) {
		d0_err_set(e, EINVAL, "%s: not a usable device name", v->ifname);
		return -1;
	}
	/* A device of this name had rules (its detach was missed): none survive. */
	if (iptc_is_chain(chain, h)) {
		if (fw_tx_delete_rules(h, FW_CHAIN_FORWARD, names_dev, v->ifname, e) < 0 ||
		    !iptc_flush_entries(chain, h)) {
			d0_err_set(e, errno, "flush %s: %s", chain, iptc_strerror(errno));
			return -1;
		}
	} else if (fw_tx_ensure_chain(h, chain, e) < 0) {
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (fw_tx_append(h, chain, &rules[i], e) < 0)
			return -1;
	/* Every VIF's "from this VIF: check it" comes before any VIF's "to this VIF:
	 * accept": otherwise a forged packet from guest A to guest B on the same bridge
	 * matches B's accept first and A's chain never sees it (lane 2 found this). */
	if (fw_tx_insert_first(h, FW_CHAIN_FORWARD, &dispatch[0], e) < 0 ||
	    fw_tx_append(h, FW_CHAIN_FORWARD, &dispatch[1], e) < 0)
		return -1;
	return 0;
}

struct vifs_arg {
	const struct fw_vif *v;
	const char *const *names;
	size_t n;
	bool with_mac;
};

static int tx_add(struct fw *fw, struct xtc_handle *h, void *argp, struct d0_err *e)
{
	struct vifs_arg *a = argp;

	if (fw_tx_ensure_chain(h, FW_CHAIN_FORWARD, e) < 0 ||
	    fw_tx_ensure_jump(h, "FORWARD", FW_CHAIN_FORWARD, e) < 0)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		if (install_one(h, &a->v[i], a->with_mac, e) < 0)
			return -1;
	return 1;
}

int fw_vifs_add(struct fw *fw, const struct fw_vif *v, size_t n, struct d0_err *e)
{
	struct vifs_arg a = { v, NULL, n, fw->policy && fw->policy->antispoof_mac };

	for (size_t i = 0; i < n; i++) {
		char chain[32];

		if (fw_vif_chain(v[i].ifname, chain) < 0) {
			d0_err_set(e, EINVAL, "'%s' is not a usable device name", v[i].ifname);
			return -1;
		}
	}
	if (n == 0 || fw_transact(fw, tx_add, &a, e) < 0)
		return n == 0 ? 0 : -1;
	for (size_t i = 0; i < n; i++)
		if (record_put(fw, &v[i]) < 0) {
			d0_err_set(e, ENOMEM, "out of memory (the rules are installed)");
			return -1;
		}
	return 0;
}

static int tx_del(struct fw *fw, struct xtc_handle *h, void *argp, struct d0_err *e)
{
	struct vifs_arg *a = argp;
	bool changed = false;

	for (size_t i = 0; i < a->n; i++) {
		const struct fw_vif *r = record_find(fw, a->names[i]);
		struct fw_rule rules[VIF_MAX_RULES], dispatch[2];
		char chain[32];

		if (!r || fw_vif_render(r, false, rules, VIF_MAX_RULES, dispatch) < 0 ||
		    fw_vif_chain(r->ifname, chain) < 0)
			continue;
		/* The recorded dispatch rules, matched exactly; then the chain itself. */
		if (iptc_is_chain(FW_CHAIN_FORWARD, h) &&
		    fw_tx_delete_rules(h, FW_CHAIN_FORWARD, is_dispatch, dispatch, e) < 0)
			return -1;
		if (fw_tx_drop_chain(h, chain, e) < 0)
			return -1;
		changed = true;
	}
	return changed ? 1 : 0;
}

int fw_vifs_del(struct fw *fw, const char *const *ifnames, size_t n, struct d0_err *e)
{
	struct vifs_arg a = { NULL, ifnames, n, false };

	if (fw_transact(fw, tx_del, &a, e) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		record_drop(fw, ifnames[i]);
	return 0;
}

/* ---- inside a whole-policy transaction ---- */

static bool any_rule(const struct fw_rule *r, const void *arg)
{
	return true;
}

static size_t vif_chains(struct xtc_handle *h, char (**out)[32])
{
	char (*names)[32] = NULL;
	size_t n = 0, cap = 0, plen = strlen(FW_CHAIN_VIF_PREFIX);

	for (const char *c = iptc_first_chain(h); c; c = iptc_next_chain(h)) {
		if (strncmp(c, FW_CHAIN_VIF_PREFIX, plen) != 0)
			continue;
		if (n == cap) {
			void *nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn)
				break;
			names = nn;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", c);
	}
	*out = names;
	return n;
}

int fw_tx_vifs_clear(struct xtc_handle *h, struct d0_err *e)
{
	char (*names)[32];
	size_t n = vif_chains(h, &names);
	int rc = 0;

	if (iptc_is_chain(FW_CHAIN_FORWARD, h))
		rc = fw_tx_delete_rules(h, FW_CHAIN_FORWARD, any_rule, NULL, e);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fw_tx_drop_chain(h, names[i], e);
	free(names);
	return rc;
}

/* Read a VIF chain back into a record (informational: addresses and MAC). */
static void read_back(struct xtc_handle *h, const char *chain, struct fw_vif *v)
{
	for (const struct ipt_entry *ent = iptc_first_rule(chain, h); ent;
	     ent = iptc_next_rule(ent, h)) {
		struct fw_rule r;

		fw_entry_decode(ent, iptc_get_target(ent, h), &r);
		if (r.has_mac) {
			v->has_mac = true;
			memcpy(v->mac, r.mac, 6);
		}
		if (r.splen && v->n_ips < FW_VIF_MAX_IPS) {
			v->ips[v->n_ips] = htonl(r.src);
			v->plens[v->n_ips++] = r.splen;
		}
	}
}

int fw_tx_vifs_adopt(struct xtc_handle *h, struct fw_vif **out, size_t *nout,
		     struct d0_err *e)
{
	char (*names)[32];
	size_t n = vif_chains(h, &names), plen = strlen(FW_CHAIN_VIF_PREFIX), k = 0;
	struct fw_vif *recs = calloc(n ? n : 1, sizeof(*recs));
	int rc = 0;

	if (!recs) {
		free(names);
		d0_err_set(e, ENOMEM, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		const char *ifname = names[i] + plen;

		if (!fw_dev_exists(ifname)) {
			/* Detached while netd was not running: its rules go now. */
			if (iptc_is_chain(FW_CHAIN_FORWARD, h))
				rc = fw_tx_delete_rules(h, FW_CHAIN_FORWARD, names_dev, ifname, e);
			if (rc == 0)
				rc = fw_tx_drop_chain(h, names[i], e);
			continue;
		}
		snprintf(recs[k].ifname, sizeof(recs[k].ifname), "%s", ifname);
		read_back(h, names[i], &recs[k++]);
	}
	free(names);
	if (rc < 0) {
		free(recs);
		return -1;
	}
	*out = recs;
	*nout = k;
	return 0;
}
