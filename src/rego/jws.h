/* jws.h - JWS keys and signatures (jws.c), for builtins_jwt.c: keys from
 * PEM and JWK (set) text as OpenSSL keys, as jwx reads them, and signing
 * and verifying with them. The algorithms (OPA's thirteen are RFC 7518's
 * less "none"), the keys' construction and the signatures themselves are
 * core's jose.h, which the KBS protocol uses too. */
#ifndef EAA_REGO_JWS_H
#define EAA_REGO_JWS_H

#include <string.h>
#include <openssl/evp.h>
#include "builtins.h"
#include "jose.h"

/* A token may name at most this many keys in a JWK set. */
#define JWT_MAX_KEYS 256

struct jwt_key {
	const struct jose_alg *alg; /* the JWK's "alg", NULL when absent */
	const char *kid;            /* "" when absent, as Go has it */
	size_t kidlen;
	EVP_PKEY *pk;               /* RSA, EC or Ed25519 */
	unsigned char *secret;      /* an "oct" JWK's key (malloc'd) */
	size_t slen;
	bool is_secret;
	bool alg_unknown; /* an "alg" OPA does not know */
};

struct jwt_keys {
	struct jwt_key k[JWT_MAX_KEYS];
	size_t n;
};

void jws_keys_free(struct jwt_keys *ks);
/* A JWK or a JWK set ({"keys": [...]}) in JSON text, as jwx's jwk.Parse
 * reads it, into ks (values in c's arena while parsing). skip_unknown:
 * drop keys whose "alg" OPA does not know (the verifying built-ins do).
 * NULL, or why the text is no key (set), jwx's words, maybe in buf. */
const char *jws_jwk_set(struct rb_ctx *c, const char *s, size_t n,
			struct jwt_keys *ks, bool skip_unknown, char *buf,
			size_t buflen);
/* OPA's parseKeysFromCertOrJWK: a PEM certificate or public key, else a
 * JWK (set); its errors are c's. */
enum rb_status jws_keys_parse(struct rb_ctx *c, const struct rv *s,
			      struct jwt_keys *ks);

/* a's HMAC of msg (a HS* algorithm). */
bool jws_hmac(const struct jose_alg *a, const unsigned char *key, size_t klen,
	      const unsigned char *msg, size_t mlen, unsigned char *mac,
	      unsigned *maclen);
/* Whether sig is a's signature of msg by key k. strict: jwsbb's rules
 * (decode_verify: PSS salt as long as the hash, an ECDSA signature of
 * exactly twice the curve size, no empty HMAC key); else OPA's verify_*
 * (any PSS salt, an ECDSA signature split in halves). */
bool jwt_key_verify(const struct jose_alg *a, const struct jwt_key *k,
		    const unsigned char *msg, size_t mlen,
		    const unsigned char *sig, size_t slen, bool strict);
/* a's signature of msg by k, malloc'd in *sig (ECDSA as r || s); NULL or
 * why not. */
const char *jwt_key_sign(const struct jose_alg *a, const struct jwt_key *k,
			 const unsigned char *msg, size_t mlen,
			 unsigned char **sig, size_t *slen);

/* Whether v is the string s. */
static inline bool str_is(const struct rv *v, const char *s)
{
	return rv_is(v, RV_STRING) && v->u.str.len == strlen(s) &&
	       !memcmp(v->u.str.s, s, v->u.str.len);
}

#endif
