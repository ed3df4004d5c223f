/* compile.c - from parsed modules to an evaluable policy.
 *
 * Builds the tree of rule paths under data and groups rule definitions,
 * rejecting conflicting kinds; resolves every name (locals to frame slots,
 * rules of the package and imports to data references, calls to built-ins
 * or functions, unknown ones being errors); and orders each body the way
 * OPA's safety check does: an expression runs once every variable it
 * reads is bound, and a variable no expression can bind is "unsafe". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

struct svar {
	const char *name;
	int slot;
	bool declared; /* by := or some, not by first use */
};

struct scope {
	struct scope *up;
	struct svar *v;
	size_t n, cap;
	bool closure;          /* comprehension or every body */
	int **free;            /* closure: where captured slots go */
	size_t *nfree;
	size_t capfree;
};

struct cctx {
	struct rego_policy *p;
	struct module *m;      /* NULL for queries */
	struct dnode *pkg;     /* the module's package node */
	struct rv_arena *a;
	struct eaa_err *err;
	const char *file;
	int nslots, capslots;
	const char **slotname;
	struct scope *sc;
	bool failed;
};

static bool cfail(struct cctx *c, int line, int col, const char *fmt, ...)
	EAA_PRINTF(4, 5);

static bool cfail(struct cctx *c, int line, int col, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (c->failed)
		return false;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eaa_fail(c->err, EAA_E_FORMAT, "%s:%d:%d: %s", c->file, line, col,
			msg);
}

static void *calloc_a(struct cctx *c, size_t n)
{
	void *v = rv_alloc(c->a, n);

	if (!v && !c->failed) {
		c->failed = true;
		eaa_fail(c->err, EAA_E_NOMEM, "%s: out of memory compiling", c->file);
	}
	return v;
}

/* ---- the rule tree ---- */

static int cmp_node(const void *k, const void *n)
{
	return rv_compare(k, (*(struct dnode *const *)n)->name);
}

struct dnode *dnode_child(const struct dnode *n, const struct rv *name)
{
	struct dnode **d;

	if (!n || !n->nkids)
		return NULL;
	d = bsearch(name, n->kids, n->nkids, sizeof(*n->kids), cmp_node);
	return d ? *d : NULL;
}

static struct dnode *dnode_add(struct cctx *c, struct dnode *n, struct rv *name)
{
	struct dnode *k = dnode_child(n, name);
	size_t i;

	if (k)
		return k;
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct dnode **kids = calloc_a(c, cap * sizeof(*kids));

		if (!kids)
			return NULL;
		if (n->nkids)
			memcpy(kids, n->kids, n->nkids * sizeof(*kids));
		n->kids = kids;
		n->cap = cap;
	}
	k = calloc_a(c, sizeof(*k));
	if (!k)
		return NULL;
	k->name = name;
	for (i = n->nkids; i > 0 && rv_compare(n->kids[i - 1]->name, name) > 0; i--)
		n->kids[i] = n->kids[i - 1];
	n->kids[i] = k;
	n->nkids++;
	return k;
}

static struct dnode *pkg_node(struct cctx *c, struct module *m)
{
	struct dnode *n = c->p->root;
	size_t i;

	for (i = 0; n && i < m->npkg; i++)
		n = dnode_add(c, n, m->pkg[i]);
	return n;
}

static const char *kind_name(enum rule_kind k)
{
	static const char *const names[] = { "complete rule", "partial set rule",
					     "partial object rule", "function",
					     "rule with variables in its head" };

	return names[k];
}

static const char *group_path(struct cctx *c, const struct module *m,
			      const char *name)
{
	size_t len = strlen("data.") + strlen(name) + 1, i;
	char *s;

	for (i = 0; i < m->npkg; i++)
		len += m->pkg[i]->u.str.len + 1;
	s = calloc_a(c, len);
	if (!s)
		return "?";
	strcpy(s, "data");
	for (i = 0; i < m->npkg; i++) {
		strcat(s, ".");
		strcat(s, m->pkg[i]->u.str.s);
	}
	strcat(s, ".");
	strcat(s, name);
	return s;
}

static bool add_rule(struct cctx *c, struct module *m, struct rule *r)
{
	struct dnode *n = pkg_node(c, m);
	struct rule_group *g;
	size_t i;

	/* dotted heads: a.b.c */
	for (i = 0; n && i < r->nspath; i++)
		n = dnode_add(c, n, r->spath[i]);
	if (!n)
		return false;
	g = r->gpath ? n->gen : n->group;
	if (!g) {
		g = calloc_a(c, sizeof(*g));
		if (!g)
			return false;
		g->kind = r->gpath ? R_GENERAL : r->kind;
		g->name = r->name;
		g->path = group_path(c, m, r->name);
		g->nargs = (unsigned)r->nargs;
		g->file = r->file;
		g->line = r->line;
		g->col = r->col;
		g->id = (int)c->p->ngroups;
		if (c->p->ngroups == c->p->capgroups) {
			size_t cap = c->p->capgroups ? c->p->capgroups * 2 : 16;
			struct rule_group **v = calloc_a(c, cap * sizeof(*v));

			if (!v)
				return false;
			if (c->p->ngroups)
				memcpy(v, c->p->groups, c->p->ngroups * sizeof(*v));
			c->p->groups = v;
			c->p->capgroups = cap;
		}
		c->p->groups[c->p->ngroups++] = g;
		if (r->gpath)
			n->gen = g;
		else
			n->group = g;
	}
	if (g->kind == R_GENERAL)
		goto append;
	if (g->kind != r->kind || (r->kind == R_FUNC && g->nargs != r->nargs))
		return cfail(c, r->line, r->col,
			     "conflicting rules %s: %s here, %s at %s:%d", r->name,
			     kind_name(r->kind), kind_name(g->kind), g->file, g->line);
	if (r->is_default) {
		if (g->def)
			return cfail(c, r->line, r->col,
				     "multiple default rules %s found (also at %s:%d)",
				     r->name, g->def->file, g->def->line);
		g->def = r;
		return true;
	}
append:
	if (g->last)
		g->last->next = r;
	else
		g->first = r;
	g->last = r;
	return true;
}

/* ---- scopes and slots ---- */

static int new_slot(struct cctx *c, const char *name)
{
	if (c->nslots == c->capslots) {
		int cap = c->capslots ? c->capslots * 2 : 16;
		const char **v = calloc_a(c, (size_t)cap * sizeof(*v));

		if (!v)
			return -1;
		if (c->nslots)
			memcpy(v, c->slotname, (size_t)c->nslots * sizeof(*v));
		c->slotname = v;
		c->capslots = cap;
	}
	c->slotname[c->nslots] = name;
	return c->nslots++;
}

static int declare(struct cctx *c, const char *name)
{
	struct scope *s = c->sc;
	int slot;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct svar *v = calloc_a(c, cap * sizeof(*v));

		if (!v)
			return -1;
		if (s->n)
			memcpy(v, s->v, s->n * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	slot = new_slot(c, name);
	if (slot < 0)
		return -1;
	s->v[s->n].name = name;
	s->v[s->n++].slot = slot;
	return slot;
}

static void capture(struct cctx *c, struct scope *s, int slot)
{
	size_t i;

	for (i = 0; i < *s->nfree; i++)
		if ((*s->free)[i] == slot)
			return;
	if (*s->nfree == s->capfree) {
		size_t cap = s->capfree ? s->capfree * 2 : 4;
		int *v = calloc_a(c, cap * sizeof(*v));

		if (!v)
			return;
		if (*s->nfree)
			memcpy(v, *s->free, *s->nfree * sizeof(*v));
		*s->free = v;
		s->capfree = cap;
	}
	(*s->free)[(*s->nfree)++] = slot;
}

/* The slot of a visible local, or -1; records captures by closures. */
static int lookup(struct cctx *c, const char *name)
{
	struct scope *s;
	size_t i;

	for (s = c->sc; s; s = s->up) {
		for (i = s->n; i-- > 0;) {
			if (strcmp(s->v[i].name, name) == 0) {
				struct scope *t;

				for (t = c->sc; t != s; t = t->up)
					if (t->closure)
						capture(c, t, s->v[i].slot);
				return s->v[i].slot;
			}
		}
	}
	return -1;
}

/* 0: not in the current scope; 1: used there; 2: declared there. */
static int in_current_scope(struct cctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->sc->n; i++)
		if (strcmp(c->sc->v[i].name, name) == 0)
			return c->sc->v[i].declared ? 2 : 1;
	return 0;
}

static int declare_explicit(struct cctx *c, const char *name)
{
	int slot = declare(c, name);

	if (slot >= 0)
		c->sc->v[c->sc->n - 1].declared = true;
	return slot;
}

/* ---- name resolution ---- */

static bool resolve_term(struct cctx *c, struct term *t);
static bool resolve_body(struct cctx *c, struct body *b);

static struct term *string_term(struct cctx *c, struct rv *s, int line, int col)
{
	struct term *t = calloc_a(c, sizeof(*t));

	if (t) {
		t->kind = T_VALUE;
		t->u.value = s;
		t->line = line;
		t->col = col;
		t->file = c->file;
	}
	return t;
}

/* Turn var term t into the reference data.<path...>. */
static bool make_data_ref(struct cctx *c, struct term *t, struct rv *const *path,
			  size_t n)
{
	struct term *head = calloc_a(c, sizeof(*head));
	struct term **p = calloc_a(c, (n ? n : 1) * sizeof(*p));
	size_t i;

	if (!head || !p)
		return false;
	head->kind = T_VAR;
	head->u.var.name = "data";
	head->u.var.kind = V_DATA;
	head->line = t->line;
	head->col = t->col;
	head->file = t->file;
	for (i = 0; i < n; i++)
		if (!(p[i] = string_term(c, path[i], t->line, t->col)))
			return false;
	if (n == 0) {
		*t = *head;
		return true;
	}
	t->kind = T_REF;
	t->u.ref.head = head;
	t->u.ref.path = p;
	t->u.ref.n = n;
	return true;
}

/* An import's alias for name, resolved to a copy of its reference. */
static const struct import *import_for(struct cctx *c, const char *name)
{
	size_t i;

	if (!c->m)
		return NULL;
	for (i = 0; i < c->m->nimports; i++) {
		const struct import *im = &c->m->imports[i];
		const struct term *r = im->ref;
		const char *alias = im->alias;

		if (!alias) {
			if (r->kind == T_VAR)
				alias = r->u.var.name;
			else if (r->u.ref.n)
				alias = r->u.ref.path[r->u.ref.n - 1]->u.value->u.str.s;
		}
		if (alias && strcmp(alias, name) == 0)
			return im;
	}
	return NULL;
}

static bool resolve_import(struct cctx *c, struct term *t, const struct import *im)
{
	const struct term *r = im->ref;
	const char *root = r->kind == T_VAR ? r->u.var.name : r->u.ref.head->u.var.name;
	struct term *head = calloc_a(c, sizeof(*head));

	if (!head)
		return false;
	if (strcmp(root, "data") != 0 && strcmp(root, "input") != 0)
		return cfail(c, im->line, im->col,
			     "import %s: only data and input can be imported", root);
	head->kind = T_VAR;
	head->u.var.name = root;
	head->u.var.kind = root[0] == 'd' ? V_DATA : V_INPUT;
	if (r->kind == T_VAR) {
		*t = *head;
		return true;
	}
	t->kind = T_REF;
	t->u.ref.head = head;
	t->u.ref.path = r->u.ref.path;
	t->u.ref.n = r->u.ref.n;
	return true;
}

static bool is_future_import(const struct term *r)
{
	const char *root = r->kind == T_VAR ? r->u.var.name :
			   r->kind == T_REF ? r->u.ref.head->u.var.name : "";

	return strcmp(root, "future") == 0 || strcmp(root, "rego") == 0;
}

static bool resolve_var(struct cctx *c, struct term *t)
{
	const char *name = t->u.var.name;
	const struct import *im;
	int slot;

	if (strcmp(name, "_") == 0) {
		slot = new_slot(c, "_");
		t->u.var.kind = V_WILD;
		t->u.var.slot = slot;
		return slot >= 0;
	}
	if ((slot = lookup(c, name)) >= 0) {
		t->u.var.kind = V_LOCAL;
		t->u.var.slot = slot;
		return true;
	}
	if (strcmp(name, "input") == 0) {
		t->u.var.kind = V_INPUT;
		return true;
	}
	if (strcmp(name, "data") == 0) {
		t->u.var.kind = V_DATA;
		return true;
	}
	if ((im = import_for(c, name)) != NULL && !is_future_import(im->ref))
		return resolve_import(c, t, im);
	if (c->pkg && dnode_child(c->pkg, rv_cstring(c->a, name))) {
		struct rv **path = calloc_a(c, (c->m->npkg + 1) * sizeof(*path));

		if (!path)
			return false;
		memcpy(path, c->m->pkg, c->m->npkg * sizeof(*path));
		path[c->m->npkg] = rv_cstring(c->a, name);
		return make_data_ref(c, t, path, c->m->npkg + 1);
	}
	slot = declare(c, name);
	t->u.var.kind = V_LOCAL;
	t->u.var.slot = slot;
	return slot >= 0;
}

/* The dotted name of a call target ("count", "strings.replace_n"). */
static char *call_name(struct cctx *c, const struct term *fn)
{
	size_t len, i;
	char *s;

	if (fn->kind == T_VAR) {
		s = rv_strndup(c->a, fn->u.var.name, strlen(fn->u.var.name));
		return s;
	}
	len = strlen(fn->u.ref.head->u.var.name) + 1;
	for (i = 0; i < fn->u.ref.n; i++)
		len += fn->u.ref.path[i]->u.value->u.str.len + 1;
	s = calloc_a(c, len);
	if (!s)
		return NULL;
	strcpy(s, fn->u.ref.head->u.var.name);
	for (i = 0; i < fn->u.ref.n; i++) {
		strcat(s, ".");
		strcat(s, fn->u.ref.path[i]->u.value->u.str.s);
	}
	return s;
}

/* The function group at data.<path> for a call target, or NULL. */
static struct rule_group *func_at(struct cctx *c, const struct term *fn)
{
	const struct dnode *n = c->p->root;
	struct term tmp = *fn;
	size_t i;

	if (fn->kind == T_VAR) {
		const char *name = fn->u.var.name;
		const struct import *im = import_for(c, name);

		if (c->pkg && (n = dnode_child(c->pkg, rv_cstring(c->a, name))) != NULL)
			return n->group;
		if (!im || is_future_import(im->ref))
			return NULL;
		if (!resolve_import(c, &tmp, im) || tmp.kind != T_REF)
			return NULL;
	} else {
		const char *root = fn->u.ref.head->u.var.name;
		const struct import *im = import_for(c, root);

		if (strcmp(root, "data") != 0) {
			struct term head = *fn->u.ref.head;

			if (c->pkg && (n = dnode_child(c->pkg, rv_cstring(c->a, root)))) {
				for (i = 0; n && i < fn->u.ref.n; i++)
					n = dnode_child(n, fn->u.ref.path[i]->u.value);
				return n ? n->group : NULL;
			}
			if (!im || is_future_import(im->ref) ||
			    !resolve_import(c, &head, im) || head.kind != T_REF)
				return NULL;
			n = c->p->root;
			for (i = 0; n && i < head.u.ref.n; i++)
				n = dnode_child(n, head.u.ref.path[i]->u.value);
			for (i = 0; n && i < fn->u.ref.n; i++)
				n = dnode_child(n, fn->u.ref.path[i]->u.value);
			return n ? n->group : NULL;
		}
	}
	n = c->p->root;
	for (i = 0; n && i < tmp.u.ref.n; i++)
		n = dnode_child(n, tmp.u.ref.path[i]->u.value);
	return n ? n->group : NULL;
}

static bool resolve_call(struct cctx *c, struct term *t)
{
	struct term *fn = t->u.call.fn;
	struct rule_group *g = func_at(c, fn);
	size_t i, n = t->u.call.n;
	char *name;

	if (g) {
		if (g->kind != R_FUNC)
			return cfail(c, t->line, t->col, "%s is a rule, not a function",
				     g->name);
		if (n != g->nargs && n != g->nargs + 1)
			return cfail(c, t->line, t->col,
				     "function %s takes %u arguments, %zu given",
				     g->name, g->nargs, n);
		t->u.call.func = g;
	} else {
		name = call_name(c, fn);
		if (!name)
			return false;
		t->u.call.builtin = rb_lookup(name, strlen(name));
		if (!t->u.call.builtin)
			return cfail(c, t->line, t->col, "unknown function %s", name);
		if (n != t->u.call.builtin->nargs && n != t->u.call.builtin->nargs + 1)
			return cfail(c, t->line, t->col,
				     "%s takes %u arguments, %zu given", name,
				     t->u.call.builtin->nargs, n);
	}
	for (i = 0; i < n; i++)
		if (!resolve_term(c, t->u.call.args[i]))
			return false;
	return true;
}

static bool push_scope(struct cctx *c, struct scope *s, bool closure, int **free,
		       size_t *nfree)
{
	memset(s, 0, sizeof(*s));
	s->up = c->sc;
	s->closure = closure;
	s->free = free;
	s->nfree = nfree;
	c->sc = s;
	return true;
}

static void pop_scope(struct cctx *c)
{
	c->sc = c->sc->up;
}

static const struct term *wildcard_in(const struct term *t);

/* As OPA: a template string's expression reads variables of the enclosing
 * body; one it would bind (a new name, or `_`) is "undeclared". Its scope
 * holds the capture variable alone. */
static bool template_reads_only(struct cctx *c, const struct term *t,
				const struct scope *s)
{
	const struct expr *e = t->u.comp.body->e[0];
	const struct term *w = wildcard_in(e->b);
	size_t i;

	if (w)
		return cfail(c, w->line, w->col, "var _ is undeclared");
	for (i = 0; i < s->n; i++)
		if (s->v[i].slot != t->u.comp.value->u.var.slot)
			return cfail(c, e->b->line, e->b->col, "var %s is undeclared",
				     s->v[i].name);
	return true;
}

static bool resolve_term(struct cctx *c, struct term *t)
{
	struct scope s;
	size_t i;
	bool ok;

	if (c->failed)
		return false;
	switch (t->kind) {
	case T_VALUE:
		return true;
	case T_VAR:
		return resolve_var(c, t);
	case T_REF:
		if (!resolve_term(c, t->u.ref.head))
			return false;
		if (t->u.ref.head->kind == T_REF) {
			/* the head named a rule or import: splice its path */
			struct term *h = t->u.ref.head;
			size_t n = h->u.ref.n + t->u.ref.n;
			struct term **p = calloc_a(c, n * sizeof(*p));

			if (!p)
				return false;
			memcpy(p, h->u.ref.path, h->u.ref.n * sizeof(*p));
			memcpy(p + h->u.ref.n, t->u.ref.path, t->u.ref.n * sizeof(*p));
			t->u.ref.head = h->u.ref.head;
			t->u.ref.path = p;
			t->u.ref.n = n;
		}
		for (i = 0; i < t->u.ref.n; i++)
			if (!resolve_term(c, t->u.ref.path[i]))
				return false;
		return true;
	case T_ARRAY:
	case T_SET:
		for (i = 0; i < t->u.coll.n; i++)
			if (!resolve_term(c, t->u.coll.items[i]))
				return false;
		return true;
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (!resolve_term(c, t->u.coll.items[i]) ||
			    !resolve_term(c, t->u.coll.vals[i]))
				return false;
		return true;
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		push_scope(c, &s, true, &t->u.comp.free, &t->u.comp.nfree);
		ok = resolve_body(c, t->u.comp.body) &&
		     (!t->u.comp.key || resolve_term(c, t->u.comp.key)) &&
		     resolve_term(c, t->u.comp.value);
		pop_scope(c);
		if (ok && t->u.comp.template)
			return template_reads_only(c, t, &s);
		return ok;
	case T_CALL:
		return resolve_call(c, t);
	}
	return false;
}

/* Declare the variables of an assignment's left side (x, [x, y], {"k": x}). */
static bool declare_pattern(struct cctx *c, struct term *t)
{
	size_t i;

	switch (t->kind) {
	case T_VAR:
		if (strcmp(t->u.var.name, "_") == 0)
			return resolve_var(c, t);
		switch (in_current_scope(c, t->u.var.name)) {
		case 1:
			return cfail(c, t->line, t->col, "var %s referenced above",
				     t->u.var.name);
		case 2:
			return cfail(c, t->line, t->col, "var %s assigned above",
				     t->u.var.name);
		}
		t->u.var.kind = V_LOCAL;
		t->u.var.slot = declare_explicit(c, t->u.var.name);
		return t->u.var.slot >= 0;
	case T_ARRAY:
		for (i = 0; i < t->u.coll.n; i++)
			if (!declare_pattern(c, t->u.coll.items[i]))
				return false;
		return true;
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (!resolve_term(c, t->u.coll.items[i]) ||
			    !declare_pattern(c, t->u.coll.vals[i]))
				return false;
		return true;
	case T_VALUE:
		return true;
	default:
		return cfail(c, t->line, t->col,
			     "cannot assign to this term: only variables, arrays and objects");
	}
}

static bool declare_member(struct cctx *c, struct term *t)
{
	if (t->kind == T_VAR || t->kind == T_ARRAY || t->kind == T_OBJECT ||
	    t->kind == T_VALUE)
		return declare_pattern(c, t);
	return resolve_term(c, t);
}

/* `with f as g` / `with count as 1`: the target is a function or a
 * built-in we have (as OPA, whose compiler refuses built-ins missing from
 * its capabilities); the replacement is a function or built-in when the
 * value names one, else a value every call gives. */
static bool resolve_mock(struct cctx *c, struct with *w)
{
	struct term *t = w->target, *v = w->value;
	struct rule_group *g = func_at(c, t);
	unsigned nargs;
	char *name;

	if (g && g->kind == R_FUNC) {
		w->mock_func = g;
		nargs = g->nargs;
	} else {
		if (g || !(name = call_name(c, t)))
			return c->failed ? false :
			       cfail(c, t->line, t->col,
				     "rego_type_error: with keyword target must reference existing input, data, or a function");
		if (strncmp(name, "internal.", 9) == 0)
			return cfail(c, t->line, t->col,
				     "rego_compile_error: with keyword replacing built-in function: replacement of internal function \"%s\" invalid",
				     name);
		w->mock_builtin = rb_lookup(name, strlen(name));
		if (!w->mock_builtin)
			return cfail(c, t->line, t->col,
				     "rego_type_error: with keyword target must reference existing input, data, or a function");
		nargs = w->mock_builtin->nargs;
	}
	if (term_is_name(v) && !(v->kind == T_VAR && lookup(c, v->u.var.name) >= 0)) {
		g = func_at(c, v);
		if (g && g->kind == R_FUNC)
			w->fn_func = g;
		else if (!g && (name = call_name(c, v)) != NULL)
			w->fn_builtin = rb_lookup(name, strlen(name));
		if (c->failed)
			return false;
	}
	if (w->fn_func || w->fn_builtin) {
		unsigned n = w->fn_func ? w->fn_func->nargs : w->fn_builtin->nargs;

		if (n != nargs)
			return cfail(c, v->line, v->col,
				     "rego_type_error: %s: arity mismatch",
				     w->mock_func ? w->mock_func->path : w->mock_builtin->name);
		w->value = calloc_a(c, sizeof(*w->value));
		if (!w->value)
			return false;
		*w->value = *v;
		w->value->kind = T_VALUE;
		w->value->u.value = rv_null();
		return true;
	}
	return resolve_term(c, v);
}

static bool resolve_with(struct cctx *c, struct with *w)
{
	struct term *t = w->target;
	const char *root;
	size_t i;

	root = t->kind == T_VAR ? t->u.var.name :
	       t->kind == T_REF && t->u.ref.head->kind == T_VAR ?
	       t->u.ref.head->u.var.name : NULL;
	if (term_is_name(t) && strcmp(root, "input") != 0) {
		struct rule_group *g = func_at(c, t);

		if (g ? g->kind == R_FUNC : strcmp(root, "data") != 0 &&
					    !dnode_child(c->pkg, rv_cstring(c->a, root)) &&
					    !import_for(c, root))
			return resolve_mock(c, w);
		/* a rule of the package or an import: its data path */
		if (!resolve_term(c, t))
			return false;
		if (t->kind == T_VAR && t->u.var.kind == V_DATA)
			root = "data";
		else if (t->kind == T_REF && t->u.ref.head->kind == T_VAR &&
			 t->u.ref.head->u.var.kind == V_DATA)
			root = "data";
	}
	if (c->failed || !resolve_term(c, w->value))
		return false;
	if (!root || (strcmp(root, "input") != 0 && strcmp(root, "data") != 0))
		return cfail(c, t->line, t->col,
			     "rego_type_error: with keyword target must reference existing input, data, or a function");
	w->is_data = root[0] == 'd';
	w->npath = t->kind == T_REF ? t->u.ref.n : 0;
	w->path = calloc_a(c, (w->npath + 1) * sizeof(*w->path));
	if (!w->path)
		return false;
	for (i = 0; i < w->npath; i++) {
		const struct term *e = t->u.ref.path[i];

		if (e->kind != T_VALUE || e->u.value->type != RV_STRING)
			return cfail(c, t->line, t->col, "with: the target path must be constant names");
		w->path[i] = e->u.value;
	}
	if (w->is_data) {
		/* as OPA: a rule's value is replaced whole or not at all */
		const struct dnode *n = c->p->root;

		for (i = 0; n && i + 1 < w->npath; i++) {
			n = dnode_child(n, w->path[i]);
			if (n && (n->group || n->gen))
				return cfail(c, t->line, t->col,
					     "rego_compile_error: with keyword cannot partially replace virtual document(s)");
		}
	}
	return true;
}

/* {"a": x, "b": 1} = {"b": y, "a": 2}: with the same constant keys on both
 * sides, unify value by value, as arrays in key order, so variables on
 * either side can be bound. */
static void align_objects(struct cctx *c, struct expr *e)
{
	struct term *a = e->a, *b = e->b, **bv;
	size_t i, j;

	if (a->kind != T_OBJECT || b->kind != T_OBJECT || a->u.coll.n != b->u.coll.n)
		return;
	bv = calloc_a(c, (a->u.coll.n + 1) * sizeof(*bv));
	if (!bv)
		return;
	for (i = 0; i < a->u.coll.n; i++) {
		const struct term *ka = a->u.coll.items[i];

		if (ka->kind != T_VALUE)
			return;
		for (j = 0; j < b->u.coll.n; j++) {
			const struct term *kb = b->u.coll.items[j];

			if (kb->kind == T_VALUE && rv_equal(ka->u.value, kb->u.value))
				break;
		}
		if (j == b->u.coll.n)
			return;
		bv[i] = b->u.coll.vals[j];
	}
	a->kind = T_ARRAY;
	a->u.coll.items = a->u.coll.vals;
	b->kind = T_ARRAY;
	b->u.coll.items = bv;
}

static bool resolve_expr(struct cctx *c, struct expr *e);

/* A `_` of t itself (not of its comprehensions), or NULL. */
static const struct term *wildcard_in(const struct term *t)
{
	const struct term *w = NULL;
	size_t i;

	if (!t)
		return NULL;
	switch (t->kind) {
	case T_VAR:
		return t->u.var.kind == V_WILD ? t : NULL;
	case T_REF:
		w = wildcard_in(t->u.ref.head);
		for (i = 0; !w && i < t->u.ref.n; i++)
			w = wildcard_in(t->u.ref.path[i]);
		return w;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; !w && i < t->u.coll.n; i++) {
			w = wildcard_in(t->u.coll.items[i]);
			if (!w && t->kind == T_OBJECT)
				w = wildcard_in(t->u.coll.vals[i]);
		}
		return w;
	case T_CALL:
		for (i = 0; !w && i < t->u.call.n; i++)
			w = wildcard_in(t->u.call.args[i]);
		return w;
	default:
		return NULL;
	}
}

/* An operand of and/or/not is a scope of its own: `{ a := 1 } and
 * { a := 2 }` declares two locals. As in OPA, only a braced operand may
 * declare any; in `x = 1 or y` x must come from the enclosing body, and
 * `x := 1 or y` would assign a variable nothing can see. */
static bool resolve_operand(struct cctx *c, struct expr *e, struct body *b,
			    int **free, size_t *nfree)
{
	struct scope s;
	bool ok;

	push_scope(c, &s, true, free, nfree);
	ok = resolve_body(c, b);
	pop_scope(c);
	if (!ok || b->braced)
		return ok;
	if (b->n == 1 && b->e[0]->kind == E_ASSIGN)
		return cfail(c, b->e[0]->line, b->e[0]->col,
			     e->kind == E_NOT ? "cannot assign vars inside negated expression" :
			     e->kind == E_AND ? "cannot assign vars inside implicit and operand" :
			     "cannot assign vars inside implicit or operand");
	if (s.n)
		return cfail(c, b->e[0]->line, b->e[0]->col, "var %s is unsafe",
			     s.v[0].name);
	{
		/* OPA takes an implicit operand's `_` as the enclosing
		 * body's, which nothing binds */
		const struct term *w = wildcard_in(b->e[0]->a);

		if (!w)
			w = wildcard_in(b->e[0]->b);
		if (w)
			return cfail(c, w->line, w->col, "var _ is unsafe");
	}
	return true;
}

static bool resolve_expr(struct cctx *c, struct expr *e)
{
	struct scope s;
	size_t i;
	bool ok;

	switch (e->kind) {
	case E_TERM:
		if (!resolve_term(c, e->a))
			return false;
		break;
	case E_UNIFY:
		if (!resolve_term(c, e->a) || !resolve_term(c, e->b))
			return false;
		align_objects(c, e);
		break;
	case E_ASSIGN:
		if (!resolve_term(c, e->b) || !declare_pattern(c, e->a))
			return false;
		break;
	case E_SOME:
		for (i = 0; i < e->ndecl; i++) {
			struct term *v = e->decl[i];

			if (in_current_scope(c, v->u.var.name))
				return cfail(c, v->line, v->col, "var %s declared above",
					     v->u.var.name);
			v->u.var.kind = V_LOCAL;
			if ((v->u.var.slot = declare_explicit(c, v->u.var.name)) < 0)
				return false;
		}
		break;
	case E_SOME_IN:
		/* a value that is not a pattern (some f(x) in xs) is only
		 * looked for */
		if (!resolve_term(c, e->coll) ||
		    (e->key && !declare_member(c, e->key)) ||
		    !declare_member(c, e->val))
			return false;
		break;
	case E_EVERY:
		if (!resolve_term(c, e->coll))
			return false;
		push_scope(c, &s, true, &e->free, &e->nfree);
		ok = (!e->key || declare_pattern(c, e->key)) &&
		     declare_pattern(c, e->val) && resolve_body(c, e->body);
		pop_scope(c);
		if (!ok)
			return false;
		break;
	case E_AND:
	case E_OR:
	case E_NOT:
		if (!resolve_operand(c, e, e->body, &e->free, &e->nfree) ||
		    (e->rhs && !resolve_operand(c, e, e->rhs, &e->rfree, &e->nrfree)))
			return false;
		break;
	}
	for (i = 0; i < e->nwith; i++)
		if (!resolve_with(c, &e->with[i]))
			return false;
	return !c->failed;
}

/* ---- safety: order each body so variables are bound before use ---- */

static bool local(const struct term *t)
{
	return t->kind == T_VAR &&
	       (t->u.var.kind == V_LOCAL || t->u.var.kind == V_WILD);
}

static bool order_body(struct cctx *c, struct body *b, bool *bound);

/* Does evaluating t bind the variable in slot, as a key of a reference
 * it iterates (input.xs[x], also inside a call: count(input.s[x]))? */
static bool ref_binds(const struct term *t, int slot)
{
	size_t i;

	switch (t->kind) {
	case T_REF:
		for (i = 0; i < t->u.ref.n; i++) {
			const struct term *e = t->u.ref.path[i];

			if ((local(e) && e->u.var.slot == slot) || ref_binds(e, slot))
				return true;
		}
		return ref_binds(t->u.ref.head, slot);
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (ref_binds(t->u.coll.items[i], slot) ||
			    (t->kind == T_OBJECT && ref_binds(t->u.coll.vals[i], slot)))
				return true;
		return false;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			if (ref_binds(t->u.call.args[i], slot))
				return true;
		return false;
	default:
		return false;
	}
}

/* Is v, an argument of call, a local variable that another argument's
 * reference iterates over (x in `x == xs[x]`, `count(s[x]) == x`)? The
 * evaluator runs such arguments before bare variables, so it is bound
 * by then. */
static bool bound_by_ref_arg(const struct term *call, const struct term *v)
{
	size_t i;

	if (!local(v) || v->u.var.kind != V_LOCAL)
		return false;
	for (i = 0; i < call->u.call.n; i++)
		if (call->u.call.args[i] != v && ref_binds(call->u.call.args[i], v->u.var.slot))
			return true;
	return false;
}

/* Can t be evaluated (pattern: or unified as a pattern) with these
 * bindings? *bad gets the first unbound variable in the way. */
static bool ready(const struct term *t, bool pattern, const bool *bound,
		  const struct term **bad)
{
	size_t i;

	switch (t->kind) {
	case T_VALUE:
		return true;
	case T_VAR:
		if (!local(t) || bound[t->u.var.slot] || pattern)
			return true;
		*bad = t;
		return false;
	case T_REF:
		if (!ready(t->u.ref.head, false, bound, bad))
			return false;
		for (i = 0; i < t->u.ref.n; i++) {
			const struct term *e = t->u.ref.path[i];

			/* an unbound variable in a reference iterates; an
			 * array or object there is a pattern over the keys */
			if (!local(e) && !ready(e, e->kind == T_ARRAY ||
					       e->kind == T_OBJECT, bound, bad))
				return false;
		}
		return true;
	case T_ARRAY:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++) {
			if (t->kind == T_OBJECT &&
			    !ready(t->u.coll.items[i], false, bound, bad))
				return false;
			if (!ready(t->kind == T_OBJECT ? t->u.coll.vals[i] :
				   t->u.coll.items[i], pattern, bound, bad))
				return false;
		}
		return true;
	case T_SET:
		for (i = 0; i < t->u.coll.n; i++)
			if (!ready(t->u.coll.items[i], false, bound, bad))
				return false;
		return true;
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		for (i = 0; i < t->u.comp.nfree; i++)
			if (!bound[t->u.comp.free[i]]) {
				*bad = NULL;
				return false;
			}
		return true;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++) {
			unsigned nargs = t->u.call.builtin ? t->u.call.builtin->nargs :
					 t->u.call.func->nargs;

			/* f(x, out): the extra argument receives the result */
			if (i < nargs && bound_by_ref_arg(t, t->u.call.args[i]))
				continue;
			if (!ready(t->u.call.args[i], i == nargs, bound, bad))
				return false;
		}
		return true;
	}
	return false;
}

/* Is every variable of t bound? OPA's rule for a negated expression:
 * nothing in it binds or iterates (`not input.x[_]` is unsafe). */
static bool all_bound(const struct term *t, const bool *bound,
		      const struct term **bad)
{
	size_t i;

	switch (t->kind) {
	case T_VAR:
		return ready(t, false, bound, bad);
	case T_REF:
		if (!all_bound(t->u.ref.head, bound, bad))
			return false;
		for (i = 0; i < t->u.ref.n; i++)
			if (!all_bound(t->u.ref.path[i], bound, bad))
				return false;
		return true;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (!all_bound(t->u.coll.items[i], bound, bad) ||
			    (t->kind == T_OBJECT &&
			     !all_bound(t->u.coll.vals[i], bound, bad)))
				return false;
		return true;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			if (!all_bound(t->u.call.args[i], bound, bad))
				return false;
		return true;
	default: /* values; comprehensions need their captures alone */
		return ready(t, false, bound, bad);
	}
}

static bool unify_ready(const struct term *a, const struct term *b,
			const bool *bound, const struct term **bad)
{
	size_t i;

	if (a->kind == T_ARRAY && b->kind == T_ARRAY && a->u.coll.n == b->u.coll.n) {
		for (i = 0; i < a->u.coll.n; i++)
			if (!unify_ready(a->u.coll.items[i], b->u.coll.items[i],
					 bound, bad))
				return false;
		return true;
	}
	if (ready(a, true, bound, bad) && ready(b, false, bound, bad))
		return true;
	return ready(b, true, bound, bad) && ready(a, false, bound, bad);
}

static bool expr_ready(const struct expr *e, const bool *bound,
		       const struct term **bad)
{
	size_t i;

	for (i = 0; i < e->nwith; i++)
		if (!ready(e->with[i].value, false, bound, bad))
			return false;
	if (e->negated) {
		switch (e->kind) {
		case E_TERM:
			return all_bound(e->a, bound, bad);
		case E_UNIFY:
		case E_ASSIGN:
			return all_bound(e->a, bound, bad) &&
			       all_bound(e->b, bound, bad);
		default:
			break;
		}
	}
	switch (e->kind) {
	case E_TERM:
		return ready(e->a, false, bound, bad);
	case E_UNIFY:
		/* under `not` nothing is bound for later: both sides must be
		 * known (OPA: the variables are unsafe otherwise) */
		if (e->negated)
			return ready(e->a, false, bound, bad) &&
			       ready(e->b, false, bound, bad);
		return unify_ready(e->a, e->b, bound, bad);
	case E_ASSIGN:
		return ready(e->a, true, bound, bad) && ready(e->b, false, bound, bad);
	case E_SOME:
		return true;
	case E_SOME_IN:
		return ready(e->coll, false, bound, bad);
	case E_EVERY:
		for (i = 0; i < e->nfree; i++)
			if (!bound[e->free[i]]) {
				*bad = NULL;
				return false;
			}
		return ready(e->coll, false, bound, bad);
	case E_AND:
	case E_OR:
	case E_NOT:
		for (i = 0; i < e->nfree; i++)
			if (!bound[e->free[i]]) {
				*bad = NULL;
				return false;
			}
		for (i = 0; i < e->nrfree; i++)
			if (!bound[e->rfree[i]]) {
				*bad = NULL;
				return false;
			}
		return true;
	}
	return false;
}

/* After t has been evaluated or unified, its variables are bound. */
static void bind_term(const struct term *t, bool *bound)
{
	size_t i;

	switch (t->kind) {
	case T_VAR:
		if (local(t))
			bound[t->u.var.slot] = true;
		break;
	case T_REF:
		bind_term(t->u.ref.head, bound);
		for (i = 0; i < t->u.ref.n; i++)
			bind_term(t->u.ref.path[i], bound);
		break;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++) {
			bind_term(t->u.coll.items[i], bound);
			if (t->kind == T_OBJECT)
				bind_term(t->u.coll.vals[i], bound);
		}
		break;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			bind_term(t->u.call.args[i], bound);
		break;
	default:
		break;
	}
}

static void bind_expr(const struct expr *e, bool *bound)
{
	if (e->negated)
		return;
	switch (e->kind) {
	case E_TERM:
		bind_term(e->a, bound);
		break;
	case E_UNIFY:
	case E_ASSIGN:
		bind_term(e->a, bound);
		bind_term(e->b, bound);
		break;
	case E_SOME_IN:
		if (e->key)
			bind_term(e->key, bound);
		bind_term(e->val, bound);
		bind_term(e->coll, bound);
		break;
	default:
		break;
	}
}

/* Nested bodies (comprehensions, every) are ordered with everything
 * visible from outside taken as bound: the enclosing expression only runs
 * once its captures are. */
static bool order_nested_term(struct cctx *c, const struct term *t, bool *bound);

/* An operand of and/or/not starts with what the enclosing body has bound
 * (its captures are, by then); its own locals start unbound. */
static bool order_operand(struct cctx *c, struct body *b, const int *free,
			  size_t nfree, const bool *bound)
{
	bool *inner = calloc_a(c, (size_t)c->nslots * sizeof(*inner) + 1);
	size_t i;

	if (!inner)
		return false;
	memcpy(inner, bound, (size_t)c->nslots * sizeof(*inner));
	for (i = 0; i < nfree; i++)
		inner[free[i]] = true;
	return order_body(c, b, inner);
}

static bool order_nested_expr(struct cctx *c, const struct expr *e, bool *bound)
{
	size_t i;
	bool ok = true;

	switch (e->kind) {
	case E_TERM:
		ok = order_nested_term(c, e->a, bound);
		break;
	case E_UNIFY:
	case E_ASSIGN:
		ok = order_nested_term(c, e->a, bound) &&
		     order_nested_term(c, e->b, bound);
		break;
	case E_SOME_IN:
		ok = order_nested_term(c, e->coll, bound);
		break;
	case E_EVERY: {
		bool *inner = calloc_a(c, (size_t)c->nslots * sizeof(*inner) + 1);

		if (!inner)
			return false;
		memcpy(inner, bound, (size_t)c->nslots * sizeof(*inner));
		for (i = 0; i < (size_t)c->nslots; i++)
			inner[i] = true; /* captures and the key/value */
		ok = order_nested_term(c, e->coll, bound) &&
		     order_body(c, e->body, inner);
		break;
	}
	case E_AND:
	case E_OR:
	case E_NOT:
		ok = order_operand(c, e->body, e->free, e->nfree, bound) &&
		     (!e->rhs || order_operand(c, e->rhs, e->rfree, e->nrfree, bound));
		break;
	default:
		break;
	}
	for (i = 0; ok && i < e->nwith; i++)
		ok = order_nested_term(c, e->with[i].value, bound);
	return ok;
}

static bool order_nested_term(struct cctx *c, const struct term *t, bool *bound)
{
	size_t i;

	switch (t->kind) {
	case T_REF:
		if (!order_nested_term(c, t->u.ref.head, bound))
			return false;
		for (i = 0; i < t->u.ref.n; i++)
			if (!order_nested_term(c, t->u.ref.path[i], bound))
				return false;
		return true;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (!order_nested_term(c, t->u.coll.items[i], bound) ||
			    (t->kind == T_OBJECT &&
			     !order_nested_term(c, t->u.coll.vals[i], bound)))
				return false;
		return true;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			if (!order_nested_term(c, t->u.call.args[i], bound))
				return false;
		return true;
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP: {
		/* Inside, only the comprehension's own locals start unbound:
		 * those are the slots its body declared, which the outer
		 * body never binds. Captures are bound by then. */
		bool *inner = calloc_a(c, (size_t)c->nslots * sizeof(*inner) + 1);
		const struct term *bad = NULL;

		if (!inner)
			return false;
		memcpy(inner, bound, (size_t)c->nslots * sizeof(*inner));
		for (i = 0; i < t->u.comp.nfree; i++)
			inner[t->u.comp.free[i]] = true;
		if (!order_body(c, t->u.comp.body, inner))
			return false;
		if ((t->u.comp.key && !ready(t->u.comp.key, false, inner, &bad)) ||
		    !ready(t->u.comp.value, false, inner, &bad))
			return cfail(c, bad ? bad->line : t->line, bad ? bad->col : t->col,
				     "var %s is unsafe", bad ? bad->u.var.name : "?");
		return true;
	}
	default:
		return true;
	}
}

/* `not a = f(1)` cannot bind a, so OPA runs it after whatever binds a
 * (`a = f(2)` written below it); only when nothing else can run is it
 * taken as it stands. */
static bool negation_waits(const struct expr *e, const bool *bound)
{
	const struct term *bad = NULL;

	return e->negated && e->kind == E_UNIFY &&
	       !(ready(e->a, false, bound, &bad) && ready(e->b, false, bound, &bad));
}

static bool order_body(struct cctx *c, struct body *b, bool *bound)
{
	struct expr **out;
	bool *done;
	size_t placed = 0, i;

	if (b->n == 0)
		return true;
	out = calloc_a(c, b->n * sizeof(*out));
	done = calloc_a(c, b->n * sizeof(*done));
	if (!out || !done)
		return false;
	while (placed < b->n) {
		const struct term *bad = NULL;
		bool progress = false;
		int pass;

		for (pass = 0; pass < 2 && !progress; pass++) {
			for (i = 0; i < b->n; i++) {
				if (done[i] || !expr_ready(b->e[i], bound, &bad))
					continue;
				if (pass == 0 && negation_waits(b->e[i], bound))
					continue;
				if (!order_nested_expr(c, b->e[i], bound))
					return false;
				bind_expr(b->e[i], bound);
				out[placed++] = b->e[i];
				done[i] = true;
				progress = true;
				break; /* keep the written order where possible */
			}
		}
		if (!progress) {
			for (i = 0; i < b->n && done[i]; i++)
				;
			bad = NULL;
			expr_ready(b->e[i], bound, &bad);
			if (bad)
				return cfail(c, bad->line, bad->col, "var %s is unsafe",
					     bad->u.var.name);
			return cfail(c, b->e[i]->line, b->e[i]->col,
				     "expression uses a variable that is never bound");
		}
	}
	memcpy(b->e, out, b->n * sizeof(*out));
	return true;
}

/* ---- variables a body binds, declared before its closures ----
 *
 * A comprehension (or every) reads a variable of its enclosing body even
 * when the body binds it later in the text (x = input.x after the
 * comprehension): OPA orders the body so it is bound first. Names are
 * resolved in text order, so the body's own variables are declared before
 * any expression is resolved; those bound by := or some are left to their
 * declaration (using them earlier is an error, as in OPA). */

struct names {
	const char **v;
	size_t n, cap;
};

static void names_add(struct cctx *c, struct names *ns, const char *name)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return;
	if (ns->n == ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 8;
		const char **v = calloc_a(c, cap * sizeof(*v));

		if (!v)
			return;
		if (ns->n)
			memcpy(v, ns->v, ns->n * sizeof(*v));
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = name;
}

static bool names_has(const struct names *ns, const char *name)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], name) == 0)
			return true;
	return false;
}

/* Names used at this level of a term (not inside its closures). */
static void term_names(struct cctx *c, const struct term *t, struct names *ns)
{
	size_t i;

	if (!t)
		return;
	switch (t->kind) {
	case T_VAR:
		if (t->u.var.kind == V_UNRESOLVED)
			names_add(c, ns, t->u.var.name);
		break;
	case T_REF:
		term_names(c, t->u.ref.head, ns);
		for (i = 0; i < t->u.ref.n; i++)
			term_names(c, t->u.ref.path[i], ns);
		break;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++) {
			term_names(c, t->u.coll.items[i], ns);
			if (t->kind == T_OBJECT)
				term_names(c, t->u.coll.vals[i], ns);
		}
		break;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			term_names(c, t->u.call.args[i], ns);
		break;
	default:
		break;
	}
}

static void assigned_names(struct cctx *c, const struct expr *e, struct names *ns)
{
	size_t i;

	if (e->kind == E_ASSIGN) {
		term_names(c, e->a, ns);
	} else if (e->kind == E_SOME) {
		for (i = 0; i < e->ndecl; i++)
			names_add(c, ns, e->decl[i]->u.var.name);
	} else if (e->kind == E_SOME_IN) {
		term_names(c, e->key, ns);
		term_names(c, e->val, ns);
	}
}

static bool has_closure(const struct body *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->e[i]->kind == E_EVERY || b->e[i]->kind == E_AND ||
		    b->e[i]->kind == E_OR || b->e[i]->kind == E_NOT)
			return true;
	return false;
}

static bool term_has_closure(const struct term *t)
{
	size_t i;

	if (!t)
		return false;
	switch (t->kind) {
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		return true;
	case T_REF:
		if (term_has_closure(t->u.ref.head))
			return true;
		for (i = 0; i < t->u.ref.n; i++)
			if (term_has_closure(t->u.ref.path[i]))
				return true;
		return false;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++)
			if (term_has_closure(t->u.coll.items[i]) ||
			    (t->kind == T_OBJECT && term_has_closure(t->u.coll.vals[i])))
				return true;
		return false;
	case T_CALL:
		for (i = 0; i < t->u.call.n; i++)
			if (term_has_closure(t->u.call.args[i]))
				return true;
		return false;
	default:
		return false;
	}
}

static void predeclare(struct cctx *c, struct body *b)
{
	struct names used = { 0 }, assigned = { 0 };
	size_t i;

	for (i = 0; i < b->n; i++) {
		const struct expr *e = b->e[i];

		if (term_has_closure(e->a) || term_has_closure(e->b) ||
		    term_has_closure(e->coll))
			break;
	}
	if (i == b->n && !has_closure(b))
		return; /* nothing reads ahead: text order is enough */
	for (i = 0; i < b->n; i++) {
		const struct expr *e = b->e[i];

		assigned_names(c, e, &assigned);
		if (e->kind == E_TERM || e->kind == E_UNIFY) {
			term_names(c, e->a, &used);
			term_names(c, e->b, &used);
		}
	}
	for (i = 0; i < used.n; i++) {
		const char *name = used.v[i];
		const struct import *im;

		if (names_has(&assigned, name) || strcmp(name, "_") == 0 ||
		    strcmp(name, "input") == 0 || strcmp(name, "data") == 0 ||
		    lookup(c, name) >= 0 ||
		    ((im = import_for(c, name)) && !is_future_import(im->ref)) ||
		    (c->pkg && dnode_child(c->pkg, rv_cstring(c->a, name))))
			continue;
		declare(c, name);
	}
}

static bool resolve_body(struct cctx *c, struct body *b)
{
	size_t i;

	predeclare(c, b);
	for (i = 0; i < b->n; i++)
		if (!resolve_expr(c, b->e[i]))
			return false;
	return true;
}

/* ---- rules ---- */

/* f($"{x} {y}") := ... if { x = ... }: as in OPA, a template string as an
 * argument is no pattern to bind; it becomes a variable, unified with the
 * string once the body has bound what it reads. (Other calls there stay
 * errors, as in OPA.) The rule gets arrays of its own: else branches
 * share the parser's. */
static bool is_template(const struct term *t)
{
	return t->kind == T_CALL && t->u.call.fn->kind == T_VAR &&
	       strcmp(t->u.call.fn->u.var.name, "internal.template_string") == 0;
}

static bool lift_call_args(struct cctx *c, struct rule *r, bool chained)
{
	struct term **args;
	struct expr **body;
	size_t i, n = 0;

	for (i = 0; i < r->nargs; i++)
		n += is_template(r->args[i]);
	if (!n)
		return true;
	/* the branches would share the string's terms, which compiling
	 * resolves in place, frame by frame */
	if (chained)
		return cfail(c, r->line, r->col,
			     "template strings as arguments of a function with else are not supported");
	args = calloc_a(c, r->nargs * sizeof(*args));
	body = calloc_a(c, (r->body.n + n) * sizeof(*body));
	if (!args || !body)
		return false;
	if (r->body.n)
		memcpy(body, r->body.e, r->body.n * sizeof(*body));
	for (i = 0, n = r->body.n; i < r->nargs; i++) {
		struct term *a = r->args[i], *v;
		struct expr *e;
		char name[24];

		args[i] = a;
		if (!is_template(a))
			continue;
		snprintf(name, sizeof(name), "$a%zu", i);
		v = calloc_a(c, sizeof(*v));
		e = calloc_a(c, sizeof(*e));
		if (!v || !e || !(v->u.var.name = rv_strndup(c->a, name, strlen(name))))
			return false;
		v->kind = T_VAR;
		v->line = e->line = a->line;
		v->col = e->col = a->col;
		v->file = a->file;
		e->kind = E_UNIFY;
		e->a = v;
		e->b = a;
		args[i] = v;
		body[n++] = e;
	}
	r->args = args;
	r->body.e = body;
	r->body.n = n;
	return true;
}

static bool compile_rule(struct cctx *c, struct rule *r, bool chained)
{
	struct scope s;
	bool *bound;
	const struct term *bad = NULL;
	size_t i;

	c->file = r->file;
	c->nslots = 0;
	c->capslots = 0;
	c->slotname = NULL;
	if (!lift_call_args(c, r, chained))
		return false;
	push_scope(c, &s, false, NULL, NULL);
	for (i = 0; i < r->nargs; i++)
		if (!declare_pattern(c, r->args[i])) {
			pop_scope(c);
			return false;
		}
	if (!resolve_body(c, &r->body) ||
	    (r->key && !resolve_term(c, r->key)) ||
	    (r->gpath && !resolve_term(c, r->gpath)) ||
	    (r->value && !resolve_term(c, r->value))) {
		pop_scope(c);
		return false;
	}
	pop_scope(c);
	bound = calloc_a(c, (size_t)c->nslots * sizeof(*bound) + 1);
	if (!bound)
		return false;
	for (i = 0; i < r->nargs; i++)
		bind_term(r->args[i], bound);
	if (!order_body(c, &r->body, bound))
		return false;
	if ((r->key && (!order_nested_term(c, r->key, bound) ||
			!ready(r->key, false, bound, &bad))) ||
	    (r->gpath && (!order_nested_term(c, r->gpath, bound) ||
			  !ready(r->gpath, false, bound, &bad))) ||
	    (r->value && (!order_nested_term(c, r->value, bound) ||
			  !ready(r->value, false, bound, &bad)))) {
		if (c->failed)
			return false;
		return cfail(c, bad ? bad->line : r->line, bad ? bad->col : r->col,
			     "var %s is unsafe (in the head of %s)",
			     bad ? bad->u.var.name : "?", r->name);
	}
	r->nslots = c->nslots;
	return true;
}

/* ---- recursion: OPA refuses rules that depend on themselves ---- */

struct deps {
	struct cctx *c;
	bool *edge;            /* ngroups x ngroups */
	size_t ng;
	int from;
};

static void dep_subtree(struct deps *d, const struct dnode *n)
{
	size_t i;

	if (n->group)
		d->edge[(size_t)d->from * d->ng + (size_t)n->group->id] = true;
	if (n->gen)
		d->edge[(size_t)d->from * d->ng + (size_t)n->gen->id] = true;
	for (i = 0; i < n->nkids; i++)
		dep_subtree(d, n->kids[i]);
}

static void deps_body(struct deps *d, const struct body *b);

/* The rules a data reference may read: along its constant parts, every
 * kid where a part is not constant (data[x].allow matches only kids that
 * have an `allow`), everything below its end; a rule on the way is read
 * whole, and general heads on the way may reach anywhere below. Depth is
 * the rule tree's. */
static void dep_match(struct deps *d, const struct dnode *n, const struct term *t,
		      size_t i)
{
	const struct term *e;
	size_t j;

	if (n->gen)
		d->edge[(size_t)d->from * d->ng + (size_t)n->gen->id] = true;
	if (n->group) {
		d->edge[(size_t)d->from * d->ng + (size_t)n->group->id] = true;
		return;
	}
	if (i == t->u.ref.n) {
		dep_subtree(d, n);
		return;
	}
	e = t->u.ref.path[i];
	if (e->kind == T_VALUE) {
		const struct dnode *k = dnode_child(n, e->u.value);

		if (k)
			dep_match(d, k, t, i + 1);
		return;
	}
	for (j = 0; j < n->nkids; j++)
		dep_match(d, n->kids[j], t, i + 1);
}

static void deps_term(struct deps *d, const struct term *t)
{
	size_t i;

	if (!t)
		return;
	switch (t->kind) {
	case T_REF:
		if (t->u.ref.head->kind == T_VAR && t->u.ref.head->u.var.kind == V_DATA) {
			dep_match(d, d->c->p->root, t, 0);
		} else {
			deps_term(d, t->u.ref.head);
		}
		for (i = 0; i < t->u.ref.n; i++)
			deps_term(d, t->u.ref.path[i]);
		break;
	case T_VAR:
		if (t->u.var.kind == V_DATA)
			dep_subtree(d, d->c->p->root);
		break;
	case T_ARRAY:
	case T_SET:
	case T_OBJECT:
		for (i = 0; i < t->u.coll.n; i++) {
			deps_term(d, t->u.coll.items[i]);
			if (t->kind == T_OBJECT)
				deps_term(d, t->u.coll.vals[i]);
		}
		break;
	case T_ARRAY_COMP:
	case T_SET_COMP:
	case T_OBJECT_COMP:
		deps_term(d, t->u.comp.key);
		deps_term(d, t->u.comp.value);
		deps_body(d, t->u.comp.body);
		break;
	case T_CALL:
		if (t->u.call.func)
			d->edge[(size_t)d->from * d->ng + (size_t)t->u.call.func->id] = true;
		for (i = 0; i < t->u.call.n; i++)
			deps_term(d, t->u.call.args[i]);
		break;
	default:
		break;
	}
}

static void deps_body(struct deps *d, const struct body *b)
{
	size_t i, j;

	for (i = 0; b && i < b->n; i++) {
		const struct expr *e = b->e[i];

		deps_term(d, e->a);
		deps_term(d, e->b);
		deps_term(d, e->coll);
		deps_body(d, e->body);
		deps_body(d, e->rhs);
		for (j = 0; j < e->nwith; j++) {
			deps_term(d, e->with[j].value);
			if (e->with[j].fn_func)
				d->edge[(size_t)d->from * d->ng +
					(size_t)e->with[j].fn_func->id] = true;
		}
	}
}

/* Depth-first search for a cycle through g; colour 1 = on the path. */
static bool cycle_from(struct deps *d, unsigned char *colour, int g, int *path,
		       int depth, int *len)
{
	size_t h;

	colour[g] = 1;
	path[depth] = g;
	for (h = 0; h < d->ng; h++) {
		if (!d->edge[(size_t)g * d->ng + h])
			continue;
		if (colour[h] == 1) {
			path[depth + 1] = (int)h;
			*len = depth + 2;
			return true;
		}
		if (colour[h] == 0 && cycle_from(d, colour, (int)h, path, depth + 1, len))
			return true;
	}
	colour[g] = 2;
	return false;
}

static bool check_recursion(struct cctx *c)
{
	struct rego_policy *p = c->p;
	struct deps d = { c, NULL, p->ngroups, 0 };
	unsigned char *colour;
	int *path, len = 0;
	size_t g;
	struct rule *r;

	if (!p->ngroups)
		return true;
	d.edge = calloc_a(c, p->ngroups * p->ngroups * sizeof(*d.edge));
	colour = calloc_a(c, p->ngroups);
	path = calloc_a(c, (p->ngroups + 2) * sizeof(*path));
	if (!d.edge || !colour || !path)
		return false;
	for (g = 0; g < p->ngroups; g++) {
		d.from = (int)g;
		for (r = p->groups[g]->first; r; r = r->next) {
			const struct rule *e;

			for (e = r; e; e = e->els) {
				deps_body(&d, &e->body);
				deps_term(&d, e->key);
				deps_term(&d, e->gpath);
				deps_term(&d, e->value);
			}
		}
	}
	for (g = 0; g < p->ngroups; g++) {
		if (colour[g] == 0 && cycle_from(&d, colour, (int)g, path, 0, &len)) {
			const struct rule_group *first = p->groups[path[len - 1]];
			char chain[256] = "";
			int i, start = 0;

			for (i = 0; i < len - 1; i++)
				if (path[i] == path[len - 1])
					start = i;
			for (i = start; i < len; i++) {
				size_t used = strlen(chain);

				snprintf(chain + used, sizeof(chain) - used, "%s%s",
					 i > start ? " -> " : "", p->groups[path[i]]->name);
			}
			c->file = first->file;
			return cfail(c, first->line, first->col,
				     "rego_recursion_error: rule %s is recursive: %s",
				     first->name, chain);
		}
	}
	return true;
}

/* Nodes where rules overlap (eval.c builds their document) get a cache
 * slot after the groups'. Depth is the rule tree's. */
static void number_trees(struct rego_policy *p, struct dnode *n)
{
	size_t i;

	if (n->gen || (n->group && n->nkids))
		n->tree_id = (int)p->ncache++;
	for (i = 0; i < n->nkids; i++)
		number_trees(p, n->kids[i]);
}

bool rego_compile_modules(struct rego_policy *p, struct eaa_err *err)
{
	struct cctx c = { .p = p, .a = &p->arena, .err = err };
	size_t i, j;
	struct rule *r;

	if (!p->root && !(p->root = calloc_a(&c, sizeof(*p->root))))
		return false;
	for (i = 0; i < p->nmods; i++) {
		c.file = p->mods[i]->file;
		for (j = 0; j < p->mods[i]->nrules; j++)
			if (!add_rule(&c, p->mods[i], p->mods[i]->rules[j]))
				return false;
	}
	for (i = 0; i < p->nmods; i++) {
		c.m = p->mods[i];
		c.pkg = pkg_node(&c, c.m);
		for (j = 0; j < c.m->nrules; j++)
			for (r = c.m->rules[j]; r; r = r->els)
				if (!compile_rule(&c, r, c.m->rules[j]->els != NULL))
					return false;
	}
	if (c.failed || !check_recursion(&c))
		return false;
	p->ncache = p->ngroups;
	number_trees(p, p->root);
	return true;
}

bool rego_compile_query(const struct rego_policy *p, struct rv_arena *a,
			struct body *b, struct query *q, struct eaa_err *err)
{
	struct cctx c = { .p = (struct rego_policy *)p, .a = a, .err = err,
			  .file = "<query>" };
	struct scope s;
	bool *bound;
	int i;

	c.nslots = 0;
	push_scope(&c, &s, false, NULL, NULL);
	if (!resolve_body(&c, b))
		return false;
	/* As OPA does for queries, capture the value of a plain term
	 * expression (false included): `data.p.allow` becomes
	 * `<slot> = data.p.allow`. */
	q->value_slot = -1;
	q->nexpr = b->n;
	q->expr_slot = calloc_a(&c, (b->n + 1) * sizeof(*q->expr_slot));
	if (!q->expr_slot)
		return false;
	for (i = 0; i < (int)b->n; i++) {
		struct expr *e = b->e[i];
		struct term *v;

		q->expr_slot[i] = -1;
		if (e->kind == E_ASSIGN || e->kind == E_UNIFY)
			q->expr_slot[i] = -2; /* true, as OPA prints them */
		if (e->kind != E_TERM || e->negated || e->a->kind == T_CALL)
			continue;
		v = calloc_a(&c, sizeof(*v));
		if (!v)
			return false;
		v->kind = T_VAR;
		v->u.var.name = "";
		v->u.var.kind = V_LOCAL;
		v->u.var.slot = new_slot(&c, "");
		v->line = e->line;
		v->col = e->col;
		v->file = "<query>";
		e->kind = E_UNIFY;
		e->b = e->a;
		e->a = v;
		q->expr_slot[i] = v->u.var.slot;
		if (i == (int)b->n - 1)
			q->value_slot = v->u.var.slot;
	}
	bound = calloc_a(&c, (size_t)c.nslots * sizeof(*bound) + 1);
	if (!bound || !order_body(&c, b, bound))
		return false;
	q->body = b;
	q->nslots = c.nslots;
	q->names = c.slotname;
	q->user = calloc_a(&c, (size_t)c.nslots * sizeof(*q->user) + 1);
	if (!q->user)
		return false;
	/* The query's own named variables (not `_`, not inside closures'
	 * scopes) are its result bindings. */
	for (i = 0; i < (int)s.n; i++)
		q->user[s.v[i].slot] = true;
	return true;
}
