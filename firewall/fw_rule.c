/* A rule as text, in the exact syntax iptables-save prints, so `netctl firewall`, the
 * tests and `iptables-legacy-save` can be compared line by line. */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/firewall.h>

struct buf {
	char *s;
	size_t len, n;
};

static void add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->n >= b->len)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->s + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	b->n += k > 0 ? (size_t)k : 0;
}

static void add_net(struct buf *b, const char *opt, uint32_t a, uint8_t plen)
{
	add(b, "%s%s %u.%u.%u.%u/%u", b->n ? " " : "", opt, a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff, plen);
}

static void add_range(struct buf *b, const char *opt, const uint16_t p[2])
{
	if (p[0] == p[1])
		add(b, " %s %u", opt, p[0]);
	else
		add(b, " %s %u:%u", opt, p[0], p[1]);
}

static const char *proto_name(uint8_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	}
	return NULL;
}

int fw_rule_format(const struct fw_rule *r, char *s, size_t len)
{
	struct buf b = { s, len, 0 };

	s[0] = '\0';
	if (r->splen || r->src)
		add_net(&b, "-s", r->src, r->splen);
	if (r->dplen || r->dst)
		add_net(&b, "-d", r->dst, r->dplen);
	if (r->iniface[0])
		add(&b, "%s-i %s", b.n ? " " : "", r->iniface);
	if (r->proto) {
		const char *pn = proto_name(r->proto);

		if (pn)
			add(&b, "%s-p %s", b.n ? " " : "", pn);
		else
			add(&b, "%s-p %u", b.n ? " " : "", r->proto);
	}
	if (r->has_sport || r->has_dport) {
		add(&b, " -m %s", proto_name(r->proto) ? proto_name(r->proto) : "?");
		if (r->has_sport)
			add_range(&b, "--sport", r->sport);
		if (r->has_dport)
			add_range(&b, "--dport", r->dport);
	}
	if (r->n_mports) {
		add(&b, " -m multiport --dports ");
		for (unsigned i = 0; i < r->n_mports; i++)
			add(&b, "%s%u", i ? "," : "", r->mports[i]);
	}
	if (r->ctstate)
		add(&b, "%s-m conntrack --ctstate RELATED,ESTABLISHED", b.n ? " " : "");
	if (r->physin[0] || r->physout[0]) {
		add(&b, "%s-m physdev", b.n ? " " : "");
		if (r->physin[0])
			add(&b, " --physdev-in %s", r->physin);
		if (r->physout[0])
			add(&b, " --physdev-out %s", r->physout);
		if (r->phys_bridged)
			add(&b, " --physdev-is-bridged");
	}
	if (r->has_mac)
		add(&b, "%s-m mac --mac-source %02x:%02x:%02x:%02x:%02x:%02x", b.n ? " " : "",
		    r->mac[0], r->mac[1], r->mac[2], r->mac[3], r->mac[4], r->mac[5]);
	if (r->comment[0])
		add(&b, "%s-m comment --comment \"%s\"", b.n ? " " : "", r->comment);
	if (r->foreign)
		add(&b, "%s(+ matches dom0net does not write)", b.n ? " " : "");
	if (r->target[0]) {
		add(&b, "%s-j %s", b.n ? " " : "", r->target);
		if (strcmp(r->target, "REJECT") == 0)
			add(&b, " --reject-with icmp-port-unreachable");
	}
	if (b.n >= len) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}
