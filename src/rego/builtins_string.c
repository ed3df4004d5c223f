/* builtins_string.c - the string built-ins.
 *
 * Owns rb_string_defs: concat, contains, startswith, endswith, lower, upper,
 * split, trim and its variants, replace, strings.replace_n, substring,
 * indexof, indexof_n, format_int, strings.reverse, strings.count,
 * strings.split_n,
 * strings.any_prefix_match and strings.any_suffix_match. sprintf is in
 * builtins_sprintf.c, the regex.* functions in builtins_regex.c, and what
 * they share with this file in text.c.
 *
 * OPA implements these with Go's strings package, and policies depend on
 * the exact results, so this file follows Go, not C: runes are decoded as
 * Go decodes them (an invalid byte is one U+FFFD). */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>
#include "number.h"
#include "text.h"

/* ---- runes ---- */

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

static bool is_ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
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

/* A string, or a piece of one. */
struct sview {
	const char *s;
	size_t n;
};

/* The text of a string operand. */
static struct sview sview_of(const struct rv *v)
{
	struct sview t = { str_of(v), len_of(v) };

	return t;
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

/* Bytes lo..hi of the string operand v: v itself when that is all of it. */
static enum rb_status ok_substr(struct rb_ctx *c, struct rv *v, size_t lo,
				size_t hi, struct rv **out)
{
	if (lo == 0 && hi == len_of(v)) {
		*out = v;
		return RB_OK;
	}
	return ok_string(c, str_of(v) + lo, hi - lo, out);
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

static bool has_infix(const char *s, size_t n, const char *t, size_t tn)
{
	return tn == 0 || memmem(s, n, t, tn) != NULL;
}

static bool has_prefix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && memcmp(s, p, pn) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *p, size_t pn)
{
	return pn <= n && memcmp(s + n - pn, p, pn) == 0;
}

/* Go's strings.Cut: if sep (not empty) occurs in *rest, *before is the
 * text ahead of it and *rest the text after it; false if it does not. */
static bool cut(struct sview *rest, struct sview sep, struct sview *before)
{
	const char *at = memmem(rest->s, rest->n, sep.s, sep.n);

	if (!at)
		return false;
	before->s = rest->s;
	before->n = (size_t)(at - rest->s);
	rest->s = at + sep.n;
	rest->n -= before->n + sep.n;
	return true;
}

/* contains, startswith and endswith: whether test holds of the two string
 * operands. */
static enum rb_status test_strings(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out,
				   bool (*test)(const char *, size_t,
						const char *, size_t))
{
	enum rb_status st = want_strings(c, args, 2);

	if (st == RB_OK)
		*out = rv_bool(test(str_of(args[0]), len_of(args[0]),
				    str_of(args[1]), len_of(args[1])));
	return st;
}

static enum rb_status bi_contains(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	return test_strings(c, args, out, has_infix);
}

static enum rb_status bi_startswith(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	return test_strings(c, args, out, has_prefix);
}

static enum rb_status bi_endswith(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	return test_strings(c, args, out, has_suffix);
}

/* Go's strings.Count: non-overlapping; "" occurs between every rune. */
static enum rb_status bi_count(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	struct sview rest, sub, piece;
	int64_t count = 0;

	if (st != RB_OK)
		return st;
	rest = sview_of(args[0]);
	sub = sview_of(args[1]);
	if (sub.n == 0)
		return ok_int(c, (int64_t)rune_count(rest.s, rest.n) + 1, out);
	while (cut(&rest, sub, &piece))
		count++;
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

/* ASCII case mapping, which needs no locale. */
static uint32_t ascii_case(uint32_t r, bool upper)
{
	if (upper && r >= 'a' && r <= 'z')
		return r - ('a' - 'A');
	if (!upper && r >= 'A' && r <= 'Z')
		return r + ('a' - 'A');
	return r;
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
			for (i = 0; i < n; i++)
				b.p[i] = (char)ascii_case((unsigned char)s[i],
							  upper);
			b.len = n;
		}
		return sb_result(c, &b, out);
	}
	loc = case_locale();
	for (i = 0; i < n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		if (r < 0x80) {
			r = ascii_case(r, upper);
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
	struct sview rest, sep, piece;
	struct rv_builder b;
	size_t w;
	uint32_t r;

	if (st != RB_OK)
		return st;
	rest = sview_of(args[0]);
	sep = sview_of(args[1]);
	rv_builder_init(&b, c->arena);
	if (sep.n == 0) {
		for (; rest.n; rest.s += w, rest.n -= w) {
			w = utf8_decode(rest.s, rest.n, &r);
			rv_builder_add(&b, rv_string(c->arena, rest.s, w));
		}
	} else {
		while (cut(&rest, sep, &piece))
			rv_builder_add(&b, rv_string(c->arena, piece.s,
						     piece.n));
		rv_builder_add(&b, rv_string(c->arena, rest.s, rest.n));
	}
	return ok_array(c, &b, out);
}

/* strings.split_n: the first n pieces of split (n >= 0), or the last -n
 * (n < 0); OPA drops the rest of the text, unlike Go's strings.SplitN. */
static enum rb_status bi_split_n(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	enum rb_status st = want_strings(c, args, 2);
	struct sview rest, sep, piece;
	struct rv_builder b;
	int64_t n;
	size_t w, max, skip;
	uint32_t r;

	if (st != RB_OK || (st = want_int(c, args[2], 3, &n)) != RB_OK)
		return st;
	rest = sview_of(args[0]);
	sep = sview_of(args[1]);
	max = n >= 0 ? (size_t)n : SIZE_MAX;
	rv_builder_init(&b, c->arena);
	if (sep.n == 0) {
		for (; rest.n && b.n < max; rest.s += w, rest.n -= w) {
			w = utf8_decode(rest.s, rest.n, &r);
			rv_builder_add(&b, rv_string(c->arena, rest.s, w));
		}
	} else {
		while (b.n < max && cut(&rest, sep, &piece))
			rv_builder_add(&b, rv_string(c->arena, piece.s,
						     piece.n));
		if (b.n < max)
			rv_builder_add(&b, rv_string(c->arena, rest.s, rest.n));
	}
	if (n < 0 && !b.failed && (uint64_t)-(n + 1) + 1 < b.n) {
		skip = b.n - ((size_t)-(n + 1) + 1);
		memmove(b.k, b.k + skip, (b.n - skip) * sizeof(*b.k));
		b.n -= skip;
	}
	return ok_array(c, &b, out);
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
	return ok_substr(c, args[0], lo, hi, out);
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
	return ok_substr(c, args[0], lo, hi, out);
}

/* ---- replace and strings.replace_n ----
 * Go's strings.Replacer: at each byte position the first pair (in argument
 * order) whose old string starts there wins; an empty old string matches
 * at every position, but not twice in a row at the same one. */

struct rpair {
	struct sview old, new;
};

static void replace_all(struct sbuf *b, const char *s, size_t n,
			const struct rpair *pairs, size_t np)
{
	size_t i = 0, last = 0, k;
	bool prev_empty = false;

	while (i <= n) {
		const struct rpair *hit = NULL;

		for (k = 0; k < np; k++) {
			if (pairs[k].old.n == 0 && prev_empty)
				continue;
			if (has_prefix(s + i, n - i, pairs[k].old.s,
				       pairs[k].old.n)) {
				hit = &pairs[k];
				break;
			}
		}
		prev_empty = hit && hit->old.n == 0;
		if (!hit) {
			i++;
			continue;
		}
		sb_put(b, s + last, i - last);
		sb_put(b, hit->new.s, hit->new.n);
		i += hit->old.n;
		last = i;
	}
	if (last < n)
		sb_put(b, s + last, n - last);
}

static enum rb_status bi_replace(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	enum rb_status st = want_strings(c, args, 3);
	struct sview rest, piece;
	struct rpair p;
	struct sbuf b;

	if (st != RB_OK)
		return st;
	rest = sview_of(args[0]);
	p.old = sview_of(args[1]);
	p.new = sview_of(args[2]);
	if (p.old.n && !memmem(rest.s, rest.n, p.old.s, p.old.n)) {
		*out = args[0];
		return RB_OK;
	}
	sb_init(&b, c->arena);
	if (p.old.n == 0) {
		replace_all(&b, rest.s, rest.n, &p, 1);
	} else {
		while (cut(&rest, p.old, &piece)) {
			sb_put(&b, piece.s, piece.n);
			sb_put(&b, p.new.s, p.new.n);
		}
		sb_put(&b, rest.s, rest.n);
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
		pairs[i].old = sview_of(k);
		pairs[i].new = sview_of(v);
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

/* indexof and indexof_n: the rune index of the first, or of every, place
 * where the second operand starts in the first. */
static enum rb_status index_of(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out, bool all)
{
	enum rb_status st = want_strings(c, args, 2);
	struct rv_builder b;
	struct sview s, t;
	size_t i = 0;
	int64_t idx = 0;
	uint32_t r;

	if (st != RB_OK)
		return st;
	s = sview_of(args[0]);
	t = sview_of(args[1]);
	if (t.n == 0)
		return rb_error(c, "empty search character");
	rv_builder_init(&b, c->arena);
	for (; i < s.n; idx++) {
		if (runes_start(s.s + i, s.n - i, t.s, t.n)) {
			if (!all)
				return ok_int(c, idx, out);
			rv_builder_add(&b, rv_int(c->arena, idx));
		}
		i += utf8_decode(s.s + i, s.n - i, &r);
	}
	return all ? ok_array(c, &b, out) : ok_int(c, -1, out);
}

static enum rb_status bi_indexof(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	return index_of(c, args, out, false);
}

static enum rb_status bi_indexof_n(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return index_of(c, args, out, true);
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

/* format_int(number, base): truncated toward zero, as OPA's big.Float.Int. */
static enum rb_status bi_format_int(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	int64_t base;
	struct sbuf b;

	if (!rv_is(args[0], RV_NUMBER))
		return rb_type_error(c, 1, "number", args[0]);
	if (!rv_is(args[1], RV_NUMBER))
		return rb_type_error(c, 2, "number", args[1]);
	/* OPA matches the base's text: 16.0 and 1.6e1 are not 16 */
	if (!rv_num_int(args[1], &base) || args[1]->u.num.text ||
	    (base != 2 && base != 8 && base != 10 && base != 16)) {
		rb_error(c, "operand 2 must be one of {2, 8, 10, 16}");
		return RB_TYPE_ERROR;
	}
	sb_init(&b, c->arena);
	/* -0.5 truncates to 0, printed without its sign */
	if (rv_num_negative(args[0]) && rv_num_double(args[0]) <= -1)
		sb_putc(&b, '-');
	switch (num_int_digits(&b, args[0], (unsigned)base, lower_digits)) {
	case 0:
		sb_free(&b);
		return rb_nomem(c);
	case -1:
		sb_free(&b);
		return rb_error(c, "operand 1: integers past %d digits are not supported",
				RV_NUM_MAX_TEXT);
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
	{ "replace", 3, bi_replace },
	{ "split", 2, bi_split },
	{ "startswith", 2, bi_startswith },
	{ "strings.any_prefix_match", 2, bi_any_prefix },
	{ "strings.any_suffix_match", 2, bi_any_suffix },
	{ "strings.count", 2, bi_count },
	{ "strings.replace_n", 2, bi_replace_n },
	{ "strings.reverse", 1, bi_reverse },
	{ "strings.split_n", 3, bi_split_n },
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
