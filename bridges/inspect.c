/* Bridge inspection: every link in one RTM_GETLINK dump, parsed from the raw
 * attributes (libnl 3.7 has no accessors for IFLA_BR_BRIDGE_ID and friends), and the
 * lookups the commands use on the sorted snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>

#include <dom0net/bridges.h>

#include "inspect_priv.h"

struct links_acc {
	struct br_links *out;
	size_t cap;
	int err;		/* errno of a failure inside the callback */
};

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct links_acc *acc = arg;
	struct br_link l;

	if (br_link_parse(nlh, &l) < 0)
		return MNL_CB_OK;
	if (br_links_add(acc->out, &acc->cap, &l) < 0) {
		acc->err = errno;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int br_links_add(struct br_links *out, size_t *cap, const struct br_link *l)
{
	if (br_vec_grow((void **)&out->v, cap, out->n, sizeof(*l)) < 0)
		return -1;
	out->v[out->n++] = *l;
	return 0;
}

static void links_reset(void *arg)
{
	struct links_acc *acc = arg;

	acc->out->n = 0;
	acc->err = 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct br_link *)a)->name, ((const struct br_link *)b)->name);
}

void br_links_sort(struct br_links *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_name);
}

int br_links_dump(struct br_links *out, struct d0_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct links_acc acc = { .out = out };

	out->v = NULL;
	out->n = 0;
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	/* Counters are most of a link message and nothing here prints them. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (br_nl_dump(nlh, link_cb, links_reset, &acc, "link dump", err) < 0) {
		int saved = acc.err ? acc.err : errno;

		br_links_free(out);
		errno = saved;
		return -1;
	}
	br_links_sort(out);
	return 0;
}

void br_links_free(struct br_links *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct br_link *br_links_find(const struct br_links *l, const char *name)
{
	struct br_link key;

	if (strlen(name) >= sizeof(key.name) || l->n == 0)
		return NULL;
	memcpy(key.name, name, strlen(name) + 1);
	return bsearch(&key, l->v, l->n, sizeof(*l->v), cmp_name);
}

const struct br_link *br_links_by_index(const struct br_links *l, int ifindex)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].ifindex == ifindex)
			return &l->v[i];
	return NULL;
}

const struct br_link *br_links_next_port(const struct br_links *l, const struct br_link *br,
					 size_t *pos)
{
	while (*pos < l->n) {
		const struct br_link *p = &l->v[(*pos)++];

		if (p->master == br->ifindex && p->ifindex != br->ifindex)
			return p;
	}
	return NULL;
}

void br_compat_name(const char *arg, char out[IFNAMSIZ])
{
	char *colon;

	strncpy(out, arg, IFNAMSIZ - 1);
	out[IFNAMSIZ - 1] = '\0';
	colon = strchr(out, ':');
	if (colon)
		*colon = '\0';
}

void br_id_format(const struct br_link *br, char out[18])
{
	const uint8_t *id = br->br_id;

	snprintf(out, 18, "%.2x%.2x.%.2x%.2x%.2x%.2x%.2x%.2x", id[0], id[1], id[2], id[3],
		 id[4], id[5], id[6], id[7]);
}
