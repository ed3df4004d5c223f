/* builtins_encode.c - the built-ins that encode, digest and parse text:
 * base64, base64url, hex, urlquery, crypto digests and HMACs, semver and
 * units.
 *
 * OPA implements these with Go's standard library, and policies see Go's
 * behaviour: which inputs are accepted and the words of every error. So
 * this file follows Go (encoding/base64, encoding/hex, net/url, strconv)
 * rather than the nearest C library, and says so where the two differ.
 * It owns rb_encode_defs, and Go's strconv.Quote that the JSON built-ins'
 * messages share (builtins_go.h); JSON is builtins_json.c's and time
 * builtins_time.c's. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "builtins_go.h"
#include "codec.h"
#include "number.h"

/* ---- Go's strconv.Quote ---- */

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

void go_quote_rune(struct rv_buf *b, uint32_t r, char quote)
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
		rv_buf_rune(b, r);
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

void go_quote(struct rv_buf *b, const char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t r;

	rv_buf_puts(b, "\"", 1);
	while (i < n) {
		k = rv_utf8_decode(s + i, n - i, &r);
		if (k == 1 && (unsigned char)s[i] >= 0x80)
			rv_buf_printf(b, "\\x%02x", (unsigned char)s[i]);
		else
			go_quote_rune(b, r, '"');
		i += k;
	}
	rv_buf_puts(b, "\"", 1);
}

/* ---- base64 and base64url ---- */

/* A string operand in encoding/base64's StdEncoding (url false, pad
 * true), URLEncoding (url and pad) or RawURLEncoding (url only): codec.h's
 * standard alphabet, with the two URL-safe letters swapped in and the
 * padding dropped. */
static enum rb_status b64_encode(struct rb_ctx *c, const struct rv *s,
				 bool url, bool pad, struct rv **out)
{
	enum rb_status st;
	size_t n, i;
	char *e;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	if (!(e = base64_encode(s->u.str.s, s->u.str.len, false)))
		return rb_nomem(c);
	n = strlen(e);
	for (i = 0; url && i < n; i++) {
		if (e[i] == '+')
			e[i] = '-';
		else if (e[i] == '/')
			e[i] = '_';
	}
	while (!pad && n && e[n - 1] == '=')
		n--;
	st = ret_bytes(c, e, n, out);
	free(e);
	return st;
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
	return b64_encode(c, args[0], true, true, out);
}

static enum rb_status bi_base64url_encode_no_pad(struct rb_ctx *c,
						 struct rv *const *args,
						 struct rv **out)
{
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

/* Lower-case hex of p[0..n) as the result. */
static enum rb_status ret_hex(struct rb_ctx *c, const void *p, size_t n,
			      struct rv **out)
{
	enum rb_status st;
	char *h;

	if (!(h = hex_encode(p, n)))
		return rb_nomem(c);
	st = ret_bytes(c, h, 2 * n, out);
	free(h);
	return st;
}

static enum rb_status bi_hex_encode(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return ret_hex(c, args[0]->u.str.s, args[0]->u.str.len, out);
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
			/* OPA raises this as a type error. */
			rb_error(c, "operand 1 values must be string, array[string], or set[string]");
			return RB_TYPE_ERROR;
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

/* The digest a crypto built-in is named for, by the last part of its name
 * (crypto.sha256, crypto.hmac.sha256): rb_def has no room for it. */
static const EVP_MD *digest_of(const char *name)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} digests[] = {
		{ "md5", EVP_md5 }, { "sha1", EVP_sha1 },
		{ "sha256", EVP_sha256 }, { "sha512", EVP_sha512 },
	};
	const char *last = strrchr(name, '.');
	size_t i;

	for (i = 0; last && i < sizeof(digests) / sizeof(*digests); i++)
		if (!strcmp(last + 1, digests[i].name))
			return digests[i].md();
	return NULL;
}

static enum rb_status bi_crypto_digest(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	const EVP_MD *md = digest_of(c->name);
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!md || !EVP_Digest(args[0]->u.str.s, args[0]->u.str.len, d, &len,
			       md, NULL))
		return rb_error(c, "digest unavailable");
	return ret_hex(c, d, len, out);
}

static enum rb_status bi_crypto_hmac(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	const EVP_MD *md = digest_of(c->name);
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
	st = ret_hex(c, d, len, out);
	OPENSSL_cleanse(d, sizeof(d));
	return st;
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
	/* OPA's big.Int of the product: every digit */
	*out = rv_num_from_ld(c->arena, v, RV_LD_EXACT);
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
			if (!*out)
				return rb_nomem(c);
			/* a computed number: printed as computed, not as
			 * the rounding text */
			(*out)->u.num.text = NULL;
			return RB_OK;
		}
	}
	*out = rv_double(c->arena, (double)v);
	return *out ? RB_OK : rb_nomem(c);
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
	{ "crypto.md5", 1, bi_crypto_digest },
	{ "crypto.sha1", 1, bi_crypto_digest },
	{ "crypto.sha256", 1, bi_crypto_digest },
	{ "crypto.hmac.md5", 2, bi_crypto_hmac },
	{ "crypto.hmac.sha1", 2, bi_crypto_hmac },
	{ "crypto.hmac.sha256", 2, bi_crypto_hmac },
	{ "crypto.hmac.sha512", 2, bi_crypto_hmac },
	{ "crypto.hmac.equal", 2, bi_hmac_equal },
	{ "semver.compare", 2, bi_semver_compare },
	{ "semver.is_valid", 1, bi_semver_is_valid },
	{ "units.parse", 1, bi_units_parse },
	{ "units.parse_bytes", 1, bi_units_parse_bytes },
	{ NULL, 0, NULL },
};
