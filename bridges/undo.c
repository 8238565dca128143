/* The undo log: every applied step pushes its inverse; rollback runs them newest
 * first and keeps going past failures so that as much as possible is restored. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include <dom0net/nl.h>

#include "br_int.h"

int br_undo_push(struct br_undo *u, const struct br_undo_ent *e)
{
	if (u->n == u->cap) {
		size_t cap = u->cap ? u->cap * 2 : 16;
		struct br_undo_ent *v = realloc(u->v, cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		u->v = v;
		u->cap = cap;
	}
	u->v[u->n++] = *e;
	return 0;
}

static void ent_free(struct br_undo_ent *e)
{
	if (e->set)
		rtnl_link_put(e->set);
	if (e->obj && (e->kind == BR_U_ADD_ADDR || e->kind == BR_U_DEL_ADDR))
		rtnl_addr_put(e->obj);
	if (e->obj && (e->kind == BR_U_ADD_ROUTE || e->kind == BR_U_DEL_ROUTE))
		rtnl_route_put(e->obj);
	e->set = NULL;
	e->obj = NULL;
}

/* "Already undone" answers: the kernel removed the object as a side effect (a link
 * going down drops its routes, deleting a link drops its addresses). */
static bool benign(int rc)
{
	return rc == -NLE_EXIST || rc == -NLE_OBJ_NOTFOUND || rc == -NLE_NODEV ||
	       rc == -NLE_NOADDR;
}

static int undo_one(struct nl_sock *sk, struct br_undo_ent *e)
{
	struct rtnl_link *l;
	int rc = 0;

	switch (e->kind) {
	case BR_U_DEL_LINK:
		if (!(l = rtnl_link_alloc()))
			return -NLE_NOMEM;
		rtnl_link_set_ifindex(l, e->ifindex);
		rc = rtnl_link_delete(sk, l);
		rtnl_link_put(l);
		break;
	case BR_U_LINK_SET:
		if (!(l = rtnl_link_alloc()))
			return -NLE_NOMEM;
		rtnl_link_set_ifindex(l, e->ifindex);
		rc = rtnl_link_change(sk, l, e->set, 0);
		rtnl_link_put(l);
		break;
	case BR_U_ADD_ADDR:
		rc = rtnl_addr_add(sk, e->obj, NLM_F_EXCL);
		break;
	case BR_U_DEL_ADDR:
		rc = rtnl_addr_delete(sk, e->obj, 0);
		break;
	case BR_U_ADD_ROUTE:
		rc = rtnl_route_add(sk, e->obj, 0);
		break;
	case BR_U_DEL_ROUTE:
		rc = rtnl_route_delete(sk, e->obj, 0);
		break;
	}
	return benign(rc) ? 0 : rc;
}

int br_undo_run(struct nl_sock *sk, struct br_undo *u, char *why, size_t len)
{
	int failed = 0;
	char buf[256];

	if (why && len)
		why[0] = '\0';
	while (u->n > 0) {
		struct br_undo_ent *e = &u->v[--u->n];
		int rc = undo_one(sk, e);

		if (rc < 0 && failed++ == 0 && why)
			snprintf(why, len, "undo of %s: %s", e->step,
				 d0_nl_strerror(sk, rc, buf, sizeof(buf)));
		ent_free(e);
	}
	return failed;
}

void br_undo_free(struct br_undo *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n; i++)
		ent_free(&u->v[i]);
	free(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}
