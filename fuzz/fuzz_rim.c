/* fuzz_rim - NVIDIA RIM XML (src/nvidia/nv_rim.c): the SWID reader, then
 * the whole load (one enveloped signature, the KeyInfo chain to the pinned
 * RIM root, xmlsec1's verification) as of a time inside the validity of
 * the seed's chain (nvtrust's VBIOS RIM in tests/data/nvidia/rim). */
#include <stdint.h>
#include <stdlib.h>
#include "nv_rim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nv_rim rim;
	struct eaa_err err;

	nv_rim_parse((const char *)data, size, &rim, &err);
	nv_rim_load((const char *)data, size, NULL, 1748736000 /* 2025-06-01 */,
		    &rim, &err);
	return 0;
}
