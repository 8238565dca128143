/* The netlink layer against the real kernel, each test in a private network
 * namespace (Check forks per test, so unshare() affects only that test). */
#include <check.h>
#include <stdbool.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/socket.h>

#include <dom0net/nl.h>

static void private_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0) {
		if (errno == EPERM) {
			printf("skipped: needs root for a network namespace\n");
			exit(77);
		}
		ck_abort_msg("unshare: %s", strerror(errno));
	}
}

struct seen {
	int new_links, resyncs;
	char last[32];
};

static void on_changed(void *arg, struct nl_cache *cache, struct nl_object *obj, int action)
{
	struct seen *s = arg;

	if (strcmp(nl_object_get_type(obj), "route/link") == 0 && action == NL_ACT_NEW) {
		s->new_links++;
		snprintf(s->last, sizeof(s->last), "%s",
			 rtnl_link_get_name((struct rtnl_link *)obj));
	}
}

/* rtnl_link_get_by_name hands out a reference: check and drop it. */
static bool cached(struct d0_nl *nl, const char *name)
{
	struct rtnl_link *l = rtnl_link_get_by_name(d0_nl_links(nl), name);

	rtnl_link_put(l);
	return l != NULL;
}

static void on_resync(void *arg)
{
	((struct seen *)arg)->resyncs++;
}

START_TEST(monitor_sees_new_links)
{
	struct seen s = { 0 };
	struct d0_nl_handlers h = { on_changed, on_resync, &s };
	struct event_base *base;
	struct d0_nl *nl;
	struct nl_sock *req;

	private_netns();
	base = event_base_new();
	nl = d0_nl_monitor_open(base, &h);
	ck_assert_ptr_nonnull(nl);
	/* The initial dump already holds loopback. */
	ck_assert(cached(nl, "lo"));
	req = d0_nl_request_socket();
	ck_assert_ptr_nonnull(req);
	ck_assert_int_eq(rtnl_link_veth_add(req, "d0a", "d0b", getpid()), 0);
	for (int i = 0; i < 50 && s.new_links < 2; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_eq(s.new_links, 2);
	ck_assert(cached(nl, "d0a"));
	d0_nl_request_socket_free(req);
	d0_nl_monitor_close(nl);
	event_base_free(base);
}
END_TEST

START_TEST(kernel_error_text_is_reported)
{
	struct nl_sock *req;
	struct rtnl_link *br = rtnl_link_bridge_alloc(), *port = rtnl_link_alloc();
	char buf[256];
	int err;

	private_netns();
	req = d0_nl_request_socket();
	ck_assert_ptr_nonnull(req);
	/* An MTU above the device maximum is refused with an extended ack message. */
	rtnl_link_set_name(br, "d0br");
	ck_assert_int_eq(rtnl_link_add(req, br, NLM_F_CREATE), 0);
	rtnl_link_put(br);
	ck_assert_int_eq(rtnl_link_get_kernel(req, 0, "d0br", &br), 0);
	rtnl_link_set_mtu(port, 100000);
	err = rtnl_link_change(req, br, port, 0);
	ck_assert_int_lt(err, 0);
	d0_nl_strerror(req, err, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "(kernel: ") != NULL, "no kernel text in '%s'", buf);
	ck_assert_str_eq(d0_nl_ext_ack(req), "mtu greater than device maximum");
	rtnl_link_put(br);
	rtnl_link_put(port);
	d0_nl_request_socket_free(req);
}
END_TEST

START_TEST(overflow_triggers_redump)
{
	struct seen s = { 0 };
	struct d0_nl_handlers h = { on_changed, on_resync, &s };
	struct d0_nl *nl;
	struct nl_sock *req;
	char a[16], b[16];
	int small = 1024;

	private_netns();
	nl = d0_nl_monitor_open(NULL, &h);
	ck_assert_ptr_nonnull(nl);
	/* Shrink the monitor's buffer so a burst of events overflows it (ENOBUFS). */
	ck_assert_int_eq(setsockopt(d0_nl_monitor_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &small,
				    sizeof(small)), 0);
	req = d0_nl_request_socket();
	ck_assert_ptr_nonnull(req);
	for (int i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "ov%da", i);
		snprintf(b, sizeof(b), "ov%db", i);
		ck_assert_int_eq(rtnl_link_veth_add(req, a, b, getpid()), 0);
	}
	ck_assert_int_eq(d0_nl_monitor_poll(nl), 0);
	ck_assert_int_ge(s.resyncs, 1);
	/* Events were dropped, yet the re-dumped cache holds every link. */
	ck_assert(cached(nl, "ov199b"));
	d0_nl_request_socket_free(req);
	d0_nl_monitor_close(nl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netlink");
	TCase *tc = tcase_create("kernel");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, monitor_sees_new_links);
	tcase_add_test(tc, kernel_error_text_is_reported);
	tcase_add_test(tc, overflow_triggers_redump);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
