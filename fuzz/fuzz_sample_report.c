/* fuzz_sample_report - the sample TEE's report parser. */
#include "sample_evidence.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sample_report rep;
	struct eaa_err err;

	sample_report_parse(rd_init(data, size), &rep, &err);
	return 0;
}
