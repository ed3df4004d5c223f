/* test_rego_explain.c - rego_query_eval_explain: for a false or undefined
 * query, each definition tried and the first expression that failed in
 * it with its values; nothing for a true one; bounded in size, and
 * plain ASCII whatever the input holds. */
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "eaa/rego.h"

struct xcase {
	const char *name;
	const char *module;
	const char *data;  /* NULL: none */
	const char *input; /* NULL: none */
	const char *query;
	const char *want[5]; /* substrings the explanation must hold */
	const char *not_want;
};

/* The explanation of q, into why[cap]; the query's result. */
static enum rego_result explain(const char *module, const char *data,
				const char *input, const char *query, char *why,
				size_t cap, char **value)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_limits lim = { .max_steps = 2000000, .max_bytes = 64u << 20 };
	struct rego_policy *p;
	struct rego_query *q;
	struct rego_error err;
	enum rego_result r;

	if (!rego_builder_add_module(b, "p.rego", module, strlen(module),
				     REGO_SYNTAX_AUTO, &err) ||
	    (data && !rego_builder_set_data(b, data, strlen(data), &err))) {
		fprintf(stderr, "%s\n", err.msg);
		rego_builder_free(b);
		return REGO_ERROR;
	}
	if (!(p = rego_builder_compile(b, &err)) ||
	    !(q = rego_query_compile(p, query, &err))) {
		fprintf(stderr, "%s\n", err.msg);
		rego_policy_free(p);
		return REGO_ERROR;
	}
	r = rego_query_eval_explain(q, input, input ? strlen(input) : 0, &lim,
				    value, why, cap, &err);
	rego_query_free(q);
	rego_policy_free(p);
	return r;
}

/* Every byte printable ASCII or a line break. */
static bool plain(const char *s)
{
	for (; *s; s++)
		if (*s != '\n' && (*s < 0x20 || *s > 0x7e))
			return false;
	return true;
}

static const struct xcase cases[] = {
	{ "undefined reference",
	  "package p\nallow { input.tcb_status == \"UpToDate\" }\n", NULL,
	  "{\"svn\": 1}", "data.p.allow",
	  { "data.p.allow is undefined",
	    "allow (p.rego:2): input.tcb_status is undefined (p.rego:2:9)" }, NULL },
	{ "false comparison with both values",
	  "package p\nallow { input.svn >= data.svn }\n", "{\"svn\": 2}",
	  "{\"svn\": 1}", "data.p.allow",
	  { "allow (p.rego:2): input.svn (1) >= data.svn (2) is false (p.rego:2:9)" },
	  NULL },
	{ "the first failing expression, with bindings before it",
	  "package p\nallow { x := input.n + 1; y := x * 2; y > 10 }\n", NULL,
	  "{\"n\": 1}", "data.p.allow",
	  { "y (4) > 10 (10) is false (p.rego:2:" }, "input.n is" },
	{ "several bodies, each explained",
	  "package p\nallow { input.a == 1 }\nallow { input.b == 2 }\n"
	  "allow { input.c }\n", NULL, "{\"a\": 0, \"c\": false}", "data.p.allow",
	  { "allow (p.rego:2): input.a (0) == 1 (1) is false",
	    "allow (p.rego:3): input.b is undefined",
	    "allow (p.rego:4): input.c is false" }, NULL },
	{ "default",
	  "package p\ndefault allow := false\nallow { input.ok }\n", NULL, "{}",
	  "data.p.allow",
	  { "data.p.allow is false", "allow (p.rego:3): input.ok is undefined",
	    "default allow (p.rego:2): false" }, NULL },
	{ "else chain",
	  "package p\nallow := true { input.a } else := false { input.b }\n", NULL,
	  "{\"b\": true}", "data.p.allow",
	  { "allow (p.rego:2): input.a is undefined",
	    "else of allow (p.rego:2): holds, value false" }, NULL },
	{ "a rule it depends on, followed",
	  "package p\nallow { tcb_ok }\ntcb_ok { input.tcb == data.ok[_] }\n",
	  "{\"ok\": [\"UpToDate\", \"SWHardeningNeeded\"]}", "{\"tcb\": \"OutOfDate\"}",
	  "data.p.allow",
	  { "allow (p.rego:2): tcb_ok is undefined (p.rego:2:9)",
	    "\n    tcb_ok (p.rego:3): input.tcb (\"OutOfDate\") == data.ok[_] "
	    "(\"UpToDate\", \"SWHardeningNeeded\") is false" }, NULL },
	{ "a function, with its argument's value",
	  "package p\nallow { big(input.n) }\nbig(x) { x > 3 }\n", NULL, "{\"n\": 1}",
	  "data.p.allow",
	  { "allow (p.rego:2): big(input.n) is undefined",
	    "big (p.rego:3): x (1) > 3 (3) is false (p.rego:3:10)" }, NULL },
	{ "a function's undefined argument",
	  "package p\nallow { big(input.n) }\nbig(x) { x > 3 }\n", NULL, "{}",
	  "data.p.allow", { "allow (p.rego:2): input.n is undefined" }, "big (p.rego" },
	{ "negation",
	  "package p\nallow { not input.debug }\n", NULL, "{\"debug\": true}",
	  "data.p.allow",
	  { "allow (p.rego:2): not input.debug fails: input.debug is true" }, NULL },
	{ "a built-in that is false, with its arguments",
	  "package p\nallow { startswith(input.s, \"abc\") }\n", NULL, "{\"s\": \"xyz\"}",
	  "data.p.allow",
	  { "startswith(input.s, \"abc\") is false (arguments: \"xyz\", \"abc\")" }, NULL },
	{ "unification",
	  "package p\nallow { input.a = data.b }\n", "{\"b\": [1]}", "{\"a\": [2]}",
	  "data.p.allow", { "input.a ([2]) = data.b ([1]) is false" }, NULL },
	{ "some in",
	  "package p\nallow { some x in input.xs; x > 5 }\n", NULL, "{\"xs\": [1]}",
	  "data.p.allow", { "x (1) > 5 (5) is false" }, NULL },
	{ "v1 syntax, a whole query",
	  "package p\nimport rego.v1\nallow if input.role in {\"admin\"}\n", NULL,
	  "{\"role\": \"guest\"}", "x := data.p.allow",
	  { "data.p.allow is undefined" }, NULL },
};

static void run_case(const struct xcase *c)
{
	char why[REGO_EXPLAIN_CAP];
	size_t i;

	CHECK_MSG(explain(c->module, c->data, c->input, c->query, why, sizeof(why),
			  NULL) != REGO_ERROR, "%s: error", c->name);
	for (i = 0; i < 5 && c->want[i]; i++)
		CHECK_MSG(strstr(why, c->want[i]) != NULL, "%s: want \"%s\" in:\n%s",
			  c->name, c->want[i], why);
	if (c->not_want)
		CHECK_MSG(strstr(why, c->not_want) == NULL, "%s: did not want \"%s\" in:\n%s",
			  c->name, c->not_want, why);
	CHECK_MSG(plain(why), "%s: not plain text:\n%s", c->name, why);
}

/* True and defined values have no explanation; an error has none. */
static void test_nothing_to_explain(void)
{
	char why[256];
	char *v = NULL;

	strcpy(why, "x");
	CHECK(explain("package p\nallow { input.a }\n", NULL, "{\"a\": 1}",
		      "data.p.allow", why, sizeof(why), &v) == REGO_DEFINED);
	CHECK(why[0] == '\0' && v && strcmp(v, "true") == 0);
	free(v);
	strcpy(why, "x");
	CHECK(explain("package p\nallow = 7 { true }\n", NULL, "{}", "data.p.allow",
		      why, sizeof(why), NULL) == REGO_DEFINED);
	CHECK(why[0] == '\0');
	strcpy(why, "x");
	CHECK(explain("package p\nallow { 1 / input.z }\n", NULL, "{\"z\": \"a\"}",
		      "data.p.allow", why, sizeof(why), NULL) == REGO_UNDEFINED);
	CHECK_MSG(strstr(why, "is undefined") != NULL, "%s", why);
	strcpy(why, "x");
	CHECK(explain("package p\nallow = x { x := input.a[_] }\n", NULL,
		      "{\"a\": [1, 2]}", "data.p.allow", why, sizeof(why), NULL) ==
	      REGO_ERROR);
	CHECK(why[0] == '\0');
}

/* The whole text fits the caller's buffer, cut with "..."; a huge value
 * is cut to 80 bytes. */
static void test_bounds(void)
{
	char small[64], why[REGO_EXPLAIN_CAP];
	char *module = malloc(64 * 1024), *input = malloc(4u << 20);
	size_t i, n = 0;

	n += (size_t)sprintf(module + n, "package p\n");
	for (i = 0; i < 40; i++)
		n += (size_t)sprintf(module + n, "allow { input.a == %zu }\n", i);
	CHECK(explain(module, NULL, "{\"a\": -1}", "data.p.allow", small, sizeof(small),
		      NULL) == REGO_UNDEFINED);
	CHECK_MSG(strlen(small) == sizeof(small) - 1 &&
		  strcmp(small + sizeof(small) - 4, "...") == 0, "%s", small);
	CHECK(explain(module, NULL, "{\"a\": -1}", "data.p.allow", why, sizeof(why),
		      NULL) == REGO_UNDEFINED);
	CHECK_MSG(strstr(why, "(more definitions of allow not shown)") != NULL, "%s", why);
	CHECK(strstr(why, "input.a (-1) == 15 (15)") != NULL);
	CHECK(strstr(why, "== 16 (16)") == NULL);
	/* cap 1: just the NUL; 0: untouched */
	CHECK(explain(module, NULL, "{\"a\": -1}", "data.p.allow", small, 1, NULL) ==
	      REGO_UNDEFINED);
	CHECK(small[0] == '\0');

	/* a 2 MiB string and a 100,000-member array: 80 bytes each */
	n = (size_t)sprintf(input, "{\"s\": \"");
	memset(input + n, 'A', 2000000);
	n += 2000000;
	n += (size_t)sprintf(input + n, "\", \"xs\": [");
	for (i = 0; i < 100000; i++)
		n += (size_t)sprintf(input + n, "%s%zu", i ? "," : "", i);
	sprintf(input + n, "]}");
	CHECK(explain("package p\nallow { input.s == \"B\" }\nallow { input.xs == [] }\n",
		      NULL, input, "data.p.allow", why, sizeof(why), NULL) == REGO_UNDEFINED);
	CHECK_MSG(strlen(why) < 600, "%zu bytes:\n%.700s", strlen(why), why);
	CHECK_MSG(strstr(why, "AAAA...) == \"B\" (\"B\") is false") != NULL, "%s", why);
	CHECK_MSG(strstr(why, ", 2...) == [] ([]) is false") != NULL, "%s", why);
	free(module);
	free(input);
}

/* An input cannot forge log lines or terminal sequences: line breaks,
 * escapes, bidi overrides and bytes that are not UTF-8 come out escaped. */
static void test_hostile(void)
{
	char why[REGO_EXPLAIN_CAP];
	const char *input = "{\"s\": \"x\\n[warn] allowed sgx peer\\u001b[31m\\u202e\\ud83d\\ude00\"}";

	CHECK(explain("package p\nallow { input.s == \"ok\" }\n", NULL, input,
		      "data.p.allow", why, sizeof(why), NULL) == REGO_UNDEFINED);
	CHECK_MSG(plain(why), "%s", why);
	CHECK_MSG(strstr(why, "\"x\\u000a[warn] allowed sgx peer\\u001b[31m\\u202e"
			      "\\ud83d\\ude00\"") != NULL, "%s", why);
	CHECK(strstr(why, "\n[warn]") == NULL);
	/* a rule name or value the policy makes of the input is escaped too */
	CHECK(explain("package p\nallow { concat(\"\", [input.s, \"\\n\"]) == \"ok\" }\n",
		      NULL, input, "data.p.allow", why, sizeof(why), NULL) ==
	      REGO_UNDEFINED);
	CHECK_MSG(plain(why), "%s", why);
}

/* The explanation evaluates again, under the same limits: when they stop
 * it, it says so, and the result is still the evaluation's. */
static void test_limits(void)
{
	char why[REGO_EXPLAIN_CAP];
	struct rego_builder *b = rego_builder_new();
	struct rego_limits lim = { .max_steps = 100 };
	const char *m = "package p\nallow { count([x | x := numbers.range(1, 300)[_]]) > 0\n"
			"input.never }\n";
	struct rego_policy *p;
	struct rego_query *q;
	struct rego_error err;
	enum rego_result r;

	rego_builder_add_module(b, "p.rego", m, strlen(m), REGO_SYNTAX_AUTO, &err);
	p = rego_builder_compile(b, &err);
	q = rego_query_compile(p, "data.p.allow", &err);
	/* the fewest steps the evaluation itself needs */
	while (rego_query_eval(q, "{}", 2, &lim, NULL, &err) == REGO_ERROR)
		lim.max_steps += lim.max_steps / 20;
	r = rego_query_eval_explain(q, "{}", 2, &lim, NULL, why, sizeof(why), &err);
	CHECK_MSG(r == REGO_UNDEFINED, "%d %s", r, err.msg);
	CHECK_MSG(strstr(why, "data.p.allow is undefined\n(explanation stopped: "
			      "p.rego:2:9: eval_limit_error: evaluation step limit") != NULL,
		  "%s", why);
	CHECK_MSG(plain(why), "%s", why);
	lim.max_steps = 100;
	strcpy(why, "x");
	r = rego_query_eval_explain(q, "{}", 2, &lim, NULL, why, sizeof(why), &err);
	CHECK_MSG(r == REGO_ERROR && why[0] == '\0', "%d %s", r, why);
	lim.max_steps = 0;
	r = rego_query_eval_explain(q, "{}", 2, &lim, NULL, why, sizeof(why), &err);
	CHECK_MSG(strstr(why, "allow (p.rego:2): input.never is undefined (p.rego:3:1)"),
		  "%s", why);
	rego_query_free(q);
	rego_policy_free(p);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_nothing_to_explain();
	test_bounds();
	test_hostile();
	test_limits();
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}
