/* test_rego_builtins_encode.c - base64, hex, urlquery, json, crypto,
 * semver, units and time built-ins: OPA's results for ordinary and edge
 * inputs, OPA's (Go's) error messages, undefined results, and a type error
 * for each operand. Cases are JSON texts in tables; inputs JSON cannot
 * carry (bytes that are not UTF-8, sets) have their own checks. */
#include <stdlib.h>
#include <unistd.h>
#include "builtins.h"
#include "test.h"
#include "rb_check.h"

static struct rv *S(const char *s, size_t n)
{
	return rv_string(&rbc_arena, s, n);
}

/* A one-argument call on raw bytes; want is bytes, or "!<message>". */
static void check_raw(const char *name, const char *in, size_t n,
		      const char *want, size_t wn)
{
	struct rv *arg = S(in, n), *out;
	char msg[256];
	enum rb_status st = rbc_call(name, &arg, &out, msg, sizeof(msg));

	if (want[0] == '!') {
		CHECK_MSG(st != RB_OK && !strcmp(msg, want + 1),
			  "%s: status %d [%s], want [%s]", name, st, msg,
			  want + 1);
		return;
	}
	CHECK_MSG(st == RB_OK && out->type == RV_STRING &&
		  out->u.str.len == wn && !memcmp(out->u.str.s, want, wn),
		  "%s: status %d [%s] got %s", name, st, msg, rbc_show(out));
}

static const struct rbc_case base64_cases[] = {
	{ "base64.encode", { "\"there\"" }, "\"dGhlcmU=\"" },
	{ "base64.encode", { "\"subjects?_d\"" }, "\"c3ViamVjdHM/X2Q=\"" },
	{ "base64.encode", { "\"\"" }, "\"\"" },
	{ "base64.encode", { "\"a\"" }, "\"YQ==\"" },
	{ "base64.encode", { "\"ab\"" }, "\"YWI=\"" },
	{ "base64.encode", { "\"\\u00e9\"" }, "\"w6k=\"" },
	{ "base64.encode", { "1" },
	  "!type: base64.encode: operand 1 must be string but got number" },
	{ "base64.decode", { "\"aGVsbG8=\"" }, "\"hello\"" },
	{ "base64.decode", { "\"\"" }, "\"\"" },
	{ "base64.decode", { "\"aGVs\\nbG8=\"" }, "\"hello\"" },
	/* Go is not strict about the bits after the last byte. */
	{ "base64.decode", { "\"YR==\"" }, "\"a\"" },
	{ "base64.decode", { "\"YQ\"" },
	  "!error: base64.decode: illegal base64 data at input byte 0" },
	{ "base64.decode", { "\"YQ=\"" },
	  "!error: base64.decode: illegal base64 data at input byte 3" },
	{ "base64.decode", { "\"YQ=x\"" },
	  "!error: base64.decode: illegal base64 data at input byte 2" },
	{ "base64.decode", { "\"YQ==YQ==\"" },
	  "!error: base64.decode: illegal base64 data at input byte 4" },
	{ "base64.decode", { "\"Y===\"" },
	  "!error: base64.decode: illegal base64 data at input byte 1" },
	{ "base64.decode", { "\"aGVsbG8_\"" },
	  "!error: base64.decode: illegal base64 data at input byte 7" },
	{ "base64.decode", { "null" },
	  "!type: base64.decode: operand 1 must be string but got null" },
	{ "base64.is_valid", { "\"aGVsbG8=\"" }, "true" },
	{ "base64.is_valid", { "\"aGVsbG8\"" }, "false" },
	{ "base64.is_valid", { "\"\"" }, "true" },
	{ "base64.is_valid", { "[1]" }, "false" },
	{ "base64url.encode", { "\"hello\"" }, "\"aGVsbG8=\"" },
	{ "base64url.encode", { "\"subjects?_d\"" }, "\"c3ViamVjdHM_X2Q=\"" },
	{ "base64url.encode", { "true" },
	  "!type: base64url.encode: operand 1 must be string but got boolean" },
	{ "base64url.encode_no_pad", { "\"hello\"" }, "\"aGVsbG8\"" },
	{ "base64url.encode_no_pad", { "\"there\"" }, "\"dGhlcmU\"" },
	{ "base64url.encode_no_pad", { "\"\"" }, "\"\"" },
	{ "base64url.encode_no_pad", { "{}" },
	  "!type: base64url.encode_no_pad: operand 1 must be string but got object" },
	{ "base64url.decode", { "\"aGVsbG8=\"" }, "\"hello\"" },
	{ "base64url.decode", { "\"aGVsbG8\"" }, "\"hello\"" },
	{ "base64url.decode", { "\"c3ViamVjdHM_X2Q\"" }, "\"subjects?_d\"" },
	{ "base64url.decode", { "\"\"" }, "\"\"" },
	{ "base64url.decode", { "\"a\"" },
	  "!error: base64url.decode: illegal base64url string: a" },
	{ "base64url.decode", { "\"c3ViamVjdHM/X2Q=\"" },
	  "!error: base64url.decode: illegal base64 data at input byte 11" },
	{ "base64url.decode", { "1" },
	  "!type: base64url.decode: operand 1 must be string but got number" },
};

static const struct rbc_case hex_url_cases[] = {
	{ "hex.encode", { "\"hello\"" }, "\"68656c6c6f\"" },
	{ "hex.encode", { "\"\"" }, "\"\"" },
	{ "hex.encode", { "\"\\u00e9\"" }, "\"c3a9\"" },
	{ "hex.encode", { "[]" },
	  "!type: hex.encode: operand 1 must be string but got array" },
	{ "hex.decode", { "\"68656c6c6f\"" }, "\"hello\"" },
	{ "hex.decode", { "\"4A4b\"" }, "\"JK\"" },
	{ "hex.decode", { "\"\"" }, "\"\"" },
	{ "hex.decode", { "\"fghijkl\"" },
	  "!error: hex.decode: encoding/hex: invalid byte: U+0067 'g'" },
	{ "hex.decode", { "\"abc\"" },
	  "!error: hex.decode: encoding/hex: odd length hex string" },
	{ "hex.decode", { "\"abz\"" },
	  "!error: hex.decode: encoding/hex: invalid byte: U+007A 'z'" },
	{ "hex.decode", { "\"a\\u0001\"" },
	  "!error: hex.decode: encoding/hex: invalid byte: U+0001" },
	{ "hex.decode", { "1" },
	  "!type: hex.decode: operand 1 must be string but got number" },
	{ "urlquery.encode", { "\"a b&c=d/\\u00e9\"" },
	  "\"a+b%26c%3Dd%2F%C3%A9\"" },
	{ "urlquery.encode", { "\"-_.~AZaz09\"" }, "\"-_.~AZaz09\"" },
	{ "urlquery.encode", { "1" },
	  "!type: urlquery.encode: operand 1 must be string but got number" },
	{ "urlquery.decode", { "\"a+b%26c%3dd\"" }, "\"a b&c=d\"" },
	{ "urlquery.decode", { "\"%zz\"" },
	  "!error: urlquery.decode: invalid URL escape \"%zz\"" },
	{ "urlquery.decode", { "\"ab%4\"" },
	  "!error: urlquery.decode: invalid URL escape \"%4\"" },
	{ "urlquery.encode_object",
	  { "{\"c\": [\"d\", \"e f\"], \"a\": \"b\", \"x\": []}" },
	  "\"a=b&c=d&c=e+f\"" },
	{ "urlquery.encode_object", { "{}" }, "\"\"" },
	{ "urlquery.encode_object", { "{\"a\": 1}" },
	  "!type: urlquery.encode_object: operand 1 values must be string, array[string], or set[string]" },
	{ "urlquery.encode_object", { "{\"a\": [1]}" },
	  "!type: urlquery.encode_object: operand 1 values must be string, array[string], or set[string]" },
	{ "urlquery.encode_object", { "\"a=b\"" },
	  "!type: urlquery.encode_object: operand 1 must be object but got string" },
	{ "urlquery.decode_object", { "\"a=b&c=d&c=e&x&&y=%41\"" },
	  "{\"a\": [\"b\"], \"c\": [\"d\", \"e\"], \"x\": [\"\"], \"y\": [\"A\"]}" },
	{ "urlquery.decode_object", { "\"\"" }, "{}" },
	{ "urlquery.decode_object", { "\"a=%zz&b=%yy\"" },
	  "!error: urlquery.decode_object: invalid URL escape \"%zz\"" },
	{ "urlquery.decode_object", { "\"a=%zz&b;c\"" },
	  "!error: urlquery.decode_object: invalid semicolon separator in query" },
	{ "urlquery.decode_object", { "[]" },
	  "!type: urlquery.decode_object: operand 1 must be string but got array" },
};

static const struct rbc_case json_cases[] = {
	{ "json.marshal", { "{\"b\": 1, \"a\": \"<&>\"}" },
	  "\"{\\\"a\\\":\\\"\\\\u003c\\\\u0026\\\\u003e\\\",\\\"b\\\":1}\"" },
	{ "json.marshal", { "[null, true, 1.5, -2, \"\\b\\f\\n\\u0001\\u2028\"]" },
	  "\"[null,true,1.5,-2,\\\"\\\\b\\\\f\\\\n\\\\u0001\\\\u2028\\\"]\"" },
	{ "json.marshal", { "\"\\u00e9\"" }, "\"\\\"\\u00e9\\\"\"" },
	{ "json.marshal", { "{}" }, "\"{}\"" },
	{ "json.marshal_with_options",
	  { "{\"a\": [1, 2], \"b\": {}}", "{\"pretty\": true}" },
	  "\"{\\n\\t\\\"a\\\": [\\n\\t\\t1,\\n\\t\\t2\\n\\t],\\n\\t\\\"b\\\": {}\\n}\"" },
	{ "json.marshal_with_options",
	  { "{\"a\": 1}", "{\"indent\": \"  \", \"prefix\": \"> \"}" },
	  "\"> {\\n>   \\\"a\\\": 1\\n> }\"" },
	{ "json.marshal_with_options",
	  { "{\"a\": 1}", "{\"indent\": \"x\", \"pretty\": false}" },
	  "\"{\\\"a\\\":1}\"" },
	{ "json.marshal_with_options", { "[1]", "{}" }, "\"[1]\"" },
	{ "json.marshal_with_options", { "[]", "{\"pretty\": true}" },
	  "\"[]\"" },
	{ "json.marshal_with_options", { "1", "null" },
	  "!type: json.marshal_with_options: operand 2 must be object but got null" },
	{ "json.marshal_with_options", { "1", "{\"foo\": 1}" },
	  "!type: json.marshal_with_options: operand 2 object contained unknown key \"foo\"" },
	{ "json.marshal_with_options", { "1", "{\"pretty\": 1}" },
	  "!type: json.marshal_with_options: operand 2 key pretty failed cast to bool" },
	{ "json.marshal_with_options", { "1", "{\"indent\": 1}" },
	  "!type: json.marshal_with_options: operand 2 key indent failed cast to string: operand 0 must be string but got number" },
	{ "json.unmarshal", { "\"{\\\"a\\\": [1, 2.5, \\\"x\\\", true, null]}\"" },
	  "{\"a\": [1, 2.5, \"x\", true, null]}" },
	{ "json.unmarshal", { "\" 7 \"" }, "7" },
	{ "json.unmarshal", { "\"{\\\"a\\\": 1, \\\"a\\\": 2}\"" }, "{\"a\": 2}" },
	{ "json.unmarshal", { "\"\\\"\\\\ud83d\\\\ude00\\\"\"" },
	  "\"\\ud83d\\ude00\"" },
	{ "json.unmarshal", { "\"\\\"\\\\ud800x\\\"\"" }, "\"\\ufffdx\"" },
	{ "json.unmarshal", { "\"1 null\"" }, "1" },
	{ "json.unmarshal", { "\"12345678901234567890\"" },
	  "12345678901234567890" },
	{ "json.unmarshal", { "\"\"" }, "!error: json.unmarshal: EOF" },
	{ "json.unmarshal", { "\"{\"" },
	  "!error: json.unmarshal: unexpected EOF" },
	{ "json.unmarshal", { "\"tru\"" },
	  "!error: json.unmarshal: unexpected EOF" },
	{ "json.unmarshal", { "\"-\"" },
	  "!error: json.unmarshal: unexpected EOF" },
	{ "json.unmarshal", { "\"[1,]\"" },
	  "!error: json.unmarshal: invalid character ']' looking for beginning of value" },
	{ "json.unmarshal", { "\"{\\\"a\\\" 1}\"" },
	  "!error: json.unmarshal: invalid character '1' after object key" },
	{ "json.unmarshal", { "\"{\\\"a\\\": 1 \\\"b\\\"}\"" },
	  "!error: json.unmarshal: invalid character '\"' after object key:value pair" },
	{ "json.unmarshal", { "\"[1 2]\"" },
	  "!error: json.unmarshal: invalid character '2' after array element" },
	{ "json.unmarshal", { "\"{,}\"" },
	  "!error: json.unmarshal: invalid character ',' looking for beginning of object key string" },
	{ "json.unmarshal", { "\"trux\"" },
	  "!error: json.unmarshal: invalid character 'x' in literal true (expecting 'e')" },
	{ "json.unmarshal", { "\"1.e\"" },
	  "!error: json.unmarshal: invalid character 'e' after decimal point in numeric literal" },
	{ "json.unmarshal", { "\"1e+\"" },
	  "!error: json.unmarshal: unexpected EOF" },
	{ "json.unmarshal", { "\"\\\"a\\tb\\\"\"" },
	  "!error: json.unmarshal: invalid character '\\t' in string literal" },
	{ "json.unmarshal", { "\"\\\"\\\\x\\\"\"" },
	  "!error: json.unmarshal: invalid character 'x' in string escape code" },
	{ "json.unmarshal", { "\"\\\"\\\\u12g4\\\"\"" },
	  "!error: json.unmarshal: invalid character 'g' in \\u hexadecimal character escape" },
	{ "json.unmarshal", { "\"'a'\"" },
	  "!error: json.unmarshal: invalid character '\\'' looking for beginning of value" },
	{ "json.unmarshal", { "\"1 2\"" },
	  "!error: json.unmarshal: error: invalid character '2' after top-level value" },
	{ "json.unmarshal", { "\"01\"" },
	  "!error: json.unmarshal: error: invalid character '1' after top-level value" },
	{ "json.unmarshal", { "\"1 \\\"ab\\\"\"" },
	  "!error: json.unmarshal: error: invalid character 'ab' after top-level value" },
	{ "json.unmarshal", { "\"[1] [2]\"" },
	  "!error: json.unmarshal: error: invalid character '[' after top-level value" },
	{ "json.unmarshal", { "\"1 true\"" },
	  "!error: json.unmarshal: error: invalid character '%!s(bool=true)' after top-level value" },
	{ "json.unmarshal", { "\"1 x\"" },
	  "!error: json.unmarshal: invalid character 'x' looking for beginning of value" },
	{ "json.unmarshal", { "\"1 ]\"" },
	  "!error: json.unmarshal: invalid character ']' looking for beginning of value" },
	{ "json.unmarshal", { "1" },
	  "!type: json.unmarshal: operand 1 must be string but got number" },
	{ "json.is_valid", { "\"plainstring\"" }, "false" },
	{ "json.is_valid", { "\"{\"" }, "false" },
	{ "json.is_valid", { "\"{\\\"json\\\": \\\"ok\\\"}\"" }, "true" },
	{ "json.is_valid", { "\" [1, {}] \"" }, "true" },
	{ "json.is_valid", { "\"1 2\"" }, "false" },
	{ "json.is_valid", { "\"\"" }, "false" },
	{ "json.is_valid", { "1" }, "false" },
};

static const struct rbc_case crypto_cases[] = {
	{ "crypto.md5", { "\"\"" }, "\"d41d8cd98f00b204e9800998ecf8427e\"" },
	{ "crypto.sha1", { "\"abc\"" },
	  "\"a9993e364706816aba3e25717850c26c9cd0d89d\"" },
	{ "crypto.sha256", { "\"abc\"" },
	  "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"" },
	{ "crypto.sha256", { "1" },
	  "!type: crypto.sha256: operand 1 must be string but got number" },
	{ "crypto.hmac.md5",
	  { "\"The quick brown fox jumps over the lazy dog\"", "\"key\"" },
	  "\"80070713463e7749b90c2dc24911e275\"" },
	{ "crypto.hmac.sha1",
	  { "\"The quick brown fox jumps over the lazy dog\"", "\"key\"" },
	  "\"de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9\"" },
	{ "crypto.hmac.sha256",
	  { "\"The quick brown fox jumps over the lazy dog\"", "\"key\"" },
	  "\"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8\"" },
	{ "crypto.hmac.sha512",
	  { "\"The quick brown fox jumps over the lazy dog\"", "\"key\"" },
	  "\"b42af09057bac1e2d41708e48a902e09b5ff7f12ab428a4fe86653c73dd248fb82f948a549f7b791a5b41915ee4d1ec3935357e4e2317250d0372afa2ebeeb3a\"" },
	{ "crypto.hmac.sha256", { "\"x\"", "1" },
	  "!type: crypto.hmac.sha256: operand 2 must be string but got number" },
	{ "crypto.hmac.sha256", { "1", "\"k\"" },
	  "!type: crypto.hmac.sha256: operand 1 must be string but got number" },
	{ "crypto.hmac.equal", { "\"abc\"", "\"abc\"" }, "true" },
	{ "crypto.hmac.equal", { "\"abc\"", "\"abd\"" }, "false" },
	{ "crypto.hmac.equal", { "\"abc\"", "\"ab\"" }, "false" },
	{ "crypto.hmac.equal", { "\"\"", "\"\"" }, "true" },
	{ "crypto.hmac.equal", { "1", "\"a\"" },
	  "!type: crypto.hmac.equal: operand 1 must be string but got number" },
	{ "crypto.hmac.equal", { "\"a\"", "[]" },
	  "!type: crypto.hmac.equal: operand 2 must be string but got array" },
};

static const struct rbc_case semver_cases[] = {
	{ "semver.compare", { "\"1.0.0\"", "\"1.0.1\"" }, "-1" },
	{ "semver.compare", { "\"1.2.3\"", "\"1.2.3\"" }, "0" },
	{ "semver.compare", { "\"2.0.0\"", "\"1.99.99\"" }, "1" },
	{ "semver.compare", { "\"1.0.0-alpha\"", "\"1.0.0\"" }, "-1" },
	{ "semver.compare", { "\"1.0.0\"", "\"1.0.0-rc.1\"" }, "1" },
	{ "semver.compare", { "\"1.2.3+01\"", "\"1.2.3+2\"" }, "0" },
	{ "semver.compare", { "\"1.2.3-0\"", "\"1.2.3-1\"" }, "-1" },
	{ "semver.compare", { "\"1.0.0-99999999999999999999\"",
			      "\"1.0.0-100000000000000000000\"" }, "-1" },
	{ "semver.compare", { "\"1.0.0-1\"", "\"1.0.0-a\"" }, "-1" },
	{ "semver.compare", { "\"1.02.3\"", "\"1.2.3\"" },
	  "!error: semver.compare: operand 1: string \"1.02.3\" is not a valid SemVer" },
	{ "semver.compare", { "\"1.2.3\"", "\"1.2.3-01\"" },
	  "!error: semver.compare: operand 2: string \"1.2.3-01\" is not a valid SemVer" },
	{ "semver.compare", { "\"1.2.3-\"", "\"1.2.3\"" },
	  "!error: semver.compare: operand 1: string \"1.2.3-\" is not a valid SemVer" },
	{ "semver.compare", { "\"1\"", "\"1.0.0\"" },
	  "!error: semver.compare: operand 1: string \"1\" is not a valid SemVer" },
	{ "semver.compare", { "\"1.0.0\"", "\"v1.0.0\"" },
	  "!error: semver.compare: operand 2: string \"v1.0.0\" is not a valid SemVer" },
	{ "semver.compare", { "\"1.0.0\"", "\"x\\\"\\n\\u00e9\"" },
	  "!error: semver.compare: operand 2: string \"x\\\"\\n\u00e9\" is not a valid SemVer" },
	{ "semver.compare", { "1", "\"1.0.0\"" },
	  "!type: semver.compare: operand 1 must be string but got number" },
	{ "semver.compare", { "\"1.0.0\"", "null" },
	  "!type: semver.compare: operand 2 must be string but got null" },
	{ "semver.is_valid", { "\"1.1.12-rc1+foo\"" }, "true" },
	{ "semver.is_valid", { "\"1.1.12-rc.1+foo\"" }, "true" },
	{ "semver.is_valid", { "\"1.0.0-a-b.0.x-1+build.007\"" }, "true" },
	{ "semver.is_valid", { "\"0.0.0\"" }, "true" },
	{ "semver.is_valid", { "\"v1.1.12-rc1+foo\"" }, "false" },
	{ "semver.is_valid", { "\"1.2.3+\"" }, "false" },
	{ "semver.is_valid", { "\"1.2.3-a..b\"" }, "false" },
	{ "semver.is_valid", { "\"1.2.3-a_b\"" }, "false" },
	{ "semver.is_valid", { "\"1.2\"" }, "false" },
	{ "semver.is_valid", { "\"1.2.3.4\"" }, "false" },
	{ "semver.is_valid", { "\"99999999999999999999.0.0\"" }, "false" },
	{ "semver.is_valid", { "\"\"" }, "false" },
	{ "semver.is_valid", { "1" }, "false" },
	{ "semver.is_valid", { "[\"1.1.12\"]" }, "false" },
};

static const struct rbc_case units_cases[] = {
	{ "units.parse_bytes", { "\"\\\"100TIB\\\"\"" }, "109951162777600" },
	{ "units.parse_bytes", { "\"0\"" }, "0" },
	/* past int64: OPA's big.Int, every digit */
	{ "units.parse_bytes", { "\"10Ei\"" }, "11529215046068469760" },
	{ "units.parse_bytes", { "\"1e30\"" }, "1000000000000000000024696061952" },
	{ "units.parse_bytes", { "\".0\"" }, "0" },
	{ "units.parse_bytes", { "\"12345\"" }, "12345" },
	{ "units.parse_bytes", { "\"10KB\"" }, "10000" },
	{ "units.parse_bytes", { "\"10Kib\"" }, "10240" },
	{ "units.parse_bytes", { "\"1.1KiB\"" }, "1126" },
	{ "units.parse_bytes", { "\".5KB\"" }, "500" },
	{ "units.parse_bytes", { "\"200mb\"" }, "200000000" },
	{ "units.parse_bytes", { "\"100pib\"" }, "112589990684262400" },
	{ "units.parse_bytes", { "\"10e\"" }, "10000000000000000000" },
	{ "units.parse_bytes", { "\"10eib\"" }, "11529215046068469760" },
	{ "units.parse_bytes", { "\"1e3KB\"" }, "1000000" },
	{ "units.parse_bytes", { "\"1e-2KB\"" }, "10" },
	{ "units.parse_bytes", { "\"4.5e1GiB\"" }, "48318382080" },
	{ "units.parse_bytes", { "\"5E\"" }, "5000000000000000000" },
	{ "units.parse_bytes", { "\"-1.5k\"" }, "-1500" },
	{ "units.parse_bytes", { "\"\"" },
	  "!error: units.parse_bytes: units.parse_bytes: no byte amount provided" },
	{ "units.parse_bytes", { "\"GB\"" },
	  "!error: units.parse_bytes: units.parse_bytes: no byte amount provided" },
	{ "units.parse_bytes", { "\"0.0.0\"" },
	  "!error: units.parse_bytes: units.parse_bytes: could not parse byte amount to a number" },
	{ "units.parse_bytes", { "\".5.2\"" },
	  "!error: units.parse_bytes: units.parse_bytes: could not parse byte amount to a number" },
	{ "units.parse_bytes", { "\"100 kb\"" },
	  "!error: units.parse_bytes: units.parse_bytes: spaces not allowed in resource strings" },
	{ "units.parse_bytes", { "\"10e10000000EiB\"" },
	  "!error: units.parse_bytes: units.parse_bytes: exponent too large" },
	{ "units.parse_bytes", { "\"10XB\"" },
	  "!error: units.parse_bytes: units.parse_bytes: byte unit xb not recognized" },
	{ "units.parse_bytes", { "1" },
	  "!type: units.parse_bytes: operand 1 must be string but got number" },
	{ "units.parse", { "\"\\\"100TI\\\"\"" }, "109951162777600" },
	{ "units.parse", { "\"0.0\"" }, "0" },
	{ "units.parse", { "\"10K\"" }, "10000" },
	{ "units.parse", { "\"10KI\"" }, "10240" },
	{ "units.parse", { "\"1.1Ki\"" }, "1126.4" },
	{ "units.parse", { "\"1.1K\"" }, "1100" },
	{ "units.parse", { "\"100m\"" }, "0.1" },
	{ "units.parse", { "\"100M\"" }, "100000000" },
	{ "units.parse", { "\"-3.5E2m\"" }, "-0.35" },
	{ "units.parse", { "\"1e-2\"" }, "0.01" },
	{ "units.parse", { "\"7.8E-1\"" }, "0.78" },
	{ "units.parse", { "\"10E\"" }, "10000000000000000000" },
	{ "units.parse", { "\"10ei\"" }, "11529215046068469760" },
	{ "units.parse", { "\"5E\"" }, "5000000000000000000" },
	{ "units.parse", { "\"6e3Mi\"" }, "6291456000" },
	{ "units.parse", { "\"1.23456789012345\"" }, "1.2345678901" },
	{ "units.parse", { "\"\"" },
	  "!error: units.parse: units.parse: no amount provided" },
	{ "units.parse", { "\"1 K\"" },
	  "!error: units.parse: units.parse: spaces not allowed in resource strings" },
	{ "units.parse", { "\"1KB\"" },
	  "!error: units.parse: units.parse: unit Kb not recognized" },
	{ "units.parse", { "\"1..2\"" },
	  "!error: units.parse: units.parse: could not parse amount to a number" },
	{ "units.parse", { "false" },
	  "!type: units.parse: operand 1 must be string but got boolean" },
};

static const struct rbc_case time_cases[] = {
	{ "time.now_ns", { NULL }, "1700000000123456789" },
	{ "time.parse_rfc3339_ns", { "\"1677-09-21T00:12:43.145224192-00:00\"" },
	  "-9223372036854775808" },
	{ "time.parse_rfc3339_ns", { "\"1970-01-01T00:00:00-00:00\"" }, "0" },
	{ "time.parse_rfc3339_ns", { "\"2017-06-02T19:00:00-07:00\"" },
	  "1496455200000000000" },
	{ "time.parse_rfc3339_ns", { "\"2262-04-11T23:47:16.854775807-00:00\"" },
	  "9223372036854775807" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02T15:04:05,5Z\"" },
	  "1136214245500000000" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02T15:04:05.1234567891Z\"" },
	  "1136214245123456789" },
	{ "time.parse_rfc3339_ns", { "\"1677-09-21T00:12:43.145224191-00:00\"" },
	  "!error: time.parse_rfc3339_ns: time outside of valid range" },
	{ "time.parse_rfc3339_ns", { "\"2262-04-11T23:47:16.854775808-00:00\"" },
	  "!error: time.parse_rfc3339_ns: time outside of valid range" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-01-02\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"T\"" },
	{ "time.parse_rfc3339_ns", { "\"2006-13-02T15:04:05Z\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-13-02T15:04:05Z\": month out of range" },
	{ "time.parse_rfc3339_ns", { "\"2006-02-30T15:04:05Z\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-02-30T15:04:05Z\": day out of range" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02T24:04:05Z\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-01-02T24:04:05Z\": hour out of range" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02T15:04:05Zjunk\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-01-02T15:04:05Zjunk\": extra text: \"junk\"" },
	{ "time.parse_rfc3339_ns", { "\"2006-01-02T15:04:05+25:00\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"2006-01-02T15:04:05+25:00\": time zone offset hour out of range" },
	{ "time.parse_rfc3339_ns", { "\"x\\u00e9\"" },
	  "!error: time.parse_rfc3339_ns: parsing time \"x\\xc3\\xa9\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"x\\xc3\\xa9\" as \"2006\"" },
	{ "time.parse_rfc3339_ns", { "1" },
	  "!type: time.parse_rfc3339_ns: operand 1 must be string but got number" },
	{ "time.parse_ns", { "\"2006-01-02\"", "\"2020-02-02\"" },
	  "1580601600000000000" },
	{ "time.parse_ns", { "\"RFC822Z\"", "\"02 Jan 06 15:04 -0700\"" },
	  "1136239440000000000" },
	{ "time.parse_ns", { "\"ANSIC\"", "\"Tue Feb  3 10:00:00 2015\"" },
	  "1422957600000000000" },
	{ "time.parse_ns", { "\"RFC1123\"", "\"mon, 02 JAN 2006 15:04:05 PST\"" },
	  "1136214245000000000" },
	{ "time.parse_ns", { "\"Jan 2, 2006 at 3:04pm (MST)\"",
			     "\"Feb 3, 2013 at 7:54pm (UTC)\"" },
	  "1359921240000000000" },
	{ "time.parse_ns", { "\"2006-01-02 15:04:05.000\"",
			     "\"2020-01-01 00:00:00.123\"" },
	  "1577836800123000000" },
	{ "time.parse_ns", { "\"2006-002\"", "\"2020-060\"" },
	  "1582934400000000000" },
	{ "time.parse_ns", { "\"2006-01-02 MST\"", "\"2020-01-01 GMT+3\"" },
	  "1577836800000000000" },
	{ "time.parse_ns", { "\"3:04PM\"", "\"9:30AM\"" },
	  "!error: time.parse_ns: time outside of valid range" },
	{ "time.parse_ns", { "\"2006-01-02\"", "\"2020/01/02\"" },
	  "!error: time.parse_ns: parsing time \"2020/01/02\" as \"2006-01-02\": cannot parse \"/01/02\" as \"-\"" },
	{ "time.parse_ns", { "\"2006-002\"", "\"2021-366\"" },
	  "!error: time.parse_ns: parsing time \"2021-366\": day-of-year out of range" },
	{ "time.parse_ns", { "\"Mon 2006\"", "\"Xyz 2006\"" },
	  "!error: time.parse_ns: parsing time \"Xyz 2006\" as \"Mon 2006\": cannot parse \"Xyz 2006\" as \"Mon\"" },
	{ "time.parse_ns", { "1", "\"x\"" },
	  "!type: time.parse_ns: operand 1 must be string but got number" },
	{ "time.parse_ns", { "\"x\"", "1" },
	  "!type: time.parse_ns: operand 2 must be string but got number" },
	{ "time.parse_duration_ns", { "\"100ms\"" }, "100000000" },
	{ "time.parse_duration_ns", { "\"1h30m\"" }, "5400000000000" },
	{ "time.parse_duration_ns", { "\"-1.5h\"" }, "-5400000000000" },
	{ "time.parse_duration_ns", { "\"0\"" }, "0" },
	{ "time.parse_duration_ns", { "\".5s\"" }, "500000000" },
	{ "time.parse_duration_ns", { "\"1\\u00b5s2us\"" }, "3000" },
	{ "time.parse_duration_ns", { "\"9223372036854775807ns\"" },
	  "9223372036854775807" },
	{ "time.parse_duration_ns", { "\"-9223372036854775808ns\"" },
	  "-9223372036854775808" },
	{ "time.parse_duration_ns", { "\"9223372036854775808ns\"" },
	  "!error: time.parse_duration_ns: time: invalid duration \"9223372036854775808ns\"" },
	{ "time.parse_duration_ns", { "\"\"" },
	  "!error: time.parse_duration_ns: time: invalid duration \"\"" },
	{ "time.parse_duration_ns", { "\"1\"" },
	  "!error: time.parse_duration_ns: time: missing unit in duration \"1\"" },
	{ "time.parse_duration_ns", { "\"1x\"" },
	  "!error: time.parse_duration_ns: time: unknown unit \"x\" in duration \"1x\"" },
	{ "time.parse_duration_ns", { "2" },
	  "!type: time.parse_duration_ns: operand 1 must be string but got number" },
	{ "time.date", { "1517814000000000000" }, "[2018, 2, 5]" },
	{ "time.date", { "-1" }, "[1969, 12, 31]" },
	/* the earliest instant: its second times 10^9 overflows int64 (UBSan) */
	{ "time.date", { "-9223372036854775808" }, "[1677, 9, 21]" },
	{ "time.clock", { "-9223372036854775808" }, "[0, 12, 43]" },
	{ "time.date", { "[0, \"\"]" }, "[1970, 1, 1]" },
	{ "time.date", { "1.5" }, "!error: time.date: timestamp too big" },
	{ "time.date", { "1e30" }, "!error: time.date: timestamp too big" },
	{ "time.date", { "\"x\"" },
	  "!type: time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string" },
	{ "time.date", { "[]" },
	  "!type: time.date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got array" },
	{ "time.date", { "[\"x\"]" },
	  "!type: time.date: operand 1 must be number but got string" },
	{ "time.date", { "[0, 1]" },
	  "!type: time.date: operand 1 must be string but got number" },
	{ "time.date", { "[0, \"UTC\", 1]" },
	  "!type: time.date: operand 1 must be string but got number" },
	{ "time.date", { "[0, \"../etc/passwd\"]" },
	  "!error: time.date: time: invalid location name" },
	{ "time.date", { "[0, \"/etc/passwd\"]" },
	  "!error: time.date: time: invalid location name" },
	{ "time.clock", { "1582977600000000000" }, "[12, 0, 0]" },
	{ "time.clock", { "-1" }, "[23, 59, 59]" },
	{ "time.clock", { "true" },
	  "!type: time.clock: operand 1 must be either number (ns) or [number (ns), string (tz)] but got boolean" },
	{ "time.weekday", { "1518177600000000000" }, "\"Friday\"" },
	{ "time.weekday", { "0" }, "\"Thursday\"" },
	{ "time.weekday", { "1e20" }, "!error: time.weekday: timestamp too big" },
	{ "time.add_date", { "1585852421593912000", "3", "9", "12" },
	  "1705257221593912000" },
	{ "time.add_date", { "0", "0", "-1", "0" }, "-2678400000000000" },
	{ "time.add_date", { "0", "0", "14", "-400" }, "2073600000000000" },
	{ "time.add_date", { "1580515200000000000", "0", "1", "0" },
	  "1583020800000000000" },
	{ "time.add_date", { "0", "2262", "1", "1" },
	  "!error: time.add_date: time outside of valid range" },
	{ "time.add_date", { "0", "-100000000000000", "0", "0" },
	  "!error: time.add_date: time outside of valid range" },
	{ "time.add_date", { "0", "0", "0", "1.5" },
	  "!type: time.add_date: operand 4 must be integer number but got floating-point number" },
	{ "time.add_date", { "0", "\"1\"", "0", "0" },
	  "!type: time.add_date: operand 2 must be number but got string" },
	{ "time.add_date", { "{}", "0", "0", "0" },
	  "!type: time.add_date: operand 1 must be either number (ns) or [number (ns), string (tz)] but got object" },
	{ "time.diff", { "61000000000", "0" }, "[0, 0, 0, 0, 1, 1]" },
	{ "time.diff", { "1580601600000000000", "1583020800000000000" },
	  "[0, 0, 28, 0, 0, 0]" },
	{ "time.diff", { "1612224000000000000", "1614556800000000000" },
	  "[0, 0, 27, 0, 0, 0]" },
	{ "time.diff", { "1078012800000000000", "1109635200000000000" },
	  "[1, 0, 1, 0, 0, 0]" },
	{ "time.diff", { "0", "\"x\"" },
	  "!type: time.diff: operand 1 must be either number (ns) or [number (ns), string (tz)] but got string" },
	{ "time.format", { "1670006453141828752" },
	  "\"2022-12-02T18:40:53.141828752Z\"" },
	{ "time.format", { "0" }, "\"1970-01-01T00:00:00Z\"" },
	{ "time.format", { "[0, \"UTC\", \"Monday January 2 2006 3:04:05.000 PM pm -07:00 Z07 MST __2 002 _2 06 .999 ,000000000000\"]" },
	  "\"Thursday January 1 1970 12:00:00.000 AM am +00:00 Z UTC   1 001  1 70  ,000000000\"" },
	{ "time.format", { "[-1, \"\", \"2006-01-02 15:04:05.999999999 -0700\"]" },
	  "\"1969-12-31 23:59:59.999999999 +0000\"" },
	{ "time.format", { "[1, \"\", \"RFC3339Nano\"]" },
	  "\"1970-01-01T00:00:00.000000001Z\"" },
	{ "time.format", { "1.5e22" }, "!error: time.format: timestamp too big" },
};

/* Cases that need the system zone database. */
static const struct rbc_case tz_cases[] = {
	{ "time.clock", { "[1517832000000000000, \"America/New_York\"]" },
	  "[7, 0, 0]" },
	{ "time.date", { "[0, \"America/New_York\"]" }, "[1969, 12, 31]" },
	{ "time.weekday", { "[0, \"Asia/Tokyo\"]" }, "\"Thursday\"" },
	{ "time.format", { "[1670006453141828752, \"Asia/Kolkata\"]" },
	  "\"2022-12-03T00:10:53.141828752+05:30\"" },
	{ "time.format",
	  { "[1670006453141828752, \"Asia/Kolkata\", \"Mon Jan 02 15:04:05 -0700 2006\"]" },
	  "\"Sat Dec 03 00:10:53 +0530 2022\"" },
	{ "time.format", { "[1670006453141828752, \"Asia/Kolkata\", \"RFC1123Z\"]" },
	  "\"Sat, 03 Dec 2022 00:10:53 +0530\"" },
	/* Past the last transition in the file: the POSIX rule decides. */
	{ "time.format", { "[4102444800000000000, \"America/New_York\", \"15:04 MST\"]" },
	  "\"19:00 EST\"" },
	{ "time.format", { "[4118083200000000000, \"America/New_York\", \"15:04 MST -07:00\"]" },
	  "\"20:00 EDT -04:00\"" },
	{ "time.format", { "[4118083200000000000, \"Australia/Sydney\", \"15:04 MST\"]" },
	  "\"10:00 AEST\"" },
	{ "time.format", { "[4102444800000000000, \"Australia/Sydney\", \"15:04 MST\"]" },
	  "\"11:00 AEDT\"" },
	{ "time.format", { "[0, \"Asia/Kolkata\", \"15:04:05 -07:00:00 Z070000\"]" },
	  "\"05:30:00 +05:30:00 +053000\"" },
	/* Adding a day keeps the wall clock across a DST change. */
	{ "time.add_date", { "[1615654800000000000, \"America/New_York\"]", "0",
			     "0", "1" },
	  "1615737600000000000" },
	{ "time.diff", { "[60000000000, \"UTC\"]", "[0, \"Asia/Shanghai\"]" },
	  "[0, 0, 0, 0, 1, 0]" },
	{ "time.date", { "[0, \"Nowhere/Atlantis\"]" },
	  "!error: time.date: unknown time zone Nowhere/Atlantis" },
	{ "time.date", { "[0, \"America\"]" },
	  "!error: time.date: is a directory" },
};

/* Inputs JSON cannot carry: raw bytes and sets. */
static void check_special(void)
{
	struct rv_builder b;
	struct rv *args[2], *set, *out, *obj;
	char msg[256];

	check_raw("base64url.encode", "\xfb\xff", 2, "-_8=", 4);
	check_raw("base64.encode", "\xfb\xff", 2, "+/8=", 4);
	check_raw("base64.decode", "AP8=", 4, "\0\xff", 2);
	check_raw("hex.decode", "\xff", 1,
		  "!hex.decode: encoding/hex: invalid byte: U+00FF '\xc3\xbf'", 0);
	check_raw("hex.decode", "00\xad", 3,
		  "!hex.decode: encoding/hex: invalid byte: U+00AD", 0);
	check_raw("hex.encode", "\0\xff", 2, "00ff", 4);
	check_raw("json.marshal", "a\xff\x00", 3, "\"a\\ufffd\\u0000\"", 15);
	check_raw("json.unmarshal", "\"a\xff\"", 4, "a\xef\xbf\xbd", 4);
	check_raw("json.unmarshal", "\"\x01\"", 3,
		  "!json.unmarshal: invalid character '\\x01' in string literal", 0);
	check_raw("json.unmarshal", "\xc3\xa9", 2,
		  "!json.unmarshal: invalid character '\xc3\x83' looking for beginning of value", 0);
	check_raw("crypto.md5", "\0", 1, "93b885adfe0da089cdf634904fd59f71",
		  32);

	/* json.marshal of a set and of non-string keys, as OPA's ast.JSON
	 * converts them. */
	rv_builder_init(&b, &rbc_arena);
	rv_builder_add(&b, rv_int(&rbc_arena, 3));
	rv_builder_add(&b, rv_int(&rbc_arena, 1));
	rv_builder_add(&b, rv_int(&rbc_arena, 2));
	set = rv_set_finish(&b);
	rv_builder_init(&b, &rbc_arena);
	rv_builder_put(&b, rv_cstring(&rbc_arena, "foo"), set);
	rv_builder_put(&b, rbc_json("[1, \"a\"]"), rv_int(&rbc_arena, 5));
	rv_builder_put(&b, rv_int(&rbc_arena, 1), rv_cstring(&rbc_arena, "x"));
	rv_builder_put(&b, rv_cstring(&rbc_arena, "1"), rv_cstring(&rbc_arena, "y"));
	obj = rv_object_finish(&b, NULL);
	args[0] = obj;
	CHECK(rbc_call("json.marshal", args, &out, msg, sizeof(msg)) == RB_OK &&
	      !strcmp(out->u.str.s,
		      "{\"1\":\"y\",\"[1,\\\"a\\\"]\":5,\"foo\":[1,2,3]}"));
	args[0] = rv_cstring(&rbc_arena, "{\"a\":1}");
	args[1] = set;
	CHECK(rbc_call("json.marshal_with_options", args, &out, msg,
		   sizeof(msg)) == RB_TYPE_ERROR &&
	      !strcmp(msg, "json.marshal_with_options: operand 2 must be object but got set"));

	/* urlquery.encode_object takes sets of strings. */
	rv_builder_init(&b, &rbc_arena);
	rv_builder_add(&b, rv_cstring(&rbc_arena, "z"));
	rv_builder_add(&b, rv_cstring(&rbc_arena, "y"));
	set = rv_set_finish(&b);
	rv_builder_init(&b, &rbc_arena);
	rv_builder_put(&b, rv_cstring(&rbc_arena, "k"), set);
	args[0] = rv_object_finish(&b, NULL);
	CHECK(rbc_call("urlquery.encode_object", args, &out, msg, sizeof(msg)) ==
		      RB_OK && !strcmp(out->u.str.s, "k=y&k=z"));

	/* Deep documents: 2048 levels (Go allows 10000; see
	 * builtins_json.c). */
	{
		size_t depth = 2049, i;
		char *s = malloc(2 * depth + 1);

		for (i = 0; i < depth; i++) {
			s[i] = '[';
			s[2 * depth - 1 - i] = ']';
		}
		args[0] = S(s + 1, 2 * depth - 2);
		CHECK(rbc_call("json.unmarshal", args, &out, msg, sizeof(msg)) ==
		      RB_OK);
		CHECK(rbc_call("json.is_valid", args, &out, msg, sizeof(msg)) ==
			      RB_OK && out->u.b);
		args[0] = S(s, 2 * depth);
		CHECK(rbc_call("json.unmarshal", args, &out, msg, sizeof(msg)) ==
			      RB_ERROR &&
		      !strcmp(msg, "json.unmarshal: invalid character '[' exceeded max depth"));
		CHECK(rbc_call("json.is_valid", args, &out, msg, sizeof(msg)) ==
			      RB_OK && !out->u.b);
		free(s);
	}
}

/* SemVer 2.0.0's own precedence example, pairwise. */
static void check_semver_order(void)
{
	static const char *const order[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", "1.0.1", "1.1.0", "2.0.0",
	};
	size_t n = sizeof(order) / sizeof(*order), i, j;
	struct rv *args[2], *out;
	char msg[256];

	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			int64_t want = (i > j) - (i < j);

			args[0] = rv_cstring(&rbc_arena, order[i]);
			args[1] = rv_cstring(&rbc_arena, order[j]);
			CHECK_MSG(rbc_call("semver.compare", args, &out, msg,
				       sizeof(msg)) == RB_OK &&
					  out->u.num.i == want,
				  "semver.compare(%s, %s) = %s", order[i],
				  order[j], rbc_show(out));
		}
	}
}

/* Every built-in refuses the wrong type for each of its operands (or
 * answers false, for the is_valid family); json.marshal takes anything. */
static void check_every_operand(const struct rb_def *defs)
{
	const struct rb_def *d;
	struct rv *args[4], *out;
	char msg[256];
	unsigned i, k;
	enum rb_status st;

	for (d = defs; d->name; d++) {
		for (i = 0; i < d->nargs; i++) {
			for (k = 0; k < d->nargs; k++)
				args[k] = rbc_json("\"1\"");
			args[i] = rv_empty_set();
			if (i == 0 && !strncmp(d->name, "json.marshal", 12))
				continue;
			st = rbc_call(d->name, args, &out, msg, sizeof(msg));
			CHECK_MSG(st == RB_TYPE_ERROR ||
					  (st == RB_OK && out->type == RV_BOOL &&
					   !out->u.b),
				  "%s operand %u: status %d [%s]", d->name,
				  i + 1, st, msg);
		}
	}
}

int main(void)
{
	struct rv_arena small;
	struct rv *args[1], *out;
	char msg[256];
	struct rb_ctx c;

	rv_arena_init(&rbc_arena, 0);
	rbc_now_ns = 1700000000123456789LL;
	RBC_RUN(base64_cases);
	RBC_RUN(hex_url_cases);
	RBC_RUN(json_cases);
	RBC_RUN(crypto_cases);
	RBC_RUN(semver_cases);
	RBC_RUN(units_cases);
	RBC_RUN(time_cases);
	if (access("/usr/share/zoneinfo/America/New_York", R_OK) == 0)
		RBC_RUN(tz_cases);
	else
		fprintf(stderr, "no zone database: zone cases skipped\n");
	check_special();
	check_semver_order();
	check_every_operand(rb_encode_defs);
	check_every_operand(rb_json_defs);
	check_every_operand(rb_time_defs);

	/* Out of arena memory is an error, never a crash. */
	rv_arena_init(&small, 64);
	args[0] = rv_cstring(&rbc_arena, "hello world, this is longer than 64 bytes of arena budget....");
	c = (struct rb_ctx){ &small, "base64.encode", 0, "" };
	CHECK(rb_lookup("base64.encode", 13)->fn(&c, args, &out) == RB_ERROR);
	c.name = "json.unmarshal";
	args[0] = rv_cstring(&rbc_arena, "[[1,2,3],[4,5,6],{\"a\":\"bcdefghijklmnopqrstuvwxyz\"}]");
	CHECK(rb_lookup("json.unmarshal", 14)->fn(&c, args, &out) == RB_ERROR);
	rv_arena_free(&small);
	(void)msg;

	rv_arena_free(&rbc_arena);
	return test_summary();
}
