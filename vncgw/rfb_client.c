/* The backend-facing RFB handshake (we are qemu's client) as a pure state machine.
 * The backend is untrusted too (qemu runs for the guest): every length is bounded.
 * We speak min(server, 3.8); prefer security type None when offered, else VNC
 * authentication with the guest's password; then send ClientInit with shared=1 so a
 * viewer can never kick the others off. ServerInit and all that follows is relayed
 * unparsed, so the machine stops there. */
#include <stdio.h>
#include <string.h>

#include <dom0net/vncgw.h>

#include "rfb_common.h"

#define RFB_SEC_NONE 1
#define RFB_SEC_VNCAUTH 2
#define RFB_MAX_BACKEND_REASON 65536u

static void out(struct rfb_cli *c, const void *p, size_t n)
{
	rfb_out(c->out, &c->out_len, sizeof(c->out), p, n);
}

static void fail(struct rfb_cli *c, const char *why)
{
	snprintf(c->error, sizeof(c->error), "%.*s", (int)sizeof(c->error) - 1, why);
	c->state = RFB_CLI_FAILED;
}

void rfb_cli_init(struct rfb_cli *c, const char *password)
{
	memset(c, 0, sizeof(*c));
	c->state = RFB_CLI_VERSION;
	if (password)
		snprintf(c->password, sizeof(c->password), "%.*s", VNC_PASSWORD_MAX, password);
}

void rfb_cli_wipe(struct rfb_cli *c)
{
	explicit_bzero(c->password, sizeof(c->password));
}

static void client_init(struct rfb_cli *c)
{
	uint8_t shared = 1;

	out(c, &shared, 1);
	c->state = RFB_CLI_DONE;
	rfb_cli_wipe(c);
}

static void on_version(struct rfb_cli *c, const uint8_t *in)
{
	int major, minor;
	char v[RFB_VERSION_LEN + 1];

	if (rfb_parse_version(in, &major, &minor) < 0 || major != 3) {
		fail(c, "backend is not an RFB 3.x server");
		return;
	}
	c->minor = minor >= 8 ? 8 : minor == 7 ? 7 : 3;
	snprintf(v, sizeof(v), "RFB 003.%03d\n", c->minor);
	out(c, v, RFB_VERSION_LEN);
	c->state = c->minor == 3 ? RFB_CLI_SECTYPE33 : RFB_CLI_NTYPES;
}

static void after_none(struct rfb_cli *c)
{
	/* 3.3 and 3.7 send no SecurityResult for None. */
	if (c->minor >= 8)
		c->state = RFB_CLI_RESULT;
	else
		client_init(c);
}

static void on_sectype33(struct rfb_cli *c, uint32_t type)
{
	char why[80];

	switch (type) {
	case 0:
		c->state = RFB_CLI_REASON_LEN;
		return;
	case RFB_SEC_NONE:
		after_none(c);
		return;
	case RFB_SEC_VNCAUTH:
		if (!c->password[0]) {
			fail(c, "backend asks for a VNC password and xenstore has none");
			return;
		}
		c->vnc_auth = true;
		c->state = RFB_CLI_CHALLENGE;
		return;
	}
	snprintf(why, sizeof(why), "backend chose unsupported security type %u", type);
	fail(c, why);
}

static void on_types(struct rfb_cli *c, const uint8_t *types, unsigned n)
{
	bool none = false, vnc = false;
	uint8_t pick;

	for (unsigned i = 0; i < n; i++) {
		none |= types[i] == RFB_SEC_NONE;
		vnc |= types[i] == RFB_SEC_VNCAUTH;
	}
	if (none) {
		pick = RFB_SEC_NONE;
		out(c, &pick, 1);
		after_none(c);
		return;
	}
	if (!vnc) {
		fail(c, "backend offers neither None nor VNC authentication");
		return;
	}
	if (!c->password[0]) {
		fail(c, "backend asks for a VNC password and xenstore has none");
		return;
	}
	pick = RFB_SEC_VNCAUTH;
	out(c, &pick, 1);
	c->vnc_auth = true;
	c->state = RFB_CLI_CHALLENGE;
}

static void on_challenge(struct rfb_cli *c, const uint8_t *challenge)
{
	uint8_t resp[VNC_CHALLENGE_LEN];

	if (vnc_auth_response(challenge, c->password, resp) < 0) {
		fail(c, "cannot compute the VNC authentication response");
		return;
	}
	out(c, resp, sizeof(resp));
	explicit_bzero(resp, sizeof(resp));
	rfb_cli_wipe(c);
	c->state = RFB_CLI_RESULT;
}

static void on_result(struct rfb_cli *c, uint32_t result)
{
	if (result == 0) {
		client_init(c);
		return;
	}
	if (c->minor >= 8) {
		c->state = RFB_CLI_REASON_LEN;
		return;
	}
	fail(c, c->vnc_auth ? "backend rejected the guest's VNC password"
			    : "backend refused the connection");
}

static void reason_done(struct rfb_cli *c)
{
	char why[RFB_REASON_MAX + 24];

	c->reason[c->reason_len] = '\0';
	snprintf(why, sizeof(why), "backend refused: %s", c->reason_len ? c->reason : "(no reason)");
	fail(c, why);
}

static size_t on_reason(struct rfb_cli *c, const uint8_t *in, size_t len)
{
	size_t n = len < c->reason_left ? len : c->reason_left;

	for (size_t i = 0; i < n; i++) {
		/* Only printable ASCII reaches our logs. */
		if (c->reason_len + 1 < sizeof(c->reason))
			c->reason[c->reason_len++] = in[i] >= 0x20 && in[i] < 0x7f ? (char)in[i] : '?';
	}
	c->reason_left -= (uint32_t)n;
	if (c->reason_left == 0)
		reason_done(c);
	return n;
}

size_t rfb_cli_feed(struct rfb_cli *c, const uint8_t *in, size_t len)
{
	switch (c->state) {
	case RFB_CLI_VERSION:
		if (len < RFB_VERSION_LEN)
			return 0;
		on_version(c, in);
		return RFB_VERSION_LEN;
	case RFB_CLI_SECTYPE33:
		if (len < 4)
			return 0;
		on_sectype33(c, rfb_get32(in));
		return 4;
	case RFB_CLI_NTYPES:
		if (len < 1)
			return 0;
		c->ntypes = in[0];
		c->state = c->ntypes ? RFB_CLI_TYPES : RFB_CLI_REASON_LEN;
		return 1;
	case RFB_CLI_TYPES:
		if (len < c->ntypes)
			return 0;
		on_types(c, in, c->ntypes);
		return c->ntypes;
	case RFB_CLI_CHALLENGE:
		if (len < VNC_CHALLENGE_LEN)
			return 0;
		on_challenge(c, in);
		return VNC_CHALLENGE_LEN;
	case RFB_CLI_RESULT:
		if (len < 4)
			return 0;
		on_result(c, rfb_get32(in));
		return 4;
	case RFB_CLI_REASON_LEN:
		if (len < 4)
			return 0;
		c->reason_left = rfb_get32(in);
		if (c->reason_left > RFB_MAX_BACKEND_REASON)
			fail(c, "backend sent an oversized failure reason");
		else if (c->reason_left == 0)
			reason_done(c);
		else
			c->state = RFB_CLI_REASON;
		return 4;
	case RFB_CLI_REASON:
		return on_reason(c, in, len);
	case RFB_CLI_DONE:
	case RFB_CLI_FAILED:
		break;
	}
	return 0;
}

void rfb_cli_consumed(struct rfb_cli *c, size_t n)
{
	if (n >= c->out_len) {
		c->out_len = 0;
		return;
	}
	memmove(c->out, c->out + n, c->out_len - n);
	c->out_len -= n;
}
