/* fuzz_hcl_report - the HCL report parser (src/azure/hcl_report.c) and,
 * when it accepts, the runtime claims it bounds (az_runtime.c). */
#include <stdint.h>
#include <stddef.h>
#include "azure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hcl_report h;
	struct az_runtime rt;

	if (hcl_report_parse(data, size, &h, NULL) &&
	    az_runtime_parse(h.var_data, h.var_len, &rt, NULL))
		az_runtime_free(&rt);
	return 0;
}
