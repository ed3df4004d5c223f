/* builtins_encode.c - the built-ins that encode, digest and parse text:
 * base64, base64url, hex, urlquery, json, crypto digests and HMACs,
 * semver, units and time.
 *
 * OPA implements these with Go's standard library, and policies see Go's
 * behaviour: which inputs are accepted, how JSON is escaped, what a time
 * layout means, and the words of every error. So this file follows Go
 * (encoding/base64, encoding/hex, encoding/json, net/url, time) rather than
 * the nearest C library, and says so where the two differ. It owns only
 * rb_encode_defs; the value model and error helpers are builtins.c's and
 * value.c's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "builtins.h"
#include "codec.h"

/* ---- common helpers ---- */

/* An operand error other than a plain type mismatch. OPA raises these as
 * type errors too ("<name>: operand 2 must be integer number but got
 * floating-point number"). */
static enum rb_status operand_error(struct rb_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static enum rb_status operand_error(struct rb_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->msg, sizeof(c->msg), "%s: ", c->name);
	if (n < 0 || (size_t)n >= sizeof(c->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->msg + n, sizeof(c->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return RB_TYPE_ERROR;
}

static enum rb_status ret_bytes(struct rb_ctx *c, const void *p, size_t n,
				struct rv **out)
{
	*out = rv_string(c->arena, p, n);
	return *out ? RB_OK : rb_nomem(c);
}

/* Move a malloc'd text buffer into the arena as the result. */
static enum rb_status ret_buf(struct rb_ctx *c, struct rv_buf *b,
			      struct rv **out)
{
	enum rb_status st;

	if (b->failed)
		st = rb_nomem(c);
	else
		st = ret_bytes(c, b->p ? b->p : "", b->len, out);
	free(b->p);
	b->p = NULL;
	return st;
}

static enum rb_status ret_bool(bool b, struct rv **out)
{
	*out = rv_bool(b);
	return RB_OK;
}

static enum rb_status ret_int(struct rb_ctx *c, int64_t i, struct rv **out)
{
	*out = rv_int(c->arena, i);
	return *out ? RB_OK : rb_nomem(c);
}

/* The error text of a malloc'd buffer, then free it. */
static enum rb_status fail_buf(struct rb_ctx *c, struct rv_buf *b)
{
	enum rb_status st;

	st = b->failed ? rb_nomem(c) : rb_error(c, "%s", b->p ? b->p : "");
	free(b->p);
	b->p = NULL;
	return st;
}

/* One rune of UTF-8 as Go's utf8.DecodeRune reads it: invalid, truncated,
 * overlong and surrogate sequences are a single bad byte (U+FFFD, size 1). */
static size_t utf8_rune(const unsigned char *s, size_t n, uint32_t *r)
{
	uint32_t c = s[0], min;
	size_t len, i;

	*r = 0xfffd;
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 1;
	}
	if (n < len)
		return 1;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 1;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*r = c;
	return len;
}

static void put_utf8(struct rv_buf *b, uint32_t r)
{
	char u[4];
	size_t n;

	if (r < 0x80) {
		u[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (char)(0xc0 | r >> 6);
		u[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (char)(0xe0 | r >> 12);
		u[1] = (char)(0x80 | (r >> 6 & 0x3f));
		u[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | r >> 18);
		u[1] = (char)(0x80 | (r >> 12 & 0x3f));
		u[2] = (char)(0x80 | (r >> 6 & 0x3f));
		u[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	rv_buf_puts(b, u, n);
}

/* Go's unicode.IsPrint, for what error messages can meet: controls,
 * non-ASCII spaces, format characters and private use are not printable.
 * Unassigned code points count as printable here (Go would escape them);
 * only the text of an error message can differ. */
static bool go_isprint(uint32_t r)
{
	if (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0xa0) || r == 0xad)
		return false;
	if (r == 0x1680 || r == 0x180e || (r >= 0x2000 && r <= 0x200f) ||
	    (r >= 0x2028 && r <= 0x202f) || (r >= 0x205f && r <= 0x206f) ||
	    r == 0x3000 || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) ||
	    (r >= 0xe000 && r <= 0xf8ff) || (r & 0xfffe) == 0xfffe ||
	    r >= 0xf0000)
		return false;
	return true;
}

/* One rune as strconv.Quote escapes it (without the quotes). */
static void go_quote_rune(struct rv_buf *b, uint32_t r, char quote)
{
	static const char hex[] = "0123456789abcdef";
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char letter[] = "abfnrtv";
	const char *e;
	char t[11];

	if (r == (uint32_t)quote || r == '\\') {
		t[0] = '\\';
		t[1] = (char)r;
		rv_buf_puts(b, t, 2);
	} else if (r < 0x80 && go_isprint(r)) {
		t[0] = (char)r;
		rv_buf_puts(b, t, 1);
	} else if (go_isprint(r)) {
		put_utf8(b, r);
	} else if (r && r < 0x80 && (e = strchr(esc, (int)r))) {
		t[0] = '\\';
		t[1] = letter[e - esc];
		rv_buf_puts(b, t, 2);
	} else if (r < 0x20 || r == 0x7f) {
		rv_buf_printf(b, "\\x%c%c", hex[r >> 4], hex[r & 15]);
	} else if (r < 0x10000) {
		rv_buf_printf(b, "\\u%04x", (unsigned)r);
	} else {
		rv_buf_printf(b, "\\U%08x", (unsigned)r);
	}
}

/* strconv.Quote, which OPA's messages use to show a string (%v of an
 * ast.String). Bytes that are not UTF-8 print as \xNN. */
static void go_quote(struct rv_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t r;

	rv_buf_puts(b, "\"", 1);
	while (i < n) {
		k = utf8_rune(p + i, n - i, &r);
		if (k == 1 && p[i] >= 0x80)
			rv_buf_printf(b, "\\x%02x", p[i]);
		else
			go_quote_rune(b, r, '"');
		i += k;
	}
	rv_buf_puts(b, "\"", 1);
}

static bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* ---- base64 and base64url ---- */

static const char b64_std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static enum rb_status b64_encode(struct rb_ctx *c, const struct rv *s,
				 bool url, bool pad, struct rv **out)
{
	const char *tab = url ? b64_url : b64_std;
	const unsigned char *p = (const unsigned char *)s->u.str.s;
	size_t n = s->u.str.len, olen, o = 0, i;
	uint32_t v;
	char *d;

	if (n > SIZE_MAX / 2)
		return rb_nomem(c);
	olen = pad ? (n + 2) / 3 * 4 : n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
	if (!(d = rv_alloc(c->arena, olen + 1)))
		return rb_nomem(c);
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		d[o++] = tab[v >> 18 & 63];
		d[o++] = tab[v >> 12 & 63];
		d[o++] = tab[v >> 6 & 63];
		d[o++] = tab[v & 63];
	}
	if (n - i) {
		v = (uint32_t)p[i] << 16;
		if (n - i == 2)
			v |= (uint32_t)p[i + 1] << 8;
		d[o++] = tab[v >> 18 & 63];
		d[o++] = tab[v >> 12 & 63];
		if (n - i == 2)
			d[o++] = tab[v >> 6 & 63];
		while (pad && o % 4)
			d[o++] = '=';
	}
	*out = rv_string_own(c->arena, d, o);
	return *out ? RB_OK : rb_nomem(c);
}

static int b64_val(unsigned char ch, bool url)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == (url ? '-' : '+'))
		return 62;
	if (ch == (url ? '_' : '/'))
		return 63;
	return -1;
}

static size_t b64_skip_newlines(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Go's padded base64 decoder, quantum by quantum: CR and LF are skipped,
 * padding is required, bits left over in the last quantum are ignored, and
 * a failure names the offset Go names ("illegal base64 data at input byte
 * N"). dst holds at least n / 4 * 3 + 3 bytes. */
static bool b64_decode(const unsigned char *s, size_t n, bool url,
		       unsigned char *dst, size_t *dlen, size_t *bad)
{
	size_t si = 0, o = 0;

	while (si < n) {
		unsigned char q[4] = { 0 };
		size_t qlen = 4;
		uint32_t v;
		int j, d;

		for (j = 0; j < 4; j++) {
			if (si == n) {
				if (j == 0)
					goto done;
				*bad = si - (size_t)j;
				return false;
			}
			d = b64_val(s[si++], url);
			if (d >= 0) {
				q[j] = (unsigned char)d;
				continue;
			}
			if (s[si - 1] == '\n' || s[si - 1] == '\r') {
				j--;
				continue;
			}
			if (s[si - 1] != '=' || j < 2) {
				*bad = si - 1;
				return false;
			}
			if (j == 2) { /* "==": the first '=' is consumed */
				si = b64_skip_newlines(s, n, si);
				if (si == n) {
					*bad = n;
					return false;
				}
				if (s[si] != '=') {
					*bad = si - 1;
					return false;
				}
				si++;
			}
			si = b64_skip_newlines(s, n, si);
			if (si < n) { /* trailing garbage */
				*bad = si;
				return false;
			}
			qlen = (size_t)j;
			break;
		}
		v = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 |
		    (uint32_t)q[2] << 6 | q[3];
		dst[o++] = (unsigned char)(v >> 16);
		if (qlen > 2)
			dst[o++] = (unsigned char)(v >> 8);
		if (qlen > 3)
			dst[o++] = (unsigned char)v;
	}
done:
	*dlen = o;
	return true;
}

static enum rb_status b64_decode_ret(struct rb_ctx *c, const char *s,
				     size_t n, bool url, struct rv **out)
{
	unsigned char *d;
	size_t dlen, bad;

	if (n > SIZE_MAX / 2 || !(d = rv_alloc(c->arena, n / 4 * 3 + 4)))
		return rb_nomem(c);
	if (!b64_decode((const unsigned char *)s, n, url, d, &dlen, &bad))
		return rb_error(c, "illegal base64 data at input byte %zu", bad);
	d[dlen] = '\0';
	*out = rv_string_own(c->arena, (char *)d, dlen);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_base64_encode(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return b64_encode(c, args[0], false, true, out);
}

static enum rb_status bi_base64_decode(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return b64_decode_ret(c, args[0]->u.str.s, args[0]->u.str.len, false,
			      out);
}

static enum rb_status bi_base64_is_valid(struct rb_ctx *c,
					 struct rv *const *args,
					 struct rv **out)
{
	const struct rv *s = args[0];
	unsigned char *d;
	size_t dlen, bad;

	if (!rv_is(s, RV_STRING))
		return ret_bool(false, out);
	if (s->u.str.len > SIZE_MAX / 2 ||
	    !(d = malloc(s->u.str.len / 4 * 3 + 4)))
		return rb_nomem(c);
	*out = rv_bool(b64_decode((const unsigned char *)s->u.str.s,
				  s->u.str.len, false, d, &dlen, &bad));
	free(d);
	return RB_OK;
}

static enum rb_status bi_base64url_encode(struct rb_ctx *c,
					  struct rv *const *args,
					  struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return b64_encode(c, args[0], true, true, out);
}

static enum rb_status bi_base64url_encode_no_pad(struct rb_ctx *c,
						 struct rv *const *args,
						 struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return b64_encode(c, args[0], true, false, out);
}

/* OPA pads unpadded input first (RFC 7515 appendix C), then decodes
 * strictly padded. */
static enum rb_status bi_base64url_decode(struct rb_ctx *c,
					  struct rv *const *args,
					  struct rv **out)
{
	const struct rv *s = args[0];
	size_t n, pad = 0;
	char *t;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	n = s->u.str.len;
	if (!n || s->u.str.s[n - 1] != '=') {
		switch (n % 4) {
		case 1:
			return rb_error(c, "illegal base64url string: %.*s",
					(int)(n > 200 ? 200 : n), s->u.str.s);
		case 2:
			pad = 2;
			break;
		case 3:
			pad = 1;
			break;
		}
	}
	if (!pad)
		return b64_decode_ret(c, s->u.str.s, n, true, out);
	if (!(t = rv_alloc(c->arena, n + pad + 1)))
		return rb_nomem(c);
	memcpy(t, s->u.str.s, n);
	memset(t + n, '=', pad);
	return b64_decode_ret(c, t, n + pad, true, out);
}

/* ---- hex ---- */

static enum rb_status bi_hex_encode(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	static const char digits[] = "0123456789abcdef";
	const struct rv *s = args[0];
	size_t i, n;
	char *d;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	n = s->u.str.len;
	if (n > SIZE_MAX / 2 - 1 || !(d = rv_alloc(c->arena, 2 * n + 1)))
		return rb_nomem(c);
	for (i = 0; i < n; i++) {
		unsigned char b = (unsigned char)s->u.str.s[i];

		d[2 * i] = digits[b >> 4];
		d[2 * i + 1] = digits[b & 15];
	}
	*out = rv_string_own(c->arena, d, 2 * n);
	return *out ? RB_OK : rb_nomem(c);
}

/* encoding/hex's InvalidByteError: the byte as a Latin-1 rune, "%#U". */
static enum rb_status hex_bad_byte(struct rb_ctx *c, unsigned char b)
{
	char ch[3] = { 0 };

	if (!go_isprint(b))
		return rb_error(c, "encoding/hex: invalid byte: U+%04X", b);
	if (b < 0x80) {
		ch[0] = (char)b;
	} else {
		ch[0] = (char)(0xc0 | b >> 6);
		ch[1] = (char)(0x80 | (b & 0x3f));
	}
	return rb_error(c, "encoding/hex: invalid byte: U+%04X '%s'", b, ch);
}

static enum rb_status bi_hex_decode(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct rv *s = args[0];
	const unsigned char *p;
	unsigned char *d;
	size_t i, n;
	int hi, lo;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	p = (const unsigned char *)s->u.str.s;
	n = s->u.str.len;
	if (!(d = rv_alloc(c->arena, n / 2 + 1)))
		return rb_nomem(c);
	/* Go reports the first bad byte of each pair before the length. */
	for (i = 0; i + 1 < n; i += 2) {
		if ((hi = hex_digit(p[i])) < 0)
			return hex_bad_byte(c, p[i]);
		if ((lo = hex_digit(p[i + 1])) < 0)
			return hex_bad_byte(c, p[i + 1]);
		d[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	if (n % 2) {
		if (hex_digit(p[n - 1]) < 0)
			return hex_bad_byte(c, p[n - 1]);
		return rb_error(c, "encoding/hex: odd length hex string");
	}
	*out = rv_string_own(c->arena, (char *)d, n / 2);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- urlquery ---- */

/* url.QueryEscape: unreserved bytes stay, space is '+', the rest %XX. */
static void query_escape(struct rv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, start = 0;
	char e[3];

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    is_digit(ch) || ch == '-' || ch == '_' || ch == '.' ||
		    ch == '~')
			continue;
		rv_buf_puts(b, s + start, i - start);
		if (ch == ' ') {
			rv_buf_puts(b, "+", 1);
		} else {
			e[0] = '%';
			e[1] = hex[ch >> 4];
			e[2] = hex[ch & 15];
			rv_buf_puts(b, e, 3);
		}
		start = i + 1;
	}
	rv_buf_puts(b, s + start, n - start);
}

/* url.QueryUnescape. On a bad escape, err gets Go's message. */
static bool query_unescape(struct rv_buf *b, const char *s, size_t n,
			   struct rv_buf *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || hex_digit((unsigned char)s[i + 1]) < 0 ||
			    hex_digit((unsigned char)s[i + 2]) < 0) {
				rv_buf_puts(err, "invalid URL escape ", 19);
				go_quote(err, s + i, n - i > 3 ? 3 : n - i);
				return false;
			}
		}
	}
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (ch == '%') {
			ch = (char)(hex_digit((unsigned char)s[i + 1]) << 4 |
				    hex_digit((unsigned char)s[i + 2]));
			i += 2;
		} else if (ch == '+') {
			ch = ' ';
		}
		rv_buf_puts(b, &ch, 1);
	}
	return true;
}

static enum rb_status bi_urlquery_encode(struct rb_ctx *c,
					 struct rv *const *args,
					 struct rv **out)
{
	struct rv_buf b = { 0 };

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	query_escape(&b, args[0]->u.str.s, args[0]->u.str.len);
	return ret_buf(c, &b, out);
}

static enum rb_status bi_urlquery_decode(struct rb_ctx *c,
					 struct rv *const *args,
					 struct rv **out)
{
	struct rv_buf b = { 0 }, err = { 0 };

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!query_unescape(&b, args[0]->u.str.s, args[0]->u.str.len, &err)) {
		free(b.p);
		return fail_buf(c, &err);
	}
	return ret_buf(c, &b, out);
}

/* ---- JSON as Go's encoding/json writes it ---- */

/* Go escapes <, > and & (HTML-safe output), control characters, U+2028
 * and U+2029, and replaces bytes that are not UTF-8 with U+FFFD. */
static void gj_string(struct rv_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, k;
	uint32_t r;
	char e[6];

	rv_buf_puts(b, "\"", 1);
	while (i < n) {
		unsigned char ch = p[i];
		const char *rep = NULL;

		if (ch < 0x80) {
			if (ch >= 0x20 && ch != '"' && ch != '\\' && ch != '<' &&
			    ch != '>' && ch != '&') {
				i++;
				continue;
			}
			switch (ch) {
			case '"': rep = "\\\""; break;
			case '\\': rep = "\\\\"; break;
			case '\b': rep = "\\b"; break;
			case '\f': rep = "\\f"; break;
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			}
			rv_buf_puts(b, s + start, i - start);
			if (rep) {
				rv_buf_puts(b, rep, 2);
			} else {
				memcpy(e, "\\u00", 4);
				e[4] = hex[ch >> 4];
				e[5] = hex[ch & 15];
				rv_buf_puts(b, e, 6);
			}
			start = ++i;
			continue;
		}
		k = utf8_rune(p + i, n - i, &r);
		if (k == 1 || r == 0x2028 || r == 0x2029) {
			rv_buf_puts(b, s + start, i - start);
			rv_buf_puts(b, k == 1 ? "\\ufffd" : r == 0x2028 ?
				    "\\u2028" : "\\u2029", 6);
			start = i + k;
		}
		i += k;
	}
	rv_buf_puts(b, s + start, n - start);
	rv_buf_puts(b, "\"", 1);
}

/* An object member as Go sees it after OPA's ast.JSON: the key is its
 * string, or the compact JSON of a non-string key. */
struct gj_member {
	const char *k;
	size_t klen;
	char *owned; /* malloc'd key text, or NULL */
	const struct rv *v;
	size_t pos;
};

static int gj_member_cmp(const void *x, const void *y)
{
	const struct gj_member *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = n ? memcmp(a->k, b->k, n) : 0;

	if (c)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

static void gj_members_free(struct gj_member *m, size_t n)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		free(m[i].owned);
	free(m);
}

struct gj_style {
	const char *prefix, *indent;
	size_t plen, ilen;
	bool pretty;
};

static void gj_value(struct rv_buf *b, const struct rv *v,
		     const struct gj_style *st, int depth);

/* The members of an object in Go's order (keys sorted bytewise). Keys that
 * only differ as values but print the same (1 and "1") collapse to the
 * last in OPA's order, as a Go map assignment does. */
static bool gj_members(const struct rv *o, struct gj_member **out, size_t *n)
{
	static const struct gj_style compact = { "", "", 0, 0, false };
	struct gj_member *m;
	size_t i, j;

	*out = NULL;
	*n = 0;
	if (!o->u.obj.n)
		return true;
	if (o->u.obj.n > SIZE_MAX / sizeof(*m) ||
	    !(m = calloc(o->u.obj.n, sizeof(*m))))
		return false;
	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i];
		struct rv_buf kb = { 0 };

		m[i].v = o->u.obj.v[i];
		m[i].pos = i;
		if (k->type == RV_STRING) {
			m[i].k = k->u.str.s;
			m[i].klen = k->u.str.len;
			continue;
		}
		gj_value(&kb, k, &compact, 0);
		if (kb.failed) {
			free(kb.p);
			gj_members_free(m, i);
			return false;
		}
		m[i].owned = kb.p;
		m[i].k = kb.p ? kb.p : "";
		m[i].klen = kb.len;
	}
	qsort(m, o->u.obj.n, sizeof(*m), gj_member_cmp);
	for (i = 0, j = 0; i < o->u.obj.n; i++) {
		if (j && m[j - 1].klen == m[i].klen &&
		    memcmp(m[j - 1].k, m[i].k, m[i].klen) == 0) {
			free(m[j - 1].owned);
			m[j - 1] = m[i];
			continue;
		}
		m[j++] = m[i];
	}
	*out = m;
	*n = j;
	return true;
}

static void gj_newline(struct rv_buf *b, const struct gj_style *st, int depth)
{
	int i;

	if (!st->pretty)
		return;
	rv_buf_puts(b, "\n", 1);
	rv_buf_puts(b, st->prefix, st->plen);
	for (i = 0; i < depth; i++)
		rv_buf_puts(b, st->indent, st->ilen);
}

static void gj_object(struct rv_buf *b, const struct rv *v,
		      const struct gj_style *st, int depth)
{
	struct gj_member *m;
	size_t i, n;

	if (!gj_members(v, &m, &n)) {
		b->failed = true;
		return;
	}
	if (!n) {
		rv_buf_puts(b, "{}", 2);
		return;
	}
	rv_buf_puts(b, "{", 1);
	for (i = 0; i < n && !b->failed; i++) {
		if (i)
			rv_buf_puts(b, ",", 1);
		gj_newline(b, st, depth + 1);
		gj_string(b, m[i].k, m[i].klen);
		rv_buf_puts(b, st->pretty ? ": " : ":", st->pretty ? 2 : 1);
		gj_value(b, m[i].v, st, depth + 1);
	}
	gj_newline(b, st, depth);
	rv_buf_puts(b, "}", 1);
	gj_members_free(m, n);
}

/* Sets are arrays (in their sorted order), as OPA's ast.JSON makes them. */
static void gj_value(struct rv_buf *b, const struct rv *v,
		     const struct gj_style *st, int depth)
{
	size_t i;

	switch (v->type) {
	case RV_NULL:
		rv_buf_puts(b, "null", 4);
		break;
	case RV_BOOL:
		rv_buf_puts(b, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		break;
	case RV_NUMBER:
		rv_buf_number(b, v);
		break;
	case RV_STRING:
		gj_string(b, v->u.str.s, v->u.str.len);
		break;
	case RV_ARRAY:
	case RV_SET:
		if (!v->u.arr.n) {
			rv_buf_puts(b, "[]", 2);
			break;
		}
		rv_buf_puts(b, "[", 1);
		for (i = 0; i < v->u.arr.n && !b->failed; i++) {
			if (i)
				rv_buf_puts(b, ",", 1);
			gj_newline(b, st, depth + 1);
			gj_value(b, v->u.arr.v[i], st, depth + 1);
		}
		gj_newline(b, st, depth);
		rv_buf_puts(b, "]", 1);
		break;
	case RV_OBJECT:
		gj_object(b, v, st, depth);
		break;
	}
}

static enum rb_status bi_json_marshal(struct rb_ctx *c, struct rv *const *args,
				      struct rv **out)
{
	static const struct gj_style compact = { "", "", 0, 0, false };
	struct rv_buf b = { 0 };

	gj_value(&b, args[0], &compact, 0);
	return ret_buf(c, &b, out);
}

/* OPA's option checks, in key order: "prefix" and "indent" (strings) turn
 * pretty printing on unless "pretty" (a boolean) says otherwise. */
static enum rb_status marshal_opts(struct rb_ctx *c, const struct rv *o,
				   struct gj_style *st)
{
	bool implicit = false, explicit_set = false, pretty = false;
	size_t i;

	st->prefix = "";
	st->indent = "\t";
	st->plen = 0;
	st->ilen = 1;
	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i], *v = o->u.obj.v[i];
		struct rv_buf kb = { 0 };

		if (k->type != RV_STRING) {
			/* Go prints the key with %v and the index from 0. */
			rv_buf_json(&kb, k, false, 0);
			operand_error(c, "operand 2 failed to stringify key %s at index %zu: operand %zu must be string but got %s",
				      kb.p ? kb.p : "", i, i,
				      rv_type_name(k->type));
			free(kb.p);
			return RB_TYPE_ERROR;
		}
		if (k->u.str.len == 6 && !memcmp(k->u.str.s, "prefix", 6)) {
			if (v->type != RV_STRING)
				return operand_error(c, "operand 2 key prefix failed cast to string: operand %zu must be string but got %s",
						     i, rv_type_name(v->type));
			st->prefix = v->u.str.s;
			st->plen = v->u.str.len;
			implicit = true;
		} else if (k->u.str.len == 6 &&
			   !memcmp(k->u.str.s, "indent", 6)) {
			if (v->type != RV_STRING)
				return operand_error(c, "operand 2 key indent failed cast to string: operand %zu must be string but got %s",
						     i, rv_type_name(v->type));
			st->indent = v->u.str.s;
			st->ilen = v->u.str.len;
			implicit = true;
		} else if (k->u.str.len == 6 &&
			   !memcmp(k->u.str.s, "pretty", 6)) {
			if (v->type != RV_BOOL)
				return operand_error(c, "operand 2 key pretty failed cast to bool");
			explicit_set = true;
			pretty = v->u.b;
		} else {
			return operand_error(c, "operand 2 object contained unknown key %.*s",
					     (int)(k->u.str.len > 100 ? 100 : k->u.str.len),
					     k->u.str.s);
		}
	}
	st->pretty = explicit_set ? pretty : implicit;
	return RB_OK;
}

static enum rb_status bi_json_marshal_with_options(struct rb_ctx *c,
						   struct rv *const *args,
						   struct rv **out)
{
	struct gj_style st;
	struct rv_buf b = { 0 };
	enum rb_status s;

	if (!rv_is(args[1], RV_OBJECT))
		return rb_type_error(c, 2, "object", args[1]);
	if ((s = marshal_opts(c, args[1], &st)) != RB_OK)
		return s;
	/* json.MarshalIndent does not prefix the first line; OPA does. */
	if (st.pretty)
		rv_buf_puts(&b, st.prefix, st.plen);
	gj_value(&b, args[0], &st, 0);
	return ret_buf(c, &b, out);
}

/* ---- JSON as Go's json.Decoder reads it ---- */

/* Go's limit; deeper documents are refused, not a stack overflow. */
#define JSON_MAX_DEPTH 10000

struct jr {
	struct rv_arena *a; /* where values go; NULL: only validate */
	const unsigned char *p, *end;
	bool nomem;
	char err[128]; /* Go's message when the text is not JSON */
};

/* The scanner's quoteChar: a byte as a quoted Go rune. */
static void quote_char(char *dst, size_t len, unsigned char ch)
{
	struct rv_buf b = { 0 };

	if (ch == '\'') {
		snprintf(dst, len, "'\\''");
		return;
	}
	if (ch == '"') {
		snprintf(dst, len, "'\"'");
		return;
	}
	go_quote_rune(&b, ch, '\'');
	snprintf(dst, len, "'%s'", b.p && !b.failed ? b.p : "?");
	free(b.p);
}

static bool jr_fail(struct jr *r, unsigned char ch, const char *context)
{
	char q[16];

	quote_char(q, sizeof(q), ch);
	snprintf(r->err, sizeof(r->err), "invalid character %s %s", q,
		 context);
	return false;
}

/* A value cut short: json.Decoder says io.ErrUnexpectedEOF. */
static bool jr_eof(struct jr *r)
{
	snprintf(r->err, sizeof(r->err), "unexpected EOF");
	return false;
}

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int jr_hex4(const unsigned char *p)
{
	int i, v = 0, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_digit(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Decode the body of a checked string literal (between the quotes) the way
 * Go unquotes it: bad UTF-8 and unpaired surrogates become U+FFFD. */
static void jr_unquote(struct rv_buf *b, const unsigned char *p,
		       const unsigned char *e)
{
	uint32_t r;
	int u, lo;

	while (p < e) {
		if (*p != '\\') {
			const unsigned char *start = p;

			while (p < e && *p != '\\' && *p < 0x80)
				p++;
			rv_buf_puts(b, (const char *)start, (size_t)(p - start));
			if (p < e && *p >= 0x80) {
				size_t k = utf8_rune(p, (size_t)(e - p), &r);

				if (k == 1)
					put_utf8(b, 0xfffd);
				else
					rv_buf_puts(b, (const char *)p, k);
				p += k;
			}
			continue;
		}
		p++;
		switch (*p) {
		case 'b': put_utf8(b, '\b'); break;
		case 'f': put_utf8(b, '\f'); break;
		case 'n': put_utf8(b, '\n'); break;
		case 'r': put_utf8(b, '\r'); break;
		case 't': put_utf8(b, '\t'); break;
		case 'u':
			u = jr_hex4(p + 1);
			p += 4;
			if (u >= 0xd800 && u < 0xe000) {
				lo = -1;
				if (u < 0xdc00 && e - p >= 7 && p[1] == '\\' &&
				    p[2] == 'u')
					lo = jr_hex4(p + 3);
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10 |
						       (lo - 0xdc00));
					p += 6;
				} else {
					u = 0xfffd;
				}
			}
			put_utf8(b, (uint32_t)u);
			break;
		default: /* '"', '\\', '/' */
			put_utf8(b, *p);
		}
		p++;
	}
}

static bool jr_string(struct jr *r, struct rv **out)
{
	const unsigned char *start = ++r->p;
	struct rv_buf b = { 0 };
	int i;

	for (;;) {
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p == '"')
			break;
		if (*r->p < 0x20)
			return jr_fail(r, *r->p, "in string literal");
		if (*r->p++ != '\\')
			continue;
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p && strchr("\"\\/bfnrt", *r->p)) {
			r->p++;
			continue;
		}
		if (*r->p != 'u')
			return jr_fail(r, *r->p, "in string escape code");
		r->p++;
		for (i = 0; i < 4; i++, r->p++) {
			if (r->p == r->end)
				return jr_eof(r);
			if (hex_digit(*r->p) < 0)
				return jr_fail(r, *r->p,
					       "in \\u hexadecimal character escape");
		}
	}
	r->p++;
	if (!r->a)
		return true;
	jr_unquote(&b, start, r->p - 1);
	if (b.failed) {
		free(b.p);
		r->nomem = true;
		return false;
	}
	*out = rv_string(r->a, b.p ? b.p : "", b.len);
	free(b.p);
	if (!*out)
		r->nomem = true;
	return *out != NULL;
}

/* A number the grammar accepted: ints exactly, the rest as doubles. Texts
 * too long for rv_number_text go through strtod. */
static struct rv *jr_number_value(struct rv_arena *a, const char *s, size_t n)
{
	struct rv *v;
	char *t;

	if (n < 128)
		return rv_number_text(a, s, n);
	if (!(t = rv_strndup(a, s, n)))
		return NULL;
	v = rv_double(a, strtod(t, NULL));
	return v;
}

static bool jr_digits(struct jr *r)
{
	bool any = false;

	while (r->p < r->end && is_digit(*r->p)) {
		r->p++;
		any = true;
	}
	return any;
}

static bool jr_number(struct jr *r, struct rv **out)
{
	const unsigned char *start = r->p;

	if (*r->p == '-') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!is_digit(*r->p))
			return jr_fail(r, *r->p, "in numeric literal");
	}
	if (*r->p == '0')
		r->p++;
	else
		jr_digits(r);
	if (r->p < r->end && *r->p == '.') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p,
				       "after decimal point in numeric literal");
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		if (++r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p, "in exponent of numeric literal");
	}
	if (!r->a)
		return true;
	*out = jr_number_value(r->a, (const char *)start,
			       (size_t)(r->p - start));
	if (!*out) {
		if (r->a->exhausted)
			r->nomem = true;
		else
			snprintf(r->err, sizeof(r->err),
				 "number out of range");
		return false;
	}
	return true;
}

static bool jr_literal(struct jr *r, const char *word, struct rv *v,
		       struct rv **out)
{
	size_t i;
	char ctx[40];

	for (i = 1; word[i]; i++) {
		if (r->p + i >= r->end)
			return jr_eof(r);
		if (r->p[i] != (unsigned char)word[i]) {
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')",
				 word, word[i]);
			return jr_fail(r, r->p[i], ctx);
		}
	}
	r->p += i;
	*out = v;
	return true;
}

/* A string, number or literal. */
static bool jr_scalar(struct jr *r, struct rv **out)
{
	*out = NULL;
	switch (*r->p) {
	case '"':
		return jr_string(r, out);
	case 't':
		return jr_literal(r, "true", rv_bool(true), out);
	case 'f':
		return jr_literal(r, "false", rv_bool(false), out);
	case 'n':
		return jr_literal(r, "null", rv_null(), out);
	default:
		if (*r->p == '-' || is_digit(*r->p))
			return jr_number(r, out);
		return jr_fail(r, *r->p, "looking for beginning of value");
	}
}

/* An object member key and its colon. */
static bool jr_key(struct jr *r, struct rv **key)
{
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != '"')
		return jr_fail(r, *r->p,
			       "looking for beginning of object key string");
	if (!jr_string(r, key))
		return false;
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != ':')
		return jr_fail(r, *r->p, "after object key");
	r->p++;
	return true;
}

/* A key and value with their input position, to group or de-duplicate
 * keys while keeping input order. */
struct pos_pair {
	struct rv *k, *v;
	size_t pos;
};

static int pos_pair_cmp(const void *x, const void *y)
{
	const struct pos_pair *a = x, *b = y;
	int c = rv_compare(a->k, b->k);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

/* A JSON object keeps the last of repeated keys, as decoding into a Go map
 * does; rv_object_finish refuses conflicts, so resolve them first. */
static struct rv *jr_object_finish(struct jr *r, struct rv_builder *b)
{
	struct rv_builder nb;
	struct pos_pair *p;
	bool conflict;
	struct rv *v;
	size_t i, n = b->n;

	v = rv_object_finish(b, &conflict);
	if (v || !conflict)
		return v;
	if (!(p = malloc(n * sizeof(*p))))
		return NULL;
	for (i = 0; i < n; i++) {
		p[i].k = b->k[i];
		p[i].v = b->v[i];
		p[i].pos = i;
	}
	qsort(p, n, sizeof(*p), pos_pair_cmp);
	rv_builder_init(&nb, r->a);
	for (i = 0; i < n; i++)
		if (i + 1 == n || rv_compare(p[i].k, p[i + 1].k) != 0)
			rv_builder_put(&nb, p[i].k, p[i].v);
	free(p);
	return rv_object_finish(&nb, NULL);
}

struct jr_frame {
	struct rv_builder b;
	struct rv *key;
	bool obj;
};

static bool jr_push(struct jr *r, struct jr_frame **st, size_t *depth,
		    size_t *cap, bool obj)
{
	struct jr_frame *f;

	if (*depth >= JSON_MAX_DEPTH)
		return jr_fail(r, obj ? '{' : '[', "exceeded max depth");
	if (*depth == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if (!(f = realloc(*st, ncap * sizeof(*f)))) {
			r->nomem = true;
			return false;
		}
		*st = f;
		*cap = ncap;
	}
	f = &(*st)[(*depth)++];
	rv_builder_init(&f->b, r->a);
	f->key = NULL;
	f->obj = obj;
	return true;
}

/* Attach a finished value to the innermost open container and read what
 * follows it. Returns 1 when the container goes on (a value is expected
 * next), 0 when it closed (*v is now the container, for the level up),
 * -1 on error. */
static int jr_attach(struct jr *r, struct jr_frame *f, struct rv **v)
{
	unsigned char ch;

	if (r->a && !(f->obj ? rv_builder_put(&f->b, f->key, *v)
			     : rv_builder_add(&f->b, *v))) {
		r->nomem = true;
		return -1;
	}
	jr_ws(r);
	if (r->p == r->end) {
		jr_eof(r);
		return -1;
	}
	ch = *r->p++;
	if (ch == ',')
		return f->obj && !jr_key(r, &f->key) ? -1 : 1;
	if (ch != (f->obj ? '}' : ']')) {
		jr_fail(r, ch, f->obj ? "after object key:value pair"
				      : "after array element");
		return -1;
	}
	if (!r->a)
		return 0;
	*v = f->obj ? jr_object_finish(r, &f->b) : rv_array_finish(&f->b);
	if (!*v) {
		r->nomem = true;
		return -1;
	}
	return 0;
}

/* One JSON value, iteratively so depth costs heap, not stack. On failure
 * r->err holds Go's message (or r->nomem is set). */
static bool jr_value(struct jr *r, struct rv **out)
{
	struct jr_frame *st = NULL;
	size_t depth = 0, cap = 0;
	struct rv *v = NULL;
	bool ok = false;
	int more;

	for (;;) {
		unsigned char ch;

		jr_ws(r);
		if (r->p == r->end) {
			jr_eof(r);
			break;
		}
		ch = *r->p;
		if (ch == '[' || ch == '{') {
			if (!jr_push(r, &st, &depth, &cap, ch == '{'))
				break;
			r->p++;
			jr_ws(r);
			if (r->p < r->end && *r->p == (ch == '{' ? '}' : ']')) {
				r->p++;
				depth--;
				v = ch == '{' ? rv_empty_object()
					      : rv_empty_array();
			} else if (ch == '{') {
				if (!jr_key(r, &st[depth - 1].key))
					break;
				continue;
			} else {
				continue;
			}
		} else if (!jr_scalar(r, &v)) {
			break;
		}
		more = 0;
		while (depth && (more = jr_attach(r, &st[depth - 1], &v)) == 0)
			depth--;
		if (more < 0)
			break;
		if (!depth) {
			*out = v;
			ok = true;
			break;
		}
	}
	free(st);
	return ok;
}

/* What follows the first value. OPA reads one more token with Go's
 * json.Decoder: a further value is an error naming it (printed with %s,
 * hence the odd text for booleans), but a trailing null passes. */
static enum rb_status jr_trailer(struct rb_ctx *c, struct jr *r)
{
	static const char fmt[] =
		"error: invalid character '%.*s' after top-level value";
	const unsigned char *start;
	struct rv *v;
	char q[16];
	unsigned char ch;

	jr_ws(r);
	if (r->p == r->end)
		return RB_OK;
	ch = *r->p;
	if (ch == '[' || ch == '{')
		return rb_error(c, fmt, 1, (const char *)r->p);
	if (ch == ']' || ch == '}' || ch == ',' || ch == ':') {
		quote_char(q, sizeof(q), ch);
		return rb_error(c, "invalid character %s looking for beginning of value",
				q);
	}
	start = r->p;
	if (!jr_scalar(r, &v))
		return r->nomem ? rb_nomem(c) : rb_error(c, "%s", r->err);
	switch (v->type) {
	case RV_NULL:
		return RB_OK;
	case RV_BOOL:
		return rb_error(c, "error: invalid character '%%!s(bool=%s)' after top-level value",
				v->u.b ? "true" : "false");
	case RV_STRING:
		return rb_error(c, fmt, (int)(v->u.str.len > 100 ? 100 : v->u.str.len),
				v->u.str.s);
	default: /* a json.Number: the text as written */
		return rb_error(c, fmt, (int)(r->p - start > 100 ? 100 : r->p - start),
				(const char *)start);
	}
}

static enum rb_status bi_json_unmarshal(struct rb_ctx *c,
					struct rv *const *args, struct rv **out)
{
	struct jr r = { 0 };
	struct rv *v;
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	r.a = c->arena;
	r.p = (const unsigned char *)args[0]->u.str.s;
	r.end = r.p + args[0]->u.str.len;
	jr_ws(&r);
	if (r.p == r.end) /* json.Decoder: io.EOF */
		return rb_error(c, "EOF");
	if (!jr_value(&r, &v))
		return r.nomem ? rb_nomem(c) : rb_error(c, "%s", r.err);
	if ((st = jr_trailer(c, &r)) != RB_OK)
		return st;
	*out = v;
	return RB_OK;
}

static enum rb_status bi_json_is_valid(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	struct jr r = { 0 };
	struct rv *v;
	bool ok;

	if (!rv_is(args[0], RV_STRING))
		return ret_bool(false, out);
	r.p = (const unsigned char *)args[0]->u.str.s;
	r.end = r.p + args[0]->u.str.len;
	ok = jr_value(&r, &v);
	if (r.nomem)
		return rb_nomem(c);
	jr_ws(&r);
	return ret_bool(ok && r.p == r.end, out);
}

/* ---- urlquery objects ---- */

/* OPA converts the object to JSON first: values are strings, or arrays
 * (sets become arrays) of strings; keys are joined with url.Values.Encode,
 * sorted. */
static enum rb_status bi_urlquery_encode_object(struct rb_ctx *c,
						struct rv *const *args,
						struct rv **out)
{
	struct rv_buf b = { 0 };
	struct gj_member *m;
	size_t i, j, n;
	bool first = true;

	if (!rv_is(args[0], RV_OBJECT))
		return rb_type_error(c, 1, "object", args[0]);
	if (!gj_members(args[0], &m, &n))
		return rb_nomem(c);
	for (i = 0; i < n; i++) {
		const struct rv *v = m[i].v;
		bool bad = v->type != RV_STRING && v->type != RV_ARRAY &&
			   v->type != RV_SET;

		for (j = 0; !bad && v->type != RV_STRING && j < v->u.arr.n; j++)
			bad = v->u.arr.v[j]->type != RV_STRING;
		if (bad) {
			gj_members_free(m, n);
			free(b.p);
			return operand_error(c, "operand 1 values must be string, array[string], or set[string]");
		}
		for (j = 0; j < (v->type == RV_STRING ? 1 : v->u.arr.n); j++) {
			const struct rv *s = v->type == RV_STRING ? v
								  : v->u.arr.v[j];

			if (!first)
				rv_buf_puts(&b, "&", 1);
			first = false;
			query_escape(&b, m[i].k, m[i].klen);
			rv_buf_puts(&b, "=", 1);
			query_escape(&b, s->u.str.s, s->u.str.len);
		}
	}
	gj_members_free(m, n);
	return ret_buf(c, &b, out);
}

/* One side of a "key=value" of url.ParseQuery, unescaped into the arena.
 * Returns 1, 0 for a bad escape (Go's message appended to err when err is
 * given), or -1 when out of memory. */
static int query_part(struct rb_ctx *c, const char *s, size_t n,
		      struct rv **out, struct rv_buf *err)
{
	struct rv_buf b = { 0 }, none = { 0 };
	int r = 1;

	if (!query_unescape(&b, s, n, err ? err : &none))
		r = 0;
	else if (b.failed || !(*out = rv_string(c->arena, b.p ? b.p : "",
						 b.len)))
		r = -1;
	free(b.p);
	free(none.p);
	return r;
}

/* Group the pairs by key into arrays, keeping their order. */
static struct rv *query_group(struct rb_ctx *c, struct pos_pair *p,
			      size_t n)
{
	struct rv_builder ob, ab;
	size_t i;

	qsort(p, n, sizeof(*p), pos_pair_cmp);
	rv_builder_init(&ob, c->arena);
	rv_builder_init(&ab, c->arena);
	for (i = 0; i < n; i++) {
		rv_builder_add(&ab, p[i].v);
		if (i + 1 < n && rv_equal(p[i].k, p[i + 1].k))
			continue;
		rv_builder_put(&ob, p[i].k, rv_array_finish(&ab));
		rv_builder_init(&ab, c->arena);
	}
	return rv_object_finish(&ob, NULL);
}

static bool query_pairs_grow(struct pos_pair **p, size_t n, size_t *cap)
{
	struct pos_pair *np;

	if (n < *cap)
		return true;
	if (!(np = realloc(*p, (*cap ? *cap * 2 : 16) * sizeof(**p))))
		return false;
	*p = np;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

/* url.ParseQuery keeps going past bad pairs; its error is the semicolon
 * one if any pair had a ';', else the first bad escape. OPA then fails. */
static enum rb_status bi_urlquery_decode_object(struct rb_ctx *c,
						struct rv *const *args,
						struct rv **out)
{
	struct rv_buf err = { 0 };
	struct pos_pair *p = NULL;
	const char *s, *e, *amp, *eq, *val;
	size_t n = 0, cap = 0;
	bool semicolon = false;
	int r = 1;
	struct rv *k, *v;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	s = args[0]->u.str.s;
	e = s + args[0]->u.str.len;
	for (; s < e; s = amp < e ? amp + 1 : e) {
		if (!(amp = memchr(s, '&', (size_t)(e - s))))
			amp = e;
		if (memchr(s, ';', (size_t)(amp - s))) {
			semicolon = true;
			continue;
		}
		if (amp == s)
			continue;
		if (!(eq = memchr(s, '=', (size_t)(amp - s))))
			eq = amp;
		val = eq < amp ? eq + 1 : amp;
		r = query_part(c, s, (size_t)(eq - s), &k, err.len ? NULL : &err);
		if (r > 0)
			r = query_part(c, val, (size_t)(amp - val), &v,
				       err.len ? NULL : &err);
		if (r < 0 || (r > 0 && !query_pairs_grow(&p, n, &cap)))
			break;
		if (r == 0)
			continue;
		p[n].k = k;
		p[n].v = v;
		p[n].pos = n;
		n++;
	}
	if (r < 0 || s < e || err.failed) {
		free(p);
		free(err.p);
		return rb_nomem(c);
	}
	if (semicolon || err.len) {
		free(p);
		if (semicolon) {
			free(err.p);
			return rb_error(c, "invalid semicolon separator in query");
		}
		return fail_buf(c, &err);
	}
	free(err.p);
	*out = n ? query_group(c, p, n) : rv_empty_object();
	free(p);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- crypto ---- */

static enum rb_status digest_hex(struct rb_ctx *c, const unsigned char *md,
				 unsigned len, struct rv **out)
{
	static const char digits[] = "0123456789abcdef";
	char h[2 * EVP_MAX_MD_SIZE];
	unsigned i;

	for (i = 0; i < len; i++) {
		h[2 * i] = digits[md[i] >> 4];
		h[2 * i + 1] = digits[md[i] & 15];
	}
	return ret_bytes(c, h, 2 * (size_t)len, out);
}

static enum rb_status hash(struct rb_ctx *c, struct rv *const *args,
			   const EVP_MD *md, struct rv **out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!md || !EVP_Digest(args[0]->u.str.s, args[0]->u.str.len, d, &len,
			       md, NULL))
		return rb_error(c, "digest unavailable");
	return digest_hex(c, d, len, out);
}

static enum rb_status hmac(struct rb_ctx *c, struct rv *const *args,
			   const EVP_MD *md, struct rv **out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	if (args[1]->u.str.len > INT_MAX || !md ||
	    !HMAC(md, args[1]->u.str.s, (int)args[1]->u.str.len,
		  (const unsigned char *)args[0]->u.str.s, args[0]->u.str.len,
		  d, &len))
		return rb_error(c, "HMAC unavailable");
	st = digest_hex(c, d, len, out);
	OPENSSL_cleanse(d, sizeof(d));
	return st;
}

static enum rb_status bi_md5(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return hash(c, args, EVP_md5(), out);
}

static enum rb_status bi_sha1(struct rb_ctx *c, struct rv *const *args,
			      struct rv **out)
{
	return hash(c, args, EVP_sha1(), out);
}

static enum rb_status bi_sha256(struct rb_ctx *c, struct rv *const *args,
				struct rv **out)
{
	return hash(c, args, EVP_sha256(), out);
}

static enum rb_status bi_hmac_md5(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	return hmac(c, args, EVP_md5(), out);
}

static enum rb_status bi_hmac_sha1(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return hmac(c, args, EVP_sha1(), out);
}

static enum rb_status bi_hmac_sha256(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return hmac(c, args, EVP_sha256(), out);
}

static enum rb_status bi_hmac_sha512(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return hmac(c, args, EVP_sha512(), out);
}

/* Constant time, as Go's hmac.Equal; lengths may differ (and leak). */
static enum rb_status bi_hmac_equal(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct rv *a = args[0], *b = args[1];

	if (!rv_is(a, RV_STRING))
		return rb_type_error(c, 1, "string", a);
	if (!rv_is(b, RV_STRING))
		return rb_type_error(c, 2, "string", b);
	return ret_bool(a->u.str.len == b->u.str.len &&
			CRYPTO_memcmp(a->u.str.s, b->u.str.s,
				      a->u.str.len) == 0, out);
}

/* ---- semver ---- */

/* A version by SemVer 2.0.0: MAJOR.MINOR.PATCH without leading zeros (and
 * within int64, as OPA parses them), an optional pre-release of
 * dot-separated identifiers (numeric ones without leading zeros), and
 * optional build metadata, which takes no part in ordering. */
struct semver {
	int64_t core[3];
	const char *pre; /* NULL: no pre-release */
	size_t npre;
};

static bool sv_numeric(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return n > 0;
}

/* Dot-separated non-empty identifiers of [0-9A-Za-z-]. */
static bool sv_idents(const char *s, size_t n, bool pre)
{
	size_t i, start = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '.') {
			unsigned char ch = (unsigned char)s[i];

			if (!is_digit(ch) && ch != '-' &&
			    !(ch >= 'a' && ch <= 'z') &&
			    !(ch >= 'A' && ch <= 'Z'))
				return false;
			continue;
		}
		if (i == start)
			return false;
		if (pre && sv_numeric(s + start, i - start) &&
		    i - start > 1 && s[start] == '0')
			return false;
		start = i + 1;
	}
	return true;
}

static bool sv_core(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (!sv_numeric(s, n) || (n > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < n; i++)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, s[i] - '0', &v))
			return false;
	*out = v;
	return true;
}

static bool semver_parse(const char *s, size_t n, struct semver *v)
{
	const char *plus = memchr(s, '+', n), *dash, *dot1, *dot2;
	size_t core;

	if (plus) {
		if (!sv_idents(plus + 1, (size_t)(s + n - plus - 1), false))
			return false;
		n = (size_t)(plus - s);
	}
	v->pre = NULL;
	v->npre = 0;
	if ((dash = memchr(s, '-', n))) {
		v->pre = dash + 1;
		v->npre = (size_t)(s + n - dash - 1);
		if (!sv_idents(v->pre, v->npre, true))
			return false;
		n = (size_t)(dash - s);
	}
	core = n;
	if (!(dot1 = memchr(s, '.', core)) ||
	    !(dot2 = memchr(dot1 + 1, '.', (size_t)(s + core - dot1 - 1))))
		return false;
	return sv_core(s, (size_t)(dot1 - s), &v->core[0]) &&
	       sv_core(dot1 + 1, (size_t)(dot2 - dot1 - 1), &v->core[1]) &&
	       sv_core(dot2 + 1, (size_t)(s + core - dot2 - 1), &v->core[2]);
}

/* Compare one pre-release identifier with another. */
static int sv_ident_cmp(const char *a, size_t na, const char *b, size_t nb)
{
	bool an = sv_numeric(a, na), bn = sv_numeric(b, nb);
	size_t n = na < nb ? na : nb;
	int c;

	if (an != bn)
		return an ? -1 : 1;
	/* Numbers without leading zeros: the longer is the larger. */
	if (an && na != nb)
		return na < nb ? -1 : 1;
	c = n ? memcmp(a, b, n) : 0;
	if (c)
		return c < 0 ? -1 : 1;
	return (na > nb) - (na < nb);
}

static int semver_cmp(const struct semver *a, const struct semver *b)
{
	size_t i = 0, j = 0, ie, je;
	int k, c;

	for (k = 0; k < 3; k++)
		if (a->core[k] != b->core[k])
			return a->core[k] < b->core[k] ? -1 : 1;
	if (!a->pre || !b->pre)
		return (a->pre == NULL) - (b->pre == NULL);
	for (;;) {
		if (i >= a->npre || j >= b->npre)
			return (i < a->npre) - (j < b->npre);
		for (ie = i; ie < a->npre && a->pre[ie] != '.'; ie++)
			;
		for (je = j; je < b->npre && b->pre[je] != '.'; je++)
			;
		c = sv_ident_cmp(a->pre + i, ie - i, b->pre + j, je - j);
		if (c)
			return c;
		i = ie + 1;
		j = je + 1;
	}
}

static enum rb_status semver_invalid(struct rb_ctx *c, unsigned i,
				     const struct rv *s)
{
	struct rv_buf b = { 0 };

	rv_buf_printf(&b, "operand %u: string ", i);
	go_quote(&b, s->u.str.s, s->u.str.len);
	rv_buf_puts(&b, " is not a valid SemVer", 22);
	return fail_buf(c, &b);
}

static enum rb_status bi_semver_compare(struct rb_ctx *c,
					struct rv *const *args,
					struct rv **out)
{
	struct semver a, b;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	if (!semver_parse(args[0]->u.str.s, args[0]->u.str.len, &a))
		return semver_invalid(c, 1, args[0]);
	if (!semver_parse(args[1]->u.str.s, args[1]->u.str.len, &b))
		return semver_invalid(c, 2, args[1]);
	return ret_int(c, semver_cmp(&a, &b), out);
}

static enum rb_status bi_semver_is_valid(struct rb_ctx *c,
					 struct rv *const *args,
					 struct rv **out)
{
	struct semver v;

	return ret_bool(rv_is(args[0], RV_STRING) &&
			semver_parse(args[0]->u.str.s, args[0]->u.str.len, &v),
			out);
}

/* ---- units ---- */

/* OPA's extractNumAndUnit: the number runs over digits, '.', signs and
 * exponents ('e' followed by a digit or sign); the rest is the unit. An
 * exponent of more than 6 digits is refused. Returns the number's length,
 * or -1 for a too large exponent. */
static long units_split(const char *s, size_t n)
{
	size_t i, e;

	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!is_digit(ch) && ch != '.' && ch != 'e' && ch != 'E' &&
		    ch != '+' && ch != '-')
			return (long)i;
		if (ch != 'e' && ch != 'E')
			continue;
		if (i == n - 1 || (!is_digit(s[i + 1]) && s[i + 1] != '+' &&
				   s[i + 1] != '-'))
			return (long)i;
		if (s[i + 1] == '+' || s[i + 1] == '-')
			i++;
		for (e = i + 1; e < n && is_digit(s[e]); e++)
			;
		if (e - (i + 1) > 6)
			return -1;
	}
	return (long)n;
}

/* big.Float / big.Rat SetString over what units_split can return:
 * [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? */
static bool units_number(const char *s, size_t n)
{
	size_t i = 0, d = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n && is_digit(s[i]); i++)
		d++;
	if (i < n && s[i] == '.')
		for (i++; i < n && is_digit(s[i]); i++)
			d++;
	if (!d)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i == n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

struct unit {
	const char *name;
	long double mult;
};

static const struct unit byte_units[] = {
	{ "", 1 }, { "kb", 1e3L }, { "k", 1e3L }, { "kib", 0x1p10L },
	{ "ki", 0x1p10L }, { "mb", 1e6L }, { "m", 1e6L }, { "mib", 0x1p20L },
	{ "mi", 0x1p20L }, { "gb", 1e9L }, { "g", 1e9L }, { "gib", 0x1p30L },
	{ "gi", 0x1p30L }, { "tb", 1e12L }, { "t", 1e12L },
	{ "tib", 0x1p40L }, { "ti", 0x1p40L }, { "pb", 1e15L }, { "p", 1e15L },
	{ "pib", 0x1p50L }, { "pi", 0x1p50L }, { "eb", 1e18L }, { "e", 1e18L },
	{ "eib", 0x1p60L }, { "ei", 0x1p60L }, { NULL, 0 },
};

/* units.parse keeps 'm' (milli) apart from 'M' (mega); only letters after
 * the first are case-folded. */
static const struct unit si_units[] = {
	{ "", 1 }, { "m", 1e-3L }, { "k", 1e3L }, { "K", 1e3L },
	{ "ki", 0x1p10L }, { "Ki", 0x1p10L }, { "M", 1e6L }, { "mi", 0x1p20L },
	{ "Mi", 0x1p20L }, { "g", 1e9L }, { "G", 1e9L }, { "gi", 0x1p30L },
	{ "Gi", 0x1p30L }, { "t", 1e12L }, { "T", 1e12L }, { "ti", 0x1p40L },
	{ "Ti", 0x1p40L }, { "p", 1e15L }, { "P", 1e15L }, { "pi", 0x1p50L },
	{ "Pi", 0x1p50L }, { "e", 1e18L }, { "E", 1e18L }, { "ei", 0x1p60L },
	{ "Ei", 0x1p60L }, { NULL, 0 },
};

static const struct unit *unit_find(const struct unit *t, const char *s,
				    size_t n)
{
	for (; t->name; t++)
		if (strlen(t->name) == n && !memcmp(t->name, s, n))
			return t;
	return NULL;
}

/* The cleaned text (quotes removed, case folded as each built-in does)
 * split into number and unit. The messages carry the built-in's name
 * twice, as OPA's do. */
static enum rb_status units_prepare(struct rb_ctx *c, const struct rv *raw,
				    bool fold_all, char **text, size_t *n,
				    size_t *numlen, const char *what)
{
	size_t i, j;
	long k;
	char *t;

	if (!(t = rv_alloc(c->arena, raw->u.str.len + 1)))
		return rb_nomem(c);
	for (i = 0, j = 0; i < raw->u.str.len; i++) {
		char ch = raw->u.str.s[i];

		if (ch == '"')
			continue;
		if (fold_all && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		t[j++] = ch;
	}
	if (memchr(t, ' ', j))
		return rb_error(c, "%s: spaces not allowed in resource strings",
				c->name);
	if ((k = units_split(t, j)) < 0)
		return rb_error(c, "%s: exponent too large", c->name);
	if (k == 0)
		return rb_error(c, "%s: no %samount provided", c->name, what);
	*text = t;
	*n = j;
	*numlen = (size_t)k;
	return RB_OK;
}

/* The amount in 64-bit binary precision, which is what big.Float's
 * default precision gives OPA (long double on x86-64). NaN when out of
 * memory. */
static long double units_amount(struct rv_arena *a, const char *s, size_t n)
{
	char *t = rv_strndup(a, s, n);

	return t ? strtold(t, NULL) : NAN;
}

static enum rb_status bi_units_parse_bytes(struct rb_ctx *c,
					   struct rv *const *args,
					   struct rv **out)
{
	const struct unit *u;
	size_t n, numlen;
	long double v;
	enum rb_status st;
	char *t;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	st = units_prepare(c, args[0], true, &t, &n, &numlen, "byte ");
	if (st != RB_OK)
		return st;
	if (!(u = unit_find(byte_units, t + numlen, n - numlen)))
		return rb_error(c, "%s: byte unit %.*s not recognized", c->name,
				(int)(n - numlen > 100 ? 100 : n - numlen),
				t + numlen);
	v = units_number(t, numlen) ?
		truncl(units_amount(c->arena, t, numlen) * u->mult) : NAN;
	if (c->arena->exhausted)
		return rb_nomem(c);
	if (!isfinite(v))
		return rb_error(c, "%s: could not parse byte amount to a number",
				c->name);
	if (fabsl(v) < 0x1p63L)
		return ret_int(c, (int64_t)v, out);
	*out = rv_double(c->arena, (double)v);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_units_parse(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	const struct unit *u;
	size_t n, numlen, ulen, i;
	long double v;
	enum rb_status st;
	char *t, txt[64];
	int len;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	st = units_prepare(c, args[0], false, &t, &n, &numlen, "");
	if (st != RB_OK)
		return st;
	ulen = n - numlen;
	for (i = numlen + 1; i < n; i++)
		if (t[i] >= 'A' && t[i] <= 'Z')
			t[i] = (char)(t[i] - 'A' + 'a');
	if (!(u = unit_find(si_units, t + numlen, ulen)))
		return rb_error(c, "%s: unit %.*s not recognized", c->name,
				(int)(ulen > 100 ? 100 : ulen), t + numlen);
	v = units_number(t, numlen) ?
		units_amount(c->arena, t, numlen) * u->mult : NAN;
	if (c->arena->exhausted)
		return rb_nomem(c);
	if (!isfinite(v))
		return rb_error(c, "%s: could not parse amount to a number",
				c->name);
	/* OPA computes exactly and prints non-integers with 10 decimals;
	 * beyond 1e15 a double has no fraction left to round. */
	if (fabsl(v) < 1e15L) {
		len = snprintf(txt, sizeof(txt), "%.10Lf", v);
		if (len > 0 && (size_t)len < sizeof(txt)) {
			*out = rv_number_text(c->arena, txt, (size_t)len);
			return *out ? RB_OK : rb_nomem(c);
		}
	}
	*out = rv_double(c->arena, (double)v);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- time: the calendar ---- */

#define NS_PER_SEC 1000000000LL
#define SECS_PER_DAY 86400

/* Beyond this many days from 1970 no instant fits int64 nanoseconds; it
 * also keeps every calendar computation far from overflow. */
#define DAYS_LIMIT 200000

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b && (a < 0) != (b < 0))
		q--;
	return q;
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static const int days_before[13] = { 0, 31, 59, 90, 120, 151, 181, 212, 243,
				     273, 304, 334, 365 };

static int days_in(int m, int64_t y)
{
	if (m == 2 && is_leap(y))
		return 29;
	return days_before[m] - days_before[m - 1];
}

/* Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). |y| is far below 2^50 everywhere it is called. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

struct civil {
	int64_t year;
	int month, day, hour, min, sec, yday, wday;
};

/* Seconds of local wall time (as if UTC) to calendar fields. */
static void civil_of(int64_t wall, struct civil *t)
{
	int64_t days = floor_div(wall, SECS_PER_DAY);
	int sod = (int)(wall - days * SECS_PER_DAY);

	civil_from_days(days, &t->year, &t->month, &t->day);
	t->hour = sod / 3600;
	t->min = sod / 60 % 60;
	t->sec = sod % 60;
	t->wday = (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01: Thursday */
	t->yday = (int)(days - days_from_civil(t->year, 1, 1)) + 1;
}

/* ---- time: zones, as Go's time.Location ---- */

struct tz_zone {
	const char *name;
	size_t nlen;
	int32_t off;
	bool dst;
};

struct tz_loc {
	struct tz_zone *zone; /* none: UTC */
	size_t nzone;
	int64_t *when;
	uint8_t *idx;
	size_t ntx;
	const char *extend; /* POSIX TZ rule after the last transition */
	size_t nextend;
};

/* What a location says about one instant. */
struct tz_info {
	const char *name;
	size_t nlen;
	int32_t off;
	int64_t start, end;
	bool dst;
};

static const struct tz_loc tz_utc;

struct tz_rule {
	int kind; /* 'J' Julian day, 'D' day of year, 'M' month.week.day */
	int day, week, mon, time;
};

/* Go's tzsetName: <quoted> or at least three letters. */
static bool tzset_name(const char **pp, const char *e, const char **name,
		       size_t *n)
{
	const char *p = *pp, *q;

	if (p == e)
		return false;
	if (*p == '<') {
		if (!(q = memchr(p, '>', (size_t)(e - p))))
			return false;
		*name = p + 1;
		*n = (size_t)(q - p - 1);
		*pp = q + 1;
		return true;
	}
	for (q = p; q < e; q++)
		if (is_digit(*q) || *q == ',' || *q == '-' || *q == '+')
			break;
	if (q - p < 3)
		return false;
	*name = p;
	*n = (size_t)(q - p);
	*pp = q;
	return true;
}

static bool tzset_num(const char **pp, const char *e, int min, int max,
		      int *out)
{
	const char *p = *pp;
	int num = 0;

	for (; p < e && is_digit(*p); p++) {
		num = num * 10 + (*p - '0');
		if (num > max)
			return false;
	}
	if (p == *pp || num < min)
		return false;
	*pp = p;
	*out = num;
	return true;
}

/* [+-]hh[:mm[:ss]] in seconds. */
static bool tzset_offset(const char **pp, const char *e, int *out)
{
	const char *p = *pp;
	bool neg = false;
	int h, m = 0, s = 0;

	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (!tzset_num(&p, e, 0, 24 * 7, &h))
		return false;
	if (p < e && *p == ':') {
		p++;
		if (!tzset_num(&p, e, 0, 59, &m))
			return false;
		if (p < e && *p == ':') {
			p++;
			if (!tzset_num(&p, e, 0, 59, &s))
				return false;
		}
	}
	*out = (h * 3600 + m * 60 + s) * (neg ? -1 : 1);
	*pp = p;
	return true;
}

static bool tzset_rule(const char **pp, const char *e, struct tz_rule *r)
{
	const char *p = *pp;

	memset(r, 0, sizeof(*r));
	if (p == e)
		return false;
	if (*p == 'J') {
		p++;
		r->kind = 'J';
		if (!tzset_num(&p, e, 1, 365, &r->day))
			return false;
	} else if (*p == 'M') {
		p++;
		r->kind = 'M';
		if (!tzset_num(&p, e, 1, 12, &r->mon) || p == e || *p++ != '.' ||
		    !tzset_num(&p, e, 1, 5, &r->week) || p == e || *p++ != '.' ||
		    !tzset_num(&p, e, 0, 6, &r->day))
			return false;
	} else {
		r->kind = 'D';
		if (!tzset_num(&p, e, 0, 365, &r->day))
			return false;
	}
	r->time = 2 * 3600;
	if (p < e && *p == '/') {
		p++;
		if (!tzset_offset(&p, e, &r->time))
			return false;
	}
	*pp = p;
	return true;
}

/* Seconds from the start of the year (UTC) to when the rule fires. */
static int64_t tzrule_time(int64_t year, const struct tz_rule *r, int off)
{
	int64_t s = 0, m1, yy0, yy1, yy2, dow, d;
	int i;

	switch (r->kind) {
	case 'J':
		s = (int64_t)(r->day - 1) * SECS_PER_DAY;
		if (is_leap(year) && r->day >= 60)
			s += SECS_PER_DAY;
		break;
	case 'D':
		s = (int64_t)r->day * SECS_PER_DAY;
		break;
	case 'M': /* Zeller's congruence, as Go computes it */
		m1 = (r->mon + 9) % 12 + 1;
		yy0 = year - (r->mon <= 2);
		yy1 = yy0 / 100;
		yy2 = yy0 % 100;
		dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 -
		       2 * yy1) % 7;
		if (dow < 0)
			dow += 7;
		d = r->day - dow;
		if (d < 0)
			d += 7;
		for (i = 1; i < r->week; i++) {
			if (d + 7 >= days_in(r->mon, year))
				break;
			d += 7;
		}
		d += days_before[r->mon - 1];
		if (is_leap(year) && r->mon > 2)
			d++;
		s = d * SECS_PER_DAY;
		break;
	}
	return s + r->time - off;
}

/* Go's tzset: the zone a POSIX TZ rule gives at sec. */
static bool posix_tz(const char *s, const char *e, int64_t init_end, int64_t sec,
		  struct tz_info *o)
{
	static const char dflt[] = ",M3.2.0,M11.1.0";
	const char *sname, *dname;
	size_t sn, dn;
	int soff, doff;
	struct tz_rule r1, r2;
	int64_t days, year, abs, ysec, start, end;
	int m, d;

	if (!tzset_name(&s, e, &sname, &sn) || !tzset_offset(&s, e, &soff))
		return false;
	soff = -soff; /* TZ counts west of UTC */
	if (s == e || *s == ',') {
		*o = (struct tz_info){ sname, sn, soff, init_end, INT64_MAX, false };
		return true;
	}
	if (!tzset_name(&s, e, &dname, &dn))
		return false;
	if (s == e || *s == ',') {
		doff = soff + 3600;
	} else {
		if (!tzset_offset(&s, e, &doff))
			return false;
		doff = -doff;
	}
	if (s == e) {
		s = dflt;
		e = dflt + sizeof(dflt) - 1;
	}
	if (*s != ',' && *s != ';')
		return false;
	s++;
	if (!tzset_rule(&s, e, &r1) || s == e || *s++ != ',' ||
	    !tzset_rule(&s, e, &r2) || s != e)
		return false;

	days = floor_div(sec, SECS_PER_DAY);
	civil_from_days(days, &year, &m, &d);
	abs = days_from_civil(year, 1, 1);
	/* Go adds sec % 86400 with truncating division; so does C. */
	ysec = (days - abs) * SECS_PER_DAY + sec % SECS_PER_DAY;
	abs *= SECS_PER_DAY;
	start = tzrule_time(year, &r1, soff);
	end = tzrule_time(year, &r2, doff);
	if (end < start) { /* southern hemisphere: swap the labels too */
		int64_t t = start;
		const char *tn = sname;
		size_t tl = sn;
		int to = soff;

		start = end;
		end = t;
		sname = dname;
		sn = dn;
		dname = tn;
		dn = tl;
		soff = doff;
		doff = to;
		if (ysec < start)
			*o = (struct tz_info){ sname, sn, soff, abs, start + abs, true };
		else if (ysec >= end)
			*o = (struct tz_info){ sname, sn, soff, end + abs,
					       abs + 365 * SECS_PER_DAY, true };
		else
			*o = (struct tz_info){ dname, dn, doff, start + abs,
					       end + abs, false };
		return true;
	}
	if (ysec < start)
		*o = (struct tz_info){ sname, sn, soff, abs, start + abs, false };
	else if (ysec >= end)
		*o = (struct tz_info){ sname, sn, soff, end + abs,
				       abs + 365 * SECS_PER_DAY, false };
	else
		*o = (struct tz_info){ dname, dn, doff, start + abs, end + abs,
				       true };
	return true;
}

/* The zone for instants before the first transition (Go's
 * lookupFirstZone, after tzcode's localtime.c). */
static size_t tz_first_zone(const struct tz_loc *l)
{
	size_t i;
	int z;

	for (i = 0; i < l->ntx; i++)
		if (l->idx[i] == 0)
			break;
	if (i == l->ntx)
		return 0;
	if (l->ntx && l->zone[l->idx[0]].dst)
		for (z = (int)l->idx[0] - 1; z >= 0; z--)
			if (!l->zone[z].dst)
				return (size_t)z;
	for (i = 0; i < l->nzone; i++)
		if (!l->zone[i].dst)
			return i;
	return 0;
}

static void tz_set(struct tz_info *o, const struct tz_zone *z, int64_t start,
		   int64_t end)
{
	*o = (struct tz_info){ z->name, z->nlen, z->off, start, end, z->dst };
}

/* Go's Location.lookup. */
static void tz_lookup(const struct tz_loc *l, int64_t sec, struct tz_info *o)
{
	size_t lo = 0, hi = l->ntx, m;
	int64_t end = INT64_MAX;

	if (!l->nzone) {
		*o = (struct tz_info){ "UTC", 3, 0, INT64_MIN, INT64_MAX, false };
		return;
	}
	if (!l->ntx || sec < l->when[0]) {
		tz_set(o, &l->zone[tz_first_zone(l)], INT64_MIN,
		       l->ntx ? l->when[0] : INT64_MAX);
		return;
	}
	while (hi - lo > 1) {
		m = lo + (hi - lo) / 2;
		if (sec < l->when[m]) {
			end = l->when[m];
			hi = m;
		} else {
			lo = m;
		}
	}
	tz_set(o, &l->zone[l->idx[lo]], l->when[lo], end);
	if (lo == l->ntx - 1 && l->nextend &&
	    posix_tz(l->extend, l->extend + l->nextend, end, sec, o))
		return;
}

/* The instant whose wall clock in l reads wall (Go's Date). */
static int64_t tz_unwall(const struct tz_loc *l, int64_t wall)
{
	struct tz_info z;

	tz_lookup(l, wall, &z);
	if (z.off) {
		int64_t utc = wall - z.off;

		if (utc < z.start || utc >= z.end)
			tz_lookup(l, utc, &z);
		wall -= z.off;
	}
	return wall;
}

/* A bounded reader over a TZif file. */
struct tzr {
	const unsigned char *p;
	size_t n;
	bool bad;
};

static const unsigned char *tzr_take(struct tzr *r, size_t n)
{
	const unsigned char *p = r->p;

	if (r->bad || r->n < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->n -= n;
	return p;
}

static uint32_t tzr_u32(struct tzr *r)
{
	const unsigned char *p = tzr_take(r, 4);

	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		   (uint32_t)p[2] << 8 | p[3] : 0;
}

/* Go's LoadLocationFromTZData: the 64-bit data of version 2+ files, and
 * the POSIX rule that follows it. */
static bool tz_parse(struct rv_arena *a, const unsigned char *data, size_t len,
		     struct tz_loc *l)
{
	struct tzr r = { data, len, false };
	const unsigned char *hdr, *tx, *txz, *zd, *abbr;
	uint32_t cnt[6];
	size_t i, size = 4, k;
	int version;

	hdr = tzr_take(&r, 20);
	if (!hdr || memcmp(hdr, "TZif", 4))
		return false;
	version = hdr[4] == 0 ? 1 : hdr[4] >= '2' && hdr[4] <= '4' ? 2 : 0;
	if (!version)
		return false;
	for (i = 0; i < 6; i++)
		cnt[i] = tzr_u32(&r);
	if (version > 1) { /* skip the 32-bit data and the second header */
		size_t skip = (size_t)cnt[3] * 5 + (size_t)cnt[4] * 6 + cnt[5] +
			      (size_t)cnt[2] * 8 + cnt[1] + cnt[0] + 20;

		tzr_take(&r, skip);
		for (i = 0; i < 6; i++)
			cnt[i] = tzr_u32(&r);
		size = 8;
	}
	if (r.bad || cnt[4] == 0 || cnt[4] > 256 || cnt[3] > 100000)
		return false;
	tx = tzr_take(&r, cnt[3] * size);
	txz = tzr_take(&r, cnt[3]);
	zd = tzr_take(&r, (size_t)cnt[4] * 6);
	abbr = tzr_take(&r, cnt[5]);
	tzr_take(&r, (size_t)cnt[2] * (size + 4) + cnt[1] + cnt[0]);
	if (r.bad)
		return false;
	if (r.n > 2 && r.p[0] == '\n' && r.p[r.n - 1] == '\n') {
		l->extend = rv_strndup(a, (const char *)r.p + 1, r.n - 2);
		l->nextend = l->extend ? r.n - 2 : 0;
	}
	l->nzone = cnt[4];
	l->ntx = cnt[3] ? cnt[3] : 1;
	l->zone = rv_alloc(a, l->nzone * sizeof(*l->zone));
	l->when = rv_alloc(a, l->ntx * sizeof(*l->when));
	l->idx = rv_alloc(a, l->ntx);
	if (!l->zone || !l->when || !l->idx)
		return false;
	for (i = 0; i < l->nzone; i++) {
		const unsigned char *z = zd + 6 * i;

		l->zone[i].off = (int32_t)((uint32_t)z[0] << 24 |
					   (uint32_t)z[1] << 16 |
					   (uint32_t)z[2] << 8 | z[3]);
		l->zone[i].dst = z[4] != 0;
		if (z[5] >= cnt[5])
			return false;
		for (k = z[5]; k < cnt[5] && abbr[k]; k++)
			;
		l->zone[i].name = (const char *)abbr + z[5];
		l->zone[i].nlen = k - z[5];
		if (!(l->zone[i].name = rv_strndup(a, l->zone[i].name,
						   l->zone[i].nlen)))
			return false;
	}
	/* No transitions (fixed zones such as Etc/GMT+1): one for all time. */
	l->when[0] = INT64_MIN;
	l->idx[0] = 0;
	for (i = 0; i < cnt[3]; i++) {
		const unsigned char *t = tx + size * i;
		uint64_t v = 0;

		for (k = 0; k < size; k++)
			v = v << 8 | t[k];
		l->when[i] = size == 4 ? (int64_t)(int32_t)(uint32_t)v
				       : (int64_t)v;
		if (txz[i] >= l->nzone)
			return false;
		l->idx[i] = txz[i];
	}
	return true;
}

/* Read a zone file into the arena. Returns 0, or an errno value. */
static int tz_read(struct rv_arena *a, const char *path, unsigned char **out,
		   size_t *len)
{
	struct stat sb;
	unsigned char *p;
	size_t got = 0;
	ssize_t k;
	int fd, e = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno;
	if (fstat(fd, &sb) < 0) {
		e = errno;
	} else if (S_ISDIR(sb.st_mode)) {
		e = EISDIR;
	} else if (!S_ISREG(sb.st_mode) || sb.st_size > (1 << 20)) {
		e = EFBIG;
	} else if (!(p = rv_alloc(a, (size_t)sb.st_size + 1))) {
		e = ENOMEM;
	} else {
		while (got < (size_t)sb.st_size &&
		       (k = read(fd, p + got, (size_t)sb.st_size - got)) != 0) {
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				e = errno;
				break;
			}
			got += (size_t)k;
		}
		*out = p;
		*len = got;
	}
	close(fd);
	return e;
}

static const char *const tz_dirs[] = {
	"/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/",
	"/usr/lib/locale/TZ/",
};

/* Load a zone by file path; returns 0, ENOENT-like errno, or -1 when the
 * file is not zone data. */
static int tz_load_path(struct rv_arena *a, const char *path,
			struct tz_loc **out)
{
	unsigned char *data = NULL;
	size_t len = 0;
	struct tz_loc *l;
	int e;

	if ((e = tz_read(a, path, &data, &len)) != 0)
		return e;
	if (!(l = rv_alloc(a, sizeof(*l))))
		return ENOMEM;
	if (!tz_parse(a, data, len, l))
		return a->exhausted ? ENOMEM : -1;
	*out = l;
	return 0;
}

/* Go's Local: $TZ if set ("" is UTC), else /etc/localtime; UTC when
 * neither loads. Reading the environment is safe; only setenv is not. */
static const struct tz_loc *tz_local(struct rv_arena *a)
{
	const char *tz = getenv("TZ");
	char path[PATH_MAX];
	struct tz_loc *l;
	size_t i;

	if (!tz)
		return tz_load_path(a, "/etc/localtime", &l) ? &tz_utc : l;
	if (*tz == ':')
		tz++;
	if (!*tz || !strcmp(tz, "UTC"))
		return &tz_utc;
	if (*tz == '/')
		return tz_load_path(a, tz, &l) ? &tz_utc : l;
	if (strstr(tz, ".."))
		return &tz_utc;
	for (i = 0; i < sizeof(tz_dirs) / sizeof(*tz_dirs); i++) {
		int n = snprintf(path, sizeof(path), "%s%s", tz_dirs[i], tz);

		if (n > 0 && (size_t)n < sizeof(path) &&
		    tz_load_path(a, path, &l) == 0)
			return l;
	}
	return &tz_utc;
}

/* Go's LoadLocation, from the system zone database. Names are checked
 * before they become paths: no "..", no leading slash. */
static enum rb_status tz_load(struct rb_ctx *c, const char *name, size_t n,
			      const struct tz_loc **out)
{
	char path[PATH_MAX];
	const char *first = NULL;
	struct tz_loc *l;
	size_t i;
	int e, len;

	*out = &tz_utc;
	if (n == 0 || (n == 3 && !memcmp(name, "UTC", 3)))
		return RB_OK;
	if (n == 5 && !memcmp(name, "Local", 5)) {
		*out = tz_local(c->arena);
		return c->arena->exhausted ? rb_nomem(c) : RB_OK;
	}
	for (i = 0; i + 1 < n; i++)
		if (name[i] == '.' && name[i + 1] == '.')
			return rb_error(c, "time: invalid location name");
	if (name[0] == '/' || name[0] == '\\')
		return rb_error(c, "time: invalid location name");
	if (memchr(name, '\0', n) || n > 255)
		goto unknown;
	for (i = 0; i < sizeof(tz_dirs) / sizeof(*tz_dirs); i++) {
		len = snprintf(path, sizeof(path), "%s%.*s", tz_dirs[i], (int)n,
			       name);
		if (len < 0 || (size_t)len >= sizeof(path))
			continue;
		e = tz_load_path(c->arena, path, &l);
		if (e == 0) {
			*out = l;
			return RB_OK;
		}
		if (e == ENOMEM)
			return rb_nomem(c);
		if (!first && e == -1)
			first = "malformed time zone information";
		else if (!first && e == EISDIR)
			first = "is a directory";
		else if (!first && e != ENOENT && e != ENOTDIR)
			first = "cannot read time zone information";
	}
	if (first)
		return rb_error(c, "%s", first);
unknown:
	return rb_error(c, "unknown time zone %.*s", (int)(n > 100 ? 100 : n),
			name);
}

/* ---- time: instants ---- */

struct gtime {
	int64_t sec; /* Unix seconds */
	int32_t nsec;
	const struct tz_loc *loc;
};

static void gtime_civil(const struct gtime *t, struct civil *cv,
			struct tz_info *z)
{
	tz_lookup(t->loc, t->sec, z);
	civil_of(t->sec + z->off, cv);
}

#define TZ_WANT "either number (ns) or [number (ns), string (tz)]"

/* OPA's tzTime: nanoseconds, or [ns, zone name, layout]. OPA names operand
 * 1 in every message, whichever operand it is. */
static enum rb_status tz_time(struct rb_ctx *c, const struct rv *a,
			      struct gtime *t, const struct rv **layout)
{
	const struct rv *n = a;
	enum rb_status st;
	int64_t ns;

	t->loc = &tz_utc;
	if (layout)
		*layout = NULL;
	if (rv_is(a, RV_ARRAY)) {
		if (!a->u.arr.n)
			return rb_type_error(c, 1, TZ_WANT, a);
		n = a->u.arr.v[0];
		if (n->type != RV_NUMBER)
			return rb_type_error(c, 1, "number", n);
		if (a->u.arr.n > 1) {
			const struct rv *tz = a->u.arr.v[1];

			if (tz->type != RV_STRING)
				return rb_type_error(c, 1, "string", tz);
			st = tz_load(c, tz->u.str.s, tz->u.str.len, &t->loc);
			if (st != RB_OK)
				return st;
		}
		if (a->u.arr.n > 2) {
			if (a->u.arr.v[2]->type != RV_STRING)
				return rb_type_error(c, 1, "string",
						     a->u.arr.v[2]);
			if (layout)
				*layout = a->u.arr.v[2];
		}
	} else if (!rv_is(a, RV_NUMBER)) {
		return rb_type_error(c, 1, TZ_WANT, a);
	}
	if (!rv_num_int(n, &ns))
		return rb_error(c, "timestamp too big");
	t->sec = floor_div(ns, NS_PER_SEC);
	t->nsec = (int32_t)(ns - t->sec * NS_PER_SEC);
	return RB_OK;
}

/* OPA's toSafeUnixNano: the instant must fit int64 nanoseconds. */
static enum rb_status ret_time(struct rb_ctx *c, int64_t sec, int64_t nsec,
			       struct rv **out)
{
	__int128 ns = (__int128)sec * NS_PER_SEC + nsec;

	if (ns < INT64_MIN || ns > INT64_MAX)
		return rb_error(c, "time outside of valid range");
	return ret_int(c, (int64_t)ns, out);
}

static const char *const long_days[] = { "Sunday", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday" };
static const char *const long_months[] = { "January", "February", "March",
	"April", "May", "June", "July", "August", "September", "October",
	"November", "December" };

/* ---- time: Go layouts ---- */

enum {
	STD_NEED_DATE = 1 << 8,
	STD_NEED_YDAY = 1 << 9,
	STD_NEED_CLOCK = 1 << 10,
	STD_ARG_SHIFT = 16,
	STD_SEP_SHIFT = 28,
	STD_MASK = (1 << STD_ARG_SHIFT) - 1,

	STD_LONG_MONTH = 1 | STD_NEED_DATE, /* January */
	STD_MONTH, /* Jan */
	STD_NUM_MONTH, /* 1 */
	STD_ZERO_MONTH, /* 01 */
	STD_LONG_WEEKDAY, /* Monday */
	STD_WEEKDAY, /* Mon */
	STD_DAY, /* 2 */
	STD_UNDER_DAY, /* _2 */
	STD_ZERO_DAY, /* 02 */
	STD_UNDER_YEARDAY = 10 | STD_NEED_YDAY, /* __2 */
	STD_ZERO_YEARDAY, /* 002 */
	STD_HOUR = 12 | STD_NEED_CLOCK, /* 15 */
	STD_HOUR12, /* 3 */
	STD_ZERO_HOUR12, /* 03 */
	STD_MINUTE, /* 4 */
	STD_ZERO_MINUTE, /* 04 */
	STD_SECOND, /* 5 */
	STD_ZERO_SECOND, /* 05 */
	STD_LONG_YEAR = 19 | STD_NEED_DATE, /* 2006 */
	STD_YEAR, /* 06 */
	STD_PM = 21 | STD_NEED_CLOCK, /* PM */
	STD_pm, /* pm */
	STD_TZ = 23, /* MST */
	STD_ISO8601_TZ, /* Z0700 */
	STD_ISO8601_SECONDS_TZ, /* Z070000 */
	STD_ISO8601_SHORT_TZ, /* Z07 */
	STD_ISO8601_COLON_TZ, /* Z07:00 */
	STD_ISO8601_COLON_SECONDS_TZ, /* Z07:00:00 */
	STD_NUM_TZ, /* -0700 */
	STD_NUM_SECONDS_TZ, /* -070000 */
	STD_NUM_SHORT_TZ, /* -07 */
	STD_NUM_COLON_TZ, /* -07:00 */
	STD_NUM_COLON_SECONDS_TZ, /* -07:00:00 */
	STD_FRAC_SECOND0, /* .0, .00, ... trailing zeros kept */
	STD_FRAC_SECOND9, /* .9, .99, ... trailing zeros dropped */
};

static bool has_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);

	return n - i >= k && !memcmp(s + i, w, k);
}

/* Go's nextStdChunk: the first layout element at or after the start.
 * Sets *at to its offset and *len to its length; returns the element, or 0
 * (at = n) when there is none. */
static int next_std(const char *s, size_t n, size_t *at, size_t *len)
{
	static const int std0x[] = { STD_ZERO_MONTH, STD_ZERO_DAY,
				     STD_ZERO_HOUR12, STD_ZERO_MINUTE,
				     STD_ZERO_SECOND, STD_YEAR };
	static const struct { const char *w; int std; } zones[] = {
		{ "-070000", STD_NUM_SECONDS_TZ },
		{ "-07:00:00", STD_NUM_COLON_SECONDS_TZ },
		{ "-0700", STD_NUM_TZ }, { "-07:00", STD_NUM_COLON_TZ },
		{ "-07", STD_NUM_SHORT_TZ },
		{ "Z070000", STD_ISO8601_SECONDS_TZ },
		{ "Z07:00:00", STD_ISO8601_COLON_SECONDS_TZ },
		{ "Z0700", STD_ISO8601_TZ }, { "Z07:00", STD_ISO8601_COLON_TZ },
		{ "Z07", STD_ISO8601_SHORT_TZ },
	};
	size_t i, j, z;

#define FOUND(off, l, std) do { *at = (off); *len = (l); return (std); } while (0)
	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case 'J':
			if (has_at(s, n, i, "January"))
				FOUND(i, 7, STD_LONG_MONTH);
			if (has_at(s, n, i, "Jan") &&
			    !(i + 3 < n && s[i + 3] >= 'a' && s[i + 3] <= 'z'))
				FOUND(i, 3, STD_MONTH);
			break;
		case 'M':
			if (has_at(s, n, i, "Monday"))
				FOUND(i, 6, STD_LONG_WEEKDAY);
			if (has_at(s, n, i, "Mon") &&
			    !(i + 3 < n && s[i + 3] >= 'a' && s[i + 3] <= 'z'))
				FOUND(i, 3, STD_WEEKDAY);
			if (has_at(s, n, i, "MST"))
				FOUND(i, 3, STD_TZ);
			break;
		case '0':
			if (i + 1 < n && s[i + 1] >= '1' && s[i + 1] <= '6')
				FOUND(i, 2, std0x[s[i + 1] - '1']);
			if (has_at(s, n, i, "002"))
				FOUND(i, 3, STD_ZERO_YEARDAY);
			break;
		case '1':
			if (i + 1 < n && s[i + 1] == '5')
				FOUND(i, 2, STD_HOUR);
			FOUND(i, 1, STD_NUM_MONTH);
		case '2':
			if (has_at(s, n, i, "2006"))
				FOUND(i, 4, STD_LONG_YEAR);
			FOUND(i, 1, STD_DAY);
		case '_':
			if (i + 1 < n && s[i + 1] == '2') {
				/* _2006 is a literal _ then the year */
				if (has_at(s, n, i + 1, "2006"))
					FOUND(i + 1, 4, STD_LONG_YEAR);
				FOUND(i, 2, STD_UNDER_DAY);
			}
			if (has_at(s, n, i, "__2"))
				FOUND(i, 3, STD_UNDER_YEARDAY);
			break;
		case '3':
			FOUND(i, 1, STD_HOUR12);
		case '4':
			FOUND(i, 1, STD_MINUTE);
		case '5':
			FOUND(i, 1, STD_SECOND);
		case 'P':
			if (i + 1 < n && s[i + 1] == 'M')
				FOUND(i, 2, STD_PM);
			break;
		case 'p':
			if (i + 1 < n && s[i + 1] == 'm')
				FOUND(i, 2, STD_pm);
			break;
		case '-':
		case 'Z':
			for (z = 0; z < sizeof(zones) / sizeof(*zones); z++)
				if (zones[z].w[0] == s[i] &&
				    has_at(s, n, i, zones[z].w))
					FOUND(i, strlen(zones[z].w), zones[z].std);
			break;
		case '.':
		case ',': /* ,000 .000 ,999 .999: digits must end there */
			if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '9')) {
				for (j = i + 1; j < n && s[j] == s[i + 1]; j++)
					;
				if (!(j < n && is_digit(s[j]))) {
					int std = s[i + 1] == '0' ? STD_FRAC_SECOND0
								  : STD_FRAC_SECOND9;

					std |= (int)((j - (i + 1)) & 0xfff) << STD_ARG_SHIFT;
					if (s[i] == ',')
						std |= 1 << STD_SEP_SHIFT;
					FOUND(i, j - i, std);
				}
			}
			break;
		}
	}
#undef FOUND
	*at = n;
	*len = 0;
	return 0;
}

/* Go's appendInt: zero-padded to width, sign first. */
static void put_int(struct rv_buf *b, int64_t x, int width)
{
	char d[24];
	int n = 0;
	uint64_t u = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;

	if (x < 0)
		rv_buf_puts(b, "-", 1);
	do {
		d[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	for (; width > n; width--)
		rv_buf_puts(b, "0", 1);
	while (n)
		rv_buf_puts(b, &d[--n], 1);
}

/* Go's appendNano: at most nine digits, whatever the layout's width. */
static void put_nano(struct rv_buf *b, int32_t nsec, int std)
{
	bool trim = (std & STD_MASK) == STD_FRAC_SECOND9;
	int digits = (std >> STD_ARG_SHIFT) & 0xfff;
	char d[16];
	int n;

	if (trim && (digits == 0 || nsec == 0))
		return;
	d[0] = (std >> STD_SEP_SHIFT) ? ',' : '.';
	snprintf(d + 1, sizeof(d) - 1, "%09d", (int)nsec);
	n = digits < 9 ? digits + 1 : 10;
	if (trim) {
		while (n > 1 && d[n - 1] == '0')
			n--;
		if (n == 1)
			n = 0;
	}
	rv_buf_puts(b, d, (size_t)n);
}

static void put_zone(struct rv_buf *b, int std, int32_t off)
{
	int zone = off / 60, absoff = off;

	if (off == 0 && (std == STD_ISO8601_TZ || std == STD_ISO8601_COLON_TZ ||
			 std == STD_ISO8601_SECONDS_TZ ||
			 std == STD_ISO8601_SHORT_TZ ||
			 std == STD_ISO8601_COLON_SECONDS_TZ)) {
		rv_buf_puts(b, "Z", 1);
		return;
	}
	if (zone < 0) {
		rv_buf_puts(b, "-", 1);
		zone = -zone;
		absoff = -absoff;
	} else {
		rv_buf_puts(b, "+", 1);
	}
	put_int(b, zone / 60, 2);
	if (std == STD_ISO8601_COLON_TZ || std == STD_NUM_COLON_TZ ||
	    std == STD_ISO8601_COLON_SECONDS_TZ ||
	    std == STD_NUM_COLON_SECONDS_TZ)
		rv_buf_puts(b, ":", 1);
	if (std != STD_NUM_SHORT_TZ && std != STD_ISO8601_SHORT_TZ)
		put_int(b, zone % 60, 2);
	if (std == STD_ISO8601_SECONDS_TZ || std == STD_NUM_SECONDS_TZ ||
	    std == STD_NUM_COLON_SECONDS_TZ ||
	    std == STD_ISO8601_COLON_SECONDS_TZ) {
		if (std == STD_NUM_COLON_SECONDS_TZ ||
		    std == STD_ISO8601_COLON_SECONDS_TZ)
			rv_buf_puts(b, ":", 1);
		put_int(b, absoff % 60, 2);
	}
}

/* Go's Time.Format. */
static void time_format(struct rv_buf *b, const struct gtime *t,
			const char *lay, size_t n)
{
	struct civil cv;
	struct tz_info z;
	size_t at, len;
	int std, hr;

	gtime_civil(t, &cv, &z);
	while (n) {
		std = next_std(lay, n, &at, &len);
		rv_buf_puts(b, lay, at);
		if (!std)
			break;
		lay += at + len;
		n -= at + len;
		switch (std & STD_MASK) {
		case STD_YEAR:
			put_int(b, (cv.year < 0 ? -cv.year : cv.year) % 100, 2);
			break;
		case STD_LONG_YEAR:
			put_int(b, cv.year, 4);
			break;
		case STD_MONTH:
			rv_buf_puts(b, long_months[cv.month - 1], 3);
			break;
		case STD_LONG_MONTH:
			rv_buf_puts(b, long_months[cv.month - 1],
				    strlen(long_months[cv.month - 1]));
			break;
		case STD_NUM_MONTH:
			put_int(b, cv.month, 0);
			break;
		case STD_ZERO_MONTH:
			put_int(b, cv.month, 2);
			break;
		case STD_WEEKDAY:
			rv_buf_puts(b, long_days[cv.wday], 3);
			break;
		case STD_LONG_WEEKDAY:
			rv_buf_puts(b, long_days[cv.wday],
				    strlen(long_days[cv.wday]));
			break;
		case STD_DAY:
			put_int(b, cv.day, 0);
			break;
		case STD_UNDER_DAY:
			if (cv.day < 10)
				rv_buf_puts(b, " ", 1);
			put_int(b, cv.day, 0);
			break;
		case STD_ZERO_DAY:
			put_int(b, cv.day, 2);
			break;
		case STD_UNDER_YEARDAY:
			if (cv.yday < 100)
				rv_buf_puts(b, cv.yday < 10 ? "  " : " ",
					    cv.yday < 10 ? 2 : 1);
			put_int(b, cv.yday, 0);
			break;
		case STD_ZERO_YEARDAY:
			put_int(b, cv.yday, 3);
			break;
		case STD_HOUR:
			put_int(b, cv.hour, 2);
			break;
		case STD_HOUR12:
		case STD_ZERO_HOUR12:
			hr = cv.hour % 12 ? cv.hour % 12 : 12;
			put_int(b, hr, std == STD_HOUR12 ? 0 : 2);
			break;
		case STD_MINUTE:
			put_int(b, cv.min, 0);
			break;
		case STD_ZERO_MINUTE:
			put_int(b, cv.min, 2);
			break;
		case STD_SECOND:
			put_int(b, cv.sec, 0);
			break;
		case STD_ZERO_SECOND:
			put_int(b, cv.sec, 2);
			break;
		case STD_PM:
			rv_buf_puts(b, cv.hour >= 12 ? "PM" : "AM", 2);
			break;
		case STD_pm:
			rv_buf_puts(b, cv.hour >= 12 ? "pm" : "am", 2);
			break;
		case STD_TZ:
			if (z.nlen) {
				rv_buf_puts(b, z.name, z.nlen);
				break;
			}
			put_zone(b, STD_NUM_TZ, z.off);
			break;
		case STD_FRAC_SECOND0:
		case STD_FRAC_SECOND9:
			put_nano(b, t->nsec, std);
			break;
		default:
			put_zone(b, std, z.off);
		}
	}
}

/* time's own quote() in parse errors: bytes outside printable ASCII as
 * \xNN. */
static void time_quote(struct rv_buf *b, const char *s, size_t n)
{
	size_t i;

	rv_buf_puts(b, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x80 || ch < ' ')
			rv_buf_printf(b, "\\x%02x", ch);
		else if (ch == '"' || ch == '\\')
			rv_buf_printf(b, "\\%c", ch);
		else
			rv_buf_puts(b, s + i, 1);
	}
	rv_buf_puts(b, "\"", 1);
}

struct tparse {
	const char *layout, *value; /* the whole inputs, for messages */
	size_t nlayout, nvalue;
	struct rv_buf *err;
};

/* ParseError.Error(): either "cannot parse X as Y" or a message. */
static bool tp_fail(struct tparse *tp, const char *lelem, size_t nl,
		    const char *velem, size_t nv, const char *msg)
{
	rv_buf_puts(tp->err, "parsing time ", 13);
	time_quote(tp->err, tp->value, tp->nvalue);
	if (msg) {
		rv_buf_puts(tp->err, msg, strlen(msg));
		return false;
	}
	rv_buf_puts(tp->err, " as ", 4);
	time_quote(tp->err, tp->layout, tp->nlayout);
	rv_buf_puts(tp->err, ": cannot parse ", 15);
	time_quote(tp->err, velem, nv);
	rv_buf_puts(tp->err, " as ", 4);
	time_quote(tp->err, lelem, nl);
	return false;
}

static bool tp_range(struct tparse *tp, const char *what)
{
	char m[64];

	snprintf(m, sizeof(m), ": %s out of range", what);
	return tp_fail(tp, NULL, 0, NULL, 0, m);
}

/* getnum: one or two digits (two when fixed). */
static bool getnum(const char **v, const char *e, bool fixed, int *out)
{
	const char *p = *v;

	if (p == e || !is_digit(*p))
		return false;
	if (p + 1 == e || !is_digit(p[1])) {
		if (fixed)
			return false;
		*out = *p - '0';
		*v = p + 1;
		return true;
	}
	*out = (p[0] - '0') * 10 + (p[1] - '0');
	*v = p + 2;
	return true;
}

static bool getnum3(const char **v, const char *e, bool fixed, int *out)
{
	const char *p = *v;
	int n = 0, i;

	for (i = 0; i < 3 && p + i < e && is_digit(p[i]); i++)
		n = n * 10 + (p[i] - '0');
	if (i == 0 || (fixed && i != 3))
		return false;
	*out = n;
	*v = p + i;
	return true;
}

/* The time package's atoi: optional sign, then only digits. */
static bool t_atoi(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	uint64_t x = 0;
	size_t i = 0;

	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	for (; i < n; i++) {
		if (!is_digit(s[i]) || x > (1ULL << 63) / 10)
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
		if (x > 1ULL << 63)
			return false;
	}
	if (x > (uint64_t)INT64_MAX)
		return false; /* int(q) would wrap in Go; refuse instead */
	*out = neg ? -(int64_t)x : (int64_t)x;
	return true;
}

/* parseNanoseconds over value[0:nbytes] (a separator, then digits). */
static bool parse_nanos(const char *v, size_t nbytes, int32_t *ns,
			const char **range)
{
	int64_t x;
	size_t scale;

	if (v[0] != '.' && v[0] != ',')
		return false;
	if (nbytes > 10)
		nbytes = 10;
	if (!t_atoi(v + 1, nbytes - 1, &x))
		return false;
	if (x < 0) {
		*range = "fractional second";
		return true;
	}
	for (scale = 10 - nbytes; scale; scale--)
		x *= 10;
	*ns = (int32_t)x;
	return true;
}

/* skip: the literal text between elements; runs of spaces match runs.
 * Like Go's, it leaves *v where matching stopped, for the message. */
static bool tp_skip(const char **v, const char *ve, const char *p,
		    const char *pe)
{
	const char *s = *v;
	bool ok = true;

	while (p < pe) {
		if (*p == ' ') {
			if (s < ve && *s != ' ') {
				ok = false;
				break;
			}
			while (p < pe && *p == ' ')
				p++;
			while (s < ve && *s == ' ')
				s++;
			continue;
		}
		if (s == ve || *s != *p) {
			ok = false;
			break;
		}
		p++;
		s++;
	}
	*v = s;
	return ok;
}

static int lookup_name(const char **v, const char *e,
		       const char *const *tab, int n, size_t width)
{
	int i;
	size_t k, l;

	for (i = 0; i < n; i++) {
		l = width ? width : strlen(tab[i]);
		if ((size_t)(e - *v) < l)
			continue;
		for (k = 0; k < l; k++) {
			char a = (*v)[k], b = tab[i][k];

			if (a != b && ((a | 0x20) != (b | 0x20) ||
				       (a | 0x20) < 'a' || (a | 0x20) > 'z'))
				break;
		}
		if (k == l) {
			*v += l;
			return i;
		}
	}
	return -1;
}

/* Go's parseTimeZone: the length of a zone abbreviation, or 0. */
static size_t zone_abbrev(const char *v, const char *e)
{
	size_t n = (size_t)(e - v), up, k;
	uint64_t x;

	if (n < 3)
		return 0;
	if (n >= 4 && (!memcmp(v, "ChST", 4) || !memcmp(v, "MeST", 4)))
		return 4;
	if (!memcmp(v, "GMT", 3) || v[0] == '+' || v[0] == '-') {
		/* GMT, optionally with a signed hour offset up to 23 */
		size_t base = v[0] == 'G' ? 3 : 0;

		if (base == 3 && n == 3)
			return 3;
		if (v[base] != '+' && v[base] != '-')
			return base;
		for (k = base + 1, x = 0; k < n && is_digit(v[k]); k++) {
			x = x * 10 + (uint64_t)(v[k] - '0');
			if (x > 1000)
				break;
		}
		if (k == base + 1 || x > 23)
			return base;
		return k;
	}
	for (up = 0; up < 6 && up < n && v[up] >= 'A' && v[up] <= 'Z'; up++)
		;
	switch (up) {
	case 3:
		return 3;
	case 4:
		return v[3] == 'T' || !memcmp(v, "WITA", 4) ? 4 : 0;
	case 5:
		return v[4] == 'T' ? 5 : 0;
	default:
		return 0;
	}
}

/* A numeric zone offset for the given element. As in Go, an out-of-range
 * field is reported even when a later field is not a number. */
static bool parse_offset(const char **vp, const char *ve, int std, int *off,
			 const char **range)
{
	const char *v = *vp, *hh, *mm = "00", *ss = "00";
	size_t need = 5;
	int hr = 0, mi = 0, se = 0;
	bool ok;

	if (std == STD_ISO8601_COLON_TZ || std == STD_NUM_COLON_TZ)
		need = 6;
	else if (std == STD_NUM_SHORT_TZ || std == STD_ISO8601_SHORT_TZ)
		need = 3;
	else if (std == STD_ISO8601_COLON_SECONDS_TZ ||
		 std == STD_NUM_COLON_SECONDS_TZ)
		need = 9;
	else if (std == STD_ISO8601_SECONDS_TZ || std == STD_NUM_SECONDS_TZ)
		need = 7;
	if ((size_t)(ve - v) < need)
		return false;
	hh = v + 1;
	if (need == 6 || need == 9) {
		if (v[3] != ':' || (need == 9 && v[6] != ':'))
			return false;
		mm = v + 4;
		if (need == 9)
			ss = v + 7;
	} else if (need == 7 || need == 5) {
		mm = v + 3;
		if (need == 7)
			ss = v + 5;
	}
	ok = getnum(&hh, hh + 2, true, &hr) && getnum(&mm, mm + 2, true, &mi) &&
	     getnum(&ss, ss + 2, true, &se);
	/* > rather than >=: offsets of 24 hours or 60 minutes are written. */
	if (hr > 24)
		*range = "time zone offset hour";
	if (mi > 60)
		*range = "time zone offset minute";
	if (se > 60)
		*range = "time zone offset second";
	*off = (hr * 60 + mi) * 60 + se;
	if (v[0] == '-')
		*off = -*off;
	else if (v[0] != '+')
		ok = false;
	*vp = v + need;
	return ok;
}

struct tfields {
	int64_t year;
	int month, day, yday, hour, min, sec, zoff;
	int32_t nsec;
	bool am, pm, utc;
};

/* One layout element of Go's parse. Returns false with *range unset for a
 * plain mismatch. */
static bool tp_elem(int std, const char *lrest, size_t nlrest,
		    const char **vp, const char *ve, struct tfields *f,
		    const char **range)
{
	const char *v = *vp;
	size_t at, len, k;
	int64_t x;
	int n;

	switch (std & STD_MASK) {
	case STD_YEAR:
		if (ve - v < 2 || !t_atoi(v, 2, &x))
			return false;
		f->year = x >= 69 ? x + 1900 : x + 2000;
		v += 2;
		break;
	case STD_LONG_YEAR:
		if (ve - v < 4 || !is_digit(*v) || !t_atoi(v, 4, &f->year))
			return false;
		v += 4;
		break;
	case STD_MONTH:
	case STD_LONG_MONTH:
		n = lookup_name(&v, ve, long_months, 12,
				(std & STD_MASK) == STD_MONTH ? 3 : 0);
		if (n < 0)
			return false;
		f->month = n + 1;
		break;
	case STD_NUM_MONTH:
	case STD_ZERO_MONTH:
		if (!getnum(&v, ve, std == STD_ZERO_MONTH, &f->month))
			return false;
		if (f->month <= 0 || f->month > 12)
			*range = "month";
		break;
	case STD_WEEKDAY:
	case STD_LONG_WEEKDAY:
		if (lookup_name(&v, ve, long_days, 7,
				(std & STD_MASK) == STD_WEEKDAY ? 3 : 0) < 0)
			return false;
		break;
	case STD_DAY:
	case STD_UNDER_DAY:
	case STD_ZERO_DAY:
		if (std == STD_UNDER_DAY && v < ve && *v == ' ')
			v++;
		if (!getnum(&v, ve, std == STD_ZERO_DAY, &f->day))
			return false;
		break;
	case STD_UNDER_YEARDAY:
	case STD_ZERO_YEARDAY:
		for (k = 0; k < 2; k++)
			if (std == STD_UNDER_YEARDAY && v < ve && *v == ' ')
				v++;
		if (!getnum3(&v, ve, std == STD_ZERO_YEARDAY, &f->yday))
			return false;
		break;
	case STD_HOUR:
		if (!getnum(&v, ve, false, &f->hour))
			return false;
		if (f->hour >= 24)
			*range = "hour";
		break;
	case STD_HOUR12:
	case STD_ZERO_HOUR12:
		if (!getnum(&v, ve, std == STD_ZERO_HOUR12, &f->hour))
			return false;
		if (f->hour > 12)
			*range = "hour";
		break;
	case STD_MINUTE:
	case STD_ZERO_MINUTE:
		if (!getnum(&v, ve, std == STD_ZERO_MINUTE, &f->min))
			return false;
		if (f->min >= 60)
			*range = "minute";
		break;
	case STD_SECOND:
	case STD_ZERO_SECOND:
		if (!getnum(&v, ve, std == STD_ZERO_SECOND, &f->sec))
			return false;
		if (f->sec >= 60) {
			*range = "second";
			break;
		}
		/* A fraction the layout does not mention is still read. */
		if (ve - v >= 2 && (*v == '.' || *v == ',') && is_digit(v[1])) {
			int next = next_std(lrest, nlrest, &at, &len) & STD_MASK;

			if (next == STD_FRAC_SECOND0 || next == STD_FRAC_SECOND9)
				break;
			for (k = 2; v + k < ve && is_digit(v[k]); k++)
				;
			if (!parse_nanos(v, k, &f->nsec, range))
				return false;
			v += k;
		}
		break;
	case STD_PM:
	case STD_pm:
		if (ve - v < 2)
			return false;
		if (!memcmp(v, std == STD_PM ? "PM" : "pm", 2))
			f->pm = true;
		else if (!memcmp(v, std == STD_PM ? "AM" : "am", 2))
			f->am = true;
		else
			return false;
		v += 2;
		break;
	case STD_ISO8601_TZ:
	case STD_ISO8601_SHORT_TZ:
	case STD_ISO8601_COLON_TZ:
	case STD_ISO8601_SECONDS_TZ:
	case STD_ISO8601_COLON_SECONDS_TZ:
		if (v < ve && *v == 'Z') {
			v++;
			f->utc = true;
			break;
		}
		/* fall through */
	case STD_NUM_TZ:
	case STD_NUM_SHORT_TZ:
	case STD_NUM_COLON_TZ:
	case STD_NUM_SECONDS_TZ:
	case STD_NUM_COLON_SECONDS_TZ:
		if (!parse_offset(&v, ve, std, &f->zoff, range))
			return false;
		break;
	case STD_TZ:
		/* With Local as UTC, an abbreviation does not move the
		 * instant: Go records it in a zone of unknown offset. */
		if (ve - v >= 3 && !memcmp(v, "UTC", 3)) {
			v += 3;
			f->utc = true;
			break;
		}
		if (!(k = zone_abbrev(v, ve)))
			return false;
		v += k;
		break;
	case STD_FRAC_SECOND0:
		k = 1 + (size_t)((std >> STD_ARG_SHIFT) & 0xfff);
		if ((size_t)(ve - v) < k || !parse_nanos(v, k, &f->nsec, range))
			return false;
		v += k;
		break;
	case STD_FRAC_SECOND9:
		if (ve - v < 2 || (*v != '.' && *v != ',') || !is_digit(v[1]))
			break; /* omitted */
		for (k = 1; v + k < ve && is_digit(v[k]); k++)
			;
		if (!parse_nanos(v, k, &f->nsec, range))
			return false;
		v += k;
		break;
	}
	*vp = v;
	return true;
}

/* Resolve day-of-year and check the date, as the end of Go's parse. */
static bool tp_finish(struct tparse *tp, struct tfields *f)
{
	int m = 0, d = 0;

	if (f->pm && f->hour < 12)
		f->hour += 12;
	else if (f->am && f->hour == 12)
		f->hour = 0;
	if (f->yday >= 0) {
		if (is_leap(f->year)) {
			if (f->yday == 31 + 29) {
				m = 2;
				d = 29;
			} else if (f->yday > 31 + 29) {
				f->yday--;
			}
		}
		if (f->yday < 1 || f->yday > 365)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year out of range");
		if (!m) {
			m = (f->yday - 1) / 31 + 1;
			if (days_before[m] < f->yday)
				m++;
			d = f->yday - days_before[m - 1];
		}
		if (f->month >= 0 && f->month != m)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year does not match month");
		f->month = m;
		if (f->day >= 0 && f->day != d)
			return tp_fail(tp, NULL, 0, NULL, 0,
				       ": day-of-year does not match day");
		f->day = d;
	} else {
		if (f->month < 0)
			f->month = 1;
		if (f->day < 0)
			f->day = 1;
	}
	if (f->day < 1 || f->day > days_in(f->month, f->year))
		return tp_fail(tp, NULL, 0, NULL, 0, ": day out of range");
	return true;
}

/* Go's time.Parse with Local taken as UTC. On failure, tp->err holds
 * Go's ParseError text. */
static bool time_parse(struct tparse *tp, int64_t *sec, int32_t *nsec)
{
	const char *lay = tp->layout, *v = tp->value;
	const char *ve = tp->value + tp->nvalue;
	size_t n = tp->nlayout, at, len;
	struct tfields f = { .year = 0, .month = -1, .day = -1, .yday = -1,
			     .zoff = INT_MIN };
	const char *range, *hold;
	int std;

	for (;;) {
		std = next_std(lay, n, &at, &len);
		if (!tp_skip(&v, ve, lay, lay + at))
			return tp_fail(tp, lay, at, v, (size_t)(ve - v), NULL);
		if (!std) {
			if (v != ve) {
				struct rv_buf m = { 0 };
				bool r;

				rv_buf_puts(&m, ": extra text: ", 14);
				time_quote(&m, v, (size_t)(ve - v));
				r = tp_fail(tp, NULL, 0, NULL, 0,
					    m.p && !m.failed ? m.p : "");
				free(m.p);
				return r;
			}
			break;
		}
		hold = v;
		range = NULL;
		if (!tp_elem(std, lay + at + len, n - at - len, &v, ve, &f,
			     &range) && !range)
			return tp_fail(tp, lay + at, len, hold,
				       (size_t)(ve - hold), NULL);
		if (range)
			return tp_range(tp, range);
		lay += at + len;
		n -= at + len;
	}
	if (!tp_finish(tp, &f))
		return false;
	*sec = days_from_civil(f.year, f.month, f.day) * SECS_PER_DAY +
	       f.hour * 3600 + f.min * 60 + f.sec;
	if (!f.utc && f.zoff != INT_MIN)
		*sec -= f.zoff;
	*nsec = f.nsec;
	return true;
}

/* OPA's names for Go's layout constants. */
static void layout_named(const char **s, size_t *n)
{
	static const struct { const char *name, *layout; } named[] = {
		{ "ANSIC", "Mon Jan _2 15:04:05 2006" },
		{ "UnixDate", "Mon Jan _2 15:04:05 MST 2006" },
		{ "RubyDate", "Mon Jan 02 15:04:05 -0700 2006" },
		{ "RFC822", "02 Jan 06 15:04 MST" },
		{ "RFC822Z", "02 Jan 06 15:04 -0700" },
		{ "RFC850", "Monday, 02-Jan-06 15:04:05 MST" },
		{ "RFC1123", "Mon, 02 Jan 2006 15:04:05 MST" },
		{ "RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700" },
		{ "RFC3339", "2006-01-02T15:04:05Z07:00" },
		{ "RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00" },
	};
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(*named); i++)
		if (strlen(named[i].name) == *n &&
		    !memcmp(named[i].name, *s, *n)) {
			*s = named[i].layout;
			*n = strlen(named[i].layout);
			return;
		}
}

static enum rb_status parse_ret(struct rb_ctx *c, const char *lay, size_t nl,
				const struct rv *value, struct rv **out)
{
	struct rv_buf err = { 0 };
	struct tparse tp = { lay, value->u.str.s, nl, value->u.str.len, &err };
	int64_t sec = 0;
	int32_t nsec = 0;

	if (!time_parse(&tp, &sec, &nsec))
		return fail_buf(c, &err);
	free(err.p);
	return ret_time(c, sec, nsec, out);
}

/* ---- time: built-ins ---- */

static enum rb_status bi_time_now_ns(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return ret_int(c, c->now_ns, out);
}

static enum rb_status bi_time_parse_ns(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	const char *lay;
	size_t n;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	lay = args[0]->u.str.s;
	n = args[0]->u.str.len;
	layout_named(&lay, &n);
	return parse_ret(c, lay, n, args[1], out);
}

static enum rb_status bi_time_parse_rfc3339_ns(struct rb_ctx *c,
					       struct rv *const *args,
					       struct rv **out)
{
	static const char rfc3339[] = "2006-01-02T15:04:05Z07:00";

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return parse_ret(c, rfc3339, sizeof(rfc3339) - 1, args[0], out);
}

/* Go's time.ParseDuration. */
static bool parse_duration(const char *s, size_t n, int64_t *out,
			   struct rv_buf *err)
{
	static const struct { const char *u; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const char *p = s, *e = s + n, *u;
	uint64_t d = 0, v, f, unit;
	double scale;
	bool neg = false, pre, post, overflow;
	size_t i;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (e - p == 1 && *p == '0') {
		*out = 0;
		return true;
	}
	if (p == e)
		goto invalid;
	while (p < e) {
		if (*p != '.' && !is_digit(*p))
			goto invalid;
		for (v = 0, pre = false; p < e && is_digit(*p); p++, pre = true) {
			if (v > (1ULL << 63) / 10)
				goto invalid;
			v = v * 10 + (uint64_t)(*p - '0');
			if (v > 1ULL << 63)
				goto invalid;
		}
		f = 0;
		scale = 1;
		post = false;
		if (p < e && *p == '.') {
			for (p++, overflow = false; p < e && is_digit(*p);
			     p++, post = true) {
				if (overflow)
					continue;
				if (f > ((1ULL << 63) - 1) / 10) {
					overflow = true;
					continue;
				}
				f = f * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
		}
		if (!pre && !post)
			goto invalid;
		for (u = p; p < e && *p != '.' && !is_digit(*p); p++)
			;
		if (u == p) {
			rv_buf_puts(err, "time: missing unit in duration ", 31);
			time_quote(err, s, n);
			return false;
		}
		for (i = 0, unit = 0; i < sizeof(units) / sizeof(*units); i++)
			if (strlen(units[i].u) == (size_t)(p - u) &&
			    !memcmp(units[i].u, u, (size_t)(p - u)))
				unit = units[i].ns;
		if (!unit) {
			rv_buf_puts(err, "time: unknown unit ", 19);
			time_quote(err, u, (size_t)(p - u));
			rv_buf_puts(err, " in duration ", 13);
			time_quote(err, s, n);
			return false;
		}
		if (v > (1ULL << 63) / unit)
			goto invalid;
		v *= unit;
		if (f > 0) {
			v += (uint64_t)((double)f * ((double)unit / scale));
			if (v > 1ULL << 63)
				goto invalid;
		}
		d += v;
		if (d > 1ULL << 63)
			goto invalid;
	}
	if (neg) {
		*out = d == 1ULL << 63 ? INT64_MIN : -(int64_t)d;
		return true;
	}
	if (d > (uint64_t)INT64_MAX)
		goto invalid;
	*out = (int64_t)d;
	return true;
invalid:
	rv_buf_puts(err, "time: invalid duration ", 23);
	time_quote(err, s, n);
	return false;
}

static enum rb_status bi_time_parse_duration_ns(struct rb_ctx *c,
						struct rv *const *args,
						struct rv **out)
{
	struct rv_buf err = { 0 };
	int64_t d;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!parse_duration(args[0]->u.str.s, args[0]->u.str.len, &d, &err))
		return fail_buf(c, &err);
	free(err.p);
	return ret_int(c, d, out);
}

static enum rb_status bi_time_format(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	static const char nano[] = "2006-01-02T15:04:05.999999999Z07:00";
	struct rv_buf b = { 0 };
	const struct rv *layout;
	struct gtime t;
	enum rb_status st;
	const char *lay = nano;
	size_t n = sizeof(nano) - 1;

	if ((st = tz_time(c, args[0], &t, &layout)) != RB_OK)
		return st;
	if (layout && layout->u.str.len) {
		lay = layout->u.str.s;
		n = layout->u.str.len;
		layout_named(&lay, &n);
	}
	time_format(&b, &t, lay, n);
	return ret_buf(c, &b, out);
}

static enum rb_status ret_triple(struct rb_ctx *c, int64_t a, int64_t b,
				 int64_t d, struct rv **out)
{
	struct rv_builder bl;

	rv_builder_init(&bl, c->arena);
	rv_builder_add(&bl, rv_int(c->arena, a));
	rv_builder_add(&bl, rv_int(c->arena, b));
	rv_builder_add(&bl, rv_int(c->arena, d));
	*out = rv_array_finish(&bl);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_time_date(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	struct gtime t;
	struct civil cv;
	struct tz_info z;
	enum rb_status st;

	if ((st = tz_time(c, args[0], &t, NULL)) != RB_OK)
		return st;
	gtime_civil(&t, &cv, &z);
	return ret_triple(c, cv.year, cv.month, cv.day, out);
}

static enum rb_status bi_time_clock(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct gtime t;
	struct civil cv;
	struct tz_info z;
	enum rb_status st;

	if ((st = tz_time(c, args[0], &t, NULL)) != RB_OK)
		return st;
	gtime_civil(&t, &cv, &z);
	return ret_triple(c, cv.hour, cv.min, cv.sec, out);
}

static enum rb_status bi_time_weekday(struct rb_ctx *c,
				      struct rv *const *args, struct rv **out)
{
	struct gtime t;
	struct civil cv;
	struct tz_info z;
	enum rb_status st;

	if ((st = tz_time(c, args[0], &t, NULL)) != RB_OK)
		return st;
	gtime_civil(&t, &cv, &z);
	*out = rv_cstring(c->arena, long_days[cv.wday]);
	return *out ? RB_OK : rb_nomem(c);
}

/* builtins.IntOperand. */
static enum rb_status int_operand(struct rb_ctx *c, const struct rv *v,
				  unsigned i, int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (!rv_num_int(v, out))
		return operand_error(c, "operand %u must be integer number but got floating-point number",
				     i);
	return RB_OK;
}

/* Go's AddDate: add to the calendar fields in the time's zone, then
 * normalise (months overflow into years, days into months). */
static enum rb_status bi_time_add_date(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	struct gtime t;
	struct civil cv;
	struct tz_info z;
	enum rb_status st;
	int64_t dy, dm, dd, wall;
	__int128 months, year, days;
	int month;

	if ((st = tz_time(c, args[0], &t, NULL)) != RB_OK ||
	    (st = int_operand(c, args[1], 2, &dy)) != RB_OK ||
	    (st = int_operand(c, args[2], 3, &dm)) != RB_OK ||
	    (st = int_operand(c, args[3], 4, &dd)) != RB_OK)
		return st;
	gtime_civil(&t, &cv, &z);
	months = ((__int128)cv.year + dy) * 12 + (cv.month - 1) + dm;
	year = months / 12;
	month = (int)(months % 12);
	if (month < 0) {
		month += 12;
		year--;
	}
	if (year < -DAYS_LIMIT || year > DAYS_LIMIT)
		return rb_error(c, "time outside of valid range");
	days = (__int128)days_from_civil((int64_t)year, month + 1, 1) +
	       cv.day - 1 + dd;
	if (days < -DAYS_LIMIT || days > DAYS_LIMIT)
		return rb_error(c, "time outside of valid range");
	wall = (int64_t)days * SECS_PER_DAY + cv.hour * 3600 + cv.min * 60 +
	       cv.sec;
	return ret_time(c, tz_unwall(t.loc, wall), t.nsec, out);
}

static enum rb_status ret_six(struct rb_ctx *c, const int64_t *v,
			      struct rv **out)
{
	struct rv_builder b;
	int i;

	rv_builder_init(&b, c->arena);
	for (i = 0; i < 6; i++)
		rv_builder_add(&b, rv_int(c->arena, v[i]));
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* OPA's time.diff (after icza/gox): calendar differences in the first
 * time's zone, later minus earlier, each field normalised. */
static enum rb_status bi_time_diff(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	struct gtime t1, t2, tmp;
	struct civil a, b;
	struct tz_info z;
	enum rb_status st;
	int64_t d[6];

	if ((st = tz_time(c, args[0], &t1, NULL)) != RB_OK ||
	    (st = tz_time(c, args[1], &t2, NULL)) != RB_OK)
		return st;
	t2.loc = t1.loc;
	if (t1.sec > t2.sec || (t1.sec == t2.sec && t1.nsec > t2.nsec)) {
		tmp = t1;
		t1 = t2;
		t2 = tmp;
	}
	gtime_civil(&t1, &a, &z);
	gtime_civil(&t2, &b, &z);
	d[0] = b.year - a.year;
	d[1] = b.month - a.month;
	d[2] = b.day - a.day;
	d[3] = b.hour - a.hour;
	d[4] = b.min - a.min;
	d[5] = b.sec - a.sec;
	if (d[5] < 0) {
		d[5] += 60;
		d[4]--;
	}
	if (d[4] < 0) {
		d[4] += 60;
		d[3]--;
	}
	if (d[3] < 0) {
		d[3] += 24;
		d[2]--;
	}
	if (d[2] < 0) {
		d[2] += days_in(a.month, a.year);
		d[1]--;
	}
	if (d[1] < 0) {
		d[1] += 12;
		d[0]--;
	}
	return ret_six(c, d, out);
}

const struct rb_def rb_encode_defs[] = {
	{ "base64.encode", 1, bi_base64_encode },
	{ "base64.decode", 1, bi_base64_decode },
	{ "base64.is_valid", 1, bi_base64_is_valid },
	{ "base64url.encode", 1, bi_base64url_encode },
	{ "base64url.encode_no_pad", 1, bi_base64url_encode_no_pad },
	{ "base64url.decode", 1, bi_base64url_decode },
	{ "hex.encode", 1, bi_hex_encode },
	{ "hex.decode", 1, bi_hex_decode },
	{ "urlquery.encode", 1, bi_urlquery_encode },
	{ "urlquery.decode", 1, bi_urlquery_decode },
	{ "urlquery.encode_object", 1, bi_urlquery_encode_object },
	{ "urlquery.decode_object", 1, bi_urlquery_decode_object },
	{ "json.marshal", 1, bi_json_marshal },
	{ "json.marshal_with_options", 2, bi_json_marshal_with_options },
	{ "json.unmarshal", 1, bi_json_unmarshal },
	{ "json.is_valid", 1, bi_json_is_valid },
	{ "crypto.md5", 1, bi_md5 },
	{ "crypto.sha1", 1, bi_sha1 },
	{ "crypto.sha256", 1, bi_sha256 },
	{ "crypto.hmac.md5", 2, bi_hmac_md5 },
	{ "crypto.hmac.sha1", 2, bi_hmac_sha1 },
	{ "crypto.hmac.sha256", 2, bi_hmac_sha256 },
	{ "crypto.hmac.sha512", 2, bi_hmac_sha512 },
	{ "crypto.hmac.equal", 2, bi_hmac_equal },
	{ "semver.compare", 2, bi_semver_compare },
	{ "semver.is_valid", 1, bi_semver_is_valid },
	{ "units.parse", 1, bi_units_parse },
	{ "units.parse_bytes", 1, bi_units_parse_bytes },
	{ "time.now_ns", 0, bi_time_now_ns },
	{ "time.parse_ns", 2, bi_time_parse_ns },
	{ "time.parse_rfc3339_ns", 1, bi_time_parse_rfc3339_ns },
	{ "time.parse_duration_ns", 1, bi_time_parse_duration_ns },
	{ "time.format", 1, bi_time_format },
	{ "time.date", 1, bi_time_date },
	{ "time.clock", 1, bi_time_clock },
	{ "time.weekday", 1, bi_time_weekday },
	{ "time.add_date", 4, bi_time_add_date },
	{ "time.diff", 2, bi_time_diff },
	{ NULL, 0, NULL },
};
