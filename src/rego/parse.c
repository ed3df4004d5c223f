/* parse.c - recursive-descent parser for Rego modules and queries.
 *
 * Operator precedence follows OPA's parser, loosest first: `in`, then
 * relations (== != < <= > >=), `|`, `&`, `+ -`, `* / %`. Operators become
 * calls of the built-ins OPA names for them. Inside `[...` and `{...` the
 * first element stops before a top-level `|`, which starts a
 * comprehension there. A newline ends a literal, and a `.`, `[` or `(` on
 * a new line starts a new term rather than continuing a reference. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "lex.h"
#include "parse.h"

struct parser {
	struct rego_lexer lx;
	struct rego_token tok;
	struct rv_arena *a;
	struct eaa_err *err;
	const char *file;
	int depth;
	bool failed;
	bool no_bar;   /* the first element of [ or {: leave `|` alone */
	bool saw_v1;   /* `if` or `contains` used */
	/* Keywords the module's imports turn on (future.keywords.and, .or,
	 * .not, future.keywords, rego.v2); elsewhere `and` and `or` stay
	 * names, as the set built-ins and(x, y) and or(x, y) are. */
	bool kw_and, kw_or;
	bool not_bodies; /* `not { body }` and `not (a or b)` */
	unsigned ntemplate; /* names the variables template strings capture in */
	/* `((((a or b))))`: the lexer positions after the first and the last
	 * `(` of the run parens_hold_group last found to be groups, so the
	 * levels inside are not scanned again */
	size_t group_lo, group_hi;
};

static bool fail(struct parser *p, const char *fmt, ...) EAA_PRINTF(2, 3);

static bool fail(struct parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (p->failed)
		return false;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eaa_fail(p->err, EAA_E_FORMAT, "%s:%d:%d: %s", p->file,
			p->tok.line, p->tok.col, msg);
}

static bool nomem(struct parser *p)
{
	return fail(p, "out of memory (or the policy exceeds its size limit)");
}

static bool next(struct parser *p)
{
	if (p->failed)
		return false;
	if (!rego_lex_next(&p->lx, &p->tok, p->err)) {
		p->failed = true;
		p->tok.type = TOK_EOF;
		return false;
	}
	return true;
}

static bool is(const struct parser *p, enum rego_tok t)
{
	return !p->failed && p->tok.type == t;
}

static bool accept(struct parser *p, enum rego_tok t)
{
	if (!is(p, t))
		return false;
	next(p);
	return true;
}

static bool expect(struct parser *p, enum rego_tok t, const char *where)
{
	if (accept(p, t))
		return true;
	if (p->failed)
		return false;
	return fail(p, "unexpected %s %s, expected %s",
		    rego_tok_name(p->tok.type), where, rego_tok_name(t));
}

static void *alloc(struct parser *p, size_t n)
{
	void *v = rv_alloc(p->a, n);

	if (!v)
		nomem(p);
	return v;
}

/* Growable pointer lists in the arena. */
struct list {
	void **v;
	size_t n, cap;
};

static bool list_add(struct parser *p, struct list *l, void *item)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		void **v = alloc(p, cap * sizeof(*v));

		if (!v)
			return false;
		if (l->n)
			memcpy(v, l->v, l->n * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = item;
	return true;
}

static struct term *term_new(struct parser *p, enum term_kind kind,
			     const struct rego_token *at)
{
	struct term *t = alloc(p, sizeof(*t));

	if (t) {
		t->kind = kind;
		t->line = at->line;
		t->col = at->col;
		t->file = p->file;
	}
	return t;
}

static struct term *value_term(struct parser *p, struct rv *v,
			       const struct rego_token *at)
{
	struct term *t;

	if (!v) {
		nomem(p);
		return NULL;
	}
	t = term_new(p, T_VALUE, at);
	if (t)
		t->u.value = v;
	return t;
}

static struct term *call_term(struct parser *p, const char *name,
			      const struct rego_token *at, struct term *x,
			      struct term *y)
{
	struct term *t, *fn, **args;

	if (!x || !y)
		return NULL;
	t = term_new(p, T_CALL, at);
	fn = term_new(p, T_VAR, at);
	args = alloc(p, 2 * sizeof(*args));
	if (!t || !fn || !args)
		return NULL;
	fn->u.var.name = name;
	args[0] = x;
	args[1] = y;
	t->u.call.fn = fn;
	t->u.call.args = args;
	t->u.call.n = 2;
	return t;
}

/* The decoded value of a string token. */
static struct rv *string_value(struct parser *p, const struct rego_token *t)
{
	json_error_t je;
	json_t *j;
	struct rv *v;

	if (t->type == TOK_RAWSTRING)
		return rv_string(p->a, t->text + 1, t->len - 2);
	j = json_loadb(t->text, t->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j || !json_is_string(j)) {
		json_decref(j);
		fail(p, "malformed string");
		return NULL;
	}
	v = rv_string(p->a, json_string_value(j), json_string_length(j));
	json_decref(j);
	return v;
}

static struct term *number_term(struct parser *p, const char *text, size_t len,
			       const struct rego_token *at)
{
	struct rv *v = rv_number_text(p->a, text, len);

	if (!v && !p->a->exhausted) {
		/* past OPA's 2^±100000, or our 4096 characters (number.h) */
		fail(p, "number %.*s is out of range (at most 4096 characters, magnitude within 10^±30102)",
		     (int)(len > 40 ? 40 : len), text);
		return NULL;
	}
	return value_term(p, v, at);
}

static char *tok_text(struct parser *p, const struct rego_token *t)
{
	char *s = rv_strndup(p->a, t->text, t->len);

	if (!s)
		nomem(p);
	return s;
}

/* `and` or `or` where the module's imports made it a keyword. */
static bool logic_keyword(const struct parser *p, const struct rego_token *t)
{
	return t->type == TOK_IDENT &&
	       ((p->kw_and && t->len == 3 && memcmp(t->text, "and", 3) == 0) ||
		(p->kw_or && t->len == 2 && memcmp(t->text, "or", 2) == 0));
}

static struct term *parse_in(struct parser *p);
static struct term *parse_relation(struct parser *p);
static struct term *member3(struct parser *p, struct term *k,
			    const struct rego_token *at);
static struct body *parse_body(struct parser *p, enum rego_tok closer);
static struct expr *parse_literal(struct parser *p);

static bool enter(struct parser *p)
{
	if (++p->depth > REGO_PARSE_MAX_DEPTH)
		return fail(p, "nesting deeper than %d", REGO_PARSE_MAX_DEPTH);
	return true;
}

/* A term with `|` allowed again (inside brackets of its own). */
static struct term *parse_in_nested(struct parser *p)
{
	bool saved = p->no_bar;
	struct term *t;

	p->no_bar = false;
	t = parse_in(p);
	p->no_bar = saved;
	return t;
}

static struct term *parse_array(struct parser *p, const struct rego_token *at)
{
	struct list items = { 0 };
	struct term *t, *first;
	bool saved = p->no_bar;

	if (accept(p, TOK_RBRACK))
		return value_term(p, rv_empty_array(), at);
	p->no_bar = true;
	first = parse_in(p);
	p->no_bar = saved;
	if (!first)
		return NULL;
	if (accept(p, TOK_OR)) {
		t = term_new(p, T_ARRAY_COMP, at);
		if (!t)
			return NULL;
		t->u.comp.value = first;
		t->u.comp.body = parse_body(p, TOK_RBRACK);
		return t->u.comp.body && expect(p, TOK_RBRACK, "after comprehension body") ?
		       t : NULL;
	}
	list_add(p, &items, first);
	while (accept(p, TOK_COMMA)) {
		if (is(p, TOK_RBRACK))
			break;
		if (!list_add(p, &items, parse_in_nested(p)) || !items.v[items.n - 1])
			return NULL;
	}
	if (!expect(p, TOK_RBRACK, "in array"))
		return NULL;
	t = term_new(p, T_ARRAY, at);
	if (t) {
		t->u.coll.items = (struct term **)items.v;
		t->u.coll.n = items.n;
	}
	return t;
}

static struct term *parse_braces(struct parser *p, const struct rego_token *at)
{
	struct list keys = { 0 }, vals = { 0 };
	struct term *t, *first, *v;
	bool saved = p->no_bar;

	if (accept(p, TOK_RBRACE))
		return value_term(p, rv_empty_object(), at);
	p->no_bar = true;
	first = parse_in(p);
	if (first && accept(p, TOK_COLON)) {
		v = parse_in(p);
		p->no_bar = saved;
		if (!v)
			return NULL;
		if (accept(p, TOK_OR)) {
			t = term_new(p, T_OBJECT_COMP, at);
			if (!t)
				return NULL;
			t->u.comp.key = first;
			t->u.comp.value = v;
			t->u.comp.body = parse_body(p, TOK_RBRACE);
			return t->u.comp.body &&
			       expect(p, TOK_RBRACE, "after comprehension body") ? t : NULL;
		}
		list_add(p, &keys, first);
		list_add(p, &vals, v);
		while (accept(p, TOK_COMMA)) {
			if (is(p, TOK_RBRACE))
				break;
			if (!list_add(p, &keys, parse_in_nested(p)) || !keys.v[keys.n - 1] ||
			    !expect(p, TOK_COLON, "in object") ||
			    !list_add(p, &vals, parse_in_nested(p)) || !vals.v[vals.n - 1])
				return NULL;
		}
		if (!expect(p, TOK_RBRACE, "in object"))
			return NULL;
		t = term_new(p, T_OBJECT, at);
		if (t) {
			t->u.coll.items = (struct term **)keys.v;
			t->u.coll.vals = (struct term **)vals.v;
			t->u.coll.n = keys.n;
		}
		return t;
	}
	p->no_bar = saved;
	if (!first)
		return NULL;
	if (accept(p, TOK_OR)) {
		t = term_new(p, T_SET_COMP, at);
		if (!t)
			return NULL;
		t->u.comp.value = first;
		t->u.comp.body = parse_body(p, TOK_RBRACE);
		return t->u.comp.body && expect(p, TOK_RBRACE, "after comprehension body") ?
		       t : NULL;
	}
	list_add(p, &keys, first);
	while (accept(p, TOK_COMMA)) {
		if (is(p, TOK_RBRACE))
			break;
		if (!list_add(p, &keys, parse_in_nested(p)) || !keys.v[keys.n - 1])
			return NULL;
	}
	if (!expect(p, TOK_RBRACE, "in set"))
		return NULL;
	t = term_new(p, T_SET, at);
	if (t) {
		t->u.coll.items = (struct term **)keys.v;
		t->u.coll.n = keys.n;
	}
	return t;
}

/* Make t a ref (if it is not one) and append a path element. */
static struct term *ref_append(struct parser *p, struct term *t,
			       struct term *elem)
{
	struct term *r = t, **path;

	if (!elem)
		return NULL;
	if (t->kind != T_REF) {
		r = term_new(p, T_REF, &p->tok);
		if (!r)
			return NULL;
		r->line = t->line;
		r->col = t->col;
		r->file = t->file;
		r->u.ref.head = t;
	}
	path = alloc(p, (r->u.ref.n + 1) * sizeof(*path));
	if (!path)
		return NULL;
	if (r->u.ref.n)
		memcpy(path, r->u.ref.path, r->u.ref.n * sizeof(*path));
	path[r->u.ref.n++] = elem;
	r->u.ref.path = path;
	return r;
}

static struct term *parse_call_args(struct parser *p, struct term *fn)
{
	struct list args = { 0 };
	struct term *t = term_new(p, T_CALL, &p->tok);

	if (!t)
		return NULL;
	t->line = fn->line;
	t->col = fn->col;
	t->file = fn->file;
	if (!is(p, TOK_RPAREN)) {
		do {
			if (!list_add(p, &args, parse_in_nested(p)) ||
			    !args.v[args.n - 1])
				return NULL;
		} while (accept(p, TOK_COMMA) && !is(p, TOK_RPAREN));
	}
	if (!expect(p, TOK_RPAREN, "after call arguments"))
		return NULL;
	t->u.call.fn = fn;
	t->u.call.args = (struct term **)args.v;
	t->u.call.n = args.n;
	return t;
}

/* References, calls and indexing that follow a term on the same line. */
static struct term *parse_postfix(struct parser *p, struct term *t)
{
	while (t && !p->failed && !p->tok.nl_before) {
		struct rego_token at = p->tok;

		if (accept(p, TOK_DOT)) {
			if (p->tok.type != TOK_IDENT && !(p->tok.type >= TOK_PACKAGE &&
							  p->tok.type <= TOK_NULL)) {
				fail(p, "unexpected %s after '.', expected a name",
				     rego_tok_name(p->tok.type));
				return NULL;
			}
			t = ref_append(p, t, value_term(p, rv_string(p->a, p->tok.text,
								     p->tok.len), &p->tok));
			next(p);
		} else if (accept(p, TOK_LBRACK)) {
			t = ref_append(p, t, parse_in_nested(p));
			if (!expect(p, TOK_RBRACK, "in reference"))
				return NULL;
		} else if (is(p, TOK_LPAREN) && term_is_name(t)) {
			next(p);
			t = parse_call_args(p, t);
		} else {
			break;
		}
		(void)at;
	}
	return p->failed ? NULL : t;
}

static struct term *parse_template(struct parser *p);

static struct term *parse_primary(struct parser *p)
{
	struct rego_token at = p->tok;
	struct term *t = NULL;

	if (!enter(p))
		return NULL;
	switch (p->tok.type) {
	case TOK_NUMBER:
		t = number_term(p, at.text, at.len, &at);
		next(p);
		break;
	case TOK_DOT:
		/* .5 is a number, as OPA's parser reads a '.' before a number
		 * token; it keeps the text 0.5, since OPA's own ".5" cannot be
		 * printed as JSON (opa eval: "invalid number literal") */
		next(p);
		if (!is(p, TOK_NUMBER)) {
			fail(p, "unexpected %s after '.', expected a number",
			     rego_tok_name(p->tok.type));
			break;
		}
		{
			char *s = alloc(p, p->tok.len + 2);

			if (s) {
				s[0] = '0';
				s[1] = '.';
				memcpy(s + 2, p->tok.text, p->tok.len);
				t = number_term(p, s, p->tok.len + 2, &at);
			}
		}
		next(p);
		break;
	case TOK_STRING:
	case TOK_RAWSTRING:
		t = value_term(p, string_value(p, &at), &at);
		next(p);
		break;
	case TOK_TEMPLATE:
	case TOK_RAWTEMPLATE:
		t = parse_template(p);
		break;
	case TOK_TRUE:
	case TOK_FALSE:
		t = value_term(p, rv_bool(at.type == TOK_TRUE), &at);
		next(p);
		break;
	case TOK_NULL:
		t = value_term(p, rv_null(), &at);
		next(p);
		break;
	case TOK_CONTAINS:
		/* the contains() built-in: a keyword only in rule heads */
	case TOK_IDENT:
		next(p);
		/* the keywords name the set built-ins still: and(x, y) */
		if (logic_keyword(p, &at) && !(is(p, TOK_LPAREN) && !p->tok.nl_before)) {
			fail(p, "unexpected %.*s keyword", (int)at.len, at.text);
			break;
		}
		if (at.len == 3 && memcmp(at.text, "set", 3) == 0 &&
		    is(p, TOK_LPAREN) && !p->tok.nl_before) {
			next(p);
			if (!expect(p, TOK_RPAREN, "in set()"))
				break;
			t = value_term(p, rv_empty_set(), &at);
			break;
		}
		t = term_new(p, T_VAR, &at);
		if (t)
			t->u.var.name = tok_text(p, &at);
		break;
	case TOK_LBRACK:
		next(p);
		t = parse_array(p, &at);
		break;
	case TOK_LBRACE:
		next(p);
		t = parse_braces(p, &at);
		break;
	case TOK_LPAREN:
		next(p);
		t = parse_in_nested(p);
		if (t && is(p, TOK_COMMA)) { /* (k, v in xs) */
			struct rego_token c = p->tok;

			next(p);
			t = member3(p, t, &c);
		}
		if (t && !expect(p, TOK_RPAREN, "after parenthesised term"))
			t = NULL;
		break;
	case TOK_SUB:
		next(p);
		if (is(p, TOK_NUMBER) && p->tok.text == at.text + 1) {
			char *s = alloc(p, p->tok.len + 2);

			if (s) {
				s[0] = '-';
				memcpy(s + 1, p->tok.text, p->tok.len);
				t = number_term(p, s, p->tok.len + 1, &at);
			}
			next(p);
		} else {
			t = call_term(p, "minus", &at, value_term(p, rv_int(p->a, 0), &at),
				      parse_primary(p));
		}
		p->depth--;
		return t;
	default:
		fail(p, "unexpected %s, expected a term", rego_tok_name(at.type));
		p->depth--;
		return NULL;
	}
	t = parse_postfix(p, t);
	p->depth--;
	return t;
}

struct binop {
	enum rego_tok tok;
	const char *name;
};

static const struct binop factor_ops[] = {
	{ TOK_MUL, "mul" }, { TOK_QUO, "div" }, { TOK_REM, "rem" }, { TOK_EOF, NULL } };
static const struct binop arith_ops[] = {
	{ TOK_ADD, "plus" }, { TOK_SUB, "minus" }, { TOK_EOF, NULL } };
static const struct binop and_ops[] = { { TOK_AND, "and" }, { TOK_EOF, NULL } };
static const struct binop or_ops[] = { { TOK_OR, "or" }, { TOK_EOF, NULL } };
static const struct binop rel_ops[] = {
	{ TOK_EQ, "equal" }, { TOK_NEQ, "neq" }, { TOK_LT, "lt" },
	{ TOK_LTE, "lte" }, { TOK_GT, "gt" }, { TOK_GTE, "gte" }, { TOK_EOF, NULL } };

/* Precedence levels, tightest last. */
static const struct binop *const levels[] = {
	rel_ops, or_ops, and_ops, arith_ops, factor_ops,
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static struct term *parse_level(struct parser *p, size_t level)
{
	struct term *l;

	if (level == NLEVELS)
		return parse_primary(p);
	l = parse_level(p, level + 1);
	while (l && !p->failed) {
		const struct binop *op;
		struct rego_token at = p->tok;

		for (op = levels[level]; op->name; op++)
			if (op->tok == p->tok.type)
				break;
		if (!op->name || (op->tok == TOK_OR && p->no_bar))
			break;
		next(p);
		l = call_term(p, op->name, &at, l, parse_level(p, level + 1));
	}
	return p->failed ? NULL : l;
}

static struct term *parse_relation(struct parser *p)
{
	return parse_level(p, 0);
}

/* `x in xs` is the loosest operator. */
static struct term *member3(struct parser *p, struct term *k,
			    const struct rego_token *at)
{
	struct term *v, *coll, *t, **args;

	v = parse_relation(p);
	if (!v || !expect(p, TOK_IN, "after key, value"))
		return NULL;
	coll = parse_relation(p);
	t = call_term(p, "internal.member_3", at, k, v);
	args = alloc(p, 3 * sizeof(*args));
	if (!t || !coll || !args)
		return NULL;
	args[0] = k;
	args[1] = v;
	args[2] = coll;
	t->u.call.args = args;
	t->u.call.n = 3;
	while (t && is(p, TOK_IN)) { /* k, v in xs in ys */
		struct rego_token in = p->tok;

		next(p);
		t = call_term(p, "internal.member_2", &in, t, parse_relation(p));
	}
	return t;
}

static struct term *parse_in(struct parser *p)
{
	struct term *l = parse_relation(p);

	while (l && is(p, TOK_IN)) {
		struct rego_token at = p->tok;

		next(p);
		l = call_term(p, "internal.member_2", &at, l, parse_relation(p));
	}
	return p->failed ? NULL : l;
}

static struct expr *expr_new(struct parser *p, enum expr_kind kind,
			     const struct rego_token *at)
{
	struct expr *e = alloc(p, sizeof(*e));

	if (e) {
		e->kind = kind;
		e->line = at->line;
		e->col = at->col;
	}
	return e;
}

/* some x, y | some [k,] v in coll | every [k,] v in coll { body } */
static struct expr *parse_some_every(struct parser *p, bool every)
{
	struct rego_token at = p->tok;
	struct list vars = { 0 };
	struct expr *e;

	next(p);
	do {
		if (!list_add(p, &vars, parse_relation(p)) || !vars.v[vars.n - 1])
			return NULL;
	} while (accept(p, TOK_COMMA));
	if (!is(p, TOK_IN)) {
		size_t i;

		if (every) {
			fail(p, "unexpected %s in every, expected in",
			     rego_tok_name(p->tok.type));
			return NULL;
		}
		for (i = 0; i < vars.n; i++)
			if (((struct term *)vars.v[i])->kind != T_VAR) {
				fail(p, "some: expected variable names");
				return NULL;
			}
		e = expr_new(p, E_SOME, &at);
		if (e) {
			e->decl = (struct term **)vars.v;
			e->ndecl = vars.n;
		}
		return e;
	}
	next(p);
	if (vars.n > 2) {
		fail(p, "%s: at most a key and a value before in",
		     every ? "every" : "some");
		return NULL;
	}
	e = expr_new(p, every ? E_EVERY : E_SOME_IN, &at);
	if (!e)
		return NULL;
	e->key = vars.n == 2 ? vars.v[0] : NULL;
	e->val = vars.v[vars.n - 1];
	e->coll = parse_relation(p);
	if (!e->coll)
		return NULL;
	if (every) {
		if (!expect(p, TOK_LBRACE, "after every domain"))
			return NULL;
		e->body = parse_body(p, TOK_RBRACE);
		if (!e->body || !expect(p, TOK_RBRACE, "after every body"))
			return NULL;
	}
	return e;
}

/* `with target as value` clauses, attached to e. */
static bool parse_withs(struct parser *p, struct expr *e)
{
	struct list withs = { 0 };
	struct with *ws;
	size_t i;

	while (accept(p, TOK_WITH)) {
		struct with *w = alloc(p, sizeof(*w));

		if (!w || !list_add(p, &withs, w))
			return false;
		w->target = parse_primary(p);
		if (!w->target || !expect(p, TOK_AS, "in with"))
			return false;
		w->value = parse_in(p);
		if (!w->value)
			return false;
	}
	if (p->failed)
		return false;
	if (!withs.n)
		return true;
	ws = alloc(p, (e->nwith + withs.n) * sizeof(*ws));
	if (!ws)
		return false;
	for (i = 0; i < e->nwith; i++)
		ws[i] = e->with[i];
	for (i = 0; i < withs.n; i++)
		ws[e->nwith + i] = *(struct with *)withs.v[i];
	e->with = ws;
	e->nwith += withs.n;
	return true;
}

/* A term, unification or assignment: a literal without `some`, `every`,
 * `not` or `with`. */
static struct expr *parse_plain(struct parser *p, const struct rego_token *at,
				bool negated)
{
	struct expr *e = expr_new(p, E_TERM, at);

	if (!e)
		return NULL;
	e->negated = negated;
	e->a = parse_in(p);
	if (!e->a)
		return NULL;
	if (is(p, TOK_COMMA)) { /* k, v in xs */
		struct rego_token c = p->tok;

		next(p);
		e->a = member3(p, e->a, &c);
		if (!e->a)
			return NULL;
	}
	if (is(p, TOK_UNIFY) || is(p, TOK_ASSIGN)) {
		e->kind = is(p, TOK_UNIFY) ? E_UNIFY : E_ASSIGN;
		next(p);
		e->b = parse_in(p);
		if (!e->b)
			return NULL;
	}
	return p->failed ? NULL : e;
}

/* ---- the logical operators of Rego v2 ----
 *
 * As in OPA's parser: `and` binds tighter than `or`, both fold to the
 * left, and `not` takes one operand (`not x or y` is `(not x) or y`). An
 * operand is `{ body }`, `not { body }`, a parenthesised group holding
 * and/or, or a plain expression. A `with` after the last operand applies
 * to the whole expression; one inside an operand must be parenthesised.
 *
 * Braces and parentheses are ambiguous at the start of a literal (a set,
 * an object, a parenthesised term). OPA parses them one way and backs out
 * to the other; backing out re-parses what is inside, and inside can be
 * more of the same (comprehension bodies, template strings), which makes
 * the work exponential in the nesting. Here a scan of the tokens up to the
 * matching closer decides first, and the text is parsed once. */

static bool at_and(const struct parser *p)
{
	return !p->failed && logic_keyword(p, &p->tok) && p->tok.len == 3;
}

static bool at_or(const struct parser *p)
{
	return !p->failed && logic_keyword(p, &p->tok) && p->tok.len == 2;
}

static bool at_logic(const struct parser *p)
{
	return at_and(p) || at_or(p);
}

/* What the tokens of a bracketed region hold. */
struct region {
	bool closed;              /* its closer was found */
	struct rego_token after;  /* the token after the closer */
	bool logic, with;         /* and/or, with: directly inside */
	enum rego_tok first;      /* the first token inside */
	bool only_paren;          /* inside is one (...) and nothing else */
	struct rego_lexer inner;  /* then: the lexer after that `(` */
};

static bool opener(enum rego_tok t)
{
	return t == TOK_LPAREN || t == TOK_LBRACK || t == TOK_LBRACE;
}

static bool closer(enum rego_tok t)
{
	return t == TOK_RPAREN || t == TOK_RBRACK || t == TOK_RBRACE;
}

/* Scans the region whose opener was the last token lx read, to its
 * matching closer, without parsing (group: or until what makes it a
 * logical group). Template strings are followed through their
 * expressions. A lexing error leaves it not closed: the parse that
 * follows reports it. */
static void scan_region(const struct parser *p, struct rego_lexer lx,
			struct region *r, bool group)
{
	unsigned char tmpl_raw[REGO_PARSE_MAX_DEPTH];
	int tmpl_depth[REGO_PARSE_MAX_DEPTH];
	size_t ntmpl = 0, ntok = 0, inner_end = 0;
	struct eaa_err scratch;
	struct rego_token t;
	int depth = 1;

	memset(r, 0, sizeof(*r));
	for (;;) {
		if (!rego_lex_next(&lx, &t, &scratch) || t.type == TOK_EOF)
			return;
		if (ntok++ == 0) {
			r->first = t.type;
			r->inner = lx;
			if (group && t.type == TOK_NOT)
				return;
		}
		if ((t.type == TOK_TEMPLATE || t.type == TOK_RAWTEMPLATE) &&
		    !t.template_end) {
			if (ntmpl == REGO_PARSE_MAX_DEPTH)
				return;
			tmpl_raw[ntmpl] = t.type == TOK_RAWTEMPLATE;
			tmpl_depth[ntmpl++] = depth++;
			continue;
		}
		if (opener(t.type)) {
			depth++;
			continue;
		}
		if (!closer(t.type)) {
			if (depth == 1 && logic_keyword(p, &t))
				r->logic = true;
			if (depth == 1 && t.type == TOK_WITH)
				r->with = true;
			if (group && (r->logic || r->with))
				return;
			continue;
		}
		depth--;
		if (ntmpl && depth == tmpl_depth[ntmpl - 1]) {
			/* the `}` of a template's expression: the string goes on */
			if (!rego_lex_template(&lx, tmpl_raw[ntmpl - 1], &t, &scratch))
				return;
			if (t.template_end)
				ntmpl--;
			else
				depth++;
			continue;
		}
		if (depth == 1 && r->first == TOK_LPAREN && !inner_end)
			inner_end = ntok;
		if (depth == 0) {
			r->closed = true;
			r->only_paren = r->first == TOK_LPAREN && inner_end == ntok - 1;
			if (!rego_lex_next(&lx, &r->after, &scratch))
				r->after.type = TOK_EOF;
			return;
		}
	}
}

/* At `{`: is it a braced operand, that is, does and/or follow its `}`? */
static bool braces_lead_operand(const struct parser *p)
{
	struct region r;

	scan_region(p, p->lx, &r, false);
	return r.closed && logic_keyword(p, &r.after);
}

/* At `(`: does it hold a logical group (and/or directly inside, a `not`
 * operand, a `with` on an operand, or a group in redundant parentheses),
 * rather than a parenthesised term? */
static bool parens_hold_group(struct parser *p)
{
	struct rego_lexer lx = p->lx;
	struct region r;

	if (p->group_hi && lx.pos >= p->group_lo && lx.pos <= p->group_hi)
		return true;
	for (;;) {
		scan_region(p, lx, &r, true);
		if (r.logic || r.with || r.first == TOK_NOT) {
			p->group_lo = p->lx.pos;
			p->group_hi = lx.pos;
			return true;
		}
		if (!r.closed || !r.only_paren)
			return false;
		lx = r.inner; /* ((...)): as the inner parentheses go */
	}
}

static struct body *body_of(struct parser *p, struct expr *e)
{
	struct body *b = alloc(p, sizeof(*b));
	struct expr **v = alloc(p, sizeof(*v));

	if (!e || !b || !v)
		return NULL;
	v[0] = e;
	b->e = v;
	b->n = 1;
	return b;
}

static struct expr *logic_new(struct parser *p, enum expr_kind kind,
			      const struct rego_token *at, struct body *lhs,
			      struct body *rhs)
{
	struct expr *e;

	if (!lhs || (kind != E_NOT && !rhs))
		return NULL;
	e = expr_new(p, kind, at);
	if (e) {
		e->body = lhs;
		e->rhs = rhs;
	}
	return e;
}

/* `{ body }` after its `{`, up to and including the `}`. */
static struct body *parse_braced_body(struct parser *p)
{
	struct body *b = parse_body(p, TOK_RBRACE);

	if (!b || !expect(p, TOK_RBRACE, "after body"))
		return NULL;
	b->braced = true;
	return b;
}

static struct body *parse_operand(struct parser *p);
static struct expr *parse_or_chain(struct parser *p, struct body *lhs,
				   const struct rego_token *at);

static bool with_on_operand(struct parser *p)
{
	return fail(p, "`with` modifier is not allowed on operand of `%.*s`",
		    (int)p->tok.len, p->tok.text);
}

/* A group at `(` (parens_hold_group said so). operand: it is already an
 * operand of and/or/not, where `(x with ...)` alone is one. */
static struct body *parse_group(struct parser *p, bool operand)
{
	struct rego_token open = p->tok;
	struct body *lhs;
	struct expr *e;

	if (!enter(p))
		return NULL;
	next(p); /* ( */
	lhs = parse_operand(p);
	if (!lhs)
		return NULL;
	if (at_logic(p)) {
		e = parse_or_chain(p, lhs, &open);
		if (!e || !parse_withs(p, e) || !expect(p, TOK_RPAREN, "after group"))
			return NULL;
		p->depth--;
		return body_of(p, e);
	}
	if (is(p, TOK_WITH)) {
		if (lhs->braced || lhs->e[0]->kind == E_NOT) {
			fail(p, "unexpected with, expected )");
			return NULL;
		}
		if (!parse_withs(p, lhs->e[0]))
			return NULL;
		if (at_logic(p)) {
			with_on_operand(p);
			return NULL;
		}
		if (!expect(p, TOK_RPAREN, "after group"))
			return NULL;
		/* as OPA: on its own, `(x with ...)` is no term */
		if (!operand && !at_logic(p)) {
			fail(p, "`with` in parentheses applies to an operand of and/or");
			return NULL;
		}
		p->depth--;
		return lhs;
	}
	if (!expect(p, TOK_RPAREN, "after group"))
		return NULL;
	p->depth--;
	return lhs;
}

/* One operand of and/or. */
static struct body *parse_operand(struct parser *p)
{
	struct rego_token at = p->tok;
	struct body *b;
	bool negated = false;

	if (accept(p, TOK_LBRACE))
		return parse_braced_body(p);
	if (accept(p, TOK_NOT))
		negated = true;
	if (negated && p->not_bodies && accept(p, TOK_LBRACE))
		return body_of(p, logic_new(p, E_NOT, &at, parse_braced_body(p), NULL));
	if (is(p, TOK_LPAREN) && (p->kw_and || p->kw_or) &&
	    (!negated || p->not_bodies) && parens_hold_group(p)) {
		b = parse_group(p, true);
		if (b && negated)
			return body_of(p, logic_new(p, E_NOT, &at, b, NULL));
		return b;
	}
	return body_of(p, parse_plain(p, &at, negated));
}

static struct expr *parse_and_chain(struct parser *p, struct body *lhs,
				    const struct rego_token *at)
{
	while (lhs && at_and(p)) {
		next(p);
		lhs = body_of(p, logic_new(p, E_AND, at, lhs, parse_operand(p)));
	}
	return lhs ? lhs->e[0] : NULL;
}

static struct expr *parse_or_chain(struct parser *p, struct body *lhs,
				   const struct rego_token *at)
{
	if (lhs && at_and(p))
		lhs = body_of(p, parse_and_chain(p, lhs, at));
	while (lhs && at_or(p)) {
		struct rego_token rat;
		struct body *rhs;

		next(p);
		rat = p->tok;
		rhs = parse_operand(p);
		if (rhs && at_and(p))
			rhs = body_of(p, parse_and_chain(p, rhs, &rat));
		lhs = body_of(p, logic_new(p, E_OR, at, lhs, rhs));
	}
	return lhs ? lhs->e[0] : NULL;
}

/* What follows a complete first operand: an and/or chain, or nothing. */
static struct expr *logic_tail(struct parser *p, struct body *lhs,
			       const struct rego_token *at)
{
	struct expr *e;

	if (!lhs)
		return NULL;
	e = at_logic(p) ? parse_or_chain(p, lhs, at) : lhs->e[0];
	return e && parse_withs(p, e) ? e : NULL;
}

static struct expr *parse_literal(struct parser *p)
{
	struct rego_token at = p->tok;
	struct expr *e;
	bool negated = false;

	if (!enter(p))
		return NULL;
	if ((p->kw_and || p->kw_or) &&
	    ((is(p, TOK_LBRACE) && braces_lead_operand(p)) ||
	     (is(p, TOK_LPAREN) && parens_hold_group(p)))) {
		struct body *b;

		if (accept(p, TOK_LBRACE))
			b = parse_braced_body(p);
		else
			b = parse_group(p, false);
		e = logic_tail(p, b, &at);
		p->depth--;
		return p->failed ? NULL : e;
	}
	if (is(p, TOK_SOME) || is(p, TOK_EVERY)) {
		e = parse_some_every(p, is(p, TOK_EVERY));
		if (!e || !parse_withs(p, e))
			return NULL;
		p->depth--;
		return e;
	}
	if (accept(p, TOK_NOT))
		negated = true;
	if (negated && p->not_bodies && accept(p, TOK_LBRACE)) {
		e = logic_tail(p, body_of(p, logic_new(p, E_NOT, &at,
							parse_braced_body(p), NULL)), &at);
		p->depth--;
		return p->failed ? NULL : e;
	}
	if (negated && p->not_bodies && is(p, TOK_LPAREN) && (p->kw_and || p->kw_or) &&
	    parens_hold_group(p)) {
		e = logic_tail(p, body_of(p, logic_new(p, E_NOT, &at,
							parse_group(p, true), NULL)), &at);
		p->depth--;
		return p->failed ? NULL : e;
	}
	e = parse_plain(p, &at, negated);
	if (!e || !parse_withs(p, e))
		return NULL;
	if (at_logic(p)) {
		if (e->nwith) {
			with_on_operand(p);
			return NULL;
		}
		/* braces and and/or after the value: `{1}["a"] and x` */
		if (at.type == TOK_LBRACE) {
			fail(p, "operand of `%.*s` cannot begin with `{` unless the braces hold a body",
			     (int)p->tok.len, p->tok.text);
			return NULL;
		}
		e = logic_tail(p, body_of(p, e), &at);
	}
	p->depth--;
	return p->failed ? NULL : e;
}

/* ---- template strings: $"...{expr}..." and $`...{expr}...` ----
 *
 * As OPA's compiler rewrites them: a call of internal.template_string
 * with an array of the parts, where an expression is the set
 * comprehension {x | x = expr [with ...]} (so an undefined expression is
 * an empty set, printed "<undefined>") and a constant scalar is itself. */

/* The text of a template part: `\{` is `{`; a quoted part then decodes
 * as a string. */
static struct rv *template_text(struct parser *p, const struct rego_token *t)
{
	char *buf = alloc(p, t->len + 3);
	size_t i, n = 0;
	bool escapes = false;
	json_error_t je;
	json_t *j;
	struct rv *v;

	if (!buf)
		return NULL;
	buf[n++] = '"';
	for (i = 0; i < t->len; i++) {
		if (t->text[i] == '\\' && i + 1 < t->len && t->text[i + 1] == '{') {
			buf[n++] = '{';
			i++;
			continue;
		}
		if (t->text[i] == '\\' && t->type == TOK_TEMPLATE) {
			escapes = true;
			buf[n++] = t->text[i++]; /* and the escaped character */
		}
		buf[n++] = t->text[i];
	}
	buf[n++] = '"';
	if (!escapes)
		return rv_string(p->a, buf + 1, n - 2);
	j = json_loadb(buf, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!j || !json_is_string(j)) {
		json_decref(j);
		fail(p, "illegal template-string part");
		return NULL;
	}
	v = rv_string(p->a, json_string_value(j), json_string_length(j));
	json_decref(j);
	if (!v)
		nomem(p);
	return v;
}

/* One `{expr}` of a template string as the part the built-in takes. */
static struct term *template_part(struct parser *p, struct expr *e,
				  const struct rego_token *at)
{
	struct term *t = e->a, *x, *comp;
	struct expr *capture;
	char name[24];

	const char *bad = NULL;

	switch (e->negated ? E_TERM : e->kind) {
	case E_TERM:
		if (e->negated)
			bad = "negation ('not')";
		break;
	case E_UNIFY:
		bad = "unification ('=')";
		break;
	case E_ASSIGN:
		bad = "assignment (':=')";
		break;
	case E_EVERY:
		bad = "'every'";
		break;
	case E_SOME:
	case E_SOME_IN:
		bad = "'some'";
		break;
	default:
		bad = "and/or/not body";
		break;
	}
	if (bad) {
		fail(p, "unexpected %s in template-string expression", bad);
		return NULL;
	}
	if (t->kind == T_VALUE && !e->nwith &&
	    (t->u.value->type == RV_STRING || t->u.value->type == RV_NUMBER ||
	     t->u.value->type == RV_BOOL || t->u.value->type == RV_NULL))
		return t;
	/* a name no source can spell, unique per template so nested ones
	 * do not capture each other's */
	snprintf(name, sizeof(name), "$t%u", ++p->ntemplate);
	x = term_new(p, T_VAR, at);
	comp = term_new(p, T_SET_COMP, at);
	capture = expr_new(p, E_UNIFY, at);
	if (!x || !comp || !capture || !(x->u.var.name = rv_strndup(p->a, name, strlen(name))))
		return NULL;
	capture->a = x;
	capture->b = t;
	capture->with = e->with;
	capture->nwith = e->nwith;
	comp->u.comp.value = x;
	comp->u.comp.template = true;
	comp->u.comp.body = body_of(p, capture);
	return comp->u.comp.body ? comp : NULL;
}

/* At the first part's token; ends after the closing quote. */
static struct term *parse_template(struct parser *p)
{
	struct rego_token at = p->tok;
	bool raw = at.type == TOK_RAWTEMPLATE, saved = p->no_bar;
	struct list parts = { 0 };
	struct term *t, *arr, *fn, **args;

	for (;;) {
		struct rv *s = template_text(p, &p->tok);
		struct rego_token open;
		struct expr *e;

		if (!s)
			return NULL;
		if (s->u.str.len && !list_add(p, &parts, value_term(p, s, &p->tok)))
			return NULL;
		if (p->tok.template_end)
			break;
		open = p->tok;
		if (!next(p))
			return NULL;
		if (is(p, TOK_RBRACE)) {
			fail(p, "invalid template-string expression");
			return NULL;
		}
		p->no_bar = false;
		e = parse_literal(p);
		p->no_bar = saved;
		if (!e || !list_add(p, &parts, template_part(p, e, &open)) ||
		    !parts.v[parts.n - 1])
			return NULL;
		if (!is(p, TOK_RBRACE)) {
			fail(p, "expected } to end template string expression");
			return NULL;
		}
		if (!rego_lex_template(&p->lx, raw, &p->tok, p->err)) {
			p->failed = true;
			return NULL;
		}
	}
	next(p);
	if (!parts.n && !list_add(p, &parts, value_term(p, rv_string(p->a, "", 0), &at)))
		return NULL;
	arr = term_new(p, T_ARRAY, &at);
	t = term_new(p, T_CALL, &at);
	fn = term_new(p, T_VAR, &at);
	args = alloc(p, sizeof(*args));
	if (!arr || !t || !fn || !args)
		return NULL;
	arr->u.coll.items = (struct term **)parts.v;
	arr->u.coll.n = parts.n;
	fn->u.var.name = "internal.template_string";
	args[0] = arr;
	t->u.call.fn = fn;
	t->u.call.args = args;
	t->u.call.n = 1;
	return p->failed ? NULL : t;
}

/* Literals separated by ';' or newlines, up to (not including) closer. */
static struct body *parse_body(struct parser *p, enum rego_tok closer)
{
	struct list exprs = { 0 };
	struct body *b = alloc(p, sizeof(*b));

	if (!b)
		return NULL;
	while (!p->failed && !is(p, closer)) {
		struct expr *e = parse_literal(p);

		if (!e || !list_add(p, &exprs, e))
			return NULL;
		if (accept(p, TOK_SEMICOLON))
			continue;
		if (is(p, closer))
			break;
		if (!p->tok.nl_before) {
			fail(p, "unexpected %s, expected ';', a new line or %s",
			     rego_tok_name(p->tok.type), rego_tok_name(closer));
			return NULL;
		}
	}
	if (p->failed)
		return NULL;
	if (exprs.n == 0 && closer != TOK_EOF) {
		fail(p, "empty body");
		return NULL;
	}
	b->e = (struct expr **)exprs.v;
	b->n = exprs.n;
	return b;
}

/* A rule body: `{ ... }`, or after `if` a single literal. */
static bool parse_rule_body(struct parser *p, struct rule *r)
{
	bool had_if = accept(p, TOK_IF);
	struct body *b;

	if (had_if)
		p->saw_v1 = true;
	if (had_if && is(p, TOK_LBRACE) && !p->failed) {
		/* `if {x: i | ...}` is one literal, a term; OPA tries that
		 * first and takes a body when it is no term or a set (`if {
		 * true }`). Tried once per rule body, so parsing stays linear. */
		struct parser save = *p;
		struct eaa_err esave = *p->err;
		struct expr *e = parse_literal(p);
		struct expr **v = e ? alloc(p, sizeof(*v)) : NULL;

		if (v && !p->failed &&
		    !(e->kind == E_TERM && !e->nwith &&
		      (e->a->kind == T_SET || (e->a->kind == T_VALUE &&
					       e->a->u.value->type == RV_SET)))) {
			v[0] = e;
			r->body.e = v;
			r->body.n = 1;
			return true;
		}
		*p = save;
		*p->err = esave;
	}
	if (accept(p, TOK_LBRACE)) {
		b = parse_body(p, TOK_RBRACE);
		if (!b || !expect(p, TOK_RBRACE, "after rule body"))
			return false;
		r->body = *b;
		return true;
	}
	if (!had_if)
		return true; /* no body: a constant */
	{
		struct expr *e = parse_literal(p);
		struct expr **v = alloc(p, sizeof(*v));

		if (!e || !v)
			return false;
		v[0] = e;
		r->body.e = v;
		r->body.n = 1;
	}
	return true;
}

static struct rule *rule_new(struct parser *p, const struct rego_token *at)
{
	struct rule *r = alloc(p, sizeof(*r));

	if (r) {
		r->line = at->line;
		r->col = at->col;
		r->file = p->file;
	}
	return r;
}

/* Mark of a `p[x]` head without a value, resolved once the module's
 * syntax version is known. */
#define R_BRACKET ((enum rule_kind)100)

static bool is_name(const struct term *t)
{
	return t->kind == T_VALUE && t->u.value->type == RV_STRING;
}

/* The head's reference after its first name: .name or [term] parts.
 * *bracket: it is one [term] alone (p[x], read per syntax version). */
static bool parse_head_ref(struct parser *p, struct list *parts, bool *bracket)
{
	*bracket = false;
	while (!p->tok.nl_before && !p->failed) {
		if (accept(p, TOK_DOT)) {
			if (!is(p, TOK_IDENT) && !(p->tok.type >= TOK_PACKAGE &&
						   p->tok.type <= TOK_NULL))
				return fail(p, "unexpected %s in rule head, expected a name",
					    rego_tok_name(p->tok.type));
			if (!list_add(p, parts, value_term(p, rv_string(p->a, p->tok.text,
									p->tok.len), &p->tok)))
				return false;
			next(p);
		} else if (accept(p, TOK_LBRACK)) {
			*bracket = parts->n == 0;
			if (!list_add(p, parts, parse_in_nested(p)) ||
			    !parts->v[parts->n - 1] ||
			    !expect(p, TOK_RBRACK, "in rule head"))
				return false;
		} else {
			break;
		}
	}
	if (parts->n != 1)
		*bracket = false;
	return !p->failed;
}

/* The rule's path: its first name and the leading constant strings of
 * parts, at most max of them; those leave parts. */
static bool head_split(struct parser *p, struct rule *r, struct rv *first,
		       struct list *parts, size_t max)
{
	struct list sp = { 0 };
	size_t i, nstatic, len = 0;
	char *name;

	if (!list_add(p, &sp, first))
		return false;
	for (nstatic = 0; nstatic < parts->n && nstatic < max &&
			  is_name(parts->v[nstatic]); nstatic++)
		if (!list_add(p, &sp, ((struct term *)parts->v[nstatic])->u.value))
			return false;
	r->spath = (struct rv **)sp.v;
	r->nspath = sp.n;
	for (i = 0; i < sp.n; i++)
		len += r->spath[i]->u.str.len + 1;
	name = alloc(p, len);
	if (!name)
		return false;
	for (i = 0; i < sp.n; i++) {
		if (i)
			strcat(name, ".");
		strncat(name, r->spath[i]->u.str.s, r->spath[i]->u.str.len);
	}
	r->name = name;
	if (nstatic && parts->n > nstatic)
		memmove(parts->v, parts->v + nstatic,
			(parts->n - nstatic) * sizeof(*parts->v));
	parts->n -= nstatic;
	return true;
}

static struct term *array_of(struct parser *p, struct list *l,
			     const struct rego_token *at)
{
	struct term *t = term_new(p, T_ARRAY, at);

	if (t) {
		t->u.coll.items = (struct term **)l->v;
		t->u.coll.n = l->n;
	}
	return t;
}

static struct rule *parse_rule(struct parser *p)
{
	struct rego_token at = p->tok;
	struct rule *r = rule_new(p, &at), *tail;
	bool is_default = accept(p, TOK_DEFAULT);
	struct list parts = { 0 };
	struct rv *first;
	bool bracket;

	if (!r)
		return NULL;
	r->is_default = is_default;
	if (!is(p, TOK_IDENT)) {
		fail(p, "unexpected %s, expected a rule name",
		     rego_tok_name(p->tok.type));
		return NULL;
	}
	{
		struct rego_token name = p->tok;
		bool kw = logic_keyword(p, &p->tok);

		first = rv_string(p->a, p->tok.text, p->tok.len);
		next(p);
		if (kw && (is(p, TOK_ASSIGN) || is(p, TOK_UNIFY) || is(p, TOK_IF) ||
			   is(p, TOK_CONTAINS))) {
			fail(p, "%.*s keyword cannot be used for rule name", (int)name.len,
			     name.text);
			return NULL;
		}
	}
	if (!first || !parse_head_ref(p, &parts, &bracket))
		return NULL;
	r->kind = R_COMPLETE;
	if (!p->tok.nl_before && accept(p, TOK_LPAREN)) {
		struct list args = { 0 };

		if (!head_split(p, r, first, &parts, parts.n))
			return NULL;
		if (parts.n) {
			fail(p, "function names are references of names");
			return NULL;
		}
		r->kind = R_FUNC;
		if (!is(p, TOK_RPAREN)) {
			do {
				if (!list_add(p, &args, parse_in_nested(p)) ||
				    !args.v[args.n - 1])
					return NULL;
			} while (accept(p, TOK_COMMA));
		}
		if (!expect(p, TOK_RPAREN, "after function arguments"))
			return NULL;
		r->args = (struct term **)args.v;
		r->nargs = args.n;
	}
	if (r->kind == R_COMPLETE && accept(p, TOK_CONTAINS)) {
		p->saw_v1 = true;
		r->kind = R_SET;
		r->key = parse_in(p);
		if (!r->key)
			return NULL;
	}
	if (r->kind != R_SET && (accept(p, TOK_UNIFY) || accept(p, TOK_ASSIGN))) {
		r->value = parse_in(p);
		if (!r->value)
			return NULL;
	}
	if (r->kind != R_FUNC &&
	    !head_split(p, r, first, &parts,
			bracket && r->kind == R_COMPLETE && !r->value ? 0 : parts.n))
		return NULL;
	if (r->kind == R_COMPLETE && parts.n == 1) {
		/* p[x] (a set in v0, decided with the module's version), or
		 * a.b[x] := v: a partial object */
		r->kind = bracket && !r->value ? R_BRACKET : R_OBJECT;
		r->key = parts.v[0];
	} else if (r->kind != R_FUNC && parts.n) {
		r->gpath = array_of(p, &parts, &at);
		if (!r->gpath)
			return NULL;
		if (is_default) {
			fail(p, "default rules cannot have variables in their head");
			return NULL;
		}
	}
	if (is_default) {
		if (!r->value || (r->kind != R_COMPLETE && r->kind != R_FUNC)) {
			fail(p, "default rules need a name and a value (default %s := ...)",
			     r->name);
			return NULL;
		}
		return r;
	}
	if (!parse_rule_body(p, r))
		return NULL;
	/* else chains: complete rules and functions */
	tail = r;
	while (is(p, TOK_ELSE)) {
		struct rule *e = rule_new(p, &p->tok);

		if (!e)
			return NULL;
		if (r->gpath) {
			fail(p, "else keyword cannot be used on rules with variables in head");
			return NULL;
		}
		if (r->kind != R_COMPLETE && r->kind != R_FUNC) {
			fail(p, "else is only allowed on complete rules and functions");
			return NULL;
		}
		next(p);
		*e = *r;
		e->line = at.line;
		e->els = NULL;
		e->body.e = NULL;
		e->body.n = 0;
		e->value = NULL;
		if (accept(p, TOK_UNIFY) || accept(p, TOK_ASSIGN)) {
			e->value = parse_in(p);
			if (!e->value)
				return NULL;
		}
		if (!parse_rule_body(p, e))
			return NULL;
		tail->els = e;
		tail = e;
	}
	return r;
}

/* package a.b["c"] / import data.x.y as z: a ref of names. */
static struct term *parse_name_ref(struct parser *p)
{
	if (!is(p, TOK_IDENT)) {
		fail(p, "unexpected %s, expected a name", rego_tok_name(p->tok.type));
		return NULL;
	}
	return parse_primary(p);
}

static bool ref_strings(struct parser *p, const struct term *t, struct list *out,
			const char *what)
{
	size_t i;

	if (t->kind == T_VAR)
		return list_add(p, out, rv_cstring(p->a, t->u.var.name));
	if (t->kind != T_REF || t->u.ref.head->kind != T_VAR)
		return fail(p, "%s: expected a reference of names", what);
	if (!list_add(p, out, rv_cstring(p->a, t->u.ref.head->u.var.name)))
		return false;
	for (i = 0; i < t->u.ref.n; i++) {
		const struct term *e = t->u.ref.path[i];

		if (e->kind != T_VALUE || e->u.value->type != RV_STRING)
			return fail(p, "%s: expected a reference of names", what);
		if (!list_add(p, out, e->u.value))
			return false;
	}
	return true;
}

/* The name at position i of an import's path (import a.b.c), or NULL. */
static const char *import_name(const struct term *t, size_t i)
{
	const struct term *e;

	if (t->kind == T_VAR)
		return i == 0 ? t->u.var.name : NULL;
	if (t->kind != T_REF || t->u.ref.head->kind != T_VAR)
		return NULL;
	if (i == 0)
		return t->u.ref.head->u.var.name;
	if (i > t->u.ref.n)
		return NULL;
	e = t->u.ref.path[i - 1];
	return e->kind == T_VALUE && e->u.value->type == RV_STRING ?
	       e->u.value->u.str.s : NULL;
}

static bool name_is(const char *s, const char *w)
{
	return s && strcmp(s, w) == 0;
}

/* Keywords an import turns on for the rest of the module: rego.v2 and
 * future.keywords all of them, future.keywords.<kw> one. */
static void import_keywords(struct parser *p, const struct term *ref)
{
	const char *root = import_name(ref, 0), *kw;
	size_t n = ref->kind == T_REF ? ref->u.ref.n + 1 : 1;

	if (name_is(root, "rego") && n == 2 && name_is(import_name(ref, 1), "v2")) {
		p->kw_and = p->kw_or = p->not_bodies = true;
		return;
	}
	if (!name_is(root, "future") || !name_is(import_name(ref, 1), "keywords") || n > 3)
		return;
	kw = n == 3 ? import_name(ref, 2) : NULL;
	if (!kw || name_is(kw, "and"))
		p->kw_and = true;
	if (!kw || name_is(kw, "or"))
		p->kw_or = true;
	if (!kw || name_is(kw, "not"))
		p->not_bodies = true;
}

bool rego_parse_module(struct rv_arena *a, const char *file, const char *src,
		       size_t n, enum rego_syntax syntax, struct module **out,
		       struct eaa_err *err)
{
	struct parser p = { .a = a, .err = err, .file = file ? file : "<policy>" };
	struct list pkg = { 0 }, imports = { 0 }, rules = { 0 };
	struct module *m;
	struct term *t;
	bool rego_v1 = false, future = false;
	size_t i;

	rego_lex_init(&p.lx, p.file, src, n);
	if (!next(&p))
		return false;
	if (!expect(&p, TOK_PACKAGE, "at the start of the module") ||
	    !(t = parse_name_ref(&p)) || !ref_strings(&p, t, &pkg, "package"))
		return false;
	/* package data.x means package x */
	m = alloc(&p, sizeof(*m));
	if (!m)
		return false;
	m->file = p.file;
	while (is(&p, TOK_IMPORT)) {
		struct import *im = alloc(&p, sizeof(*im));

		if (!im)
			return false;
		im->line = p.tok.line;
		im->col = p.tok.col;
		next(&p);
		im->ref = parse_name_ref(&p);
		if (!im->ref)
			return false;
		import_keywords(&p, im->ref);
		if (accept(&p, TOK_AS)) {
			if (!is(&p, TOK_IDENT))
				return fail(&p, "unexpected %s, expected an alias",
					    rego_tok_name(p.tok.type));
			im->alias = tok_text(&p, &p.tok);
			next(&p);
		}
		if (!list_add(&p, &imports, im))
			return false;
	}
	while (!p.failed && !is(&p, TOK_EOF)) {
		struct rule *r = parse_rule(&p);

		if (!r)
			return false;
		if (!list_add(&p, &rules, r))
			return false;
		if (!is(&p, TOK_EOF) && !p.tok.nl_before && !is(&p, TOK_SEMICOLON))
			return fail(&p, "unexpected %s after rule %s, expected a new line",
				    rego_tok_name(p.tok.type), r->name);
		accept(&p, TOK_SEMICOLON);
	}
	if (p.failed)
		return false;
	m->imports = alloc(&p, (imports.n + 1) * sizeof(*m->imports));
	if (!m->imports)
		return false;
	for (i = 0; i < imports.n; i++) {
		struct import *im = imports.v[i];
		struct list path = { 0 };

		m->imports[i] = *im;
		if (!ref_strings(&p, im->ref, &path, "import"))
			return false;
		if (path.n == 2 &&
		    rv_equal(path.v[0], rv_cstring(a, "rego")) &&
		    (rv_equal(path.v[1], rv_cstring(a, "v1")) ||
		     rv_equal(path.v[1], rv_cstring(a, "v2"))))
			rego_v1 = true;
		if (path.n >= 2 &&
		    rv_equal(path.v[0], rv_cstring(a, "future")) &&
		    rv_equal(path.v[1], rv_cstring(a, "keywords")))
			future = true;
	}
	m->nimports = imports.n;
	/* A module that imports future keywords is v0 using some v1 words
	 * (OPA 0.x reads `p[x] if {...}` there as a partial set). */
	m->v1 = syntax == REGO_SYNTAX_V1 ||
		(syntax == REGO_SYNTAX_AUTO &&
		 (rego_v1 || (p.saw_v1 && !future)));
	for (i = 0; i < rules.n; i++) {
		struct rule *r = rules.v[i];

		if (r->kind == R_BRACKET) {
			r->kind = m->v1 ? R_OBJECT : R_SET;
			if (m->v1)
				r->value = NULL; /* true */
		}
	}
	/* package path: drop a leading "data" */
	i = pkg.n && rv_equal(pkg.v[0], rv_cstring(a, "data")) ? 1 : 0;
	m->pkg = (struct rv **)pkg.v + i;
	m->npkg = pkg.n - i;
	m->rules = (struct rule **)rules.v;
	m->nrules = rules.n;
	*out = m;
	return true;
}

bool rego_parse_query(struct rv_arena *a, const char *src, size_t n,
		      struct body **out, struct eaa_err *err)
{
	struct parser p = { .a = a, .err = err, .file = "<query>" };

	rego_lex_init(&p.lx, p.file, src, n);
	if (!next(&p))
		return false;
	*out = parse_body(&p, TOK_EOF);
	if (*out && (*out)->n == 0)
		return fail(&p, "empty query");
	return *out != NULL;
}
