/* IPv4 addresses of every link, from one RTM_GETADDR dump (for `netctl nics`). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <dom0net/bridges.h>

#include "inspect_priv.h"

struct addr_acc {
	struct br_addrs *out;
	size_t cap;
	int err;
};

static int addr_attr_cb(const struct nlattr *a, void *arg)
{
	const struct nlattr **tb = arg;
	int type = mnl_attr_get_type(a);

	if ((type == IFA_LOCAL || type == IFA_ADDRESS) && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_acc *acc = arg;
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct br_addr4 *e;

	if (nlh->nlmsg_type != RTM_NEWADDR || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET || mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb) < 0)
		return MNL_CB_OK;
	/* IFA_LOCAL is the address; IFA_ADDRESS is the peer on point-to-point links. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a)
		return MNL_CB_OK;
	if (br_vec_grow((void **)&acc->out->v, &acc->cap, acc->out->n, sizeof(*e)) < 0) {
		acc->err = errno;
		return MNL_CB_ERROR;
	}
	e = &acc->out->v[acc->out->n++];
	e->ifindex = (int)ifa->ifa_index;
	e->addr = mnl_attr_get_u32(a);
	e->plen = ifa->ifa_prefixlen;
	return MNL_CB_OK;
}

static void addr_reset(void *arg)
{
	struct addr_acc *acc = arg;

	acc->out->n = 0;
	acc->err = 0;
}

int br_addrs_dump(struct br_addrs *out, struct d0_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct addr_acc acc = { .out = out };
	struct ifaddrmsg *ifa;

	out->v = NULL;
	out->n = 0;
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	if (br_nl_dump(nlh, addr_cb, addr_reset, &acc, "address dump", err) < 0) {
		int saved = acc.err ? acc.err : errno;

		br_addrs_free(out);
		errno = saved;
		return -1;
	}
	return 0;
}

void br_addrs_free(struct br_addrs *a)
{
	if (!a)
		return;
	free(a->v);
	a->v = NULL;
	a->n = 0;
}
