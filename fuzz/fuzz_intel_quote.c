/* fuzz_intel_quote - the Intel quote parser, the PEM chain inside it and the
 * PCK certificate's SGX extension; quotes that parse are also verified
 * (without collateral) so the checks' own handling of odd fields is fuzzed. */
#include <stdlib.h>
#include "quote_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct quote_verify_opts o = { .at = 1735689600, /* 2025-01-01 */
				       .allow_no_collateral = true };
	STACK_OF(X509) *chain = NULL;
	struct quote_result res;
	struct pck_ext ext;
	struct eaa_err err;
	struct quote q;

	if (!quote_parse(data, size, &q, &err))
		return 0;
	if (pem_certs_parse(q.pck_chain, &chain, "PCK chain", &err)) {
		pck_ext_parse(sk_X509_value(chain, 0), &ext, &err);
		sk_X509_pop_free(chain, X509_free);
	}
	if (quote_verify(&q, &o, &res, &err)) {
		json_t *c = quote_claims(&q, &res);

		json_decref(c);
		tcb_result_free(&res.tcb);
	}
	return 0;
}
