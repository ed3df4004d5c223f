/* forge_csv.c - see forge_csv.h. The layouts are those of docs/hygon.md,
 * written field by field. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include "bytes.h"
#include "forge_csv.h"

static EVP_PKEY *sm2_key(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
	EVP_PKEY *k = NULL;

	if (!ctx || EVP_PKEY_keygen_init(ctx) <= 0 || EVP_PKEY_keygen(ctx, &k) <= 0)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

static void le72(const BIGNUM *bn, uint8_t out[72])
{
	uint8_t be[32];

	memset(out, 0, 72);
	BN_bn2binpad(bn, be, 32);
	for (int i = 0; i < 32; i++)
		out[i] = be[31 - i];
}

static bool put_key(struct wr *w, EVP_PKEY *k, const char *uid)
{
	BIGNUM *x = NULL, *y = NULL;
	uint8_t f[72], u[254] = { 0 };
	bool ok = EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, &x) &&
		  EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, &y);

	if (ok) {
		wr_u32le(w, CSV_CURVE_SM2);
		le72(x, f);
		wr_bytes(w, f, 72);
		le72(y, f);
		wr_bytes(w, f, 72);
		wr_u16le(w, (uint16_t)strlen(uid));
		memcpy(u, uid, strlen(uid));
		wr_bytes(w, u, sizeof(u));
	}
	BN_free(x);
	BN_free(y);
	return ok;
}

bool forge_csv_sign(EVP_PKEY *key, const char *uid, const uint8_t *msg, size_t n,
		    uint8_t r_le[72], uint8_t s_le[72])
{
	EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(key, NULL);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	uint8_t der[128];
	size_t dl = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *sig = NULL;
	bool ok = false;

	if (pctx && mctx && EVP_PKEY_CTX_set1_id(pctx, uid, strlen(uid)) == 1) {
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		ok = EVP_DigestSignInit(mctx, NULL, EVP_sm3(), NULL, key) == 1 &&
		     EVP_DigestSign(mctx, der, &dl, msg, n) == 1 &&
		     (sig = d2i_ECDSA_SIG(NULL, &p, (long)dl)) != NULL;
	}
	if (ok) {
		le72(ECDSA_SIG_get0_r(sig), r_le);
		le72(ECDSA_SIG_get0_s(sig), s_le);
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	return ok;
}

static bool ca_cert(EVP_PKEY *k, const char *uid, const uint8_t kid[16], const uint8_t sid[16],
		    uint32_t usage, EVP_PKEY *signer, const char *signer_uid, uint8_t out[832])
{
	struct wr w;
	uint8_t zero[112] = { 0 };

	wr_init_fixed(&w, out, CSV_CA_CERT_SIZE);
	wr_u32le(&w, 1);
	wr_bytes(&w, kid, 16);
	wr_bytes(&w, sid, 16);
	wr_u32le(&w, usage);
	wr_bytes(&w, zero, 24);
	if (!put_key(&w, k, uid))
		return false;
	wr_bytes(&w, zero, 108);
	if (w.failed || w.len != 576)
		return false;
	memset(out + 576, 0, 832 - 576);
	return forge_csv_sign(signer, signer_uid, out, 576, out + 576, out + 648);
}

static bool csv_cert(EVP_PKEY *k, const char *uid, uint32_t usage, const uint8_t sid[16],
		     EVP_PKEY *signer, const char *signer_uid, uint32_t signer_usage,
		     uint8_t out[CSV_CERT_SIZE])
{
	struct wr w;
	uint8_t zero[608] = { 0 };

	wr_init_fixed(&w, out, CSV_CERT_SIZE);
	wr_u32le(&w, 1);
	wr_u8(&w, 1);
	wr_u8(&w, 3);
	wr_u16le(&w, 0);
	wr_u32le(&w, usage);
	wr_u32le(&w, CSV_ALGO_SM2_SA);
	if (!put_key(&w, k, uid))
		return false;
	wr_bytes(&w, sid, 16);
	wr_bytes(&w, zero, 608);
	if (w.failed || w.len != 1044)
		return false;
	memset(out + 1044, 0, CSV_CERT_SIZE - 1044);
	w.len = 1044;
	wr_u32le(&w, signer_usage);
	wr_u32le(&w, CSV_ALGO_SM2_SA);
	w.len = 1564;
	wr_u32le(&w, CSV_USAGE_INVALID);
	return !w.failed && forge_csv_sign(signer, signer_uid, out, 1044, out + 1052, out + 1124);
}

bool forge_csv_init(struct forge_csv *f)
{
	const uint8_t kid_hrk[16] = "test-hrk-key-id", kid_hsk[16] = "test-hsk-key-id";
	const uint8_t zero[16] = { 0 };

	memset(f, 0, sizeof(*f));
	return (f->hrk = sm2_key()) && (f->hsk = sm2_key()) && (f->cek = sm2_key()) &&
	       (f->pek = sm2_key()) &&
	       ca_cert(f->hrk, "HYGON-SSD-HRK", kid_hrk, kid_hrk, CSV_USAGE_HRK, f->hrk,
		       "HYGON-SSD-HRK", f->hrk_cert) &&
	       ca_cert(f->hsk, "HYGON-SSD-HSK", kid_hsk, kid_hrk, CSV_USAGE_HSK, f->hrk,
		       "HYGON-SSD-HRK", f->hsk_cek) &&
	       csv_cert(f->cek, "HYGON-SSD-CEK", CSV_USAGE_CEK, kid_hsk, f->hsk, "HYGON-SSD-HSK",
			CSV_USAGE_HSK, f->hsk_cek + CSV_CA_CERT_SIZE) &&
	       csv_cert(f->pek, "HYGON-SSD-PEK", CSV_USAGE_PEK, zero, f->cek, "HYGON-SSD-CEK",
			CSV_USAGE_CEK, f->pek_cert) &&
	       csv_ca_cert_parse(f->hrk_cert, CSV_CA_CERT_SIZE, &f->root, NULL);
}

void forge_csv_free(struct forge_csv *f)
{
	EVP_PKEY_free(f->hrk);
	EVP_PKEY_free(f->hsk);
	EVP_PKEY_free(f->cek);
	EVP_PKEY_free(f->pek);
}

static void mask(uint8_t *p, size_t n, uint32_t anonce)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= (uint8_t)(anonce >> (8 * (i % 4)));
}

size_t forge_csv_report(const struct forge_csv *f, int version, uint32_t anonce,
			uint32_t policy, const uint8_t report_data[64], const uint8_t *nonce,
			uint8_t *out)
{
	uint8_t body[1024] = { 0 }, mnonce[16] = "fresh-mnonce-16", measure[32];
	uint8_t signer[CSV_CERT_SIZE + 64 + 32] = { 0 };
	unsigned int ml = 32;
	size_t pre = 0, tbs = version == 1 ? 180 : 1024;
	struct wr w;

	if (nonce)
		memcpy(mnonce, nonce, 16);
	for (int i = 0; i < 32; i++)
		measure[i] = (uint8_t)(0xa0 + i);
	wr_init_fixed(&w, body, sizeof(body));
	w.len = 64;   /* user_pubkey_digest, vm_id, vm_version: zero */
	wr_bytes(&w, report_data, 64);
	wr_bytes(&w, mnonce, 16);
	wr_bytes(&w, measure, 32);
	wr_u32le(&w, policy);
	wr_u32le(&w, CSV_USAGE_PEK);
	wr_u32le(&w, CSV_ALGO_SM2_SA);
	if (version > 1) {
		wr_u32le(&w, 2337);       /* build */
		wr_u16le(&w, 1);          /* rtmr_version */
		w.len = 208;
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < 32; j++)
				wr_u8(&w, (uint8_t)(16 * i + j));
		if (version == 3) {
			w.len = 960;
			for (int j = 0; j < 64; j++)
				wr_u8(&w, 0x40);
		}
	}
	if (version > 1) {
		memcpy(out, "ATTESTATION_EXT", 16);
		out[16] = version == 2 ? 1 : 3;
		out[17] = out[18] = out[19] = 0;
		pre = 20;
	} else {
		mask(body, 188, anonce);
	}
	memcpy(signer, f->pek_cert, CSV_CERT_SIZE);
	memcpy(signer + CSV_CERT_SIZE, "TESTCHIP0001", 12);
	if (version == 1 && anonce) {
		mask(signer, CSV_CERT_SIZE + 64, anonce);
		memset(signer + CSV_CERT_SIZE + 64, 0x5a, 32);   /* the firmware's reserved */
	}
	memcpy(out + pre, body, version == 1 ? 188 : 1024);
	if (version == 1)
		memcpy(out + pre + 188, &anonce, 4);   /* little-endian host */
	forge_csv_sign(f->pek, "HYGON-SSD-PEK", out + pre, tbs, out + pre + (version == 1 ? 192 : 1024),
		       out + pre + (version == 1 ? 264 : 1096));
	pre += version == 1 ? 336 : 1168;
	memcpy(out + pre, signer, sizeof(signer));
	HMAC(EVP_sm3(), mnonce, 16, signer, sizeof(signer), out + pre + sizeof(signer), &ml);
	return pre + sizeof(signer) + 32;
}
