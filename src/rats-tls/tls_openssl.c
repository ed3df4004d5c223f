/* tls_openssl.c - the `openssl` TLS wrapper: TLS 1.3 only, our attested
 * certificate on the way out, and the attestation check in place of X.509
 * chain validation on the way in. */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include "internal.h"
#include "log.h"

/* The library's own options, "tls.<key>=" (api.c reads them). */
static const char *const tls_keys[] = {
	"key", "peer_pubkey", "cert", "peer_ca", "peer_name", "fresh", NULL,
};

const struct rats_tls_wrapper rats_tls_wrapper_openssl = {
	.name = "openssl",
	.keys = tls_keys,
};

/* FRESH_EVIDENCE: a new key and certificate per connection, whose evidence
 * carries the peer's hello random as nonce. Called by OpenSSL once the
 * peer's hello is known (server: after ClientHello; client: on
 * CertificateRequest). */
static int fresh_cert_cb(SSL *ssl, void *arg)
{
	struct rats_tls_conn *c = SSL_get_app_data(ssl);
	struct rats_tls_ctx *ctx = arg;
	uint8_t peer_random[32];
	size_t n;
	EVP_PKEY *key;
	X509 *cert = NULL;
	int ok;

	n = SSL_is_server(ssl)
		    ? SSL_get_client_random(ssl, peer_random, sizeof(peer_random))
		    : SSL_get_server_random(ssl, peer_random, sizeof(peer_random));
	if (n != sizeof(peer_random)) {
		eaa_fail(&c->err, EAA_E_TLS, "no peer hello random");
		return 0;
	}
	if (!(key = rats_own_key(ctx, &c->err)))
		return 0;
	if (!cert_attest(ctx->attester, ctx->attester_state, key, peer_random,
			 sizeof(peer_random),
			 ctx->conf.flags & RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS,
			 &cert, &c->err)) {
		EVP_PKEY_free(key);
		return 0;
	}
	ok = SSL_use_certificate(ssl, cert) == 1 &&
	     SSL_use_PrivateKey(ssl, key) == 1;
	X509_free(cert);
	EVP_PKEY_free(key);
	if (!ok)
		eaa_fail_ssl(&c->err, EAA_E_TLS, "install certificate");
	return ok;
}

/* tls.peer_ca: the peer's certificate, with the intermediates it sent,
 * chains to one of the configured CAs at the current time; with
 * tls.peer_name it must also be issued for that DNS name or IP address
 * (subjectAltName only: a CA vouches for many names, the CN is not one). */
static bool peer_chain_ok(struct rats_tls_ctx *ctx, X509_STORE_CTX *store, X509 *cert,
			  struct eaa_err *err)
{
	X509_STORE_CTX *v = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *vp;
	bool ok = v && X509_STORE_CTX_init(v, ctx->peer_ca, cert,
					   X509_STORE_CTX_get0_untrusted(store)) == 1;
	int e;

	if (ok && ctx->peer_name) {
		vp = X509_STORE_CTX_get0_param(v);
		X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
						    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		/* an IP address is matched as one, never as a DNS name */
		ok = X509_VERIFY_PARAM_set1_ip_asc(vp, ctx->peer_name) == 1 ||
		     X509_VERIFY_PARAM_set1_host(vp, ctx->peer_name, 0) == 1;
	}
	ok = ok && X509_verify_cert(v) == 1;
	e = v ? X509_STORE_CTX_get_error(v) : 0;
	if (!ok && (e == X509_V_ERR_HOSTNAME_MISMATCH || e == X509_V_ERR_IP_ADDRESS_MISMATCH))
		eaa_fail(err, EAA_E_UNTRUSTED, "the peer's certificate is not issued for "
			 "tls.peer_name=%s (no such name or IP address in its "
			 "subjectAltName)", ctx->peer_name);
	else if (!ok)
		eaa_fail(err, EAA_E_UNTRUSTED, "the peer's certificate does not chain to "
			 "tls.peer_ca=%s: %s", ctx->peer_ca_file,
			 v ? X509_verify_cert_error_string(e) : "out of memory");
	X509_STORE_CTX_free(v);
	ERR_clear_error();
	return ok;
}

/* Replaces X509_verify_cert: the peer's certificate is self-signed and
 * trusted only through its evidence. */
static int verify_cb(X509_STORE_CTX *store, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		store, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct rats_tls_conn *c = SSL_get_app_data(ssl);
	struct rats_tls_ctx *ctx = arg;
	struct rats_verify_ctx vc = ctx->vc;
	X509 *cert = X509_STORE_CTX_get0_cert(store);
	uint8_t own_random[32];
	rats_tls_claims_t claims;

	if (!cert) {
		eaa_fail(&c->err, EAA_E_NO_EVIDENCE, "peer sent no certificate");
		goto fail;
	}
	if (SSL_is_server(ssl))
		vc.own_random_len = SSL_get_server_random(ssl, own_random, 32);
	else
		vc.own_random_len = SSL_get_client_random(ssl, own_random, 32);
	vc.own_random = own_random;
	if (!rats_verify_cert(&vc, cert, &c->peer, &c->err))
		goto fail;
	/* A pinned peer key or CA holds whatever the verifier said,
	 * nullverifier included: it is how an agent knows its broker. */
	if (ctx->peer_ca && !peer_chain_ok(ctx, store, cert, &c->err))
		goto fail;
	if (ctx->peer_pin && EVP_PKEY_eq(X509_get0_pubkey(cert), ctx->peer_pin) != 1) {
		eaa_fail(&c->err, EAA_E_UNTRUSTED, "the peer's TLS key is not the pinned "
			 "key (tls.peer_pubkey=%s)", ctx->peer_pin_file);
		goto fail;
	}
	claims.tee = c->peer.tee;
	claims.json = c->peer.claims_json;
	/* the claims are kilobytes per handshake: a busy verifier's log
	 * would be mostly them (168 MB for 242k connections) */
	LOG_DEBUG("peer verified by %s: %s", claims.tee, claims.json);
	if (ctx->conf.claims_cb &&
	    ctx->conf.claims_cb(ctx->conf.claims_cb_arg, &claims) != 0) {
		eaa_fail(&c->err, EAA_E_REJECTED,
			 "the application refused the peer's claims");
		goto fail;
	}
	c->verified = true;
	return 1;
fail:
	X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

bool tls_ctx_setup(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	bool server = ctx->conf.flags & RATS_TLS_CONF_FLAGS_SERVER;
	SSL_CTX *s = SSL_CTX_new(server ? TLS_server_method()
					: TLS_client_method());

	if (!s)
		return eaa_fail_ssl(err, EAA_E_TLS, "create TLS context");
	ctx->ssl_ctx = s;
	if (SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(s, TLS1_3_VERSION) != 1)
		return eaa_fail_ssl(err, EAA_E_TLS, "require TLS 1.3");
	/* Evidence with endorsements outgrows OpenSSL's 100 KiB default; our
	 * own per-extension limit (RATS_MAX_EXTENSION) is checked when parsing. */
	SSL_CTX_set_max_cert_list(s, RATS_MAX_CERT_LIST);
	/* No resumption: every connection proves its peer afresh. */
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(s, 0);
	SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
	/* what the peer sent (KEKs, layer keys, resources) is wiped from
	 * OpenSSL's read buffer once the application has it */
	SSL_CTX_set_options(s, SSL_OP_CLEANSE_PLAINTEXT);
	/* an idle connection keeps no record buffers (a server may hold
	 * thousands); a non-blocking write may be retried from a copy */
	SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ctx->present_cert) {
		if (ctx->conf.flags & RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE) {
			SSL_CTX_set_cert_cb(s, fresh_cert_cb, ctx);
		} else if (SSL_CTX_use_certificate(s, ctx->cert) != 1 ||
			   SSL_CTX_use_PrivateKey(s, ctx->key) != 1 ||
			   (ctx->static_chain &&
			    SSL_CTX_set1_chain(s, ctx->static_chain) != 1)) {
			return eaa_fail_ssl(err, EAA_E_TLS, "install certificate");
		}
	}
	if (ctx->verify_peer) {
		SSL_CTX_set_verify(s, SSL_VERIFY_PEER |
				       SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
		SSL_CTX_set_cert_verify_callback(s, verify_cb, ctx);
	} else {
		SSL_CTX_set_verify(s, SSL_VERIFY_NONE, NULL);
	}
	return true;
}

/*
 * A write to a socket whose peer has gone raises SIGPIPE, whose default
 * action ends the process: a library must not kill its caller for that.
 * OpenSSL's socket BIO writes with write(2); ours is the same BIO but for
 * its write, send(2) with MSG_NOSIGNAL, so the write fails with EPIPE
 * (reported) and the signal is never raised: no mask to block and restore
 * around every write (four system calls each, as libpq does where it
 * cannot use MSG_NOSIGNAL).
 */
static BIO_METHOD *send_method;
static pthread_once_t send_once = PTHREAD_ONCE_INIT;

static int send_write(BIO *b, const char *in, int len)
{
	int fd = -1, n;

	BIO_get_fd(b, &fd);
	errno = 0;
	n = (int)send(fd, in, (size_t)len, MSG_NOSIGNAL);
	BIO_clear_retry_flags(b);
	if (n <= 0 && BIO_sock_should_retry(n))
		BIO_set_retry_write(b);
	return n;
}

static int send_puts(BIO *b, const char *s)
{
	return send_write(b, s, (int)strlen(s));
}

static void send_method_make(void)
{
	const BIO_METHOD *sock = BIO_s_socket();
	BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOCKET, "socket (MSG_NOSIGNAL)");

	if (m && BIO_meth_set_write(m, send_write) == 1 &&
	    BIO_meth_set_puts(m, send_puts) == 1 &&
	    BIO_meth_set_read(m, BIO_meth_get_read(sock)) == 1 &&
	    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(sock)) == 1 &&
	    BIO_meth_set_create(m, BIO_meth_get_create(sock)) == 1 &&
	    BIO_meth_set_destroy(m, BIO_meth_get_destroy(sock)) == 1) {
		send_method = m;
		return;
	}
	BIO_meth_free(m);
}

bool tls_conn_begin(struct rats_tls_conn *c, int fd, struct eaa_err *err)
{
	BIO *bio;

	pthread_once(&send_once, send_method_make);
	if (!send_method || !(c->ssl = SSL_new(c->ctx->ssl_ctx)) ||
	    !(bio = BIO_new(send_method)))
		return eaa_fail_ssl(err, EAA_E_TLS, "create TLS connection");
	BIO_set_fd(bio, fd, BIO_NOCLOSE);
	/* the connection owns the BIO from here */
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_app_data(c->ssl, c);
	return true;
}

enum eaa_code tls_conn_continue(struct rats_tls_conn *c, struct eaa_err *err)
{
	int rc, e;

	/* the handshake writes too, to a peer that may have gone: without
	 * SIGPIPE (send_write) */
	if (c->ctx->conf.flags & RATS_TLS_CONF_FLAGS_SERVER)
		rc = SSL_accept(c->ssl);
	else
		rc = SSL_connect(c->ssl);
	if (rc == 1) {
		ERR_clear_error();
		if (c->ctx->verify_peer && !c->verified) {
			eaa_fail(err, EAA_E_NO_EVIDENCE, "peer was not verified");
			return EAA_E_NO_EVIDENCE;
		}
		return EAA_OK;
	}
	if (c->err.code) {
		/* Our own check failed: that is the reason, not the alert. */
		ERR_clear_error();
		*err = c->err;
		return err->code;
	}
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		/* a non-blocking socket: nothing failed yet */
		ERR_clear_error();
		return e == SSL_ERROR_WANT_READ ? EAA_E_WANT_READ : EAA_E_WANT_WRITE;
	}
	if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
		eaa_fail(err, EAA_E_TLS, "handshake: connection closed by peer");
		return EAA_E_TLS;
	}
	{
		unsigned long code = ERR_peek_last_error();
		const char *reason = code ? ERR_reason_error_string(code) : NULL;

		ERR_clear_error();
		eaa_fail(err, EAA_E_TLS, "handshake failed%s%s%s",
			 reason ? " (" : "", reason ? reason : "",
			 reason ? ")" : "");
		return EAA_E_TLS;
	}
}
