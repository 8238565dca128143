/* Control protocol framing, shared by netctl and netd. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <dom0net/ctl.h>

int ctl_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_write_msg(int fd, uint16_t type, uint32_t flags, int32_t status, const void *payload,
		  size_t len)
{
	struct ctl_hdr h = { D0_CTL_VERSION, type, flags, status, (uint32_t)len };

	if (len > D0_CTL_MAX_RESPONSE) {
		errno = EMSGSIZE;
		return -1;
	}
	if (write_all(fd, &h, sizeof(h)) < 0)
		return -1;
	return len ? write_all(fd, payload, len) : 0;
}

int ctl_read_msg(int fd, struct ctl_hdr *hdr, char **payload, size_t max)
{
	char *buf;

	*payload = NULL;
	if (read_all(fd, hdr, sizeof(*hdr)) < 0)
		return -1;
	if (hdr->version != D0_CTL_VERSION) {
		errno = EPROTO;
		return -1;
	}
	if (hdr->len > max) {
		errno = EMSGSIZE;
		return -1;
	}
	buf = malloc((size_t)hdr->len + 1);
	if (!buf)
		return -1;
	if (read_all(fd, buf, hdr->len) < 0) {
		free(buf);
		return -1;
	}
	buf[hdr->len] = '\0';
	*payload = buf;
	return 0;
}

int ctl_call(const char *path, uint16_t type, uint32_t flags, int argc, char *const *argv,
	     int32_t *status, char **out, size_t *outlen)
{
	char req[D0_CTL_MAX_REQUEST];
	size_t len = 0;
	struct ctl_hdr h;
	int fd, rc = -1;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;

		if (len + n > sizeof(req)) {
			errno = E2BIG;
			return -1;
		}
		memcpy(req + len, argv[i], n);
		len += n;
	}
	fd = ctl_connect(path);
	if (fd < 0)
		return -1;
	if (ctl_write_msg(fd, type, flags, 0, req, len) == 0 &&
	    ctl_read_msg(fd, &h, out, D0_CTL_MAX_RESPONSE) == 0) {
		if (h.type != (type | CTL_RESPONSE)) {
			free(*out);
			*out = NULL;
			errno = EPROTO;
		} else {
			*status = h.status;
			if (outlen)
				*outlen = h.len;
			rc = 0;
		}
	}
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return rc;
}

int ctl_split_args(const char *payload, size_t len, const char **argv, int max)
{
	int n = 0;
	size_t pos = 0;

	if (len && payload[len - 1] != '\0')
		return -1; /* every argument must be terminated */
	while (pos < len) {
		if (n == max)
			return -1;
		argv[n++] = payload + pos;
		pos += strlen(payload + pos) + 1;
	}
	return n;
}
