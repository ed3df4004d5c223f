/* builtins_walk.c - walk(x, [path, value]): every node of a document with
 * the path leading to it, the relation of OPA's topdown/walk.go.
 *
 * Owns rb_walk_defs and the relation's body. The document is walked
 * depth-first, a node before its children (array elements by index,
 * object members and set elements in their sorted order; a set element's
 * key is the element itself), and each [path, node] is handed to the query
 * as it is found, so `walk(x, [_, v]); v == 1` can stop early. The walk
 * keeps its own stack in the evaluation's arena, so a deeply nested
 * document costs memory (bounded by the limit), not C stack. OPA matches a
 * partly known path (walk(x, [["a", k], v])) by descending only through
 * the known keys; here every path is produced and unified, with the same
 * results. */
#include <string.h>
#include "builtins.h"

struct wframe {
	const struct rv *v;
	size_t next; /* child to visit next */
};

static size_t children(const struct rv *v)
{
	return v->type == RV_ARRAY || v->type == RV_SET || v->type == RV_OBJECT ?
	       rv_len(v) : 0;
}

static bool child(struct rb_ctx *c, const struct rv *v, size_t i,
		  struct rv **key, struct rv **val)
{
	switch (v->type) {
	case RV_ARRAY:
		*val = v->u.arr.v[i];
		*key = rv_int(c->arena, (int64_t)i);
		return *key != NULL;
	case RV_SET:
		*key = *val = v->u.arr.v[i];
		return true;
	default:
		*key = v->u.obj.k[i];
		*val = v->u.obj.v[i];
		return true;
	}
}

/* [path[0..n), v] */
static struct rv *pair(struct rb_ctx *c, struct rv **path, size_t n,
		       const struct rv *v)
{
	struct rv_builder b, p;
	size_t i;

	rv_builder_init(&p, c->arena);
	for (i = 0; i < n; i++)
		rv_builder_add(&p, path[i]);
	rv_builder_init(&b, c->arena);
	rv_builder_add(&b, rv_array_finish(&p));
	rv_builder_add(&b, (struct rv *)v);
	return rv_array_finish(&b);
}

/* Room for one more frame and path key. */
static bool grow(struct rb_ctx *c, struct wframe **st, struct rv ***path,
		 size_t *cap)
{
	size_t ncap = *cap ? 2 * *cap : 16;
	struct wframe *s = rv_alloc(c->arena, ncap * sizeof(*s));
	struct rv **p = rv_alloc(c->arena, ncap * sizeof(*p));

	if (!s || !p)
		return false;
	if (*cap) {
		memcpy(s, *st, *cap * sizeof(*s));
		memcpy(p, *path, *cap * sizeof(*p));
	}
	*st = s;
	*path = p;
	*cap = ncap;
	return true;
}

static enum rb_status walk_rel(struct rb_ctx *c, struct rv *const *args,
			       struct rb_yield *y)
{
	struct wframe *st = NULL, *top;
	struct rv **path = NULL, *key, *val;
	size_t depth, cap = 0;

	if (!y->emit(y, pair(c, NULL, 0, args[0])) || !children(args[0]))
		return RB_OK;
	if (!grow(c, &st, &path, &cap))
		return rb_nomem(c);
	st[0].v = args[0];
	st[0].next = 0;
	depth = 1;
	/* path[d] is the key under which st[d + 1] sits in st[d] */
	for (;;) {
		top = &st[depth - 1];
		if (top->next == children(top->v)) {
			if (--depth == 0)
				return RB_OK;
			continue;
		}
		if (!child(c, top->v, top->next++, &key, &val))
			return rb_nomem(c);
		path[depth - 1] = key;
		if (!y->emit(y, pair(c, path, depth, val)))
			return RB_OK;
		if (!children(val))
			continue;
		if (depth == cap && !grow(c, &st, &path, &cap))
			return rb_nomem(c);
		st[depth].v = val;
		st[depth].next = 0;
		depth++;
	}
}

const struct rb_def rb_walk_defs[] = {
	{ "walk", 1, rb_relation_call },
	{ NULL, 0, NULL },
};

rb_rel_fn rb_relation(const char *name)
{
	(void)name; /* walk is the only relation */
	return walk_rel;
}

/* Never called: the evaluator runs rb_relation(name) instead. */
enum rb_status rb_relation_call(struct rb_ctx *c, struct rv *const *args,
				struct rv **out)
{
	(void)args;
	(void)out;
	return rb_error(c, "relation called as a function");
}
