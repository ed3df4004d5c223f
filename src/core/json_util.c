/* json_util.c - byte fields into JSON objects (see json_util.h). */
#include <stdlib.h>
#include "codec.h"
#include "json_util.h"

static bool set_owned(json_t *o, const char *key, char *s)
{
	bool ok = s && json_object_set_new(o, key, json_string(s)) == 0;

	free(s);
	return ok;
}

bool json_set_hex(json_t *o, const char *key, const void *p, size_t n)
{
	return set_owned(o, key, hex_encode(p, n));
}

bool json_set_base64(json_t *o, const char *key, const void *p, size_t n)
{
	return set_owned(o, key, base64_encode(p, n, false));
}
