/* fuzz_jcs - RFC 8785 canonical JSON (src/core/jcs.h) over whatever
 * jansson parses from untrusted bytes (the KBS protocol's runtime data):
 * it must never fail on a parsed value short of the nesting bound, its
 * output must parse (but for integers jansson cannot hold), and
 * canonicalising that output must give the same bytes (canonical forms
 * are fixed points). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jcs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *v = json_loadb((const char *)data, size,
			       JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je), *w;
	struct eaa_err err;
	char *a, *b;
	size_t na, nb;

	if (!v)
		return 0;
	a = jcs_serialize(v, &na, &err);
	json_decref(v);
	if (!a) {
		if (!strstr(err.msg, "nested deeper"))
			abort();
		return 0;
	}
	if (!(w = json_loadb(a, na, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je))) {
		/* canonical output must parse, except where jansson reads an
		 * integer of 20 or 21 digits (1e19 <= |x| < 1e21, written
		 * without a point or exponent) as too big for its int64 */
		if (!strstr(je.text, "too big"))
			abort();
		free(a);
		return 0;
	}
	b = jcs_serialize(w, &nb, &err);
	json_decref(w);
	if (!b || na != nb || memcmp(a, b, na) != 0)
		abort(); /* not a fixed point */
	free(a);
	free(b);
	return 0;
}
