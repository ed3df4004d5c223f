/* codec.h - hex and base64 (standard and URL-safe) text encodings.
 * Decoders are strict: wrong characters, odd lengths and bad padding fail. */
#ifndef EAA_CODEC_H
#define EAA_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int hex_digit(int c);

/* Lower-case hex; returns a malloc'd NUL-terminated string or NULL. */
char *hex_encode(const void *p, size_t n);
/* Decode exactly; *out is malloc'd (caller frees). */
bool hex_decode(const char *s, uint8_t **out, size_t *n);
/* Decode into a fixed buffer of exactly n bytes. */
bool hex_decode_fixed(const char *s, void *out, size_t n);

char *base64_encode(const void *p, size_t n, bool url);
/* Accepts padded input, or unpadded when url is true. */
bool base64_decode(const char *s, bool url, uint8_t **out, size_t *n);

/* The UTF-8 bytes of code point v (at most U+10FFFF; the caller checks
 * it is not a surrogate) into out[4]; returns how many. */
size_t utf8_put(uint32_t v, char *out);
/* The length of the well-formed UTF-8 character at p (n > 0 bytes left):
 * RFC 3629's, no overlong form, no surrogate, nothing past U+10FFFF;
 * 0 when the bytes are not one. */
size_t utf8_len(const uint8_t *p, size_t n);

#endif
