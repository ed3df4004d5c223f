/* toml.c - TOML 1.0.0 into jansson (see toml.h).
 *
 * One cursor (struct tp) walks the text, and every look at a byte goes
 * through peek(), which answers -1 past the end: no read strays outside
 * the text, and the text need not end in a NUL. The whole text is checked
 * to be UTF-8 without NUL bytes first, so the rest may pass any byte of
 * 0x80 and above through as part of a character.
 *
 * The spec's rules on defining things once need to know how each table
 * came to be. The containers the document's structure made (the root,
 * tables named by a header or made on the way to one, tables made by
 * dotted keys, arrays of tables and their elements) are recorded in a
 * small map with how they were made and how deep they sit; a container
 * missing from the map was written as a value (an inline table or an
 * array) and is closed to everything after it. The only recursion is a
 * value inside an array or inline table, and it stops at TOML_MAX_DEPTH. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "codec.h"
#include "toml.h"

enum {
	M_HEADER = 1, /* named by a [header], or an element of [[...]] */
	M_DOTTED = 2, /* made or extended by dotted keys, in section */
	M_AOT = 4,    /* an array of tables */
};

struct meta {
	const json_t *v;  /* NULL: a free slot */
	uint32_t section; /* where dotted keys last made or extended it */
	uint8_t flags, depth;
};

struct tp {
	const char *start, *p, *end;
	struct eaa_err *err;
	bool failed;            /* the first error stays the one reported */
	struct meta *m;         /* open addressing, a power of two of slots */
	size_t mcap, mlen;
	/* Dotted keys may extend the tables they made only within one
	 * section: the text under one header, or one inline table. */
	uint32_t section, sections;
};

struct key {
	char *s; /* NUL-terminated; holds no NUL */
	size_t n;
	const char *at;
};

struct keys {
	struct key *k;
	size_t n, cap;
};

static json_t *value(struct tp *t, unsigned depth);

/* ---- the cursor ---- */

static int peek(const struct tp *t, size_t k)
{
	return (size_t)(t->end - t->p) > k ? (unsigned char)t->p[k] : -1;
}

static bool ahead(const struct tp *t, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(t->end - t->p) >= n && memcmp(t->p, s, n) == 0;
}

/* The spec's control characters: U+0000-U+001F and U+007F. Tab is
 * allowed wherever text is (comments, strings), so it is not one here. */
static bool ctrl(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static EAA_PRINTF(3, 4) bool fail(struct tp *t, const char *at, const char *fmt, ...)
{
	char what[EAA_ERR_MSG_MAX];
	unsigned long line = 1, col = 1;
	const char *q;
	va_list ap;

	if (t->failed)
		return false;
	t->failed = true;
	for (q = t->start; q < at && q < t->end; q++) {
		if (*q == '\n')
			line++, col = 1;
		else if (((unsigned char)*q & 0xc0) != 0x80)
			col++; /* a character's first byte */
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return eaa_fail(t->err, EAA_E_FORMAT, "line %lu column %lu: %s", line, col, what);
}

static bool nomem(struct tp *t)
{
	if (t->failed)
		return false;
	t->failed = true;
	return eaa_fail(t->err, EAA_E_NOMEM, "out of memory");
}

/* UTF-8 as RFC 3629 has it (no overlong forms, no surrogates, nothing
 * past U+10FFFF), and no NUL byte. */
static bool check_text(struct tp *t)
{
	const unsigned char *s = (const unsigned char *)t->start;
	const unsigned char *e = (const unsigned char *)t->end;

	while (s < e) {
		unsigned c = *s;
		size_t n;

		if (c == 0)
			return fail(t, (const char *)s, "a NUL byte");
		if (!(n = utf8_len(s, (size_t)(e - s))))
			return fail(t, (const char *)s, "not UTF-8 (at byte 0x%02x: a malformed, "
				    "overlong or cut-short character, a surrogate or past "
				    "U+10FFFF)", c);
		s += n;
	}
	return true;
}

static void skip_ws(struct tp *t)
{
	while (peek(t, 0) == ' ' || peek(t, 0) == '\t')
		t->p++;
}

/* A newline (LF or CRLF) here is consumed. */
static bool newline(struct tp *t)
{
	if (peek(t, 0) == '\n') {
		t->p++;
		return true;
	}
	if (peek(t, 0) == '\r' && peek(t, 1) == '\n') {
		t->p += 2;
		return true;
	}
	return false;
}

/* From '#' to the end of its line, the newline left. */
static bool comment(struct tp *t)
{
	int c;

	t->p++;
	while ((c = peek(t, 0)) >= 0 && c != '\n') {
		if (c == '\r' && peek(t, 1) == '\n')
			break;
		if (ctrl(c))
			return fail(t, t->p, "a control character (U+%04X) in a comment", (unsigned)c);
		t->p++;
	}
	return true;
}

static bool bare_cr(struct tp *t)
{
	return fail(t, t->p, "a carriage return not followed by a line feed");
}

/* White space, newlines and comments, as arrays allow between values. */
static bool skip_ws_nl(struct tp *t)
{
	for (;;) {
		skip_ws(t);
		if (newline(t))
			continue;
		if (peek(t, 0) == '#') {
			if (!comment(t))
				return false;
			continue;
		}
		if (peek(t, 0) == '\r')
			return bare_cr(t);
		return true;
	}
}

/* What may follow a key/value pair or a header: white space, a comment,
 * then a newline or the end. */
static bool line_end(struct tp *t, const char *after)
{
	skip_ws(t);
	if (peek(t, 0) == '#' && !comment(t))
		return false;
	if (peek(t, 0) < 0 || newline(t))
		return true;
	if (peek(t, 0) == '\r')
		return bare_cr(t);
	return fail(t, t->p, "more on the line after %s (only a comment may follow it)", after);
}

/* ---- strings ---- */

static bool put_utf8(struct wr *w, uint32_t cp)
{
	char b[4];

	return wr_bytes(w, b, utf8_put(cp, b));
}

/* An escape at t->p ('\\'): the seven by name, \uXXXX and \UXXXXXXXX.
 * TOML 1.1's \e and \xHH are not 1.0's. */
static bool escape(struct tp *t, struct wr *w)
{
	int c = peek(t, 1), by_name;
	size_t len, i;
	uint32_t cp = 0;

	switch (c) {
	case 'b': by_name = '\b'; break;
	case 't': by_name = '\t'; break;
	case 'n': by_name = '\n'; break;
	case 'f': by_name = '\f'; break;
	case 'r': by_name = '\r'; break;
	case '"': by_name = '"'; break;
	case '\\': by_name = '\\'; break;
	case 'u': case 'U': by_name = -1; break;
	default:
		if (c < 0x21 || c > 0x7e)
			return fail(t, t->p, "a backslash that starts no escape");
		return fail(t, t->p, "an unknown escape \\%c", c);
	}
	if (by_name >= 0) {
		t->p += 2;
		return wr_u8(w, (uint8_t)by_name) || nomem(t);
	}
	len = c == 'u' ? 4 : 8;
	for (i = 0; i < len; i++) {
		int d = hex_digit(peek(t, 2 + i));

		if (d < 0)
			return fail(t, t->p, "\\%c takes %zu hex digits", c, len);
		cp = cp << 4 | (uint32_t)d;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(t, t->p, "\\%c%.*s is not a Unicode scalar value", c, (int)len, t->p + 2);
	t->p += 2 + len;
	return put_utf8(w, cp) || nomem(t);
}

/* "...": escapes, no newline, no control character but tab. */
static bool basic(struct tp *t, struct wr *w)
{
	const char *open = t->p;
	int c;

	t->p++;
	for (;;) {
		c = peek(t, 0);
		if (c < 0 || c == '\n' || (c == '\r' && peek(t, 1) == '\n'))
			return fail(t, open, "a string without its closing quote on its line");
		if (c == '"') {
			t->p++;
			return true;
		}
		if (c == '\\') {
			if (!escape(t, w))
				return false;
			continue;
		}
		if (ctrl(c))
			return fail(t, t->p, "a control character (U+%04X) in a string: it must be "
				    "escaped", (unsigned)c);
		if (!wr_u8(w, (uint8_t)c))
			return nomem(t);
		t->p++;
	}
}

/* '...': the characters as they are, no newline, no control character
 * but tab. */
static bool literal(struct tp *t, struct wr *w)
{
	const char *open = t->p;
	int c;

	t->p++;
	for (;;) {
		c = peek(t, 0);
		if (c < 0 || c == '\n' || (c == '\r' && peek(t, 1) == '\n'))
			return fail(t, open, "a literal string without its closing quote on its line");
		if (c == '\'') {
			t->p++;
			return true;
		}
		if (ctrl(c))
			return fail(t, t->p, "a control character (U+%04X) in a literal string",
				    (unsigned)c);
		if (!wr_u8(w, (uint8_t)c))
			return nomem(t);
		t->p++;
	}
}

/* """...""" and '''...''': a newline right after the opening quotes is
 * dropped; up to two quotes may come right before the closing three (so a
 * run of four or five ends the string with one or two of them); CRLF
 * becomes LF. A basic one has escapes, and a backslash ending a line
 * drops it and the white space and newlines after it. */
static bool multi(struct tp *t, struct wr *w, char q)
{
	const char *open = t->p;
	int c;

	t->p += 3;
	newline(t);
	for (;;) {
		c = peek(t, 0);
		if (c < 0)
			return fail(t, open, "a multi-line string without its closing %c%c%c", q, q, q);
		if (c == q) {
			size_t n = 0;

			while (peek(t, n) == q)
				n++;
			if (n > 5)
				return fail(t, t->p, "more than five quotes where a multi-line string "
					    "ends");
			if (n >= 3) {
				/* (wr_bytes takes no empty run) */
				if (n > 3 && !wr_bytes(w, t->p, n - 3))
					return nomem(t);
				t->p += n;
				return true;
			}
			if (!wr_bytes(w, t->p, n))
				return nomem(t);
			t->p += n;
			continue;
		}
		if (c == '\\' && q == '"') {
			size_t k = 1;

			while (peek(t, k) == ' ' || peek(t, k) == '\t')
				k++;
			if (peek(t, k) == '\n' || (peek(t, k) == '\r' && peek(t, k + 1) == '\n')) {
				t->p += k;
				do
					skip_ws(t);
				while (newline(t));
				continue;
			}
			if (!escape(t, w))
				return false;
			continue;
		}
		if (newline(t)) {
			if (!wr_u8(w, '\n'))
				return nomem(t);
			continue;
		}
		if (c == '\r')
			return bare_cr(t);
		if (ctrl(c))
			return fail(t, t->p, "a control character (U+%04X) in a multi-line string%s",
				    (unsigned)c, q == '"' ? ": it must be escaped" : "");
		if (!wr_u8(w, (uint8_t)c))
			return nomem(t);
		t->p++;
	}
}

/* Any string at t->p into w; multi-line ones only where values are. */
static bool string(struct tp *t, struct wr *w, bool value_place)
{
	if (value_place && ahead(t, "\"\"\""))
		return multi(t, w, '"');
	if (value_place && ahead(t, "'''"))
		return multi(t, w, '\'');
	return peek(t, 0) == '"' ? basic(t, w) : literal(t, w);
}

static json_t *string_value(struct tp *t)
{
	json_t *s = NULL;
	struct wr w;

	wr_init(&w);
	if (string(t, &w, true)) {
		if (w.failed || !(s = json_stringn(w.len ? (const char *)w.buf : "", w.len)))
			nomem(t);
	}
	wr_free(&w);
	return s;
}

/* ---- keys ---- */

static bool bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void keys_free(struct keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		free(ks->k[i].s);
	free(ks->k);
	ks->k = NULL;
	ks->n = ks->cap = 0;
}

static bool key_part(struct tp *t, struct keys *ks)
{
	const char *at = t->p;
	int c = peek(t, 0);
	struct key *k;
	struct wr w;
	bool ok;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 4;
		struct key *nk;

		/* a path deeper than the bound is refused where its table
		 * would be made; this only stops a key from growing forever */
		if (ks->n >= TOML_MAX_DEPTH)
			return fail(t, at, "a key of more than %d parts", TOML_MAX_DEPTH);
		if (!(nk = realloc(ks->k, cap * sizeof(*nk))))
			return nomem(t);
		ks->k = nk;
		ks->cap = cap;
	}
	wr_init(&w);
	if (c == '"' || c == '\'') {
		ok = string(t, &w, false);
	} else if (bare_char(c)) {
		while (bare_char(peek(t, 0)))
			wr_u8(&w, (uint8_t)*t->p++);
		ok = true;
	} else if (c < 0 || c == '\n' || c == '\r' || c == '=' || c == '.' || c == ']') {
		ok = fail(t, at, "a key is missing");
	} else {
		ok = fail(t, at, "a key cannot start with '%s%c'", c < 0x80 ? "" : "\\x",
			  c < 0x80 && !ctrl(c) ? c : '?');
	}
	if (ok && w.len && memchr(w.buf, 0, w.len))
		ok = fail(t, at, "a key holding U+0000 (no JSON object here can hold one)");
	if (ok && !wr_u8(&w, 0))
		ok = nomem(t);
	if (!ok) {
		wr_free(&w);
		return false;
	}
	k = &ks->k[ks->n];
	k->at = at;
	k->s = (char *)wr_take(&w, &k->n);
	k->n--; /* the NUL */
	ks->n++;
	return true;
}

/* A key: parts joined by dots, white space allowed around the dots. */
static bool parse_key(struct tp *t, struct keys *ks)
{
	for (;;) {
		if (!key_part(t, ks))
			return false;
		skip_ws(t);
		if (peek(t, 0) != '.')
			return true;
		t->p++;
		skip_ws(t);
	}
}

/* The first n parts of a key, for a message: printable ASCII as it is,
 * anything else as '?', cut at 80 characters. */
static const char *key_text(const struct keys *ks, size_t n, char out[96])
{
	size_t o = 0, i, j;

	for (i = 0; i < n && o < 80; i++) {
		if (i)
			out[o++] = '.';
		for (j = 0; j < ks->k[i].n && o < 80; j++) {
			unsigned char c = (unsigned char)ks->k[i].s[j];

			out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		}
	}
	strcpy(out + o, o >= 80 ? "..." : "");
	return out;
}

/* ---- the containers the structure made ---- */

static size_t slot(const struct tp *t, const json_t *v)
{
	uint64_t h = (uint64_t)(uintptr_t)v;

	h ^= h >> 29;
	h *= 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32) & (t->mcap - 1);
}

/* How v was made, or NULL: a value, closed. The pointer is good until
 * the next meta_add. */
static struct meta *meta_of(const struct tp *t, const json_t *v)
{
	size_t i;

	if (!t->mcap)
		return NULL;
	for (i = slot(t, v); t->m[i].v; i = (i + 1) & (t->mcap - 1))
		if (t->m[i].v == v)
			return &t->m[i];
	return NULL;
}

static bool meta_add(struct tp *t, const json_t *v, uint8_t flags, unsigned depth)
{
	size_t i;

	if (2 * (t->mlen + 1) > t->mcap) {
		struct meta *old = t->m;
		size_t oldcap = t->mcap, j;

		t->mcap = oldcap ? 2 * oldcap : 64;
		if (!(t->m = calloc(t->mcap, sizeof(*t->m)))) {
			t->m = old;
			t->mcap = oldcap;
			return nomem(t);
		}
		for (j = 0; j < oldcap; j++) {
			if (!old[j].v)
				continue;
			for (i = slot(t, old[j].v); t->m[i].v; i = (i + 1) & (t->mcap - 1))
				;
			t->m[i] = old[j];
		}
		free(old);
	}
	for (i = slot(t, v); t->m[i].v; i = (i + 1) & (t->mcap - 1))
		;
	t->m[i].v = v;
	t->m[i].flags = flags;
	t->m[i].depth = (uint8_t)depth;
	t->m[i].section = t->section;
	t->mlen++;
	return true;
}

static const char *what_value(const json_t *v)
{
	return json_is_object(v) ? "an inline table" : json_is_array(v) ? "an array" : "a value";
}

/* A table (or with M_AOT an array) named k in parent, depth deep. */
static json_t *new_container(struct tp *t, json_t *parent, const struct key *k, unsigned depth,
			     uint8_t flags)
{
	json_t *c;

	if (depth > TOML_MAX_DEPTH) {
		fail(t, k->at, "nested deeper than %d", TOML_MAX_DEPTH);
		return NULL;
	}
	c = flags & M_AOT ? json_array() : json_object();
	if (!c || json_object_set_new(parent, k->s, c) != 0 || !meta_add(t, c, flags, depth)) {
		nomem(t);
		return NULL;
	}
	return c;
}

/* ---- values ---- */

static int dig(const struct tp *t, size_t k)
{
	int c = peek(t, k);

	return c >= '0' && c <= '9' ? c - '0' : -1;
}

static bool num_at(const struct tp *t, size_t k, size_t n, int *v)
{
	size_t i;

	for (*v = 0, i = 0; i < n; i++) {
		if (dig(t, k + i) < 0)
			return false;
		*v = *v * 10 + dig(t, k + i);
	}
	return true;
}

static bool time_at(const struct tp *t, size_t k)
{
	int v;

	return num_at(t, k, 2, &v) && peek(t, k + 2) == ':' && num_at(t, k + 3, 2, &v) &&
	       peek(t, k + 5) == ':' && num_at(t, k + 6, 2, &v);
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* A date-time, date or time at t->p: 1 with *out the text as written,
 * 0 when there is none (a number, then), -1 on an error (fail() and
 * nomem() return false, so "fail(...) - 1" is -1). RFC 3339's
 * forms as TOML 1.0 takes them: 'T', 't' or a space between date and
 * time, seconds required, any number of fraction digits, an offset Z, z
 * or +-HH:MM on a date-time only. */
static int datetime(struct tp *t, json_t **out)
{
	int y, mo, d, h, mi, s, oh, om;
	size_t k = 0;
	bool date, time = false;

	date = num_at(t, 0, 4, &y) && peek(t, 4) == '-' && num_at(t, 5, 2, &mo) &&
	       peek(t, 7) == '-' && num_at(t, 8, 2, &d);
	if (date) {
		int c = peek(t, 10);

		if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo))
			return fail(t, t->p, "%.10s is not a date", t->p) - 1;
		k = 10;
		if ((c == 'T' || c == 't' || c == ' ') && time_at(t, 11))
			k = 11, time = true;
		else if (c == 'T' || c == 't')
			return fail(t, t->p + 11, "a time must be HH:MM:SS (seconds are "
				    "required)") - 1;
	} else if (num_at(t, 0, 2, &h) && peek(t, 2) == ':') {
		if (!time_at(t, 0))
			return fail(t, t->p, "a time must be HH:MM:SS (seconds are required)") - 1;
		time = true;
	} else {
		return 0;
	}
	if (time) {
		num_at(t, k, 2, &h);
		num_at(t, k + 3, 2, &mi);
		num_at(t, k + 6, 2, &s);
		if (h > 23 || mi > 59 || s > 59)
			return fail(t, t->p + k, "%.8s is not a time of day%s", t->p + k,
				    s == 60 ? " (a leap second is refused)" : "") - 1;
		k += 8;
		if (peek(t, k) == '.') {
			if (dig(t, k + 1) < 0)
				return fail(t, t->p + k, "a fraction of a second needs digits") - 1;
			for (k++; dig(t, k) >= 0; k++)
				;
		}
		if (date && (peek(t, k) == 'Z' || peek(t, k) == 'z')) {
			k++;
		} else if (date && (peek(t, k) == '+' || peek(t, k) == '-')) {
			if (!num_at(t, k + 1, 2, &oh) || peek(t, k + 3) != ':' ||
			    !num_at(t, k + 4, 2, &om))
				return fail(t, t->p + k, "an offset must be +HH:MM or -HH:MM") - 1;
			if (oh > 23 || om > 59)
				return fail(t, t->p + k, "%.6s is not an offset", t->p + k) - 1;
			k += 6;
		}
	}
	if (!(*out = json_stringn(t->p, k)))
		return nomem(t) - 1;
	t->p += k;
	return 1;
}

static int digit_in(int c, unsigned base)
{
	int d = hex_digit(c);

	return d >= 0 && (unsigned)d < base ? d : -1;
}

/* Digits of one base, an underscore only between two of them; their
 * value into *v (*over once it passes 2^64) and, when copy is given, the
 * digits themselves. */
static bool digits(struct tp *t, unsigned base, uint64_t *v, bool *over, struct wr *copy)
{
	bool any = false;
	int c, d;

	for (;;) {
		c = peek(t, 0);
		if ((d = digit_in(c, base)) < 0) {
			if (c == '_' && any && digit_in(peek(t, 1), base) >= 0) {
				t->p++;
				continue;
			}
			if (c == '_')
				return fail(t, t->p, "an underscore not between two digits");
			break;
		}
		if (*v > (UINT64_MAX - (uint64_t)d) / base)
			*over = true;
		*v = *v * base + (uint64_t)d;
		if (copy)
			wr_u8(copy, (uint8_t)c);
		any = true;
		t->p++;
	}
	if (!any)
		return fail(t, t->p, "digits are missing");
	return true;
}

/* An integer or a float at t->p. */
static json_t *number(struct tp *t)
{
	const char *at = t->p;
	uint64_t v = 0, ignored = 0;
	bool over = false, is_float = false;
	json_t *r = NULL;
	struct wr w;
	int sign = 0;

	if (peek(t, 0) == '+' || peek(t, 0) == '-')
		sign = *t->p++;
	if (ahead(t, "inf") || ahead(t, "nan")) {
		/* JSON has neither: null, as serde_json writes trustee's */
		t->p += 3;
		return json_null();
	}
	if (!sign && peek(t, 0) == '0' && (peek(t, 1) == 'x' || peek(t, 1) == 'o' ||
					   peek(t, 1) == 'b')) {
		unsigned base = peek(t, 1) == 'x' ? 16 : peek(t, 1) == 'o' ? 8 : 2;

		t->p += 2;
		if (!digits(t, base, &v, &over, NULL))
			return NULL;
		if (over || v > INT64_MAX) {
			fail(t, at, "%.*s is out of the 64-bit integer range", (int)(t->p - at), at);
			return NULL;
		}
		if (!(r = json_integer((json_int_t)v)))
			nomem(t);
		return r;
	}
	if (dig(t, 0) < 0) {
		fail(t, at, "not a value");
		return NULL;
	}
	wr_init(&w);
	if (sign)
		wr_u8(&w, (uint8_t)sign);
	if (peek(t, 0) == '0') {
		wr_u8(&w, '0');
		t->p++;
		if (dig(t, 0) >= 0 || peek(t, 0) == '_') {
			fail(t, at, "a number with a leading zero");
			goto out;
		}
	} else if (!digits(t, 10, &v, &over, &w)) {
		goto out;
	}
	if (peek(t, 0) == '.') {
		is_float = true;
		wr_u8(&w, '.');
		t->p++;
		if (dig(t, 0) < 0) {
			fail(t, t->p, "a decimal point must have digits after it");
			goto out;
		}
		if (!digits(t, 10, &ignored, &over, &w))
			goto out;
	}
	if (peek(t, 0) == 'e' || peek(t, 0) == 'E') {
		is_float = true;
		wr_u8(&w, 'e');
		t->p++;
		if (peek(t, 0) == '+' || peek(t, 0) == '-')
			wr_u8(&w, (uint8_t)*t->p++);
		/* the exponent may have leading zeros */
		if (!digits(t, 10, &ignored, &over, &w))
			goto out;
	}
	if (is_float) {
		double d;

		if (!wr_u8(&w, 0)) {
			nomem(t);
			goto out;
		}
		/* strtod reads '.' as the C locale has it; nothing here
		 * calls setlocale */
		d = strtod((const char *)w.buf, NULL);
		r = isfinite(d) ? json_real(d) : json_null();
	} else {
		if (over || v > (sign == '-' ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
			fail(t, at, "%.*s is out of the 64-bit integer range", (int)(t->p - at), at);
			goto out;
		}
		r = json_integer(sign != '-' ? (json_int_t)v :
				 v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(json_int_t)v);
	}
	if (!r)
		nomem(t);
out:
	wr_free(&w);
	return r;
}

static bool keyval(struct tp *t, json_t *tbl, unsigned depth);

/* [ values, commas between, one after the last allowed; white space,
 * newlines and comments anywhere between ]. Any types may mix. */
static json_t *array(struct tp *t, unsigned depth)
{
	const char *open = t->p;
	json_t *a, *v;

	if (depth > TOML_MAX_DEPTH) {
		fail(t, open, "nested deeper than %d", TOML_MAX_DEPTH);
		return NULL;
	}
	if (!(a = json_array())) {
		nomem(t);
		return NULL;
	}
	t->p++;
	for (;;) {
		if (!skip_ws_nl(t))
			break;
		if (peek(t, 0) == ']') {
			t->p++;
			return a;
		}
		if (peek(t, 0) < 0) {
			fail(t, open, "an array without its closing ]");
			break;
		}
		if (!(v = value(t, depth + 1)))
			break;
		if (json_array_append_new(a, v) != 0) {
			nomem(t);
			break;
		}
		if (!skip_ws_nl(t))
			break;
		if (peek(t, 0) == ',') {
			t->p++;
			continue;
		}
		if (peek(t, 0) == ']') {
			t->p++;
			return a;
		}
		fail(t, peek(t, 0) < 0 ? open : t->p, peek(t, 0) < 0 ?
		     "an array without its closing ]" : "a comma or ] must follow a value in an array");
		break;
	}
	json_decref(a);
	return NULL;
}

/* { key = value, ... } on one line, no comma after the last: TOML 1.0
 * (1.1 allows both). Its own section: dotted keys inside may extend what
 * they made inside, and nothing may add to it afterwards. */
static json_t *inline_table(struct tp *t, unsigned depth)
{
	const char *open = t->p;
	uint32_t outer = t->section;
	json_t *o;
	int c;

	if (depth > TOML_MAX_DEPTH) {
		fail(t, open, "nested deeper than %d", TOML_MAX_DEPTH);
		return NULL;
	}
	if (!(o = json_object())) {
		nomem(t);
		return NULL;
	}
	t->p++;
	t->section = ++t->sections;
	skip_ws(t);
	if (peek(t, 0) == '}') {
		t->p++;
		goto done;
	}
	for (;;) {
		skip_ws(t);
		c = peek(t, 0);
		if (c == '\n' || c == '\r') {
			fail(t, t->p, "a newline in an inline table (TOML 1.1, not 1.0)");
			goto bad;
		}
		if (c == '}') {
			fail(t, t->p, "a comma before an inline table's } (TOML 1.1, not 1.0)");
			goto bad;
		}
		if (!keyval(t, o, depth))
			goto bad;
		skip_ws(t);
		c = peek(t, 0);
		if (c == '}') {
			t->p++;
			goto done;
		}
		if (c == ',') {
			t->p++;
			continue;
		}
		if (c < 0)
			fail(t, open, "an inline table without its closing }");
		else if (c == '\n' || c == '\r')
			fail(t, t->p, "a newline in an inline table (TOML 1.1, not 1.0)");
		else
			fail(t, t->p, "a comma or } must follow a value in an inline table");
		goto bad;
	}
done:
	t->section = outer;
	return o;
bad:
	t->section = outer;
	json_decref(o);
	return NULL;
}

/* The value at t->p; depth is the depth it has if it is an array or an
 * inline table. */
static json_t *value(struct tp *t, unsigned depth)
{
	int c = peek(t, 0), r;
	json_t *v = NULL;

	switch (c) {
	case '"':
	case '\'':
		return string_value(t);
	case '[':
		return array(t, depth);
	case '{':
		return inline_table(t, depth);
	case 't':
		if (ahead(t, "true")) {
			t->p += 4;
			return json_true();
		}
		break;
	case 'f':
		if (ahead(t, "false")) {
			t->p += 5;
			return json_false();
		}
		break;
	default:
		break;
	}
	if (c >= '0' && c <= '9') {
		if ((r = datetime(t, &v)) != 0)
			return r > 0 ? v : NULL;
	}
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'i' || c == 'n')
		return number(t);
	fail(t, t->p, c < 0 || c == '\n' || c == '\r' || c == '#' ? "a value is missing" :
		      "not a value");
	return NULL;
}

/* ---- statements ---- */

/* key = value into tbl (depth deep). A dotted key's tables are made, or
 * extended when dotted keys of this section made or extended them (a
 * table merely on the way to a header may be extended too, as the spec's
 * examples and Python's tomllib have it); a table named by a header, an
 * array of tables and anything written as a value are not. */
static bool keyval(struct tp *t, json_t *tbl, unsigned depth)
{
	struct keys ks = { 0 };
	char name[96];
	struct meta *m;
	json_t *c, *v;
	bool ok = false;
	size_t i;

	if (!parse_key(t, &ks))
		goto out;
	if (peek(t, 0) != '=') {
		fail(t, t->p, "a key must be followed by =");
		goto out;
	}
	t->p++;
	skip_ws(t);
	for (i = 0; i + 1 < ks.n; i++) {
		if (!(c = json_object_get(tbl, ks.k[i].s))) {
			if (!(c = new_container(t, tbl, &ks.k[i], depth + 1, M_DOTTED)))
				goto out;
		} else if (!(m = meta_of(t, c))) {
			fail(t, ks.k[0].at, "%s is %s, which dotted keys cannot extend",
			     key_text(&ks, i + 1, name), what_value(c));
			goto out;
		} else if ((m->flags & (M_HEADER | M_AOT)) ||
			   ((m->flags & M_DOTTED) && m->section != t->section)) {
			fail(t, ks.k[0].at, "%s is %s, which dotted keys here cannot extend",
			     key_text(&ks, i + 1, name), m->flags & M_AOT ? "an array of tables" :
			     m->flags & M_HEADER ? "a table defined by its header" :
			     "a table defined by dotted keys elsewhere");
			goto out;
		} else {
			m->flags |= M_DOTTED;
			m->section = t->section;
		}
		tbl = c;
		depth++;
	}
	if (json_object_get(tbl, ks.k[ks.n - 1].s)) {
		fail(t, ks.k[0].at, "%s is defined twice", key_text(&ks, ks.n, name));
		goto out;
	}
	if (!(v = value(t, depth + 1)))
		goto out;
	if (json_object_set_new(tbl, ks.k[ks.n - 1].s, v) != 0) {
		nomem(t);
		goto out;
	}
	ok = true;
out:
	keys_free(&ks);
	return ok;
}

/* [key] or [[key]] at t->p: the table that key/value pairs go into next,
 * and its depth. The tables on the way are made when missing (they may
 * be defined by their own header later); through an array of tables the
 * way goes into its last element. */
static bool header(struct tp *t, json_t *root, json_t **cur, unsigned *cur_depth)
{
	const char *open = t->p;
	bool aot = peek(t, 1) == '[';
	struct keys ks = { 0 };
	json_t *tbl = root, *c, *e;
	unsigned depth = 1;
	char name[96], part[96];
	struct meta *m;
	bool ok = false;
	size_t i;

	t->p += aot ? 2 : 1;
	skip_ws(t);
	if (!parse_key(t, &ks))
		goto out;
	if (aot ? !ahead(t, "]]") : peek(t, 0) != ']') {
		fail(t, t->p, aot ? "an array of tables' header must end with ]]" :
		     "a table header must end with ]");
		goto out;
	}
	t->p += aot ? 2 : 1;
	key_text(&ks, ks.n, name);
	for (i = 0; i + 1 < ks.n; i++) {
		if (!(c = json_object_get(tbl, ks.k[i].s))) {
			if (!(c = new_container(t, tbl, &ks.k[i], depth + 1, 0)))
				goto out;
		} else if (!(m = meta_of(t, c))) {
			fail(t, open, aot ? "[[%s]]: %s is %s, which no table can be put into" :
			     "[%s]: %s is %s, which no table can be put into", name,
			     key_text(&ks, i + 1, part), what_value(c));
			goto out;
		} else if ((m->flags & M_AOT) && !(c = json_array_get(c, json_array_size(c) - 1))) {
			nomem(t); /* an array of tables always has an element */
			goto out;
		}
		tbl = c;
		depth = meta_of(t, tbl)->depth;
	}
	c = json_object_get(tbl, ks.k[ks.n - 1].s);
	m = c ? meta_of(t, c) : NULL;
	if (c && !m) {
		fail(t, open, aot ? "[[%s]] is already %s" : "[%s] is already %s", name,
		     what_value(c));
		goto out;
	}
	if (!aot) {
		if (!c && !(c = new_container(t, tbl, &ks.k[ks.n - 1], depth + 1, M_HEADER)))
			goto out;
		if (m && m->flags) {
			fail(t, open, "[%s] is defined twice (%s)", name, m->flags & M_AOT ?
			     "it is an array of tables" : m->flags & M_HEADER ? "by another header" :
			     "by dotted keys");
			goto out;
		}
		if (m)
			m->flags = M_HEADER;
		depth++;
	} else {
		if (m && !(m->flags & M_AOT)) {
			fail(t, open, "[[%s]] names a table, not an array of tables", name);
			goto out;
		}
		if (!c && !(c = new_container(t, tbl, &ks.k[ks.n - 1], depth + 1, M_AOT)))
			goto out;
		if (depth + 2 > TOML_MAX_DEPTH) {
			fail(t, open, "nested deeper than %d", TOML_MAX_DEPTH);
			goto out;
		}
		if (!(e = json_object()) || json_array_append_new(c, e) != 0 ||
		    !meta_add(t, e, M_HEADER, depth + 2)) {
			nomem(t);
			goto out;
		}
		c = e;
		depth += 2;
	}
	*cur = c;
	*cur_depth = depth;
	t->section = ++t->sections;
	ok = true;
out:
	keys_free(&ks);
	return ok;
}

json_t *toml_parse(const char *text, size_t n, struct eaa_err *err)
{
	struct tp t = { .err = err };
	json_t *root = NULL, *cur;
	unsigned depth = 1;
	int c;

	if (!text && n) {
		eaa_fail(err, EAA_E_INVALID, "toml_parse: no text");
		return NULL;
	}
	/* (no arithmetic on a NULL text, even of zero) */
	t.start = t.p = text ? text : "";
	t.end = t.start + n;
	if (!check_text(&t))
		return NULL;
	t.section = t.sections = 1;
	if (!(root = json_object()) || !meta_add(&t, root, M_HEADER, 1)) {
		nomem(&t);
		goto bad;
	}
	cur = root;
	for (;;) {
		skip_ws(&t);
		c = peek(&t, 0);
		if (c < 0)
			break;
		if (newline(&t))
			continue;
		if (c == '#') {
			if (!comment(&t))
				goto bad;
			continue;
		}
		if (c == '\r') {
			bare_cr(&t);
			goto bad;
		}
		if (c == '[') {
			if (!header(&t, root, &cur, &depth) || !line_end(&t, "a table header"))
				goto bad;
			continue;
		}
		if (!keyval(&t, cur, depth) || !line_end(&t, "a value"))
			goto bad;
	}
	free(t.m);
	return root;
bad:
	free(t.m);
	json_decref(root);
	return NULL;
}
