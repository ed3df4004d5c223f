/* eval.c - top-down evaluation of compiled Rego (see eval.h).
 *
 * Every evaluator function takes a continuation `k` and calls it once per
 * solution; bindings made for a solution are undone when the continuation
 * returns, so backtracking is the C stack unwinding. A continuation
 * returns EV_MORE to ask for further solutions, EV_STOP when it has what
 * it needs (negation, every, first-solution searches), EV_ERR to abort.
 * Continuation environments live on the stack of the function that made
 * them, which is still running whenever they are called. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "doctree.h"
#include "eval.h"

enum { EV_MORE = 0, EV_STOP = 1, EV_ERR = -1 };

struct ev;
struct frame {
	struct rv **slots;
};

typedef int (*kfn)(struct ev *ev, void *env, struct rv *v);
struct k {
	kfn fn;
	void *env;
};

static inline int kcall(struct ev *ev, const struct k *k, struct rv *v)
{
	return k->fn(ev, k->env, v);
}

/* The part of the state `with` replaces. */
struct wstate {
	struct rv *input;
	struct rv *data;                  /* base document */
	const struct dnode **masked;      /* rule nodes replaced by data */
	size_t nmasked;
	struct rv **cache;                /* per rule group, no arguments */
	unsigned char *cstate;
	const struct mock *mocks;         /* functions replaced by `with`, */
	size_t nmocks;                    /* the innermost last */
};

struct mock {
	const struct with *w;
	struct rv *value;                 /* when not replaced by a function */
};

enum { C_NONE, C_BUSY, C_DONE, C_CONFLICT /* tree nodes */ };

struct ev {
	const struct rego_policy *p;
	struct rv_arena *a;
	struct wstate w;
	unsigned long steps, max_steps;
	unsigned depth, max_depth;
	uintptr_t stack_base;   /* where the evaluation's C stack began */
	bool strict;
	int64_t now_ns;
	struct eaa_err *err;
	bool failed;
};

static int efail(struct ev *ev, const char *code, const struct term *at,
		 const char *fmt, ...) EAA_PRINTF(4, 5);

static int efail(struct ev *ev, const char *code, const struct term *at,
		 const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (ev->failed)
		return EV_ERR;
	ev->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at && at->line)
		eaa_fail(ev->err, EAA_E_REJECTED, "%s:%d:%d: %s: %s",
			 at->file ? at->file : "<policy>", at->line, at->col, code, msg);
	else
		eaa_fail(ev->err, EAA_E_REJECTED, "%s: %s", code, msg);
	return EV_ERR;
}

static int nomem(struct ev *ev)
{
	return efail(ev, "eval_limit_error", NULL, ev->a->exhausted ?
		     "evaluation memory limit (%zu bytes) reached" :
		     "out of memory", ev->a->limit);
}

static int step(struct ev *ev, const struct term *at)
{
	if (++ev->steps > ev->max_steps)
		return efail(ev, "eval_limit_error", at,
			     "evaluation step limit (%lu) reached", ev->max_steps);
	return EV_MORE;
}

/* The C stack this evaluation may use. Continuations nest, so deep
 * bodies and recursion use stack in proportion; the depth count alone
 * cannot bound bytes (sanitizers make frames several times larger). */
#define STACK_BUDGET (2u * 1024u * 1024u)

static int enter(struct ev *ev, const struct term *at)
{
	char here;
	uintptr_t sp = (uintptr_t)&here;
	size_t used = ev->stack_base > sp ? ev->stack_base - sp : sp - ev->stack_base;

	if (++ev->depth > ev->max_depth || used > STACK_BUDGET) {
		ev->depth--;
		return efail(ev, "eval_limit_error", at,
			     "evaluation depth limit (%u levels or %u KiB of stack) reached (unbounded recursion?)",
			     ev->max_depth, STACK_BUDGET / 1024u);
	}
	return EV_MORE;
}

static int eval_term(struct ev *ev, struct frame *fr, const struct term *t,
		     const struct k *k);
static int eval_body(struct ev *ev, struct frame *fr, const struct body *b,
		     size_t i, const struct k *k);
static int unify_tv(struct ev *ev, struct frame *fr, const struct term *t,
		    struct rv *v, const struct k *k);
static struct rv *eval_group(struct ev *ev, const struct rule_group *g,
			     bool *err);

static bool needs_binding(const struct frame *fr, const struct term *t);

static bool is_local(const struct term *t)
{
	return t->kind == T_VAR &&
	       (t->u.var.kind == V_LOCAL || t->u.var.kind == V_WILD);
}

static bool unbound(const struct frame *fr, const struct term *t)
{
	return is_local(t) && !fr->slots[t->u.var.slot];
}

/* ---- data: the base document merged with rules ---- */

static bool masked(const struct ev *ev, const struct dnode *n)
{
	size_t i;

	for (i = 0; i < ev->w.nmasked; i++)
		if (ev->w.masked[i] == n)
			return true;
	return false;
}

/* A node whose rules do not sit one per path: general heads start here,
 * or a rule here has rules below it (p.q[x] := 1 beside p.q.r := 2). */
static bool tree_node(const struct dnode *n)
{
	return n->gen || (n->group && n->nkids);
}

static enum dt_result tree_collect(struct ev *ev, struct doctree *t,
				   const struct dnode *n, struct rv **path,
				   size_t depth, size_t cap, struct rv *only,
				   bool *err);

static int tree_conflict(struct ev *ev, const struct dnode *n)
{
	const struct rule_group *g = n->gen ? n->gen : n->group;
	struct term at = { .line = 0 };

	if (g) {
		at.line = g->line;
		at.col = g->col;
		at.file = g->file;
	}
	return efail(ev, "eval_conflict_error", g ? &at : NULL,
		     "object keys must be unique");
}

/* The document at a tree node: what every rule at and below it puts
 * there, then the base document's other keys; cached. With only, just
 * the value at that key, from the rules that can reach it (not cached):
 * OPA reports a conflict only where it reads. quiet: a conflict is no
 * error here but a mark (C_CONFLICT) for the caller to read by key. */
static struct rv *tree_value(struct ev *ev, const struct dnode *n,
			     struct rv *base, struct rv *only, bool quiet,
			     bool *err)
{
	struct doctree *t;
	struct rv **path;
	struct rv_builder b;
	struct rv *v;
	enum dt_result r;
	bool conflict = false;
	size_t i;

	if (!only && ev->w.cstate[n->tree_id] == C_DONE)
		return ev->w.cache[n->tree_id];
	if (!only && ev->w.cstate[n->tree_id] == C_CONFLICT) {
		if (!quiet)
			*err = tree_conflict(ev, n) == EV_ERR;
		return NULL;
	}
	t = dt_new(ev->a);
	path = rv_alloc(ev->a, 64 * sizeof(*path));
	if (!t || !path) {
		*err = nomem(ev) == EV_ERR;
		return NULL;
	}
	r = tree_collect(ev, t, n, path, 0, 64, only, err);
	if (*err)
		return NULL;
	v = r == DT_OK ? dt_value(t, &conflict) : NULL;
	if (conflict) {
		if (!only)
			ev->w.cstate[n->tree_id] = C_CONFLICT;
		if (!quiet)
			*err = tree_conflict(ev, n) == EV_ERR;
		return NULL;
	}
	if (!v) {
		*err = nomem(ev) == EV_ERR;
		return NULL;
	}
	if (only) {
		struct rv *sub = rv_get(v, only);

		return sub ? sub : base ? rv_get(base, only) : NULL;
	}
	if (base && base->type == RV_OBJECT && v->type == RV_OBJECT) {
		rv_builder_init(&b, ev->a);
		for (i = 0; i < v->u.obj.n; i++)
			rv_builder_put(&b, v->u.obj.k[i], v->u.obj.v[i]);
		for (i = 0; i < base->u.obj.n; i++)
			if (!rv_object_get(v, base->u.obj.k[i]))
				rv_builder_put(&b, base->u.obj.k[i], base->u.obj.v[i]);
		v = rv_object_finish(&b, NULL);
		if (!v) {
			*err = nomem(ev) == EV_ERR;
			return NULL;
		}
	}
	ev->w.cache[n->tree_id] = v;
	ev->w.cstate[n->tree_id] = C_DONE;
	return v;
}

/* The whole document at a node: its rules' values over the base. */
static struct rv *subtree_value(struct ev *ev, const struct dnode *n,
				struct rv *base, bool *err)
{
	struct rv_builder b;
	struct rv *v;
	size_t i;

	if (n && masked(ev, n))
		n = NULL;
	if (!n)
		return base;
	if (tree_node(n))
		return tree_value(ev, n, base, NULL, false, err);
	if (n->group) {
		if (n->group->kind == R_FUNC)
			return NULL;
		return eval_group(ev, n->group, err);
	}
	rv_builder_init(&b, ev->a);
	for (i = 0; i < n->nkids; i++) {
		struct rv *sub = base ? rv_get(base, n->kids[i]->name) : NULL;

		/* a rule and a base document at one path: OPA gives the
		 * base document when the enclosing package is read whole */
		if (sub && n->kids[i]->group) {
			rv_builder_put(&b, n->kids[i]->name, sub);
			continue;
		}
		v = subtree_value(ev, n->kids[i], sub, err);
		if (*err)
			return NULL;
		if (v)
			rv_builder_put(&b, n->kids[i]->name, v);
	}
	if (base && base->type == RV_OBJECT)
		for (i = 0; i < base->u.obj.n; i++)
			if (!dnode_child(n, base->u.obj.k[i]))
				rv_builder_put(&b, base->u.obj.k[i], base->u.obj.v[i]);
	v = rv_object_finish(&b, NULL);
	if (!v)
		*err = nomem(ev) == EV_ERR;
	return v;
}

static int walk_value(struct ev *ev, struct frame *fr, struct rv *v,
		      const struct term *ref, size_t i, const struct k *k);

/* The j-th member of a collection as key and value: an array's index and
 * element, an object's key and value, a set's member twice. False when the
 * index number cannot be allocated. */
static bool member_at(struct ev *ev, struct rv *coll, size_t j, struct rv **key,
		      struct rv **val)
{
	switch (coll->type) {
	case RV_ARRAY:
		*val = coll->u.arr.v[j];
		*key = rv_int(ev->a, (int64_t)j);
		return *key != NULL;
	case RV_OBJECT:
		*key = coll->u.obj.k[j];
		*val = coll->u.obj.v[j];
		return true;
	default:
		*key = *val = coll->u.arr.v[j];
		return true;
	}
}

struct walk_env {
	struct frame *fr;
	struct rv *coll;
	const struct dnode *node;
	const struct term *ref;
	size_t i;
	const struct k *k;
	struct rv *key;     /* the key a pattern element is unified with */
	bool data;          /* walking data (rules and base) or a value */
	bool base;          /* the value is (inside) the base document */
};

/* OPA reads base documents by storage paths, whose elements are strings:
 * data[2] is data["2"], and data.arr["1"] the array's element 1 (Go's
 * Atoi). A value computed by a rule, or held in a variable, is indexed by
 * the key itself. */
static struct rv *base_get(struct ev *ev, struct rv *coll, struct rv *key)
{
	struct rv *sub = rv_get(coll, key), *s;
	char buf[32];
	char *t;

	if (!sub && rv_is(key, RV_STRING) && rv_is(coll, RV_ARRAY)) {
		const char *p = key->u.str.s;
		size_t n = key->u.str.len, j = p[0] == '+' || p[0] == '-';
		uint64_t at = 0;

		if (j == n || p[0] == '-')
			return NULL;
		for (; j < n; j++) {
			if (p[j] < '0' || p[j] > '9' || at > SIZE_MAX / 10)
				return NULL;
			at = at * 10 + (uint64_t)(p[j] - '0');
		}
		return at < coll->u.arr.n ? coll->u.arr.v[at] : NULL;
	}
	if (sub || !rv_is(key, RV_NUMBER) || !rv_is(coll, RV_OBJECT))
		return sub;
	if (key->u.num.text) {
		s = rv_cstring(ev->a, key->u.num.text);
	} else if (key->u.num.is_int) {
		snprintf(buf, sizeof(buf), "%lld", (long long)key->u.num.i);
		s = rv_cstring(ev->a, buf);
	} else {
		if (!(t = rv_to_json(key, false)))
			return NULL;
		s = rv_cstring(ev->a, t);
		free(t);
	}
	return s ? rv_get(coll, s) : NULL;
}

static int walk_coll(struct ev *ev, struct frame *fr, struct rv *v,
		     const struct term *ref, size_t i, const struct k *k,
		     bool base);

static int walk_data_key(struct ev *ev, void *env, struct rv *key);
static int walk_value_key(struct ev *ev, void *env, struct rv *key);

/* A path element that is a pattern ([1, x]) matches the keys it unifies
 * with; after unification, continue as if that key was given. */
static int walk_pattern_next(struct ev *ev, void *env, struct rv *unused)
{
	struct walk_env *w = env;

	return w->data ? walk_data_key(ev, w, w->key) : walk_value_key(ev, w, w->key);
}

static int walk_try_key(struct ev *ev, struct walk_env *w, const struct term *e,
			struct rv *key, bool data)
{
	struct walk_env x = *w;
	struct k k = { walk_pattern_next, &x };
	int r;

	if (is_local(e)) {
		/* the common case: bind the variable directly */
		w->fr->slots[e->u.var.slot] = key;
		r = data ? walk_data_key(ev, w, key) : walk_value_key(ev, w, key);
		w->fr->slots[e->u.var.slot] = NULL;
		return r;
	}
	x.key = key;
	x.data = data;
	return unify_tv(ev, w->fr, e, key, &k);
}

static int walk_data(struct ev *ev, struct frame *fr, const struct dnode *n,
		     struct rv *base, const struct term *ref, size_t i,
		     const struct k *k);

static int walk_data_key(struct ev *ev, void *env, struct rv *key)
{
	struct walk_env *w = env;
	const struct dnode *kid = dnode_child(w->node, key);
	struct rv *sub = w->coll ? base_get(ev, w->coll, key) : NULL;

	if (!kid && !sub)
		return EV_MORE;
	return walk_data(ev, w->fr, kid, sub, w->ref, w->i + 1, w->k);
}

/* A key read below a tree node whose whole document conflicts: build
 * just what lies under the key. */
static int tree_key(struct ev *ev, void *env, struct rv *key)
{
	struct walk_env *w = env;
	bool err = false;
	struct rv *v = tree_value(ev, w->node, w->coll, key, false, &err);

	if (err)
		return EV_ERR;
	return v ? walk_value(ev, w->fr, v, w->ref, w->i + 1, w->k) : EV_MORE;
}

static int walk_data(struct ev *ev, struct frame *fr, const struct dnode *n,
		     struct rv *base, const struct term *ref, size_t i,
		     const struct k *k)
{
	const struct term *e;
	struct walk_env w;
	struct rv *v;
	bool err = false;
	int r;

	if (n && masked(ev, n))
		n = NULL;
	if (!n)
		return base ? walk_coll(ev, fr, base, ref, i, k, true) : EV_MORE;
	if (tree_node(n)) {
		v = tree_value(ev, n, base, NULL, true, &err);
		if (err)
			return EV_ERR;
		if (v)
			return walk_value(ev, fr, v, ref, i, k);
		if (ev->w.cstate[n->tree_id] != C_CONFLICT)
			return EV_MORE;
		if (i == ref->u.ref.n || needs_binding(fr, ref->u.ref.path[i]))
			return tree_conflict(ev, n);
		w = (struct walk_env){ fr, base, n, ref, i, k, NULL, true, false };
		{
			struct k kk = { tree_key, &w };

			return eval_term(ev, fr, ref->u.ref.path[i], &kk);
		}
	}
	if (n->group) {
		if (n->group->kind == R_FUNC)
			return EV_MORE;
		v = eval_group(ev, n->group, &err);
		if (err)
			return EV_ERR;
		return v ? walk_value(ev, fr, v, ref, i, k) : EV_MORE;
	}
	if (i == ref->u.ref.n) {
		v = subtree_value(ev, n, base, &err);
		if (err)
			return EV_ERR;
		return v ? kcall(ev, k, v) : EV_MORE;
	}
	e = ref->u.ref.path[i];
	w = (struct walk_env){ fr, base, n, ref, i, k, NULL, true, false };
	if (needs_binding(fr, e)) {
		/* iterate over rule names and base keys alike */
		size_t j;

		for (j = 0; j < n->nkids; j++) {
			r = walk_try_key(ev, &w, e, n->kids[j]->name, true);
			if (r != EV_MORE)
				return r;
		}
		if (base && base->type == RV_OBJECT)
			for (j = 0; j < base->u.obj.n; j++) {
				if (dnode_child(n, base->u.obj.k[j]))
					continue;
				r = walk_try_key(ev, &w, e, base->u.obj.k[j], true);
				if (r != EV_MORE)
					return r;
			}
		return EV_MORE;
	}
	{
		struct k kk = { walk_data_key, &w };

		return eval_term(ev, fr, e, &kk);
	}
}

static int walk_value_key(struct ev *ev, void *env, struct rv *key)
{
	struct walk_env *w = env;
	struct rv *sub = w->base ? base_get(ev, w->coll, key) :
				   rv_get(w->coll, key);

	return sub ? walk_coll(ev, w->fr, sub, w->ref, w->i + 1, w->k, w->base) :
		     EV_MORE;
}

static int walk_value(struct ev *ev, struct frame *fr, struct rv *v,
		      const struct term *ref, size_t i, const struct k *k)
{
	return walk_coll(ev, fr, v, ref, i, k, false);
}

static int walk_coll(struct ev *ev, struct frame *fr, struct rv *v,
		     const struct term *ref, size_t i, const struct k *k,
		     bool base)
{
	const struct term *e;
	struct walk_env w;
	size_t j, n;
	int r;

	if (i == ref->u.ref.n)
		return kcall(ev, k, v);
	e = ref->u.ref.path[i];
	if (v->type != RV_ARRAY && v->type != RV_OBJECT && v->type != RV_SET)
		return EV_MORE;
	w = (struct walk_env){ fr, v, NULL, ref, i, k, NULL, false, base };
	if (needs_binding(fr, e)) {
		n = rv_len(v);
		for (j = 0; j < n; j++) {
			struct rv *key, *val;

			if (!member_at(ev, v, j, &key, &val))
				return nomem(ev);
			r = walk_try_key(ev, &w, e, key, false);
			if (r != EV_MORE)
				return r;
		}
		return EV_MORE;
	}
	{
		struct k kk = { walk_value_key, &w };

		return eval_term(ev, fr, e, &kk);
	}
}

struct ref_env {
	struct frame *fr;
	const struct term *ref;
	const struct k *k;
};

static int ref_head_done(struct ev *ev, void *env, struct rv *v)
{
	struct ref_env *r = env;

	return walk_value(ev, r->fr, v, r->ref, 0, r->k);
}

static int eval_ref(struct ev *ev, struct frame *fr, const struct term *t,
		    const struct k *k)
{
	const struct term *h = t->u.ref.head;
	struct ref_env env = { fr, t, k };
	struct k kk = { ref_head_done, &env };

	if (h->kind == T_VAR && h->u.var.kind == V_DATA)
		return walk_data(ev, fr, ev->p->root, ev->w.data, t, 0, k);
	if (h->kind == T_VAR && h->u.var.kind == V_INPUT)
		return ev->w.input ? walk_value(ev, fr, ev->w.input, t, 0, k) : EV_MORE;
	return eval_term(ev, fr, h, &kk);
}

/* ---- rules and functions ---- */

static bool new_frame(struct ev *ev, struct frame *fr, int nslots)
{
	fr->slots = rv_alloc(ev->a, (size_t)(nslots ? nslots : 1) * sizeof(*fr->slots));
	return fr->slots != NULL;
}

/* Collects the values a rule's body produces. */
struct collect {
	const struct rule *r;
	struct frame *fr;
	enum rule_kind kind;
	struct rv *value;          /* complete rules and functions */
	struct rv_builder b;       /* sets and objects */
	bool found;
	const char *path;          /* the rule group's, for conflicts */
	struct rv *key_pending;
};

static int collect_value(struct ev *ev, void *env, struct rv *v)
{
	struct collect *c = env;

	if (c->kind == R_SET) {
		if (!rv_builder_add(&c->b, v))
			return nomem(ev);
		return EV_MORE;
	}
	if (c->kind == R_OBJECT) {
		if (!rv_builder_put(&c->b, c->key_pending, v))
			return nomem(ev);
		return EV_MORE;
	}
	if (c->value && !rv_equal(c->value, v)) {
		if (c->kind == R_FUNC)
			return efail(ev, "eval_conflict_error", c->r->value,
				     "function %s produced conflicting values for the same inputs",
				     c->path);
		return efail(ev, "eval_conflict_error", c->r->value,
			     "complete rules must not produce multiple outputs: rule %s produced conflicting values",
			     c->path);
	}
	c->value = v;
	c->found = true;
	/* A constant head cannot conflict with itself: one solution will
	 * do. */
	if (!c->r->value || c->r->value->kind == T_VALUE)
		return EV_STOP;
	return EV_MORE;
}

static int collect_key(struct ev *ev, void *env, struct rv *key)
{
	struct collect *c = env;
	struct k k = { collect_value, c };

	c->key_pending = key;
	if (!c->r->value)
		return collect_value(ev, c, rv_bool(true));
	return eval_term(ev, c->fr, c->r->value, &k);
}

/* General heads: one entry [keys, value, is a set member] per solution;
 * the rule tree puts them in place (tree_collect). */
static int gen_value(struct ev *ev, void *env, struct rv *v)
{
	struct collect *c = env;
	struct rv_builder e;
	struct rv *entry;

	rv_builder_init(&e, ev->a);
	rv_builder_add(&e, c->key_pending);
	rv_builder_add(&e, v);
	rv_builder_add(&e, rv_bool(c->r->kind == R_SET));
	entry = rv_array_finish(&e);
	if (!entry || !rv_builder_add(&c->b, entry))
		return nomem(ev);
	return EV_MORE;
}

static int gen_keys(struct ev *ev, void *env, struct rv *keys)
{
	struct collect *c = env;
	struct k k = { gen_value, c };
	const struct term *leaf = c->r->kind == R_SET ? c->r->key : c->r->value;

	c->key_pending = keys;
	if (!leaf)
		return gen_value(ev, c, rv_bool(true));
	return eval_term(ev, c->fr, leaf, &k);
}

static int body_done(struct ev *ev, void *env, struct rv *unused)
{
	struct collect *c = env;
	struct k k = { c->kind == R_OBJECT ? collect_key : collect_value, c };

	c->found = true;
	if (c->kind == R_GENERAL) {
		k.fn = gen_keys;
		return eval_term(ev, c->fr, c->r->gpath, &k);
	}
	if (c->kind == R_SET || c->kind == R_OBJECT)
		return eval_term(ev, c->fr, c->r->key, &k);
	if (!c->r->value)
		return collect_value(ev, c, rv_bool(true));
	return eval_term(ev, c->fr, c->r->value, &k);
}

/* Evaluate one definition (and its else chain) into c. */
static int eval_rule(struct ev *ev, const struct rule *r, struct collect *c,
		     struct rv *const *args, size_t nargs);

struct args_env {
	struct frame *fr;
	const struct rule *r;
	struct rv *const *args;
	size_t i;
	struct collect *c;
};

static int bind_args(struct ev *ev, void *env, struct rv *unused)
{
	struct args_env *a = env, next = *a;
	struct k k = { bind_args, &next };
	struct k done = { body_done, a->c };

	if (a->i == a->r->nargs)
		return eval_body(ev, a->fr, &a->r->body, 0, &done);
	next.i = a->i + 1;
	return unify_tv(ev, a->fr, a->r->args[a->i], a->args[a->i], &k);
}

static int eval_rule(struct ev *ev, const struct rule *r, struct collect *c,
		     struct rv *const *args, size_t nargs)
{
	struct frame fr;
	const struct rule *e;
	int res;

	for (e = r; e; e = e->els) {
		struct args_env a = { &fr, e, args, 0, c };

		if (!new_frame(ev, &fr, e->nslots))
			return nomem(ev);
		c->r = e;
		c->fr = &fr;
		c->found = false;
		res = bind_args(ev, &a, NULL);
		if (res == EV_ERR)
			return res;
		if (c->found)
			return EV_MORE;
	}
	return EV_MORE;
}

/* The key a builder holds twice with different values (error path only). */
static struct rv *conflicting_key(const struct rv_builder *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++)
		for (j = i + 1; j < b->n; j++)
			if (rv_equal(b->k[i], b->k[j]) && !rv_equal(b->v[i], b->v[j]))
				return b->k[i];
	return NULL;
}

static struct rv *eval_group(struct ev *ev, const struct rule_group *g,
			     bool *err)
{
	struct collect c;
	struct rule *r;
	struct rv *v;
	bool conflict;
	struct term at = { .line = g->line, .col = g->col, .file = g->file };

	*err = false;
	if (ev->w.cstate[g->id] == C_DONE)
		return ev->w.cache[g->id];
	if (ev->w.cstate[g->id] == C_BUSY) {
		*err = true;
		efail(ev, "rego_recursion_error", &at, "rule %s is recursive", g->name);
		return NULL;
	}
	if (enter(ev, &at) != EV_MORE) {
		*err = true;
		return NULL;
	}
	ev->w.cstate[g->id] = C_BUSY;
	memset(&c, 0, sizeof(c));
	c.kind = g->kind;
	c.path = g->path;
	rv_builder_init(&c.b, ev->a);
	for (r = g->first; r; r = r->next)
		if (eval_rule(ev, r, &c, NULL, 0) == EV_ERR) {
			ev->depth--;
			ev->w.cstate[g->id] = C_NONE;
			*err = true;
			return NULL;
		}
	ev->depth--;
	switch (g->kind) {
	case R_GENERAL:
		v = rv_array_finish(&c.b);
		break;
	case R_SET:
		v = rv_set_finish(&c.b);
		break;
	case R_OBJECT:
		v = rv_object_finish(&c.b, &conflict);
		if (!v && conflict) {
			struct rv *key = conflicting_key(&c.b);
			char *ks = key && key->type != RV_STRING ? rv_to_json(key, false) : NULL;

			ev->w.cstate[g->id] = C_NONE;
			*err = true;
			efail(ev, "eval_conflict_error", &at,
			      "object keys must be unique: rule %s.%s produced conflicting values",
			      g->path, ks ? ks : key ? key->u.str.s : "?");
			free(ks);
			return NULL;
		}
		break;
	default:
		v = c.value;
		if (!v && g->def) {
			struct frame fr = { NULL };
			struct collect d = { .r = g->def, .kind = R_COMPLETE };
			struct k k = { collect_value, &d };

			if (!new_frame(ev, &fr, g->def->nslots) ||
			    eval_term(ev, &fr, g->def->value, &k) == EV_ERR) {
				ev->w.cstate[g->id] = C_NONE;
				*err = true;
				if (!ev->failed)
					nomem(ev);
				return NULL;
			}
			v = d.value;
		}
		break;
	}
	if (!v && (g->kind == R_SET || g->kind == R_OBJECT || g->kind == R_GENERAL)) {
		ev->w.cstate[g->id] = C_NONE;
		*err = true;
		nomem(ev);
		return NULL;
	}
	ev->w.cache[g->id] = v;
	ev->w.cstate[g->id] = C_DONE;
	return v;
}

/* Put path[0..depth) + keys at the tree. The path grows in the arena;
 * its length is bounded by the rule tree's depth and the heads' lengths. */
static enum dt_result tree_put(struct ev *ev, struct doctree *t,
			       struct rv **path, size_t depth, struct rv *keys,
			       struct rv *v, enum dt_put how)
{
	struct rv **full = path;
	size_t nk = keys ? keys->u.arr.n : 0;

	if (nk) {
		full = rv_alloc(ev->a, (depth + nk) * sizeof(*full));
		if (!full)
			return DT_NOMEM;
		memcpy(full, path, depth * sizeof(*full));
		memcpy(full + depth, keys->u.arr.v, nk * sizeof(*full));
	}
	return dt_put(t, full, depth + nk, v, how);
}

static enum dt_result tree_collect(struct ev *ev, struct doctree *t,
				   const struct dnode *n, struct rv **path,
				   size_t depth, size_t cap, struct rv *only,
				   bool *err)
{
	/* only: at the top, keep what lies under that key */
#define SKIP(key) (depth == 0 && only && !rv_equal((key), only))
	enum dt_result r = DT_OK;
	struct rv *v;
	size_t i;

	if (masked(ev, n))
		return DT_OK;
	if (depth >= cap) {
		struct rv **p = rv_alloc(ev->a, 2 * cap * sizeof(*p));

		if (!p)
			return DT_NOMEM;
		memcpy(p, path, depth * sizeof(*p));
		path = p;
		cap *= 2;
	}
	if (n->group && n->group->kind != R_FUNC) {
		v = eval_group(ev, n->group, err);
		if (*err)
			return DT_OK;
		if (v && n->group->kind == R_OBJECT) {
			for (i = 0; r == DT_OK && i < v->u.obj.n; i++) {
				if (SKIP(v->u.obj.k[i]))
					continue;
				path[depth] = v->u.obj.k[i];
				r = dt_put(t, path, depth + 1, v->u.obj.v[i], DT_LEAF);
			}
		} else if (v) {
			r = dt_put(t, path, depth, v,
				   n->group->kind == R_SET ? DT_SET : DT_LEAF);
		}
	} else if (!n->group) {
		r = dt_put(t, path, depth, NULL, DT_INTERIOR);
	}
	if (r == DT_OK && n->gen) {
		v = eval_group(ev, n->gen, err);
		if (*err)
			return DT_OK;
		for (i = 0; v && r == DT_OK && i < v->u.arr.n; i++) {
			struct rv *e = v->u.arr.v[i];
			struct rv *set = NULL;

			if (SKIP(e->u.arr.v[0]->u.arr.v[0]))
				continue;
			if (e->u.arr.v[2]->u.b) {
				struct rv_builder sb;

				rv_builder_init(&sb, ev->a);
				rv_builder_add(&sb, e->u.arr.v[1]);
				set = rv_set_finish(&sb);
				if (!set)
					return DT_NOMEM;
			}
			r = tree_put(ev, t, path, depth, e->u.arr.v[0],
				     set ? set : e->u.arr.v[1], set ? DT_SET : DT_LEAF);
		}
	}
	for (i = 0; r == DT_OK && i < n->nkids; i++) {
		if (SKIP(n->kids[i]->name))
			continue;
		path[depth] = n->kids[i]->name;
		r = tree_collect(ev, t, n->kids[i], path, depth + 1, cap, NULL, err);
		if (*err)
			return DT_OK;
	}
	return r;
#undef SKIP
}

static int call_func(struct ev *ev, const struct term *t,
		     const struct rule_group *g, struct rv *const *args,
		     const struct k *k)
{
	struct collect c;
	struct rule *r;
	int res;

	if (enter(ev, t) != EV_MORE)
		return EV_ERR;
	memset(&c, 0, sizeof(c));
	c.kind = R_FUNC;
	for (r = g->first; r; r = r->next) {
		/* each definition (with its else chain) may apply */
		struct collect one;

		memset(&one, 0, sizeof(one));
		one.kind = R_FUNC;
		one.path = g->path;
		res = eval_rule(ev, r, &one, args, g->nargs);
		if (res == EV_ERR) {
			ev->depth--;
			return EV_ERR;
		}
		if (!one.value)
			continue;
		if (c.value && !rv_equal(c.value, one.value)) {
			ev->depth--;
			return efail(ev, "eval_conflict_error", t,
				     "function %s produced conflicting values for the same inputs",
				     g->path);
		}
		c.value = one.value;
	}
	ev->depth--;
	if (!c.value && g->def) {
		/* default f(_) := value: applies when no definition does */
		struct collect d;

		memset(&d, 0, sizeof(d));
		d.kind = R_FUNC;
		d.path = g->path;
		if (eval_rule(ev, g->def, &d, args, g->nargs) == EV_ERR)
			return EV_ERR;
		c.value = d.value;
	}
	return c.value ? kcall(ev, k, c.value) : EV_MORE;
}

/* ---- calls ---- */

struct call_env {
	struct frame *fr;
	const struct term *t;
	struct rv **vals;
	size_t i, n;
	const struct k *k;
	const size_t *order;  /* argument positions in evaluation order */
};

static int apply_builtin(struct ev *ev, const struct term *t,
			 const struct rb_def *d, struct rv **vals,
			 const struct k *k);
static int call_mock(struct ev *ev, struct call_env *c, const struct mock *m);

static const struct mock *mock_for(const struct ev *ev, const struct term *t)
{
	size_t i;

	for (i = ev->w.nmocks; i > 0; i--) {
		const struct with *w = ev->w.mocks[i - 1].w;

		if ((w->mock_func && w->mock_func == t->u.call.func) ||
		    (w->mock_builtin && w->mock_builtin == t->u.call.builtin))
			return &ev->w.mocks[i - 1];
	}
	return NULL;
}

struct rel_env {
	struct rb_yield y; /* first: the built-in hands back &y */
	struct ev *ev;
	const struct k *k;
	int res;
};

static bool rel_emit(struct rb_yield *y, struct rv *v)
{
	struct rel_env *r = (struct rel_env *)y;

	r->res = v ? kcall(r->ev, r->k, v) : nomem(r->ev);
	return r->res == EV_MORE;
}

static int call_apply(struct ev *ev, struct call_env *c)
{
	const struct term *t = c->t;
	const struct mock *m = ev->w.nmocks ? mock_for(ev, t) : NULL;

	if (m)
		return call_mock(ev, c, m);
	if (t->u.call.func)
		return call_func(ev, t, t->u.call.func, c->vals, c->k);
	return apply_builtin(ev, t, t->u.call.builtin, c->vals, c->k);
}

/* A replacement function runs as OPA runs it: with no function replaced
 * (it may call the original; a mock never calls another mock), and so
 * with rule values of its own; its result goes back to the replaced
 * state. */
struct mock_env {
	struct wstate outer, inner;
	const struct k *k;
};

static int mock_back(struct ev *ev, void *env, struct rv *v)
{
	struct mock_env *m = env;
	int r;

	ev->w = m->outer;
	r = kcall(ev, m->k, v);
	ev->w = m->inner;
	return r;
}

static int call_mock(struct ev *ev, struct call_env *c, const struct mock *m)
{
	struct mock_env me;
	struct k back = { mock_back, &me };
	size_t ncache = ev->p->ncache;
	int r;

	if (!m->w->fn_func && !m->w->fn_builtin)
		return kcall(ev, c->k, m->value);
	me.outer = ev->w;
	me.inner = ev->w;
	me.k = c->k;
	me.inner.mocks = NULL;
	me.inner.nmocks = 0;
	me.inner.cache = rv_alloc(ev->a, (ncache + 1) * sizeof(*me.inner.cache));
	me.inner.cstate = rv_alloc(ev->a, ncache + 1);
	if (!me.inner.cache || !me.inner.cstate)
		return nomem(ev);
	ev->w = me.inner;
	if (m->w->fn_func)
		r = call_func(ev, c->t, m->w->fn_func, c->vals, &back);
	else
		r = apply_builtin(ev, c->t, m->w->fn_builtin, c->vals, &back);
	ev->w = me.outer;
	return r;
}

static int apply_builtin(struct ev *ev, const struct term *t,
			 const struct rb_def *d, struct rv **vals,
			 const struct k *k)
{
	struct rel_env rel = { { rel_emit }, ev, k, EV_MORE };
	struct rb_ctx bc;
	struct rv *out = NULL;
	enum rb_status st;

	memset(&bc, 0, sizeof(bc));
	bc.arena = ev->a;
	bc.name = d->name;
	bc.now_ns = ev->now_ns;
	if (d->fn == rb_relation_call) {
		st = rb_relation(d->name)(&bc, vals, &rel.y);
		if (rel.res != EV_MORE)
			return rel.res;
		if (st == RB_OK)
			return EV_MORE;
	} else {
		st = d->fn(&bc, vals, &out);
	}
	switch (st) {
	case RB_OK:
		if (!out)
			return nomem(ev);
		return kcall(ev, k, out);
	case RB_UNDEFINED:
		return EV_MORE;
	case RB_ERROR:
	case RB_TYPE_ERROR:
		if (ev->a->exhausted)
			return nomem(ev);
		if (!ev->strict)
			return EV_MORE;
		return efail(ev, st == RB_TYPE_ERROR ? "eval_type_error" :
			     "eval_builtin_error", t, "%s", bc.msg);
	}
	return EV_ERR;
}

static int call_arg(struct ev *ev, void *env, struct rv *v)
{
	struct call_env *c = env, next = *c;
	struct k k = { call_arg, &next };

	if (v)
		c->vals[c->order[c->i - 1]] = v;
	if (c->i == c->n)
		return call_apply(ev, c);
	next.i = c->i + 1;
	return eval_term(ev, c->fr, c->t->u.call.args[c->order[c->i]], &k);
}

struct out_env {
	struct frame *fr;
	const struct term *out;
	const struct k *k;
};

static int call_out(struct ev *ev, void *env, struct rv *v)
{
	struct out_env *o = env;

	return unify_tv(ev, o->fr, o->out, v, o->k);
}

static int eval_call(struct ev *ev, struct frame *fr, const struct term *t,
		     const struct k *k)
{
	unsigned nargs = t->u.call.builtin ? t->u.call.builtin->nargs :
			 t->u.call.func->nargs;
	struct rv **vals = rv_alloc(ev->a, (nargs + 1) * sizeof(*vals));
	size_t *order = rv_alloc(ev->a, (nargs + 1) * sizeof(*order)), i, j = 0;
	struct call_env c = { fr, t, vals, 0, nargs, k, order };
	struct out_env o = { fr, NULL, k };
	struct k ko = { call_out, &o };

	if (!vals || !order)
		return nomem(ev);
	/* references first, bare variables last: a reference's variables
	 * may be the other arguments (foo == input.foos[foo], also inside a
	 * call: count(input.s[x]) == x), as OPA evaluates them */
	for (i = 0; i < nargs; i++)
		if (t->u.call.args[i]->kind == T_REF)
			order[j++] = i;
	for (i = 0; i < nargs; i++)
		if (t->u.call.args[i]->kind != T_REF && !is_local(t->u.call.args[i]))
			order[j++] = i;
	for (i = 0; i < nargs; i++)
		if (t->u.call.args[i]->kind != T_REF && is_local(t->u.call.args[i]))
			order[j++] = i;
	if (t->u.call.n == nargs + 1) {
		/* f(x, out): the last argument receives the result */
		o.out = t->u.call.args[nargs];
		c.k = &ko;
	}
	return call_arg(ev, &c, NULL);
}

/* ---- composite terms ---- */

struct items_env {
	struct frame *fr;
	const struct term *t;
	struct rv **vals;   /* items (and for objects keys then values) */
	size_t i, n;
	const struct k *k;
};

static int items_done(struct ev *ev, struct items_env *e)
{
	const struct term *t = e->t;
	struct rv_builder b;
	struct rv *v;
	size_t i;
	bool conflict;

	rv_builder_init(&b, ev->a);
	if (t->kind == T_OBJECT) {
		for (i = 0; i < t->u.coll.n; i++)
			rv_builder_put(&b, e->vals[2 * i], e->vals[2 * i + 1]);
		v = rv_object_finish(&b, &conflict);
		if (!v && conflict)
			return efail(ev, "eval_conflict_error", t,
				     "object keys must be unique");
	} else {
		for (i = 0; i < t->u.coll.n; i++)
			rv_builder_add(&b, e->vals[i]);
		v = t->kind == T_SET ? rv_set_finish(&b) : rv_array_finish(&b);
	}
	if (!v)
		return nomem(ev);
	return kcall(ev, e->k, v);
}

static int item_next(struct ev *ev, void *env, struct rv *v)
{
	struct items_env *e = env, next = *e;
	struct k k = { item_next, &next };
	const struct term *t = e->t, *it;

	if (v)
		e->vals[e->i - 1] = v;
	if (e->i == e->n)
		return items_done(ev, e);
	next.i = e->i + 1;
	if (t->kind == T_OBJECT)
		it = e->i % 2 ? t->u.coll.vals[e->i / 2] : t->u.coll.items[e->i / 2];
	else
		it = t->u.coll.items[e->i];
	return eval_term(ev, e->fr, it, &k);
}

static int eval_items(struct ev *ev, struct frame *fr, const struct term *t,
		      const struct k *k)
{
	size_t n = t->kind == T_OBJECT ? 2 * t->u.coll.n : t->u.coll.n;
	struct items_env e = { fr, t, rv_alloc(ev->a, (n + 1) * sizeof(struct rv *)),
			       0, n, k };

	if (!e.vals)
		return nomem(ev);
	return item_next(ev, &e, NULL);
}

struct comp_env {
	struct frame *fr;
	const struct term *t;
	struct rv_builder b;
	struct rv *key;
};

static int comp_value(struct ev *ev, void *env, struct rv *v)
{
	struct comp_env *c = env;
	bool ok = c->t->kind == T_OBJECT_COMP ? rv_builder_put(&c->b, c->key, v) :
		  rv_builder_add(&c->b, v);

	return ok ? EV_MORE : nomem(ev);
}

static int comp_key(struct ev *ev, void *env, struct rv *key)
{
	struct comp_env *c = env;
	struct k k = { comp_value, c };

	c->key = key;
	return eval_term(ev, c->fr, c->t->u.comp.value, &k);
}

static int comp_solution(struct ev *ev, void *env, struct rv *unused)
{
	struct comp_env *c = env;
	struct k k = { c->t->kind == T_OBJECT_COMP ? comp_key : comp_value, c };

	return eval_term(ev, c->fr, c->t->kind == T_OBJECT_COMP ?
			 c->t->u.comp.key : c->t->u.comp.value, &k);
}

static int eval_comp(struct ev *ev, struct frame *fr, const struct term *t,
		     const struct k *k)
{
	struct comp_env c = { fr, t, { 0 }, NULL };
	struct k done = { comp_solution, &c };
	struct rv *v;
	bool conflict = false;
	int r;

	rv_builder_init(&c.b, ev->a);
	if (enter(ev, t) != EV_MORE)
		return EV_ERR;
	r = eval_body(ev, fr, t->u.comp.body, 0, &done);
	ev->depth--;
	if (r == EV_ERR)
		return r;
	switch (t->kind) {
	case T_ARRAY_COMP:
		v = rv_array_finish(&c.b);
		break;
	case T_SET_COMP:
		v = rv_set_finish(&c.b);
		break;
	default:
		v = rv_object_finish(&c.b, &conflict);
		if (!v && conflict)
			return efail(ev, "eval_conflict_error", t,
				     "object keys must be unique");
	}
	if (!v)
		return nomem(ev);
	return kcall(ev, k, v);
}

static int eval_term(struct ev *ev, struct frame *fr, const struct term *t,
		     const struct k *k)
{
	struct rv *v;

	if (step(ev, t) != EV_MORE)
		return EV_ERR;
	switch (t->kind) {
	case T_VALUE:
		return kcall(ev, k, t->u.value);
	case T_VAR:
		switch (t->u.var.kind) {
		case V_INPUT:
			return ev->w.input ? kcall(ev, k, ev->w.input) : EV_MORE;
		case V_DATA: {
			bool err = false;

			v = subtree_value(ev, ev->p->root, ev->w.data, &err);
			if (err)
				return EV_ERR;
			return v ? kcall(ev, k, v) : EV_MORE;
		}
		default:
			v = fr->slots[t->u.var.slot];
			if (!v)
				return efail(ev, "rego_unsafe_var_error", t,
					     "var %s is unbound", t->u.var.name);
			return kcall(ev, k, v);
		}
	case T_REF:
		return eval_ref(ev, fr, t, k);
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		return eval_items(ev, fr, t, k);
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		return eval_comp(ev, fr, t, k);
	case T_CALL:
		return eval_call(ev, fr, t, k);
	}
	return EV_ERR;
}

/* ---- unification ---- */

struct unify_env {
	struct frame *fr;
	const struct term *t;  /* pattern */
	struct rv *v;          /* value */
	size_t i;
	const struct k *k;
	const struct term *other;
};

/* An object pattern's key computed by a term ({[[7]]: v} = o): o's value
 * at that key is unified with the pattern's value. */
struct key_env {
	const struct unify_env *u;
	const struct k *k;
};

static int unify_key_known(struct ev *ev, void *env, struct rv *kv)
{
	const struct key_env *e = env;
	struct rv *sub = rv_get(e->u->v, kv);

	if (!sub)
		return EV_MORE;
	return unify_tv(ev, e->u->fr, e->u->t->u.coll.vals[e->u->i], sub, e->k);
}

static int unify_items(struct ev *ev, void *env, struct rv *unused)
{
	struct unify_env *u = env, next = *u;
	struct k k = { unify_items, &next };
	const struct term *t = u->t;

	if (u->i == t->u.coll.n)
		return kcall(ev, u->k, NULL);
	next.i = u->i + 1;
	if (t->kind == T_ARRAY)
		return unify_tv(ev, u->fr, t->u.coll.items[u->i],
				u->v->u.arr.v[u->i], &k);
	/* objects: the key must be a known value */
	{
		const struct term *kt = t->u.coll.items[u->i];
		struct rv *sub;

		if (kt->kind != T_VALUE) {
			/* evaluate the key (ground by safety) */
			struct rv *kv = NULL;

			if (!is_local(kt)) {
				struct key_env ke = { u, &k };
				struct k kk = { unify_key_known, &ke };

				return eval_term(ev, u->fr, kt, &kk);
			}
			if (!(kv = u->fr->slots[kt->u.var.slot]))
				return efail(ev, "rego_unsafe_var_error", kt,
					     "object keys in patterns must be known");
			sub = rv_get(u->v, kv);
		} else {
			sub = rv_get(u->v, kt->u.value);
		}
		if (!sub)
			return EV_MORE;
		return unify_tv(ev, u->fr, t->u.coll.vals[u->i], sub, &k);
	}
}

static int unify_eq(struct ev *ev, void *env, struct rv *pv)
{
	struct unify_env *u = env;

	return rv_equal(pv, u->v) ? kcall(ev, u->k, NULL) : EV_MORE;
}

/* Unify pattern t with value v. */
static int unify_tv(struct ev *ev, struct frame *fr, const struct term *t,
		    struct rv *v, const struct k *k)
{
	struct unify_env u = { fr, t, v, 0, k, NULL };
	struct k kk;
	int r;

	switch (t->kind) {
	case T_VAR:
		if (t->u.var.kind == V_WILD)
			return kcall(ev, k, NULL);
		if (t->u.var.kind == V_LOCAL) {
			struct rv **slot = &fr->slots[t->u.var.slot];

			if (*slot)
				return rv_equal(*slot, v) ? kcall(ev, k, NULL) : EV_MORE;
			*slot = v;
			r = kcall(ev, k, NULL);
			*slot = NULL;
			return r;
		}
		break;
	case T_ARRAY:
		if (v->type != RV_ARRAY || v->u.arr.n != t->u.coll.n)
			return EV_MORE;
		return unify_items(ev, &u, NULL);
	case T_OBJECT:
		if (v->type != RV_OBJECT || v->u.obj.n != t->u.coll.n)
			return EV_MORE;
		return unify_items(ev, &u, NULL);
	default:
		break;
	}
	kk = (struct k){ unify_eq, &u };
	return eval_term(ev, fr, t, &kk);
}

/* Does pattern t still have unbound variables (so it must receive)? */
static bool needs_binding(const struct frame *fr, const struct term *t)
{
	size_t i;

	switch (t->kind) {
	case T_VAR:
		return t->u.var.kind == V_WILD || unbound(fr, t);
	case T_ARRAY:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (needs_binding(fr, t->kind == T_ARRAY ? t->u.coll.items[i] :
					  t->u.coll.vals[i]))
				return true;
		return false;
	default:
		return false;
	}
}

static int unify_other(struct ev *ev, void *env, struct rv *v)
{
	struct unify_env *u = env;

	return unify_tv(ev, u->fr, u->other, v, u->k);
}

struct pairs_env {
	struct frame *fr;
	const struct term *a, *b;
	size_t i;
	const struct k *k;
};

static int unify_terms(struct ev *ev, struct frame *fr, const struct term *a,
		       const struct term *b, const struct k *k);

static int unify_pairs(struct ev *ev, void *env, struct rv *unused)
{
	struct pairs_env *p = env, next = *p;
	struct k k = { unify_pairs, &next };

	if (p->i == p->a->u.coll.n)
		return kcall(ev, p->k, NULL);
	next.i = p->i + 1;
	return unify_terms(ev, p->fr, p->a->u.coll.items[p->i],
			   p->b->u.coll.items[p->i], &k);
}

static int unify_terms(struct ev *ev, struct frame *fr, const struct term *a,
		       const struct term *b, const struct k *k)
{
	struct unify_env u = { fr, NULL, NULL, 0, k, NULL };
	struct k kk = { unify_other, &u };

	if (a->kind == T_ARRAY && b->kind == T_ARRAY) {
		struct pairs_env p = { fr, a, b, 0, k };

		if (a->u.coll.n != b->u.coll.n)
			return EV_MORE;
		return unify_pairs(ev, &p, NULL);
	}
	if (needs_binding(fr, a)) {
		u.other = a;
		return eval_term(ev, fr, b, &kk);
	}
	u.other = b;
	return eval_term(ev, fr, a, &kk);
}

/* ---- expressions ---- */

struct expr_env {
	struct frame *fr;
	const struct expr *e;
	const struct k *k;
	bool found;
	struct rv *coll;
	size_t i;
	struct wstate inner, outer;
};

static int truthy(struct ev *ev, void *env, struct rv *v)
{
	struct expr_env *x = env;

	/* NULL: a call whose result went to its output argument */
	if (v && v->type == RV_BOOL && !v->u.b)
		return EV_MORE;
	return kcall(ev, x->k, NULL);
}

static int found_one(struct ev *ev, void *env, struct rv *unused)
{
	struct expr_env *x = env;

	x->found = true;
	return EV_STOP;
}

/* Calls fn for each member of a collection (nothing for other values),
 * until fn returns other than EV_MORE. */
typedef int (*member_fn)(struct ev *ev, struct expr_env *x, struct rv *key,
			 struct rv *val);

static int each_member(struct ev *ev, struct expr_env *x, struct rv *coll,
		       member_fn fn)
{
	size_t j, n;
	int r;

	if (coll->type != RV_ARRAY && coll->type != RV_OBJECT && coll->type != RV_SET)
		return EV_MORE;
	n = rv_len(coll);
	for (j = 0; j < n; j++) {
		struct rv *key, *val;

		if (!member_at(ev, coll, j, &key, &val))
			return nomem(ev);
		if ((r = fn(ev, x, key, val)) != EV_MORE)
			return r;
	}
	return EV_MORE;
}

static int some_in_val(struct ev *ev, void *env, struct rv *unused)
{
	struct expr_env *y = env;

	return unify_tv(ev, y->fr, y->e->val, y->coll, y->k);
}

/* some [k,] v in coll: unify the key and value patterns with a member. */
static int some_in_member(struct ev *ev, struct expr_env *x, struct rv *key,
			  struct rv *val)
{
	struct expr_env y = *x;
	struct k kv = { some_in_val, &y };

	y.coll = val;
	if (x->e->key)
		return unify_tv(ev, x->fr, x->e->key, key, &kv);
	return some_in_val(ev, &y, NULL);
}

static int some_in_coll(struct ev *ev, void *env, struct rv *coll)
{
	return each_member(ev, env, coll, some_in_member);
}

/* every [k,] v in coll { body }: the body must hold for each member;
 * EV_FAILED stops at the first that it does not hold for. */
enum { EV_FAILED = 2 };

static int every_member(struct ev *ev, struct expr_env *x, struct rv *key,
			struct rv *val)
{
	const struct expr *e = x->e;
	struct expr_env y = *x;
	struct k found = { found_one, &y };
	int r;

	y.found = false;
	if (e->key)
		x->fr->slots[e->key->u.var.slot] = key;
	x->fr->slots[e->val->u.var.slot] = val;
	r = eval_body(ev, x->fr, e->body, 0, &found);
	if (e->key)
		x->fr->slots[e->key->u.var.slot] = NULL;
	x->fr->slots[e->val->u.var.slot] = NULL;
	if (r == EV_ERR)
		return r;
	return y.found ? EV_MORE : EV_FAILED;
}

static int every_coll(struct ev *ev, void *env, struct rv *coll)
{
	struct expr_env *x = env;
	int r;

	if (coll->type != RV_ARRAY && coll->type != RV_OBJECT && coll->type != RV_SET)
		return EV_MORE; /* not a collection: every is undefined */
	r = each_member(ev, x, coll, every_member);
	if (r == EV_FAILED)
		return EV_MORE;
	return r == EV_MORE ? kcall(ev, x->k, NULL) : r;
}

/* Does body have a solution? Its bindings are undone on return, and the
 * search stops at the first solution: an operand of and/or/not succeeds
 * at most once. 1 yes, 0 no, EV_ERR. */
static int operand_holds(struct ev *ev, struct frame *fr, const struct expr *e,
			 const struct body *b)
{
	struct expr_env x = { fr, e, NULL, false, NULL, 0, { 0 }, { 0 } };
	struct k found = { found_one, &x };

	if (eval_body(ev, fr, b, 0, &found) == EV_ERR)
		return EV_ERR;
	return x.found;
}

/* and: the rhs runs only when the lhs holds; or: only when it does not. */
static int eval_logic(struct ev *ev, struct frame *fr, const struct expr *e,
		      const struct k *k)
{
	int r = operand_holds(ev, fr, e, e->body);

	if (r == EV_ERR)
		return r;
	switch (e->kind) {
	case E_NOT:
		return r ? EV_MORE : kcall(ev, k, NULL);
	case E_AND:
		if (!r)
			return EV_MORE;
		break;
	default: /* E_OR */
		if (r)
			return kcall(ev, k, NULL);
		break;
	}
	r = operand_holds(ev, fr, e, e->rhs);
	if (r == EV_ERR)
		return r;
	return r ? kcall(ev, k, NULL) : EV_MORE;
}

static int eval_expr_plain(struct ev *ev, struct frame *fr, const struct expr *e,
			   const struct k *k)
{
	struct expr_env x = { fr, e, k, false, NULL, 0, { 0 }, { 0 } };
	struct k kt = { truthy, &x };
	struct k kassign = { unify_other, NULL };
	struct unify_env u = { fr, NULL, NULL, 0, k, e->a };
	struct k ksome = { some_in_coll, &x };
	struct k kevery = { every_coll, &x };

	switch (e->kind) {
	case E_TERM:
		return eval_term(ev, fr, e->a, &kt);
	case E_UNIFY:
		return unify_terms(ev, fr, e->a, e->b, k);
	case E_ASSIGN:
		kassign.env = &u;
		return eval_term(ev, fr, e->b, &kassign);
	case E_SOME:
		return kcall(ev, k, NULL);
	case E_SOME_IN:
		return eval_term(ev, fr, e->coll, &ksome);
	case E_EVERY:
		if ((e->key && e->key->kind != T_VAR) || e->val->kind != T_VAR)
			return efail(ev, "rego_compile_error", e->val,
				     "every: key and value must be variables");
		return eval_term(ev, fr, e->coll, &kevery);
	case E_AND:
	case E_OR:
	case E_NOT:
		return eval_logic(ev, fr, e, k);
	}
	return EV_ERR;
}

static int eval_negated(struct ev *ev, struct frame *fr, const struct expr *e,
			const struct k *k)
{
	struct expr_env x = { fr, e, k, false, NULL, 0, { 0 }, { 0 } };
	struct k found = { found_one, &x };
	int r = eval_expr_plain(ev, fr, e, &found);

	if (r == EV_ERR)
		return r;
	return x.found ? EV_MORE : kcall(ev, k, NULL);
}

/* Replace the value at path inside doc (creating objects on the way). */
static struct rv *patch(struct ev *ev, struct rv *doc, struct rv *const *path,
			size_t n, struct rv *v)
{
	struct rv_builder b;
	struct rv *sub, *nv;
	size_t i;

	if (n == 0)
		return v;
	sub = doc && doc->type == RV_OBJECT ? rv_object_get(doc, path[0]) : NULL;
	nv = patch(ev, sub, path + 1, n - 1, v);
	if (!nv)
		return NULL;
	rv_builder_init(&b, ev->a);
	if (doc && doc->type == RV_OBJECT)
		for (i = 0; i < doc->u.obj.n; i++)
			if (!rv_equal(doc->u.obj.k[i], path[0]))
				rv_builder_put(&b, doc->u.obj.k[i], doc->u.obj.v[i]);
	rv_builder_put(&b, path[0], nv);
	return rv_object_finish(&b, NULL);
}

static int with_back(struct ev *ev, void *env, struct rv *unused)
{
	struct expr_env *x = env;
	int r;

	ev->w = x->outer;
	r = kcall(ev, x->k, NULL);
	ev->w = x->inner;
	return r;
}

struct wval_env {
	struct frame *fr;
	const struct expr *e;
	const struct k *k;
	size_t i;
	struct rv **vals;
};

static int eval_expr_with(struct ev *ev, struct wval_env *w);

static int with_value(struct ev *ev, void *env, struct rv *v)
{
	struct wval_env *w = env, next = *w;

	w->vals[w->i] = v;
	next.i = w->i + 1;
	return eval_expr_with(ev, &next);
}

static int eval_expr_with(struct ev *ev, struct wval_env *w)
{
	const struct expr *e = w->e;
	struct expr_env x = { w->fr, e, w->k, false, NULL, 0, { 0 }, { 0 } };
	struct k back = { with_back, &x };
	size_t i, ncache = ev->p->ncache;
	int r;

	if (w->i < e->nwith) {
		struct k kv = { with_value, w };

		return eval_term(ev, w->fr, e->with[w->i].value, &kv);
	}
	x.outer = ev->w;
	x.inner = ev->w;
	for (i = 0; i < e->nwith; i++) {
		const struct with *wi = &e->with[i];

		if (wi->mock_func || wi->mock_builtin) {
			struct mock *m = rv_alloc(ev->a, (x.inner.nmocks + 1) * sizeof(*m));

			if (!m)
				return nomem(ev);
			if (x.inner.nmocks)
				memcpy(m, x.inner.mocks, x.inner.nmocks * sizeof(*m));
			m[x.inner.nmocks].w = wi;
			m[x.inner.nmocks].value = w->vals[i];
			x.inner.mocks = m;
			x.inner.nmocks++;
			continue;
		}
		if (!wi->is_data) {
			x.inner.input = patch(ev, x.inner.input, wi->path, wi->npath,
					      w->vals[i]);
			if (!x.inner.input)
				return nomem(ev);
			continue;
		}
		x.inner.data = patch(ev, x.inner.data ? x.inner.data : rv_empty_object(),
				     wi->path, wi->npath, w->vals[i]);
		if (!x.inner.data)
			return nomem(ev);
		/* rules at or under the path give way to the value */
		{
			const struct dnode *n = ev->p->root;
			const struct dnode **m;
			size_t j;

			for (j = 0; n && j < wi->npath && !n->group; j++)
				n = dnode_child(n, wi->path[j]);
			if (n) {
				m = rv_alloc(ev->a, (x.inner.nmasked + 1) * sizeof(*m));
				if (!m)
					return nomem(ev);
				if (x.inner.nmasked)
					memcpy(m, x.inner.masked, x.inner.nmasked * sizeof(*m));
				m[x.inner.nmasked++] = n;
				x.inner.masked = m;
			}
		}
	}
	x.inner.cache = rv_alloc(ev->a, (ncache + 1) * sizeof(*x.inner.cache));
	x.inner.cstate = rv_alloc(ev->a, ncache + 1);
	if (!x.inner.cache || !x.inner.cstate)
		return nomem(ev);
	ev->w = x.inner;
	if (e->negated) {
		r = eval_negated(ev, w->fr, e, &back);
	} else {
		r = eval_expr_plain(ev, w->fr, e, &back);
	}
	ev->w = x.outer;
	return r;
}

static int eval_expr(struct ev *ev, struct frame *fr, const struct expr *e,
		     const struct k *k)
{
	if (e->nwith) {
		struct wval_env w = { fr, e, k, 0,
				      rv_alloc(ev->a, e->nwith * sizeof(struct rv *)) };

		if (!w.vals)
			return nomem(ev);
		return eval_expr_with(ev, &w);
	}
	if (e->negated)
		return eval_negated(ev, fr, e, k);
	return eval_expr_plain(ev, fr, e, k);
}

struct body_env {
	struct frame *fr;
	const struct body *b;
	size_t i;
	const struct k *k;
};

static int body_next(struct ev *ev, void *env, struct rv *unused)
{
	struct body_env *b = env;

	return eval_body(ev, b->fr, b->b, b->i, b->k);
}

static int eval_body(struct ev *ev, struct frame *fr, const struct body *b,
		     size_t i, const struct k *k)
{
	struct body_env next = { fr, b, i + 1, k };
	struct k kn = { body_next, &next };
	int r;

	if (i == b->n)
		return kcall(ev, k, NULL);
	if (enter(ev, NULL) != EV_MORE)
		return EV_ERR;
	r = eval_expr(ev, fr, b->e[i], &kn);
	ev->depth--;
	return r;
}

/* ---- entry ---- */

struct top_env {
	eval_solution_fn fn;
	void *ctx;
	struct frame *fr;
};

static int top_solution(struct ev *ev, void *env, struct rv *unused)
{
	struct top_env *t = env;

	return t->fn(t->ctx, t->fr->slots) ? EV_MORE : EV_STOP;
}

bool rego_eval(const struct rego_policy *p, const struct query *q,
	       struct rv_arena *a, struct rv *input, bool strict,
	       const struct rego_limits_int *lim, eval_solution_fn fn, void *ctx,
	       struct eaa_err *err)
{
	struct ev ev;
	struct frame fr;
	struct top_env top = { fn, ctx, &fr };
	struct k k = { top_solution, &top };
	struct timespec ts;

	memset(&ev, 0, sizeof(ev));
	ev.stack_base = (uintptr_t)&ev;
	ev.p = p;
	ev.a = a;
	ev.w.input = input;
	ev.w.data = p->data;
	ev.strict = strict;
	ev.err = err;
	ev.max_steps = lim->max_steps;
	ev.max_depth = lim->max_depth;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev.now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ev.w.cache = rv_alloc(a, (p->ncache + 1) * sizeof(*ev.w.cache));
	ev.w.cstate = rv_alloc(a, p->ncache + 1);
	if (!ev.w.cache || !ev.w.cstate || !new_frame(&ev, &fr, q->nslots)) {
		nomem(&ev);
		return false;
	}
	return eval_body(&ev, &fr, q->body, 0, &k) != EV_ERR;
}

/* ---- probes (eval.h), for explanations ---- */

struct ev *ev_open(const struct rego_policy *p, struct rv_arena *a,
		   struct rv *input, bool strict,
		   const struct rego_limits_int *lim, struct eaa_err *err)
{
	struct ev *ev = rv_alloc(a, sizeof(*ev));
	struct timespec ts;

	if (!ev)
		return NULL;
	ev->p = p;
	ev->a = a;
	ev->w.input = input;
	ev->w.data = p->data;
	ev->strict = strict;
	ev->err = err;
	ev->max_steps = lim->max_steps;
	ev->max_depth = lim->max_depth;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev->now_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	ev->w.cache = rv_alloc(a, (p->ncache + 1) * sizeof(*ev->w.cache));
	ev->w.cstate = rv_alloc(a, p->ncache + 1);
	return ev->w.cache && ev->w.cstate ? ev : NULL;
}

bool ev_failed(const struct ev *ev)
{
	return ev->failed;
}

/* Each probe starts at the top of a C stack of its own caller's. */
static bool probe_start(struct ev *ev, uintptr_t base)
{
	ev->stack_base = base;
	ev->depth = 0;
	return !ev->failed;
}

struct probe_env {
	struct frame *fr;
	int nslots;
	struct rv **copy;
	bool found;
};

static int probe_found(struct ev *ev, void *env, struct rv *unused)
{
	struct probe_env *p = env;

	p->copy = rv_alloc(ev->a, (size_t)(p->nslots ? p->nslots : 1) * sizeof(*p->copy));
	if (!p->copy)
		return nomem(ev);
	memcpy(p->copy, p->fr->slots, (size_t)p->nslots * sizeof(*p->copy));
	p->found = true;
	return EV_STOP;
}

struct probe_args {
	struct frame *fr;
	const struct rule *r;
	struct rv *const *args;
	size_t i;
	const struct body *b;
	const struct k *k;
};

static int probe_bind(struct ev *ev, void *env, struct rv *unused)
{
	struct probe_args *a = env, next = *a;
	struct k k = { probe_bind, &next };

	if (!a->r || a->i == a->r->nargs)
		return eval_body(ev, a->fr, a->b, 0, a->k);
	next.i = a->i + 1;
	return unify_tv(ev, a->fr, a->r->args[a->i], a->args[a->i], &k);
}

int ev_probe(struct ev *ev, const struct rule *r, struct rv *const *args,
	     const struct body *b, size_t n, int nslots, struct rv ***slots)
{
	char here;
	struct frame fr;
	struct body prefix = *b;
	struct probe_env pe = { &fr, nslots, NULL, false };
	struct k k = { probe_found, &pe };
	struct probe_args pa = { &fr, r && r->nargs && args ? r : NULL, args, 0,
				 &prefix, &k };

	*slots = NULL;
	if (!probe_start(ev, (uintptr_t)&here))
		return -1;
	prefix.n = n < b->n ? n : b->n;
	if (!new_frame(ev, &fr, nslots)) {
		nomem(ev);
		return -1;
	}
	if (probe_bind(ev, &pa, NULL) == EV_ERR)
		return -1;
	*slots = pe.copy;
	return pe.found;
}

struct values_env {
	struct rv **vals;
	size_t max, n;
	bool more;
};

static int value_found(struct ev *ev, void *env, struct rv *v)
{
	struct values_env *x = env;

	if (!v)
		return EV_MORE;
	if (x->n == x->max) {
		x->more = true;
		return EV_STOP;
	}
	x->vals[x->n++] = v;
	return EV_MORE;
}

int ev_values(struct ev *ev, struct rv **slots, const struct term *t,
	      struct rv **vals, size_t max, size_t *nv, bool *more)
{
	char here;
	struct frame fr = { slots };
	struct values_env x = { vals, max, 0, false };
	struct k k = { value_found, &x };

	*nv = 0;
	*more = false;
	if (!probe_start(ev, (uintptr_t)&here) || eval_term(ev, &fr, t, &k) == EV_ERR)
		return -1;
	*nv = x.n;
	*more = x.more;
	return 0;
}

struct rv *ev_group_value(struct ev *ev, const struct rule_group *g)
{
	char here;
	bool err = false;

	if (!probe_start(ev, (uintptr_t)&here))
		return NULL;
	return eval_group(ev, g, &err);
}

static int func_value(struct ev *ev, void *env, struct rv *v)
{
	*(struct rv **)env = v;
	return EV_STOP;
}

struct rv *ev_func_value(struct ev *ev, const struct rule_group *g,
			 struct rv *const *args)
{
	char here;
	struct rv *v = NULL;
	struct k k = { func_value, &v };
	struct term at = { .line = g->line, .col = g->col, .file = g->file };

	if (!probe_start(ev, (uintptr_t)&here) ||
	    call_func(ev, &at, g, args, &k) == EV_ERR)
		return NULL;
	return v;
}
