/* tpm_quote.c - TPM 2.0 quote evidence (see tpm_quote.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <tss2/tss2_mu.h>
#include "codec.h"
#include "ecdsa.h"
#include "json_util.h"
#include "tcg_eventlog.h"
#include "tpm_eventlog.h"
#include "tpm_quote.h"

/* An AK must be generated in and bound to this TPM, and restricted to
 * signing what the TPM itself produced: such a key refuses TPM2_Sign over
 * data beginning with TPM_GENERATED_VALUE, so a signed TPMS_ATTEST came
 * from the TPM's own attestation commands. */
#define AK_REQUIRED (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | \
		     TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_RESTRICTED | \
		     TPMA_OBJECT_SIGN_ENCRYPT)

bool tpm_quote_parse(const uint8_t *p, size_t n, struct tpm_quote *q, struct eaa_err *err)
{
	size_t off = 0, inner = 0;
	UINT32 count;

	memset(q, 0, sizeof(*q));
	/* libtss2-mu reads the public area by its fields, not by its size:
	 * the two must agree. */
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, &q->ak) != TSS2_RC_SUCCESS ||
	    off != 2u + q->ak.size)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the AK's public area is malformed "
				"or truncated");
	if (Tss2_MU_TPM2B_ATTEST_Unmarshal(p, n, &off, &q->attest) != TSS2_RC_SUCCESS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the attestation structure at "
				"byte %zu is malformed or truncated", off);
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(p, n, &off, &q->sig) != TSS2_RC_SUCCESS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the signature at byte %zu is "
				"malformed or truncated", off);
	if (Tss2_MU_UINT32_Unmarshal(p, n, &off, &count) != TSS2_RC_SUCCESS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: no PCR value count at byte %zu",
				off);
	if (count > TPM_MAX_PCRS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: %u PCR values (at most %d)", count,
				TPM_MAX_PCRS);
	for (q->npcrs = 0; q->npcrs < count; q->npcrs++)
		if (Tss2_MU_TPM2B_DIGEST_Unmarshal(p, n, &off, &q->pcrs[q->npcrs]) !=
		    TSS2_RC_SUCCESS)
			return eaa_fail(err, EAA_E_FORMAT, "TPM quote: PCR value %zu is malformed "
					"or truncated", q->npcrs);
	if (off != n) {
		UINT32 len;

		if (Tss2_MU_UINT32_Unmarshal(p, n, &off, &len) != TSS2_RC_SUCCESS ||
		    len != n - off || len == 0 || len > TPM_EVENTLOG_MAX)
			return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the %zu bytes after the "
					"PCR values are not an event log of its stated length "
					"(1 to %u bytes)", n - (off > n ? n : off), TPM_EVENTLOG_MAX);
		q->log = p + off;
		q->log_len = len;
	}
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->attest.attestationData, q->attest.size, &inner,
					  &q->info) != TSS2_RC_SUCCESS ||
	    inner != q->attest.size)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the signed TPMS_ATTEST is malformed");
	return true;
}

bool tpm_quote_encode(const TPM2B_PUBLIC *ak, const TPM2B_ATTEST *attest,
		      const TPMT_SIGNATURE *sig, const TPM2B_DIGEST *pcrs, size_t npcrs,
		      struct wr *out, struct eaa_err *err)
{
	size_t cap = sizeof(*ak) + sizeof(*attest) + sizeof(*sig) + 4 + npcrs * sizeof(*pcrs);
	uint8_t *buf = malloc(cap);
	size_t off = 0;
	bool ok;

	if (!buf)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = Tss2_MU_TPM2B_PUBLIC_Marshal(ak, buf, cap, &off) == TSS2_RC_SUCCESS &&
	     Tss2_MU_TPM2B_ATTEST_Marshal(attest, buf, cap, &off) == TSS2_RC_SUCCESS &&
	     Tss2_MU_TPMT_SIGNATURE_Marshal(sig, buf, cap, &off) == TSS2_RC_SUCCESS &&
	     Tss2_MU_UINT32_Marshal((UINT32)npcrs, buf, cap, &off) == TSS2_RC_SUCCESS;
	for (size_t i = 0; ok && i < npcrs; i++)
		ok = Tss2_MU_TPM2B_DIGEST_Marshal(&pcrs[i], buf, cap, &off) == TSS2_RC_SUCCESS;
	ok = ok ? wr_bytes(out, buf, off) || eaa_fail(err, EAA_E_NOMEM, "out of memory")
		: eaa_fail(err, EAA_E_INVALID, "TPM quote: cannot marshal the evidence");
	free(buf);
	return ok;
}

const EVP_MD *tpm_md(TPMI_ALG_HASH alg)
{
	return tcg_alg_md(alg);
}

const char *tpm_bank_name(TPMI_ALG_HASH alg)
{
	return tcg_alg_name(alg);
}

static EVP_PKEY *rsa_pkey(const TPMT_PUBLIC *pub)
{
	const TPM2B_PUBLIC_KEY_RSA *m = &pub->unique.rsa;
	UINT32 e = pub->parameters.rsaDetail.exponent ? pub->parameters.rsaDetail.exponent : 65537;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn = BN_bin2bn(m->buffer, m->size, NULL), *be = BN_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;

	if (bld && bn && be && ctx && BN_set_word(be, e) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(bn);
	BN_free(be);
	return key;
}

EVP_PKEY *tpm_ak_pkey(const TPMT_PUBLIC *pub)
{
	uint8_t xy[96] = { 0 };
	const TPMS_ECC_POINT *pt = &pub->unique.ecc;
	size_t len;
	const char *curve;

	if (pub->type == TPM2_ALG_RSA)
		return rsa_pkey(pub);
	if (pub->type != TPM2_ALG_ECC)
		return NULL;
	switch (pub->parameters.eccDetail.curveID) {
	case TPM2_ECC_NIST_P256: curve = "P-256"; len = 32; break;
	case TPM2_ECC_NIST_P384: curve = "P-384"; len = 48; break;
	default: return NULL;
	}
	if (pt->x.size > len || pt->y.size > len)
		return NULL;
	memcpy(xy + len - pt->x.size, pt->x.buffer, pt->x.size);
	memcpy(xy + 2 * len - pt->y.size, pt->y.buffer, pt->y.size);
	return ecdsa_pubkey_xy(curve, xy, len);
}

static bool rsa_verify(EVP_PKEY *key, const EVP_MD *md, bool pss, const TPM2B_ATTEST *a,
		       const TPM2B_PUBLIC_KEY_RSA *sig)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc = 0;

	if (m && EVP_DigestVerifyInit(m, &pctx, md, NULL, key) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1)))
		rc = EVP_DigestVerify(m, sig->buffer, sig->size, a->attestationData, a->size);
	EVP_MD_CTX_free(m);
	ERR_clear_error();
	return rc == 1;
}

static bool signature_holds(EVP_PKEY *key, const struct tpm_quote *q, struct eaa_err *err)
{
	const TPMT_SIGNATURE *s = &q->sig;
	const TPMT_PUBLIC *pub = &q->ak.publicArea;
	const EVP_MD *md;

	switch (s->sigAlg) {
	case TPM2_ALG_ECDSA: {
		const TPMS_SIGNATURE_ECC *e = &s->signature.ecdsa;
		size_t len = pub->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384 ? 48 : 32;
		uint8_t r[48] = { 0 }, sv[48] = { 0 };

		if (pub->type != TPM2_ALG_ECC || e->signatureR.size > len ||
		    e->signatureS.size > len || !(md = tpm_md(e->hash)))
			return eaa_fail(err, EAA_E_FORMAT, "TPM quote: an ECDSA signature that "
					"does not fit the AK");
		memcpy(r + len - e->signatureR.size, e->signatureR.buffer, e->signatureR.size);
		memcpy(sv + len - e->signatureS.size, e->signatureS.buffer, e->signatureS.size);
		if (!ecdsa_verify_rs(key, md, q->attest.attestationData, q->attest.size, r, sv,
				     len))
			return eaa_fail(err, EAA_E_SIGNATURE, "TPM quote: the AK's signature "
					"does not verify");
		break;
	}
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS: {
		const TPMS_SIGNATURE_RSA *r = &s->signature.rsassa;

		if (pub->type != TPM2_ALG_RSA || !(md = tpm_md(r->hash)))
			return eaa_fail(err, EAA_E_FORMAT, "TPM quote: an RSA signature that does "
					"not fit the AK");
		if (!rsa_verify(key, md, s->sigAlg == TPM2_ALG_RSAPSS, &q->attest, &r->sig))
			return eaa_fail(err, EAA_E_SIGNATURE, "TPM quote: the AK's signature "
					"does not verify");
		break;
	}
	default:
		return eaa_fail(err, EAA_E_UNSUPPORTED, "TPM quote: signature algorithm 0x%x "
				"(ECDSA, RSASSA and RSAPSS are known)", s->sigAlg);
	}
	return true;
}

/* The PCR values against the signed selection and digest. The digest uses
 * the signing scheme's hash. */
static bool pcrs_hold(const struct tpm_quote *q, struct eaa_err *err)
{
	const TPML_PCR_SELECTION *sel = &q->info.attested.quote.pcrSelect;
	const TPM2B_DIGEST *want = &q->info.attested.quote.pcrDigest;
	TPMI_ALG_HASH sig_hash = q->sig.sigAlg == TPM2_ALG_ECDSA ? q->sig.signature.ecdsa.hash
								   : q->sig.signature.rsassa.hash;
	const EVP_MD *md = tpm_md(sig_hash);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t got[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t k = 0;
	bool ok = c && md && EVP_DigestInit_ex(c, md, NULL) == 1;

	if (q->info.type != TPM2_ST_ATTEST_QUOTE || sel->count > TPM2_NUM_PCR_BANKS) {
		EVP_MD_CTX_free(c);
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: no PCR selection of a quote");
	}
	for (UINT32 b = 0; ok && b < sel->count; b++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];
		const EVP_MD *bank = tpm_md(s->hash);

		if (!bank) {
			EVP_MD_CTX_free(c);
			return eaa_fail(err, EAA_E_UNSUPPORTED, "TPM quote: PCR bank 0x%x",
					s->hash);
		}
		for (unsigned i = 0; ok && i < 8u * s->sizeofSelect; i++) {
			if (!(s->pcrSelect[i / 8] & (1u << (i % 8))))
				continue;
			if (k >= q->npcrs || q->pcrs[k].size != (size_t)EVP_MD_get_size(bank)) {
				EVP_MD_CTX_free(c);
				return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the PCR values do "
						"not match the quoted selection (at %s PCR %u)",
						tpm_bank_name(s->hash), i);
			}
			ok = EVP_DigestUpdate(c, q->pcrs[k].buffer, q->pcrs[k].size) == 1;
			k++;
		}
	}
	ok = ok && EVP_DigestFinal_ex(c, got, &len) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return eaa_fail(err, EAA_E_CRYPTO, "TPM quote: PCR digest");
	if (k != q->npcrs)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: %zu PCR values for %zu quoted PCRs",
				q->npcrs, k);
	if (want->size != len || CRYPTO_memcmp(want->buffer, got, len) != 0)
		return eaa_fail(err, EAA_E_SIGNATURE, "TPM quote: the PCR values are not the "
				"quoted ones (pcrDigest differs)");
	return true;
}

bool tpm_ak_attributes_ok(const TPMT_PUBLIC *pub)
{
	return (pub->objectAttributes & AK_REQUIRED) == AK_REQUIRED &&
	       !(pub->objectAttributes & TPMA_OBJECT_DECRYPT);
}

bool tpm_object_name(const TPMT_PUBLIC *pub, uint8_t *out, size_t *n)
{
	uint8_t buf[sizeof(*pub)];
	size_t off = 0;
	const EVP_MD *md = tpm_md(pub->nameAlg);
	unsigned int len = 0;

	if (!md || Tss2_MU_TPMT_PUBLIC_Marshal(pub, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return false;
	out[0] = (uint8_t)(pub->nameAlg >> 8);
	out[1] = (uint8_t)pub->nameAlg;
	if (EVP_Digest(buf, off, out + 2, &len, md, NULL) != 1)
		return false;
	*n = 2 + len;
	return true;
}

/* The AK's qualified name as a primary key of the endorsement (or owner)
 * hierarchy: nameAlg || H(hierarchy handle || Name). The quote carries it
 * under the signature, which so covers every field of the AK's public
 * area, not only its key. */
static bool qualified_name_matches(const struct tpm_quote *q)
{
	static const uint32_t hierarchies[] = { TPM2_RH_ENDORSEMENT, TPM2_RH_OWNER };
	const TPMT_PUBLIC *pub = &q->ak.publicArea;
	const TPM2B_NAME *signer = &q->info.qualifiedSigner;
	const EVP_MD *md = tpm_md(pub->nameAlg);
	uint8_t name[2 + EVP_MAX_MD_SIZE], buf[4 + sizeof(name)], qn[2 + EVP_MAX_MD_SIZE];
	size_t nl = 0;
	unsigned int len = 0;

	if (!md || !tpm_object_name(pub, name, &nl))
		return false;
	for (size_t i = 0; i < 2; i++) {
		buf[0] = (uint8_t)(hierarchies[i] >> 24);
		buf[1] = (uint8_t)(hierarchies[i] >> 16);
		buf[2] = (uint8_t)(hierarchies[i] >> 8);
		buf[3] = (uint8_t)hierarchies[i];
		memcpy(buf + 4, name, nl);
		qn[0] = name[0];
		qn[1] = name[1];
		if (EVP_Digest(buf, 4 + nl, qn + 2, &len, md, NULL) == 1 &&
		    signer->size == 2 + len && memcmp(signer->name, qn, 2 + len) == 0)
			return true;
	}
	return false;
}

static bool ak_trusted(EVP_PKEY *key, const struct tpm_verify_opts *o)
{
	bool trusted = false;

	for (size_t i = 0; i < o->naks && !trusted; i++)
		trusted = EVP_PKEY_eq(key, o->aks[i]) == 1;
	ERR_clear_error();
	return trusted;
}

static bool nonce_holds(const struct tpm_quote *q, const struct tpm_verify_opts *o,
			struct eaa_err *err)
{
	if (o->nonce && (q->info.extraData.size != o->nonce_len ||
			 CRYPTO_memcmp(q->info.extraData.buffer, o->nonce, o->nonce_len) != 0))
		return eaa_fail(err, EAA_E_BINDING, "TPM quote: qualifyingData is not the "
				"expected value");
	return true;
}

static bool is_quote(const struct tpm_quote *q, struct eaa_err *err)
{
	if (q->info.magic != TPM2_GENERATED_VALUE || q->info.type != TPM2_ST_ATTEST_QUOTE)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: signed data is not a TPM quote "
				"(magic 0x%x, type 0x%x)", q->info.magic, q->info.type);
	return true;
}

bool tpm_quote_verify(const struct tpm_quote *q, const struct tpm_verify_opts *o,
		      struct eaa_err *err)
{
	const TPMT_PUBLIC *pub = &q->ak.publicArea;
	EVP_PKEY *key = tpm_ak_pkey(pub);

	if (!key)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "TPM quote: the AK is neither an ECC "
				"P-256/P-384 nor an RSA key");
	if (!ak_trusted(key, o)) {
		EVP_PKEY_free(key);
		return eaa_fail(err, EAA_E_UNTRUSTED, "TPM quote: the attestation key is not one "
				"of the trusted AKs");
	}
	if (!tpm_ak_attributes_ok(pub)) {
		EVP_PKEY_free(key);
		return eaa_fail(err, EAA_E_UNTRUSTED, "TPM quote: the AK is not a TPM-generated, "
				"fixed, restricted signing key (attributes 0x%x)",
				pub->objectAttributes);
	}
	if (!signature_holds(key, q, err)) {
		EVP_PKEY_free(key);
		return false;
	}
	EVP_PKEY_free(key);
	if (!is_quote(q, err))
		return false;
	if (!qualified_name_matches(q))
		return eaa_fail(err, EAA_E_UNTRUSTED, "TPM quote: signed by another key than "
				"the AK's public area describes (qualified name differs; the AK "
				"must be a primary key of the endorsement or owner hierarchy)");
	if (!nonce_holds(q, o, err) || !pcrs_hold(q, err))
		return false;
	return !q->log_len ||
	       tpm_eventlog_check(q->log, q->log_len, &q->info.attested.quote.pcrSelect, q->pcrs,
				  q->npcrs, NULL, err);
}

json_t *tpm_claims(const struct tpm_quote *q)
{
	const TPML_PCR_SELECTION *sel = &q->info.attested.quote.pcrSelect;
	json_t *c = json_object();
	uint8_t name[2 + EVP_MAX_MD_SIZE];
	size_t nl = 0, k = 0;
	char key[32], fw[20];
	bool ok = c != NULL;
	/* the union holds a PCR selection only in a quote (found by
	 * fuzz_tpm_quote: another attestation type's bytes read as one gave
	 * a bank count past the array) */
	UINT32 banks = q->info.type == TPM2_ST_ATTEST_QUOTE && sel->count <= TPM2_NUM_PCR_BANKS ?
		       sel->count : 0;

	for (UINT32 b = 0; ok && b < banks; b++) {
		const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];

		for (unsigned i = 0; ok && i < 8u * s->sizeofSelect && k < q->npcrs; i++) {
			if (!(s->pcrSelect[i / 8] & (1u << (i % 8))))
				continue;
			if (s->hash == TPM2_ALG_SHA256)
				snprintf(key, sizeof(key), "pcr%u", i);
			else
				snprintf(key, sizeof(key), "%s_pcr%u", tpm_bank_name(s->hash), i);
			ok = json_set_hex(c, key, q->pcrs[k].buffer, q->pcrs[k].size);
			k++;
		}
	}
	snprintf(fw, sizeof(fw), "%016llx", (unsigned long long)q->info.firmwareVersion);
	/* trustee's form carries no public area, so no name */
	ok = ok && (!q->ak.size || (tpm_object_name(&q->ak.publicArea, name, &nl) &&
				    json_set_hex(c, "ak_name", name, nl))) &&
	     json_object_set_new(c, "firmware_version", json_string(fw)) == 0 &&
	     json_object_set_new(c, "reset_count",
				 json_integer(q->info.clockInfo.resetCount)) == 0 &&
	     json_object_set_new(c, "restart_count",
				 json_integer(q->info.clockInfo.restartCount)) == 0 &&
	     json_object_set_new(c, "clock", json_integer((json_int_t)q->info.clockInfo.clock)) == 0 &&
	     json_object_set_new(c, "safe", json_boolean(q->info.clockInfo.safe)) == 0 &&
	     json_set_hex(c, "qualifying_data", q->info.extraData.buffer, q->info.extraData.size);
	if (ok && q->log_len && banks) {
		struct eaa_err err;
		json_t *events = NULL;

		ok = tpm_eventlog_check(q->log, q->log_len, &q->info.attested.quote.pcrSelect,
					q->pcrs, q->npcrs, &events, &err) &&
		     json_object_set_new(c, "event_log", events) == 0;
	}
	if (!ok) {
		json_decref(c);
		return NULL;
	}
	return c;
}

bool tpm_quote_append_log(struct wr *out, const uint8_t *log, size_t log_len,
			  struct eaa_err *err)
{
	if (log_len == 0 || log_len > TPM_EVENTLOG_MAX)
		return eaa_fail(err, EAA_E_INVALID, "TPM event log of %zu bytes (1 to %u)", log_len,
				TPM_EVENTLOG_MAX);
	return (wr_u32be(out, (uint32_t)log_len) && wr_bytes(out, log, log_len)) ||
	       eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

bool tpm_load_aks(const char *path, EVP_PKEY ***aks, size_t *n, struct eaa_err *err)
{
	BIO *b = BIO_new_file(path, "r");
	EVP_PKEY *k, **list = NULL, **grown;

	*n = 0;
	if (!b)
		return eaa_fail(err, EAA_E_CONFIG, "%s: cannot open", path);
	while ((k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL)) != NULL) {
		if (!(grown = realloc(list, (*n + 1) * sizeof(*list)))) {
			EVP_PKEY_free(k);
			BIO_free(b);
			tpm_free_aks(list, *n);
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		}
		list = grown;
		list[(*n)++] = k;
	}
	BIO_free(b);
	ERR_clear_error();
	if (*n == 0) {
		free(list);
		return eaa_fail(err, EAA_E_CONFIG, "%s: no PEM public key", path);
	}
	*aks = list;
	return true;
}

void tpm_free_aks(EVP_PKEY **aks, size_t n)
{
	for (size_t i = 0; i < n; i++)
		EVP_PKEY_free(aks[i]);
	free(aks);
}

/* ---- trustee's form (tpm_quote.h) ---- */

#define TRUSTEE_PCRS 24

static uint8_t *b64_member(const json_t *o, const char *name, size_t *n, struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(o, name));
	uint8_t *b = NULL;

	if (!s || !base64_decode(s, false, &b, n))
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: %s is not a base64 string", name);
	return b;
}

bool tpm_trustee_parse(const json_t *ev, struct tpm_quote *q, EVP_PKEY **ak,
		       struct eaa_err *err)
{
	const json_t *tq = json_object_get(ev, "tpm_quote"), *pcrs = json_object_get(tq, "pcrs");
	uint8_t *der = NULL, *msg = NULL, *sig = NULL, values[TRUSTEE_PCRS][32];
	const uint8_t *d;
	size_t dn = 0, mn = 0, sn = 0, off = 0;
	const TPML_PCR_SELECTION *sel;
	bool ok = false;

	memset(q, 0, sizeof(*q));
	*ak = NULL;
	if (!json_is_object(tq) || !json_is_array(pcrs) ||
	    json_array_size(pcrs) != TRUSTEE_PCRS) {
		return eaa_fail(err, EAA_E_FORMAT, "TPM evidence: want {\"ak_public\", "
				"\"tpm_quote\": {\"message\", \"signature\", \"pcrs\": %d "
				"SHA-256 values}}", TRUSTEE_PCRS);
	}
	for (size_t i = 0; i < TRUSTEE_PCRS; i++) {
		const char *h = json_string_value(json_array_get(pcrs, i));

		if (!h || strlen(h) != 64 || !hex_decode_fixed(h, values[i], 32))
			return eaa_fail(err, EAA_E_FORMAT, "TPM evidence: pcrs[%zu] is not 64 hex "
					"digits", i);
	}
	if (!(der = b64_member(ev, "ak_public", &dn, err)) ||
	    !(msg = b64_member(tq, "message", &mn, err)) ||
	    !(sig = b64_member(tq, "signature", &sn, err)))
		goto out;
	d = der;
	if (!(*ak = d2i_PUBKEY(NULL, &d, (long)dn)) || d != der + dn) {
		ERR_clear_error();
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: ak_public is not a DER public key");
		goto out;
	}
	/* signature_holds reads the key's type (and curve) from the public
	 * area; the area itself stays empty (q->ak.size 0) */
	if (EVP_PKEY_get_base_id(*ak) == EVP_PKEY_RSA) {
		q->ak.publicArea.type = TPM2_ALG_RSA;
	} else if (EVP_PKEY_get_base_id(*ak) == EVP_PKEY_EC) {
		char group[32] = "";

		EVP_PKEY_get_group_name(*ak, group, sizeof(group), NULL);
		q->ak.publicArea.type = TPM2_ALG_ECC;
		q->ak.publicArea.parameters.eccDetail.curveID =
			strcmp(group, "secp384r1") == 0 ? TPM2_ECC_NIST_P384 : TPM2_ECC_NIST_P256;
		if (strcmp(group, "prime256v1") != 0 && strcmp(group, "secp384r1") != 0) {
			eaa_fail(err, EAA_E_UNSUPPORTED, "TPM evidence: an AK on curve %s", group);
			goto out;
		}
	} else {
		eaa_fail(err, EAA_E_UNSUPPORTED, "TPM evidence: the AK is neither RSA nor EC");
		goto out;
	}
	if (mn == 0 || mn > sizeof(q->attest.attestationData)) {
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: message is %zu bytes", mn);
		goto out;
	}
	memcpy(q->attest.attestationData, msg, mn);
	q->attest.size = (UINT16)mn;
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(msg, mn, &off, &q->info) != TSS2_RC_SUCCESS ||
	    off != mn) {
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: message is not a whole TPMS_ATTEST");
		goto out;
	}
	off = 0;
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(sig, sn, &off, &q->sig) != TSS2_RC_SUCCESS ||
	    off != sn) {
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: signature is not a whole TPMT_SIGNATURE");
		goto out;
	}
	/* the quoted PCRs' values, in the quote's selection order */
	sel = &q->info.attested.quote.pcrSelect;
	if (q->info.type == TPM2_ST_ATTEST_QUOTE) {
		for (UINT32 b = 0; b < sel->count; b++) {
			const TPMS_PCR_SELECTION *s = &sel->pcrSelections[b];

			if (s->hash != TPM2_ALG_SHA256) {
				eaa_fail(err, EAA_E_UNSUPPORTED, "TPM evidence: the quote selects "
					 "%s PCRs; trustee's form carries the SHA-256 bank only",
					 tpm_bank_name(s->hash) ? tpm_bank_name(s->hash) : "unknown");
				goto out;
			}
			for (unsigned i = 0; i < 8u * s->sizeofSelect; i++) {
				if (!(s->pcrSelect[i / 8] & (1u << (i % 8))))
					continue;
				if (i >= TRUSTEE_PCRS || q->npcrs == TPM_MAX_PCRS) {
					eaa_fail(err, EAA_E_FORMAT, "TPM evidence: the quote selects "
						 "PCR %u", i);
					goto out;
				}
				q->pcrs[q->npcrs].size = 32;
				memcpy(q->pcrs[q->npcrs++].buffer, values[i], 32);
			}
		}
	}
	ok = true;
out:
	free(der);
	free(msg);
	free(sig);
	if (!ok) {
		EVP_PKEY_free(*ak);
		*ak = NULL;
	}
	return ok;
}

bool tpm_trustee_verify(const struct tpm_quote *q, EVP_PKEY *ak,
			const struct tpm_verify_opts *o, struct eaa_err *err)
{
	if (!ak_trusted(ak, o))
		return eaa_fail(err, EAA_E_UNTRUSTED, "TPM quote: the attestation key is not one "
				"of the trusted AKs");
	return signature_holds(ak, q, err) && is_quote(q, err) && nonce_holds(q, o, err) &&
	       pcrs_hold(q, err);
}

json_t *tpm_trustee_form(const uint8_t *evidence, size_t n, struct eaa_err *err)
{
	struct tpm_quote *q = malloc(sizeof(*q));
	const TPML_PCR_SELECTION *sel;
	uint8_t sig[sizeof(TPMT_SIGNATURE)], *der = NULL;
	size_t off = 0;
	char *ak64 = NULL, *msg64 = NULL, *sig64 = NULL;
	json_t *pcrs = NULL, *out = NULL;
	EVP_PKEY *ak = NULL;
	int dn;

	if (!q) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!tpm_quote_parse(evidence, n, q, err))
		goto out;
	sel = &q->info.attested.quote.pcrSelect;
	/* trustee's verifier digests the 24 values it is given: the quote
	 * must select exactly those */
	if (q->info.type != TPM2_ST_ATTEST_QUOTE || sel->count != 1 ||
	    sel->pcrSelections[0].hash != TPM2_ALG_SHA256 || sel->pcrSelections[0].sizeofSelect != 3 ||
	    memcmp(sel->pcrSelections[0].pcrSelect, "\xff\xff\xff", 3) != 0 ||
	    q->npcrs != TRUSTEE_PCRS) {
		eaa_fail(err, EAA_E_CONFIG, "TPM evidence for trustee's form must quote PCRs 0-23 "
			 "of the SHA-256 bank, and only those (tpm.pcrs=0-23)");
		goto out;
	}
	if (!(ak = tpm_ak_pkey(&q->ak.publicArea)) || (dn = i2d_PUBKEY(ak, &der)) <= 0 ||
	    Tss2_MU_TPMT_SIGNATURE_Marshal(&q->sig, sig, sizeof(sig), &off) != TSS2_RC_SUCCESS) {
		ERR_clear_error();
		eaa_fail(err, EAA_E_FORMAT, "TPM evidence: the AK or the signature cannot be "
			 "written in trustee's form");
		goto out;
	}
	pcrs = json_array();
	for (size_t i = 0; pcrs && i < q->npcrs; i++) {
		char *h = hex_encode(q->pcrs[i].buffer, q->pcrs[i].size);

		if (!h || json_array_append_new(pcrs, json_string(h)) != 0) {
			free(h);
			json_decref(pcrs);
			pcrs = NULL;
			break;
		}
		free(h);
	}
	ak64 = base64_encode(der, (size_t)dn, false);
	msg64 = base64_encode(q->attest.attestationData, q->attest.size, false);
	sig64 = base64_encode(sig, off, false);
	if (!pcrs || !ak64 || !msg64 || !sig64 ||
	    !(out = json_pack("{s:s, s:{s:s, s:s, s:O}}", "ak_public", ak64, "tpm_quote",
			      "message", msg64, "signature", sig64, "pcrs", pcrs)))
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	json_decref(pcrs);
	free(ak64);
	free(msg64);
	free(sig64);
	OPENSSL_free(der);
	EVP_PKEY_free(ak);
	free(q);
	return out;
}
