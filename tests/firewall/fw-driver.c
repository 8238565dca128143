/* fw-driver: drives the firewall library directly, one process, commands in order
 * (the per-VIF API as netd's hooks call it, without the VIF manager):
 *
 *   fw-driver [-f CONF] CMD [ARGS] [CMD [ARGS]...]
 *     apply                      build the policy from CONF, apply it (adopting VIF chains)
 *     add IFNAME MAC|- IP[,IP]|-  install a VIF's anti-spoof rules (one commit)
 *     del IFNAME                 remove what was recorded for it (one commit)
 *     bulk N PER                 N fake VIFs vifI.0 (10.I/256.I%256.0/32... see below),
 *                                PER VIFs per commit; prints "bulk_ms=... commits=..."
 *     bulkdel N PER              remove them again, PER per commit
 *     check N                    the table holds exactly N VIF chains with their rules
 *     show                       installed rules with counters
 *     remove                     remove every dom0net chain
 * FW_DRIVER_PRECOMMIT_US=N sleeps N us between building and committing each
 * transaction (widens the window in which another writer can commit first).
 * Exit 0, or 1 with the error on stderr. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dom0net/config.h>
#include <dom0net/firewall.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void precommit_sleep(void *arg)
{
	usleep(*(unsigned *)arg);
}

static void fake_vif(unsigned i, struct fw_vif *v)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->ifname, sizeof(v->ifname), "vif%u.0", i + 1);
	v->domid = i + 1;
	v->has_mac = true;
	memcpy(v->mac, (uint8_t[]){ 0x00, 0x16, 0x3e, 0, (uint8_t)(i >> 8), (uint8_t)i }, 6);
	v->ips[0] = htonl(0x0a000000u | ((i + 1) << 8) | 5); /* 10.x.y.5 */
	v->plens[0] = 32;
	v->n_ips = 1;
}

static int parse_vif(const char *name, const char *mac, const char *ips, struct fw_vif *v)
{
	char buf[256], *save = NULL;

	memset(v, 0, sizeof(*v));
	snprintf(v->ifname, sizeof(v->ifname), "%s", name);
	if (strcmp(mac, "-") != 0) {
		unsigned m[6];

		if (sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			return -1;
		for (int i = 0; i < 6; i++)
			v->mac[i] = (uint8_t)m[i];
		v->has_mac = true;
	}
	if (strcmp(ips, "-") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", ips);
	for (char *t = strtok_r(buf, ",", &save); t && v->n_ips < FW_VIF_MAX_IPS;
	     t = strtok_r(NULL, ",", &save)) {
		struct in_addr a;

		if (inet_pton(AF_INET, t, &a) != 1)
			return -1;
		v->ips[v->n_ips] = a.s_addr;
		v->plens[v->n_ips++] = 32;
	}
	return 0;
}

static int bulk(struct fw *fw, unsigned n, unsigned per, bool del, struct d0_err *e)
{
	struct fw_vif *v = calloc(n, sizeof(*v));
	const char **names = calloc(n, sizeof(*names));
	const struct fw_stats *st = fw_get_stats(fw);
	unsigned long c0 = st->commits, r0 = st->retries;
	double t0 = now_ms();
	int rc = 0;

	if (!v || !names)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		fake_vif(i, &v[i]);
		names[i] = v[i].ifname;
	}
	for (unsigned i = 0; i < n && rc == 0; i += per) {
		unsigned k = n - i < per ? n - i : per;

		rc = del ? fw_vifs_del(fw, names + i, k, e) : fw_vifs_add(fw, v + i, k, e);
	}
	printf("%s_ms=%.1f vifs=%u per_commit=%u commits=%lu retries=%lu\n", del ? "bulkdel" : "bulk",
	       now_ms() - t0, n, per, st->commits - c0, st->retries - r0);
	free(v);
	free(names);
	return rc;
}

/* Exactly n VIF chains, each with its 3 rules, and 2n dispatch rules. */
static int check(unsigned n, struct d0_err *e)
{
	struct fw_shown s;
	unsigned chains = 0, vif_rules = 0, dispatch = 0;

	if (fw_show(&s, e) < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++) {
		if (strncmp(s.rules[i].chain, FW_CHAIN_VIF_PREFIX, strlen(FW_CHAIN_VIF_PREFIX)) == 0)
			vif_rules++;
		else if (strcmp(s.rules[i].chain, FW_CHAIN_FORWARD) == 0)
			dispatch++;
	}
	chains = s.n_chains;
	fw_shown_free(&s);
	printf("check: chains=%u vif_rules=%u dispatch=%u\n", chains, vif_rules, dispatch);
	if (vif_rules != 3 * n || dispatch != 2 * n) {
		d0_err_set(e, 0, "want %u VIFs: %u vif rules (want %u), %u dispatch (want %u)", n,
			   vif_rules, 3 * n, dispatch, 2 * n);
		return -1;
	}
	return 0;
}

static int show(struct d0_err *e)
{
	struct fw_shown s;

	if (fw_show(&s, e) < 0)
		return -1;
	for (size_t i = 0; i < s.n; i++)
		printf("%-24s %8llu %10llu  %s\n", s.rules[i].chain,
		       (unsigned long long)s.rules[i].packets, (unsigned long long)s.rules[i].bytes,
		       s.rules[i].text);
	fw_shown_free(&s);
	return 0;
}

int main(int argc, char **argv)
{
	static struct d0_config cfg;
	static struct fw_policy pol;
	const char *conf = NULL;
	struct d0_err e = { 0 };
	struct fw *fw;
	char err[512];
	int i = 1, rc = 0;

	if (argc > 2 && strcmp(argv[1], "-f") == 0) {
		conf = argv[2];
		i = 3;
	}
	config_defaults(&cfg);
	if (conf && config_load(&cfg, conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "fw-driver: %s\n", err);
		return 1;
	}
	if (!(fw = fw_new(&e))) {
		fprintf(stderr, "fw-driver: %s\n", e.msg);
		return 1;
	}
	if (getenv("FW_DRIVER_PRECOMMIT_US")) {
		static unsigned us;

		us = (unsigned)atoi(getenv("FW_DRIVER_PRECOMMIT_US"));
		fw_set_precommit_hook(fw, precommit_sleep, &us);
	}
	for (; i < argc && rc == 0; i++) {
		const char *cmd = argv[i];

		if (strcmp(cmd, "apply") == 0) {
			rc = fw_policy_build(&pol, &cfg, &e) < 0 ? -1
			     : fw_apply(fw, &pol, FW_APPLY_ADOPT, &e);
		} else if (strcmp(cmd, "add") == 0 && i + 3 < argc) {
			struct fw_vif v;

			if (parse_vif(argv[i + 1], argv[i + 2], argv[i + 3], &v) < 0) {
				d0_err_set(&e, 0, "bad VIF arguments");
				rc = -1;
			} else {
				rc = fw_vifs_add(fw, &v, 1, &e);
			}
			i += 3;
		} else if (strcmp(cmd, "del") == 0 && i + 1 < argc) {
			const char *name = argv[++i];

			rc = fw_vifs_del(fw, &name, 1, &e);
		} else if ((strcmp(cmd, "bulk") == 0 || strcmp(cmd, "bulkdel") == 0) && i + 2 < argc) {
			unsigned n = (unsigned)atoi(argv[i + 1]), per = (unsigned)atoi(argv[i + 2]);

			rc = bulk(fw, n, per ? per : 1, cmd[4] == 'd', &e);
			i += 2;
		} else if (strcmp(cmd, "check") == 0 && i + 1 < argc) {
			rc = check((unsigned)atoi(argv[++i]), &e);
		} else if (strcmp(cmd, "show") == 0) {
			rc = show(&e);
		} else if (strcmp(cmd, "remove") == 0) {
			rc = fw_remove_all(fw, &e);
		} else {
			d0_err_set(&e, 0, "unknown command or missing arguments: %s", cmd);
			rc = -1;
		}
	}
	if (rc < 0)
		fprintf(stderr, "fw-driver: %s\n", e.msg);
	fprintf(stderr, "fw-driver: commits=%lu retries=%lu failures=%lu\n",
		fw_get_stats(fw)->commits, fw_get_stats(fw)->retries, fw_get_stats(fw)->failures);
	fw_free(fw);
	return rc < 0 ? 1 : 0;
}
