/* aead.c - AES-GCM on OpenSSL's EVP interface (see aead.h). */
#include <limits.h>
#include <openssl/evp.h>
#include "aead.h"

static const EVP_CIPHER *aes_gcm(size_t keyn)
{
	return keyn == 16 ? EVP_aes_128_gcm() : keyn == 24 ? EVP_aes_192_gcm() :
	       keyn == 32 ? EVP_aes_256_gcm() : NULL;
}

static bool gcm(bool enc, const uint8_t *key, size_t keyn, const uint8_t *iv,
		size_t ivn, const uint8_t *aad, size_t aadn, const uint8_t *in,
		size_t n, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *c = aes_gcm(keyn);
	EVP_CIPHER_CTX *ctx;
	int len = 0, fin;
	bool ok;

	if (!c || n > INT_MAX || aadn > INT_MAX || ivn == 0 || ivn > INT_MAX)
		return false;
	if (!(ctx = EVP_CIPHER_CTX_new()))
		return false;
	ok = EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)ivn, NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) == 1 &&
	     (aadn == 0 || EVP_CipherUpdate(ctx, NULL, &len, aad, (int)aadn) == 1) &&
	     (len = 0, n == 0 || EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, AES_GCM_TAG_LEN,
					 tag) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + len, &fin) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, AES_GCM_TAG_LEN,
					 tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool aes_gcm_seal(const uint8_t *key, size_t keyn, const uint8_t *iv,
		  size_t ivn, const uint8_t *aad, size_t aadn,
		  const uint8_t *pt, size_t n, uint8_t *ct,
		  uint8_t tag[AES_GCM_TAG_LEN])
{
	return gcm(true, key, keyn, iv, ivn, aad, aadn, pt, n, ct, tag);
}

bool aes_gcm_open(const uint8_t *key, size_t keyn, const uint8_t *iv,
		  size_t ivn, const uint8_t *aad, size_t aadn,
		  const uint8_t *ct, size_t n,
		  const uint8_t tag[AES_GCM_TAG_LEN], uint8_t *pt)
{
	return gcm(false, key, keyn, iv, ivn, aad, aadn, ct, n, pt,
		   (uint8_t *)tag);
}
