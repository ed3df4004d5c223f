/* json_util.h - byte fields into JSON objects, as claims carry them. */
#ifndef EAA_JSON_UTIL_H
#define EAA_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

/* o[key] = lower-case hex (or standard base64) of p; false on no memory. */
bool json_set_hex(json_t *o, const char *key, const void *p, size_t n);
bool json_set_base64(json_t *o, const char *key, const void *p, size_t n);

#endif
