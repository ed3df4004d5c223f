/* rego.c - the public API of eaa/rego.h over the parser, compiler and
 * evaluator. */
#include <stdlib.h>
#include <string.h>
#include "eval.h"
#include "explain.h"
#include "parse.h"

#define DEFAULT_MAX_STEPS 10000000UL
#define DEFAULT_MAX_DEPTH 1000u
#define DEFAULT_MAX_BYTES (256u * 1024u * 1024u)

struct rego_builder {
	struct rego_policy *p;
};

struct rego_query {
	const struct rego_policy *p;
	struct rv_arena arena;
	struct query q;
};

static void to_public(struct rego_error *out, const struct eaa_err *in)
{
	if (!out)
		return;
	out->code = in->code;
	memcpy(out->msg, in->msg, sizeof(out->msg));
	out->msg[sizeof(out->msg) - 1] = '\0';
}

static bool fail_public(struct rego_error *out, enum eaa_code code,
			const char *msg)
{
	struct eaa_err e;

	eaa_fail(&e, code, "%s", msg);
	to_public(out, &e);
	return false;
}

struct rego_builder *rego_builder_new(void)
{
	struct rego_builder *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->p = calloc(1, sizeof(*b->p));
	if (!b->p) {
		free(b);
		return NULL;
	}
	rv_arena_init(&b->p->arena, 0);
	return b;
}

bool rego_builder_add_module(struct rego_builder *b, const char *file,
			     const char *src, size_t len, enum rego_syntax syntax,
			     struct rego_error *err)
{
	struct rego_policy *p = b->p;
	struct module *m;
	struct eaa_err e;
	char *copy = rv_strndup(&p->arena, src, len);
	const char *name = rv_strndup(&p->arena, file ? file : "<policy>",
				      strlen(file ? file : "<policy>"));

	if (!copy || !name)
		return fail_public(err, EAA_E_NOMEM, "out of memory");
	if (!rego_parse_module(&p->arena, name, copy, len, syntax, &m, &e)) {
		to_public(err, &e);
		return false;
	}
	if (p->nmods == p->capmods) {
		size_t cap = p->capmods ? p->capmods * 2 : 4;
		struct module **v = rv_alloc(&p->arena, cap * sizeof(*v));

		if (!v)
			return fail_public(err, EAA_E_NOMEM, "out of memory");
		if (p->nmods)
			memcpy(v, p->mods, p->nmods * sizeof(*v));
		p->mods = v;
		p->capmods = cap;
	}
	p->mods[p->nmods++] = m;
	return true;
}

/* x with y merged in: y's value wins, objects under the same key are
 * merged (depth bounded by the JSON reader's nesting limit). */
static struct rv *merge_data(struct rv_arena *a, struct rv *x, struct rv *y)
{
	struct rv_builder b;
	size_t i;

	if (!rv_is(x, RV_OBJECT) || !rv_is(y, RV_OBJECT))
		return y;
	rv_builder_init(&b, a);
	for (i = 0; i < x->u.obj.n; i++) {
		struct rv *yv = rv_object_get(y, x->u.obj.k[i]);

		rv_builder_put(&b, x->u.obj.k[i],
			       yv ? merge_data(a, x->u.obj.v[i], yv) : x->u.obj.v[i]);
	}
	for (i = 0; i < y->u.obj.n; i++)
		if (!rv_object_get(x, y->u.obj.k[i]))
			rv_builder_put(&b, y->u.obj.k[i], y->u.obj.v[i]);
	return rv_object_finish(&b, NULL);
}

bool rego_builder_add_data(struct rego_builder *b, const char *json,
			   size_t len, struct rego_error *err)
{
	struct rv *old = b->p->data;

	if (!rego_builder_set_data(b, json, len, err))
		return false;
	if (old && !(b->p->data = merge_data(&b->p->arena, old, b->p->data)))
		return fail_public(err, EAA_E_NOMEM, "data: out of memory");
	return true;
}

bool rego_builder_set_data(struct rego_builder *b, const char *json,
			   size_t len, struct rego_error *err)
{
	struct eaa_err e;
	struct rv *v = rv_from_json(&b->p->arena, json, len, &e);

	if (!v) {
		eaa_err_prefix(&e, "data");
		to_public(err, &e);
		return false;
	}
	if (v->type != RV_OBJECT)
		return fail_public(err, EAA_E_FORMAT, "data: the document must be a JSON object");
	b->p->data = v;
	return true;
}

void rego_policy_free(struct rego_policy *p)
{
	if (!p)
		return;
	rv_arena_free(&p->arena);
	free(p);
}

void rego_builder_free(struct rego_builder *b)
{
	if (!b)
		return;
	rego_policy_free(b->p);
	free(b);
}

struct rego_policy *rego_builder_compile(struct rego_builder *b,
					 struct rego_error *err)
{
	struct rego_policy *p = b->p;
	struct eaa_err e;

	b->p = NULL;
	rego_builder_free(b);
	if (!rego_compile_modules(p, &e)) {
		to_public(err, &e);
		rego_policy_free(p);
		return NULL;
	}
	if (!p->data)
		p->data = rv_empty_object();
	return p;
}

struct rego_query *rego_query_compile(const struct rego_policy *p,
				      const char *src, struct rego_error *err)
{
	struct rego_query *q = calloc(1, sizeof(*q));
	struct body *b;
	struct eaa_err e;
	char *copy;

	if (!q) {
		fail_public(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	q->p = p;
	rv_arena_init(&q->arena, 0);
	copy = rv_strndup(&q->arena, src, strlen(src));
	if (!copy || !rego_parse_query(&q->arena, copy, strlen(copy), &b, &e) ||
	    !rego_compile_query(p, &q->arena, b, &q->q, &e)) {
		if (!copy)
			eaa_fail(&e, EAA_E_NOMEM, "out of memory");
		to_public(err, &e);
		rego_query_free(q);
		return NULL;
	}
	return q;
}

void rego_query_free(struct rego_query *q)
{
	if (!q)
		return;
	rv_arena_free(&q->arena);
	free(q);
}

static void limits(const struct rego_limits *in, struct rego_limits_int *out,
		   bool *strict)
{
	out->max_steps = in && in->max_steps ? in->max_steps : DEFAULT_MAX_STEPS;
	out->max_depth = in && in->max_depth ? in->max_depth : DEFAULT_MAX_DEPTH;
	out->max_bytes = in && in->max_bytes ? in->max_bytes : DEFAULT_MAX_BYTES;
	*strict = in && in->strict;
}

struct first {
	const struct query *q;
	struct rv *value;
	bool found;
};

static bool take_first(void *ctx, struct rv *const *slots)
{
	struct first *f = ctx;

	f->found = true;
	f->value = f->q->value_slot >= 0 ? slots[f->q->value_slot] : rv_bool(true);
	return false;
}

static bool parse_input(struct rv_arena *a, const char *json, size_t len,
			struct rv **input, struct eaa_err *e)
{
	*input = NULL;
	if (!json)
		return true;
	*input = rv_from_json(a, json, len, e);
	if (!*input)
		eaa_err_prefix(e, "input");
	return *input != NULL;
}

enum rego_result rego_query_eval(const struct rego_query *q,
				 const char *input_json, size_t input_len,
				 const struct rego_limits *lim, char **out,
				 struct rego_error *err)
{
	struct rego_limits_int li;
	struct rv_arena a;
	struct first f = { &q->q, NULL, false };
	struct rv *input;
	struct eaa_err e;
	bool strict, ok;

	if (out)
		*out = NULL;
	limits(lim, &li, &strict);
	rv_arena_init(&a, li.max_bytes);
	ok = parse_input(&a, input_json, input_len, &input, &e) &&
	     rego_eval(q->p, &q->q, &a, input, strict, &li, take_first, &f, &e);
	if (ok && f.found && out && !(*out = rv_to_json(f.value, false))) {
		eaa_fail(&e, EAA_E_NOMEM, "out of memory");
		ok = false;
	}
	rv_arena_free(&a);
	if (!ok) {
		to_public(err, &e);
		return REGO_ERROR;
	}
	return f.found ? REGO_DEFINED : REGO_UNDEFINED;
}

enum rego_result rego_query_eval_explain(const struct rego_query *q,
					 const char *input_json, size_t input_len,
					 const struct rego_limits *lim, char **out,
					 char *why, size_t cap,
					 struct rego_error *err)
{
	struct rego_limits_int li;
	struct rv_arena a;
	struct rv *input;
	struct eaa_err e;
	bool strict;
	char *value = NULL;
	enum rego_result r;

	if (cap)
		why[0] = '\0';
	r = rego_query_eval(q, input_json, input_len, lim, &value, err);
	if (cap && (r == REGO_UNDEFINED || (r == REGO_DEFINED && value &&
					    strcmp(value, "false") == 0))) {
		limits(lim, &li, &strict);
		rv_arena_init(&a, li.max_bytes);
		if (parse_input(&a, input_json, input_len, &input, &e))
			rego_explain_query(q->p, &q->q, &a, input, strict, &li, why, cap);
		rv_arena_free(&a);
	}
	if (out)
		*out = value;
	else
		free(value);
	return r;
}

struct all {
	const struct query *q;
	struct rv_buf *buf;
	bool pretty;
	size_t n;
	struct rv_arena *a;
};

static bool add_solution(void *ctx, struct rv *const *slots)
{
	struct all *s = ctx;
	struct rv_builder exprs, bindings, one;
	struct rv *v, *obj;
	size_t i;
	int slot;

	rv_builder_init(&exprs, s->a);
	for (i = 0; i < s->q->nexpr; i++) {
		slot = s->q->expr_slot[i];
		rv_builder_init(&one, s->a);
		rv_builder_put(&one, rv_cstring(s->a, "value"),
			       slot >= 0 ? slots[slot] : rv_bool(true));
		rv_builder_add(&exprs, rv_object_finish(&one, NULL));
	}
	rv_builder_init(&bindings, s->a);
	for (slot = 0; slot < s->q->nslots; slot++)
		if (s->q->user[slot] && slots[slot])
			rv_builder_put(&bindings, rv_cstring(s->a, s->q->names[slot]),
				       slots[slot]);
	rv_builder_init(&one, s->a);
	rv_builder_put(&one, rv_cstring(s->a, "expressions"), rv_array_finish(&exprs));
	v = rv_object_finish(&bindings, NULL);
	if (v && v->u.obj.n)
		rv_builder_put(&one, rv_cstring(s->a, "bindings"), v);
	obj = rv_object_finish(&one, NULL);
	if (!obj) {
		s->buf->failed = true;
		return false;
	}
	if (s->n++)
		rv_buf_puts(s->buf, ",", 1);
	if (s->pretty)
		rv_buf_puts(s->buf, "\n    ", 5);
	rv_buf_json(s->buf, obj, s->pretty, 2);
	return !s->buf->failed;
}

enum rego_result rego_query_eval_all(const struct rego_query *q,
				     const char *input_json, size_t input_len,
				     const struct rego_limits *lim, bool pretty,
				     char **out, struct rego_error *err)
{
	struct rego_limits_int li;
	struct rv_arena a;
	struct rv_buf buf = { 0 };
	struct all s = { &q->q, &buf, pretty, 0, &a };
	struct rv *input;
	struct eaa_err e;
	bool strict, ok;

	*out = NULL;
	limits(lim, &li, &strict);
	rv_arena_init(&a, li.max_bytes);
	rv_buf_puts(&buf, pretty ? "{\n  \"result\": [" : "{\"result\":[",
		    pretty ? 14 : 11);
	ok = parse_input(&a, input_json, input_len, &input, &e) &&
	     rego_eval(q->p, &q->q, &a, input, strict, &li, add_solution, &s, &e);
	rv_arena_free(&a);
	if (ok && s.n == 0) {
		buf.len = 0;
		rv_buf_puts(&buf, "{}", 2);
	} else {
		rv_buf_puts(&buf, pretty ? "\n  ]\n}" : "]}", pretty ? 6 : 2);
	}
	if (ok && buf.failed) {
		eaa_fail(&e, EAA_E_NOMEM, "out of memory");
		ok = false;
	}
	if (!ok) {
		free(buf.p);
		to_public(err, &e);
		return REGO_ERROR;
	}
	*out = buf.p;
	return s.n ? REGO_DEFINED : REGO_UNDEFINED;
}
