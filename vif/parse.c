/* Parsers for everything the VIF manager takes from outside: xenstore watch paths,
 * backend keys, kernel link names. Pure functions, no allocation, no logging; every
 * input may be NULL, empty, huge or hostile (see tests/unit/test_vif_parse.c and
 * tests/fuzz/fuzz_vif_parse.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/names.h>
#include <dom0net/vif.h>

const char *const vif_key_names[VIF_K_MAX] = {
	[VIF_K_ONLINE] = "online",
	[VIF_K_STATE] = "state",
	[VIF_K_BRIDGE] = "bridge",
	[VIF_K_MAC] = "mac",
	[VIF_K_IP] = "ip",
	[VIF_K_MTU] = "mtu",
	[VIF_K_TYPE] = "type",
	[VIF_K_VIFNAME] = "vifname",
	[VIF_K_HANDLE] = "handle",
	[VIF_K_HOTPLUG_STATUS] = "hotplug-status",
};

int vif_key_lookup(const char *name, size_t len)
{
	for (int k = 0; k < VIF_K_MAX; k++)
		if (strlen(vif_key_names[k]) == len && memcmp(vif_key_names[k], name, len) == 0)
			return k;
	return -1;
}

/* Parses a strict decimal of exactly len bytes. */
static int parse_id_n(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int vif_parse_id(const char *s, unsigned max, unsigned *out)
{
	if (!s)
		return -1;
	return parse_id_n(s, strnlen(s, 12), max, out);
}

int vif_parse_ifname(const char *name, unsigned *domid, unsigned *devid, enum vif_kind *kind)
{
	size_t len;
	const char *dot, *end;
	enum vif_kind k;

	if (!name)
		return -1;
	len = strnlen(name, IFNAMSIZ);
	if (len < 6 || len >= IFNAMSIZ)
		return -1;
	if (memcmp(name, "vif", 3) == 0)
		k = VIF_KIND_PV;
	else if (memcmp(name, "tap", 3) == 0)
		k = VIF_KIND_TAP;
	else
		return -1;
	end = name + len;
	if (k == VIF_KIND_PV && len > 4 && memcmp(end - 4, "-emu", 4) == 0) {
		k = VIF_KIND_EMU;
		end -= 4;
	}
	dot = memchr(name + 3, '.', (size_t)(end - name - 3));
	if (!dot)
		return -1;
	if (parse_id_n(name + 3, (size_t)(dot - name - 3), VIF_MAX_DOMID, domid) < 0 ||
	    parse_id_n(dot + 1, (size_t)(end - dot - 1), VIF_MAX_DEVID, devid) < 0)
		return -1;
	/* Domain 0 has no netback VIFs: vif0.N is the legacy bridge style's dom0 port
	 * (bridges/legacy.c), which must never be taken for a guest and detached. */
	if (*domid == 0)
		return -1;
	*kind = k;
	return 0;
}

int vif_parse_path(const char *path, const char *base, unsigned *domid, unsigned *devid,
		   const char **key, size_t *keylen)
{
	size_t blen = strlen(base);
	const char *p, *slash;

	if (!path || strncmp(path, base, blen) != 0)
		return -1;
	p = path + blen;
	if (*p == '\0')
		return 0;
	if (*p++ != '/')
		return -1;
	slash = strchr(p, '/');
	if (parse_id_n(p, slash ? (size_t)(slash - p) : strlen(p), VIF_MAX_DOMID, domid) < 0)
		return -1;
	if (!slash)
		return 1;
	p = slash + 1;
	slash = strchr(p, '/');
	if (parse_id_n(p, slash ? (size_t)(slash - p) : strlen(p), VIF_MAX_DEVID, devid) < 0)
		return -1;
	if (!slash)
		return 2;
	p = slash + 1;
	slash = strchr(p, '/');
	*key = p;
	*keylen = slash ? (size_t)(slash - p) : strlen(p);
	return 3;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vif_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6];

	if (!s || strnlen(s, 18) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A guest's unicast address: no multicast bit, not all zeroes. */
	if ((m[0] & 1) || (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0)
		return -1;
	memcpy(mac, m, 6);
	return 0;
}

int vif_parse_mtu(const char *s, unsigned *mtu)
{
	unsigned v;

	if (vif_parse_id(s, 65535, &v) < 0 || v < 68)
		return -1;
	*mtu = v;
	return 0;
}

int vif_parse_ips(const char *s, uint32_t *ips, uint8_t *plens, unsigned max, unsigned *n)
{
	unsigned count = 0;

	if (!s)
		return -1;
	while (*s) {
		char tok[48], *slash;
		size_t len = strcspn(s, " \t,");
		struct in_addr a;
		struct in6_addr a6;
		unsigned plen = 32;

		if (len == 0) {
			s++;
			continue;
		}
		if (len >= sizeof(tok))
			return -1;
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		slash = strchr(tok, '/');
		if (slash) {
			*slash = '\0';
			if (parse_id_n(slash + 1, strlen(slash + 1), 128, &plen) < 0)
				return -1;
		}
		if (inet_pton(AF_INET, tok, &a) == 1) {
			if (plen > 32 || count >= max)
				return -1;
			ips[count] = a.s_addr;
			plens[count] = (uint8_t)plen;
			count++;
		} else if (inet_pton(AF_INET6, tok, &a6) != 1) {
			return -1;
		}
		/* IPv6 addresses are valid input but the anti-spoof rules are IPv4 only. */
	}
	*n = count;
	return 0;
}

const char *vif_quote(const char *s, char *buf, size_t len)
{
	size_t i = 0, o = 0;

	if (len == 0)
		return "";
	if (!s) {
		snprintf(buf, len, "(missing)");
		return buf;
	}
	for (; s[i] && o + 1 < len; i++)
		buf[o++] = (s[i] >= ' ' && s[i] < 0x7f) ? s[i] : '?';
	buf[o] = '\0';
	if (s[i] && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

/* Optional keys: missing and empty mean "not set". */
static bool unset(const char *v)
{
	return !v || !*v;
}

static void bad(struct vif_entry *e, const char *key, const char *val, const char *why)
{
	char q[48];

	if (e->invalid)
		return;
	e->invalid = true;
	snprintf(e->err, sizeof(e->err), "%s '%s' %s", key, vif_quote(val, q, sizeof(q)), why);
}

/* online and state: -1 missing, -2 unusable. */
static int parse_small(const char *v, unsigned max)
{
	unsigned x;

	if (!v)
		return -1;
	return vif_parse_id(v, max, &x) < 0 ? -2 : (int)x;
}

void vif_entry_parse(unsigned domid, unsigned devid, const char *const raw[VIF_K_MAX],
		     struct vif_entry *e)
{
	const char *v;
	unsigned x, d2, n2;
	enum vif_kind kind;

	memset(e, 0, sizeof(*e));
	e->present = true;

	e->online = parse_small(raw[VIF_K_ONLINE], 1);
	if (e->online == -2)
		bad(e, "online", raw[VIF_K_ONLINE], "is not 0 or 1");
	e->state = parse_small(raw[VIF_K_STATE], 8);
	if (e->state == -2)
		bad(e, "state", raw[VIF_K_STATE], "is not a XenbusState (0..8)");

	v = raw[VIF_K_TYPE];
	if (unset(v) || strcmp(v, "vif") == 0)
		e->hvm = false;
	else if (strcmp(v, "vif_ioemu") == 0 || strcmp(v, "ioemu") == 0)
		e->hvm = true;
	else
		bad(e, "type", v, "is not vif, vif_ioemu or ioemu");

	v = raw[VIF_K_BRIDGE];
	if (v && !*v)
		bad(e, "bridge", v, "is empty");
	else if (v && !ifname_valid(v))
		bad(e, "bridge", v, "is not a valid interface name");
	else if (v)
		memcpy(e->bridge, v, strlen(v) + 1);

	v = raw[VIF_K_MAC];
	if (!unset(v)) {
		if (vif_parse_mac(v, e->mac) < 0)
			bad(e, "mac", v, "is not a unicast MAC address xx:xx:xx:xx:xx:xx");
		else
			e->has_mac = true;
	}

	v = raw[VIF_K_IP];
	if (!unset(v) && vif_parse_ips(v, e->ips, e->plens, VIF_MAX_IPS, &e->n_ips) < 0) {
		e->n_ips = 0;
		bad(e, "ip", v, "is not a list of at most 16 IP addresses");
	}

	v = raw[VIF_K_MTU];
	if (!unset(v) && vif_parse_mtu(v, &e->mtu) < 0)
		bad(e, "mtu", v, "is not a number in 68..65535");

	v = raw[VIF_K_VIFNAME];
	if (!unset(v)) {
		if (!ifname_valid(v))
			bad(e, "vifname", v, "is not a valid interface name");
		else if (vif_parse_ifname(v, &d2, &n2, &kind) == 0 &&
			 (d2 != domid || n2 != devid))
			bad(e, "vifname", v, "is the device name of another VIF");
		else if (e->hvm && strlen(v) + 4 >= IFNAMSIZ)
			bad(e, "vifname", v, "leaves no room for the emulated NIC's \"-emu\"");
		else
			memcpy(e->vifname, v, strlen(v) + 1);
	}

	v = raw[VIF_K_HANDLE];
	if (!unset(v) && (vif_parse_id(v, VIF_MAX_DEVID, &x) < 0 || x != devid))
		bad(e, "handle", v, "does not match the device id");

	v = raw[VIF_K_HOTPLUG_STATUS];
	if (!v)
		e->hotplug_status = VIF_HS_NONE;
	else if (!*v)
		e->hotplug_status = VIF_HS_EMPTY;
	else if (strcmp(v, "connected") == 0)
		e->hotplug_status = VIF_HS_CONNECTED;
	else if (strcmp(v, "error") == 0)
		e->hotplug_status = VIF_HS_ERROR;
	else
		e->hotplug_status = VIF_HS_OTHER;
}

enum vif_want vif_entry_want(const struct vif_entry *e)
{
	if (!e->present)
		return VIF_WANT_GONE;
	if (e->online == -2 || e->state == -2)
		return VIF_WANT_INVALID;
	if (e->online == 0 || e->state == 5 || e->state == 6)
		return VIF_WANT_DOWN;
	if (e->online < 0 || e->state < 2)
		return VIF_WANT_WAIT;
	if (e->invalid)
		return VIF_WANT_INVALID;
	return VIF_WANT_UP;
}

const char *vif_want_name(enum vif_want w)
{
	switch (w) {
	case VIF_WANT_WAIT:
		return "wait";
	case VIF_WANT_UP:
		return "up";
	case VIF_WANT_DOWN:
		return "down";
	case VIF_WANT_GONE:
		return "gone";
	case VIF_WANT_INVALID:
		return "invalid";
	}
	return "?";
}
