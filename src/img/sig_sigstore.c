/* sig_sigstore.c - sigstore signatures with a public key, as skopeo writes
 * them with --sign-by-sigstore-private-key: the signature is base64 of the
 * key's signature over the payload's SHA-256 (ECDSA as DER, RSA PKCS#1
 * v1.5; Ed25519 over the payload itself). The key is PEM ("PUBLIC KEY"),
 * from keyPath or keyData. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "file.h"
#include "sig.h"

static EVP_PKEY *public_key(const struct img_req *r, struct eaa_err *err)
{
	uint8_t *raw = NULL;
	size_t n;
	BIO *b;
	EVP_PKEY *k = NULL;

	if (r->key_data) {
		raw = malloc(r->key_data_len);
		if (raw)
			memcpy(raw, r->key_data, r->key_data_len);
		n = r->key_data_len;
	} else if (!file_read(r->key_paths[0], 1u << 20, &raw, &n, err)) {
		eaa_err_prefix(err, "keyPath");
		return NULL;
	}
	if ((b = raw ? BIO_new_mem_buf(raw, (int)n) : NULL) != NULL)
		k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	free(raw);
	ERR_clear_error();
	if (!k)
		eaa_fail(err, EAA_E_CONFIG, "%s: not a PEM public key",
			 r->key_data ? "keyData" : r->key_paths[0]);
	return k;
}

bool img_sig_sigstore_check(const struct img_req *r, const struct img_candidate *c,
			    const uint8_t *payload, size_t n, const char *sig_b64,
			    struct eaa_err *err)
{
	EVP_PKEY *k = public_key(r, err);
	EVP_MD_CTX *md = k ? EVP_MD_CTX_new() : NULL;
	uint8_t *sig = NULL;
	size_t sn;
	bool ok = false;

	if (!k)
		return false;
	if (!sig_b64 || !base64_decode(sig_b64, false, &sig, &sn)) {
		eaa_fail(err, EAA_E_FORMAT, "the sigstore signature is not base64");
	} else if (!md || EVP_DigestVerifyInit(md, NULL, EVP_PKEY_get_id(k) == EVP_PKEY_ED25519 ?
					       NULL : EVP_sha256(), NULL, k) != 1 ||
		   EVP_DigestVerify(md, sig, sn, payload, n) != 1) {
		eaa_fail(err, EAA_E_SIGNATURE, "the sigstore signature does not verify with "
			 "the policy's key");
	} else {
		ok = img_payload_check(payload, n, "cosign container image signature", r, c, err);
	}
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	free(sig);
	return ok;
}
