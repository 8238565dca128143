/* Splice pipes for the relay. A pipe is taken for one move (socket -> pipe -> socket)
 * and returned empty; a session keeps it only while the destination cannot take the
 * rest. Idle sessions hold none. */
#include <fcntl.h>
#include <unistd.h>

#include "gw.h"

int gw_pipe_get(struct gw *gw, int p[2])
{
	if (gw->npipes > 0) {
		gw->npipes--;
		p[0] = gw->pipes[gw->npipes][0];
		p[1] = gw->pipes[gw->npipes][1];
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	/* Larger than the default 64 KiB: fewer steps per frame. Best effort. */
	fcntl(p[0], F_SETPIPE_SZ, (int)GW_PIPE_SIZE);
	return 0;
}

void gw_pipe_close(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	p[0] = p[1] = -1;
}

void gw_pipe_put(struct gw *gw, int p[2])
{
	if (gw->npipes < GW_PIPE_POOL) {
		gw->pipes[gw->npipes][0] = p[0];
		gw->pipes[gw->npipes][1] = p[1];
		gw->npipes++;
		p[0] = p[1] = -1;
		return;
	}
	gw_pipe_close(p);
}

void gw_pipes_free(struct gw *gw)
{
	while (gw->npipes > 0) {
		gw->npipes--;
		gw_pipe_close(gw->pipes[gw->npipes]);
	}
}
