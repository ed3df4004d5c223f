/* json_util.h - byte fields in JSON: written as claims carry them, read as
 * both ocicrypt implementations write them. */
#ifndef EAA_JSON_UTIL_H
#define EAA_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* o[key] = lower-case hex (or standard base64) of p; false on no memory. */
bool json_set_hex(json_t *o, const char *key, const void *p, size_t n);
bool json_set_base64(json_t *o, const char *key, const void *p, size_t n);

/* A byte field as Go writes []byte (base64 text) or Rust writes Vec<u8>
 * (an array of numbers 0..255, at most max of them). *out is malloc'd
 * (caller frees); false for any other value. */
bool json_get_bytes(const json_t *v, size_t max, uint8_t **out, size_t *n);
/* The other way, as Rust's serde writes a byte array: n numbers 0..255
 * (new reference; NULL when memory runs out). */
json_t *json_byte_array(const uint8_t *p, size_t n);

/* Framing for protocols that send bare JSON objects back to back (EAA): the
 * length of the first complete object in buf (string and escape aware), 0
 * when more bytes are needed, -1 when buf cannot start one (a byte other
 * than white space before '{'). */
long json_frame(const char *buf, size_t n);

/* The same, scanning only what arrived since the last call: a peer that
 * sends a request a byte at a time costs linear time, not quadratic.
 * Start from a zeroed framer, pass the whole buffer each time, and zero
 * the framer again once a frame has been taken off the buffer's front. */
struct json_framer {
	size_t pos;
	long depth;
	bool in_str, esc, started;
};
long json_frame_more(struct json_framer *f, const char *buf, size_t n);

/* json_loadb's value, read straight from buf (json_fast.c), much faster
 * for long strings; NULL wherever json_loadb would fail, and also where
 * this reader is unsure (then ask jansson). flags: JSON_REJECT_DUPLICATES,
 * JSON_DECODE_ANY, JSON_ALLOW_NUL (any other: NULL). */
json_t *json_fast_loadb(const char *buf, size_t n, size_t flags);
/* json_fast_loadb, else json_loadb itself (its result, its error). */
json_t *json_loadb_fast(const char *buf, size_t n, size_t flags, json_error_t *err);

struct wr;
/* s as a JSON string literal (quotes, escapes) appended to w, as jansson
 * writes one; false on invalid UTF-8 (nothing usable written) or no
 * memory. */
bool json_quote(struct wr *w, const char *s);

/* Make jansson wipe every block it frees (strings holding keys, tokens and
 * layer options among them): call once at start, before any JSON is made.
 * A daemon that carries secrets in JSON calls it, so no copy jansson made
 * outlives its value in freed memory. */
void json_wipe_on_free(void);

#endif
