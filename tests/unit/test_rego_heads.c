/* test_rego_heads.c - rule heads and references as OPA 1.x writes them:
 * keywords as reference parts and rule names, general reference heads
 * with variables anywhere in the path, and `with` replacing functions and
 * built-ins. Each case is a module, input and query, and the value of
 * the query or the error (OPA's code or message) it reports. */
#include <stdlib.h>
#include "eaa/rego.h"
#include "test.h"

struct tcase {
	const char *name;
	const char *module;
	const char *input;    /* NULL: no input */
	const char *query;
	const char *want;     /* raw value, "undefined", or "error:<substring>" */
};

static const struct tcase cases[] = {
	/* keywords right before '.' or '[' start a reference */
	{ "keyword rule names and reference parts",
	  "package p\nas.foo := 1\nfoo.if := 2\ntrue.x[\"y\"] := 3\n"
	  "r := [as.foo, foo.if, true.x.y, data.p.true.x.y]",
	  NULL, "data.p.r", "[1,2,3,3]" },
	{ "a keyword function name",
	  "package p\ndefault not.f(_) := 0\nnot.f(x) := x if x > 1\n"
	  "r := [not.f(1), not.f(5)]",
	  NULL, "data.p.r", "[0,5]" },
	{ "a keyword alone is still a keyword",
	  "package p\nr if { true; not false }", NULL, "data.p.r", "true" },
	{ "`in[` is a reference, not membership (as in OPA)",
	  "package p\nr if 1 in[1]", NULL, "data.p.r", "error:p.rego:2" },
	{ "a keyword after a dot in a head",
	  "package p\na.with.b := 1", NULL, "data.p.a", "{\"with\":{\"b\":1}}" },
	{ "a keyword cannot end a head with a space before the dot",
	  "package p\nas .foo := 1", NULL, "data.p", "error:p.rego:2" },
};

static bool run(const struct tcase *c)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_limits lim = { .max_steps = 2000000, .max_bytes = 64u << 20 };
	struct rego_policy *p = NULL;
	struct rego_query *q = NULL;
	struct rego_error err;
	char got[1024], *out = NULL;
	enum rego_result r;
	bool ok;

	if (!rego_builder_add_module(b, "p.rego", c->module, strlen(c->module),
				     REGO_SYNTAX_V1, &err)) {
		rego_builder_free(b);
		snprintf(got, sizeof(got), "error:%s", err.msg);
		goto done;
	}
	if (!(p = rego_builder_compile(b, &err)) ||
	    !(q = rego_query_compile(p, c->query, &err))) {
		snprintf(got, sizeof(got), "error:%s", err.msg);
		goto done;
	}
	r = rego_query_eval(q, c->input, c->input ? strlen(c->input) : 0, &lim,
			    &out, &err);
	snprintf(got, sizeof(got), "%s%s", r == REGO_ERROR ? "error:" : "",
		 r == REGO_ERROR ? err.msg : r == REGO_UNDEFINED ? "undefined" : out);
done:
	if (strncmp(c->want, "error:", 6) == 0)
		ok = strncmp(got, "error:", 6) == 0 && strstr(got, c->want + 6);
	else
		ok = strcmp(got, c->want) == 0;
	if (!ok)
		fprintf(stderr, "%s: got %s\n    want %s\n", c->name, got, c->want);
	free(out);
	rego_query_free(q);
	rego_policy_free(p);
	return ok;
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(run(&cases[i]), "%s", cases[i].name);
	return test_summary();
}
