/* test_rego_heads.c - rule heads and references as OPA 1.x writes them:
 * keywords as reference parts and rule names, general reference heads
 * with variables anywhere in the path, and `with` replacing functions and
 * built-ins. Each case is a module, input and query, and the value of
 * the query or the error (OPA's code or message) it reports. */
#include "test.h"
#include "rego_check.h"

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

	/* general reference heads */
	{ "v1: p[\"a\"] if ... is p.a",
	  "package p\np[\"a\"] if true", NULL, "data.p", "{\"p\":{\"a\":true}}" },
	{ "a variable inside the head path",
	  "package p\np[q].r := i if q := [\"a\", \"b\"][i]", NULL, "data.p.p",
	  "{\"a\":{\"r\":0},\"b\":{\"r\":1}}" },
	{ "a query below a general head",
	  "package p\np[q].r := i if q := [\"a\", \"b\"][i]", NULL, "data.p.p.b.r",
	  "1" },
	{ "several variables, and a query for one key of them",
	  "package p\np[a][b] if { some a in [1, 2]; some b in [\"x\"] }\n"
	  "r := [k | p[k].x]", NULL, "data.p.r", "[1,2]" },
	{ "a general head and a rule at one of its paths agree",
	  "package p\np[q].r := i if q := [\"a\", \"b\"][i]\np.a.r := 0", NULL,
	  "data.p.p", "{\"a\":{\"r\":0},\"b\":{\"r\":1}}" },
	{ "sets at one path merge",
	  "package p\np[q] contains i if q := [\"a\", \"b\"][i]\np.a contains \"x\"",
	  NULL, "data.p.p", "{\"a\":[0,\"x\"],\"b\":[1]}" },
	{ "a partial object beside a rule below it",
	  "package p\np.q.r := 1\np.q[s] := 2 if s := \"s\"", NULL, "data.p.p",
	  "{\"q\":{\"r\":1,\"s\":2}}" },
	{ "a general head conflicting with itself",
	  "package p\np[q].r := i if q := [\"a\", \"b\", \"a\"][i]", NULL, "data.p.p",
	  "error:eval_conflict_error: object keys must be unique" },
	{ "a conflict elsewhere in the document does not stop a read by key",
	  "package p\np[q].r := i if q := [\"a\", \"b\", \"a\"][i]\nx := p.b", NULL,
	  "data.p.x", "{\"r\":1}" },
	{ "a read of the conflicting key reports it",
	  "package p\np[q].r := i if q := [\"a\", \"b\", \"a\"][i]\nx := p.a", NULL,
	  "data.p.x", "error:eval_conflict_error" },
	{ "an iteration over the conflicting document reports it",
	  "package p\np[q].r := i if q := [\"a\", \"b\", \"a\"][i]\nx := [k | p[k]]",
	  NULL, "data.p.x", "error:eval_conflict_error" },
	{ "a rule reaching inside another rule's value is a conflict",
	  "package p\np[q].r := v if { q := \"q\"; v := {\"s\": 1} }\np.q.r.t := 2",
	  NULL, "data.p.p", "error:eval_conflict_error" },
	{ "a partial object key over a rule's path is a conflict",
	  "package p\np.q.r := 1\np.q[s] := 2 if s := \"r\"", NULL, "data.p.p.q",
	  "error:eval_conflict_error" },
	{ "undefined general heads leave an empty object",
	  "package p\np[q].r := 1 if { q := \"a\"; false }\nx := 1", NULL, "data.p",
	  "{\"p\":{},\"x\":1}" },
	{ "many keys stay fast",
	  "package p\np[x][y] := 1 if { some x in numbers.range(1, 300); "
	  "some y in numbers.range(1, 300) }\nr := count(p)", NULL, "data.p.r", "300" },
	{ "else on a head with variables",
	  "package p\np[q].r := 1 if q := \"a\" else := 2", NULL, "data.p.p",
	  "error:else keyword cannot be used on rules with variables in head" },
	{ "a default rule with variables in its head",
	  "package p\ndefault p[q].r := 1", NULL, "data.p.p", "error:p.rego:2" },
	{ "an unsafe variable in the head path",
	  "package p\np[x].r := 1", NULL, "data.p.p", "error:var x is unsafe" },
	{ "a general head reading itself is recursive",
	  "package p\np[x].r := 1 if { x := \"a\"; data.p.p.b }", NULL, "data.p.p",
	  "error:rego_recursion_error" },
	{ "a function named with a bracket",
	  "package p\nfoo[\"bar\"](x) := x + 1\nr := foo.bar(2)", NULL, "data.p",
	  "{\"foo\":{},\"r\":3}" },
	{ "a function name with a variable",
	  "package p\nfoo[x](y) := y", NULL, "data.p", "error:p.rego:2" },
	/* `with` replacing functions and built-ins */
	{ "a built-in replaced by a value",
	  "package p\nr := x if x := count([1]) with count as 7", NULL, "data.p.r", "7" },
	{ "a built-in replaced by a function, inside the rules it calls",
	  "package p\nf(_) := 1\nq := count([1, 2])\nr := x if x := q with count as f",
	  NULL, "data.p.r", "1" },
	{ "a built-in replaced by a built-in",
	  "package p\nr := x if x := count([1, 2]) with count as sum", NULL, "data.p.r",
	  "3" },
	{ "a function replaced by a value, also in functions calling it",
	  "package p\nf(_) := 2\ng(x) := f(x) + 1\nr := x if x := [f(1), g(1)] with f as 5",
	  NULL, "data.p.r", "[5,6]" },
	{ "a replacement calls the original",
	  "package p\nmc(x) := count(x) + 10\nr := x if x := count([1]) with count as mc",
	  NULL, "data.p.r", "11" },
	{ "the replaced value does not outlive the with",
	  "package p\nq := count([1])\nr := [x, q] if x := q with count as 9", NULL,
	  "data.p.r", "[9,1]" },
	{ "a value replacement still needs the arguments",
	  "package p\nr if count(input.none) == 1 with count as 1", "{}", "data.p.r",
	  "undefined" },
	{ "false as a bare call's replacement fails it",
	  "package p\nr if { not count([]) with count as false }", NULL, "data.p.r", "true" },
	{ "an error in a replacing built-in is undefined, as the original's",
	  "package p\nf(_) := 1\nr := x if x := f(2) with f as count", NULL, "data.p.r",
	  "undefined" },
	{ "a replaced rule is replaced data",
	  "package p\nq := 1\nr := x if x := q with q as 7", NULL, "data.p.r", "7" },
	{ "a dotted head's path is replaced data",
	  "package p\nfoo.bar := 1\nr := x if x := foo.bar with foo.bar as 7", NULL,
	  "data.p.r", "7" },
	{ "a target that is no function",
	  "package p\nr := x if x := count([1]) with nosuch.fn as 1", NULL, "data.p.r",
	  "error:rego_type_error: with keyword target must reference existing input, data, or a function" },
	{ "a built-in we do not have cannot be replaced",
	  "package p\nr := x if x := 1 with http.send as 1", NULL, "data.p.r",
	  "error:rego_type_error" },
	{ "a replacement of another arity",
	  "package p\nf(x, y) := x\nr := x if x := count([1]) with count as f", NULL,
	  "data.p.r", "error:count: arity mismatch" },
	{ "internal functions cannot be replaced",
	  "package p\nr := x if x := 1 with internal.member_2 as 1", NULL, "data.p.r",
	  "error:replacement of internal function \"internal.member_2\" invalid" },
	{ "with cannot replace part of a rule's value",
	  "package p\nq := {\"a\": 1}\nr := x if x := q with data.p.q.a as 2", NULL,
	  "data.p.r", "error:with keyword cannot partially replace virtual document(s)" },
	{ "nor part of what a general head builds",
	  "package p\nq[x].y := 1 if x := \"a\"\nr := x if x := q with data.p.q.a.y as 2",
	  NULL, "data.p.r", "error:with keyword cannot partially replace virtual document(s)" },
	{ "`if {k: v | ...}` is a comprehension, not a body",
	  "package p\nr if {x: 1 | x := \"a\"}", NULL, "data.p.r", "true" },
	{ "`if { true }` is a body",
	  "package p\nr if { false }", NULL, "data.p.r", "undefined" },

	{ "a negated unification waits for its variables",
	  "package p\nf(x) := x\nr := a if { not a = f(1); a = f(2) }", NULL, "data.p.r",
	  "2" },
	{ "a negated unification binds nothing",
	  "package p\nr if { not x = 2 }", NULL, "data.p.r", "error:var x is unsafe" },
	{ "a reference argument binds the call's other arguments",
	  "package p\nr := foo if { some foo; foo == input.foos[foo] }",
	  "{\"foos\":[2,1,0]}", "data.p.r", "1" },
};

/* The same, parsed as Rego v0. */
static const struct tcase v0_cases[] = {
	{ "v0: p[\"a\"] { } is still a partial set, a.b[x] { } an object",
	  "package p\np[\"a\"] { true }\nq.r[x] { x := 1 }", NULL, "data.p",
	  "{\"p\":[\"a\"],\"q\":{\"r\":{\"1\":true}}}" },
	{ "v0: p[x] = v { } is a partial object",
	  "package p\np[x] = 2 { x := \"k\" }", NULL, "data.p.p", "{\"k\":2}" },
};

static bool run(const struct tcase *c, enum rego_syntax syntax)
{
	const struct rego_check rc = { .name = c->name, .module = c->module,
				       .input = c->input, .query = c->query,
				       .want = c->want, .syntax = syntax };

	return rego_check(&rc);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_MSG(run(&cases[i], REGO_SYNTAX_V1), "%s", cases[i].name);
	for (i = 0; i < sizeof(v0_cases) / sizeof(v0_cases[0]); i++)
		CHECK_MSG(run(&v0_cases[i], REGO_SYNTAX_V0), "%s", v0_cases[i].name);
	return test_summary();
}
