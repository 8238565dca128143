/* HTTP Basic authentication against the agent password's crypt(3) hash. The header
 * is untrusted; the password never leaves these buffers (callers wipe them) and is
 * never logged. */
#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

bool ag_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 base64 (padding required); -1 if malformed or longer than size. */
static int b64_decode(const char *in, size_t len, unsigned char *out, size_t size, size_t *outlen)
{
	size_t n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;

		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)in[i + (size_t)k];

			if (c == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64val(c)) < 0) {
				return -1;
			}
		}
		if (n + 3 - (size_t)pad > size)
			return -1;
		out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[n++] = (unsigned char)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (pad < 1)
			out[n++] = (unsigned char)((v[2] & 0x3) << 6 | v[3]);
	}
	*outlen = n;
	return 0;
}

int ag_basic_parse(const char *header, char *user, size_t ulen, char *pw, size_t plen)
{
	unsigned char buf[AG_PASSWORD_MAX * 2];
	const char *p, *end;
	unsigned char *colon;
	size_t n = 0;
	int rc = -1;

	if (!header || strncasecmp(header, "Basic", 5) != 0 || (header[5] != ' ' && header[5] != '\t'))
		return -1;
	for (p = header + 5; *p == ' ' || *p == '\t'; p++)
		;
	for (end = p; *end && *end != ' ' && *end != '\t'; end++)
		;
	if (*end && end[strspn(end, " \t")] != '\0')
		return -1;	/* something after the credentials */
	if (b64_decode(p, (size_t)(end - p), buf, sizeof(buf), &n) < 0)
		goto out;
	colon = memchr(buf, ':', n);
	if (!colon || memchr(buf, '\0', n))
		goto out;
	if ((size_t)(colon - buf) >= ulen || n - (size_t)(colon - buf) - 1 >= plen)
		goto out;
	memcpy(user, buf, (size_t)(colon - buf));
	user[colon - buf] = '\0';
	memcpy(pw, colon + 1, n - (size_t)(colon - buf) - 1);
	pw[n - (size_t)(colon - buf) - 1] = '\0';
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return rc;
}

bool ag_password_check(const char *pw, const char *hash)
{
	struct crypt_data *cd;
	const char *out;
	bool ok = false;
	size_t hl = strlen(hash);

	/* "", "*", "!...": no password can match (crypt would also fail on them). */
	if (hl < 3 || hash[0] == '*' || hash[0] == '!')
		return false;
	cd = calloc(1, sizeof(*cd));	/* ~32 KB: not on the stack */
	if (!cd)
		return false;
	out = crypt_rn(pw, hash, cd, sizeof(*cd));
	if (out && out[0] != '*' && strlen(out) == hl)
		ok = ag_ct_equal(out, hash, hl);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
