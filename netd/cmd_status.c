/* netctl status: is netd running, and what does it say about itself. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/ctl.h>

#include "netctl.h"

/* Sends one request to netd and prints its answer; shared by commands that need netd. */
int netctl_call_netd(uint16_t type, uint32_t flags, int argc, char *const *argv)
{
	int32_t status = 0;
	char *out = NULL;
	size_t len = 0;

	if (ctl_call(netctl_socket_path(), type, flags, argc, argv, &status, &out, &len) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED) {
			fprintf(stderr, "netctl: netd is not running (%s: %s)\n",
				netctl_socket_path(), strerror(errno));
			return NETCTL_EXIT_NODAEMON;
		}
		fprintf(stderr, "netctl: %s: %s\n", netctl_socket_path(), strerror(errno));
		return NETCTL_EXIT_FAIL;
	}
	fwrite(out, 1, len, status ? stderr : stdout);
	free(out);
	return status ? NETCTL_EXIT_FAIL : NETCTL_EXIT_OK;
}

static int status_exec(int argc, char **argv)
{
	if (argc != 1)
		return netctl_usage(&cmd_status);
	return netctl_call_netd(CTL_REQ_STATUS, 0, 0, NULL);
}

const struct netctl_cmd cmd_status = {
	.name = "status",
	.usage = "",
	.summary = "ask netd whether it runs and how (exit 3 when it does not)",
	.exec = status_exec,
};
