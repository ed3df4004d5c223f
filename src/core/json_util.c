/* json_util.c - byte fields into JSON objects (see json_util.h). */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
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

bool json_get_bytes(const json_t *v, size_t max, uint8_t **out, size_t *n)
{
	size_t i;
	json_t *e;

	*out = NULL;
	if (json_is_string(v))
		return base64_decode(json_string_value(v), false, out, n);
	if (!json_is_array(v) || json_array_size(v) > max)
		return false;
	*n = json_array_size(v);
	if (!(*out = malloc(*n ? *n : 1)))
		return false;
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > 255) {
			free(*out);
			*out = NULL;
			return false;
		}
		(*out)[i] = (uint8_t)json_integer_value(e);
	}
	return true;
}

long json_frame_more(struct json_framer *f, const char *buf, size_t n)
{
	for (; f->pos < n; f->pos++) {
		char c = buf[f->pos];

		if (!f->started) {
			if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
				continue;
			if (c != '{')
				return -1;
			f->started = true;
		}
		if (f->in_str) {
			if (f->esc)
				f->esc = false;
			else if (c == '\\')
				f->esc = true;
			else if (c == '"')
				f->in_str = false;
			continue;
		}
		if (c == '"') {
			f->in_str = true;
		} else if (c == '{' || c == '[') {
			f->depth++;
		} else if (c == '}' || c == ']') {
			if (--f->depth == 0)
				return (long)++f->pos;
			if (f->depth < 0)
				return -1;
		}
	}
	return 0;
}

long json_frame(const char *buf, size_t n)
{
	struct json_framer f = { 0 };

	return json_frame_more(&f, buf, n);
}

static void wiping_free(void *p)
{
	if (!p)
		return;
	/* the block's whole usable size: jansson does not say how much of it
	 * it wrote */
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

void json_wipe_on_free(void)
{
	json_set_alloc_funcs(malloc, wiping_free);
}

json_t *json_byte_array(const uint8_t *p, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer(p[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}
