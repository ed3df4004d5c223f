/* test_rego_builtins_data.c - the data built-ins: net.cidr_*, glob.*,
 * regex.globs_match, bits.*, graph.*, object.subset, strings.split_n,
 * json.remove/filter/patch, uuid.parse, uri.*, and walk (a relation, so
 * through the evaluator). OPA's results for ordinary and edge inputs, its
 * error messages, undefined results, type errors, and the bounds on hostile
 * inputs (patterns that would backtrack, networks too large to expand,
 * huge shifts, deep documents). */
#include <stdlib.h>
#include "builtins.h"
#include "eaa/rego.h"
#include "test.h"
#include "rb_check.h"

static const struct rbc_case net_cases[] = {
	{ "net.cidr_contains", { "\"10.0.0.0/8\"", "\"10.1.2.3\"" }, "true" },
	{ "net.cidr_contains", { "\"10.0.0.0/8\"", "\"10.1.0.0/24\"" }, "true" },
	{ "net.cidr_contains", { "\"172.17.0.0/24\"", "\"172.17.0.0/16\"" }, "false" },
	{ "net.cidr_contains", { "\"::/80\"", "\"::/80\"" }, "true" },
	{ "net.cidr_contains", { "\"::/0\"", "\"1.2.3.4\"" }, "false" },
	{ "net.cidr_contains", { "\"::ffff:0:0/96\"", "\"1.2.3.4\"" }, "true" },
	{ "net.cidr_contains", { "\"1.2.3.4/08\"", "\"1.2.3.4\"" }, "true" },
	{ "net.cidr_contains", { "\"01.2.3.4/8\"", "\"1.2.3.4\"" },
	  "!error: net.cidr_contains: invalid CIDR address: 01.2.3.4/8" },
	{ "net.cidr_contains", { "\"fe80::1%eth0/64\"", "\"fe80::1\"" },
	  "!error: net.cidr_contains: invalid CIDR address: fe80::1%eth0/64" },
	{ "net.cidr_contains", { "\"10.0.0.0/8\"", "\"x\"" },
	  "!error: net.cidr_contains: not a valid textual representation of an IP address or CIDR: x" },
	{ "net.cidr_contains", { "\"10.0.0.0/8\"", "1" },
	  "!type: net.cidr_contains: operand 1 must be string but got number" },
	{ "net.cidr_intersects", { "\"192.168.1.0/25\"", "\"192.168.1.64/25\"" }, "true" },
	{ "net.cidr_intersects", { "\"fd1e:5bfe:8af3:9ddc::/64\"", "\"2001:4860::/32\"" }, "false" },
	{ "net.cidr_is_valid", { "\"2002::1234:abcd:ffff:c0a8:101/64\"" }, "true" },
	{ "net.cidr_is_valid", { "\"192.168.1.2\"" }, "false" },
	{ "net.cidr_is_valid", { "\"1::2::3/4\"" }, "false" },
	{ "net.cidr_is_valid", { "1" }, "false" },
	{ "net.cidr_is_valid", { "\"1.2.3.4\\u0000x/8\"" }, "false" },
	{ "net.cidr_expand", { "\"192.168.1.1/30\"" },
	  "[\"192.168.1.0\",\"192.168.1.1\",\"192.168.1.2\",\"192.168.1.3\"]" },
	{ "net.cidr_expand", { "\"::ffff:1.2.3.0/127\"" }, "[\"1.2.3.0\",\"1.2.3.1\"]" },
	{ "net.cidr_expand", { "\"2001:db8::/127\"" }, "[\"2001:db8::\",\"2001:db8::1\"]" },
	{ "net.cidr_expand", { "\"192.168.1.1/33\"" },
	  "!error: net.cidr_expand: invalid CIDR address: 192.168.1.1/33" },
	{ "net.cidr_merge", { "[\"192.0.128.0/24\", \"192.0.129.0/24\"]" }, "[\"192.0.128.0/23\"]" },
	{ "net.cidr_merge", { "[\"192.0.2.112\"]" }, "[\"192.0.2.112/24\"]" },
	{ "net.cidr_merge", { "[\"10.2.3.4\", \"150.1.1.1\"]" }, "[\"10.2.3.4/8\",\"150.1.1.1/16\"]" },
	{ "net.cidr_merge", { "[\"1.2.3.0/24\",\"1.2.4.0/24\",\"1.2.5.0/24\",\"1.2.6.0/23\"]" },
	  "[\"1.2.3.0/24\",\"1.2.4.0/22\"]" },
	{ "net.cidr_merge", { "[\"::/1\", \"8000::/1\"]" }, "[\"::/0\"]" },
	{ "net.cidr_merge", { "[\"2001:db8:0:0:1:0:0:1/128\", \"2001:db8:0:0:1:0:0:0/128\"]" },
	  "[\"2001:db8:0:0:1::/127\"]" },
	{ "net.cidr_merge", { "[]" }, "[]" },
	{ "net.cidr_merge", { "[\"2601:600::1\"]" },
	  "!error: net.cidr_merge: IPv6 invalid: needs prefix length" },
	{ "net.cidr_merge", { "[1]" }, "!error: net.cidr_merge: element must be string" },
	{ "net.cidr_merge", { "\"x\"" }, "!error: net.cidr_merge: operand must be an array" },
	{ "net.cidr_contains_matches", { "[\"1.1.2.0/24\", \"1.1.1.0/24\"]", "[\"1.1.1.1\", \"1.1.2.1\"]" },
	  "[[0,1],[1,0]]" },
	{ "net.cidr_contains_matches", { "{\"k1\": \"1.1.1.1/24\", \"k2\": [\"1.1.1.2/24\", 1]}", "\"1.1.1.128\"" },
	  "[[\"k1\",\"1.1.1.128\"],[\"k2\",\"1.1.1.128\"]]" },
	{ "net.cidr_contains_matches", { "[\"1.1.2.0/24\"]", "[[]]" },
	  "!error: net.cidr_contains_matches: operand 2: element must be string or non-empty array" },
};

static const struct rbc_case glob_cases[] = {
	{ "glob.match", { "\"*.github.com\"", "[\".\"]", "\"api.github.com\"" }, "true" },
	{ "glob.match", { "\"*.github.com\"", "[\".\"]", "\"api.cdn.github.com\"" }, "false" },
	{ "glob.match", { "\"api.**.com\"", "[\".\"]", "\"api.cdn.github.com\"" }, "true" },
	{ "glob.match", { "\"*\"", "[]", "\"foo.bar\"" }, "false" },
	{ "glob.match", { "\"*\"", "null", "\"foo.bar\"" }, "true" },
	{ "glob.match", { "\"{cat,bat,[fr]at}\"", "[]", "\"rat\"" }, "true" },
	{ "glob.match", { "\"{cat,bat,[fr]at}\"", "[]", "\"at\"" }, "false" },
	{ "glob.match", { "\"[!a-c]at\"", "[]", "\"bat\"" }, "false" },
	{ "glob.match", { "\"?at\"", "[\"f\"]", "\"fat\"" }, "false" },
	{ "glob.match", { "\"{**/,}x\"", "null", "\"x\"" }, "true" },
	{ "glob.match", { "\"\\\\*\"", "null", "\"*\"" }, "true" },
	{ "glob.match", { "\"[abc\"", "null", "\"a\"" },
	  "!error: glob.match: glob: syntax error at 4: unexpected end of input" },
	{ "glob.match", { "\"[z-a]\"", "null", "\"a\"" },
	  "!error: glob.match: glob: syntax error at 5: range hi character is less than lo" },
	{ "glob.match", { "\"{a\"", "null", "\"a\"" },
	  "!error: glob.match: glob: syntax error at 2: unclosed `{`" },
	{ "glob.match", { "\"a\\\\\"", "null", "\"a\"" },
	  "!error: glob.match: glob: syntax error at 2: trailing backslash" },
	{ "glob.match", { "\"[]\"", "null", "\"a\"" },
	  "!error: glob.match: glob: syntax error at 2: could not parse range" },
	{ "glob.match", { "\"a\"", "[\"ab\"]", "\"a\"" },
	  "!type: glob.match: operand 2 must be array of runes but got array containing string" },
	{ "glob.match", { "\"a\"", "1", "\"a\"" },
	  "!type: glob.match: operand 2 must be one of {array, null} but got number" },
	{ "glob.match", { "\"a\"", "null", "1" },
	  "!type: glob.match: operand 3 must be string but got number" },
	{ "glob.quote_meta", { "\"*.github.com\"" }, "\"\\\\*.github.com\"" },
	{ "glob.quote_meta", { "\"[a]{b}?\\\\\"" }, "\"\\\\[a\\\\]\\\\{b\\\\}\\\\?\\\\\\\\\"" },
	{ "regex.globs_match", { "\"a.a.[0-9]+z\"", "\".b.b2359825792*594823z\"" }, "true" },
	{ "regex.globs_match", { "\"[a-z]+\"", "\"[0-9]*\"" }, "false" },
	{ "regex.globs_match", { "\"pqrs]\"", "\"[a-b]+\"" },
	  "!error: regex.globs_match: input:pqrs], pos:5, set-close ']' with no preceding '[': the input provided is invalid" },
	{ "regex.globs_match", { "\"[z-a]\"", "\"a\"" },
	  "!error: regex.globs_match: input:[z-a], pos:4, range is out of order: 'a' comes before 'z' in Unicode: the input provided is invalid" },
	{ "regex.globs_match", { "\"[a][b][c][d][e]x*\"", "\"abcdexxx\"" }, "true" },
	{ "regex.globs_match", { "\"a\"", "1" },
	  "!type: regex.globs_match: operand 2 must be string but got number" },
};

static const struct rbc_case bits_cases[] = {
	{ "bits.and", { "7", "9" }, "1" },
	{ "bits.or", { "-7", "12" }, "-3" },
	{ "bits.xor", { "-7", "-12" }, "13" },
	{ "bits.and", { "-7", "-12" }, "-16" },
	{ "bits.negate", { "42" }, "-43" },
	{ "bits.negate", { "-9223372036854775808" }, "9223372036854775807" },
	{ "bits.rsh", { "-7", "1" }, "-4" },
	{ "bits.rsh", { "-1", "100" }, "-1" },
	{ "bits.lsh", { "9223372036854775807", "1" }, "18446744073709551614" },
	{ "bits.lsh", { "0", "100000" }, "0" },
	{ "bits.and", { "4.0", "5" }, "4" },
	{ "bits.and", { "7.2", "42" },
	  "!type: bits.and: operand 1 must be integer number but got floating-point number" },
	{ "bits.lsh", { "7", "-1" },
	  "!type: bits.lsh: operand 2 must be an unsigned integer number but got a negative integer" },
	{ "bits.lsh", { "1", "20000" }, "!error: bits.lsh: result exceeds 13000 bits" },
	{ "bits.or", { "\"a\"", "1" }, "!type: bits.or: operand 1 must be number but got string" },
};

static const struct rbc_case doc_cases[] = {
	{ "graph.reachable", { "{\"a\": [\"b\"], \"b\": [\"c\"], \"c\": [\"a\"]}", "[\"a\"]" },
	  "[\"a\",\"b\",\"c\"]" },
	{ "graph.reachable", { "{\"a\": [\"x\"]}", "[\"a\", \"z\"]" }, "[\"a\"]" },
	{ "graph.reachable", { "{}", "\"a\"" },
	  "!type: graph.reachable: operand 2 must be {array, set} but got string" },
	{ "graph.reachable", { "[]", "[]" },
	  "!type: graph.reachable: operand 1 must be object but got array" },
	{ "graph.reachable_paths", { "{\"a\": [\"b\", \"c\"], \"b\": [\"c\"], \"c\": []}", "[\"a\"]" },
	  "[[\"a\",\"b\",\"c\"],[\"a\",\"c\"]]" },
	{ "graph.reachable_paths", { "{\"a\": [\"a\", \"x\"]}", "[\"a\"]" },
	  "[[\"a\"],[\"a\",\"a\"]]" },
	{ "object.subset", { "{\"a\": [1,2,3], \"b\": 1}", "{\"a\": [2,3]}" }, "true" },
	{ "object.subset", { "{\"a\": [1,2,3]}", "{\"a\": [1,3]}" }, "false" },
	{ "object.subset", { "[1,2,3,1,2,4]", "[1,2,4]" }, "true" },
	{ "object.subset", { "1", "2" },
	  "!type: object.subset: both arguments object.subset must be of the same type or array and set" },
	{ "strings.split_n", { "\"a.b.c.d\"", "\".\"", "2" }, "[\"a\",\"b\"]" },
	{ "strings.split_n", { "\"a.b.c.d\"", "\".\"", "-2" }, "[\"c\",\"d\"]" },
	{ "strings.split_n", { "\"a.b.c.d\"", "\".\"", "0" }, "[]" },
	{ "strings.split_n", { "\"abc\"", "\"\"", "2" }, "[\"a\",\"b\"]" },
	{ "strings.split_n", { "\"abc\"", "\".\"", "1.5" },
	  "!type: strings.split_n: operand 3 must be integer number but got floating-point number" },
	{ "json.remove", { "{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "[\"a/b/c\", \"e\"]" },
	  "{\"a\":{\"b\":{\"d\":8}}}" },
	{ "json.remove", { "{\"a\": [{\"b\": 7, \"c\": 8}, {\"d\": 9}]}", "[\"a/0/b\", \"a/1\"]" },
	  "{\"a\":[{\"c\":8}]}" },
	{ "json.remove", { "{\"a/b\": 1, \"c\": 2}", "[\"a~1b\"]" }, "{\"c\":2}" },
	{ "json.remove", { "{\"a\": 1}", "[\"\"]" }, "{\"a\":1}" },
	{ "json.remove", { "1", "[]" }, "!type: json.remove: operand 1 must be object but got number" },
	{ "json.remove", { "{}", "\"a\"" },
	  "!type: json.remove: operand 2 must be one of {set, array} but got string" },
	{ "json.remove", { "{}", "[1]" },
	  "!type: json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number" },
	{ "json.filter", { "{\"a\": {\"b\": {\"c\": 7, \"d\": 8}}, \"e\": 9}", "[\"a/b/c\", \"e\"]" },
	  "{\"a\":{\"b\":{\"c\":7}},\"e\":9}" },
	{ "json.filter", { "{\"a\": {\"b\": 7}}", "[\"a\", \"a/b\"]" }, "{\"a\":{\"b\":7}}" },
	{ "json.filter", { "{\"a\": [{\"1\": [\"b\", \"c\", \"d\"]}, {\"x\": \"y\"}]}", "[\"a/0/1/2\"]" },
	  "{\"a\":[{\"1\":[\"d\"]}]}" },
	{ "json.patch", { "{\"foo\": \"bar\"}", "[{\"op\": \"add\", \"path\": \"/baz\", \"value\": \"qux\"}]" },
	  "{\"baz\":\"qux\",\"foo\":\"bar\"}" },
	{ "json.patch", { "{\"a\": [1, 2]}", "[{\"op\": \"add\", \"path\": \"/a/-\", \"value\": 5}]" },
	  "{\"a\":[1,2,5]}" },
	{ "json.patch", { "{\"a\": [1, 2]}", "[{\"op\": \"add\", \"path\": \"/a/1.0\", \"value\": 5}]" },
	  "{\"a\":[1,5,2]}" },
	{ "json.patch", { "{\"a\": {\"b\": 1}}", "[{\"op\": \"copy\", \"from\": \"/a\", \"path\": \"/a/c\"}]" },
	  "{\"a\":{\"b\":1,\"c\":{\"b\":1}}}" },
	{ "json.patch", { "{\"a\": {\"b\": 1}}", "[{\"op\": \"move\", \"from\": \"/a/b\", \"path\": \"/c\"}]" },
	  "{\"a\":{},\"c\":1}" },
	{ "json.patch", { "{\"a\": 1}", "[{\"op\": \"replace\", \"path\": \"\", \"value\": 5}]" }, "5" },
	{ "json.patch", { "{\"a\": 1}", "[{\"op\": \"remove\", \"path\": \"\"}]" }, "!undefined" },
	{ "json.patch", { "[1]", "[{\"op\": \"add\", \"path\": \"/01\", \"value\": 1}]" },
	  "!error: json.patch: leading zeros are not allowed in JSON paths" },
	{ "json.patch", { "[1]", "[{\"op\": \"add\", \"path\": \"/5\", \"value\": 1}]" },
	  "!error: json.patch: index for array insertion out of bounds" },
	{ "json.patch", { "{\"a\": 1}", "[{\"op\": \"add\", \"path\": \"/b/c\", \"value\": 1}]" },
	  "!error: json.patch: path \"b\" does not exist in object term {\"a\": 1}" },
	{ "json.patch", { "{\"a\": 1}", "[{\"op\": \"remove\", \"path\": \"/b\"}]" },
	  "!error: json.patch: cannot delete child key \"b\" that does not exist" },
	{ "json.patch", { "{\"a\": {\"b\": 1}}", "[{\"op\": \"test\", \"path\": \"/a/b\", \"value\": 2}]" },
	  "!error: json.patch: value from EditTree != patch value.\n\nExpected: 2\n\nFound: 1" },
	{ "json.patch", { "{}", "[{\"op\": \"bad\", \"path\": \"/a\"}]" },
	  "!error: json.patch: unrecognized op: 'bad'" },
	{ "json.patch", { "{}", "[{\"path\": \"/a\"}]" },
	  "!error: json.patch: missing required attribute 'op'" },
	{ "json.patch", { "{}", "[1]" },
	  "!error: json.patch: must be an array of JSON-Patch objects, but at least one element is not an object" },
	{ "json.patch", { "{}", "\"x\"" }, "!type: json.patch: operand 2 must be array but got string" },
};

static const struct rbc_case id_cases[] = {
	{ "uuid.parse", { "\"00000000-0000-4000-8000-000000000000\"" },
	  "{\"variant\":\"RFC4122\",\"version\":4}" },
	{ "uuid.parse", { "\"urn:uuid:00000000-0000-4000-8000-000000000000\"" },
	  "{\"variant\":\"RFC4122\",\"version\":4}" },
	{ "uuid.parse", { "\"00000000000040008000000000000000\"" },
	  "{\"variant\":\"RFC4122\",\"version\":4}" },
	{ "uuid.parse", { "\"6ba7b810-9dad-11d1-80b4-00c04fd430c8\"" },
	  "{\"clocksequence\":180,\"macvariables\":\"global:unicast\","
	  "\"nodeid\":\"00-c0-4f-d4-30-c8\",\"time\":886630433151182400,"
	  "\"variant\":\"RFC4122\",\"version\":1}" },
	{ "uuid.parse", { "\"00000000-0000-4000-8000-00000000000\"" }, "!undefined" },
	{ "uuid.parse", { "\"0000000g-0000-4000-8000-000000000000\"" }, "!undefined" },
	{ "uuid.parse", { "1" }, "!type: uuid.parse: operand 1 must be string but got number" },
	{ "uri.parse", { "\"https://example.com:8080/api?q=1#top\"" },
	  "{\"fragment\":\"top\",\"hostname\":\"example.com\",\"path\":\"/api\","
	  "\"port\":\"8080\",\"raw_path\":\"/api\",\"raw_query\":\"q=1\",\"scheme\":\"https\"}" },
	{ "uri.parse", { "\"http://[::1%25eth0]:80/x\"" },
	  "{\"hostname\":\"::1%eth0\",\"path\":\"/x\",\"port\":\"80\",\"raw_path\":\"/x\",\"scheme\":\"http\"}" },
	{ "uri.parse", { "\"https://example.com/path%2Fwith\"" },
	  "{\"hostname\":\"example.com\",\"path\":\"/path/with\",\"raw_path\":\"/path%2Fwith\",\"scheme\":\"https\"}" },
	{ "uri.parse", { "\"mailto:user@example.com\"" }, "{\"scheme\":\"mailto\"}" },
	{ "uri.parse", { "\"\"" }, "{}" },
	{ "uri.parse", { "\"http://a:b:80/\"" },
	  "!error: uri.parse: parse \"http://a:b:80/\": invalid port \":b:80\" after host" },
	{ "uri.parse", { "\"http://[1.2.3.4]/\"" },
	  "!error: uri.parse: parse \"http://[1.2.3.4]/\": invalid IP-literal" },
	{ "uri.parse", { "\"http://a<b@example.com/\"" },
	  "!error: uri.parse: parse \"http://a<b@example.com/\": net/url: invalid userinfo" },
	{ "uri.parse", { "\"http://exa%6dple.com/\"" },
	  "!error: uri.parse: parse \"http://exa%6dple.com/\": invalid URL escape \"%6d\"" },
	{ "uri.parse", { "\"1a:b\"" },
	  "!error: uri.parse: parse \"1a:b\": first path segment in URL cannot contain colon" },
	{ "uri.parse", { "\"http://h/#a%zz\"" },
	  "!error: uri.parse: parse \"http://h/#a%zz\": invalid URL escape \"%zz\"" },
	{ "uri.parse", { "1" }, "!type: uri.parse: operand 1 must be string but got number" },
	{ "uri.is_valid", { "\"http://[invalid\"" }, "false" },
	{ "uri.is_valid", { "\"\"" }, "false" },
	{ "uri.is_valid", { "1" }, "false" },
	{ "uri.is_valid", { "\"http://foo]bar/\"" }, "true" },
};

/* Hostile inputs finish quickly, and fail cleanly when over a bound. */
static void check_bounds(void)
{
	struct rv_arena small;
	struct rv *args[3], *out;
	char msg[256], *p, *t;
	size_t i;
	enum rb_status st;

	/* a glob that would backtrack exponentially: "*a" x 300 then "b",
	 * over 100,000 a's, answers at once */
	p = malloc(602);
	t = malloc(100001);
	for (i = 0; i < 300; i++) {
		p[2 * i] = '*';
		p[2 * i + 1] = 'a';
	}
	p[600] = 'b';
	p[601] = 0;
	memset(t, 'a', 100000);
	t[100000] = 0;
	args[0] = rv_cstring(&rbc_arena, p);
	args[1] = rv_null();
	args[2] = rv_cstring(&rbc_arena, t);
	st = rbc_call("glob.match", args, &out, msg, sizeof(msg));
	CHECK_MSG((st == RB_OK && out == rv_bool(false)) || st == RB_ERROR,
		  "backtracking glob: %d %s", st, msg);
	free(p);
	free(t);

	/* globs_match on star-heavy globs stays polynomial */
	p = malloc(4 * 400 + 2);
	for (i = 0; i < 400; i++)
		memcpy(p + 4 * i, ".*a*", 4);
	p[1600] = 'b';
	p[1601] = 0;
	args[0] = rv_cstring(&rbc_arena, p);
	for (i = 0; i < 400; i++)
		memcpy(p + 4 * i, "a*.*", 4);
	p[1600] = 'c';
	args[1] = rv_cstring(&rbc_arena, p);
	st = rbc_call("regex.globs_match", args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_OK || st == RB_ERROR, "globs_match: %d %s", st, msg);
	free(p);

	/* expanding all of IPv4 or IPv6 is a memory limit, not a hang */
	rv_arena_init(&small, 1u << 20);
	args[0] = rv_cstring(&small, "0.0.0.0/0");
	st = rbc_call_in(&small, "net.cidr_expand", args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_ERROR && small.exhausted, "expand /0: %d %s", st, msg);
	rv_arena_free(&small);
	rv_arena_init(&small, 1u << 20);
	args[0] = rv_cstring(&small, "::/0");
	st = rbc_call_in(&small, "net.cidr_expand", args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_ERROR && small.exhausted, "expand ::/0: %d %s", st, msg);
	rv_arena_free(&small);

	/* a tiny arena: errors, never a crash */
	rv_arena_init(&small, 256);
	args[0] = rbc_json("{\"a\": [1, 2, 3, {\"b\": [4, 5, 6]}], \"c\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
	args[1] = rbc_json("[\"a/3/b/1\", \"c\"]");
	st = rbc_call_in(&small, "json.remove", args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_ERROR, "json.remove small arena: %d %s", st, msg);
	args[0] = rv_cstring(&rbc_arena, "10.0.0.0/24");
	st = rbc_call_in(&small, "net.cidr_expand", args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_ERROR, "cidr_expand small arena: %d %s", st, msg);
	rv_arena_free(&small);
}

/* walk is a relation: through the evaluator. */
static void check_walk(void)
{
	static const struct {
		const char *query, *want;
	} cases[] = {
		{ "[p | walk({\"a\": [1, {\"b\": 2}]}, [p, 2])]", "[[\"a\",1,\"b\"]]" },
		{ "n := count([1 | walk({\"a\": [1, {\"b\": 2}], \"c\": {3}}, _)]); n", "7" },
		{ "[v | walk({\"a\": [1, {\"b\": 2}]}, [[\"a\", 1, k], v])]", "[2]" },
		{ "[y | y := walk([1])]", "[[[],[1]],[[0],1]]" },
		{ "[1 | walk(1, [[], 2])]", "[]" },
		{ "walk(1, [p, v]); [p, v]", "[[],1]" },
	};
	struct rego_builder *b = rego_builder_new();
	struct rego_limits lim = { .max_steps = 100000, .max_bytes = 16u << 20 };
	struct rego_policy *pol;
	struct rego_query *q;
	struct rego_error err;
	char *out;
	size_t i;

	pol = rego_builder_compile(b, &err);
	CHECK_MSG(pol != NULL, "compile: %s", err.msg);
	if (!pol)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out = NULL;
		q = rego_query_compile(pol, cases[i].query, &err);
		CHECK_MSG(q != NULL, "%s: %s", cases[i].query, err.msg);
		if (!q)
			continue;
		CHECK_MSG(rego_query_eval(q, NULL, 0, &lim, &out, &err) == REGO_DEFINED &&
			  out && !strcmp(out, cases[i].want),
			  "%s: got %s, want %s", cases[i].query, out ? out : err.msg,
			  cases[i].want);
		free(out);
		rego_query_free(q);
	}
	/* a walk stops as soon as the query has what it needs, and a huge
	 * document walked in full hits a limit rather than the C stack */
	q = rego_query_compile(pol, "[1 | walk(numbers.range(1, 100000), _)]", &err);
	CHECK(q != NULL);
	if (q) {
		out = NULL;
		CHECK(rego_query_eval(q, NULL, 0, &lim, &out, &err) == REGO_ERROR &&
		      strstr(err.msg, "limit"));
		free(out);
		rego_query_free(q);
	}
	rego_policy_free(pol);
}

int main(void)
{
	rv_arena_init(&rbc_arena, 0);
	RBC_RUN(net_cases);
	RBC_RUN(glob_cases);
	RBC_RUN(bits_cases);
	RBC_RUN(doc_cases);
	RBC_RUN(id_cases);
	check_bounds();
	check_walk();
	rv_arena_free(&rbc_arena);
	return test_summary();
}
