/* value.h - Rego values and the arena they live in.
 *
 * A value is null, boolean, number, string, array, object or set. Objects
 * may have keys of any type and sets hold any values, as in OPA; both are
 * kept sorted by rv_compare with no duplicates, so lookup is a binary
 * search and printing is canonical. Values are immutable once built.
 *
 * Every value lives in an arena: the compiled policy has one (its data
 * document and constants, shared read-only by all evaluations, so no
 * reference counts and no locks), and each evaluation has its own, freed
 * in one go when the evaluation ends. The arena's byte budget is one of the
 * evaluation limits: a huge comprehension fails with a limit error. */
#ifndef EAA_REGO_VALUE_H
#define EAA_REGO_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* In OPA's sort order: null < boolean < number < string < array < object <
 * set. */
enum rv_type { RV_NULL, RV_BOOL, RV_NUMBER, RV_STRING, RV_ARRAY, RV_OBJECT,
	       RV_SET };

struct rv {
	enum rv_type type;
	union {
		bool b;
		struct {
			bool is_int; /* exact integer in i; else the double d */
			int64_t i;
			double d;
			/* the literal as written (JSON or Rego), printed as
			 * OPA prints a number it did not compute: "100.0"
			 * stays 100.0, a big integer keeps its digits; NULL
			 * for computed numbers */
			const char *text;
		} num;
		struct {
			const char *s; /* NUL-terminated; may contain NULs */
			size_t len;
		} str;
		struct { /* arrays, and sets (sorted, unique) */
			struct rv **v;
			size_t n;
		} arr;
		struct { /* sorted by key, unique keys */
			struct rv **k, **v;
			size_t n;
		} obj;
	} u;
};

/* ---- arena ---- */

struct rv_arena {
	struct rv_block *head;
	size_t used, limit;   /* bytes handed out, and the budget (0: none) */
	bool exhausted;       /* an allocation hit the budget */
};

void rv_arena_init(struct rv_arena *a, size_t limit);
void rv_arena_free(struct rv_arena *a);
/* Zeroed memory, or NULL when the budget or malloc runs out (and
 * a->exhausted says which). */
void *rv_alloc(struct rv_arena *a, size_t n);
char *rv_strndup(struct rv_arena *a, const char *s, size_t n);

/* ---- constructors (NULL when the arena is exhausted) ---- */

struct rv *rv_null(void);
struct rv *rv_bool(bool b);
struct rv *rv_int(struct rv_arena *a, int64_t i);
/* A double; integral values that fit an int64 become exact integers. NaN
 * and infinities are not Rego numbers: NULL. */
struct rv *rv_double(struct rv_arena *a, double d);
/* A JSON number's text (e.g. "1e3", "-0.5"); NULL if malformed. */
struct rv *rv_number_text(struct rv_arena *a, const char *s, size_t n);
struct rv *rv_string(struct rv_arena *a, const char *s, size_t n);
struct rv *rv_cstring(struct rv_arena *a, const char *s);
/* Take a string already in the arena (no copy). */
struct rv *rv_string_own(struct rv_arena *a, char *s, size_t n);

/* Collections are built by appending to a builder, then finishing it.
 * Builders grow inside the arena. */
struct rv_builder {
	struct rv_arena *a;
	struct rv **k, **v; /* v only for objects */
	size_t n, cap;
	bool failed;
};
void rv_builder_init(struct rv_builder *b, struct rv_arena *a);
bool rv_builder_add(struct rv_builder *b, struct rv *v);
bool rv_builder_put(struct rv_builder *b, struct rv *k, struct rv *v);
struct rv *rv_array_finish(struct rv_builder *b);
/* Sorts and removes duplicates. */
struct rv *rv_set_finish(struct rv_builder *b);
/* Sorts by key. Two equal keys with different values are a conflict: NULL
 * with *conflict set (when conflict is non-NULL); equal pairs merge. */
struct rv *rv_object_finish(struct rv_builder *b, bool *conflict);

struct rv *rv_empty_array(void);
struct rv *rv_empty_object(void);
struct rv *rv_empty_set(void);

/* ---- queries ---- */

/* Total order over all values, OPA's: by type, then by content. Numbers
 * compare by value across int and double. */
int rv_compare(const struct rv *a, const struct rv *b);
static inline bool rv_equal(const struct rv *a, const struct rv *b)
{
	return rv_compare(a, b) == 0;
}
/* Object member or NULL. */
struct rv *rv_object_get(const struct rv *o, const struct rv *key);
struct rv *rv_object_getc(const struct rv *o, const char *key);
bool rv_set_contains(const struct rv *s, const struct rv *v);
/* The element of a collection at key: array index (an integral number),
 * object key, or set member (which yields itself). NULL when undefined. */
struct rv *rv_get(const struct rv *coll, const struct rv *key);
/* Number as double / as an exact int64 (false if not integral or out of
 * range). */
double rv_num_double(const struct rv *v);
bool rv_num_int(const struct rv *v, int64_t *out);
/* OPA's Number.Int (util.Atoi64), for indexes and integer operands: as
 * rv_num_int, but written as an integer, at most zeros after a point
 * ("1.0"), in at most 19 characters past the sign: 1e0 is not one. */
bool rv_num_index(const struct rv *v, int64_t *out);
const char *rv_type_name(enum rv_type t);
static inline bool rv_is(const struct rv *v, enum rv_type t)
{
	return v && v->type == t;
}
static inline size_t rv_len(const struct rv *v)
{
	return v->type == RV_OBJECT ? v->u.obj.n : v->u.arr.n;
}

/* ---- JSON ---- */

/* Parse one JSON document (RFC 8259, any top-level value; numbers of any
 * size, big integers becoming doubles). Errors name the byte offset. The
 * nesting depth is bounded. */
struct rv *rv_from_json(struct rv_arena *a, const char *s, size_t n,
			struct eaa_err *err);

/* Serialise: objects with non-string keys and sets are not JSON, so they
 * print as OPA prints them (sets as arrays, non-string keys as their JSON
 * text). pretty: two-space indentation as `opa eval` prints. Returns a
 * malloc'd string (caller frees) or NULL on allocation failure. */
char *rv_to_json(const struct rv *v, bool pretty);

/* Append the JSON text to a growing buffer; false on allocation failure. */
struct rv_buf {
	char *p;
	size_t len, cap;
	bool failed;
};
void rv_buf_puts(struct rv_buf *b, const char *s, size_t n);
void rv_buf_printf(struct rv_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rv_buf_json(struct rv_buf *b, const struct rv *v, bool pretty, int indent);
/* s[0..n) as a JSON string literal: '"', '\\' and control characters
 * escaped, other bytes as they are (rv_buf_json's strings). go: as Go's
 * encoding/json writes it, which OPA's json.marshal shows: also <, > and &
 * (HTML-safe), U+2028 and U+2029 escaped, and each byte that is not UTF-8
 * written as \ufffd. */
void rv_buf_json_string(struct rv_buf *b, const char *s, size_t n, bool go);
/* r (at most U+10FFFF) as UTF-8. */
void rv_buf_rune(struct rv_buf *b, uint32_t r);
/* One rune of s[0..n), n > 0, as Go's utf8.DecodeRune reads it: invalid,
 * truncated, overlong and surrogate sequences are a single bad byte (*r is
 * U+FFFD). Returns the rune's length in bytes. */
size_t rv_utf8_decode(const char *s, size_t n, uint32_t *r);
/* Number as OPA prints it: exact integers plainly, doubles in the shortest
 * text that reads back to the same double. */
void rv_buf_number(struct rv_buf *b, const struct rv *v);

#endif
