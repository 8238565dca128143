/* vnc-grab: a small libvncclient viewer for the tests. Connects, authenticates with
 * the password from a file (never argv), asks for one full frame and writes it as a
 * PPM; optionally stays connected and reports how the session ended.
 *
 *   vnc-grab [-p PASSFILE] [-o OUT.ppm] [-e ENCODINGS] [--hold SECONDS] [-q] HOST PORT
 *
 * Exit: 0 frame received (and, with --hold, still connected at the end),
 *       1 connection or authentication refused, 2 usage, 3 closed by the server during
 *       --hold, 4 no frame in time. Prints "frame WxH" and "closed after N ms". */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <rfb/rfbclient.h>

/* Sanitizer builds: libvncclient leaks a little by design (the caller owns the frame
 * buffer, rfbGetClient strdups); leak reports of a test client are noise. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

static char password[64];
static int got_frame;
static int quiet;

static char *get_password(rfbClient *c)
{
	return strdup(password);
}

static long long covered;

/* Pixel rectangles of the update; pseudo-encodings (cursor, desktop size) that qemu
 * sends first carry none. */
static void got_rect(rfbClient *c, int x, int y, int w, int h)
{
	covered += (long long)w * h;
}

static void frame_done(rfbClient *c)
{
	if (covered >= (long long)c->width * c->height)
		got_frame = 1;
}

static char last_log[256];

/* Quiet mode keeps libvncclient's last word for the failure message. */
static void keep_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	last_log[strcspn(last_log, "\n")] = '\0';
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_ppm(rfbClient *c, const char *path)
{
	FILE *f = fopen(path, "wb");
	int w = c->width, h = c->height;

	if (!f)
		return -1;
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	for (int i = 0; i < w * h; i++) {
		const uint8_t *p = c->frameBuffer + 4 * i;	/* 32 bpp, red shift 0 */

		fputc(p[0], f);
		fputc(p[1], f);
		fputc(p[2], f);
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	const char *out = NULL, *passfile = NULL, *enc = "raw";
	int hold = 0, c, timeout_ms = 10000;
	rfbClient *cl;
	long long t0;

	static const struct option opts[] = {
		{ "hold", required_argument, NULL, 'H' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	while ((c = getopt_long(argc, argv, "p:o:e:qt:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			passfile = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'e':
			enc = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 't':
			timeout_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 2 != argc)
		return 2;
	if (passfile) {
		FILE *f = fopen(passfile, "r");

		if (!f || !fgets(password, sizeof(password), f)) {
			fprintf(stderr, "vnc-grab: cannot read %s\n", passfile);
			return 2;
		}
		fclose(f);
		password[strcspn(password, "\r\n")] = '\0';
	}
	if (quiet)
		rfbClientLog = rfbClientErr = keep_log;
	cl = rfbGetClient(8, 3, 4);
	cl->GetPassword = get_password;
	cl->FinishedFrameBufferUpdate = frame_done;
	cl->GotFrameBufferUpdate = got_rect;
	cl->appData.encodingsString = enc;
	cl->appData.shareDesktop = TRUE;
	cl->connectTimeout = 5;
	cl->readTimeout = 15;	/* seconds: a stuck server must not hang a test */
	cl->serverHost = strdup(argv[optind]);
	cl->serverPort = atoi(argv[optind + 1]);
	if (!rfbInitClient(cl, NULL, NULL)) {
		/* rfbInitClient frees the client on failure. */
		printf("refused%s%s\n", last_log[0] ? ": " : "", last_log);
		return 1;
	}
	/* qemu answers SetEncodings with pseudo-encoding updates whose rectangles span the
	 * screen (libvncclient reports them like pixels): let them pass first. */
	t0 = now_ms();
	while (now_ms() - t0 < 300) {
		int n = WaitForMessage(cl, 50000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl))) {
			printf("closed before a frame\n");
			rfbClientCleanup(cl);
			return 3;
		}
	}
	covered = 0;
	got_frame = 0;
	SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, FALSE);
	t0 = now_ms();
	while (!got_frame && now_ms() - t0 < timeout_ms) {
		int n = WaitForMessage(cl, 100000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl))) {
			printf("closed before a frame\n");
			rfbClientCleanup(cl);
			return 3;
		}
	}
	if (!got_frame) {
		printf("no frame\n");
		rfbClientCleanup(cl);
		return 4;
	}
	printf("frame %dx%d\n", cl->width, cl->height);
	fflush(stdout);
	if (out && write_ppm(cl, out) < 0) {
		perror(out);
		rfbClientCleanup(cl);
		return 2;
	}
	t0 = now_ms();
	while (hold && now_ms() - t0 < hold * 1000LL) {
		int n = WaitForMessage(cl, 100000);

		if (n < 0 || (n > 0 && !HandleRFBServerMessage(cl))) {
			printf("closed after %lld ms\n", now_ms() - t0);
			rfbClientCleanup(cl);
			return 3;
		}
	}
	rfbClientCleanup(cl);
	return 0;
}
