/* Per-client-address accounting: open connections (for the per-address cap) and
 * failed logins (for the back-off: 1 s after a failure, doubling up to a minute,
 * forgotten after ten quiet minutes). IPv6 clients count per /64, since one host
 * has a whole /64 to pick from. A fixed array searched linearly: a few thousand
 * entries, touched once per connection and per login. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dom0net/agent.h>

struct ag_addr {
	uint8_t key[17];	/* family byte + IPv4 (4) or IPv6 /64 (8) */
	bool used;
	unsigned conns;
	unsigned failures;
	uint64_t blocked_until, last;
};

struct ag_addrtab {
	struct ag_addr *v;
	unsigned max, n;
};

struct ag_addrtab *ag_addrtab_new(unsigned max_entries)
{
	struct ag_addrtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->v = calloc(max_entries ? max_entries : 1, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return NULL;
	}
	t->max = max_entries ? max_entries : 1;
	return t;
}

void ag_addrtab_free(struct ag_addrtab *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

static void key_of(const struct sockaddr *sa, uint8_t key[17])
{
	memset(key, 0, 17);
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a)) {
			key[0] = AF_INET;
			memcpy(key + 1, &a->s6_addr[12], 4);
		} else {
			memcpy(key + 1, a->s6_addr, 8);
		}
	}
}

/* An entry nobody uses: no connection, no failure still remembered. */
static bool idle(const struct ag_addr *a, uint64_t now)
{
	return a->conns == 0 && (a->failures == 0 || now - a->last > AG_FORGET_MS);
}

struct ag_addr *ag_addr_get(struct ag_addrtab *t, const struct sockaddr *sa, uint64_t now_ms)
{
	struct ag_addr *free_slot = NULL, *oldest = NULL;
	uint8_t key[17];

	key_of(sa, key);
	for (unsigned i = 0; i < t->max; i++) {
		struct ag_addr *a = &t->v[i];

		if (!a->used) {
			if (!free_slot)
				free_slot = a;
			continue;
		}
		if (memcmp(a->key, key, sizeof(key)) == 0) {
			if (idle(a, now_ms))
				a->failures = 0, a->blocked_until = 0;
			a->last = now_ms;
			return a;
		}
		if (idle(a, now_ms) && (!oldest || a->last < oldest->last))
			oldest = a;
	}
	if (!free_slot && oldest) {
		free_slot = oldest;	/* reuse the entry quiet the longest */
		t->n--;
	}
	if (!free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	memcpy(free_slot->key, key, sizeof(key));
	free_slot->used = true;
	free_slot->last = now_ms;
	t->n++;
	return free_slot;
}

unsigned *ag_addr_conns(struct ag_addr *a)
{
	return &a->conns;
}

uint64_t ag_addr_blocked(const struct ag_addr *a, uint64_t now_ms)
{
	return a->blocked_until > now_ms ? a->blocked_until - now_ms : 0;
}

void ag_addr_failure(struct ag_addr *a, uint64_t now_ms)
{
	uint64_t wait = AG_BACKOFF_FIRST_MS;

	a->failures++;
	for (unsigned i = 1; i < a->failures && wait < AG_BACKOFF_MAX_MS; i++)
		wait *= 2;
	if (wait > AG_BACKOFF_MAX_MS)
		wait = AG_BACKOFF_MAX_MS;
	a->blocked_until = now_ms + wait;
	a->last = now_ms;
}

void ag_addr_success(struct ag_addr *a)
{
	a->failures = 0;
	a->blocked_until = 0;
}

unsigned ag_addr_failures(const struct ag_addr *a)
{
	return a->failures;
}

size_t ag_addrtab_count(const struct ag_addrtab *t)
{
	return t->n;
}

void ag_addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	snprintf(buf, len, "%s", ip);
}
