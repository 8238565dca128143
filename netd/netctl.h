/* netctl: one file per command (cmd_*.c), gathered in the table in netctl.c. */
#ifndef NETCTL_H
#define NETCTL_H

struct netctl_cmd {
	const char *name;
	const char *usage;	/* arguments, e.g. "[--json] [BRIDGE]" */
	const char *summary;	/* one line for the command list */
	/* argv[0] is the command name; returns the process exit status. */
	int (*exec)(int argc, char **argv);
};

/* Exit statuses scripts can rely on. */
#define NETCTL_EXIT_OK 0
#define NETCTL_EXIT_FAIL 1	/* the request failed (missing bridge, netd error) */
#define NETCTL_EXIT_USAGE 2	/* bad command line */
#define NETCTL_EXIT_NODAEMON 3	/* the command needs netd and it is not running */

/* Prints "usage: netctl NAME USAGE" to stderr and returns NETCTL_EXIT_USAGE. */
int netctl_usage(const struct netctl_cmd *cmd);
/* True if argv has -h/--help; then prints the command's help to stdout. */
int netctl_wants_help(const struct netctl_cmd *cmd, int argc, char **argv);
#include <stdint.h>

/* Sends one request to netd, prints its answer, returns the exit status. */
int netctl_call_netd(uint16_t type, uint32_t flags, int argc, char *const *argv);
/* The control socket path (-s option or default). */
const char *netctl_socket_path(void);

extern const struct netctl_cmd cmd_status;
extern const struct netctl_cmd cmd_reload;
extern const struct netctl_cmd cmd_show;
extern const struct netctl_cmd cmd_showmacs;
extern const struct netctl_cmd cmd_nics;
extern const struct netctl_cmd cmd_firewall;
extern const struct netctl_cmd cmd_vifs;
extern const struct netctl_cmd cmd_consoles;
extern const struct netctl_cmd cmd_console_password;
extern const struct netctl_cmd cmd_agent_password;

#endif
