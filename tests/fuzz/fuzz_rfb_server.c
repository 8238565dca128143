/* libFuzzer: the viewer-facing RFB handshake (vncgw/rfb_server.c), fed as the gateway
 * feeds it: arbitrary chunking, buffered leftovers, a real DES check at CHECK.
 * Byte 0 picks the options (refusal, chunk sizes); the rest is the viewer's stream.
 * Invariants: the output never overflows, nothing is consumed beyond the input, and
 * the relay (DONE) is reached only after the right response to our challenge. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <dom0net/vncgw.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t challenge[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t want[16], buf[8192];
	struct rfb_srv s;
	size_t have = 0, pos = 1, chunk;
	bool authed = false;
	uint8_t opts;

	if (size < 1)
		return 0;
	opts = data[0];
	chunk = (opts & 0x0f) + 1;	/* 1..16 bytes per read */
	vnc_auth_response(challenge, "secret12", want);
	rfb_srv_init(&s, challenge, (opts & 0x10) ? "refused for the fuzzer" : NULL);
	while (pos < size || have) {
		size_t n = size - pos < chunk ? size - pos : chunk, used;

		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		while ((used = rfb_srv_feed(&s, buf, have)) > 0) {
			CHECK(used <= have);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		CHECK(s.out_len <= sizeof(s.out));
		if (s.state == RFB_SRV_CHECK) {
			authed = vnc_auth_equal(want, s.response);
			CHECK(!(opts & 0x10));	/* a refused handshake never asks */
			rfb_srv_verdict(&s, authed, "authentication failed");
			continue;
		}
		if (s.state == RFB_SRV_DONE) {
			CHECK(authed);
			break;
		}
		if (s.state == RFB_SRV_FAILED)
			break;
		/* Some rounds the peer reads what we wrote, some it does not. */
		if (opts & 0x20)
			rfb_srv_consumed(&s, s.out_len);
		if (n == 0 && have)
			break;	/* input over, a partial message stays buffered */
	}
	CHECK(s.error[sizeof(s.error) - 1] == '\0');
	return 0;
}
