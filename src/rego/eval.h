/* eval.h - evaluating compiled queries against a policy and an input.
 *
 * Top-down evaluation with backtracking, as OPA's topdown: each construct
 * hands every solution it finds to a continuation. Rule values are cached
 * within one evaluation (and dropped under `with`). Three limits bound a
 * hostile policy: steps, nesting depth, and the evaluation arena's bytes. */
#ifndef EAA_REGO_EVAL_H
#define EAA_REGO_EVAL_H

#include "policy.h"

struct rego_limits_int {
	unsigned long max_steps;
	unsigned max_depth;
	size_t max_bytes;
};

/* Called once per solution of the query with its frame (slot values,
 * NULL when unbound). Return false to stop after this solution. */
typedef bool (*eval_solution_fn)(void *ctx, struct rv *const *slots);

/* Evaluate q. The error's message carries OPA's error code in front
 * ("eval_conflict_error: ..."). Returns false on error. */
bool rego_eval(const struct rego_policy *p, const struct query *q,
	       struct rv_arena *a, struct rv *input, bool strict,
	       const struct rego_limits_int *lim, eval_solution_fn fn, void *ctx,
	       struct eaa_err *err);

#endif
