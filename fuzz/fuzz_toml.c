/* fuzz_toml - the TOML 1.0 reader (src/core/toml.h) over arbitrary bytes
 * (the KBS protocol's init-data body is a peer's TOML): it must never
 * crash, leak or recurse past its bound; a refusal must be a format error
 * that names its line and column; a document it reads must be a JSON
 * object that jansson writes out and reads back to the same value, and
 * reading the same bytes again must give the same value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err = { 0 };
	json_t *v, *again, *back;
	json_error_t je;
	char *text;

	v = toml_parse((const char *)data, size, &err);
	if (!v) {
		if (err.code != EAA_E_FORMAT || strncmp(err.msg, "line ", 5) != 0 ||
		    !strstr(err.msg, " column "))
			abort();
		return 0;
	}
	if (!json_is_object(v))
		abort();
	if (!(again = toml_parse((const char *)data, size, &err)) || !json_equal(v, again))
		abort();
	json_decref(again);
	if (!(text = json_dumps(v, JSON_COMPACT)))
		abort();
	back = json_loads(text, JSON_ALLOW_NUL, &je);
	if (!back || !json_equal(v, back))
		abort();
	json_decref(back);
	free(text);
	json_decref(v);
	return 0;
}
