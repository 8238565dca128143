/* `netctl firewall [--json]`: the policy netd applies and the rules installed, with
 * their packet counters. Text and JSON come from the same print calls. */
#include <inttypes.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/firewall.h>

#include "netd.h"
#include "print.h"

static const char *ntoa(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
	return buf;
}

static void print_service(const struct fw_service *s)
{
	char ports[64] = "", buf[32], ip[16];
	size_t n = 0;

	if (s->n_ports)
		for (unsigned i = 0; i < s->n_ports; i++)
			n += (size_t)snprintf(ports + n, sizeof(ports) - n, "%s%u", i ? "," : "",
					      s->ports[i]);
	else
		snprintf(ports, sizeof(ports), "%u-%u", s->lo, s->hi);
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "  %-10s", s->name);
	print_string(PRINT_ANY, "proto", " %-4s", s->proto == 6 ? "tcp" : "udp");
	print_string(PRINT_ANY, "ports", " %-26s", ports);
	print_string(PRINT_ANY, "destination", " %-16s", s->dst ? ntoa(s->dst, ip) : "any");
	print_bool(PRINT_JSON, "management", NULL, s->management);
	print_open_array("sources");
	if (!s->n_src)
		print_string(PRINT_FP, NULL, " %s", "nobody");
	for (size_t i = 0; i < s->n_src; i++) {
		if (s->src[i].plen == 0)
			snprintf(buf, sizeof(buf), "any");
		else
			snprintf(buf, sizeof(buf), "%s/%u", ntoa(s->src[i].addr, ip), s->src[i].plen);
		print_string(PRINT_ANY, NULL, i ? ", %s" : " %s", buf);
		if (s->src[i].pool)
			print_string(PRINT_FP, NULL, "%s", "(pool)");
	}
	print_close_array();
	print_string(PRINT_FP, NULL, "%s", "\n");
	print_close_object();
}

static void print_policy(const struct fw_policy *p)
{
	char roles[64], ip[16];

	print_bool(PRINT_JSON, "enabled", NULL, p->enable);
	print_bool(PRINT_JSON, "anti_spoof", NULL, p->antispoof);
	print_bool(PRINT_JSON, "anti_spoof_mac", NULL, p->antispoof_mac);
	print_string(PRINT_FP, NULL, "firewall: %s", p->enable ? "enabled" : "disabled");
	print_string(PRINT_FP, NULL, ", anti-spoof %s", p->antispoof ? "on" : "off");
	print_string(PRINT_FP, NULL, ", anti-spoof-mac %s", p->antispoof_mac ? "on" : "off");
	print_string(PRINT_ANY, "roles", ", roles %s", fw_roles_format(p->roles, roles, sizeof(roles)));
	print_string(PRINT_ANY, "input_default", ", input default %s\n",
		     fw_default_name(p->input_default));
	print_open_object("pool");
	print_string(PRINT_ANY, "cluster_conf", "pool: %s", p->cluster.path);
	print_bool(PRINT_JSON, "present", NULL, p->cluster.present);
	print_uint(PRINT_ANY, "n_nodes", p->cluster.present ? ": %u nodes\n" : " (absent): %u nodes\n",
		   (unsigned)p->cluster.n_nodes);
	print_open_array("nodes");
	for (size_t i = 0; i < p->cluster.n_nodes; i++) {
		const struct fw_node *n = &p->cluster.nodes[i];

		print_open_object(NULL);
		print_string(PRINT_ANY, "name", "  %s", n->name);
		print_string(PRINT_ANY, "cluster", " cluster %s", n->cluster);
		print_uint(PRINT_ANY, "number", " number %u", n->number);
		print_string(PRINT_ANY, "address", " %s", ntoa(n->addr, ip));
		print_uint(PRINT_ANY, "port", ":%u\n", n->port);
		print_close_object();
	}
	print_close_array();
	print_close_object();
	print_string(PRINT_FP, NULL, "%s",
		     "services:\n  name       prto port(s)                     destination      sources\n");
	print_open_array("services");
	for (size_t i = 0; i < p->n_svc; i++)
		print_service(&p->svc[i]);
	print_close_array();
}

static void print_vifs(const struct fw *fw)
{
	char ip[16];

	print_uint(PRINT_ANY, "n_vifs", "vifs with anti-spoof rules: %u\n",
		   (unsigned)fw_vif_count(fw));
	print_open_array("vifs");
	for (size_t i = 0; i < fw_vif_count(fw); i++) {
		const struct fw_vif *v = fw_vif_record(fw, i);

		print_open_object(NULL);
		print_string(PRINT_ANY, "ifname", "  %-16s", v->ifname);
		print_open_array("addresses");
		if (!v->n_ips)
			print_string(PRINT_FP, NULL, "%s", " (no ip key: not restricted)");
		for (unsigned j = 0; j < v->n_ips; j++) {
			char buf[24];

			snprintf(buf, sizeof(buf), "%s/%u", ntoa(ntohl(v->ips[j]), ip), v->plens[j]);
			print_string(PRINT_ANY, NULL, " %s", buf);
		}
		print_close_array();
		print_string(PRINT_FP, NULL, "%s", "\n");
		print_close_object();
	}
	print_close_array();
}

static void print_rules(const struct fw_shown *s)
{
	print_string(PRINT_FP, NULL, "%s",
		     "installed rules (legacy filter table):\n     packets        bytes  chain"
		     "                     rule\n");
	print_open_array("rules");
	for (size_t i = 0; i < s->n; i++) {
		const struct fw_shown_rule *r = &s->rules[i];

		print_open_object(NULL);
		print_u64(PRINT_ANY, "packets", "%12" PRIu64, r->packets);
		print_u64(PRINT_ANY, "bytes", " %12" PRIu64, r->bytes);
		print_string(PRINT_ANY, "chain", "  %-24s", r->chain);
		print_string(PRINT_ANY, "rule", "  %s\n", r->text);
		print_close_object();
	}
	print_close_array();
}

int netd_firewall_print(struct netd *d, bool json, FILE *out, char *err, size_t errlen)
{
	struct fw_shown s;
	struct d0_err e = { 0 };
	const struct fw_stats *st;

	if (!d->fw_policy) {
		snprintf(err, errlen, "firewall: no policy");
		return -1;
	}
	if (fw_show(&s, &e) < 0) {
		snprintf(err, errlen, "firewall: %s", e.msg);
		return -1;
	}
	print_init(out, json);
	print_open_object(NULL);
	print_policy(d->fw_policy);
	if (d->fw) {
		print_vifs(d->fw);
		st = fw_get_stats(d->fw);
		print_open_object("transactions");
		print_u64(PRINT_ANY, "commits", "transactions: %" PRIu64 " commits", st->commits);
		print_u64(PRINT_ANY, "retries", ", %" PRIu64 " retries (another writer first)",
			  st->retries);
		print_u64(PRINT_ANY, "failures", ", %" PRIu64 " failures\n", st->failures);
		print_close_object();
	}
	print_uint(PRINT_ANY, "n_chains", "dom0net chains: %u\n", s.n_chains);
	print_rules(&s);
	print_close_object();
	fw_shown_free(&s);
	return print_finish();
}
