/* fuzz_tdx_qgs - the host's answer to a legacy /dev/tdx_guest quote
 * request (GHCI buffer with a framed QGS GET_QUOTE_RESP). */
#include "tdx_legacy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rd quote;
	struct eaa_err err;

	tdx_qgs_response(data, size, &quote, &err);
	return 0;
}
