/* fuzz_json_fast - the direct JSON reader (src/core/json_fast.c) against
 * jansson's json_loadb on the same bytes, with each set of flags the
 * reader knows: whatever it accepts, jansson must accept, and the two
 * values must be the same, written out byte for byte (types, key order,
 * numbers). It may decline what jansson accepts (jansson then reads it),
 * never the other way round. */
#include <stdlib.h>
#include <string.h>
#include "json_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t flags[] = { 0, JSON_REJECT_DUPLICATES, JSON_DECODE_ANY,
					JSON_DECODE_ANY | JSON_ALLOW_NUL };

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		json_error_t je;
		json_t *a = json_fast_loadb((const char *)data, size, flags[i]);
		json_t *b = json_loadb((const char *)data, size, flags[i], &je);

		if (a) {
			char *x, *y;

			if (!b || !json_equal(a, b))
				abort();
			x = json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT);
			y = json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT);
			if (!x || !y || strcmp(x, y) != 0)
				abort();
			free(x);
			free(y);
		}
		json_decref(a);
		json_decref(b);
	}
	return 0;
}
