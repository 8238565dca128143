/* netctl consoles: the VNC console gateway's table (guest, port, display, viewers). */
#include <getopt.h>
#include <stdio.h>

#include <dom0net/ctl.h>

#include "netctl.h"

static int consoles_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t flags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return netctl_usage(&cmd_consoles);
		flags |= CTL_F_JSON;
	}
	if (optind != argc)
		return netctl_usage(&cmd_consoles);
	return netctl_call_netd(CTL_REQ_CONSOLES, flags, 0, NULL);
}

const struct netctl_cmd cmd_consoles = {
	.name = "consoles",
	.usage = "[--json]",
	.summary = "guest consoles on the VNC gateway: port, display, password source, viewers",
	.exec = consoles_exec,
};
