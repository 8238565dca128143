/* vif-hookd: the VIF manager alone on a libevent loop (the same xenstore and netlink
 * layers as netd), with hooks that print what the firewall would receive:
 *   attached D N IFNAME BRIDGE MAC IPS pv|emu up=0|1 master=NAME
 *   detached D N IFNAME BRIDGE MAC IPS pv|emu
 * (up/master: the device's state when attached() runs, read from /sys). attached()
 * fails for domid 13 with "firewall says no". Runs until SIGTERM/SIGINT.
 *   vif-hookd [LINK_TIMEOUT_MS] */
#include <arpa/inet.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <netlink/cache.h>
#include <netlink/object.h>

#include <dom0net/config.h>
#include <dom0net/log.h>
#include <dom0net/nl.h>
#include <dom0net/vif.h>
#include <dom0net/xs.h>

static struct vif_mgr *mgr;

static void print_info(const char *what, const struct vif_info *v)
{
	printf("%s %u %u %s %s %02x:%02x:%02x:%02x:%02x:%02x ", what, v->domid, v->devid,
	       v->ifname, v->bridge, v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4],
	       v->mac[5]);
	for (unsigned i = 0; i < v->n_ips; i++) {
		char a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &v->ips[i], a, sizeof(a));
		printf("%s%s", i ? "," : "", a);
	}
	printf("%s %s", v->n_ips ? "" : "-", v->emulated ? "emu" : "pv");
}

static int attached(void *arg, const struct vif_info *v, char *err, size_t errlen)
{
	char path[PATH_MAX], master[PATH_MAX] = "-";
	unsigned long flags = 0;
	FILE *f;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/flags", v->ifname);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%lx", &flags) != 1)
			flags = 0;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/master", v->ifname);
	n = readlink(path, master, sizeof(master) - 1);
	if (n > 0)
		master[n] = '\0';
	print_info("attached", v);
	printf(" up=%lu master=%s\n", flags & 1, strrchr(master, '/') ? strrchr(master, '/') + 1
								 : master);
	fflush(stdout);
	if (v->domid == 13) {
		snprintf(err, errlen, "firewall says no");
		return -1;
	}
	return 0;
}

static void detached(void *arg, const struct vif_info *v)
{
	print_info("detached", v);
	printf("\n");
	fflush(stdout);
}

static void on_xs(void *arg, const char *path, const char *token)
{
	if (mgr && strncmp(token, "vif", 3) == 0)
		vif_mgr_xs_event(mgr, path, token);
}

static void on_link(void *arg, struct nl_cache *cache, struct nl_object *obj, int action)
{
	if (mgr && strcmp(nl_object_get_type(obj), "route/link") == 0)
		vif_mgr_link_event(mgr, (struct rtnl_link *)obj, action);
}

static void on_resync(void *arg)
{
	vif_mgr_resync(mgr);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	static struct d0_config cfg;
	struct vif_hooks hooks = { attached, detached, NULL, NULL, NULL }; /* one by one */
	struct d0_nl_handlers h = { on_link, on_resync, NULL };
	struct event_base *base;
	struct event *sterm, *sint;
	struct d0_nl *mon;
	struct d0_xs *xs;

	log_init("vif-hookd", 1, 0, LOG_LVL_INFO);
	config_defaults(&cfg);
	cfg.vif_link_timeout_ms = argc > 1 ? (unsigned)atoi(argv[1]) : 3000;
	base = event_base_new();
	if (!base)
		fatal("event_base_new");
	mon = d0_nl_monitor_open(base, &h);
	xs = d0_xs_open(base, on_xs, NULL);
	if (!mon || !xs)
		fatal("netlink monitor / xenstore");
	mgr = vif_mgr_new(base, xs, NULL, mon, &cfg, &hooks);
	if (!mgr || vif_mgr_start(mgr) < 0)
		fatal("vif manager");
	sterm = evsignal_new(base, SIGTERM, on_signal, base);
	sint = evsignal_new(base, SIGINT, on_signal, base);
	if (!sterm || !sint || evsignal_add(sterm, NULL) < 0 || evsignal_add(sint, NULL) < 0)
		fatal("signals");
	printf("ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	vif_mgr_free(mgr);
	d0_xs_close(xs);
	d0_nl_monitor_close(mon);
	event_free(sterm);
	event_free(sint);
	event_base_free(base);
	return 0;
}
