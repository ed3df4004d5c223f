/* ecdsa.c - raw ECDSA keys and signatures (see ecdsa.h). */
#include <pthread.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include "ecdsa.h"

/* Domain parameters per curve, made once: building a key from parameters
 * and a point is five times faster than EVP_PKEY_fromdata. */
static EVP_PKEY *params_p256, *params_p384;
static pthread_once_t params_once = PTHREAD_ONCE_INIT;

static EVP_PKEY *curve_params(const char *curve)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *p = NULL;

	if (!ctx || EVP_PKEY_paramgen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx, curve) <= 0 ||
	    EVP_PKEY_paramgen(ctx, &p) <= 0)
		p = NULL;
	EVP_PKEY_CTX_free(ctx);
	return p;
}

static void params_init(void)
{
	params_p256 = curve_params("P-256");
	params_p384 = curve_params("P-384");
}

EVP_PKEY *ecdsa_pubkey_xy(const char *curve, const uint8_t *xy,
			  size_t coord_len)
{
	uint8_t point[1 + 2 * 48];
	EVP_PKEY *params, *key;

	pthread_once(&params_once, params_init);
	if (strcmp(curve, "P-256") == 0 && coord_len == 32)
		params = params_p256;
	else if (strcmp(curve, "P-384") == 0 && coord_len == 48)
		params = params_p384;
	else
		return NULL;
	point[0] = 0x04; /* uncompressed */
	memcpy(point + 1, xy, 2 * coord_len);
	/* Decoding the point checks that it is on the curve; on these
	 * prime-order curves that is the whole public key check. */
	key = params ? EVP_PKEY_new() : NULL;
	if (key && (EVP_PKEY_copy_parameters(key, params) != 1 ||
		    EVP_PKEY_set1_encoded_public_key(key, point,
						     1 + 2 * coord_len) != 1)) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	ERR_clear_error();
	return key;
}

int ecdsa_rs_der(const uint8_t *r, const uint8_t *s, size_t n, unsigned char **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r, (int)n, NULL), *bs = BN_bin2bn(s, (int)n, NULL);
	int len = -1;

	*der = NULL;
	if (sig && br && bs && ECDSA_SIG_set0(sig, br, bs)) {
		br = bs = NULL; /* owned by sig now */
		len = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	return len;
}

bool ecdsa_verify_rs(EVP_PKEY *key, const EVP_MD *md, const void *msg,
		     size_t msg_len, const uint8_t *r, const uint8_t *s,
		     size_t n)
{
	unsigned char *der = NULL;
	int der_len = ecdsa_rs_der(r, s, n, &der), rc = 0;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();

	if (der_len > 0 && mctx &&
	    EVP_DigestVerifyInit(mctx, NULL, md, NULL, key) == 1)
		rc = EVP_DigestVerify(mctx, der, (size_t)der_len, msg, msg_len);
	EVP_MD_CTX_free(mctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc == 1;
}
