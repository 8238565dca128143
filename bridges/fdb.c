/* A bridge's forwarding database for `netctl showmacs`, in one AF_BRIDGE RTM_GETNEIGH
 * dump filtered by the kernel on NDA_MASTER. It gives the rows brctl reads from
 * /sys/class/net/BR/brforward, in the same order (both walk the bridge's fdb_list):
 * entries on a port (not the bridge's own), not expired; ageing from NDA_CACHEINFO's
 * ndm_updated, which like brforward is in clock ticks (centiseconds), and 0 for
 * static and local entries as brforward reports them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include <dom0net/bridges.h>

#include "inspect_priv.h"

struct port_no {
	int ifindex;
	uint16_t no;
};

struct fdb_acc {
	struct br_fdb *out;
	size_t cap;
	int err;
	int br_ifindex;
	const struct port_no *ports;	/* sorted by ifindex */
	size_t n_ports;
};

static int cmp_port(const void *a, const void *b)
{
	int x = ((const struct port_no *)a)->ifindex, y = ((const struct port_no *)b)->ifindex;

	return (x > y) - (x < y);
}

static int fdb_attr_cb(const struct nlattr *a, void *arg)
{
	const struct nlattr **tb = arg;
	int type = mnl_attr_get_type(a);

	switch (type) {
	case NDA_LLADDR:
	case NDA_CACHEINFO:
		break;
	case NDA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_OK;
		break;
	case NDA_VLAN:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return MNL_CB_OK;
		break;
	default:
		return MNL_CB_OK;
	}
	tb[type] = a;
	return MNL_CB_OK;
}

static int fdb_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct fdb_acc *acc = arg;
	const struct nlattr *tb[NDA_MAX + 1] = { 0 };
	const struct ndmsg *ndm;
	const struct port_no *port;
	struct port_no key = { 0 };
	struct br_fdb_entry *e;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return MNL_CB_OK;
	ndm = mnl_nlmsg_get_payload(nlh);
	if (ndm->ndm_family != AF_BRIDGE ||
	    mnl_attr_parse(nlh, sizeof(*ndm), fdb_attr_cb, tb) < 0)
		return MNL_CB_OK;
	/* Only the bridge's own table ("master"), not devices' address lists ("self"),
	 * not the bridge's own address, not expired entries (reported as STALE). */
	if (!tb[NDA_MASTER] || (int)mnl_attr_get_u32(tb[NDA_MASTER]) != acc->br_ifindex ||
	    ndm->ndm_ifindex == acc->br_ifindex || (ndm->ndm_state & NUD_STALE) ||
	    !tb[NDA_LLADDR] || mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return MNL_CB_OK;
	if (br_vec_grow((void **)&acc->out->v, &acc->cap, acc->out->n, sizeof(*e)) < 0) {
		acc->err = errno;
		return MNL_CB_ERROR;
	}
	e = &acc->out->v[acc->out->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), sizeof(e->mac));
	e->ifindex = ndm->ndm_ifindex;
	key.ifindex = ndm->ndm_ifindex;
	port = bsearch(&key, acc->ports, acc->n_ports, sizeof(*port), cmp_port);
	e->port_no = port ? port->no : 0;
	e->vlan = tb[NDA_VLAN] ? mnl_attr_get_u16(tb[NDA_VLAN]) : 0;
	e->is_local = (ndm->ndm_state & NUD_PERMANENT) != 0;
	e->is_static = (ndm->ndm_state & (NUD_PERMANENT | NUD_NOARP)) != 0;
	if (!e->is_static && tb[NDA_CACHEINFO] &&
	    mnl_attr_get_payload_len(tb[NDA_CACHEINFO]) >= sizeof(struct nda_cacheinfo)) {
		const struct nda_cacheinfo *ci = mnl_attr_get_payload(tb[NDA_CACHEINFO]);

		e->ageing_cs = ci->ndm_updated;
	}
	return MNL_CB_OK;
}

static void fdb_reset(void *arg)
{
	struct fdb_acc *acc = arg;

	acc->out->n = 0;
	acc->err = 0;
}

/* brctl qsorts on the MAC alone, and glibc's qsort is a stable merge sort for tables
 * this size, so equal MACs (one entry per VLAN) keep the kernel's order: sort with
 * the original position as the tie-breaker. */
static int cmp_mac_pos(const void *a, const void *b, void *arg)
{
	const struct br_fdb_entry *base = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = memcmp(base[x].mac, base[y].mac, 6);

	return c ? c : (x > y) - (x < y);
}

static int sort_by_mac(struct br_fdb *f)
{
	size_t *idx = calloc(f->n ? f->n : 1, sizeof(*idx));
	struct br_fdb_entry *v = calloc(f->n ? f->n : 1, sizeof(*v));

	if (!idx || !v) {
		free(idx);
		free(v);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < f->n; i++)
		idx[i] = i;
	qsort_r(idx, f->n, sizeof(*idx), cmp_mac_pos, f->v);
	for (size_t i = 0; i < f->n; i++)
		v[i] = f->v[idx[i]];
	free(f->v);
	free(idx);
	f->v = v;
	return 0;
}

static int collect_ports(const struct br_links *links, const struct br_link *br,
			 struct port_no **out, size_t *n)
{
	const struct br_link *p;
	size_t pos = 0, cap = 0;

	*out = NULL;
	*n = 0;
	while ((p = br_links_next_port(links, br, &pos))) {
		if (br_vec_grow((void **)out, &cap, *n, sizeof(**out)) < 0)
			return -1;
		(*out)[*n].ifindex = p->ifindex;
		(*out)[(*n)++].no = p->port_no;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_port);
	return 0;
}

int br_fdb_dump(const struct br_links *links, const struct br_link *br, struct br_fdb *out,
		struct d0_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct fdb_acc acc = { .out = out, .br_ifindex = br->ifindex };
	struct port_no *ports = NULL;
	struct ndmsg *ndm;
	int ret = -1, saved = 0;

	out->v = NULL;
	out->n = 0;
	if (collect_ports(links, br, &ports, &acc.n_ports) < 0) {
		saved = errno;
		d0_err_set(err, saved, "fdb: %s", strerror(saved));
		goto out;
	}
	acc.ports = ports;
	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)br->ifindex);
	if (br_nl_dump(nlh, fdb_cb, fdb_reset, &acc, "fdb dump", err) < 0) {
		saved = acc.err ? acc.err : errno;
		goto out;
	}
	if (sort_by_mac(out) < 0) {
		saved = errno;
		d0_err_set(err, saved, "fdb: %s", strerror(saved));
		goto out;
	}
	ret = 0;
out:
	free(ports);
	if (ret < 0) {
		br_fdb_free(out);
		errno = saved;
	}
	return ret;
}

void br_fdb_free(struct br_fdb *f)
{
	if (!f)
		return;
	free(f->v);
	f->v = NULL;
	f->n = 0;
}
