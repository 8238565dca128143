/* The gateway process's internals (not used outside vncgw/). */
#ifndef VNCGW_GW_H
#define VNCGW_GW_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include <dom0net/vncgw.h>

#define GW_IO_CHUNK (256u * 1024)	/* one read() or write() in the relay */
#define GW_HIGH_WATER (1024u * 1024)	/* stop reading a side whose peer queues this much */
#define GW_LOW_WATER (256u * 1024)	/* ... and resume below this */
#define GW_HS_INPUT_MAX 4096u		/* bytes a client may send before the relay */
#define GW_HS_BACKEND_MAX 65536u	/* ... and a backend (ServerInit's name included) */
#define GW_LINGER_S 10			/* half-closed or failed sessions flush this long */
#define GW_ACCEPT_PAUSE_MS 1000		/* listeners rest this long after EMFILE */
#define GW_ADDR_TABLE 4096		/* client addresses tracked */
#define GW_PIPE_SIZE (256u * 1024)	/* splice pipes: what one relay step can move */
#define GW_PIPE_POOL 16			/* idle pipes kept for reuse */
#define GW_SPLICE_MIN (16u * 1024)	/* splice when this much is waiting, else copy */

struct gw;
struct session;

struct gw_console {
	struct gw *gw;
	struct gw_console *next;
	struct vg_console c;	/* as netd sent it */
	struct evconnlistener *lis[VG_MAX_LISTEN];
	int nlis;
	unsigned viewers, pending;
};

struct gw {
	struct event_base *base;
	struct vg_chan *chan;
	struct vg_hello cfg;
	struct gw_console *consoles;
	struct gw_limits *limits;
	struct session *sessions;	/* every connection */
	unsigned n_conns, n_unauth, n_relaying;
	uint32_t next_id;
	struct event *accept_resume;
	bool accept_paused;
	uint64_t cap_warned_ms;
	uint8_t *scratch;		/* GW_IO_CHUNK bytes shared by every relay read */
	int pipes[GW_PIPE_POOL][2];	/* empty splice pipes */
	int npipes;
	bool no_splice;			/* the kernel refused splice on these sockets */
};

/* gw_pipe.c: a pool of empty pipes for splice(2) (sockets -> pipe -> socket moves
 * pages instead of copying them through the gateway). */
int gw_pipe_get(struct gw *gw, int p[2]);
void gw_pipe_put(struct gw *gw, int p[2]);	/* only empty pipes */
void gw_pipe_close(int p[2]);
void gw_pipes_free(struct gw *gw);

uint64_t gw_now_ms(void);
struct gw_console *gw_console_find(struct gw *gw, uint32_t id);
/* Tells netd how many viewers a console has. */
void gw_report(struct gw *gw, struct gw_console *con);
/* Listeners off for a while after EMFILE/ENFILE. */
void gw_accept_pause(struct gw *gw);

/* gw_session.c */
void session_accept(struct gw *gw, struct gw_console *con, int fd, const struct sockaddr *sa,
		    int salen);
void session_dial_reply(struct gw *gw, const struct vg_dial_reply *r, int fd);
/* Closes every session of a console (it went away). */
void session_close_console(struct gw *gw, struct gw_console *con, const char *reason);
void session_close_all(struct gw *gw, const char *reason);

/* sandbox.c: from root (or whoever netd runs as) to uid/gid without capabilities,
 * no new privileges, a system call allow-list. Returns VG_SANDBOX_* flags reached;
 * -1 (errno) when a mandatory step failed. */
int gw_sandbox(const struct vg_hello *h, char *err, size_t errlen);

#endif
