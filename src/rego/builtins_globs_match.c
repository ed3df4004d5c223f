/* builtins_globs_match.c - regex.globs_match: whether two "globs" (the
 * regex subset `.`, `[...]`, `+`, `*` and `\` escapes) have a string in
 * common.
 *
 * Owns rb_globs_match_defs. OPA answers with
 * github.com/yashtewari/glob-intersection (v0.2.0), a token-by-token
 * search that is not an exact intersection test: its answers, and the
 * words and rune positions of its errors, are what policies see, so its
 * steps are followed here. Where it backtracks (a `*` or `+` token tried
 * against each remaining token of the other glob) it could take
 * exponential time; every step depends only on where it stands in each
 * glob, so the answers are memoized per position pair, and the recursion
 * is bounded. Classes are kept as rune ranges, not one entry per rune. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "text.h"

enum gi_type { GI_CHAR, GI_DOT, GI_SET };
enum gi_flag { GI_NONE, GI_PLUS, GI_STAR };

struct gi_range {
	uint32_t lo, hi;
};

struct gi_tok {
	enum gi_type type;
	enum gi_flag flag;
	uint32_t r;              /* GI_CHAR */
	struct gi_range *set;    /* GI_SET: sorted, merged */
	size_t nset;
};

struct gi_glob {
	struct gi_tok *t;
	size_t n;
};

/* The pattern as runes, as Go's []rune(string) makes it. */
struct gi_in {
	uint32_t *r;
	size_t n;
	const char *text;        /* for the error messages */
	size_t textn;
};

struct gi_ctx {
	struct rb_ctx *c;
	struct gi_in in;
};

static enum rb_status gi_error(struct gi_ctx *g, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum rb_status gi_error(struct gi_ctx *g, size_t pos, const char *fmt, ...)
{
	char why[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return rb_error(g->c, "input:%.*s, pos:%zu, %s: the input provided is invalid",
			(int)(g->in.textn > 100 ? 100 : g->in.textn), g->in.text,
			pos, why);
}

/* One rune of the input, a `\` escaping the next: 1 read, 0 at the end,
 * -1 on a trailing `\` (then the error is set). */
static int gi_next_rune(struct gi_ctx *g, size_t i, size_t *ni, uint32_t *r,
			bool *escaped, enum rb_status *st)
{
	if (i >= g->in.n) {
		*ni = i;
		return 0;
	}
	if (g->in.r[i] == '\\') {
		if (i + 1 < g->in.n) {
			*ni = i + 2;
			*r = g->in.r[i + 1];
			*escaped = true;
			return 1;
		}
		*st = gi_error(g, i, "input ends with a \\ (escape) character");
		return -1;
	}
	*ni = i + 1;
	*r = g->in.r[i];
	*escaped = false;
	return 1;
}

static int range_cmp(const void *x, const void *y)
{
	const struct gi_range *a = x, *b = y;

	return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 : 0;
}

static void set_normalize(struct gi_tok *t)
{
	size_t i, j = 0;

	if (!t->nset)
		return;
	qsort(t->set, t->nset, sizeof(*t->set), range_cmp);
	for (i = 1; i < t->nset; i++) {
		if (t->set[i].lo <= t->set[j].hi + 1) {
			if (t->set[i].hi > t->set[j].hi)
				t->set[j].hi = t->set[i].hi;
		} else {
			t->set[++j] = t->set[i];
		}
	}
	t->nset = j + 1;
}

/* A class after its `[`: nextTokenSet. */
static enum rb_status gi_set(struct gi_ctx *g, size_t i, size_t *ni,
			     struct gi_tok *t)
{
	uint32_t r, prev = 0;
	bool escaped, complete = false, have_prev = false;
	enum rb_status st = RB_OK;
	size_t cap = 0;
	int k;

	t->type = GI_SET;
	for (k = gi_next_rune(g, i, ni, &r, &escaped, &st); k != 0;
	     k = gi_next_rune(g, *ni, ni, &r, &escaped, &st)) {
		if (k < 0)
			return st;
		if (escaped || (r != '-' && r != ']')) {
			if (t->nset == cap) {
				struct gi_range *grown;

				cap = cap ? 2 * cap : 8;
				if (!(grown = rv_alloc(g->c->arena, cap * sizeof(*grown))))
					return rb_nomem(g->c);
				if (t->nset)
					memcpy(grown, t->set, t->nset * sizeof(*grown));
				t->set = grown;
			}
			t->set[t->nset].lo = t->set[t->nset].hi = r;
			t->nset++;
			prev = r;
			have_prev = true;
			continue;
		}
		if (r == ']') {
			complete = true;
			break;
		}
		if (!have_prev)
			return gi_error(g, *ni, "range character '-' must be preceded by a Unicode character");
		if (*ni >= g->in.n - 1)
			return gi_error(g, *ni, "range character '-' must be followed by a Unicode character");
		if (gi_next_rune(g, *ni, ni, &r, &escaped, &st) < 0)
			return st;
		if (!escaped && (r == ']' || r == '-'))
			return gi_error(g, *ni, "range character '-' cannot be followed by a special symbol");
		if (r < prev) {
			char a[8], b[8];
			struct rv_buf ba = { 0 }, bb = { 0 };

			rv_buf_rune(&ba, r);
			rv_buf_rune(&bb, prev);
			snprintf(a, sizeof(a), "%.*s", (int)ba.len, ba.p ? ba.p : "");
			snprintf(b, sizeof(b), "%.*s", (int)bb.len, bb.p ? bb.p : "");
			free(ba.p);
			free(bb.p);
			return gi_error(g, *ni, "range is out of order: '%s' comes before '%s' in Unicode",
					a, b);
		}
		/* prev is already in the set; the range extends it */
		t->set[t->nset - 1].hi = r;
		have_prev = false;
	}
	if (!complete)
		return gi_error(g, *ni, "found [ without matching ]");
	set_normalize(t);
	return RB_OK;
}

static enum rb_status gi_tokenize(struct gi_ctx *g, struct gi_glob *out)
{
	size_t i = 0, ni;
	uint32_t r;
	bool escaped;
	enum rb_status st = RB_OK;
	int k;

	out->n = 0;
	if (!(out->t = rv_alloc(g->c->arena, (g->in.n + 1) * sizeof(*out->t))))
		return rb_nomem(g->c);
	for (;;) {
		struct gi_tok *t = &out->t[out->n];

		memset(t, 0, sizeof(*t));
		k = gi_next_rune(g, i, &ni, &r, &escaped, &st);
		if (k == 0)
			return RB_OK;
		if (k < 0)
			return st;
		t->type = GI_CHAR;
		t->r = r;
		if (!escaped) {
			if (r == '.') {
				t->type = GI_DOT;
			} else if (r == ']') {
				return gi_error(g, ni, "set-close ']' with no preceding '['");
			} else if (r == '[') {
				if ((st = gi_set(g, ni, &ni, t)) != RB_OK)
					return st;
			} else if (r == '+' || r == '*') {
				return gi_error(g, ni, "flag '%c' must be preceded by a non-flag",
						(char)r);
			}
		}
		/* a flag after the token */
		k = gi_next_rune(g, ni, &i, &r, &escaped, &st);
		if (k < 0)
			return st;
		if (k > 0 && !escaped && (r == '+' || r == '*'))
			t->flag = r == '+' ? GI_PLUS : GI_STAR;
		else
			i = ni;
		out->n++;
	}
}

static bool gi_equal(const struct gi_tok *a, const struct gi_tok *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == GI_CHAR)
		return a->r == b->r;
	if (a->type == GI_DOT)
		return true;
	return a->nset == b->nset &&
	       (!a->nset || memcmp(a->set, b->set, a->nset * sizeof(*a->set)) == 0);
}

/* Simplify: adjacent equal flagged tokens become one (`+` if either is). */
static void gi_simplify(struct gi_glob *g)
{
	size_t i, n = 0;

	for (i = 0; i < g->n; i++) {
		if (n && g->t[i].flag != GI_NONE && g->t[n - 1].flag != GI_NONE &&
		    gi_equal(&g->t[i], &g->t[n - 1])) {
			if (g->t[i].flag == GI_PLUS || g->t[n - 1].flag == GI_PLUS)
				g->t[n - 1].flag = GI_PLUS;
			else
				g->t[n - 1].flag = GI_STAR;
			continue;
		}
		g->t[n++] = g->t[i];
	}
	g->n = n;
}

static bool set_has(const struct gi_tok *s, uint32_t r)
{
	size_t i;

	for (i = 0; i < s->nset; i++)
		if (s->set[i].lo <= r && r <= s->set[i].hi)
			return true;
	return false;
}

static bool gi_match(const struct gi_tok *a, const struct gi_tok *b)
{
	size_t i, j;

	if (a->type > b->type) {
		const struct gi_tok *t = a;

		a = b;
		b = t;
	}
	if (a->type == GI_CHAR) {
		if (b->type == GI_CHAR)
			return a->r == b->r;
		return b->type == GI_DOT || set_has(b, a->r);
	}
	if (a->type == GI_DOT)
		return true;
	for (i = 0, j = 0; i < a->nset && j < b->nset;) {
		if (a->set[i].hi < b->set[j].lo)
			i++;
		else if (b->set[j].hi < a->set[i].lo)
			j++;
		else
			return true;
	}
	return false;
}

/* ---- the search, memoized ---- */

enum gi_fn { FN_NORMAL, FN_STAR, FN_PLUS, FN_COUNT };

#define GI_MAX_DEPTH 3000

struct gi_search {
	const struct gi_glob *g[2];
	uint8_t *memo;           /* 0 unknown, 1 false, 2 true */
	size_t stride;           /* g[1]->n + 1 */
	unsigned depth;
	bool too_deep;
};

/* The globs are suffixes of g[a] from i and g[!a] from j. */
static bool gi_normal(struct gi_search *s, int a, size_t i, size_t j);

static uint8_t *gi_memo(struct gi_search *s, enum gi_fn fn, int a, size_t i,
			size_t j)
{
	size_t i0 = a ? j : i, j0 = a ? i : j;

	return &s->memo[((size_t)(fn * 2 + a) * (s->g[0]->n + 1) + i0) * s->stride + j0];
}

static bool gi_star(struct gi_search *s, int a, size_t i, size_t j)
{
	const struct gi_glob *x = s->g[a], *y = s->g[!a];
	const struct gi_tok *star = &x->t[i], *next = i + 1 < x->n ? &x->t[i + 1] : NULL;
	uint8_t *m = gi_memo(s, FN_STAR, a, i, j);
	bool res = true;
	size_t k;

	if (*m)
		return *m == 2;
	for (k = j; k < y->n; k++) {
		if (next && gi_match(&y->t[k], next)) {
			if (gi_normal(s, a, i + 1, k))
				goto done;
			if (!gi_match(&y->t[k], star)) {
				res = false;
				goto done;
			}
		} else if (!gi_match(&y->t[k], star)) {
			res = false;
			goto done;
		}
	}
	res = next == NULL;
done:
	if (!s->too_deep)
		*m = res ? 2 : 1;
	return res;
}

static bool gi_plus(struct gi_search *s, int a, size_t i, size_t j)
{
	const struct gi_glob *x = s->g[a], *y = s->g[!a];
	uint8_t *m = gi_memo(s, FN_PLUS, a, i, j);
	bool res;

	if (*m)
		return *m == 2;
	/* other[0] exists: intersectSpecial is only reached with both
	 * globs non-empty */
	if (!gi_match(&x->t[i], &y->t[j]))
		res = false;
	else if (gi_star(s, a, i, j + 1))
		res = true;
	else
		res = y->t[j].flag != GI_NONE && gi_normal(s, a, i + 1, j);
	if (!s->too_deep)
		*m = res ? 2 : 1;
	return res;
}

static bool gi_normal(struct gi_search *s, int a, size_t i, size_t j)
{
	const struct gi_glob *x = s->g[a], *y = s->g[!a];
	uint8_t *m;
	bool res;

	if (s->too_deep || ++s->depth > GI_MAX_DEPTH) {
		s->too_deep = true;
		return false;
	}
	m = gi_memo(s, FN_NORMAL, a, i, j);
	if (*m) {
		s->depth--;
		return *m == 2;
	}
	for (; i < x->n && j < y->n; i++, j++) {
		if (x->t[i].flag == GI_NONE && y->t[j].flag == GI_NONE) {
			if (!gi_match(&x->t[i], &y->t[j])) {
				res = false;
				goto done;
			}
			continue;
		}
		if (x->t[i].flag != GI_NONE)
			res = x->t[i].flag == GI_PLUS ? gi_plus(s, a, i, j) :
			      gi_star(s, a, i, j);
		else
			res = y->t[j].flag == GI_PLUS ? gi_plus(s, !a, j, i) :
			      gi_star(s, !a, j, i);
		goto done;
	}
	res = i == x->n && j == y->n;
done:
	s->depth--;
	if (!s->too_deep)
		*m = res ? 2 : 1;
	return res;
}

/* trimGlobs: the equal unflagged heads and tails are compared and cut
 * (keeping one token of each, as OPA's library does). */
static bool gi_trim(struct gi_glob *g1, struct gi_glob *g2)
{
	ptrdiff_t l, r1, r2, n1 = (ptrdiff_t)g1->n, n2 = (ptrdiff_t)g2->n;

	for (l = 0; l < n1 && l < n2 && g1->t[l].flag == GI_NONE &&
	     g2->t[l].flag == GI_NONE; l++)
		if (!gi_match(&g1->t[l], &g2->t[l]))
			return false;
	if (l > 0)
		l--;
	for (r1 = n1 - 1, r2 = n2 - 1; r1 >= 0 && r1 >= l && r2 >= 0 && r2 >= l &&
	     g1->t[r1].flag == GI_NONE && g2->t[r2].flag == GI_NONE; r1--, r2--)
		if (!gi_match(&g1->t[r1], &g2->t[r2]))
			return false;
	if (r1 < n1 - 1) {
		r1++;
		r2++;
	}
	g1->t += l;
	g1->n = (size_t)(r1 + 1 - l);
	g2->t += l;
	g2->n = (size_t)(r2 + 1 - l);
	return true;
}

static enum rb_status gi_glob(struct rb_ctx *c, const struct rv *v,
			      struct gi_glob *out)
{
	struct gi_ctx g;
	size_t i = 0, w;
	enum rb_status st;

	g.c = c;
	g.in.text = v->u.str.s;
	g.in.textn = v->u.str.len;
	g.in.n = 0;
	if (!(g.in.r = rv_alloc(c->arena, (v->u.str.len + 1) * sizeof(*g.in.r))))
		return rb_nomem(c);
	while (i < v->u.str.len) {
		w = utf8_decode(v->u.str.s + i, v->u.str.len - i, &g.in.r[g.in.n++]);
		i += w;
	}
	if ((st = gi_tokenize(&g, out)) != RB_OK)
		return st;
	gi_simplify(out);
	return RB_OK;
}

static enum rb_status bi_globs_match(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	struct gi_glob g1, g2;
	struct gi_search s;
	enum rb_status st;
	size_t cells;
	bool res;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	if ((st = gi_glob(c, args[0], &g1)) != RB_OK ||
	    (st = gi_glob(c, args[1], &g2)) != RB_OK)
		return st;
	if (!gi_trim(&g1, &g2)) {
		*out = rv_bool(false);
		return RB_OK;
	}
	memset(&s, 0, sizeof(s));
	s.g[0] = &g1;
	s.g[1] = &g2;
	s.stride = g2.n + 1;
	/* the two orientations index [g1 pos][g2 pos] alike */
	if ((g1.n + 1) > SIZE_MAX / s.stride / (2 * FN_COUNT))
		return rb_nomem(c);
	cells = (g1.n + 1) * s.stride * 2 * FN_COUNT;
	if (!(s.memo = rv_alloc(c->arena, cells)))
		return rb_nomem(c);
	res = gi_normal(&s, 0, 0, 0);
	if (s.too_deep)
		return rb_error(c, "globs too long to intersect");
	*out = rv_bool(res);
	return RB_OK;
}

const struct rb_def rb_globs_match_defs[] = {
	{ "regex.globs_match", 2, bi_globs_match },
	{ NULL, 0, NULL },
};
