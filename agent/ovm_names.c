/* Names as Oracle VM's agent (OvmNetworkModule.py) recognises them, matched whole:
 * bridges xenbrN / vlanN, uplinks ethN / bondN, VLAN devices ethN.V / bondN.V. The
 * original matched with re.findall, so "myxenbr0x" counted as xenbr0; whole names
 * are what it meant. Also the checks netd runs on every call before anything. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <dom0net/agent.h>
#include <dom0net/err.h>

/* prefix followed by 1..5 digits and nothing else (at most 15 bytes in all). */
static bool prefix_digits(const char *s, const char *prefix, const char **end)
{
	size_t pl = strlen(prefix), n = 0;

	if (strncmp(s, prefix, pl) != 0)
		return false;
	s += pl;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	if (n == 0 || n > 5)
		return false;
	*end = s + n;
	return true;
}

static bool whole(const char *s, const char *prefix)
{
	const char *end;

	return strnlen(s, IFNAMSIZ) < IFNAMSIZ && prefix_digits(s, prefix, &end) && *end == '\0';
}

bool ovm_bridge_name_ok(const char *s)
{
	return whole(s, "xenbr") || whole(s, "vlan");
}

bool ovm_pif_name_ok(const char *s)
{
	return whole(s, "eth") || whole(s, "bond");
}

bool ovm_vlan_name_ok(const char *s, char pif[IFNAMSIZ], unsigned *vid)
{
	const char *dot, *end;
	unsigned v = 0;

	if (strnlen(s, IFNAMSIZ) >= IFNAMSIZ)
		return false;
	if (!prefix_digits(s, "eth", &dot) && !prefix_digits(s, "bond", &dot))
		return false;
	if (*dot != '.' || !prefix_digits(dot + 1, "", &end) || *end != '\0')
		return false;
	if (dot[1] == '0')
		return false;	/* "eth0.05" would name the same VLAN as eth0.5 */
	for (const char *p = dot + 1; *p; p++)
		v = v * 10 + (unsigned)(*p - '0');
	if (v < 1 || v > 4094)
		return false;
	if (pif)
		snprintf(pif, IFNAMSIZ, "%.*s", (int)(dot - s), s);
	if (vid)
		*vid = v;
	return true;
}

bool ovm_vif_name_ok(const char *s)
{
	return ifname_valid(s) && !ovm_bridge_name_ok(s) && !ovm_pif_name_ok(s) &&
	       !ovm_vlan_name_ok(s, NULL, NULL) && strcmp(s, "lo") != 0;
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

int ovm_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t m[6], any = 0;

	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':' && s[3 * i + 2] != '-'))
			return -1;
		m[i] = (uint8_t)(hi << 4 | lo);
		any |= m[i];
	}
	if (!any || (m[0] & 1))
		return -1;	/* zero or multicast: not a guest's address */
	memcpy(mac, m, 6);
	return 0;
}

bool ovm_token_ok(const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n == 0 || n >= max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A string field must end inside its array; "" allowed only where said. */
#define TERMINATED(f) (memchr((f), '\0', sizeof(f)) != NULL)

static int bad(struct d0_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(struct d0_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->code = EINVAL;
	return -1;
}

int ag_call_validate(const struct ag_call *c, struct d0_err *e)
{
	const char *op = ag_op_name(c->op);

	switch (c->op) {
	case AG_OP_STATUS:
	case AG_OP_BRIDGES:
	case AG_OP_NICS:
	case AG_OP_VIFS:
	case AG_OP_CONSOLES:
	case AG_OP_FIREWALL:
	case AG_OP_BRIDGE_NAMES:
	case AG_OP_VLANS:
	case AG_OP_SG_CAN:
	case AG_OP_SG_CLEANUP:
		return 0;
	case AG_OP_BRIDGE_DETAILS:
	case AG_OP_BRIDGE_DELETE:
	case AG_OP_VLAN_BRIDGE_DELETE:
		if (!TERMINATED(c->u.name.name) || !ovm_bridge_name_ok(c->u.name.name))
			return bad(e, "%s: the bridge name must be xenbrN or vlanN", op);
		return 0;
	case AG_OP_VLAN_DELETE:
		if (!TERMINATED(c->u.name.name) || !ovm_vlan_name_ok(c->u.name.name, NULL, NULL))
			return bad(e, "%s: the VLAN device must be ethN.V or bondN.V", op);
		return 0;
	case AG_OP_BRIDGE_BY_IP:
		if (c->u.ip.addr == 0)
			return bad(e, "%s: no address", op);
		return 0;
	case AG_OP_BRIDGE_CREATE:
		if (!TERMINATED(c->u.bridge.name) || !ovm_bridge_name_ok(c->u.bridge.name))
			return bad(e, "%s: the bridge name must be xenbrN or vlanN", op);
		if (!TERMINATED(c->u.bridge.attach) ||
		    (!ovm_pif_name_ok(c->u.bridge.attach) &&
		     !ovm_vlan_name_ok(c->u.bridge.attach, NULL, NULL)))
			return bad(e, "%s: attach must be ethN, bondN, ethN.V or bondN.V", op);
		return 0;
	case AG_OP_VLAN_CREATE:
	case AG_OP_VLAN_BRIDGE_CREATE: {
		const char *pif = c->op == AG_OP_VLAN_CREATE ? c->u.vlan.pif : c->u.vlan_bridge.pif;
		size_t pifsz = sizeof(c->u.vlan.pif);
		uint32_t vid = c->op == AG_OP_VLAN_CREATE ? c->u.vlan.vid : c->u.vlan_bridge.vid;

		if (c->op == AG_OP_VLAN_BRIDGE_CREATE &&
		    (!TERMINATED(c->u.vlan_bridge.name) || !ovm_bridge_name_ok(c->u.vlan_bridge.name)))
			return bad(e, "%s: the bridge name must be xenbrN or vlanN", op);
		if (!memchr(pif, '\0', pifsz) || !ovm_pif_name_ok(pif))
			return bad(e, "%s: pif must be ethN or bondN", op);
		if (vid < 1 || vid > 4094)
			return bad(e, "%s: vid must be 1..4094", op);
		return 0;
	}
	case AG_OP_SG_DEFAULT:
		if (!TERMINATED(c->u.sg.vm_name) || !ovm_token_ok(c->u.sg.vm_name, AG_VM_NAME_MAX))
			return bad(e, "%s: bad VM name", op);
		if (!TERMINATED(c->u.sg.vm_id) ||
		    (c->u.sg.vm_id[0] && !ovm_token_ok(c->u.sg.vm_id, AG_VM_ID_MAX)))
			return bad(e, "%s: bad VM id", op);
		if (!TERMINATED(c->u.sg.vif) || !ovm_vif_name_ok(c->u.sg.vif))
			return bad(e, "%s: bad VIF device name", op);
		if (!TERMINATED(c->u.sg.bridge) ||
		    (c->u.sg.bridge[0] && !ifname_valid(c->u.sg.bridge)))
			return bad(e, "%s: bad bridge name", op);
		if (c->u.sg.has_ip > 1 || c->u.sg.has_mac > 1 || (c->u.sg.has_ip && !c->u.sg.ip))
			return bad(e, "%s: bad address", op);
		if (c->u.sg.has_mac && ((c->u.sg.mac[0] & 1) ||
					!(c->u.sg.mac[0] | c->u.sg.mac[1] | c->u.sg.mac[2] |
					  c->u.sg.mac[3] | c->u.sg.mac[4] | c->u.sg.mac[5])))
			return bad(e, "%s: bad MAC address", op);
		return 0;
	case AG_OP_SG_DELETE:
		if (!TERMINATED(c->u.sg.vm_name) || !ovm_token_ok(c->u.sg.vm_name, AG_VM_NAME_MAX))
			return bad(e, "%s: bad VM name", op);
		if (!TERMINATED(c->u.sg.vif) || (c->u.sg.vif[0] && !ovm_vif_name_ok(c->u.sg.vif)))
			return bad(e, "%s: bad VIF device name", op);
		return 0;
	case AG_OP_CONSOLE_PASSWORD:
		if (!TERMINATED(c->u.console_pw.domain) || !c->u.console_pw.domain[0] ||
		    !ovm_token_ok(c->u.console_pw.domain, AG_DOMAIN_MAX))
			return bad(e, "%s: bad domain", op);
		if (!TERMINATED(c->u.console_pw.password))
			return bad(e, "%s: password too long", op);
		return 0;
	}
	d0_err_set(e, EINVAL, "unknown operation %u", c->op);
	return -1;
}
