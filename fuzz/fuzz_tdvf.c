/* fuzz_tdvf - a TDVF image's TDX metadata: the GUIDed footer table, the
 * metadata offset entry or the legacy pointer, the descriptor and its
 * sections (tdvf.h), then MRTD over what was accepted. */
#include <stdint.h>
#include <stdlib.h>
#include "tdvf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;
	struct tdvf t;
	uint64_t total = 0;
	uint8_t mrtd[48];
	uint32_t i;

	if (!tdvf_parse(data, size, &t, &err))
		return 0;
	for (i = 0; i < t.n; i++) {
		const struct tdvf_section *s = &t.s[i];

		/* what parse accepted lies inside the image */
		if ((uint64_t)s->data_offset + s->raw_size > size || s->raw_size > s->mem_size ||
		    ((s->attributes & TDVF_ATTR_MR_EXTEND) && s->raw_size != s->mem_size))
			__builtin_trap();
		total += s->mem_size;
	}
	if (total > TDVF_MAX_MEMORY)
		__builtin_trap();
	/* a million pages hash in a second: keep the runs short */
	if (total <= (64u << 20) && !tdvf_mrtd(data, size, &t, (enum tdvf_order)(size & 1), mrtd,
						&err))
		__builtin_trap();
	return 0;
}
