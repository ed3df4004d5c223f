/* test_rego_template.c - template strings, $"...{expr}..." and
 * $`...{expr}...` (OPA v1.22): escapes, how each value is rendered,
 * undefined parts, nesting, `with`, function arguments, and the errors
 * OPA's parser and compiler give. */
#include "test.h"
#include "rego_check.h"

#define P "package p\n"

static const struct rego_module_case cases[] = {
	{ "empty", P "r := $\"\"", NULL, "data.p.r", "\"\"", false },
	{ "no expression", P "r := $\"a b\"", NULL, "data.p.r", "\"a b\"", false },
	{ "string escapes", P "r := $\"\\t\\\"\\u00e9\"", NULL, "data.p.r",
	  "\"\\t\\\"\u00e9\"", false },
	{ "an escaped brace is a brace", P "r := $\"\\{42} {1}\"", NULL, "data.p.r",
	  "\"{42} 1\"", false },
	{ "a string is inserted as it is, other values as Rego text",
	  P "r := $\"{input.s} {input.n} {input.b} {input.z} {input.a} {input.o}\"",
	  "{\"s\":\"q\\\"x\",\"n\":1.50,\"b\":true,\"z\":null,\"a\":[1,\"v\"],\"o\":{\"k\":\"v\"}}",
	  "data.p.r", "\"q\\\"x 1.50 true null [1, \\\"v\\\"] {\\\"k\\\": \\\"v\\\"}\"", false },
	{ "sets, empty and not", P "r := $\"{set()} {{1}} {{}}\"", NULL, "data.p.r",
	  "\"set() {1} {}\"", false },
	{ "an undefined expression is <undefined>", P "r := $\"{input.x}|{data.y}\"",
	  "{}", "data.p.r", "\"<undefined>|<undefined>\"", false },
	{ "calls and operators", P "a := 42\nr := $\"{1 + a} {upper(\"x\")}\"",
	  NULL, "data.p.r", "\"43 X\"", false },
	{ "a built-in error inside is undefined there",
	  P "r := $\"{to_number(\"x\")}\"", NULL, "data.p.r",
	  "\"<undefined>\"", false },
	{ "nested template strings", P "a := \"x\"\nr := $\"{$\"<{a}>\"}!\"", NULL,
	  "data.p.r", "\"<x>!\"", false },
	{ "with inside an expression", P "a := input.a\nr := $\"{a with input as {\"a\": 1}}\"",
	  NULL, "data.p.r", "\"1\"", false },
	{ "with on the expression holding the string",
	  P "a := input.a\nr := x if { x := $\"{a}\" with input.a as 2 }", NULL,
	  "data.p.r", "\"2\"", false },
	{ "in a comprehension, per binding",
	  P "r := [$\"{i}-{x}\" | some i, x in input.xs]", "{\"xs\":[\"a\",\"b\"]}",
	  "data.p.r", "[\"0-a\",\"1-b\"]", false },
	{ "multi-line raw template", P "r := $`a\n{1}\\n\\{`", NULL, "data.p.r",
	  "\"a\\n1\\\\n{\"", false },
	{ "as a function argument, compared after the body",
	  P "f($\"{x} {input.y}\") := 42 if { x = \"foo\" }\nr := f(\"foo bar\")",
	  "{\"y\":\"bar\"}", "data.p.r", "42", false },
	{ "as a function argument, no match",
	  P "f($\"{x}\") := 42 if { x = \"foo\" }\nr := f(\"bar\")", NULL,
	  "data.p.r", "undefined", false },
	{ "membership", P "users := {\"user_1\"}\nid := 1\nr if $\"user_{id}\" in users",
	  NULL, "data.p.r", "true", false },
	/* errors, as OPA gives them */
	{ "a variable the expression would bind is undeclared",
	  P "r := [1 | $\"{y}\" == \"\"]", NULL, "data.p.r", "error:undeclared", false },
	{ "a wildcard is undeclared", P "r := $\"{input.xs[_]}\"", NULL, "data.p.r",
	  "error:var _ is undeclared", false },
	{ "negation", P "r := $\"{not input.x}\"", NULL, "data.p.r",
	  "error:unexpected negation ('not') in template-string expression", false },
	{ "assignment", P "r := $\"{x := 1}\"", NULL, "data.p.r",
	  "error:unexpected assignment (':=') in template-string expression", false },
	{ "unification", P "r := $\"{x = 1}\"", NULL, "data.p.r",
	  "error:unexpected unification ('=') in template-string expression", false },
	{ "some", P "r := $\"{some x in [1]}\"", NULL, "data.p.r",
	  "error:unexpected 'some' in template-string expression", false },
	{ "empty expression", P "r := $\"{}\"", NULL, "data.p.r",
	  "error:invalid template-string expression", false },
	{ "unclosed expression", P "r := $\"{1 2}\"", NULL, "data.p.r",
	  "error:expected } to end template string expression", false },
	{ "unterminated", P "r := $\"abc", NULL, "data.p.r",
	  "error:unterminated template string", false },
	{ "a newline ends a quoted one", P "r := $\"a{1}\nb\"", NULL, "data.p.r",
	  "error:unterminated template string", false },
	{ "unterminated raw", P "r := $`abc{1}", NULL, "data.p.r",
	  "error:unterminated template string", false },
	{ "bad escape", P "r := $\"\\q\"", NULL, "data.p.r",
	  "error:unknown escape in a template string", false },
	{ "a lone $", P "r := $x", NULL, "data.p.r", "error:unexpected character '$'",
	  false },
};

/* "$\"{$\"{...}\"}\"" n deep: the parser's nesting bound stops it. */
static char *nested(size_t n)
{
	return rego_check_nest(P "r := ", "$\"{", "1", "}\"", "\n", n);
}

int main(void)
{
	rego_check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	CHECK_MSG(rego_check_made("30 nested", nested(30), "\"1\""), "nested");
	CHECK_MSG(rego_check_made("5000 nested", nested(5000),
				  "error:nesting deeper than"), "deep");
	return test_summary();
}
