/* VNC authentication: the challenge, the DES response and its comparison. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <rfb/rfbproto.h>

#include <dom0net/vncgw.h>

int vnc_challenge(uint8_t out[VNC_CHALLENGE_LEN])
{
	size_t got = 0;

	while (got < VNC_CHALLENGE_LEN) {
		ssize_t n = getrandom(out + got, VNC_CHALLENGE_LEN - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

int vnc_auth_response(const uint8_t challenge[VNC_CHALLENGE_LEN], const char *password,
		      uint8_t out[VNC_CHALLENGE_LEN])
{
	char key[VNC_PASSWORD_MAX + 1];
	size_t n = password ? strnlen(password, VNC_PASSWORD_MAX) : 0;

	if (n == 0) {
		errno = EINVAL;	/* an all-zero key is DES-weak and means "no password" */
		return -1;
	}
	memcpy(key, password, n);
	key[n] = '\0';
	memcpy(out, challenge, VNC_CHALLENGE_LEN);
	rfbEncryptBytes(out, key);	/* cuts/pads to 8 and bit-reverses, as viewers do */
	explicit_bzero(key, sizeof(key));
	/* libvncserver's cipher wrapper fails silently, leaving the bytes as they were:
	 * accepting an echoed challenge would let anyone in. */
	if (memcmp(out, challenge, 8) == 0 || memcmp(out + 8, challenge + 8, 8) == 0) {
		explicit_bzero(out, VNC_CHALLENGE_LEN);
		errno = EIO;
		return -1;
	}
	return 0;
}

bool vnc_auth_equal(const uint8_t a[VNC_CHALLENGE_LEN], const uint8_t b[VNC_CHALLENGE_LEN])
{
	volatile uint8_t diff = 0;

	for (size_t i = 0; i < VNC_CHALLENGE_LEN; i++)
		diff |= (uint8_t)(a[i] ^ b[i]);
	return diff == 0;
}
