/* TLS for the agent: the server context from the certificate (with its chain) and
 * key that netd opened and passed as descriptors (the agent opens no files), TLS 1.2
 * and newer, no renegotiation or compression. Per connection a libevent_openssl
 * bufferevent whose socket evhttp sets later. */
#include <stdio.h>
#include <string.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "agent_int.h"

static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return -1;	/* encrypted keys cannot be unlocked unattended */
}

static void last_error(const char *what, char *err, size_t errlen)
{
	char buf[200];
	unsigned long e = ERR_peek_last_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, e ? buf : "unknown error");
	ERR_clear_error();
}

SSL_CTX *ag_tls_ctx(int cert_fd, int key_fd, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	BIO *cb = BIO_new_fd(cert_fd, BIO_NOCLOSE), *kb = BIO_new_fd(key_fd, BIO_NOCLOSE);
	X509 *x = NULL, *ca;
	EVP_PKEY *k = NULL;

	if (!ctx || !cb || !kb) {
		last_error("TLS set-up", err, errlen);
		goto fail;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
				 SSL_OP_CIPHER_SERVER_PREFERENCE);
	x = PEM_read_bio_X509_AUX(cb, NULL, no_passphrase, NULL);
	if (!x || SSL_CTX_use_certificate(ctx, x) != 1) {
		last_error("tls-cert", err, errlen);
		goto fail;
	}
	while ((ca = PEM_read_bio_X509(cb, NULL, no_passphrase, NULL)))
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			last_error("tls-cert chain", err, errlen);
			goto fail;
		}
	ERR_clear_error();	/* the end of the file ends the loop with an error */
	k = PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL);
	if (!k || SSL_CTX_use_PrivateKey(ctx, k) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		last_error("tls-key (unencrypted, matching the certificate)", err, errlen);
		goto fail;
	}
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	return ctx;
fail:
	X509_free(x);
	EVP_PKEY_free(k);
	BIO_free(cb);
	BIO_free(kb);
	SSL_CTX_free(ctx);
	return NULL;
}

void ag_tls_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}

struct bufferevent *ag_tls_bev(struct event_base *base, SSL_CTX *ctx)
{
	SSL *ssl = SSL_new(ctx);
	struct bufferevent *bev;

	if (!ssl)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		SSL_free(ssl);
		return NULL;
	}
	/* Clients that close without close_notify are not an error worth a log line. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}
