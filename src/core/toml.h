/* toml.h - TOML 1.0.0 (https://toml.io/en/v1.0.0) read into a jansson
 * object, strictly: the KBS protocol's init-data is a TOML document
 * (docs/kbs-protocol.md 7.4) and no C TOML library is packaged for us.
 *
 * What it reads: key/value pairs with bare, quoted and dotted keys;
 * [tables] and [[arrays of tables]] under the spec's rules (a key or a
 * table is defined once; a table made by dotted keys is not reopened by a
 * header, a table named by a header is not extended by dotted keys from
 * another table; inline tables and arrays are closed once written);
 * basic, literal and multi-line strings with every escape of 1.0
 * (\uXXXX and \UXXXXXXXX only for Unicode scalar values); integers
 * (decimal, 0x, 0o, 0b, underscores between digits, no leading zeros,
 * within int64); floats; booleans; arrays of any mix of types; inline
 * tables (on one line, no trailing comma); offset and local date-times,
 * local dates and local times; comments, LF and CRLF.
 *
 * What it refuses, each as EAA_E_FORMAT with "line L column C: what"
 * (columns count characters): bytes that are not UTF-8, a NUL byte, a
 * control character where the spec refuses one (anywhere but a tab in
 * comments and strings; multi-line strings also take newlines), a
 * carriage return not followed by a line feed, anything TOML 1.1 added
 * (newlines or a trailing comma in an inline table, \e and \xHH escapes,
 * times without seconds), nesting deeper than TOML_MAX_DEPTH (a table or
 * array inside another counts one level, the document itself the first),
 * and a key holding U+0000 (the JSON objects we hand on cannot carry one).
 *
 * How values come out:
 *   string, integer, boolean   JSON string (UTF-8), integer, true/false;
 *                              a multi-line string's CRLFs become LFs
 *   float                      a JSON real; inf, -inf and nan (and a
 *                              literal too large for a double) become
 *                              null, as serde_json makes them from the
 *                              toml crate's floats in trustee
 *   date-time, date, time      the JSON string of the text exactly as
 *                              written ("1979-05-27 07:32:00.5-07:00"),
 *                              after checking it is a real date and time
 *                              (seconds 00-59: a leap second is refused,
 *                              as Python's tomllib refuses it). trustee's
 *                              toml crate gives serde_json the object
 *                              {"$__toml_private_datetime": "<text>"}
 *                              instead, its text normalised
 *   table, inline table        a JSON object, keys in document order
 *   array, array of tables     a JSON array
 *
 * Recursion is bounded by TOML_MAX_DEPTH; the parser keeps no state
 * between calls. */
#ifndef EAA_TOML_H
#define EAA_TOML_H

#include <jansson.h>
#include <stddef.h>
#include "err.h"

#define TOML_MAX_DEPTH 64

/* The document text[0..n) as a JSON object (the caller's: json_decref),
 * or NULL with err filled. text need not be NUL-terminated. */
json_t *toml_parse(const char *text, size_t n, struct eaa_err *err);

#endif
