/* Proves the lab's xenstore: the real xenstored 4.17 (under xs-shim) and the
 * real libxenstore: write/read, directory, watch + token, a committed and a
 * conflicting (EAGAIN) transaction, permissions.
 *
 * The daemon is started here (fork/exec, like xenstored.sh does) so that it
 * is tied to this process: XS_SHIM_PDEATHSIG makes it die with us even if
 * CTest kills us on a timeout.
 * Env: XS_SHIM (xs-shim.so), optional XENSTORED (daemon path).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define DEFAULT_XENSTORED "/usr/lib/xen-4.17/bin/xenstored"
#define SKIP 77

static char lab_dir[64];
static pid_t xs_pid = -1;

static const char *daemon_path(void)
{
	const char *p = getenv("XENSTORED");

	return p && *p ? p : DEFAULT_XENSTORED;
}

static int write_file(const char *dir, const char *name, const void *buf,
		      size_t len)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	rc = write(fd, buf, len) == (ssize_t)len ? 0 : -1;
	close(fd);
	return rc;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Start xenstored in lab_dir; 0 once it answers, -1 otherwise. */
static int xs_start(void)
{
	static char page[4096];
	char sock[128], ppid[16];
	struct xs_handle *h;

	if (write_file(lab_dir, "xsd_port", "1\n", 2) ||
	    write_file(lab_dir, "xsd_kva", page, sizeof(page)))
		return -1;
	snprintf(sock, sizeof(sock), "%s/socket", lab_dir);
	snprintf(ppid, sizeof(ppid), "%d", (int)getpid());
	xs_pid = fork();
	if (xs_pid < 0)
		return -1;
	if (xs_pid == 0) {
		char log[128];
		int null = open("/dev/null", O_RDONLY), out;

		snprintf(log, sizeof(log), "%s/log", lab_dir);
		out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(null, 0);
		dup2(out, 1);
		dup2(out, 2);
		setenv("LD_PRELOAD", getenv("XS_SHIM"), 1);
		setenv("XS_SHIM_DIR", lab_dir, 1);
		setenv("XS_SHIM_PDEATHSIG", ppid, 1);
		setenv("XENSTORED_RUNDIR", lab_dir, 1);
		setenv("XENSTORED_PATH", sock, 1);	/* it binds this */
		execl(daemon_path(), "xenstored", "-N", (char *)NULL);
		_exit(127);
	}
	setenv("XENSTORED_RUNDIR", lab_dir, 1);
	setenv("XENSTORED_PATH", sock, 1);
	for (int i = 0; i < 250; i++) {
		if (waitpid(xs_pid, NULL, WNOHANG) == xs_pid) {
			xs_pid = -1;
			return -1;
		}
		h = xs_open(0);
		if (h) {
			xs_close(h);
			return 0;
		}
		sleep_ms(20);
	}
	return -1;
}

static void xs_stop(void)
{
	char cmd[160];

	if (xs_pid > 0) {
		kill(xs_pid, SIGTERM);
		waitpid(xs_pid, NULL, 0);
		xs_pid = -1;
	}
	if (lab_dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", lab_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", lab_dir);
	}
}

static struct xs_handle *h;

static void conn_setup(void)
{
	h = xs_open(0);
	ck_assert_msg(h, "xs_open: %s", strerror(errno));
}

static void conn_teardown(void)
{
	xs_close(h);
}

static char *rd(xs_transaction_t t, const char *path)
{
	unsigned int len;

	return xs_read(h, t, path, &len);
}

static void wr(xs_transaction_t t, const char *path, const char *val)
{
	ck_assert_msg(xs_write(h, t, path, val, strlen(val)),
		      "write %s: %s", path, strerror(errno));
}

START_TEST(test_write_read)
{
	char *v;

	wr(XBT_NULL, "/test/rw/a", "hello");
	v = rd(XBT_NULL, "/test/rw/a");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "hello");
	free(v);
	/* Empty values are values, absent nodes are ENOENT. */
	wr(XBT_NULL, "/test/rw/empty", "");
	v = rd(XBT_NULL, "/test/rw/empty");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "");
	free(v);
	ck_assert_ptr_null(rd(XBT_NULL, "/test/rw/missing"));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(xs_rm(h, XBT_NULL, "/test/rw/a"));
	ck_assert_ptr_null(rd(XBT_NULL, "/test/rw/a"));
}
END_TEST

START_TEST(test_directory)
{
	unsigned int n;
	char **d;

	wr(XBT_NULL, "/test/dir/x", "1");
	wr(XBT_NULL, "/test/dir/y", "2");
	wr(XBT_NULL, "/test/dir/z/deep", "3");
	d = xs_directory(h, XBT_NULL, "/test/dir", &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 3);
	/* Children are listed in creation order. */
	ck_assert_str_eq(d[0], "x");
	ck_assert_str_eq(d[1], "y");
	ck_assert_str_eq(d[2], "z");
	free(d);
}
END_TEST

/* Next watch event within ms, or NULL. */
static char **next_event(int ms)
{
	struct pollfd p = { .fd = xs_fileno(h), .events = POLLIN };
	char **ev = xs_check_watch(h);

	if (ev || poll(&p, 1, ms) <= 0)
		return ev;
	return xs_check_watch(h);
}

START_TEST(test_watch)
{
	char **ev;

	ck_assert(xs_watch(h, "/test/watch", "tok-42"));
	/* A new watch fires once for its own path. */
	ev = next_event(2000);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "/test/watch");
	ck_assert_str_eq(ev[XS_WATCH_TOKEN], "tok-42");
	free(ev);
	/* A write below it fires with the written path and our token. */
	wr(XBT_NULL, "/test/watch/child", "v");
	ev = next_event(2000);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev[XS_WATCH_PATH], "/test/watch/child");
	ck_assert_str_eq(ev[XS_WATCH_TOKEN], "tok-42");
	free(ev);
	ck_assert(xs_unwatch(h, "/test/watch", "tok-42"));
	wr(XBT_NULL, "/test/watch/child", "w");
	ck_assert_ptr_null(next_event(200));
}
END_TEST

START_TEST(test_transaction_commit)
{
	xs_transaction_t t = xs_transaction_start(h);
	char *v;

	ck_assert(t != XBT_NULL);
	wr(t, "/test/tx/a", "1");
	wr(t, "/test/tx/b", "2");
	/* Invisible outside until committed. */
	ck_assert_ptr_null(rd(XBT_NULL, "/test/tx/a"));
	ck_assert(xs_transaction_end(h, t, false));
	v = rd(XBT_NULL, "/test/tx/b");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "2");
	free(v);
}
END_TEST

START_TEST(test_transaction_conflict)
{
	xs_transaction_t t;
	char *v;

	wr(XBT_NULL, "/test/conflict", "0");
	t = xs_transaction_start(h);
	ck_assert(t != XBT_NULL);
	v = rd(t, "/test/conflict");	/* the transaction depends on it */
	free(v);
	wr(XBT_NULL, "/test/conflict", "outside");
	wr(t, "/test/conflict", "inside");
	ck_assert(!xs_transaction_end(h, t, false));
	ck_assert_int_eq(errno, EAGAIN);
	v = rd(XBT_NULL, "/test/conflict");
	ck_assert_str_eq(v, "outside");
	free(v);
}
END_TEST

START_TEST(test_permissions)
{
	struct xs_permissions p[2] = {
		{ .id = 7, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	struct xs_permissions *got;
	unsigned int n;

	wr(XBT_NULL, "/test/perm", "");
	ck_assert(xs_set_permissions(h, XBT_NULL, "/test/perm", p, 2));
	got = xs_get_permissions(h, XBT_NULL, "/test/perm", &n);
	ck_assert_ptr_nonnull(got);
	/* Domain 7 "exists" (xs-shim), so it stays the owner. */
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(got[0].id, 7);
	ck_assert_uint_eq(got[1].id, 0);
	ck_assert_uint_eq(got[1].perms, XS_PERM_READ);
	free(got);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("lab-xenstore");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, conn_setup, conn_teardown);
	tcase_add_test(tc, test_write_read);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_watch);
	tcase_add_test(tc, test_transaction_commit);
	tcase_add_test(tc, test_transaction_conflict);
	tcase_add_test(tc, test_permissions);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	char cmd[160];
	int failed;

	if (access(daemon_path(), X_OK) != 0) {
		printf("skipped: %s not installed (xen-utils-4.17)\n",
		       daemon_path());
		return SKIP;
	}
	if (!getenv("XS_SHIM")) {
		fprintf(stderr, "XS_SHIM (path to xs-shim.so) is not set\n");
		return 1;
	}
	/* d0t<pid>x...: lab.sh reaps it if we die by SIGKILL. */
	snprintf(lab_dir, sizeof(lab_dir), "/tmp/d0t%dx-xs.XXXXXX",
		 (int)getpid());
	if (!mkdtemp(lab_dir)) {
		perror("mkdtemp");
		return 1;
	}
	if (xs_start()) {
		fprintf(stderr, "xenstored did not start (see log below)\n");
		snprintf(cmd, sizeof(cmd), "cat '%s/log' >&2", lab_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "(no log)\n");
		xs_stop();
		return 1;
	}
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	xs_stop();
	return failed ? 1 : 0;
}
