/* snp_id_block.c - the SEV-SNP ID block and ID authentication information
 * (snp_id_block.h): written field by field, signed with the owner's ID and
 * author keys (OpenSSL, ECDSA P-384 with SHA-384). */
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "bytes.h"
#include "file.h"
#include "snp_id_block.h"

#define KEY_LEN 1028u
#define SIG_LEN 512u
#define COORD 72u           /* P-384 coordinates and R, S, zero-extended */
#define ALGO_ECDSA_P384 1u
#define CURVE_P384 2u

static EVP_PKEY *key_read(const char *path, const char *what, struct eaa_err *err)
{
	char group[32] = "";
	uint8_t *pem;
	size_t n;
	EVP_PKEY *k = NULL;
	BIO *bio;

	if (!file_read(path, 64 << 10, &pem, &n, err))
		return eaa_err_prefix(err, "%s", what), NULL;
	if ((bio = BIO_new_mem_buf(pem, (int)n))) {
		k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	OPENSSL_cleanse(pem, n);
	free(pem);
	if (!k)
		return eaa_fail_ssl(err, EAA_E_CONFIG, what), NULL;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group,
					    sizeof(group), NULL) ||
	    strcmp(group, "secp384r1") != 0) {
		EVP_PKEY_free(k);
		eaa_fail(err, EAA_E_CONFIG, "%s %s: not a P-384 key (SEV-SNP signs with ECDSA P-384)",
			 what, path);
		return NULL;
	}
	return k;
}

/* An integer as COORD little-endian bytes. */
static bool le_coord(struct wr *w, const BIGNUM *bn)
{
	uint8_t *p = wr_reserve(w, COORD);

	return p && BN_bn2lebinpad(bn, p, COORD) == (int)COORD;
}

static bool pubkey(EVP_PKEY *k, uint8_t out[KEY_LEN])
{
	BIGNUM *x = NULL, *y = NULL;
	struct wr w;
	bool ok;

	memset(out, 0, KEY_LEN);
	wr_init_fixed(&w, out, KEY_LEN);
	ok = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
	     EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y) &&
	     wr_u32le(&w, CURVE_P384) && le_coord(&w, x) && le_coord(&w, y);
	BN_free(x);
	BN_free(y);
	return ok;
}

static bool sign(EVP_PKEY *k, const uint8_t *msg, size_t n, uint8_t out[SIG_LEN])
{
	uint8_t der[160];
	size_t dlen = sizeof(der);
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *sig = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct wr w;
	bool ok;

	memset(out, 0, SIG_LEN);
	wr_init_fixed(&w, out, SIG_LEN);
	ok = md && EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, k) == 1 &&
	     EVP_DigestSign(md, der, &dlen, msg, n) == 1 &&
	     (sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) != NULL;
	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = le_coord(&w, r) && le_coord(&w, s);
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

bool snp_id_block(const struct snp_id_params *p, struct snp_id_out *out,
		  struct eaa_err *err)
{
	uint8_t id_pub[KEY_LEN], author_pub[KEY_LEN];
	uint8_t block_sig[SIG_LEN], key_sig[SIG_LEN];
	EVP_PKEY *id = NULL, *author = NULL;
	unsigned len = 48;
	struct wr w;
	bool ok = false;

	wr_init_fixed(&w, out->block, sizeof(out->block));
	wr_bytes(&w, p->measurement, 48);
	wr_bytes(&w, p->family_id, 16);
	wr_bytes(&w, p->image_id, 16);
	wr_u32le(&w, 1);                        /* VERSION */
	wr_u32le(&w, p->guest_svn);
	wr_u64le(&w, p->policy);
	if (w.failed)
		return eaa_fail(err, EAA_E_INVALID, "ID block");

	if (!(id = key_read(p->id_key, "--id-key", err)) ||
	    !(author = key_read(p->author_key, "--author-key", err)))
		goto out;
	if (!pubkey(id, id_pub) || !pubkey(author, author_pub) ||
	    !sign(id, out->block, sizeof(out->block), block_sig) ||
	    !sign(author, id_pub, sizeof(id_pub), key_sig) ||
	    !EVP_Digest(id_pub, sizeof(id_pub), out->id_key_digest, &len, EVP_sha384(), NULL) ||
	    !EVP_Digest(author_pub, sizeof(author_pub), out->author_key_digest, &len,
			EVP_sha384(), NULL)) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "signing the ID block");
		goto out;
	}
	memset(out->auth, 0, sizeof(out->auth));
	wr_init_fixed(&w, out->auth, sizeof(out->auth));
	wr_u32le(&w, ALGO_ECDSA_P384);          /* ID_KEY_ALGO */
	wr_u32le(&w, ALGO_ECDSA_P384);          /* AUTH_KEY_ALGO */
	wr_reserve(&w, 0x40 - w.len);
	wr_bytes(&w, block_sig, SIG_LEN);       /* 0x040 */
	wr_bytes(&w, id_pub, KEY_LEN);          /* 0x240 */
	wr_reserve(&w, 0x680 - w.len);
	wr_bytes(&w, key_sig, SIG_LEN);         /* 0x680 */
	wr_bytes(&w, author_pub, KEY_LEN);      /* 0x880 */
	ok = !w.failed;
	if (!ok)
		eaa_fail(err, EAA_E_INVALID, "ID authentication information");
out:
	EVP_PKEY_free(id);
	EVP_PKEY_free(author);
	return ok;
}
