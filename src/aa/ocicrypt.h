/* ocicrypt.h - encrypted OCI layers as ocicrypt writes them (issue 6,
 * first stage): the JWE key packets of `jwe:` recipients, and the layer
 * cipher AES_256_CTR_HMAC_SHA256.
 *
 * A layer descriptor with media type ...+encrypted carries
 *   org.opencontainers.image.enc.keys.<scheme>  comma-separated base64 key
 *                                               packets (jwe: JWE JSON)
 *   org.opencontainers.image.enc.pubopts        base64 of
 *       {"cipher":"AES_256_CTR_HMAC_SHA256","hmac":"<b64>","cipheroptions":{}}
 * and a key packet unwraps to PrivateLayerBlockCipherOptions:
 *       {"symkey":"<b64 32 bytes>","digest":"sha256:...",
 *        "cipheroptions":{"nonce":"<b64 16 bytes>"}}
 * The layer is AES-256-CTR under symkey with that nonce; HMAC-SHA256
 * under symkey covers the ciphertext and is checked at the end. Nothing
 * decrypted may be used before it has: aa_layer_decrypt writes to a file
 * the caller treats as staging, and says whether to commit it. */
#ifndef EAA_AA_OCICRYPT_H
#define EAA_AA_OCICRYPT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define AA_ANN_JWE "org.opencontainers.image.enc.keys.jwe"
#define AA_ANN_PUBOPTS "org.opencontainers.image.enc.pubopts"

/* Decrypt one JWE (JSON serialization, general or flattened, as go-jose
 * writes it) with a private key: recipients with alg RSA-OAEP or
 * RSA-OAEP-256 (RSA keys), ECDH-ES+A128KW/A192KW/A256KW (P-256 and P-384
 * keys), content encryption A256GCM or A128GCM. *out (malloc'd) is the
 * plaintext. */
bool aa_jwe_decrypt(const char *jwe, size_t n, EVP_PKEY *key, uint8_t **out,
		    size_t *outn, struct eaa_err *err);

/* The private options from a keys.jwe annotation: each comma-separated
 * packet is tried with key until one opens. */
bool aa_jwe_annotation_unwrap(const char *annotation, EVP_PKEY *key,
			      uint8_t **opts, size_t *optsn,
			      struct eaa_err *err);

/* Decrypt the layer on in_fd into out_fd (staging, a regular file).
 * Returns true only when the HMAC matched and, if the private options
 * name one, the plaintext's digest did, or, for a gzip plaintext, the
 * digest of its decompressed content (containers/image names the tar's
 * when it compressed the layer before encrypting it); plain_digest gets
 * "sha256:<hex>" of the plaintext. blob_digest, unless NULL, gets the
 * ciphertext's digest (for the caller to compare with the layer's
 * descriptor) once all of it was read, whether or not the HMAC matched; it
 * is "" when the layer could not be read to its end. The ciphertext is
 * read once; its HMAC and digest are computed on threads beside the
 * decryption (fanout.h). */
bool aa_layer_decrypt(int in_fd, int out_fd, const uint8_t *privopts,
		      size_t privn, const char *pubopts_b64, char plain_digest[72],
		      char blob_digest[72], uint64_t *plain_size, struct eaa_err *err);

#endif
