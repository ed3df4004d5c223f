/* builtins_go.h - what the built-ins that follow Go's standard library
 * share: builtins_encode.c, builtins_json.c and builtins_time.c.
 *
 * Returning a result built in a malloc'd buffer, Go's strconv.Quote for
 * messages (defined in builtins_encode.c), objects in the member order of
 * Go's JSON (builtins_json.c), and key/value pairs kept with their input
 * position. Internal to those three files; a helper only one of them uses
 * stays in that file. */
#ifndef EAA_REGO_BUILTINS_GO_H
#define EAA_REGO_BUILTINS_GO_H

#include <stdlib.h>
#include "builtins.h"

static inline bool is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* ---- results ---- */

static inline enum rb_status ret_bytes(struct rb_ctx *c, const void *p,
				       size_t n, struct rv **out)
{
	*out = rv_string(c->arena, p, n);
	return *out ? RB_OK : rb_nomem(c);
}

/* Move a malloc'd text buffer into the arena as the result. */
static inline enum rb_status ret_buf(struct rb_ctx *c, struct rv_buf *b,
				     struct rv **out)
{
	enum rb_status st;

	if (b->failed)
		st = rb_nomem(c);
	else
		st = ret_bytes(c, b->p ? b->p : "", b->len, out);
	free(b->p);
	b->p = NULL;
	return st;
}

static inline enum rb_status ret_bool(bool b, struct rv **out)
{
	*out = rv_bool(b);
	return RB_OK;
}

static inline enum rb_status ret_int(struct rb_ctx *c, int64_t i,
				     struct rv **out)
{
	*out = rv_int(c->arena, i);
	return *out ? RB_OK : rb_nomem(c);
}

/* The error text of a malloc'd buffer, then free it. */
static inline enum rb_status fail_buf(struct rb_ctx *c, struct rv_buf *b)
{
	enum rb_status st;

	st = b->failed ? rb_nomem(c) : rb_error(c, "%s", b->p ? b->p : "");
	free(b->p);
	b->p = NULL;
	return st;
}

/* ---- Go's strconv.Quote (builtins_encode.c) ---- */

/* strconv.Quote, which OPA's messages use to show a string (%v of an
 * ast.String). Bytes that are not UTF-8 print as \xNN. */
void go_quote(struct rv_buf *b, const char *s, size_t n);
/* One rune as strconv.Quote escapes it, without the quotes; quote is the
 * quote character that gets a backslash. */
void go_quote_rune(struct rv_buf *b, uint32_t r, char quote);

/* ---- objects as Go's JSON orders them (builtins_json.c) ---- */

/* An object member as Go sees it after OPA's ast.JSON: the key is its
 * string, or the compact JSON of a non-string key. */
struct gj_member {
	const char *k;
	size_t klen;
	char *owned; /* malloc'd key text, or NULL */
	const struct rv *v;
	size_t pos;
};

/* The members of an object in Go's order (keys sorted bytewise). Keys that
 * only differ as values but print the same (1 and "1") collapse to the
 * last in OPA's order, as a Go map assignment does. *out is malloc'd (free
 * with gj_members_free); false when out of memory. */
bool gj_members(const struct rv *o, struct gj_member **out, size_t *n);
void gj_members_free(struct gj_member *m, size_t n);

/* ---- pairs in input order ---- */

/* A key and value with their input position, to group or de-duplicate
 * keys while keeping input order. */
struct pos_pair {
	struct rv *k, *v;
	size_t pos;
};

/* By key, then by input position (a qsort comparator). */
static inline int pos_pair_cmp(const void *x, const void *y)
{
	const struct pos_pair *a = x, *b = y;
	int c = rv_compare(a->k, b->k);

	return c ? c : (a->pos > b->pos) - (a->pos < b->pos);
}

#endif
