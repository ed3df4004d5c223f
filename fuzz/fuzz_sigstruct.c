/* fuzz_sigstruct - a raw SIGSTRUCT (src/measure/sigstruct.c): the layout,
 * the fixed headers, the RSA-3072 signature and Q1/Q2 checks, on any
 * bytes. Seeded with one signed by the SGX SDK's test key. */
#include <stdint.h>
#include <stdio.h>
#include "sigstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigstruct s;
	struct eaa_err err;
	static FILE *devnull;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (sigstruct_read(&s, data, size, &err) && devnull)
		sigstruct_describe(&s, devnull);
	return 0;
}
