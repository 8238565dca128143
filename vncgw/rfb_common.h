/* Helpers shared by the two handshake state machines. */
#ifndef VNCGW_RFB_COMMON_H
#define VNCGW_RFB_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define RFB_VERSION_LEN 12

static inline uint32_t rfb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void rfb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* "RFB xxx.yyy\n" with decimal digits; -1 otherwise. */
int rfb_parse_version(const uint8_t v[RFB_VERSION_LEN], int *major, int *minor);
/* Appends to a fixed output buffer; the machines size their outputs to fit. */
void rfb_out(uint8_t *out, size_t *out_len, size_t cap, const void *p, size_t n);

#endif
