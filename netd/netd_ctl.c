/* The control socket: netctl's requests, trust from SO_PEERCRED (never the payload).
 * Root may do everything; other users only the read-only requests. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <dom0net/ctl.h>
#include <dom0net/log.h>
#include <dom0net/vif.h>

#include "netd.h"

#define CTL_MAX_ARGS 64
#define CTL_MAX_CLIENTS 64

struct netd_ctl {
	struct netd *d;
	struct evconnlistener *listener;
	char path[108];
	int clients;
};

struct ctl_client {
	struct netd_ctl *ctl;
	struct bufferevent *bev;
	struct ucred cred;
};

static const bool read_only[CTL_REQ_MAX] = {
	[CTL_REQ_STATUS] = true,
	[CTL_REQ_VIFS] = true,
	[CTL_REQ_FIREWALL] = true,
	[CTL_REQ_CONSOLES] = true,
};

static void client_close(struct ctl_client *c)
{
	c->ctl->clients--;
	bufferevent_free(c->bev);
	free(c);
}

static int reply(struct ctl_client *c, uint16_t type, int32_t status, const char *text,
		 size_t len)
{
	struct ctl_hdr h = { D0_CTL_VERSION, (uint16_t)(type | CTL_RESPONSE), 0, status,
			     (uint32_t)len };

	if (bufferevent_write(c->bev, &h, sizeof(h)) < 0 ||
	    (len && bufferevent_write(c->bev, text, len) < 0))
		return -1;
	return 0;
}

/* Runs a request; its text output goes to out. Returns 0 or a positive errno. */
static int dispatch(struct ctl_client *c, const struct ctl_hdr *h, int argc, const char **argv,
		    FILE *out)
{
	struct netd *d = c->ctl->d;

	switch (h->type) {
	case CTL_REQ_STATUS:
		fprintf(out, "netd %s pid %ld uptime %lds config %s xenstore %s\n",
			DOM0NET_VERSION, (long)getpid(), (long)(time(NULL) - d->started),
			d->config_path, d->xs ? "connected" : "not connected");
		return 0;
	case CTL_REQ_VIFS:
		if (!d->vifs) {
			fprintf(out, "xenstore is not connected\n");
			return ENOTCONN;
		}
		return vif_mgr_print(d->vifs, h->flags & CTL_F_JSON, out) < 0 ? EIO : 0;
	case CTL_REQ_RELOAD:
		raise(SIGHUP);
		return 0;
	case CTL_REQ_STOP_BRIDGES:
		return netd_bridges_stop(d, argc, argv) < 0 ? EIO : 0;
	case CTL_REQ_FIREWALL: {
		char err[512];

		if (netd_firewall_print(d, h->flags & CTL_F_JSON, out, err, sizeof(err)) < 0) {
			fprintf(out, "%s\n", err);
			return EIO;
		}
		return 0;
	}
	case CTL_REQ_CONSOLES:
		return netd_consoles_print(d, h->flags & CTL_F_JSON, out) < 0 ? EIO : 0;
	case CTL_REQ_CONSOLE_PASSWORD:
		return netd_consoles_set_password(d, argc, argv, out);
	}
	fprintf(out, "unknown request type %u\n", h->type);
	return EOPNOTSUPP;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		struct ctl_hdr h;
		const char *argv[CTL_MAX_ARGS];
		char payload[D0_CTL_MAX_REQUEST];
		char *text = NULL;
		size_t textlen = 0;
		FILE *out;
		int argc, status;

		if (evbuffer_get_length(in) < sizeof(h))
			return;
		evbuffer_copyout(in, &h, sizeof(h));
		/* Size and version are checked before a byte of payload is copied. */
		if (h.version != D0_CTL_VERSION || h.len > D0_CTL_MAX_REQUEST) {
			log_warnx("control: uid %u sent a bad header (version %u, %u bytes)",
				  c->cred.uid, h.version, h.len);
			client_close(c);
			return;
		}
		if (evbuffer_get_length(in) < sizeof(h) + h.len)
			return;
		evbuffer_drain(in, sizeof(h));
		evbuffer_remove(in, payload, h.len);
		argc = ctl_split_args(payload, h.len, argv, CTL_MAX_ARGS);
		out = open_memstream(&text, &textlen);
		if (!out) {
			client_close(c);
			return;
		}
		if (argc < 0 || h.type == 0 || h.type >= CTL_REQ_MAX) {
			fprintf(out, "malformed request\n");
			status = EINVAL;
		} else if (c->cred.uid != 0 && !read_only[h.type]) {
			fprintf(out, "permission denied: this request needs root\n");
			status = EPERM;
		} else {
			status = dispatch(c, &h, argc, argv, out);
		}
		fclose(out);
		if (reply(c, h.type, status, text, textlen) < 0) {
			free(text);
			client_close(c);
			return;
		}
		free(text);
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_close(arg);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct netd_ctl *ctl = arg;
	struct ctl_client *c;
	socklen_t len = sizeof(c->cred);

	if (ctl->clients >= CTL_MAX_CLIENTS) {
		log_warnx("control: too many clients, refusing one");
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c || getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c->cred, &len) < 0) {
		log_warn("control: accept");
		free(c);
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->bev = bufferevent_socket_new(ctl->d->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		free(c);
		close(fd);
		return;
	}
	ctl->clients++;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

struct netd_ctl *netd_ctl_open(struct netd *d, const char *path)
{
	struct netd_ctl *ctl = calloc(1, sizeof(*ctl));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	if (!ctl)
		return NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		free(ctl);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	strcpy(ctl->path, path);
	ctl->d = d;
	if (mkdir_parent(path) < 0) {
		free(ctl);
		return NULL;
	}
	/* A stale socket from a killed netd; the pidfile lock already proved we are alone. */
	unlink(path);
	ctl->listener = evconnlistener_new_bind(d->base, on_accept, ctl,
						LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
						(struct sockaddr *)&sun, sizeof(sun));
	if (!ctl->listener) {
		free(ctl);
		return NULL;
	}
	/* Anyone may connect; what they may ask is decided per request from SO_PEERCRED. */
	chmod(path, 0666);
	return ctl;
}

void netd_ctl_close(struct netd_ctl *ctl)
{
	if (!ctl)
		return;
	if (ctl->listener) {
		evconnlistener_free(ctl->listener);
		unlink(ctl->path);
	}
	free(ctl);
}
