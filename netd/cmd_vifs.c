/* netctl vifs: the guest VIFs netd knows (domid, devid, devices, bridge, MAC, IPs,
 * state, hotplug-status, last error), as a table or JSON. Needs netd: the state
 * machine lives there. */
#include <getopt.h>
#include <stdbool.h>

#include <dom0net/ctl.h>

#include "netctl.h"

static int vifs_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (c != 'j')
			return netctl_usage(&cmd_vifs);
		json = true;
	}
	if (optind != argc)
		return netctl_usage(&cmd_vifs);
	return netctl_call_netd(CTL_REQ_VIFS, json ? CTL_F_JSON : 0, 0, NULL);
}

const struct netctl_cmd cmd_vifs = {
	.name = "vifs",
	.usage = "[--json]",
	.summary = "list guest VIFs: devices, bridge, MAC, IPs, state, hotplug-status",
	.exec = vifs_exec,
};
