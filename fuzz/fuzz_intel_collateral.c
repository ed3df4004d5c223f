/* fuzz_intel_collateral - Intel TCB info and QE identity documents (their
 * JSON, the raw signed-span finder, the levels) without a signer, so
 * mutations get past the signature to the field checks. */
#include "collateral.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcb_info t;
	struct qe_identity q;
	struct eaa_err err;

	if (tcb_info_parse((const char *)data, size, NULL, &t, &err))
		tcb_info_free(&t);
	if (qe_identity_parse((const char *)data, size, NULL, &q, &err))
		qe_identity_free(&q);
	return 0;
}
