/* test_jcs - RFC 8785 canonical JSON (src/core/jcs.h).
 *
 * The number vectors are RFC 8785 appendix B's IEEE 754 values, with the
 * text PyPI's rfc8785 0.1.4 (Trail of Bits) writes for each, checked by
 * hand against the appendix where it lists them; the string and sorting
 * examples are the RFC's sections 3.2.2 and 3.2.3, the outputs again
 * rfc8785's. trustee's own binding vector is its attestation service's
 * test (confidential-containers/trustee 78962cd,
 * attestation-service/src/lib.rs:410).
 *
 *   test_jcs                 the tests
 *   test_jcs --canon FILE    each line of FILE (a JSON text) canonical, one
 *                            per line (the peer test's side) */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "jcs.h"
#include "test.h"

static char *canon(const char *json)
{
	static char out[4096];
	json_error_t je;
	json_t *v = json_loads(json, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	struct eaa_err err;
	size_t n;
	char *s;

	if (!v)
		return strcpy(out, "(parse error)");
	s = jcs_serialize(v, &n, &err);
	json_decref(v);
	snprintf(out, sizeof(out), "%s", s ? s : err.msg);
	CHECK(!s || strlen(s) == n);
	free(s);
	return out;
}

static void test_numbers(void)
{
	static const struct {
		const char *bits, *text;
	} v[] = {
		{ "0000000000000000", "0" },
		{ "8000000000000000", "0" },
		{ "0000000000000001", "5e-324" },
		{ "8000000000000001", "-5e-324" },
		{ "7fefffffffffffff", "1.7976931348623157e+308" },
		{ "ffefffffffffffff", "-1.7976931348623157e+308" },
		{ "4340000000000000", "9007199254740992" },
		{ "c340000000000000", "-9007199254740992" },
		{ "4430000000000000", "295147905179352830000" },
		{ "44b52d02c7e14af5", "9.999999999999997e+22" },
		{ "44b52d02c7e14af6", "1e+23" },
		{ "44b52d02c7e14af7", "1.0000000000000001e+23" },
		{ "444b1ae4d6e2ef4e", "999999999999999700000" },
		{ "444b1ae4d6e2ef4f", "999999999999999900000" },
		{ "444b1ae4d6e2ef50", "1e+21" },
		{ "3eb0c6f7a0b5ed8c", "9.999999999999997e-7" },
		{ "3eb0c6f7a0b5ed8d", "0.000001" },
		{ "41b3de4355555553", "333333333.3333332" },
		{ "41b3de4355555554", "333333333.33333325" },
		{ "41b3de4355555555", "333333333.3333333" },
		{ "41b3de4355555556", "333333333.3333334" },
		{ "41b3de4355555557", "333333333.33333343" },
		{ "becbf647612f3696", "-0.0000033333333333333333" },
		{ "43143ff3c1cb0959", "1424953923781206.2" },
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint64_t bits = strtoull(v[i].bits, NULL, 16);
		char out[32];
		double d;

		memcpy(&d, &bits, sizeof(d));
		CHECK_MSG(jcs_number(d, out) && strcmp(out, v[i].text) == 0,
			  "%s: got %s, want %s", v[i].bits, out, v[i].text);
	}
	/* NaN and infinities have no JSON form */
	{
		uint64_t nan = 0x7ff8000000000000ull, inf = 0x7ff0000000000000ull;
		char out[32];
		double d;

		memcpy(&d, &nan, sizeof(d));
		CHECK(!jcs_number(d, out));
		memcpy(&d, &inf, sizeof(d));
		CHECK(!jcs_number(d, out));
	}
	/* integers are doubles: beyond 2^53 they become the nearest one */
	CHECK(strcmp(canon("[9007199254740993, -1, 10, 1e2, 100.0]"),
		     "[9007199254740992,-1,10,100,100]") == 0);
}

static void test_rfc_examples(void)
{
	const char *got;

	/* section 3.2.2: whitespace, literals, numbers and strings */
	got = canon("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
		    "              2e-3, 0.000000000000000000000000001],\n"
		    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
		    "  \"literals\": [null, true, false]\n}");
	CHECK_MSG(strcmp(got, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
			      "1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\""
			      "\\\\\\\\\\\"/\"}") == 0, "%s", got);
	/* section 3.2.3: members sorted by UTF-16 code units (the emoji's
	 * surrogates, 0xd83d..., sort before U+FB33 though its code point
	 * is larger) */
	got = canon("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\","
		    " \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\","
		    " \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
		    " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}");
	CHECK_MSG(strcmp(got, "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
			      "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
			      "\"\xe2\x82\xac\":\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
			      "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}") == 0, "%s", got);
	/* a prefix sorts first; nested values canonical too */
	CHECK(strcmp(canon("{\"ab\":{\"z\":[],\"y\":{}},\"a\":\"\\u001f\\b\\t\\f\"}"),
		     "{\"a\":\"\\u001f\\b\\t\\f\",\"ab\":{\"y\":{},\"z\":[]}}") == 0);
	/* U+2028 and DEL are not escaped; only controls, quote, backslash */
	CHECK(strcmp(canon("\"\\u2028\\u007f/\""), "\"\xe2\x80\xa8\x7f/\"") == 0);
}

/* trustee's binding test: SHA-384 of the canonical runtime data. */
static void test_trustee_vector(void)
{
	static const char want[] = "e71ce8e70d814ba6639c3612ebee0ff1f76f650f8dbb5e47"
				   "157e0f3f525cd22c4597480a186427c813ca941da78870c3";
	const char *got = canon("{\"b\": 1, \"a\": \"test\", \"c\": {\"d\": \"e\"}}");
	uint8_t md[48];
	unsigned int n = 0;
	char *hex;

	CHECK(strcmp(got, "{\"a\":\"test\",\"b\":1,\"c\":{\"d\":\"e\"}}") == 0);
	CHECK(EVP_Digest(got, strlen(got), md, &n, EVP_sha384(), NULL) == 1 && n == 48);
	hex = hex_encode(md, 48);
	CHECK_MSG(hex && strcmp(hex, want) == 0, "%s", hex ? hex : "(no memory)");
	free(hex);
}

static void test_refusals(void)
{
	struct eaa_err err;
	json_t *deep = json_array(), *a = deep;
	size_t n;
	char *s;
	int i;

	/* nesting past the bound is refused with where it happened */
	for (i = 0; i < 2100; i++) {
		json_t *b = json_array();

		json_array_append_new(a, b);
		a = b;
	}
	s = jcs_serialize(deep, &n, &err);
	CHECK_MSG(!s && strstr(err.msg, "nested deeper than 2048 at $[0][0]"), "%s", err.msg);
	free(s);
	json_decref(deep);
	CHECK(!jcs_serialize(NULL, &n, &err));
}

/* The peer test's side: every line of a file canonical. */
static int canon_file(const char *path)
{
	char line[1 << 16];
	FILE *f = fopen(path, "r");

	if (!f)
		return 2;
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *v = json_loads(line, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
				       JSON_ALLOW_NUL, &je);
		struct eaa_err err;
		size_t n;
		char *s = v ? jcs_serialize(v, &n, &err) : NULL;

		if (s)
			fwrite(s, 1, n, stdout);
		else
			printf("error: %s", v ? err.msg : je.text);
		putchar('\n');
		free(s);
		json_decref(v);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--canon") == 0)
		return canon_file(argv[2]);
	test_numbers();
	test_rfc_examples();
	test_trustee_vector();
	test_refusals();
	return test_summary();
}
