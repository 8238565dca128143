/* Which links `netctl nics` lists, and the bridge style each one is in, told from the
 * kernel's state alone (names, masters, veth peers): no configuration needed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>
#include <net/if_arp.h>

#include <dom0net/bridges.h>

/* name == prefix followed by a decimal number (no sign, no trailing bytes). */
static bool name_num(const char *name, const char *prefix, unsigned *n)
{
	size_t len = strlen(prefix);
	const char *p = name + len;
	char *end;
	unsigned long v;

	if (strncmp(name, prefix, len) != 0 || *p < '0' || *p > '9')
		return false;
	v = strtoul(p, &end, 10);
	if (*end != '\0' || v > 0xffffu)
		return false;
	*n = (unsigned)v;
	return true;
}

/* "vifD.N" / "tapD.N": D the domain id. */
static bool vif_name(const char *name, unsigned *domid)
{
	char pre[4];
	unsigned d, n;
	int len = 0;

	if (sscanf(name, "%3[a-z]%u.%u%n", pre, &d, &n, &len) != 3 || name[len] != '\0')
		return false;
	if (strcmp(pre, "vif") != 0 && strcmp(pre, "tap") != 0)
		return false;
	*domid = d;
	return true;
}

static bool is_vif0(const char *name, unsigned *n)
{
	return strncmp(name, "vif0.", 5) == 0 && name_num(name, "vif0.", n);
}

bool br_link_is_nic(const struct br_links *l, const struct br_link *link)
{
	unsigned d, n;

	if (link->is_bridge || link->type == ARPHRD_LOOPBACK || (link->flags & IFF_LOOPBACK))
		return false;
	if (vif_name(link->name, &d) && d != 0)
		return false;	/* a guest's interface */
	if (link->is_bridge_port || is_vif0(link->name, &n))
		return true;
	if (name_num(link->name, "eth", &n) || name_num(link->name, "peth", &n))
		return true;
	if (strcmp(link->kind, "bond") == 0 || strcmp(link->kind, "vlan") == 0)
		return true;
	/* A physical NIC: no link kind, Ethernet, backed by a bus device. */
	return link->kind[0] == '\0' && link->type == ARPHRD_ETHER && link->parent_dev[0];
}

static bool same_master(const struct br_links *l, const char *name, int master)
{
	const struct br_link *o = br_links_find(l, name);

	return o && master && o->master == master;
}

enum br_style br_link_style(const struct br_links *l, const struct br_link *link)
{
	const struct br_link *m, *peer;
	char other[IFNAMSIZ + 8];
	unsigned n;

	if (name_num(link->name, "peth", &n)) {
		snprintf(other, sizeof(other), "vif0.%u", n);
		if (same_master(l, other, link->master))
			return BR_STYLE_LEGACY;
	} else if (is_vif0(link->name, &n)) {
		snprintf(other, sizeof(other), "peth%u", n);
		if (same_master(l, other, link->master))
			return BR_STYLE_LEGACY;
	} else if (name_num(link->name, "eth", &n) && strcmp(link->kind, "veth") == 0) {
		/* The pseudo NIC: a veth whose peer is the bridged vif0.N. */
		peer = link->link ? br_links_by_index(l, link->link) : NULL;
		snprintf(other, sizeof(other), "vif0.%u", n);
		if (peer && strcmp(peer->name, other) == 0 && peer->master)
			return BR_STYLE_LEGACY;
	}
	m = link->master ? br_links_by_index(l, link->master) : NULL;
	if (m && m->is_bridge && strncmp(m->name, "xenbr", 5) == 0)
		return BR_STYLE_DIRECT;
	return BR_STYLE_NONE;
}
