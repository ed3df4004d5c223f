/* fuzz_evidence_ext - the tagged-evidence extension value and the
 * claims-buffer inside it: the bytes a peer puts in its certificate. */
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rats_evidence ev;
	struct rats_claims_buffer cb;
	struct eaa_err err;

	if (evidence_decode(rd_init(data, size), &ev, &err))
		claims_buffer_decode(ev.claims_buffer, &cb, &err);
	/* The claims-buffer parser on its own, too. */
	claims_buffer_decode(rd_init(data, size), &cb, &err);
	return 0;
}
