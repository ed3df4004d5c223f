/* jose.h - the JOSE pieces the CoCo KBS protocol needs (docs/kbs-protocol.md
 * sections 7.1, 9, 10.3, 11.1): base64url, JWK public keys, the JWE a KBS
 * answers a resource request with, and compact JWS (the attestation token,
 * admin tokens). Also the key and signature primitives the Rego io.jwt
 * built-ins share with it (src/rego/jws.c), so that both speak JOSE through
 * one piece of code.
 *
 * Everything a peer sends is parsed strictly: base64url without padding,
 * key sizes exactly the curve's, points on their curve, one algorithm per
 * key. Errors name the member and what is wrong with it ("x is 31 bytes,
 * P-256 wants 32"); callers prefix where the value came from
 * (eaa_err_prefix(err, "tee-pubkey")). Returned strings, buffers and keys
 * are the caller's to free (free, json_decref, EVP_PKEY_free). Key
 * material (content keys, key-encryption keys, shared secrets) is wiped
 * before it is dropped. */
#ifndef EAA_JOSE_H
#define EAA_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "err.h"

/* ---- base64url (RFC 7515 section 2) ---- */

/* Without padding; malloc'd, NUL-terminated; NULL when out of memory. */
char *b64url_encode(const void *p, size_t n);
/* The len characters at s, which must all be of the URL-safe alphabet:
 * '=', white space, NUL, '+' and '/' are refused, and so are a length of
 * 4k+1 and non-zero trailing bits (another encoder's text, or a tampered
 * one). malloc'd (never NULL on success, even for 0 bytes); NULL if
 * malformed. */
uint8_t *b64url_decode(const char *s, size_t len, size_t *n);

/* ---- JWK (RFC 7517, RFC 7518 section 6) ---- */

/* The public key of a JWK: EC P-256, P-384 or P-521 {"kty","crv","x","y"},
 * the coordinates exactly the curve's byte size and the point on the
 * curve; or RSA {"kty","n","e"}, n of 2048 to 16384 bits, e odd and from
 * 3 to 2^32 - 1, neither with a leading zero byte (RFC 7518 6.3.1).
 * Other members ("alg", "kid", a private "d") are ignored. NULL with err
 * filled. */
EVP_PKEY *jwk_to_public(const json_t *jwk, struct eaa_err *err);

/* The public JWK of key in the member order kbs-types' TeePubKey
 * serialises (kty, the enum's tag, first, then its fields):
 * EC {"kty","crv","alg","x","y"}, RSA {"kty","alg","n","e"}; "alg" only
 * when alg is not NULL. Other key types are refused. New reference. */
json_t *jwk_from_key(EVP_PKEY *key, const char *alg, struct eaa_err *err);

/* ---- JWE (RFC 7516), flattened JSON, as trustee's KBS writes it ---- */

/* plain encrypted to the TEE's JWK as trustee's KBS answers a resource
 * (docs 10.3): a fresh 32-byte CEK and 12-byte IV, A256GCM, the CEK
 * wrapped per the JWK's "alg": "ECDH-ES+A256KW" for EC P-256 or P-521
 * (a fresh ephemeral key, Concat KDF SHA-256 with empty apu and apv, AES
 * key wrap), "RSA-OAEP-256" for RSA. "RSA1_5" is refused (PKCS #1 v1.5
 * key transport is a padding oracle), as is a JWK without "alg". The
 * result is compact JSON {"protected","encrypted_key","iv","ciphertext",
 * "tag"}, the protected header {"alg","enc","epk":{"crv","kty","x","y"}}
 * (no epk for RSA), every value unpadded base64url. malloc'd. */
char *jwe_seal(const json_t *tee_jwk, const uint8_t *plain, size_t n,
	       struct eaa_err *err);

/* jwe_seal in two steps, for a sender that answers one TEE key many
 * times: the key read and checked once (NULL with err, as jwe_seal
 * refuses it), then each answer sealed to it (an EC key gets a fresh
 * ephemeral key each time). */
EVP_PKEY *jwe_tee_key(const json_t *tee_jwk, struct eaa_err *err);
char *jwe_seal_key(EVP_PKEY *tee, const uint8_t *plain, size_t n, struct eaa_err *err);

/* jwe_seal with a given ephemeral key pair (on the TEE key's curve; NULL
 * for RSA), CEK and IV: for tests that reproduce a JWE byte for byte. */
char *jwe_seal_with(const json_t *tee_jwk, EVP_PKEY *ephemeral,
		    const uint8_t cek[32], const uint8_t iv[12],
		    const uint8_t *plain, size_t n, struct eaa_err *err);

/* Open such a JWE with our private key (the agent's side): an EC key wants
 * "ECDH-ES+A256KW" and an epk on its own curve, an RSA key "RSA-OAEP-256";
 * "enc" must be "A256GCM", the IV 12 bytes, the tag 16. The AAD is the
 * ASCII of the "protected" member as received. Refused: other members
 * (an unprotected header, "aad"), header parameters we would have to
 * honour ("crit", "zip", "apu", "apv"), duplicate members, padding, a
 * wrong tag. *plain is malloc'd (*n bytes, maybe 0). */
bool jwe_open(const char *json, size_t len, EVP_PKEY *key, uint8_t **plain,
	      size_t *n, struct eaa_err *err);

/* ---- JWS compact serialization (RFC 7515), as a JWT ---- */

/* claims (an object) signed by key: the header is {"typ":"JWT","alg":...}
 * followed by extra_header's members in their order (may be NULL; it may
 * not hold "typ" or "alg"). alg from the key: ES256 (P-256), ES384
 * (P-384), EdDSA (Ed25519); ECDSA signatures as r || s. malloc'd. */
char *jws_sign(EVP_PKEY *key, const json_t *extra_header,
	       const json_t *claims, struct eaa_err *err);

/* A compact JWS verified with key, never with a key the token names or
 * carries: the header's "alg" must be the key's (ES256 for P-256, ES384
 * for P-384, EdDSA for Ed25519, RS256 or PS256 for RSA; "none" and
 * anything else refused), no "crit", the payload a JSON object. Returns
 * the claims (new reference) or NULL with the reason; "exp" and the like
 * are the caller's to check. *header, when header is not NULL, gets the
 * parsed header (new reference) on success. */
json_t *jws_verify(const char *jwt, size_t len, EVP_PKEY *key,
		   json_t **header, struct eaa_err *err);

/* ---- what the Rego io.jwt built-ins share (src/rego/jws.c) ---- */

/* The JWS signature algorithms of RFC 7518 3.1 but "none". */
enum jose_family { JOSE_HS, JOSE_RS, JOSE_PS, JOSE_ES, JOSE_ED };

struct jose_alg {
	const char *name;
	enum jose_family fam;
	const char *md; /* NULL for EdDSA: it signs the message itself */
};

#define JOSE_NALGS 13
extern const struct jose_alg jose_algs[JOSE_NALGS];
const struct jose_alg *jose_alg_find(const char *s, size_t n);

/* The JWK curves: "P-256", "P-384", "P-521" with their OpenSSL group
 * names and coordinate sizes. */
struct jose_curve {
	const char *crv, *group;
	size_t size;
};
const struct jose_curve *jose_curve_find(const char *crv);
/* The curve of an EC key, NULL for another key or curve. */
const struct jose_curve *jose_curve_of(EVP_PKEY *key);

/* An EC key from big-endian coordinates of exactly c->size bytes each and,
 * when d is not NULL, its private scalar (dn bytes, at most c->size).
 * NULL when the point is not on the curve (or d is not its scalar). */
EVP_PKEY *jose_ec_key(const struct jose_curve *c, const uint8_t *x,
		      const uint8_t *y, const uint8_t *d, size_t dn);

/* An RSA key from big-endian integers, in the order of the JWK members
 * n, e, d, p, q, dp, dq, qi; an absent one has v NULL. Public when d is
 * absent. NULL when OpenSSL refuses them. */
enum { JOSE_RSA_PARTS = 8 };
struct jose_rsa_parts {
	const uint8_t *v[JOSE_RSA_PARTS];
	size_t n[JOSE_RSA_PARTS];
};
EVP_PKEY *jose_rsa_key(const struct jose_rsa_parts *p);

/* Whether key is of the type a's family signs with (RSA, EC, Ed25519). */
bool jose_key_fits(const struct jose_alg *a, EVP_PKEY *key);

/* A JWS ECDSA signature (r || s) as DER: r is the first n/2 bytes, s the
 * rest. *der_len bytes, OPENSSL_malloc'd; NULL for n of 0 or over 134. */
unsigned char *jose_es_to_der(const uint8_t *sig, size_t n, size_t *der_len);
/* A DER ECDSA signature as r || s, each size bytes; malloc'd. */
uint8_t *jose_es_from_der(const unsigned char *der, size_t der_len,
			  size_t size);

/* Whether sig is a's signature of msg by key (a not HS*). Strict, as RFC
 * 7518 says: an ECDSA signature exactly twice the curve's size, a PSS
 * salt as long as the hash. loose: OPA's io.jwt.verify_* rules (any PSS
 * salt, an ECDSA signature split in halves). */
bool jose_sig_verify(const struct jose_alg *a, EVP_PKEY *key,
		     const void *msg, size_t mlen, const uint8_t *sig,
		     size_t slen, bool loose);
/* a's signature of msg by the private key (a not HS*), ECDSA as r || s;
 * malloc'd, *slen bytes. NULL with err filled. */
uint8_t *jose_sig_sign(const struct jose_alg *a, EVP_PKEY *key,
		       const void *msg, size_t mlen, size_t *slen,
		       struct eaa_err *err);

#endif
