/* rego_check.h - one Rego query case, run as `rego eval` runs it and
 * checked, for the engine's unit tests (test_rego_eval, _heads, _logic,
 * _template): compile the module (file p.rego) and the data, compile the
 * query, evaluate it on the input under the tests' limits, and compare
 * what came out with the wanted text:
 *
 *   the result's JSON      the query's value, exactly
 *   "undefined"            the query has no value
 *   "error:<substring>"    compiling or evaluating failed with a message
 *                          containing <substring>
 *
 * Header-only, like test.h (include that first); a case that does not
 * match prints its name, what came out and what was wanted. Most tables
 * are rego_module_case rows run by rego_check_cases; rego_check_nest
 * and rego_check_made build and check hostile, deeply nested source. */
#ifndef EAA_REGO_CHECK_H
#define EAA_REGO_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eaa/rego.h"

struct rego_check {
	const char *name;
	const char *module;      /* NULL: no module */
	const char *data;        /* NULL: no base documents */
	const char *input;       /* NULL: no input */
	const char *query;
	const char *want;        /* as above */
	enum rego_syntax syntax; /* of the module; 0 is REGO_SYNTAX_AUTO */
	bool strict;             /* built-in errors are errors, not undefined */
};

/* What the case gives, as the wanted text is written; got has room for
 * len bytes (a longer result is cut, and then does not match). */
static inline void rego_check_eval(const struct rego_check *c, char *got,
				   size_t len)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_limits lim = { .max_steps = 2000000, .max_bytes = 64u << 20,
				   .strict = c->strict };
	struct rego_policy *p = NULL;
	struct rego_query *q = NULL;
	struct rego_error err;
	char *out = NULL;
	enum rego_result r;

	if ((c->module && !rego_builder_add_module(b, "p.rego", c->module,
						   strlen(c->module), c->syntax,
						   &err)) ||
	    (c->data && !rego_builder_set_data(b, c->data, strlen(c->data),
					       &err))) {
		rego_builder_free(b);
		snprintf(got, len, "error:%s", err.msg);
		return;
	}
	/* rego_builder_compile frees b whatever the outcome */
	if (!(p = rego_builder_compile(b, &err)) ||
	    !(q = rego_query_compile(p, c->query, &err))) {
		snprintf(got, len, "error:%s", err.msg);
		rego_policy_free(p);
		return;
	}
	r = rego_query_eval(q, c->input, c->input ? strlen(c->input) : 0, &lim,
			    &out, &err);
	snprintf(got, len, "%s%s", r == REGO_ERROR ? "error:" : "",
		 r == REGO_ERROR ? err.msg : r == REGO_UNDEFINED ? "undefined" : out);
	free(out);
	rego_query_free(q);
	rego_policy_free(p);
}

/* Whether the case gives what it wants; a case table's loop reads
 * CHECK_MSG(rego_check(&c), "%s", c.name). */
static inline bool rego_check(const struct rego_check *c)
{
	char got[1024];
	bool ok;

	rego_check_eval(c, got, sizeof(got));
	if (strncmp(c->want, "error:", 6) == 0)
		ok = strncmp(got, "error:", 6) == 0 && strstr(got, c->want + 6);
	else
		ok = strcmp(got, c->want) == 0;
	if (!ok)
		fprintf(stderr, "%s: got %s\n    want %s\n", c->name, got, c->want);
	return ok;
}

/* The usual case: one module in the syntax it declares, no data. */
struct rego_module_case {
	const char *name;
	const char *module;
	const char *input;    /* NULL: no input */
	const char *query;
	const char *want;
	bool strict;          /* built-in errors are errors, not undefined */
};

/* One check per case of a table. */
static inline void rego_check_cases(const struct rego_module_case *t,
				    size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct rego_check c = {
			.name = t[i].name, .module = t[i].module,
			.input = t[i].input, .query = t[i].query,
			.want = t[i].want, .strict = t[i].strict
		};

		CHECK_MSG(rego_check(&c), "%s", c.name);
	}
}

/* Source nested n deep, for the parser's nesting bound: head, opening n
 * times, middle, closing n times, tail. Malloc'd; NULL without memory. */
static inline char *rego_check_nest(const char *head, const char *opening,
				    const char *middle, const char *closing,
				    const char *tail, size_t n)
{
	size_t len = strlen(head) + n * (strlen(opening) + strlen(closing)) +
		     strlen(middle) + strlen(tail) + 1, i;
	char *s = malloc(len), *w = s;

	if (!s)
		return NULL;
	w = stpcpy(w, head);
	for (i = 0; i < n; i++)
		w = stpcpy(w, opening);
	w = stpcpy(w, middle);
	for (i = 0; i < n; i++)
		w = stpcpy(w, closing);
	stpcpy(w, tail);
	return s;
}

/* A module made at run time (NULL: it could not be, a failure) whose
 * data.p.r gives want; the module is freed. */
static inline bool rego_check_made(const char *name, char *module,
				   const char *want)
{
	const struct rego_check c = { .name = name, .module = module,
				      .query = "data.p.r", .want = want };
	bool ok = module && rego_check(&c);

	free(module);
	return ok;
}

#endif
