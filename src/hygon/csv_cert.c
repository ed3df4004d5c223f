/* csv_cert.c - Hygon's certificate formats and the links of the chain
 * HRK -> HSK -> CEK -> PEK (see csv.h). The rules of each link are those of
 * Hygon's own csv-rs: the signature slot's usage and algorithm must be the
 * signer's, a CA certificate's certifying ID must be its signer's key ID,
 * and the SM2 ID is the signer's user ID. */
#include <pthread.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include "bytes.h"
#include "csv.h"
#include "ecdsa.h"

#define ECC_FIELD 72

/* A 72-byte little-endian value whose upper 40 bytes must be zero, as
 * 32 bytes big-endian. */
static bool rd_ecc(struct rd *r, uint8_t out[32])
{
	uint8_t le[ECC_FIELD];
	struct rd hi;

	if (!rd_bytes(r, le, sizeof(le)))
		return false;
	hi = rd_init(le + 32, ECC_FIELD - 32);
	if (!rd_all_zero(&hi))
		return false;
	for (int i = 0; i < 32; i++)
		out[i] = le[31 - i];
	return true;
}

static bool rd_key(struct rd *r, struct csv_key *k, bool *bad_value)
{
	uint32_t curve;

	if (!rd_u32le(r, &curve))
		return false;
	*bad_value = curve != CSV_CURVE_SM2;
	return rd_ecc(r, k->qx) && rd_ecc(r, k->qy);
}

static bool rd_uid(struct rd *r, struct csv_key *k)
{
	return rd_u16le(r, &k->uid_len) && k->uid_len <= sizeof(k->uid) &&
	       rd_bytes(r, k->uid, sizeof(k->uid));
}

bool csv_ca_cert_parse(const uint8_t *p, size_t n, struct csv_ca_cert *c,
		       struct eaa_err *err)
{
	struct rd r = rd_init(p, n);
	bool bad_curve = false;

	memset(c, 0, sizeof(*c));
	if (n != CSV_CA_CERT_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "CA certificate: %zu bytes, not %d", n,
				CSV_CA_CERT_SIZE);
	memcpy(c->raw, p, n);
	if (!rd_u32le(&r, &c->version) || !rd_bytes(&r, c->kid, 16) ||
	    !rd_bytes(&r, c->sid, 16) || !rd_u32le(&r, &c->usage) || !rd_skip(&r, 24))
		return eaa_fail(err, EAA_E_FORMAT, "CA certificate: header");
	if (!rd_key(&r, &c->key, &bad_curve))
		return eaa_fail(err, EAA_E_FORMAT, "CA certificate: public key (a coordinate "
				"has non-zero upper bytes)");
	if (bad_curve)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "CA certificate: curve is not SM2");
	if (!rd_uid(&r, &c->key))
		return eaa_fail(err, EAA_E_FORMAT, "CA certificate: user ID length over 254");
	if (!rd_skip(&r, 108) || !rd_ecc(&r, c->r) || !rd_ecc(&r, c->s))
		return eaa_fail(err, EAA_E_FORMAT, "CA certificate: signature (a value has "
				"non-zero upper bytes)");
	return true;
}

static bool rd_slot(struct rd *r, struct csv_sig_slot *s)
{
	return rd_u32le(r, &s->usage) && rd_u32le(r, &s->algo) && rd_ecc(r, s->r) &&
	       rd_ecc(r, s->s) && rd_skip(r, 368);
}

bool csv_cert_parse(const uint8_t *p, size_t n, struct csv_cert *c, struct eaa_err *err)
{
	struct rd r = rd_init(p, n);
	bool bad_curve = false;

	memset(c, 0, sizeof(*c));
	if (n != CSV_CERT_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "certificate: %zu bytes, not %d", n,
				CSV_CERT_SIZE);
	memcpy(c->raw, p, n);
	if (!rd_u32le(&r, &c->version) || !rd_u8(&r, &c->api_major) ||
	    !rd_u8(&r, &c->api_minor) || !rd_skip(&r, 2) || !rd_u32le(&r, &c->usage) ||
	    !rd_u32le(&r, &c->algo))
		return eaa_fail(err, EAA_E_FORMAT, "certificate: header");
	if (!rd_key(&r, &c->key, &bad_curve))
		return eaa_fail(err, EAA_E_FORMAT, "certificate: public key (a coordinate has "
				"non-zero upper bytes)");
	if (bad_curve)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "certificate: curve is not SM2");
	if (!rd_uid(&r, &c->key))
		return eaa_fail(err, EAA_E_FORMAT, "certificate: user ID length over 254");
	if (!rd_bytes(&r, c->sid, 16) || !rd_skip(&r, 608))
		return eaa_fail(err, EAA_E_FORMAT, "certificate: body");
	for (int i = 0; i < 2; i++)
		if (!rd_slot(&r, &c->sig[i]))
			return eaa_fail(err, EAA_E_FORMAT, "certificate: signature %d (a value "
					"has non-zero upper bytes)", i + 1);
	return true;
}

/* SM2 public keys from the curve's parameters, made once. */
static EVP_PKEY *sm2_params;
static pthread_once_t sm2_once = PTHREAD_ONCE_INIT;

static void sm2_params_init(void)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);

	if (!ctx || EVP_PKEY_paramgen_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_group_name(ctx, "SM2") <= 0 ||
	    EVP_PKEY_paramgen(ctx, &sm2_params) <= 0)
		sm2_params = NULL;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
}

static EVP_PKEY *sm2_pubkey(const struct csv_key *k)
{
	uint8_t point[65];
	EVP_PKEY *key;

	pthread_once(&sm2_once, sm2_params_init);
	if (!sm2_params || !(key = EVP_PKEY_new()))
		return NULL;
	point[0] = 0x04;
	memcpy(point + 1, k->qx, 32);
	memcpy(point + 33, k->qy, 32);
	/* decoding the point checks that it is on the curve */
	if (EVP_PKEY_copy_parameters(key, sm2_params) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(key, point, sizeof(point)) != 1) {
		EVP_PKEY_free(key);
		key = NULL;
	}
	return key;
}

bool csv_sm2_verify(const struct csv_key *k, const void *msg, size_t n, const uint8_t r[32],
		    const uint8_t s[32])
{
	EVP_PKEY *key = sm2_pubkey(k);
	EVP_PKEY_CTX *pctx = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int der_len = ecdsa_rs_der(r, s, 32, &der), rc = 0;

	/* The ID goes into Z = SM3(ENTL || ID || curve || key), hashed in front
	 * of the message. */
	if (der_len > 0 && pctx && mctx &&
	    EVP_PKEY_CTX_set1_id(pctx, k->uid, k->uid_len) == 1) {
		EVP_MD_CTX_set_pkey_ctx(mctx, pctx);
		if (EVP_DigestVerifyInit(mctx, NULL, EVP_sm3(), NULL, key) == 1)
			rc = EVP_DigestVerify(mctx, der, (size_t)der_len, msg, n);
	}
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(key);
	OPENSSL_free(der);
	ERR_clear_error();
	return rc == 1;
}

static const uint8_t hrk_bytes[CSV_CA_CERT_SIZE] = {
#include "hrk_cert.inc"
};
static struct csv_ca_cert hrk;
static bool hrk_ok;
static pthread_once_t hrk_once = PTHREAD_ONCE_INIT;

static void hrk_init(void)
{
	hrk_ok = csv_ca_cert_parse(hrk_bytes, sizeof(hrk_bytes), &hrk, NULL) &&
		 hrk.usage == CSV_USAGE_HRK && memcmp(hrk.kid, hrk.sid, 16) == 0 &&
		 csv_sm2_verify(&hrk.key, hrk.raw, 576, hrk.r, hrk.s);
}

const struct csv_ca_cert *csv_hrk(void)
{
	pthread_once(&hrk_once, hrk_init);
	return hrk_ok ? &hrk : NULL;
}

bool csv_hsk_verify(const struct csv_ca_cert *root, const struct csv_ca_cert *hsk,
		    struct eaa_err *err)
{
	if (!root || root->usage != CSV_USAGE_HRK)
		return eaa_fail(err, EAA_E_UNTRUSTED, "HSK: no HRK to check it with");
	if (hsk->usage != CSV_USAGE_HSK)
		return eaa_fail(err, EAA_E_FORMAT, "HSK: key usage 0x%x, not HSK (0x13)",
				hsk->usage);
	if (memcmp(hsk->sid, root->kid, 16) != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "HSK: certified by another key than "
				"Hygon's root (HRK)");
	if (!csv_sm2_verify(&root->key, hsk->raw, 576, hsk->r, hsk->s))
		return eaa_fail(err, EAA_E_SIGNATURE, "HSK: the HRK's signature does not verify");
	return true;
}

/* The slot a signer of `usage` filled: csv-rs takes any slot whose usage
 * and algorithm are the signer's; the real certificates use the first. */
static const struct csv_sig_slot *slot_of(const struct csv_cert *c, uint32_t usage)
{
	for (int i = 0; i < 2; i++)
		if (c->sig[i].usage == usage && c->sig[i].algo == CSV_ALGO_SM2_SA)
			return &c->sig[i];
	return NULL;
}

bool csv_cek_verify(const struct csv_ca_cert *hsk, const struct csv_cert *cek,
		    struct eaa_err *err)
{
	const struct csv_sig_slot *s;

	if (cek->usage != CSV_USAGE_CEK || cek->algo != CSV_ALGO_SM2_SA)
		return eaa_fail(err, EAA_E_FORMAT, "CEK: key usage 0x%x algorithm %u, not CEK "
				"(0x1004) SM2 (4)", cek->usage, cek->algo);
	if (memcmp(cek->sid, hsk->kid, 16) != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "CEK: certified by another key than this HSK");
	if (!(s = slot_of(cek, CSV_USAGE_HSK)))
		return eaa_fail(err, EAA_E_UNTRUSTED, "CEK: no signature by an HSK");
	if (!csv_sm2_verify(&hsk->key, cek->raw, 1044, s->r, s->s))
		return eaa_fail(err, EAA_E_SIGNATURE, "CEK: the HSK's signature does not verify");
	return true;
}

bool csv_pek_verify(const struct csv_cert *cek, const struct csv_cert *pek,
		    struct eaa_err *err)
{
	const struct csv_sig_slot *s;

	if (pek->usage != CSV_USAGE_PEK || pek->algo != CSV_ALGO_SM2_SA)
		return eaa_fail(err, EAA_E_FORMAT, "PEK: key usage 0x%x algorithm %u, not PEK "
				"(0x1002) SM2 (4)", pek->usage, pek->algo);
	/* The PEK names no signer (its sid is zero): only the CEK's
	 * signature ties it to the chip. */
	if (!(s = slot_of(pek, CSV_USAGE_CEK)))
		return eaa_fail(err, EAA_E_UNTRUSTED, "PEK: no signature by a CEK");
	if (!csv_sm2_verify(&cek->key, pek->raw, 1044, s->r, s->s))
		return eaa_fail(err, EAA_E_SIGNATURE, "PEK: the CEK's signature does not verify "
				"(another chip's CEK?)");
	return true;
}

bool csv_hsk_cek_parse(const uint8_t *p, size_t n, const struct csv_ca_cert *root,
		       struct csv_ca_cert *hsk, struct csv_cert *cek, struct eaa_err *err)
{
	if (n != CSV_HSK_CEK_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "HSK/CEK: %zu bytes, not %d (HSK || CEK)", n,
				CSV_HSK_CEK_SIZE);
	if (!csv_ca_cert_parse(p, CSV_CA_CERT_SIZE, hsk, err))
		return eaa_err_prefix(err, "HSK");
	if (!csv_cert_parse(p + CSV_CA_CERT_SIZE, CSV_CERT_SIZE, cek, err))
		return eaa_err_prefix(err, "CEK");
	return csv_hsk_verify(root, hsk, err) && csv_cek_verify(hsk, cek, err);
}
