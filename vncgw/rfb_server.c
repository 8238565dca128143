/* The viewer-facing RFB handshake as a pure state machine: bytes in, bytes out and
 * one question (is this response right?) for the caller. No I/O, no clock: the
 * unit tests and the fuzzer drive it directly.
 *
 * Version: we offer 3.8; 3.3/3.7/3.8 are spoken, other minors map down to 3.3 (< 7)
 * or up to 3.8 (> 8). Security: only VNC authentication is offered, and only the
 * offered type is accepted. SecurityResult reasons are sent on 3.8 only. */
#include <stdio.h>
#include <string.h>

#include <dom0net/vncgw.h>

#include "rfb_common.h"

#define RFB_SEC_INVALID 0
#define RFB_SEC_VNCAUTH 2

int rfb_parse_version(const uint8_t v[RFB_VERSION_LEN], int *major, int *minor)
{
	int a = 0, b = 0;

	if (memcmp(v, "RFB ", 4) != 0 || v[7] != '.' || v[11] != '\n')
		return -1;
	for (int i = 4; i < 7; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		a = a * 10 + (v[i] - '0');
	}
	for (int i = 8; i < 11; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		b = b * 10 + (v[i] - '0');
	}
	*major = a;
	*minor = b;
	return 0;
}

void rfb_out(uint8_t *out, size_t *out_len, size_t cap, const void *p, size_t n)
{
	if (n > cap - *out_len)
		n = cap - *out_len;	/* cannot happen with the sizes used; never overflow */
	memcpy(out + *out_len, p, n);
	*out_len += n;
}

static void out(struct rfb_srv *s, const void *p, size_t n)
{
	rfb_out(s->out, &s->out_len, sizeof(s->out), p, n);
}

static void out32(struct rfb_srv *s, uint32_t v)
{
	uint8_t b[4];

	rfb_put32(b, v);
	out(s, b, 4);
}

static void out_reason(struct rfb_srv *s, const char *reason)
{
	size_t n = strnlen(reason, RFB_REASON_MAX - 1);

	out32(s, (uint32_t)n);
	out(s, reason, n);
}

static void fail(struct rfb_srv *s, const char *why)
{
	snprintf(s->error, sizeof(s->error), "%s", why);
	s->state = RFB_SRV_FAILED;
}

void rfb_srv_init(struct rfb_srv *s, const uint8_t challenge[VNC_CHALLENGE_LEN],
		  const char *refuse)
{
	memset(s, 0, sizeof(*s));
	s->state = RFB_SRV_VERSION;
	memcpy(s->challenge, challenge, VNC_CHALLENGE_LEN);
	if (refuse)
		snprintf(s->refuse, sizeof(s->refuse), "%s", refuse);
	out(s, "RFB 003.008\n", RFB_VERSION_LEN);
}

static int client_minor(int major, int minor)
{
	if (major > 3)
		return 8;
	if (minor >= 8)
		return 8;	/* 3.8 and anything newer (Apple's 3.889) */
	if (minor == 7)
		return 7;
	return 3;		/* 3.3, 3.5 and unknown older minors */
}

static size_t on_version(struct rfb_srv *s, const uint8_t *in)
{
	int major, minor;

	if (rfb_parse_version(in, &major, &minor) < 0 || major < 3) {
		fail(s, "not an RFB 3.x client (bad ProtocolVersion)");
		return RFB_VERSION_LEN;
	}
	s->minor = client_minor(major, minor);
	if (s->minor == 3) {
		if (s->refuse[0]) {
			out32(s, RFB_SEC_INVALID);
			out_reason(s, s->refuse);
			fail(s, s->refuse);
			return RFB_VERSION_LEN;
		}
		out32(s, RFB_SEC_VNCAUTH);
		out(s, s->challenge, VNC_CHALLENGE_LEN);
		s->state = RFB_SRV_RESPONSE;
		return RFB_VERSION_LEN;
	}
	if (s->refuse[0]) {
		uint8_t zero = 0;

		out(s, &zero, 1);
		out_reason(s, s->refuse);
		fail(s, s->refuse);
		return RFB_VERSION_LEN;
	}
	out(s, (const uint8_t[]){ 1, RFB_SEC_VNCAUTH }, 2);
	s->state = RFB_SRV_SECTYPE;
	return RFB_VERSION_LEN;
}

static void on_sectype(struct rfb_srv *s, uint8_t type)
{
	char why[64];

	if (type != RFB_SEC_VNCAUTH) {
		/* Accepting a type we did not offer (None!) would bypass authentication. */
		snprintf(why, sizeof(why), "client chose security type %u, which was not offered",
			 type);
		out32(s, 1);
		if (s->minor >= 8)
			out_reason(s, "security type not offered");
		fail(s, why);
		return;
	}
	out(s, s->challenge, VNC_CHALLENGE_LEN);
	s->state = RFB_SRV_RESPONSE;
}

size_t rfb_srv_feed(struct rfb_srv *s, const uint8_t *in, size_t len)
{
	switch (s->state) {
	case RFB_SRV_VERSION:
		if (len < RFB_VERSION_LEN)
			return 0;
		return on_version(s, in);
	case RFB_SRV_SECTYPE:
		if (len < 1)
			return 0;
		on_sectype(s, in[0]);
		return 1;
	case RFB_SRV_RESPONSE:
		if (len < VNC_CHALLENGE_LEN)
			return 0;
		memcpy(s->response, in, VNC_CHALLENGE_LEN);
		s->state = RFB_SRV_CHECK;
		return VNC_CHALLENGE_LEN;
	case RFB_SRV_CLIENTINIT:
		if (len < 1)
			return 0;
		s->shared = in[0] != 0;
		s->state = RFB_SRV_DONE;
		return 1;
	case RFB_SRV_CHECK:
	case RFB_SRV_DONE:
	case RFB_SRV_FAILED:
		break;
	}
	return 0;
}

void rfb_srv_verdict(struct rfb_srv *s, bool ok, const char *reason)
{
	if (s->state != RFB_SRV_CHECK)
		return;
	explicit_bzero(s->response, sizeof(s->response));
	if (ok) {
		out32(s, 0);
		s->state = RFB_SRV_CLIENTINIT;
		return;
	}
	if (!reason || !reason[0])
		reason = "authentication failed";
	out32(s, 1);
	if (s->minor >= 8)
		out_reason(s, reason);
	fail(s, reason);
}

void rfb_srv_consumed(struct rfb_srv *s, size_t n)
{
	if (n >= s->out_len) {
		s->out_len = 0;
		return;
	}
	memmove(s->out, s->out + n, s->out_len - n);
	s->out_len -= n;
}
