/* fuzz_az_runtime_claims - the runtime-claims JSON reader (src/azure/
 * az_runtime.c): the AK's JWK by kid, user-data's hex. */
#include <stdint.h>
#include <stddef.h>
#include "azure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct az_runtime rt;

	if (az_runtime_parse(data, size, &rt, NULL))
		az_runtime_free(&rt);
	return 0;
}
