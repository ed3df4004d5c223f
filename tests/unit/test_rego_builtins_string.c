/* test_rego_builtins_string.c - the string, regex and sprintf built-ins.
 *
 * Each case calls one built-in with arguments written as a JSON array and
 * expects a JSON result, undefined, or an error with OPA's message. A
 * {"$set": [...]} object in the arguments stands for a set. Expected
 * values come from OPA's conformance cases (test/cases/testdata/v1) and
 * from Go's strings, fmt and regexp behaviour, which OPA inherits. */
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "test.h"

#define OK RB_OK
#define TYPE RB_TYPE_ERROR
#define ERR RB_ERROR

struct tcase {
	const char *name;
	const char *args; /* JSON array */
	enum rb_status st;
	const char *want; /* JSON result (OK), or the message (errors) */
};

static struct rv *sets_in(struct rv_arena *a, struct rv *v)
{
	struct rv_builder b;
	struct rv *m;
	size_t i;
	bool conflict;

	if (v->type == RV_OBJECT && (m = rv_object_getc(v, "$set")) != NULL) {
		rv_builder_init(&b, a);
		for (i = 0; i < m->u.arr.n; i++)
			rv_builder_add(&b, sets_in(a, m->u.arr.v[i]));
		return rv_set_finish(&b);
	}
	if (v->type == RV_ARRAY) {
		rv_builder_init(&b, a);
		for (i = 0; i < v->u.arr.n; i++)
			rv_builder_add(&b, sets_in(a, v->u.arr.v[i]));
		return rv_array_finish(&b);
	}
	if (v->type == RV_OBJECT) {
		rv_builder_init(&b, a);
		for (i = 0; i < v->u.obj.n; i++)
			rv_builder_put(&b, v->u.obj.k[i],
				       sets_in(a, v->u.obj.v[i]));
		return rv_object_finish(&b, &conflict);
	}
	return v;
}

/* Call name on the JSON arguments; *out is the result as compact JSON
 * (malloc'd) or the error message. */
static enum rb_status call(struct rv_arena *a, const char *name,
			   const char *args, char **out)
{
	const struct rb_def *d = rb_lookup(name, strlen(name));
	struct rv *arr, *argv[8], *res = NULL;
	struct eaa_err err;
	struct rb_ctx c;
	enum rb_status st;
	size_t i;

	*out = NULL;
	arr = rv_from_json(a, args, strlen(args), &err);
	if (!d || !arr || arr->type != RV_ARRAY || arr->u.arr.n != d->nargs) {
		*out = strdup("bad test case");
		return RB_UNDEFINED;
	}
	arr = sets_in(a, arr);
	for (i = 0; i < arr->u.arr.n; i++)
		argv[i] = arr->u.arr.v[i];
	memset(&c, 0, sizeof(c));
	c.arena = a;
	c.name = d->name;
	st = d->fn(&c, argv, &res);
	*out = st == RB_OK ? rv_to_json(res, false) : strdup(c.msg);
	return st;
}

/* The expected JSON, normalised through the same printer. */
static char *norm(struct rv_arena *a, const char *json)
{
	struct eaa_err err;
	struct rv *v = rv_from_json(a, json, strlen(json), &err);

	return v ? rv_to_json(sets_in(a, v), false) : strdup("bad want");
}

static void run(const struct tcase *t, size_t n)
{
	struct rv_arena a;
	char *got, *want;
	enum rb_status st;
	size_t i;

	for (i = 0; i < n; i++) {
		rv_arena_init(&a, 0);
		st = call(&a, t[i].name, t[i].args, &got);
		want = t[i].st == RB_OK ? norm(&a, t[i].want) : strdup(t[i].want);
		CHECK_MSG(st == t[i].st && got && want && strcmp(got, want) == 0,
			  "%s%s: got [%d] %s, want [%d] %s", t[i].name, t[i].args,
			  st, got ? got : "(null)", t[i].st, want);
		free(got);
		free(want);
		rv_arena_free(&a);
	}
}

#define RUN(t) run(t, sizeof(t) / sizeof(*(t)))

static const struct tcase strings_basic[] = {
	{ "concat", "[\"/\", [\"\", \"foo\", \"bar\", \"0\", \"baz\"]]", OK, "\"/foo/bar/0/baz\"" },
	{ "concat", "[\",\", {\"$set\": [\"3\", \"1\", \"2\"]}]", OK, "\"1,2,3\"" },
	{ "concat", "[\",\", []]", OK, "\"\"" },
	{ "concat", "[\"\", [\"a\", \"é\"]]", OK, "\"aé\"" },
	{ "concat", "[\",\", [\"a\", 1]]", TYPE, "concat: operand 2 must be array of strings but got array containing number" },
	{ "concat", "[\",\", {\"$set\": [\"a\", null]}]", TYPE, "concat: operand 2 must be set of strings but got set containing null" },
	{ "concat", "[\",\", \"ab\"]", TYPE, "concat: operand 2 must be one of {set, array} but got string" },
	{ "concat", "[1, []]", TYPE, "concat: operand 1 must be string but got number" },

	{ "contains", "[\"abc\", \"b\"]", OK, "true" },
	{ "contains", "[\"abc\", \"\"]", OK, "true" },
	{ "contains", "[\"abc\", \"d\"]", OK, "false" },
	{ "contains", "[\"héllo\", \"él\"]", OK, "true" },
	{ "contains", "[1, \"a\"]", TYPE, "contains: operand 1 must be string but got number" },
	{ "contains", "[\"a\", [\"a\"]]", TYPE, "contains: operand 2 must be string but got array" },
	{ "startswith", "[\"abc\", \"ab\"]", OK, "true" },
	{ "startswith", "[\"abc\", \"\"]", OK, "true" },
	{ "startswith", "[\"ab\", \"abc\"]", OK, "false" },
	{ "startswith", "[\"ab\", {}]", TYPE, "startswith: operand 2 must be string but got object" },
	{ "endswith", "[\"abc\", \"bc\"]", OK, "true" },
	{ "endswith", "[\"abc\", \"ab\"]", OK, "false" },
	{ "endswith", "[true, \"x\"]", TYPE, "endswith: operand 1 must be string but got boolean" },

	{ "lower", "[\"AbC\"]", OK, "\"abc\"" },
	{ "lower", "[\"ÀÉÎ ǅ İ\"]", OK, "\"àéî ǆ i\"" },
	{ "lower", "[\"\"]", OK, "\"\"" },
	{ "lower", "[null]", TYPE, "lower: operand 1 must be string but got null" },
	{ "upper", "[\"abc-1\"]", OK, "\"ABC-1\"" },
	{ "upper", "[\"straße ǆ ÿ µ\"]", OK, "\"STRAßE Ǆ Ÿ Μ\"" },
	{ "upper", "[1]", TYPE, "upper: operand 1 must be string but got number" },

	{ "split", "[\"a,b,,c\", \",\"]", OK, "[\"a\", \"b\", \"\", \"c\"]" },
	{ "split", "[\"abc\", \"x\"]", OK, "[\"abc\"]" },
	{ "split", "[\"\", \".\"]", OK, "[\"\"]" },
	{ "split", "[\"test\", \"\"]", OK, "[\"t\", \"e\", \"s\", \"t\"]" },
	{ "split", "[\"hé☃\", \"\"]", OK, "[\"h\", \"é\", \"☃\"]" },
	{ "split", "[\"\", \"\"]", OK, "[]" },
	{ "split", "[\"a--b--\", \"--\"]", OK, "[\"a\", \"b\", \"\"]" },
	{ "split", "[\"a\", 1]", TYPE, "split: operand 2 must be string but got number" },

	{ "strings.count", "[\"cheese\", \"e\"]", OK, "3" },
	{ "strings.count", "[\"hello hello hello world\", \"hello\"]", OK, "3" },
	{ "strings.count", "[\"dummy\", \"x\"]", OK, "0" },
	{ "strings.count", "[\"dummy\", \"\"]", OK, "6" },
	{ "strings.count", "[\"\", \"\"]", OK, "1" },
	{ "strings.count", "[\"héllo\", \"\"]", OK, "6" },
	{ "strings.count", "[\"11111\", \"11\"]", OK, "2" },
	{ "strings.count", "[\"11111\", \"11111\"]", OK, "1" },
	{ "strings.count", "[\"a\", 1]", TYPE, "strings.count: operand 2 must be string but got number" },

	{ "strings.reverse", "[\"abc\"]", OK, "\"cba\"" },
	{ "strings.reverse", "[\"héllo☃\"]", OK, "\"☃olléh\"" },
	{ "strings.reverse", "[\"\"]", OK, "\"\"" },
	{ "strings.reverse", "[[]]", TYPE, "strings.reverse: operand 1 must be string but got array" },
};

static const struct tcase strings_trim[] = {
	{ "trim", "[\"  xx hello xx  \", \" x\"]", OK, "\"hello\"" },
	{ "trim", "[\"abc\", \"\"]", OK, "\"abc\"" },
	{ "trim", "[\"\", \"a\"]", OK, "\"\"" },
	{ "trim", "[\"aaa\", \"a\"]", OK, "\"\"" },
	{ "trim", "[\"éaé\", \"é\"]", OK, "\"a\"" },
	{ "trim", "[\"a\", 1]", TYPE, "trim: operand 2 must be string but got number" },
	{ "trim_left", "[\"ééabcé\", \"é\"]", OK, "\"abcé\"" },
	{ "trim_left", "[\"xyz\", \"zy\"]", OK, "\"xyz\"" },
	{ "trim_right", "[\"ééabcé\", \"é\"]", OK, "\"ééabc\"" },
	{ "trim_right", "[\"abc..\", \".\"]", OK, "\"abc\"" },
	{ "trim_prefix", "[\"foobar\", \"foo\"]", OK, "\"bar\"" },
	{ "trim_prefix", "[\"foobar\", \"bar\"]", OK, "\"foobar\"" },
	{ "trim_prefix", "[\"foofoo\", \"foo\"]", OK, "\"foo\"" },
	{ "trim_suffix", "[\"foobar\", \"bar\"]", OK, "\"foo\"" },
	{ "trim_suffix", "[\"foobar\", \"\"]", OK, "\"foobar\"" },
	{ "trim_suffix", "[1, \"\"]", TYPE, "trim_suffix: operand 1 must be string but got number" },
	{ "trim_space", "[\"  \\t hi there \\n\"]", OK, "\"hi there\"" },
	{ "trim_space", "[\"\\u00a0\\u3000hi\\u2003\\u0085\"]", OK, "\"hi\"" },
	{ "trim_space", "[\"   \"]", OK, "\"\"" },
	{ "trim_space", "[\"x\\u200b\"]", OK, "\"x\\u200b\"" }, /* ZWSP is not a space */
	{ "trim_space", "[5]", TYPE, "trim_space: operand 1 must be string but got number" },
};

static const struct tcase strings_replace[] = {
	{ "replace", "[\"aaa\", \"a\", \"bb\"]", OK, "\"bbbbbb\"" },
	{ "replace", "[\"abcabc\", \"bc\", \"\"]", OK, "\"aa\"" },
	{ "replace", "[\"aaaa\", \"aa\", \"b\"]", OK, "\"bb\"" },
	{ "replace", "[\"abc\", \"x\", \"y\"]", OK, "\"abc\"" },
	{ "replace", "[\"abc\", \"\", \"-\"]", OK, "\"-a-b-c-\"" },
	{ "replace", "[\"\", \"\", \"-\"]", OK, "\"-\"" },
	{ "replace", "[\"a\", \"a\", 1]", TYPE, "replace: operand 3 must be string but got number" },
	{ "strings.replace_n", "[{\"cat\": \"dog\", \"dog\": \"cat\"}, \"cat dog\"]", OK, "\"dog cat\"" },
	{ "strings.replace_n", "[{\"a\": \"1\", \"ab\": \"2\"}, \"abab\"]", OK, "\"1b1b\"" },
	{ "strings.replace_n", "[{\"\": \"-\", \"a\": \"X\"}, \"ab\"]", OK, "\"-X-b-\"" },
	{ "strings.replace_n", "[{}, \"abc\"]", OK, "\"abc\"" },
	{ "strings.replace_n", "[{\"a\": 1}, \"abc\"]", TYPE, "strings.replace_n: operand 1 non-string value found in pattern object" },
	{ "strings.replace_n", "[[\"a\"], \"abc\"]", TYPE, "strings.replace_n: operand 1 must be object but got array" },
	{ "strings.replace_n", "[{}, 1]", TYPE, "strings.replace_n: operand 2 must be string but got number" },
};

static const struct tcase strings_runes[] = {
	{ "substring", "[\"abcdef\", 1, 3]", OK, "\"bcd\"" },
	{ "substring", "[\"abcdef\", 2, -1]", OK, "\"cdef\"" },
	{ "substring", "[\"abc\", 5, 1]", OK, "\"\"" },
	/* an integer operand is OPA's Number.Int: 1.0 is one, 1e0 is not */
	{ "substring", "[\"abc\", 1.0, 1]", OK, "\"b\"" },
	{ "substring", "[\"abc\", 1e0, 1]", TYPE, "substring: operand 2 must be integer number but got floating-point number" },
	{ "format_int", "[15, 16.0]", TYPE, "format_int: operand 2 must be one of {2, 8, 10, 16}" },
	{ "substring", "[\"abc\", 3, 1]", OK, "\"\"" },
	{ "substring", "[\"abc\", 0, 100]", OK, "\"abc\"" },
	{ "substring", "[\"abc\", 1, 9223372036854775807]", OK, "\"bc\"" },
	{ "substring", "[\"\", 0, 1]", OK, "\"\"" },
	{ "substring", "[\"héllo wörld\", 1, 4]", OK, "\"éllo\"" },
	{ "substring", "[\"héllo wörld\", 7, -1]", OK, "\"örld\"" },
	{ "substring", "[\"☃☃\", 5, 1]", OK, "\"\"" },
	{ "substring", "[\"abc\", -1, 1]", ERR, "substring: negative offset" },
	{ "substring", "[\"abc\", 1.5, 1]", TYPE, "substring: operand 2 must be integer number but got floating-point number" },
	{ "substring", "[\"abc\", 1, \"1\"]", TYPE, "substring: operand 3 must be number but got string" },
	{ "substring", "[1, 1, 1]", TYPE, "substring: operand 1 must be string but got number" },

	{ "indexof", "[\"hello\", \"l\"]", OK, "2" },
	{ "indexof", "[\"hello\", \"z\"]", OK, "-1" },
	{ "indexof", "[\"μx\", \"x\"]", OK, "1" },
	{ "indexof", "[\"μ\", \"μμ\"]", OK, "-1" },
	{ "indexof", "[\"skön var våren\", \"vår\"]", OK, "9" },
	{ "indexof", "[\"🍧🍨🧁🍰🍮\", \"🍮\"]", OK, "4" },
	{ "indexof", "[\"🍧🍨🧁🍰🍮\", \"🍧🍨🧁🍰🍮\"]", OK, "0" },
	{ "indexof", "[\"abc\", \"\"]", ERR, "indexof: empty search character" },
	{ "indexof", "[\"abc\", 1]", TYPE, "indexof: operand 2 must be string but got number" },
	{ "indexof_n", "[\"dogcat\", \"cat\"]", OK, "[3]" },
	{ "indexof_n", "[\"dogcatdogcat\", \"cat\"]", OK, "[3, 9]" },
	{ "indexof_n", "[\"dogcat\", \"rabbit\"]", OK, "[]" },
	{ "indexof_n", "[\"aaaa\", \"aa\"]", OK, "[0, 1, 2]" },
	{ "indexof_n", "[\"😇😀😇😀😇😀\", \"😀\"]", OK, "[1, 3, 5]" },
	{ "indexof_n", "[\"abc\", \"\"]", ERR, "indexof_n: empty search character" },
};

static const struct tcase strings_match[] = {
	{ "strings.any_prefix_match", "[[\"a/b/c\", \"a/b/d\", \"e/f/g\"], [\"a/\", \"d/\"]]", OK, "true" },
	{ "strings.any_prefix_match", "[[\"a/b/c\", \"a/b/d\", \"e/f/g\"], [\"f/\", \"d/\"]]", OK, "false" },
	{ "strings.any_prefix_match", "[[\"aa/bb/cc\", \"ee/ff/gg\"], [\"aa/b\", \"e/f\"]]", OK, "true" },
	{ "strings.any_prefix_match", "[[\"aa/bb/cc\"], [\"a/b\"]]", OK, "false" },
	{ "strings.any_prefix_match", "[[], [\"a\"]]", OK, "false" },
	{ "strings.any_prefix_match", "[[\"a\"], []]", OK, "false" },
	{ "strings.any_prefix_match", "[[\"a/b/c\"], \"a/\"]", OK, "true" },
	{ "strings.any_prefix_match", "[\"a/b/c\", [\"g/\", \"d/\"]]", OK, "false" },
	{ "strings.any_prefix_match", "[{\"$set\": [\"a/b/c\", \"e/f\"]}, {\"$set\": [\"e/\"]}]", OK, "true" },
	{ "strings.any_prefix_match", "[[\"a/b/c\", \"\"], [\"z/\", \"\"]]", OK, "true" },
	{ "strings.any_prefix_match", "[[1, 2], [\"f/\"]]", TYPE, "strings.any_prefix_match: operand 1 must be array of strings but got array containing number" },
	{ "strings.any_prefix_match", "[1, [\"f/\"]]", TYPE, "strings.any_prefix_match: operand 1 must be one of {string, set, array} but got number" },
	{ "strings.any_prefix_match", "[[\"a\"], [1]]", TYPE, "strings.any_prefix_match: operand 2 must be array of strings but got array containing number" },
	/* every operand is checked, even after a match */
	{ "strings.any_prefix_match", "[\"a/b/c\", [\"a/\", 1]]", TYPE, "strings.any_prefix_match: operand 2 must be array of strings but got array containing number" },
	{ "strings.any_suffix_match", "[\"a/b/c\", [\"c\", 1]]", TYPE, "strings.any_suffix_match: operand 2 must be array of strings but got array containing number" },
	{ "strings.any_prefix_match", "[[\"a\"], 1]", TYPE, "strings.any_prefix_match: operand 2 must be one of {string, set, array} but got number" },
	{ "strings.any_suffix_match", "[[\"policy.rego\", \"data.json\"], [\".yaml\", \".rego\"]]", OK, "true" },
	{ "strings.any_suffix_match", "[\"a/b/c\", [\"b/c\"]]", OK, "true" },
	{ "strings.any_suffix_match", "[\"a/b/c\", \"b\"]", OK, "false" },
	{ "strings.any_suffix_match", "[\"héllo\", \"llo\"]", OK, "true" },
	{ "strings.any_suffix_match", "[{\"$set\": [\"x\"]}, {\"$set\": [1]}]", TYPE, "strings.any_suffix_match: operand 2 must be set of strings but got set containing number" },
};

static const struct tcase strings_format_int[] = {
	{ "format_int", "[15.5, 16]", OK, "\"f\"" },
	{ "format_int", "[3.1, 10]", OK, "\"3\"" },
	{ "format_int", "[-15.9, 2]", OK, "\"-1111\"" },
	{ "format_int", "[-0.5, 10]", OK, "\"0\"" },
	{ "format_int", "[255, 8]", OK, "\"377\"" },
	{ "format_int", "[255, 16]", OK, "\"ff\"" },
	{ "format_int", "[-9223372036854775808, 10]", OK, "\"-9223372036854775808\"" },
	{ "format_int", "[1e20, 10]", OK, "\"100000000000000000000\"" },
	{ "format_int", "[-1e20, 16]", OK, "\"-56bc75e2d63100000\"" },
	{ "format_int", "[10, 3]", TYPE, "format_int: operand 2 must be one of {2, 8, 10, 16}" },
	{ "format_int", "[10, 16.5]", TYPE, "format_int: operand 2 must be one of {2, 8, 10, 16}" },
	{ "format_int", "[\"1\", 10]", TYPE, "format_int: operand 1 must be number but got string" },
	{ "format_int", "[1, \"10\"]", TYPE, "format_int: operand 2 must be number but got string" },
};

/* Go's fmt.Sprintf over OPA's argument conversion. */
static const struct tcase sprintf_cases[] = {
	{ "sprintf", "[\"%d\", [42]]", OK, "\"42\"" },
	{ "sprintf", "[\"hi %s, %d%%\", [\"bob\", 50]]", OK, "\"hi bob, 50%\"" },
	{ "sprintf", "[\"%v %v %v %v\", [1, 1.5, \"s\", null]]", OK, "\"1 1.5 s null\"" },
	{ "sprintf", "[\"%.2f|%5.1f|%-6.2f|%06.2f|%+.1f\", [3.14159, 2.25, 1.5, -3.14159, 2]]", OK, "\"3.14|  2.2|1.50  |-03.14|%!f(int64=+2)\"" },
	{ "sprintf", "[\"%5d|%-5d|%05d|%+d|% d|%x|%X|%o|%b\", [42, 42, -42, 42, 42, 255, 255, 8, 5]]", OK, "\"   42|42   |-0042|+42| 42|ff|FF|10|101\"" },
	{ "sprintf", "[\"%#x %#o %#b %O %.5d\", [255, 8, 5, 8, 42]]", OK, "\"0xff 010 0b101 0o10 00042\"" },
	{ "sprintf", "[\"%c%c %U %#U %q\", [72, 105, 9731, 9731, 9731]]", OK, "\"Hi U+2603 U+2603 '☃' '☃'\"" },
	{ "sprintf", "[\"%q|%+q|%#q|%x|% X\", [\"a\\\"b\", \"é\", \"a`b\", \"hi\", \"hi\"]]", OK, "\"\\\"a\\\\\\\"b\\\"|\\\"\\\\u00e9\\\"|\\\"a`b\\\"|6869|68 69\"" },
	{ "sprintf", "[\"%#q\", [\"ab\"]]", OK, "\"`ab`\"" },
	{ "sprintf", "[\"%.2s|%5.1s|%-4s|%05s\", [\"héllo\", \"abc\", \"é\", \"ab\"]]", OK, "\"hé|    a|é   |000ab\"" },
	/* floats: shortest digits; exponent form from 1e6 and below 1e-4 */
	{ "sprintf", "[\"%v %v %v %v %v\", [0.1, 1000000.5, 123456.5, 0.0001, 0.00001]]", OK, "\"0.1 1.0000005e+06 123456.5 0.0001 1e-05\"" },
	{ "sprintf", "[\"%e %E %g %G %.3e %.3g\", [123456.789, 0.000123, 1e-07, 2.5e-10, 1.0005, 1234.5]]", OK, "\"1.234568e+05 1.230000E-04 1e-07 2.5E-10 1.000e+00 1.23e+03\"" },
	{ "sprintf", "[\"%#g %#.3g %b %x %.2x\", [1.5, 2.5, 1.5, 1.5, 3.3]]", OK, "\"1.50000 2.50 6755399441055744p-52 0x1.8p+00 0x1.a6p+01\"" },
	{ "sprintf", "[\"%f\", [0.1]]", OK, "\"0.100000\"" },
	/* integers past int64 are *big.Int in Go */
	/* OPA decides by the text: 1e20 is a float, its digits an integer */
	{ "sprintf", "[\"%d %s %v %x %T\", [1e20, 1e20, 1e20, 1e20, 1e20]]", OK, "\"%!d(float64=1e+20) %!s(float64=1e+20) 1e+20 0x1.5af1d78b58c4p+66 float64\"" },
	{ "sprintf", "[\"%25d|%-25d|%025d\", [1e20, 1e20, -1e20]]", OK, "\"%!d(float64=                    1e+20)|%!d(float64=1e+20                    )|%!d(float64=-00000000000000000001e+20)\"" },
	{ "sprintf", "[\"%f\", [1e20]]", OK, "\"100000000000000000000.000000\"" },
	{ "sprintf", "[\"%d %s %v %x %T\", [100000000000000000000, 100000000000000000000, 100000000000000000000, -100000000000000000000, 100000000000000000000]]", OK, "\"100000000000000000000 100000000000000000000 100000000000000000000 -56bc75e2d63100000 *big.Int\"" },
	{ "sprintf", "[\"%25d|%-25d|%025d\", [100000000000000000000, 100000000000000000000, -100000000000000000000]]", OK, "\"    100000000000000000000|100000000000000000000    |-000100000000000000000000\"" },
	{ "sprintf", "[\"%f\", [100000000000000000000]]", OK, "\"%!f(big.Int=100000000000000000000)\"" },
	{ "sprintf", "[\"%s %v\", [123456789123456789123, 2e308]]", OK, "\"123456789123456789123 2e308\"" },
	{ "sprintf", "[\"%f\", [1e2]]", OK, "\"100.000000\"" },
	/* -0.0 is a float with its sign, -0 the integer 0 (OPA by the text) */
	{ "sprintf", "[\"%v %v %5.1f %g %d\", [-0.0, -0, -0.0, -0.0, -0]]", OK, "\"-0 0  -0.0 -0 0\"" },
	{ "format_int", "[18446744073709551617, 16]", OK, "\"10000000000000001\"" },
	{ "format_int", "[-18446744073709551617, 8]", OK, "\"-2000000000000000000001\"" },
	{ "format_int", "[18446744073709551617, 2]", OK, "\"10000000000000000000000000000000000000000000000000000000000000001\"" },
	/* a fraction or an exponent: OPA's 64-bit-mantissa float, truncated */
	{ "format_int", "[1e30, 10]", OK, "\"1000000000000000000024696061952\"" },
	{ "format_int", "[-1e30, 16]", OK, "\"-c9f2c9cd04674edf000000000\"" },
	{ "format_int", "[123456789012345678.9, 10]", OK, "\"123456789012345678\"" },
	{ "format_int", "[1e5000, 10]", ERR, "format_int: operand 1: integers past 4096 digits are not supported" },
	{ "format_int", "[-0.5, 10]", OK, "\"0\"" },
	/* composites, booleans and null are their Rego text, as strings */
	{ "sprintf", "[\"%v\", [[1, \"a\", {\"b\": null}]]]", OK, "\"[1, \\\"a\\\", {\\\"b\\\": null}]\"" },
	{ "sprintf", "[\"%v %v %v\", [{\"$set\": []}, {\"$set\": [2, 1]}, {}]]", OK, "\"set() {1, 2} {}\"" },
	{ "sprintf", "[\"%s\", [[\"é\\n\\u00a0\\u0001\"]]]", OK, "\"[\\\"é\\\\n\\\\u00a0\\\\x01\\\"]\"" },
	{ "sprintf", "[\"%t %v %d\", [true, false, true]]", OK, "\"%!t(string=true) false %!d(string=true)\"" },
	/* bad verbs, missing and extra arguments */
	{ "sprintf", "[\"%s\", [5]]", OK, "\"%!s(int64=5)\"" },
	{ "sprintf", "[\"%d\", [1.5]]", OK, "\"%!d(float64=1.5)\"" },
	{ "sprintf", "[\"%5t\", [1]]", OK, "\"%!t(int64=    1)\"" },
	{ "sprintf", "[\"%d %d\", [1]]", OK, "\"1 %!d(MISSING)\"" },
	{ "sprintf", "[\"hi\", [1, \"x\", 2.5]]", OK, "\"hi%!(EXTRA int64=1, string=x, float64=2.5)\"" },
	{ "sprintf", "[\"%\", []]", OK, "\"%!(NOVERB)\"" },
	{ "sprintf", "[\"%z\", [1]]", OK, "\"%!z(int64=1)\"" },
	{ "sprintf", "[\"%[2]d %[1]d\", [1, 2]]", OK, "\"2 1\"" },
	{ "sprintf", "[\"%[3]d\", [1, 2]]", OK, "\"%!d(BADINDEX)\"" },
	{ "sprintf", "[\"%*d|%-*d|%.*f\", [5, 1, 4, 2, 2, 3.14159]]", OK, "\"    1|2   |3.14\"" },
	{ "sprintf", "[\"%*d\", [\"x\", 1]]", OK, "\"%!(BADWIDTH)1\"" },
	{ "sprintf", "[\"%T %T %T %T\", [1, 1.5, \"s\", [1]]]", OK, "\"int64 float64 string string\"" },
	{ "sprintf", "[\"%99999999d\", [1]]", OK, "\"%!(NOVERB)%!(EXTRA int64=1)\"" },
	{ "sprintf", "[\"\", []]", OK, "\"\"" },
	{ "sprintf", "[\"%s\", {}]", TYPE, "sprintf: operand 2 must be array but got object" },
	{ "sprintf", "[\"%s\", {\"$set\": [1]}]", TYPE, "sprintf: operand 2 must be array but got set" },
	{ "sprintf", "[1, []]", TYPE, "sprintf: operand 1 must be string but got number" },
};

static const struct tcase regex_cases[] = {
	{ "regex.match", "[\"^[a-z]+\\\\[[0-9]+\\\\]$\", \"foo[1]\"]", OK, "true" },
	{ "regex.match", "[\"^$\", \"\"]", OK, "true" },
	{ "regex.match", "[\"\", \"x\"]", OK, "true" },
	{ "regex.match", "[\"^$\", \"something\"]", OK, "false" },
	{ "regex.match", "[\"a$\", \"a\\n\"]", OK, "false" },              /* $ is \z */
	{ "regex.match", "[\"(?m)^b$\", \"a\\nb\\n\"]", OK, "true" },
	{ "regex.match", "[\"(?i)ÉCOLE\", \"école\"]", OK, "true" },
	{ "regex.match", "[\"^\\\\d+$\", \"٣\"]", OK, "false" },           /* \d is ASCII */
	{ "regex.match", "[\"^\\\\s$\", \"\\u000b\"]", OK, "false" },      /* \s lacks \v */
	{ "regex.match", "[\"^\\\\v$\", \"\\u000b\"]", OK, "true" },
	{ "regex.match", "[\"^\\\\x41\\\\x{42}\\\\101$\", \"ABA\"]", OK, "true" },
	{ "regex.match", "[\"^\\\\Qa.b\\\\E+$\", \"a.bbb\"]", OK, "true" },
	{ "regex.match", "[\"^x{01}$\", \"x{01}\"]", OK, "true" },        /* not a repeat */
	{ "regex.match", "[\"^*a\", \"a\"]", OK, "true" },
	{ "regex.match", "[\"(?P<n>a)(?<m>b)\", \"ab\"]", OK, "true" },
	{ "regex.match", "[\"^\\\\p{Greek}+$\", \"αβ\"]", OK, "true" },
	{ "regex.match", "[\"^[[:alpha:]]+$\", \"abc\"]", OK, "true" },
	{ "regex.match", "[\"(?U)^a+\", \"aaa\"]", OK, "true" },
	{ "regex.match", "[\"(?i)^\\\\w$\", \"\u212a\"]", OK, "true" },   /* K folds to KELVIN SIGN */
	{ "regex.match", "[\"^\\\\w$\", \"\u212a\"]", OK, "false" },
	{ "regex.match", "[\"(?i)^[[:upper:]]+$\", \"aB\"]", OK, "true" },
	{ "regex.match", "[\"^a(?i)+$\", \"aaa\"]", OK, "true" },       /* repeats the a */
	{ "regex.match", "[\"^a*(?i)*$\", \"aa\"]", OK, "true" },
	{ "regex.match", "[\"^(?P<x>a)(?P<x>b)$\", \"ab\"]", OK, "true" }, /* names may repeat */
	{ "regex.match", "[\"$^[[[\", \"something\"]", ERR, "regex.match: error parsing regexp: missing closing ]: `[[[`" },
	{ "regex.match", "[\"(a\", \"x\"]", ERR, "regex.match: error parsing regexp: missing closing ): `(a`" },
	{ "regex.match", "[\"a)\", \"x\"]", ERR, "regex.match: error parsing regexp: unexpected ): `a)`" },
	{ "regex.match", "[\"a**\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid nested repetition operator: `**`" },
	{ "regex.match", "[\"a++\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid nested repetition operator: `++`" },
	{ "regex.match", "[\"*a\", \"x\"]", ERR, "regex.match: error parsing regexp: missing argument to repetition operator: `*`" },
	{ "regex.match", "[\"(*UTF)a\", \"x\"]", ERR, "regex.match: error parsing regexp: missing argument to repetition operator: `*`" },
	{ "regex.match", "[\"a{1001}\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid repeat count: `{1001}`" },
	{ "regex.match", "[\"(?=a)\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid or unsupported Perl syntax: `(?=`" },
	{ "regex.match", "[\"(?x)a\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid or unsupported Perl syntax: `(?x`" },
	{ "regex.match", "[\"(a)\\\\1\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid escape sequence: `\\1`" },
	{ "regex.match", "[\"\\\\e\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid escape sequence: `\\e`" },
	{ "regex.match", "[\"[z-a]\", \"x\"]", ERR, "regex.match: error parsing regexp: invalid character class range: `z-a`" },
	{ "regex.match", "[\"\\\\\", \"x\"]", ERR, "regex.match: error parsing regexp: trailing backslash at end of expression: ``" },
	{ "regex.match", "[1, \"x\"]", TYPE, "regex.match: operand 1 must be string but got number" },
	{ "regex.match", "[\"x\", 1]", TYPE, "regex.match: operand 2 must be string but got number" },

	{ "regex.is_valid", "[\"[a-z]+\"]", OK, "true" },
	{ "regex.is_valid", "[\"a(b\"]", OK, "false" },
	{ "regex.is_valid", "[\"(?!x)\"]", OK, "false" },
	{ "regex.is_valid", "[1]", OK, "false" },

	{ "regex.split", "[\"^[a-z]+\\\\[[0-9]+\\\\]$\", \"\"]", OK, "[\"\"]" },
	{ "regex.split", "[\"^[a-z]+\", \"foobar baz\"]", OK, "[\"\", \" baz\"]" },
	{ "regex.split", "[\"[a-z]+$\", \"foobar baz\"]", OK, "[\"foobar \", \"\"]" },
	{ "regex.split", "[\"^[a-z]+$\", \"foobar baz\"]", OK, "[\"foobar baz\"]" },
	{ "regex.split", "[\"^[a-z ]+$\", \"foobar baz\"]", OK, "[\"\", \"\"]" },
	{ "regex.split", "[\",\\\\s*\", \"a, b,c\"]", OK, "[\"a\", \"b\", \"c\"]" },
	{ "regex.split", "[\"x*\", \"axbc\"]", OK, "[\"a\", \"b\", \"c\"]" },
	{ "regex.split", "[\"\", \"\"]", OK, "[]" },
	{ "regex.split", "[\"(\", \"a\"]", ERR, "regex.split: error parsing regexp: missing closing ): `(`" },

	{ "regex.find_n", "[\"a.\", \"paranormal\", -1]", OK, "[\"ar\", \"an\", \"al\"]" },
	{ "regex.find_n", "[\"a.\", \"paranormal\", 2]", OK, "[\"ar\", \"an\"]" },
	{ "regex.find_n", "[\"bork\", \"paranormal\", 2]", OK, "[]" },
	{ "regex.find_n", "[\"a\", \"aaa\", 0]", OK, "[]" },
	{ "regex.find_n", "[\"x*\", \"axb\", -1]", OK, "[\"\", \"x\", \"\"]" },
	{ "regex.find_n", "[\"\", \"hé\", -1]", OK, "[\"\", \"\", \"\"]" },
	/* RE2: a loop iteration that matches nothing is dropped, so the next
	 * choice inside it is tried before leaving the loop */
	{ "regex.find_n", "[\"(?:\\\\S*?b?)*\", \"b$\", -1]", OK, "[\"b$\"]" },
	{ "regex.find_n", "[\"(?:b?)+?\", \"bb\", -1]", OK, "[\"b\", \"b\"]" },
	{ "regex.find_n", "[\"a\", \"a\", 1.5]", TYPE, "regex.find_n: operand 3 must be integer number but got floating-point number" },

	{ "regex.find_all_string_submatch_n", "[\"[^aouiye]([aouiye])([^aouiye])?\", \"somestri\", 1]", OK, "[[\"som\", \"o\", \"m\"]]" },
	{ "regex.find_all_string_submatch_n", "[\"[^aouiye]([aouiye])([^aouiye])?\", \"somestri\", -1]", OK, "[[\"som\", \"o\", \"m\"], [\"ri\", \"i\", \"\"]]" },
	{ "regex.find_all_string_submatch_n", "[\"(a)|(b)\", \"ab\", -1]", OK, "[[\"a\", \"a\", \"\"], [\"b\", \"\", \"b\"]]" },
	{ "regex.find_all_string_submatch_n", "[\"z\", \"ab\", -1]", OK, "[]" },
	{ "regex.find_all_string_submatch_n", "[\"(\\\\S*)+$\", \"ab\", -1]", OK, "[[\"ab\", \"ab\"]]" },
	{ "regex.find_all_string_submatch_n", "[\"(a|)*\", \"b\", -1]", OK, "[[\"\", \"\"], [\"\", \"\"]]" },

	{ "regex.replace", "[\"-wy-wxxy-\", \"w(x*)y\", \"0\"]", OK, "\"-0-0-\"" },
	{ "regex.replace", "[\"foo\", \"(foo)\", \"$1$1\"]", OK, "\"foofoo\"" },
	{ "regex.replace", "[\"John Smith\", \"(?P<first>\\\\w+) (?P<last>\\\\w+)\", \"${last}, $first\"]", OK, "\"Smith, John\"" },
	{ "regex.replace", "[\"ab\", \"(a)\", \"$1x|${1}x|$$|$|$9\"]", OK, "\"|ax|$|$|b\"" },
	{ "regex.replace", "[\"ab\", \"(?P<x>z)|(?P<x>a)\", \"[$x]\"]", OK, "\"[a]b\"" },
	{ "regex.replace", "[\"ab\", \"(?:(a)|b)+\", \"<$1>\"]", OK, "\"<a>\"" },
	{ "regex.replace", "[\"abc\", \"x*\", \"-\"]", OK, "\"-a-b-c-\"" },
	{ "regex.replace", "[\"abc\", \"b*\", \"X\"]", OK, "\"XaXcX\"" },
	{ "regex.replace", "[\"aaa\", \"^a\", \"b\"]", OK, "\"baa\"" },
	{ "regex.replace", "[\"héllo\", \"\", \"-\"]", OK, "\"-h-é-l-l-o-\"" },
	{ "regex.replace", "[\"foo\", \"[\", \"$1\"]", ERR, "regex.replace: error parsing regexp: missing closing ]: `[`" },
	{ "regex.replace", "[\"foo\", \"o\", 1]", TYPE, "regex.replace: operand 3 must be string but got number" },
};

/* A backtracking pattern that RE2 would run in linear time must stop with
 * an error, not hang, however long the subject. */
static void test_regex_limits(void)
{
	struct rv_arena a;
	char *args, *got;
	enum rb_status st;
	size_t n = 300 * 22, i;

	args = malloc(n + 64);
	if (!args)
		return;
	strcpy(args, "[\"(a+)+$\", \"");
	for (i = 0; i < n; i++)
		args[12 + i] = i % 22 == 21 ? 'b' : 'a';
	strcpy(args + 12 + n, "\"]");
	rv_arena_init(&a, 0);
	st = call(&a, "regex.match", args, &got);
	CHECK_MSG(st == RB_ERROR && got &&
		  strcmp(got, "regex.match: regular expression match limit exceeded") == 0,
		  "got [%d] %s", st, got ? got : "(null)");
	free(got);
	rv_arena_free(&a);
	free(args);
}

/* Results count against the evaluation's memory budget. */
static void test_memory_limit(void)
{
	struct rv_arena a;
	char *got;
	enum rb_status st;

	rv_arena_init(&a, 64 * 1024);
	st = call(&a, "sprintf", "[\"%900000d\", [1]]", &got);
	CHECK_MSG(st == RB_ERROR && got && strstr(got, "memory limit"),
		  "got [%d] %s", st, got ? got : "(null)");
	free(got);
	rv_arena_free(&a);
}

/* Invalid UTF-8 (strings from base64.decode can hold any bytes) is decoded
 * as Go decodes it: one U+FFFD per bad byte. */
static void test_invalid_utf8(void)
{
	struct rv_arena a;
	struct rb_ctx c;
	struct rv *args[3], *out = NULL;
	const struct rb_def *d;

	rv_arena_init(&a, 0);
	memset(&c, 0, sizeof(c));
	c.arena = &a;

	d = rb_lookup("upper", 5);
	c.name = d->name;
	args[0] = rv_string(&a, "\xff" "é", 3);
	CHECK(d->fn(&c, args, &out) == RB_OK && out->u.str.len == 5 &&
	      memcmp(out->u.str.s, "\xef\xbf\xbd" "\xc3\x89", 5) == 0);

	d = rb_lookup("indexof", 7);
	c.name = d->name;
	args[0] = rv_string(&a, "a\xffz", 3);
	args[1] = rv_cstring(&a, "z");
	CHECK(d->fn(&c, args, &out) == RB_OK && out->u.num.i == 2);

	/* a regex sees U+FFFD and the result slices the input */
	d = rb_lookup("regex.match", 11);
	c.name = d->name;
	args[0] = rv_cstring(&a, "^a.z$");
	args[1] = rv_string(&a, "a\xffz", 3);
	CHECK(d->fn(&c, args, &out) == RB_OK && out->u.b);

	d = rb_lookup("regex.find_n", 12);
	c.name = d->name;
	args[0] = rv_cstring(&a, "[^a]");
	args[1] = rv_string(&a, "a\xff\xc3z", 4);
	args[2] = rv_int(&a, -1);
	CHECK(d->fn(&c, args, &out) == RB_OK && out->u.arr.n == 3 &&
	      out->u.arr.v[0]->u.str.len == 1 &&
	      (unsigned char)out->u.arr.v[0]->u.str.s[0] == 0xff &&
	      out->u.arr.v[1]->u.str.len == 1 &&
	      (unsigned char)out->u.arr.v[1]->u.str.s[0] == 0xc3);

	d = rb_lookup("regex.replace", 13);
	c.name = d->name;
	args[0] = rv_string(&a, "x\xffy", 3);
	args[1] = rv_cstring(&a, "\xef\xbf\xbd");
	args[2] = rv_cstring(&a, "-");
	CHECK(d->fn(&c, args, &out) == RB_OK && out->u.str.len == 3 &&
	      memcmp(out->u.str.s, "x-y", 3) == 0);
	rv_arena_free(&a);
}

int main(void)
{
	CHECK(rb_lookup("nonexistent.builtin", 19) == NULL);
	RUN(strings_basic);
	RUN(strings_trim);
	RUN(strings_replace);
	RUN(strings_runes);
	RUN(strings_match);
	RUN(strings_format_int);
	RUN(sprintf_cases);
	RUN(regex_cases);
	test_regex_limits();
	test_memory_limit();
	test_invalid_utf8();
	return test_summary();
}
