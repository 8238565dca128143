/* netctl firewall [--json]: the policy netd applies and the installed rules with
 * their packet counters (netd answers; any user may ask). */
#include <getopt.h>
#include <stdio.h>

#include <dom0net/ctl.h>

#include "netctl.h"

static int firewall_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	uint32_t flags = 0;
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return netctl_usage(&cmd_firewall);
		flags |= CTL_F_JSON;
	}
	if (optind != argc)
		return netctl_usage(&cmd_firewall);
	return netctl_call_netd(CTL_REQ_FIREWALL, flags, 0, NULL);
}

const struct netctl_cmd cmd_firewall = {
	.name = "firewall",
	.usage = "[--json]",
	.summary = "the firewall policy and the installed rules with packet counters",
	.exec = firewall_exec,
};
