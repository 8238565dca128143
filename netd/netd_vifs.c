/* netd's xenstore connection and VIF manager. At boot xenstored may start after us:
 * retry the connection on a timer instead of failing. */
#include <errno.h>
#include <string.h>

#include <event2/event.h>

#include <dom0net/log.h>
#include <dom0net/nl.h>
#include <dom0net/vif.h>
#include <dom0net/xs.h>

#include "netd.h"

#define XS_RETRY_SEC 2

static void on_watch(void *arg, const char *path, const char *token)
{
	struct netd *d = arg;

	if (d->vifs && strncmp(token, "vif", 3) == 0)
		vif_mgr_xs_event(d->vifs, path, token);
	else if (strncmp(token, "con-", 4) == 0)
		netd_consoles_xs_event(d, path, token);
}

static void try_connect(evutil_socket_t fd, short what, void *arg)
{
	struct netd *d = arg;
	static bool warned;
	struct timeval tv = { XS_RETRY_SEC, 0 };

	d->xs = d0_xs_open(d->base, on_watch, d);
	if (!d->xs) {
		if (!warned)
			log_warn("xenstore: cannot connect (retrying every %ds)", XS_RETRY_SEC);
		warned = true;
		evtimer_add(d->xs_retry, &tv);
		return;
	}
	log_info("xenstore: connected");
	netd_consoles_xs_connected(d);
	d->vifs = vif_mgr_new(d->base, d->xs, d->req, d->mon, &d->cfg, netd_firewall_hooks(d));
	if (!d->vifs || vif_mgr_start(d->vifs) < 0)
		log_warn("vif: cannot start the VIF manager");
}

int netd_vifs_start(struct netd *d)
{
	d->xs_retry = evtimer_new(d->base, try_connect, d);
	if (!d->xs_retry)
		return -1;
	try_connect(-1, 0, d);
	return 0;
}

void netd_vifs_stop(struct netd *d)
{
	/* Only our bookkeeping goes: attached VIFs stay attached (do no harm). */
	vif_mgr_free(d->vifs);
	d->vifs = NULL;
	d0_xs_close(d->xs);
	d->xs = NULL;
	if (d->xs_retry)
		event_free(d->xs_retry);
	d->xs_retry = NULL;
}
