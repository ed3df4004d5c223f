/* az_tpm.h - the vTPM quote of Azure evidence as src/tpm's quote. */
#ifndef EAA_AZ_TPM_H
#define EAA_AZ_TPM_H

#include "azure.h"
#include "tpm_quote.h"

/* Into q: the message parsed, the signature as RSASSA/SHA-256, the PCR
 * values in selection order after checking the selection is PCRs
 * 0..npcrs-1 of the SHA-256 bank. ak is the runtime claims' AK. */
bool az_tpm_quote(const struct az_evidence *e, EVP_PKEY *ak, struct tpm_quote *q,
		  struct eaa_err *err);

#endif
