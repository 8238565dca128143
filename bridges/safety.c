/* Safety checks before a conversion: does the NIC carry the root file system (NFS
 * or iSCSI root), does NetworkManager manage it, does a DHCP client run on it.
 * All facts come from files; DOM0NET_SAFETY_ROOT prefixes every path so that tests
 * can stage a fake /proc, /sys and /run. */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/addr.h>
#include <netlink/route/addr.h>

#include "br_int.h"

void br_safety_paths_default(struct br_safety_paths *p)
{
	const char *r = getenv("DOM0NET_SAFETY_ROOT");

	if (!r)
		r = "";
	snprintf(p->mounts, sizeof(p->mounts), "%s/proc/mounts", r);
	snprintf(p->cmdline, sizeof(p->cmdline), "%s/proc/cmdline", r);
	snprintf(p->iscsi, sizeof(p->iscsi), "%s/sys/class/iscsi_connection", r);
	snprintf(p->nm_run, sizeof(p->nm_run), "%s/run/NetworkManager", r);
	snprintf(p->proc, sizeof(p->proc), "%s/proc", r);
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return -1;
	while ((size_t)got < len - 1 && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return got;
}

/* Is IPv4 address srv (network order) reached through this uplink? On one of its
 * subnets, or - lacking a better route - through its default route. */
static bool reaches(const struct br_snap *s, struct in_addr srv)
{
	for (size_t i = 0; i < s->n_addrs; i++) {
		struct nl_addr *l = rtnl_addr_get_local(s->addrs[i]);
		unsigned plen = rtnl_addr_get_prefixlen(s->addrs[i]);
		uint32_t a, mask = plen ? htonl(~0u << (32 - plen)) : 0;

		if (nl_addr_get_family(l) != AF_INET)
			continue;
		memcpy(&a, nl_addr_get_binary_addr(l), 4);
		if ((a & mask) == (srv.s_addr & mask))
			return true;
	}
	return s->has_default;
}

static bool has_ipv4(const struct br_snap *s)
{
	for (size_t i = 0; i < s->n_addrs; i++)
		if (rtnl_addr_get_family(s->addrs[i]) == AF_INET)
			return true;
	return false;
}

/* Value of "key=" in a space-separated kernel command line, or NULL. */
static const char *cmdline_get(const char *cmd, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);

	for (const char *p = cmd; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, key, kl) == 0 && (p == cmd || isspace((unsigned char)p[-1]))) {
			size_t n = strcspn(p + kl, " \t\n");

			snprintf(out, len, "%.*s", (int)n, p + kl);
			return out;
		}
		p += strcspn(p, " \t\n");
	}
	return NULL;
}

static int nfs_root(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		    size_t len)
{
	static char buf[65536];
	char cmd[4096], val[256], srv[64] = "";
	bool nfs = false;
	struct in_addr a;

	if (read_file(p->mounts, buf, sizeof(buf)) > 0) {
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
			char dev[256], mnt[256], type[32], opts[1024];
			char *ad;

			if (sscanf(line, "%255s %255s %31s %1023s", dev, mnt, type, opts) != 4 ||
			    strcmp(mnt, "/") != 0 || strncmp(type, "nfs", 3) != 0)
				continue;
			nfs = true;
			if ((ad = strstr(opts, "addr=")) && (ad == opts || ad[-1] == ','))
				snprintf(srv, sizeof(srv), "%.*s", (int)strcspn(ad + 5, ","), ad + 5);
		}
	}
	if (read_file(p->cmdline, cmd, sizeof(cmd)) > 0) {
		if ((cmdline_get(cmd, "root=", val, sizeof(val)) && strcmp(val, "/dev/nfs") == 0) ||
		    cmdline_get(cmd, "nfsroot=", val, sizeof(val)))
			nfs = true;
		if (!srv[0] && cmdline_get(cmd, "nfsroot=", val, sizeof(val)) && strchr(val, ':'))
			snprintf(srv, sizeof(srv), "%.*s", (int)strcspn(val, ":"), val);
		/* ip=client:server:gw:mask:host:DEVICE:autoconf names the boot NIC. */
		if (nfs && cmdline_get(cmd, "ip=", val, sizeof(val))) {
			char *f = val;

			for (int i = 0; i < 5 && f; i++)
				f = strchr(f, ':') ? strchr(f, ':') + 1 : NULL;
			if (f && strncmp(f, s->name, strlen(s->name)) == 0 &&
			    (f[strlen(s->name)] == ':' || f[strlen(s->name)] == '\0')) {
				snprintf(why, len, "the root file system is on NFS and the kernel "
					 "command line (ip=) boots from %s", s->name);
				return 1;
			}
		}
	}
	if (!nfs)
		return 0;
	if (srv[0] && inet_pton(AF_INET, srv, &a) == 1 ? reaches(s, a) : has_ipv4(s)) {
		snprintf(why, len, "the root file system is on NFS (server %s) reached through %s",
			 srv[0] ? srv : "unknown", s->name);
		return 1;
	}
	return 0;
}

static int iscsi_root(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		      size_t len)
{
	DIR *d = opendir(p->iscsi);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (e = readdir(d))) {
		char path[sizeof(p->iscsi) + 300], addr[64];
		struct in_addr a;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/persistent_address", p->iscsi, e->d_name);
		if (read_file(path, addr, sizeof(addr)) <= 0) {
			snprintf(path, sizeof(path), "%s/%s/address", p->iscsi, e->d_name);
			if (read_file(path, addr, sizeof(addr)) <= 0)
				continue;
		}
		addr[strcspn(addr, "\n")] = '\0';
		if (inet_pton(AF_INET, addr, &a) == 1 ? reaches(s, a) : has_ipv4(s)) {
			snprintf(why, len, "an iSCSI session (%s, target %s; possibly the root "
				 "file system) runs through %s", e->d_name, addr, s->name);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

int br_carries_root(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		    size_t len)
{
	return nfs_root(p, s, why, len) || iscsi_root(p, s, why, len);
}

/* NetworkManager: running (its pid file names a live process) and not told to leave
 * the device alone (its per-device state file /run/NetworkManager/devices/IFINDEX
 * says managed=false for unmanaged devices). No D-Bus needed. */
int br_nm_manages(const struct br_safety_paths *p, const struct br_snap *s, char *why,
		  size_t len)
{
	char path[sizeof(p->nm_run) + 64], buf[4096];
	long pid;

	snprintf(path, sizeof(path), "%s/NetworkManager.pid", p->nm_run);
	if (read_file(path, buf, sizeof(buf)) <= 0 || (pid = strtol(buf, NULL, 10)) <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
		return 0; /* stale pid file */
	snprintf(path, sizeof(path), "%s/devices/%d", p->nm_run, s->ifindex);
	if (read_file(path, buf, sizeof(buf)) > 0 && strstr(buf, "managed=false"))
		return 0;
	snprintf(why, len, "NetworkManager (pid %ld) manages %s; make it unmanaged "
		 "(nmcli device set %s managed no)", pid, s->name, s->name);
	return 1;
}

static bool dhcp_client_name(const char *argv0)
{
	const char *b = strrchr(argv0, '/');

	b = b ? b + 1 : argv0;
	return strcmp(b, "dhclient") == 0 || strcmp(b, "dhcpcd") == 0 ||
	       strcmp(b, "udhcpc") == 0 || strcmp(b, "dhcpcd-bin") == 0;
}

int br_dhcp_client(const struct br_safety_paths *p, const char *ifname, char *why, size_t len)
{
	DIR *d = opendir(p->proc);
	struct dirent *e;
	int pid = 0;

	if (!d)
		return 0;
	while (!pid && (e = readdir(d))) {
		char path[sizeof(p->proc) + 300], buf[4096];
		ssize_t n;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%s/cmdline", p->proc, e->d_name);
		if ((n = read_file(path, buf, sizeof(buf))) <= 0 || !dhcp_client_name(buf))
			continue;
		/* argv is NUL-separated: look for the interface as an argument, also in
		 * udhcpc's -i IF / -iIF forms. */
		for (char *a = buf + strlen(buf) + 1; a < buf + n; a += strlen(a) + 1) {
			if (strcmp(a, ifname) == 0 ||
			    (strncmp(a, "-i", 2) == 0 && strcmp(a + 2, ifname) == 0)) {
				pid = atoi(e->d_name);
				snprintf(why, len, "%s (pid %d)",
					 strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf, pid);
				break;
			}
		}
	}
	closedir(d);
	return pid;
}
