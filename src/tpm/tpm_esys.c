/* tpm_esys.c - quotes from a TPM through ESYS (see tpm_esys.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>
#include "tpm_credential.h"
#include "tpm_esys.h"
#include "tpm_quote.h"

struct tpm_dev {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

static bool tss_fail(struct eaa_err *err, TSS2_RC rc, const char *what)
{
	return eaa_fail(err, EAA_E_IO, "TPM %s: %s (0x%x)", what, Tss2_RC_Decode(rc), rc);
}

bool tpm_open(const char *tcti, struct tpm_dev **out, struct eaa_err *err)
{
	struct tpm_dev *d = calloc(1, sizeof(*d));
	TSS2_RC rc;

	if (!d)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if ((rc = Tss2_TctiLdr_Initialize(tcti, &d->tcti)) != TSS2_RC_SUCCESS) {
		free(d);
		return eaa_fail(err, EAA_E_IO, "TPM: cannot open TCTI \"%s\": %s", tcti,
				Tss2_RC_Decode(rc));
	}
	if ((rc = Esys_Initialize(&d->esys, d->tcti, NULL)) != TSS2_RC_SUCCESS) {
		tpm_close(d);
		return tss_fail(err, rc, "initialize");
	}
	/* Firmware starts a real TPM; a bare simulator may need it here.
	 * TPM_RC_INITIALIZE means it already ran. */
	rc = Esys_Startup(d->esys, TPM2_SU_CLEAR);
	if (rc != TSS2_RC_SUCCESS && rc != TPM2_RC_INITIALIZE) {
		tpm_close(d);
		return tss_fail(err, rc, "startup");
	}
	*out = d;
	return true;
}

void tpm_close(struct tpm_dev *d)
{
	if (!d)
		return;
	if (d->esys)
		Esys_Finalize(&d->esys);
	if (d->tcti)
		Tss2_TctiLdr_Finalize(&d->tcti);
	free(d);
}

/* The AK: ECC P-256, ECDSA with SHA-256, restricted signing, generated in
 * and fixed to this TPM. Empty unique: derived from the endorsement seed
 * and this template alone, which TPM2_Clear does not change. */
static const TPM2B_PUBLIC ak_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT,
		.parameters.eccDetail = {
			.symmetric = { .algorithm = TPM2_ALG_NULL },
			.scheme = { .scheme = TPM2_ALG_ECDSA,
				    .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
			.curveID = TPM2_ECC_NIST_P256,
			.kdf = { .scheme = TPM2_ALG_NULL },
		},
	},
};

static bool create_ak(struct tpm_dev *d, ESYS_TR *ak, TPM2B_PUBLIC **pub, struct eaa_err *err)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation = { 0 };
	TSS2_RC rc = Esys_CreatePrimary(d->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
					ESYS_TR_NONE, ESYS_TR_NONE, &sensitive, &ak_template,
					&outside, &creation, ak, pub, NULL, NULL, NULL);

	return rc == TSS2_RC_SUCCESS || tss_fail(err, rc, "create the attestation key");
}

bool tpm_ak_public(struct tpm_dev *d, TPM2B_PUBLIC *out, struct eaa_err *err)
{
	ESYS_TR ak = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;

	if (!create_ak(d, &ak, &pub, err))
		return false;
	*out = *pub;
	Esys_Free(pub);
	Esys_FlushContext(d->esys, ak);
	return true;
}

/* The TCG's EK template L-1 (EK Credential Profile 2.0): RSA 2048,
 * AES-128-CFB, restricted decryption, usable only through the policy
 * PolicySecret(TPM_RH_ENDORSEMENT), unique 256 zero bytes. */
static const TPM2B_PUBLIC ek_template = {
	.publicArea = {
		.type = TPM2_ALG_RSA,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
				    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
		.authPolicy = { 32, { 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8,
				      0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
				      0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64,
				      0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa } },
		.parameters.rsaDetail = {
			.symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
				       .mode.aes = TPM2_ALG_CFB },
			.scheme = { .scheme = TPM2_ALG_NULL },
			.keyBits = 2048,
			.exponent = 0,
		},
		.unique.rsa = { 256, { 0 } },
	},
};

bool tpm_ek_cert(struct tpm_dev *d, struct wr *out, struct eaa_err *err)
{
	ESYS_TR nv = ESYS_TR_NONE;
	TPM2B_NV_PUBLIC *pub = NULL;
	TSS2_RC rc;
	UINT16 size, done = 0;

	rc = Esys_TR_FromTPMPublic(d->esys, TPM_EK_CERT_RSA_NV, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &nv);
	if (rc != TSS2_RC_SUCCESS)
		return eaa_fail(err, EAA_E_NO_EVIDENCE, "TPM: no RSA EK certificate at NV index "
				"0x%08x (%s)", TPM_EK_CERT_RSA_NV, Tss2_RC_Decode(rc));
	rc = Esys_NV_ReadPublic(d->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_TR_Close(d->esys, &nv);
		return tss_fail(err, rc, "read the EK certificate's NV index");
	}
	size = pub->nvPublic.dataSize;
	Esys_Free(pub);
	/* in pieces: TPM2_NV_Read answers at most MAX_NV_BUFFER_SIZE bytes,
	 * 1024 on most TPMs */
	while (done < size) {
		TPM2B_MAX_NV_BUFFER *data = NULL;
		UINT16 want = size - done > 512 ? 512 : size - done;

		rc = Esys_NV_Read(d->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				  want, done, &data);
		if (rc != TSS2_RC_SUCCESS) {
			Esys_TR_Close(d->esys, &nv);
			return tss_fail(err, rc, "read the EK certificate");
		}
		if (data->size != want || !wr_bytes(out, data->buffer, data->size)) {
			Esys_Free(data);
			Esys_TR_Close(d->esys, &nv);
			return eaa_fail(err, EAA_E_IO, "TPM: short read of the EK certificate");
		}
		done += want;
		Esys_Free(data);
	}
	Esys_TR_Close(d->esys, &nv);
	return true;
}

bool tpm_activate(struct tpm_dev *d, const TPM2B_ID_OBJECT *blob,
		  const TPM2B_ENCRYPTED_SECRET *secret, uint8_t *out, size_t *n,
		  struct eaa_err *err)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION creation = { 0 };
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_NULL };
	ESYS_TR ak = ESYS_TR_NONE, ek = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_DIGEST *cred = NULL;
	TSS2_RC rc;
	bool ok = false;

	if (!create_ak(d, &ak, &pub, err))
		return false;
	Esys_Free(pub);
	pub = NULL;
	rc = Esys_CreatePrimary(d->esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
				ESYS_TR_NONE, &sensitive, &ek_template, &outside, &creation, &ek,
				&pub, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tss_fail(err, rc, "create the EK");
		goto out;
	}
	/* the EK's policy: PolicySecret with the endorsement hierarchy */
	rc = Esys_StartAuthSession(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym,
				   TPM2_ALG_SHA256, &session);
	/* continueSession clear: the TPM ends the session with the command */
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TRSess_SetAttributes(d->esys, session, 0, TPMA_SESSION_CONTINUESESSION);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicySecret(d->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD,
				       ESYS_TR_NONE, ESYS_TR_NONE, NULL, NULL, NULL, 0, NULL,
				       NULL);
	if (rc != TSS2_RC_SUCCESS) {
		tss_fail(err, rc, "satisfy the EK's policy");
		goto out;
	}
	rc = Esys_ActivateCredential(d->esys, ak, ek, ESYS_TR_PASSWORD, session, ESYS_TR_NONE,
				     blob, secret, &cred);
	if (rc == TSS2_RC_SUCCESS)
		session = ESYS_TR_NONE;   /* ended with the command */
	if (rc != TSS2_RC_SUCCESS) {
		tss_fail(err, rc, "activate the credential (sealed to another EK, or for "
			 "another AK?)");
		goto out;
	}
	if (cred->size > 64) {
		eaa_fail(err, EAA_E_FORMAT, "TPM: a credential of %u bytes", cred->size);
		goto out;
	}
	memcpy(out, cred->buffer, cred->size);
	*n = cred->size;
	ok = true;
out:
	if (cred)
		OPENSSL_cleanse(cred->buffer, sizeof(cred->buffer));
	Esys_Free(cred);
	Esys_Free(pub);
	if (session != ESYS_TR_NONE)
		Esys_FlushContext(d->esys, session);
	if (ek != ESYS_TR_NONE)
		Esys_FlushContext(d->esys, ek);
	Esys_FlushContext(d->esys, ak);
	return ok;
}

bool tpm_pcr_extend(struct tpm_dev *d, unsigned pcr, const TPML_DIGEST_VALUES *digests,
		    struct eaa_err *err)
{
	TSS2_RC rc;

	if (pcr > 23)
		return eaa_fail(err, EAA_E_INVALID, "TPM: no PCR %u", pcr);
	rc = Esys_PCR_Extend(d->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			     ESYS_TR_NONE, digests);
	return rc == TSS2_RC_SUCCESS || tss_fail(err, rc, "extend a PCR");
}

static bool bank_of(const char *name, size_t n, TPMI_ALG_HASH *alg)
{
	static const struct { const char *name; TPMI_ALG_HASH alg; } banks[] = {
		{ "sha1", TPM2_ALG_SHA1 }, { "sha256", TPM2_ALG_SHA256 },
		{ "sha384", TPM2_ALG_SHA384 }, { "sha512", TPM2_ALG_SHA512 },
		{ "sm3", TPM2_ALG_SM3_256 },
	};

	for (size_t i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
		if (strlen(banks[i].name) == n && strncmp(banks[i].name, name, n) == 0) {
			*alg = banks[i].alg;
			return true;
		}
	return false;
}

bool tpm_pcr_selection_parse(const char *spec, TPML_PCR_SELECTION *sel, struct eaa_err *err)
{
	const char *p = spec;

	memset(sel, 0, sizeof(*sel));
	while (*p) {
		TPMS_PCR_SELECTION *s;
		const char *colon = strchr(p, ':'), *end = p + strcspn(p, "+");

		if (sel->count == TPM2_NUM_PCR_BANKS)
			return eaa_fail(err, EAA_E_CONFIG, "PCR selection \"%s\": too many banks",
					spec);
		s = &sel->pcrSelections[sel->count++];
		s->sizeofSelect = 3;
		s->hash = TPM2_ALG_SHA256;
		if (colon && colon < end) {
			if (!bank_of(p, (size_t)(colon - p), &s->hash))
				return eaa_fail(err, EAA_E_CONFIG, "PCR selection \"%s\": unknown "
						"bank \"%.*s\"", spec, (int)(colon - p), p);
			p = colon + 1;
		}
		while (p < end) {
			char *q;
			unsigned long lo = strtoul(p, &q, 10), hi = lo;

			if (q == p)
				goto bad;
			if (*q == '-') {
				p = q + 1;
				hi = strtoul(p, &q, 10);
				if (q == p)
					goto bad;
			}
			if (lo > hi || hi > 23)
				goto bad;
			for (unsigned long i = lo; i <= hi; i++)
				s->pcrSelect[i / 8] |= (uint8_t)(1u << (i % 8));
			p = q;
			if (*p == ',')
				p++;
			else if (p != end)
				goto bad;
		}
		if (*p == '+')
			p++;
	}
	if (sel->count == 0)
		goto bad;
	return true;
bad:
	return eaa_fail(err, EAA_E_CONFIG, "PCR selection \"%s\": want PCR numbers 0-23 like "
			"\"0-7,16\", optionally per bank (\"sha1:0-7+sha256:0-7\")", spec);
}

static size_t selected(const TPML_PCR_SELECTION *sel)
{
	size_t n = 0;

	for (UINT32 b = 0; b < sel->count; b++)
		for (unsigned i = 0; i < 8u * sel->pcrSelections[b].sizeofSelect; i++)
			n += (sel->pcrSelections[b].pcrSelect[i / 8] >> (i % 8)) & 1;
	return n;
}

/* Where PCR i of bank alg sits in the selection order, or -1. */
static long position(const TPML_PCR_SELECTION *sel, TPMI_ALG_HASH alg, unsigned pcr)
{
	long k = 0;

	for (UINT32 b = 0; b < sel->count; b++)
		for (unsigned i = 0; i < 8u * sel->pcrSelections[b].sizeofSelect; i++) {
			if (!((sel->pcrSelections[b].pcrSelect[i / 8] >> (i % 8)) & 1))
				continue;
			if (sel->pcrSelections[b].hash == alg && i == pcr)
				return k;
			k++;
		}
	return -1;
}

/* TPM2_PCR_Read answers at most eight values at a time, saying which. */
static bool read_pcrs(struct tpm_dev *d, const TPML_PCR_SELECTION *sel, TPM2B_DIGEST *vals,
		      struct eaa_err *err)
{
	TPML_PCR_SELECTION todo = *sel;
	size_t left = selected(sel);

	while (left > 0) {
		TPML_PCR_SELECTION *got = NULL;
		TPML_DIGEST *dig = NULL;
		UINT32 counter;
		size_t k = 0;
		TSS2_RC rc = Esys_PCR_Read(d->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
					   &todo, &counter, &got, &dig);

		if (rc != TSS2_RC_SUCCESS)
			return tss_fail(err, rc, "read PCRs");
		for (UINT32 b = 0; b < got->count; b++) {
			TPMS_PCR_SELECTION *s = &got->pcrSelections[b];

			for (unsigned i = 0; i < 8u * s->sizeofSelect; i++) {
				long pos;

				if (!((s->pcrSelect[i / 8] >> (i % 8)) & 1))
					continue;
				pos = position(sel, s->hash, i);
				if (pos < 0 || k >= dig->count)
					break;
				vals[pos] = dig->digests[k++];
				for (UINT32 t = 0; t < todo.count; t++)
					if (todo.pcrSelections[t].hash == s->hash)
						todo.pcrSelections[t].pcrSelect[i / 8] &=
							(uint8_t)~(1u << (i % 8));
			}
		}
		Esys_Free(got);
		Esys_Free(dig);
		if (k == 0)
			return eaa_fail(err, EAA_E_IO, "TPM: the selected PCR bank is not "
					"allocated");
		left -= k < left ? k : left;
	}
	return true;
}

static bool digest_matches(const TPM2B_ATTEST *a, const TPM2B_DIGEST *vals, size_t n)
{
	TPMS_ATTEST info;
	size_t off = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	uint8_t d[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	bool ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(c, vals[i].buffer, vals[i].size) == 1;
	ok = ok && EVP_DigestFinal_ex(c, d, &len) == 1 &&
	     Tss2_MU_TPMS_ATTEST_Unmarshal(a->attestationData, a->size, &off, &info) ==
		     TSS2_RC_SUCCESS &&
	     info.attested.quote.pcrDigest.size == len &&
	     memcmp(info.attested.quote.pcrDigest.buffer, d, len) == 0;
	EVP_MD_CTX_free(c);
	return ok;
}

bool tpm_quote(struct tpm_dev *d, const uint8_t *nonce, size_t nonce_len,
	       const TPML_PCR_SELECTION *sel, struct wr *out, struct eaa_err *err)
{
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };   /* the AK's own */
	TPM2B_DATA qualifying = { 0 };
	TPM2B_PUBLIC *pub = NULL;
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPM2B_DIGEST *vals = NULL;
	ESYS_TR ak = ESYS_TR_NONE;
	size_t n = selected(sel);
	bool ok = false;

	if (nonce_len > sizeof(qualifying.buffer))
		return eaa_fail(err, EAA_E_INVALID, "TPM quote: qualifyingData over %zu bytes",
				sizeof(qualifying.buffer));
	if (n > TPM_MAX_PCRS || !(vals = calloc(n ? n : 1, sizeof(*vals))))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	qualifying.size = (UINT16)nonce_len;
	memcpy(qualifying.buffer, nonce, nonce_len);
	if (!create_ak(d, &ak, &pub, err))
		goto out;
	/* Another process may extend a PCR between the read and the quote:
	 * the quote's digest decides, so read again until they agree. */
	for (int attempt = 0; attempt < 3 && !ok; attempt++) {
		TSS2_RC rc;

		Esys_Free(quoted);
		Esys_Free(sig);
		quoted = NULL;
		sig = NULL;
		if (!read_pcrs(d, sel, vals, err))
			goto out;
		rc = Esys_Quote(d->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				&qualifying, &scheme, sel, &quoted, &sig);
		if (rc != TSS2_RC_SUCCESS) {
			tss_fail(err, rc, "quote");
			goto out;
		}
		ok = digest_matches(quoted, vals, n);
	}
	if (!ok) {
		eaa_fail(err, EAA_E_IO, "TPM quote: the PCRs kept changing while being quoted");
		goto out;
	}
	ok = tpm_quote_encode(pub, quoted, sig, vals, n, out, err);
out:
	if (ak != ESYS_TR_NONE)
		Esys_FlushContext(d->esys, ak);
	Esys_Free(pub);
	Esys_Free(quoted);
	Esys_Free(sig);
	free(vals);
	return ok;
}
