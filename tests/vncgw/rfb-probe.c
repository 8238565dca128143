/* rfb-probe: a raw RFB client for the gateway tests: a chosen protocol version,
 * well-behaved or hostile.
 *
 *   rfb-probe [options] HOST PORT
 *     -v 3.3|3.7|3.8   version to speak (default: the server's)
 *     -p FILE          password file (first line)
 *     -s TYPE          security type to choose on 3.7+ (default 2; 1 tries a bypass)
 *     -g N             send N random bytes instead of a handshake
 *     -T STAGE         stop after: version | sectype | half-response
 *     -S MS            slow-loris: the version one byte every MS
 *     -f N             flood: N connections sending nothing after connecting;
 *                      prints how many got the server's version, holds -H seconds
 *     -H S             hold seconds: the flood, or an idle session after ServerInit
 *     -u               after ServerInit request a 1x1 update and wait for it
 *
 * Prints one line: "ok 3.X WxH" | "refused: REASON" | "closed: ..." and exits
 * 0 ok, 1 refused with a reason, 3 closed without one, 2 usage/connect error. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
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

/* Exported by libvncclient, not declared in its headers. */
extern void rfbClientEncryptBytes(unsigned char *bytes, char *passwd);

static int timeout_ms = 10000;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int dial(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	int fd, one = 1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Reads exactly n bytes; 0 ok, -1 closed/error/timeout. */
static int rd(int fd, void *buf, size_t n)
{
	size_t got = 0;
	long long end = now_ms() + timeout_ms;

	while (got < n) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = end - now_ms();
		ssize_t r;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int wr(int fd, const void *buf, size_t n)
{
	return write(fd, buf, n) == (ssize_t)n ? 0 : -1;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int reason(int fd, const char *what)
{
	uint8_t l[4];
	char buf[512];
	uint32_t n;

	if (rd(fd, l, 4) < 0) {
		printf("refused: %s (no reason)\n", what);
		return 1;
	}
	n = get32(l);
	if (n >= sizeof(buf) || rd(fd, buf, n) < 0) {
		printf("closed: bad reason length %u\n", n);
		return 3;
	}
	buf[n] = '\0';
	printf("refused: %s\n", buf);
	return 1;
}

/* Waits for the server to close; returns ms waited or -1 on timeout. */
static long long wait_close(int fd, int ms)
{
	long long t0 = now_ms();
	char buf[4096];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		long long left = ms - (now_ms() - t0);

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return -1;
		if (read(fd, buf, sizeof(buf)) <= 0)
			return now_ms() - t0;
	}
}

static int flood(const char *host, const char *port, int n, int hold)
{
	int *fds = calloc((size_t)n, sizeof(int)), served = 0, opened = 0;

	for (int i = 0; i < n; i++) {
		char v[12];
		struct pollfd p;

		fds[i] = dial(host, port);
		if (fds[i] < 0)
			continue;
		opened++;
		p = (struct pollfd){ fds[i], POLLIN, 0 };
		/* Served connections say their version at once; refused ones close. */
		if (poll(&p, 1, 200) == 1 && read(fds[i], v, sizeof(v)) == 12)
			served++;
	}
	printf("flood opened %d served %d\n", opened, served);
	fflush(stdout);
	sleep((unsigned)hold);
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return 0;
}

int main(int argc, char **argv)
{
	int c, minor = 0, sectype = 2, garbage = 0, slow = 0, floodn = 0, hold = 0, update = 0;
	const char *trunc = NULL, *passfile = NULL;
	char password[64] = "";
	uint8_t buf[64];
	int fd, srv_minor;

	signal(SIGPIPE, SIG_IGN);	/* a gateway closing on us is an answer, not a crash */
	while ((c = getopt(argc, argv, "v:p:s:g:T:S:f:H:ut:")) != -1) {
		switch (c) {
		case 'v':
			minor = strcmp(optarg, "3.3") == 0 ? 3 : strcmp(optarg, "3.7") == 0 ? 7 : 8;
			break;
		case 'p':
			passfile = optarg;
			break;
		case 's':
			sectype = atoi(optarg);
			break;
		case 'g':
			garbage = atoi(optarg);
			break;
		case 'T':
			trunc = optarg;
			break;
		case 'S':
			slow = atoi(optarg);
			break;
		case 'f':
			floodn = atoi(optarg);
			break;
		case 'H':
			hold = atoi(optarg);
			break;
		case 'u':
			update = 1;
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

		if (!f || !fgets(password, sizeof(password), f))
			return 2;
		fclose(f);
		password[strcspn(password, "\r\n")] = '\0';
	}
	if (floodn)
		return flood(argv[optind], argv[optind + 1], floodn, hold);
	fd = dial(argv[optind], argv[optind + 1]);
	if (fd < 0) {
		printf("connect: %s\n", strerror(errno));
		return 2;
	}
	if (garbage) {
		uint8_t *g = malloc((size_t)garbage);
		long long ms;

		getrandom(g, (size_t)garbage, 0);
		if (write(fd, g, (size_t)garbage) < 0)
			{ /* the gateway may have closed already */ }
		ms = wait_close(fd, timeout_ms);
		printf("garbage: %s\n", ms < 0 ? "still open" : "closed");
		free(g);
		return ms < 0 ? 2 : 3;
	}
	if (rd(fd, buf, 12) < 0) {
		printf("closed: no server version\n");
		return 3;
	}
	srv_minor = (buf[8] - '0') * 100 + (buf[9] - '0') * 10 + (buf[10] - '0');
	if (!minor)
		minor = srv_minor >= 8 ? 8 : srv_minor == 7 ? 7 : 3;
	snprintf((char *)buf, sizeof(buf), "RFB 003.%03d\n", minor);
	if (slow) {
		long long ms;

		for (int i = 0; i < 12; i++) {
			if (write(fd, buf + i, 1) != 1)
				break;
			usleep((useconds_t)slow * 1000);
		}
		ms = wait_close(fd, timeout_ms);
		printf("slow: %s\n", ms < 0 ? "still open" : "closed");
		return ms < 0 ? 2 : 3;
	}
	if (wr(fd, buf, 12) < 0)
		return 3;
	if (trunc && strcmp(trunc, "version") == 0)
		return 0;
	if (minor == 3) {
		if (rd(fd, buf, 4) < 0) {
			printf("closed: no security type\n");
			return 3;
		}
		if (get32(buf) == 0)
			return reason(fd, "3.3 security failure");
		if (get32(buf) != 2) {
			printf("closed: unexpected security type %u\n", get32(buf));
			return 3;
		}
	} else {
		uint8_t n, types[256];

		if (rd(fd, &n, 1) < 0) {
			printf("closed: no security types\n");
			return 3;
		}
		if (n == 0)
			return reason(fd, "no security types");
		if (rd(fd, types, n) < 0)
			return 3;
		buf[0] = (uint8_t)sectype;
		if (wr(fd, buf, 1) < 0)
			return 3;
		if (trunc && strcmp(trunc, "sectype") == 0)
			return 0;
		if (sectype != 2) {
			if (rd(fd, buf, 4) < 0) {
				printf("closed: after security type %d\n", sectype);
				return 3;
			}
			if (get32(buf) != 0)
				return minor >= 8 ? reason(fd, "security result") :
					(printf("refused: security result %u\n", get32(buf)), 1);
			printf("BYPASS: security type %d accepted\n", sectype);
			return 0;
		}
	}
	if (rd(fd, buf, 16) < 0) {
		printf("closed: no challenge\n");
		return 3;
	}
	rfbClientEncryptBytes(buf, password);
	if (trunc && strcmp(trunc, "half-response") == 0) {
		wr(fd, buf, 8);
		return 0;
	}
	if (wr(fd, buf, 16) < 0 || rd(fd, buf, 4) < 0) {
		printf("closed: no security result\n");
		return 3;
	}
	if (get32(buf) != 0) {
		if (minor >= 8)
			return reason(fd, "security result");
		printf("refused: security result %u\n", get32(buf));
		return 1;
	}
	buf[0] = 1;	/* shared */
	if (wr(fd, buf, 1) < 0 || rd(fd, buf, 24) < 0) {
		printf("closed: no ServerInit\n");
		return 3;
	}
	{
		unsigned w = (unsigned)buf[0] << 8 | buf[1], h = (unsigned)buf[2] << 8 | buf[3];
		uint32_t namelen = get32(buf + 20);
		char name[256] = "";

		if (namelen < sizeof(name) && rd(fd, name, namelen) == 0)
			name[namelen] = '\0';
		if (update) {
			/* SetEncodings raw, then FramebufferUpdateRequest 1x1 (pixel format as
			 * the server said). */
			uint8_t se[8] = { 2, 0, 0, 1, 0, 0, 0, 0 };
			uint8_t req[10] = { 3, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
			uint8_t hdr[4];

			if (wr(fd, se, 8) < 0 || wr(fd, req, 10) < 0 || rd(fd, hdr, 4) < 0 ||
			    hdr[0] != 0) {
				printf("closed: no update\n");
				return 3;
			}
		}
		printf("ok 3.%d %ux%u %s\n", minor, w, h, name);
	}
	if (hold) {
		/* Idle: ask for nothing and see whether the gateway ends the session. */
		long long ms;

		fflush(stdout);
		ms = wait_close(fd, hold * 1000);
		if (ms >= 0) {
			printf("closed after %lld ms\n", ms);
			return 3;
		}
		printf("still open\n");
	}
	close(fd);
	return 0;
}
