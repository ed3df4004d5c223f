/* internal.h - librats-tls internals shared by its files: instance tables,
 * the evidence model, and the handle/connection structures. Nothing here is
 * public API. */
#ifndef RATS_TLS_INTERNAL_H
#define RATS_TLS_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "rats-tls/api.h"
#include "bytes.h"
#include "err.h"

/* CBOR tags of the TCG DICE tagged-evidence extension (see
 * docs/ratls-format.md). The last two are ours: rats-tls defines none. */
#define TAG_INTEL_QUOTE 60000ULL  /* SGX ECDSA or TDX quote */
#define TAG_SGX_REPORT 60002ULL   /* SGX local report */
#define TAG_SEV_SNP 0x1a7504ULL
#define TAG_SEV 0x1a7505ULL
#define TAG_CSV 0x1a7506ULL
#define TAG_TPM 0x1a75e0ULL       /* EAA private: TPM 2.0 quote */
#define TAG_SAMPLE 0x1a75e1ULL    /* EAA private: software-signed sample */
#define TAG_AZ_SNP_VTPM 0x1a75e2ULL /* EAA private: trustee's az-snp-vtpm JSON */
#define TAG_AZ_TDX_VTPM 0x1a75e3ULL /* EAA private: trustee's az-tdx-vtpm JSON */
#define TAG_NVIDIA 0x1a75e4ULL    /* EAA private: NVIDIA GPU evidence JSON */

/* Maximum sizes we accept from a peer, checked before any parsing. */
#define RATS_MAX_EXTENSION (256 * 1024)
#define RATS_MAX_CERT_LIST (1024 * 1024) /* whole Certificate message */
#define RATS_MAX_NONCE 64
#define RATS_USER_DATA_LEN 64     /* report_data / user-data field */

/* IANA "Named Information Hash Algorithm" ids used in pubkey-hash. */
#define HASH_ID_SHA256 1
#define HASH_ID_SHA384 7
#define HASH_ID_SHA512 8

/* "instance.key=value" options, copied from the conf. */
struct rats_opts {
	char **kv;
	size_t n;
};
const char *rats_opt(const struct rats_opts *o, const char *instance,
		     const char *key);
/* Every option names a compiled-in instance and a key it declares; fails
 * naming the first that does not (a typo must not switch a check off). */
bool rats_opts_check(const struct rats_opts *o, struct eaa_err *err);

/* Evidence as carried in a certificate, borrowed from the DER it came from. */
struct rats_evidence {
	uint64_t tag;
	struct rd quote;          /* raw quote or report */
	struct rd claims_buffer;  /* empty for legacy OIDs */
	struct rd endorsements;   /* empty when absent */
	const char *legacy_oid;   /* non-NULL for rats-tls legacy extensions */
};

/* What a verifier proved about evidence. */
struct rats_verified {
	uint8_t user_data[RATS_USER_DATA_LEN]; /* the signed report_data */
	size_t user_data_len;
	json_t *claims;           /* flat object, owned */
};

/* Instances: init sets *state only when it succeeds; on failure it frees
 * what it made, and cleanup is never called. */
struct rats_attester {
	const char *name;
	/* The option keys it reads as "<name>.<key>=": NULL-terminated, or
	 * NULL for none. Any other key under its name is refused at init. */
	const char *const *keys;
	uint64_t tag;             /* 0: presents no evidence */
	/* True when this TEE is present; NULL: never chosen automatically. */
	bool (*detect)(void);
	bool (*init)(const struct rats_opts *opts, void **state,
		     struct eaa_err *err);
	/* Produce evidence whose user-data field holds user_data; when
	 * endorsements is not NULL, also the collateral that came with it or
	 * is configured for it, in the endorsements format (may stay empty). */
	bool (*collect)(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct wr *endorsements, struct eaa_err *err);
	void (*cleanup)(void *state);
};

struct rats_verifier {
	const char *name;
	const char *const *keys;  /* as for attesters */
	const uint64_t *tags;     /* evidence types handled; none = accepts all */
	size_t ntags;
	bool (*init)(const struct rats_opts *opts, void **state,
		     struct eaa_err *err);
	/* Check the evidence's signature and trust; fill out. The binding of
	 * user_data to the TLS key is checked by the caller. */
	bool (*verify)(void *state, const struct rats_evidence *ev,
		       struct rats_verified *out, struct eaa_err *err);
	void (*cleanup)(void *state);
	/* Optional, for verifiers sharing a tag (SGX and TDX quotes): whether
	 * this evidence is theirs, from its header alone. */
	bool (*accepts)(const struct rats_evidence *ev);
};

struct rats_crypto {
	const char *name;
	const char *const *keys;  /* read as "crypto.<key>=" */
	EVP_PKEY *(*gen_key)(rats_tls_cert_algo_t algo, struct eaa_err *err);
};

struct rats_tls_wrapper {
	const char *name;
	const char *const *keys;  /* read as "tls.<key>=" */
};

extern const struct rats_attester *const rats_attesters[];
extern const struct rats_verifier *const rats_verifiers[];
extern const struct rats_crypto *const rats_cryptos[];
extern const struct rats_tls_wrapper *const rats_tls_wrappers[];

const struct rats_attester *rats_attester_find(const char *name);
const struct rats_verifier *rats_verifier_find(const char *name);
bool rats_verifier_handles(const struct rats_verifier *v, uint64_t tag);
const char *rats_tag_name(uint64_t tag);

/* evidence.c: the tagged-evidence CBOR and the legacy OIDs. */
bool evidence_encode(uint64_t tag, const void *quote, size_t quote_len,
		     const void *claims, size_t claims_len, struct wr *out);
bool evidence_decode(struct rd in, struct rats_evidence *ev,
		     struct eaa_err *err);

/* claims.c: the claims-buffer CBOR map. */
#define RATS_MAX_CLAIMS 64
struct rats_claims_buffer {
	int hash_id;              /* HASH_ID_* of pubkey-hash */
	struct rd pubkey_hash;
	struct rd nonce;          /* empty when absent */
	bool has_nonce;
	/* Claims other than pubkey-hash and nonce, as rats-tls passes them. */
	struct rd custom_name[RATS_MAX_CLAIMS], custom_value[RATS_MAX_CLAIMS];
	size_t ncustom;
};
bool claims_buffer_encode(int hash_id, const uint8_t *hash, size_t hash_len,
			  const uint8_t *nonce, size_t nonce_len,
			  struct wr *out);
bool claims_buffer_decode(struct rd in, struct rats_claims_buffer *cb,
			  struct eaa_err *err);
/* Digest of a hash id (NULL if unknown). */
const EVP_MD *hash_id_md(int hash_id);

/* cert.c: certificates. */
bool cert_spki_hash(EVP_PKEY *key, const EVP_MD *md, uint8_t *out,
		    size_t *out_len, struct eaa_err *err);
bool cert_build(EVP_PKEY *key, const void *evidence_ext, size_t ext_len,
		const void *endorsements, size_t endorse_len, X509 **out,
		struct eaa_err *err);
/* Find our extensions in a peer certificate; ev borrows from cert. */
bool cert_find_evidence(X509 *cert, struct rats_evidence *ev, bool *found,
			struct eaa_err *err);
/* Make an attested certificate for key with the given attester; nonce may be
 * empty. */
bool cert_attest(const struct rats_attester *a, void *state, EVP_PKEY *key,
		 const uint8_t *nonce, size_t nonce_len, bool endorse,
		 X509 **out, struct eaa_err *err);

/* verify.c: the whole check of a peer certificate. */
struct rats_verify_ctx {
	const struct rats_verifier *named;   /* NULL: infer */
	void *named_state;
	/* When no verifier is named: those whose trust is configured. */
	const struct rats_verifier *inferred[16];
	void *inferred_state[16];
	size_t ninferred;
	const uint8_t *expect_nonce;  /* NULL: only checked if present */
	size_t expect_nonce_len;
	const uint8_t *own_random;    /* our hello random */
	size_t own_random_len;
	bool require_nonce;
};
struct rats_peer {
	const char *tee;
	char *claims_json;            /* owned */
};
bool rats_verify_cert(const struct rats_verify_ctx *vc, X509 *cert,
		      struct rats_peer *peer, struct eaa_err *err);

/* api.c / tls_openssl.c */
struct rats_tls_ctx {
	rats_tls_conf_t conf;
	struct rats_opts opts;
	uint8_t *nonce;
	const struct rats_attester *attester;
	void *attester_state;
	struct rats_verify_ctx vc;
	bool verify_peer;             /* we verify the peer's certificate */
	bool present_cert;            /* we present an attested certificate */
	SSL_CTX *ssl_ctx;
	EVP_PKEY *key;                /* cached identity (not fresh mode) */
	EVP_PKEY *own_key;            /* tls.key: the one key we always use */
	EVP_PKEY *peer_pin;           /* tls.peer_pubkey: the peer's key */
	const char *peer_pin_file;
	X509_STORE *peer_ca;          /* tls.peer_ca: the peer's issuers */
	const char *peer_ca_file;
	const char *peer_name;        /* tls.peer_name: what the CA-issued
					 certificate must be for (DNS name
					 or IP address in its SAN) */
	X509 *static_cert;            /* tls.cert: our CA-issued certificate */
	STACK_OF(X509) *static_chain;
	X509 *cert;
	pthread_mutex_t lock;
	rats_tls_conn *current;       /* rats_tls_negotiate's connection */
	char errmsg[EAA_ERR_MSG_MAX];
};

struct rats_tls_conn {
	struct rats_tls_ctx *ctx;
	SSL *ssl;
	struct rats_peer peer;
	struct eaa_err err;           /* why verification failed, if it did */
	bool verified;
};

bool tls_ctx_setup(struct rats_tls_ctx *ctx, struct eaa_err *err);
/* The key our certificate carries: tls.key when configured (a stable
 * identity peers can pin), otherwise a fresh one. The caller owns it. */
EVP_PKEY *rats_own_key(struct rats_tls_ctx *ctx, struct eaa_err *err);
/* A connection's TLS object on fd, then its handshake: EAA_OK when done,
 * EAA_E_WANT_READ / EAA_E_WANT_WRITE on a non-blocking socket that must
 * wait, another code (with err filled) on failure. */
bool tls_conn_begin(struct rats_tls_conn *c, int fd, struct eaa_err *err);
enum eaa_code tls_conn_continue(struct rats_tls_conn *c, struct eaa_err *err);

#endif
