/* codec.c - hex and base64 (see codec.h). Hand-written because OpenSSL's
 * EVP_DecodeBlock accepts whitespace and does not report padding. */
#include <stdlib.h>
#include <string.h>
#include "codec.h"

char *hex_encode(const void *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *b = p;
	char *s;

	if (n > (SIZE_MAX - 1) / 2 || !(s = malloc(2 * n + 1)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[b[i] >> 4];
		s[2 * i + 1] = digits[b[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hex_decode_fixed(const char *s, void *out, size_t n)
{
	uint8_t *b = out;

	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit((unsigned char)s[2 * i]);
		int lo = hex_digit((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool hex_decode(const char *s, uint8_t **out, size_t *n)
{
	size_t len = strlen(s);
	uint8_t *b;

	if (len % 2 || !(b = malloc(len / 2 ? len / 2 : 1)))
		return false;
	if (!hex_decode_fixed(s, b, len / 2)) {
		free(b);
		return false;
	}
	*out = b;
	*n = len / 2;
	return true;
}

static const char b64std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *base64_encode(const void *p, size_t n, bool url)
{
	const char *tab = url ? b64url : b64std;
	const uint8_t *b = p;
	size_t olen, o = 0;
	char *s;

	if (n > (SIZE_MAX - 4) / 4 * 3)
		return NULL;
	olen = (n + 2) / 3 * 4;
	if (!(s = malloc(olen + 1)))
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16;
		size_t rem = n - i;

		if (rem > 1)
			v |= (uint32_t)b[i + 1] << 8;
		if (rem > 2)
			v |= b[i + 2];
		s[o++] = tab[v >> 18 & 63];
		s[o++] = tab[v >> 12 & 63];
		s[o++] = rem > 1 ? tab[v >> 6 & 63] : '=';
		s[o++] = rem > 2 ? tab[v & 63] : '=';
	}
	/* URL-safe output is unpadded, as JOSE and base64url users expect. */
	if (url)
		while (o && s[o - 1] == '=')
			o--;
	s[o] = '\0';
	return s;
}

/* By ranges, not a table search: a search of the alphabet costs a scan
 * per character and takes longer for later letters of a key. */
static int b64val(char ch, bool url)
{
	unsigned char c = (unsigned char)ch;

	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

bool base64_decode(const char *s, bool url, uint8_t **out, size_t *n)
{
	size_t len = strlen(s), pad = 0, o = 0, full;
	uint8_t *b;

	while (len && s[len - 1] == '=' && pad < 2) {
		len--;
		pad++;
	}
	if (pad && (len + pad) % 4)
		return false;
	if (!pad && !url && len % 4)
		return false;
	if (len % 4 == 1)
		return false;
	full = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	if (!(b = malloc(full ? full : 1)))
		return false;
	for (size_t i = 0; i < len; i += 4) {
		size_t chunk = len - i < 4 ? len - i : 4;
		uint32_t v = 0;

		for (size_t j = 0; j < 4; j++) {
			int d = j < chunk ? b64val(s[i + j], url) : 0;

			if (d < 0) {
				free(b);
				return false;
			}
			v = v << 6 | (uint32_t)d;
		}
		b[o++] = (uint8_t)(v >> 16);
		if (chunk > 2)
			b[o++] = (uint8_t)(v >> 8);
		if (chunk > 3)
			b[o++] = (uint8_t)v;
		/* Non-canonical trailing bits mean a different encoder or a
		 * tampered string: refuse rather than silently drop them. */
		if ((chunk == 2 && (v & 0xffff)) || (chunk == 3 && (v & 0xff))) {
			free(b);
			return false;
		}
	}
	*out = b;
	*n = o;
	return true;
}

size_t utf8_put(uint32_t v, char *o)
{
	if (v < 0x80) {
		o[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		o[0] = (char)(0xc0 | v >> 6);
		o[1] = (char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v < 0x10000) {
		o[0] = (char)(0xe0 | v >> 12);
		o[1] = (char)(0x80 | (v >> 6 & 0x3f));
		o[2] = (char)(0x80 | (v & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | v >> 18);
	o[1] = (char)(0x80 | (v >> 12 & 0x3f));
	o[2] = (char)(0x80 | (v >> 6 & 0x3f));
	o[3] = (char)(0x80 | (v & 0x3f));
	return 4;
}

size_t utf8_len(const uint8_t *p, size_t n)
{
	unsigned c = p[0], v;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, v = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	return len;
}
