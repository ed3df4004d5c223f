/* jcs.h - the JSON Canonicalization Scheme (RFC 8785): the one byte
 * string a JSON value serializes to, whoever made it, so that both sides
 * of a protocol hash the same bytes (the CoCo KBS protocol binds a TEE's
 * report data to the SHA-384 of the canonical runtime data:
 * docs/kbs-protocol.md).
 *
 * The rules (RFC 8785 section 3.2): no whitespace; object members sorted
 * by their names' UTF-16 code units; strings as ECMAScript's
 * JSON.stringify writes them (only '"', '\\' and the controls escaped:
 * \b \t \n \f \r by name, the others as \u00xx in lower case; everything
 * else as its UTF-8); numbers as ECMAScript's Number.prototype.toString
 * writes the IEEE 754 double they denote (the shortest digits that read
 * back to it, "1e+21" from 10^21 on, "1e-7" below 10^-6, "-0" as "0").
 * Not canonicalisable, and refused with the place named: NaN or infinity
 * (jansson never makes them). Two members of one object with the same
 * name (I-JSON forbids them) are the parser's to refuse: parse untrusted
 * input with JSON_REJECT_DUPLICATES. A string may hold U+0000 (parse with
 * JSON_ALLOW_NUL); a member name cannot (jansson cannot hold one). An
 * integer beyond 2^53 is written as the double it becomes, as ECMAScript
 * would. */
#ifndef EAA_JCS_H
#define EAA_JCS_H

#include <jansson.h>
#include <stddef.h>
#include "err.h"

/* The canonical bytes of v (malloc'd, NUL-terminated; *len without the
 * NUL), or NULL with err filled. */
char *jcs_serialize(const json_t *v, size_t *len, struct eaa_err *err);

/* A double as ECMAScript's Number.prototype.toString writes it, into out
 * (at least 32 bytes); false for NaN and infinities. */
bool jcs_number(double d, char out[32]);

#endif
