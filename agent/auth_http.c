/* The auth step of every request, before its body is looked at: the per-address
 * back-off (429 while it lasts, no hash computed), Basic credentials checked against
 * the password hash (401 with a challenge otherwise, the attempt logged without the
 * password), a global budget of hash computations (503 when spent: yescrypt costs
 * tens of milliseconds), and a small cache of recently verified credentials keyed by
 * a salted SHA-256 of the header, so that a manager calling often pays once. */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <dom0net/agent.h>
#include <dom0net/log.h>

#include "agent_int.h"

static void digest(struct agent *ag, const char *hdr, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned len = 0;

	memset(out, 0, 32);
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(md, ag->cache_key, sizeof(ag->cache_key)) != 1 ||
	    EVP_DigestUpdate(md, hdr, strlen(hdr)) != 1 || EVP_DigestFinal_ex(md, out, &len) != 1)
		memset(out, 0, 32);	/* all-zero never matches: empty entries have expires 0 */
	EVP_MD_CTX_free(md);
}

void ag_auth_cache_clear(struct agent *ag)
{
	explicit_bzero(ag->cache, sizeof(ag->cache));
	if (getrandom(ag->cache_key, sizeof(ag->cache_key), 0) != sizeof(ag->cache_key))
		memset(ag->cache_key, 0, sizeof(ag->cache_key));
}

static bool cache_hit(struct agent *ag, const uint8_t d[32], uint64_t now)
{
	bool hit = false;

	for (unsigned i = 0; i < AUTH_CACHE; i++)
		if (ag->cache[i].expires > now && ag_ct_equal(ag->cache[i].digest, d, 32))
			hit = true;
	return hit;
}

static void cache_put(struct agent *ag, const uint8_t d[32], uint64_t now)
{
	struct auth_entry *slot = &ag->cache[0];

	for (unsigned i = 0; i < AUTH_CACHE; i++)
		if (ag->cache[i].expires < slot->expires)
			slot = &ag->cache[i];
	memcpy(slot->digest, d, 32);
	slot->expires = now + AUTH_CACHE_TTL_MS;
}

static bool crypt_budget(struct agent *ag, uint64_t now)
{
	ag->crypt_tokens += (double)(now - ag->crypt_last) * AG_CRYPT_RATE / 1000.0;
	ag->crypt_last = now;
	if (ag->crypt_tokens > AG_CRYPT_BURST)
		ag->crypt_tokens = AG_CRYPT_BURST;
	if (ag->crypt_tokens < 1.0)
		return false;
	ag->crypt_tokens -= 1.0;
	return true;
}

void ag_http_refuse(struct evhttp_request *req, int code, const char *reason,
		    unsigned retry_s)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *body = evhttp_request_get_output_buffer(req);
	char buf[16];

	/* Not evhttp_send_error: it drops the headers set here. */
	if (code == 401)
		evhttp_add_header(h, "WWW-Authenticate", "Basic realm=\"dom0net agent\"");
	if (retry_s) {
		snprintf(buf, sizeof(buf), "%u", retry_s);
		evhttp_add_header(h, "Retry-After", buf);
	}
	/* Whoever is refused gets no kept-alive connection to try again on. */
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "Content-Type", "text/plain");
	evbuffer_add_printf(body, "%d %s\n", code, reason);
	evhttp_send_reply(req, code, reason, NULL);
}

bool ag_http_auth(struct agent *ag, struct evhttp_request *req, const struct sockaddr *peer,
		  struct ag_addr *addr)
{
	const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req),
					     "Authorization");
	char who[64], user[64], shown[64], pw[AG_PASSWORD_MAX];
	uint64_t now = ag_now_ms(), wait = ag_addr_blocked(addr, now);
	uint8_t d[32];
	bool ok;

	ag_addr_format(peer, who, sizeof(who));
	if (wait) {
		log_debug("%s: refused during its login back-off (%llu ms left)", who,
			  (unsigned long long)wait);
		ag_http_refuse(req, 429, "Too Many Requests", (unsigned)((wait + 999) / 1000));
		return false;
	}
	if (!hdr) {
		log_info("%s: request without credentials: 401", who);
		ag_http_refuse(req, 401, "Unauthorized", 0);
		return false;
	}
	digest(ag, hdr, d);
	if (cache_hit(ag, d, now)) {
		ag_addr_success(addr);
		return true;
	}
	if (ag_basic_parse(hdr, user, sizeof(user), pw, sizeof(pw)) < 0) {
		ag_addr_failure(addr, now);
		ag->logins_failed++;
		log_warnx("%s: malformed Basic credentials: 401", who);
		ag_http_refuse(req, 401, "Unauthorized", 0);
		return false;
	}
	if (!crypt_budget(ag, now)) {
		explicit_bzero(pw, sizeof(pw));
		log_warnx("%s: password checks over budget (%.0f/s): 503", who, AG_CRYPT_RATE);
		ag_http_refuse(req, 503, "Service Unavailable", 1);
		return false;
	}
	ok = ag_password_check(pw, ag->hash);
	explicit_bzero(pw, sizeof(pw));
	for (size_t i = 0; i < sizeof(shown) && (shown[i] = user[i]); i++)
		if (shown[i] < ' ' || shown[i] > '~')
			shown[i] = '?';
	shown[sizeof(shown) - 1] = '\0';
	if (!ok) {
		ag_addr_failure(addr, now);
		ag->logins_failed++;
		log_warnx("%s: wrong password for user '%s' (%u in a row; next try in %llu ms): 401",
			  who, shown, ag_addr_failures(addr),
			  (unsigned long long)ag_addr_blocked(addr, now));
		ag_http_refuse(req, 401, "Unauthorized", 0);
		return false;
	}
	ag_addr_success(addr);
	cache_put(ag, d, now);
	log_debug("%s: user '%s' authenticated", who, shown);
	return true;
}
