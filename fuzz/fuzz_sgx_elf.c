/* fuzz_sgx_elf - a signed enclave's ELF64 headers, sections and
 * sgx_metadata note (src/measure/sgx_elf.c), then the SIGSTRUCT found in
 * it. Seeded with a small ELF carrying an SDK-shaped note. */
#include <stdint.h>
#include "sgx_elf.h"
#include "sigstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgx_elf_meta m;
	struct sigstruct s;
	struct eaa_err err;

	if (!sgx_elf_metadata(data, size, &m, &err))
		return 0;
	/* what was found lies inside the input */
	if (m.sigstruct.p < data || rd_left(&m.sigstruct) != SIGSTRUCT_SIZE ||
	    (size_t)(m.sigstruct.p - data) > size - SIGSTRUCT_SIZE || m.entries == 0)
		__builtin_trap();
	(void)sigstruct_read(&s, m.sigstruct.p, rd_left(&m.sigstruct), &err);
	return 0;
}
