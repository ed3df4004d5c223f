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

/* ---- probes, for explanations (explain.c) ----
 * One evaluation state serves many probes: rule values stay cached
 * between them, as within one evaluation. Nothing here runs unless an
 * explanation was asked for. */
struct ev;

/* An evaluation state in arena a (freed with it). NULL: out of memory. */
struct ev *ev_open(const struct rego_policy *p, struct rv_arena *a,
		   struct rv *input, bool strict,
		   const struct rego_limits_int *lim, struct eaa_err *err);

/* Does b's first n expressions have a solution, in a fresh frame of
 * nslots slots (with a function rule's arguments first unified with
 * args, when r is one)? 1: yes, and *slots holds a copy of the first
 * solution's frame; 0: no; -1: an error (ev_failed). */
int ev_probe(struct ev *ev, const struct rule *r, struct rv *const *args,
	     const struct body *b, size_t n, int nslots, struct rv ***slots);

/* Up to max values of term t in frame slots: *nv of them in vals, and
 * *more when t has further values. -1 on an error. t must be safe to
 * evaluate there (its variables bound, but those a reference iterates). */
int ev_values(struct ev *ev, struct rv **slots, const struct term *t,
	      struct rv **vals, size_t max, size_t *nv, bool *more);

/* The value of a rule (not a function) group; NULL when undefined or on
 * an error (ev_failed says which). */
struct rv *ev_group_value(struct ev *ev, const struct rule_group *g);

/* The value of function group g on args; NULL when undefined or on an
 * error. */
struct rv *ev_func_value(struct ev *ev, const struct rule_group *g,
			 struct rv *const *args);

/* Has an error (a limit, a conflict) stopped this state? */
bool ev_failed(const struct ev *ev);

#endif
