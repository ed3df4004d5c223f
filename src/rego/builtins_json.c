/* builtins_json.c - json.marshal, json.marshal_with_options,
 * json.unmarshal and json.is_valid: JSON as Go's encoding/json writes and
 * reads it, since that is what OPA's policies see (member order, escaping,
 * which texts are JSON, and the words of every error).
 *
 * Owns rb_json_defs, the Go-compatible writer (gj_*, whose member order
 * urlquery.encode_object shares through builtins_go.h) and the reader
 * (jr_*). rv_from_json and rv_to_json in value.c are the engine's own JSON
 * (as OPA prints values), not Go's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"
#include "codec.h"

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

/* ---- JSON as Go's json.Decoder reads it ---- */

/* Go allows 10000 levels. Values are compared, sorted and printed
 * recursively, so we allow what jansson allows for input documents
 * (2048): deeper ones are refused, never a stack overflow later. */
#define JSON_MAX_DEPTH 2048

struct jr {
	struct rv_arena *a; /* where values go; NULL: only validate */
	const unsigned char *p, *end;
	bool nomem;
	char err[128]; /* Go's message when the text is not JSON */
};

/* The scanner's quoteChar: a byte as a quoted Go rune. */
static void quote_char(char *dst, size_t len, unsigned char ch)
{
	struct rv_buf b = { 0 };

	if (ch == '\'') {
		snprintf(dst, len, "'\\''");
		return;
	}
	if (ch == '"') {
		snprintf(dst, len, "'\"'");
		return;
	}
	go_quote_rune(&b, ch, '\'');
	snprintf(dst, len, "'%s'", b.p && !b.failed ? b.p : "?");
	free(b.p);
}

static bool jr_fail(struct jr *r, unsigned char ch, const char *context)
{
	char q[16];

	quote_char(q, sizeof(q), ch);
	snprintf(r->err, sizeof(r->err), "invalid character %s %s", q,
		 context);
	return false;
}

/* A value cut short: json.Decoder says io.ErrUnexpectedEOF. */
static bool jr_eof(struct jr *r)
{
	snprintf(r->err, sizeof(r->err), "unexpected EOF");
	return false;
}

static void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int jr_hex4(const unsigned char *p)
{
	int i, v = 0, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_digit(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Decode the body of a checked string literal (between the quotes) the way
 * Go unquotes it: bad UTF-8 and unpaired surrogates become U+FFFD. */
static void jr_unquote(struct rv_buf *b, const unsigned char *p,
		       const unsigned char *e)
{
	uint32_t r;
	int u, lo;

	while (p < e) {
		if (*p != '\\') {
			const unsigned char *start = p;

			while (p < e && *p != '\\' && *p < 0x80)
				p++;
			rv_buf_puts(b, (const char *)start, (size_t)(p - start));
			if (p < e && *p >= 0x80) {
				size_t k = rv_utf8_decode((const char *)p,
							  (size_t)(e - p), &r);

				if (k == 1)
					rv_buf_rune(b, 0xfffd);
				else
					rv_buf_puts(b, (const char *)p, k);
				p += k;
			}
			continue;
		}
		p++;
		switch (*p) {
		case 'b': rv_buf_rune(b, '\b'); break;
		case 'f': rv_buf_rune(b, '\f'); break;
		case 'n': rv_buf_rune(b, '\n'); break;
		case 'r': rv_buf_rune(b, '\r'); break;
		case 't': rv_buf_rune(b, '\t'); break;
		case 'u':
			u = jr_hex4(p + 1);
			p += 4;
			if (u >= 0xd800 && u < 0xe000) {
				lo = -1;
				if (u < 0xdc00 && e - p >= 7 && p[1] == '\\' &&
				    p[2] == 'u')
					lo = jr_hex4(p + 3);
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10 |
						       (lo - 0xdc00));
					p += 6;
				} else {
					u = 0xfffd;
				}
			}
			rv_buf_rune(b, (uint32_t)u);
			break;
		default: /* '"', '\\', '/' */
			rv_buf_rune(b, *p);
		}
		p++;
	}
}

static bool jr_string(struct jr *r, struct rv **out)
{
	const unsigned char *start = ++r->p;
	struct rv_buf b = { 0 };
	int i;

	for (;;) {
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p == '"')
			break;
		if (*r->p < 0x20)
			return jr_fail(r, *r->p, "in string literal");
		if (*r->p++ != '\\')
			continue;
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p && strchr("\"\\/bfnrt", *r->p)) {
			r->p++;
			continue;
		}
		if (*r->p != 'u')
			return jr_fail(r, *r->p, "in string escape code");
		r->p++;
		for (i = 0; i < 4; i++, r->p++) {
			if (r->p == r->end)
				return jr_eof(r);
			if (hex_digit(*r->p) < 0)
				return jr_fail(r, *r->p,
					       "in \\u hexadecimal character escape");
		}
	}
	r->p++;
	if (!r->a)
		return true;
	jr_unquote(&b, start, r->p - 1);
	if (b.failed) {
		free(b.p);
		r->nomem = true;
		return false;
	}
	*out = rv_string(r->a, b.p ? b.p : "", b.len);
	free(b.p);
	if (!*out)
		r->nomem = true;
	return *out != NULL;
}

/* A number the grammar accepted: ints exactly, the rest as doubles. Texts
 * too long for rv_number_text go through strtod. */
static struct rv *jr_number_value(struct rv_arena *a, const char *s, size_t n)
{
	struct rv *v;
	char *t;

	if (n < 128)
		return rv_number_text(a, s, n);
	if (!(t = rv_strndup(a, s, n)))
		return NULL;
	v = rv_double(a, strtod(t, NULL));
	return v;
}

static bool jr_digits(struct jr *r)
{
	bool any = false;

	while (r->p < r->end && is_digit(*r->p)) {
		r->p++;
		any = true;
	}
	return any;
}

static bool jr_number(struct jr *r, struct rv **out)
{
	const unsigned char *start = r->p;

	if (*r->p == '-') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!is_digit(*r->p))
			return jr_fail(r, *r->p, "in numeric literal");
	}
	if (*r->p == '0')
		r->p++;
	else
		jr_digits(r);
	if (r->p < r->end && *r->p == '.') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p,
				       "after decimal point in numeric literal");
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		if (++r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p, "in exponent of numeric literal");
	}
	if (!r->a)
		return true;
	*out = jr_number_value(r->a, (const char *)start,
			       (size_t)(r->p - start));
	if (!*out) {
		if (r->a->exhausted)
			r->nomem = true;
		else
			snprintf(r->err, sizeof(r->err),
				 "number out of range");
		return false;
	}
	return true;
}

static bool jr_literal(struct jr *r, const char *word, struct rv *v,
		       struct rv **out)
{
	size_t i;
	char ctx[40];

	for (i = 1; word[i]; i++) {
		if (r->p + i >= r->end)
			return jr_eof(r);
		if (r->p[i] != (unsigned char)word[i]) {
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')",
				 word, word[i]);
			return jr_fail(r, r->p[i], ctx);
		}
	}
	r->p += i;
	*out = v;
	return true;
}

/* A string, number or literal. */
static bool jr_scalar(struct jr *r, struct rv **out)
{
	*out = NULL;
	switch (*r->p) {
	case '"':
		return jr_string(r, out);
	case 't':
		return jr_literal(r, "true", rv_bool(true), out);
	case 'f':
		return jr_literal(r, "false", rv_bool(false), out);
	case 'n':
		return jr_literal(r, "null", rv_null(), out);
	default:
		if (*r->p == '-' || is_digit(*r->p))
			return jr_number(r, out);
		return jr_fail(r, *r->p, "looking for beginning of value");
	}
}

/* An object member key and its colon. */
static bool jr_key(struct jr *r, struct rv **key)
{
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != '"')
		return jr_fail(r, *r->p,
			       "looking for beginning of object key string");
	if (!jr_string(r, key))
		return false;
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != ':')
		return jr_fail(r, *r->p, "after object key");
	r->p++;
	return true;
}

/* A JSON object keeps the last of repeated keys, as decoding into a Go map
 * does; rv_object_finish refuses conflicts, so resolve them first. */
static struct rv *jr_object_finish(struct jr *r, struct rv_builder *b)
{
	struct rv_builder nb;
	struct pos_pair *p;
	bool conflict;
	struct rv *v;
	size_t i, n = b->n;

	v = rv_object_finish(b, &conflict);
	if (v || !conflict)
		return v;
	if (!(p = malloc(n * sizeof(*p))))
		return NULL;
	for (i = 0; i < n; i++) {
		p[i].k = b->k[i];
		p[i].v = b->v[i];
		p[i].pos = i;
	}
	qsort(p, n, sizeof(*p), pos_pair_cmp);
	rv_builder_init(&nb, r->a);
	for (i = 0; i < n; i++)
		if (i + 1 == n || rv_compare(p[i].k, p[i + 1].k) != 0)
			rv_builder_put(&nb, p[i].k, p[i].v);
	free(p);
	return rv_object_finish(&nb, NULL);
}

struct jr_frame {
	struct rv_builder b;
	struct rv *key;
	bool obj;
};

static bool jr_push(struct jr *r, struct jr_frame **st, size_t *depth,
		    size_t *cap, bool obj)
{
	struct jr_frame *f;

	if (*depth >= JSON_MAX_DEPTH)
		return jr_fail(r, obj ? '{' : '[', "exceeded max depth");
	if (*depth == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if (!(f = realloc(*st, ncap * sizeof(*f)))) {
			r->nomem = true;
			return false;
		}
		*st = f;
		*cap = ncap;
	}
	f = &(*st)[(*depth)++];
	rv_builder_init(&f->b, r->a);
	f->key = NULL;
	f->obj = obj;
	return true;
}

/* Attach a finished value to the innermost open container and read what
 * follows it. Returns 1 when the container goes on (a value is expected
 * next), 0 when it closed (*v is now the container, for the level up),
 * -1 on error. */
static int jr_attach(struct jr *r, struct jr_frame *f, struct rv **v)
{
	unsigned char ch;

	if (r->a && !(f->obj ? rv_builder_put(&f->b, f->key, *v)
			     : rv_builder_add(&f->b, *v))) {
		r->nomem = true;
		return -1;
	}
	jr_ws(r);
	if (r->p == r->end) {
		jr_eof(r);
		return -1;
	}
	ch = *r->p++;
	if (ch == ',')
		return f->obj && !jr_key(r, &f->key) ? -1 : 1;
	if (ch != (f->obj ? '}' : ']')) {
		jr_fail(r, ch, f->obj ? "after object key:value pair"
				      : "after array element");
		return -1;
	}
	if (!r->a)
		return 0;
	*v = f->obj ? jr_object_finish(r, &f->b) : rv_array_finish(&f->b);
	if (!*v) {
		r->nomem = true;
		return -1;
	}
	return 0;
}

/* One JSON value, iteratively so depth costs heap, not stack. On failure
 * r->err holds Go's message (or r->nomem is set). */
static bool jr_value(struct jr *r, struct rv **out)
{
	struct jr_frame *st = NULL;
	size_t depth = 0, cap = 0;
	struct rv *v = NULL;
	bool ok = false;
	int more;

	for (;;) {
		unsigned char ch;

		jr_ws(r);
		if (r->p == r->end) {
			jr_eof(r);
			break;
		}
		ch = *r->p;
		if (ch == '[' || ch == '{') {
			if (!jr_push(r, &st, &depth, &cap, ch == '{'))
				break;
			r->p++;
			jr_ws(r);
			if (r->p < r->end && *r->p == (ch == '{' ? '}' : ']')) {
				r->p++;
				depth--;
				v = ch == '{' ? rv_empty_object()
					      : rv_empty_array();
			} else if (ch == '{') {
				if (!jr_key(r, &st[depth - 1].key))
					break;
				continue;
			} else {
				continue;
			}
		} else if (!jr_scalar(r, &v)) {
			break;
		}
		more = 0;
		while (depth && (more = jr_attach(r, &st[depth - 1], &v)) == 0)
			depth--;
		if (more < 0)
			break;
		if (!depth) {
			*out = v;
			ok = true;
			break;
		}
	}
	free(st);
	return ok;
}

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
		quote_char(q, sizeof(q), ch);
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
