/* libFuzzer: the OCFS2 cluster.conf parser (a file netd reads as root) and the
 * policy rendering of whatever it accepts. Seeds: corpus/cluster_conf/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <dom0net/firewall.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fw_cluster c;
	static struct fw_policy p;
	static struct fw_rule rules[FW_MAX_SERVICES * (FW_MAX_SOURCES + 1) + 8];
	struct d0_err e = { 0 };

	if (fw_cluster_parse(&c, "fuzz", (const char *)data, size, &e) < 0) {
		if (memchr(e.msg, '\0', sizeof(e.msg)) == NULL || strncmp(e.msg, "fuzz:", 5) != 0)
			__builtin_trap(); /* always "file:line: message", terminated */
		return 0;
	}
	if (c.n_nodes > FW_MAX_NODES || c.n_clusters > FW_MAX_CLUSTERS)
		__builtin_trap();
	/* What the parser accepts must render: pool members as sources. */
	memset(&p, 0, sizeof(p));
	p.enable = true;
	p.cluster = c;
	p.n_svc = 1;
	strcpy(p.svc[0].name, "cluster");
	p.svc[0].proto = 6;
	p.svc[0].n_ports = 1;
	p.svc[0].ports[0] = 7777;
	for (size_t i = 0; i < c.n_nodes; i++)
		p.svc[0].src[p.svc[0].n_src++] = (struct fw_source){ c.nodes[i].addr, 32, true };
	if (fw_policy_render_input(&p, rules, sizeof(rules) / sizeof(rules[0])) < 0)
		__builtin_trap();
	return 0;
}
