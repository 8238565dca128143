/* libFuzzer: the backend-facing RFB handshake (vncgw/rfb_client.c): a hostile qemu.
 * Byte 0: chunk size and whether we hold a password; the rest is the server's stream.
 * Invariants: bounded output, nothing consumed beyond the input, printable reasons,
 * ClientInit (shared) last when done, the password wiped once used. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <dom0net/vncgw.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t buf[8192];
	struct rfb_cli c;
	size_t have = 0, pos = 1, chunk;
	uint8_t last = 0;

	if (size < 1)
		return 0;
	chunk = (data[0] & 0x1f) + 1;
	rfb_cli_init(&c, (data[0] & 0x80) ? "guestpw" : NULL);
	while (pos < size) {
		size_t n = size - pos < chunk ? size - pos : chunk, used;

		if (n > sizeof(buf) - have)
			n = sizeof(buf) - have;
		memcpy(buf + have, data + pos, n);
		have += n;
		pos += n;
		while ((used = rfb_cli_feed(&c, buf, have)) > 0) {
			CHECK(used <= have);
			memmove(buf, buf + used, have - used);
			have -= used;
		}
		CHECK(c.out_len <= sizeof(c.out));
		if (c.out_len)
			last = c.out[c.out_len - 1];
		rfb_cli_consumed(&c, c.out_len);
		if (c.state == RFB_CLI_DONE) {
			CHECK(last == 1);	/* ClientInit, shared */
			CHECK(c.password[0] == '\0');
			break;
		}
		if (c.state == RFB_CLI_FAILED)
			break;
	}
	for (size_t i = 0; i < c.reason_len; i++)
		CHECK(c.reason[i] >= 0x20 && c.reason[i] < 0x7f);
	CHECK(c.error[sizeof(c.error) - 1] == '\0');
	return 0;
}
