/* Per-client-address state of the gateway: unauthenticated connections (capped by
 * the caller) and authentication failures with a growing back-off. IPv6 clients are
 * grouped per /64, the unit one subscriber usually holds. The table is bounded:
 * when full, idle entries (no connection, back-off over) are evicted; if none is
 * idle the new address is refused rather than forgetting a back-off. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/vncgw.h>

struct gw_addr {
	uint8_t key[16];
	int32_t next;		/* hash chain, -1 ends */
	bool used;
	unsigned unauth;
	unsigned failures;
	uint64_t blocked_until;
	uint64_t last_failure;
};

struct gw_limits {
	struct gw_addr *v;
	int32_t *buckets;
	unsigned cap, nbuckets;
	size_t count;
};

struct gw_limits *gw_limits_new(unsigned max_entries)
{
	struct gw_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->cap = max_entries ? max_entries : 1;
	l->nbuckets = 1;
	while (l->nbuckets < l->cap)
		l->nbuckets <<= 1;
	l->v = calloc(l->cap, sizeof(*l->v));
	l->buckets = malloc(sizeof(*l->buckets) * l->nbuckets);
	if (!l->v || !l->buckets) {
		gw_limits_free(l);
		return NULL;
	}
	memset(l->buckets, 0xff, sizeof(*l->buckets) * l->nbuckets);
	return l;
}

void gw_limits_free(struct gw_limits *l)
{
	if (!l)
		return;
	free(l->v);
	free(l->buckets);
	free(l);
}

static int make_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		key[10] = key[11] = 0xff;	/* v4-mapped form */
		memcpy(key + 12, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memcpy(key, &in6->sin6_addr, 16);
		else
			memcpy(key, &in6->sin6_addr, 8);	/* the /64 */
		return 0;
	}
	return -1;	/* unix sockets etc.: one shared entry */
}

static unsigned hash(const struct gw_limits *l, const uint8_t key[16])
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h & (l->nbuckets - 1);
}

static void unlink_entry(struct gw_limits *l, int32_t idx)
{
	int32_t *p = &l->buckets[hash(l, l->v[idx].key)];

	while (*p != -1 && *p != idx)
		p = &l->v[*p].next;
	if (*p == idx)
		*p = l->v[idx].next;
	memset(&l->v[idx], 0, sizeof(l->v[idx]));
	l->count--;
}

static bool idle(const struct gw_addr *a, uint64_t now)
{
	return a->unauth == 0 && now >= a->blocked_until &&
	       (a->failures == 0 || now - a->last_failure >= GW_FORGET_MS);
}

static int32_t free_slot(struct gw_limits *l, uint64_t now)
{
	for (unsigned i = 0; i < l->cap; i++)
		if (!l->v[i].used)
			return (int32_t)i;
	for (unsigned i = 0; i < l->cap; i++)
		if (idle(&l->v[i], now))
			unlink_entry(l, (int32_t)i);
	for (unsigned i = 0; i < l->cap; i++)
		if (!l->v[i].used)
			return (int32_t)i;
	return -1;
}

struct gw_addr *gw_limits_get(struct gw_limits *l, const struct sockaddr *sa, uint64_t now_ms)
{
	uint8_t key[16];
	unsigned b;
	int32_t i;

	if (make_key(sa, key) < 0)
		memset(key, 0, sizeof(key));
	b = hash(l, key);
	for (i = l->buckets[b]; i != -1; i = l->v[i].next) {
		if (memcmp(l->v[i].key, key, 16) == 0) {
			struct gw_addr *a = &l->v[i];

			if (a->failures && now_ms - a->last_failure >= GW_FORGET_MS &&
			    now_ms >= a->blocked_until)
				a->failures = 0;
			return a;
		}
	}
	i = free_slot(l, now_ms);
	if (i < 0)
		return NULL;
	memcpy(l->v[i].key, key, 16);
	l->v[i].used = true;
	l->v[i].next = l->buckets[b];
	l->buckets[b] = i;
	l->count++;
	return &l->v[i];
}

uint64_t gw_addr_blocked(const struct gw_addr *a, uint64_t now_ms)
{
	return now_ms < a->blocked_until ? a->blocked_until - now_ms : 0;
}

void gw_addr_failure(struct gw_addr *a, uint64_t now_ms)
{
	uint64_t delay = GW_BACKOFF_FIRST_MS;

	if (a->failures < 32)
		a->failures++;
	for (unsigned i = 1; i < a->failures && delay < GW_BACKOFF_MAX_MS; i++)
		delay <<= 1;
	if (delay > GW_BACKOFF_MAX_MS)
		delay = GW_BACKOFF_MAX_MS;
	a->last_failure = now_ms;
	a->blocked_until = now_ms + delay;
}

void gw_addr_success(struct gw_addr *a)
{
	a->failures = 0;
	a->blocked_until = 0;
}

unsigned *gw_addr_unauth(struct gw_addr *a)
{
	return &a->unauth;
}

unsigned gw_addr_failures(const struct gw_addr *a)
{
	return a->failures;
}

size_t gw_limits_count(const struct gw_limits *l)
{
	return l->count;
}
