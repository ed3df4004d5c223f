/* doctree.c - the document rules with reference heads build (doctree.h).
 *
 * Puts are only recorded; dt_value sorts them by path (a path sorts
 * before its extensions) and builds the document in one pass, so many
 * keys cost n log n, not a search per put. */
#include <stdlib.h>
#include <string.h>
#include "doctree.h"

struct dt_entry {
	struct rv **path;
	size_t n;
	struct rv *v;
	enum dt_put how;
};

struct doctree {
	struct rv_arena *a;
	struct dt_entry *e;
	size_t n, cap;
	bool conflict;
};

struct doctree *dt_new(struct rv_arena *a)
{
	struct doctree *t = rv_alloc(a, sizeof(*t));

	if (t)
		t->a = a;
	return t;
}

enum dt_result dt_put(struct doctree *t, struct rv *const *path, size_t n,
		      struct rv *v, enum dt_put how)
{
	struct dt_entry *e;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		e = rv_alloc(t->a, cap * sizeof(*e));
		if (!e)
			return DT_NOMEM;
		if (t->n)
			memcpy(e, t->e, t->n * sizeof(*e));
		t->e = e;
		t->cap = cap;
	}
	e = &t->e[t->n];
	e->path = rv_alloc(t->a, (n ? n : 1) * sizeof(*e->path));
	if (!e->path)
		return DT_NOMEM;
	if (n)
		memcpy(e->path, path, n * sizeof(*e->path));
	e->n = n;
	e->v = v;
	e->how = how;
	t->n++;
	return DT_OK;
}

static int cmp_entry(const void *x, const void *y)
{
	const struct dt_entry *a = x, *b = y;
	size_t i;
	int c;

	for (i = 0; i < a->n && i < b->n; i++)
		if ((c = rv_compare(a->path[i], b->path[i])) != 0)
			return c;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* The value of e[lo, hi), which all share the path up to depth. Depth
 * is bounded by the longest path put: the rule tree's depth plus a
 * head's length. NULL on a conflict (t->conflict) or out of memory. */
static struct rv *build(struct doctree *t, size_t lo, size_t hi, size_t depth)
{
	struct rv_builder set, obj;
	struct rv *leaf = NULL;
	bool is_set = false;
	size_t i = lo, j, k;

	for (; i < hi && t->e[i].n == depth; i++) {
		const struct dt_entry *e = &t->e[i];

		if (e->how == DT_LEAF) {
			if (is_set || (leaf && !rv_equal(leaf, e->v)))
				goto conflict;
			leaf = e->v;
		} else if (e->how == DT_SET) {
			if (leaf)
				goto conflict;
			if (!is_set)
				rv_builder_init(&set, t->a);
			is_set = true;
			for (j = 0; j < e->v->u.arr.n; j++)
				if (!rv_builder_add(&set, e->v->u.arr.v[j]))
					return NULL;
		}
	}
	if (leaf || is_set) {
		/* nothing may reach inside another rule's value; an empty
		 * package or prefix there is no value */
		for (; i < hi; i++)
			if (t->e[i].how != DT_INTERIOR)
				goto conflict;
		return leaf ? leaf : rv_set_finish(&set);
	}
	rv_builder_init(&obj, t->a);
	for (j = i; j < hi; j = k) {
		struct rv *key = t->e[j].path[depth], *v;

		for (k = j + 1; k < hi && rv_equal(t->e[k].path[depth], key); k++)
			;
		v = build(t, j, k, depth + 1);
		if (!v || !rv_builder_put(&obj, key, v))
			return NULL;
	}
	return rv_object_finish(&obj, NULL);
conflict:
	t->conflict = true;
	return NULL;
}

struct rv *dt_value(struct doctree *t, bool *conflict)
{
	struct rv *v;

	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	v = build(t, 0, t->n, 0);
	*conflict = t->conflict;
	return v;
}
