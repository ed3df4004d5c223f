/* api.c - the public librats-tls API: configuration checks, instance
 * selection (no silent downgrade), and per-connection life cycle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "internal.h"
#include "log.h"

static _Thread_local char last_error[EAA_ERR_MSG_MAX];

/* Every call on a handle logs at the handle's level, in this thread only,
 * until it returns: two handles with different levels each keep theirs, and
 * the program's own level (eaa_log_set_level) is never touched. */
static enum eaa_log_level level_of(rats_tls_log_level_t l)
{
	return (unsigned)l <= RATS_TLS_LOG_LEVEL_NONE ? (enum eaa_log_level)l
						       : EAA_LOG_WARN;
}
#define HANDLE_LOG_SCOPE(l)                                                  \
	struct eaa_log_scope log_scope_                                      \
		__attribute__((cleanup(eaa_log_scope_end), unused)) =        \
			eaa_log_scope_begin(level_of(l))

static rats_tls_err_t report(struct rats_tls_ctx *ctx, const struct eaa_err *e)
{
	snprintf(last_error, sizeof(last_error), "%s", e->msg);
	if (ctx)
		snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", e->msg);
	LOG_DEBUG("%s", e->msg);
	return e->code ? e->code : EAA_E_INVALID;
}

RATS_TLS_API const char *rats_tls_last_error(void) { return last_error; }

RATS_TLS_API const char *rats_tls_strerror(rats_tls_handle h)
{
	return h ? h->errmsg : last_error;
}

static bool copy_options(struct rats_tls_ctx *ctx, const char *const *opts,
			 struct eaa_err *err)
{
	size_t n = 0;

	while (opts && opts[n])
		n++;
	if (!n)
		return true;
	if (!(ctx->opts.kv = calloc(n, sizeof(char *))))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!(ctx->opts.kv[i] = strdup(opts[i])))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		ctx->opts.n++;
	}
	return rats_opts_check(&ctx->opts, err);
}

/* A PEM key file named by an option: a private key for tls.key; a public
 * key or a certificate (its key) for tls.peer_pubkey. */
static EVP_PKEY *pem_key(const char *path, bool private, struct eaa_err *err)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;
	X509 *cert;

	if (!f) {
		eaa_fail(err, EAA_E_IO, "%s: cannot open", path);
		return NULL;
	}
	if (private) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	} else if ((k = PEM_read_PUBKEY(f, NULL, NULL, NULL)) == NULL) {
		rewind(f);
		if ((cert = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
			k = X509_get_pubkey(cert);
			X509_free(cert);
		}
	}
	fclose(f);
	ERR_clear_error();
	if (!k)
		eaa_fail(err, EAA_E_CONFIG, "%s: no PEM %s in it", path,
			 private ? "private key" : "public key or certificate");
	return k;
}

/* tls.cert: a certificate (then its chain) for tls.key, issued by a CA
 * the peer trusts (tls.peer_ca there). */
static bool load_cert(struct rats_tls_ctx *ctx, const char *path, struct eaa_err *err)
{
	FILE *f = fopen(path, "r");
	X509 *c;

	if (!f)
		return eaa_fail(err, EAA_E_IO, "%s: cannot open", path);
	ctx->static_cert = PEM_read_X509(f, NULL, NULL, NULL);
	ctx->static_chain = sk_X509_new_null();
	while (ctx->static_chain && (c = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(ctx->static_chain, c);
	fclose(f);
	ERR_clear_error();
	if (!ctx->static_cert || !ctx->static_chain)
		return eaa_fail(err, EAA_E_CONFIG, "%s: no PEM certificate in it", path);
	if (!ctx->own_key)
		return eaa_fail(err, EAA_E_CONFIG, "%s needs its key as tls.key", path);
	if (EVP_PKEY_eq(X509_get0_pubkey(ctx->static_cert), ctx->own_key) != 1)
		return eaa_fail(err, EAA_E_CONFIG, "%s is not for the key in tls.key", path);
	return true;
}

/* tls.peer_ca: PEM certificates the peer's certificate must chain to. */
static bool load_ca(struct rats_tls_ctx *ctx, const char *path, struct eaa_err *err)
{
	if (!(ctx->peer_ca = X509_STORE_new()) ||
	    X509_STORE_load_file(ctx->peer_ca, path) != 1)
		return eaa_fail_ssl(err, EAA_E_CONFIG, path);
	ctx->peer_ca_file = path;
	return true;
}

static bool load_keys(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	const char *own = rats_opt(&ctx->opts, "tls", "key");
	const char *pin = rats_opt(&ctx->opts, "tls", "peer_pubkey");
	const char *cert = rats_opt(&ctx->opts, "tls", "cert");
	const char *ca = rats_opt(&ctx->opts, "tls", "peer_ca");
	const char *name = rats_opt(&ctx->opts, "tls", "peer_name");

	if (own && !(ctx->own_key = pem_key(own, true, err)))
		return eaa_err_prefix(err, "tls.key");
	if (pin && !(ctx->peer_pin = pem_key(pin, false, err)))
		return eaa_err_prefix(err, "tls.peer_pubkey");
	ctx->peer_pin_file = pin;
	if (cert && !load_cert(ctx, cert, err))
		return eaa_err_prefix(err, "tls.cert");
	if (ca && !load_ca(ctx, ca, err))
		return eaa_err_prefix(err, "tls.peer_ca");
	/* a name is only meaningful with the CA that vouches for it */
	if (name && (!ca || !*name))
		return eaa_fail(err, EAA_E_CONFIG, "tls.peer_name=%s needs tls.peer_ca "
				"(and a name)", name);
	ctx->peer_name = name;
	return true;
}

/* tls.fresh=1 is RATS_TLS_CONF_FLAGS_FRESH, for callers that pass options
 * only (the attestation agent's -o): bind the peer's hello random, require
 * ours. */
static bool fresh_option(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	const char *v = rats_opt(&ctx->opts, "tls", "fresh");

	if (!v || strcmp(v, "0") == 0)
		return true;
	if (strcmp(v, "1") != 0)
		return eaa_fail(err, EAA_E_CONFIG, "tls.fresh: want 0 or 1, not \"%s\"", v);
	ctx->conf.flags |= RATS_TLS_CONF_FLAGS_FRESH;
	return true;
}

EVP_PKEY *rats_own_key(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	if (ctx->own_key)
		return EVP_PKEY_up_ref(ctx->own_key) == 1 ? ctx->own_key : NULL;
	return rats_cryptos[0]->gen_key(ctx->conf.cert_algo, err);
}

static bool pick_attester(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	const char *name = ctx->conf.attester_type;
	const struct rats_attester *a = NULL;

	if (name[0]) {
		if (!(a = rats_attester_find(name)))
			return eaa_fail(err, EAA_E_CONFIG,
					"unknown attester \"%s\" (see --list)",
					name);
	} else {
		for (size_t i = 0; rats_attesters[i] && !a; i++)
			if (rats_attesters[i]->detect &&
			    rats_attesters[i]->detect())
				a = rats_attesters[i];
		if (!a)
			return eaa_fail(err, EAA_E_CONFIG,
					"no TEE detected: name an attester with "
					"-a (nullattester presents no evidence)");
		LOG_INFO("detected TEE: attester %s", a->name);
	}
	if (!a->init(&ctx->opts, &ctx->attester_state, err))
		return false;
	ctx->attester = a;
	return true;
}

static bool pick_verifiers(struct rats_tls_ctx *ctx, struct eaa_err *err)
{
	const char *name = ctx->conf.verifier_type;
	struct rats_verify_ctx *vc = &ctx->vc;
	struct eaa_err why;

	vc->expect_nonce = ctx->nonce;
	vc->expect_nonce_len = ctx->conf.nonce_len;
	vc->require_nonce = ctx->conf.flags & RATS_TLS_CONF_FLAGS_REQUIRE_NONCE;
	if (name[0]) {
		if (!(vc->named = rats_verifier_find(name)))
			return eaa_fail(err, EAA_E_CONFIG,
					"unknown verifier \"%s\" (see --list)",
					name);
		if (!vc->named->init(&ctx->opts, &vc->named_state, err)) {
			vc->named = NULL;
			return false;
		}
		return true;
	}
	/* No verifier named: those whose trust is configured, never the null
	 * one. A verifier whose init fails has no trust configured. */
	for (size_t i = 0; rats_verifiers[i]; i++) {
		const struct rats_verifier *v = rats_verifiers[i];
		size_t k = vc->ninferred;

		if (v->ntags == 0 || k == sizeof(vc->inferred) / sizeof(vc->inferred[0]))
			continue;
		if (v->init(&ctx->opts, &vc->inferred_state[k], &why)) {
			vc->inferred[k] = v;
			vc->ninferred++;
		} else {
			LOG_DEBUG("verifier %s not usable: %s", v->name, why.msg);
		}
	}
	if (!vc->ninferred)
		return eaa_fail(err, EAA_E_CONFIG,
				"no verifier named and none has trust "
				"configured: name one with -v (nullverifier "
				"accepts unattested peers)");
	return true;
}

static void ctx_free(struct rats_tls_ctx *ctx)
{
	struct rats_verify_ctx *vc = &ctx->vc;

	if (ctx->current)
		rats_tls_conn_close(ctx->current);
	SSL_CTX_free(ctx->ssl_ctx);
	X509_free(ctx->cert);
	EVP_PKEY_free(ctx->key);
	EVP_PKEY_free(ctx->own_key);
	EVP_PKEY_free(ctx->peer_pin);
	X509_STORE_free(ctx->peer_ca);
	X509_free(ctx->static_cert);
	sk_X509_pop_free(ctx->static_chain, X509_free);
	if (ctx->attester && ctx->attester->cleanup)
		ctx->attester->cleanup(ctx->attester_state);
	if (vc->named && vc->named->cleanup)
		vc->named->cleanup(vc->named_state);
	for (size_t i = 0; i < vc->ninferred; i++)
		if (vc->inferred[i]->cleanup)
			vc->inferred[i]->cleanup(vc->inferred_state[i]);
	for (size_t i = 0; i < ctx->opts.n; i++)
		free(ctx->opts.kv[i]);
	free(ctx->opts.kv);
	if (ctx->nonce) {
		OPENSSL_cleanse(ctx->nonce, ctx->conf.nonce_len);
		free(ctx->nonce);
	}
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

static bool known_name(const char *name, rats_tls_instance_kind_t kind)
{
	if (!name[0])
		return true;
	for (size_t i = 0; rats_tls_instance_name(kind, i); i++)
		if (strcmp(rats_tls_instance_name(kind, i), name) == 0)
			return true;
	return false;
}

static bool ctx_init(struct rats_tls_ctx *ctx, const rats_tls_conf_t *conf,
		     struct eaa_err *err)
{
	bool server = conf->flags & RATS_TLS_CONF_FLAGS_SERVER;
	bool mutual = conf->flags & RATS_TLS_CONF_FLAGS_MUTUAL;

	if (conf->api_version > RATS_TLS_API_VERSION)
		return eaa_fail(err, EAA_E_CONFIG, "api_version %u is newer "
				"than this library (%u)", conf->api_version,
				RATS_TLS_API_VERSION);
	/* The level is the handle's (see handle_log_scope), never the process's. */
	if ((unsigned)conf->log_level > RATS_TLS_LOG_LEVEL_NONE)
		return eaa_fail(err, EAA_E_CONFIG, "log_level %d is not a "
				"RATS_TLS_LOG_LEVEL_*", (int)conf->log_level);
	if (!known_name(conf->tls_type, RATS_TLS_INSTANCE_TLS))
		return eaa_fail(err, EAA_E_CONFIG, "unknown TLS wrapper \"%.32s\"",
				conf->tls_type);
	if (!known_name(conf->crypto_type, RATS_TLS_INSTANCE_CRYPTO))
		return eaa_fail(err, EAA_E_CONFIG, "unknown crypto wrapper "
				"\"%.32s\"", conf->crypto_type);
	if (conf->nonce_len > RATS_MAX_NONCE || (conf->nonce_len && !conf->nonce))
		return eaa_fail(err, EAA_E_CONFIG, "nonce must be 1 to %d bytes",
				RATS_MAX_NONCE);
	ctx->conf = *conf;
	/* Names are fixed arrays: make sure they are terminated. */
	ctx->conf.attester_type[sizeof(conf->attester_type) - 1] = '\0';
	ctx->conf.verifier_type[sizeof(conf->verifier_type) - 1] = '\0';
	ctx->conf.options = NULL;
	ctx->conf.nonce = NULL;
	if (conf->nonce_len) {
		if (!(ctx->nonce = malloc(conf->nonce_len)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		memcpy(ctx->nonce, conf->nonce, conf->nonce_len);
	}
	if (!copy_options(ctx, conf->options, err))
		return false;
	if (!load_keys(ctx, err) || !fresh_option(ctx, err))
		return false;
	ctx->present_cert = server || mutual;
	ctx->verify_peer = !server || mutual;
	if (ctx->present_cert && !pick_attester(ctx, err))
		return false;
	if (ctx->verify_peer && !pick_verifiers(ctx, err))
		return false;
	if (ctx->static_cert) {
		/* a CA-issued certificate cannot carry fresh evidence */
		if (ctx->present_cert && strcmp(ctx->attester->name, "nullattester") != 0)
			return eaa_fail(err, EAA_E_CONFIG, "tls.cert: a CA-issued certificate "
					"carries no evidence; use it with nullattester only");
		ctx->conf.flags &= ~RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE;
		if (X509_up_ref(ctx->static_cert) != 1 ||
		    !(ctx->key = rats_own_key(ctx, err)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		ctx->cert = ctx->static_cert;
	} else if (ctx->present_cert &&
		   !(ctx->conf.flags & RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE)) {
		if (!(ctx->key = rats_own_key(ctx, err)) ||
		    !cert_attest(ctx->attester, ctx->attester_state, ctx->key,
				 ctx->nonce, conf->nonce_len,
				 conf->flags & RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS,
				 &ctx->cert, err))
			return false;
	}
	return tls_ctx_setup(ctx, err);
}

RATS_TLS_API rats_tls_err_t rats_tls_init(const rats_tls_conf_t *conf,
					  rats_tls_handle *handle)
{
	struct eaa_err err = { 0 };
	struct rats_tls_ctx *ctx;
	HANDLE_LOG_SCOPE(conf ? conf->log_level : RATS_TLS_LOG_LEVEL_DEFAULT);

	if (!conf || !handle) {
		eaa_fail(&err, EAA_E_INVALID, "rats_tls_init: NULL argument");
		return report(NULL, &err);
	}
	if (!(ctx = calloc(1, sizeof(*ctx)))) {
		eaa_fail(&err, EAA_E_NOMEM, "out of memory");
		return report(NULL, &err);
	}
	pthread_mutex_init(&ctx->lock, NULL);
	if (!ctx_init(ctx, conf, &err)) {
		ctx_free(ctx);
		return report(NULL, &err);
	}
	*handle = ctx;
	return RATS_TLS_ERR_NONE;
}

/* A connection on fd with its TLS object, its handshake not begun; NULL
 * with err filled on failure. */
static struct rats_tls_conn *conn_new(struct rats_tls_ctx *h, int fd, const char *what,
				      struct eaa_err *err)
{
	struct rats_tls_conn *c;

	if (!h || fd < 0) {
		eaa_fail(err, EAA_E_INVALID, "%s: bad argument", what);
		return NULL;
	}
	if (!(c = calloc(1, sizeof(*c)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	c->ctx = h;
	if (!tls_conn_begin(c, fd, err)) {
		rats_tls_conn_close(c);
		return NULL;
	}
	return c;
}

RATS_TLS_API rats_tls_err_t rats_tls_conn_open(rats_tls_handle h, int fd,
					       rats_tls_conn **out)
{
	struct eaa_err err = { 0 };
	struct rats_tls_conn *c;
	HANDLE_LOG_SCOPE(h ? h->conf.log_level : RATS_TLS_LOG_LEVEL_DEFAULT);

	if (!out) {
		eaa_fail(&err, EAA_E_INVALID, "rats_tls_conn_open: bad argument");
		return report(h, &err);
	}
	if (!(c = conn_new(h, fd, "rats_tls_conn_open", &err)))
		return report(h, &err);
	if (tls_conn_continue(c, &err) != EAA_OK) {
		rats_tls_conn_close(c);
		return report(h, &err);
	}
	*out = c;
	return RATS_TLS_ERR_NONE;
}

RATS_TLS_API rats_tls_err_t rats_tls_conn_start(rats_tls_handle h, int fd,
						rats_tls_conn **out)
{
	struct eaa_err err = { 0 };
	struct rats_tls_conn *c;
	rats_tls_err_t rc;
	HANDLE_LOG_SCOPE(h ? h->conf.log_level : RATS_TLS_LOG_LEVEL_DEFAULT);

	if (!out) {
		eaa_fail(&err, EAA_E_INVALID, "rats_tls_conn_start: bad argument");
		return report(h, &err);
	}
	*out = NULL;
	if (!(c = conn_new(h, fd, "rats_tls_conn_start", &err)))
		return report(h, &err);
	/* one read call per burst of records, not two per record: the
	 * caller asks rats_tls_conn_pending before waiting on the socket */
	SSL_set_read_ahead(c->ssl, 1);
	rc = tls_conn_continue(c, &err);
	if (rc != EAA_OK && rc != EAA_E_WANT_READ && rc != EAA_E_WANT_WRITE) {
		rats_tls_conn_close(c);
		return report(h, &err);
	}
	*out = c;
	return rc;
}

RATS_TLS_API rats_tls_err_t rats_tls_conn_step(rats_tls_conn *c)
{
	struct eaa_err err = { 0 };
	rats_tls_err_t rc;

	if (!c || !c->ssl)
		return EAA_E_INVALID;
	HANDLE_LOG_SCOPE(c->ctx->conf.log_level);
	rc = tls_conn_continue(c, &err);
	if (rc != EAA_OK && rc != EAA_E_WANT_READ && rc != EAA_E_WANT_WRITE)
		return report(c->ctx, &err);
	return rc;
}

RATS_TLS_API int rats_tls_conn_pending(const rats_tls_conn *c)
{
	return c && c->ssl && SSL_has_pending(c->ssl);
}

/* A non-blocking socket that must wait: the code to return, or EAA_OK
 * when rc is a failure to report. */
static rats_tls_err_t would_block(rats_tls_conn *c, int rc)
{
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		ERR_clear_error();
		return EAA_E_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		ERR_clear_error();
		return EAA_E_WANT_WRITE;
	default:
		return EAA_OK;
	}
}

RATS_TLS_API void rats_tls_conn_close(rats_tls_conn *c)
{
	if (!c)
		return;
	HANDLE_LOG_SCOPE(c->ctx->conf.log_level);
	if (c->ssl) {
		/* the close_notify goes to a peer that may be gone: the
		 * socket's writes never raise SIGPIPE (tls_openssl.c) */
		if (SSL_is_init_finished(c->ssl))
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	free(c->peer.claims_json);
	free(c);
}

static rats_tls_err_t io_error(rats_tls_conn *c, int rc, const char *what)
{
	struct eaa_err err;
	int e = SSL_get_error(c->ssl, rc);
	unsigned long code = ERR_peek_last_error();

	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && code == 0))
		eaa_fail(&err, EAA_E_CLOSED, "%s: connection closed by peer", what);
	else if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
		 ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET)
		/* In TLS 1.3 the server checks our certificate after our side
		 * of the handshake is done: its refusal arrives as an alert. */
		eaa_fail(&err, EAA_E_REJECTED, "%s: the peer refused this "
			 "connection (TLS alert: %s)", what,
			 ERR_reason_error_string(code));
	else
		eaa_fail_ssl(&err, EAA_E_TLS, what);
	ERR_clear_error();
	return report(c->ctx, &err);
}

/*
 * A TLS 1.3 client finishes its handshake before the server has judged the
 * client's certificate, so a server that refuses us in mutual mode sends its
 * alert and closes while we may already be writing: the write then fails
 * with a reset. The alert is still in our receive queue (the connection is
 * dead, so this read cannot block); read it to report why, not just that.
 */
static rats_tls_err_t write_error(rats_tls_conn *c, int rc)
{
	struct eaa_err err;
	int e = SSL_get_error(c->ssl, rc);
	char byte;

	if (e != SSL_ERROR_SYSCALL && e != SSL_ERROR_ZERO_RETURN)
		return io_error(c, rc, "transmit");
	ERR_clear_error();
	rc = SSL_read(c->ssl, &byte, 1);
	if (rc <= 0 && SSL_get_error(c->ssl, rc) == SSL_ERROR_SSL)
		return io_error(c, rc, "transmit");
	ERR_clear_error();
	eaa_fail(&err, EAA_E_CLOSED, "transmit: connection closed by peer");
	return report(c->ctx, &err);
}

RATS_TLS_API rats_tls_err_t rats_tls_conn_write(rats_tls_conn *c,
						const void *buf, size_t *len)
{
	size_t done = 0;

	if (!c || !len || (*len && !buf))
		return EAA_E_INVALID;
	HANDLE_LOG_SCOPE(c->ctx->conf.log_level);
	while (done < *len) {
		size_t chunk = *len - done > INT_MAX ? INT_MAX : *len - done;
		/* a peer that has gone fails the write (EPIPE); it does not end
		 * the process of an application that kept SIGPIPE's default */
		int rc = SSL_write(c->ssl, (const char *)buf + done, (int)chunk);

		if (rc <= 0) {
			rats_tls_err_t again = would_block(c, rc);

			*len = done;
			return again ? again : write_error(c, rc);
		}
		done += (size_t)rc;
	}
	return RATS_TLS_ERR_NONE;
}

RATS_TLS_API rats_tls_err_t rats_tls_conn_read(rats_tls_conn *c, void *buf,
					       size_t *len)
{
	int rc;

	if (!c || !len || !buf || !*len)
		return EAA_E_INVALID;
	HANDLE_LOG_SCOPE(c->ctx->conf.log_level);
	rc = SSL_read(c->ssl, buf, *len > INT_MAX ? INT_MAX : (int)*len);
	if (rc <= 0) {
		rats_tls_err_t again = would_block(c, rc);

		*len = 0;
		return again ? again : io_error(c, rc, "receive");
	}
	*len = (size_t)rc;
	return RATS_TLS_ERR_NONE;
}

RATS_TLS_API const char *rats_tls_conn_claims(const rats_tls_conn *c)
{
	return c ? c->peer.claims_json : NULL;
}

RATS_TLS_API const char *rats_tls_conn_tee(const rats_tls_conn *c)
{
	return c ? c->peer.tee : NULL;
}

RATS_TLS_API rats_tls_err_t rats_tls_negotiate(rats_tls_handle h, int fd)
{
	rats_tls_conn *c = NULL, *old;
	rats_tls_err_t rc = rats_tls_conn_open(h, fd, &c);

	if (!h)
		return rc;
	pthread_mutex_lock(&h->lock);
	old = h->current;
	h->current = c;
	pthread_mutex_unlock(&h->lock);
	rats_tls_conn_close(old);
	return rc;
}

static rats_tls_conn *current(rats_tls_handle h)
{
	rats_tls_conn *c;

	if (!h)
		return NULL;
	pthread_mutex_lock(&h->lock);
	c = h->current;
	pthread_mutex_unlock(&h->lock);
	return c;
}

RATS_TLS_API rats_tls_err_t rats_tls_transmit(rats_tls_handle h,
					      const void *buf, size_t *len)
{
	rats_tls_conn *c = current(h);

	return c ? rats_tls_conn_write(c, buf, len) : EAA_E_INVALID;
}

RATS_TLS_API rats_tls_err_t rats_tls_receive(rats_tls_handle h, void *buf,
					     size_t *len)
{
	rats_tls_conn *c = current(h);

	return c ? rats_tls_conn_read(c, buf, len) : EAA_E_INVALID;
}

RATS_TLS_API const char *rats_tls_peer_claims(rats_tls_handle h)
{
	return rats_tls_conn_claims(current(h));
}

RATS_TLS_API rats_tls_err_t rats_tls_cleanup(rats_tls_handle h)
{
	if (!h)
		return EAA_E_INVALID;
	HANDLE_LOG_SCOPE(h->conf.log_level);
	ctx_free(h);
	return RATS_TLS_ERR_NONE;
}
