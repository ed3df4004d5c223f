/* rego.h - the Rego policy engine: compile policies once, evaluate them
 * against many inputs.
 *
 *   struct rego_builder *b = rego_builder_new();
 *   rego_builder_add_module(b, "sgxPolicy.rego", src, len, REGO_SYNTAX_AUTO, &e);
 *   rego_builder_set_data(b, sgx_data_json, n, &e);
 *   struct rego_policy *p = rego_builder_compile(b, &e);   (b is consumed)
 *   struct rego_query *q = rego_query_compile(p, "data.policy.allow", &e);
 *   rego_query_eval(q, input_json, n, NULL, &out, &e);     (any thread)
 *
 * A compiled policy and query are immutable: any number of threads may
 * evaluate them at once. Every error names where: "file:line:col: ..." for
 * policies, OPA's error code ("eval_conflict_error: ...") for evaluation.
 * Strings returned through `char **` are malloc'd; the caller frees them. */
#ifndef EAA_REGO_H
#define EAA_REGO_H

#include <stdbool.h>
#include <stddef.h>
#include "eaa/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct rego_error {
	enum eaa_code code;
	char msg[512];
};

/* Which Rego a module is written in. AUTO: v1 when the module imports
 * rego.v1, or uses `if`/`contains` without importing future.keywords;
 * otherwise v0 (verdictd's policies).
 * The only head that reads differently is `p[x] { ... }`: a partial set
 * in v0, `p[x] := true` in v1. */
enum rego_syntax { REGO_SYNTAX_AUTO, REGO_SYNTAX_V0, REGO_SYNTAX_V1 };

/* Bounds on one evaluation; 0 in a field means its default. */
struct rego_limits {
	unsigned long max_steps; /* default 10,000,000 */
	unsigned max_depth;      /* rule/function/body nesting; default 1000 */
	size_t max_bytes;        /* memory for values; default 256 MiB */
	bool strict;             /* built-in errors stop the evaluation (OPA's
				    --strict-builtin-errors); default: the
				    call is undefined, as in OPA */
};

struct rego_builder;
struct rego_policy;
struct rego_query;

struct rego_builder *rego_builder_new(void);
/* Parse one module; it is compiled with the others by rego_builder_compile.
 * The source is copied. */
bool rego_builder_add_module(struct rego_builder *b, const char *file,
			     const char *src, size_t len, enum rego_syntax syntax,
			     struct rego_error *err);
/* The base document under data (a JSON object). Replaces earlier data. */
bool rego_builder_set_data(struct rego_builder *b, const char *json,
			   size_t len, struct rego_error *err);
/* The same, merged into earlier data as `opa eval -d a.json -d b.json`
 * does: objects under the same key merged, a later value wins. */
bool rego_builder_add_data(struct rego_builder *b, const char *json,
			   size_t len, struct rego_error *err);
/* Compile the modules: rule conflicts, unknown functions, unsafe variables
 * are errors here. Frees b whatever the outcome. */
struct rego_policy *rego_builder_compile(struct rego_builder *b,
					 struct rego_error *err);
void rego_builder_free(struct rego_builder *b);
void rego_policy_free(struct rego_policy *p);

/* A query as `opa eval` takes it: "data.policy.allow", "x := data.a[_]". */
struct rego_query *rego_query_compile(const struct rego_policy *p,
				      const char *query, struct rego_error *err);
void rego_query_free(struct rego_query *q);

enum rego_result { REGO_ERROR = -1, REGO_UNDEFINED = 0, REGO_DEFINED = 1 };

/* The value of the query's last expression in its first solution, as
 * JSON in *out (when out is non-NULL). input may be NULL (no input).
 * A policy whose `allow` is false is DEFINED with "false": callers that
 * decide must compare the value, not just the result. */
enum rego_result rego_query_eval(const struct rego_query *q,
				 const char *input_json, size_t input_len,
				 const struct rego_limits *lim, char **out,
				 struct rego_error *err);

/* The room an explanation is given by verdictd and the tools. */
#define REGO_EXPLAIN_CAP 2048

/* rego_query_eval, and when the value is false or undefined, why, as
 * lines of text in why[0..cap) (always NUL-terminated; "" when the value
 * is neither, or on an error, which err says as rego_query_eval does):
 *
 *   data.policy.allow is false
 *     allow (policy.rego:6): tcb_is_accepted is undefined (policy.rego:8:5)
 *       tcb_is_accepted (policy.rego:22): input.tcb_status is undefined (policy.rego:23:5)
 *       tcb_is_accepted (policy.rego:25): not data.tcbStatus fails: data.tcbStatus is ["UpToDate"] (policy.rego:26:5)
 *     default allow (policy.rego:4): false
 *
 * For the query, and for each rule and function the failed expression
 * names (4 levels deep), every definition tried (16 at most per rule,
 * else branches included) and the first expression in it without a
 * solution, with the values its operands had (the first solution of the
 * expressions before it; 3 values at most of an operand that has
 * several), then the default. Bounded: the whole text by cap (cut with
 * "..."), each value by 80 bytes and each expression by 120 (cut with
 * "..."); strings are printed as JSON with every byte outside printable
 * ASCII \u-escaped, so an input cannot forge lines in a log. The values
 * shown come from input and data: show the text only to who may see both
 * (docs/threat-model.md).
 *
 * A second evaluation runs under the same limits only when the value is
 * false or undefined; rego_query_eval does no explanation work. */
enum rego_result rego_query_eval_explain(const struct rego_query *q,
					 const char *input_json, size_t input_len,
					 const struct rego_limits *lim, char **out,
					 char *why, size_t cap,
					 struct rego_error *err);

/* Every solution, as `opa eval` prints them: {"result": [{"expressions":
 * [{"value": ..., "text": ...}], "bindings": {...}}]} ({} when
 * undefined). */
enum rego_result rego_query_eval_all(const struct rego_query *q,
				     const char *input_json, size_t input_len,
				     const struct rego_limits *lim, bool pretty,
				     char **out, struct rego_error *err);

#ifdef __cplusplus
}
#endif
#endif
