/* builtins_regex.c - the regex.* built-ins: Go's regexp on PCRE2.
 *
 * Owns rb_regex_defs (regex.match, regex.is_valid, regex.split,
 * regex.find_n, regex.find_all_string_submatch_n, regex.replace), the
 * checker that holds a pattern to Go's RE2 syntax and translates it to
 * PCRE2 (re_translate), and the step budget all matching in one call runs
 * under. OPA uses Go's regexp package and policies depend on its exact
 * results and error texts, so this file follows Go; "checking and
 * translating a pattern" below says what differs and how it is bridged. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"

/* ---- checking and translating a pattern ----
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

static bool utf8_invalid_at(const char *s, size_t n)
{
	uint32_t r;

	return utf8_decode(s, n, &r) == 1 && r == RUNE_ERROR;
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

/* A growing array of numbers. */
struct u32s {
	uint32_t *v;
	size_t n, cap;
};

static bool u32s_push(struct u32s *a, uint32_t x)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 8;
		uint32_t *v = realloc(a->v, cap * sizeof(*v));

		if (!v)
			return false;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return true;
}

/* Number the capture groups of the translated pattern out: map[k] is the
 * PCRE2 number of the user's group k, skipping loop markers, and each
 * loop's callout gets its markers' numbers. */
static bool re_number(struct sbuf *out, uint32_t **map, uint32_t *nuser)
{
	char *p = out->p;
	size_t n = out->len, i = 0;
	struct u32s m = { 0 }, loops = { 0 }; /* loops: open loops' L, I */
	uint32_t group = 0;
	bool ok = u32s_push(&m, 0);

	while (ok && i < n) {
		if (p[i] == '\\') {
			i = re_skip_escape(p, n, i);
		} else if (p[i] == '[') {
			i = re_skip_class(p, n, i);
		} else if (p[i] != '(') {
			i++;
		} else if (n - i >= 7 && memcmp(p + i, "()(?#", 5) == 0) {
			group++;
			if (p[i + 5] == 'L')
				ok = u32s_push(&loops, group) &&
				     u32s_push(&loops, 0);
			else if (loops.n)
				loops.v[loops.n - 1] = group;
			i += 7;
		} else if (n - i >= 4 && memcmp(p + i, "(?C\"", 4) == 0) {
			if (loops.n) {
				const uint32_t *li = &loops.v[loops.n - 2];

				loops.n -= 2;
				snprintf(p + i + 4, 16, "%07u,%07u",
					 (unsigned)li[0] % 10000000u,
					 (unsigned)li[1] % 10000000u);
				p[i + 19] = '"';
			}
			i += 4;
		} else if (n - i >= 3 && p[i + 1] == '?' && p[i + 2] == '#') {
			i += 3;
		} else if (n - i >= 2 && p[i + 1] == '?' &&
			   !(n - i >= 3 && p[i + 2] == '<')) {
			i += 2;
		} else {
			ok = u32s_push(&m, ++group);
			i++;
		}
	}
	free(loops.v);
	if (!ok) {
		free(m.v);
		return false;
	}
	*map = m.v;
	*nuser = (uint32_t)m.n;
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

/* ---- compiling and matching ---- */

/* RE2 is linear, PCRE2 backtracks. PCRE2's match limit counts per start
 * position, so a long subject multiplies it; the step budget, counted by
 * auto-callouts, bounds all matching done by one built-in call (10M steps
 * take about 0.3 s). The other limits stay as a backstop. */
#define RE_STEP_BUDGET 10000000ul
#define RE_MATCH_LIMIT 10000000u
#define RE_DEPTH_LIMIT 1000000u
#define RE_HEAP_LIMIT_KIB 65536u

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

/* Free what re_prepare made. */
static void re_release(struct re *re, struct subj *j)
{
	subj_free(j);
	re_free(re);
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
		re_release(re, j);
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

/* The end of a FindAll loop that stopped with rc: the matcher's error,
 * or the array built. Frees what re_prepare made. */
static enum rb_status re_finish(struct rb_ctx *c, struct re *re,
				struct subj *j, int rc, struct rv_builder *b,
				struct rv **out)
{
	enum rb_status st = rc < 0 ? re_exec_error(c, re) : RB_OK;

	re_release(re, j);
	return st != RB_OK ? st : ok_array(c, b, out);
}

/* ---- the built-ins ---- */

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
	re_release(&re, &j);
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
	int rc = 0;

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
		if (rc == 0 && end != n)
			rv_builder_add(&b, rv_string(c->arena, s + beg, n - beg));
	}
	return re_finish(c, &re, &j, rc, &b, out);
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
	return re_finish(c, &re, &j, rc, &b, out);
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
	re_release(&re, &j);
	uprops_free(&u);
	if (st != RB_OK) {
		sb_free(&b);
		return st;
	}
	return sb_result(c, &b, out);
}

const struct rb_def rb_regex_defs[] = {
	{ "regex.find_all_string_submatch_n", 3, bi_regex_find_submatch },
	{ "regex.find_n", 3, bi_regex_find_n },
	{ "regex.is_valid", 1, bi_regex_is_valid },
	{ "regex.match", 2, bi_regex_match },
	{ "regex.replace", 3, bi_regex_replace },
	{ "regex.split", 2, bi_regex_split },
	{ NULL, 0, NULL },
};
