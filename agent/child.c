/* The agent process: netd re-executes itself with AGENT_CHILD_ARG and hands over one
 * end of a socketpair as descriptor 3. The first message (HELLO) carries whom to
 * become, the limits, the password hash, the bound listener and, for HTTPS, the
 * certificate and key. Everything that needs a file or privilege happens before the
 * lock-down (TLS context, crypt and digest warm-up, syslog); then READY, and from
 * there on the agent only serves clients and asks netd. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>
#include <dom0net/log.h>

#include "agent_int.h"

static void on_msg(void *arg, uint16_t type, const void *payload, size_t len, int *fds,
		   int nfds)
{
	struct agent *ag = arg;

	for (int i = 0; i < nfds; i++)
		close(fds[i]);	/* only HELLO carries descriptors (the check says so) */
	switch (type) {
	case AG_REPLY: {
		struct ag_reply r;

		memcpy(&r, payload, sizeof(r));
		ag_http_reply(ag, &r, (const char *)payload + sizeof(r));
		return;
	}
	case AG_AUTH: {
		struct ag_auth a;

		memcpy(&a, payload, sizeof(a));
		a.password_hash[sizeof(a.password_hash) - 1] = '\0';
		explicit_bzero(ag->hash, sizeof(ag->hash));
		memcpy(ag->hash, a.password_hash, sizeof(ag->hash));
		explicit_bzero(&a, sizeof(a));
		ag_auth_cache_clear(ag);
		log_info("password hash updated");
		return;
	}
	}
	log_warnx("unexpected message %u from netd; exiting", type);
	event_base_loopbreak(ag->base);
}

static void on_chan_closed(void *arg, const struct d0_err *e)
{
	struct agent *ag = arg;

	if (e->code != ECONNRESET)
		log_warnx("channel to netd: %s; exiting", e->msg);
	event_base_loopbreak(ag->base);
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* HELLO: -1 unless valid; fds[0] listener, fds[1..2] certificate and key. */
static int read_hello(struct ag_hello *h, int fds[AG_MAX_FDS], int *nfds)
{
	_Alignas(8) uint8_t buf[AG_MAX_MSG];
	struct d0_err e = { 0 };
	struct ag_hdr hdr;
	ssize_t n = ag_recv(AGENT_CHILD_FD, buf, sizeof(buf), fds, AG_MAX_FDS, nfds);

	if (n < 0 || ag_msg_check(buf, (size_t)n, *nfds, true, &e) < 0)
		goto bad;
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.type != AG_HELLO)
		goto bad;
	memcpy(h, buf + sizeof(hdr), sizeof(*h));
	explicit_bzero(buf, sizeof(buf));
	h->password_hash[sizeof(h->password_hash) - 1] = '\0';
	h->listen_desc[sizeof(h->listen_desc) - 1] = '\0';
	if (*nfds != (h->tls ? 3 : 1))
		goto bad;
	return 0;
bad:
	for (int i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
	return -1;
}

/* What opens files or libraries on first use, done before the sandbox. */
static void warm_up(struct agent *ag)
{
	struct rlimit rl;
	struct ag_parsed p;
	static const char call[] = "<?xml version=\"1.0\"?><methodCall><methodName>x</methodName>"
				   "<params></params></methodCall>";

	tzset();
	ag_password_check("warm-up", "$y$j9T$0123456789abcdefghijkl$"
				     "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG");
	ag_password_check("warm-up", "$6$0123456789abcdef$x");
	ag_auth_cache_clear(ag);	/* also the digest's key (getrandom) */
	ag_rpc_parse(call, sizeof(call) - 1, &p);
	log_info("starting on %s (%s)", ag->cfg.listen_desc, ag->ssl ? "HTTPS" : "plain HTTP");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Connections beyond the descriptors we have would only fail in accept(). */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < ag->cfg.max_conns + 32)
		ag->cfg.max_conns = rl.rlim_cur > 64 ? (uint32_t)rl.rlim_cur - 32 : 32;
}

int agent_child_main(void)
{
	static struct agent ag;
	struct ag_ready ready = { 0 };
	struct event *term = NULL;
	int fds[AG_MAX_FDS], nfds = 0, flags;
	char err[256];

	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "agent", 0, 0, 0);	/* exec'd as /proc/self/exe */
	if (read_hello(&ag.cfg, fds, &nfds) < 0) {
		log_warnx("agent: no valid HELLO from netd");
		return 1;
	}
	log_init("agent", (int)ag.cfg.log_stderr, (int)ag.cfg.log_syslog,
		 ag.cfg.log_level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : (enum log_level)ag.cfg.log_level);
	if (!ag.cfg.max_body || !ag.cfg.max_headers || !ag.cfg.max_conns ||
	    !ag.cfg.max_conns_per_addr || !ag.cfg.request_timeout_s || !ag.cfg.idle_timeout_s)
		fatalx("HELLO with zero limits");
	memcpy(ag.hash, ag.cfg.password_hash, sizeof(ag.hash));
	explicit_bzero(ag.cfg.password_hash, sizeof(ag.cfg.password_hash));
	if (ag.cfg.tls) {
		ag.ssl = ag_tls_ctx(fds[1], fds[2], err, sizeof(err));
		close(fds[1]);
		close(fds[2]);
		if (!ag.ssl)
			fatalx("%s", err);
	}
	warm_up(&ag);
	ag.base = event_base_new();
	if (!ag.base || event_base_priority_init(ag.base, 2) < 0)
		fatalx("event loop");
	ag.crypt_tokens = AG_CRYPT_BURST;
	ag.crypt_last = ag_now_ms();
	ag.chan = ag_chan_new(ag.base, AGENT_CHILD_FD, false, ag_msg_check, on_msg, on_chan_closed,
			      &ag);
	term = evsignal_new(ag.base, SIGTERM, on_term, ag.base);
	if (!ag.chan || !term || evsignal_add(term, NULL) < 0 || ag_http_start(&ag, fds[0]) < 0)
		fatal("set-up");
	flags = ag_sandbox(&ag.cfg, err, sizeof(err));
	if (flags < 0)
		fatalx("sandbox: %s", err);
	if (err[0])
		log_warnx("sandbox: %s", err);
	ready.pid = (uint32_t)getpid();
	ready.uid = (uint32_t)getuid();
	ready.flags = (uint32_t)flags;
	ag_chan_send(ag.chan, AG_READY, &ready, sizeof(ready), NULL, 0);
	log_info("ready: pid %d, uid %u, capabilities %s, seccomp %s", (int)getpid(),
		 (unsigned)getuid(), flags & AG_SANDBOX_NOCAPS ? "none" : "KEPT",
		 flags & AG_SANDBOX_SECCOMP ? "on" : "off");
	event_base_dispatch(ag.base);
	log_info("stopping (%lu requests, %lu failed logins, %lu connections refused)",
		 ag.requests, ag.logins_failed, ag.refused);
	ag_http_stop(&ag);
	ag_chan_free(ag.chan);
	event_free(term);
	ag_tls_free(ag.ssl);
	explicit_bzero(ag.hash, sizeof(ag.hash));
	event_base_free(ag.base);
	return 0;
}
