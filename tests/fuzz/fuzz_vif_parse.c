/* libFuzzer target for vif/parse.c: the input is split at '\n' into up to VIF_K_MAX
 * backend values (a '\x01' line stands for a missing key), then every parser is run on
 * the pieces: entry, watch path, link name, MAC, MTU, address list, quoting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/vif.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p, *vals[VIF_K_MAX + 1] = { NULL };
	const char *raw[VIF_K_MAX] = { NULL };
	struct vif_entry e;
	unsigned d, n, mtu, nips;
	uint32_t ips[VIF_MAX_IPS];
	uint8_t plens[VIF_MAX_IPS], mac[6];
	enum vif_kind kind;
	const char *key;
	size_t keylen, nv = 0;
	char q[32], path[4200];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf; nv <= VIF_K_MAX && p; nv++) {
		char *nl = strchr(p, '\n');

		vals[nv] = p;
		if (nl)
			*nl++ = '\0';
		p = nl;
	}
	for (size_t i = 0; i < VIF_K_MAX && i < nv; i++)
		raw[i] = strcmp(vals[i], "\x01") == 0 ? NULL : vals[i];
	vif_entry_parse(1, 0, raw, &e);
	(void)vif_entry_want(&e);
	if (e.invalid && strlen(e.err) >= sizeof(e.err))
		abort();

	for (size_t i = 0; i < nv && i < VIF_K_MAX + 1; i++) {
		const char *s = vals[i];

		(void)vif_parse_ifname(s, &d, &n, &kind);
		(void)vif_parse_id(s, VIF_MAX_DOMID, &d);
		(void)vif_parse_mac(s, mac);
		(void)vif_parse_mtu(s, &mtu);
		if (vif_parse_ips(s, ips, plens, VIF_MAX_IPS, &nips) == 0 && nips > VIF_MAX_IPS)
			abort();
		(void)vif_quote(s, q, sizeof(q));
		if (strlen(q) >= sizeof(q))
			abort();
		if (strlen(s) < sizeof(path) - sizeof(VIF_BACKEND)) {
			memcpy(path, VIF_BACKEND, sizeof(VIF_BACKEND) - 1);
			strcpy(path + sizeof(VIF_BACKEND) - 1, s);
			if (vif_parse_path(path, VIF_BACKEND, &d, &n, &key, &keylen) == 3 &&
			    (key < path || key + keylen > path + strlen(path)))
				abort();
			(void)vif_key_lookup(s, strlen(s));
		}
	}
	free(buf);
	return 0;
}
