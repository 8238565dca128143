/* /etc/ocfs2/cluster.conf: the pool members whose o2net heartbeat (7777) and
 * migrations we accept. OCFS2's own stanza format, read like ocfs2-tools' jconfig:
 *
 *   cluster:                      a stanza name starts at column 0, ends with ':'
 *   <TAB>node_count = 2           attributes are indented `key = value` lines
 *   <TAB>name = ocfs2
 *                                 a blank line ends the stanza
 *   node:                         '#' at column 0 starts a comment
 *   <TAB>ip_port = 7777
 *   <TAB>ip_address = 10.0.0.1    a value may continue on the next line after '\'
 *   <TAB>number = 0
 *   <TAB>name = node1
 *   <TAB>cluster = ocfs2
 *
 * Unknown stanzas (heartbeat:) and unknown keys are skipped as o2cb does; what we use
 * is checked strictly and every problem is reported as "file:line: message". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/firewall.h>

#define MAX_FILE (1u << 20)

enum stanza { ST_NONE, ST_OTHER, ST_CLUSTER, ST_NODE };

struct cparser {
	struct fw_cluster *c;
	const char *name;
	int line;
	enum stanza st;
	int st_line;
	/* the stanza being read */
	char s_name[64], s_cluster[64], s_addr[64], s_port[16], s_number[16], s_count[16],
		s_mode[16];
	struct d0_err *e;
};

static int cerr(struct cparser *p, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cerr(struct cparser *p, int line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d0_err_set(p->e, EINVAL, "%s:%d: %s", p->name, line, msg);
	errno = EINVAL;
	return -1;
}

static int is_word(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

static int parse_num(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 10)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Cluster names: 1..16 of [0-9A-Za-z] (ocfs2.cluster.conf(5); '_' and '-' also seen). */
static int cluster_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 16)
		return 0;
	for (; *s; s++)
		if (!is_word(*s) && *s != '-')
			return 0;
	return 1;
}

static int find_cluster(const struct fw_cluster *c, const char *name)
{
	for (size_t i = 0; i < c->n_clusters; i++)
		if (strcmp(c->names[i], name) == 0)
			return (int)i;
	return -1;
}

static int end_cluster(struct cparser *p)
{
	struct fw_cluster *c = p->c;
	unsigned count = 0;

	if (!p->s_name[0])
		return cerr(p, p->st_line, "cluster stanza without a name");
	if (!cluster_name_ok(p->s_name))
		return cerr(p, p->st_line, "cluster name '%s': up to 16 letters, digits, '_' or '-'",
			    p->s_name);
	if (find_cluster(c, p->s_name) >= 0)
		return cerr(p, p->st_line, "cluster '%s' is defined twice", p->s_name);
	if (p->s_count[0] && parse_num(p->s_count, FW_MAX_NODES, &count) < 0)
		return cerr(p, p->st_line, "node_count '%s' is not a number in 0..%d", p->s_count,
			    FW_MAX_NODES);
	if (p->s_mode[0] && strcmp(p->s_mode, "local") != 0 && strcmp(p->s_mode, "global") != 0)
		return cerr(p, p->st_line, "heartbeat_mode '%s' is not local or global", p->s_mode);
	if (c->n_clusters == FW_MAX_CLUSTERS)
		return cerr(p, p->st_line, "more than %d cluster stanzas", FW_MAX_CLUSTERS);
	memcpy(c->names[c->n_clusters], p->s_name, strlen(p->s_name) + 1); /* <= 16 */
	c->node_counts[c->n_clusters++] = count;
	return 0;
}

static int end_node(struct cparser *p)
{
	struct fw_node *n;
	struct in_addr a;
	unsigned number, port = FW_CLUSTER_PORT;

	if (!p->s_name[0])
		return cerr(p, p->st_line, "node stanza without a name");
	if (!p->s_cluster[0])
		return cerr(p, p->st_line, "node '%s' has no cluster", p->s_name);
	if (!p->s_addr[0])
		return cerr(p, p->st_line, "node '%s' has no ip_address", p->s_name);
	if (inet_pton(AF_INET, p->s_addr, &a) != 1)
		return cerr(p, p->st_line, "node '%s': ip_address '%s' is not an IPv4 address",
			    p->s_name, p->s_addr);
	if (!p->s_number[0] || parse_num(p->s_number, 254, &number) < 0)
		return cerr(p, p->st_line, "node '%s': number '%s' is not in 0..254", p->s_name,
			    p->s_number);
	if (p->s_port[0] && (parse_num(p->s_port, 65535, &port) < 0 || port == 0))
		return cerr(p, p->st_line, "node '%s': ip_port '%s' is not in 1..65535", p->s_name,
			    p->s_port);
	if (p->c->n_nodes == FW_MAX_NODES)
		return cerr(p, p->st_line, "more than %d nodes", FW_MAX_NODES);
	n = &p->c->nodes[p->c->n_nodes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", p->s_name);
	if (strlen(p->s_cluster) > 16)
		return cerr(p, p->st_line, "node '%s': cluster name too long", p->s_name);
	memcpy(n->cluster, p->s_cluster, strlen(p->s_cluster) + 1);
	n->addr = ntohl(a.s_addr);
	n->port = port;
	n->number = number;
	n->line = p->st_line;
	return 0;
}

static int end_stanza(struct cparser *p)
{
	int rc = 0;

	if (p->st == ST_CLUSTER)
		rc = end_cluster(p);
	else if (p->st == ST_NODE)
		rc = end_node(p);
	p->st = ST_NONE;
	return rc;
}

static int set_attr(struct cparser *p, const char *key, const char *val)
{
	static const struct {
		enum stanza st;
		const char *key;
		size_t off;
	} attrs[] = {
		{ ST_CLUSTER, "name", offsetof(struct cparser, s_name) },
		{ ST_CLUSTER, "node_count", offsetof(struct cparser, s_count) },
		{ ST_CLUSTER, "heartbeat_mode", offsetof(struct cparser, s_mode) },
		{ ST_NODE, "name", offsetof(struct cparser, s_name) },
		{ ST_NODE, "cluster", offsetof(struct cparser, s_cluster) },
		{ ST_NODE, "ip_address", offsetof(struct cparser, s_addr) },
		{ ST_NODE, "ip_port", offsetof(struct cparser, s_port) },
		{ ST_NODE, "number", offsetof(struct cparser, s_number) },
	};

	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		char *dst = (char *)p + attrs[i].off;
		size_t size = attrs[i].off == offsetof(struct cparser, s_port) ||
					      attrs[i].off == offsetof(struct cparser, s_number) ||
					      attrs[i].off == offsetof(struct cparser, s_count) ||
					      attrs[i].off == offsetof(struct cparser, s_mode)
				      ? 16
				      : 64;

		if (attrs[i].st != p->st || strcmp(attrs[i].key, key) != 0)
			continue;
		if (strlen(val) >= size)
			return cerr(p, p->line, "%s: value longer than %zu characters", key,
				    size - 1);
		strcpy(dst, val); /* jconfig: the last value of a key wins */
		return 0;
	}
	return 0; /* other keys and stanzas are not ours to judge */
}

static int start_stanza(struct cparser *p, const char *s)
{
	const char *w = s;
	char name[32];

	while (is_word(*w))
		w++;
	if (*w != ':')
		return cerr(p, p->line, "expected a stanza name ending with ':'");
	for (const char *t = w + 1; *t; t++)
		if (*t != ' ' && *t != '\t')
			return cerr(p, p->line, "trailing characters after the stanza name");
	if (end_stanza(p) < 0)
		return -1;
	snprintf(name, sizeof(name), "%.*s", (int)(w - s), s);
	p->st = strcmp(name, "cluster") == 0 ? ST_CLUSTER
		: strcmp(name, "node") == 0  ? ST_NODE
					     : ST_OTHER;
	p->st_line = p->line;
	p->s_name[0] = p->s_cluster[0] = p->s_addr[0] = p->s_port[0] = p->s_number[0] =
		p->s_count[0] = p->s_mode[0] = '\0';
	return 0;
}

/* An indented line: blank (ends the stanza) or "key = value". */
static int attr_line(struct cparser *p, char *s)
{
	char *key, *eq, *val, *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return end_stanza(p);
	if (!is_word(*s))
		return cerr(p, p->line, "invalid character in attribute name");
	key = s;
	while (is_word(*s))
		s++;
	eq = s;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '=')
		return cerr(p, p->line, "expected 'key = value'");
	*eq = '\0';
	val = s + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	end = val + strlen(val);
	while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (p->st == ST_NONE)
		return cerr(p, p->line, "attribute '%s' outside of a stanza", key);
	return set_attr(p, key, val);
}

static int cross_check(struct cparser *p)
{
	const struct fw_cluster *c = p->c;

	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct fw_node *n = &c->nodes[i];

		if (find_cluster(c, n->cluster) < 0)
			return cerr(p, n->line, "node '%s': cluster '%s' has no cluster stanza",
				    n->name, n->cluster);
		for (size_t j = 0; j < i; j++) {
			const struct fw_node *o = &c->nodes[j];

			if (strcmp(o->cluster, n->cluster) != 0)
				continue;
			if (o->number == n->number)
				return cerr(p, n->line, "node '%s': number %u is already node '%s'",
					    n->name, n->number, o->name);
			if (o->addr == n->addr)
				return cerr(p, n->line, "node '%s': same ip_address as node '%s'",
					    n->name, o->name);
			if (strcmp(o->name, n->name) == 0)
				return cerr(p, n->line, "node '%s' is defined twice", n->name);
		}
	}
	return 0;
}

int fw_cluster_parse(struct fw_cluster *c, const char *name, const char *buf, size_t len,
		     struct d0_err *e)
{
	struct cparser p = { .c = c, .name = name, .e = e };
	size_t pos = 0;
	char line[1024];

	memset(c, 0, sizeof(*c));
	snprintf(c->path, sizeof(c->path), "%s", name);
	c->present = true;
	while (pos < len) {
		size_t used = 0;
		int first = p.line + 1;

		/* One logical line: physical lines joined while they end with '\'. */
		for (;;) {
			const char *nl = memchr(buf + pos, '\n', len - pos);
			size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;

			p.line++;
			if (used + n >= sizeof(line))
				return cerr(&p, p.line, "line longer than %zu characters",
					    sizeof(line) - 1);
			if (memchr(buf + pos, '\0', n))
				return cerr(&p, p.line, "NUL byte in line");
			memcpy(line + used, buf + pos, n);
			used += n;
			pos += n + (nl ? 1 : 0);
			if (used && line[used - 1] == '\r')
				used--;
			if (!nl || used == 0 || line[used - 1] != '\\' || line[0] == '#')
				break;
			line[used - 1] = '\n';
		}
		line[used] = '\0';
		if (line[0] == '#')
			continue;
		if (line[0] == '\0' || line[0] == ' ' || line[0] == '\t') {
			int save = p.line;

			p.line = first;
			if (attr_line(&p, line) < 0)
				return -1;
			p.line = save;
			continue;
		}
		if (!is_word((unsigned char)line[0])) {
			p.line = first;
			return cerr(&p, p.line, "unexpected character '%s%c' at the start of a line",
				    (unsigned char)line[0] < 0x20 ? "^" : "",
				    (unsigned char)line[0] < 0x20 ? line[0] + '@' : line[0]);
		}
		p.line = first;
		if (start_stanza(&p, line) < 0)
			return -1;
	}
	if (end_stanza(&p) < 0)
		return -1;
	return cross_check(&p);
}

int fw_cluster_load(struct fw_cluster *c, const char *path, struct d0_err *e)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	int rc = -1;

	if (!f) {
		if (errno == ENOENT) {
			memset(c, 0, sizeof(*c));
			snprintf(c->path, sizeof(c->path), "%s", path);
			return 0;
		}
		d0_err_set(e, errno, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		d0_err_set(e, errno, "%s: %s", path, strerror(errno));
		goto out;
	}
	len = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		d0_err_set(e, EIO, "%s: read error", path);
		errno = EIO;
		goto out;
	}
	if (len > MAX_FILE) {
		d0_err_set(e, EFBIG, "%s: larger than 1 MiB", path);
		errno = EFBIG;
		goto out;
	}
	rc = fw_cluster_parse(c, path, buf, len, e);
out:
	free(buf);
	fclose(f);
	return rc;
}
