/* Reading links from the kernel: one link, a bridge's ports, waiting for carrier. */
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>

#include "br_int.h"

const uint8_t br_mac_feff[BR_MAC_LEN] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };

void br_linkinfo_from(struct rtnl_link *l, struct br_linkinfo *li)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *kind = rtnl_link_get_type(l);
	uint8_t mode;

	memset(li, 0, sizeof(*li));
	li->ifindex = rtnl_link_get_ifindex(l);
	snprintf(li->name, sizeof(li->name), "%s", rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "");
	snprintf(li->kind, sizeof(li->kind), "%s", kind ? kind : "");
	if (a && nl_addr_get_len(a) == BR_MAC_LEN)
		memcpy(li->mac, nl_addr_get_binary_addr(a), BR_MAC_LEN);
	li->mtu = rtnl_link_get_mtu(l);
	li->flags = rtnl_link_get_flags(l);
	li->arptype = rtnl_link_get_arptype(l);
	li->master = rtnl_link_get_master(l);
	li->link = rtnl_link_get_link(l);
	li->carrier = rtnl_link_get_carrier(l) != 0;
	li->addrgen = rtnl_link_inet6_get_addr_gen_mode(l, &mode) == 0 ? mode : -1;
}

int br_link_read(struct nl_sock *sk, int ifindex, const char *name, struct br_linkinfo *li)
{
	struct rtnl_link *l = NULL;
	int rc = rtnl_link_get_kernel(sk, ifindex, ifindex ? NULL : name, &l);

	if (rc < 0) {
		errno = (rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV) ? ENODEV : EIO;
		return -1;
	}
	br_linkinfo_from(l, li);
	rtnl_link_put(l);
	return 0;
}

int br_bridge_ports(struct nl_sock *sk, int br_ifindex, int *ports, size_t max)
{
	struct nl_cache *cache = NULL;
	int n = 0;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0) {
		errno = EIO;
		return -1;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;

		if (rtnl_link_get_master(l) == br_ifindex && (size_t)n < max)
			ports[n++] = rtnl_link_get_ifindex(l);
	}
	nl_cache_free(cache);
	return n;
}

int br_vlan_uppers(struct nl_sock *sk, int lower_ifindex, int *vlans, size_t max)
{
	struct nl_cache *cache = NULL;
	int n = 0;

	if (rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache) < 0) {
		errno = EIO;
		return -1;
	}
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *kind = rtnl_link_get_type(l);

		if (kind && strcmp(kind, "vlan") == 0 && rtnl_link_get_link(l) == lower_ifindex &&
		    (size_t)n < max)
			vlans[n++] = rtnl_link_get_ifindex(l);
	}
	nl_cache_free(cache);
	return n;
}

int br_wait_carrier(struct nl_sock *sk, int ifindex, unsigned timeout_ms)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	struct br_linkinfo li;

	for (unsigned waited = 0;; waited += 5) {
		if (br_link_read(sk, ifindex, NULL, &li) < 0)
			return -1;
		if (li.carrier)
			return 0;
		if (waited >= timeout_ms)
			break;
		nanosleep(&pause, NULL);
	}
	errno = ETIMEDOUT;
	return -1;
}
