/* test_json_fast.c - the direct JSON reader (json_fast_loadb) gives
 * jansson's value for what the protocols carry (so the fast path is
 * taken), and never accepts what jansson refuses: each refusal below is
 * one jansson makes, each with the reader's own check that catches it. */
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "json_util.h"
#include "test.h"

/* Both read text the same way: the fast reader accepts it and writes
 * the same bytes as jansson's value. */
static bool same(const char *text, size_t flags)
{
	json_error_t je;
	json_t *a = json_fast_loadb(text, strlen(text), flags);
	json_t *b = json_loadb(text, strlen(text), flags, &je);
	char *x = a ? json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	char *y = b ? json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	bool ok = x && y && strcmp(x, y) == 0;

	if (!ok)
		fprintf(stderr, "    differs on %s: fast %s, jansson %s\n", text, x ? x : "(none)",
			y ? y : je.text);
	free(x);
	free(y);
	json_decref(a);
	json_decref(b);
	return ok;
}

/* Both refuse it. */
static bool refused(const char *text, size_t n, size_t flags)
{
	json_error_t je;
	json_t *a = json_fast_loadb(text, n, flags);
	json_t *b = json_loadb(text, n, flags, &je);
	bool ok = !a && !b;

	json_decref(a);
	json_decref(b);
	return ok;
}

int main(void)
{
	/* what the agent and verdictd read on every call */
	CHECK(same("{\"op\":\"keyunwrap\",\"keyunwrapparams\":{\"dc\":{\"Parameters\":"
		   "{\"attestation-agent\":[\"ZWFhX2tiYzo6MTI3LjAuMC4xOjEy\"]}},\"annotation\":"
		   "\"eyJraWQiOiJkZWZhdWx0L2tleS8xIn0=\"}}", 0));
	CHECK(same("{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"default/key/1\","
		   "\"encrypted_data\":\"AAEC\",\"algorithm\":\"A256GCM\",\"key_length\":256,"
		   "\"iv\":\"AAAAAAAAAAAAAAAA\"}]}", JSON_REJECT_DUPLICATES));
	CHECK(same("{\"data\":{\"AAEC\":\"b3B0cw==\"},\"status\":\"OK\"}", 0));
	/* values of every kind, escapes, order kept, last duplicate wins */
	CHECK(same(" [1, -0, 0.5, -1.5e3, 1E-2, true, false, null, \"\", [], {}] ", 0));
	CHECK(same("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80\"]", 0));
	CHECK(same("{\"b\":1,\"a\":2,\"b\":3}", 0));
	CHECK(same("[9223372036854775807, -9223372036854775808, 1e-400]", 0));
	CHECK(same("\"bare\"", JSON_DECODE_ANY));
	CHECK(same("[\"a\\u0000b\"]", JSON_ALLOW_NUL));

	/* refused by both */
	CHECK(refused("", 0, 0));
	CHECK(refused("\"bare\"", 6, 0));                  /* not an object or array */
	CHECK(refused("{\"a\":1,\"a\":2}", 13, JSON_REJECT_DUPLICATES));
	CHECK(refused("[1,]", 4, 0));
	CHECK(refused("{\"a\":1,}", 8, 0));
	CHECK(refused("[01]", 4, 0));
	CHECK(refused("[1.]", 4, 0));
	CHECK(refused("[-]", 3, 0));
	CHECK(refused("[1e]", 4, 0));
	CHECK(refused("[9223372036854775808]", 21, 0));    /* too big an integer */
	CHECK(refused("[1e400]", 7, 0));                   /* real overflow */
	CHECK(refused("[truex]", 7, 0));
	CHECK(refused("[\"a\x01\"]", 6, 0));               /* control character */
	CHECK(refused("[\"\\x\"]", 6, 0));                 /* unknown escape */
	CHECK(refused("[\"\\u12g4\"]", 10, 0));
	CHECK(refused("[\"\\ud83d\"]", 10, 0));            /* lone high surrogate */
	CHECK(refused("[\"\\ude00\"]", 10, 0));            /* lone low surrogate */
	CHECK(refused("[\"\\u0000\"]", 10, 0));            /* NUL without the flag */
	CHECK(refused("{\"a\\u0000\":1}", 13, JSON_ALLOW_NUL)); /* NUL in a key */
	CHECK(refused("[\"\xc0\xaf\"]", 6, 0));            /* overlong UTF-8 */
	CHECK(refused("[\"\xed\xa0\x80\"]", 7, 0));        /* an encoded surrogate */
	CHECK(refused("[\"\xf4\x90\x80\x80\"]", 8, 0));    /* past U+10FFFF */
	CHECK(refused("[\"\xe2\x82\"]", 6, 0));            /* cut short */
	CHECK(refused("[\"abc]", 6, 0));                   /* unterminated */
	CHECK(refused("[1] x", 5, 0));                     /* trailing bytes */
	CHECK(refused("[1]\0", 4, 0));
	CHECK(refused("\xef\xbb\xbf[1]", 6, 0));           /* a BOM */

	/* deeper than the reader goes: declined, and jansson reads it */
	{
		char deep[1200];
		json_error_t je;
		json_t *v;

		memset(deep, '[', 600);
		memset(deep + 600, ']', 600);
		CHECK(!json_fast_loadb(deep, sizeof(deep), 0));
		CHECK((v = json_loadb_fast(deep, sizeof(deep), 0, &je)) != NULL);
		json_decref(v);
	}
	/* json_quote writes a string as jansson does */
	{
		static const char *const strs[] = { "", "plain", "a\"b", "back\\slash",
			"\b\f\n\r\t", "\x01\x1f\x7f", "caf\xc3\xa9 \xf0\x9f\x98\x80", "/", NULL };

		for (size_t i = 0; strs[i]; i++) {
			json_t *j = json_string(strs[i]);
			char *want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
			struct wr w;

			wr_init(&w);
			CHECK(json_quote(&w, strs[i]) && wr_u8(&w, 0) && want &&
			      strcmp((char *)w.buf, want) == 0);
			wr_free(&w);
			free(want);
			json_decref(j);
		}
		{
			struct wr w;

			wr_init(&w);
			CHECK(!json_quote(&w, "\xc0\xaf")); /* not UTF-8 */
			wr_free(&w);
		}
	}
	/* a flag it does not know: jansson's */
	CHECK(!json_fast_loadb("[1]", 3, JSON_DECODE_INT_AS_REAL));
	return test_summary();
}
