/* The host around the rules: which `iptables` the admin will type (and whether
 * nf_tables holds rules of its own), bridge-nf-call-iptables, device existence. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <xtables.h>

#include <dom0net/firewall.h>

#include "fw_int.h"

#define BRIDGE_NF "/proc/sys/net/bridge/bridge-nf-call-iptables"

bool fw_dev_exists(const char *ifname)
{
	return if_nametoindex(ifname) != 0;
}

static int count_cb(const struct nlmsghdr *nlh, void *arg)
{
	if ((nlh->nlmsg_type & 0xff) == NFT_MSG_NEWRULE)
		(*(int *)arg)++;
	return MNL_CB_OK;
}

/* Rules nf_tables holds for one family (a dump of NFT_MSG_GETRULE); -1 on error. */
static int nft_rules(struct mnl_socket *nl, uint8_t family, unsigned seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	unsigned portid = mnl_socket_get_portid(nl);
	int count = 0, ret;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	while ((ret = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)ret, seq, portid, count_cb, &count);
		if (ret <= 0)
			break;
	}
	return ret < 0 ? -1 : count;
}

static void find_iptables(struct fw_flavour *f)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	char path[PATH_MAX], real[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/iptables", dirs[i]);
		if (!realpath(path, real))
			continue;
		if (strlen(real) >= sizeof(f->iptables))
			continue;
		memcpy(f->iptables, real, strlen(real) + 1);
		/* xtables-nft-multi (Debian's alternatives) or iptables-nft */
		f->iptables_nft = strstr(strrchr(real, '/'), "nft") != NULL;
		return;
	}
}

void fw_flavour_detect(struct fw_flavour *f)
{
	struct mnl_socket *nl;
	int a, b;

	memset(f, 0, sizeof(*f));
	f->nft_rules = -1;
	find_iptables(f);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl)
		return;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0) {
		unsigned seq = (unsigned)time(NULL);

		a = nft_rules(nl, NFPROTO_IPV4, seq);
		b = nft_rules(nl, NFPROTO_INET, seq + 1);
		if (a >= 0 && b >= 0)
			f->nft_rules = a + b;
	}
	mnl_socket_close(nl);
}

static int read_flag(const char *path)
{
	char c = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n;

	if (fd < 0)
		return -1;
	n = (int)read(fd, &c, 1);
	close(fd);
	return n == 1 ? c == '1' : -1;
}

int fw_bridge_nf_enable(int *was, struct d0_err *e)
{
	int fd;

	*was = read_flag(BRIDGE_NF);
	if (*was < 0) {
		/* br_netfilter not loaded: ask for it (modprobe, via libxtables). */
		if (fw_xt_init(e) < 0)
			return -1;
		xtables_insmod("br_netfilter", NULL, true);
		*was = read_flag(BRIDGE_NF);
	}
	if (*was < 0) {
		d0_err_set(e, ENOENT, "%s is missing (no br_netfilter): bridged guest traffic "
			   "does not cross iptables, anti-spoof rules cannot see it", BRIDGE_NF);
		errno = ENOENT;
		return -1;
	}
	if (*was == 1)
		return 0;
	fd = open(BRIDGE_NF, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "1\n", 2) != 2) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		d0_err_set(e, err, "%s: %s", BRIDGE_NF, strerror(err));
		errno = err;
		return -1;
	}
	close(fd);
	return 0;
}
