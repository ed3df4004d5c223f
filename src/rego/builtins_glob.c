/* builtins_glob.c - glob.match and glob.quote_meta.
 *
 * Owns rb_glob_defs. OPA matches with github.com/gobwas/glob (v1.1.0):
 * `*` is any run of non-delimiter characters, `**` any run at all, `?` one
 * non-delimiter character, `[abc]`, `[a-z]` and `[!...]` classes, `{a,b}`
 * alternatives (nested), `\` escapes. Its lexer is reproduced token for
 * token (glex_*), since the byte offsets and words of its syntax errors are
 * what OPA reports. The pattern is then compiled to a small program run as
 * a Pike VM: every thread advances in step over the text, so a match costs
 * at most text runes x program size, never backtracking; a budget bounds
 * even that. OPA caches compiled patterns; this compiles per call. */
#include <stdlib.h>
#include <string.h>
#include "text.h"

/* ---- the lexer, as gobwas/glob's syntax package reads a pattern ---- */

enum gtok { GT_EOF, GT_ERROR, GT_TEXT, GT_ANY, GT_SUPER, GT_SINGLE, GT_NOT,
	    GT_SEP, GT_RANGE_OPEN, GT_RANGE_CLOSE, GT_RANGE_LO, GT_RANGE_HI,
	    GT_RANGE_BETWEEN, GT_TERMS_OPEN, GT_TERMS_CLOSE };

struct gtoken {
	enum gtok type;
	size_t start, end;  /* GT_TEXT: its source bytes, escapes unresolved */
	uint32_t r;         /* GT_RANGE_LO and GT_RANGE_HI */
};

#define GLEX_EOF 0xFFFFFFFFu
#define GLEX_QUEUE 8

struct glex {
	const char *s;
	size_t n, pos, last;   /* last: width of the rune read last */
	const char *err;       /* sticky, as the Go lexer's */
	unsigned terms;
	struct gtoken q[GLEX_QUEUE];
	unsigned qh, qn;
};

static uint32_t glex_peek(struct glex *l, size_t *w)
{
	uint32_t r;

	if (l->pos == l->n) {
		*w = 0;
		return GLEX_EOF;
	}
	*w = utf8_decode(l->s + l->pos, l->n - l->pos, &r);
	if (r == RUNE_ERROR && *w == 1) {
		l->err = "invalid UTF-8 sequence";
		*w = 0;
		return GLEX_EOF;
	}
	return r;
}

static uint32_t glex_read(struct glex *l)
{
	size_t w;
	uint32_t r = glex_peek(l, &w);

	l->pos += w;
	l->last = w;
	return r;
}

static void glex_unread(struct glex *l)
{
	l->pos -= l->last;
	l->last = 0;
}

static void glex_push(struct glex *l, enum gtok t, size_t start, size_t end,
		      uint32_t r)
{
	struct gtoken *k;

	/* one fetch queues at most five tokens ([!a-b]) */
	if (l->qn == GLEX_QUEUE)
		return;
	k = &l->q[(l->qh + l->qn++) % GLEX_QUEUE];
	k->type = t;
	k->start = start;
	k->end = end;
	k->r = r;
}

static bool glex_breaker(uint32_t r, bool terms, bool range)
{
	if (range)
		return r == ']';
	return r == '?' || r == '*' || r == '[' || r == '{' ||
	       (terms && (r == '}' || r == ','));
}

/* A run of literal characters up to a breaker; escapes are resolved when
 * the token is used. */
static void glex_text(struct glex *l, bool range)
{
	size_t start = l->pos;
	bool escaped = false, any = false;
	uint32_t r;

	for (;;) {
		r = glex_read(l);
		if (r == GLEX_EOF) {
			if (escaped)
				l->err = "trailing backslash";
			break;
		}
		if (!escaped) {
			if (r == '\\') {
				escaped = true;
				continue;
			}
			if (glex_breaker(r, l->terms > 0, range)) {
				glex_unread(l);
				break;
			}
		}
		escaped = false;
		any = true;
	}
	if (any)
		glex_push(l, GT_TEXT, start, l->pos, 0);
}

static void glex_range(struct glex *l)
{
	bool want_hi = false, want_close = false, seen_not = false;
	uint32_t r, nx;
	size_t w;

	for (;;) {
		r = glex_read(l);
		if (r == GLEX_EOF) {
			l->err = "unexpected end of input";
			return;
		}
		if (want_close) {
			if (r != ']')
				l->err = "expected close range character";
			else
				glex_push(l, GT_RANGE_CLOSE, 0, 0, 0);
			return;
		}
		if (want_hi) {
			glex_push(l, GT_RANGE_HI, 0, 0, r);
			want_close = true;
			continue;
		}
		if (!seen_not && r == '!') {
			glex_push(l, GT_NOT, 0, 0, 0);
			seen_not = true;
			continue;
		}
		nx = glex_peek(l, &w);
		if (nx == '-') {
			l->pos += w;
			glex_push(l, GT_RANGE_LO, 0, 0, r);
			glex_push(l, GT_RANGE_BETWEEN, 0, 0, 0);
			want_hi = true;
			continue;
		}
		glex_unread(l);
		glex_text(l, true);
		want_close = true;
	}
}

static void glex_fetch(struct glex *l)
{
	uint32_t r = glex_read(l);

	if (r == GLEX_EOF) {
		glex_push(l, GT_EOF, 0, 0, 0);
	} else if (r == '{') {
		l->terms++;
		glex_push(l, GT_TERMS_OPEN, 0, 0, 0);
	} else if (r == ',' && l->terms) {
		glex_push(l, GT_SEP, 0, 0, 0);
	} else if (r == '}' && l->terms) {
		glex_push(l, GT_TERMS_CLOSE, 0, 0, 0);
		l->terms--;
	} else if (r == '[') {
		glex_push(l, GT_RANGE_OPEN, 0, 0, 0);
		glex_range(l);
	} else if (r == '?') {
		glex_push(l, GT_SINGLE, 0, 0, 0);
	} else if (r == '*') {
		if (glex_read(l) == '*') {
			glex_push(l, GT_SUPER, 0, 0, 0);
		} else {
			glex_unread(l);
			glex_push(l, GT_ANY, 0, 0, 0);
		}
	} else {
		glex_unread(l);
		glex_text(l, false);
	}
}

static struct gtoken glex_next(struct glex *l)
{
	struct gtoken t = { GT_ERROR, 0, 0, 0 };

	while (!l->err && !l->qn)
		glex_fetch(l);
	if (l->err)
		return t;
	t = l->q[l->qh];
	l->qh = (l->qh + 1) % GLEX_QUEUE;
	l->qn--;
	return t;
}

/* ---- the program ---- */

enum gop { G_FAIL, G_MATCH, G_CHAR, G_ONE, G_STAR, G_SUPER, G_RANGE, G_SET,
	   G_SPLIT, G_JMP };

struct ginst {
	enum gop op;
	bool not;
	uint32_t lo, hi;       /* G_CHAR: the rune and its width; G_RANGE */
	const char *set;       /* G_SET: the class's source text */
	size_t setn;
	size_t x, y;           /* G_SPLIT: both; G_JMP: x */
};

struct gprog {
	struct ginst *in;
	size_t n, cap;
	const uint32_t *sep;   /* delimiters */
	size_t nsep;
};

struct gerr {
	size_t off;
	const char *why;
};

static size_t gemit(struct gprog *p, enum gop op)
{
	memset(&p->in[p->n], 0, sizeof(p->in[0]));
	p->in[p->n].op = op;
	return p->n++;
}

static bool sep_has(const struct gprog *p, uint32_t r)
{
	size_t i;

	for (i = 0; i < p->nsep; i++)
		if (p->sep[i] == r)
			return true;
	return false;
}

/* Each literal rune of a text token, escapes resolved. */
static void emit_text(struct gprog *p, const char *s, size_t n)
{
	size_t i = 0, w;
	uint32_t r;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		w = utf8_decode(s + i, n - i, &r);
		p->in[gemit(p, G_CHAR)].lo = r;
		p->in[p->n - 1].hi = (uint32_t)w;
		i += w;
	}
}

/* A class, after its `[`: OPA's parseRange. */
static bool compile_class(struct glex *l, struct gprog *p, struct gerr *e)
{
	struct ginst *in = &p->in[gemit(p, G_FAIL)];
	bool lo_set = false, hi_set = false, chars = false;
	struct gtoken t;

	for (;;) {
		t = glex_next(l);
		switch (t.type) {
		case GT_EOF:
			e->why = "unclosed `[`";
			return false;
		case GT_ERROR:
			e->why = l->err;
			return false;
		case GT_NOT:
			in->not = true;
			break;
		case GT_RANGE_LO:
			in->lo = t.r;
			lo_set = true;
			break;
		case GT_RANGE_HI:
			in->hi = t.r;
			hi_set = true;
			if (in->hi < in->lo) {
				e->why = "range hi character is less than lo";
				return false;
			}
			break;
		case GT_TEXT:
			in->set = l->s + t.start;
			in->setn = t.end - t.start;
			chars = true;
			break;
		case GT_RANGE_CLOSE:
			if (chars == (lo_set && hi_set)) {
				e->why = "could not parse range";
				return false;
			}
			in->op = chars ? G_SET : G_RANGE;
			return true;
		default:
			break;
		}
	}
}

static bool glob_compile(struct rv_arena *a, const char *s, size_t n,
			 struct gprog *p, struct gerr *e)
{
	struct glex l;
	struct gtoken t;
	/* per open `{`: its pending G_SPLIT, and its chain of G_JMPs to the
	 * group's end (linked through x) */
	size_t *split, *jmps, depth = 0, j, nx;

	memset(&l, 0, sizeof(l));
	l.s = s;
	l.n = n;
	p->cap = 2 * n + 4;
	p->n = 0;
	p->in = rv_alloc(a, p->cap * sizeof(*p->in));
	split = rv_alloc(a, (n + 1) * sizeof(*split));
	jmps = rv_alloc(a, (n + 1) * sizeof(*jmps));
	if (!p->in || !split || !jmps)
		return false;
	gemit(p, G_FAIL); /* pc 0: where a group's last SPLIT leads */
	e->why = NULL;
	for (;;) {
		t = glex_next(&l);
		e->off = l.pos;
		switch (t.type) {
		case GT_ERROR:
			e->why = l.err;
			return false;
		case GT_TEXT:
			emit_text(p, s + t.start, t.end - t.start);
			break;
		case GT_SINGLE:
			gemit(p, G_ONE);
			break;
		case GT_ANY:
			gemit(p, p->nsep ? G_STAR : G_SUPER);
			break;
		case GT_SUPER:
			gemit(p, G_SUPER);
			break;
		case GT_RANGE_OPEN:
			if (!compile_class(&l, p, e)) {
				e->off = l.pos;
				return false;
			}
			break;
		case GT_TERMS_OPEN:
			split[depth] = gemit(p, G_SPLIT);
			p->in[split[depth]].x = p->n;
			jmps[depth++] = 0;
			break;
		case GT_SEP:
			j = gemit(p, G_JMP);
			p->in[j].x = jmps[depth - 1];
			jmps[depth - 1] = j;
			p->in[split[depth - 1]].y = p->n;
			split[depth - 1] = gemit(p, G_SPLIT);
			p->in[split[depth - 1]].x = p->n;
			break;
		case GT_TERMS_CLOSE:
			depth--;
			p->in[split[depth]].y = 0;
			for (j = jmps[depth]; j; j = nx) {
				nx = p->in[j].x;
				p->in[j].x = p->n;
			}
			break;
		case GT_EOF:
			if (depth) {
				e->why = "unclosed `{`";
				return false;
			}
			gemit(p, G_MATCH);
			return true;
		default:
			e->why = "unexpected token";
			return false;
		}
	}
}

/* ---- matching ---- */

struct gthreads {
	size_t *pc, n;
};

/* Runs of the VM over all the text may not exceed this many thread steps
 * (a few seconds): a policy's pattern is short, but text comes from
 * peers. */
#define GLOB_BUDGET ((uint64_t)1 << 28)

/* Adds pc and what it reaches without reading, once per position. */
static void gadd(const struct gprog *p, struct gthreads *t, uint32_t *mark,
		 uint32_t gen, size_t pc, size_t *stack)
{
	size_t sp = 0;

	stack[sp++] = pc;
	while (sp) {
		pc = stack[--sp];
		if (mark[pc] == gen)
			continue;
		mark[pc] = gen;
		switch (p->in[pc].op) {
		case G_JMP:
			stack[sp++] = p->in[pc].x;
			break;
		case G_SPLIT:
			/* y first: x is popped, so tried, first */
			stack[sp++] = p->in[pc].y;
			stack[sp++] = p->in[pc].x;
			break;
		case G_STAR:
		case G_SUPER:
			t->pc[t->n++] = pc;
			stack[sp++] = pc + 1;
			break;
		case G_FAIL:
			break;
		default:
			t->pc[t->n++] = pc;
		}
	}
}

static bool set_has(const char *s, size_t n, uint32_t r)
{
	size_t i = 0, w;
	uint32_t c;

	while (i < n) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		w = utf8_decode(s + i, n - i, &c);
		if (c == r)
			return true;
		i += w;
	}
	return false;
}

/* Whether the instruction at pc reads rune r (w bytes wide). */
static bool gstep(const struct gprog *p, const struct ginst *in, uint32_t r,
		  size_t w)
{
	switch (in->op) {
	case G_CHAR:
		return in->lo == r && in->hi == w;
	case G_ONE:
	case G_STAR:
		return !sep_has(p, r);
	case G_SUPER:
		return true;
	case G_RANGE:
		return (in->lo <= r && r <= in->hi) != in->not;
	case G_SET:
		return set_has(in->set, in->setn, r) != in->not;
	default:
		return false;
	}
}

/* 1 match, 0 no match, -1 over the budget or out of memory. */
static int glob_run(struct rv_arena *a, const struct gprog *p, const char *s,
		    size_t n)
{
	struct gthreads cur, next, tmp;
	uint32_t *mark, gen = 1, r;
	size_t *stack, i, k, w;
	uint64_t work = 0;

	cur.pc = rv_alloc(a, p->n * sizeof(size_t));
	next.pc = rv_alloc(a, p->n * sizeof(size_t));
	stack = rv_alloc(a, (2 * p->n + 1) * sizeof(size_t));
	mark = rv_alloc(a, p->n * sizeof(uint32_t));
	if (!cur.pc || !next.pc || !stack || !mark)
		return -1;
	cur.n = 0;
	gadd(p, &cur, mark, gen, 1, stack);
	for (i = 0; i < n && cur.n; i += w) {
		w = utf8_decode(s + i, n - i, &r);
		next.n = 0;
		gen++;
		work += cur.n;
		if (work > GLOB_BUDGET)
			return -1;
		for (k = 0; k < cur.n; k++) {
			const struct ginst *in = &p->in[cur.pc[k]];

			if (!gstep(p, in, r, w))
				continue;
			gadd(p, &next, mark, gen,
			     in->op == G_STAR || in->op == G_SUPER ? cur.pc[k] :
			     cur.pc[k] + 1, stack);
		}
		tmp = cur;
		cur = next;
		next = tmp;
	}
	if (i < n)
		return 0;
	for (k = 0; k < cur.n; k++)
		if (p->in[cur.pc[k]].op == G_MATCH)
			return 1;
	return 0;
}

/* ---- the built-ins ---- */

static enum rb_status glob_delimiters(struct rb_ctx *c, const struct rv *v,
				      uint32_t **out, size_t *n)
{
	static uint32_t dot = '.';
	size_t i, w;
	uint32_t r;

	*out = NULL;
	*n = 0;
	if (v->type == RV_NULL)
		return RB_OK;
	if (v->type != RV_ARRAY) {
		rb_error(c, "operand 2 must be one of {array, null} but got %s",
			 rv_type_name(v->type));
		return RB_TYPE_ERROR;
	}
	if (!v->u.arr.n) {
		*out = &dot;
		*n = 1;
		return RB_OK;
	}
	if (!(*out = rv_alloc(c->arena, v->u.arr.n * sizeof(**out))))
		return rb_nomem(c);
	for (i = 0; i < v->u.arr.n; i++) {
		const struct rv *e = v->u.arr.v[i];

		if (e->type != RV_STRING) {
			rb_error(c, "operand 2 must be array of strings but got array containing %s",
				 rv_type_name(e->type));
			return RB_TYPE_ERROR;
		}
		w = e->u.str.len ? utf8_decode(e->u.str.s, e->u.str.len, &r) : 0;
		if (!w || w != e->u.str.len) {
			rb_error(c, "operand 2 must be array of runes but got array containing string");
			return RB_TYPE_ERROR;
		}
		(*out)[i] = r;
	}
	*n = v->u.arr.n;
	return RB_OK;
}

static enum rb_status bi_glob_match(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct gprog p;
	struct gerr e = { 0, NULL };
	uint32_t *sep;
	enum rb_status st;
	int m;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if ((st = glob_delimiters(c, args[1], &sep, &p.nsep)) != RB_OK)
		return st;
	p.sep = sep;
	if (!rv_is(args[2], RV_STRING))
		return rb_type_error(c, 3, "string", args[2]);
	if (!glob_compile(c->arena, args[0]->u.str.s, args[0]->u.str.len, &p, &e))
		return e.why ? rb_error(c, "glob: syntax error at %zu: %s", e.off, e.why) :
		       rb_nomem(c);
	m = glob_run(c->arena, &p, args[2]->u.str.s, args[2]->u.str.len);
	if (m < 0)
		return c->arena->exhausted ? rb_nomem(c) :
		       rb_error(c, "pattern and text too large to match");
	*out = rv_bool(m == 1);
	return RB_OK;
}

static enum rb_status bi_glob_quote_meta(struct rb_ctx *c, struct rv *const *args,
					 struct rv **out)
{
	const struct rv *v = args[0];
	char *b;
	size_t i, j = 0;

	if (!rv_is(v, RV_STRING))
		return rb_type_error(c, 1, "string", v);
	if (v->u.str.len > (SIZE_MAX - 1) / 2 ||
	    !(b = rv_alloc(c->arena, 2 * v->u.str.len + 1)))
		return rb_nomem(c);
	for (i = 0; i < v->u.str.len; i++) {
		if (strchr("*?\\[]{}", v->u.str.s[i]) && v->u.str.s[i])
			b[j++] = '\\';
		b[j++] = v->u.str.s[i];
	}
	*out = rv_string_own(c->arena, b, j);
	return *out ? RB_OK : rb_nomem(c);
}

const struct rb_def rb_glob_defs[] = {
	{ "glob.match", 3, bi_glob_match },
	{ "glob.quote_meta", 1, bi_glob_quote_meta },
	{ NULL, 0, NULL },
};
