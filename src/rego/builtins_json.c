/* builtins_json.c - json.marshal, json.marshal_with_options,
 * json.unmarshal and json.is_valid: JSON as Go's encoding/json writes and
 * reads it, since that is what OPA's policies see (member order, escaping,
 * which texts are JSON, and the words of every error).
 *
 * Owns rb_json_defs and the Go-compatible writer (gj_*, whose member order
 * urlquery.encode_object shares through builtins_go.h). The reader is
 * json_read.c, shared with input and data documents; rv_to_json in value.c
 * prints values as OPA does, not as Go's encoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"
#include "codec.h"
#include "json_read.h"

/* ---- JSON as Go's encoding/json writes it ---- */

static int gj_member_cmp(const void *x, const void *y)
{
	const struct gj_member *a = x, *b = y;
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = n ? memcmp(a->k, b->k, n) : 0;

	if (c)
		return c;
	if (a->klen != b->klen)
		return a->klen < b->klen ? -1 : 1;
	return (a->pos > b->pos) - (a->pos < b->pos);
}

void gj_members_free(struct gj_member *m, size_t n)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		free(m[i].owned);
	free(m);
}

struct gj_style {
	const char *prefix, *indent;
	size_t plen, ilen;
	bool pretty;
};

static const struct gj_style gj_compact = { "", "", 0, 0, false };

static void gj_value(struct rv_buf *b, const struct rv *v,
		     const struct gj_style *st, int depth);

bool gj_members(const struct rv *o, struct gj_member **out, size_t *n)
{
	struct gj_member *m;
	size_t i, j;

	*out = NULL;
	*n = 0;
	if (!o->u.obj.n)
		return true;
	if (o->u.obj.n > SIZE_MAX / sizeof(*m) ||
	    !(m = calloc(o->u.obj.n, sizeof(*m))))
		return false;
	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i];
		struct rv_buf kb = { 0 };

		m[i].v = o->u.obj.v[i];
		m[i].pos = i;
		if (k->type == RV_STRING) {
			m[i].k = k->u.str.s;
			m[i].klen = k->u.str.len;
			continue;
		}
		gj_value(&kb, k, &gj_compact, 0);
		if (kb.failed) {
			free(kb.p);
			gj_members_free(m, i);
			return false;
		}
		m[i].owned = kb.p;
		m[i].k = kb.p ? kb.p : "";
		m[i].klen = kb.len;
	}
	qsort(m, o->u.obj.n, sizeof(*m), gj_member_cmp);
	for (i = 0, j = 0; i < o->u.obj.n; i++) {
		if (j && m[j - 1].klen == m[i].klen &&
		    memcmp(m[j - 1].k, m[i].k, m[i].klen) == 0) {
			free(m[j - 1].owned);
			m[j - 1] = m[i];
			continue;
		}
		m[j++] = m[i];
	}
	*out = m;
	*n = j;
	return true;
}

static void gj_newline(struct rv_buf *b, const struct gj_style *st, int depth)
{
	int i;

	if (!st->pretty)
		return;
	rv_buf_puts(b, "\n", 1);
	rv_buf_puts(b, st->prefix, st->plen);
	for (i = 0; i < depth; i++)
		rv_buf_puts(b, st->indent, st->ilen);
}

static void gj_object(struct rv_buf *b, const struct rv *v,
		      const struct gj_style *st, int depth)
{
	struct gj_member *m;
	size_t i, n;

	if (!gj_members(v, &m, &n)) {
		b->failed = true;
		return;
	}
	if (!n) {
		rv_buf_puts(b, "{}", 2);
		return;
	}
	rv_buf_puts(b, "{", 1);
	for (i = 0; i < n && !b->failed; i++) {
		if (i)
			rv_buf_puts(b, ",", 1);
		gj_newline(b, st, depth + 1);
		rv_buf_json_string(b, m[i].k, m[i].klen, true);
		rv_buf_puts(b, st->pretty ? ": " : ":", st->pretty ? 2 : 1);
		gj_value(b, m[i].v, st, depth + 1);
	}
	gj_newline(b, st, depth);
	rv_buf_puts(b, "}", 1);
	gj_members_free(m, n);
}

/* Sets are arrays (in their sorted order), as OPA's ast.JSON makes them.
 * Null, booleans and numbers print as rv_buf_json prints them. */
static void gj_value(struct rv_buf *b, const struct rv *v,
		     const struct gj_style *st, int depth)
{
	size_t i;

	switch (v->type) {
	case RV_NULL:
	case RV_BOOL:
	case RV_NUMBER:
		rv_buf_json(b, v, false, 0);
		break;
	case RV_STRING:
		rv_buf_json_string(b, v->u.str.s, v->u.str.len, true);
		break;
	case RV_ARRAY:
	case RV_SET:
		if (!v->u.arr.n) {
			rv_buf_puts(b, "[]", 2);
			break;
		}
		rv_buf_puts(b, "[", 1);
		for (i = 0; i < v->u.arr.n && !b->failed; i++) {
			if (i)
				rv_buf_puts(b, ",", 1);
			gj_newline(b, st, depth + 1);
			gj_value(b, v->u.arr.v[i], st, depth + 1);
		}
		gj_newline(b, st, depth);
		rv_buf_puts(b, "]", 1);
		break;
	case RV_OBJECT:
		gj_object(b, v, st, depth);
		break;
	}
}

static enum rb_status bi_json_marshal(struct rb_ctx *c, struct rv *const *args,
				      struct rv **out)
{
	struct rv_buf b = { 0 };

	gj_value(&b, args[0], &gj_compact, 0);
	return ret_buf(c, &b, out);
}

static bool opt_is(const struct rv *k, const char *name)
{
	return k->u.str.len == strlen(name) &&
	       !memcmp(k->u.str.s, name, k->u.str.len);
}

/* OPA's option checks, in key order: "prefix" and "indent" (strings) turn
 * pretty printing on unless "pretty" (a boolean) says otherwise. OPA
 * raises each bad option as a type error. */
static enum rb_status marshal_opts(struct rb_ctx *c, const struct rv *o,
				   struct gj_style *st)
{
	bool implicit = false, explicit_set = false, pretty = false;
	size_t i;

	st->prefix = "";
	st->indent = "\t";
	st->plen = 0;
	st->ilen = 1;
	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i], *v = o->u.obj.v[i];
		struct rv_buf kb = { 0 };
		const char **text;
		size_t *len;

		if (k->type != RV_STRING) {
			/* Go prints the key with %v and the index from 0. */
			rv_buf_json(&kb, k, false, 0);
			rb_error(c, "operand 2 failed to stringify key %s at index %zu: operand %zu must be string but got %s",
				 kb.p ? kb.p : "", i, i, rv_type_name(k->type));
			free(kb.p);
			return RB_TYPE_ERROR;
		}
		if (opt_is(k, "pretty")) {
			if (v->type != RV_BOOL) {
				rb_error(c, "operand 2 key pretty failed cast to bool");
				return RB_TYPE_ERROR;
			}
			explicit_set = true;
			pretty = v->u.b;
			continue;
		}
		if (opt_is(k, "prefix")) {
			text = &st->prefix;
			len = &st->plen;
		} else if (opt_is(k, "indent")) {
			text = &st->indent;
			len = &st->ilen;
		} else {
			struct rv_buf q = { 0 };

			/* Go's %q of the key, as OPA's message has it */
			go_quote(&q, k->u.str.s, k->u.str.len > 100 ? 100 : k->u.str.len);
			rb_error(c, "operand 2 object contained unknown key %s",
				 q.p && !q.failed ? q.p : "?");
			free(q.p);
			return RB_TYPE_ERROR;
		}
		if (v->type != RV_STRING) {
			rb_error(c, "operand 2 key %s failed cast to string: operand %zu must be string but got %s",
				 k->u.str.s, i, rv_type_name(v->type));
			return RB_TYPE_ERROR;
		}
		*text = v->u.str.s;
		*len = v->u.str.len;
		implicit = true;
	}
	st->pretty = explicit_set ? pretty : implicit;
	return RB_OK;
}

static enum rb_status bi_json_marshal_with_options(struct rb_ctx *c,
						   struct rv *const *args,
						   struct rv **out)
{
	struct gj_style st;
	struct rv_buf b = { 0 };
	enum rb_status s;

	if (!rv_is(args[1], RV_OBJECT))
		return rb_type_error(c, 2, "object", args[1]);
	if ((s = marshal_opts(c, args[1], &st)) != RB_OK)
		return s;
	/* json.MarshalIndent does not prefix the first line; OPA does. */
	if (st.pretty)
		rv_buf_puts(&b, st.prefix, st.plen);
	gj_value(&b, args[0], &st, 0);
	return ret_buf(c, &b, out);
}

/* ---- json.unmarshal and json.is_valid, over json_read.c ---- */

/* What follows the first value. OPA reads one more token with Go's
 * json.Decoder: a further value is an error naming it (printed with %s,
 * hence the odd text for booleans), but a trailing null passes. */
static enum rb_status jr_trailer(struct rb_ctx *c, struct jr *r)
{
	static const char fmt[] =
		"error: invalid character '%.*s' after top-level value";
	const unsigned char *start;
	struct rv *v;
	char q[16];
	unsigned char ch;

	jr_ws(r);
	if (r->p == r->end)
		return RB_OK;
	ch = *r->p;
	if (ch == '[' || ch == '{')
		return rb_error(c, fmt, 1, (const char *)r->p);
	if (ch == ']' || ch == '}' || ch == ',' || ch == ':') {
		jr_quote_char(q, sizeof(q), ch);
		return rb_error(c, "invalid character %s looking for beginning of value",
				q);
	}
	start = r->p;
	if (!jr_scalar(r, &v))
		return r->nomem ? rb_nomem(c) : rb_error(c, "%s", r->err);
	switch (v->type) {
	case RV_NULL:
		return RB_OK;
	case RV_BOOL:
		return rb_error(c, "error: invalid character '%%!s(bool=%s)' after top-level value",
				v->u.b ? "true" : "false");
	case RV_STRING:
		return rb_error(c, fmt, (int)(v->u.str.len > 100 ? 100 : v->u.str.len),
				v->u.str.s);
	default: /* a json.Number: the text as written */
		return rb_error(c, fmt, (int)(r->p - start > 100 ? 100 : r->p - start),
				(const char *)start);
	}
}

static enum rb_status bi_json_unmarshal(struct rb_ctx *c,
					struct rv *const *args, struct rv **out)
{
	struct jr r = { 0 };
	struct rv *v;
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	r.a = c->arena;
	r.p = (const unsigned char *)args[0]->u.str.s;
	r.end = r.p + args[0]->u.str.len;
	jr_ws(&r);
	if (r.p == r.end) /* json.Decoder: io.EOF */
		return rb_error(c, "EOF");
	if (!jr_value(&r, &v))
		return r.nomem ? rb_nomem(c) : rb_error(c, "%s", r.err);
	if ((st = jr_trailer(c, &r)) != RB_OK)
		return st;
	*out = v;
	return RB_OK;
}

static enum rb_status bi_json_is_valid(struct rb_ctx *c,
				       struct rv *const *args,
				       struct rv **out)
{
	struct jr r = { 0 };
	struct rv *v;
	bool ok;

	if (!rv_is(args[0], RV_STRING))
		return ret_bool(false, out);
	r.p = (const unsigned char *)args[0]->u.str.s;
	r.end = r.p + args[0]->u.str.len;
	ok = jr_value(&r, &v);
	if (r.nomem)
		return rb_nomem(c);
	jr_ws(&r);
	return ret_bool(ok && r.p == r.end, out);
}

const struct rb_def rb_json_defs[] = {
	{ "json.marshal", 1, bi_json_marshal },
	{ "json.marshal_with_options", 2, bi_json_marshal_with_options },
	{ "json.unmarshal", 1, bi_json_unmarshal },
	{ "json.is_valid", 1, bi_json_is_valid },
	{ NULL, 0, NULL },
};
