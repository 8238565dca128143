/* netctl show [--json] [BRIDGE...]: `brctl show` byte for byte, read over netlink. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/bridges.h>

#include "netctl.h"
#include "print.h"

static int parse_json_opt(int argc, char **argv, bool *json)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return -1;
		*json = true;
	}
	return 0;
}

/* brctl prints its header before the first bridge it shows: no bridges, no header. */
static void header(bool *done)
{
	if (*done)
		return;
	print_string(PRINT_FP, NULL, "%s", "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n");
	*done = true;
}

/* label: the name to print, as the user typed it (brctl echoes "br0:1"). */
static void show_bridge(const struct br_links *l, const struct br_link *br, const char *label)
{
	const struct br_link *p;
	size_t pos = 0;
	bool first = true;
	char id[18];

	br_id_format(br, id);
	print_open_object(NULL);
	print_string(PRINT_ANY, "name", "%s\t\t", label);
	print_string(PRINT_ANY, "id", "%s\t", id);
	print_string(PRINT_FP, NULL, "%s\t\t", br->br_stp_state ? "yes" : "no");
	print_bool(PRINT_JSON, "stp", NULL, br->br_stp_state != 0);
	print_open_array("interfaces");
	while ((p = br_links_next_port(l, br, &pos))) {
		print_string(PRINT_ANY, NULL, first ? "%s\n" : "\t\t\t\t\t\t\t%s\n", p->name);
		first = false;
	}
	if (first)
		print_string(PRINT_FP, NULL, "%s", "\n");
	print_close_array();
	print_close_object();
}

/* Not a bridge: a port we know of, or any other link the kernel has by that name. */
static void print_missing(const char *arg, const char *name, bool is_port)
{
	struct d0_err err = { 0 };
	struct br_link l;

	if (is_port || br_link_get(name, &l, &err) == 0)
		fprintf(stderr, "device %s is not a bridge!\n", arg);
	else if (errno == ENODEV)
		fprintf(stderr, "bridge %s does not exist!\n", arg);
	else
		fprintf(stderr, "netctl show: %s\n", err.msg);
}

static int show_exec(int argc, char **argv)
{
	struct br_links links = { 0 };
	struct d0_err err = { 0 };
	bool json = false, header_done = false;
	int status = NETCTL_EXIT_OK;

	if (parse_json_opt(argc, argv, &json) < 0)
		return netctl_usage(&cmd_show);
	if (br_links_dump_bridges(&links, &err) < 0) {
		fprintf(stderr, "netctl show: %s\n", err.msg);
		return NETCTL_EXIT_FAIL;
	}
	print_init(stdout, json);
	print_open_array(NULL);
	if (optind == argc) {
		for (size_t i = 0; i < links.n; i++) {
			if (links.v[i].is_bridge) {
				header(&header_done);
				show_bridge(&links, &links.v[i], links.v[i].name);
			}
		}
	}
	for (int i = optind; i < argc; i++) {
		char name[IFNAMSIZ];
		const struct br_link *br;

		/* As brctl: looked up as the kernel's ioctls would, printed as given. */
		br_compat_name(argv[i], name);
		br = br_links_find(&links, name);
		if (br && br->is_bridge) {
			header(&header_done);
			show_bridge(&links, br, argv[i]);
		} else {
			/* brctl's messages, to stderr, in argument order; the others print. */
			status = NETCTL_EXIT_FAIL;
			print_missing(argv[i], name, br != NULL);
		}
	}
	print_close_array();
	if (print_finish() < 0) {
		perror("netctl show: stdout");
		status = NETCTL_EXIT_FAIL;
	}
	br_links_free(&links);
	return status;
}

const struct netctl_cmd cmd_show = {
	.name = "show",
	.usage = "[--json] [BRIDGE...]",
	.summary = "list bridges and their ports (as brctl show)",
	.exec = show_exec,
};
