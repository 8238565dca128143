/* RTM_NEWLINK messages to struct br_link. A hand-written attribute walk rather than
 * libmnl's callbacks: `netctl show` parses a message per bridge port, and with 1000
 * ports the callbacks (and the tables they fill) cost a third of the command. Every
 * attribute is length-checked before use; unknown or malformed ones are skipped. */
#include <string.h>

#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <dom0net/bridges.h>

#include "inspect_priv.h"

#define IFF_LOWER_UP_ 0x10000	/* <linux/if.h>'s IFF_LOWER_UP; it clashes with <net/if.h> */

struct attr {
	unsigned type;		/* flags (NLA_F_NESTED...) masked off */
	const void *data;
	size_t len;
};

/* Next attribute in [*p, end); false at the end or on a malformed header. */
static inline bool attr_next(const char **p, const char *end, struct attr *a)
{
	const struct nlattr *na = (const struct nlattr *)*p;
	size_t left = (size_t)(end - *p), len, step;

	if (left < sizeof(*na))
		return false;
	len = na->nla_len;
	if (len < sizeof(*na) || len > left)
		return false;
	a->type = na->nla_type & NLA_TYPE_MASK;
	a->data = *p + NLA_HDRLEN;
	a->len = len - NLA_HDRLEN;
	step = (len + NLA_ALIGNTO - 1) & ~(size_t)(NLA_ALIGNTO - 1);
	*p += step < left ? step : left;
	return true;
}

#define for_each_attr(a, p, end) while (attr_next(&(p), (end), &(a)))

static inline uint32_t a_u32(const struct attr *a, uint32_t def)
{
	uint32_t v;

	if (a->len < sizeof(v))
		return def;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

static inline uint16_t a_u16(const struct attr *a, uint16_t def)
{
	uint16_t v;

	if (a->len < sizeof(v))
		return def;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

static inline uint8_t a_u8(const struct attr *a, uint8_t def)
{
	return a->len >= 1 ? *(const uint8_t *)a->data : def;
}

/* A NUL-terminated string attribute into buf (truncated to size); false if unusable. */
static bool a_str(const struct attr *a, char *buf, size_t size)
{
	const char *s = a->data;
	size_t n = a->len ? strnlen(s, a->len) : 0;

	if (n == a->len)	/* empty payload or no terminator */
		return false;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

static bool a_is(const struct attr *a, const char *s)
{
	size_t n = strlen(s) + 1;

	return a->len >= n && memcmp(a->data, s, n) == 0;
}

static void parse_bridge(struct br_link *l, const struct attr *data)
{
	const char *p = data->data, *end = p + data->len;
	struct attr a;

	l->is_bridge = true;
	for_each_attr(a, p, end) {
		switch (a.type) {
		case IFLA_BR_BRIDGE_ID:
			if (a.len >= sizeof(l->br_id))
				memcpy(l->br_id, a.data, sizeof(l->br_id));
			break;
		case IFLA_BR_STP_STATE:
			l->br_stp_state = a_u32(&a, 0);
			break;
		case IFLA_BR_AGEING_TIME:
			l->br_ageing_cs = a_u32(&a, 0);
			break;
		case IFLA_BR_FORWARD_DELAY:
			l->br_fwd_delay_cs = a_u32(&a, 0);
			break;
		case IFLA_BR_TOPOLOGY_CHANGE:
			l->br_topology_change = a_u8(&a, 0) != 0;
			break;
		}
	}
}

/* Port attributes: IFLA_INFO_SLAVE_DATA of an AF_UNSPEC message, or IFLA_PROTINFO of
 * an AF_BRIDGE one. Only the bridge's fill has IFLA_BRPORT_NO (devices answering an
 * AF_BRIDGE dump for themselves do not), so it marks a real port. */
static void parse_brport(struct br_link *l, const struct attr *nest)
{
	const char *p = nest->data, *end = p + nest->len;
	struct attr a;

	for_each_attr(a, p, end) {
		if (a.type == IFLA_BRPORT_NO && a.len >= 2) {
			l->is_bridge_port = true;
			l->port_no = a_u16(&a, 0);
			return;
		}
	}
}

static void parse_linkinfo(struct br_link *l, const struct attr *info)
{
	const char *p = info->data, *end = p + info->len;
	struct attr a, data = { 0 }, slave_data = { 0 };
	bool bridge = false, bridge_slave = false;

	for_each_attr(a, p, end) {
		switch (a.type) {
		case IFLA_INFO_KIND:
			if (a_str(&a, l->kind, sizeof(l->kind)))
				bridge = strcmp(l->kind, "bridge") == 0;
			break;
		case IFLA_INFO_DATA:
			data = a;
			break;
		case IFLA_INFO_SLAVE_KIND:
			bridge_slave = a_is(&a, "bridge");
			break;
		case IFLA_INFO_SLAVE_DATA:
			slave_data = a;
			break;
		}
	}
	if (bridge)
		parse_bridge(l, &data);
	if (bridge_slave)
		parse_brport(l, &slave_data);
}

int br_link_parse(const struct nlmsghdr *nlh, struct br_link *l)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
	const char *p, *end;
	struct attr a, linkinfo = { 0 }, protinfo = { 0 };
	bool has_carrier = false;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -1;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	p = (const char *)ifi + NLMSG_ALIGN(sizeof(*ifi));
	end = (const char *)nlh + nlh->nlmsg_len;
	for_each_attr(a, p, end) {
		switch (a.type) {
		case IFLA_IFNAME:
			a_str(&a, l->name, sizeof(l->name));
			break;
		case IFLA_ADDRESS:
			if (a.len == sizeof(l->mac)) {
				memcpy(l->mac, a.data, sizeof(l->mac));
				l->has_mac = true;
			}
			break;
		case IFLA_MTU:
			l->mtu = a_u32(&a, 0);
			break;
		case IFLA_MASTER:
			l->master = (int)a_u32(&a, 0);
			break;
		case IFLA_LINK:
			l->link = (int)a_u32(&a, 0);
			break;
		case IFLA_OPERSTATE:
			l->operstate = a_u8(&a, 0);
			break;
		case IFLA_CARRIER:
			l->carrier = a_u8(&a, 0) != 0;
			has_carrier = a.len >= 1;
			break;
		case IFLA_PARENT_DEV_NAME:
			a_str(&a, l->parent_dev, sizeof(l->parent_dev));
			break;
		case IFLA_LINKINFO:
			linkinfo = a;
			break;
		case IFLA_PROTINFO:
			protinfo = a;
			break;
		}
	}
	if (l->name[0] == '\0')
		return -1;
	if (!has_carrier)
		l->carrier = (ifi->ifi_flags & IFF_LOWER_UP_) != 0;
	if (linkinfo.data)
		parse_linkinfo(l, &linkinfo);
	if (ifi->ifi_family == AF_BRIDGE && protinfo.data)
		parse_brport(l, &protinfo);
	return 0;
}
