/* The agent child seen from netd: the listener on [agent] listen:port bound here
 * (the child never needs the privilege), the certificate and key opened here and
 * passed as descriptors, fork + exec of netd itself (a fresh address space without
 * netd's state), restarts with back-off, and the calls: each is checked again
 * (ag_call_validate) before it runs, and answered in chunks of JSON text. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include <dom0net/err.h>
#include <dom0net/log.h>

#include "netd.h"
#include "netd_agent.h"

#define RESTART_MAX_S 60
#define LISTEN_BACKLOG 511

static int proc_start(struct netd_agent *na);

/* ---- the listener ---------------------------------------------------------------------- */

static int bind_listener(struct netd_agent *na, const struct d0_config *cfg)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int fd, one = 1;

	if (inet_pton(AF_INET, cfg->agent_listen, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)cfg->agent_port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, cfg->agent_listen,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)cfg->agent_port);
		len = sizeof(struct sockaddr_in6);
	} else {
		log_warnx("agent: listen '%s' is not a numeric IPv4 or IPv6 address",
			  cfg->agent_listen);
		errno = EINVAL;
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* A restarted netd rebinds despite connections in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	na->lfd = fd;
	snprintf(na->bound, sizeof(na->bound), ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 cfg->agent_listen, cfg->agent_port);
	return 0;
}

/* ---- calls ------------------------------------------------------------------------------- */

static void reply(struct netd_agent *na, uint32_t id, int err, const char *text, size_t len)
{
	uint8_t buf[sizeof(struct ag_reply) + AG_REPLY_CHUNK];
	size_t off = 0;

	do {
		struct ag_reply r = { id, err, 0, 0 };
		size_t n = len - off > AG_REPLY_CHUNK ? AG_REPLY_CHUNK : len - off;

		r.len = (uint32_t)n;
		r.flags = off + n < len ? AG_REPLY_MORE : 0;
		memcpy(buf, &r, sizeof(r));
		memcpy(buf + sizeof(r), text + off, n);
		if (ag_chan_send(na->chan, AG_REPLY, buf, sizeof(r) + n, NULL, 0) < 0) {
			log_warn("agent: cannot answer call %u", id);
			return;
		}
		off += n;
	} while (off < len);
}

int netd_agent_run(struct netd *d, const struct ag_call *c, FILE *out)
{
	switch (c->op) {
	case AG_OP_STATUS:
	case AG_OP_BRIDGES:
	case AG_OP_NICS:
	case AG_OP_VIFS:
	case AG_OP_CONSOLES:
	case AG_OP_FIREWALL:
	case AG_OP_CONSOLE_PASSWORD:
		return netd_agent_show(d, c, out);
	case AG_OP_SG_CAN:
	case AG_OP_SG_CLEANUP:
	case AG_OP_SG_DEFAULT:
	case AG_OP_SG_DELETE:
		return netd_agent_sg(d, c, out);
	default:
		return netd_agent_net(d, c, out);
	}
}

static void on_call(struct netd_agent *na, const void *payload)
{
	struct ag_call c;
	struct d0_err e = { 0 };
	char *text = NULL;
	size_t len = 0;
	uint32_t id;
	FILE *out;
	int rc;

	memcpy(&c, payload, sizeof(c));
	id = c.id;
	na->calls++;
	out = open_memstream(&text, &len);
	if (!out) {
		reply(na, id, ENOMEM, "out of memory", 13);
		explicit_bzero(&c, sizeof(c));
		return;
	}
	/* The child parsed and checked it; we do not take its word for anything. */
	if (ag_call_validate(&c, &e) < 0) {
		log_warnx("agent: refused call %u: %s", c.id, e.msg);
		fprintf(out, "%s", e.msg);
		rc = EINVAL;
	} else {
		rc = netd_agent_run(na->d, &c, out);
	}
	explicit_bzero(&c, sizeof(c));
	if (fclose(out) != 0 && !rc)
		rc = ENOMEM;
	if (rc)
		na->calls_failed++;
	reply(na, id, rc, text ? text : "", text ? len : 0);
	free(text);
}

static void on_msg(void *arg, uint16_t type, const void *payload, size_t len, int *fds,
		   int nfds)
{
	struct netd_agent *na = arg;

	for (int i = 0; i < nfds; i++)
		close(fds[i]);	/* the child never sends descriptors (and the checks say 0) */
	switch (type) {
	case AG_READY:
		if (na->ready)
			break;
		memcpy(&na->info, payload, sizeof(na->info));
		na->ready = true;
		log_info("agent: ready on %s (pid %u, uid %u%s%s)", na->bound, na->info.pid,
			 na->info.uid, na->info.flags & AG_SANDBOX_NOCAPS ? ", no capabilities" : "",
			 na->info.flags & AG_SANDBOX_SECCOMP ? ", seccomp" : "");
		return;
	case AG_CALL:
		if (!na->ready)
			break;
		on_call(na, payload);
		return;
	}
	log_warnx("agent: unexpected message %u; restarting it", type);
	if (na->pid > 0)
		kill(na->pid, SIGKILL);
}

/* ---- the child --------------------------------------------------------------------------- */

static void chan_gone(struct netd_agent *na)
{
	ag_chan_free(na->chan);
	na->chan = NULL;
	na->ready = false;
}

static void on_chan_closed(void *arg, const struct d0_err *e)
{
	struct netd_agent *na = arg;

	if (e->code != ECONNRESET)
		log_warnx("agent: %s; stopping it", e->msg);
	/* Freed from the SIGCHLD handler, not inside the channel's callback. */
	if (na->pid > 0)
		kill(na->pid, SIGKILL);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct netd_agent *na = arg;
	struct timeval tv = { 1, 0 };
	int status;

	if (na->pid <= 0 || waitpid(na->pid, &status, WNOHANG) != na->pid)
		return;	/* another module's child */
	if (WIFSIGNALED(status))
		log_warnx("agent (pid %d) killed by signal %d%s", (int)na->pid, WTERMSIG(status),
			  WTERMSIG(status) == SIGSYS ? " (seccomp)" : "");
	else
		log_warnx("agent (pid %d) exited with status %d", (int)na->pid, WEXITSTATUS(status));
	na->pid = -1;
	chan_gone(na);
	/* Quick deaths in a row back off: 1, 2, 4 ... 60 s. */
	na->quick_deaths = time(NULL) - na->started < RESTART_MAX_S ? na->quick_deaths + 1 : 0;
	for (unsigned i = 0; i < na->quick_deaths && tv.tv_sec < RESTART_MAX_S; i++)
		tv.tv_sec *= 2;
	if (tv.tv_sec > RESTART_MAX_S)
		tv.tv_sec = RESTART_MAX_S;
	log_warnx("agent: restarting in %lds", (long)tv.tv_sec);
	evtimer_add(na->restart, &tv);
}

static void on_restart(evutil_socket_t fd, short what, void *arg)
{
	if (proc_start(arg) < 0)
		log_warn("agent: cannot start");
}

static bool stderr_is_devnull(void)
{
	struct stat a, b;

	return fstat(2, &a) < 0 || (stat("/dev/null", &b) == 0 && a.st_rdev == b.st_rdev &&
				    S_ISCHR(a.st_mode));
}

static int hello(struct netd_agent *na, struct ag_hello *h, int fds[3], int *nfds)
{
	const struct d0_config *cfg = &na->d->cfg;
	struct passwd *pw = getpwnam(cfg->agent_user);

	memset(h, 0, sizeof(*h));
	if (!pw || pw->pw_uid == 0) {
		log_warnx("agent: user '%s' %s", cfg->agent_user,
			  pw ? "is root; refusing" : "does not exist");
		errno = pw ? EPERM : ENOENT;
		return -1;
	}
	h->uid = pw->pw_uid;
	h->gid = pw->pw_gid;
	h->log_level = (uint32_t)log_getlevel();
	h->log_syslog = stderr_is_devnull();	/* a daemonised netd logs to syslog */
	h->log_stderr = !h->log_syslog;
	h->max_body = AG_MAX_BODY;
	h->max_headers = AG_MAX_HEADERS;
	h->max_conns = AG_MAX_CONNS;
	h->max_conns_per_addr = AG_MAX_CONNS_PER_ADDR;
	h->request_timeout_s = AG_REQUEST_TIMEOUT_S;
	h->idle_timeout_s = AG_IDLE_TIMEOUT_S;
	snprintf(h->password_hash, sizeof(h->password_hash), "%s", cfg->agent_password_hash);
	snprintf(h->listen_desc, sizeof(h->listen_desc), "%s", na->bound);
	fds[0] = na->lfd;
	*nfds = 1;
	if (cfg->agent_plain_http)
		return 0;
	h->tls = 1;
	fds[1] = open(cfg->agent_tls_cert, O_RDONLY | O_CLOEXEC);
	fds[2] = fds[1] < 0 ? -1 : open(cfg->agent_tls_key, O_RDONLY | O_CLOEXEC);
	if (fds[2] < 0) {
		int e = errno;

		log_warn("agent: cannot open %s", fds[1] < 0 ? cfg->agent_tls_cert
							     : cfg->agent_tls_key);
		if (fds[1] >= 0)
			close(fds[1]);
		errno = e;
		return -1;
	}
	*nfds = 3;
	return 0;
}

static int proc_start(struct netd_agent *na)
{
	struct ag_hello h;
	int sv[2] = { -1, -1 }, fds[3] = { -1, -1, -1 }, nfds = 0, rc = -1;
	pid_t pid;

	if (hello(na, &h, fds, &nfds) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto out;
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0) {
		char *const argv[] = { "agent", AGENT_CHILD_ARG, NULL };
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* Descriptor 3 is the channel; everything else of netd's is closed. */
		if (null < 0 || dup2(null, 0) < 0 || dup2(sv[1], AGENT_CHILD_FD) < 0)
			_exit(127);
		if (sv[1] == AGENT_CHILD_FD)
			fcntl(AGENT_CHILD_FD, F_SETFD, 0);
		close_range(AGENT_CHILD_FD + 1, ~0U, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	sv[1] = -1;
	na->chan = ag_chan_new(na->d->base, sv[0], true, ag_msg_check, on_msg, on_chan_closed, na);
	if (!na->chan) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto out;
	}
	sv[0] = -1;
	na->pid = pid;
	na->started = time(NULL);
	if (ag_chan_send(na->chan, AG_HELLO, &h, sizeof(h), fds, nfds) < 0)
		log_warn("agent: cannot send its configuration");
	log_info("agent: started pid %d (user %s, %s on %s)", (int)pid, na->d->cfg.agent_user,
		 h.tls ? "HTTPS" : "plain HTTP", na->bound);
	rc = 0;
out:
	explicit_bzero(&h, sizeof(h));
	for (int i = 1; i < nfds; i++)
		close(fds[i]);	/* the certificate and key (the channel sent duplicates) */
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	return rc;
}

static void proc_stop(struct netd_agent *na)
{
	if (na->pid > 0) {
		int status;

		kill(na->pid, SIGTERM);
		for (int i = 0; i < 100; i++) {
			if (waitpid(na->pid, &status, WNOHANG) == na->pid)
				break;
			if (i == 99) {
				kill(na->pid, SIGKILL);
				waitpid(na->pid, &status, 0);
			}
			usleep(10000);
		}
		na->pid = -1;
	}
	if (na->chan)
		chan_gone(na);
}

/* ---- life cycle ---------------------------------------------------------------------------- */

static void remember(struct netd_agent *na, const struct d0_config *cfg)
{
	snprintf(na->listen, sizeof(na->listen), "%s", cfg->agent_listen);
	na->port = cfg->agent_port;
	snprintf(na->user, sizeof(na->user), "%s", cfg->agent_user);
	snprintf(na->cert, sizeof(na->cert), "%s", cfg->agent_tls_cert);
	snprintf(na->key, sizeof(na->key), "%s", cfg->agent_tls_key);
	na->plain = cfg->agent_plain_http;
	memcpy(na->hash, cfg->agent_password_hash, sizeof(na->hash));
}

void netd_agent_start(struct netd *d)
{
	struct netd_agent *na;

	if (!d->cfg.agent_enable || d->agent)
		return;
	na = calloc(1, sizeof(*na));
	if (!na) {
		log_warn("agent");
		return;
	}
	na->d = d;
	na->lfd = -1;
	na->pid = -1;
	d->agent = na;
	na->restart = evtimer_new(d->base, on_restart, na);
	na->sigchld = evsignal_new(d->base, SIGCHLD, on_sigchld, na);
	if (!na->restart || !na->sigchld || evsignal_add(na->sigchld, NULL) < 0) {
		log_warn("agent: event set-up");
		return;
	}
	remember(na, &d->cfg);
	if (bind_listener(na, &d->cfg) < 0) {
		/* Do no harm: netd runs on without the agent. */
		log_warn("agent: cannot listen on %s port %u; the agent API is off",
			 d->cfg.agent_listen, d->cfg.agent_port);
		return;
	}
	if (proc_start(na) < 0)
		log_warn("agent: cannot start");
}

void netd_agent_stop(struct netd *d)
{
	struct netd_agent *na = d->agent;

	if (!na)
		return;
	proc_stop(na);
	if (na->sigchld)
		event_free(na->sigchld);
	if (na->restart)
		event_free(na->restart);
	if (na->lfd >= 0)
		close(na->lfd);
	netd_agent_sg_free(na);
	explicit_bzero(na->hash, sizeof(na->hash));
	free(na);
	d->agent = NULL;
}

void netd_agent_reload(struct netd *d)
{
	struct netd_agent *na = d->agent;
	const struct d0_config *cfg = &d->cfg;
	struct ag_auth a;

	if (!na || na->lfd < 0 || (na->pid <= 0 && !(na->restart && evtimer_pending(na->restart, NULL))) ||
	    !cfg->agent_enable || strcmp(na->listen, cfg->agent_listen) != 0 ||
	    na->port != cfg->agent_port || strcmp(na->user, cfg->agent_user) != 0 ||
	    strcmp(na->cert, cfg->agent_tls_cert) != 0 || strcmp(na->key, cfg->agent_tls_key) != 0 ||
	    na->plain != cfg->agent_plain_http) {
		/* Where it listens or how (or it could not listen or start): a new
		 * listener and a new child. */
		if (na)
			log_info("agent: configuration changed; restarting it");
		netd_agent_stop(d);
		netd_agent_start(d);
		return;
	}
	if (memcmp(na->hash, cfg->agent_password_hash, sizeof(na->hash)) == 0)
		return;
	memcpy(na->hash, cfg->agent_password_hash, sizeof(na->hash));
	memset(&a, 0, sizeof(a));
	memcpy(a.password_hash, cfg->agent_password_hash, sizeof(a.password_hash));
	a.password_hash[sizeof(a.password_hash) - 1] = '\0';
	if (na->chan && ag_chan_send(na->chan, AG_AUTH, &a, sizeof(a), NULL, 0) == 0)
		log_info("agent: password changed");
	explicit_bzero(&a, sizeof(a));
}
