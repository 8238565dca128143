/* dom0net.* through the agent: what netctl shows, as JSON from the same printers
 * (vifs, consoles, firewall) or from the same kernel dumps (bridges, nics), and the
 * console password, which is never echoed. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dom0net/bridges.h>
#include <dom0net/firewall.h>
#include <dom0net/vif.h>

#include "netd.h"
#include "netd_agent.h"
#include "print.h"

static int status(struct netd *d, FILE *out)
{
	struct netd_agent *na = d->agent;

	print_init(out, true);
	print_open_object(NULL);
	print_string(PRINT_JSON, "version", NULL, DOM0NET_VERSION);
	print_int(PRINT_JSON, "pid", NULL, (int)getpid());
	print_uint(PRINT_JSON, "uptime", NULL, (unsigned)(time(NULL) - d->started));
	print_string(PRINT_JSON, "config", NULL, d->config_path);
	print_bool(PRINT_JSON, "xenstore", NULL, d->xs != NULL);
	print_bool(PRINT_JSON, "firewall", NULL, d->fw_policy && d->fw_policy->enable);
	print_open_object("agent");
	print_string(PRINT_JSON, "listen", NULL, na->bound);
	print_uint(PRINT_JSON, "pid", NULL, na->info.pid);
	print_uint(PRINT_JSON, "uid", NULL, na->info.uid);
	print_bool(PRINT_JSON, "capabilities", NULL, !(na->info.flags & AG_SANDBOX_NOCAPS));
	print_bool(PRINT_JSON, "seccomp", NULL, na->info.flags & AG_SANDBOX_SECCOMP);
	print_uint(PRINT_JSON, "calls", NULL, (unsigned)na->calls);
	print_uint(PRINT_JSON, "calls_failed", NULL, (unsigned)na->calls_failed);
	print_close_object();
	print_close_object();
	return print_finish() < 0 ? EIO : 0;
}

static int bridges(FILE *out)
{
	struct br_links l = { 0 };
	struct d0_err e = { 0 };
	int rc;

	if (br_links_dump_bridges(&l, &e) < 0) {
		fprintf(out, "%s", e.msg);
		return EIO;
	}
	print_init(out, true);
	print_open_array(NULL);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].is_bridge)
			netd_agent_bridge_json(&l, &l.v[i]);
	print_close_array();
	rc = print_finish() < 0 ? EIO : 0;
	br_links_free(&l);
	return rc;
}

static void nic(const struct br_links *l, const struct br_link *n, const struct br_addrs *a)
{
	const struct br_link *m = n->master ? br_links_by_index(l, n->master) : NULL;
	enum br_style st = br_link_style(l, n);
	char mac[18], ip[INET_ADDRSTRLEN + 4], buf[INET_ADDRSTRLEN];

	print_open_object(NULL);
	print_string(PRINT_JSON, "name", NULL, n->name);
	if (m)
		print_string(PRINT_JSON, "bridge", NULL, m->name);
	else
		print_null(PRINT_JSON, "bridge", NULL, NULL);
	if (n->has_mac) {
		snprintf(mac, sizeof(mac), "%.2x:%.2x:%.2x:%.2x:%.2x:%.2x", n->mac[0], n->mac[1],
			 n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
		print_string(PRINT_JSON, "mac", NULL, mac);
	} else {
		print_null(PRINT_JSON, "mac", NULL, NULL);
	}
	print_uint(PRINT_JSON, "mtu", NULL, n->mtu);
	print_bool(PRINT_JSON, "carrier", NULL, n->carrier);
	print_bool(PRINT_JSON, "up", NULL, (n->flags & 0x1) != 0);	/* IFF_UP */
	print_string(PRINT_JSON, "style", NULL, st == BR_STYLE_DIRECT ? "direct" :
						st == BR_STYLE_LEGACY ? "legacy" : "none");
	print_open_array("ipv4");
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].ifindex != n->ifindex)
			continue;
		inet_ntop(AF_INET, &a->v[i].addr, buf, sizeof(buf));
		snprintf(ip, sizeof(ip), "%s/%u", buf, a->v[i].plen);
		print_string(PRINT_JSON, NULL, NULL, ip);
	}
	print_close_array();
	print_close_object();
}

static int nics(FILE *out)
{
	struct br_links l = { 0 };
	struct br_addrs a = { 0 };
	struct d0_err e = { 0 };
	int rc = EIO;

	if (br_links_dump(&l, &e) < 0 || br_addrs_dump(&a, &e) < 0) {
		fprintf(out, "%s", e.msg);
		goto out;
	}
	print_init(out, true);
	print_open_array(NULL);
	for (size_t i = 0; i < l.n; i++)
		if (br_link_is_nic(&l, &l.v[i]))
			nic(&l, &l.v[i], &a);
	print_close_array();
	rc = print_finish() < 0 ? EIO : 0;
out:
	br_addrs_free(&a);
	br_links_free(&l);
	return rc;
}

static int console_password(struct netd *d, const struct ag_call *c, FILE *out)
{
	const char *argv[2] = { c->u.console_pw.domain, c->u.console_pw.password };
	char *text = NULL;
	size_t len = 0;
	FILE *scratch = open_memstream(&text, &len);
	int rc;

	if (!scratch)
		return ENOMEM;
	rc = netd_consoles_set_password(d, 2, argv, scratch);
	fclose(scratch);
	if (rc)
		fprintf(out, "%s", text ? text : "cannot set the password");
	else
		fprintf(out, "true");
	free(text);
	return rc;
}

int netd_agent_show(struct netd *d, const struct ag_call *c, FILE *out)
{
	char err[512];

	switch (c->op) {
	case AG_OP_STATUS:
		return status(d, out);
	case AG_OP_BRIDGES:
		return bridges(out);
	case AG_OP_NICS:
		return nics(out);
	case AG_OP_VIFS:
		if (!d->vifs) {
			fprintf(out, "xenstore is not connected");
			return ENOTCONN;
		}
		return vif_mgr_print(d->vifs, true, out) < 0 ? EIO : 0;
	case AG_OP_CONSOLES:
		return netd_consoles_print(d, true, out) < 0 ? EIO : 0;
	case AG_OP_FIREWALL:
		if (netd_firewall_print(d, true, out, err, sizeof(err)) < 0) {
			fprintf(out, "%s", err);
			return EIO;
		}
		return 0;
	case AG_OP_CONSOLE_PASSWORD:
		return console_password(d, c, out);
	}
	fprintf(out, "unknown operation %u", c->op);
	return EINVAL;
}
