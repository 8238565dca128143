/* netctl nics [--json]: uplink candidates and bridge ports, with their bridge, link
 * state, speed/duplex (ethtool netlink), IPv4 addresses and detected bridge style. */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/bridges.h>

#include "netctl.h"
#include "print.h"

/* The rows use the same widths, one print call per column. */
#define HEAD_FMT "%-15s %-15s %-17s %5s %-7s %-14s %-8s %-7s %-6s %s\n"

/* IF_OPER_* (RFC 2863 order); <linux/if.h> would clash with <net/if.h>. */
static const char *operstate_name(uint8_t s)
{
	static const char *const names[] = {
		"unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up",
	};

	return s < sizeof(names) / sizeof(names[0]) && names[s] ? names[s] : "unknown";
}

static const char *style_name(enum br_style s)
{
	return s == BR_STYLE_DIRECT ? "direct" : s == BR_STYLE_LEGACY ? "legacy" : "none";
}

static const char *duplex_name(enum br_duplex d)
{
	return d == BR_DUPLEX_FULL ? "full" : d == BR_DUPLEX_HALF ? "half" : "unknown";
}

static void print_addrs(const struct br_addrs *a, int ifindex)
{
	char text[512] = "", one[INET_ADDRSTRLEN + 4], ip[INET_ADDRSTRLEN];
	size_t len = 0;

	print_open_array("ipv4");
	for (size_t i = 0; i < a->n; i++) {
		if (a->v[i].ifindex != ifindex)
			continue;
		inet_ntop(AF_INET, &a->v[i].addr, ip, sizeof(ip));
		snprintf(one, sizeof(one), "%s/%u", ip, a->v[i].plen);
		print_string(PRINT_JSON, NULL, NULL, one);
		if (len < sizeof(text))
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s",
						len ? "," : "", one);
	}
	print_close_array();
	print_string(PRINT_FP, NULL, "%s\n", text[0] ? text : "-");
}

static void print_nic(const struct br_links *l, const struct br_link *n,
		      const struct br_addrs *addrs, struct br_ethtool *et)
{
	const struct br_link *m = n->master ? br_links_by_index(l, n->master) : NULL;
	struct br_linkmodes lm = { BR_SPEED_UNKNOWN, BR_DUPLEX_UNKNOWN };
	char mac[18] = "-", mtu[12], speed[12];

	if (et)
		br_ethtool_linkmodes(et, n->name, &lm, NULL);	/* unknown on failure */
	if (n->has_mac)
		snprintf(mac, sizeof(mac), "%.2x:%.2x:%.2x:%.2x:%.2x:%.2x", n->mac[0],
			 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	snprintf(mtu, sizeof(mtu), "%u", n->mtu);
	snprintf(speed, sizeof(speed), "%u", lm.speed);

	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "%-15s ", n->name);
	if (m)
		print_string(PRINT_ANY, "bridge", "%-15s ", m->name);
	else
		print_null(PRINT_ANY, "bridge", "%-15s ", "-");
	if (n->has_mac)
		print_string(PRINT_ANY, "mac", "%-17s ", mac);
	else
		print_null(PRINT_ANY, "mac", "%-17s ", mac);
	print_string(PRINT_FP, NULL, "%5s ", mtu);
	print_uint(PRINT_JSON, "mtu", NULL, n->mtu);
	print_string(PRINT_FP, NULL, "%-7s ", n->carrier ? "yes" : "no");
	print_bool(PRINT_JSON, "carrier", NULL, n->carrier);
	print_string(PRINT_ANY, "operstate", "%-14s ", operstate_name(n->operstate));
	if (lm.speed == BR_SPEED_UNKNOWN)
		print_null(PRINT_ANY, "speed", "%-8s ", "unknown");
	else
		print_uint(PRINT_ANY, "speed", "%-8u ", lm.speed);
	print_string(PRINT_ANY, "duplex", "%-7s ", duplex_name(lm.duplex));
	print_string(PRINT_ANY, "style", "%-6s ", style_name(br_link_style(l, n)));
	print_addrs(addrs, n->ifindex);
	print_close_object();
}

static int nics_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct br_links links = { 0 };
	struct br_addrs addrs = { 0 };
	struct br_ethtool *et = NULL;
	struct d0_err err = { 0 };
	bool json = false;
	int c, status = NETCTL_EXIT_FAIL;
	char head[160];

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return netctl_usage(&cmd_nics);
		json = true;
	}
	if (optind != argc)
		return netctl_usage(&cmd_nics);
	if (br_links_dump(&links, &err) < 0 || br_addrs_dump(&addrs, &err) < 0) {
		fprintf(stderr, "netctl nics: %s\n", err.msg);
		goto out;
	}
	/* Without the ethtool family (old kernel), speed and duplex read "unknown". */
	et = br_ethtool_open(NULL);
	print_init(stdout, json);
	snprintf(head, sizeof(head), HEAD_FMT, "NAME", "BRIDGE", "MAC", "MTU", "CARRIER",
		 "STATE", "SPEED", "DUPLEX", "STYLE", "IPV4");
	print_string(PRINT_FP, NULL, "%s", head);
	print_open_array(NULL);
	for (size_t i = 0; i < links.n; i++)
		if (br_link_is_nic(&links, &links.v[i]))
			print_nic(&links, &links.v[i], &addrs, et);
	print_close_array();
	if (print_finish() < 0)
		perror("netctl nics: stdout");
	else
		status = NETCTL_EXIT_OK;
out:
	br_ethtool_close(et);
	br_addrs_free(&addrs);
	br_links_free(&links);
	return status;
}

const struct netctl_cmd cmd_nics = {
	.name = "nics",
	.usage = "[--json]",
	.summary = "list NICs and bridge ports: bridge, link state, speed, IPv4, style",
	.exec = nics_exec,
};
