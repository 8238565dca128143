/* bridges/safety.c: NFS/iSCSI root, NetworkManager and DHCP-client detection from
 * staged files. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/route/addr.h>

#include "../../bridges/br_int.h"

static char root[64];
static struct br_safety_paths P;
static struct br_snap S;

static void put(const char *rel, const char *text, size_t len)
{
	char path[256], dir[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
	ck_assert_int_eq(system(dir), 0);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fwrite(text, 1, len, f);
	fclose(f);
}
#define PUT(rel, s) put(rel, s, sizeof(s) - 1)

static void add_addr(const char *cidr)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *l;

	ck_assert_int_eq(nl_addr_parse(cidr, AF_INET, &l), 0);
	rtnl_addr_set_family(a, AF_INET);
	rtnl_addr_set_local(a, l);
	rtnl_addr_set_prefixlen(a, nl_addr_get_prefixlen(l));
	nl_addr_put(l);
	S.addrs = realloc(S.addrs, (S.n_addrs + 1) * sizeof(*S.addrs));
	S.addrs[S.n_addrs++] = a;
}

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/d0t-safety-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	setenv("DOM0NET_SAFETY_ROOT", root, 1);
	br_safety_paths_default(&P);
	memset(&S, 0, sizeof(S));
	snprintf(S.name, sizeof(S.name), "eth0");
	S.ifindex = 2;
	add_addr("10.0.0.2/24");
}

static void teardown(void)
{
	char cmd[128];

	br_snap_free(&S);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(nothing_staged)
{
	char why[256] = "";

	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 0);
	ck_assert_int_eq(br_nm_manages(&P, &S, why, sizeof(why)), 0);
	ck_assert_int_eq(br_dhcp_client(&P, "eth0", why, sizeof(why)), 0);
}
END_TEST

START_TEST(nfs_root_on_subnet)
{
	char why[256] = "";

	PUT("proc/mounts", "sysfs /sys sysfs rw 0 0\n"
			   "10.0.0.1:/srv / nfs4 rw,vers=4.2,addr=10.0.0.1,clientaddr=10.0.0.2 0 0\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "server 10.0.0.1"));
}
END_TEST

START_TEST(nfs_root_elsewhere)
{
	char why[256] = "";

	PUT("proc/mounts", "10.5.0.1:/srv / nfs rw,addr=10.5.0.1 0 0\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 0);
	S.has_default = true;	/* reached through this NIC's default route */
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 1);
}
END_TEST

START_TEST(nfs_data_mount_is_fine)
{
	char why[256] = "";

	PUT("proc/mounts", "10.0.0.1:/srv /srv nfs rw,addr=10.0.0.1 0 0\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 0);
}
END_TEST

START_TEST(cmdline_ip_device)
{
	char why[256] = "";

	PUT("proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/nfs ip=:::::eth0:dhcp quiet\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "ip="));
	snprintf(S.name, sizeof(S.name), "eth1");
	/* root=/dev/nfs without a server: any NIC with IPv4 is suspect. */
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 1);
	PUT("proc/cmdline", "root=/dev/sda1 ip=:::::eth1:dhcp\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 0);
}
END_TEST

START_TEST(iscsi)
{
	char why[256] = "";

	PUT("sys/class/iscsi_connection/connection1:0/persistent_address", "10.0.0.9\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "10.0.0.9"));
	PUT("sys/class/iscsi_connection/connection1:0/persistent_address", "192.168.9.9\n");
	ck_assert_int_eq(br_carries_root(&P, &S, why, sizeof(why)), 0);
}
END_TEST

START_TEST(network_manager)
{
	char why[256] = "", pid[32];

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	put("run/NetworkManager/NetworkManager.pid", pid, strlen(pid));
	ck_assert_int_eq(br_nm_manages(&P, &S, why, sizeof(why)), 1);
	ck_assert_ptr_nonnull(strstr(why, "nmcli device set eth0 managed no"));
	PUT("run/NetworkManager/devices/2", "[device]\nmanaged=false\n");
	ck_assert_int_eq(br_nm_manages(&P, &S, why, sizeof(why)), 0);
	PUT("run/NetworkManager/devices/2", "[device]\nmanaged=true\n");
	ck_assert_int_eq(br_nm_manages(&P, &S, why, sizeof(why)), 1);
	/* A stale pid file: NetworkManager is not running. */
	PUT("run/NetworkManager/NetworkManager.pid", "999999999\n");
	ck_assert_int_eq(br_nm_manages(&P, &S, why, sizeof(why)), 0);
}
END_TEST

START_TEST(dhcp_clients)
{
	char why[64] = "";

	PUT("proc/100/cmdline", "/sbin/dhclient\0-4\0-v\0-pf\0/run/dhclient.eth0.pid\0eth0\0");
	PUT("proc/200/cmdline", "udhcpc\0-i\0eth1\0");
	PUT("proc/300/cmdline", "dhcpcd\0-ieth2\0");
	PUT("proc/400/cmdline", "sshd\0eth3\0");
	ck_assert_int_eq(br_dhcp_client(&P, "eth0", why, sizeof(why)), 100);
	ck_assert_str_eq(why, "dhclient (pid 100)");
	ck_assert_int_eq(br_dhcp_client(&P, "eth1", why, sizeof(why)), 200);
	ck_assert_int_eq(br_dhcp_client(&P, "eth2", why, sizeof(why)), 300);
	ck_assert_int_eq(br_dhcp_client(&P, "eth3", why, sizeof(why)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bridges_safety");
	TCase *tc = tcase_create("safety");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_staged);
	tcase_add_test(tc, nfs_root_on_subnet);
	tcase_add_test(tc, nfs_root_elsewhere);
	tcase_add_test(tc, nfs_data_mount_is_fine);
	tcase_add_test(tc, cmdline_ip_device);
	tcase_add_test(tc, iscsi);
	tcase_add_test(tc, network_manager);
	tcase_add_test(tc, dhcp_clients);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
