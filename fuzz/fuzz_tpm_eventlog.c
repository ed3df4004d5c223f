/* fuzz_tpm_eventlog - TCG event logs (the tpm evidence's optional tail):
 * parsed, replayed against PCRs 0-7 of the SHA-256 and SHA-1 banks at
 * their reset values, and reported as claims. */
#include <stdint.h>
#include <stdlib.h>
#include "tpm_eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const TPML_PCR_SELECTION sel = { 2, { { TPM2_ALG_SHA256, 3, { 0xff, 0, 0 } },
						      { TPM2_ALG_SHA1, 3, { 0xff, 0, 0 } } } };
	TPM2B_DIGEST vals[16] = { 0 };
	struct eaa_err err;
	json_t *events = NULL;

	for (int i = 0; i < 16; i++)
		vals[i].size = i < 8 ? 32 : 20;
	if (tpm_eventlog_check(data, size, &sel, vals, 16, &events, &err))
		json_decref(events);
	return 0;
}
