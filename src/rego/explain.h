/* explain.h - why a query is false or undefined (explain.c), for
 * rego_query_eval_explain. */
#ifndef EAA_REGO_EXPLAIN_H
#define EAA_REGO_EXPLAIN_H

#include "eval.h"

/* Write the explanation of q's false or undefined result into
 * why[0..cap) (NUL-terminated; cut with "..." when it does not fit), with
 * a second evaluation in arena a. Never fails: an error that stops it is
 * the explanation's last line. */
void rego_explain_query(const struct rego_policy *p, const struct query *q,
			struct rv_arena *a, struct rv *input, bool strict,
			const struct rego_limits_int *lim, char *why, size_t cap);

#endif
