/* Which bridge a VIF joins: the `bridge` key (xenbr0 when xend left it out); a legacy
 * xenbrN that does not exist means the bridge that took over ethN -- a bridge named
 * ethN (network-bridge style) or the one holding ethN or pethN as a port. Never "the
 * first bridge", as the script's fallback does. Resolved once per batch. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/cache.h>
#include <netlink/route/link.h>

#include "vif_int.h"

/* Lookups by name or index, whatever the family of the cached view: libnl's link
 * cache may hold a device as the AF_BRIDGE object of its last bridge-port
 * notification instead of the AF_UNSPEC one. Referenced: rtnl_link_put() them. */
struct rtnl_link *vif_link_by_name(struct nl_cache *links, const char *name)
{
	return rtnl_link_get_by_name(links, name);
}

struct rtnl_link *vif_link_by_index(struct nl_cache *links, int ifindex)
{
	return ifindex > 0 ? rtnl_link_get(links, ifindex) : NULL;
}

static bool is_bridge(struct rtnl_link *l)
{
	const char *t = rtnl_link_get_type(l);

	return t && strcmp(t, "bridge") == 0;
}

/* The bridge that owns uplink name: itself if it is a bridge, else its master. */
static struct rtnl_link *owner_bridge(struct nl_cache *links, const char *name)
{
	struct rtnl_link *l = vif_link_by_name(links, name), *mst;

	if (!l)
		return NULL;
	if (is_bridge(l))
		return l;
	mst = rtnl_link_get_master(l) > 0 ? vif_link_by_index(links, rtnl_link_get_master(l)) : NULL;
	rtnl_link_put(l);
	if (mst && !is_bridge(mst)) {
		rtnl_link_put(mst);
		mst = NULL;
	}
	return mst;
}

static void resolve(struct nl_cache *links, struct vif_bridge *b)
{
	struct rtnl_link *l = vif_link_by_name(links, b->want);
	unsigned n;

	if (l && !is_bridge(l)) {
		snprintf(b->err, sizeof(b->err), "%.15s is not a bridge", b->want);
		rtnl_link_put(l);
		return;
	}
	/* Legacy names: xenbrN that does not exist means the bridge that took over ethN
	 * (named ethN itself, or holding ethN/pethN as a port). Never "the first bridge". */
	if (!l && strncmp(b->want, "xenbr", 5) == 0 && vif_parse_id(b->want + 5, 999, &n) == 0) {
		char eth[IFNAMSIZ];

		snprintf(eth, sizeof(eth), "eth%u", n);
		l = owner_bridge(links, eth);
		if (!l) {
			snprintf(eth, sizeof(eth), "peth%u", n);
			l = owner_bridge(links, eth);
		}
	}
	if (!l) {
		snprintf(b->err, sizeof(b->err), "bridge %.15s does not exist", b->want);
		return;
	}
	snprintf(b->name, sizeof(b->name), "%s", rtnl_link_get_name(l));
	b->ifindex = rtnl_link_get_ifindex(l);
	b->mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
}

const struct vif_bridge *vif_bridge_for(struct vif_ctx *c, const char *want)
{
	struct vif_bridge *b;

	if (!*want)
		want = "xenbr0";	/* xend may omit the key; libxl's default */
	for (size_t i = 0; i < c->n_br; i++)
		if (strcmp(c->br[i].want, want) == 0)
			return &c->br[i];
	b = c->n_br < VIF_CTX_BRIDGES ? &c->br[c->n_br++] : &c->br[VIF_CTX_BRIDGES - 1];
	memset(b, 0, sizeof(*b));
	snprintf(b->want, sizeof(b->want), "%s", want);
	resolve(c->links, b);
	return b;
}

