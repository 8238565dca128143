/* netctl reload: make netd re-read its configuration (like SIGHUP). Root only. */
#include <dom0net/ctl.h>

#include "netctl.h"

static int reload_exec(int argc, char **argv)
{
	if (argc != 1)
		return netctl_usage(&cmd_reload);
	return netctl_call_netd(CTL_REQ_RELOAD, 0, 0, NULL);
}

const struct netctl_cmd cmd_reload = {
	.name = "reload",
	.usage = "",
	.summary = "make netd re-read its configuration (a bad file is refused and logged)",
	.exec = reload_exec,
};
