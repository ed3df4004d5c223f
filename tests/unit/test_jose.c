/* test_jose - base64url, JWK, JWE and JWS (src/core/jose.h), each check
 * with a test that breaks its input and expects the named refusal.
 *
 * The JWE vector is tests/data/kbs/jwe_p256.json (docs/kbs-protocol.md
 * 10.4): RFC 7518 appendix C's "Bob" as the TEE key and "Alice" as the
 * ephemeral one, fixed CEK and IV, and the answer trustee's kbs/src/jwe
 * would write for them; kbs-types 0.18.0's AAD vector is in it too.
 *
 *   test_jose                               the tests
 *   test_jose --seal JWK PLAIN              jwe_seal of the file PLAIN to
 *                                           the JWK (a JSON file)
 *   test_jose --open KEY.pem JWE            jwe_open, the plaintext out
 *   test_jose --sign KEY.pem CLAIMS [HDR]   jws_sign of the JSON file
 *                                           CLAIMS (HDR: extra header)
 *   test_jose --verify PUB.pem JWT          jws_verify, the claims out
 * (the peer test's side, tests/integration/test_peer_jose.sh) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include "codec.h"
#include "jose.h"
#include "test.h"

static json_t *vec; /* jwe_p256.json */

static const char *str(const json_t *o, const char *path)
{
	const json_t *v = o;
	char buf[128], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save))
		v = json_object_get(v, tok);
	return json_string_value(v) ? json_string_value(v) : "";
}

static uint8_t *hex(const char *s, size_t *n)
{
	uint8_t *b = NULL;

	CHECK(hex_decode(s, &b, n));
	return b;
}

/* A private key from a JWK with "d" (test keys only: jose.h reads public
 * JWKs). */
static EVP_PKEY *jwk_private(const json_t *jwk)
{
	const struct jose_curve *c = jose_curve_find(str(jwk, "crv"));
	size_t xn, yn, dn;
	uint8_t *x = b64url_decode(str(jwk, "x"), strlen(str(jwk, "x")), &xn);
	uint8_t *y = b64url_decode(str(jwk, "y"), strlen(str(jwk, "y")), &yn);
	uint8_t *d = b64url_decode(str(jwk, "d"), strlen(str(jwk, "d")), &dn);
	EVP_PKEY *k = c && x && y && d && xn == c->size && yn == c->size
		      ? jose_ec_key(c, x, y, d, dn) : NULL;

	CHECK(k != NULL);
	free(x);
	free(y);
	free(d);
	return k;
}

/* The public JWK of a key, with alg. */
static json_t *pub_jwk(EVP_PKEY *k, const char *alg)
{
	struct eaa_err err;
	json_t *j = jwk_from_key(k, alg, &err);

	CHECK_MSG(j != NULL, "%s", err.msg);
	return j;
}

static char *dumps(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT);
}

/* A JSON text's object with one member set (NULL: removed) as a string. */
static char *with_member(const char *json, const char *name, const char *value)
{
	json_t *o = json_loads(json, 0, NULL);
	char *s;

	if (value)
		json_object_set_new(o, name, json_string(value));
	else
		json_object_del(o, name);
	s = dumps(o);
	json_decref(o);
	return s;
}

/* ---- base64url ---- */

static void test_b64url(void)
{
	static const struct {
		const char *plain, *enc;
	} v[] = { /* RFC 4648 10, unpadded */
		{ "", "" }, { "f", "Zg" }, { "fo", "Zm8" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg" }, { "fooba", "Zm9vYmE" }, { "foobar", "Zm9vYmFy" },
		{ "\xfb\xff", "-_8" }, { "\xff\xfe\xfd", "__79" },
	};
	static const char *const bad[] = {
		"Zg==", "Zm8=", "Zm9v YmFy", "Zm9v\nYmFy", "+/8", "Z", "Zh", "Zm9",
		"Zm9vY", "Zm9v=", "Zm9v.", "Zm\x80v",
	};
	uint8_t *b;
	size_t i, n;
	char *e;

	for (i = 0; i < sizeof(v) / sizeof(*v); i++) {
		e = b64url_encode(v[i].plain, strlen(v[i].plain));
		CHECK_MSG(e && !strcmp(e, v[i].enc), "%s", e);
		free(e);
		b = b64url_decode(v[i].enc, strlen(v[i].enc), &n);
		CHECK(b && n == strlen(v[i].plain) && !memcmp(b, v[i].plain, n));
		free(b);
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		b = b64url_decode(bad[i], strlen(bad[i]), &n);
		CHECK_MSG(!b, "accepted \"%s\"", bad[i]);
		free(b);
	}
	/* a NUL inside the given length is no end of string */
	CHECK(!b64url_decode("Zm\0v", 4, &n));
	/* only len characters are read */
	b = b64url_decode("Zm9vYmFy", 4, &n);
	CHECK(b && n == 3 && !memcmp(b, "foo", 3));
	free(b);
}

/* ---- JWK ---- */

static void jwk_refused(const char *json, const char *want)
{
	struct eaa_err err;
	json_t *j = json_loads(json, 0, NULL);
	EVP_PKEY *k = jwk_to_public(j, &err);

	CHECK_MSG(!k && strstr(err.msg, want), "%s: got \"%s\", want \"%s\"", json,
		  k ? "a key" : err.msg, want);
	EVP_PKEY_free(k);
	json_decref(j);
}

/* One edit of a JWK's or an answer's members, and the refusal it earns. */
struct edit {
	const char *name, *value; /* value NULL: the member removed */
	const char *want;
};

static void jwk_edits_refused(const json_t *jwk, const struct edit *e, size_t n)
{
	char *s = dumps(jwk), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = with_member(s, e[i].name, e[i].value);
		jwk_refused(t, e[i].want);
		free(t);
	}
	free(s);
}

static void jwk_round_trip(EVP_PKEY *k, const char *alg)
{
	struct eaa_err err;
	json_t *j = pub_jwk(k, alg);
	EVP_PKEY *back = j ? jwk_to_public(j, &err) : NULL;

	CHECK_MSG(back && EVP_PKEY_eq(k, back) == 1, "%s", back ? "differs" : err.msg);
	EVP_PKEY_free(back);
	json_decref(j);
}

static const struct edit ec_edits[] = { /* of Bob's JWK */
	{ "kty", NULL, "\"kty\" is missing" },
	{ "kty", "OKP", "kty \"OKP\" is not EC or RSA" },
	{ "crv", "P-192", "crv \"P-192\" is not P-256, P-384 or P-521" },
	{ "crv", "P-384", "x is 32 bytes, P-384 wants 48" },
	{ "x", "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxA", "x is 31 bytes, P-256 wants 32" },
	{ "y", "AHvJZwjvgJUrU_jSVV_nK4Qe0EWIYosdN4pZSTlQDsnJ", "y is 33 bytes, P-256 wants 32" },
	{ "x", "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ=", "x is not unpadded base64url" },
	{ "y", NULL, "\"y\" is missing" },
	/* Bob's y with one bit flipped: off the curve */
	{ "y", "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOycg", "the point (x, y) is not on P-256" },
};

static const struct edit rsa_edits[] = { /* of a 2048-bit key's JWK */
	{ "e", "AQAA", "e is not an odd exponent" },    /* 65536 */
	{ "e", "AQEBAQE", "e is not an odd exponent" }, /* 5 bytes */
	{ "e", "", "e is empty" },
	{ "n", NULL, "\"n\" is missing" },
};

static void test_jwk(void)
{
	const json_t *bob = json_object_get(vec, "tee_private_jwk");
	EVP_PKEY *k = jwk_private(bob), *p384, *p521, *rsa, *rsa1k, *ed;
	struct eaa_err err;
	json_t *j;
	char *s, *t;

	/* kbs-types' TeePubKey order: kty (the tag), crv, alg, x, y */
	j = pub_jwk(k, "ECDH-ES+A256KW");
	s = dumps(j);
	CHECK_MSG(s && !strcmp(s, "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ECDH-ES+A256KW\","
			      "\"x\":\"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ\","
			      "\"y\":\"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck\"}"), "%s", s);
	free(s);
	json_decref(j);
	j = pub_jwk(k, NULL);
	CHECK(j && !json_object_get(j, "alg") && json_object_size(j) == 4);
	json_decref(j);
	jwk_round_trip(k, "ECDH-ES+A256KW");
	/* the private "d" is ignored: the public key comes out */
	{
		EVP_PKEY *pub = jwk_to_public(bob, &err);

		CHECK(pub && EVP_PKEY_eq(pub, k) == 1);
		EVP_PKEY_free(pub);
	}

	p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa1k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	jwk_round_trip(p384, NULL);
	jwk_round_trip(p521, "ECDH-ES+A256KW");
	jwk_round_trip(rsa, "RSA-OAEP-256");
	j = pub_jwk(rsa, "RSA-OAEP-256");
	s = dumps(j);
	CHECK_MSG(s && !strncmp(s, "{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP-256\",\"n\":\"", 38) &&
		  strstr(s, "\",\"e\":\"AQAB\"}"), "%s", s);
	free(s);
	json_decref(j);
	/* P-521 coordinates are 66 bytes, 88 characters */
	j = pub_jwk(p521, NULL);
	CHECK(strlen(str(j, "x")) == 88 && strlen(str(j, "y")) == 88);
	json_decref(j);
	j = jwk_from_key(ed, NULL, &err);
	CHECK_MSG(!j && strstr(err.msg, "ED25519 key has no JWK"), "%s", err.msg);

	/* every check of jwk_to_public, broken */
	jwk_refused("[1]", "a JWK is a JSON object");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":1,\"y\":\"\"}",
		    "\"x\" is not a string");
	jwk_edits_refused(bob, ec_edits, sizeof(ec_edits) / sizeof(*ec_edits));
	j = pub_jwk(rsa1k, NULL);
	s = dumps(j);
	jwk_refused(s, "n is 1024 bits, RSA keys here have 2048 to 16384");
	free(s);
	json_decref(j);
	j = pub_jwk(rsa, NULL);
	jwk_edits_refused(j, rsa_edits, sizeof(rsa_edits) / sizeof(*rsa_edits));
	{ /* n with a zero byte in front: the same number, not minimal */
		size_t nn;
		uint8_t *n = b64url_decode(str(j, "n"), strlen(str(j, "n")), &nn);
		uint8_t *z = calloc(1, nn + 1);
		char *e;

		memcpy(z + 1, n, nn);
		e = b64url_encode(z, nn + 1);
		s = dumps(j);
		t = with_member(s, "n", e);
		jwk_refused(t, "n is not minimal: it starts with a zero byte");
		free(t);
		free(s);
		free(e);
		free(z);
		free(n);
	}
	json_decref(j);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa1k);
	EVP_PKEY_free(ed);
}

/* ---- JWE ---- */

/* Bob's public JWK as a TEE sends it. */
static json_t *bob_tee_jwk(void)
{
	const json_t *bob = json_object_get(vec, "tee_private_jwk");

	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "EC", "crv", "P-256",
			 "alg", "ECDH-ES+A256KW", "x", str(bob, "x"), "y", str(bob, "y"));
}

static void test_jwe_vector(void)
{
	EVP_PKEY *alice = jwk_private(json_object_get(vec, "ephemeral_private_jwk"));
	EVP_PKEY *bob = jwk_private(json_object_get(vec, "tee_private_jwk"));
	json_t *tee = bob_tee_jwk(), *resp;
	const char *pt = str(vec, "plaintext");
	size_t cekn = 0, ivn = 0, n = 0, hn = 0;
	uint8_t *cek = hex(str(vec, "cek"), &cekn), *iv = hex(str(vec, "iv"), &ivn);
	uint8_t *out = NULL, *h;
	struct eaa_err err;
	char *got, *want, *aad;

	/* our seal, with the vector's ephemeral key, CEK and IV, is the
	 * answer byte for byte (docs 10.4) */
	got = jwe_seal_with(tee, alice, cek, iv, (const uint8_t *)pt, strlen(pt), &err);
	want = dumps(json_object_get(vec, "response"));
	CHECK_MSG(got && want && !strcmp(got, want), "got  %s\nwant %s", got ? got : err.msg, want);
	CHECK(want && !strncmp(want, "{\"protected\":\"eyJhbGciOiJFQ0RILUVTK0EyNTZLVyIs", 45));
	resp = got ? json_loads(got, 0, NULL) : NULL;
	h = b64url_decode(str(resp, "protected"), strlen(str(resp, "protected")), &hn);
	CHECK(h && hn == strlen(str(vec, "protected_json")) &&
	      !memcmp(h, str(vec, "protected_json"), hn));
	CHECK(!strcmp(str(resp, "protected"), str(vec, "aad_ascii")));
	free(h);
	json_decref(resp);
	/* kbs-types' AAD vector: the header's compact JSON, base64url */
	aad = b64url_encode(str(vec, "kbs_types_aad.protected_json"),
			    strlen(str(vec, "kbs_types_aad.protected_json")));
	CHECK(aad && !strcmp(aad, str(vec, "kbs_types_aad.aad_ascii")));
	free(aad);
	/* and Bob opens it */
	CHECK_MSG(jwe_open(want, strlen(want), bob, &out, &n, &err) && n == strlen(pt) &&
		  !memcmp(out, pt, n), "%s", err.msg);
	free(out);
	free(got);
	free(want);
	free(cek);
	free(iv);
	json_decref(tee);
	EVP_PKEY_free(alice);
	EVP_PKEY_free(bob);
}

static void round_trip(EVP_PKEY *k, const char *alg, size_t n)
{
	json_t *jwk = pub_jwk(k, alg);
	uint8_t *plain = malloc(n + 1), *out = NULL;
	struct eaa_err err;
	char *a, *b;
	size_t m = 0;

	RAND_bytes(plain, (int)n + 1);
	a = jwe_seal(jwk, plain, n, &err);
	CHECK_MSG(a, "%s: %s", alg, err.msg);
	b = jwe_seal(jwk, plain, n, &err);
	CHECK(a && b && strcmp(a, b)); /* a fresh CEK, IV (and epk) each time */
	CHECK_MSG(a && jwe_open(a, strlen(a), k, &out, &m, &err) && m == n &&
		  !memcmp(out, plain, n), "%s %zu: %s", alg, n, err.msg);
	free(out);
	free(a);
	free(b);
	free(plain);
	json_decref(jwk);
}

static void seal_refused(const json_t *jwk, EVP_PKEY *eph, const char *want)
{
	static const uint8_t cek[32], iv[12];
	struct eaa_err err;
	char *s = eph ? jwe_seal_with(jwk, eph, cek, iv, (const uint8_t *)"x", 1, &err)
		      : jwe_seal(jwk, (const uint8_t *)"x", 1, &err);

	CHECK_MSG(!s && strstr(err.msg, want), "got \"%s\", want \"%s\"", s ? s : err.msg, want);
	free(s);
}

static void open_refused(const char *jwe, EVP_PKEY *k, const char *want)
{
	struct eaa_err err;
	uint8_t *out = NULL;
	size_t n = 0;
	bool ok = jwe_open(jwe, strlen(jwe), k, &out, &n, &err);

	CHECK_MSG(!ok && !out && strstr(err.msg, want), "got \"%s\", want \"%s\"",
		  ok ? "opened" : err.msg, want);
	free(out);
}

/* The vector's answer with member name set to the base64url of a header
 * given as JSON text (protected) or to value. */
static char *answer_with(const char *name, const char *value, bool encode)
{
	char *e = encode ? b64url_encode(value, strlen(value)) : NULL, *s;
	char *want = dumps(json_object_get(vec, "response"));

	s = with_member(want, name, encode ? e : value);
	free(e);
	free(want);
	return s;
}

static void answer_refused(const char *name, const char *value, bool encode,
			   EVP_PKEY *k, const char *want)
{
	char *t = answer_with(name, value, encode);

	open_refused(t, k, want);
	free(t);
}

/* Each change to the vector's answer, and the refusal it earns. */
static const struct edit answer_edits[] = {
	/* one character changed: tag, ciphertext, IV, wrapped key */
	{ "tag", "WdSJ9codnpQQHap5VIh1Aw", "JWE: the tag does not authenticate" },
	{ "ciphertext", "AjzU8nAftiszEiRN9j5xFnL6_A", "the tag does not authenticate" },
	{ "iv", "AEFCQ0RFRkdISUpL", "the tag does not authenticate" },
	{ "encrypted_key", "iEqJNAobBBA7nNB3qy7GgdIJDrp8yMhpjWwtfpsd7oROj56ijxwgwA",
	  "encrypted_key does not open with our key" },
	/* padding, anywhere */
	{ "tag", "WdSJ9codnpQQHap5VIh1vw=", "JWE: tag is not unpadded base64url" },
	{ "ciphertext", "tjzU8nAftiszEiRN9j5xFnL6_A==", "ciphertext is not unpadded base64url" },
	{ "protected", "eyJhbGciOiJmYWtlYWxnIiwiZW5jIjoiZmFrZWVuYyJ9Cg==",
	  "protected is not unpadded base64url" },
	/* members a KBS answer has not, or lacks */
	{ "aad", "eyJ9", "member \"aad\" is not one of" },
	{ "header", "x", "member \"header\" is not one of" },
	{ "tag", NULL, "JWE: \"tag\" is missing" },
	/* sizes */
	{ "iv", "QEFCQ0RFRkdISUpLTA", "iv is 13 bytes, A256GCM's is 12" },
	{ "tag", "WdSJ9codnpQQHap5VIh1", "tag is 15 bytes, A256GCM's is 16" },
	{ "encrypted_key", "iEqJNdobBBA7nNB3qy7GgdIJDrp8yMhpjWwtfpsd7oROj56i",
	  "encrypted_key is 36 bytes, a wrapped A256GCM key 40" },
};

/* Each change to its protected header (made again and encoded). */
static const struct edit header_edits[] = {
	{ "enc", "A128GCM", "enc \"A128GCM\" is not A256GCM" },
	{ "alg", "ECDH-ES", "alg \"ECDH-ES\" is not ECDH-ES+A256KW" },
	{ "alg", NULL, "protected: \"alg\" is missing" },
	{ "zip", "DEF", "\"zip\" is not supported" },
	{ "apu", "QWxpY2U", "\"apu\" is not supported" },
	{ "crit", "exp", "\"crit\" is not supported" },
	{ "epk", NULL, "\"epk\" is missing" },
};

/* A string with one character at i changed (to another base64url one). */
static char *flip(const char *s, size_t i)
{
	char *t = strdup(s);

	t[i] = t[i] == 'A' ? 'B' : 'A';
	return t;
}

static void test_jwe_refusals(void)
{
	EVP_PKEY *bob = jwk_private(json_object_get(vec, "tee_private_jwk"));
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	const json_t *r = json_object_get(vec, "response");
	json_t *tee = bob_tee_jwk(), *j;
	const char *pj = str(vec, "protected_json");
	char *want = dumps(r), *s, *t, hdr[512];
	size_t i;

	/* sealing: the TEE key's alg decides, and must fit the key */
	j = json_deep_copy(tee);
	json_object_set_new(j, "alg", json_string("RSA1_5"));
	seal_refused(j, NULL, "tee-pubkey: alg RSA1_5 is refused: PKCS #1 v1.5");
	json_object_del(j, "alg");
	seal_refused(j, NULL, "tee-pubkey: \"alg\" is missing");
	json_object_set_new(j, "alg", json_string("RSA-OAEP-256"));
	seal_refused(j, NULL, "alg \"RSA-OAEP-256\" is not ECDH-ES+A256KW");
	json_object_set_new(j, "alg", json_string("ECDH-ES"));
	seal_refused(j, NULL, "alg \"ECDH-ES\" is not ECDH-ES+A256KW");
	json_object_set_new(j, "alg", json_integer(1));
	seal_refused(j, NULL, "\"alg\" is not a string");
	json_object_set_new(j, "alg", json_string("ECDH-ES+A256KW"));
	json_object_set_new(j, "x", json_string("weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxA"));
	seal_refused(j, NULL, "tee-pubkey: x is 31 bytes, P-256 wants 32");
	json_decref(j);
	j = pub_jwk(p384, "ECDH-ES+A256KW");
	seal_refused(j, NULL, "crv P-384: a KBS encrypts to P-256 and P-521 keys only");
	json_decref(j);
	j = pub_jwk(rsa, "RSA1_5");
	seal_refused(j, NULL, "RSA1_5 is refused");
	json_object_set_new(j, "alg", json_string("RSA-OAEP"));
	seal_refused(j, NULL, "alg \"RSA-OAEP\" is not RSA-OAEP-256");
	json_object_set_new(j, "alg", json_string("RSA-OAEP-256"));
	seal_refused(j, other, "RSA-OAEP-256 has no ephemeral key");
	json_decref(j);
	seal_refused(tee, p384, "the ephemeral key is not a P-256 key");

	/* opening: the vector opens (test_jwe_vector); each change does not */
	for (i = 0; i < sizeof(answer_edits) / sizeof(*answer_edits); i++)
		answer_refused(answer_edits[i].name, answer_edits[i].value, false, bob,
			       answer_edits[i].want);
	for (i = 0; i < sizeof(header_edits) / sizeof(*header_edits); i++) {
		s = with_member(pj, header_edits[i].name, header_edits[i].value);
		answer_refused("protected", s, true, bob, header_edits[i].want);
		free(s);
	}
	/* the same header, one space more: another AAD, so another tag */
	snprintf(hdr, sizeof(hdr), "%s ", pj);
	answer_refused("protected", hdr, true, bob, "the tag does not authenticate");
	/* the received string is the AAD, not a re-serialization of it */
	snprintf(hdr, sizeof(hdr), "{\"enc\":\"A256GCM\",\"alg\":\"ECDH-ES+A256KW\",%s",
		 strstr(pj, "\"epk\""));
	answer_refused("protected", hdr, true, bob, "the tag does not authenticate");
	answer_refused("protected", "not json", true, bob, "JWE: protected: ");
	/* a member twice */
	s = strdup(want);
	*strrchr(s, '}') = '\0';
	t = NULL;
	CHECK(asprintf(&t, "%s,\"iv\":\"QEFCQ0RFRkdISUpL\"}", s) > 0);
	open_refused(t, bob, "duplicate object key");
	free(t);
	free(s);
	open_refused("[]", bob, "JWE: not a JSON object");
	open_refused("{", bob, "JWE: ");
	/* epk on another curve than our key's, and off the curve */
	j = json_loads(pj, 0, NULL);
	json_object_set_new(j, "epk", pub_jwk(p384, NULL));
	s = dumps(j);
	t = answer_with("protected", s, true);
	open_refused(t, bob, "epk is not an EC key on P-256, our key's curve");
	free(t);
	free(s);
	json_object_set_new(j, "epk", json_pack("{s:s, s:s, s:s, s:s}", "crv", "P-256",
						 "kty", "EC", "x", str(vec, "ephemeral_private_jwk.x"),
						 "y", "SLW_xSffzlPWrHEVI30DHM_4egVwt3NQqeUD7nMFppo"));
	s = dumps(j);
	t = answer_with("protected", s, true);
	open_refused(t, bob, "protected: epk: the point (x, y) is not on P-256");
	free(t);
	free(s);
	json_decref(j);
	/* the wrong key: another P-256 key, a P-384 key, an RSA key */
	open_refused(want, other, "encrypted_key does not open with our key");
	open_refused(want, p384, "epk is not an EC key on P-384");
	open_refused(want, rsa, "alg \"ECDH-ES+A256KW\" is not RSA-OAEP-256");
	/* RSA-OAEP-256 answers: no epk; the key's size */
	j = pub_jwk(rsa, "RSA-OAEP-256");
	s = jwe_seal(j, (const uint8_t *)"secret", 6, NULL);
	json_decref(j);
	CHECK(s != NULL);
	open_refused(s, bob, "alg \"RSA-OAEP-256\" is not ECDH-ES+A256KW");
	{
		json_t *a = json_loads(s, 0, NULL);
		const char *ek = str(a, "encrypted_key");
		char *e2 = flip(ek, 10), *h2;

		t = with_member(s, "encrypted_key", e2);
		open_refused(t, rsa, "encrypted_key does not open with our key");
		free(t);
		free(e2);
		{
			size_t en;
			uint8_t *eb = b64url_decode(ek, strlen(ek), &en);

			e2 = b64url_encode(eb, en - 2);
			free(eb);
		}
		t = with_member(s, "encrypted_key", e2);
		open_refused(t, rsa, "encrypted_key is 254 bytes, our modulus 256");
		free(t);
		free(e2);
		h2 = with_member("{\"alg\":\"RSA-OAEP-256\",\"enc\":\"A256GCM\"}", "epk",
				 "x");
		e2 = b64url_encode(h2, strlen(h2));
		t = with_member(s, "protected", e2);
		open_refused(t, rsa, "\"epk\" with RSA-OAEP-256");
		free(t);
		free(e2);
		free(h2);
		json_decref(a);
	}
	free(s);
	free(want);
	json_decref(tee);
	EVP_PKEY_free(bob);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(other);
	EVP_PKEY_free(rsa);
}

static void test_jwe_round_trips(void)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 1000, 65536 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
		round_trip(p256, "ECDH-ES+A256KW", sizes[i]);
		round_trip(p521, "ECDH-ES+A256KW", sizes[i]);
		round_trip(rsa, "RSA-OAEP-256", sizes[i]);
	}
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa);
}

/* ---- JWS ---- */

static json_t *verify_ok(const char *jwt, EVP_PKEY *k, json_t **hdr)
{
	struct eaa_err err;
	json_t *c = jws_verify(jwt, strlen(jwt), k, hdr, &err);

	CHECK_MSG(c != NULL, "%s", err.msg);
	return c;
}

static void verify_refused(const char *jwt, EVP_PKEY *k, const char *want)
{
	struct eaa_err err;
	json_t *hdr = NULL, *c = jws_verify(jwt, strlen(jwt), k, &hdr, &err);

	CHECK_MSG(!c && !hdr && strstr(err.msg, want), "%s: got \"%s\", want \"%s\"", jwt,
		  c ? "verified" : err.msg, want);
	json_decref(c);
}

/* header.payload.signature from parts: JSON texts and raw signature */
static char *token(const char *h, const char *p, const uint8_t *sig, size_t n)
{
	char *eh = b64url_encode(h, strlen(h)), *ep = b64url_encode(p, strlen(p));
	char *es = b64url_encode(sig, n), *t = NULL;

	CHECK(asprintf(&t, "%s.%s.%s", eh, ep, es) > 0);
	free(eh);
	free(ep);
	free(es);
	return t;
}

/* A token signed by k with alg, whatever its header says. */
static char *signed_token(EVP_PKEY *k, const char *alg, const char *h, const char *p)
{
	char *eh = b64url_encode(h, strlen(h)), *ep = b64url_encode(p, strlen(p));
	char *in = NULL, *es, *t = NULL;
	const struct jose_alg *a = jose_alg_find(alg, strlen(alg));
	struct eaa_err err;
	uint8_t *sig;
	size_t n = 0;

	CHECK(asprintf(&in, "%s.%s", eh, ep) > 0);
	sig = jose_sig_sign(a, k, in, strlen(in), &n, &err);
	CHECK_MSG(sig, "%s", err.msg);
	es = b64url_encode(sig, n);
	CHECK(asprintf(&t, "%s.%s", in, es) > 0);
	free(eh);
	free(ep);
	free(in);
	free(es);
	free(sig);
	return t;
}

/* Tokens signed by a P-256 (or RSA) key with sign, their header and
 * payload as given, verified with that key: refused with want, or
 * verified when want is NULL. */
static const struct {
	bool rsa;
	const char *sign, *hdr, *payload, *want;
} tokens[] = {
	{ false, "ES256", "{\"alg\":\"HS256\"}", "{\"a\":1}",
	  "alg \"HS256\" is not the key's (ES256)" },
	{ false, "ES256", "{\"alg\":\"ES256\",\"crit\":[\"b64\"],\"b64\":false}", "{\"a\":1}",
	  "\"crit\" names extensions we do not implement" },
	/* header and payload must be JSON objects, without duplicates */
	{ false, "ES256", "{\"alg\":\"ES256\"}", "[1]", "the payload is not a JSON object" },
	{ false, "ES256", "{\"alg\":\"ES256\"}", "{\"a\":1,\"a\":2}",
	  "the payload is not a JSON object: duplicate object key" },
	{ false, "ES256", "{\"alg\":\"ES256\",\"alg\":\"ES256\"}", "{}",
	  "the header is not a JSON object: duplicate" },
	{ false, "ES256", "\"ES256\"", "{}", "the header is not a JSON object" },
	/* RSA: RS256 and PS256 verify; a signature of the other padding not */
	{ true, "RS256", "{\"alg\":\"RS256\"}", "{\"a\":1}", NULL },
	{ true, "PS256", "{\"alg\":\"PS256\"}", "{\"a\":1}", NULL },
	{ true, "PS256", "{\"alg\":\"RS256\"}", "{\"a\":1}", "the RS256 signature does not verify" },
	{ true, "RS256", "{\"alg\":\"PS256\"}", "{\"a\":1}", "the PS256 signature does not verify" },
	{ true, "RS384", "{\"alg\":\"RS384\"}", "{\"a\":1}",
	  "alg \"RS384\" is not the key's (RS256 or PS256)" },
};

static void test_jws(void)
{
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p256b = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	json_t *claims = json_pack("{s:s, s:i, s:{s:s}}", "iss", "verdictd", "exp",
				   2000000000, "submods", "cpu0", "affirming");
	json_t *extra = json_pack("{s:o}", "jwk", pub_jwk(p256, "ES256"));
	json_t *c, *h = NULL;
	struct eaa_err err;
	char *t, *dot, *u;
	size_t n, i;
	uint8_t *b;

	/* ES256 with the EAR header: typ, alg, then the extra members */
	t = jws_sign(p256, extra, claims, &err);
	CHECK_MSG(t, "%s", err.msg);
	dot = strchr(t, '.');
	b = b64url_decode(t, (size_t)(dot - t), &n);
	u = dumps(extra);
	CHECK(b && n > 33 && !memcmp(b, "{\"typ\":\"JWT\",\"alg\":\"ES256\",\"jwk\":", 33) &&
	      strlen(u + 7) == n - 33 && !memcmp(b + 33, u + 7, n - 33));
	free(u);
	free(b);
	/* r || s: 64 bytes, 86 characters */
	CHECK(strlen(strrchr(t, '.') + 1) == 86);
	c = verify_ok(t, p256, &h);
	CHECK(c && json_equal(c, claims));
	CHECK(h && !strcmp(str(h, "alg"), "ES256") && json_object_get(h, "jwk"));
	json_decref(c);
	json_decref(h);
	c = jws_verify(t, strlen(t), p256, NULL, &err);
	CHECK(c != NULL);
	json_decref(c);
	verify_refused(t, p256b, "JWS: the ES256 signature does not verify");
	verify_refused(t, p384, "alg \"ES256\" is not the key's (ES384)");
	verify_refused(t, ed, "alg \"ES256\" is not the key's (EdDSA)");
	verify_refused(t, rsa, "alg \"ES256\" is not the key's (RS256 or PS256)");
	verify_refused(t, p521, "it verifies no JWS");
	/* a payload changed: the signature no longer covers it */
	u = strdup(t);
	dot = strchr(u, '.') + 1;
	*dot = *dot == 'e' ? 'f' : 'e';
	verify_refused(u, p256, "does not verify");
	free(u);
	/* a signature padded, cut, or one section more */
	CHECK(asprintf(&u, "%s=", t) > 0);
	verify_refused(u, p256, "the signature is not unpadded base64url");
	free(u);
	u = strndup(t, strlen(t) - 2);
	verify_refused(u, p256, "does not verify");
	free(u);
	CHECK(asprintf(&u, "%s.", t) > 0);
	verify_refused(u, p256, "not three sections");
	free(u);
	verify_refused("abc.def", p256, "not three sections");
	free(t);

	/* EdDSA */
	t = jws_sign(ed, NULL, claims, &err);
	CHECK_MSG(t, "%s", err.msg);
	b = t ? b64url_decode(t, (size_t)(strchr(t, '.') - t), &n) : NULL;
	CHECK(b && n == 27 && !memcmp(b, "{\"typ\":\"JWT\",\"alg\":\"EdDSA\"}", 27));
	free(b);
	c = verify_ok(t, ed, NULL);
	CHECK(c && json_equal(c, claims));
	json_decref(c);
	verify_refused(t, p256, "alg \"EdDSA\" is not the key's (ES256)");
	free(t);
	/* ES384 */
	t = jws_sign(p384, NULL, claims, &err);
	c = t ? verify_ok(t, p384, NULL) : NULL;
	CHECK(c && strlen(strrchr(t, '.') + 1) == 128);
	json_decref(c);
	free(t);

	/* signing refusals */
	t = jws_sign(rsa, NULL, claims, &err);
	CHECK_MSG(!t && strstr(err.msg, "a RSA key signs no JWS here"), "%s", err.msg);
	t = jws_sign(p521, NULL, claims, &err);
	CHECK(!t && strstr(err.msg, "signs no JWS here"));
	json_object_set_new(extra, "alg", json_string("none"));
	t = jws_sign(p256, extra, claims, &err);
	CHECK_MSG(!t && strstr(err.msg, "the extra header's \"alg\" would replace ours"), "%s",
		  err.msg);
	h = json_string("x");
	t = jws_sign(p256, NULL, h, &err);
	CHECK(!t && strstr(err.msg, "the claims is not a JSON object"));
	json_decref(h);

	/* alg "none", missing, and mismatched: never verified */
	t = token("{\"alg\":\"none\"}", "{\"a\":1}", NULL, 0);
	verify_refused(t, p256, "JWS: alg \"none\": the token is not signed");
	free(t);
	t = token("{\"typ\":\"JWT\"}", "{\"a\":1}", (const uint8_t *)"x", 1);
	verify_refused(t, p256, "JWS: header: \"alg\" is missing");
	free(t);
	for (i = 0; i < sizeof(tokens) / sizeof(*tokens); i++) {
		EVP_PKEY *k = tokens[i].rsa ? rsa : p256;

		t = signed_token(k, tokens[i].sign, tokens[i].hdr, tokens[i].payload);
		if (tokens[i].want) {
			verify_refused(t, k, tokens[i].want);
		} else {
			c = verify_ok(t, k, NULL);
			json_decref(c);
		}
		free(t);
	}
	/* an ECDSA signature in DER, as OpenSSL makes it, is no JWS one */
	{
		EVP_MD_CTX *m = EVP_MD_CTX_new();
		const char *h1 = "{\"alg\":\"ES256\"}";
		char *eh = b64url_encode(h1, strlen(h1)), *in = NULL;
		uint8_t der[80];
		size_t dn = sizeof(der);

		CHECK(asprintf(&in, "%s.e30", eh) > 0);
		CHECK(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, p256) == 1 &&
		      EVP_DigestSign(m, der, &dn, (uint8_t *)in, strlen(in)) == 1);
		t = token(h1, "{}", der, dn);
		verify_refused(t, p256, "does not verify");
		free(t);
		free(in);
		free(eh);
		EVP_MD_CTX_free(m);
	}
	json_decref(claims);
	json_decref(extra);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p256b);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(rsa);
}

/* r || s <-> DER, both ways, and the loose split OPA's verify_es* use */
static void test_es_encoding(void)
{
	uint8_t rs[64], *back;
	unsigned char *der;
	size_t dn = 0, i;

	for (i = 0; i < sizeof(rs); i++)
		rs[i] = (uint8_t)(i + 1);
	rs[0] = 0; /* r with a zero byte in front: DER drops it, r || s keeps it */
	der = jose_es_to_der(rs, sizeof(rs), &dn);
	CHECK(der && dn == 2 + 2 + 31 + 2 + 32);
	back = der ? jose_es_from_der(der, dn, 32) : NULL;
	CHECK(back && !memcmp(back, rs, sizeof(rs)));
	free(back);
	CHECK(!jose_es_from_der(der, dn, 16)); /* s does not fit 16 bytes */
	OPENSSL_free(der);
	CHECK(!jose_es_to_der(rs, 0, &dn));
	CHECK(!jose_es_from_der((const unsigned char *)"\x30\x00", 2, 32));
	/* odd: r is the shorter half */
	der = jose_es_to_der(rs + 1, 3, &dn);
	CHECK(der && dn == 9 && !memcmp(der, "\x30\x07\x02\x01\x02\x02\x02\x03\x04", 9));
	OPENSSL_free(der);
}

/* ---- the peer test's side ---- */

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long len;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)len + 1)) && fread(b, 1, (size_t)len, f) == (size_t)len) {
		b[len] = '\0';
		*n = (size_t)len;
	} else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static EVP_PKEY *pem_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f && !k) {
		rewind(f);
		k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	}
	if (f)
		fclose(f);
	return k;
}

static int cli(int argc, char **argv)
{
	struct eaa_err err = { 0 };
	char *in = NULL, *out = NULL;
	EVP_PKEY *k = NULL;
	json_t *j = NULL, *x = NULL;
	uint8_t *pt = NULL;
	size_t n = 0, m = 0;
	int rc = 1;

	if (!(in = slurp(argv[3], &n))) {
		fprintf(stderr, "test_jose: cannot read %s\n", argv[3]);
		return 2;
	}
	if (!strcmp(argv[1], "--seal")) {
		if ((j = json_load_file(argv[2], 0, NULL)) &&
		    (out = jwe_seal(j, (uint8_t *)in, n, &err)))
			rc = printf("%s\n", out) < 0;
	} else if (!(k = pem_key(argv[2]))) {
		snprintf(err.msg, sizeof(err.msg), "no key in %s", argv[2]);
	} else if (!strcmp(argv[1], "--open")) {
		if (jwe_open(in, n, k, &pt, &m, &err))
			rc = fwrite(pt, 1, m, stdout) != m;
	} else if (!strcmp(argv[1], "--sign")) {
		if ((j = json_loadb(in, n, 0, NULL)) &&
		    (argc < 5 || (x = json_load_file(argv[4], 0, NULL))) &&
		    (out = jws_sign(k, x, j, &err)))
			rc = printf("%s\n", out) < 0;
	} else if (!strcmp(argv[1], "--verify")) {
		while (n && (in[n - 1] == '\n' || in[n - 1] == '\r'))
			n--;
		if ((j = jws_verify(in, n, k, NULL, &err)) && (out = dumps(j)))
			rc = printf("%s\n", out) < 0;
	}
	if (rc)
		fprintf(stderr, "test_jose %s: %s\n", argv[1], err.msg[0] ? err.msg : "failed");
	free(in);
	free(out);
	free(pt);
	json_decref(j);
	json_decref(x);
	EVP_PKEY_free(k);
	return rc;
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc >= 4 && !strncmp(argv[1], "--", 2))
		return cli(argc, argv);
	snprintf(path, sizeof(path), "%s/kbs/jwe_p256.json",
		 getenv("EAA_TESTDATA") ? getenv("EAA_TESTDATA") : "tests/data");
	vec = json_load_file(path, 0, NULL);
	CHECK_MSG(vec != NULL, "cannot read %s", path);
	if (!vec)
		return test_summary();
	test_b64url();
	test_jwk();
	test_jwe_vector();
	test_jwe_refusals();
	test_jwe_round_trips();
	test_jws();
	test_es_encoding();
	json_decref(vec);
	return test_summary();
}
