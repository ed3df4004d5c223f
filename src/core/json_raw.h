/* json_raw.h - the exact bytes of a member's value in a JSON text.
 *
 * Signed JSON documents (Intel's TCB info and QE identity, for instance)
 * sign the bytes of one member's value as they were served, not a
 * re-serialisation; this finds those bytes. It only scans: the caller
 * parses the span with jansson and refuses the document unless the whole
 * text also parses (with duplicate keys refused), so both views agree. */
#ifndef EAA_JSON_RAW_H
#define EAA_JSON_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include "bytes.h"

/* Find top-level member `key` of the object in text[0..n); *span is its
 * value's bytes. False if text is not an object, the key is absent, or the
 * text is malformed where the scan passes. */
bool json_raw_member(const char *text, size_t n, const char *key,
		     struct rd *span);

#endif
