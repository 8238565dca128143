/* vnc-bench: libvncclient-based load for bench/vnc/run.sh.
 *
 *   vnc-bench [-p PASSFILE] -m MODE [-n N] [-c CONNS] [-d SECONDS] HOST PORT
 *     frames    full non-incremental Raw frames one after the other for -d seconds:
 *               "frames=<n> bytes=<b> mbs=<MB/s>"
 *     rtt       -n round trips of a 1x1 non-incremental update request:
 *               "rtt_us_p50=<> rtt_us_p99=<>"
 *     parallel  -c sessions, each doing "frames" for -d seconds (one thread each):
 *               "sessions=<c> mbs=<aggregate MB/s>"
 *     idle      -c sessions connected and idle for -d seconds: "connected=<c>"
 * MB is 10^6 bytes of pixel data (width x height x 4 per frame). */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rfb/rfbclient.h>

/* Sanitizer builds: libvncclient leaks a little by design (the caller owns the frame
 * buffer, rfbGetClient strdups); leak reports of a test client are noise. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static char password[64];
static const char *host;
static int port;
static int small_init;	/* idle sessions: the initial update request covers 1x1 */

struct sess {
	rfbClient *cl;
	volatile int done;
	long long covered, want;	/* pixels of the update received / asked for */
	double seconds;
	unsigned long long bytes;
	unsigned long frames;
	pthread_t th;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *get_password(rfbClient *c)
{
	return strdup(password);
}

static void finished(rfbClient *c)
{
	struct sess *s = rfbClientGetClientData(c, (void *)finished);

	/* Updates carrying only pseudo-encodings do not answer the request. */
	if (s->covered >= s->want)
		s->done = 1;
}

static void got_rect(rfbClient *c, int x, int y, int w, int h)
{
	struct sess *s = rfbClientGetClientData(c, (void *)finished);

	s->covered += (long long)w * h;
}

static void nolog(const char *fmt, ...)
{
}

static rfbClient *open_session(struct sess *s)
{
	rfbClient *cl = rfbGetClient(8, 3, 4);

	cl->GetPassword = get_password;
	cl->FinishedFrameBufferUpdate = finished;
	cl->GotFrameBufferUpdate = got_rect;
	cl->appData.encodingsString = "raw";
	cl->appData.shareDesktop = TRUE;
	cl->connectTimeout = 5;
	cl->readTimeout = 15;	/* seconds: a stuck server must not hang a test */
	cl->serverHost = strdup(host);
	cl->serverPort = port;
	rfbClientSetClientData(cl, (void *)finished, s);
	if (small_init) {
		/* rfbInitClient asks for updateRect at once; idle sessions take 1 pixel, so
		 * the gateway's memory is measured idle, not after 100 full frames. */
		cl->updateRect.x = cl->updateRect.y = 0;
		cl->updateRect.w = cl->updateRect.h = 1;
	}
	if (!rfbInitClient(cl, NULL, NULL))
		return NULL;
	s->cl = cl;
	/* Let the answers to rfbInitClient's own requests (and pseudo-encodings) pass. */
	for (double t0 = now(); now() - t0 < (small_init ? 0.02 : 0.3);) {
		int n = WaitForMessage(cl, 50000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl)))
			return NULL;
	}
	return cl;
}

/* One update for the rectangle; 0 when it arrived. */
static int update(struct sess *s, int x, int y, int w, int h)
{
	s->done = 0;
	s->covered = 0;
	s->want = (long long)w * h;
	if (!SendFramebufferUpdateRequest(s->cl, x, y, w, h, FALSE))
		return -1;
	while (!s->done) {
		int n = WaitForMessage(s->cl, 1000000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(s->cl)))
			return -1;
	}
	return 0;
}

static void *frames_thread(void *arg)
{
	struct sess *s = arg;
	double t0 = now(), end = t0 + s->seconds;
	unsigned long long fb = (unsigned long long)s->cl->width * s->cl->height * 4;

	while (now() < end) {
		if (update(s, 0, 0, s->cl->width, s->cl->height) < 0)
			break;
		s->frames++;
		s->bytes += fb;
	}
	s->seconds = now() - t0;
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *mode = "frames", *passfile = NULL;
	int c, n = 1000, conns = 1;
	double secs = 3;

	while ((c = getopt(argc, argv, "p:m:n:c:d:")) != -1) {
		switch (c) {
		case 'p':
			passfile = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'c':
			conns = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 2 != argc)
		return 2;
	host = argv[optind];
	port = atoi(argv[optind + 1]);
	if (passfile) {
		FILE *f = fopen(passfile, "r");

		if (!f || !fgets(password, sizeof(password), f))
			return 2;
		fclose(f);
		password[strcspn(password, "\r\n")] = '\0';
	}
	rfbClientLog = rfbClientErr = nolog;
	if (strcmp(mode, "rtt") == 0) {
		struct sess s = { 0 };
		double *t = calloc((size_t)n, sizeof(double));

		if (!open_session(&s))
			return 1;
		update(&s, 0, 0, 1, 1);	/* warm-up */
		for (int i = 0; i < n; i++) {
			double t0 = now();

			if (update(&s, 0, 0, 1, 1) < 0)
				return 1;
			t[i] = (now() - t0) * 1e6;
		}
		qsort(t, (size_t)n, sizeof(double), cmp);
		printf("rtt_us_p50=%.1f rtt_us_p99=%.1f\n", t[n / 2], t[(n * 99) / 100]);
		return 0;
	}
	{
		struct sess *s = calloc((size_t)conns, sizeof(*s));
		unsigned long long bytes = 0;
		double maxsec = 0;
		int ok = 0;

		small_init = strcmp(mode, "idle") == 0;
		for (int i = 0; i < conns; i++) {
			s[i].seconds = secs;
			if (open_session(&s[i]))
				ok++;
		}
		if (strcmp(mode, "idle") == 0) {
			printf("connected=%d\n", ok);
			fflush(stdout);
			usleep((useconds_t)(secs * 1e6));
			return ok == conns ? 0 : 1;
		}
		if (ok != conns)
			return 1;
		for (int i = 0; i < conns; i++)
			pthread_create(&s[i].th, NULL, frames_thread, &s[i]);
		for (int i = 0; i < conns; i++) {
			pthread_join(s[i].th, NULL);
			bytes += s[i].bytes;
			if (s[i].seconds > maxsec)
				maxsec = s[i].seconds;
		}
		if (strcmp(mode, "frames") == 0)
			printf("frames=%lu bytes=%llu mbs=%.1f\n", s[0].frames, bytes,
			       (double)bytes / 1e6 / maxsec);
		else
			printf("sessions=%d mbs=%.1f\n", conns, (double)bytes / 1e6 / maxsec);
	}
	return 0;
}
