/* netctl showmacs [--json] BRIDGE: `brctl showmacs` from the FDB over netlink. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/bridges.h>

#include "netctl.h"
#include "print.h"

static void print_entry(const struct br_links *l, const struct br_fdb_entry *e)
{
	const struct br_link *port = br_links_by_index(l, e->ifindex);
	char mac[18];

	snprintf(mac, sizeof(mac), "%.2x:%.2x:%.2x:%.2x:%.2x:%.2x", e->mac[0], e->mac[1],
		 e->mac[2], e->mac[3], e->mac[4], e->mac[5]);
	print_open_object(NULL);
	/* brctl reads the ABI's 8-bit port_no and ignores port_hi. */
	print_uint(PRINT_FP, NULL, "%3u\t", e->port_no & 0xffu);
	print_uint(PRINT_JSON, "port_no", NULL, e->port_no);
	print_string(PRINT_JSON, "port", NULL, port ? port->name : "");
	print_string(PRINT_ANY, "mac", "%s\t", mac);
	if (e->vlan)
		print_uint(PRINT_JSON, "vlan", NULL, e->vlan);
	print_string(PRINT_FP, NULL, "%s\t\t", e->is_local ? "yes" : "no");
	print_bool(PRINT_JSON, "is_local", NULL, e->is_local);
	/* Same digits as brctl's "%4i.%.2i" of whole seconds and centiseconds. */
	print_float(PRINT_ANY, "ageing_timer", "%7.2f\n", e->ageing_cs / 100.0);
	print_close_object();
}

static int showmacs_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	struct br_links links = { 0 };
	struct br_fdb fdb = { 0 };
	struct d0_err err = { 0 };
	const struct br_link *br;
	char name[IFNAMSIZ];
	bool json = false;
	int c, status = NETCTL_EXIT_FAIL;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return netctl_usage(&cmd_showmacs);
		json = true;
	}
	if (argc - optind != 1)
		return netctl_usage(&cmd_showmacs);
	if (br_links_dump_bridges(&links, &err) < 0) {
		fprintf(stderr, "netctl showmacs: %s\n", err.msg);
		goto out;
	}
	br_compat_name(argv[optind], name);	/* "br0:1" is br0, as for brctl */
	br = br_links_find(&links, name);
	if (!br || !br->is_bridge) {
		struct br_link l;
		int e = EOPNOTSUPP;

		/* What brctl says when brforward is missing, or is not a bridge's. */
		if (!br && br_link_get(name, &l, &err) < 0) {
			if (errno != ENODEV) {
				fprintf(stderr, "netctl showmacs: %s\n", err.msg);
				goto out;
			}
			e = ENODEV;
		}
		fprintf(stderr, "read of forward table failed: %s\n", strerror(e));
		goto out;
	}
	if (br_fdb_dump(&links, br, &fdb, &err) < 0) {
		fprintf(stderr, "read of forward table failed: %s\n", err.msg);
		goto out;
	}
	print_init(stdout, json);
	print_string(PRINT_FP, NULL, "%s", "port no\tmac addr\t\tis local?\tageing timer\n");
	print_open_array(NULL);
	for (size_t i = 0; i < fdb.n; i++)
		print_entry(&links, &fdb.v[i]);
	print_close_array();
	if (print_finish() < 0)
		perror("netctl showmacs: stdout");
	else
		status = NETCTL_EXIT_OK;
out:
	br_fdb_free(&fdb);
	br_links_free(&links);
	return status;
}

const struct netctl_cmd cmd_showmacs = {
	.name = "showmacs",
	.usage = "[--json] BRIDGE",
	.summary = "list a bridge's learned and local MAC addresses (as brctl showmacs)",
	.exec = showmacs_exec,
};
