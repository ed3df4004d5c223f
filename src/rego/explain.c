/* explain.c - why a query is false or undefined (rego_query_eval_explain
 * in eaa/rego.h).
 *
 * A second evaluation, run only when asked for: for the query, then for
 * each rule or function it reaches through the expression that failed,
 * every definition tried and the first expression in it that had no
 * solution, found by probing ever longer prefixes of the body (eval.h's
 * probes; rule values stay cached between probes). The failed
 * expression is described with the values its operands had in the first
 * solution of the prefix before it.
 *
 * Everything printed is bounded and plain: the whole text by the
 * caller's buffer, each value by XP_VALUE bytes and each expression by
 * XP_TERM, nesting by XP_DEPTH rules, definitions by XP_DEFS per rule;
 * strings are JSON literals with every byte outside printable ASCII
 * escaped, so a peer's input cannot forge lines or terminal sequences in
 * a log. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eval.h"
#include "explain.h"

#define XP_VALUE 80   /* bytes of one printed value */
#define XP_TERM 120   /* bytes of one printed expression */
#define XP_VALUES 3   /* values shown of a term that has several */
#define XP_DEPTH 4    /* rules and functions followed, nested */
#define XP_DEFS 16    /* definitions shown per rule */

/* A bounded writer: a full writer drops the rest. */
struct w {
	char *p;
	size_t len, cap; /* cap >= 1: room for the NUL */
	bool full;
};

static void w_put(struct w *w, const char *s, size_t n)
{
	if (w->full)
		return;
	if (n > w->cap - 1 - w->len) {
		n = w->cap - 1 - w->len;
		w->full = true;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
	w->p[w->len] = '\0';
}

static void w_puts(struct w *w, const char *s)
{
	w_put(w, s, strlen(s));
}

/* Names and file names: printable ASCII, anything else '?'. */
static void w_plain(struct w *w, const char *s)
{
	for (; s && *s && !w->full; s++) {
		char c = *s >= 0x20 && *s < 0x7f ? *s : '?';

		w_put(w, &c, 1);
	}
}

static void w_str(struct w *w, const char *s, size_t n)
{
	char esc[16];
	size_t i = 0;

	w_put(w, "\"", 1);
	while (i < n && !w->full) {
		uint32_t r;
		size_t len = rv_utf8_decode(s + i, n - i, &r);

		i += len;
		if (r == '"' || r == '\\') {
			esc[0] = '\\';
			esc[1] = (char)r;
			w_put(w, esc, 2);
		} else if (r >= 0x20 && r < 0x7f) {
			esc[0] = (char)r;
			w_put(w, esc, 1);
		} else if (r > 0xffff) {
			r -= 0x10000;
			snprintf(esc, sizeof(esc), "\\u%04x\\u%04x",
				 (unsigned)(0xd800 + (r >> 10)), (unsigned)(0xdc00 + (r & 0x3ff)));
			w_puts(w, esc);
		} else {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)r);
			w_puts(w, esc);
		}
	}
	w_put(w, "\"", 1);
}

static void w_value(struct w *w, const struct rv *v)
{
	struct rv_buf b = { 0 };
	size_t i, n;

	if (w->full)
		return;
	switch (v->type) {
	case RV_NULL:
		w_puts(w, "null");
		return;
	case RV_BOOL:
		w_puts(w, v->u.b ? "true" : "false");
		return;
	case RV_NUMBER:
		if (v->u.num.text) {
			w_plain(w, v->u.num.text);
			return;
		}
		rv_buf_number(&b, v);
		if (b.p && !b.failed)
			w_put(w, b.p, b.len);
		free(b.p);
		return;
	case RV_STRING:
		w_str(w, v->u.str.s, v->u.str.len);
		return;
	case RV_ARRAY:
	case RV_SET:
		w_put(w, v->type == RV_SET ? "{" : "[", 1);
		n = v->u.arr.n;
		for (i = 0; i < n && !w->full; i++) {
			if (i)
				w_put(w, ", ", 2);
			w_value(w, v->u.arr.v[i]);
		}
		w_put(w, v->type == RV_SET ? "}" : "]", 1);
		return;
	case RV_OBJECT:
		w_put(w, "{", 1);
		for (i = 0; i < v->u.obj.n && !w->full; i++) {
			if (i)
				w_put(w, ", ", 2);
			w_value(w, v->u.obj.k[i]);
			w_put(w, ": ", 2);
			w_value(w, v->u.obj.v[i]);
		}
		w_put(w, "}", 1);
		return;
	}
}

/* Short text: XP_VALUE or XP_TERM bytes, "..." when cut. */
struct text {
	char s[XP_TERM + 4];
};

static struct w text_w(struct text *t, size_t max)
{
	struct w w = { t->s, 0, max + 1, false };

	t->s[0] = '\0';
	return w;
}

static const char *text_end(struct text *t, const struct w *w)
{
	if (w->full)
		memcpy(t->s + w->len, "...", 4);
	return t->s;
}

static const char *value_text(struct text *t, const struct rv *v)
{
	struct w w = text_w(t, XP_VALUE);

	w_value(&w, v);
	return text_end(t, &w);
}

/* Values of a term: "1", or "1, 2, 3, ..." when it has several. */
static const char *values_text(struct text *t, struct rv *const *vals, size_t n,
			       bool more)
{
	struct w w = text_w(t, XP_VALUE);
	struct text one;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			w_put(&w, ", ", 2);
		w_puts(&w, value_text(&one, vals[i]));
	}
	if (more)
		w_put(&w, ", ...", 5);
	return text_end(t, &w);
}

/* ---- terms as written ---- */

static const char *infix(const struct term *t)
{
	static const struct {
		const char *name, *op;
	} ops[] = {
		{ "equal", "==" }, { "neq", "!=" }, { "lt", "<" }, { "lte", "<=" },
		{ "gt", ">" }, { "gte", ">=" }, { "plus", "+" }, { "minus", "-" },
		{ "mul", "*" }, { "div", "/" }, { "rem", "%" }, { "and", "&" },
		{ "or", "|" }, { "internal.member_2", "in" },
	};
	size_t i;

	if (t->kind != T_CALL || !t->u.call.builtin || t->u.call.n != 2)
		return NULL;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(t->u.call.builtin->name, ops[i].name) == 0)
			return ops[i].op;
	return NULL;
}

static bool is_ident(const struct rv *s)
{
	size_t i;

	if (!rv_is(s, RV_STRING) || s->u.str.len == 0)
		return false;
	for (i = 0; i < s->u.str.len; i++) {
		char c = s->u.str.s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i && c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

static void w_term(struct w *w, const struct term *t);

/* A rule's name written bare in its package: the compiler turned it into
 * a reference whose parts all sit where the name was. */
static bool bare_rule_name(const struct term *t)
{
	const struct term *h = t->u.ref.head;
	size_t i;

	if (h->kind != T_VAR || h->u.var.kind != V_DATA || t->u.ref.n == 0 || !h->line)
		return false;
	for (i = 0; i < t->u.ref.n; i++) {
		const struct term *e = t->u.ref.path[i];

		if (e->kind != T_VALUE || e->line != h->line || e->col != h->col)
			return false;
	}
	return is_ident(t->u.ref.path[t->u.ref.n - 1]->u.value);
}

static void w_terms(struct w *w, struct term *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && !w->full; i++) {
		if (i)
			w_put(w, ", ", 2);
		w_term(w, v[i]);
	}
}

static void w_term(struct w *w, const struct term *t)
{
	const char *op;
	size_t i;

	if (w->full)
		return;
	switch (t->kind) {
	case T_VALUE:
		w_value(w, t->u.value);
		return;
	case T_VAR:
		w_plain(w, t->u.var.name);
		return;
	case T_REF:
		if (bare_rule_name(t)) {
			/* `allow` as written, not the data.policy.allow the
			 * compiler made of it */
			w_plain(w, t->u.ref.path[t->u.ref.n - 1]->u.value->u.str.s);
			return;
		}
		w_term(w, t->u.ref.head);
		for (i = 0; i < t->u.ref.n; i++) {
			const struct term *e = t->u.ref.path[i];

			if (e->kind == T_VALUE && is_ident(e->u.value)) {
				w_put(w, ".", 1);
				w_plain(w, e->u.value->u.str.s);
			} else {
				w_put(w, "[", 1);
				w_term(w, e);
				w_put(w, "]", 1);
			}
		}
		return;
	case T_ARRAY:
		w_put(w, "[", 1);
		w_terms(w, t->u.coll.items, t->u.coll.n);
		w_put(w, "]", 1);
		return;
	case T_SET:
		w_put(w, "{", 1);
		w_terms(w, t->u.coll.items, t->u.coll.n);
		w_put(w, "}", 1);
		return;
	case T_OBJECT:
		w_put(w, "{", 1);
		for (i = 0; i < t->u.coll.n && !w->full; i++) {
			if (i)
				w_put(w, ", ", 2);
			w_term(w, t->u.coll.items[i]);
			w_put(w, ": ", 2);
			w_term(w, t->u.coll.vals[i]);
		}
		w_put(w, "}", 1);
		return;
	case T_ARRAY_COMP:
		w_puts(w, "[... | ...]");
		return;
	case T_SET_COMP:
	case T_OBJECT_COMP:
		w_puts(w, "{... | ...}");
		return;
	case T_CALL:
		if ((op = infix(t)) != NULL) {
			w_term(w, t->u.call.args[0]);
			w_put(w, " ", 1);
			w_puts(w, op);
			w_put(w, " ", 1);
			w_term(w, t->u.call.args[1]);
			return;
		}
		w_term(w, t->u.call.fn);
		w_put(w, "(", 1);
		w_terms(w, t->u.call.args, t->u.call.n);
		w_put(w, ")", 1);
		return;
	}
}

static const char *term_text(struct text *s, const struct term *t)
{
	struct w w = text_w(s, XP_TERM);

	w_term(&w, t);
	return text_end(s, &w);
}

static const char *expr_text(struct text *s, const struct expr *e)
{
	struct w w = text_w(s, XP_TERM);

	if (e->negated)
		w_puts(&w, "not ");
	switch (e->kind) {
	case E_TERM:
		w_term(&w, e->a);
		break;
	case E_UNIFY:
	case E_ASSIGN:
		w_term(&w, e->a);
		w_puts(&w, e->kind == E_UNIFY ? " = " : " := ");
		w_term(&w, e->b);
		break;
	case E_SOME_IN:
	case E_EVERY:
		w_puts(&w, e->kind == E_EVERY ? "every " : "some ");
		if (e->key) {
			w_term(&w, e->key);
			w_put(&w, ", ", 2);
		}
		w_term(&w, e->val);
		w_puts(&w, " in ");
		w_term(&w, e->coll);
		if (e->kind == E_EVERY)
			w_puts(&w, " { ... }");
		break;
	case E_SOME:
		w_puts(&w, "some ...");
		break;
	case E_AND:
	case E_OR:
	case E_NOT:
		w_puts(&w, e->kind == E_AND ? "... and ..." :
			   e->kind == E_OR ? "... or ..." : "not { ... }");
		break;
	}
	if (e->nwith)
		w_puts(&w, " with ...");
	return text_end(s, &w);
}

/* ---- the explanation ---- */

struct xp {
	struct ev *ev;
	const struct rego_policy *p;
	struct w out;
	size_t lines;
};

/* Where a line is about: the definition ("allow (p.rego:6): ") and the
 * expression's place (" (p.rego:8:5)"); either may be empty. */
struct site {
	const char *head, *loc;
};

static void say(struct xp *x, int depth, const struct site *at,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One line at depth (two spaces each); every argument is already plain
 * text (the *_text helpers), and vsnprintf's cut is the writer's. */
static void say(struct xp *x, int depth, const struct site *at,
		const char *fmt, ...)
{
	char buf[4 * XP_TERM + 4 * XP_VALUE];
	va_list ap;
	int i;

	if (x->out.full)
		return;
	if (x->lines++)
		w_put(&x->out, "\n", 1);
	for (i = 0; i < depth; i++)
		w_put(&x->out, "  ", 2);
	if (at)
		w_puts(&x->out, at->head);
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w_puts(&x->out, buf);
	if (at)
		w_puts(&x->out, at->loc);
}

static const char *where(struct text *s, const char *file, int ln, int col)
{
	struct w w = text_w(s, XP_TERM);
	char num[32];

	w_plain(&w, file ? file : "<policy>");
	snprintf(num, sizeof(num), col ? ":%d:%d" : ":%d", ln, col);
	w_puts(&w, num);
	return text_end(s, &w);
}

/* May t be evaluated in slots? Its variables must be bound, except those
 * a reference's path iterates over. */
static bool ready(struct rv **slots, const struct term *t, bool in_path)
{
	size_t i;

	switch (t->kind) {
	case T_VALUE:
		return true;
	case T_VAR:
		if (t->u.var.kind == V_INPUT || t->u.var.kind == V_DATA)
			return true;
		if (t->u.var.kind == V_UNRESOLVED || !slots)
			return false;
		return in_path || slots[t->u.var.slot] != NULL;
	case T_REF:
		if (!ready(slots, t->u.ref.head, false))
			return false;
		for (i = 0; i < t->u.ref.n; i++)
			if (!ready(slots, t->u.ref.path[i], t->u.ref.path[i]->kind == T_VAR))
				return false;
		return true;
	case T_ARRAY:
	case T_SET:
		for (i = 0; i < t->u.coll.n; i++)
			if (!ready(slots, t->u.coll.items[i], false))
				return false;
		return true;
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (!ready(slots, t->u.coll.items[i], false) ||
			    !ready(slots, t->u.coll.vals[i], false))
				return false;
		return true;
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		for (i = 0; i < t->u.comp.nfree; i++)
			if (!slots[t->u.comp.free[i]])
				return false;
		return true;
	case T_CALL: {
		unsigned nargs = t->u.call.builtin ? t->u.call.builtin->nargs :
				 t->u.call.func ? t->u.call.func->nargs : 0;

		if (t->u.call.n != nargs)
			return false;
		for (i = 0; i < t->u.call.n; i++)
			if (!ready(slots, t->u.call.args[i], false))
				return false;
		return true;
	}
	}
	return false;
}

/* A term's values: 1 defined (vals filled), 0 undefined, -1 error or
 * not evaluable here. */
struct vals {
	struct rv *v[XP_VALUES];
	size_t n;
	bool more;
};

static int values(struct xp *x, struct rv **slots, const struct term *t,
		  struct vals *out)
{
	out->n = 0;
	out->more = false;
	if (!ready(slots, t, false))
		return -1;
	if (ev_values(x->ev, slots, t, out->v, XP_VALUES, &out->n, &out->more) < 0)
		return -1;
	return out->n > 0;
}

/* The rule a reference names, when it names one (data.policy.allow). */
static const struct rule_group *ref_group(const struct rego_policy *p,
					  const struct term *t)
{
	const struct dnode *n = p->root;
	size_t i;

	if (t->kind != T_REF || t->u.ref.head->kind != T_VAR ||
	    t->u.ref.head->u.var.kind != V_DATA)
		return NULL;
	for (i = 0; n && i < t->u.ref.n; i++) {
		const struct term *e = t->u.ref.path[i];

		if (e->kind != T_VALUE || !rv_is(e->u.value, RV_STRING))
			return NULL;
		n = dnode_child(n, e->u.value);
	}
	return n && n->group && n->group->kind != R_FUNC ? n->group : NULL;
}

static void explain_group(struct xp *x, const struct rule_group *g,
			  struct rv *const *args, int depth);

/* A term that is false or undefined: say which, then follow the rule or
 * function it names. */
static void explain_value(struct xp *x, struct rv **slots, const struct term *t,
			  const struct site *at, int depth)
{
	struct text ts, vs, as;
	struct vals v, a;
	struct rv *args[8];
	const struct rule_group *g = ref_group(x->p, t);
	size_t i;

	if (t->kind == T_CALL && t->u.call.func && t->u.call.n <= 8) {
		/* a function: its arguments first */
		for (i = 0; i < t->u.call.n; i++) {
			int r = values(x, slots, t->u.call.args[i], &a);

			if (r == 0) {
				say(x, depth, at, "%s is undefined",
				     term_text(&ts, t->u.call.args[i]));
				return;
			}
			if (r < 0 || a.n != 1 || a.more)
				break;
			args[i] = a.v[0];
		}
		if (i == t->u.call.n) {
			struct rv *fv = ev_func_value(x->ev, t->u.call.func, args);

			if (ev_failed(x->ev))
				return;
			say(x, depth, at, "%s is %s", term_text(&ts, t),
			     fv ? value_text(&vs, fv) : "undefined");
			if (depth + 1 < XP_DEPTH)
				explain_group(x, t->u.call.func, args, depth + 1);
			return;
		}
	}
	if (t->kind == T_CALL) {
		/* a built-in: an undefined argument is the reason */
		for (i = 0; i < t->u.call.n; i++)
			if (values(x, slots, t->u.call.args[i], &a) == 0) {
				say(x, depth, at, "%s is undefined",
				     term_text(&ts, t->u.call.args[i]));
				return;
			}
	}
	switch (values(x, slots, t, &v)) {
	case 0:
		say(x, depth, at, "%s is undefined", term_text(&ts, t));
		break;
	case 1:
		if (t->kind == T_CALL && !infix(t)) {
			struct w w = text_w(&as, XP_VALUE);

			for (i = 0; i < t->u.call.n; i++) {
				if (i)
					w_put(&w, ", ", 2);
				if (values(x, slots, t->u.call.args[i], &a) == 1)
					w_puts(&w, values_text(&vs, a.v, a.n, a.more));
				else
					w_puts(&w, "?");
			}
			say(x, depth, at, "%s is %s (arguments: %s)", term_text(&ts, t),
			     values_text(&vs, v.v, v.n, v.more), text_end(&as, &w));
		} else {
			say(x, depth, at, "%s is %s", term_text(&ts, t),
			     values_text(&vs, v.v, v.n, v.more));
		}
		break;
	default:
		if (!ev_failed(x->ev))
			say(x, depth, at, "%s is false or undefined", term_text(&ts, t));
		return;
	}
	if (g && depth + 1 < XP_DEPTH)
		explain_group(x, g, NULL, depth + 1);
}

/* Two operands compared: either undefined, or both values. */
static void explain_pair(struct xp *x, struct rv **slots, const struct term *l,
			 const struct term *r, const char *op, const struct site *at,
			 int depth)
{
	struct text lt, rt, lv, rvt;
	struct vals a, b;
	int ra = values(x, slots, l, &a), rb = values(x, slots, r, &b);

	if (ra == 0 || rb == 0) {
		const struct term *u = ra == 0 ? l : r;
		const struct rule_group *g = ref_group(x->p, u);

		say(x, depth, at, "%s is undefined", term_text(&lt, u));
		if (g && depth + 1 < XP_DEPTH)
			explain_group(x, g, NULL, depth + 1);
		return;
	}
	if (ra < 0 && rb < 0) {
		if (!ev_failed(x->ev))
			say(x, depth, at, "%s %s %s is false", term_text(&lt, l), op,
			     term_text(&rt, r));
		return;
	}
	if (ra < 0 || rb < 0) {
		/* a pattern (x = input.y, [a, b] = v): what it did not match */
		say(x, depth, at, "%s %s %s (%s) fails", term_text(&lt, l), op,
		     term_text(&rt, r), values_text(&lv, ra < 0 ? b.v : a.v,
						    ra < 0 ? b.n : a.n,
						    ra < 0 ? b.more : a.more));
		return;
	}
	say(x, depth, at, "%s (%s) %s %s (%s) is false", term_text(&lt, l),
	     values_text(&lv, a.v, a.n, a.more), op, term_text(&rt, r),
	     values_text(&rvt, b.v, b.n, b.more));
}

/* Expression e had no solution after the frame slots: why. head names
 * the definition it is in ("" in the query). */
static void explain_expr(struct xp *x, const struct expr *e, struct rv **slots,
			 const char *head, int depth)
{
	struct text lt, et, tt, vt;
	struct vals v;
	const char *op, *file = e->a ? e->a->file : e->coll ? e->coll->file : NULL;
	struct site s = { head, "" }, *at = &s;
	struct w w = text_w(&lt, XP_TERM);

	if (file && head[0]) {
		/* the query's place is the caller's text, not a file */
		w_puts(&w, " (");
		w_puts(&w, where(&tt, file, e->line, e->col));
		w_puts(&w, ")");
		s.loc = text_end(&lt, &w);
	}
	if (e->nwith || e->kind == E_SOME || e->kind == E_AND ||
	    e->kind == E_OR || e->kind == E_NOT) {
		say(x, depth, at, "%s is false", expr_text(&et, e));
		return;
	}
	if (e->negated) {
		const struct term *t = e->kind == E_TERM ? e->a : NULL;

		if (t && values(x, slots, t, &v) == 1)
			say(x, depth, at, "%s fails: %s is %s", expr_text(&et, e),
			    term_text(&tt, t), values_text(&vt, v.v, v.n, v.more));
		else if (!ev_failed(x->ev))
			say(x, depth, at, "%s fails: it holds without the not",
			    expr_text(&et, e));
		return;
	}
	switch (e->kind) {
	case E_TERM:
		if ((op = infix(e->a)) != NULL && strcmp(op, "in") != 0 &&
		    !strchr("+-*/%&|", op[0]))
			explain_pair(x, slots, e->a->u.call.args[0], e->a->u.call.args[1],
				     op, at, depth);
		else
			explain_value(x, slots, e->a, at, depth);
		return;
	case E_UNIFY:
	case E_ASSIGN:
		explain_pair(x, slots, e->a, e->b, e->kind == E_UNIFY ? "=" : ":=",
			     at, depth);
		return;
	case E_SOME_IN:
	case E_EVERY:
		switch (values(x, slots, e->coll, &v)) {
		case 0:
			say(x, depth, at, "%s is undefined", term_text(&et, e->coll));
			return;
		case 1:
			say(x, depth, at, "%s fails on %s (%s)", expr_text(&et, e),
			    term_text(&tt, e->coll), values_text(&vt, v.v, v.n, v.more));
			return;
		default:
			if (!ev_failed(x->ev))
				say(x, depth, at, "%s fails", expr_text(&et, e));
			return;
		}
	default:
		return;
	}
}

/* The first expression of body b (of rule r, or the query's) without a
 * solution, explained; true when the whole body holds (its frame in
 * *held). */
static bool explain_body(struct xp *x, const struct rule *r,
			 struct rv *const *args, const struct body *b, int nslots,
			 const char *head, int depth, struct rv ***held)
{
	struct rv **prev = NULL, **slots;
	struct site s = { head, "" };
	size_t i;
	int res;

	*held = NULL;
	res = ev_probe(x->ev, r, args, b, 0, nslots, &prev);
	if (res <= 0) {
		if (res == 0)
			say(x, depth, &s, "its arguments do not match");
		return false;
	}
	for (i = 1; i <= b->n; i++) {
		res = ev_probe(x->ev, r, args, b, i, nslots, &slots);
		if (res < 0)
			return false;
		if (res == 0) {
			explain_expr(x, b->e[i - 1], prev, head, depth);
			return false;
		}
		prev = slots;
	}
	*held = prev;
	return true;
}

static void explain_group(struct xp *x, const struct rule_group *g,
			  struct rv *const *args, int depth)
{
	const struct rule *r, *e;
	struct text at, vt, lt, nt;
	struct rv **held;
	size_t n = 0;
	struct w name = text_w(&nt, XP_TERM);

	w_plain(&name, g->name);
	text_end(&nt, &name);
	for (r = g->first; r && !x->out.full; r = r->next) {
		for (e = r; e && !x->out.full; e = e->els) {
			struct w w = text_w(&lt, XP_TERM);

			if (n++ == XP_DEFS) {
				say(x, depth, NULL, "(more definitions of %s not shown)", nt.s);
				return;
			}
			w_puts(&w, e == r ? "" : "else of ");
			w_puts(&w, nt.s);
			w_puts(&w, " (");
			w_puts(&w, where(&at, e->file, e->line, 0));
			w_puts(&w, "): ");
			text_end(&lt, &w);
			if (explain_body(x, e, args, &e->body, e->nslots, lt.s, depth,
					 &held)) {
				struct vals v;
				int res = e->value ? values(x, held, e->value, &v) : -1;
				struct site s = { lt.s, "" };

				say(x, depth, &s, "holds, value %s",
				    res == 1 ? values_text(&vt, v.v, v.n, v.more) :
				    e->value ? "undefined" : "true");
				break;
			}
			if (ev_failed(x->ev))
				return;
		}
	}
	if (g->def && g->def->value && !x->out.full && !ev_failed(x->ev)) {
		struct vals v;
		int res = values(x, NULL, g->def->value, &v);

		say(x, depth, NULL, "default %s (%s): %s", nt.s,
		    where(&at, g->def->file, g->def->line, 0),
		    res == 1 ? values_text(&vt, v.v, v.n, v.more) : "undefined");
	}
}

void rego_explain_query(const struct rego_policy *p, const struct query *q,
			struct rv_arena *a, struct rv *input, bool strict,
			const struct rego_limits_int *lim, char *why, size_t cap)
{
	struct xp x = { NULL, p, { why, 0, cap, false }, 0 };
	struct eaa_err err = { 0 };
	struct rv **held;
	struct text tt;

	if (cap == 0)
		return;
	why[0] = '\0';
	if (!(x.ev = ev_open(p, a, input, strict, lim, &err))) {
		say(&x, 0, NULL, "(no explanation: out of memory)");
		return;
	}
	if (explain_body(&x, NULL, NULL, q->body, q->nslots, "", 0, &held) &&
	    q->body->n) {
		/* the query holds with a false value (x := data.p.allow) */
		const struct expr *e = q->body->e[q->body->n - 1];
		const struct term *t = e->kind == E_ASSIGN || e->kind == E_UNIFY ? e->b :
				       e->kind == E_TERM ? e->a : NULL;
		const struct rule_group *g = t ? ref_group(p, t) : NULL;

		say(&x, 0, NULL, "%s is false", t ? term_text(&tt, t) : "the query");
		if (g)
			explain_group(&x, g, NULL, 1);
	}
	if (ev_failed(x.ev)) {
		struct w w = text_w(&tt, XP_TERM);

		w_plain(&w, err.msg);
		say(&x, 0, NULL, "(explanation stopped: %s)", text_end(&tt, &w));
	}
	if (x.out.full && cap > 4)
		memcpy(why + cap - 4, "...", 4);
}
