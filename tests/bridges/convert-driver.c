/* convert-driver: drives bridges/ conversion directly, for tests.
 *   convert-driver convert|revert CONFIG UPLINK...   one line per uplink:
 *       "UPLINK: converted|already|skipped|failed[: message]"
 *   convert-driver discover CONFIG                   the uplinks, one a line
 * Exit 0 unless an uplink failed (1) or usage/config error (2). */
#include <stdio.h>
#include <string.h>

#include <dom0net/bridges.h>
#include <dom0net/config.h>
#include <dom0net/nl.h>

static const char *outcome_name(enum br_outcome o)
{
	switch (o) {
	case BR_CONVERTED: return "converted";
	case BR_ALREADY: return "already";
	case BR_SKIPPED: return "skipped";
	case BR_FAILED: return "failed";
	}
	return "?";
}

int main(int argc, char **argv)
{
	static struct d0_config cfg;
	char errbuf[512], names[D0_MAX_NICS * 2][IFNAMSIZ];
	struct nl_sock *sk;
	int rc = 0;
	size_t n = 0;

	if (argc < 3 || (strcmp(argv[1], "discover") != 0 && argc < 4)) {
		fprintf(stderr, "usage: convert-driver convert|revert CONFIG UPLINK...\n"
				"       convert-driver discover CONFIG\n");
		return 2;
	}
	if (config_load(&cfg, argv[2], errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "%s\n", errbuf);
		return 2;
	}
	if (!(sk = d0_nl_request_socket())) {
		perror("netlink");
		return 2;
	}
	if (strcmp(argv[1], "discover") == 0) {
		if (br_discover(sk, &cfg, names, D0_MAX_NICS * 2, &n) < 0) {
			perror("discover");
			rc = 1;
		}
		for (size_t i = 0; i < n; i++)
			printf("%s\n", names[i]);
	} else {
		for (int i = 3; i < argc; i++) {
			struct d0_err err = { 0, "" };
			enum br_outcome o = strcmp(argv[1], "revert") == 0
						    ? br_revert(sk, &cfg, argv[i], &err)
						    : br_convert(sk, &cfg, argv[i], &err);

			printf("%s: %s%s%s\n", argv[i], outcome_name(o), err.msg[0] ? ": " : "",
			       err.msg);
			if (o == BR_FAILED)
				rc = 1;
		}
	}
	d0_nl_request_socket_free(sk);
	return rc;
}
