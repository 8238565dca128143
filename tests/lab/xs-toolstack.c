/* xs-toolstack: plays the Xen toolstack (libxl 4.17 or xend) against the
 * lab's real xenstored through the real libxenstore. Reaches the daemon
 * named by XENSTORED_PATH / XENSTORED_RUNDIR (see xenstored.sh).
 *
 *   vif-add [--style libxl|xend] [--no-initwait] [--wait-hotplug MS]
 *           [--name NAME] DOMID DEVID [key=value | key ...]
 *       Create backend + frontend in one transaction (see xs-vif.c), then
 *       write backend state=2 like netback (unless --no-initwait).
 *       key=value overrides/adds a backend key (mac also goes to the
 *       frontend; libxl: mtu, trusted as libxl writes them); a bare "key"
 *       drops a default key. --wait-hotplug waits for hotplug-status like
 *       the toolstack and prints microseconds from commit to verdict.
 *   vif-remove [--style libxl|xend] [--wait-closed] [--timeout MS] D N
 *       libxl: online=0, state=5 (one transaction), with --wait-closed wait
 *       for state=6, then remove frontend, backend, /libxl record.
 *       xend: online=0, state=5, wait until hotplug-status is gone, rm.
 *   vif-state D N STATE        write the backend state
 *   wait PATH VALUE TIMEOUT_MS wait (watch) until PATH reads VALUE; prints
 *                              the elapsed microseconds
 *   wait-rm PATH TIMEOUT_MS    same, until PATH does not exist
 *   introduce D [NAME]         create /local/domain/D (name, domid) and
 *                              XS_INTRODUCE it (fires @introduceDomain;
 *                              works with xs-shim's fake grant mapping)
 *   release D                  remove /local/domain/D and /libxl/D, then
 *                              XS_RELEASE (fires @releaseDomain)
 * Exit: 0 ok, 1 error, 2 timeout, 64 usage.
 */
#include "xs-util.h"
#include "xs-vif.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TIMEOUT 2
#define EXIT_USAGE 64
#define DEFAULT_TIMEOUT_MS 10000

static int usage(void)
{
	fputs("usage: xs-toolstack vif-add [--style libxl|xend] [--no-initwait]"
	      " [--wait-hotplug MS] [--name NAME] D N [key=value|key ...]\n"
	      "       xs-toolstack vif-remove [--style libxl|xend]"
	      " [--wait-closed] [--timeout MS] D N\n"
	      "       xs-toolstack vif-state D N STATE\n"
	      "       xs-toolstack wait PATH VALUE TIMEOUT_MS\n"
	      "       xs-toolstack wait-rm PATH TIMEOUT_MS\n"
	      "       xs-toolstack introduce D [NAME] | release D\n",
	      stderr);
	return EXIT_USAGE;
}

static int fail(const char *what)
{
	int err = errno;

	fprintf(stderr, "xs-toolstack: %s: %s\n", what,
		err == ETIMEDOUT ? "timed out" : strerror(err));
	return err == ETIMEDOUT ? EXIT_TIMEOUT : 1;
}

/* Parse a non-negative int; -1 on junk. */
static int num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 0x7fffffff)
		return -1;
	return (int)v;
}

static int cmd_vif(struct xs_handle *h, bool add, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "style", required_argument, NULL, 's' },
		{ "no-initwait", no_argument, NULL, 'i' },
		{ "wait-hotplug", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' },
		{ "wait-closed", no_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct vif_req r = { .style = VIF_LIBXL,
			     .timeout_ms = DEFAULT_TIMEOUT_MS };
	long long us = 0;
	int o, d, n;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			if (strcmp(optarg, "libxl") && strcmp(optarg, "xend"))
				return usage();
			r.style = strcmp(optarg, "xend") ? VIF_LIBXL : VIF_XEND;
			break;
		case 'i': r.no_initwait = true; break;
		case 'w': r.wait_hotplug_ms = num(optarg); break;
		case 'n': r.name = optarg; break;
		case 'c': r.wait_closed = true; break;
		case 't': r.timeout_ms = num(optarg); break;
		default: return usage();
		}
	}
	if (argc - optind < 2 || r.wait_hotplug_ms < 0 || r.timeout_ms < 0 ||
	    (!add && argc - optind != 2))
		return usage();
	d = num(argv[optind]);
	n = num(argv[optind + 1]);
	if (d < 0 || n < 0)
		return usage();
	r.domid = (unsigned int)d;
	r.devid = (unsigned int)n;
	r.kv = argv + optind + 2;
	r.nkv = argc - optind - 2;
	if (!add)
		return vif_remove(h, &r) ? fail("vif-remove") : 0;
	if (vif_add(h, &r, &us))
		return fail("vif-add");
	if (r.wait_hotplug_ms > 0)
		printf("%lld\n", us);
	return 0;
}

static int cmd_wait(struct xs_handle *h, bool rm, int argc, char **argv)
{
	long long t0 = xsu_now_us();
	int ms;

	if (argc != (rm ? 3 : 4) || (ms = num(argv[argc - 1])) < 0)
		return usage();
	if (xsu_wait(h, argv[1], rm ? XSU_ABSENT : XSU_EQUALS, argv[2], ms))
		return fail(argv[1]);
	printf("%lld\n", xsu_now_us() - t0);
	return 0;
}

static int introduce_tx(struct xs_handle *h, xs_transaction_t t, void *arg)
{
	char **a = arg;	/* path, domid, name */
	int d = num(a[1]);

	if (xsu_mkdir_perms(h, t, a[0], 0, (unsigned int)d) ||
	    xsu_write(h, t, a[0], "name", a[2]))
		return -1;
	return xsu_write(h, t, a[0], "domid", a[1]);
}

static int cmd_domain(struct xs_handle *h, bool intro, int argc, char **argv)
{
	char path[XSU_PATH_MAX], lxpath[XSU_PATH_MAX], name[64];
	int d;

	if (argc < 2 || argc > (intro ? 3 : 2) || (d = num(argv[1])) <= 0)
		return usage();
	snprintf(path, sizeof(path), "/local/domain/%d", d);
	snprintf(lxpath, sizeof(lxpath), "/libxl/%d", d);
	if (argc == 3)
		snprintf(name, sizeof(name), "%s", argv[2]);
	else
		snprintf(name, sizeof(name), "guest-%d", d);
	if (intro) {
		char *a[3] = { path, argv[1], name };

		if (xsu_tx(h, introduce_tx, a))
			return fail(path);
		/* mfn is ignored by xenstored; port must be > 0. */
		if (!xs_introduce_domain(h, (unsigned int)d, 0, 1))
			fprintf(stderr, "xs-toolstack: introduce %d: %s"
				" (no @introduceDomain)\n", d, strerror(errno));
		return 0;
	}
	if (xsu_rm_clean(h, XBT_NULL, path) ||
	    xsu_rm_clean(h, XBT_NULL, lxpath))
		return fail(path);
	if (!xs_release_domain(h, (unsigned int)d))
		fprintf(stderr, "xs-toolstack: release %d: %s"
			" (no @releaseDomain)\n", d, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct xs_handle *h;
	const char *cmd = argc > 1 ? argv[1] : "";
	int rc;

	if (argc < 2)
		return usage();
	h = xs_open(0);
	if (!h)
		return fail("xs_open (is XENSTORED_PATH set?)");
	/* Sub-commands parse argv[1..]: argv[0] of the slice is the verb. */
	if (strcmp(cmd, "vif-add") == 0)
		rc = cmd_vif(h, true, argc - 1, argv + 1);
	else if (strcmp(cmd, "vif-remove") == 0)
		rc = cmd_vif(h, false, argc - 1, argv + 1);
	else if (strcmp(cmd, "vif-state") == 0)
		rc = argc != 5 || num(argv[2]) < 0 || num(argv[3]) < 0
			? usage()
			: vif_state(h, (unsigned int)num(argv[2]),
				    (unsigned int)num(argv[3]), argv[4])
			? fail("vif-state") : 0;
	else if (strcmp(cmd, "wait") == 0)
		rc = cmd_wait(h, false, argc - 1, argv + 1);
	else if (strcmp(cmd, "wait-rm") == 0)
		rc = cmd_wait(h, true, argc - 1, argv + 1);
	else if (strcmp(cmd, "introduce") == 0)
		rc = cmd_domain(h, true, argc - 1, argv + 1);
	else if (strcmp(cmd, "release") == 0)
		rc = cmd_domain(h, false, argc - 1, argv + 1);
	else
		rc = usage();
	xs_close(h);
	return rc;
}
