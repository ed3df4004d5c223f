/* builtins_string.c - the string, regex and sprintf built-ins.
 *
 * Owns rb_string_defs: concat, contains, startswith, endswith, lower, upper,
 * split, sprintf, trim and its variants, replace, strings.replace_n,
 * substring, indexof, indexof_n, format_int, strings.reverse,
 * strings.count, strings.any_prefix_match, strings.any_suffix_match and the
 * regex.* functions.
 *
 * OPA implements these with Go's strings, fmt and regexp packages, and
 * policies depend on the exact results, so this file follows Go, not C:
 * runes are decoded as Go decodes them (an invalid byte is one U+FFFD),
 * sprintf is Go's fmt with its verbs, flags and "%!" error texts, and a
 * pattern is checked against Go's RE2 syntax and translated before PCRE2
 * compiles it (see "regular expressions" below for what differs and how it
 * is bridged). PCRE2 backtracks where RE2 does not, so all matching in one
 * call runs under a step budget, and exceeding it is an error. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include "builtins.h"

#define RUNE_ERROR 0xFFFDu
#define MAX_RUNE 0x10FFFFu

/* RE2 is linear, PCRE2 backtracks. PCRE2's match limit counts per start
 * position, so a long subject multiplies it; the step budget, counted by
 * auto-callouts, bounds all matching done by one built-in call (10M steps
 * take about 0.3 s). The other limits stay as a backstop. */
#define RE_STEP_BUDGET 10000000ul
#define RE_MATCH_LIMIT 10000000u
#define RE_DEPTH_LIMIT 1000000u
#define RE_HEAP_LIMIT_KIB 65536u

/* ---- output buffer ----
 * Results are built in a malloc'd buffer that may not outgrow what the
 * arena has left, then copied into the arena once. */

struct sbuf {
	char *p;
	size_t len, cap, max;
	bool failed;
};

static void sb_init(struct sbuf *b, const struct rv_arena *a)
{
	memset(b, 0, sizeof(*b));
	b->max = SIZE_MAX / 4;
	if (a->limit)
		b->max = a->limit > a->used ? a->limit - a->used : 0;
}

static bool sb_room(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->failed = true;
		return false;
	}
	if (b->len + n < b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap <= b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (n && sb_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

static void sb_fill(struct sbuf *b, char c, size_t n)
{
	if (n && sb_room(b, n)) {
		memset(b->p + b->len, c, n);
		b->len += n;
	}
}

/* A scratch buffer bounded like another. */
static void sb_init_like(struct sbuf *b, const struct sbuf *like)
{
	memset(b, 0, sizeof(*b));
	b->max = like->max;
}

static void sb_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* The buffer as the result string; frees the buffer. */
static enum rb_status sb_result(struct rb_ctx *c, struct sbuf *b,
				struct rv **out)
{
	if (b->failed) {
		sb_free(b);
		return rb_nomem(c);
	}
	*out = rv_string(c->arena, b->p ? b->p : "", b->len);
	sb_free(b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- UTF-8, as Go's unicode/utf8 ---- */

/* Decode one rune. An invalid or truncated sequence is U+FFFD one byte
 * wide; 0 only for an empty input. */
static size_t utf8_decode(const char *str, size_t n, uint32_t *r)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t v;

	*r = RUNE_ERROR;
	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*r = s[0];
		return 1;
	}
	if (s[0] < 0xC2 || s[0] > 0xF4)
		return 1;
	if (s[0] < 0xE0) {
		need = 1;
		v = s[0] & 0x1F;
	} else if (s[0] < 0xF0) {
		need = 2;
		v = s[0] & 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;
		else if (s[0] == 0xED)
			hi = 0x9F;
	} else {
		need = 3;
		v = s[0] & 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;
		else if (s[0] == 0xF4)
			hi = 0x8F;
	}
	if (n <= need || s[1] < lo || s[1] > hi)
		return 1;
	v = v << 6 | (s[1] & 0x3Fu);
	for (i = 2; i <= need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 1;
		v = v << 6 | (s[i] & 0x3Fu);
	}
	*r = v;
	return need + 1;
}

static bool utf8_invalid_at(const char *s, size_t n)
{
	uint32_t r;

	return utf8_decode(s, n, &r) == 1 && r == RUNE_ERROR;
}

/* Go's utf8.DecodeLastRune. */
static size_t utf8_decode_last(const char *s, size_t n, uint32_t *r)
{
	ptrdiff_t start, lim;
	size_t w;

	*r = RUNE_ERROR;
	if (n == 0)
		return 0;
	if ((unsigned char)s[n - 1] < 0x80) {
		*r = (unsigned char)s[n - 1];
		return 1;
	}
	start = (ptrdiff_t)n - 1;
	lim = (ptrdiff_t)n - 4;
	if (lim < 0)
		lim = 0;
	for (start--; start >= lim; start--)
		if (((unsigned char)s[start] & 0xC0) != 0x80)
			break;
	if (start < 0)
		start = 0;
	w = utf8_decode(s + start, n - (size_t)start, r);
	if ((size_t)start + w != n) {
		*r = RUNE_ERROR;
		return 1;
	}
	return w;
}

static bool rune_valid(uint32_t r)
{
	return r <= MAX_RUNE && (r < 0xD800 || r > 0xDFFF);
}

/* Encode r (U+FFFD if not a valid rune); returns the length. */
static size_t utf8_encode(uint32_t r, char *out)
{
	if (!rune_valid(r))
		r = RUNE_ERROR;
	if (r < 0x80) {
		out[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		out[0] = (char)(0xC0 | r >> 6);
		out[1] = (char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		out[0] = (char)(0xE0 | r >> 12);
		out[1] = (char)(0x80 | (r >> 6 & 0x3F));
		out[2] = (char)(0x80 | (r & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | r >> 18);
	out[1] = (char)(0x80 | (r >> 12 & 0x3F));
	out[2] = (char)(0x80 | (r >> 6 & 0x3F));
	out[3] = (char)(0x80 | (r & 0x3F));
	return 4;
}

static void sb_rune(struct sbuf *b, uint32_t r)
{
	char tmp[4];

	sb_put(b, tmp, utf8_encode(r, tmp));
}

static size_t rune_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	uint32_t r;

	while (i < n) {
		i += utf8_decode(s + i, n - i, &r);
		count++;
	}
	return count;
}

static bool is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

/* ---- Unicode properties ----
 * Go's strconv.IsPrint and unicode.IsLetter/IsDigit need Unicode tables;
 * PCRE2 has them, so ask it. Compiled on first use, freed with the call. */

enum { UP_PRINT, UP_WORD };

struct uprops {
	pcre2_code *re[2];
	pcre2_match_data *md;
	bool tried;
};

static bool uprop(struct uprops *u, int which, uint32_t r)
{
	static const char *const pat[] = {
		"[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}]", /* IsPrint, less ' ' */
		"[\\p{L}\\p{Nd}_]",                 /* a $name in a template */
	};
	char enc[4];
	PCRE2_SIZE eo;
	int i, ec;

	if (!u->tried) {
		u->tried = true;
		for (i = 0; i < 2; i++)
			u->re[i] = pcre2_compile((PCRE2_SPTR)pat[i],
						 PCRE2_ZERO_TERMINATED,
						 PCRE2_UTF | PCRE2_ANCHORED,
						 &ec, &eo, NULL);
		u->md = pcre2_match_data_create(1, NULL);
	}
	/* Without tables, printing a rune raw is the safe guess. */
	if (!u->re[which] || !u->md)
		return which == UP_PRINT;
	return pcre2_match(u->re[which], (PCRE2_SPTR)enc, utf8_encode(r, enc),
			   0, 0, u->md, NULL) >= 0;
}

static void uprops_free(struct uprops *u)
{
	pcre2_code_free(u->re[0]);
	pcre2_code_free(u->re[1]);
	pcre2_match_data_free(u->md);
}

/* Go's strconv.IsPrint. */
static bool is_print(struct uprops *u, uint32_t r)
{
	if (r < 0x80)
		return r >= 0x20 && r < 0x7F;
	return rune_valid(r) && uprop(u, UP_PRINT, r);
}

/* Go's unicode.IsSpace. */
static bool is_space(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return true;
	}
	return r >= 0x2000 && r <= 0x200A;
}

/* ---- operands ---- */

static const char *str_of(const struct rv *v)
{
	return v->u.str.s;
}

static size_t len_of(const struct rv *v)
{
	return v->u.str.len;
}

/* Operands 1..n must all be strings, checked in order as OPA does. */
static enum rb_status want_strings(struct rb_ctx *c, struct rv *const *args,
				   unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!rv_is(args[i], RV_STRING))
			return rb_type_error(c, i + 1, "string", args[i]);
	return RB_OK;
}

/* OPA's IntOperand. */
static enum rb_status want_int(struct rb_ctx *c, const struct rv *v,
			       unsigned i, int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (!rv_num_int(v, out)) {
		rb_error(c, "operand %u must be integer number but got "
			 "floating-point number", i);
		return RB_TYPE_ERROR;
	}
	return RB_OK;
}

/* "operand i must be one of {want} but got <type>" */
static enum rb_status type_error_of(struct rb_ctx *c, unsigned i,
				    const char *want, const struct rv *v)
{
	rb_error(c, "operand %u must be one of {%s} but got %s", i, want,
		 rv_type_name(v->type));
	return RB_TYPE_ERROR;
}

/* OPA's StringSliceOperand check on an array or set. */
static enum rb_status want_string_members(struct rb_ctx *c, const struct rv *v,
					  unsigned i)
{
	const char *t = rv_type_name(v->type);
	size_t k;

	for (k = 0; k < v->u.arr.n; k++)
		if (v->u.arr.v[k]->type != RV_STRING) {
			rb_error(c, "operand %u must be %s of strings but got "
				 "%s containing %s", i, t, t,
				 rv_type_name(v->u.arr.v[k]->type));
			return RB_TYPE_ERROR;
		}
	return RB_OK;
}

static enum rb_status ok_string(struct rb_ctx *c, const char *s, size_t n,
				struct rv **out)
{
	*out = rv_string(c->arena, s, n);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status ok_int(struct rb_ctx *c, int64_t i, struct rv **out)
{
	*out = rv_int(c->arena, i);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- simple string functions ---- */

static enum rb_status bi_concat(struct rb_ctx *c, struct rv *const *args,
				struct rv **out)
{
	const struct rv *sep = args[0], *coll = args[1];
	enum rb_status st;
	struct sbuf b;
	size_t i;

	if (!rv_is(sep, RV_STRING))
		return rb_type_error(c, 1, "string", sep);
	if (!rv_is(coll, RV_ARRAY) && !rv_is(coll, RV_SET))
		return type_error_of(c, 2, "set, array", coll);
	if ((st = want_string_members(c, coll, 2)) != RB_OK)
		return st;
	sb_init(&b, c->arena);
	for (i = 0; i < coll->u.arr.n; i++) {
		if (i)
			sb_put(&b, str_of(sep), len_of(sep));
		sb_put(&b, str_of(coll->u.arr.v[i]), len_of(coll->u.arr.v[i]));
	}
	return sb_result(c, &b, out);
}

static const char *find_bytes(const char *h, size_t hn, const char *nd,
			      size_t nn)
{
	return nn ? memmem(h, hn, nd, nn) : h;
}

static enum rb_status bi_contains(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);

	if (st == RB_OK)
		*out = rv_bool(find_bytes(str_of(args[0]), len_of(args[0]),
					  str_of(args[1]), len_of(args[1])));
	return st;
}

static bool has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && memcmp(s, p, pn) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && memcmp(s + n - pn, p, pn) == 0;
}

static enum rb_status bi_startswith(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);

	if (st == RB_OK)
		*out = rv_bool(has_prefix(str_of(args[0]), len_of(args[0]),
					  str_of(args[1]), len_of(args[1])));
	return st;
}

static enum rb_status bi_endswith(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);

	if (st == RB_OK)
		*out = rv_bool(has_suffix(str_of(args[0]), len_of(args[0]),
					  str_of(args[1]), len_of(args[1])));
	return st;
}

/* Go's strings.Count: non-overlapping; "" occurs between every rune. */
static enum rb_status bi_count(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	const char *s, *sub, *at;
	size_t n, sn;
	int64_t count = 0;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	sub = str_of(args[1]);
	sn = len_of(args[1]);
	if (sn == 0)
		return ok_int(c, (int64_t)rune_count(s, n) + 1, out);
	while ((at = memmem(s, n, sub, sn)) != NULL) {
		count++;
		n -= (size_t)(at - s) + sn;
		s = at + sn;
	}
	return ok_int(c, count, out);
}

/* lower and upper: Go maps every rune, and an invalid byte becomes U+FFFD
 * unless the string is plain ASCII. Case tables come from the C.UTF-8
 * locale; without it only ASCII changes case. */
static locale_t case_locale(void)
{
	locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);

	if (!loc)
		loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
	return loc;
}

static enum rb_status map_case(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out, bool upper)
{
	enum rb_status st = want_strings(c, args, 1);
	const char *s;
	struct sbuf b;
	locale_t loc;
	size_t n, i, w;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	sb_init(&b, c->arena);
	if (is_ascii(s, n)) {
		if (sb_room(&b, n)) {
			for (i = 0; i < n; i++) {
				char ch = s[i];

				if (upper && ch >= 'a' && ch <= 'z')
					ch = (char)(ch - 'a' + 'A');
				else if (!upper && ch >= 'A' && ch <= 'Z')
					ch = (char)(ch - 'A' + 'a');
				b.p[b.len++] = ch;
			}
		}
		return sb_result(c, &b, out);
	}
	loc = case_locale();
	for (i = 0; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (r < 0x80) {
			if (upper && r >= 'a' && r <= 'z')
				r -= 'a' - 'A';
			else if (!upper && r >= 'A' && r <= 'Z')
				r += 'a' - 'A';
		} else if (loc) {
			r = (uint32_t)(upper ? towupper_l((wint_t)r, loc)
					     : towlower_l((wint_t)r, loc));
		}
		sb_rune(&b, r);
	}
	if (loc)
		freelocale(loc);
	return sb_result(c, &b, out);
}

static enum rb_status bi_lower(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	return map_case(c, args, out, false);
}

static enum rb_status bi_upper(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	return map_case(c, args, out, true);
}

/* Go's strings.Split; an empty separator splits into UTF-8 sequences. */
static enum rb_status bi_split(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	const char *s, *d, *at;
	struct rv_builder b;
	size_t n, dn, w;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	d = str_of(args[1]);
	dn = len_of(args[1]);
	rv_builder_init(&b, c->arena);
	if (dn == 0) {
		for (; n; s += w, n -= w) {
			w = utf8_decode(s, n, &r);
			rv_builder_add(&b, rv_string(c->arena, s, w));
		}
	} else {
		while ((at = memmem(s, n, d, dn)) != NULL) {
			rv_builder_add(&b, rv_string(c->arena, s, (size_t)(at - s)));
			n -= (size_t)(at - s) + dn;
			s = at + dn;
		}
		rv_builder_add(&b, rv_string(c->arena, s, n));
	}
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- trimming ---- */

/* Go's strings.ContainsRune(cutset, r), U+FFFD standing for any invalid
 * byte on either side. */
static bool cutset_has(const char *cs, size_t cn, uint32_t r)
{
	size_t i = 0;
	uint32_t x;

	while (i < cn) {
		i += utf8_decode(cs + i, cn - i, &x);
		if (x == r)
			return true;
	}
	return false;
}

static size_t trim_left_at(const char *s, size_t n, const char *cs, size_t cn)
{
	size_t i = 0, w;
	uint32_t r;

	while (i < n) {
		w = utf8_decode(s + i, n - i, &r);
		if (cs ? !cutset_has(cs, cn, r) : !is_space(r))
			break;
		i += w;
	}
	return i;
}

static size_t trim_right_at(const char *s, size_t n, const char *cs, size_t cn)
{
	size_t w;
	uint32_t r;

	while (n) {
		w = utf8_decode_last(s, n, &r);
		if (cs ? !cutset_has(cs, cn, r) : !is_space(r))
			break;
		n -= w;
	}
	return n;
}

enum trim_kind { TRIM_BOTH, TRIM_LEFT, TRIM_RIGHT, TRIM_PREFIX, TRIM_SUFFIX };

static enum rb_status trim(struct rb_ctx *c, struct rv *const *args,
			   struct rv **out, enum trim_kind k)
{
	enum rb_status st = want_strings(c, args, 2);
	const char *s, *cs;
	size_t n, cn, lo = 0, hi;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	hi = n = len_of(args[0]);
	cs = str_of(args[1]);
	cn = len_of(args[1]);
	switch (k) {
	case TRIM_BOTH:
	case TRIM_LEFT:
	case TRIM_RIGHT:
		if (n == 0 || cn == 0)
			break;
		if (k != TRIM_LEFT)
			hi = trim_right_at(s, n, cs, cn);
		if (k != TRIM_RIGHT)
			lo = trim_left_at(s, hi, cs, cn);
		break;
	case TRIM_PREFIX:
		if (has_prefix(s, n, cs, cn))
			lo = cn;
		break;
	case TRIM_SUFFIX:
		if (has_suffix(s, n, cs, cn))
			hi = n - cn;
		break;
	}
	if (lo == 0 && hi == n) {
		*out = args[0];
		return RB_OK;
	}
	return ok_string(c, s + lo, hi - lo, out);
}

static enum rb_status bi_trim(struct rb_ctx *c, struct rv *const *args,
			      struct rv **out)
{
	return trim(c, args, out, TRIM_BOTH);
}

static enum rb_status bi_trim_left(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return trim(c, args, out, TRIM_LEFT);
}

static enum rb_status bi_trim_right(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	return trim(c, args, out, TRIM_RIGHT);
}

static enum rb_status bi_trim_prefix(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return trim(c, args, out, TRIM_PREFIX);
}

static enum rb_status bi_trim_suffix(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return trim(c, args, out, TRIM_SUFFIX);
}

static enum rb_status bi_trim_space(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	enum rb_status st = want_strings(c, args, 1);
	const char *s;
	size_t n, lo, hi;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	lo = trim_left_at(s, n, NULL, 0);
	hi = lo + trim_right_at(s + lo, n - lo, NULL, 0);
	if (lo == 0 && hi == n) {
		*out = args[0];
		return RB_OK;
	}
	return ok_string(c, s + lo, hi - lo, out);
}

/* ---- replace and strings.replace_n ----
 * Go's strings.Replacer: at each byte position the first pair (in argument
 * order) whose old string starts there wins; an empty old string matches
 * at every position, but not twice in a row at the same one. */

struct rpair {
	const char *old, *new;
	size_t on, nn;
};

static void replace_all(struct sbuf *b, const char *s, size_t n,
			const struct rpair *pairs, size_t np)
{
	size_t i = 0, last = 0, k;
	bool prev_empty = false;

	while (i <= n) {
		const struct rpair *hit = NULL;

		for (k = 0; k < np; k++) {
			if (pairs[k].on == 0 && prev_empty)
				continue;
			if (has_prefix(s + i, n - i, pairs[k].old, pairs[k].on)) {
				hit = &pairs[k];
				break;
			}
		}
		prev_empty = hit && hit->on == 0;
		if (!hit) {
			i++;
			continue;
		}
		sb_put(b, s + last, i - last);
		sb_put(b, hit->new, hit->nn);
		i += hit->on;
		last = i;
	}
	if (last < n)
		sb_put(b, s + last, n - last);
}

static enum rb_status bi_replace(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	enum rb_status st = want_strings(c, args, 3);
	const char *s, *at;
	struct rpair p;
	struct sbuf b;
	size_t n;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	p.old = str_of(args[1]);
	p.on = len_of(args[1]);
	p.new = str_of(args[2]);
	p.nn = len_of(args[2]);
	sb_init(&b, c->arena);
	if (p.on == 0) {
		replace_all(&b, s, n, &p, 1);
	} else {
		if (!memmem(s, n, p.old, p.on)) {
			*out = args[0];
			return RB_OK;
		}
		while ((at = memmem(s, n, p.old, p.on)) != NULL) {
			sb_put(&b, s, (size_t)(at - s));
			sb_put(&b, p.new, p.nn);
			n -= (size_t)(at - s) + p.on;
			s = at + p.on;
		}
		sb_put(&b, s, n);
	}
	return sb_result(c, &b, out);
}

/* OPA passes the pairs sorted by key, so among keys that start at the same
 * position the shortest wins. */
static enum rb_status bi_replace_n(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	const struct rv *obj = args[0], *s = args[1];
	struct rpair *pairs;
	struct sbuf b;
	size_t i, np;

	if (!rv_is(obj, RV_OBJECT))
		return rb_type_error(c, 1, "object", obj);
	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 2, "string", s);
	np = obj->u.obj.n;
	pairs = np ? rv_alloc(c->arena, np * sizeof(*pairs)) : NULL;
	if (np && !pairs)
		return rb_nomem(c);
	for (i = 0; i < np; i++) {
		const struct rv *k = obj->u.obj.k[i], *v = obj->u.obj.v[i];

		if (k->type != RV_STRING) {
			rb_error(c, "operand 1 non-string key found in pattern object");
			return RB_TYPE_ERROR;
		}
		if (v->type != RV_STRING) {
			rb_error(c, "operand 1 non-string value found in pattern object");
			return RB_TYPE_ERROR;
		}
		pairs[i].old = str_of(k);
		pairs[i].on = len_of(k);
		pairs[i].new = str_of(v);
		pairs[i].nn = len_of(v);
	}
	sb_init(&b, c->arena);
	replace_all(&b, str_of(s), len_of(s), pairs, np);
	return sb_result(c, &b, out);
}

/* ---- rune-indexed functions ---- */

/* Whether the runes of t begin s (each invalid byte one U+FFFD). */
static bool runes_start(const char *s, size_t n, const char *t, size_t tn)
{
	size_t i = 0, j = 0;
	uint32_t a, b;

	while (j < tn) {
		if (i >= n)
			return false;
		i += utf8_decode(s + i, n - i, &a);
		j += utf8_decode(t + j, tn - j, &b);
		if (a != b)
			return false;
	}
	return true;
}

static enum rb_status bi_indexof(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	const char *s, *t;
	size_t n, tn, i = 0;
	int64_t idx = 0;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	t = str_of(args[1]);
	tn = len_of(args[1]);
	if (tn == 0)
		return rb_error(c, "empty search character");
	for (; i < n; idx++) {
		if (runes_start(s + i, n - i, t, tn))
			return ok_int(c, idx, out);
		i += utf8_decode(s + i, n - i, &r);
	}
	return ok_int(c, -1, out);
}

static enum rb_status bi_indexof_n(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	struct rv_builder b;
	const char *s, *t;
	size_t n, tn, i = 0;
	int64_t idx = 0;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	t = str_of(args[1]);
	tn = len_of(args[1]);
	if (tn == 0)
		return rb_error(c, "empty search character");
	rv_builder_init(&b, c->arena);
	for (; i < n; idx++) {
		if (runes_start(s + i, n - i, t, tn))
			rv_builder_add(&b, rv_int(c->arena, idx));
		i += utf8_decode(s + i, n - i, &r);
	}
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* substring(s, start, length): a negative length runs to the end; OPA
 * slices []rune(s), which turns invalid bytes into U+FFFD. */
static enum rb_status bi_substring(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	enum rb_status st;
	int64_t start, length, k;
	const char *s;
	struct sbuf b;
	size_t n, i = 0, w;
	uint32_t r;

	if ((st = want_strings(c, args, 1)) != RB_OK ||
	    (st = want_int(c, args[1], 2, &start)) != RB_OK ||
	    (st = want_int(c, args[2], 3, &length)) != RB_OK)
		return st;
	if (start < 0)
		return rb_error(c, "negative offset");
	s = str_of(args[0]);
	n = len_of(args[0]);
	if (is_ascii(s, n)) {
		if ((uint64_t)start >= n)
			return ok_string(c, "", 0, out);
		if (length < 0 || (uint64_t)length >= n - (uint64_t)start)
			length = (int64_t)(n - (uint64_t)start);
		return ok_string(c, s + start, (size_t)length, out);
	}
	if (start == 0 && length >= 0 && (uint64_t)length >= rune_count(s, n)) {
		*out = args[0];
		return RB_OK;
	}
	for (k = 0; k < start && i < n; k++)
		i += utf8_decode(s + i, n - i, &r);
	sb_init(&b, c->arena);
	for (k = 0; i < n && (length < 0 || k < length); k++) {
		w = utf8_decode(s + i, n - i, &r);
		sb_rune(&b, r);
		i += w;
	}
	return sb_result(c, &b, out);
}

/* Go walks runes and re-encodes them, so an invalid byte is reversed as a
 * unit here (Go's own result for one is not well defined). */
static enum rb_status bi_reverse(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	enum rb_status st = want_strings(c, args, 1);
	const char *s;
	char *p;
	size_t n, i = 0, w;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = str_of(args[0]);
	n = len_of(args[0]);
	p = rv_strndup(c->arena, s, n);
	if (!p)
		return rb_nomem(c);
	for (; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		memcpy(p + n - i - w, s + i, w);
	}
	*out = rv_string_own(c->arena, p, n);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- strings.any_prefix_match / any_suffix_match ---- */

struct sview {
	const char *s;
	size_t n;
};

static int sview_cmp(const void *x, const void *y)
{
	const struct sview *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;
	int d = n ? memcmp(a->s, b->s, n) : 0;

	if (d)
		return d;
	return (a->n > b->n) - (a->n < b->n);
}

/* A string, or an array or set of strings, as a list; reversed byte-wise
 * for suffix matching. */
static enum rb_status string_list(struct rb_ctx *c, const struct rv *v,
				  unsigned i, bool reverse, struct sview **out,
				  size_t *count)
{
	struct rv *const *members = NULL;
	enum rb_status st;
	struct sview *l;
	size_t k, j, n;

	if (v->type == RV_STRING) {
		members = (struct rv *const *)&v;
		n = 1;
	} else if (v->type == RV_ARRAY || v->type == RV_SET) {
		if ((st = want_string_members(c, v, i)) != RB_OK)
			return st;
		members = v->u.arr.v;
		n = v->u.arr.n;
	} else {
		return type_error_of(c, i, "string, set, array", v);
	}
	l = n ? rv_alloc(c->arena, n * sizeof(*l)) : NULL;
	if (n && !l)
		return rb_nomem(c);
	for (k = 0; k < n; k++) {
		l[k].s = str_of(members[k]);
		l[k].n = len_of(members[k]);
		if (reverse) {
			char *p = rv_alloc(c->arena, l[k].n + 1);

			if (!p)
				return rb_nomem(c);
			for (j = 0; j < l[k].n; j++)
				p[j] = l[k].s[l[k].n - 1 - j];
			l[k].s = p;
		}
	}
	*out = l;
	*count = n;
	return RB_OK;
}

/* Sort the strings once, then each prefix is one binary search: strings
 * that start with p sort together, from the first one not less than p. */
static enum rb_status any_match(struct rb_ctx *c, struct rv *const *args,
				struct rv **out, bool suffix)
{
	struct sview *strs, *pres;
	size_t ns, np, k, lo, hi;
	enum rb_status st;
	bool found = false;

	if ((st = string_list(c, args[0], 1, suffix, &strs, &ns)) != RB_OK ||
	    (st = string_list(c, args[1], 2, suffix, &pres, &np)) != RB_OK)
		return st;
	if (ns > 1)
		qsort(strs, ns, sizeof(*strs), sview_cmp);
	for (k = 0; k < np && !found && ns; k++) {
		lo = 0;
		hi = ns;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (sview_cmp(&strs[mid], &pres[k]) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		found = lo < ns && has_prefix(strs[lo].s, strs[lo].n,
					      pres[k].s, pres[k].n);
	}
	*out = rv_bool(found);
	return RB_OK;
}

static enum rb_status bi_any_prefix(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	return any_match(c, args, out, false);
}

static enum rb_status bi_any_suffix(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	return any_match(c, args, out, true);
}

/* ---- integers in bases 2, 8, 10 and 16 ---- */

static const char lower_digits[] = "0123456789abcdefx";
static const char upper_digits[] = "0123456789ABCDEFX";

/* Digits of u, right-aligned in buf[68]; returns the first index. */
static size_t u64_digits(uint64_t u, unsigned base, const char *digits,
			 char *buf, size_t size)
{
	size_t i = size;

	do {
		buf[--i] = digits[u % base];
		u /= base;
	} while (u);
	return i;
}

/* Digits of |d| for an integral double past the int64 range: Go prints
 * these numbers through math/big. */
static void big_digits(struct sbuf *b, double d, unsigned base,
		       const char *digits)
{
	uint32_t limb[40] = { 0 };
	char tmp[1100];
	size_t k = sizeof(tmp);
	uint64_t m, lo, cur, rem;
	int e, nl, i, q, s;

	m = (uint64_t)ldexp(frexp(fabs(d), &e), 53);
	e -= 53;
	if (e < 0) { /* not reached for |d| >= 2^63; keep it safe */
		m >>= -e;
		e = 0;
	}
	q = e / 32;
	s = e % 32;
	lo = m << s;
	limb[q] = (uint32_t)lo;
	limb[q + 1] = (uint32_t)(lo >> 32);
	limb[q + 2] = s ? (uint32_t)(m >> (64 - s)) : 0;
	nl = q + 3;
	while (nl > 0 && limb[nl - 1] == 0)
		nl--;
	if (nl == 0)
		tmp[--k] = '0';
	while (nl > 0) {
		rem = 0;
		for (i = nl - 1; i >= 0; i--) {
			cur = rem << 32 | limb[i];
			limb[i] = (uint32_t)(cur / base);
			rem = cur % base;
		}
		tmp[--k] = digits[rem];
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
	}
	sb_put(b, tmp + k, sizeof(tmp) - k);
}

/* The integer part of a number: exact when it fits an int64, else big. */
static bool num_trunc(const struct rv *v, int64_t *i, double *big)
{
	double d;

	if (v->u.num.is_int) {
		*i = v->u.num.i;
		return true;
	}
	d = trunc(v->u.num.d);
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
		*i = (int64_t)d;
		return true;
	}
	*big = d;
	return false;
}

/* format_int(number, base): truncated toward zero, as OPA's big.Float.Int. */
static enum rb_status bi_format_int(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	int64_t base, i;
	char buf[72];
	struct sbuf b;
	double big;
	size_t at;

	if (!rv_is(args[0], RV_NUMBER))
		return rb_type_error(c, 1, "number", args[0]);
	if (!rv_is(args[1], RV_NUMBER))
		return rb_type_error(c, 2, "number", args[1]);
	if (!rv_num_int(args[1], &base) ||
	    (base != 2 && base != 8 && base != 10 && base != 16)) {
		rb_error(c, "operand 2 must be one of {2, 8, 10, 16}");
		return RB_TYPE_ERROR;
	}
	sb_init(&b, c->arena);
	if (num_trunc(args[0], &i, &big)) {
		uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

		if (i < 0)
			sb_putc(&b, '-');
		at = u64_digits(u, (unsigned)base, lower_digits, buf, sizeof(buf));
		sb_put(&b, buf + at, sizeof(buf) - at);
	} else {
		if (big < 0)
			sb_putc(&b, '-');
		big_digits(&b, big, (unsigned)base, lower_digits);
	}
	return sb_result(c, &b, out);
}

/* ---- Go's quoting (strconv.Quote and friends) ---- */

static const char lower_hex[] = "0123456789abcdef";

static void put_hex(struct sbuf *b, const char *prefix, uint32_t v, int ndig)
{
	sb_puts(b, prefix);
	while (ndig-- > 0)
		sb_putc(b, lower_hex[v >> (4 * ndig) & 15]);
}

static void quote_rune_body(struct sbuf *b, uint32_t r, char quote,
			    bool ascii, struct uprops *u)
{
	if (r == (uint32_t)(unsigned char)quote || r == '\\') {
		sb_putc(b, '\\');
		sb_rune(b, r);
		return;
	}
	if (ascii ? r < 0x80 && is_print(u, r) : is_print(u, r)) {
		sb_rune(b, r);
		return;
	}
	switch (r) {
	case '\a': sb_puts(b, "\\a"); return;
	case '\b': sb_puts(b, "\\b"); return;
	case '\f': sb_puts(b, "\\f"); return;
	case '\n': sb_puts(b, "\\n"); return;
	case '\r': sb_puts(b, "\\r"); return;
	case '\t': sb_puts(b, "\\t"); return;
	case '\v': sb_puts(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7F)
		put_hex(b, "\\x", r, 2);
	else if (!rune_valid(r) || r < 0x10000)
		put_hex(b, "\\u", rune_valid(r) ? r : RUNE_ERROR, 4);
	else
		put_hex(b, "\\U", r, 8);
}

/* strconv.Quote, or QuoteToASCII. */
static void go_quote(struct sbuf *b, const char *s, size_t n, bool ascii,
		     struct uprops *u)
{
	size_t i = 0, w;
	uint32_t r;

	sb_putc(b, '"');
	for (; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (w == 1 && r == RUNE_ERROR)
			put_hex(b, "\\x", (unsigned char)s[i], 2);
		else
			quote_rune_body(b, r, '"', ascii, u);
	}
	sb_putc(b, '"');
}

/* strconv.QuoteRune, or QuoteRuneToASCII. */
static void go_quote_rune(struct sbuf *b, uint32_t r, bool ascii,
			  struct uprops *u)
{
	if (!rune_valid(r))
		r = RUNE_ERROR;
	sb_putc(b, '\'');
	quote_rune_body(b, r, '\'', ascii, u);
	sb_putc(b, '\'');
}

/* strconv.CanBackquote. */
static bool can_backquote(const char *s, size_t n)
{
	size_t i = 0, w;
	uint32_t r;

	for (; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (w > 1) {
			if (r == 0xFEFF)
				return false;
			continue;
		}
		if (r == RUNE_ERROR || (r < ' ' && r != '\t') || r == '`' ||
		    r == 0x7F)
			return false;
	}
	return true;
}

/* ---- values as Rego text (OPA's Value.String) ---- */

static void number_text(struct sbuf *b, const struct rv *v)
{
	struct rv_buf nb = { 0 };

	rv_buf_number(&nb, v);
	if (nb.failed)
		b->failed = true;
	else
		sb_put(b, nb.p, nb.len);
	free(nb.p);
}

static void rego_text(struct sbuf *b, const struct rv *v, struct uprops *u)
{
	size_t i;

	switch (v->type) {
	case RV_NULL:
		sb_puts(b, "null");
		break;
	case RV_BOOL:
		sb_puts(b, v->u.b ? "true" : "false");
		break;
	case RV_NUMBER:
		number_text(b, v);
		break;
	case RV_STRING:
		go_quote(b, str_of(v), len_of(v), false, u);
		break;
	case RV_ARRAY:
	case RV_SET:
		if (v->type == RV_SET && v->u.arr.n == 0) {
			sb_puts(b, "set()");
			break;
		}
		sb_putc(b, v->type == RV_SET ? '{' : '[');
		for (i = 0; i < v->u.arr.n && !b->failed; i++) {
			if (i)
				sb_puts(b, ", ");
			rego_text(b, v->u.arr.v[i], u);
		}
		sb_putc(b, v->type == RV_SET ? '}' : ']');
		break;
	case RV_OBJECT:
		sb_putc(b, '{');
		for (i = 0; i < v->u.obj.n && !b->failed; i++) {
			if (i)
				sb_puts(b, ", ");
			rego_text(b, v->u.obj.k[i], u);
			sb_puts(b, ": ");
			rego_text(b, v->u.obj.v[i], u);
		}
		sb_putc(b, '}');
		break;
	}
}

/* ---- Go's strconv.AppendFloat (bitSize 64) ---- */

static int c_float_into(char *dst, size_t size, double v, char fmt, int prec)
{
	switch (fmt) {
	case 'e': return snprintf(dst, size, "%.*e", prec, v);
	case 'E': return snprintf(dst, size, "%.*E", prec, v);
	case 'f': return snprintf(dst, size, "%.*f", prec, v);
	case 'g': return snprintf(dst, size, "%.*g", prec, v);
	default: return snprintf(dst, size, "%.*G", prec, v);
	}
}

/* %e, %f or %g with an explicit precision: C rounds exactly as Go does. */
static void c_float(struct sbuf *b, double v, char fmt, int prec)
{
	int n = c_float_into(NULL, 0, v, fmt, prec);

	if (n < 0 || !sb_room(b, (size_t)n + 1))
		return;
	c_float_into(b->p + b->len, (size_t)n + 1, v, fmt, prec);
	b->len += (size_t)n;
}

/* %g with the shortest digits that read back to v (Go's precision -1),
 * in exponent form when the exponent is below -4 or at least 6. */
static void shortest_g(struct sbuf *b, double v, char fmt)
{
	char buf[40], *e;
	int prec, nd = 0, dp;
	const char *q;

	if (v == 0) {
		sb_putc(b, '0');
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
	e = strchr(buf, 'e');
	if (!e)
		return;
	for (q = buf; q < e; q++)
		nd += *q >= '0' && *q <= '9';
	dp = atoi(e + 1) + 1;
	if (dp - 1 < -4 || dp - 1 >= 6)
		c_float(b, v, fmt == 'G' ? 'E' : 'e', nd - 1);
	else
		c_float(b, v, 'f', nd > dp ? nd - dp : 0);
}

static void float_bits(double v, bool *neg, uint64_t *mant, int *exp)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	*neg = bits >> 63;
	*exp = (int)(bits >> 52 & 0x7FF);
	*mant = bits & ((1ull << 52) - 1);
	if (*exp == 0)
		(*exp)++;
	else
		*mant |= 1ull << 52;
	*exp -= 1023;
}

/* %b: decimal mantissa, binary exponent. */
static void fmt_b(struct sbuf *b, double v)
{
	uint64_t mant;
	bool neg;
	int exp;
	char tmp[48];

	float_bits(v, &neg, &mant, &exp);
	snprintf(tmp, sizeof(tmp), "%s%llup%s%d", neg ? "-" : "",
		 (unsigned long long)mant, exp - 52 >= 0 ? "+" : "", exp - 52);
	sb_puts(b, tmp);
}

/* %x and %X: Go's hexadecimal mantissa, 'p' and a two-digit exponent. */
static void fmt_x(struct sbuf *b, double v, int prec, char fmt)
{
	const char *hex = fmt == 'X' ? "0123456789ABCDEF" : lower_hex;
	uint64_t mant, extra;
	bool neg;
	int exp, i;
	char tmp[16];

	float_bits(v, &neg, &mant, &exp);
	if (mant == 0)
		exp = 0;
	mant <<= 60 - 52;
	while (mant != 0 && (mant & (1ull << 60)) == 0) {
		mant <<= 1;
		exp--;
	}
	if (prec >= 0 && prec < 15) {
		unsigned shift = (unsigned)prec * 4;

		extra = (mant << shift) & ((1ull << 60) - 1);
		mant >>= 60 - shift;
		if ((extra | (mant & 1)) > 1ull << 59)
			mant++;
		mant <<= 60 - shift;
		if (mant & (1ull << 61)) {
			mant >>= 1;
			exp++;
		}
	}
	if (neg)
		sb_putc(b, '-');
	sb_putc(b, '0');
	sb_putc(b, fmt);
	sb_putc(b, (char)('0' + (mant >> 60 & 1)));
	mant <<= 4;
	if (prec < 0 && mant != 0) {
		sb_putc(b, '.');
		while (mant != 0) {
			sb_putc(b, hex[mant >> 60 & 15]);
			mant <<= 4;
		}
	} else if (prec > 0) {
		sb_putc(b, '.');
		for (i = 0; i < prec; i++) {
			sb_putc(b, hex[mant >> 60 & 15]);
			mant <<= 4;
		}
	}
	snprintf(tmp, sizeof(tmp), "%c%c%02d", fmt == 'X' ? 'P' : 'p',
		 exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	sb_puts(b, tmp);
}

static void append_float(struct sbuf *b, double v, char fmt, int prec)
{
	switch (fmt) {
	case 'b':
		fmt_b(b, v);
		break;
	case 'x':
	case 'X':
		fmt_x(b, v, prec, fmt);
		break;
	case 'g':
	case 'G':
		if (prec < 0) {
			shortest_g(b, v, fmt);
			break;
		}
		/* fallthrough */
	default:
		c_float(b, v, fmt, prec);
	}
}

/* ---- sprintf: Go's fmt.Sprintf over OPA's argument conversion ----
 * OPA hands fmt an int for an integer, a *big.Int for a bigger integer,
 * a float64 for any other number, the string for a string, and the Rego
 * text of anything else as a string. */

enum garg_kind { GA_INT, GA_BIG, GA_FLOAT, GA_STRING };

struct garg {
	enum garg_kind kind;
	int64_t i;
	double d;
	const char *s;
	size_t n, off; /* off: where Rego text sits in the text buffer */
};

struct gflags {
	bool wid_present, prec_present, minus, plus, sharp, space, zero;
	bool plus_v, sharp_v;
	int wid, prec;
};

struct gprinter {
	struct sbuf *out;
	struct gflags f;
	const struct garg *arg;
	struct uprops *u;
	bool reordered, good_argnum;
};

static const char *garg_type(const struct garg *a)
{
	static const char *const names[] = { "int", "*big.Int", "float64",
					     "string" };

	return names[a->kind];
}

static void g_padding(struct gprinter *p, int n)
{
	if (n > 0)
		sb_fill(p->out, p->f.zero && !p->f.minus ? '0' : ' ', (size_t)n);
}

/* fmt.pad: width counts runes. */
static void g_pad(struct gprinter *p, const char *s, size_t n)
{
	size_t rc;
	int width;

	if (!p->f.wid_present || p->f.wid == 0) {
		sb_put(p->out, s, n);
		return;
	}
	rc = rune_count(s, n);
	width = rc >= (size_t)p->f.wid ? 0 : p->f.wid - (int)rc;
	if (!p->f.minus) {
		g_padding(p, width);
		sb_put(p->out, s, n);
	} else {
		sb_put(p->out, s, n);
		g_padding(p, width);
	}
}

/* Pad with spaces only, whatever the zero flag says. */
static void g_pad_spaces(struct gprinter *p, const char *s, size_t n)
{
	bool zero = p->f.zero;

	p->f.zero = false;
	g_pad(p, s, n);
	p->f.zero = zero;
}

static void g_integer(struct gprinter *p, uint64_t u, unsigned base,
		      bool is_signed, uint32_t verb, const char *digits)
{
	bool neg = is_signed && (int64_t)u < 0;
	char buf[72];
	struct sbuf num;
	size_t at, ndig;
	int prec = 0;

	if (neg)
		u = 0 - u;
	if (p->f.prec_present) {
		prec = p->f.prec;
		if (prec == 0 && u == 0) {
			bool zero = p->f.zero;

			p->f.zero = false;
			g_padding(p, p->f.wid);
			p->f.zero = zero;
			return;
		}
	} else if (p->f.zero && !p->f.minus && p->f.wid_present) {
		prec = p->f.wid;
		if (neg || p->f.plus || p->f.space)
			prec--;
	}
	at = u64_digits(u, base, digits, buf, sizeof(buf));
	ndig = sizeof(buf) - at;
	sb_init_like(&num, p->out);
	if (neg)
		sb_putc(&num, '-');
	else if (p->f.plus)
		sb_putc(&num, '+');
	else if (p->f.space)
		sb_putc(&num, ' ');
	if (verb == 'O')
		sb_puts(&num, "0o");
	if (p->f.sharp) {
		if (base == 2)
			sb_puts(&num, "0b");
		else if (base == 8 && buf[at] != '0' && prec <= (int)ndig)
			sb_putc(&num, '0');
		else if (base == 16) {
			sb_putc(&num, '0');
			sb_putc(&num, digits[16]);
		}
	}
	if (prec > 0 && (size_t)prec > ndig)
		sb_fill(&num, '0', (size_t)prec - ndig);
	sb_put(&num, buf + at, ndig);
	if (num.failed)
		p->out->failed = true;
	else
		g_pad_spaces(p, num.p, num.len);
	sb_free(&num);
}

/* %U: "U+0041", and with '#' the quoted rune after it. */
static void g_unicode(struct gprinter *p, uint64_t u)
{
	int prec = 4, nd = 0;
	struct sbuf num;
	uint64_t t;

	if (p->f.prec_present && p->f.prec > 4)
		prec = p->f.prec;
	for (t = u; t; t >>= 4)
		nd++;
	if (nd == 0)
		nd = 1;
	sb_init_like(&num, p->out);
	sb_puts(&num, "U+");
	if (prec > nd)
		sb_fill(&num, '0', (size_t)(prec - nd));
	while (nd-- > 0)
		sb_putc(&num, upper_digits[u >> (4 * nd) & 15]);
	if (p->f.sharp && u <= MAX_RUNE && is_print(p->u, (uint32_t)u)) {
		sb_puts(&num, " '");
		sb_rune(&num, (uint32_t)u);
		sb_putc(&num, '\'');
	}
	if (num.failed)
		p->out->failed = true;
	else
		g_pad_spaces(p, num.p, num.len);
	sb_free(&num);
}

static void g_char(struct gprinter *p, uint64_t u, bool quoted)
{
	uint32_t r = u > MAX_RUNE ? RUNE_ERROR : (uint32_t)u;
	struct sbuf tmp;

	sb_init_like(&tmp, p->out);
	if (quoted)
		go_quote_rune(&tmp, r, p->f.plus, p->u);
	else
		sb_rune(&tmp, r);
	g_pad(p, tmp.p ? tmp.p : "", tmp.len);
	sb_free(&tmp);
}

/* fmt.truncateString: at most prec runes. */
static size_t g_truncate(const struct gprinter *p, const char *s, size_t n)
{
	size_t i = 0;
	uint32_t r;
	int k;

	if (!p->f.prec_present)
		return n;
	for (k = 0; i < n; k++) {
		if (k >= p->f.prec)
			return i;
		i += utf8_decode(s + i, n - i, &r);
	}
	return n;
}

static void g_str(struct gprinter *p, const char *s, size_t n)
{
	g_pad(p, s, g_truncate(p, s, n));
}

static void g_hexstr(struct gprinter *p, const char *s, size_t n,
		     const char *digits)
{
	size_t length = n, width, i;

	if (p->f.prec_present && (size_t)p->f.prec < length)
		length = (size_t)p->f.prec;
	if (length == 0) {
		if (p->f.wid_present)
			g_padding(p, p->f.wid);
		return;
	}
	width = 2 * length;
	if (p->f.space) {
		if (p->f.sharp)
			width *= 2;
		width += length - 1;
	} else if (p->f.sharp) {
		width += 2;
	}
	if (p->f.wid_present && (size_t)p->f.wid > width && !p->f.minus)
		g_padding(p, p->f.wid - (int)width);
	if (p->f.sharp) {
		sb_putc(p->out, '0');
		sb_putc(p->out, digits[16]);
	}
	for (i = 0; i < length; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (p->f.space && i > 0) {
			sb_putc(p->out, ' ');
			if (p->f.sharp) {
				sb_putc(p->out, '0');
				sb_putc(p->out, digits[16]);
			}
		}
		sb_putc(p->out, digits[ch >> 4]);
		sb_putc(p->out, digits[ch & 15]);
	}
	if (p->f.wid_present && (size_t)p->f.wid > width && p->f.minus)
		g_padding(p, p->f.wid - (int)width);
}

static void g_quoted(struct gprinter *p, const char *s, size_t n)
{
	struct sbuf tmp;

	n = g_truncate(p, s, n);
	sb_init_like(&tmp, p->out);
	if (p->f.sharp && can_backquote(s, n)) {
		sb_putc(&tmp, '`');
		sb_put(&tmp, s, n);
		sb_putc(&tmp, '`');
	} else {
		go_quote(&tmp, s, n, p->f.plus, p->u);
	}
	if (tmp.failed)
		p->out->failed = true;
	else
		g_pad(p, tmp.p ? tmp.p : "", tmp.len);
	sb_free(&tmp);
}

/* fmt.fmtFloat. Rego numbers are finite, so no Inf or NaN. */
static void g_float(struct gprinter *p, double v, char verb, int prec)
{
	struct sbuf num, sharp;
	size_t len, i;
	char *s;

	if (p->f.prec_present)
		prec = p->f.prec;
	sb_init_like(&num, p->out);
	sb_putc(&num, '+');
	append_float(&num, v, verb, prec);
	if (num.failed) {
		p->out->failed = true;
		sb_free(&num);
		return;
	}
	s = num.p;
	len = num.len;
	if (s[1] == '-' || s[1] == '+') {
		s++;
		len--;
	}
	if (p->f.space && s[0] == '+' && !p->f.plus)
		s[0] = ' ';
	if (p->f.sharp && verb != 'b') {
		/* '#' keeps a decimal point and the trailing zeros. */
		int digits = 0;
		bool has_dp = false, nonzero = false;
		size_t tail = len;

		if (verb == 'g' || verb == 'G' || verb == 'x')
			digits = prec < 0 ? 6 : prec;
		for (i = 1; i < tail; i++) {
			char ch = s[i];

			if (ch == '.') {
				has_dp = true;
			} else if (ch == 'p' || ch == 'P' ||
				   ((ch == 'e' || ch == 'E') && verb != 'x' &&
				    verb != 'X')) {
				tail = i;
			} else {
				if (ch != '0')
					nonzero = true;
				if (nonzero)
					digits--;
			}
		}
		sb_init_like(&sharp, p->out);
		sb_put(&sharp, s, tail);
		if (!has_dp) {
			if (tail == 2 && s[1] == '0')
				digits--;
			sb_putc(&sharp, '.');
		}
		if (digits > 0)
			sb_fill(&sharp, '0', (size_t)digits);
		sb_put(&sharp, s + tail, len - tail);
		sb_free(&num);
		num = sharp;
		if (num.failed) {
			p->out->failed = true;
			sb_free(&num);
			return;
		}
		s = num.p;
		len = num.len;
	}
	if (p->f.plus || s[0] != '+') {
		if (p->f.zero && !p->f.minus && p->f.wid_present &&
		    (size_t)p->f.wid > len) {
			sb_putc(p->out, s[0]);
			g_padding(p, p->f.wid - (int)len);
			sb_put(p->out, s + 1, len - 1);
		} else {
			g_pad(p, s, len);
		}
	} else {
		g_pad(p, s + 1, len - 1);
	}
	sb_free(&num);
}

/* math/big's Int.Format. */
static void g_big(struct gprinter *p, double d, uint32_t verb)
{
	const char *sign = "", *prefix = "";
	const char *digits = verb == 'X' ? upper_digits : lower_digits;
	struct sbuf dig;
	size_t zeros = 0, left = 0, right = 0, length;
	unsigned base;

	switch (verb) {
	case 'b': base = 2; break;
	case 'o': case 'O': base = 8; break;
	case 'd': case 's': case 'v': base = 10; break;
	case 'x': case 'X': base = 16; break;
	default:
		sb_puts(p->out, "%!");
		sb_rune(p->out, verb);
		sb_puts(p->out, "(big.Int=");
		if (d < 0)
			sb_putc(p->out, '-');
		big_digits(p->out, d, 10, lower_digits);
		sb_putc(p->out, ')');
		return;
	}
	if (d < 0)
		sign = "-";
	else if (p->f.plus || p->f.plus_v)
		sign = "+";
	else if (p->f.space)
		sign = " ";
	if (p->f.sharp || p->f.sharp_v) {
		if (verb == 'b')
			prefix = "0b";
		else if (verb == 'o')
			prefix = "0";
		else if (verb == 'x')
			prefix = "0x";
		else if (verb == 'X')
			prefix = "0X";
	}
	if (verb == 'O')
		prefix = "0o";
	sb_init_like(&dig, p->out);
	big_digits(&dig, d, base, digits);
	if (dig.failed) {
		p->out->failed = true;
		return;
	}
	if (p->f.prec_present && dig.len < (size_t)p->f.prec)
		zeros = (size_t)p->f.prec - dig.len;
	length = strlen(sign) + strlen(prefix) + zeros + dig.len;
	if (p->f.wid_present && length < (size_t)p->f.wid) {
		size_t pad = (size_t)p->f.wid - length;

		if (p->f.minus)
			right = pad;
		else if (p->f.zero && !p->f.prec_present)
			zeros = pad;
		else
			left = pad;
	}
	sb_fill(p->out, ' ', left);
	sb_puts(p->out, sign);
	sb_puts(p->out, prefix);
	sb_fill(p->out, '0', zeros);
	sb_put(p->out, dig.p, dig.len);
	sb_fill(p->out, ' ', right);
	sb_free(&dig);
}

static void g_print_arg(struct gprinter *p, const struct garg *a,
			uint32_t verb);

/* fmt's "%!verb(type=value)". */
static void g_bad_verb(struct gprinter *p, uint32_t verb)
{
	const struct garg *a = p->arg;

	sb_puts(p->out, "%!");
	sb_rune(p->out, verb);
	sb_putc(p->out, '(');
	sb_puts(p->out, garg_type(a));
	sb_putc(p->out, '=');
	g_print_arg(p, a, 'v');
	sb_putc(p->out, ')');
	p->arg = a;
}

static void g_int_verb(struct gprinter *p, int64_t i, uint32_t verb)
{
	uint64_t u = (uint64_t)i;

	switch (verb) {
	case 'v': case 'd': g_integer(p, u, 10, true, verb, lower_digits); break;
	case 'b': g_integer(p, u, 2, true, verb, lower_digits); break;
	case 'o': case 'O': g_integer(p, u, 8, true, verb, lower_digits); break;
	case 'x': g_integer(p, u, 16, true, verb, lower_digits); break;
	case 'X': g_integer(p, u, 16, true, verb, upper_digits); break;
	case 'c': g_char(p, u, false); break;
	case 'q': g_char(p, u, true); break;
	case 'U': g_unicode(p, u); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_float_verb(struct gprinter *p, double d, uint32_t verb)
{
	switch (verb) {
	case 'v': g_float(p, d, 'g', -1); break;
	case 'b': case 'g': case 'G': case 'x': case 'X':
		g_float(p, d, (char)verb, -1);
		break;
	case 'f': case 'e': case 'E': g_float(p, d, (char)verb, 6); break;
	case 'F': g_float(p, d, 'f', 6); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_string_verb(struct gprinter *p, const char *s, size_t n,
			  uint32_t verb)
{
	switch (verb) {
	case 'v':
		if (p->f.sharp_v)
			g_quoted(p, s, n);
		else
			g_str(p, s, n);
		break;
	case 's': g_str(p, s, n); break;
	case 'x': g_hexstr(p, s, n, lower_digits); break;
	case 'X': g_hexstr(p, s, n, upper_digits); break;
	case 'q': g_quoted(p, s, n); break;
	default: g_bad_verb(p, verb);
	}
}

static void g_print_arg(struct gprinter *p, const struct garg *a, uint32_t verb)
{
	p->arg = a;
	if (verb == 'T') {
		g_str(p, garg_type(a), strlen(garg_type(a)));
		return;
	}
	if (verb == 'p' && a->kind != GA_BIG) {
		g_bad_verb(p, verb);
		return;
	}
	switch (a->kind) {
	case GA_INT:
		g_int_verb(p, a->i, verb);
		break;
	case GA_BIG:
		g_big(p, a->d, verb);
		break;
	case GA_FLOAT:
		g_float_verb(p, a->d, verb);
		break;
	case GA_STRING:
		g_string_verb(p, a->s, a->n, verb);
		break;
	}
}

static bool too_large(int x)
{
	return x > 1000000 || x < -1000000;
}

/* fmt.parsenum; returns the new index. */
static size_t g_parsenum(const char *s, size_t i, size_t end, int *num,
			 bool *isnum)
{
	*num = 0;
	*isnum = false;
	if (i >= end)
		return end;
	for (; i < end && s[i] >= '0' && s[i] <= '9'; i++) {
		if (too_large(*num)) {
			*num = 0;
			*isnum = false;
			return end;
		}
		*num = *num * 10 + (s[i] - '0');
		*isnum = true;
	}
	return i;
}

/* fmt.argNumber: an explicit "[n]" argument index. */
static size_t g_argnumber(struct gprinter *p, int *argnum, const char *s,
			  size_t i, size_t end, int nargs, bool *found)
{
	size_t j, wid = 1;
	bool ok = false;
	int idx = 0;

	*found = false;
	if (i >= end || s[i] != '[')
		return i;
	p->reordered = true;
	if (end - i >= 3) {
		for (j = i + 1; j < end; j++) {
			if (s[j] == ']') {
				bool isnum;
				size_t ni = g_parsenum(s, i + 1, j, &idx, &isnum);

				wid = j - i + 1;
				ok = isnum && ni == j;
				idx--;
				break;
			}
		}
	}
	if (ok && idx >= 0 && idx < nargs) {
		*argnum = idx;
		*found = true;
		return i + wid;
	}
	p->good_argnum = false;
	*found = ok;
	return i + wid;
}

/* fmt.intFromArg, for '*' widths and precisions. */
static void g_int_from_arg(const struct garg *args, int nargs, int *argnum,
			   int *num, bool *isint)
{
	*num = 0;
	*isint = false;
	if (*argnum < nargs) {
		const struct garg *a = &args[*argnum];

		if (a->kind == GA_INT && a->i >= -1000000 && a->i <= 1000000) {
			*num = (int)a->i;
			*isint = true;
		}
		(*argnum)++;
	}
}

static void g_clear(struct gprinter *p)
{
	memset(&p->f, 0, sizeof(p->f));
}

/* fmt.doPrintf. */
static void g_printf(struct gprinter *p, const char *s, size_t end,
		     const struct garg *args, int nargs)
{
	size_t i = 0, lasti;
	int argnum = 0;
	bool after_index = false;
	uint32_t verb;

	p->reordered = false;
	while (i < end && !p->out->failed) {
		p->good_argnum = true;
		lasti = i;
		while (i < end && s[i] != '%')
			i++;
		if (i > lasti)
			sb_put(p->out, s + lasti, i - lasti);
		if (i >= end)
			break;
		i++;
		g_clear(p);
		for (; i < end; i++) {
			char ch = s[i];

			if (ch == '#') {
				p->f.sharp = true;
			} else if (ch == '0') {
				p->f.zero = true;
			} else if (ch == '+') {
				p->f.plus = true;
			} else if (ch == '-') {
				p->f.minus = true;
			} else if (ch == ' ') {
				p->f.space = true;
			} else {
				break;
			}
		}
		if (i < end && s[i] >= 'a' && s[i] <= 'z' && argnum < nargs) {
			/* the common case: flags and a lower-case verb */
			if (s[i] == 'v') {
				p->f.sharp_v = p->f.sharp;
				p->f.sharp = false;
				p->f.plus_v = p->f.plus;
				p->f.plus = false;
			}
			g_print_arg(p, &args[argnum], (unsigned char)s[i]);
			argnum++;
			i++;
			continue;
		}
		i = g_argnumber(p, &argnum, s, i, end, nargs, &after_index);
		if (i < end && s[i] == '*') {
			i++;
			g_int_from_arg(args, nargs, &argnum, &p->f.wid,
				       &p->f.wid_present);
			if (!p->f.wid_present)
				sb_puts(p->out, "%!(BADWIDTH)");
			if (p->f.wid < 0) {
				p->f.wid = -p->f.wid;
				p->f.minus = true;
				p->f.zero = false;
			}
			after_index = false;
		} else {
			i = g_parsenum(s, i, end, &p->f.wid, &p->f.wid_present);
			if (after_index && p->f.wid_present)
				p->good_argnum = false;
		}
		if (i + 1 < end && s[i] == '.') {
			i++;
			if (after_index)
				p->good_argnum = false;
			i = g_argnumber(p, &argnum, s, i, end, nargs,
					&after_index);
			if (i < end && s[i] == '*') {
				i++;
				g_int_from_arg(args, nargs, &argnum, &p->f.prec,
					       &p->f.prec_present);
				if (p->f.prec < 0) {
					p->f.prec = 0;
					p->f.prec_present = false;
				}
				if (!p->f.prec_present)
					sb_puts(p->out, "%!(BADPREC)");
				after_index = false;
			} else {
				i = g_parsenum(s, i, end, &p->f.prec,
					       &p->f.prec_present);
				if (!p->f.prec_present) {
					p->f.prec = 0;
					p->f.prec_present = true;
				}
			}
		}
		if (!after_index)
			i = g_argnumber(p, &argnum, s, i, end, nargs,
					&after_index);
		if (i >= end) {
			sb_puts(p->out, "%!(NOVERB)");
			break;
		}
		i += utf8_decode(s + i, end - i, &verb);
		if (verb == '%') {
			sb_putc(p->out, '%');
		} else if (!p->good_argnum) {
			sb_puts(p->out, "%!");
			sb_rune(p->out, verb);
			sb_puts(p->out, "(BADINDEX)");
		} else if (argnum >= nargs) {
			sb_puts(p->out, "%!");
			sb_rune(p->out, verb);
			sb_puts(p->out, "(MISSING)");
		} else {
			if (verb == 'v') {
				p->f.sharp_v = p->f.sharp;
				p->f.sharp = false;
				p->f.plus_v = p->f.plus;
				p->f.plus = false;
			}
			g_print_arg(p, &args[argnum], verb);
			argnum++;
		}
	}
	if (!p->reordered && argnum < nargs) {
		g_clear(p);
		sb_puts(p->out, "%!(EXTRA ");
		for (; argnum < nargs; argnum++) {
			sb_puts(p->out, garg_type(&args[argnum]));
			sb_putc(p->out, '=');
			g_print_arg(p, &args[argnum], 'v');
			if (argnum + 1 < nargs)
				sb_puts(p->out, ", ");
		}
		sb_putc(p->out, ')');
	}
}

static enum rb_status bi_sprintf(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	const struct rv *arr = args[1];
	struct uprops u = { 0 };
	struct gprinter p;
	struct sbuf text, b;
	struct garg *ga;
	size_t i, n;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(arr, RV_ARRAY))
		return rb_type_error(c, 2, "array", arr);
	n = arr->u.arr.n;
	if (n > INT_MAX)
		return rb_nomem(c);
	ga = n ? rv_alloc(c->arena, n * sizeof(*ga)) : NULL;
	if (n && !ga)
		return rb_nomem(c);
	sb_init(&text, c->arena);
	for (i = 0; i < n; i++) {
		const struct rv *v = arr->u.arr.v[i];
		double big;

		if (v->type == RV_NUMBER) {
			ga[i].d = v->u.num.d;
			if (!v->u.num.is_int && v->u.num.d != trunc(v->u.num.d))
				ga[i].kind = GA_FLOAT;
			else if (num_trunc(v, &ga[i].i, &big))
				ga[i].kind = GA_INT;
			else
				ga[i].kind = GA_BIG;
		} else if (v->type == RV_STRING) {
			ga[i].kind = GA_STRING;
			ga[i].s = str_of(v);
			ga[i].n = len_of(v);
		} else {
			ga[i].kind = GA_STRING;
			ga[i].s = NULL;
			ga[i].off = text.len;
			rego_text(&text, v, &u);
			ga[i].n = text.len - ga[i].off;
		}
	}
	for (i = 0; i < n && !text.failed; i++)
		if (ga[i].kind == GA_STRING && !ga[i].s)
			ga[i].s = text.p ? text.p + ga[i].off : "";
	sb_init(&b, c->arena);
	if (text.failed)
		b.failed = true;
	memset(&p, 0, sizeof(p));
	p.out = &b;
	p.u = &u;
	if (!b.failed)
		g_printf(&p, str_of(args[0]), len_of(args[0]), ga, (int)n);
	sb_free(&text);
	uprops_free(&u);
	return sb_result(c, &b, out);
}

/* ---- regular expressions ----
 * Go's regexp takes RE2 syntax (syntax.Perl). PCRE2 takes more, and some
 * of the same text means other things to it, so the pattern is checked
 * the way Go's parser checks it, with Go's error texts, and rewritten
 * into PCRE2 syntax that means what Go means:
 *   - literals are written as \x{...}, octal escapes included;
 *   - \s and \v are spelt out (PCRE2's \s also takes \v, its \v is a class);
 *   - repetitions of assertions (^*, \b+) are allowed by Go: wrapped;
 *   - \w and POSIX classes are spelt as ranges, which (?i) folds as Go does;
 *   - a quantifier after a flag group ("a(?i)*") goes before the flags;
 *   - unbounded loops over groups get RE2's rule for empty iterations
 *     (RE_LOOP_HEAD), with marker groups hidden from the user's numbering;
 *   - lookaround, backreferences, atomic groups, \K, (*VERB)s and other
 *     PCRE-only syntax is refused, as Go refuses it.
 * Matching: $ only at the end (DOLLAR_ENDONLY), (?m)^ also after a final
 * newline (ALT_CIRCUMFLEX), \d \b ASCII-only (no UCP), as in RE2; a
 * subject with invalid UTF-8 is matched as Go reads it (struct subj).
 * What remains different: RE2 prunes by (state, position), so a nested
 * loop that starts with its own loop ("(?:[^a]*a*?)*") can still pick
 * another match, and a repeat {n,} with n > 1 of a group that can match
 * empty keeps PCRE2's rule. */

#define RE_MAX_DEPTH 1000 /* Go's limit on nesting */
#define RE_NONE SIZE_MAX

struct rescan {
	const char *p;
	size_t n, i;
	struct sbuf *out;
	char *err;
	size_t errlen;
	/* Go repeats the last operand even across flag groups ("a(?i)*"),
	 * PCRE2 repeats only what precedes the quantifier: so the quantifier
	 * goes before pending flags, and an operand already repeated is
	 * wrapped in (?:) first. */
	size_t atom_at;  /* where the last operand starts in out */
	size_t flags_at; /* where flag groups after it start, or RE_NONE */
	bool repeated;   /* the last operand has a quantifier */
	bool group;      /* the last operand is a group */
	int depth;
	size_t open[RE_MAX_DEPTH + 1]; /* where each open group starts */
};

/* A new operand starts at the end of the output. */
static void re_atom(struct rescan *s)
{
	s->atom_at = s->out->len;
	s->flags_at = RE_NONE;
	s->repeated = false;
	s->group = false;
}

static void sb_insert(struct sbuf *b, size_t at, const char *t, size_t n)
{
	if (!sb_room(b, n))
		return;
	memmove(b->p + at + n, b->p + at, b->len - at);
	memcpy(b->p + at, t, n);
	b->len += n;
}

static bool re_fail(struct rescan *s, const char *code, const char *expr,
		    size_t len)
{
	if (len > 120)
		len = 120;
	snprintf(s->err, s->errlen, "error parsing regexp: %s: `%.*s`", code,
		 (int)len, expr);
	return false;
}

static bool is_alnum(uint32_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static int unhex(uint32_t c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* Next rune of the pattern at *i; false (and the error) on invalid UTF-8. */
static bool re_rune(struct rescan *s, size_t *i, uint32_t *r)
{
	if (*i >= s->n) {
		*r = RUNE_ERROR;
		return true;
	}
	if (utf8_invalid_at(s->p + *i, s->n - *i))
		return re_fail(s, "invalid UTF-8", s->p + *i, s->n - *i);
	*i += utf8_decode(s->p + *i, s->n - *i, r);
	return true;
}

/* Go's parseEscape: one escaped character, s->i at the backslash. */
static bool re_escape_char(struct rescan *s, uint32_t *r)
{
	size_t start = s->i, i = s->i + 1;
	uint32_t c, v = 0;
	int k, x, y, nhex = 0;

	if (i >= s->n)
		return re_fail(s, "trailing backslash at end of expression", "", 0);
	if (!re_rune(s, &i, &c))
		return false;
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (i >= s->n || s->p[i] < '0' || s->p[i] > '7')
			goto bad; /* a backreference: not in RE2 */
		/* fallthrough */
	case '0':
		v = c - '0';
		for (k = 1; k < 3 && i < s->n && s->p[i] >= '0' && s->p[i] <= '7'; k++)
			v = v * 8 + (uint32_t)(s->p[i++] - '0');
		break;
	case 'x':
		if (i >= s->n)
			goto bad;
		if (!re_rune(s, &i, &c))
			return false;
		if (c == '{') {
			for (;;) {
				if (i >= s->n)
					goto bad;
				if (!re_rune(s, &i, &c))
					return false;
				if (c == '}')
					break;
				if ((x = unhex(c)) < 0)
					goto bad;
				v = v * 16 + (uint32_t)x;
				if (v > MAX_RUNE)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				goto bad;
			break;
		}
		x = unhex(c);
		y = -1;
		if (i < s->n) {
			if (!re_rune(s, &i, &c))
				return false;
			y = unhex(c);
		}
		if (x < 0 || y < 0)
			goto bad;
		v = (uint32_t)(x * 16 + y);
		break;
	case 'a': v = 7; break;
	case 'f': v = 12; break;
	case 'n': v = 10; break;
	case 'r': v = 13; break;
	case 't': v = 9; break;
	case 'v': v = 11; break;
	default:
		if (c < 0x80 && !is_alnum(c)) {
			v = c;
			break;
		}
		goto bad;
	}
	*r = v;
	s->i = i;
	return true;
bad:
	return re_fail(s, "invalid escape sequence", s->p + start, i - start);
}

static void re_put_code(struct sbuf *b, uint32_t r)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "\\x{%x}", (unsigned)r);
	sb_puts(b, tmp);
}

/* A literal rune outside a class. A surrogate matches nothing in Go. */
static void re_put_literal(struct sbuf *b, uint32_t r)
{
	if (r >= 0xD800 && r <= 0xDFFF)
		sb_puts(b, "(?:(?!))");
	else if (r < 0x80 && is_alnum(r))
		sb_putc(b, (char)r);
	else if (r < 0x80)
		re_put_code(b, r);
	else
		sb_rune(b, r);
}

/* \pX, \p{Name}, \P{^Name}: s->i at the backslash. */
static bool re_unicode_class(struct rescan *s)
{
	size_t start = s->i, i = s->i + 2, nstart, nend;
	bool neg = s->p[s->i + 1] == 'P';
	uint32_t c;
	size_t k;

	if (i < s->n && s->p[i] == '{') {
		const char *close = memchr(s->p + i, '}', s->n - i);

		if (!close)
			return re_fail(s, "invalid character class range",
				       s->p + start, s->n - start);
		nstart = i + 1;
		nend = (size_t)(close - s->p);
		i = nend + 1;
	} else {
		nstart = i;
		if (!re_rune(s, &i, &c))
			return false;
		nend = i;
	}
	if (nstart < nend && s->p[nstart] == '^') {
		neg = !neg;
		nstart++;
	}
	/* Category and script names are letters; PCRE2's extras (L&, Xan)
	 * are not RE2's. */
	for (k = nstart; k < nend; k++)
		if (!((s->p[k] >= 'a' && s->p[k] <= 'z') ||
		      (s->p[k] >= 'A' && s->p[k] <= 'Z') || s->p[k] == '_'))
			break;
	if (nstart == nend || k < nend || s->p[nstart] == 'X' ||
	    (nend - nstart == 1 && !strchr("CLMNPSZ", s->p[nstart])))
		return re_fail(s, "invalid character class range", s->p + start,
			       i - start);
	sb_puts(s->out, neg ? "\\P{" : "\\p{");
	sb_put(s->out, s->p + nstart, nend - nstart);
	sb_putc(s->out, '}');
	s->i = i;
	return true;
}

/* RE2's \s is [\t\n\f\r ], without the \v PCRE2 adds. \w is spelt as
 * ranges because under (?i) Go folds it (K matches U+212A KELVIN SIGN)
 * and PCRE2 folds ranges the same way, but not its \w. */
#define RE_WORD "0-9A-Za-z_"
#define RE_SPACE "\\t\\n\\f\\r\\x{20}"
#define RE_NOT_SPACE "\\x{0}-\\x{8}\\x{b}\\x{e}-\\x{1f}\\x{21}-\\x{10ffff}"

/* \d \D \w \W \s \S; false if s->i is not at one. */
static bool re_perl_class(struct rescan *s, bool in_class)
{
	char c;

	if (s->i + 1 >= s->n || s->p[s->i] != '\\')
		return false;
	c = s->p[s->i + 1];
	switch (c) {
	case 'w':
		sb_puts(s->out, in_class ? RE_WORD : "[" RE_WORD "]");
		break;
	case 'W':
		sb_puts(s->out, in_class ? "\\W" : "[^" RE_WORD "]");
		break;
	case 'd': case 'D':
		sb_putc(s->out, '\\');
		sb_putc(s->out, c);
		break;
	case 's':
		sb_puts(s->out, in_class ? RE_SPACE : "[" RE_SPACE "]");
		break;
	case 'S':
		sb_puts(s->out, in_class ? RE_NOT_SPACE : "[" RE_NOT_SPACE "]");
		break;
	default:
		return false;
	}
	s->i += 2;
	return true;
}

/* Go's POSIX classes as ranges (folded by PCRE2 as Go folds them). */
static const char *const posix_classes[][2] = {
	{ "alnum", "0-9A-Za-z" }, { "alpha", "A-Za-z" },
	{ "ascii", "\\x{0}-\\x{7f}" }, { "blank", "\\x{9}\\x{20}" },
	{ "cntrl", "\\x{0}-\\x{1f}\\x{7f}" }, { "digit", "0-9" },
	{ "graph", "\\x{21}-\\x{7e}" }, { "lower", "a-z" },
	{ "print", "\\x{20}-\\x{7e}" },
	{ "punct", "\\x{21}-\\x{2f}\\x{3a}-\\x{40}\\x{5b}-\\x{60}\\x{7b}-\\x{7e}" },
	{ "space", "\\x{9}-\\x{d}\\x{20}" }, { "upper", "A-Z" },
	{ "word", RE_WORD }, { "xdigit", "0-9A-Fa-f" }, { NULL, NULL },
};

/* [:name:] inside a class; *done false if it is not one (then '[' is an
 * ordinary character, as in Go). */
static bool re_posix_class(struct rescan *s, bool *done)
{
	const char *p = s->p + s->i, *end;
	size_t n = s->n - s->i, nlen;
	const char *name;
	bool neg = false;
	int k;

	*done = false;
	if (n < 3 || p[0] != '[' || p[1] != ':')
		return true;
	end = n > 2 ? memmem(p + 2, n - 2, ":]", 2) : NULL;
	if (!end)
		return true;
	name = p + 2;
	nlen = (size_t)(end - name);
	if (nlen && name[0] == '^') {
		neg = true;
		name++;
		nlen--;
	}
	for (k = 0; posix_classes[k][0]; k++)
		if (strlen(posix_classes[k][0]) == nlen &&
		    memcmp(posix_classes[k][0], name, nlen) == 0)
			break;
	if (!posix_classes[k][0])
		return re_fail(s, "invalid character class range", p,
			       (size_t)(end - p) + 2);
	if (neg)
		sb_put(s->out, p, (size_t)(end - p) + 2);
	else
		sb_puts(s->out, posix_classes[k][1]);
	s->i += (size_t)(end - p) + 2;
	*done = true;
	return true;
}

/* One character of a class, escaped or not. */
static bool re_class_char(struct rescan *s, size_t class_start, uint32_t *r)
{
	if (s->i >= s->n)
		return re_fail(s, "missing closing ]", s->p + class_start,
			       s->n - class_start);
	if (s->p[s->i] == '\\')
		return re_escape_char(s, r);
	return re_rune(s, &s->i, r);
}

/* Go's parseClass, s->i at '['. */
static bool re_class(struct rescan *s)
{
	size_t start = s->i, out_start = s->out->len, items = 0;
	bool first = true, neg = false, done;
	uint32_t lo, hi;

	s->i++;
	sb_putc(s->out, '[');
	if (s->i < s->n && s->p[s->i] == '^') {
		neg = true;
		sb_putc(s->out, '^');
		s->i++;
	}
	while (s->i >= s->n || s->p[s->i] != ']' || first) {
		size_t rng = s->i;

		first = false;
		if (!re_posix_class(s, &done))
			return false;
		if (done) {
			items++;
			continue;
		}
		if (s->i + 1 < s->n && s->p[s->i] == '\\' &&
		    (s->p[s->i + 1] == 'p' || s->p[s->i + 1] == 'P')) {
			if (!re_unicode_class(s))
				return false;
			items++;
			continue;
		}
		if (re_perl_class(s, true)) {
			items++;
			continue;
		}
		if (!re_class_char(s, start, &lo))
			return false;
		hi = lo;
		if (s->n - s->i >= 2 && s->p[s->i] == '-' && s->p[s->i + 1] != ']') {
			s->i++;
			if (!re_class_char(s, start, &hi))
				return false;
			if (hi < lo)
				return re_fail(s, "invalid character class range",
					       s->p + rng, s->i - rng);
		}
		/* Surrogates match nothing; PCRE2 refuses them. */
		if (lo >= 0xD800 && lo <= 0xDFFF)
			lo = 0xE000;
		if (hi >= 0xD800 && hi <= 0xDFFF)
			hi = 0xD7FF;
		if (lo > hi)
			continue;
		re_put_code(s->out, lo);
		if (hi != lo) {
			sb_putc(s->out, '-');
			re_put_code(s->out, hi);
		}
		items++;
	}
	s->i++;
	if (items == 0) {
		s->out->len = out_start;
		sb_puts(s->out, neg ? "(?s:.)" : "(?:(?!))");
	} else {
		sb_putc(s->out, ']');
	}
	return true;
}

static bool re_open_group(struct rescan *s)
{
	if (s->depth >= RE_MAX_DEPTH)
		return re_fail(s, "expression nests too deeply", s->p, s->n);
	s->flags_at = RE_NONE;
	s->open[s->depth++] = s->out->len;
	return true;
}

/* (? groups: named captures and flags; s->i at '('. */
static bool re_group(struct rescan *s, bool *operand)
{
	const char *t = s->p + s->i;
	size_t tn = s->n - s->i, j = 2, k;
	bool saw = false, neg = false;
	uint32_t c;

	if ((tn > 4 && t[2] == 'P' && t[3] == '<') || (tn > 3 && t[2] == '<')) {
		size_t ns = t[2] == 'P' ? 4 : 3;
		const char *gt = memchr(t, '>', tn);

		if (!gt)
			return re_fail(s, "invalid named capture", t, tn);
		for (k = ns; t + k < gt; k++)
			if (!is_alnum((unsigned char)t[k]) && t[k] != '_')
				break;
		if (k == ns || t + k < gt)
			return re_fail(s, "invalid named capture", t,
				       (size_t)(gt - t) + 1);
		if (!re_open_group(s))
			return false;
		sb_puts(s->out, "(?<");
		sb_put(s->out, t + ns, (size_t)(gt - t) - ns);
		sb_putc(s->out, '>');
		s->i += (size_t)(gt - t) + 1;
		*operand = false;
		return true;
	}
	while (j < tn) {
		size_t at = s->i + j;

		if (!re_rune(s, &at, &c))
			return false;
		j = at - s->i;
		if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
			saw = true;
			continue;
		}
		if (c == '-' && !neg) {
			neg = true;
			saw = false;
			continue;
		}
		if ((c != ':' && c != ')') || (neg && !saw))
			return re_fail(s, "invalid or unsupported Perl syntax",
				       t, j);
		s->i += j;
		if (c == ':') {
			if (!re_open_group(s))
				return false;
			*operand = false;
		} else if (j == 3) {
			return true; /* "(?)": no flags, no group */
		} else if (s->flags_at == RE_NONE) {
			s->flags_at = s->out->len;
		}
		sb_put(s->out, t, j);
		return true;
	}
	return re_fail(s, "invalid or unsupported Perl syntax", t, tn);
}

/* Loops. In RE2 a loop iteration that ends where it started dies, and the
 * next choice inside that iteration is tried before the loop is left;
 * PCRE2 instead keeps the empty iteration and leaves the loop, which can
 * change both the match and the groups ("(?:\S*?b?)*" on "b$": RE2 "b$",
 * PCRE2 "b"). Only the first iteration may be empty in RE2 (its x* is
 * (x+)?). So an unbounded loop over a group becomes
 *	()(?#L)(?:()(?#I)group(?C"L,I"))*
 * where the empty groups record where the loop and each iteration start,
 * and the callout fails an iteration that is empty and not the first.
 * re_number() then numbers the groups and fills in L and I. */
#define RE_LOOP_HEAD "()(?#L)(?:()(?#I)"
#define RE_LOOP_TAIL "(?C\"0000000,0000000\"))"

/* A quantifier, q[0..qn), for the last operand; lo and hi are its bounds
 * (hi -1: none). */
static void re_repeat(struct rescan *s, const char *q, size_t qn, int lo,
		      int hi)
{
	size_t end = s->flags_at != RE_NONE ? s->flags_at : s->out->len;

	if (s->repeated) {
		sb_insert(s->out, end, ")", 1);
		sb_insert(s->out, s->atom_at, "(?:", 3);
		end += 4;
		s->group = true;
	}
	if (s->group && hi < 0 && lo <= 1) {
		sb_insert(s->out, end, RE_LOOP_TAIL, strlen(RE_LOOP_TAIL));
		sb_insert(s->out, s->atom_at, RE_LOOP_HEAD, strlen(RE_LOOP_HEAD));
		end += strlen(RE_LOOP_TAIL) + strlen(RE_LOOP_HEAD);
	}
	sb_insert(s->out, end, q, qn);
	if (s->flags_at != RE_NONE)
		s->flags_at = end + qn;
	s->repeated = true;
}

/* Skip one item of the translated pattern that cannot open a group. */
static size_t re_skip_escape(const char *p, size_t n, size_t i)
{
	const char *close;

	if (i + 2 < n && strchr("xpP", p[i + 1]) && p[i + 2] == '{') {
		close = memchr(p + i, '}', n - i);
		return close ? (size_t)(close - p) + 1 : n;
	}
	return i + 2 <= n ? i + 2 : n;
}

static size_t re_skip_class(const char *p, size_t n, size_t i)
{
	const char *e;

	for (i++; i < n && p[i] != ']'; ) {
		if (p[i] == '\\') {
			i = re_skip_escape(p, n, i);
		} else if (p[i] == '[' && i + 1 < n && p[i + 1] == ':') {
			e = memmem(p + i, n - i, ":]", 2);
			i = e ? (size_t)(e - p) + 2 : n;
		} else {
			i++;
		}
	}
	return i < n ? i + 1 : n;
}

/* Number the capture groups of the translated pattern out: map[k] is the
 * PCRE2 number of the user's group k, skipping loop markers, and each
 * loop's callout gets its markers' numbers. */
static bool re_number(struct sbuf *out, uint32_t **map, uint32_t *nuser)
{
	char *p = out->p;
	size_t n = out->len, i = 0, cap = 8, top = 0, scap = 8;
	uint32_t group = 0, users = 1, *m = malloc(cap * sizeof(*m));
	uint32_t (*stack)[2] = malloc(scap * sizeof(*stack));
	bool ok = m && stack;

	if (ok)
		m[0] = 0;
	while (ok && i < n) {
		if (p[i] == '\\') {
			i = re_skip_escape(p, n, i);
		} else if (p[i] == '[') {
			i = re_skip_class(p, n, i);
		} else if (p[i] != '(') {
			i++;
		} else if (n - i >= 7 && memcmp(p + i, "()(?#", 5) == 0) {
			group++;
			if (p[i + 5] == 'L') {
				if (top == scap) {
					void *t = realloc(stack, 2 * scap * sizeof(*stack));

					if (!t) {
						ok = false;
						break;
					}
					stack = t;
					scap *= 2;
				}
				stack[top][0] = group;
				stack[top++][1] = 0;
			} else if (top) {
				stack[top - 1][1] = group;
			}
			i += 7;
		} else if (n - i >= 4 && memcmp(p + i, "(?C\"", 4) == 0) {
			if (top) {
				top--;
				snprintf(p + i + 4, 16, "%07u,%07u",
					 (unsigned)stack[top][0] % 10000000u,
					 (unsigned)stack[top][1] % 10000000u);
				p[i + 19] = '"';
			}
			i += 4;
		} else if (n - i >= 3 && p[i + 1] == '?' && p[i + 2] == '#') {
			i += 3;
		} else if (n - i >= 2 && p[i + 1] == '?' &&
			   !(n - i >= 3 && p[i + 2] == '<')) {
			i += 2;
		} else {
			group++;
			if (users == cap) {
				void *t = realloc(m, 2 * cap * sizeof(*m));

				if (!t) {
					ok = false;
					break;
				}
				m = t;
				cap *= 2;
			}
			m[users++] = group;
			i++;
		}
	}
	free(stack);
	if (!ok) {
		free(m);
		return false;
	}
	*map = m;
	*nuser = users;
	return true;
}

/* Go's parseInt for repeat counts: no leading zeros, -1 if too big. */
static bool re_parse_int(const char *p, size_t n, size_t *i, int *v)
{
	long x = 0;

	if (*i >= n || p[*i] < '0' || p[*i] > '9')
		return false;
	if (n - *i >= 2 && p[*i] == '0' && p[*i + 1] >= '0' && p[*i + 1] <= '9')
		return false;
	for (; *i < n && p[*i] >= '0' && p[*i] <= '9'; (*i)++)
		if (x >= 0)
			x = x >= 100000000 ? -1 : x * 10 + (p[*i] - '0');
	*v = (int)x;
	return true;
}

/* Go's parseRepeat: {n}, {n,} or {n,m}; false if '{' is a literal. */
static bool re_parse_repeat(const char *p, size_t n, size_t i, int *lo,
			    int *hi, size_t *end)
{
	if (i >= n || p[i] != '{')
		return false;
	i++;
	if (!re_parse_int(p, n, &i, lo) || i >= n)
		return false;
	if (p[i] != ',') {
		*hi = *lo;
	} else {
		i++;
		if (i >= n)
			return false;
		if (p[i] == '}')
			*hi = -1;
		else if (!re_parse_int(p, n, &i, hi))
			return false;
		else if (*hi < 0)
			*lo = -1;
	}
	if (i >= n || p[i] != '}')
		return false;
	*end = i + 1;
	return true;
}

/* \Q...\E: everything up to \E (or the end) is literal. */
static bool re_quote(struct rescan *s, bool *operand)
{
	size_t lit = s->i + 2, lend;
	const char *e = lit < s->n ? memmem(s->p + lit, s->n - lit, "\\E", 2)
				   : NULL;
	uint32_t r;

	lend = e ? (size_t)(e - s->p) : s->n;
	s->i = lit;
	while (s->i < lend) {
		if (!re_rune(s, &s->i, &r))
			return false;
		re_atom(s);
		re_put_literal(s->out, r);
		*operand = true;
	}
	s->i = e ? lend + 2 : s->n;
	return true;
}

/* A backslash outside a class, s->i at it. */
static bool re_escape(struct rescan *s, bool *operand)
{
	char c = s->i + 1 < s->n ? s->p[s->i + 1] : '\0';
	const char *asrt = NULL;
	uint32_t r;

	if (c != 'Q' && c != 'C')
		re_atom(s);
	switch (c) {
	case 'A': asrt = "(?:\\A)"; break;
	case 'z': asrt = "(?:\\z)"; break;
	case 'b': asrt = "(?:\\b)"; break;
	case 'B': asrt = "(?:\\B)"; break;
	case 'C':
		return re_fail(s, "invalid escape sequence", s->p + s->i, 2);
	case 'Q':
		return re_quote(s, operand);
	case 'p':
	case 'P':
		if (!re_unicode_class(s))
			return false;
		*operand = true;
		return true;
	}
	*operand = true;
	if (asrt) {
		sb_puts(s->out, asrt);
		s->i += 2;
		return true;
	}
	if (re_perl_class(s, false))
		return true;
	if (!re_escape_char(s, &r))
		return false;
	re_put_literal(s->out, r);
	return true;
}

/* Check p against RE2 syntax and write its PCRE2 form to out. */
static bool re_translate(const char *p, size_t n, struct sbuf *out, char *err,
			 size_t errlen)
{
	struct rescan *s = calloc(1, sizeof(*s));
	bool ok = s != NULL, operand = false, last_repeat = false;
	size_t repeat_at = 0;
	uint32_t r;

	if (!ok) {
		snprintf(err, errlen, "error parsing regexp: out of memory");
		return false;
	}
	*s = (struct rescan){ .p = p, .n = n, .out = out, .err = err,
			      .errlen = errlen, .flags_at = RE_NONE };
	while (ok && s->i < n) {
		size_t at = s->i, end;
		bool repeat = false;
		int lo, hi;

		switch (p[at]) {
		case '(':
			if (at + 1 < n && p[at + 1] == '?') {
				ok = re_group(s, &operand);
				break;
			}
			ok = re_open_group(s);
			sb_putc(out, '(');
			s->i++;
			operand = false;
			break;
		case ')':
			if (s->depth == 0) {
				ok = re_fail(s, "unexpected )", p, n);
				break;
			}
			sb_putc(out, ')');
			s->i++;
			s->atom_at = s->open[--s->depth];
			s->flags_at = RE_NONE;
			s->repeated = false;
			s->group = true;
			operand = true;
			break;
		case '|':
			s->flags_at = RE_NONE;
			sb_putc(out, '|');
			s->i++;
			operand = false;
			break;
		case '*':
		case '+':
		case '?':
		case '{':
			end = at + 1;
			if (p[at] == '{') {
				if (!re_parse_repeat(p, n, at, &lo, &hi, &end)) {
					re_atom(s);
					re_put_code(out, '{');
					s->i++;
					operand = true;
					break;
				}
				if (lo < 0 || lo > 1000 || hi > 1000 ||
				    (hi >= 0 && lo > hi)) {
					ok = re_fail(s, "invalid repeat count",
						     p + at, end - at);
					break;
				}
			}
			if (end < n && p[end] == '?')
				end++;
			if (last_repeat)
				ok = re_fail(s, "invalid nested repetition operator",
					     p + repeat_at, end - repeat_at);
			else if (!operand)
				ok = re_fail(s, "missing argument to repetition operator",
					     p + at, end - at);
			else if (p[at] == '{')
				re_repeat(s, p + at, end - at, lo, hi);
			else
				re_repeat(s, p + at, end - at, p[at] == '+',
					  p[at] == '?' ? 1 : -1);
			s->i = end;
			repeat = true;
			repeat_at = at;
			break;
		case '[':
			re_atom(s);
			ok = re_class(s);
			operand = true;
			break;
		case '.':
		case '^':
		case '$':
			re_atom(s);
			sb_puts(out, p[at] == '.' ? "." : p[at] == '^' ? "(?:^)"
								   : "(?:$)");
			s->i++;
			operand = true;
			break;
		case '\\':
			ok = re_escape(s, &operand);
			break;
		default:
			if (!(ok = re_rune(s, &s->i, &r)))
				break;
			re_atom(s);
			re_put_literal(out, r);
			operand = true;
			break;
		}
		last_repeat = repeat;
	}
	if (ok && s->depth > 0)
		ok = re_fail(s, "missing closing )", p, n);
	if (ok && out->failed) {
		snprintf(err, errlen, "regular expression too large");
		ok = false;
	}
	free(s);
	return ok;
}

struct re {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	PCRE2_SIZE *ov;
	uint32_t ngroups;    /* the user's groups plus the whole match */
	uint32_t *map;       /* user's group -> PCRE2 group (re_number) */
	int rc;              /* the last pcre2_match failure */
	unsigned long steps; /* callouts so far, against RE_STEP_BUDGET */
};

static uint32_t digits7(PCRE2_SPTR s)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 7; i++)
		v = v * 10 + (uint32_t)(s[i] - '0');
	return v;
}

/* Every callout counts a step; a loop's callout (see RE_LOOP_HEAD) also
 * fails an empty iteration that is not the loop's first. */
static int re_step(pcre2_callout_block *cb, void *data)
{
	struct re *re = data;
	uint32_t loop, iter;

	if (++re->steps > RE_STEP_BUDGET)
		return PCRE2_ERROR_CALLOUT;
	if (cb->callout_string_length != 15)
		return 0;
	loop = digits7(cb->callout_string);
	iter = digits7(cb->callout_string + 8);
	if (loop >= cb->capture_top || iter >= cb->capture_top ||
	    cb->offset_vector[2 * iter] == PCRE2_UNSET)
		return 0;
	return cb->current_position == cb->offset_vector[2 * iter] &&
	       cb->offset_vector[2 * iter] != cb->offset_vector[2 * loop];
}

/* Offsets of the user's group k in the last match; false if unset. */
static bool re_span(const struct re *re, uint32_t k, size_t *a, size_t *z)
{
	uint32_t g = re->map[k];

	if (re->ov[2 * g] == PCRE2_UNSET)
		return false;
	*a = re->ov[2 * g];
	*z = re->ov[2 * g + 1];
	return true;
}

static void re_free(struct re *re)
{
	free(re->map);
	pcre2_match_data_free(re->md);
	pcre2_match_context_free(re->mctx);
	pcre2_code_free(re->code);
	memset(re, 0, sizeof(*re));
}

/* Compile pattern (RE2 syntax); false with err set if it is not valid. */
static bool re_compile(const char *pat, size_t n, struct re *re, char *err,
		       size_t errlen, const struct rv_arena *a)
{
	pcre2_compile_context *cc;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE eo;
	struct sbuf tp;
	uint32_t cap = 0;
	int ec;

	memset(re, 0, sizeof(*re));
	sb_init(&tp, a);
	if (!re_translate(pat, n, &tp, err, errlen)) {
		sb_free(&tp);
		return false;
	}
	if (!re_number(&tp, &re->map, &re->ngroups)) {
		sb_free(&tp);
		snprintf(err, errlen, "error parsing regexp: out of memory");
		return false;
	}
	cc = pcre2_compile_context_create(NULL);
	if (cc)
		pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	re->code = cc ? pcre2_compile((PCRE2_SPTR)(tp.p ? tp.p : ""), tp.len,
				      PCRE2_UTF |
				      PCRE2_DOLLAR_ENDONLY |
				      PCRE2_ALT_CIRCUMFLEX |
				      PCRE2_NEVER_BACKSLASH_C |
				      PCRE2_DUPNAMES | PCRE2_AUTO_CALLOUT,
				      &ec, &eo, cc)
		      : NULL;
	pcre2_compile_context_free(cc);
	sb_free(&tp);
	if (!re->code) {
		if (!cc || pcre2_get_error_message(ec, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "out of memory");
		snprintf(err, errlen, "error parsing regexp: %s: `%.*s`",
			 (char *)msg, (int)(n > 120 ? 120 : n), pat);
		re_free(re);
		return false;
	}
	re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
	re->mctx = pcre2_match_context_create(NULL);
	if (!re->md || !re->mctx ||
	    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap) != 0 ||
	    re->map[re->ngroups - 1] > cap) {
		re_free(re);
		snprintf(err, errlen, "error parsing regexp: out of memory");
		return false;
	}
	pcre2_set_match_limit(re->mctx, RE_MATCH_LIMIT);
	pcre2_set_depth_limit(re->mctx, RE_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->mctx, RE_HEAP_LIMIT_KIB);
	pcre2_set_callout(re->mctx, re_step, re);
	re->ov = pcre2_get_ovector_pointer(re->md);
	return true;
}

/* The pattern operand, compiled; on failure the error is set. */
static enum rb_status re_open(struct rb_ctx *c, const struct rv *pat,
			      struct re *re)
{
	char err[200];

	if (!re_compile(str_of(pat), len_of(pat), re, err, sizeof(err),
			c->arena))
		return rb_error(c, "%s", err);
	return RB_OK;
}

/* One search from pos: 1 found (re->ov), 0 none, -1 failed (re->rc).
 * s is valid UTF-8 (subj_init) and pos on a rune boundary, so PCRE2 need
 * not check the whole subject again on every call of a FindAll loop. */
static int re_exec(struct re *re, const char *s, size_t n, size_t pos)
{
	int rc = pcre2_match(re->code, (PCRE2_SPTR)(n ? s : ""), n, pos,
			     PCRE2_NO_UTF_CHECK, re->md, re->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	re->rc = rc;
	return -1;
}

static enum rb_status re_exec_error(struct rb_ctx *c, const struct re *re)
{
	PCRE2_UCHAR msg[160];

	switch (re->rc) {
	case PCRE2_ERROR_MATCHLIMIT:
	case PCRE2_ERROR_DEPTHLIMIT:
	case PCRE2_ERROR_HEAPLIMIT:
	case PCRE2_ERROR_CALLOUT:
		return rb_error(c, "regular expression match limit exceeded");
	}
	if (pcre2_get_error_message(re->rc, msg, sizeof(msg)) < 0)
		return rb_error(c, "regular expression match failed");
	return rb_error(c, "%s", (char *)msg);
}

/* The subject as PCRE2 sees it. Go reads each invalid byte as U+FFFD,
 * which PCRE2 cannot match, so such a subject is copied with every invalid
 * byte spelt U+FFFD, and match offsets are mapped back to the input. */
struct subj {
	const char *s; /* the input, or the copy */
	size_t n;
	size_t *map;   /* copy offset -> input offset; NULL without a copy */
	char *buf;
};

static bool subj_init(struct subj *j, const char *s, size_t n,
		      const struct rv_arena *a)
{
	size_t i, w, m, k = 0, bad = 0, size, room = SIZE_MAX;
	uint32_t r;

	memset(j, 0, sizeof(*j));
	j->s = s;
	j->n = n;
	for (i = 0; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		bad += w == 1 && r == RUNE_ERROR;
	}
	if (!bad)
		return true;
	size = n + 2 * bad;
	if (a->limit)
		room = a->limit > a->used ? a->limit - a->used : 0;
	if (size >= room / (1 + sizeof(size_t)))
		return false;
	j->buf = malloc(size + 1);
	j->map = malloc((size + 1) * sizeof(*j->map));
	if (!j->buf || !j->map)
		return false;
	for (i = 0; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (w == 1 && r == RUNE_ERROR) {
			memcpy(j->buf + k, "\xEF\xBF\xBD", 3);
			j->map[k] = j->map[k + 1] = j->map[k + 2] = i;
			k += 3;
			continue;
		}
		for (m = 0; m < w; m++) {
			j->buf[k] = s[i + m];
			j->map[k++] = i + m;
		}
	}
	j->map[k] = n;
	j->s = j->buf;
	j->n = k;
	return true;
}

static size_t subj_at(const struct subj *j, size_t k)
{
	return j->map ? j->map[k] : k;
}

static void subj_free(struct subj *j)
{
	free(j->buf);
	free(j->map);
}

/* Compile the pattern operand and prepare the subject operand. */
static enum rb_status re_prepare(struct rb_ctx *c, const struct rv *pat,
				 const struct rv *subject, struct re *re,
				 struct subj *j)
{
	enum rb_status st = re_open(c, pat, re);

	if (st != RB_OK)
		return st;
	if (!subj_init(j, str_of(subject), len_of(subject), c->arena)) {
		subj_free(j);
		re_free(re);
		return rb_nomem(c);
	}
	return RB_OK;
}

/* Go's allMatches: the successive matches FindAll reports. An empty match
 * right where the previous match ended is skipped. */
struct re_iter {
	struct re *re;
	const char *s;
	size_t n, pos;
	ptrdiff_t prev_end;
	int64_t left;
};

static void re_iter_init(struct re_iter *it, struct re *re, const char *s,
			 size_t n, int64_t limit)
{
	it->re = re;
	it->s = s;
	it->n = n;
	it->pos = 0;
	it->prev_end = -1;
	it->left = limit < 0 ? (int64_t)n + 1 : limit;
}

static int re_next(struct re_iter *it)
{
	uint32_t r;
	int rc;

	while (it->left > 0 && it->pos <= it->n) {
		const PCRE2_SIZE *ov;
		bool accept = true;

		if ((rc = re_exec(it->re, it->s, it->n, it->pos)) <= 0)
			return rc;
		ov = it->re->ov;
		if (ov[1] == it->pos) {
			size_t w = it->pos < it->n ?
				utf8_decode(it->s + it->pos, it->n - it->pos, &r) : 0;

			if ((ptrdiff_t)ov[0] == it->prev_end)
				accept = false;
			it->pos = w ? it->pos + w : it->n + 1;
		} else {
			it->pos = ov[1];
		}
		it->prev_end = (ptrdiff_t)ov[1];
		if (accept) {
			it->left--;
			return 1;
		}
	}
	return 0;
}

static enum rb_status bi_regex_match(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	struct subj j;
	struct re re;
	int rc;

	if (st != RB_OK ||
	    (st = re_prepare(c, args[0], args[1], &re, &j)) != RB_OK)
		return st;
	rc = re_exec(&re, j.s, j.n, 0);
	if (rc < 0)
		st = re_exec_error(c, &re);
	else
		*out = rv_bool(rc > 0);
	subj_free(&j);
	re_free(&re);
	return st;
}

static enum rb_status bi_regex_is_valid(struct rb_ctx *c,
					struct rv *const *args, struct rv **out)
{
	char err[200];
	struct re re;
	bool ok = false;

	if (rv_is(args[0], RV_STRING)) {
		ok = re_compile(str_of(args[0]), len_of(args[0]), &re, err,
				sizeof(err), c->arena);
		if (ok)
			re_free(&re);
	}
	*out = rv_bool(ok);
	return RB_OK;
}

/* Go's Regexp.Split(s, -1). */
static enum rb_status bi_regex_split(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	struct rv_builder b;
	struct re_iter it;
	const char *s;
	size_t n, beg = 0, end = 0;
	struct subj j;
	struct re re;
	int rc;

	if (st != RB_OK ||
	    (st = re_prepare(c, args[0], args[1], &re, &j)) != RB_OK)
		return st;
	s = str_of(args[1]);
	n = len_of(args[1]);
	rv_builder_init(&b, c->arena);
	if (len_of(args[0]) > 0 && n == 0) {
		rv_builder_add(&b, rv_string(c->arena, "", 0));
	} else {
		re_iter_init(&it, &re, j.s, j.n, -1);
		while ((rc = re_next(&it)) > 0) {
			end = subj_at(&j, re.ov[0]);
			if (re.ov[1] != 0)
				rv_builder_add(&b, rv_string(c->arena, s + beg,
							     end - beg));
			beg = subj_at(&j, re.ov[1]);
		}
		if (rc < 0) {
			st = re_exec_error(c, &re);
			subj_free(&j);
			re_free(&re);
			return st;
		}
		if (end != n)
			rv_builder_add(&b, rv_string(c->arena, s + beg, n - beg));
	}
	subj_free(&j);
	re_free(&re);
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* Group k of the match as a string of the input; "" if it took no part. */
static struct rv *re_group_str(struct rb_ctx *c, const char *s,
			       const struct subj *j, const struct re *re,
			       uint32_t k)
{
	size_t a, z;

	if (!re_span(re, k, &a, &z))
		return rv_string(c->arena, "", 0);
	a = subj_at(j, a);
	z = subj_at(j, z);
	return rv_string(c->arena, s + a, z - a);
}

/* regex.find_n and regex.find_all_string_submatch_n. */
static enum rb_status find_all(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out, bool groups)
{
	enum rb_status st = want_strings(c, args, 2);
	struct rv_builder b, g;
	struct re_iter it;
	const char *s;
	int64_t limit;
	struct subj j;
	struct re re;
	uint32_t k;
	int rc;

	if (st != RB_OK || (st = want_int(c, args[2], 3, &limit)) != RB_OK ||
	    (st = re_prepare(c, args[0], args[1], &re, &j)) != RB_OK)
		return st;
	s = str_of(args[1]);
	rv_builder_init(&b, c->arena);
	re_iter_init(&it, &re, j.s, j.n, limit);
	while ((rc = re_next(&it)) > 0) {
		if (!groups) {
			rv_builder_add(&b, re_group_str(c, s, &j, &re, 0));
			continue;
		}
		rv_builder_init(&g, c->arena);
		for (k = 0; k < re.ngroups; k++)
			rv_builder_add(&g, re_group_str(c, s, &j, &re, k));
		rv_builder_add(&b, rv_array_finish(&g));
	}
	subj_free(&j);
	if (rc < 0) {
		st = re_exec_error(c, &re);
		re_free(&re);
		return st;
	}
	re_free(&re);
	*out = rv_array_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_regex_find_n(struct rb_ctx *c, struct rv *const *args,
				      struct rv **out)
{
	return find_all(c, args, out, false);
}

static enum rb_status bi_regex_find_submatch(struct rb_ctx *c,
					     struct rv *const *args,
					     struct rv **out)
{
	return find_all(c, args, out, true);
}

/* A $name or ${name} reference in a replacement template (Go's
 * extract); *num is the group number, or -1 for a name. */
static bool tpl_ref(const char *t, size_t n, struct uprops *u,
		    const char **name, size_t *nlen, long *num, size_t *used)
{
	bool brace = n && t[0] == '{';
	size_t j = brace ? 1 : 0, k = j, w, i;
	uint32_t r;

	while (k < n) {
		w = utf8_decode(t + k, n - k, &r);
		if (!(r == '_' || is_alnum(r) ||
		      (r >= 0x80 && !(w == 1 && r == RUNE_ERROR) &&
		       uprop(u, UP_WORD, r))))
			break;
		k += w;
	}
	if (k == j)
		return false;
	*name = t + j;
	*nlen = k - j;
	if (brace) {
		if (k >= n || t[k] != '}')
			return false;
		k++;
	}
	*num = 0;
	for (i = 0; i < *nlen; i++) {
		if ((*name)[i] < '0' || (*name)[i] > '9' || *num >= 100000000) {
			*num = -1;
			break;
		}
		*num = *num * 10 + ((*name)[i] - '0');
	}
	if ((*name)[0] == '0' && *nlen > 1)
		*num = -1;
	*used = k;
	return true;
}

/* The PCRE2 number of the first group of that name that took part in the
 * match (Go allows several groups of one name), or -1. */
static long group_by_name(const struct re *re, const char *name, size_t n)
{
	PCRE2_SPTR first, last, e;
	char buf[128];
	long best = -1, g;
	int size;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	size = pcre2_substring_nametable_scan(re->code, (PCRE2_SPTR)buf,
					      &first, &last);
	if (size <= 0)
		return -1;
	for (e = first; e <= last; e += size) {
		g = (long)(e[0] << 8 | e[1]);
		if (re->ov[2 * g] != PCRE2_UNSET && (best < 0 || g < best))
			best = g;
	}
	return best;
}

/* Go's Regexp.Expand of one match. */
static void re_expand(struct sbuf *b, const char *t, size_t tn, const char *s,
		      const struct subj *j, const struct re *re,
		      struct uprops *u)
{
	size_t i = 0, nlen, used;
	const char *d, *name;
	long g;

	while (i < tn && (d = memchr(t + i, '$', tn - i)) != NULL) {
		sb_put(b, t + i, (size_t)(d - t) - i);
		i = (size_t)(d - t) + 1;
		if (i < tn && t[i] == '$') {
			sb_putc(b, '$');
			i++;
			continue;
		}
		if (!tpl_ref(t + i, tn - i, u, &name, &nlen, &g, &used)) {
			sb_putc(b, '$');
			continue;
		}
		i += used;
		if (g >= 0)
			g = (uint32_t)g < re->ngroups ? (long)re->map[g] : -1;
		else
			g = group_by_name(re, name, nlen);
		if (g >= 0 && re->ov[2 * g] != PCRE2_UNSET) {
			size_t a = subj_at(j, re->ov[2 * g]);

			sb_put(b, s + a, subj_at(j, re->ov[2 * g + 1]) - a);
		}
	}
	sb_put(b, t + i, tn - i);
}

/* regex.replace(s, pattern, value): Go's ReplaceAllString. */
static enum rb_status bi_regex_replace(struct rb_ctx *c, struct rv *const *args,
				       struct rv **out)
{
	enum rb_status st = want_strings(c, args, 3);
	size_t last = 0, search = 0, w;
	struct uprops u = { 0 };
	const char *s;
	struct sbuf b;
	struct subj j;
	struct re re;
	uint32_t r;
	int rc;

	if (st != RB_OK ||
	    (st = re_prepare(c, args[1], args[0], &re, &j)) != RB_OK)
		return st;
	s = str_of(args[0]);
	sb_init(&b, c->arena);
	/* Offsets are the subject's (j); the output copies the input. */
	while (search <= j.n && !b.failed) {
		size_t a0, a1;

		if ((rc = re_exec(&re, j.s, j.n, search)) < 0) {
			st = re_exec_error(c, &re);
			break;
		}
		if (rc == 0)
			break;
		a0 = re.ov[0];
		a1 = re.ov[1];
		sb_put(&b, s + subj_at(&j, last),
		       subj_at(&j, a0) - subj_at(&j, last));
		if (a1 > last || a0 == 0)
			re_expand(&b, str_of(args[2]), len_of(args[2]), s, &j,
				  &re, &u);
		last = a1;
		w = search < j.n ? utf8_decode(j.s + search, j.n - search, &r) : 0;
		if (search + w > a1)
			search += w;
		else if (search + 1 > a1)
			search++;
		else
			search = a1;
	}
	if (st == RB_OK)
		sb_put(&b, s + subj_at(&j, last), len_of(args[0]) - subj_at(&j, last));
	subj_free(&j);
	re_free(&re);
	uprops_free(&u);
	if (st != RB_OK) {
		sb_free(&b);
		return st;
	}
	return sb_result(c, &b, out);
}

const struct rb_def rb_string_defs[] = {
	{ "concat", 2, bi_concat },
	{ "contains", 2, bi_contains },
	{ "endswith", 2, bi_endswith },
	{ "format_int", 2, bi_format_int },
	{ "indexof", 2, bi_indexof },
	{ "indexof_n", 2, bi_indexof_n },
	{ "lower", 1, bi_lower },
	{ "regex.find_all_string_submatch_n", 3, bi_regex_find_submatch },
	{ "regex.find_n", 3, bi_regex_find_n },
	{ "regex.is_valid", 1, bi_regex_is_valid },
	{ "regex.match", 2, bi_regex_match },
	{ "regex.replace", 3, bi_regex_replace },
	{ "regex.split", 2, bi_regex_split },
	{ "replace", 3, bi_replace },
	{ "split", 2, bi_split },
	{ "sprintf", 2, bi_sprintf },
	{ "startswith", 2, bi_startswith },
	{ "strings.any_prefix_match", 2, bi_any_prefix },
	{ "strings.any_suffix_match", 2, bi_any_suffix },
	{ "strings.count", 2, bi_count },
	{ "strings.replace_n", 2, bi_replace_n },
	{ "strings.reverse", 1, bi_reverse },
	{ "substring", 3, bi_substring },
	{ "trim", 2, bi_trim },
	{ "trim_left", 2, bi_trim_left },
	{ "trim_prefix", 2, bi_trim_prefix },
	{ "trim_right", 2, bi_trim_right },
	{ "trim_space", 1, bi_trim_space },
	{ "trim_suffix", 2, bi_trim_suffix },
	{ "upper", 1, bi_upper },
	{ NULL, 0, NULL },
};
