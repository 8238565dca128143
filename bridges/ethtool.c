/* Link speed and duplex from the ethtool generic-netlink family (Linux 5.6+), the way
 * `ethtool DEV` gets them, without the ioctl. One request per link: `netctl nics`
 * lists a handful of NICs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <dom0net/bridges.h>

struct br_ethtool {
	struct nl_sock *sk;
	int family;
};

struct lm_ctx {
	struct br_linkmodes *out;
	int error;		/* errno from an NLMSG_ERROR reply */
	bool got;
};

struct br_ethtool *br_ethtool_open(struct d0_err *err)
{
	struct br_ethtool *et = calloc(1, sizeof(*et));
	int ret;

	if (!et) {
		d0_err_set(err, ENOMEM, "ethtool: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	et->sk = nl_socket_alloc();
	if (!et->sk) {
		ret = -NLE_NOMEM;
		goto fail;
	}
	/* Errors arrive as NLMSG_ERROR anyway; no ack to wait for on success. */
	nl_socket_disable_auto_ack(et->sk);
	ret = genl_connect(et->sk);
	if (ret < 0)
		goto fail;
	ret = genl_ctrl_resolve(et->sk, ETHTOOL_GENL_NAME);
	if (ret < 0)
		goto fail;
	et->family = ret;
	return et;
fail:
	d0_err_set(err, ENOENT, "ethtool netlink family: %s", nl_geterror(ret));
	br_ethtool_close(et);
	errno = ENOENT;
	return NULL;
}

void br_ethtool_close(struct br_ethtool *et)
{
	if (!et)
		return;
	nl_socket_free(et->sk);
	free(et);
}

static int lm_valid(struct nl_msg *msg, void *arg)
{
	struct lm_ctx *c = arg;
	struct nlattr *tb[ETHTOOL_A_LINKMODES_MAX + 1];
	static struct nla_policy pol[ETHTOOL_A_LINKMODES_MAX + 1] = {
		[ETHTOOL_A_LINKMODES_SPEED] = { .type = NLA_U32 },
		[ETHTOOL_A_LINKMODES_DUPLEX] = { .type = NLA_U8 },
	};

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, ETHTOOL_A_LINKMODES_MAX, pol) < 0)
		return NL_SKIP;
	c->got = true;
	if (tb[ETHTOOL_A_LINKMODES_SPEED]) {
		uint32_t s = nla_get_u32(tb[ETHTOOL_A_LINKMODES_SPEED]);

		c->out->speed = (s == (uint32_t)SPEED_UNKNOWN) ? BR_SPEED_UNKNOWN : s;
	}
	if (tb[ETHTOOL_A_LINKMODES_DUPLEX]) {
		switch (nla_get_u8(tb[ETHTOOL_A_LINKMODES_DUPLEX])) {
		case DUPLEX_HALF:
			c->out->duplex = BR_DUPLEX_HALF;
			break;
		case DUPLEX_FULL:
			c->out->duplex = BR_DUPLEX_FULL;
			break;
		default:
			c->out->duplex = BR_DUPLEX_UNKNOWN;
		}
	}
	return NL_OK;
}

static int lm_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct lm_ctx *c = arg;

	c->error = e->error < 0 ? -e->error : e->error;
	return NL_STOP;
}

int br_ethtool_linkmodes(struct br_ethtool *et, const char *ifname, struct br_linkmodes *out,
			 struct d0_err *err)
{
	struct lm_ctx c = { .out = out };
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *sk_cb = nl_socket_get_cb(et->sk);	/* takes a reference */
	struct nl_cb *cb = sk_cb ? nl_cb_clone(sk_cb) : NULL;
	struct nlattr *hdr;
	int ret = -1, nlret = -NLE_NOMEM;

	nl_cb_put(sk_cb);

	out->speed = BR_SPEED_UNKNOWN;
	out->duplex = BR_DUPLEX_UNKNOWN;
	if (!msg || !cb)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, et->family, 0, NLM_F_REQUEST,
			 ETHTOOL_MSG_LINKMODES_GET, ETHTOOL_GENL_VERSION))
		goto out;
	hdr = nla_nest_start(msg, ETHTOOL_A_LINKMODES_HEADER | NLA_F_NESTED);
	if (!hdr || nla_put_string(msg, ETHTOOL_A_HEADER_DEV_NAME, ifname) < 0 ||
	    nla_put_u32(msg, ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_COMPACT_BITSETS) < 0)
		goto out;
	nla_nest_end(msg, hdr);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, lm_valid, &c);
	nl_cb_err(cb, NL_CB_CUSTOM, lm_error, &c);
	nlret = nl_send_auto(et->sk, msg);
	if (nlret < 0)
		goto out;
	nlret = nl_recvmsgs(et->sk, cb);
	if (c.error == EOPNOTSUPP) {
		/* No link modes (no get_link_ksettings): unknown, not a failure. */
		ret = 0;
	} else if (c.error) {
		errno = c.error;
		d0_err_set(err, c.error, "ethtool %s: %s", ifname, strerror(c.error));
		goto done;
	} else if (nlret >= 0 && c.got) {
		ret = 0;
	}
out:
	if (ret < 0) {
		errno = EIO;
		d0_err_set(err, EIO, "ethtool %s: %s", ifname,
			   nlret < 0 ? nl_geterror(nlret) : "no reply");
	}
done:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return ret;
}
