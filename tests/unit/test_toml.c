/* test_toml.c - the TOML 1.0 reader (src/core/toml.h): documents in, the
 * JSON they must give out; then one document for every refusal, with the
 * words its message must hold and the place it must name. */
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "toml.h"

struct valid {
	const char *toml, *json;
};

static const struct valid valid[] = {
	/* nothing at all, comments, blank lines, CRLF */
	{ "", "{}" },
	{ "# only a comment\n\n   \t\n", "{}" },
	{ "a = 1 # after\r\nb = 2\r\n# end", "{\"a\": 1, \"b\": 2}" },
	{ "a = 1", "{\"a\": 1}" },
	{ "# tab\tand é ✓ in a comment\na = 1", "{\"a\": 1}" },
	/* keys: bare, quoted, literal, empty quoted, dotted with spaces */
	{ "bare_key-1 = 1\n1234 = 2\n\"quoted key\" = 3\n'lit \\n' = 4\n\"\" = 5",
	  "{\"bare_key-1\": 1, \"1234\": 2, \"quoted key\": 3, \"lit \\\\n\": 4, \"\": 5}" },
	{ "a . b\t.\"c.d\" = 1\na.e = 2", "{\"a\": {\"b\": {\"c.d\": 1}, \"e\": 2}}" },
	{ "3.14159 = 'pi'", "{\"3\": {\"14159\": \"pi\"}}" },
	{ "\"\\u00e9\" = 1", "{\"\\u00e9\": 1}" },
	/* basic strings and every escape */
	{ "s = \"\\b\\t\\n\\f\\r\\\"\\\\ \\u00E9 \\U0001F600 tab\there\"",
	  "{\"s\": \"\\b\\t\\n\\f\\r\\\"\\\\ \\u00e9 \\ud83d\\ude00 tab\\there\"}" },
	{ "s = \"\\u0000\"", "{\"s\": \"\\u0000\"}" },
	{ "s = 'C:\\Users\\x' \nt = '\"quoted\"'", "{\"s\": \"C:\\\\Users\\\\x\", \"t\": \"\\\"quoted\\\"\"}" },
	/* multi-line strings: the first newline trimmed, a line-ending
	 * backslash, quotes before the end, CRLF to LF */
	{ "s = \"\"\"\nRoses\nViolets\"\"\"", "{\"s\": \"Roses\\nViolets\"}" },
	{ "s = \"\"\"\r\none\r\ntwo\"\"\"", "{\"s\": \"one\\ntwo\"}" },
	{ "s = \"\"\"\nThe quick \\\n\n   brown \\   \n  fox.\"\"\"",
	  "{\"s\": \"The quick brown fox.\"}" },
	{ "s = \"\"\"Here are two quotes: \"\". Three: \"\"\\\".\"\"\"",
	  "{\"s\": \"Here are two quotes: \\\"\\\". Three: \\\"\\\"\\\".\"}" },
	{ "s = \"\"\"\"This,\" she said.\"\"\"\"\"", "{\"s\": \"\\\"This,\\\" she said.\\\"\\\"\"}" },
	{ "s = '''\nraw \\n\n  text'''", "{\"s\": \"raw \\\\n\\n  text\"}" },
	{ "s = ''''one quote''''", "{\"s\": \"'one quote'\"}" },
	{ "s = '''''two'''''", "{\"s\": \"''two''\"}" },
	{ "s = \"\"\"\"\"\"", "{\"s\": \"\"}" },
	{ "s = \"\"\"tab\there\"\"\"", "{\"s\": \"tab\\there\"}" },
	/* integers */
	{ "a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\ng = 1_2_3_4_5\nh = -0\ni = +0",
	  "{\"a\": 99, \"b\": 42, \"c\": 0, \"d\": -17, \"e\": 1000, \"f\": 5349221, \"g\": 12345, "
	  "\"h\": 0, \"i\": 0}" },
	{ "a = 0xDEADBEEF\nb = 0xdead_beef\nc = 0o755\nd = 0b1101_0110\ne = 0x00ff",
	  "{\"a\": 3735928559, \"b\": 3735928559, \"c\": 493, \"d\": 214, \"e\": 255}" },
	{ "max = 9223372036854775807\nmin = -9223372036854775808\nhmax = 0x7FFFFFFFFFFFFFFF",
	  "{\"max\": 9223372036854775807, \"min\": -9223372036854775808, "
	  "\"hmax\": 9223372036854775807}" },
	/* floats: JSON has no inf or nan, so they come out null */
	{ "a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\n"
	  "h = 224_617.445_991_228\ni = -0.0\nj = 0e0\nk = 1e400",
	  "{\"a\": 1.0, \"b\": 3.1415, \"c\": -0.01, \"d\": 5e22, \"e\": 1e6, \"f\": -0.02, "
	  "\"g\": 6.626e-34, \"h\": 224617.445991228, \"i\": -0.0, \"j\": 0.0, \"k\": null}" },
	{ "a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan",
	  "{\"a\": null, \"b\": null, \"c\": null, \"d\": null, \"e\": null, \"f\": null}" },
	/* booleans */
	{ "t = true\nf = false", "{\"t\": true, \"f\": false}" },
	/* date-times as written */
	{ "a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\n"
	  "c = 1979-05-27T00:32:00.999999+05:30\nd = 1979-05-27 07:32:00z\n"
	  "e = 1979-05-27t07:32:00\nf = 1979-05-27T00:32:00.123456789\ng = 1979-05-27\n"
	  "h = 07:32:00\ni = 00:32:00.5\nj = 2000-02-29\nk = 0000-01-01",
	  "{\"a\": \"1979-05-27T07:32:00Z\", \"b\": \"1979-05-27T00:32:00-07:00\", "
	  "\"c\": \"1979-05-27T00:32:00.999999+05:30\", \"d\": \"1979-05-27 07:32:00z\", "
	  "\"e\": \"1979-05-27t07:32:00\", \"f\": \"1979-05-27T00:32:00.123456789\", "
	  "\"g\": \"1979-05-27\", \"h\": \"07:32:00\", \"i\": \"00:32:00.5\", "
	  "\"j\": \"2000-02-29\", \"k\": \"0000-01-01\"}" },
	{ "d = 1979-05-27 # a date, then a comment", "{\"d\": \"1979-05-27\"}" },
	/* arrays: mixed, nested, newlines, comments, a trailing comma */
	{ "a = [ 1, 2, 3 ]\nb = [\"red\", 'yellow']\nc = [ [ 1, 2 ], [3, 4, 5] ]\n"
	  "d = [0.1, \"s\", 1979-05-27, {x = 1}, [], true]\ne = [\n  1, # one\n  2,\n]\nf = []",
	  "{\"a\": [1, 2, 3], \"b\": [\"red\", \"yellow\"], \"c\": [[1, 2], [3, 4, 5]], "
	  "\"d\": [0.1, \"s\", \"1979-05-27\", {\"x\": 1}, [], true], \"e\": [1, 2], \"f\": []}" },
	/* inline tables, dotted keys inside them, arrays with newlines inside */
	{ "name = { first = \"Tom\", last = \"Preston-Werner\" }\npoint = {x=1,y=2}\n"
	  "animal = { type.name = \"pug\", type.size = 1 }\ne = {}\n"
	  "n = { a = [\n 1,\n 2 ] }",
	  "{\"name\": {\"first\": \"Tom\", \"last\": \"Preston-Werner\"}, \"point\": {\"x\": 1, \"y\": 2}, "
	  "\"animal\": {\"type\": {\"name\": \"pug\", \"size\": 1}}, \"e\": {}, \"n\": {\"a\": [1, 2]}}" },
	/* tables */
	{ "[table-1]\nkey1 = \"some string\"\n[table-2]\nkey1 = 456\n[ j . \"ʞ\" . 'l' ]\nx = 1",
	  "{\"table-1\": {\"key1\": \"some string\"}, \"table-2\": {\"key1\": 456}, "
	  "\"j\": {\"ʞ\": {\"l\": {\"x\": 1}}}}" },
	{ "[x.y.z.w]\n[x]\na = 1", "{\"x\": {\"y\": {\"z\": {\"w\": {}}}, \"a\": 1}}" },
	{ "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.texture]\nsmooth = true",
	  "{\"fruit\": {\"apple\": {\"color\": \"red\", \"taste\": {\"sweet\": true}, "
	  "\"texture\": {\"smooth\": true}}}}" },
	{ "[x.a.c]\n[x]\na.d = 1", "{\"x\": {\"a\": {\"c\": {}, \"d\": 1}}}" },
	{ "fruit.apple = 1\nfruit.orange = 2\n[other]", "{\"fruit\": {\"apple\": 1, \"orange\": 2}, \"other\": {}}" },
	/* arrays of tables, tables inside their last element */
	{ "[[products]]\nname = \"Hammer\"\n[[products]]\n[[products]]\nname = \"Nail\"",
	  "{\"products\": [{\"name\": \"Hammer\"}, {}, {\"name\": \"Nail\"}]}" },
	{ "[[fruits]]\nname = \"apple\"\n[fruits.physical]\ncolor = \"red\"\n"
	  "[[fruits.varieties]]\nname = \"red delicious\"\n[[fruits.varieties]]\nname = \"granny\"\n"
	  "[[fruits]]\nname = \"banana\"\n[fruits.physical]\ncolor = \"yellow\"",
	  "{\"fruits\": [{\"name\": \"apple\", \"physical\": {\"color\": \"red\"}, \"varieties\": "
	  "[{\"name\": \"red delicious\"}, {\"name\": \"granny\"}]}, {\"name\": \"banana\", "
	  "\"physical\": {\"color\": \"yellow\"}}]}" },
	/* the CoCo initdata shape */
	{ "version = \"0.1.0\"\nalgorithm = \"sha384\"\n[data]\n\"aa.toml\" = '''\n[token_configs]\n'''\n",
	  "{\"version\": \"0.1.0\", \"algorithm\": \"sha384\", \"data\": {\"aa.toml\": \"[token_configs]\\n\"}}" },
};

struct invalid {
	const char *toml, *where, *what;
};

static const struct invalid invalid[] = {
	/* the text itself */
	{ "a = \"\xff\"", "line 1 column 6", "not UTF-8" },
	{ "a = \"\xc0\xaf\"", "line 1 column 6", "overlong" },
	{ "a = \"\xed\xa0\x80\"", "line 1 column 6", "surrogate" },
	{ "a = \"\xe2\x82\"", "line 1 column 6", "not UTF-8" },
	{ "a = 1\rb = 2", "line 1 column 6", "carriage return" },
	{ "a = 1 # \x01", "line 1 column 9", "control character (U+0001) in a comment" },
	{ "# \x7f", "line 1 column 3", "U+007F" },
	/* keys */
	{ "= 1", "line 1 column 1", "a key is missing" },
	{ "a", "line 1 column 2", "followed by =" },
	{ "a = 1\na = 2", "line 2 column 1", "a is defined twice" },
	{ "a.b = 1\na.b = 2", "line 2 column 1", "a.b is defined twice" },
	{ "a = 1\na.b = 2", "line 2 column 1", "a is a value" },
	{ "a. = 1", "line 1 column 4", "a key is missing" },
	{ "$ = 1", "line 1 column 1", "cannot start with '$'" },
	{ "\"\"\"a\"\"\" = 1", "line 1 column 3", "followed by =" },
	{ "\"a\\u0000b\" = 1", "line 1 column 1", "U+0000" },
	{ "a\n= 1", "line 1 column 2", "followed by =" },
	{ "a = \n1", "line 1 column 5", "a value is missing" },
	{ "a = 1 b = 2", "line 1 column 7", "more on the line after a value" },
	/* strings */
	{ "a = \"open", "line 1 column 5", "closing quote" },
	{ "a = \"one\ntwo\"", "line 1 column 5", "closing quote" },
	{ "a = 'open", "line 1 column 5", "closing quote" },
	{ "a = \"\x01\"", "line 1 column 6", "control character (U+0001) in a string" },
	{ "a = 'x\x7f'", "line 1 column 7", "literal string" },
	{ "a = \"\\q\"", "line 1 column 6", "unknown escape \\q" },
	{ "a = \"\\e\"", "line 1 column 6", "unknown escape \\e" },
	{ "a = \"\\x41\"", "line 1 column 6", "unknown escape \\x" },
	{ "a = \"\\ \"", "line 1 column 6", "starts no escape" },
	{ "a = \"\\u12\"", "line 1 column 6", "\\u takes 4 hex digits" },
	{ "a = \"\\uD800\"", "line 1 column 6", "not a Unicode scalar value" },
	{ "a = \"\\U00110000\"", "line 1 column 6", "not a Unicode scalar value" },
	{ "a = \"\"\"open", "line 1 column 5", "closing \"\"\"" },
	{ "a = '''open", "line 1 column 5", "closing '''" },
	{ "a = \"\"\"x\"\"\"\"\"\"", "line 1 column 9", "more than five quotes" },
	{ "a = \"\"\"\x0b\"\"\"", "line 1 column 8", "control character (U+000B) in a multi-line" },
	{ "a = '''a\rb'''", "line 1 column 9", "carriage return" },
	{ "a = \"\"\"a \\ b\"\"\"", "line 1 column 10", "starts no escape" },
	/* integers */
	{ "a = 01", "line 1 column 5", "leading zero" },
	{ "a = 0_1", "line 1 column 5", "leading zero" },
	{ "a = 1__2", "line 1 column 6", "underscore not between two digits" },
	{ "a = 1_", "line 1 column 6", "underscore" },
	{ "a = _1", "line 1 column 5", "not a value" },
	{ "a = 0x", "line 1 column 7", "digits are missing" },
	{ "a = 0xg", "line 1 column 7", "digits are missing" },
	{ "a = 0o8", "line 1 column 7", "digits are missing" },
	{ "a = 0b2", "line 1 column 7", "digits are missing" },
	{ "a = 0X1", "line 1 column 6", "more on the line" },
	{ "a = +0x1", "line 1 column 7", "more on the line" },
	{ "a = 9223372036854775808", "line 1 column 5", "64-bit integer range" },
	{ "a = -9223372036854775809", "line 1 column 5", "64-bit integer range" },
	{ "a = 0x8000000000000000", "line 1 column 5", "64-bit integer range" },
	{ "a = 99999999999999999999999", "line 1 column 5", "64-bit integer range" },
	/* floats */
	{ "a = 1.", "line 1 column 7", "decimal point must have digits" },
	{ "a = .5", "line 1 column 5", "not a value" },
	{ "a = 1.e5", "line 1 column 7", "decimal point must have digits" },
	{ "a = 1e", "line 1 column 7", "digits are missing" },
	{ "a = 1e_5", "line 1 column 7", "underscore" },
	{ "a = 1.5_", "line 1 column 8", "underscore" },
	{ "a = infinity", "line 1 column 8", "more on the line" },
	{ "a = Inf", "line 1 column 5", "not a value" },
	/* booleans */
	{ "a = True", "line 1 column 5", "not a value" },
	{ "a = truex", "line 1 column 9", "more on the line" },
	/* date-times */
	{ "a = 1979-02-29", "line 1 column 5", "1979-02-29 is not a date" },
	{ "a = 1979-13-01", "line 1 column 5", "is not a date" },
	{ "a = 1979-04-31", "line 1 column 5", "is not a date" },
	{ "a = 1979-05-27T24:00:00", "line 1 column 16", "not a time of day" },
	{ "a = 1979-05-27T23:60:00", "line 1 column 16", "not a time of day" },
	{ "a = 1979-05-27T23:59:60Z", "line 1 column 16", "leap second" },
	{ "a = 1979-05-27T07:32", "line 1 column 16", "seconds are required" },
	{ "a = 07:32", "line 1 column 5", "seconds are required" },
	{ "a = 07:32:00.", "line 1 column 13", "fraction of a second needs digits" },
	{ "a = 1979-05-27T07:32:00+7:00", "line 1 column 24", "+HH:MM" },
	{ "a = 1979-05-27T07:32:00+24:00", "line 1 column 24", "not an offset" },
	{ "a = 07:32:00Z", "line 1 column 13", "more on the line" },
	{ "a = 1979-5-27", "line 1 column 9", "more on the line" },
	/* arrays */
	{ "a = [1, 2", "line 1 column 5", "closing ]" },
	{ "a = [1 2]", "line 1 column 8", "a comma or ]" },
	{ "a = [,]", "line 1 column 6", "not a value" },
	{ "a = [1,,2]", "line 1 column 8", "not a value" },
	{ "a = [\n1, # \x02\n]", "line 2 column 6", "control character" },
	{ "a = [1]\na.b = 1", "line 2 column 1", "a is an array" },
	/* inline tables */
	{ "a = {b = 1,}", "line 1 column 12", "comma before" },
	{ "a = {\n}", "line 1 column 6", "newline in an inline table" },
	{ "a = {b = 1\n}", "line 1 column 11", "newline in an inline table" },
	{ "a = {b = 1, b = 2}", "line 1 column 13", "b is defined twice" },
	{ "a = {b = 1 c = 2}", "line 1 column 12", "a comma or }" },
	{ "a = {b = 1", "line 1 column 5", "closing }" },
	{ "a = {b = {c = 1}, b.d = 2}", "line 1 column 19", "b is an inline table" },
	{ "a = {b = 1}\na.c = 2", "line 2 column 1", "a is an inline table" },
	{ "a = {b = 1}\n[a]", "line 2 column 1", "[a] is already an inline table" },
	{ "a = {b = 1}\n[a.c]", "line 2 column 1", "[a.c]: a is an inline table, which no table" },
	{ "a = [{b = 1}]\n[[a.c]]", "line 2 column 1", "[[a.c]]: a is an array, which no table" },
	/* tables */
	{ "[a]\n[a]", "line 2 column 1", "[a] is defined twice (by another header)" },
	{ "[a]\nb = 1\n[a.b]", "line 3 column 1", "[a.b] is already a value" },
	{ "[a.b]\n[a]\nb.c = 1", "line 3 column 1", "a table defined by its header" },
	{ "a.b = 1\n[a]", "line 2 column 1", "defined twice (by dotted keys)" },
	{ "[fruit]\napple.color = 1\n[fruit.apple]", "line 3 column 1", "by dotted keys" },
	{ "[a.b.c]\n[a]\nb.x = 1\n[a.b]", "line 4 column 1", "by dotted keys" },
	{ "[]", "line 1 column 2", "a key is missing" },
	{ "[a", "line 1 column 3", "must end with ]" },
	{ "[a] b = 1", "line 1 column 5", "more on the line after a table header" },
	{ "[a]]", "line 1 column 4", "more on the line" },
	/* arrays of tables */
	{ "[[a]\n", "line 1 column 4", "must end with ]]" },
	{ "[[a] ]", "line 1 column 4", "must end with ]]" },
	{ "[a]\n[[a]]", "line 2 column 1", "names a table" },
	{ "[[a]]\n[a]", "line 2 column 1", "it is an array of tables" },
	{ "a = []\n[[a]]", "line 2 column 1", "[[a]] is already an array" },
	{ "[[a]]\n[b]\na.c = 1", NULL, NULL }, /* valid: b.a is not the array */
	{ "[[a.b]]\n[a]\nb.c = 1", "line 3 column 1", "an array of tables" },
};

/* each bound, at its edge */
static void depth(void)
{
	char buf[4096], *p;
	struct eaa_err err = { 0 };
	json_t *v;
	int i;

	/* 63 arrays in the root: 64 levels, the most */
	p = buf + sprintf(buf, "a = ");
	for (i = 0; i < 63; i++)
		*p++ = '[';
	for (i = 0; i < 63; i++)
		*p++ = ']';
	*p = '\0';
	v = toml_parse(buf, strlen(buf), &err);
	CHECK_MSG(v != NULL, "63 arrays: %s", err.msg);
	json_decref(v);
	p = buf + sprintf(buf, "a = ");
	for (i = 0; i < 64; i++)
		*p++ = '[';
	for (i = 0; i < 64; i++)
		*p++ = ']';
	*p = '\0';
	CHECK(!toml_parse(buf, strlen(buf), &err) && err.code == EAA_E_FORMAT &&
	      strstr(err.msg, "line 1 column 68: nested deeper than 64"));
	/* inline tables count the same */
	p = buf + sprintf(buf, "a = ");
	for (i = 0; i < 64; i++)
		p += sprintf(p, "{b = ");
	p += sprintf(p, "1");
	for (i = 0; i < 64; i++)
		*p++ = '}';
	*p = '\0';
	CHECK(!toml_parse(buf, strlen(buf), &err) && strstr(err.msg, "nested deeper than 64"));
	/* a header 63 keys deep is the deepest table; a dotted key too */
	p = buf + sprintf(buf, "[k");
	for (i = 1; i < 63; i++)
		p += sprintf(p, ".k");
	sprintf(p, "]\nx = 1");
	v = toml_parse(buf, strlen(buf), &err);
	CHECK_MSG(v != NULL, "63 keys deep: %s", err.msg);
	json_decref(v);
	sprintf(p, "]\nx.y = 1");
	CHECK(!toml_parse(buf, strlen(buf), &err) && strstr(err.msg, "line 2 column 1: nested "
								   "deeper than 64"));
	sprintf(p, ".k]");
	CHECK(!toml_parse(buf, strlen(buf), &err) && strstr(err.msg, "nested deeper than 64"));
	/* arrays of tables count their element too */
	p = buf;
	for (i = 0; i < 32; i++)
		p += sprintf(p, "[[%.*s]]\n", 2 * i + 1, "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a."
			     "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a");
	CHECK(!toml_parse(buf, strlen(buf), &err) && strstr(err.msg, "line 32 column 1: nested "
								   "deeper than 64"));
	/* a key of more parts than the bound stops as it is read */
	p = buf + sprintf(buf, "k");
	for (i = 0; i < 200; i++)
		p += sprintf(p, ".k");
	sprintf(p, " = 1");
	CHECK(!toml_parse(buf, strlen(buf), &err) && strstr(err.msg, "more than 64 parts"));
}

int main(void)
{
	struct eaa_err err = { 0 };
	json_error_t je;
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		json_t *got = toml_parse(valid[i].toml, strlen(valid[i].toml), &err);
		json_t *want = json_loads(valid[i].json, JSON_ALLOW_NUL, &je);
		char *g = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

		if (!want)
			fprintf(stderr, "expected JSON %zu: %s\n", i, je.text);
		CHECK_MSG(got && json_equal(got, want), "valid %zu: %s\n    got %s\n    want %s", i,
			  valid[i].toml, g ? g : err.msg, valid[i].json);
		free(g);
		json_decref(got);
		json_decref(want);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		const struct invalid *c = &invalid[i];
		json_t *got;

		memset(&err, 0, sizeof(err));
		got = toml_parse(c->toml, strlen(c->toml), &err);
		if (!c->what) {
			CHECK_MSG(got != NULL, "%s: %s", c->toml, err.msg);
		} else {
			CHECK_MSG(!got && err.code == EAA_E_FORMAT && strstr(err.msg, c->where) == err.msg &&
				  strstr(err.msg, c->what), "invalid %zu: %s\n    got \"%s\"\n    want \"%s: ...%s...\"",
				  i, c->toml, err.msg, c->where, c->what);
		}
		json_decref(got);
	}
	/* a NUL byte, which strlen cannot carry */
	CHECK(!toml_parse("a = \"x\0\"", 8, &err) && strstr(err.msg, "line 1 column 7: a NUL byte"));
	/* the text need not end in a NUL: nothing past n is read */
	{
		char raw[5] = { 'a', '=', '1', '2', '3' };
		json_t *v = toml_parse(raw, 3, &err);

		CHECK(v && json_integer_value(json_object_get(v, "a")) == 1);
		json_decref(v);
	}
	CHECK(!toml_parse(NULL, 1, &err) && err.code == EAA_E_INVALID);
	{
		json_t *v = toml_parse(NULL, 0, &err);

		CHECK(v && json_object_size(v) == 0);
		json_decref(v);
	}
	/* lines and columns count characters, not bytes */
	CHECK(!toml_parse("a = 1\n\"é✓\" = ?", strlen("a = 1\n\"é✓\" = ?"), &err) &&
	      strstr(err.msg, "line 2 column 8: not a value"));
	depth();
	return test_summary();
}
