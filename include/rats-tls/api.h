/* rats-tls/api.h - librats-tls: TLS 1.3 whose certificate carries TEE
 * evidence bound to the TLS key.
 *
 * Usage follows rats-tls: fill a rats_tls_conf_t, rats_tls_init() once,
 * then per connected socket rats_tls_negotiate(), rats_tls_transmit() /
 * rats_tls_receive(), and rats_tls_cleanup() at the end. A handle holds one
 * connection at a time (as in rats-tls); servers that handle connections
 * concurrently open one rats_tls_conn per socket from a shared handle.
 *
 * Memory: strings returned by this API belong to the handle or connection
 * they came from and stay valid until the next call that replaces them (the
 * next negotiate) or until it is freed. The conf is copied by rats_tls_init. */
#ifndef RATS_TLS_API_H
#define RATS_TLS_API_H

#include <stddef.h>
#include <stdint.h>
#include "eaa/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RATS_TLS_API __attribute__((visibility("default")))
#else
#define RATS_TLS_API
#endif

#define RATS_TLS_API_VERSION 1

/* Error codes are the EAA codes (eaa/error.h); 0 means success. */
typedef enum eaa_code rats_tls_err_t;
#define RATS_TLS_ERR_NONE EAA_OK

typedef enum {
	RATS_TLS_LOG_LEVEL_DEBUG = 0,
	RATS_TLS_LOG_LEVEL_INFO,
	RATS_TLS_LOG_LEVEL_WARN,
	RATS_TLS_LOG_LEVEL_ERROR,
	RATS_TLS_LOG_LEVEL_FATAL,
	RATS_TLS_LOG_LEVEL_NONE,
	RATS_TLS_LOG_LEVEL_DEFAULT = RATS_TLS_LOG_LEVEL_WARN,
} rats_tls_log_level_t;

typedef enum {
	RATS_TLS_CERT_ALGO_ECDSA_P256 = 0, /* default */
	RATS_TLS_CERT_ALGO_ECDSA_P384,
	RATS_TLS_CERT_ALGO_RSA_3072,
} rats_tls_cert_algo_t;

/* This side is the TLS server. */
#define RATS_TLS_CONF_FLAGS_SERVER (1UL << 0)
/* Both sides present and verify attested certificates. */
#define RATS_TLS_CONF_FLAGS_MUTUAL (1UL << 1)
/* Attach endorsements (collateral) to our evidence when the attester has them. */
#define RATS_TLS_CONF_FLAGS_PROVIDE_ENDORSEMENTS (1UL << 2)
/* New key and evidence for every connection, binding the peer's TLS hello
 * random as the nonce (freshness); otherwise one certificate per handle. */
#define RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE (1UL << 3)
/* Refuse peer evidence that carries no nonce (see `nonce` below). */
#define RATS_TLS_CONF_FLAGS_REQUIRE_NONCE (1UL << 4)
/* Freshness both ways (docs/ratls-format.md, "Freshness"): our evidence
 * binds the peer's hello random, and the peer's evidence must bind ours, so
 * cached or replayed evidence is refused. The same as the option
 * tls.fresh=1. */
#define RATS_TLS_CONF_FLAGS_FRESH \
	(RATS_TLS_CONF_FLAGS_FRESH_EVIDENCE | RATS_TLS_CONF_FLAGS_REQUIRE_NONCE)

/* Claims of a verified peer, handed to the application before the handshake
 * completes. `json` is a flat JSON object; `tee` names the verifier that
 * checked the evidence ("nullverifier" when none was checked). */
typedef struct {
	const char *tee;
	const char *json;
} rats_tls_claims_t;

/* Return 0 to accept the peer, anything else to refuse it (the handshake then
 * fails with EAA_E_REJECTED). */
typedef int (*rats_tls_claims_cb)(void *arg, const rats_tls_claims_t *claims);

typedef struct {
	unsigned int api_version;         /* RATS_TLS_API_VERSION */
	unsigned long flags;              /* RATS_TLS_CONF_FLAGS_* */
	rats_tls_log_level_t log_level;
	/* Instance names; see rats_tls_instance_name(). An empty attester means
	 * "detect the TEE" (never nullattester or sample). An empty verifier
	 * means "infer from the peer's evidence type among the verifiers whose
	 * trust is configured" (never nullverifier). */
	char attester_type[32];
	char verifier_type[32];
	char tls_type[32];                /* "" or "openssl" */
	char crypto_type[32];             /* "" or "openssl" */
	rats_tls_cert_algo_t cert_algo;
	/* Attester side: a nonce to embed when FRESH_EVIDENCE is off.
	 * Verifier side: the nonce the peer's evidence must carry. When not set,
	 * peer evidence that carries a nonce must carry our own hello random. */
	const uint8_t *nonce;
	size_t nonce_len;
	/* Instance options as "instance.key=value" strings, NULL-terminated, e.g.
	 * "sample.key=/etc/eaa/sample-key.pem". Copied by rats_tls_init. */
	const char *const *options;
	rats_tls_claims_cb claims_cb;
	void *claims_cb_arg;
} rats_tls_conf_t;

typedef struct rats_tls_ctx *rats_tls_handle;
typedef struct rats_tls_conn rats_tls_conn;

RATS_TLS_API rats_tls_err_t rats_tls_init(const rats_tls_conf_t *conf,
					  rats_tls_handle *handle);
/* Handshake on a connected socket and verify the peer; the handle keeps this
 * connection for transmit/receive (replacing any previous one). */
RATS_TLS_API rats_tls_err_t rats_tls_negotiate(rats_tls_handle handle, int fd);
RATS_TLS_API rats_tls_err_t rats_tls_transmit(rats_tls_handle handle,
					      const void *buf, size_t *buf_size);
RATS_TLS_API rats_tls_err_t rats_tls_receive(rats_tls_handle handle, void *buf,
					     size_t *buf_size);
RATS_TLS_API rats_tls_err_t rats_tls_cleanup(rats_tls_handle handle);
/* Claims (JSON) of the peer verified by the last negotiate, or NULL. */
RATS_TLS_API const char *rats_tls_peer_claims(rats_tls_handle handle);
/* One line describing the last failure on this handle ("" if none). */
RATS_TLS_API const char *rats_tls_strerror(rats_tls_handle handle);
/* One line describing the last failure in this thread: use it when
 * rats_tls_init fails and there is no handle. */
RATS_TLS_API const char *rats_tls_last_error(void);

/* Concurrent use: each call opens an independent connection on the shared
 * handle (thread-safe). The socket stays the caller's to close. */
RATS_TLS_API rats_tls_err_t rats_tls_conn_open(rats_tls_handle handle, int fd,
					       rats_tls_conn **conn);
RATS_TLS_API rats_tls_err_t rats_tls_conn_write(rats_tls_conn *conn,
						const void *buf, size_t *len);
RATS_TLS_API rats_tls_err_t rats_tls_conn_read(rats_tls_conn *conn, void *buf,
					       size_t *len);
RATS_TLS_API const char *rats_tls_conn_claims(const rats_tls_conn *conn);
RATS_TLS_API const char *rats_tls_conn_tee(const rats_tls_conn *conn);
RATS_TLS_API void rats_tls_conn_close(rats_tls_conn *conn);

/* Non-blocking sockets, for an event loop that serves many connections
 * from a few threads. On a socket with O_NONBLOCK, rats_tls_conn_start
 * begins the handshake and rats_tls_conn_step goes on with it: each
 * returns RATS_TLS_ERR_NONE once the peer is verified and accepted,
 * EAA_E_WANT_READ or EAA_E_WANT_WRITE when the socket must first become
 * readable or writable (call rats_tls_conn_step then), any other code on
 * failure. rats_tls_conn_start sets *conn unless it fails (then nothing is
 * left to close); after a failed step the caller closes the connection.
 * The claims callback runs inside whichever call completes verification,
 * on that call's thread. rats_tls_conn_read and rats_tls_conn_write return
 * the same two codes when the socket would block, with *len set to what
 * was done; a write must be repeated from where it stopped, with the same
 * bytes. One connection is used by one thread at a time. */
RATS_TLS_API rats_tls_err_t rats_tls_conn_start(rats_tls_handle handle, int fd,
						rats_tls_conn **conn);
RATS_TLS_API rats_tls_err_t rats_tls_conn_step(rats_tls_conn *conn);
/* 1 when bytes received are buffered that no read has taken yet (a
 * connection begun by rats_tls_conn_start reads ahead: ask this before
 * waiting for the socket to become readable), else 0. */
RATS_TLS_API int rats_tls_conn_pending(const rats_tls_conn *conn);

typedef enum {
	RATS_TLS_INSTANCE_ATTESTER,
	RATS_TLS_INSTANCE_VERIFIER,
	RATS_TLS_INSTANCE_TLS,
	RATS_TLS_INSTANCE_CRYPTO,
} rats_tls_instance_kind_t;

/* Name of the i-th compiled-in instance of a kind, or NULL past the end. */
RATS_TLS_API const char *rats_tls_instance_name(rats_tls_instance_kind_t kind,
						size_t i);

#ifdef __cplusplus
}
#endif
#endif
