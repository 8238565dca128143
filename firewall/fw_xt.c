/* Matches and targets through libxtables: each extension dom0net writes is looked up
 * once (xtables_find_match/_target pick the highest revision the kernel supports and
 * say how large its data is); the data is then filled from the kernel's own
 * structures, and refused if libxtables disagrees on the size. libxtables calls
 * exit_err() on fatal problems: ours jumps back instead of exiting the daemon. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xtables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_mac.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_physdev.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#include <libiptc/libiptc.h>

#include "fw_int.h"

enum ext_id { X_TCP, X_UDP, X_MULTIPORT, X_STATE, X_PHYSDEV, X_MAC, X_COMMENT, X_REJECT, X_MAX };

struct ext {
	const char *name;
	bool target;
	uint8_t want_rev;	/* the revision whose structure we fill */
	size_t want;		/* and its size */
	bool loaded;
	uint8_t revision;
	size_t size;
};

static struct ext exts[X_MAX] = {
	[X_TCP] = { .name = "tcp", .target = false, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct xt_tcp)) },
	[X_UDP] = { .name = "udp", .target = false, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct xt_udp)) },
	[X_MULTIPORT] = { .name = "multiport", .target = false, .want_rev = 1,
		.want = XT_ALIGN(sizeof(struct xt_multiport_v1)) },
	[X_STATE] = { .name = "conntrack", .target = false, .want_rev = 3,
		.want = XT_ALIGN(sizeof(struct xt_conntrack_mtinfo3)) },
	[X_PHYSDEV] = { .name = "physdev", .target = false, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct xt_physdev_info)) },
	[X_MAC] = { .name = "mac", .target = false, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct xt_mac_info)) },
	[X_COMMENT] = { .name = "comment", .target = false, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct xt_comment_info)) },
	[X_REJECT] = { .name = "REJECT", .target = true, .want_rev = 0,
		.want = XT_ALIGN(sizeof(struct ipt_reject_info)) },
};

static jmp_buf xt_jmp;
static bool xt_armed, xt_inited;
static char xt_msg[256];

static void xt_exit(enum xtables_exittype status, const char *msg, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

static void xt_exit(enum xtables_exittype status, const char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(xt_msg, sizeof(xt_msg), msg, ap);
	va_end(ap);
	if (xt_armed)
		longjmp(xt_jmp, 1);
	abort(); /* not reachable: every libxtables call here is armed */
}

/* Does the kernel know this revision? (xtables' own version exits on odd errors.) */
static int compat_rev(const char *name, uint8_t rev, int opt)
{
	struct xt_get_revision r;
	socklen_t len = sizeof(r);
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW), ok;

	if (fd < 0)
		return rev == 0; /* cannot ask: only revision 0 is certain */
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	r.revision = rev;
	ok = getsockopt(fd, IPPROTO_IP, opt, &r, &len) == 0;
	close(fd);
	return ok || (rev == 0 && errno != EPROTONOSUPPORT);
}

static struct xtables_globals globals = {
	.program_name = "netd",
	.program_version = DOM0NET_VERSION,
	.exit_err = xt_exit,
	.compat_rev = compat_rev,
};

int fw_xt_init(struct d0_err *e)
{
	if (xt_inited)
		return 0;
	xt_armed = true;
	if (setjmp(xt_jmp)) {
		xt_armed = false;
		d0_err_set(e, EINVAL, "libxtables: %s", xt_msg);
		errno = EINVAL;
		return -1;
	}
	xtables_init_all(&globals, NFPROTO_IPV4);
	xt_armed = false;
	xt_inited = true;
	return 0;
}

static struct ext *ext_get(enum ext_id id, struct d0_err *e)
{
	struct ext *x = &exts[id];
	volatile bool found = false;

	if (x->loaded)
		return x;
	if (fw_xt_init(e) < 0)
		return NULL;
	xt_armed = true;
	if (setjmp(xt_jmp) == 0) {
		if (x->target) {
			struct xtables_target *t = xtables_find_target(x->name, XTF_TRY_LOAD);

			if (t) {
				x->revision = t->revision;
				x->size = t->size;
				found = true;
			}
		} else {
			struct xtables_match *m = xtables_find_match(x->name, XTF_TRY_LOAD, NULL);

			if (m) {
				x->revision = m->revision;
				x->size = m->size;
				found = true;
			}
		}
	} else {
		xt_armed = false;
		d0_err_set(e, EINVAL, "libxtables: %s: %s", x->name, xt_msg);
		errno = EINVAL;
		return NULL;
	}
	xt_armed = false;
	if (!found) {
		d0_err_set(e, ENOENT, "libxtables: extension '%s' not found (XTABLES_LIBDIR)",
			   x->name);
		errno = ENOENT;
		return NULL;
	}
	if (x->revision != x->want_rev || x->size != x->want) {
		d0_err_set(e, ENOTSUP, "libxtables: %s revision %u (%zu bytes) is not one dom0net "
			   "can write", x->name, x->revision, x->size);
		errno = ENOTSUP;
		return NULL;
	}
	x->loaded = true;
	return x;
}

static void *add_match(struct ipt_entry *ent, size_t *off, const struct ext *x)
{
	struct xt_entry_match *m = (struct xt_entry_match *)((char *)ent + *off);

	m->u.match_size = (uint16_t)(XT_ALIGN(sizeof(*m)) + x->size);
	snprintf(m->u.user.name, sizeof(m->u.user.name), "%s", x->name);
	m->u.user.revision = x->revision;
	*off += m->u.match_size;
	return m->data;
}

static void set_iface(char *name, unsigned char *mask, const char *ifname)
{
	/* Exact name: the mask covers the name and its NUL, as iptables does. */
	strncpy(name, ifname, IFNAMSIZ - 1);
	memset(mask, 0xff, strlen(ifname) + 1);
}

static uint32_t plen_mask(uint8_t plen)
{
	return plen ? 0xffffffffu << (32 - plen) : 0;
}

struct ipt_entry *fw_entry_build(const struct fw_rule *r, struct d0_err *e)
{
	struct ext *x[X_MAX] = { 0 };
	size_t size = XT_ALIGN(sizeof(struct ipt_entry)), off;
	bool reject = strcmp(r->target, "REJECT") == 0;
	struct ipt_entry *ent;

	if (strlen(r->target) >= XT_EXTENSION_MAXNAMELEN) {
		d0_err_set(e, ENAMETOOLONG, "target '%s' is longer than %d characters", r->target,
			   XT_EXTENSION_MAXNAMELEN - 1);
		errno = ENAMETOOLONG;
		return NULL;
	}
	/* Which extensions, in the order iptables-save will print them. */
	if ((r->has_sport || r->has_dport) &&
	    !(x[X_TCP] = ext_get(r->proto == IPPROTO_UDP ? X_UDP : X_TCP, e)))
		return NULL;
	if (r->n_mports && !(x[X_MULTIPORT] = ext_get(X_MULTIPORT, e)))
		return NULL;
	if (r->ctstate && !(x[X_STATE] = ext_get(X_STATE, e)))
		return NULL;
	if ((r->physin[0] || r->physout[0]) && !(x[X_PHYSDEV] = ext_get(X_PHYSDEV, e)))
		return NULL;
	if (r->has_mac && !(x[X_MAC] = ext_get(X_MAC, e)))
		return NULL;
	if (r->comment[0] && !(x[X_COMMENT] = ext_get(X_COMMENT, e)))
		return NULL;
	if (reject && !(x[X_REJECT] = ext_get(X_REJECT, e)))
		return NULL;
	for (int i = 0; i < X_REJECT; i++)
		if (x[i])
			size += XT_ALIGN(sizeof(struct xt_entry_match)) + x[i]->size;
	off = size;
	size += reject ? XT_ALIGN(sizeof(struct xt_entry_target)) + x[X_REJECT]->size
		       : XT_ALIGN(sizeof(struct xt_standard_target));
	ent = calloc(1, size);
	if (!ent) {
		d0_err_set(e, errno, "out of memory");
		return NULL;
	}
	ent->ip.src.s_addr = htonl(r->src & plen_mask(r->splen));
	ent->ip.smsk.s_addr = htonl(plen_mask(r->splen));
	ent->ip.dst.s_addr = htonl(r->dst & plen_mask(r->dplen));
	ent->ip.dmsk.s_addr = htonl(plen_mask(r->dplen));
	if (r->iniface[0])
		set_iface(ent->ip.iniface, ent->ip.iniface_mask, r->iniface);
	ent->ip.proto = r->proto;
	ent->target_offset = (uint16_t)off;
	ent->next_offset = (uint16_t)size;

	off = XT_ALIGN(sizeof(struct ipt_entry));
	if (x[X_TCP] && r->proto == IPPROTO_UDP) {
		struct xt_udp *u = add_match(ent, &off, x[X_TCP]);

		u->spts[1] = u->dpts[1] = 0xffff;
		if (r->has_sport)
			memcpy(u->spts, r->sport, sizeof(u->spts));
		if (r->has_dport)
			memcpy(u->dpts, r->dport, sizeof(u->dpts));
	} else if (x[X_TCP]) {
		struct xt_tcp *t = add_match(ent, &off, x[X_TCP]);

		t->spts[1] = t->dpts[1] = 0xffff;
		if (r->has_sport)
			memcpy(t->spts, r->sport, sizeof(t->spts));
		if (r->has_dport)
			memcpy(t->dpts, r->dport, sizeof(t->dpts));
	}
	if (x[X_MULTIPORT]) {
		struct xt_multiport_v1 *m = add_match(ent, &off, x[X_MULTIPORT]);

		m->flags = XT_MULTIPORT_DESTINATION;
		m->count = (uint8_t)r->n_mports;
		memcpy(m->ports, r->mports, r->n_mports * sizeof(r->mports[0]));
	}
	if (x[X_STATE]) {
		struct xt_conntrack_mtinfo3 *c = add_match(ent, &off, x[X_STATE]);

		c->match_flags = XT_CONNTRACK_STATE;
		c->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
				XT_CONNTRACK_STATE_BIT(IP_CT_RELATED);
	}
	if (x[X_PHYSDEV]) {
		struct xt_physdev_info *p = add_match(ent, &off, x[X_PHYSDEV]);

		if (r->physin[0]) {
			set_iface(p->physindev, (unsigned char *)p->in_mask, r->physin);
			p->bitmask |= XT_PHYSDEV_OP_IN;
		}
		if (r->physout[0]) {
			set_iface(p->physoutdev, (unsigned char *)p->out_mask, r->physout);
			p->bitmask |= XT_PHYSDEV_OP_OUT;
		}
		if (r->phys_bridged)
			p->bitmask |= XT_PHYSDEV_OP_BRIDGED;
	}
	if (x[X_MAC]) {
		struct xt_mac_info *m = add_match(ent, &off, x[X_MAC]);

		memcpy(m->srcaddr, r->mac, 6);
	}
	if (x[X_COMMENT]) {
		struct xt_comment_info *c = add_match(ent, &off, x[X_COMMENT]);

		snprintf(c->comment, sizeof(c->comment), "%s", r->comment);
	}
	if (reject) {
		struct xt_entry_target *t = (struct xt_entry_target *)((char *)ent + off);
		struct ipt_reject_info *ri = (struct ipt_reject_info *)t->data;

		t->u.target_size = (uint16_t)(size - off);
		snprintf(t->u.user.name, sizeof(t->u.user.name), "%s", "REJECT");
		t->u.user.revision = x[X_REJECT]->revision;
		ri->with = IPT_ICMP_PORT_UNREACHABLE;
	} else {
		/* libiptc maps ACCEPT/DROP/RETURN to verdicts and chain names to jumps. */
		struct xt_standard_target *t = (struct xt_standard_target *)((char *)ent + off);

		t->target.u.target_size = (uint16_t)(size - off);
		memcpy(t->target.u.user.name, r->target, strlen(r->target) + 1); /* checked */
	}
	return ent;
}

static void copy_iface(char *dst, const char *src)
{
	memcpy(dst, src, IFNAMSIZ - 1);
	dst[IFNAMSIZ - 1] = '\0';
}

static uint8_t mask_plen(uint32_t m)
{
	uint8_t n = 0;

	for (m = ntohl(m); m & 0x80000000u; m <<= 1)
		n++;
	return n;
}

static void decode_match(const struct xt_entry_match *m, struct fw_rule *r)
{
	const char *name = m->u.user.name;
	size_t len = m->u.match_size - XT_ALIGN(sizeof(*m));

	if ((strcmp(name, "tcp") == 0 && len >= sizeof(struct xt_tcp)) ||
	    (strcmp(name, "udp") == 0 && len >= sizeof(struct xt_udp))) {
		const uint16_t *spts = ((const struct xt_udp *)m->data)->spts;
		const uint16_t *dpts = ((const struct xt_udp *)m->data)->dpts;

		r->has_sport = spts[0] != 0 || spts[1] != 0xffff;
		r->has_dport = dpts[0] != 0 || dpts[1] != 0xffff;
		memcpy(r->sport, spts, sizeof(r->sport));
		memcpy(r->dport, dpts, sizeof(r->dport));
		if (name[0] == 't') {
			const struct xt_tcp *t = (const void *)m->data;

			r->foreign |= t->option || t->flg_mask || t->invflags;
		} else {
			r->foreign |= ((const struct xt_udp *)m->data)->invflags != 0;
		}
	} else if (strcmp(name, "multiport") == 0 &&
		   ((m->u.user.revision == 1 && len >= sizeof(struct xt_multiport_v1)) ||
		    (m->u.user.revision == 0 && len >= sizeof(struct xt_multiport)))) {
		const struct xt_multiport *mp = (const void *)m->data;

		r->n_mports = mp->count <= FW_MAX_MPORTS ? mp->count : 0;
		memcpy(r->mports, mp->ports, r->n_mports * sizeof(r->mports[0]));
		r->foreign |= mp->flags != XT_MULTIPORT_DESTINATION || !r->n_mports;
		if (m->u.user.revision == 1) {
			const struct xt_multiport_v1 *v1 = (const void *)m->data;

			r->foreign |= v1->invert;
			for (unsigned i = 0; i < r->n_mports; i++)
				r->foreign |= v1->pflags[i] != 0;
		}
	} else if (strcmp(name, "conntrack") == 0 && m->u.user.revision == 3 &&
		   len >= sizeof(struct xt_conntrack_mtinfo3)) {
		const struct xt_conntrack_mtinfo3 *c = (const void *)m->data;

		r->ctstate = true;
		r->foreign |= c->match_flags != XT_CONNTRACK_STATE || c->invert_flags ||
			      c->state_mask != (XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
						XT_CONNTRACK_STATE_BIT(IP_CT_RELATED));
	} else if (strcmp(name, "state") == 0 && len >= sizeof(struct xt_state_info)) {
		r->ctstate = true;
		r->foreign |= ((const struct xt_state_info *)m->data)->statemask !=
			      (XT_STATE_BIT(IP_CT_ESTABLISHED) | XT_STATE_BIT(IP_CT_RELATED));
	} else if (strcmp(name, "physdev") == 0 && len >= sizeof(struct xt_physdev_info)) {
		const struct xt_physdev_info *p = (const void *)m->data;

		if (p->bitmask & XT_PHYSDEV_OP_IN)
			copy_iface(r->physin, p->physindev);
		if (p->bitmask & XT_PHYSDEV_OP_OUT)
			copy_iface(r->physout, p->physoutdev);
		r->phys_bridged = p->bitmask & XT_PHYSDEV_OP_BRIDGED;
		r->foreign |= p->invert || (p->bitmask & ~(XT_PHYSDEV_OP_IN | XT_PHYSDEV_OP_OUT |
							  XT_PHYSDEV_OP_BRIDGED));
	} else if (strcmp(name, "mac") == 0 && len >= sizeof(struct xt_mac_info)) {
		const struct xt_mac_info *mi = (const void *)m->data;

		r->has_mac = true;
		memcpy(r->mac, mi->srcaddr, 6);
		r->foreign |= mi->invert != 0;
	} else if (strcmp(name, "comment") == 0 && len >= sizeof(struct xt_comment_info)) {
		const struct xt_comment_info *c = (const void *)m->data;

		snprintf(r->comment, sizeof(r->comment), "%.*s", (int)sizeof(r->comment) - 1,
			 c->comment);
	} else {
		r->foreign = true;
	}
}

void fw_entry_decode(const struct ipt_entry *ent, const char *target, struct fw_rule *r)
{
	size_t off = XT_ALIGN(sizeof(struct ipt_entry));

	memset(r, 0, sizeof(*r));
	r->src = ntohl(ent->ip.src.s_addr);
	r->splen = mask_plen(ent->ip.smsk.s_addr);
	r->dst = ntohl(ent->ip.dst.s_addr);
	r->dplen = mask_plen(ent->ip.dmsk.s_addr);
	if (ent->ip.iniface_mask[0])
		copy_iface(r->iniface, ent->ip.iniface);
	r->proto = (uint8_t)ent->ip.proto;
	r->foreign = ent->ip.invflags || ent->ip.outiface_mask[0] || ent->ip.flags;
	while (off + sizeof(struct xt_entry_match) <= ent->target_offset) {
		const struct xt_entry_match *m = (const void *)((const char *)ent + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > ent->target_offset)
			break;
		decode_match(m, r);
		off += m->u.match_size;
	}
	snprintf(r->target, sizeof(r->target), "%s", target ? target : "");
}
