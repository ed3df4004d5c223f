/* builtins_graph.c - graph.reachable and graph.reachable_paths over a graph
 * given as an object from each node to an array or set of its neighbours.
 *
 * Owns rb_graph_defs. As in OPA's topdown/reachable.go, a node without an
 * entry in the graph is never reached (though a path may end at it), and
 * an entry that is not an array or set has no neighbours. Both walks keep
 * their own stacks and marks, indexed by the node's place among the graph's
 * keys, in the evaluation's arena. reachable_paths lists every path that
 * does not revisit a node, which can be exponentially many: its visits are
 * bounded, beyond which it fails (OPA would run until cancelled). */
#include <string.h>
#include "builtins.h"

/* Visits of reachable_paths before it gives up. */
#define PATHS_MAX_VISITS (1u << 24)

/* The index of key among the graph's keys, or -1. */
static ptrdiff_t node_index(const struct rv *g, const struct rv *key)
{
	size_t lo = 0, hi = g->u.obj.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = rv_compare(g->u.obj.k[mid], key);

		if (cmp == 0)
			return (ptrdiff_t)mid;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static size_t edge_count(const struct rv *e)
{
	return e->type == RV_ARRAY || e->type == RV_SET ? e->u.arr.n : 0;
}

static enum rb_status graph_operands(struct rb_ctx *c, struct rv *const *args)
{
	if (!rv_is(args[0], RV_OBJECT))
		return rb_type_error(c, 1, "object", args[0]);
	if (!rv_is(args[1], RV_ARRAY) && !rv_is(args[1], RV_SET)) {
		rb_error(c, "operand 2 must be {array, set} but got %s",
			 rv_type_name(args[1]->type));
		return RB_TYPE_ERROR;
	}
	return RB_OK;
}

static enum rb_status bi_reachable(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	const struct rv *g = args[0], *init = args[1];
	size_t n = g->u.obj.n, qh = 0, qn = 0, i, j;
	size_t *queue;
	bool *seen;
	struct rv_builder b;
	ptrdiff_t k;
	enum rb_status st;

	if ((st = graph_operands(c, args)) != RB_OK)
		return st;
	queue = rv_alloc(c->arena, (n + 1) * sizeof(*queue));
	seen = rv_alloc(c->arena, n + 1);
	if (!queue || !seen)
		return rb_nomem(c);
	for (i = 0; i < init->u.arr.n; i++)
		if ((k = node_index(g, init->u.arr.v[i])) >= 0 && !seen[k]) {
			seen[k] = true;
			queue[qn++] = (size_t)k;
		}
	while (qh < qn) {
		const struct rv *e = g->u.obj.v[queue[qh++]];

		for (j = 0; j < edge_count(e); j++)
			if ((k = node_index(g, e->u.arr.v[j])) >= 0 && !seen[k]) {
				seen[k] = true;
				queue[qn++] = (size_t)k;
			}
	}
	rv_builder_init(&b, c->arena);
	for (i = 0; i < n; i++)
		if (seen[i])
			rv_builder_add(&b, g->u.obj.k[i]);
	*out = rv_set_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- graph.reachable_paths ---- */

struct pframe {
	size_t node;  /* index among the graph's keys */
	size_t next;  /* neighbour to try next */
};

struct paths {
	struct rb_ctx *c;
	const struct rv *g;
	struct pframe *st;  /* the path: st[0..depth) */
	size_t depth;
	size_t *on_path;    /* times each node is on the path */
	struct rv_builder out;
	unsigned long visits;
};

/* The current path as an array. */
static void add_path(struct paths *p)
{
	struct rv_builder b;
	size_t i;

	rv_builder_init(&b, p->c->arena);
	for (i = 0; i < p->depth; i++)
		rv_builder_add(&b, p->g->u.obj.k[p->st[i].node]);
	rv_builder_add(&p->out, rv_array_finish(&b));
}

/* All paths from the node st[0], which has neighbours (OPA's pathBuilder
 * for each of them, unrolled). The start's own neighbours are entered even
 * when on the path (a self-loop gives [a, a]); deeper, a neighbour on the
 * path ends it. */
static bool paths_from(struct paths *p)
{
	while (p->depth) {
		struct pframe *top = &p->st[p->depth - 1];
		const struct rv *e = p->g->u.obj.v[top->node], *nb;
		ptrdiff_t k;

		if (top->next == edge_count(e)) {
			p->on_path[top->node]--;
			p->depth--;
			continue;
		}
		if (++p->visits > PATHS_MAX_VISITS || p->out.failed)
			return false;
		nb = e->u.arr.v[top->next++];
		k = node_index(p->g, nb);
		if (k >= 0 && p->on_path[k] && p->depth > 1) {
			add_path(p);      /* a cycle ends the path here */
			continue;
		}
		if (k < 0) {
			add_path(p);      /* a node with no entry is not on it */
			continue;
		}
		p->on_path[k]++;
		p->st[p->depth].node = (size_t)k;
		p->st[p->depth].next = 0;
		p->depth++;
		if (!edge_count(p->g->u.obj.v[k])) {
			add_path(p);      /* a dead end */
			p->on_path[k]--;
			p->depth--;
		}
	}
	return true;
}

static enum rb_status bi_reachable_paths(struct rb_ctx *c, struct rv *const *args,
					 struct rv **out)
{
	const struct rv *init = args[1];
	struct paths p;
	size_t i, n;
	ptrdiff_t k;
	enum rb_status st;

	if ((st = graph_operands(c, args)) != RB_OK)
		return st;
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.g = args[0];
	n = p.g->u.obj.n;
	p.st = rv_alloc(c->arena, (n + 1) * sizeof(*p.st));
	p.on_path = rv_alloc(c->arena, (n + 1) * sizeof(*p.on_path));
	if (!p.st || !p.on_path)
		return rb_nomem(c);
	rv_builder_init(&p.out, c->arena);
	for (i = 0; i < init->u.arr.n; i++) {
		if ((k = node_index(p.g, init->u.arr.v[i])) < 0)
			continue;
		p.st[0].node = (size_t)k;
		p.st[0].next = 0;
		p.depth = 1;
		if (!edge_count(p.g->u.obj.v[k])) {
			add_path(&p);
			continue;
		}
		p.on_path[k]++;
		if (!paths_from(&p)) {
			if (c->arena->exhausted || p.out.failed)
				return rb_nomem(c);
			return rb_error(c, "too many paths (more than %u steps)",
					PATHS_MAX_VISITS);
		}
	}
	*out = rv_set_finish(&p.out);
	return *out ? RB_OK : rb_nomem(c);
}

const struct rb_def rb_graph_defs[] = {
	{ "graph.reachable", 2, bi_reachable },
	{ "graph.reachable_paths", 2, bi_reachable_paths },
	{ NULL, 0, NULL },
};
