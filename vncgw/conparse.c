/* Parsers for the console keys in xenstore. The console directory of a domain is
 * writable by the guest, so every value is hostile until checked: backends must be
 * on loopback or a unix socket in an allowed directory, numbers are strict decimal. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include <dom0net/err.h>
#include <dom0net/vncgw.h>

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (!s || !*s || (s[0] == '0' && s[1]) || strlen(s) > 10)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int con_parse_domid(const char *s, unsigned *out)
{
	return parse_uint(s, 0x7fef, out);	/* DOMID_FIRST_RESERVED - 1 */
}

int con_parse_port(const char *s, unsigned *out)
{
	if (parse_uint(s, 65535, out) < 0 || *out == 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

static bool path_normalised(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *s = p; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
		if (s[0] == '/' && (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || !s[2] ||
				(s[2] == '.' && (s[3] == '/' || !s[3]))))))
			return false;
	}
	return true;
}

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (n == 0 || strncmp(path, prefix, n) != 0)
		return false;
	/* "/run/xen" allows "/run/xen/x", not "/run/xenfoo". */
	return prefix[n - 1] == '/' || path[n] == '/';
}

static int unix_backend(const char *path, const char *const *prefixes, struct con_backend *b,
			struct d0_err *e)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&b->addr;
	bool ok = false;

	if (strlen(path) >= sizeof(sun->sun_path) || !path_normalised(path)) {
		d0_err_set(e, EINVAL, "unix socket path is not an absolute normalised path");
		return -1;
	}
	for (size_t i = 0; prefixes && prefixes[i]; i++)
		ok |= under(path, prefixes[i]);
	if (!ok) {
		d0_err_set(e, EPERM, "unix socket %s is outside the allowed directories", path);
		return -1;
	}
	memset(b, 0, sizeof(*b));
	b->kind = CON_BACKEND_UNIX;
	sun->sun_family = AF_UNIX;
	strcpy(sun->sun_path, path);
	b->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
	snprintf(b->desc, sizeof(b->desc), "unix:%s", path);
	return 0;
}

int con_parse_backend(const char *listen, unsigned port, const char *const *unix_prefixes,
		      struct con_backend *out, struct d0_err *e)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!listen || !*listen || strcmp(listen, "localhost") == 0)
		listen = "127.0.0.1";	/* qemu's default for vnc-listen */
	if (strncmp(listen, "unix:", 5) == 0)
		return unix_backend(listen + 5, unix_prefixes, out, e);
	if (port == 0 || port > 65535) {
		d0_err_set(e, EINVAL, "no valid backend port");
		return -1;
	}
	/* A wildcard listen (0.0.0.0, ::) means qemu answers on loopback too. */
	if (strcmp(listen, "0.0.0.0") == 0 || strcmp(listen, "::") == 0)
		listen = "127.0.0.1";
	memset(out, 0, sizeof(*out));
	out->kind = CON_BACKEND_TCP;
	out->tcp_port = (uint16_t)port;
	if (inet_pton(AF_INET, listen, &a4) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)&out->addr;

		if ((ntohl(a4.s_addr) >> 24) != 127) {
			d0_err_set(e, EPERM, "backend address %s is not loopback", listen);
			return -1;
		}
		in->sin_family = AF_INET;
		in->sin_addr = a4;
		in->sin_port = htons((uint16_t)port);
		out->addrlen = sizeof(*in);
		snprintf(out->desc, sizeof(out->desc), "%s:%u", listen, port);
		return 0;
	}
	if (inet_pton(AF_INET6, listen, &a6) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->addr;

		if (!IN6_IS_ADDR_LOOPBACK(&a6)) {
			d0_err_set(e, EPERM, "backend address %s is not loopback", listen);
			return -1;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = a6;
		in6->sin6_port = htons((uint16_t)port);
		out->addrlen = sizeof(*in6);
		snprintf(out->desc, sizeof(out->desc), "[::1]:%u", port);
		return 0;
	}
	d0_err_set(e, EINVAL, "backend address is not a numeric loopback address");
	return -1;
}

int con_parse_password(const char *v, size_t len, char out[VNC_PASSWORD_MAX + 1])
{
	memset(out, 0, VNC_PASSWORD_MAX + 1);
	if (!v || len == 0 || strlen(v) != len)
		return -1;
	memcpy(out, v, len < VNC_PASSWORD_MAX ? len : VNC_PASSWORD_MAX);
	return 0;
}
