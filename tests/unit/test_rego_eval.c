/* test_rego_eval.c - the engine's semantics case by case: each case is a
 * module, data, input and query, and the result set `rego eval` prints or
 * the error it reports. Errors name file:line:col or OPA's error code;
 * hostile policies stop at a limit. */
#include "test.h"
#include "rego_check.h"

struct tcase {
	const char *name;
	const char *module;   /* NULL: no module */
	const char *data;     /* NULL: {} */
	const char *input;    /* NULL: no input */
	const char *query;
	const char *want;     /* raw value of the query, "undefined", or
				 "error:<substring>" */
};

static const struct tcase cases[] = {
	/* undefined versus false */
	{ "default applies when no body holds",
	  "package p\ndefault allow := false\nallow if input.x == 1",
	  NULL, "{\"x\":2}", "data.p.allow", "false" },
	{ "a rule with no default is undefined",
	  "package p\nallow if input.x == 1", NULL, "{\"x\":2}", "data.p.allow",
	  "undefined" },
	{ "not of undefined is true",
	  "package p\nallow if not input.missing", NULL, "{}", "data.p.allow", "true" },
	{ "false is not undefined for not",
	  "package p\nf := false\nallow if not f", NULL, "{}", "data.p.allow", "true" },
	/* v0 and v1 heads */
	{ "v0 p[x] is a partial set",
	  "package p\ns[x] { x := input.a[_] }", NULL, "{\"a\":[2,1,2]}", "data.p.s",
	  "[1,2]" },
	{ "v1 p[x] if is an object entry with true",
	  "package p\nimport rego.v1\ns[x] if { x := input.a[_] }", NULL,
	  "{\"a\":[\"k\"]}", "data.p.s", "{\"k\":true}" },
	{ "v0 with future keywords: p[x] if is still a partial set",
	  "package p\nimport future.keywords.if\ns[x] if { x := input.a[_] }", NULL,
	  "{\"a\":[\"k\"]}", "data.p.s", "[\"k\"]" },
	{ "v1 by if, without imports",
	  "package p\ns[x] if { x := input.a[_] }", NULL,
	  "{\"a\":[\"k\"]}", "data.p.s", "{\"k\":true}" },
	{ "contains", "package p\ns contains x if some x in [3, 1]", NULL, NULL,
	  "data.p.s", "[1,3]" },
	{ "partial object", "package p\no[k] := v if { some k, v in {\"a\": 1} }",
	  NULL, NULL, "data.p.o", "{\"a\":1}" },
	/* functions, else */
	{ "function with several definitions",
	  "package p\nf(x) := 1 if x > 0\nf(x) := 1 if x > 5\nr := f(7)", NULL, NULL,
	  "data.p.r", "1" },
	{ "function definitions that disagree conflict",
	  "package p\nf(x) := 1 if x > 0\nf(x) := 2 if x > 5\nr := f(7)", NULL, NULL,
	  "data.p.r", "error:eval_conflict_error: function data.p.f produced "
	  "conflicting values for the same inputs" },
	{ "one function definition with two values conflicts",
	  "package p\nf(x) := y if y := [x, 2][_]\nr := f(1)", NULL, NULL,
	  "data.p.r", "error:p.rego:2:9: eval_conflict_error: function data.p.f "
	  "produced conflicting values for the same inputs" },
	{ "one function definition with one value twice",
	  "package p\nf(x) := y if y := [x, x][_]\nr := f(1)", NULL, NULL,
	  "data.p.r", "1" },
	/* a number may start with its point, as OPA reads it; kept as 0.5 */
	{ "a number may start with its point (.5)",
	  "package p\nr := [.5, -.25, .5e1, 1 + .25]", NULL, NULL, "data.p.r",
	  "[0.5,-0.25,0.5e1,1.25]" },
	{ "a point before a name is no number",
	  "package p\nr := .x", NULL, NULL, "data.p.r", "error:expected a number" },
	/* a call's argument bound by another argument's reference */
	{ "x == input.xs[x]: the reference binds x",
	  "package p\nr := [x | x == input.xs[x]]\ns := [x | count(input.s[x]) == x]",
	  NULL, "{\"xs\":[2,1,0,3],\"s\":[\"\",\"a\",\"b\"]}", "[data.p.r, data.p.s]",
	  "[[1,3],[0,1]]" },
	{ "a variable no argument binds stays unsafe",
	  "package p\nr if { x == input.xs[y] }", NULL, NULL, "data.p.r",
	  "error:var x is unsafe" },
	/* object patterns whose keys are composite values */
	{ "an array or set as an object pattern's key",
	  "package p\nr := [x, y] if { {\"a\": 1, [[7]]: x} = {\"a\": 1, [[7]]: 2}; {{1}: y} = {{1}: 3} }",
	  NULL, NULL, "data.p.r", "[2,3]" },
	{ "a missing composite key does not unify",
	  "package p\nr if { {[1]: x} = {[2]: 1} }", NULL, NULL, "data.p.r", "undefined" },
	/* base documents are read by string paths, as OPA's storage */
	{ "a number indexes a base object by its text",
	  "package p\nr := [data.o[2], data.o[1.5], data.n.o[2]]",
	  "{\"o\":{\"2\":\"a\",\"1.5\":\"b\"},\"n\":{\"o\":{\"2\":\"c\"}}}",
	  NULL, "data.p.r", "[\"a\",\"b\",\"c\"]" },
	{ "a bound variable too",
	  "package p\nr := data.o[x] if x := 2", "{\"o\":{\"2\":\"a\"}}",
	  NULL, "data.p.r", "\"a\"" },
	{ "a string of digits indexes a base array",
	  "package p\nr := [data.a[\"1\"], data.a[\"+2\"]]", "{\"a\":[7,8,9]}",
	  NULL, "data.p.r", "[8,9]" },
	{ "not other digits: 2.0 is not 2, -1 and 3 are past the array",
	  "package p\nr := 1 if data.o[2.0]\nr := 2 if data.a[\"-1\"]\n"
	  "r := 3 if data.a[\"3\"]\nr := 4 if data.a[\"1x\"]",
	  "{\"o\":{\"2\":\"a\"},\"a\":[7,8,9]}", NULL, "data.p.r", "undefined" },
	{ "a value held in a variable is indexed by the number itself",
	  "package p\nr := o[2] if o := data.o", "{\"o\":{\"2\":\"a\"}}",
	  NULL, "data.p.r", "undefined" },
	{ "nor a rule's value",
	  "package p\no := {\"2\": \"a\"}\nr := data.p.o[2]", NULL, NULL,
	  "data.p.r", "undefined" },
	{ "else chain",
	  "package p\nr := 1 if input.x > 10\nelse := 2 if input.x > 5\nelse := 3",
	  NULL, "{\"x\":6}", "data.p.r", "2" },
	{ "complete rule conflict, named with its place",
	  "package p\nr := 1 if true\nr := 2 if true", NULL, NULL, "data.p.r",
	  "error:p.rego:3:6: eval_conflict_error: complete rules must not produce "
	  "multiple outputs: rule data.p.r produced conflicting values" },
	{ "object key conflict in a partial object",
	  "package p\no[k] := v if { k := \"a\"; v := input.v[_] }", NULL,
	  "{\"v\":[1,2]}", "data.p.o",
	  "error:p.rego:2:1: eval_conflict_error: object keys must be unique: "
	  "rule data.p.o.a produced conflicting values" },
	/* iteration, unification, comprehensions */
	{ "iteration over data with a variable",
	  "package p\nnames := [n | some n; data.users[n].admin]",
	  "{\"users\":{\"bob\":{\"admin\":true},\"eve\":{\"admin\":false}}}", NULL,
	  "data.p.names", "[\"bob\"]" },
	{ "array unification", "package p\nr := y if [1, y] = [x, 2]", NULL, NULL,
	  "data.p.r", "2" },
	{ "object comprehension", "package p\nr := {k: v * 2 | some k, v in input}",
	  NULL, "{\"a\":1,\"b\":2}", "data.p.r", "{\"a\":2,\"b\":4}" },
	{ "set comprehension and set operations",
	  "package p\nr := {x | some x in [1,2,3]} & {2,3,4} | {9}", NULL, NULL,
	  "data.p.r", "[2,3,9]" },
	{ "every holds", "package p\nr if every x in [1,2] { x > 0 }", NULL, NULL,
	  "data.p.r", "true" },
	{ "every fails on one member",
	  "package p\nr if every x in [1,-2] { x > 0 }", NULL, NULL, "data.p.r",
	  "undefined" },
	{ "every over an empty collection holds",
	  "package p\nr if every x in [] { x > 0 }", NULL, NULL, "data.p.r", "true" },
	{ "safety reorders the body",
	  "package p\nr := x if { x > 1; x = input.v }", NULL, "{\"v\":5}",
	  "data.p.r", "5" },
	{ "with replaces input and data",
	  "package p\nallow if input.x == data.v\nr if allow with input.x as 3 with data.v as 3",
	  "{\"v\":1}", "{\"x\":1}", "data.p.r", "true" },
	{ "with is scoped to its expression",
	  "package p\nallow if input.x == 1\nr := [a, b] if { a := allow with input.x as 1; b := allow }",
	  NULL, "{\"x\":1}", "data.p.r", "[true,true]" },
	{ "with replaces a rule",
	  "package p\nq := 1\nr := x if { x := q with data.p.q as 7 }", NULL, NULL, "data.p.r", "7" },
	{ "imports", "package a\nimport data.b.v as w\nimport input.x\nr := [w, x]\n",
	  "{\"b\":{\"v\":1}}", "{\"x\":2}", "data.a.r", "[1,2]" },
	{ "data mixes base documents and rules",
	  "package p\nq := 1", "{\"p\":{\"z\":2}}", NULL, "data.p", "{\"q\":1,\"z\":2}" },
	{ "query bindings", NULL, "{\"a\":[1,2]}", NULL, "x := data.a[_]; x > 1", "true" },
	/* built-in errors: undefined unless strict */
	{ "division by zero is undefined", "package p\nr := 1 / input.z", NULL,
	  "{\"z\":0}", "data.p.r", "undefined" },
	/* compile errors name the place */
	{ "unknown function", "package p\nr := contain(\"a\", \"b\")", NULL, NULL,
	  "data.p.r", "error:p.rego:2:6: unknown function contain" },
	{ "unsafe variable", "package p\nr if { x > 1 }", NULL, NULL, "data.p.r",
	  "error:p.rego:2:8: var x is unsafe" },
	{ "unsafe head variable", "package p\nr := y if { true }", NULL, NULL,
	  "data.p.r", "error:var y is unsafe" },
	/* a negated expression binds nothing: its variables are bound
	 * before it, reordered if need be, else unsafe (as OPA) */
	{ "a negation runs after what binds its variables",
	  "package p\nf(x) := x\nr := a if { not a = f(1); a = f(2) }", NULL, NULL,
	  "data.p.r", "2" },
	{ "a negation does not bind", "package p\nr if { not a = 1 }", NULL, NULL,
	  "data.p.r", "error:p.rego:2:12: var a is unsafe" },
	{ "nor iterate", "package p\nr if { not input.x[_] }", NULL, NULL,
	  "data.p.r", "error:var _ is unsafe" },
	{ "nor take a call's output", "package p\nr if { not count([], n) }",
	  NULL, NULL, "data.p.r", "error:var n is unsafe" },
	{ "a bound key is fine", "package p\nr if { k := \"b\"; not input.x[k] }",
	  NULL, "{\"x\":{\"a\":1}}", "data.p.r", "true" },
	{ "parse error", "package p\nr := [1, 2", NULL, NULL, "data.p.r",
	  "error:p.rego:2:11: unexpected end of file in array, expected ]" },
	{ "use before := is refused", "package p\nr if { x > 1; x := 2 }", NULL,
	  NULL, "data.p.r", "error:var x referenced above" },
	{ "redeclared variable", "package p\nr if { x := 1; x := 2 }", NULL, NULL,
	  "data.p.r", "error:var x assigned above" },
	{ "conflicting rule kinds", "package p\nr := 1\nr contains 2", NULL, NULL,
	  "data.p.r", "error:conflicting rules r" },
	{ "two defaults", "package p\ndefault r := 1\ndefault r := 2", NULL, NULL,
	  "data.p.r", "error:multiple default rules r" },
	{ "wrong argument count", "package p\nr := count(1, 2, 3)", NULL, NULL,
	  "data.p.r", "error:count takes 1 arguments, 3 given" },
	/* limits */
	{ "a recursive function is refused when compiled",
	  "package p\nf(x) := y if y := f(x + 1)\nr := f(0)", NULL, NULL, "data.p.r",
	  "error:p.rego:2:1: rego_recursion_error: rule f is recursive: f -> f" },
	{ "recursive rules are refused",
	  "package p\na if b\nb if c\nc if a", NULL, NULL, "data.p.a",
	  "error:rego_recursion_error: rule a is recursive: a -> b -> c -> a" },
	{ "a rule reading its own package through a variable is recursive",
	  "package p\nr contains k if data.p[k]", NULL, NULL, "data.p.r",
	  "error:rego_recursion_error" },
	{ "a comprehension reads a variable the body binds later",
	  "package p\nr := n if { n := count([y | some y in input.a; y > m]); m = input.m }",
	  NULL, "{\"a\":[1,5,9],\"m\":4}", "data.p.r", "2" },
	{ "every reads a variable the body binds later",
	  "package p\nr if { every y in input.a { y > m }; m = input.m }",
	  NULL, "{\"a\":[5,9],\"m\":4}", "data.p.r", "true" },
	{ "nested comprehensions",
	  "package p\nr := [[[x | x := 3] | true] | true]",
	  NULL, NULL, "data.p.r", "[[[3]]]" },
	{ "a huge comprehension stops at a limit",
	  "package p\nr := count([[a, b, c] | some a in numbers.range(1, 1000); "
	  "some b in numbers.range(1, 1000); some c in numbers.range(1, 1000)])",
	  NULL, NULL, "data.p.r", "error:eval_limit_error" },
	{ "json.unmarshal takes 2048 levels",
	  "package p\nd(n) := concat(\"\", array.concat([\"[\" | some _ in numbers.range(1, n)], "
	  "[\"]\" | some _ in numbers.range(1, n)]))\nr := count(json.unmarshal(d(2048)))",
	  NULL, NULL, "data.p.r", "1" },
	{ "json.unmarshal refuses deeper documents (bounded recursion later)",
	  "package p\nd(n) := concat(\"\", array.concat([\"[\" | some _ in numbers.range(1, n)], "
	  "[\"]\" | some _ in numbers.range(1, n)]))\nr := count(json.unmarshal(d(2049)))",
	  NULL, NULL, "data.p.r", "undefined" },
	{ "a huge range stops at the memory limit",
	  "package p\nr := count(numbers.range(1, 1000000000))", NULL, NULL,
	  "data.p.r", "error:eval_limit_error" },
};

static bool run(const struct tcase *c)
{
	const struct rego_check rc = { .name = c->name, .module = c->module,
				       .data = c->data, .input = c->input,
				       .query = c->query, .want = c->want };

	return rego_check(&rc);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(run(&cases[i]), "%s", cases[i].name);
	return test_summary();
}
