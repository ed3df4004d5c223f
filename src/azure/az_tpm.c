/* az_tpm.c - the vTPM's quote in Azure evidence (azure.h): a marshalled
 * TPMS_ATTEST and the AK's raw RSASSA-PKCS1-v1_5/SHA-256 signature over it
 * (as trustee checks it), with the SHA-256 values of PCRs 0..n-1. Turned
 * into src/tpm's struct tpm_quote so that src/tpm's checks (signature,
 * magic and type, qualifyingData, PCR digest) are the ones that run. */
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>
#include "az_tpm.h"

/* The selection must be the SHA-256 bank's PCRs 0..npcrs-1, exactly: the
 * evidence names its values by position, so any other selection would
 * leave a value unnamed or a name unquoted. */
static bool selection_is_list(const TPML_PCR_SELECTION *sel, size_t npcrs, struct eaa_err *err)
{
	const TPMS_PCR_SELECTION *s = &sel->pcrSelections[0];

	if (sel->count != 1 || s->hash != TPM2_ALG_SHA256)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: selects %u PCR banks, not the "
				"SHA-256 bank alone", sel->count);
	for (unsigned i = 0; i < 8u * TPM2_PCR_SELECT_MAX; i++) {
		bool selected = i < 8u * s->sizeofSelect && (s->pcrSelect[i / 8] & (1u << (i % 8)));

		if (selected != (i < npcrs))
			return eaa_fail(err, EAA_E_FORMAT, "TPM quote: the PCR list (PCRs 0-%zu) "
					"does not match the quote's selection (at PCR %u)",
					npcrs - 1, i);
	}
	return true;
}

bool az_tpm_quote(const struct az_evidence *e, EVP_PKEY *ak, struct tpm_quote *q,
		  struct eaa_err *err)
{
	size_t off = 0;

	memset(q, 0, sizeof(*q));
	/* Azure's AK is an RSA key; trustee verifies its signature as
	 * PKCS#1 v1.5 with SHA-256 */
	if (EVP_PKEY_get_base_id(ak) != EVP_PKEY_RSA)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "HCLAkPub: not an RSA key");
	if (e->msg_len > sizeof(q->attest.attestationData))
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: message is %zu bytes", e->msg_len);
	if (e->sig_len != (size_t)EVP_PKEY_get_size(ak) ||
	    e->sig_len > sizeof(q->sig.signature.rsassa.sig.buffer))
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: a %zu-byte signature for a "
				"%d-byte key", e->sig_len, EVP_PKEY_get_size(ak));
	memcpy(q->attest.attestationData, e->msg, e->msg_len);
	q->attest.size = (UINT16)e->msg_len;
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(e->msg, e->msg_len, &off, &q->info) != TSS2_RC_SUCCESS ||
	    off != e->msg_len)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: message is not a whole TPMS_ATTEST");
	if (q->info.type != TPM2_ST_ATTEST_QUOTE)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: attestation type 0x%x is not a "
				"quote", q->info.type);
	if (!selection_is_list(&q->info.attested.quote.pcrSelect, e->npcrs, err))
		return false;
	q->ak.publicArea.type = TPM2_ALG_RSA;
	q->sig.sigAlg = TPM2_ALG_RSASSA;
	q->sig.signature.rsassa.hash = TPM2_ALG_SHA256;
	q->sig.signature.rsassa.sig.size = (UINT16)e->sig_len;
	memcpy(q->sig.signature.rsassa.sig.buffer, e->sig, e->sig_len);
	for (size_t i = 0; i < e->npcrs; i++) {
		q->pcrs[i].size = 32;
		memcpy(q->pcrs[i].buffer, e->pcrs[i], 32);
	}
	q->npcrs = e->npcrs;
	return true;
}
