/* The policy model: which host ports are open to whom, from the configuration and
 * the pool members of cluster.conf; and its rendering into DOM0NET-INPUT's rules.
 * Pure computation: nothing here touches the kernel. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/firewall.h>

/* The manager's own ports when it is co-located (spec/firewall.md). */
static const uint16_t manager_ports[] = { 4443, 8888, 8080, 1521, 4889 };

const char *fw_default_name(int d)
{
	switch (d) {
	case D0_FW_REJECT:
		return "reject";
	case D0_FW_RETURN:
		return "return";
	default:
		return "drop";
	}
}

const char *fw_roles_format(unsigned roles, char *buf, size_t len)
{
	static const char *const names[] = { "vm-server", "pool-master", "manager" };
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 3 && n < len; i++)
		if (roles & (1u << i))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "", names[i]);
	if (!roles)
		snprintf(buf, len, "none");
	return buf;
}

static bool covered(const struct fw_service *s, uint32_t addr, uint8_t plen)
{
	for (size_t i = 0; i < s->n_src; i++) {
		const struct fw_source *o = &s->src[i];
		uint32_t mask = o->plen ? 0xffffffffu << (32 - o->plen) : 0;

		if (o->plen <= plen && (addr & mask) == o->addr)
			return true;
	}
	return false;
}

static void add_source(struct fw_service *s, uint32_t addr, uint8_t plen, bool pool)
{
	if (covered(s, addr, plen) || s->n_src == FW_MAX_SOURCES)
		return;
	if (plen == 0) /* "any" replaces everything narrower */
		s->n_src = 0;
	s->src[s->n_src++] = (struct fw_source){ addr, plen, pool };
}

static void add_nets(struct fw_service *s, const struct d0_netlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		add_source(s, l->nets[i].addr, l->nets[i].plen, false);
}

static void add_pool(struct fw_service *s, const struct fw_cluster *c)
{
	for (size_t i = 0; i < c->n_nodes; i++)
		add_source(s, c->nodes[i].addr, 32, true);
}

static struct fw_service *add_service(struct fw_policy *p, const char *name, uint8_t proto,
				      const uint16_t *ports, unsigned n_ports)
{
	struct fw_service *s = &p->svc[p->n_svc++];

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->proto = proto;
	if (n_ports)
		memcpy(s->ports, ports, n_ports * sizeof(*ports));
	s->n_ports = n_ports;
	return s;
}

static int listen_addr(const struct d0_config *cfg, const char *what, const char *s,
		       uint32_t *out, struct d0_err *e)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		d0_err_set(e, EINVAL, "%s: %s listen '%s' is not an IPv4 address", cfg->path, what,
			   s);
		errno = EINVAL;
		return -1;
	}
	*out = ntohl(a.s_addr);
	return 0;
}

/* The distinct o2net ports of the pool (7777 when no node says otherwise). */
static unsigned cluster_ports(const struct fw_cluster *c, uint16_t *ports)
{
	unsigned n = 0;

	for (size_t i = 0; i < c->n_nodes; i++) {
		bool seen = false;

		for (unsigned j = 0; j < n; j++)
			seen |= ports[j] == c->nodes[i].port;
		if (!seen && n < FW_MAX_PORTS)
			ports[n++] = (uint16_t)c->nodes[i].port;
	}
	if (!n)
		ports[n++] = FW_CLUSTER_PORT;
	return n;
}

int fw_policy_build(struct fw_policy *p, const struct d0_config *cfg, struct d0_err *e)
{
	struct fw_service *s;
	uint16_t ports[FW_MAX_PORTS];
	unsigned n;

	memset(p, 0, sizeof(*p));
	p->enable = cfg->fw_enable;
	p->antispoof = cfg->fw_antispoof;
	p->antispoof_mac = cfg->fw_antispoof_mac;
	p->roles = cfg->fw_roles;
	p->input_default = cfg->fw_input_default;
	if (fw_cluster_load(&p->cluster, cfg->fw_cluster_conf, e) < 0)
		return -1;

	/* Management first: ssh and the agent are accepted before anything can drop. */
	s = add_service(p, "ssh", IPPROTO_TCP, (uint16_t[]){ 22 }, 1);
	s->management = true;
	add_nets(s, &cfg->fw_ssh_nets);

	s = add_service(p, "agent", IPPROTO_TCP, (uint16_t[]){ (uint16_t)cfg->agent_port }, 1);
	s->management = true;
	if (listen_addr(cfg, "[agent]", cfg->agent_listen, &s->dst, e) < 0)
		return -1;
	add_nets(s, &cfg->fw_agent_nets);
	add_pool(s, &p->cluster);

	if (p->roles & (D0_ROLE_VM_SERVER | D0_ROLE_POOL_MASTER)) {
		n = cluster_ports(&p->cluster, ports);
		s = add_service(p, "cluster", IPPROTO_TCP, ports, n);
		add_nets(s, &cfg->fw_cluster_nets);
		add_pool(s, &p->cluster);
		s = add_service(p, "cluster", IPPROTO_UDP, ports, n);
		add_nets(s, &cfg->fw_cluster_nets);
		add_pool(s, &p->cluster);
	}
	if (p->roles & D0_ROLE_VM_SERVER) {
		s = add_service(p, "migration", IPPROTO_TCP,
				(uint16_t[]){ FW_MIGRATION_PORT, FW_MIGRATION_SSL_PORT }, 2);
		add_nets(s, &cfg->fw_migration_nets);
		add_pool(s, &p->cluster);
		if (cfg->console_enable) {
			s = add_service(p, "console", IPPROTO_TCP, NULL, 0);
			s->lo = (uint16_t)cfg->console_port_min;
			s->hi = (uint16_t)cfg->console_port_max;
			if (listen_addr(cfg, "[console]", cfg->console_listen, &s->dst, e) < 0)
				return -1;
			add_nets(s, &cfg->fw_console_nets);
		}
	}
	if (p->roles & D0_ROLE_MANAGER) {
		s = add_service(p, "manager", IPPROTO_TCP, manager_ports,
				sizeof(manager_ports) / sizeof(manager_ports[0]));
		add_nets(s, &cfg->fw_manager_nets);
	}
	return 0;
}

/* ---- rendering ---- */

struct out {
	struct fw_rule *r;
	size_t n, max;
};

static struct fw_rule *next(struct out *o)
{
	if (o->n == o->max) {
		o->n++; /* counted, so the caller learns it ran out */
		return NULL;
	}
	memset(&o->r[o->n], 0, sizeof(o->r[0]));
	return &o->r[o->n++];
}

static void set_ports(struct fw_rule *r, const struct fw_service *s)
{
	r->proto = s->proto;
	if (s->n_ports == 1) {
		r->has_dport = true;
		r->dport[0] = r->dport[1] = s->ports[0];
	} else if (s->n_ports > 1) {
		memcpy(r->mports, s->ports, s->n_ports * sizeof(s->ports[0]));
		r->n_mports = s->n_ports;
	} else {
		r->has_dport = true;
		r->dport[0] = s->lo;
		r->dport[1] = s->hi;
	}
}

static void render_service(struct out *o, const struct fw_service *s, int input_default)
{
	struct fw_rule *r;

	for (size_t i = 0; i < s->n_src; i++) {
		if (!(r = next(o)))
			continue;
		r->src = s->src[i].addr;
		r->splen = s->src[i].plen;
		r->dst = s->dst;
		r->dplen = s->dst ? 32 : 0;
		set_ports(r, s);
		snprintf(r->comment, sizeof(r->comment), "dom0net:%s", s->name);
		strcpy(r->target, "ACCEPT");
	}
	/* When the rest of INPUT decides, our ports are still closed to everyone else. */
	if (input_default == D0_FW_RETURN && (r = next(o))) {
		r->dst = s->dst;
		r->dplen = s->dst ? 32 : 0;
		set_ports(r, s);
		snprintf(r->comment, sizeof(r->comment), "dom0net:%s", s->name);
		strcpy(r->target, "DROP");
	}
}

int fw_policy_render_input(const struct fw_policy *p, struct fw_rule *rules, size_t max)
{
	struct out o = { rules, 0, max };
	struct fw_rule *r;

	if ((r = next(&o))) {
		strcpy(r->iniface, "lo");
		strcpy(r->target, "ACCEPT");
	}
	if ((r = next(&o))) {
		r->ctstate = true;
		strcpy(r->target, "ACCEPT");
	}
	if ((r = next(&o))) {
		r->proto = IPPROTO_ICMP;
		strcpy(r->target, "ACCEPT");
	}
	for (size_t i = 0; i < p->n_svc; i++)
		render_service(&o, &p->svc[i], p->input_default);
	if (p->input_default != D0_FW_RETURN && (r = next(&o)))
		strcpy(r->target, p->input_default == D0_FW_REJECT ? "REJECT" : "DROP");
	if (o.n > max) {
		errno = ENOSPC;
		return -1;
	}
	return (int)o.n;
}

/* ---- per-VIF rules ---- */

int fw_vif_chain(const char *ifname, char out[32])
{
	if (!ifname_valid(ifname)) {
		errno = EINVAL;
		return -1;
	}
	/* Chain names hold 28 characters: the prefix (12) and any device name (<= 15) fit. */
	snprintf(out, 32, "%s%s", FW_CHAIN_VIF_PREFIX, ifname);
	return 0;
}

int fw_vif_render(const struct fw_vif *v, bool with_mac, struct fw_rule *chain, size_t max,
		  struct fw_rule dispatch[2])
{
	struct out o = { chain, 0, max };
	struct fw_rule *r;
	char name[32];
	bool mac = with_mac && v->has_mac;

	if (fw_vif_chain(v->ifname, name) < 0)
		return -1;
	memset(dispatch, 0, 2 * sizeof(dispatch[0]));
	strcpy(dispatch[0].physin, v->ifname);
	dispatch[0].phys_bridged = true;
	strcpy(dispatch[0].target, name);
	strcpy(dispatch[1].physout, v->ifname);
	dispatch[1].phys_bridged = true;
	strcpy(dispatch[1].target, "ACCEPT");
	if (v->n_ips == 0) {
		/* No `ip` key: the VIF is not restricted (vif-common.sh does the same). */
		if ((r = next(&o)))
			strcpy(r->target, "ACCEPT");
	} else {
		for (unsigned i = 0; i < v->n_ips && i < FW_VIF_MAX_IPS; i++) {
			uint8_t plen = v->plens[i] && v->plens[i] <= 32 ? v->plens[i] : 32;

			if (!(r = next(&o)))
				continue;
			r->splen = plen;
			r->src = ntohl(v->ips[i]) & (plen ? 0xffffffffu << (32 - plen) : 0);
			r->has_mac = mac;
			memcpy(r->mac, v->mac, 6);
			strcpy(r->target, "ACCEPT");
		}
		/* DHCP client -> server: the guest has no address yet. */
		if ((r = next(&o))) {
			r->proto = IPPROTO_UDP;
			r->has_sport = r->has_dport = true;
			r->sport[0] = r->sport[1] = 68;
			r->dport[0] = r->dport[1] = 67;
			r->has_mac = mac;
			memcpy(r->mac, v->mac, 6);
			strcpy(r->target, "ACCEPT");
		}
		if ((r = next(&o)))
			strcpy(r->target, "DROP");
	}
	if (o.n > max) {
		errno = ENOSPC;
		return -1;
	}
	return (int)o.n;
}
