/* `netctl vifs [--json]`: one row per VIF, sorted by domid/devid. The text table and
 * the JSON come from the same field calls, so they cannot drift apart. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vif_int.h"

struct pr {
	FILE *f;
	bool json;
	int col;
};

struct column {
	const char *key, *head;
	int width;
};

static const struct column cols[] = {
	{ "domid", "DOMID", 6 }, { "devid", "DEVID", 6 }, { "device", "DEVICE", 16 },
	{ "emulated", "EMULATED", 16 }, { "bridge", "BRIDGE", 16 }, { "mac", "MAC", 18 },
	{ "ips", "IPS", 16 }, { "state", "STATE", 10 }, { "hotplug_status", "HOTPLUG", 10 },
	{ "error", "ERROR", 0 },
};

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

/* One field: quoted JSON string (or number/list given raw), or a padded column. */
static void field(struct pr *p, const char *val, bool raw)
{
	const struct column *c = &cols[p->col++];

	if (p->json) {
		fprintf(p->f, "%s\"%s\":", p->col > 1 ? "," : "", c->key);
		if (raw)
			fputs(val, p->f);
		else if (!*val)
			fputs("null", p->f);
		else
			json_str(p->f, val);
		return;
	}
	if (!raw && !*val)
		val = "-";
	if (c->width)
		fprintf(p->f, "%-*s ", c->width - 1, val);
	else
		fputs(val, p->f);
}

static const char *hs_name(enum vif_hs hs)
{
	switch (hs) {
	case VIF_HS_NONE:
		return "";
	case VIF_HS_EMPTY:
		return "(empty)";
	case VIF_HS_CONNECTED:
		return "connected";
	case VIF_HS_ERROR:
		return "error";
	case VIF_HS_OTHER:
		return "(other)";
	}
	return "";
}

static void row(struct pr *p, const struct vif *v)
{
	char buf[VIF_MAX_IPS * 20 + 8], name[IFNAMSIZ];
	size_t o = 0;

	p->col = 0;
	if (p->json)
		fputc('{', p->f);
	snprintf(buf, sizeof(buf), "%u", v->domid);
	field(p, buf, p->json);
	snprintf(buf, sizeof(buf), "%u", v->devid);
	field(p, buf, p->json);
	field(p, v->pv.link.ifindex || v->pv.attached ? vif_dev_name(v, &v->pv, name, sizeof(name))
						       : "", false);
	field(p, v->emu.link.ifindex || v->emu.attached ?
		 vif_dev_name(v, &v->emu, name, sizeof(name)) : "", false);
	field(p, v->pv.attached ? v->pv.info.bridge : v->entry.bridge, false);
	buf[0] = '\0';
	if (v->entry.has_mac)
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", v->entry.mac[0],
			 v->entry.mac[1], v->entry.mac[2], v->entry.mac[3], v->entry.mac[4],
			 v->entry.mac[5]);
	field(p, buf, false);
	if (p->json)
		buf[o++] = '[';
	for (unsigned i = 0; i < v->entry.n_ips && o + 26 < sizeof(buf); i++) {
		char a[INET_ADDRSTRLEN], plen[8] = "";
		const char *q = p->json ? "\"" : "";

		inet_ntop(AF_INET, &v->entry.ips[i], a, sizeof(a));
		if (v->entry.plens[i] != 32)
			snprintf(plen, sizeof(plen), "/%u", v->entry.plens[i]);
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s%s%s%s", i ? "," : "", q, a,
				      plen, q);
	}
	if (p->json)
		buf[o++] = ']';
	buf[o] = '\0';
	field(p, buf, p->json);
	field(p, vif_state_name(v->state), false);
	field(p, hs_name(v->entry.hotplug_status), false);
	field(p, v->error, false);
	fputs(p->json ? "}" : "\n", p->f);
}

static int cmp_vif(const void *a, const void *b)
{
	const struct vif *x = *(struct vif *const *)a, *y = *(struct vif *const *)b;

	if (x->domid != y->domid)
		return x->domid < y->domid ? -1 : 1;
	return x->devid < y->devid ? -1 : x->devid > y->devid;
}

int vif_mgr_print(struct vif_mgr *m, bool json, FILE *out)
{
	struct pr p = { .f = out, .json = json };
	struct vif **all;
	size_t n = 0;

	if (!m || !out) {
		errno = EINVAL;
		return -1;
	}
	all = calloc(m->n_vifs ? m->n_vifs : 1, sizeof(*all));
	if (!all)
		return -1;
	for (size_t h = 0; h < VIF_HASH; h++)
		for (struct vif *v = m->by_id[h]; v && n < m->n_vifs; v = v->hnext)
			all[n++] = v;
	qsort(all, n, sizeof(*all), cmp_vif);
	if (json) {
		fputc('[', out);
	} else {
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			fprintf(out, "%-*s%s", cols[i].width ? cols[i].width - 1 : 0, cols[i].head,
				cols[i].width ? " " : "\n");
	}
	for (size_t i = 0; i < n; i++) {
		if (json && i)
			fputc(',', out);
		row(&p, all[i]);
	}
	if (json)
		fputs("]\n", out);
	free(all);
	return ferror(out) ? -1 : 0;
}
