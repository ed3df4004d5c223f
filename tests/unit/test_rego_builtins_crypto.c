/* test_rego_builtins_crypto.c - the token and certificate built-ins
 * (io.jwt.*, crypto.x509.*, crypto.parse_private_keys): OPA's results and
 * messages for valid and broken tokens, keys and certificates, the
 * decode_verify constraints one by one, signing round trips, and inputs
 * cut and flipped at every byte (no crash, no result from a broken
 * signature). Fixtures were made with the openssl tool. */
#include <stdlib.h>
#include "builtins.h"
#include "test.h"
#include "rb_check.h"

static const char ROOT[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtDCCAVugAwIBAgIUOewbcxcKG/zXlhzWmAa2OQVnFRIwCgYIKoZIzj0EAwIw\n"
	"JzERMA8GA1UECgwIRUFBIFRlc3QxEjAQBgNVBAMMCXJvb3QudGVzdDAgFw0yNjEy\n"
	"MDcwNTQ1MTFaGA8yMTI2MTExMzA1NDUxMVowJzERMA8GA1UECgwIRUFBIFRlc3Qx\n"
	"EjAQBgNVBAMMCXJvb3QudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEvi\n"
	"nImmUbkZ+HBFsOGDVXR4yFuq+WBvh2WVjImfPl+q5Yxd8mWQgyAQ3qkCi9yY+Ul9\n"
	"cfZzsqlusc6GLibDi1yjYzBhMB0GA1UdDgQWBBR6sDdiIfMNgc1zoQ36Js5ZARl5\n"
	"RDAfBgNVHSMEGDAWgBR6sDdiIfMNgc1zoQ36Js5ZARl5RDAPBgNVHRMBAf8EBTAD\n"
	"AQH/MA4GA1UdDwEB/wQEAwICBDAKBggqhkjOPQQDAgNHADBEAiATboXljP+sDJvn\n"
	"UJlzkxVvj7WSj2RVSV9H7X4M+uS1OQIgTj9InStzhCFbwFcPIqtzwq2/tSd4NgwW\n"
	"5g5jGiALmbI=\n"
	"-----END CERTIFICATE-----\n";

static const char LEAF[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIB0zCCAXmgAwIBAgICEjQwCgYIKoZIzj0EAwIwJzERMA8GA1UECgwIRUFBIFRl\n"
	"c3QxEjAQBgNVBAMMCXJvb3QudGVzdDAgFw0yNjEyMDcwNTQ1MTFaGA8yMTI2MTEx\n"
	"MzA1NDUxMVowFDESMBAGA1UEAwwJbGVhZi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZI\n"
	"zj0DAQcDQgAESoNIEN9E9YhWPM7zAEXHprRQAMwWdFQUo2xLaQirNch+R7pMVp44\n"
	"dOqKpHNFqRr0KCpx4ljtmy/DWqrK7lkxF6OBpTCBojA7BgNVHREENDAygglsZWFm\n"
	"LnRlc3SHBAoAAAGGE3NwaWZmZTovL2VhYS50ZXN0L3iBCmFAZWFhLnRlc3QwEwYD\n"
	"VR0lBAwwCgYIKwYBBQUHAwEwDgYDVR0PAQH/BAQDAgeAMB0GA1UdDgQWBBT2b+37\n"
	"xr+k9suxzskes0B0S06WSzAfBgNVHSMEGDAWgBR6sDdiIfMNgc1zoQ36Js5ZARl5\n"
	"RDAKBggqhkjOPQQDAgNIADBFAiB6Zu+CQiflOg4RgumdqGmYhr7U4uG4fBZVXdfm\n"
	"cxYt4gIhAI+4xxgfCm+l01OfK6g/zVfghIkpjuc3myochIiJ0Epq\n"
	"-----END CERTIFICATE-----\n";

static const char CSR[] =
	"-----BEGIN CERTIFICATE REQUEST-----\n"
	"MIIBHTCBxAIBADAUMRIwEAYDVQQDDAlsZWFmLnRlc3QwWTATBgcqhkjOPQIBBggq\n"
	"hkjOPQMBBwNCAARKg0gQ30T1iFY8zvMARcemtFAAzBZ0VBSjbEtpCKs1yH5HukxW\n"
	"njh06oqkc0WpGvQoKnHiWO2bL8NaqsruWTEXoE4wTAYJKoZIhvcNAQkOMT8wPTA7\n"
	"BgNVHREENDAygglsZWFmLnRlc3SHBAoAAAGGE3NwaWZmZTovL2VhYS50ZXN0L3iB\n"
	"CmFAZWFhLnRlc3QwCgYIKoZIzj0EAwIDSAAwRQIgRzm/NajSZH5iCWQQZEvhNnwZ\n"
	"TsgnenDJTpI8YtUDAGoCIQCTkGlEGxFvu8tWXCPKUIfjadtxlld2miVgsjkBHEN/\n"
	"hg==\n"
	"-----END CERTIFICATE REQUEST-----\n";

static const char ECKEY[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIHjatAAW93GIXcbgJOtzVfen0xZbLQLh2SH+npaGLbrsoAoGCCqGSM49\n"
	"AwEHoUQDQgAES+KciaZRuRn4cEWw4YNVdHjIW6r5YG+HZZWMiZ8+X6rljF3yZZCD\n"
	"IBDeqQKL3Jj5SX1x9nOyqW6xzoYuJsOLXA==\n"
	"-----END EC PRIVATE KEY-----\n";

static const char ECKEY8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeNq0ABb3cYhdxuAk\n"
	"63NV96fTFlstAuHZIf6eloYtuuyhRANCAARL4pyJplG5GfhwRbDhg1V0eMhbqvlg\n"
	"b4dllYyJnz5fquWMXfJlkIMgEN6pAovcmPlJfXH2c7KpbrHOhi4mw4tc\n"
	"-----END PRIVATE KEY-----\n";

static const char LEAFKEY[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIP+zXss8tNBONuN5IMETJzdF+OlKhgsDm4IaToMkFeqzoAoGCCqGSM49\n"
	"AwEHoUQDQgAESoNIEN9E9YhWPM7zAEXHprRQAMwWdFQUo2xLaQirNch+R7pMVp44\n"
	"dOqKpHNFqRr0KCpx4ljtmy/DWqrK7lkxFw==\n"
	"-----END EC PRIVATE KEY-----\n";

static const char RSAKEY[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIICXgIBAAKBgQDQShDrxpI27j4czuGBevD97jPVE2xnr8/I0Wc3dicYQzzSEQBy\n"
	"TRnuSR3bju0JC7GEVBtDXOsDrnOHZzkcbC8p8Oi7FmqVUNkWhIDxvC6aYZAmsGGQ\n"
	"XqO+zRXNMlIHaJ8zFPAIvR3N16qEW8FrIyV/vcRGm9j1xq+jYNLVY/+1LQIDAQAB\n"
	"AoGBAIXeZJu0xzqoyqDnUkZOxt7dntCeqDjH5WrzMzyRIrVUWZ3FsZzE8xqUQa1g\n"
	"YfZDXrdm+xLDgISgNb5b2HftDC3mg15UUlRHqgYFtJJmVZLkPrgOtP3dV09DYeG1\n"
	"8upJRqas6DrEuoy2wx1QbSZl8kmF/dPV3wDPvzXg0eXC+PN9AkEA8MLXklRD1XXW\n"
	"Uk19cN2MsaDRHpDG+i5aH9BrjwznxJVH7sezc5LCycMaSFM82IXimToAC6KAAxSM\n"
	"h0XKA6lE7wJBAN15Ecmf4k7nKFlG9QJH3NE8tT4bUgrDLCAdaeeOOZ81E6johmnv\n"
	"fLMqHfFnifela9nFEQniPiww9McjBWDeP6MCQGIq7/8IQMhuzb6tPfKhQ1bB/cJ6\n"
	"wccM006ZiuG/H1l2jOf9oVwEgUwHM1Y+KlcW8DgOACq+TXf0DwCxIhewEx0CQQCa\n"
	"jutC8jlVJyyZYVOLC+umed9iQF649AvPPbeyySadXMUjk2J6e49i2XmcBs3Z7a+e\n"
	"glCpvSH2ZRPuBRqzx2ZRAkEAwd4HVOymmHM4PY+9Qo2Nfx1Gm5HXHc9fN8Blftdy\n"
	"8Q2LunYQss0xQviksAls8lLkkDJsyQ3NPnhm0X1ZVwRt9Q==\n"
	"-----END RSA PRIVATE KEY-----\n";

/* The JWK of ECKEY, and its public part. */
static const char EC_JWK[] =
	"{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"S-KciaZRuRn4cEWw4YNVdHjIW6r5YG-HZZWMiZ8-X6o\","
	"\"y\":\"5Yxd8mWQgyAQ3qkCi9yY-Ul9cfZzsqlusc6GLibDi1w\","
	"\"d\":\"eNq0ABb3cYhdxuAk63NV96fTFlstAuHZIf6eloYtuuw\"}";
static const char EC_PUB[] =
	"{\"kty\":\"EC\",\"crv\":\"P-256\","
	"\"x\":\"S-KciaZRuRn4cEWw4YNVdHjIW6r5YG-HZZWMiZ8-X6o\","
	"\"y\":\"5Yxd8mWQgyAQ3qkCi9yY-Ul9cfZzsqlusc6GLibDi1w\"}";
/* RFC 7515 appendix A.1's HMAC key. */
static const char OCT_JWK[] =
	"{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow\"}";
/* OPA's own test token: HS256 with the secret "secret". */
static const char HS_TOKEN[] =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhyIjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDyLoM";

/* The checks build many values: J from JSON text, S a string. */
#define J(json) rbc_json(json)

static struct rv *S(const char *s)
{
	return rv_string(&rbc_arena, s, strlen(s));
}

/* want: as rb_check.h says; NULL: an array whose first element is true. */
static void expect(const char *name, struct rv **args, const char *want)
{
	struct rv *out;
	char msg[256];
	enum rb_status st;

	if (want) {
		rbc_expect(name, name, args, want);
		return;
	}
	st = rbc_call(name, args, &out, msg, sizeof(msg));
	CHECK_MSG(st == RB_OK && out->type == RV_ARRAY && out->u.arr.n &&
		  rv_equal(out->u.arr.v[0], rv_bool(true)),
		  "%s: status %d [%s], got %s", name, st, msg, rbc_show(out));
}

static void expect1(const char *name, struct rv *a, const char *want)
{
	struct rv *args[1] = { a };

	expect(name, args, want);
}

static void expect2(const char *name, struct rv *a, struct rv *b,
		    const char *want)
{
	struct rv *args[2] = { a, b };

	expect(name, args, want);
}

/* The result of a call that must succeed. */
static struct rv *must(const char *name, struct rv *a, struct rv *b,
		       struct rv *c3)
{
	struct rv *args[3] = { a, b, c3 }, *out;
	char msg[256];
	enum rb_status st = rbc_call(name, args, &out, msg, sizeof(msg));

	CHECK_MSG(st == RB_OK, "%s: status %d [%s]", name, st, msg);
	return st == RB_OK ? out : rv_null();
}

static struct rv *at(struct rv *v, const char *path)
{
	char key[64];
	const char *p = path, *dot;

	while (v && *p) {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s", (int)(dot ? dot - p : (long)strlen(p)), p);
		if (v->type == RV_ARRAY)
			v = (size_t)atoi(key) < v->u.arr.n ? v->u.arr.v[atoi(key)] : NULL;
		else
			v = v->type == RV_OBJECT ? rv_object_getc(v, key) : NULL;
		p = dot ? dot + 1 : p + strlen(p);
	}
	return v;
}

static void expect_at(struct rv *v, const char *path, const char *want)
{
	struct rv *got = at(v, path), *w = J(want);

	CHECK_MSG(got && w && rv_equal(got, w), "%s: got %s, want %s", path,
		  rbc_show(got), want);
}

static void check_decode(void)
{
	expect1("io.jwt.decode", S(HS_TOKEN),
		"[{\"alg\":\"HS256\",\"typ\":\"JWT\"},{\"azp\":\"alice\",\"hr\":false,\"subordinates\":[],\"user\":\"alice\"},\"af3de34d8d37df3f8daca7f0acaf3dfdd70b17b4cde20c02323f9f5410f22e83\"]");
	expect1("io.jwt.decode", J("1"),
		"!type: io.jwt.decode: operand 1 must be string but got number");
	expect1("io.jwt.decode", S("abc"),
		"!error: io.jwt.decode: encoded JWT had no period separators");
	expect1("io.jwt.decode", S("a.b.c.d"),
		"!error: io.jwt.decode: encoded JWT must have 3 sections, found 4");
	expect1("io.jwt.decode", S("a.b.c"),
		"!error: io.jwt.decode: JWT header had invalid encoding: illegal base64url string: a");
	/* "[1]" and "{" as headers */
	expect1("io.jwt.decode", S("WzFd.e30."),
		"!error: io.jwt.decode: bad JWT header: decoded JSON type was not an Object");
	expect1("io.jwt.decode", S("ew.e30."),
		"!error: io.jwt.decode: bad JWT header: invalid JSON: unexpected EOF");
	/* {"enc":"x"} */
	expect1("io.jwt.decode", S("eyJlbmMiOiJ4In0.e30."),
		"!error: io.jwt.decode: JWT is a JWE object, which is not supported");
	/* payload "1" */
	expect1("io.jwt.decode", S("e30.MQ."),
		"!error: io.jwt.decode: decoded JSON type was not an Object");
	expect1("io.jwt.decode", S("e30.e30.!"),
		"!error: io.jwt.decode: JWT signature had invalid encoding: illegal base64url string: !");
	expect1("io.jwt.decode", S("e30.e30."), "[{},{},\"\"]");
}

static void check_verify(void)
{
	expect2("io.jwt.verify_hs256", S(HS_TOKEN), S("secret"), "true");
	expect2("io.jwt.verify_hs256", S(HS_TOKEN), S("Secret"), "false");
	expect2("io.jwt.verify_hs384", S(HS_TOKEN), S("secret"), "false");
	expect2("io.jwt.verify_hs256", S(HS_TOKEN), J("1"),
		"!type: io.jwt.verify_hs256: operand 2 must be string but got number");
	expect2("io.jwt.verify_hs256", J("null"), S("x"),
		"!type: io.jwt.verify_hs256: operand 1 must be string but got null");
	/* the signature cut short is false, not an error */
	expect2("io.jwt.verify_hs256",
		S("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyIjoiYWxpY2UiLCJhenAiOiJhbGljZSIsInN1Ym9yZGluYXRlcyI6W10sImhyIjpmYWxzZX0.rz3jTY033z-NrKfwrK89_dcLF7TN4gwCMj-fVBDy"),
		S("secret"), "false");
	expect2("io.jwt.verify_rs256", S(HS_TOKEN), S(ROOT), "false");
	expect2("io.jwt.verify_rs256", S(HS_TOKEN), S("-----BEGIN X-----\nAAAA\n-----END X-----\n"),
		"!error: io.jwt.verify_rs256: failed to extract a Key from the PEM certificate");
	expect2("io.jwt.verify_rs256", S(HS_TOKEN), S("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
		"!error: io.jwt.verify_rs256: failed to parse a PEM certificate: x509: malformed certificate");
	expect2("io.jwt.verify_es256", S(HS_TOKEN), S("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AA\",\"y\":\"AA\"}"),
		"!error: io.jwt.verify_es256: failed to parse a JWK key (set): jwk.ParseString: failed to parse string: jwk.Parse: failed to parse sole key: jwk.ParseKey: invalid EC key");
	expect2("io.jwt.verify_es256", S(HS_TOKEN), S("{\"kty\":\"XX\"}"),
		"!error: io.jwt.verify_es256: failed to parse a JWK key (set): jwk.ParseString: failed to parse string: jwk.Parse: failed to parse sole key: jwk.ParseKey: invalid key type from JSON (XX)");
	expect2("io.jwt.verify_es256", S(HS_TOKEN), S("not json"),
		"!prefix: io.jwt.verify_es256: failed to parse a JWK key (set): jwk.ParseString: failed to parse string: jwk.Parse: failed to parse sole key: jwk.ParseKey: jwk.Parse: failed to probe data: probe: failed to unmarshal data: invalid character");
}

static void check_sign_roundtrip(void)
{
	struct rv *tok, *pub = S(EC_PUB), *ks;
	char set[1024];

	/* RFC 7515 A.1 through encode_sign: deterministic */
	tok = must("io.jwt.encode_sign", J("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
		   J("{}"), J(OCT_JWK));
	CHECK_MSG(tok->type == RV_STRING && !strcmp(tok->u.str.s,
		  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.6cvao8lnOu6FAdK68jQFcDMXOmaWNwWiYhCgijd-AD8"),
		  "encode_sign HS256: %s", rbc_show(tok));

	/* ES256 is randomized: sign, then verify with the public key */
	tok = must("io.jwt.encode_sign", J("{\"alg\":\"ES256\"}"),
		   J("{\"iss\":\"eaa\",\"exp\":2000000000}"), J(EC_JWK));
	expect2("io.jwt.verify_es256", tok, pub, "true");
	expect2("io.jwt.verify_es384", tok, pub, "false"); /* SHA-384 digest */
	expect2("io.jwt.verify_rs256", tok, pub, "false");
	expect2("io.jwt.decode_verify", tok,
		J("{\"cert\":\"{\\\"kty\\\":\\\"EC\\\",\\\"crv\\\":\\\"P-256\\\",\\\"x\\\":\\\"S-KciaZRuRn4cEWw4YNVdHjIW6r5YG-HZZWMiZ8-X6o\\\",\\\"y\\\":\\\"5Yxd8mWQgyAQ3qkCi9yY-Ul9cfZzsqlusc6GLibDi1w\\\"}\",\"iss\":\"eaa\"}"),
		"[true,{\"alg\":\"ES256\"},{\"exp\":2000000000,\"iss\":\"eaa\"}]");
	/* a JWKS: the key named by kid, or any key whose alg matches */
	snprintf(set, sizeof(set), "{\"keys\":[%s,{\"kty\":\"oct\",\"k\":\"AA\",\"kid\":\"x\"}]}", EC_PUB);
	ks = S(set);
	expect2("io.jwt.verify_es256", tok, ks, "true");
	/* a wrong signature byte */
	{
		char *t = strdup(tok->u.str.s);
		size_t n = strlen(t);

		t[n - 5] = t[n - 5] == 'A' ? 'B' : 'A';
		expect2("io.jwt.verify_es256", S(t), pub, "false");
		free(t);
	}
	/* the key does not fit the algorithm */
	{
		struct rv *args[3] = { J("{\"alg\":\"RS256\"}"), J("{}"), J(EC_JWK) };

		expect("io.jwt.encode_sign", args,
		       "!error: io.jwt.encode_sign: invalid key type for the algorithm");
	}
	{
		struct rv *args[3] = { J("{\"alg\":\"none\"}"), J("{}"), J(OCT_JWK) };

		expect("io.jwt.encode_sign", args,
		       "!error: io.jwt.encode_sign: unknown JWS algorithm: none");
	}
	{
		struct rv *args[3] = { S("{\"alg\":1}"), S("{}"), S(OCT_JWK) };

		expect("io.jwt.encode_sign_raw", args,
		       "!error: io.jwt.encode_sign_raw: missing or invalid 'alg' header: value doesn't contain string; it contains number");
	}
	{
		struct rv *args[3] = { S("{\"alg\":\"HS256\"}"), S("{}"), S("{\"keys\":[]}") };

		expect("io.jwt.encode_sign_raw", args,
		       "!error: io.jwt.encode_sign_raw: no keys found in JWK set");
	}
	{
		struct rv *args[3] = { S("{\"alg\":\"HS256\"}"), S("{}"), J("1") };

		expect("io.jwt.encode_sign_raw", args,
		       "!type: io.jwt.encode_sign_raw: operand 3 must be string but got number");
	}
}

static void check_decode_verify(void)
{
	struct rv *tok = S(HS_TOKEN), *none, *exp;

	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"secret\"}"),
		"[true,{\"alg\":\"HS256\",\"typ\":\"JWT\"},{\"azp\":\"alice\",\"hr\":false,\"subordinates\":[],\"user\":\"alice\"}]");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"x\"}"), "[false,{},{}]");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"secret\",\"alg\":\"HS384\"}"), "[false,{},{}]");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"secret\",\"iss\":\"x\"}"), "[false,{},{}]");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"secret\",\"aud\":\"x\"}"), "[false,{},{}]");
	expect2("io.jwt.decode_verify", tok, J("[]"),
		"!type: io.jwt.decode_verify: operand 2 must be object but got array");
	expect2("io.jwt.decode_verify", tok, J("{}"),
		"!error: io.jwt.decode_verify: no key constraint");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"\"}"),
		"!error: io.jwt.decode_verify: no key constraint");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"a\",\"cert\":\"{\\\"kty\\\":\\\"oct\\\",\\\"k\\\":\\\"AA\\\"}\"}"),
		"!error: io.jwt.decode_verify: duplicate key constraints");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"a\",\"foo\":1}"),
		"!error: io.jwt.decode_verify: unknown token validation constraint: foo");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":1}"),
		"!error: io.jwt.decode_verify: secret constraint: must be a string");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"a\",\"time\":-1}"),
		"!error: io.jwt.decode_verify: token time constraint: must not be negative");
	expect2("io.jwt.decode_verify", tok, J("{\"secret\":\"a\",\"time\":\"now\"}"),
		"!error: io.jwt.decode_verify: token time constraint: must be a number");
	/* alg "none" verifies nothing: {"alg":"none"}.{"a":1}. */
	none = S("eyJhbGciOiJub25lIn0.eyJhIjoxfQ.");
	expect2("io.jwt.decode_verify", none, J("{\"secret\":\"secret\"}"), "[false,{},{}]");
	/* exp 2000000000 (2033), at 2030 and at 2040 */
	exp = must("io.jwt.encode_sign", J("{\"alg\":\"HS256\"}"),
		   J("{\"exp\":2000000000,\"nbf\":1800000000}"), J("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"));
	expect2("io.jwt.decode_verify", exp, J("{\"secret\":\"secret\"}"),
		"[true,{\"alg\":\"HS256\"},{\"exp\":2000000000,\"nbf\":1800000000}]");
	expect2("io.jwt.decode_verify", exp, J("{\"secret\":\"secret\",\"time\":2100000000000000000}"),
		"[false,{},{}]");
	expect2("io.jwt.decode_verify", exp, J("{\"secret\":\"secret\",\"time\":1700000000000000000}"),
		"[false,{},{}]");
	exp = must("io.jwt.encode_sign", J("{\"alg\":\"HS256\"}"),
		   J("{\"exp\":\"soon\"}"), J("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"));
	expect2("io.jwt.decode_verify", exp, J("{\"secret\":\"secret\"}"),
		"!error: io.jwt.decode_verify: exp value must be a number");
	/* a critical header parameter nobody knows: {"alg":"HS256","crit":["x"],"x":1} */
	exp = must("io.jwt.encode_sign", J("{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}"),
		   J("{}"), J("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}"));
	expect2("io.jwt.decode_verify", exp, J("{\"secret\":\"secret\"}"), "[false,{},{}]");
}

static void check_x509(void)
{
	struct rv *v, *chain;
	char both[4096];

	v = must("crypto.x509.parse_certificates", S(LEAF), NULL, NULL);
	CHECK(v->type == RV_ARRAY && v->u.arr.n == 1);
	expect_at(v, "0.Subject.CommonName", "\"leaf.test\"");
	expect_at(v, "0.Issuer.Organization", "[\"EAA Test\"]");
	expect_at(v, "0.Subject.Names.0.Type", "[2,5,4,3]");
	expect_at(v, "0.DNSNames", "[\"leaf.test\"]");
	expect_at(v, "0.IPAddresses", "[\"10.0.0.1\"]");
	expect_at(v, "0.URIStrings", "[\"spiffe://eaa.test/x\"]");
	expect_at(v, "0.URIs.0.Host", "\"eaa.test\"");
	expect_at(v, "0.EmailAddresses", "[\"a@eaa.test\"]");
	expect_at(v, "0.SerialNumber", "4660");
	expect_at(v, "0.ExtKeyUsage", "[1]");
	expect_at(v, "0.KeyUsage", "1");
	expect_at(v, "0.IsCA", "false");
	expect_at(v, "0.BasicConstraintsValid", "false");
	expect_at(v, "0.PublicKeyAlgorithm", "3");
	expect_at(v, "0.SignatureAlgorithm", "10");
	expect_at(v, "0.Version", "3");
	expect_at(v, "0.NotBefore", "\"2026-12-07T05:45:11Z\"");
	expect_at(v, "0.CRLDistributionPoints", "null");

	expect1("crypto.x509.parse_certificates", S("foobar"),
		"!error: crypto.x509.parse_certificates: illegal base64 data at input byte 4");
	expect1("crypto.x509.parse_certificates", S("YmFkc3RyaW5n"),
		"!error: crypto.x509.parse_certificates: x509: malformed certificate");
	expect1("crypto.x509.parse_certificates", S(ECKEY),
		"!error: crypto.x509.parse_certificates: PEM block type is 'EC PRIVATE KEY', expected CERTIFICATE");
	expect1("crypto.x509.parse_certificates", S(""), "[]");
	expect1("crypto.x509.parse_certificates", J("[]"),
		"!type: crypto.x509.parse_certificates: operand 1 must be string but got array");

	/* root first, leaf last; the answer is the chain from the leaf */
	snprintf(both, sizeof(both), "%s%s", ROOT, LEAF);
	chain = must("crypto.x509.parse_and_verify_certificates", S(both), NULL, NULL);
	expect_at(chain, "0", "true");
	expect_at(chain, "1.0.Subject.CommonName", "\"leaf.test\"");
	expect_at(chain, "1.1.Subject.CommonName", "\"root.test\"");
	expect_at(chain, "1.1.IsCA", "true");
	expect1("crypto.x509.parse_and_verify_certificates", S(LEAF), "[false,[]]");
	snprintf(both, sizeof(both), "%s%s", LEAF, ROOT);
	expect1("crypto.x509.parse_and_verify_certificates", S(both), "[false,[]]");
	expect1("crypto.x509.parse_and_verify_certificates", S("junk"), "[false,[]]");
	rbc_now_ns = 1700000000000000000LL; /* before the leaf's NotBefore */
	snprintf(both, sizeof(both), "%s%s", ROOT, LEAF);
	expect1("crypto.x509.parse_and_verify_certificates", S(both), "[false,[]]");
	rbc_now_ns = 1900000000000000000LL;

	/* with options: the name, the usages, the time */
	snprintf(both, sizeof(both), "%s%s", ROOT, LEAF);
	v = must("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		 J("{\"DNSName\":\"leaf.test\",\"KeyUsages\":[\"KeyUsageServerAuth\"]}"), NULL);
	expect_at(v, "0", "true");
	CHECK(at(v, "1.0.URIStrings") == NULL); /* Go's plain certificate */
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"DNSName\":\"other.test\"}"), "[false,[]]");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"DNSName\":\"10.0.0.1\"}"), NULL);
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"KeyUsages\":[\"KeyUsageClientAuth\"]}"), "[false,[]]");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"CurrentTime\":1700000000000000000}"), "[false,[]]");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"KeyUsages\":[\"x\",\"KeyUsageAny\",\"y\"]}"),
		"!error: crypto.x509.parse_and_verify_certificates_with_options: invalid entries for 'KeyUsages' found: [x y]");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"Foo\":1}"),
		"!error: crypto.x509.parse_and_verify_certificates_with_options: invalid key option");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both),
		J("{\"CurrentTime\":\"now\"}"),
		"!error: crypto.x509.parse_and_verify_certificates_with_options: 'CurrentTime' should be a number");
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S(both), J("[]"),
		"!type: crypto.x509.parse_and_verify_certificates_with_options: operand 2 must be object but got array");
	/* reading fails before the options are looked at */
	expect2("crypto.x509.parse_and_verify_certificates_with_options", S("junk"),
		J("{\"Foo\":1}"), "[false,[]]");

	v = must("crypto.x509.parse_certificate_request", S(CSR), NULL, NULL);
	expect_at(v, "Subject.CommonName", "\"leaf.test\"");
	expect_at(v, "DNSNames", "[\"leaf.test\"]");
	expect_at(v, "Attributes.0.Type", "[1,2,840,113549,1,9,14]");
	expect1("crypto.x509.parse_certificate_request", S(ROOT),
		"!error: crypto.x509.parse_certificate_request: illegal base64 data at input byte 0");
	expect1("crypto.x509.parse_certificate_request", S("YmFkc3RyaW5n"),
		"!error: crypto.x509.parse_certificate_request: asn1: structure error: malformed certificate request");
}

static void check_keys(void)
{
	struct rv *v, *args[2];

	v = must("crypto.x509.parse_rsa_private_key", S(ECKEY), NULL, NULL);
	expect_at(v, "kty", "\"EC\"");
	expect_at(v, "crv", "\"P-256\"");
	expect_at(v, "x", "\"S-KciaZRuRn4cEWw4YNVdHjIW6r5YG-HZZWMiZ8-X6o\"");
	expect_at(v, "d", "\"eNq0ABb3cYhdxuAk63NV96fTFlstAuHZIf6eloYtuuw\"");
	v = must("crypto.x509.parse_rsa_private_key", S(RSAKEY), NULL, NULL);
	expect_at(v, "kty", "\"RSA\"");
	expect_at(v, "e", "\"AQAB\"");
	expect1("crypto.x509.parse_rsa_private_key", S(""),
		"!error: crypto.x509.parse_rsa_private_key: input PEM data was empty");
	expect1("crypto.x509.parse_rsa_private_key", S(ROOT), "null");

	expect1("crypto.parse_private_keys", S(""), "null");
	expect1("crypto.parse_private_keys", S("nope"), "[]");
	v = must("crypto.parse_private_keys", S(ECKEY8), NULL, NULL);
	CHECK(v->type == RV_ARRAY && v->u.arr.n == 1);
	expect_at(v, "0.Curve", "{}");
	v = must("crypto.parse_private_keys", S(RSAKEY), NULL, NULL);
	expect_at(v, "0.E", "65537");
	CHECK(at(v, "0.Primes.1") != NULL);
	expect1("crypto.parse_private_keys",
		S("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n"),
		"!error: crypto.parse_private_keys: x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)");

	v = must("crypto.x509.parse_keypair", S(ROOT), S(ECKEY), NULL);
	expect_at(v, "Leaf.Subject.CommonName", "\"root.test\"");
	CHECK(at(v, "Certificate.0") && at(v, "Certificate.0")->type == RV_STRING);
	v = must("crypto.x509.parse_keypair", S(LEAF), S(LEAFKEY), NULL);
	expect_at(v, "Leaf.Subject.CommonName", "\"leaf.test\"");
	args[0] = S(LEAF);
	args[1] = S(ECKEY);
	expect("crypto.x509.parse_keypair", args,
	       "!error: crypto.x509.parse_keypair: tls: private key does not match public key");
	args[1] = J("1");
	expect("crypto.x509.parse_keypair", args,
	       "!type: crypto.x509.parse_keypair: operand 1 must be string but got number");
}

/* Every prefix of an input, and every byte of it flipped: no crash, and
 * a token whose signature no longer matches never verifies. */
static void check_mangled(void)
{
	static const char *const fns[] = {
		"crypto.x509.parse_certificates",
		"crypto.x509.parse_certificate_request",
		"crypto.parse_private_keys",
		"crypto.x509.parse_rsa_private_key",
	};
	static const char *const inputs[] = { LEAF, CSR, RSAKEY, ECKEY };
	struct rv *out, *args[2];
	char msg[256], *t;
	size_t i, k, n;
	int changed = 0;

	for (k = 0; k < 4; k++) {
		n = strlen(inputs[k]);
		t = malloc(n + 1);
		for (i = 0; i < n; i++) {
			memcpy(t, inputs[k], n + 1);
			args[0] = rv_string(&rbc_arena, t, i);
			rbc_call(fns[k], args, &out, msg, sizeof(msg));
			t[i] ^= 0x21;
			args[0] = rv_string(&rbc_arena, t, n);
			rbc_call(fns[k], args, &out, msg, sizeof(msg));
		}
		free(t);
		rv_arena_free(&rbc_arena);
		rv_arena_init(&rbc_arena, 0);
	}
	n = strlen(HS_TOKEN);
	t = malloc(n + 1);
	for (i = 0; i < n; i++) {
		memcpy(t, HS_TOKEN, n + 1);
		t[i] ^= 0x01;
		args[0] = rv_string(&rbc_arena, t, n);
		args[1] = S("secret");
		if (rbc_call("io.jwt.verify_hs256", args, &out, msg, sizeof(msg)) == RB_OK &&
		    out->type == RV_BOOL && out->u.b)
			changed++;
		args[1] = J("{\"secret\":\"secret\"}");
		if (rbc_call("io.jwt.decode_verify", args, &out, msg, sizeof(msg)) == RB_OK &&
		    out->type == RV_ARRAY && out->u.arr.v[0]->u.b)
			changed++;
		args[1] = S(EC_PUB);
		rbc_call("io.jwt.verify_es256", args, &out, msg, sizeof(msg));
		args[0] = rv_string(&rbc_arena, t, i);
		rbc_call("io.jwt.decode", args, &out, msg, sizeof(msg));
	}
	free(t);
	/* flipping the low bit of the signature's last character can leave
	 * the decoded bytes as they were (unused bits): at most that one */
	CHECK_MSG(changed <= 2, "%d mangled tokens verified", changed);
}

int main(void)
{
	rv_arena_init(&rbc_arena, 0);
	rbc_now_ns = 1900000000000000000LL; /* 2030 */
	check_decode();
	check_verify();
	check_sign_roundtrip();
	check_decode_verify();
	check_x509();
	check_keys();
	check_mangled();
	rv_arena_free(&rbc_arena);
	return test_summary();
}
