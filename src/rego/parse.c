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

/* Is t a name that can be called: a var, or a ref of a var with only
 * constant string elements (strings.replace_n, data.lib.f)? */
static bool callable(const struct term *t)
{
	size_t i;

	if (t->kind == T_VAR)
		return true;
	if (t->kind != T_REF || t->u.ref.head->kind != T_VAR)
		return false;
	for (i = 0; i < t->u.ref.n; i++)
		if (t->u.ref.path[i]->kind != T_VALUE ||
		    t->u.ref.path[i]->u.value->type != RV_STRING)
			return false;
	return true;
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
		} else if (is(p, TOK_LPAREN) && callable(t)) {
			next(p);
			t = parse_call_args(p, t);
		} else {
			break;
		}
		(void)at;
	}
	return p->failed ? NULL : t;
}

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
	case TOK_STRING:
	case TOK_RAWSTRING:
		t = value_term(p, string_value(p, &at), &at);
		next(p);
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

static struct expr *parse_literal(struct parser *p)
{
	struct rego_token at = p->tok;
	struct list withs = { 0 };
	struct expr *e;
	bool negated = false;

	if (!enter(p))
		return NULL;
	if (is(p, TOK_SOME) || is(p, TOK_EVERY)) {
		e = parse_some_every(p, is(p, TOK_EVERY));
		goto with;
	}
	if (accept(p, TOK_NOT))
		negated = true;
	e = expr_new(p, E_TERM, &at);
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
with:
	while (e && accept(p, TOK_WITH)) {
		struct with *w = alloc(p, sizeof(*w));

		if (!w || !list_add(p, &withs, w))
			return NULL;
		w->target = parse_primary(p);
		if (!w->target || !expect(p, TOK_AS, "in with"))
			return NULL;
		w->value = parse_in(p);
		if (!w->value)
			return NULL;
	}
	if (e && withs.n) {
		struct with *ws = alloc(p, withs.n * sizeof(*ws));
		size_t i;

		if (!ws)
			return NULL;
		for (i = 0; i < withs.n; i++)
			ws[i] = *(struct with *)withs.v[i];
		e->with = ws;
		e->nwith = withs.n;
	}
	p->depth--;
	return p->failed ? NULL : e;
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

static struct rule *parse_rule(struct parser *p, struct list *hpath)
{
	struct rego_token at = p->tok;
	struct rule *r = rule_new(p, &at), *tail;
	bool is_default = accept(p, TOK_DEFAULT);

	if (!r)
		return NULL;
	r->is_default = is_default;
	if (!is(p, TOK_IDENT)) {
		fail(p, "unexpected %s, expected a rule name",
		     rego_tok_name(p->tok.type));
		return NULL;
	}
	r->name = tok_text(p, &p->tok);
	next(p);
	/* Dotted heads (a.b.c := 1) put the rule in a nested path. */
	while (!p->tok.nl_before && accept(p, TOK_DOT)) {
		if (!is(p, TOK_IDENT)) {
			fail(p, "unexpected %s in rule head, expected a name",
			     rego_tok_name(p->tok.type));
			return NULL;
		}
		if (!list_add(p, hpath, (void *)r->name))
			return NULL;
		r->name = tok_text(p, &p->tok);
		next(p);
	}
	r->kind = R_COMPLETE;
	if (!p->tok.nl_before && accept(p, TOK_LPAREN)) {
		struct list args = { 0 };

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
	} else if (!p->tok.nl_before && accept(p, TOK_LBRACK)) {
		r->kind = R_BRACKET;
		r->key = parse_in_nested(p);
		if (!r->key || !expect(p, TOK_RBRACK, "in rule head"))
			return NULL;
	}
	if (r->kind == R_COMPLETE && accept(p, TOK_CONTAINS)) {
		p->saw_v1 = true;
		r->kind = R_SET;
		r->key = parse_in(p);
		if (!r->key)
			return NULL;
	}
	if (r->kind != R_SET && (accept(p, TOK_UNIFY) || accept(p, TOK_ASSIGN))) {
		if (r->kind == R_BRACKET)
			r->kind = R_OBJECT;
		r->value = parse_in(p);
		if (!r->value)
			return NULL;
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
		struct list hpath = { 0 };
		struct rule *r = parse_rule(&p, &hpath);

		if (!r)
			return false;
		if (hpath.n) {
			/* Dotted heads: keep the extra path in the name,
			 * joined with '.', for the compiler to split. */
			size_t len = strlen(r->name) + 1;
			char *name;

			for (i = 0; i < hpath.n; i++)
				len += strlen(hpath.v[i]) + 1;
			name = alloc(&p, len);
			if (!name)
				return false;
			name[0] = '\0';
			for (i = 0; i < hpath.n; i++) {
				strcat(name, hpath.v[i]);
				strcat(name, ".");
			}
			strcat(name, r->name);
			r->name = name;
		}
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
		    rv_equal(path.v[1], rv_cstring(a, "v1")))
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
