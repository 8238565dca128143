/* The conversion journal: the snapshot of the addresses and routes in flight,
 * written to /run/dom0net (DOM0NET_RUN_DIR) before the legacy cut-over takes them
 * off the NIC. If the process dies before they are back, the next run finds the
 * half-done conversion and puts them back from here. The file holds the
 * RTM_NEWADDR / RTM_NEWROUTE requests themselves, parsed back with libnl. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>

#include "br_int.h"

#define JOURNAL_MAGIC "d0jrnl1"
#define JOURNAL_MAX (1 << 20)

struct jhdr {
	char magic[8];
	int32_t ifindex;
	char name[IFNAMSIZ];
};

static void path_for(const char *uplink, char *buf, size_t len, bool mkdir_too)
{
	const char *dir = getenv("DOM0NET_RUN_DIR");

	if (!dir || !*dir)
		dir = "/run/dom0net";
	if (mkdir_too)
		mkdir(dir, 0700);
	snprintf(buf, len, "%s/convert-%s.journal", dir, uplink);
}

static int put_msg(int fd, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	int rc = write(fd, h, h->nlmsg_len) == (ssize_t)h->nlmsg_len ? 0 : -1;

	nlmsg_free(msg);
	return rc;
}

int br_journal_save(const struct br_snap *s, const char *uplink)
{
	char path[512], tmp[520];
	struct jhdr h = { JOURNAL_MAGIC, s->ifindex, "" };
	struct nl_msg *msg;
	int fd, rc = 0;

	snprintf(h.name, sizeof(h.name), "%s", s->name);
	path_for(uplink, path, sizeof(path), true);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	if (write(fd, &h, sizeof(h)) != sizeof(h))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < s->n_addrs; i++)
		rc = rtnl_addr_build_add_request(s->addrs[i], 0, &msg) < 0 ? -1 : put_msg(fd, msg);
	for (size_t i = 0; rc == 0 && i < s->n_routes; i++)
		rc = rtnl_route_build_add_request(s->routes[i], 0, &msg) < 0 ? -1 : put_msg(fd, msg);
	if (close(fd) < 0 || rc < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int push(void ***v, size_t *n, void *obj)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -1;
	nv[(*n)++] = obj;
	*v = nv;
	return 0;
}

static void on_obj(struct nl_object *o, void *arg)
{
	struct br_snap *s = arg;
	const char *t = nl_object_get_type(o);

	nl_object_get(o);
	if (strcmp(t, "route/addr") == 0 && push((void ***)&s->addrs, &s->n_addrs, o) == 0)
		return;
	if (strcmp(t, "route/route") == 0 && push((void ***)&s->routes, &s->n_routes, o) == 0)
		return;
	nl_object_put(o);
}

int br_journal_load(const char *uplink, struct br_snap *s)
{
	char path[512];
	struct jhdr h;
	char *buf = NULL;
	ssize_t n;
	int fd;

	memset(s, 0, sizeof(*s));
	path_for(uplink, path, sizeof(path), false);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!(buf = malloc(JOURNAL_MAX)) || (n = read(fd, buf, JOURNAL_MAX)) < (ssize_t)sizeof(h))
		goto bad;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, JOURNAL_MAGIC, sizeof(h.magic)) != 0)
		goto bad;
	s->ifindex = h.ifindex;
	memcpy(s->name, h.name, sizeof(s->name));
	s->name[sizeof(s->name) - 1] = '\0';
	for (size_t off = sizeof(h); off + sizeof(struct nlmsghdr) <= (size_t)n;) {
		struct nlmsghdr *nh = (struct nlmsghdr *)(buf + off);
		struct nl_msg *msg;

		if (nh->nlmsg_len < sizeof(*nh) || off + nh->nlmsg_len > (size_t)n)
			goto bad;
		if ((msg = nlmsg_convert(nh))) {
			nlmsg_set_proto(msg, NETLINK_ROUTE);
			nl_msg_parse(msg, on_obj, s);
			nlmsg_free(msg);
		}
		off += NLMSG_ALIGN(nh->nlmsg_len);
	}
	free(buf);
	close(fd);
	return 1;
bad:
	free(buf);
	close(fd);
	br_snap_free(s);
	errno = EINVAL;
	return -1;
}

void br_journal_drop(const char *uplink)
{
	char path[512];

	path_for(uplink, path, sizeof(path), false);
	unlink(path);
}
