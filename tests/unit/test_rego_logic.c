/* test_rego_logic.c - the logical operators `and`, `or` and `not { body }`
 * (OPA v1.22: future.keywords.and/or/not, future.keywords, rego.v2):
 * precedence, short-circuit, one success per operand, operand scopes, the
 * errors OPA's parser and compiler give, and the nesting bound. */
#include "test.h"
#include "rego_check.h"

#define KW "package p\nimport future.keywords\n"

static const struct rego_module_case cases[] = {
	{ "and: both hold", KW "r if input.a and input.b",
	  "{\"a\":true,\"b\":true}", "data.p.r", "true", false },
	{ "and: rhs false", KW "r if input.a and input.b",
	  "{\"a\":true,\"b\":false}", "data.p.r", "undefined", false },
	{ "and: rhs undefined", KW "r if input.a and input.b",
	  "{\"a\":true}", "data.p.r", "undefined", false },
	{ "and: a failing lhs skips the rhs and its error",
	  KW "r if input.x > 0 and to_number(\"foo\") == 1", "{\"x\":0}",
	  "data.p.r", "undefined", false },
	{ "and: the rhs error surfaces once the lhs holds",
	  KW "r if input.x > 0 and to_number(\"foo\") == 1", "{\"x\":1}",
	  "data.p.r", "error:eval_builtin_error", true },
	{ "and: without strict errors, the rhs error is undefined",
	  KW "r if input.x > 0 and to_number(\"foo\") == 1", "{\"x\":1}",
	  "data.p.r", "undefined", false },
	{ "or: a holding lhs skips the rhs and its error",
	  KW "r if input.x > 0 or to_number(\"foo\") == 1", "{\"x\":1}",
	  "data.p.r", "true", false },
	{ "or: the rhs error surfaces when the lhs fails",
	  KW "r if input.x > 0 or to_number(\"foo\") == 1", "{\"x\":0}",
	  "data.p.r", "error:eval_builtin_error", true },
	{ "or: neither holds", KW "r if input.a or input.b", "{\"a\":false}",
	  "data.p.r", "undefined", false },
	{ "precedence: not x or y is (not x) or y",
	  KW "r if not input.x or input.y", "{\"x\":true,\"y\":true}",
	  "data.p.r", "true", false },
	{ "precedence: x or y and z is x or (y and z)",
	  KW "r if input.x or input.y and input.z",
	  "{\"x\":true,\"y\":false,\"z\":false}", "data.p.r", "true", false },
	{ "grouping: (x or y) and z",
	  KW "r if (input.x or input.y) and input.z",
	  "{\"x\":true,\"y\":false,\"z\":false}", "data.p.r", "undefined", false },
	{ "or succeeds once when both operands hold",
	  KW "r := [1 | true or true]", NULL, "data.p.r", "[1]", false },
	{ "a braced operand succeeds once however many solutions it has",
	  KW "r := [1 | { some n in [1, 2, 3]; n > 0 } and true]", NULL,
	  "data.p.r", "[1]", false },
	{ "one result per outer binding",
	  KW "r := [i | some i in input.xs; i > 0 or i != 0]",
	  "{\"xs\":[1,2,3]}", "data.p.r", "[1,2,3]", false },
	{ "operand locals are their own and do not leak",
	  KW "r if { a := -1; { a := 1; a > 0 } and { a := 2; a > 1 }; a == -1 }",
	  NULL, "data.p.r", "true", false },
	{ "an operand reads a variable the body binds later",
	  KW "r if { x > 0 or x < -5; x = input.x }", "{\"x\":-6}", "data.p.r",
	  "true", false },
	{ "with after the last operand applies to both",
	  KW "r if { input.x > 0 or input.y > 0 with input as {\"y\": 1} }", "{}",
	  "data.p.r", "true", false },
	{ "with inside a group applies to that operand only",
	  KW "r if { (input.x < 2 with input.x as 1) and input.x == 5 }",
	  "{\"x\":5}", "data.p.r", "true", false },
	{ "not body: one expression false",
	  KW "r if not { input.a; input.b }", "{\"a\":true,\"b\":false}",
	  "data.p.r", "true", false },
	{ "not body: all hold", KW "r if not { input.a; input.b }",
	  "{\"a\":true,\"b\":true}", "data.p.r", "undefined", false },
	{ "not of a group", KW "r if not (input.a or input.b)", "{}", "data.p.r",
	  "true", false },
	{ "inside every", KW "r if { lim := 3; every v in input.xs { v < lim and v > 0 } }",
	  "{\"xs\":[1,2]}", "data.p.r", "true", false },
	{ "rego.v2 turns them on", "package p\nimport rego.v2\nr if input.a or input.b",
	  "{\"b\":true}", "data.p.r", "true", false },
	{ "future.keywords.and alone leaves or a name",
	  "package p\nimport future.keywords.and\nr if { or := 1; or == 1 and true }",
	  NULL, "data.p.r", "true", false },
	{ "without the import, or is a name",
	  "package p\nr := or if { or := 1 }", NULL, "data.p.r", "1", false },
	{ "and( is still the set built-in",
	  KW "r := and({1, 2}, {2, 3})", NULL, "data.p.r", "[2]", false },
	{ "a negated unification waits for what binds its variable",
	  "package p\nr := a if { not a = 1; a = 2 }", NULL, "data.p.r", "2", false },
	/* errors, as OPA's parser and compiler give them */
	{ "recursion through an operand",
	  KW "r if { false or q }\nq if { not { r } }", NULL, "data.p.r",
	  "error:rego_recursion_error: rule r is recursive: r -> q -> r", false },
	{ "or is not a keyword without its import",
	  "package p\nimport future.keywords.and\nr if { true or false }", NULL,
	  "data.p.r", "error:unexpected identifier", false },
	{ "assignment in an implicit operand",
	  KW "r if { x := 1 or true }", NULL, "data.p.r",
	  "error:cannot assign vars inside implicit or operand", false },
	{ "a variable only an implicit operand binds is unsafe",
	  KW "r if { x = 1 or true }", NULL, "data.p.r", "error:var x is unsafe", false },
	{ "a wildcard in an implicit operand is unsafe",
	  KW "r if { input.xs[_] == 1 and true }", NULL, "data.p.r",
	  "error:var _ is unsafe", false },
	{ "a braced operand may bind its own",
	  KW "r if { { x = 1 } or true }", NULL, "data.p.r", "true", false },
	{ "with on an operand needs parentheses",
	  KW "r if { input.x with input.x as 1 and true }", NULL, "data.p.r",
	  "error:`with` modifier is not allowed on operand of `and`", false },
	{ "empty braced operand", KW "r if { true and {} }", NULL, "data.p.r",
	  "error:empty body", false },
	{ "empty not body", KW "r if { not {} }", NULL, "data.p.r",
	  "error:empty body", false },
	{ "a value in braces is not an operand", KW "r if { {1, 2} and true }", NULL,
	  "data.p.r", "error:p.rego:3:", false },
	{ "a value led by braces is not an operand", KW "r if { {1}[1] and true }",
	  NULL, "data.p.r", "error:cannot begin with `{`", false },
	{ "a keyword is no variable", KW "r if { x := or; x }", NULL, "data.p.r",
	  "error:unexpected or keyword", false },
	{ "a keyword is no rule name", KW "and := 1", NULL, "data.p.and",
	  "error:and keyword cannot be used for rule name", false },
	{ "unclosed group", KW "r if { (input.a or input.b }", NULL, "data.p.r",
	  "error:p.rego:3", false },
	{ "missing rhs", KW "r if { input.a or }", NULL, "data.p.r",
	  "error:p.rego:3", false },
};

/* n nested groups, or n nested braced operands: the parser's nesting
 * bound stops hostile source before the stack does. */
static char *nested(size_t n, bool braces)
{
	return braces ?
	       rego_check_nest(KW "r if {\n", "true and { ", "true", " }", "\n}\n", n) :
	       rego_check_nest(KW "r if {\n", "(true and ", "true", ")", "\n}\n", n);
}

/* { [1 | { [1 | ... true ] } ] } n deep, not followed by and/or */
static char *ambiguous(size_t n)
{
	return rego_check_nest(KW "r if {\n", "{[1 | ", "true", "]}", "\n}\n", n);
}

int main(void)
{
	rego_check_cases(cases, sizeof(cases) / sizeof(cases[0]));
	CHECK_MSG(rego_check_made("40 nested groups", nested(40, false), "true"),
		  "groups");
	CHECK_MSG(rego_check_made("40 nested braced operands", nested(40, true),
				  "true"), "braces");
	/* braces that are not operands, each holding a comprehension whose
	 * body starts with braces again: deciding by re-parsing would take
	 * 2^60 steps */
	CHECK_MSG(rego_check_made("60 ambiguous braces", ambiguous(60), "true"),
		  "ambiguous");
	CHECK_MSG(rego_check_made("5000 nested groups", nested(5000, false),
				  "error:nesting deeper than"), "deep groups");
	CHECK_MSG(rego_check_made("5000 nested braced operands", nested(5000, true),
				  "error:nesting deeper than"), "deep braces");
	return test_summary();
}
