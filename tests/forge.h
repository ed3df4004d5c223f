/* forge.h - builds attested certificates with one thing wrong at a time,
 * for negative tests. Everything defaults to a correct sample certificate. */
#ifndef EAA_FORGE_H
#define EAA_FORGE_H

#include <stdbool.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

enum forge_shape {
	SHAPE_OK,
	SHAPE_ARRAY3,        /* tagged array with three elements */
	SHAPE_ARRAY1,        /* ... with one */
	SHAPE_EVIDENCE_TSTR, /* element 0 is a text string */
	SHAPE_CLAIMS_UINT,   /* element 1 is an integer */
	SHAPE_NO_TAG,        /* the array without its tag */
	SHAPE_TRUNCATED,     /* last bytes cut off */
	SHAPE_OVERSIZED,     /* over the extension size limit */
	SHAPE_TRAILING,      /* a byte after the tagged value */
	SHAPE_PKHASH_ARRAY3, /* pubkey-hash array of three */
	SHAPE_PKHASH_TSTR,   /* pubkey-hash hash is a text string */
	SHAPE_NO_PKHASH,     /* claims-buffer without pubkey-hash */
};

struct forge {
	EVP_PKEY *cert_key;       /* required: the certificate's key */
	EVP_PKEY *signer;         /* required: sample signing key */
	EVP_PKEY *bind_key;       /* key hashed into pubkey-hash (default cert_key) */
	uint64_t tag;             /* default TAG_SAMPLE */
	enum forge_shape shape;
	bool tamper_sig;          /* flip a signature byte */
	bool claims_mismatch;     /* claims-buffer changed after signing */
	const uint8_t *nonce;
	size_t nonce_len;
	bool no_evidence;         /* a plain certificate */
	bool legacy;              /* legacy OID with raw report, SPKI binding */
	const uint8_t *quote;     /* embed these bytes instead of a sample */
	size_t quote_len;         /* report (e.g. a real Intel quote) */
};

EVP_PKEY *forge_key(void);
/* Returns a new certificate or NULL. */
X509 *forge_cert(const struct forge *f);
/* The evidence extension's value of an existing certificate (malloc'd). */
uint8_t *forge_ext_of(X509 *cert, size_t *len);
X509 *forge_cert_with_ext(EVP_PKEY *key, const uint8_t *ext, size_t len);
/* Write a key's public part as PEM to path. */
bool forge_write_pub(EVP_PKEY *key, const char *path);
bool forge_write_priv(EVP_PKEY *key, const char *path);

#endif
