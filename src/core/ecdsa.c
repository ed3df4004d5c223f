/* ecdsa.c - raw ECDSA keys and signatures (see ecdsa.h). */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include "ecdsa.h"

EVP_PKEY *ecdsa_pubkey_xy(const char *curve, const uint8_t *xy,
			  size_t coord_len)
{
	uint8_t point[1 + 2 * 66];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *key = NULL;

	if (coord_len == 0 || coord_len > 66)
		return NULL;
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, xy, 2 * coord_len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)curve, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      point, 1 + 2 * coord_len);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	/* fromdata does not check the point; a key off the curve must not
	 * reach a verify. */
	if (key) {
		ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
		if (!ctx || EVP_PKEY_public_check(ctx) != 1) {
			EVP_PKEY_free(key);
			key = NULL;
		}
		EVP_PKEY_CTX_free(ctx);
	}
	ERR_clear_error();
	return key;
}

bool ecdsa_verify_rs(EVP_PKEY *key, const EVP_MD *md, const void *msg,
		     size_t msg_len, const uint8_t *r, const uint8_t *s,
		     size_t n)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)n, NULL), *bs = BN_bin2bn(s, (int)n, NULL);
	unsigned char *der = NULL;
	EVP_MD_CTX *mctx = NULL;
	int der_len = -1, rc = 0;

	if (sig && br && bs && ECDSA_SIG_set0(sig, br, bs)) {
		br = bs = NULL; /* owned by sig now */
		der_len = i2d_ECDSA_SIG(sig, &der);
	}
	mctx = EVP_MD_CTX_new();
	if (der_len > 0 && mctx &&
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, key) == 1)
		rc = EVP_DigestVerify(mctx, der, (size_t)der_len, msg, msg_len);
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	ERR_clear_error();
	return rc == 1;
}
