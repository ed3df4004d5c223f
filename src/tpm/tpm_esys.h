/* tpm_esys.h - the attester's side of TPM 2.0 quotes, on tpm2-tss's ESYS
 * API: the attestation key (a primary key of the endorsement hierarchy,
 * made from a fixed template, so the same TPM always yields the same AK),
 * and quotes of selected PCRs over a caller's qualifyingData. */
#ifndef EAA_TPM_ESYS_H
#define EAA_TPM_ESYS_H

#include <stdbool.h>
#include <tss2/tss2_tpm2_types.h>
#include "bytes.h"
#include "err.h"

#define TPM_TCTI_DEFAULT "device:/dev/tpmrm0"

struct tpm_dev;

/* tcti: a tpm2-tss TCTI configuration ("device:/dev/tpmrm0",
 * "swtpm:path=/run/swtpm.sock"). */
bool tpm_open(const char *tcti, struct tpm_dev **d, struct eaa_err *err);
void tpm_close(struct tpm_dev *d);

/* The AK's public area. */
bool tpm_ak_public(struct tpm_dev *d, TPM2B_PUBLIC *out, struct eaa_err *err);

/* The RSA EK certificate (DER) from its NV index, appended to out. */
bool tpm_ek_cert(struct tpm_dev *d, struct wr *out, struct eaa_err *err);

/* TPM2_ActivateCredential with the AK and the RSA EK (template L-1): the
 * secret a verifier sealed to them, into out (at most 64 bytes); its
 * length in *n. */
bool tpm_activate(struct tpm_dev *d, const TPM2B_ID_OBJECT *blob,
		  const TPM2B_ENCRYPTED_SECRET *secret, uint8_t *out, size_t *n,
		  struct eaa_err *err);

/* TPM2_PCR_Extend of PCR pcr (0-23) with one digest per bank. */
bool tpm_pcr_extend(struct tpm_dev *d, unsigned pcr, const TPML_DIGEST_VALUES *digests,
		    struct eaa_err *err);

/* "0-7,16" (SHA-256 bank) or "sha1:0-7+sha256:0-7,16". */
bool tpm_pcr_selection_parse(const char *spec, TPML_PCR_SELECTION *sel, struct eaa_err *err);

/* A quote of sel over nonce, as tpm_quote.h's evidence, appended to out. */
bool tpm_quote(struct tpm_dev *d, const uint8_t *nonce, size_t nonce_len,
	       const TPML_PCR_SELECTION *sel, struct wr *out, struct eaa_err *err);

#endif
