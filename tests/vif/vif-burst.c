/* vif-burst: many VIFs at once against the lab's xenstored, timed like a toolstack
 * sees it. Creates N libxl-style (or xend-style) backend entries for domids
 * FIRST..FIRST+N-1, devid 0, in state 1; then plays netback: writes state=2 for all
 * of them back to back (or, with --sequential, one at a time waiting for each
 * verdict) and, with a watch on the backend tree, times each VIF from its state=2
 * write to hotplug-status=connected.
 *
 *   vif-burst [--style libxl|xend] [--first D] [--sequential] [--timeout MS]
 *             [--no-create] [--create-only] [--exec SCRIPT] N [key=value ...]
 *
 * --exec SCRIPT plays libxl with hotplug scripts: after each state=2 write it runs
 * "SCRIPT online type_if=vif" with XENBUS_PATH, vif and script in the environment
 * (one at a time with --sequential, else all at once). --create-only writes the
 * entries and exits.
 *
 * Prints one line: n= connected= errors= p50_us= p99_us= max_us= total_us=
 * (total: first state=2 write to the last verdict). Exit 0 when all connected,
 * 1 otherwise, 64 usage. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xs-util.h"
#include "xs-vif.h"

#define BASE "/local/domain/0/backend/vif"

struct burst {
	struct xs_handle *h;
	unsigned first, n;
	long long *t0, *t1;
	unsigned done, errors;
};

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Handles queued watch events; records verdicts. */
static void drain(struct burst *b)
{
	char **w;

	while ((w = xs_check_watch(b->h)) != NULL) {
		const char *p = w[XS_WATCH_PATH];
		unsigned d, n;
		char key[32];

		if (sscanf(p, BASE "/%u/%u/%31s", &d, &n, key) == 3 &&
		    strcmp(key, "hotplug-status") == 0 && d >= b->first && d < b->first + b->n &&
		    n == 0 && b->t0[d - b->first] && !b->t1[d - b->first]) {
			char *v = xsu_read(b->h, XBT_NULL, p);

			if (v && (strcmp(v, "connected") == 0 || strcmp(v, "error") == 0)) {
				b->t1[d - b->first] = xsu_now_us();
				b->done++;
				if (strcmp(v, "error") == 0) {
					b->errors++;
					fprintf(stderr, "vif-burst: %u/0: hotplug-status=error\n", d);
				}
			}
			free(v);
		}
		free(w);
	}
}

/* Waits for watch events until until_us; true when fd became readable. */
static void wait_events(struct burst *b, long long until_us)
{
	struct pollfd p = { .fd = xs_fileno(b->h), .events = POLLIN };
	long long left = until_us - xsu_now_us();

	if (left <= 0)
		return;
	if (poll(&p, 1, (int)(left / 1000) + 1) > 0)
		drain(b);
}

/* The hotplug script as libxl starts it for a PV vif. */
static pid_t run_script(const char *script, unsigned domid)
{
	char be[64], vif[32];
	pid_t pid;

	snprintf(be, sizeof(be), BASE "/%u/0", domid);
	snprintf(vif, sizeof(vif), "vif%u.0", domid);
	pid = fork();
	if (pid == 0) {
		setenv("XENBUS_PATH", be, 1);
		setenv("vif", vif, 1);
		setenv("script", script, 1);
		execl(script, script, "online", "type_if=vif", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int usage(void)
{
	fputs("usage: vif-burst [--style libxl|xend] [--first D] [--sequential]"
	      " [--timeout MS] [--no-create] [--create-only] [--exec SCRIPT]"
	      " N [key=value ...]\n", stderr);
	return 64;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "style", required_argument, NULL, 's' },
		{ "first", required_argument, NULL, 'f' },
		{ "sequential", no_argument, NULL, 'q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "no-create", no_argument, NULL, 'n' },
		{ "create-only", no_argument, NULL, 'c' },
		{ "exec", required_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	struct vif_req req = { .style = VIF_LIBXL, .no_initwait = true };
	struct burst b = { .first = 1 };
	bool sequential = false, create = true, create_only = false;
	const char *script = NULL;
	unsigned children = 0;
	long long timeout_ms = 30000, start, deadline, *lat;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (strcmp(optarg, "libxl") == 0)
				req.style = VIF_LIBXL;
			else if (strcmp(optarg, "xend") == 0)
				req.style = VIF_XEND;
			else
				return usage();
			break;
		case 'f':
			b.first = (unsigned)atoi(optarg);
			break;
		case 'q':
			sequential = true;
			break;
		case 't':
			timeout_ms = atoll(optarg);
			break;
		case 'n':
			create = false;
			break;
		case 'c':
			create_only = true;
			break;
		case 'x':
			script = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind >= argc || atoi(argv[optind]) <= 0)
		return usage();
	b.n = (unsigned)atoi(argv[optind++]);
	req.kv = argv + optind;
	req.nkv = argc - optind;
	b.t0 = calloc(b.n, sizeof(*b.t0));
	b.t1 = calloc(b.n, sizeof(*b.t1));
	lat = calloc(b.n, sizeof(*lat));
	b.h = xs_open(0);
	if (!b.t0 || !b.t1 || !lat || !b.h) {
		perror("vif-burst");
		return 1;
	}
	for (unsigned i = 0; create && i < b.n; i++) {
		req.domid = b.first + i;
		req.devid = 0;
		if (vif_add(b.h, &req, NULL) < 0) {
			fprintf(stderr, "vif-burst: create %u/0: %s\n", b.first + i, strerror(errno));
			return 1;
		}
	}
	if (create_only) {
		xs_close(b.h);
		free(b.t0);
		free(b.t1);
		free(lat);
		return 0;
	}
	if (!xs_watch(b.h, BASE, "burst")) {
		perror("vif-burst: watch");
		return 1;
	}
	start = xsu_now_us();
	deadline = start + timeout_ms * 1000;
	for (unsigned i = 0; i < b.n; i++) {
		char dir[64];

		snprintf(dir, sizeof(dir), BASE "/%u/0", b.first + i);
		if (xsu_write(b.h, XBT_NULL, dir, "state", "2") < 0) {
			perror("vif-burst: write state");
			return 1;
		}
		b.t0[i] = xsu_now_us();
		if (script) {
			pid_t pid = run_script(script, b.first + i);

			if (pid < 0) {
				perror("vif-burst: fork");
				return 1;
			}
			children++;
			if (sequential) {
				waitpid(pid, NULL, 0);
				children--;
			}
		}
		drain(&b);
		while (sequential && !b.t1[i] && xsu_now_us() < deadline)
			wait_events(&b, deadline);
	}
	while (b.done < b.n && xsu_now_us() < deadline)
		wait_events(&b, deadline);
	while (children && wait(NULL) > 0)
		children--;

	{
		unsigned k = 0;
		long long last = 0;

		for (unsigned i = 0; i < b.n; i++) {
			if (!b.t1[i])
				continue;
			lat[k++] = b.t1[i] - b.t0[i];
			if (b.t1[i] > last)
				last = b.t1[i];
		}
		qsort(lat, k, sizeof(*lat), cmp_ll);
		printf("n=%u connected=%u errors=%u p50_us=%lld p99_us=%lld max_us=%lld "
		       "total_us=%lld\n", b.n, b.done - b.errors, b.errors,
		       k ? lat[(k - 1) / 2] : -1, k ? lat[(k * 99 + 99) / 100 - 1] : -1,
		       k ? lat[k - 1] : -1, k ? last - b.t0[0] : -1);
	}
	xs_close(b.h);
	free(b.t0);
	free(b.t1);
	free(lat);
	return b.done == b.n && b.errors == 0 ? 0 : 1;
}
