/* builtins_json_edit.c - json.remove, json.filter and json.patch: editing a
 * document at JSON paths.
 *
 * Owns rb_json_edit_defs. The paths are OPA's: a string "a/b/0" (leading
 * slashes dropped, ~1 and ~0 unescaped) or an array of segments of any
 * type; an array element is named by its index as a string in
 * remove/filter ("0"), and by a number or such a string in json.patch.
 * remove and filter gather their paths into a trie (a shorter path covers
 * every longer one under it), built iteratively from the sorted paths, and
 * walk it alongside the document. json.patch applies RFC 6902 operations
 * as OPA's edit tree does (sets are edited by element, `-` appends,
 * "1.0" is index 1, a leading zero is refused) on immutable values,
 * rebuilding the containers along each path; its error texts are OPA's,
 * values shown as Rego shows them. Recursion follows the document's
 * nesting and is bounded (EDIT_MAX_DEPTH). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"

#define EDIT_MAX_DEPTH 10000

/* ---- paths ---- */

struct jpath {
	struct rv **seg;
	size_t n;
};

static enum rb_status path_error(struct rb_ctx *c, const struct rv *v)
{
	rb_error(c, "operand 2 must be one of {set, array} containing string paths or array of path segments but got %s",
		 rv_type_name(v->type));
	return RB_TYPE_ERROR;
}

/* "~1" to "/", then "~0" to "~", as OPA replaces them. */
static struct rv *unescape_segment(struct rb_ctx *c, const char *s, size_t n)
{
	char *o = rv_alloc(c->arena, n + 1);
	size_t i, j = 0;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '~' && i + 1 < n && s[i + 1] == '1') {
			o[j++] = '/';
			i++;
		} else {
			o[j++] = s[i];
		}
	}
	/* then ~0, over the result */
	for (i = 0, n = j, j = 0; i < n; i++) {
		if (o[i] == '~' && i + 1 < n && o[i + 1] == '0') {
			o[j++] = '~';
			i++;
		} else {
			o[j++] = o[i];
		}
	}
	o[j] = 0;
	return rv_string_own(c->arena, o, j);
}

/* OPA's parsePath. */
static enum rb_status parse_path(struct rb_ctx *c, const struct rv *v,
				 struct jpath *p)
{
	const char *s, *end, *slash;
	size_t n, k;

	p->seg = NULL;
	p->n = 0;
	if (v->type == RV_ARRAY) {
		p->seg = v->u.arr.v;
		p->n = v->u.arr.n;
		return RB_OK;
	}
	if (v->type != RV_STRING)
		return path_error(c, v);
	if (!v->u.str.len)
		return RB_OK;
	s = v->u.str.s;
	end = s + v->u.str.len;
	while (s < end && *s == '/')
		s++;
	for (n = 1, k = 0; s + k < end; k++)
		n += s[k] == '/';
	if (!(p->seg = rv_alloc(c->arena, n * sizeof(*p->seg))))
		return rb_nomem(c);
	for (;;) {
		slash = memchr(s, '/', (size_t)(end - s));
		if (!(p->seg[p->n++] = unescape_segment(c, s, (size_t)((slash ? slash : end) - s))))
			return rb_nomem(c);
		if (!slash)
			return RB_OK;
		s = slash + 1;
	}
}

/* ---- the trie of json.remove and json.filter (OPA's pathsToObject) ---- */

struct pnode {
	const struct rv *key;
	bool leaf;              /* the path ends here: all below is meant */
	struct pnode **kid;     /* sorted by key */
	size_t nkid, cap;
};

static int jpath_cmp(const void *x, const void *y)
{
	const struct jpath *a = x, *b = y;
	size_t i;
	int r;

	for (i = 0; i < a->n && i < b->n; i++)
		if ((r = rv_compare(a->seg[i], b->seg[i])) != 0)
			return r;
	return (a->n > b->n) - (a->n < b->n);
}

static struct pnode *pnode_kid(const struct pnode *n, const struct rv *key)
{
	size_t lo = 0, hi = n->nkid;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = rv_compare(n->kid[mid]->key, key);

		if (r == 0)
			return n->kid[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The kid for the array index i, named "i". */
static struct pnode *pnode_index(const struct pnode *n, size_t i)
{
	char buf[24];
	struct rv key;

	memset(&key, 0, sizeof(key));
	key.type = RV_STRING;
	key.u.str.len = (size_t)snprintf(buf, sizeof(buf), "%zu", i);
	key.u.str.s = buf;
	return pnode_kid(n, &key);
}

static enum rb_status build_trie(struct rb_ctx *c, const struct rv *paths,
				 struct pnode **root)
{
	struct jpath *p;
	struct pnode *node, *kid;
	size_t n, i, j;
	enum rb_status st;

	if (paths->type != RV_ARRAY && paths->type != RV_SET) {
		rb_error(c, "operand 2 must be one of {set, array} but got %s",
			 rv_type_name(paths->type));
		return RB_TYPE_ERROR;
	}
	n = paths->u.arr.n;
	if (!(*root = rv_alloc(c->arena, sizeof(**root))) ||
	    !(p = rv_alloc(c->arena, (n + 1) * sizeof(*p))))
		return rb_nomem(c);
	for (i = 0; i < n; i++)
		if ((st = parse_path(c, paths->u.arr.v[i], &p[i])) != RB_OK)
			return st;
	/* sorted, a path comes after its prefixes and every new kid sorts
	 * after its siblings: so only the last kid need be compared */
	qsort(p, n, sizeof(*p), jpath_cmp);
	for (i = 0; i < n; i++) {
		node = *root;
		for (j = 0; j < p[i].n && !node->leaf; j++) {
			kid = node->nkid ? node->kid[node->nkid - 1] : NULL;
			if (!kid || !rv_equal(kid->key, p[i].seg[j])) {
				if (node->nkid == node->cap) {
					size_t cap = node->cap ? 2 * node->cap : 4;
					struct pnode **k = rv_alloc(c->arena, cap * sizeof(*k));

					if (!k)
						return rb_nomem(c);
					if (node->nkid)
						memcpy(k, node->kid, node->nkid * sizeof(*k));
					node->kid = k;
					node->cap = cap;
				}
				if (!(kid = rv_alloc(c->arena, sizeof(*kid))))
					return rb_nomem(c);
				kid->key = p[i].seg[j];
				node->kid[node->nkid++] = kid;
			}
			node = kid;
		}
		/* an empty path names nothing, as in OPA */
		if (p[i].n && node != *root)
			node->leaf = true;
	}
	return RB_OK;
}

/* ---- json.remove ---- */

struct edit {
	struct rb_ctx *c;
	bool deep;
};

/* v without what the trie names; NULL for "all of it". */
static struct rv *remove_at(struct edit *e, struct rv *v, const struct pnode *t,
			    unsigned depth, bool *fail)
{
	struct rv_builder b;
	struct rv *r;
	size_t i;

	if (!t)
		return v;
	if (t->leaf)
		return NULL;
	if (depth > EDIT_MAX_DEPTH) {
		e->deep = *fail = true;
		return NULL;
	}
	rv_builder_init(&b, e->c->arena);
	switch (v->type) {
	case RV_OBJECT:
		for (i = 0; i < v->u.obj.n; i++) {
			r = remove_at(e, v->u.obj.v[i], pnode_kid(t, v->u.obj.k[i]),
				      depth + 1, fail);
			if (r)
				rv_builder_put(&b, v->u.obj.k[i], r);
		}
		return *fail ? NULL : rv_object_finish(&b, NULL);
	case RV_SET:
	case RV_ARRAY:
		for (i = 0; i < v->u.arr.n; i++) {
			const struct pnode *k = v->type == RV_SET ?
				pnode_kid(t, v->u.arr.v[i]) : pnode_index(t, i);

			if ((r = remove_at(e, v->u.arr.v[i], k, depth + 1, fail)))
				rv_builder_add(&b, r);
		}
		if (*fail)
			return NULL;
		return v->type == RV_SET ? rv_set_finish(&b) : rv_array_finish(&b);
	default:
		return v;
	}
}

/* ---- json.filter ---- */

/* What of v the trie names (filterObject of OPA's ast). */
static struct rv *filter_at(struct edit *e, struct rv *v, const struct pnode *t,
			    unsigned depth, bool *fail)
{
	struct rv_builder b;
	const struct pnode *k;
	size_t i;

	if (t->leaf)
		return v;
	if (depth > EDIT_MAX_DEPTH) {
		e->deep = *fail = true;
		return NULL;
	}
	rv_builder_init(&b, e->c->arena);
	switch (v->type) {
	case RV_OBJECT:
		for (i = 0; i < v->u.obj.n; i++)
			if ((k = pnode_kid(t, v->u.obj.k[i])))
				rv_builder_put(&b, v->u.obj.k[i],
					       filter_at(e, v->u.obj.v[i], k, depth + 1, fail));
		return *fail ? NULL : rv_object_finish(&b, NULL);
	case RV_SET:
	case RV_ARRAY:
		for (i = 0; i < v->u.arr.n; i++) {
			k = v->type == RV_SET ? pnode_kid(t, v->u.arr.v[i]) :
			    pnode_index(t, i);
			if (k)
				rv_builder_add(&b, filter_at(e, v->u.arr.v[i], k,
							     depth + 1, fail));
		}
		if (*fail)
			return NULL;
		return v->type == RV_SET ? rv_set_finish(&b) : rv_array_finish(&b);
	default:
		return v;
	}
}

/* ---- json.remove and json.filter: one walk of the document ---- */

typedef struct rv *edit_walk(struct edit *e, struct rv *v,
			     const struct pnode *t, unsigned depth, bool *fail);

/* args[0] walked along the trie of the paths in args[1]. */
static enum rb_status edit_run(struct rb_ctx *c, struct rv *const *args,
			       edit_walk *walk, struct rv **out)
{
	struct edit e = { c, false };
	struct pnode *t;
	struct rv *r;
	enum rb_status st;
	bool fail = false;

	if (!rv_is(args[0], RV_OBJECT))
		return rb_type_error(c, 1, "object", args[0]);
	if ((st = build_trie(c, args[1], &t)) != RB_OK)
		return st;
	r = walk(&e, args[0], t, 0, &fail);
	if (e.deep)
		return rb_error(c, "document nested deeper than %d levels",
				EDIT_MAX_DEPTH);
	if (fail || c->arena->exhausted || !r)
		return rb_nomem(c);
	*out = r;
	return RB_OK;
}

static enum rb_status bi_json_remove(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return edit_run(c, args, remove_at, out);
}

static enum rb_status bi_json_filter(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	return edit_run(c, args, filter_at, out);
}

/* ---- json.patch ---- */

/* A value as OPA's messages show it (Rego syntax), cut short. */
static void rego_text(struct rv_buf *b, const struct rv *v)
{
	size_t i;

	if (b->len > 160) {
		rv_buf_puts(b, "...", 3);
		return;
	}
	switch (v->type) {
	case RV_STRING:
		go_quote(b, v->u.str.s, v->u.str.len);
		return;
	case RV_ARRAY:
	case RV_SET:
		if (v->type == RV_SET && !v->u.arr.n) {
			rv_buf_puts(b, "set()", 5);
			return;
		}
		rv_buf_puts(b, v->type == RV_SET ? "{" : "[", 1);
		for (i = 0; i < v->u.arr.n && b->len <= 160; i++) {
			if (i)
				rv_buf_puts(b, ", ", 2);
			rego_text(b, v->u.arr.v[i]);
		}
		rv_buf_puts(b, v->type == RV_SET ? "}" : "]", 1);
		return;
	case RV_OBJECT:
		rv_buf_puts(b, "{", 1);
		for (i = 0; i < v->u.obj.n && b->len <= 160; i++) {
			if (i)
				rv_buf_puts(b, ", ", 2);
			rego_text(b, v->u.obj.k[i]);
			rv_buf_puts(b, ": ", 2);
			rego_text(b, v->u.obj.v[i]);
		}
		rv_buf_puts(b, "}", 1);
		return;
	default:
		rv_buf_json(b, v, false, 0);
	}
}

static const char *go_type(const struct rv *v)
{
	switch (v->type) {
	case RV_NULL: return "ast.Null";
	case RV_BOOL: return "ast.Boolean";
	case RV_NUMBER: return "ast.Number";
	default: return "ast.String";
	}
}

/* An error whose text shows a value or two: s1 a s2 b. */
static enum rb_status patch_error(struct rb_ctx *c, const char *s1,
				  const struct rv *a, const char *s2,
				  const struct rv *b)
{
	struct rv_buf x = { 0 };
	enum rb_status st;

	rv_buf_puts(&x, s1, strlen(s1));
	rego_text(&x, a);
	rv_buf_puts(&x, s2, strlen(s2));
	if (b)
		rego_text(&x, b);
	st = x.failed ? rb_nomem(c) : rb_error(c, "%.*s", (int)x.len, x.p);
	free(x.p);
	return st;
}

static enum rb_status not_composite(struct rb_ctx *c, const struct rv *v)
{
	struct rv_buf x = { 0 };
	enum rb_status st;

	rego_text(&x, v);
	st = rb_error(c, "expected composite type, found value: %s (type: %s)",
		      x.p ? x.p : "", go_type(v));
	free(x.p);
	return st;
}

/* OPA's util.Atoi64: a sign, up to 19 characters of digits, and a '.'
 * followed only by zeros. */
static bool atoi64(const char *s, size_t n, int64_t *out)
{
	bool neg, dot = false;
	uint64_t u = 0;
	size_t i;

	if (!n)
		return false;
	neg = s[0] == '-';
	if (neg || s[0] == '+') {
		s++;
		n--;
	}
	if (n == 0 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (dot)
				return false;
			dot = true;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || (dot && s[i] != '0'))
			return false;
		if (!dot)
			u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (u > (uint64_t)INT64_MAX + neg)
		return false;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return true;
}

/* The edit tree's toIndex. */
static enum rb_status to_index(struct rb_ctx *c, size_t len, const struct rv *k,
			       int64_t *idx)
{
	struct rv_buf nb = { 0 };
	bool ok;

	if (k->type == RV_NUMBER) {
		if (k->u.num.is_int && !k->u.num.text) {
			*idx = k->u.num.i;
			return RB_OK;
		}
		rv_buf_number(&nb, k);
		ok = !nb.failed && atoi64(k->u.num.text ? k->u.num.text : nb.p ? nb.p : "",
					  k->u.num.text ? strlen(k->u.num.text) : nb.len, idx);
		free(nb.p);
		return ok ? RB_OK : rb_error(c, "invalid number type for indexing");
	}
	if (k->type != RV_STRING)
		return rb_error(c, "invalid type for indexing");
	if (k->u.str.len == 1 && k->u.str.s[0] == '-') {
		*idx = (int64_t)len;
		return RB_OK;
	}
	if (!atoi64(k->u.str.s, k->u.str.len, idx))
		return rb_error(c, "invalid string for indexing");
	if (k->u.str.s[0] == '0' && k->u.str.len > 1)
		return rb_error(c, "leading zeros are not allowed in JSON paths");
	return RB_OK;
}

static ptrdiff_t key_index(const struct rv *o, const struct rv *key)
{
	size_t lo = 0, hi = rv_len(o);
	struct rv *const *k = o->type == RV_OBJECT ? o->u.obj.k : o->u.arr.v;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = rv_compare(k[mid], key);

		if (r == 0)
			return (ptrdiff_t)mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* v with its idx-th member (or element) replaced by nv (or dropped when
 * nv is NULL), or, for arrays, nv inserted before idx (ins). */
static struct rv *rebuild(struct rb_ctx *c, const struct rv *v, size_t idx,
			  struct rv *nv, bool ins)
{
	struct rv_builder b;
	size_t i, n = rv_len(v);

	rv_builder_init(&b, c->arena);
	for (i = 0; i <= n; i++) {
		if (i == idx && nv) {
			if (v->type == RV_OBJECT)
				rv_builder_put(&b, v->u.obj.k[i], nv);
			else
				rv_builder_add(&b, nv);
		}
		if (i == n || (i == idx && !ins))
			continue;
		if (v->type == RV_OBJECT)
			rv_builder_put(&b, v->u.obj.k[i], v->u.obj.v[i]);
		else
			rv_builder_add(&b, v->u.arr.v[i]);
	}
	if (v->type == RV_OBJECT)
		return rv_object_finish(&b, NULL);
	return v->type == RV_SET ? rv_set_finish(&b) : rv_array_finish(&b);
}

enum pop { P_ADD, P_DELETE, P_GET };

struct patch {
	struct rb_ctx *c;
	struct rv *value;  /* P_ADD's */
	struct rv *got;    /* P_GET's */
};

/* Insert (the edit tree's Insert) at key in v. */
static enum rb_status insert_at(struct patch *p, struct rv *v,
				const struct rv *key, struct rv **out)
{
	struct rb_ctx *c = p->c;
	struct rv_builder b;
	ptrdiff_t at;
	int64_t idx;
	enum rb_status st;
	size_t i;

	if (!v)
		return rb_error(c, "deleted node encountered during insert operation");
	switch (v->type) {
	case RV_OBJECT:
		rv_builder_init(&b, c->arena);
		at = key_index(v, key);
		for (i = 0; i < v->u.obj.n; i++)
			if ((ptrdiff_t)i != at)
				rv_builder_put(&b, v->u.obj.k[i], v->u.obj.v[i]);
		rv_builder_put(&b, (struct rv *)key, p->value);
		*out = rv_object_finish(&b, NULL);
		break;
	case RV_SET:
		if (!rv_equal(key, p->value))
			return patch_error(c, "set key ", key,
					   " does not equal value to be inserted ",
					   p->value);
		rv_builder_init(&b, c->arena);
		for (i = 0; i < v->u.arr.n; i++)
			rv_builder_add(&b, v->u.arr.v[i]);
		rv_builder_add(&b, p->value);
		*out = rv_set_finish(&b);
		break;
	case RV_ARRAY:
		if ((st = to_index(c, v->u.arr.n, key, &idx)) != RB_OK)
			return st;
		if (idx < 0 || (uint64_t)idx > v->u.arr.n)
			return rb_error(c, "index for array insertion out of bounds");
		*out = rebuild(c, v, (size_t)idx, p->value, true);
		break;
	default:
		return not_composite(c, v);
	}
	return *out ? RB_OK : rb_nomem(c);
}

/* Delete (the edit tree's Delete) of key from v. */
static enum rb_status delete_at(struct patch *p, struct rv *v,
				const struct rv *key, struct rv **out)
{
	struct rb_ctx *c = p->c;
	ptrdiff_t at;
	int64_t idx;
	enum rb_status st;

	if (!v)
		return rb_error(c, "deleted node encountered during delete operation");
	switch (v->type) {
	case RV_OBJECT:
	case RV_SET:
		if ((at = key_index(v, key)) < 0)
			return patch_error(c, "cannot delete child key ", key,
					   " that does not exist", NULL);
		*out = rebuild(c, v, (size_t)at, NULL, false);
		break;
	case RV_ARRAY:
		if ((st = to_index(c, v->u.arr.n, key, &idx)) != RB_OK)
			return st;
		if (idx < 0 || (uint64_t)idx >= v->u.arr.n)
			return rb_error(c, "index for array delete out of bounds");
		*out = rebuild(c, v, (size_t)idx, NULL, false);
		break;
	default:
		return not_composite(c, v);
	}
	return *out ? RB_OK : rb_nomem(c);
}

/* The edit tree's Unfold: the child of v at key, and where it sits. */
static enum rb_status child_at(struct patch *p, struct rv *v, const struct rv *key,
			       size_t *at, struct rv **child)
{
	struct rb_ctx *c = p->c;
	ptrdiff_t k;
	int64_t idx;
	enum rb_status st;
	struct rv *iv;

	if (!v)
		return rb_error(c, "nil value encountered where composite value was expected");
	switch (v->type) {
	case RV_OBJECT:
	case RV_SET:
		if ((k = key_index(v, key)) < 0)
			return patch_error(c, "path ", key, v->type == RV_OBJECT ?
					   " does not exist in object term " :
					   " does not exist in set term ", v);
		*at = (size_t)k;
		*child = v->type == RV_OBJECT ? v->u.obj.v[k] : v->u.arr.v[k];
		return RB_OK;
	case RV_ARRAY:
		if ((st = to_index(c, v->u.arr.n, key, &idx)) != RB_OK)
			return st;
		if (idx < 0 || (uint64_t)idx >= v->u.arr.n) {
			if (!(iv = rv_int(c->arena, idx)))
				return rb_nomem(c);
			return patch_error(c, "path ", iv,
					   " does not exist in array term ", v);
		}
		*at = (size_t)idx;
		*child = v->u.arr.v[idx];
		return RB_OK;
	default: {
		struct rv_buf x = { 0 }, y = { 0 };

		rego_text(&x, key);
		rego_text(&y, v);
		st = rb_error(c, "expected composite type for path %s, found value: %s (type: %s)",
			      x.p ? x.p : "", y.p ? y.p : "", go_type(v));
		free(x.p);
		free(y.p);
		return st;
	}
	}
}

/* Applies op at path[i..n) below v; *out is the new v (P_ADD, P_DELETE)
 * or, for P_GET, p->got is the value there. */
static enum rb_status patch_at(struct patch *p, struct rv *v, const struct jpath *path,
			       size_t i, enum pop op, struct rv **out)
{
	struct rv *child = NULL, *nchild = NULL;
	size_t at = 0;
	enum rb_status st;

	if (op == P_GET && i == path->n) {
		p->got = v;
		return RB_OK;
	}
	if (op != P_GET && i + 1 == path->n)
		return op == P_ADD ? insert_at(p, v, path->seg[i], out) :
		       delete_at(p, v, path->seg[i], out);
	if (i > EDIT_MAX_DEPTH)
		return rb_error(p->c, "path deeper than %d levels", EDIT_MAX_DEPTH);
	if ((st = child_at(p, v, path->seg[i], &at, &child)) != RB_OK ||
	    (st = patch_at(p, child, path, i + 1, op, &nchild)) != RB_OK ||
	    op == P_GET)
		return st;
	if (v->type == RV_SET) {
		/* the element is replaced by its edited self */
		struct rv_builder b;
		size_t k;

		rv_builder_init(&b, p->c->arena);
		for (k = 0; k < v->u.arr.n; k++)
			rv_builder_add(&b, k == at ? nchild : v->u.arr.v[k]);
		*out = rv_set_finish(&b);
	} else {
		*out = rebuild(p->c, v, at, nchild, false);
	}
	return *out ? RB_OK : rb_nomem(p->c);
}

/* The whole document is replaced (P_ADD) or deleted (P_DELETE) at the empty
 * path; NULL stands for a deleted document. */
static enum rb_status patch_path(struct patch *p, struct rv **doc,
				 const struct jpath *path, enum pop op)
{
	if (path->n == 0) {
		if (op == P_ADD)
			*doc = p->value;
		else if (op == P_GET)
			p->got = *doc;
		else if (!*doc)
			return rb_error(p->c, "deleted node encountered during delete operation");
		else
			*doc = NULL;
		return RB_OK;
	}
	return patch_at(p, *doc, path, 0, op, doc);
}

static enum rb_status patch_attr(struct rb_ctx *c, const struct rv *op,
				 const char *name, struct rv **v)
{
	if (!(*v = rv_object_getc(op, name)))
		return rb_error(c, "missing required attribute '%s'", name);
	return RB_OK;
}

static enum rb_status patch_one(struct patch *p, struct rv **doc,
				const struct rv *op)
{
	struct rb_ctx *c = p->c;
	struct rv *path_v, *opv, *from_v;
	struct jpath path, from;
	enum rb_status st;
	const char *name;

	if (op->type != RV_OBJECT)
		return rb_error(c, "must be an array of JSON-Patch objects, but at least one element is not an object");
	if ((st = patch_attr(c, op, "path", &path_v)) != RB_OK ||
	    (st = patch_attr(c, op, "op", &opv)) != RB_OK)
		return st;
	if (opv->type != RV_STRING)
		return rb_error(c, "attribute 'op' must be a string but found: %s",
				rv_type_name(opv->type));
	if ((st = parse_path(c, path_v, &path)) != RB_OK)
		return st;
	name = opv->u.str.s;
	if (strcmp(name, "add") == 0) {
		if ((st = patch_attr(c, op, "value", &p->value)) != RB_OK)
			return st;
		return patch_path(p, doc, &path, P_ADD);
	}
	if (strcmp(name, "remove") == 0)
		return patch_path(p, doc, &path, P_DELETE);
	if (strcmp(name, "replace") == 0) {
		if ((st = patch_path(p, doc, &path, P_DELETE)) != RB_OK ||
		    (st = patch_attr(c, op, "value", &p->value)) != RB_OK)
			return st;
		return patch_path(p, doc, &path, P_ADD);
	}
	if (strcmp(name, "move") == 0 || strcmp(name, "copy") == 0) {
		if ((st = patch_attr(c, op, "from", &from_v)) != RB_OK ||
		    (st = parse_path(c, from_v, &from)) != RB_OK ||
		    (st = patch_path(p, doc, &from, P_GET)) != RB_OK)
			return st;
		if (!(p->value = p->got))
			return rb_error(c, "cannot insert nil value into EditTree");
		if (name[0] == 'm' && (st = patch_path(p, doc, &from, P_DELETE)) != RB_OK)
			return st;
		return patch_path(p, doc, &path, P_ADD);
	}
	if (strcmp(name, "test") == 0) {
		struct rv *want;

		if ((st = patch_path(p, doc, &path, P_GET)) != RB_OK ||
		    (st = patch_attr(c, op, "value", &want)) != RB_OK)
			return st;
		if (!p->got || !rv_equal(p->got, want))
			return patch_error(c, "value from EditTree != patch value.\n\nExpected: ",
					   want, "\n\nFound: ",
					   p->got ? p->got : rv_null());
		return RB_OK;
	}
	return rb_error(c, "unrecognized op: '%.*s'",
			(int)(opv->u.str.len > 64 ? 64 : opv->u.str.len), name);
}

static enum rb_status bi_json_patch(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct patch p = { c, NULL, NULL };
	struct rv *doc = args[0];
	enum rb_status st;
	size_t i;

	if (!rv_is(args[1], RV_ARRAY))
		return rb_type_error(c, 2, "array", args[1]);
	for (i = 0; i < args[1]->u.arr.n; i++)
		if ((st = patch_one(&p, &doc, args[1]->u.arr.v[i])) != RB_OK)
			return st;
	/* OPA fails on a document patched away entirely ("remove" of "") */
	if (!doc)
		return RB_UNDEFINED;
	*out = doc;
	return RB_OK;
}

const struct rb_def rb_json_edit_defs[] = {
	{ "json.filter", 2, bi_json_filter },
	{ "json.patch", 2, bi_json_patch },
	{ "json.remove", 2, bi_json_remove },
	{ NULL, 0, NULL },
};
