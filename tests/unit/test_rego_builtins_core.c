/* test_rego_builtins_core.c - the core built-ins (operators, aggregates,
 * sets, arrays, objects, types, to_number, membership) against the results
 * and error texts OPA gives for the same calls.
 *
 * Cases are data: a built-in, its arguments as JSON, and the expected
 * outcome. In arguments, {"$set": [...]} is a set and {"$obj": [[k, v],
 * ...]} an object with keys of any type. Outcomes print values Rego-style
 * (sets as {1,2}, the empty set as set()), or "undefined", or "error: " /
 * "type error: " and the full message. */
#include <stdlib.h>
#include "builtins.h"
#include "test.h"

struct tcase {
	const char *fn;
	const char *args[3];
	const char *want;
};

#define ZEROS10 "0000000000"
#define ZEROS99 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 ZEROS10 "000000000"
#define ZEROS100 ZEROS99 "0"

static const struct tcase cases[] = {
	/* ---- comparison: any types, OPA's total order ---- */
	{ "equal", { "1", "1.0" }, "true" },
	{ "equal", { "{\"a\":[1,{\"$set\":[2]}]}", "{\"a\":[1,{\"$set\":[2]}]}" }, "true" },
	{ "equal", { "\"1\"", "1" }, "false" },
	{ "neq", { "1", "2" }, "true" },
	{ "neq", { "[]", "[]" }, "false" },
	{ "lt", { "1", "\"a\"" }, "true" },
	{ "lt", { "null", "false" }, "true" },
	{ "lt", { "[1,2]", "[1,2,0]" }, "true" },
	{ "lt", { "2", "1.5" }, "false" },
	{ "lte", { "2", "2.0" }, "true" },
	{ "gt", { "{\"$set\":[]}", "{}" }, "true" },
	{ "gt", { "{}", "[]" }, "true" },
	{ "gte", { "\"b\"", "\"a\"" }, "true" },
	{ "gte", { "\"a\"", "\"ab\"" }, "false" },

	/* ---- plus, mul: exact on integers, OPA's precision otherwise ---- */
	{ "plus", { "1", "2" }, "3" },
	{ "plus", { "1", "2.5" }, "3.5" },
	{ "plus", { "1.5", "2.5" }, "4" },
	{ "plus", { "0.1", "0.2" }, "0.3" }, /* as OPA, not as doubles */
	{ "plus", { "2147483647", "1" }, "2147483648" },
	{ "plus", { "9223372036854775807", "1" }, "9223372036854775808" },
	{ "plus", { "1e30", "1" }, "1000000000000000000000000000001" },
	{ "plus", { "-18446744073709551616", "18446744073709551616" }, "0" },
	{ "plus", { "1.5", "18446744073709551616" }, "18446744073709551618" }, /* 64-bit mantissa */
	{ "plus", { "1e300", "-1e300" }, "0" },
	{ "plus", { "\"1\"", "2" }, "type error: plus: operand 1 must be number but got string" },
	{ "plus", { "1", "null" }, "type error: plus: operand 2 must be number but got null" },
	{ "mul", { "3", "-4" }, "-12" },
	{ "mul", { "2.5", "2" }, "5" },
	{ "mul", { "0.1", "3" }, "0.3" },
	{ "mul", { "2147483647", "2147483647" }, "4611686014132420609" },
	{ "mul", { "-2147483648", "-2147483648" }, "4611686018427387904" },
	{ "mul", { "4611686018427387904", "2" }, "9223372036854775808" },
	{ "mul", { "-18446744073709551616", "18446744073709551616" }, "-340282366920938463463374607431768211456" },
	{ "mul", { "[]", "2" }, "type error: mul: operand 1 must be number but got array" },

	/* ---- minus: numbers, and set difference ---- */
	{ "minus", { "5", "7" }, "-2" },
	{ "minus", { "-9223372036854775808", "1" }, "-9223372036854775809" },
	{ "minus", { "-9223372036854775808", "2048" }, "-9223372036854777856" },
	{ "minus", { "18446744073709551616", "18446744073709551615" }, "1" },
	{ "minus", { "0.3", "0.1" }, "0.20000000000000000002" }, /* as OPA */
	{ "minus", { "{\"$set\":[1,2,3]}", "{\"$set\":[2,4]}" }, "{1,3}" },
	{ "minus", { "{\"$set\":[1]}", "{\"$set\":[1]}" }, "set()" },
	{ "minus", { "{\"$set\":[1]}", "1" }, "type error: minus: operand 2 must be set but got number" },
	{ "minus", { "1", "{\"$set\":[1]}" }, "type error: minus: operand 2 must be number but got set" },
	{ "minus", { "{\"$set\":[1]}", "\"x\"" }, "type error: minus: operand 2 must be number but got string" },
	{ "minus", { "\"a\"", "1" }, "type error: minus: operand 1 must be one of {number, set} but got string" },

	/* ---- div: exact when the divisor divides, else a fraction ---- */
	{ "div", { "6", "3" }, "2" },
	{ "div", { "-6", "3" }, "-2" },
	{ "div", { "1", "4" }, "0.25" },
	{ "div", { "7", "-2" }, "-3.5" },
	{ "div", { "0", "5" }, "0" },
	{ "div", { "1", "3" }, "0.33333333333333333334" },
	{ "div", { "1234567", "2" }, "617283.5" },
	{ "div", { "2469135", "2" }, "1.2345675e+06" },
	{ "div", { "1", "100000" }, "1e-05" },
	{ "div", { "0", "-5" }, "-0" },
	/* past the long doubles: an error, never a wrong value */
	{ "mul", { "1e-30101", "1" }, "error: mul: numeric result out of range" },
	{ "mul", { "1e-3000", "1e-3000" }, "error: mul: numeric result out of range" },
	{ "mul", { "1e-4000", "1e-900" }, "1e-4900" },
	{ "div", { "1", "1e-30101" }, "error: div: numeric result out of range" },
	{ "plus", { "1e30101", "0.5" }, "error: plus: numeric result out of range" },
	{ "abs", { "1e-30101" }, "error: abs: numeric result out of range" },
	{ "product", { "[1e-3000,1e-3000]" }, "error: product: numeric result out of range" },
	{ "div", { "-0", "2.5" }, "-0" },   /* the literal's sign counts */
	{ "mul", { "-0.0", "-1.5" }, "0" },
	{ "div", { "1e300", "1" }, "1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" },
	{ "div", { "18446744073709551616", "2" }, "9223372036854775808" },
	{ "div", { "1.5", "0.5" }, "3" },
	{ "div", { "-9223372036854775808", "-1" }, "9223372036854775808" },
	{ "div", { "1", "0" }, "error: div: divide by zero" },
	{ "div", { "1", "0.0" }, "error: div: divide by zero" },
	{ "div", { "2.5", "0" }, "error: div: divide by zero" },
	{ "div", { "1", "\"2\"" }, "type error: div: operand 2 must be number but got string" },

	/* ---- rem: integers only; sign of the dividend ---- */
	{ "rem", { "-17", "5" }, "-2" },
	{ "rem", { "17", "-5" }, "2" },
	{ "rem", { "4.0", "3" }, "1" },
	{ "rem", { "-9223372036854775808", "-1" }, "0" },
	{ "rem", { "10", "18446744073709551616" }, "10" },
	{ "rem", { "1e20", "7" }, "2" },
	{ "rem", { "-1e20", "7" }, "-2" },
	{ "rem", { "18446744073709551617", "18446744073709551616" }, "1" },
	{ "rem", { "-18446744073709551617", "10" }, "-7" },
	{ "rem", { "18446744073709551616", "0" }, "error: rem: modulo by zero" },
	{ "rem", { "18446744073709551616.5", "2" }, "error: rem: modulo on floating-point number" },
	{ "rem", { "2", "1e-400" }, "error: rem: modulo on floating-point number" },
	{ "rem", { "1e2000", "7" }, "error: rem: integers past 1024 digits are not supported" },
	{ "rem", { "1e1000", "7" }, "4" },
	{ "rem", { "5", "0" }, "error: rem: modulo by zero" },
	{ "rem", { "5.5", "2" }, "error: rem: modulo on floating-point number" },
	{ "rem", { "5", "0.5" }, "error: rem: modulo on floating-point number" },
	{ "rem", { "5.5", "0" }, "error: rem: modulo on floating-point number" },
	{ "rem", { "true", "1" }, "type error: rem: operand 1 must be number but got boolean" },

	/* ---- abs, round, ceil, floor ---- */
	{ "abs", { "-5" }, "5" },
	{ "abs", { "5" }, "5" },
	{ "abs", { "-2.5" }, "2.5" },
	{ "abs", { "-9223372036854775808" }, "9223372036854775808" },
	{ "abs", { "\"x\"" }, "type error: abs: operand 1 must be number but got string" },
	{ "round", { "2.5" }, "3" },
	{ "round", { "-2.5" }, "-3" },
	{ "round", { "2.4" }, "2" },
	{ "round", { "-0.4" }, "0" },
	{ "round", { "-5" }, "-5" },
	{ "round", { "10.00" }, "10" },
	{ "round", { "1e20" }, "100000000000000000000" },
	{ "round", { "1e30" }, "1000000000000000000024696061952" }, /* OPA's 64-bit float, exactly */
	{ "round", { "null" }, "type error: round: operand 1 must be number but got null" },
	{ "ceil", { "1.2" }, "2" },
	{ "ceil", { "-1.2" }, "-1" },
	{ "ceil", { "3" }, "3" },
	{ "ceil", { "-0.5" }, "1" }, /* OPA's arithCeil, quirk and all */
	{ "floor", { "1.8" }, "1" },
	{ "floor", { "-1.2" }, "-2" },
	{ "floor", { "-0.5" }, "0" }, /* likewise */
	{ "floor", { "[]" }, "type error: floor: operand 1 must be number but got array" },

	/* ---- numbers.range, numbers.range_step ---- */
	{ "numbers.range", { "-2", "3" }, "[-2,-1,0,1,2,3]" },
	{ "numbers.range", { "2", "-3" }, "[2,1,0,-1,-2,-3]" },
	{ "numbers.range", { "5", "5" }, "[5]" },
	{ "numbers.range", { "-9223372036854775808", "-9223372036854775807" },
	  "[-9223372036854775808,-9223372036854775807]" },
	{ "numbers.range", { "9223372036854775807", "9223372036854775806" },
	  "[9223372036854775807,9223372036854775806]" },
	{ "numbers.range", { "1.5", "3" }, "type error: numbers.range: operand 1 must be integer number but got floating-point number" },
	{ "numbers.range", { "\"a\"", "1" }, "type error: numbers.range: operand 1 must be integer but got string" },
	{ "numbers.range", { "1", "null" }, "type error: numbers.range: operand 2 must be integer but got null" },
	{ "numbers.range_step", { "0", "10", "3" }, "[0,3,6,9]" },
	{ "numbers.range_step", { "10", "0", "4" }, "[10,6,2]" },
	{ "numbers.range_step", { "0", "0", "5" }, "[0]" },
	{ "numbers.range_step", { "-9223372036854775808", "9223372036854775807", "9223372036854775807" },
	  "[-9223372036854775808,-1,9223372036854775806]" },
	{ "numbers.range_step", { "0", "1", "0" }, "error: numbers.range_step: numbers.range_step: step must be a positive integer" },
	{ "numbers.range_step", { "0", "1", "-1" }, "error: numbers.range_step: numbers.range_step: step must be a positive integer" },
	{ "numbers.range_step", { "0", "1", "0.5" }, "type error: numbers.range_step: operand 3 must be integer number but got floating-point number" },
	{ "numbers.range_step", { "0", "\"1\"", "1" }, "type error: numbers.range_step: operand 2 must be integer but got string" },

	/* ---- count: runes, elements, members, keys ---- */
	{ "count", { "\"h\\u00e9llo\"" }, "5" },
	{ "count", { "\"\\ud83d\\ude00!\"" }, "2" },
	{ "count", { "\"\"" }, "0" },
	{ "count", { "[1,[2,3]]" }, "2" },
	{ "count", { "{\"a\":1,\"b\":2}" }, "2" },
	{ "count", { "{\"$set\":[1,1,2]}" }, "2" },
	{ "count", { "1" }, "type error: count: operand 1 must be one of {array, object, set, string} but got number" },

	/* ---- sum, product ---- */
	{ "sum", { "[1,2,3]" }, "6" },
	{ "sum", { "[]" }, "0" },
	{ "sum", { "[1.5,2.5]" }, "4" },
	{ "sum", { "[0.1,0.2]" }, "0.3" },
	{ "sum", { "{\"$set\":[1,2]}" }, "3" },
	{ "sum", { "[9223372036854775807,1,-2]" }, "9223372036854775806" },
	{ "sum", { "[9223372036854775807,1]" }, "9223372036854775808" },
	{ "sum", { "[18446744073709551616,-18446744073709551616,1]" }, "1" },
	{ "sum", { "[18446744073709551616,0.5]" }, "18446744073709551616" }, /* a float */
	{ "sum", { "[0.1,1e-400]" }, "0.1" },
	{ "product", { "[1e-400,2]" }, "2e-400" },
	{ "sum", { "[1,\"a\"]" }, "type error: sum: operand 1 must be array of numbers but got array containing string" },
	{ "sum", { "{\"$set\":[1,\"a\"]}" }, "type error: sum: operand 1 must be set of numbers but got set containing string" },
	{ "sum", { "\"12\"" }, "type error: sum: operand 1 must be one of {set, array} but got string" },
	{ "product", { "[2,3,4]" }, "24" },
	{ "product", { "[]" }, "1" },
	{ "product", { "{\"$set\":[]}" }, "1" },
	{ "product", { "[2,0.5]" }, "1" },
	{ "product", { "[4294967296,4294967296]" }, "18446744073709551616" },
	/* a float64's precision, OPA's big.NewFloat(1); printed with Go's
	 * shortest-digit walk, which keeps ...360 where ...370 would do */
	{ "product", { "[391.82,-2147483648,-373971.4434771526]" }, "314669685836223940" },
	{ "product", { "[-323.8469,121784440342564226010735023311,8.817e-15]" }, "-347738190292978360" },
	{ "product", { "[1e200,1e200,1.5]" }, "15" ZEROS100 ZEROS100 ZEROS100 ZEROS99 },
	{ "product", { "[1,null]" }, "type error: product: operand 1 must be array of numbers but got array containing null" },
	{ "product", { "{}" }, "type error: product: operand 1 must be one of {set, array} but got object" },

	/* ---- max, min: any values; undefined when empty ---- */
	{ "max", { "[1,3,2]" }, "3" },
	{ "max", { "[1,\"a\",null]" }, "\"a\"" },
	{ "max", { "{\"$set\":[1,5]}" }, "5" },
	{ "max", { "[]" }, "undefined" },
	{ "max", { "{\"$set\":[]}" }, "undefined" },
	{ "max", { "1" }, "type error: max: operand 1 must be one of {set, array} but got number" },
	{ "min", { "[3,1,2]" }, "1" },
	{ "min", { "{\"$set\":[2,1]}" }, "1" },
	{ "min", { "[]" }, "undefined" },
	{ "min", { "\"x\"" }, "type error: min: operand 1 must be one of {set, array} but got string" },

	/* ---- sort: arrays and sets to a sorted array ---- */
	{ "sort", { "[3,1,2]" }, "[1,2,3]" },
	{ "sort", { "[\"b\",1,null,[0],{}]" }, "[null,1,\"b\",[0],{}]" },
	{ "sort", { "{\"$set\":[3,1]}" }, "[1,3]" },
	{ "sort", { "[]" }, "[]" },
	{ "sort", { "{}" }, "type error: sort: operand 1 must be one of {set, array} but got object" },

	/* ---- sets ---- */
	{ "or", { "{\"$set\":[1,2]}", "{\"$set\":[2,3]}" }, "{1,2,3}" },
	{ "or", { "{\"$set\":[]}", "{\"$set\":[\"a\"]}" }, "{\"a\"}" },
	{ "or", { "[1]", "{\"$set\":[]}" }, "type error: or: operand 1 must be set but got array" },
	{ "and", { "{\"$set\":[1,2,3]}", "{\"$set\":[2,3,4]}" }, "{2,3}" },
	{ "and", { "{\"$set\":[1]}", "{\"$set\":[2]}" }, "set()" },
	{ "and", { "{\"$set\":[]}", "1" }, "type error: and: operand 2 must be set but got number" },
	{ "intersection", { "{\"$set\":[{\"$set\":[1,2,3]},{\"$set\":[2,3,4]},{\"$set\":[3,2]}]}" }, "{2,3}" },
	{ "intersection", { "{\"$set\":[{\"$set\":[1]}]}" }, "{1}" },
	{ "intersection", { "{\"$set\":[]}" }, "set()" },
	{ "intersection", { "{\"$set\":[1]}" }, "type error: intersection: operand 1 must be set but got number" },
	{ "intersection", { "[]" }, "type error: intersection: operand 1 must be set but got array" },
	{ "union", { "{\"$set\":[{\"$set\":[1,2]},{\"$set\":[4,3]},{\"$set\":[]}]}" }, "{1,2,3,4}" },
	{ "union", { "{\"$set\":[]}" }, "set()" },
	{ "union", { "{\"$set\":[{\"$set\":[1]},\"x\"]}" }, "type error: union: operand 1 must be set but got string" },

	/* ---- arrays ---- */
	{ "array.concat", { "[1]", "[2,3]" }, "[1,2,3]" },
	{ "array.concat", { "[]", "[1]" }, "[1]" },
	{ "array.concat", { "[1]", "[]" }, "[1]" },
	{ "array.concat", { "[1]", "{}" }, "type error: array.concat: operand 2 must be array but got object" },
	{ "array.slice", { "[1,2,3,4,5]", "1", "3" }, "[2,3]" },
	{ "array.slice", { "[1,2,3,4,5]", "-1", "10" }, "[1,2,3,4,5]" },
	{ "array.slice", { "[1,2,3,4,5]", "3", "1" }, "[]" },
	{ "array.slice", { "[1,2,3,4,5]", "1.0", "2" }, "[2]" },
	{ "array.slice", { "[1,2,3,4,5]", "1e0", "2" }, "type error: array.slice: operand 2 must be integer number but got floating-point number" },
	{ "array.slice", { "[1,2,3,4,5]", "5", "5" }, "[]" },
	{ "array.slice", { "[1,2,3,4,5]", "4", "-3" }, "[]" },
	{ "array.slice", { "[1,2]", "9223372036854775807", "9223372036854775807" }, "[]" },
	{ "array.slice", { "[1,2]", "1.5", "2" }, "type error: array.slice: operand 2 must be integer number but got floating-point number" },
	{ "array.slice", { "[1,2]", "0", "1e300" }, "type error: array.slice: operand 3 must be integer number but got floating-point number" },
	{ "array.slice", { "[1,2]", "\"1\"", "2" }, "type error: array.slice: operand 2 must be number but got string" },
	{ "array.slice", { "\"ab\"", "0", "1" }, "type error: array.slice: operand 1 must be array but got string" },
	{ "array.reverse", { "[1,[2],3]" }, "[3,[2],1]" },
	{ "array.reverse", { "[]" }, "[]" },
	{ "array.reverse", { "{\"$set\":[1]}" }, "type error: array.reverse: operand 1 must be array but got set" },

	/* ---- object.get: a key, or an array path; never undefined ---- */
	{ "object.get", { "{\"a\":{\"b\":1}}", "\"a\"", "0" }, "{\"b\":1}" },
	{ "object.get", { "{\"a\":1}", "\"x\"", "\"d\"" }, "\"d\"" },
	{ "object.get", { "{\"a\":false}", "\"a\"", "true" }, "false" },
	{ "object.get", { "{\"a\":{\"b\":[10,20]}}", "[\"a\",\"b\",1]", "0" }, "20" },
	{ "object.get", { "{\"a\":{\"b\":[10,20]}}", "[\"a\",\"b\",2]", "0" }, "0" },
	{ "object.get", { "{\"a\":{\"b\":[10,20]}}", "[\"a\",\"b\",\"1\"]", "0" }, "0" },
	{ "object.get", { "{\"a\":{\"b\":1}}", "[\"a\",\"c\"]", "\"d\"" }, "\"d\"" },
	{ "object.get", { "{\"a\":{\"b\":1}}", "[]", "0" }, "{\"a\":{\"b\":1}}" },
	{ "object.get", { "{\"a\":{\"$set\":[\"x\"]}}", "[\"a\",\"x\"]", "0" }, "\"x\"" },
	{ "object.get", { "{\"a\":\"str\"}", "[\"a\",0]", "0" }, "0" },
	{ "object.get", { "{\"$obj\":[[1,\"one\"],[[1],\"list\"]]}", "1", "0" }, "\"one\"" },
	{ "object.get", { "{\"$obj\":[[1,\"one\"],[[1],\"list\"]]}", "[1]", "0" }, "\"one\"" },
	{ "object.get", { "[]", "\"a\"", "0" }, "type error: object.get: operand 1 must be object but got array" },

	/* ---- object.keys ---- */
	{ "object.keys", { "{\"b\":1,\"a\":2}" }, "{\"a\",\"b\"}" },
	{ "object.keys", { "{}" }, "set()" },
	{ "object.keys", { "[]" }, "type error: object.keys: operand 1 must be object but got array" },

	/* ---- object.union, object.union_n: right wins, objects merge ---- */
	{ "object.union", { "{\"a\":1,\"b\":{\"c\":1}}", "{\"b\":{\"d\":2},\"e\":3}" },
	  "{\"a\":1,\"b\":{\"c\":1,\"d\":2},\"e\":3}" },
	{ "object.union", { "{\"a\":{\"b\":1}}", "{\"a\":2}" }, "{\"a\":2}" },
	{ "object.union", { "{\"a\":2}", "{\"a\":{\"b\":1}}" }, "{\"a\":{\"b\":1}}" },
	{ "object.union", { "{\"a\":1}", "{}" }, "{\"a\":1}" },
	{ "object.union", { "{}", "{\"a\":1}" }, "{\"a\":1}" },
	{ "object.union", { "\"x\"", "{}" }, "type error: object.union: operand 1 must be object but got string" },
	{ "object.union", { "{}", "1" }, "type error: object.union: operand 2 must be object but got number" },
	{ "object.union_n", { "[{\"a\":{\"b\":2}},{\"a\":4},{\"a\":{\"c\":3}}]" }, "{\"a\":{\"c\":3}}" },
	{ "object.union_n", { "[{\"a\":{\"b\":2}},{\"a\":{\"c\":3}},{\"d\":1}]" }, "{\"a\":{\"b\":2,\"c\":3},\"d\":1}" },
	{ "object.union_n", { "[{\"a\":1},{\"b\":2},{\"a\":3}]" }, "{\"a\":3,\"b\":2}" },
	{ "object.union_n", { "[]" }, "{}" },
	{ "object.union_n", { "[{\"a\":1},2,\"x\"]" }, "type error: object.union_n: operand 1 must be array of objects but got array containing string" },
	{ "object.union_n", { "{}" }, "type error: object.union_n: operand 1 must be array but got object" },

	/* ---- object.remove, object.filter: keys as array, set or object ---- */
	{ "object.remove", { "{\"a\":1,\"b\":2,\"c\":3}", "[\"a\",\"c\",\"z\"]" }, "{\"b\":2}" },
	{ "object.remove", { "{\"a\":1,\"b\":2,\"c\":3}", "{\"$set\":[\"b\"]}" }, "{\"a\":1,\"c\":3}" },
	{ "object.remove", { "{\"a\":1,\"b\":2,\"c\":3}", "{\"a\":0}" }, "{\"b\":2,\"c\":3}" },
	{ "object.remove", { "{\"a\":1}", "[\"a\"]" }, "{}" },
	{ "object.remove", { "{\"a\":1}", "\"a\"" }, "type error: object.remove: operand 2 must be one of {object, set, array} but got string" },
	{ "object.remove", { "[]", "[]" }, "type error: object.remove: operand 1 must be object but got array" },
	{ "object.filter", { "{\"a\":1,\"b\":2,\"c\":3}", "[\"a\",\"x\"]" }, "{\"a\":1}" },
	{ "object.filter", { "{\"a\":1,\"b\":2,\"c\":3}", "{\"$set\":[]}" }, "{}" },
	{ "object.filter", { "{\"a\":1,\"b\":2,\"c\":3}", "{\"b\":null,\"c\":1}" }, "{\"b\":2,\"c\":3}" },
	{ "object.filter", { "{\"a\":1}", "1" }, "type error: object.filter: operand 2 must be one of {object, set, array} but got number" },

	/* ---- types: false, not undefined ---- */
	{ "is_number", { "1.5" }, "true" },
	{ "is_number", { "\"1\"" }, "false" },
	{ "is_string", { "\"\"" }, "true" },
	{ "is_string", { "null" }, "false" },
	{ "is_boolean", { "false" }, "true" },
	{ "is_boolean", { "0" }, "false" },
	{ "is_array", { "[]" }, "true" },
	{ "is_array", { "{\"$set\":[]}" }, "false" },
	{ "is_set", { "{\"$set\":[]}" }, "true" },
	{ "is_set", { "[]" }, "false" },
	{ "is_object", { "{}" }, "true" },
	{ "is_object", { "[]" }, "false" },
	{ "is_null", { "null" }, "true" },
	{ "is_null", { "false" }, "false" },
	{ "type_name", { "null" }, "\"null\"" },
	{ "type_name", { "true" }, "\"boolean\"" },
	{ "type_name", { "1" }, "\"number\"" },
	{ "type_name", { "\"\"" }, "\"string\"" },
	{ "type_name", { "[]" }, "\"array\"" },
	{ "type_name", { "{}" }, "\"object\"" },
	{ "type_name", { "{\"$set\":[]}" }, "\"set\"" },

	/* ---- to_number: Go's ParseFloat syntax, no spaces ---- */
	{ "to_number", { "null" }, "0" },
	{ "to_number", { "true" }, "1" },
	{ "to_number", { "false" }, "0" },
	{ "to_number", { "-5.5" }, "-5.5" },
	{ "to_number", { "\"10\"" }, "10" },
	{ "to_number", { "\"-3.5\"" }, "-3.5" },
	{ "to_number", { "\"1e3\"" }, "1e3" },   /* OPA keeps the string */
	{ "to_number", { "\"1E-2\"" }, "1E-2" },
	{ "to_number", { "\"+7\"" }, "7" },
	{ "to_number", { "\"-0\"" }, "-0" },    /* checked with opa 1.22.4 */
	{ "to_number", { "\"00012\"" }, "12" },
	{ "to_number", { "\".5\"" }, "0.5" },
	{ "to_number", { "\"5.\"" }, "5" },
	{ "to_number", { "\"0x10p0\"" }, "16" },
	{ "to_number", { "\"0X1P-2\"" }, "0.25" },
	{ "to_number", { "\"1_000.5\"" }, "1000.5" },
	{ "to_number", { "\"0x_1p4\"" }, "16" },
	{ "to_number", { "\"9223372036854775807\"" }, "9223372036854775807" },
	{ "to_number", { "\"9223372036854775808\"" }, "9223372036854775808" },
	{ "to_number", { "\"1e-400\"" }, "1e-400" },
	{ "to_number", { "\" 1\"" }, "error: to_number: strconv.ParseFloat: parsing \" 1\": invalid syntax" },
	{ "to_number", { "\"1\\n\"" }, "error: to_number: strconv.ParseFloat: parsing \"1\\n\": invalid syntax" },
	{ "to_number", { "\"\"" }, "error: to_number: strconv.ParseFloat: parsing \"\": invalid syntax" },
	{ "to_number", { "\"abc\"" }, "error: to_number: strconv.ParseFloat: parsing \"abc\": invalid syntax" },
	{ "to_number", { "\"\\\"q\\\\\"" }, "error: to_number: strconv.ParseFloat: parsing \"\\\"q\\\\\": invalid syntax" },
	{ "to_number", { "\"\\u00e9\\u0085\"" }, "error: to_number: strconv.ParseFloat: parsing \"\u00e9\\u0085\": invalid syntax" },
	{ "to_number", { "\"1.2.3\"" }, "error: to_number: strconv.ParseFloat: parsing \"1.2.3\": invalid syntax" },
	{ "to_number", { "\"--1\"" }, "error: to_number: strconv.ParseFloat: parsing \"--1\": invalid syntax" },
	{ "to_number", { "\"_1\"" }, "error: to_number: strconv.ParseFloat: parsing \"_1\": invalid syntax" },
	{ "to_number", { "\"1__0\"" }, "error: to_number: strconv.ParseFloat: parsing \"1__0\": invalid syntax" },
	{ "to_number", { "\"1_\"" }, "error: to_number: strconv.ParseFloat: parsing \"1_\": invalid syntax" },
	{ "to_number", { "\"1_.5\"" }, "error: to_number: strconv.ParseFloat: parsing \"1_.5\": invalid syntax" },
	{ "to_number", { "\"0x10\"" }, "error: to_number: strconv.ParseFloat: parsing \"0x10\": invalid syntax" },
	{ "to_number", { "\"1e\"" }, "error: to_number: strconv.ParseFloat: parsing \"1e\": invalid syntax" },
	{ "to_number", { "\"1e+\"" }, "error: to_number: strconv.ParseFloat: parsing \"1e+\": invalid syntax" },
	{ "to_number", { "\".\"" }, "error: to_number: strconv.ParseFloat: parsing \".\": invalid syntax" },
	{ "to_number", { "\"1e400\"" }, "error: to_number: strconv.ParseFloat: parsing \"1e400\": value out of range" },
	{ "to_number", { "\"-1e400\"" }, "error: to_number: strconv.ParseFloat: parsing \"-1e400\": value out of range" },
	{ "to_number", { "\"inf\"" }, "type error: to_number: operand 1 must be valid number string but got string" },
	{ "to_number", { "\"-Infinity\"" }, "type error: to_number: operand 1 must be valid number string but got string" },
	{ "to_number", { "\"+-NaN\"" }, "type error: to_number: operand 1 must be valid number string but got string" },
	{ "to_number", { "[]" }, "type error: to_number: operand 1 must be one of {null, boolean, number, string} but got array" },

	/* ---- membership: booleans, never undefined ---- */
	{ "internal.member_2", { "1", "[1,2]" }, "true" },
	{ "internal.member_2", { "3", "[1,2]" }, "false" },
	{ "internal.member_2", { "1.0", "[1]" }, "true" },
	{ "internal.member_2", { "1", "{\"$set\":[1]}" }, "true" },
	{ "internal.member_2", { "1", "{\"a\":1}" }, "true" },
	{ "internal.member_2", { "\"a\"", "{\"a\":1}" }, "false" },
	{ "internal.member_2", { "\"a\"", "\"abc\"" }, "false" },
	{ "internal.member_2", { "null", "null" }, "false" },
	{ "internal.member_3", { "0", "\"a\"", "[\"a\"]" }, "true" },
	{ "internal.member_3", { "1", "\"a\"", "[\"a\"]" }, "false" },
	{ "internal.member_3", { "\"0\"", "\"a\"", "[\"a\"]" }, "false" },
	{ "internal.member_3", { "\"x\"", "1", "{\"x\":1}" }, "true" },
	{ "internal.member_3", { "\"x\"", "2", "{\"x\":1}" }, "false" },
	{ "internal.member_3", { "1", "1", "{\"$set\":[1]}" }, "true" },
	{ "internal.member_3", { "1", "2", "{\"$set\":[1]}" }, "false" },
	{ "internal.member_3", { "0", "\"a\"", "\"abc\"" }, "false" },
};

/* ---- values in ---- */

static struct rv *conv(struct rv_arena *a, struct rv *v);

static struct rv *conv_pairs(struct rv_arena *a, const struct rv *pairs)
{
	struct rv_builder b;
	size_t i;

	rv_builder_init(&b, a);
	for (i = 0; i < pairs->u.arr.n; i++) {
		const struct rv *p = pairs->u.arr.v[i];

		if (p->type != RV_ARRAY || p->u.arr.n != 2)
			return NULL;
		rv_builder_put(&b, conv(a, p->u.arr.v[0]), conv(a, p->u.arr.v[1]));
	}
	return rv_object_finish(&b, NULL);
}

/* JSON with {"$set": [...]} and {"$obj": [[k, v], ...]} made real. */
static struct rv *conv(struct rv_arena *a, struct rv *v)
{
	struct rv_builder b;
	struct rv *inner;
	size_t i;

	if (!v)
		return NULL;
	rv_builder_init(&b, a);
	switch (v->type) {
	case RV_ARRAY:
		for (i = 0; i < v->u.arr.n; i++)
			rv_builder_add(&b, conv(a, v->u.arr.v[i]));
		return rv_array_finish(&b);
	case RV_OBJECT:
		if ((inner = rv_object_getc(v, "$set")) && v->u.obj.n == 1) {
			for (i = 0; i < inner->u.arr.n; i++)
				rv_builder_add(&b, conv(a, inner->u.arr.v[i]));
			return rv_set_finish(&b);
		}
		if ((inner = rv_object_getc(v, "$obj")) && v->u.obj.n == 1)
			return conv_pairs(a, inner);
		for (i = 0; i < v->u.obj.n; i++)
			rv_builder_put(&b, v->u.obj.k[i], conv(a, v->u.obj.v[i]));
		return rv_object_finish(&b, NULL);
	default:
		return v;
	}
}

static struct rv *V(struct rv_arena *a, const char *json)
{
	struct eaa_err err;
	struct rv *v = rv_from_json(a, json, strlen(json), &err);

	if (!v)
		fprintf(stderr, "bad test JSON %s: %s\n", json, err.msg);
	return conv(a, v);
}

/* ---- values out, Rego-style ---- */

static void show(struct rv_buf *b, const struct rv *v)
{
	size_t i;

	switch (v->type) {
	case RV_ARRAY:
	case RV_SET:
		if (v->type == RV_SET && v->u.arr.n == 0) {
			rv_buf_puts(b, "set()", 5);
			break;
		}
		rv_buf_puts(b, v->type == RV_SET ? "{" : "[", 1);
		for (i = 0; i < v->u.arr.n; i++) {
			if (i)
				rv_buf_puts(b, ",", 1);
			show(b, v->u.arr.v[i]);
		}
		rv_buf_puts(b, v->type == RV_SET ? "}" : "]", 1);
		break;
	case RV_OBJECT:
		rv_buf_puts(b, "{", 1);
		for (i = 0; i < v->u.obj.n; i++) {
			if (i)
				rv_buf_puts(b, ",", 1);
			show(b, v->u.obj.k[i]);
			rv_buf_puts(b, ":", 1);
			show(b, v->u.obj.v[i]);
		}
		rv_buf_puts(b, "}", 1);
		break;
	default:
		rv_buf_json(b, v, false, 0);
	}
}

/* Call fn on already built arguments; the outcome as text (malloc'd). */
static char *call_args(struct rv_arena *a, const char *fn, struct rv **args,
		       unsigned n)
{
	const struct rb_def *d = rb_lookup(fn, strlen(fn));
	struct rb_ctx c = { .arena = a, .name = fn };
	struct rv_buf b = { 0 };
	struct rv *out = NULL;

	if (!d)
		return strdup("no such built-in");
	if (d->nargs != n)
		return strdup("wrong number of arguments");
	switch (d->fn(&c, args, &out)) {
	case RB_OK:
		show(&b, out);
		break;
	case RB_UNDEFINED:
		rv_buf_puts(&b, "undefined", 9);
		break;
	case RB_ERROR:
		rv_buf_puts(&b, "error: ", 7);
		rv_buf_puts(&b, c.msg, strlen(c.msg));
		break;
	case RB_TYPE_ERROR:
		rv_buf_puts(&b, "type error: ", 12);
		rv_buf_puts(&b, c.msg, strlen(c.msg));
		break;
	}
	return b.failed ? NULL : b.p;
}

static void run_case(const struct tcase *t)
{
	struct rv_arena a;
	struct rv *args[3] = { 0 };
	unsigned n;
	char *got;

	rv_arena_init(&a, 0);
	for (n = 0; n < 3 && t->args[n]; n++)
		args[n] = V(&a, t->args[n]);
	got = call_args(&a, t->fn, args, n);
	CHECK_MSG(got && strcmp(got, t->want) == 0, "%s(%s%s%s%s%s):\n    got  %s\n    want %s",
		  t->fn, t->args[0] ? t->args[0] : "", t->args[1] ? ", " : "",
		  t->args[1] ? t->args[1] : "", t->args[2] ? ", " : "",
		  t->args[2] ? t->args[2] : "", got ? got : "(null)", t->want);
	free(got);
	rv_arena_free(&a);
}

/* A string argument with bytes JSON cannot carry. */
static bool string_case(const char *fn, const char *s, size_t n,
			const char *want)
{
	struct rv_arena a;
	struct rv *arg;
	char *got;
	bool ok;

	rv_arena_init(&a, 0);
	arg = rv_string(&a, s, n);
	got = call_args(&a, fn, &arg, 1);
	ok = got && strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "%s: got %s, want %s\n", fn, got ? got : "(null)", want);
	free(got);
	rv_arena_free(&a);
	return ok;
}

/* Invalid UTF-8 counts one rune per bad byte, as Go's []rune does. */
static void test_bytes(void)
{
	CHECK(string_case("count", "\xff" "a\xe2\x82", 4, "4"));
	CHECK(string_case("count", "\xed\xa0\x80", 3, "3"));  /* surrogate */
	CHECK(string_case("count", "\xc0\x80", 2, "2"));      /* overlong */
	CHECK(string_case("count", "\xf4\x90\x80\x80", 4, "4")); /* > U+10FFFF */
	CHECK(string_case("count", "\xf0\x9f\x98\x80\xef\xbf\xbd", 7, "2"));
	CHECK(string_case("count", "a\0b", 3, "3"));
	CHECK(string_case("to_number", "\xff" "1", 2,
			  "error: to_number: strconv.ParseFloat: parsing \"\\xff1\": invalid syntax"));
	CHECK(string_case("to_number", "1\0", 2,
			  "error: to_number: strconv.ParseFloat: parsing \"1\\x00\": invalid syntax"));
	CHECK(string_case("to_number", "\x7f\x01\t", 3,
			  "error: to_number: strconv.ParseFloat: parsing \"\\x7f\\x01\\t\": invalid syntax"));
}

/* Out of arena memory is an error, never a crash or a partial value. */
static void test_memory_limit(void)
{
	static const char *const big[][3] = {
		{ "numbers.range", "0", "100000" },
		{ "numbers.range", "-9223372036854775808", "9223372036854775807" },
		{ "array.concat", "[1,2,3,4,5,6,7,8]", "[1,2,3,4,5,6,7,8]" },
		{ "object.union", "{\"a\":1,\"b\":2}", "{\"c\":3}" },
	};
	struct rv_arena a;
	struct rv *args[2];
	size_t i;
	char *got, want[128];

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		rv_arena_init(&a, 0);
		args[0] = V(&a, big[i][1]);
		args[1] = V(&a, big[i][2]);
		a.limit = a.used + (i < 2 ? 4096 : 16); /* room for nothing big */
		got = call_args(&a, big[i][0], args, 2);
		snprintf(want, sizeof(want), "error: %s: evaluation memory limit reached",
			 big[i][0]);
		CHECK_MSG(got && strcmp(got, want) == 0, "%s: got %s", big[i][0],
			  got ? got : "(null)");
		free(got);
		rv_arena_free(&a);
	}
}

/* Every built-in this file owns is found under its OPA name. */
static void test_table(void)
{
	static const struct {
		const char *name;
		unsigned nargs;
	} names[] = {
		{ "equal", 2 }, { "neq", 2 }, { "lt", 2 }, { "lte", 2 },
		{ "gt", 2 }, { "gte", 2 }, { "plus", 2 }, { "minus", 2 },
		{ "mul", 2 }, { "div", 2 }, { "rem", 2 }, { "abs", 1 },
		{ "round", 1 }, { "ceil", 1 }, { "floor", 1 },
		{ "numbers.range", 2 }, { "numbers.range_step", 3 },
		{ "count", 1 }, { "sum", 1 }, { "product", 1 }, { "max", 1 },
		{ "min", 1 }, { "sort", 1 }, { "or", 2 }, { "and", 2 },
		{ "intersection", 1 }, { "union", 1 }, { "array.concat", 2 },
		{ "array.slice", 3 }, { "array.reverse", 1 },
		{ "object.get", 3 }, { "object.keys", 1 },
		{ "object.union", 2 }, { "object.union_n", 1 },
		{ "object.remove", 2 }, { "object.filter", 2 },
		{ "is_number", 1 }, { "is_string", 1 }, { "is_boolean", 1 },
		{ "is_array", 1 }, { "is_set", 1 }, { "is_object", 1 },
		{ "is_null", 1 }, { "type_name", 1 }, { "to_number", 1 },
		{ "internal.member_2", 2 }, { "internal.member_3", 3 },
	};
	const struct rb_def *d;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		d = rb_lookup(names[i].name, strlen(names[i].name));
		CHECK_MSG(d && d->nargs == names[i].nargs, "%s", names[i].name);
	}
	CHECK(rb_lookup("nonexistent.builtin", 19) == NULL);
	CHECK(rb_lookup("plus", 3) == NULL);
}

/* Results built from shared argument storage stay intact. */
static void test_sharing(void)
{
	struct rv_arena a;
	struct rv *args[3], *out;
	struct rb_ctx c = { .name = "array.slice" };

	rv_arena_init(&a, 0);
	c.arena = &a;
	args[0] = V(&a, "[1,2,3]");
	args[1] = V(&a, "1");
	args[2] = V(&a, "3");
	CHECK(rb_lookup("array.slice", 11)->fn(&c, args, &out) == RB_OK);
	CHECK(out->u.arr.n == 2 && out->u.arr.v[0]->u.num.i == 2);
	CHECK(args[0]->u.arr.n == 3 && args[0]->u.arr.v[0]->u.num.i == 1);
	rv_arena_free(&a);
}

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	test_bytes();
	test_memory_limit();
	test_table();
	test_sharing();
	return test_summary();
}
