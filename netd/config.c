/* dom0net.conf parser: INI-style sections, `key = value` lines, '#' comments.
 * Every key is described once in a table (section, name, type, where it goes); unknown
 * sections/keys and bad values are errors reported as "file:line: message". */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dom0net/config.h>
#include <dom0net/ctl.h>
#include <dom0net/log.h>
#include <dom0net/names.h>

enum key_type {
	K_BOOL, K_UINT, K_STRING, K_PATH, K_STYLE, K_NETS, K_LEVEL, K_PORTS, K_IFNAME,
	K_FWDEFAULT,	/* one of fw_default_names, stored as its index (int) */
	K_ROLES,	/* words of role_names, stored as bit i for role_names[i] (unsigned) */
};

enum section { S_GLOBAL, S_BRIDGES, S_NIC, S_VIF, S_FIREWALL, S_CONSOLE, S_AGENT };

static const char *const section_names[] = {
	[S_GLOBAL] = "global", [S_BRIDGES] = "bridges", [S_NIC] = "nic", [S_VIF] = "vif",
	[S_FIREWALL] = "firewall", [S_CONSOLE] = "console", [S_AGENT] = "agent",
};

struct key_desc {
	enum section section;
	const char *name;
	enum key_type type;
	size_t off;		/* into struct d0_config, or struct d0_nic_cfg for S_NIC */
	size_t size;		/* string buffer size; for K_PORTS the offset of the max */
	unsigned min, max;	/* K_UINT range */
};

/* Indexes match D0_ROLE_* bits and enum d0_fw_default. */
static const char *const role_names[] = { "vm-server", "pool-master", "manager", NULL };
static const char *const fw_default_names[] = { "drop", "reject", "return", NULL };

#define CFG(f) offsetof(struct d0_config, f), sizeof(((struct d0_config *)0)->f)
#define NIC(f) offsetof(struct d0_nic_cfg, f), sizeof(((struct d0_nic_cfg *)0)->f)

static const struct key_desc keys[] = {
	{ S_GLOBAL, "log-level", K_LEVEL, CFG(log_level), 0, 0 },
	{ S_GLOBAL, "pidfile", K_PATH, CFG(pidfile), 0, 0 },
	{ S_GLOBAL, "control-socket", K_PATH, CFG(ctl_socket), 0, 0 },
	{ S_BRIDGES, "default-style", K_STYLE, CFG(default_style), 0, 0 },
	{ S_BRIDGES, "stp", K_BOOL, CFG(stp), 0, 0 },
	{ S_BRIDGES, "forward-delay", K_UINT, CFG(forward_delay), 0, 30 },
	{ S_BRIDGES, "hotplug-nics", K_BOOL, CFG(hotplug_nics), 0, 0 },
	{ S_NIC, "style", K_STYLE, NIC(style), 0, 0 },
	{ S_NIC, "bridge", K_IFNAME, NIC(bridge), 0, 0 },
	{ S_NIC, "force", K_BOOL, NIC(force), 0, 0 },
	{ S_VIF, "link-timeout-ms", K_UINT, CFG(vif_link_timeout_ms), 100, 600000 },
	{ S_FIREWALL, "enable", K_BOOL, CFG(fw_enable), 0, 0 },
	{ S_FIREWALL, "anti-spoof", K_BOOL, CFG(fw_antispoof), 0, 0 },
	{ S_FIREWALL, "ssh-networks", K_NETS, CFG(fw_ssh_nets), 0, 0 },
	{ S_FIREWALL, "agent-networks", K_NETS, CFG(fw_agent_nets), 0, 0 },
	{ S_FIREWALL, "cluster-networks", K_NETS, CFG(fw_cluster_nets), 0, 0 },
	{ S_FIREWALL, "console-networks", K_NETS, CFG(fw_console_nets), 0, 0 },
	{ S_FIREWALL, "migration-networks", K_NETS, CFG(fw_migration_nets), 0, 0 },
	{ S_FIREWALL, "cluster-conf", K_PATH, CFG(fw_cluster_conf), 0, 0 },
	{ S_FIREWALL, "roles", K_ROLES, CFG(fw_roles), 0, 0 },
	{ S_FIREWALL, "manager-networks", K_NETS, CFG(fw_manager_nets), 0, 0 },
	{ S_FIREWALL, "input-default", K_FWDEFAULT, CFG(fw_input_default), 0, 0 },
	{ S_FIREWALL, "anti-spoof-mac", K_BOOL, CFG(fw_antispoof_mac), 0, 0 },
	{ S_CONSOLE, "enable", K_BOOL, CFG(console_enable), 0, 0 },
	{ S_CONSOLE, "listen", K_STRING, CFG(console_listen), 0, 0 },
	{ S_CONSOLE, "ports", K_PORTS, CFG(console_port_min), 0, 0 },
	{ S_CONSOLE, "user", K_STRING, CFG(console_user), 0, 0 },
	{ S_CONSOLE, "handshake-timeout", K_UINT, CFG(console_handshake_timeout), 1, 600 },
	{ S_CONSOLE, "idle-timeout", K_UINT, CFG(console_idle_timeout), 0, 604800 },
	{ S_CONSOLE, "max-sessions", K_UINT, CFG(console_max_sessions), 1, 10000 },
	{ S_AGENT, "enable", K_BOOL, CFG(agent_enable), 0, 0 },
	{ S_AGENT, "listen", K_STRING, CFG(agent_listen), 0, 0 },
	{ S_AGENT, "port", K_UINT, CFG(agent_port), 1, 65535 },
	{ S_AGENT, "user", K_STRING, CFG(agent_user), 0, 0 },
	{ S_AGENT, "password-hash", K_STRING, CFG(agent_password_hash), 0, 0 },
	{ S_AGENT, "tls-cert", K_PATH, CFG(agent_tls_cert), 0, 0 },
	{ S_AGENT, "tls-key", K_PATH, CFG(agent_tls_key), 0, 0 },
	{ S_AGENT, "plain-http", K_BOOL, CFG(agent_plain_http), 0, 0 },
};

const char *br_style_name(enum br_style s)
{
	switch (s) {
	case BR_STYLE_DIRECT:
		return "direct";
	case BR_STYLE_LEGACY:
		return "legacy";
	case BR_STYLE_NONE:
		break;
	}
	return "none";
}

void config_defaults(struct d0_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->log_level = LOG_LVL_INFO;
	snprintf(cfg->pidfile, sizeof(cfg->pidfile), "%s", "/run/dom0net/netd.pid");
	snprintf(cfg->ctl_socket, sizeof(cfg->ctl_socket), "%s", D0_CTL_SOCKET);
	cfg->default_style = BR_STYLE_DIRECT;
	cfg->stp = false;
	cfg->forward_delay = 0;
	cfg->hotplug_nics = true;
	cfg->vif_link_timeout_ms = 10000;
	cfg->fw_enable = true;
	cfg->fw_antispoof = true;
	/* Management stays reachable from anywhere unless the admin narrows it. */
	cfg->fw_ssh_nets.n = 1;
	cfg->fw_agent_nets.n = 1;
	cfg->fw_console_nets.n = 1;
	cfg->fw_manager_nets.n = 1;
	cfg->fw_roles = D0_ROLE_VM_SERVER;
	cfg->fw_input_default = D0_FW_DROP;
	cfg->fw_antispoof_mac = false;
	snprintf(cfg->fw_cluster_conf, sizeof(cfg->fw_cluster_conf), "%s",
		 "/etc/ocfs2/cluster.conf");
	cfg->console_enable = true;
	snprintf(cfg->console_listen, sizeof(cfg->console_listen), "%s", "0.0.0.0");
	cfg->console_port_min = 5900;
	cfg->console_port_max = 5999;
	snprintf(cfg->console_user, sizeof(cfg->console_user), "%s", "nobody");
	cfg->console_handshake_timeout = 30;
	cfg->console_max_sessions = 256;
	cfg->agent_enable = false;
	snprintf(cfg->agent_listen, sizeof(cfg->agent_listen), "%s", "0.0.0.0");
	cfg->agent_port = 8899;
	snprintf(cfg->agent_user, sizeof(cfg->agent_user), "%s", "nobody");
}

struct parser {
	struct d0_config *cfg;
	const char *name;
	int line;
	enum section section;
	struct d0_nic_cfg *nic;	/* current [nic X] */
	char *err;
	size_t errlen;
};

static int perr(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int parse_style(const char *s, enum br_style *out)
{
	if (strcmp(s, "direct") == 0)
		*out = BR_STYLE_DIRECT;
	else if (strcmp(s, "legacy") == 0)
		*out = BR_STYLE_LEGACY;
	else if (strcmp(s, "none") == 0)
		*out = BR_STYLE_NONE;
	else
		return -1;
	return 0;
}

int config_parse_net4(const char *s, struct d0_net4 *out)
{
	char buf[INET_ADDRSTRLEN + 4];
	char *slash;
	unsigned plen = 32;
	struct in_addr a;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (parse_uint(slash + 1, 0, 32, &plen) < 0)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	out->addr = ntohl(a.s_addr);
	out->plen = (uint8_t)plen;
	/* Host bits set is almost always a typo in an access list: refuse it. */
	if (plen < 32 && (out->addr & (0xffffffffu >> plen)))
		return -1;
	return 0;
}

/* Space-separated CIDR list; "any" means 0.0.0.0/0, "none" or empty an empty list. */
static int parse_nets(struct parser *p, const char *key, char *s, struct d0_netlist *out)
{
	char *save = NULL;

	out->n = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	for (char *tok = strtok_r(s, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		struct d0_net4 n;

		if (strcmp(tok, "any") == 0)
			n = (struct d0_net4){ 0, 0 };
		else if (config_parse_net4(tok, &n) < 0)
			return perr(p, "%s: '%s' is not an IPv4 network (a.b.c.d/len, host bits zero)",
				    key, tok);
		if (out->n == D0_MAX_NETS)
			return perr(p, "%s: more than %d networks", key, D0_MAX_NETS);
		out->nets[out->n++] = n;
	}
	return 0;
}

static void choices_list(const char *const *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *c && n < len; c++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", *c);
}

static int choice_index(const char *const *c, const char *v)
{
	for (int i = 0; c[i]; i++)
		if (strcmp(c[i], v) == 0)
			return i;
	return -1;
}

/* The words a K_FWDEFAULT or K_ROLES key takes (NULL-terminated). */
static const char *const *choices_of(const struct key_desc *k)
{
	return k->type == K_ROLES ? role_names : fw_default_names;
}

/* K_ROLES: space- or comma-separated words; "none" is the empty set. */
static int parse_flags(struct parser *p, const struct key_desc *k, char *v, unsigned *out)
{
	const char *const *choices = choices_of(k);
	char *save = NULL, list[128];

	*out = 0;
	if (strcmp(v, "none") == 0)
		return 0;
	for (char *tok = strtok_r(v, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		int i = choice_index(choices, tok);

		if (i < 0) {
			choices_list(choices, list, sizeof(list));
			return perr(p, "%s: '%s' is not one of %s (or none)", k->name, tok, list);
		}
		*out |= 1u << i;
	}
	if (!*out)
		return perr(p, "%s: empty (write none)", k->name);
	return 0;
}

static int set_string(struct parser *p, const struct key_desc *k, char *dst, const char *v)
{
	if (strlen(v) >= k->size)
		return perr(p, "%s: value longer than %zu characters", k->name, k->size - 1);
	if (k->type == K_PATH && v[0] != '/')
		return perr(p, "%s: '%s' is not an absolute path", k->name, v);
	if (k->type == K_IFNAME && !ifname_valid(v))
		return perr(p, "%s: '%s' is not a valid interface name", k->name, v);
	strcpy(dst, v);
	return 0;
}

static int set_value(struct parser *p, const struct key_desc *k, char *v)
{
	char *base = k->section == S_NIC ? (char *)p->nic : (char *)p->cfg;
	void *dst = base + k->off;

	switch (k->type) {
	case K_BOOL:
		if (parse_bool(v, dst) < 0)
			return perr(p, "%s: '%s' is not yes/no", k->name, v);
		return 0;
	case K_UINT:
		if (parse_uint(v, k->min, k->max, dst) < 0)
			return perr(p, "%s: '%s' is not a number in %u..%u", k->name, v, k->min,
				    k->max);
		return 0;
	case K_STYLE:
		if (parse_style(v, dst) < 0)
			return perr(p, "%s: '%s' is not one of direct, legacy, none", k->name, v);
		return 0;
	case K_LEVEL: {
		enum log_level l;

		if (log_parse_level(v, &l) < 0)
			return perr(p, "%s: '%s' is not one of error, warning, info, debug",
				    k->name, v);
		*(int *)dst = (int)l;
		return 0;
	}
	case K_NETS:
		return parse_nets(p, k->name, v, dst);
	case K_PORTS: {
		unsigned lo, hi;
		char *dash = strchr(v, '-');

		if (!dash)
			return perr(p, "%s: '%s' is not a port range LOW-HIGH", k->name, v);
		*dash = '\0';
		if (parse_uint(v, 1, 65535, &lo) < 0 || parse_uint(dash + 1, 1, 65535, &hi) < 0 ||
		    lo > hi)
			return perr(p, "%s: not a port range LOW-HIGH within 1..65535", k->name);
		p->cfg->console_port_min = lo;
		p->cfg->console_port_max = hi;
		return 0;
	}
	case K_FWDEFAULT: {
		int i = choice_index(choices_of(k), v);
		char list[128];

		if (i < 0) {
			choices_list(choices_of(k), list, sizeof(list));
			return perr(p, "%s: '%s' is not one of %s", k->name, v, list);
		}
		*(int *)dst = i;
		return 0;
	}
	case K_ROLES:
		return parse_flags(p, k, v, dst);
	case K_STRING:
	case K_PATH:
	case K_IFNAME:
		return set_string(p, k, dst, v);
	}
	return perr(p, "internal: unknown key type");
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int open_section(struct parser *p, char *hdr)
{
	char *name = trim(hdr);
	char *arg = strpbrk(name, " \t");

	if (arg) {
		*arg++ = '\0';
		arg = trim(arg);
	}
	for (size_t i = 0; i < sizeof(section_names) / sizeof(section_names[0]); i++) {
		if (strcmp(name, section_names[i]) != 0)
			continue;
		p->section = (enum section)i;
		if (i != S_NIC) {
			if (arg && *arg)
				return perr(p, "section [%s] takes no argument", name);
			return 0;
		}
		if (!arg || !*arg)
			return perr(p, "section [nic] needs an interface name: [nic eth0]");
		if (!ifname_valid(arg))
			return perr(p, "[nic %s]: not a valid interface name", arg);
		for (size_t j = 0; j < p->cfg->n_nics; j++)
			if (strcmp(p->cfg->nics[j].name, arg) == 0)
				return perr(p, "[nic %s] already defined at line %d", arg,
					    p->cfg->nics[j].line);
		if (p->cfg->n_nics == D0_MAX_NICS)
			return perr(p, "more than %d [nic] sections", D0_MAX_NICS);
		p->nic = &p->cfg->nics[p->cfg->n_nics++];
		memset(p->nic, 0, sizeof(*p->nic));
		strcpy(p->nic->name, arg);
		p->nic->style = (enum br_style)-1; /* resolved against default-style at the end */
		p->nic->line = p->line;
		return 0;
	}
	return perr(p, "unknown section [%s]", name);
}

static int parse_line(struct parser *p, char *line)
{
	char *s = trim(line), *eq, *key, *val;

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || *trim(close + 1) != '\0')
			return perr(p, "malformed section header");
		*close = '\0';
		return open_section(p, s + 1);
	}
	eq = strchr(s, '=');
	if (!eq)
		return perr(p, "expected 'key = value' or '[section]'");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if ((int)p->section < 0)
		return perr(p, "'%s' outside of any section", key);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].section == p->section && strcmp(keys[i].name, key) == 0)
			return set_value(p, &keys[i], val);
	return perr(p, "unknown key '%s' in [%s]", key, section_names[p->section]);
}

/* Whole-file checks that no single line can see. */
static int check_config(struct parser *p)
{
	struct d0_config *cfg = p->cfg;

	for (size_t i = 0; i < cfg->n_nics; i++) {
		if ((int)cfg->nics[i].style < 0)
			cfg->nics[i].style = cfg->default_style;
		for (size_t j = 0; j < i; j++) {
			if (cfg->nics[i].bridge[0] &&
			    strcmp(cfg->nics[i].bridge, cfg->nics[j].bridge) == 0) {
				p->line = cfg->nics[i].line;
				return perr(p, "[nic %s]: bridge %s is already used by [nic %s]",
					    cfg->nics[i].name, cfg->nics[i].bridge,
					    cfg->nics[j].name);
			}
		}
	}
	if (cfg->agent_enable && !cfg->agent_password_hash[0]) {
		p->line = 0;
		return perr(p, "[agent] is enabled but has no password-hash");
	}
	if (cfg->agent_enable && !cfg->agent_plain_http &&
	    (!cfg->agent_tls_cert[0] || !cfg->agent_tls_key[0])) {
		p->line = 0;
		return perr(p, "[agent] needs tls-cert and tls-key (or plain-http = yes)");
	}
	return 0;
}

int config_parse_buf(struct d0_config *cfg, const char *name, const char *buf, size_t len,
		     char *err, size_t errlen)
{
	struct parser p = { cfg, name, 0, (enum section)-1, NULL, err, errlen };
	size_t pos = 0;
	char line[1024];

	config_defaults(cfg);
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

		p.line++;
		if (n >= sizeof(line))
			return perr(&p, "line longer than %zu characters", sizeof(line) - 1);
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		if (strlen(line) != n)
			return perr(&p, "NUL byte in line");
		if (parse_line(&p, line) < 0)
			return -1;
		pos += n + (nl ? 1 : 0);
	}
	return check_config(&p);
}

int config_load(struct d0_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb;

			if (cap >= (1u << 20)) {
				snprintf(err, errlen, "%s: larger than 1 MiB", path);
				errno = EFBIG;
				goto out;
			}
			nb = realloc(buf, cap += 8192);
			if (!nb) {
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
				goto out;
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		errno = EIO;
		goto out;
	}
	rc = config_parse_buf(cfg, path, buf, len, err, errlen);
out:
	free(buf);
	fclose(f);
	return rc;
}

enum br_style config_style_for(const struct d0_config *cfg, const char *ifname,
			       const struct d0_nic_cfg **nic)
{
	for (size_t i = 0; i < cfg->n_nics; i++) {
		if (strcmp(cfg->nics[i].name, ifname) == 0) {
			if (nic)
				*nic = &cfg->nics[i];
			return cfg->nics[i].style;
		}
	}
	if (nic)
		*nic = NULL;
	return cfg->default_style;
}
