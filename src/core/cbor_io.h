/* cbor_io.h - CBOR on the bounded reader/writer, definite lengths only.
 *
 * Item heads are decoded by libcbor's streaming decoder; this file adds the
 * strictness evidence needs: one item at a time, typed expectations, no
 * indefinite lengths, bounded nesting when skipping. Byte and text strings
 * are returned as sub-readers pointing into the input (no copies). */
#ifndef EAA_CBOR_IO_H
#define EAA_CBOR_IO_H

#include <stdbool.h>
#include <stdint.h>
#include "bytes.h"

enum cbor_kind {
	CBOR_K_UINT,
	CBOR_K_NEGINT, /* value v encodes -1 - v */
	CBOR_K_BSTR,
	CBOR_K_TSTR,
	CBOR_K_ARRAY,
	CBOR_K_MAP,
	CBOR_K_TAG,
	CBOR_K_SIMPLE, /* true/false/null/undefined/floats */
	CBOR_K_INDEF,  /* any indefinite-length start or break: always refused */
};

struct cbor_item {
	enum cbor_kind kind;
	uint64_t val;     /* integer value, tag, or element/pair count */
	struct rd data;   /* string contents for BSTR/TSTR */
};

const char *cbor_kind_name(enum cbor_kind k);

/* Decode the next item head (and a string's contents). */
bool cbor_next(struct rd *r, struct cbor_item *it);
/* Decode the next item and require kind k. */
bool cbor_expect(struct rd *r, enum cbor_kind k, struct cbor_item *it);
/* Skip one whole item, refusing nesting deeper than max_depth. */
bool cbor_skip(struct rd *r, unsigned max_depth);

bool cbor_put_uint(struct wr *w, uint64_t v);
bool cbor_put_tag(struct wr *w, uint64_t tag);
bool cbor_put_array(struct wr *w, size_t n);
bool cbor_put_map(struct wr *w, size_t n);
bool cbor_put_bstr(struct wr *w, const void *p, size_t n);
bool cbor_put_tstr(struct wr *w, const char *s);

#endif
