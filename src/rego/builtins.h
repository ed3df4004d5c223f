/* builtins.h - the built-in functions table.
 *
 * A built-in takes its evaluated arguments and either yields a value, is
 * undefined, or fails with an error. As in OPA, an error makes the call
 * undefined unless the evaluation asked for strict built-in errors, in
 * which case it stops the evaluation with that message. Operators are
 * built-ins too (`plus` for +, `equal` for ==, `or` for | ...), named as in
 * OPA. Built-ins are pure, except where `nondeterministic` is set
 * (time.now_ns: constant within one evaluation, as in OPA). */
#ifndef EAA_REGO_BUILTINS_H
#define EAA_REGO_BUILTINS_H

#include "value.h"

enum rb_status {
	RB_OK,        /* *out holds the result */
	RB_UNDEFINED, /* no result, no error */
	RB_ERROR,     /* c->msg says why (eval_builtin_error) */
	RB_TYPE_ERROR /* c->msg says which operand (eval_type_error) */
};

struct rb_ctx {
	struct rv_arena *arena; /* allocate results here */
	const char *name;       /* the built-in being called */
	int64_t now_ns;         /* fixed for the whole evaluation */
	char msg[256];
};

typedef enum rb_status (*rb_fn)(struct rb_ctx *c, struct rv *const *args,
				struct rv **out);

struct rb_def {
	const char *name; /* "count", "strings.replace_n", "plus" */
	unsigned nargs;
	rb_fn fn;
};

/* A relation (OPA's `walk`) yields any number of results, each handed to
 * the rest of the query at once: `emit` returns false when the built-in
 * must stop (the query has what it needs, or failed), and the built-in
 * then returns RB_OK. A relation is in its group's table like any
 * built-in, with rb_relation_call as its fn; rb_relation finds its body. */
struct rb_yield {
	bool (*emit)(struct rb_yield *y, struct rv *v);
};
typedef enum rb_status (*rb_rel_fn)(struct rb_ctx *c, struct rv *const *args,
				    struct rb_yield *y);
enum rb_status rb_relation_call(struct rb_ctx *c, struct rv *const *args,
				struct rv **out);
rb_rel_fn rb_relation(const char *name);

/* The built-in of that name, or NULL. */
const struct rb_def *rb_lookup(const char *name, size_t len);

/* Helpers for built-in bodies. */
/* "<name>: operand <i> must be <want> but got <type of v>"; returns
 * RB_TYPE_ERROR. i is 1-based as in OPA's messages. */
enum rb_status rb_type_error(struct rb_ctx *c, unsigned i, const char *want,
			     const struct rv *v);
/* "<name>: <formatted>"; returns RB_ERROR. */
enum rb_status rb_error(struct rb_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Out of arena memory: the evaluator turns this into a limit error. */
enum rb_status rb_nomem(struct rb_ctx *c);

/* Tables of the built-in groups, each NULL-name-terminated; rb_lookup
 * searches them all, rb_groups lists them (for `rego builtins`). */
extern const struct rb_def rb_core_defs[];    /* operators, aggregates, types,
						 sets, arrays, objects */
extern const struct rb_def rb_string_defs[];  /* strings */
extern const struct rb_def rb_sprintf_defs[]; /* sprintf with Go's verbs */
extern const struct rb_def rb_regex_defs[];   /* Go-syntax regexes on PCRE2 */
extern const struct rb_def rb_encode_defs[];  /* base64, hex, urlquery,
						 crypto, semver, units */
extern const struct rb_def rb_json_defs[];    /* json.* */
extern const struct rb_def rb_time_defs[];    /* time.* and zones */
extern const struct rb_def rb_jwt_defs[];     /* io.jwt.* */
extern const struct rb_def rb_x509_defs[];    /* crypto.x509.*, private
						 keys */
extern const struct rb_def rb_net_defs[];     /* net.cidr_* */
extern const struct rb_def rb_glob_defs[];    /* glob.* */
extern const struct rb_def rb_globs_match_defs[]; /* regex.globs_match */
extern const struct rb_def rb_walk_defs[];    /* walk */
extern const struct rb_def rb_graph_defs[];   /* graph.reachable* */
extern const struct rb_def rb_bits_defs[];    /* bits.* */
extern const struct rb_def rb_subset_defs[];  /* object.subset */
extern const struct rb_def rb_json_edit_defs[]; /* json.remove/filter/patch */
extern const struct rb_def rb_uuid_defs[];    /* uuid.parse */
extern const struct rb_def rb_uri_defs[];     /* uri.* */
extern const struct rb_def *const rb_groups[];
extern const size_t rb_ngroups;

#endif
