/* Unit tests: console keys from xenstore (hostile values), the console table (stable
 * ports, state file, conflicts, passwords) and the netd <-> vncgw message checks. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dom0net/err.h>
#include <dom0net/vncgw.h>

static const char *const prefixes[] = { "/run/xen/", "/run/dom0net", NULL };

START_TEST(backend_values)
{
	struct con_backend b;
	struct d0_err e = { 0 };

	ck_assert_int_eq(con_parse_backend("127.0.0.1", 5901, prefixes, &b, &e), 0);
	ck_assert_int_eq(b.kind, CON_BACKEND_TCP);
	ck_assert_str_eq(b.desc, "127.0.0.1:5901");
	ck_assert_int_eq(con_parse_backend(NULL, 5902, prefixes, &b, &e), 0);
	ck_assert_str_eq(b.desc, "127.0.0.1:5902");
	ck_assert_int_eq(con_parse_backend("0.0.0.0", 5903, prefixes, &b, &e), 0);
	ck_assert_str_eq(b.desc, "127.0.0.1:5903");
	ck_assert_int_eq(con_parse_backend("127.1.2.3", 5903, prefixes, &b, &e), 0);
	ck_assert_int_eq(con_parse_backend("::1", 5904, prefixes, &b, &e), 0);
	ck_assert_str_eq(b.desc, "[::1]:5904");
	ck_assert_int_eq(con_parse_backend("unix:/run/xen/vnc-3", 0, prefixes, &b, &e), 0);
	ck_assert_int_eq(b.kind, CON_BACKEND_UNIX);
	ck_assert_str_eq(b.desc, "unix:/run/xen/vnc-3");
	ck_assert_int_eq(con_parse_backend("unix:/run/dom0net/q.sock", 0, prefixes, &b, &e), 0);
	/* A guest pointing the gateway elsewhere. */
	ck_assert_int_eq(con_parse_backend("10.0.0.5", 22, prefixes, &b, &e), -1);
	ck_assert_int_eq(e.code, EPERM);
	ck_assert_int_eq(con_parse_backend("2001:db8::1", 5900, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("unix:/run/xenstored/socket", 0, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("unix:/run/xen/../xenstored/socket", 0, prefixes, &b,
					   &e), -1);
	ck_assert_int_eq(con_parse_backend("unix:/run/xen//x", 0, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("unix:/run/dom0netX/s", 0, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("unix:relative", 0, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("evil.example.com", 5900, prefixes, &b, &e), -1);
	ck_assert_int_eq(con_parse_backend("127.0.0.1", 0, prefixes, &b, &e), -1);
}
END_TEST

START_TEST(numbers_and_passwords)
{
	unsigned v;
	char pw[VNC_PASSWORD_MAX + 1];

	ck_assert_int_eq(con_parse_port("5901", &v), 0);
	ck_assert_uint_eq(v, 5901);
	ck_assert_int_eq(con_parse_port("05901", &v), -1);
	ck_assert_int_eq(con_parse_port("", &v), -1);
	ck_assert_int_eq(con_parse_port("0", &v), -1);
	ck_assert_int_eq(con_parse_port("65536", &v), -1);
	ck_assert_int_eq(con_parse_port("-1", &v), -1);
	ck_assert_int_eq(con_parse_port("59 01", &v), -1);
	ck_assert_int_eq(con_parse_port("99999999999999", &v), -1);
	ck_assert_int_eq(con_parse_domid("0", &v), 0);
	ck_assert_int_eq(con_parse_domid("32752", &v), -1);
	ck_assert_int_eq(con_parse_password("0123456789", 10, pw), 0);
	ck_assert_str_eq(pw, "01234567");
	ck_assert_int_eq(con_parse_password("ab\0cd", 5, pw), -1);
	ck_assert_int_eq(con_parse_password("", 0, pw), -1);
}
END_TEST

/* A bind that refuses some ports as taken and records what it was asked. */
static unsigned busy_lo, busy_hi, asked[64], nasked;
static int fail_errno;

static int fake_bind(void *arg, struct con_entry *e, uint16_t port)
{
	if (nasked < 64)
		asked[nasked++] = port;
	if (fail_errno) {
		errno = fail_errno;
		return -1;
	}
	if (port >= busy_lo && port <= busy_hi) {
		errno = EADDRINUSE;
		return -1;
	}
	e->nlfds = 0;
	return 0;
}

static struct con_entry *add(struct con_table *t, unsigned domid, unsigned bport)
{
	struct con_info i = { .domid = domid, .configured = true };
	struct d0_err e = { 0 };

	snprintf(i.name, sizeof(i.name), "vm%u", domid);
	if (bport)
		con_parse_backend("127.0.0.1", bport, prefixes, &i.backend, &e);
	return con_table_add(t, &i);
}

START_TEST(ports_stable_and_bounded)
{
	struct con_table *t = con_table_new(5900, 5903);
	char path[] = "/tmp/d0t-unit-XXXXXX";
	struct d0_err e = { 0 };
	struct stat st;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	busy_lo = busy_hi = 0;
	/* The display's own port when it is in range and free. */
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 3, 5902), fake_bind, NULL), 5902);
	/* Lowest free otherwise; a port in use by someone else is skipped. */
	busy_lo = busy_hi = 5900;
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 7, 15901), fake_bind, NULL), 5901);
	busy_lo = busy_hi = 0;
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 9, 0), fake_bind, NULL), 5900);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 11, 0), fake_bind, NULL), 5903);
	/* Range exhausted: 0, not a crash. */
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 12, 0), fake_bind, NULL), 0);
	ck_assert_int_eq(con_table_save(t, path, &e), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	con_table_free(t);

	/* A restarted netd meets the domains in another order: same ports. */
	t = con_table_new(5900, 5903);
	ck_assert_int_eq(con_table_load(t, path, &e), 0);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 12, 0), fake_bind, NULL), 0);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 11, 0), fake_bind, NULL), 5903);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 9, 0), fake_bind, NULL), 5900);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 7, 15901), fake_bind, NULL), 5901);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 3, 5902), fake_bind, NULL), 5902);
	/* A gone domain's port is free again. */
	con_table_remove(t, 11);
	ck_assert_uint_eq(con_table_assign_port(t, con_table_find(t, 12), fake_bind, NULL), 5903);
	/* The listen address is missing: every port fails alike, stop at once. */
	nasked = 0;
	fail_errno = EADDRNOTAVAIL;
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 20, 0), fake_bind, NULL), 0);
	ck_assert_uint_le(nasked, 1);
	fail_errno = 0;
	con_table_free(t);
	unlink(path);
}
END_TEST

START_TEST(saved_ports_reserved)
{
	struct con_table *t = con_table_new(5900, 5901);
	char path[] = "/tmp/d0t-unit-XXXXXX";
	struct d0_err e = { 0 };
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	fprintf(f, "port 5 5900\nport 6 5901\n");
	fclose(f);
	ck_assert_int_eq(con_table_load(t, path, &e), 0);
	/* Domain 8 is new: it must not take domain 5's port while 5 may still show up. */
	busy_lo = busy_hi = 0;
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 6, 0), fake_bind, NULL), 5901);
	ck_assert_uint_eq(con_table_assign_port(t, add(t, 8, 0), fake_bind, NULL), 0);
	/* After the first full scan domain 5 is known to be gone: 8 gets the port. */
	con_table_prune_saved(t);
	ck_assert_uint_eq(con_table_assign_port(t, con_table_find(t, 8), fake_bind, NULL), 5900);
	con_table_free(t);
	t = con_table_new(5900, 5901);
	con_table_load(t, path, &e);
	add(t, 5, 0);
	con_table_prune_saved(t);
	ck_assert_uint_eq(con_table_assign_port(t, con_table_find(t, 5), fake_bind, NULL), 5900);
	con_table_free(t);
	/* A damaged file: readable lines kept, the rest reported. */
	f = fopen(path, "w");
	fprintf(f, "port 1 5900\ngarbage\npassword zz 00\n");
	fclose(f);
	t = con_table_new(5900, 5901);
	ck_assert_int_eq(con_table_load(t, path, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, ":2:"));
	con_table_free(t);
	unlink(path);
}
END_TEST

START_TEST(passwords_and_state)
{
	struct con_table *t = con_table_new(5900, 5999);
	char path[] = "/tmp/d0t-unit-XXXXXX";
	struct d0_err e = { 0 };
	struct con_entry *a = add(t, 1, 5901);
	int fd = mkstemp(path);

	close(fd);
	con_table_update_state(t, a);
	ck_assert_int_eq(a->state, VG_CON_NO_PASSWORD);
	snprintf(a->info.password, sizeof(a->info.password), "guestpw");
	con_table_update_state(t, a);
	ck_assert_int_eq(a->state, VG_CON_READY);
	ck_assert_str_eq(con_table_client_password(t, a), "guestpw");
	/* The gateway password wins; clearing it falls back to the guest's. */
	ck_assert_int_eq(con_table_set_gw_password(t, "vm1", "admin-secret"), 0);
	ck_assert_str_eq(con_table_client_password(t, a), "admin-se");
	ck_assert_int_eq(con_table_save(t, path, &e), 0);
	con_table_set_gw_password(t, "vm1", "");
	ck_assert_str_eq(con_table_client_password(t, a), "guestpw");
	ck_assert_int_eq(con_table_load(t, path, &e), 0);
	ck_assert_str_eq(con_table_client_password(t, a), "admin-se");
	memset(&a->info.backend, 0, sizeof(a->info.backend));
	con_table_update_state(t, a);
	ck_assert_int_eq(a->state, VG_CON_NOT_RUNNING);
	con_table_free(t);
	unlink(path);
}
END_TEST

START_TEST(conflicts)
{
	struct con_table *t = con_table_new(5900, 5999);
	struct con_entry *a = add(t, 1, 5901), *b = add(t, 2, 5901), *c = add(t, 3, 5903);

	for (size_t i = 0; i < con_table_size(t); i++) {
		struct con_entry *x = con_table_at(t, i);

		snprintf(x->info.password, sizeof(x->info.password), "pw");
		con_table_update_state(t, x);
	}
	/* Guest 2 wrote guest 1's display port into its own keys. */
	b->info.backend_guest_writable = true;
	ck_assert_uint_eq(con_table_resolve_conflicts(t), 1);
	ck_assert_int_eq(a->state, VG_CON_READY);
	ck_assert_int_eq(b->state, VG_CON_CONFLICT);
	ck_assert_int_eq(c->state, VG_CON_READY);
	/* Two guest-written claims: nobody gets it. */
	a->info.backend_guest_writable = true;
	con_table_update_state(t, a);
	con_table_update_state(t, b);
	ck_assert_uint_eq(con_table_resolve_conflicts(t), 2);
	ck_assert_int_eq(a->state, VG_CON_CONFLICT);
	con_table_free(t);
}
END_TEST

static size_t msg(uint8_t *buf, uint16_t version, uint16_t type, uint32_t len, size_t payload)
{
	struct vg_hdr h = { version, type, len };

	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 0, payload);
	return sizeof(h) + payload;
}

START_TEST(message_checks)
{
	uint8_t b[VG_MAX_MSG];
	struct d0_err e = { 0 };
	size_t n;

	n = msg(b, VG_PROTO_VERSION, VG_HELLO, sizeof(struct vg_hello), sizeof(struct vg_hello));
	ck_assert_int_eq(vg_msg_check(b, n, 0, true, &e), 0);
	/* Direction: the child may not send HELLO, netd may not send DIAL. */
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), -1);
	n = msg(b, VG_PROTO_VERSION, VG_DIAL, sizeof(struct vg_dial), sizeof(struct vg_dial));
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), 0);
	ck_assert_int_eq(vg_msg_check(b, n, 0, true, &e), -1);
	/* The child never sends descriptors. */
	ck_assert_int_eq(vg_msg_check(b, n, 1, false, &e), -1);
	/* Size: header and datagram must agree with the type. */
	n = msg(b, VG_PROTO_VERSION, VG_DIAL, sizeof(struct vg_dial) + 1, sizeof(struct vg_dial));
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), -1);
	n = msg(b, VG_PROTO_VERSION, VG_DIAL, 4, 4);
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), -1);
	ck_assert_int_eq(vg_msg_check(b, 3, 0, false, &e), -1);
	n = msg(b, VG_PROTO_VERSION + 1, VG_DIAL, sizeof(struct vg_dial), sizeof(struct vg_dial));
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), -1);
	ck_assert_int_eq(e.code, EPROTO);
	n = msg(b, VG_PROTO_VERSION, VG_TYPE_MAX, 0, 0);
	ck_assert_int_eq(vg_msg_check(b, n, 0, false, &e), -1);
	n = msg(b, VG_PROTO_VERSION, VG_CONSOLE_SET, sizeof(struct vg_console),
		sizeof(struct vg_console));
	ck_assert_int_eq(vg_msg_check(b, n, VG_MAX_LISTEN, true, &e), 0);
	ck_assert_int_eq(vg_msg_check(b, n, VG_MAX_LISTEN + 1, true, &e), -1);
}
END_TEST

START_TEST(datagrams_and_descriptors)
{
	int sv[2], fds[VG_MAX_LISTEN], nfds, pipefd[2];
	uint8_t buf[VG_MAX_MSG], big[VG_MAX_MSG + 64] = { 0 };
	struct vg_dial_reply r = { 7, 3, 0 };
	struct d0_err e = { 0 };
	ssize_t n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	ck_assert_int_eq(pipe(pipefd), 0);
	ck_assert_int_gt(vg_send(sv[0], VG_DIAL_REPLY, &r, sizeof(r), &pipefd[0], 1), 0);
	n = vg_recv(sv[1], buf, sizeof(buf), fds, VG_MAX_LISTEN, &nfds);
	ck_assert_int_eq(n, (ssize_t)(sizeof(struct vg_hdr) + sizeof(r)));
	ck_assert_int_eq(nfds, 1);
	ck_assert_int_eq(vg_msg_check(buf, (size_t)n, nfds, true, &e), 0);
	ck_assert_int_eq(fcntl(fds[0], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	close(fds[0]);
	/* An oversized datagram is refused whole, never half-read. */
	ck_assert_int_eq(send(sv[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	ck_assert_int_eq(vg_recv(sv[1], buf, sizeof(buf), fds, VG_MAX_LISTEN, &nfds), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_int_eq(vg_send(sv[0], VG_DIAL, big, VG_MAX_MSG, NULL, 0), -1);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vnc_table");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, backend_values);
	tcase_add_test(tc, numbers_and_passwords);
	tcase_add_test(tc, ports_stable_and_bounded);
	tcase_add_test(tc, saved_ports_reserved);
	tcase_add_test(tc, passwords_and_state);
	tcase_add_test(tc, conflicts);
	tcase_add_test(tc, message_checks);
	tcase_add_test(tc, datagrams_and_descriptors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
