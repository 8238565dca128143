/* netd: the dom0net daemon. One libevent loop over netlink, xenstore, signals and
 * the control socket. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <netlink/cache.h>
#include <netlink/object.h>
#include <netlink/route/link.h>

#include <dom0net/agent.h>
#include <dom0net/config.h>
#include <dom0net/log.h>
#include <dom0net/nl.h>
#include <dom0net/vif.h>
#include <dom0net/vncgw.h>

#include "netd.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: netd [-dnv] [-f FILE] [--stop-bridges [UPLINK...] | --remove-firewall]\n"
		"  -d              stay in the foreground, log to stderr\n"
		"  -f FILE         configuration file (default %s)\n"
		"  -n              check the configuration and exit\n"
		"  -v              more verbose (repeat for debug)\n"
		"  --stop-bridges  reverse the bridge conversions and exit\n"
		"  --remove-firewall  remove dom0net's iptables chains and jumps and exit\n",
		D0_DEFAULT_CONFIG);
}

static void on_nl_change(void *arg, struct nl_cache *cache, struct nl_object *obj, int action)
{
	struct netd *d = arg;
	struct rtnl_link *link;

	if (strcmp(nl_object_get_type(obj), "route/link") != 0)
		return;
	link = (struct rtnl_link *)obj;
	if (action == NL_ACT_NEW)
		netd_bridges_link_added(d, rtnl_link_get_name(link));
	if (d->vifs)
		vif_mgr_link_event(d->vifs, link, action);
}

static void on_nl_resync(void *arg)
{
	struct netd *d = arg;

	log_warnx("netlink: events were lost (socket overflow); state re-read from the kernel");
	if (d->vifs)
		vif_mgr_resync(d->vifs);
}

static void reload(struct netd *d)
{
	struct d0_config next;
	char err[512];

	if (config_load(&next, d->config_path, err, sizeof(err)) < 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	if (netd_firewall_reload(d, &next, err, sizeof(err)) < 0) {
		log_warnx("reload: %s; keeping the running configuration", err);
		return;
	}
	/* Copied in place: the modules hold a pointer to d->cfg. */
	d->cfg = next;
	log_setlevel((enum log_level)d->cfg.log_level);
	log_info("reload: configuration re-read from %s", d->config_path);
	netd_bridges_boot(d);
	netd_agent_reload(d);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct netd *d = arg;

	if (sig == SIGHUP) {
		notify_systemd("RELOADING=1");
		reload(d);
		notify_systemd("READY=1");
		return;
	}
	log_info("signal %d: exiting (bridges and VIFs stay as they are)", (int)sig);
	event_base_loopbreak(d->base);
}

static int setup_signals(struct netd *d)
{
	signal(SIGPIPE, SIG_IGN);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_signal, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_signal, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_signal, d);
	if (!d->sig_term || !d->sig_int || !d->sig_hup)
		return -1;
	if (evsignal_add(d->sig_term, NULL) < 0 || evsignal_add(d->sig_int, NULL) < 0 ||
	    evsignal_add(d->sig_hup, NULL) < 0)
		return -1;
	return 0;
}

static void teardown(struct netd *d)
{
	netd_ctl_close(d->ctl);
	netd_agent_stop(d);
	netd_consoles_stop(d);
	netd_vifs_stop(d);
	netd_firewall_stop(d);
	d0_nl_monitor_close(d->mon);
	d0_nl_request_socket_free(d->req);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->sig_hup)
		event_free(d->sig_hup);
	if (d->base)
		event_base_free(d->base);
	pidfile_remove(d->cfg.pidfile);
}

static int stop_bridges(struct netd *d, int argc, char **argv)
{
	d->req = d0_nl_request_socket();
	if (!d->req)
		fatal("netlink");
	int rc = netd_bridges_stop(d, argc, (const char **)argv);
	d0_nl_request_socket_free(d->req);
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct netd d;
	static const struct option opts[] = {
		{"stop-bridges", no_argument, NULL, 'S'},
		{"remove-firewall", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c, verbose = 0, foreground = 0, check_only = 0, stop = 0, remove_fw = 0;
	char err[512];

	if (argc == 2 && strcmp(argv[1], VNCGW_CHILD_ARG) == 0)
		return vncgw_child_main();	/* the console gateway, re-executed by netd */
	if (argc == 2 && strcmp(argv[1], AGENT_CHILD_ARG) == 0)
		return agent_child_main();	/* the agent API, re-executed by netd */
	d.config_path = D0_DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "df:nvhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			d.config_path = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'S':
			stop = 1;
			break;
		case 'R':
			remove_fw = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("netd (dom0net) %s\n", DOM0NET_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	log_init("netd", 1, 0, LOG_LVL_INFO);
	if (config_load(&d.cfg, d.config_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "netd: %s\n", err);
		return 1;
	}
	/* Removing our chains needs no policy (cluster.conf may be what is broken). */
	if (!remove_fw && netd_firewall_init(&d, err, sizeof(err)) < 0) {
		fprintf(stderr, "netd: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("configuration OK\n");
		return 0;
	}
	{
		int level = d.cfg.log_level + verbose;

		log_init("netd", foreground, !foreground,
			 (enum log_level)(level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level));
	}
	if (stop)
		return stop_bridges(&d, argc - optind, argv + optind);
	if (remove_fw)
		return netd_firewall_remove(&d) < 0 ? 1 : 0;
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	if (pidfile_create(d.cfg.pidfile) < 0)
		fatal("pidfile %s%s", d.cfg.pidfile,
		      errno == EEXIST ? " (is another netd running?)" : "");
	d.started = time(NULL);
	d.base = event_base_new();
	if (!d.base || setup_signals(&d) < 0)
		fatalx("cannot set up the event loop");
	d.req = d0_nl_request_socket();
	if (!d.req)
		fatal("netlink request socket");
	netd_bridges_boot(&d);
	netd_firewall_start(&d);
	d.mon = d0_nl_monitor_open(d.base, &(struct d0_nl_handlers){
		on_nl_change, on_nl_resync, &d });
	if (!d.mon)
		fatal("netlink monitor");
	netd_consoles_start(&d);
	if (netd_vifs_start(&d) < 0)
		fatal("xenstore");
	d.ctl = netd_ctl_open(&d, d.cfg.ctl_socket);
	if (!d.ctl)
		fatal("control socket %s", d.cfg.ctl_socket);
	netd_agent_start(&d);
	log_info("started (config %s)", d.config_path);
	if (notify_systemd("READY=1") < 0)
		log_warn("sd_notify");
	event_base_dispatch(d.base);
	teardown(&d);
	return 0;
}
