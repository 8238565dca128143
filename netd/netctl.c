/* netctl: the dom0net admin CLI. Read-only commands read netlink directly (they work
 * without netd, like brctl); commands that change state go through netd's socket. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/ctl.h>

#include "netctl.h"

static const struct netctl_cmd *const commands[] = {
	&cmd_show,
	&cmd_showmacs,
	&cmd_nics,
	&cmd_vifs,
	&cmd_firewall,
	&cmd_consoles,
	&cmd_console_password,
	&cmd_agent_password,
	&cmd_status,
	&cmd_reload,
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char *socket_path = D0_CTL_SOCKET;

const char *netctl_socket_path(void)
{
	return socket_path;
}

int netctl_usage(const struct netctl_cmd *cmd)
{
	fprintf(stderr, "usage: netctl %s %s\n", cmd->name, cmd->usage);
	return NETCTL_EXIT_USAGE;
}

int netctl_wants_help(const struct netctl_cmd *cmd, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: netctl %s %s\n  %s\n", cmd->name, cmd->usage, cmd->summary);
			return 1;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: netctl [-s SOCKET] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\n'netctl COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	int c;
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};

	/* '+': stop at the command name; its options are its own. */
	while ((c = getopt_long(argc, argv, "+s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return NETCTL_EXIT_OK;
		case 'V':
			printf("netctl (dom0net) %s\n", DOM0NET_VERSION);
			return NETCTL_EXIT_OK;
		default:
			usage(stderr);
			return NETCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return NETCTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < N_COMMANDS; i++) {
		int cmd_argc = argc - optind;
		char **cmd_argv = argv + optind;

		if (strcmp(cmd_argv[0], commands[i]->name) != 0)
			continue;
		if (netctl_wants_help(commands[i], cmd_argc, cmd_argv))
			return NETCTL_EXIT_OK;
		optind = 0; /* glibc: full getopt reset for the command's own options */
		return commands[i]->exec(cmd_argc, cmd_argv);
	}
	fprintf(stderr, "netctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return NETCTL_EXIT_USAGE;
}
