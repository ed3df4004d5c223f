/* crypto_openssl.c - the `openssl` crypto wrapper: key generation for the
 * attested certificate (ECDSA P-256 default, P-384, RSA-3072). */
#include <openssl/evp.h>
#include "internal.h"

static EVP_PKEY *openssl_gen_key(rats_tls_cert_algo_t algo,
				 struct eaa_err *err)
{
	EVP_PKEY *key = NULL;

	switch (algo) {
	case RATS_TLS_CERT_ALGO_ECDSA_P256:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case RATS_TLS_CERT_ALGO_ECDSA_P384:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		break;
	case RATS_TLS_CERT_ALGO_RSA_3072:
		key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	default:
		eaa_fail(err, EAA_E_INVALID, "unknown certificate key type %d",
			 (int)algo);
		return NULL;
	}
	if (!key)
		eaa_fail_ssl(err, EAA_E_CRYPTO, "generate certificate key");
	return key;
}

const struct rats_crypto rats_crypto_openssl = {
	.name = "openssl",
	.gen_key = openssl_gen_key,
};
