/* test_core.c - the bounded reader/writer, CBOR, codecs and errors. */
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include "bytes.h"
#include "cbor_io.h"
#include "codec.h"
#include "ecdsa.h"
#include "err.h"
#include "json_raw.h"
#include "timefmt.h"
#include "log.h"
#include "aead.h"
#include "json_util.h"
#include "kp_packet.h"
#include "fanout.h"
#include <fcntl.h>
#include <openssl/core_names.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../test.h"

static void test_reader(void)
{
	const uint8_t buf[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct rd r = rd_init(buf, sizeof(buf)), sub;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	uint8_t out[4];

	CHECK(rd_u16le(&r, &v16) && v16 == 0x0201);
	CHECK(rd_u16be(&r, &v16) && v16 == 0x0304);
	CHECK(rd_u32le(&r, &v32) && v32 == 0x08070605);
	CHECK(rd_left(&r) == 1);
	/* A failed read leaves the reader where it was. */
	CHECK(!rd_u16le(&r, &v16) && rd_left(&r) == 1);
	CHECK(!rd_bytes(&r, out, 2) && rd_left(&r) == 1);
	CHECK(rd_u8(&r, &out[0]) && out[0] == 9 && rd_done(&r));
	CHECK(!rd_u8(&r, &out[0]));

	r = rd_init(buf, sizeof(buf));
	CHECK(rd_u64le(&r, &v64) && v64 == 0x0807060504030201ULL);
	r = rd_init(buf, 7);
	CHECK(!rd_u64le(&r, &v64) && rd_left(&r) == 7);
	CHECK(rd_sub(&r, 3, &sub) && rd_left(&sub) == 3 && rd_left(&r) == 4);
	CHECK(!rd_sub(&r, 5, &sub));
	CHECK(!rd_skip(&r, (size_t)-1) && rd_left(&r) == 4);
	r = rd_init((const uint8_t[]){ 0, 0, 0 }, 3);
	CHECK(rd_all_zero(&r));
	r = rd_init((const uint8_t[]){ 0, 1, 0 }, 3);
	CHECK(!rd_all_zero(&r));
	r = rd_init(NULL, 5);
	CHECK(rd_done(&r));
}

static void test_writer(void)
{
	uint8_t fixed[4];
	struct wr w;
	size_t len;
	uint8_t *p;

	wr_init(&w);
	for (int i = 0; i < 1000; i++)
		wr_u32be(&w, (uint32_t)i);
	CHECK(!w.failed && w.len == 4000);
	CHECK(w.buf[3996] == 0 && w.buf[3999] == 0xe7 && w.buf[3998] == 0x03);
	p = wr_take(&w, &len);
	CHECK(p && len == 4000 && w.buf == NULL);
	free(p);

	/* nothing into a fresh writer: a success, with a buffer to point
	 * into (fuzz_grpc_server found NULL + 0 here, under UBSan) */
	wr_init(&w);
	CHECK(wr_bytes(&w, "", 0) && w.buf && w.len == 0 && !w.failed);
	wr_free(&w);

	wr_init_fixed(&w, fixed, sizeof(fixed));
	CHECK(wr_u16le(&w, 0xbeef) && wr_u16le(&w, 1));
	CHECK(fixed[0] == 0xef && fixed[1] == 0xbe);
	/* Overflowing a fixed buffer latches the failure. */
	CHECK(!wr_u8(&w, 1) && w.failed && !wr_u8(&w, 1) && w.len == 4);
	wr_free(&w);
	CHECK(fixed[0] == 0); /* wiped */
}

static void test_cbor(void)
{
	struct cbor_item it;
	struct wr w;
	struct rd r;

	wr_init(&w);
	CHECK(cbor_put_tag(&w, 60000) && cbor_put_array(&w, 2) &&
	      cbor_put_bstr(&w, "ab", 2) && cbor_put_tstr(&w, "xyz") &&
	      cbor_put_map(&w, 1) && cbor_put_uint(&w, 1) &&
	      cbor_put_uint(&w, 1ULL << 40));
	r = rd_init(w.buf, w.len);
	CHECK(cbor_expect(&r, CBOR_K_TAG, &it) && it.val == 60000);
	CHECK(cbor_expect(&r, CBOR_K_ARRAY, &it) && it.val == 2);
	/* A type mismatch does not advance. */
	CHECK(!cbor_expect(&r, CBOR_K_TSTR, &it) &&
	      cbor_expect(&r, CBOR_K_BSTR, &it) && it.data.n == 2 &&
	      memcmp(it.data.p, "ab", 2) == 0);
	CHECK(cbor_expect(&r, CBOR_K_TSTR, &it) && it.data.n == 3);
	CHECK(cbor_skip(&r, 4) && rd_done(&r));
	wr_free(&w);

	/* Strings longer than the input, indefinite lengths, floats. */
	r = rd_init((const uint8_t[]){ 0x45, 'a', 'b' }, 3);
	CHECK(!cbor_next(&r, &it) && rd_left(&r) == 3);
	r = rd_init((const uint8_t[]){ 0x5f, 0x41, 'a', 0xff }, 4);
	CHECK(!cbor_next(&r, &it));
	r = rd_init((const uint8_t[]){ 0x9f, 0xff }, 2);
	CHECK(!cbor_next(&r, &it));
	r = rd_init((const uint8_t[]){ 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0 }, 10);
	CHECK(!cbor_next(&r, &it));
	r = rd_init((const uint8_t[]){ 0xf9, 0x3c, 0x00 }, 3);
	CHECK(cbor_next(&r, &it) && it.kind == CBOR_K_SIMPLE);
	/* An array claiming more elements than bytes left is refused early. */
	r = rd_init((const uint8_t[]){ 0x9a, 0xff, 0xff, 0xff, 0xff, 0 }, 6);
	CHECK(!cbor_skip(&r, 8) && rd_left(&r) == 6);
	/* Nesting beyond the depth limit. */
	{
		uint8_t deep[64];

		memset(deep, 0x81, sizeof(deep));
		deep[63] = 0x00;
		r = rd_init(deep, sizeof(deep));
		CHECK(!cbor_skip(&r, 16));
		r = rd_init(deep, sizeof(deep));
		CHECK(cbor_skip(&r, 64) && rd_done(&r));
	}
}

static void test_codec(void)
{
	uint8_t *out;
	size_t n;
	char *s;

	s = hex_encode("\x00\xab\xff", 3);
	CHECK(s && strcmp(s, "00abff") == 0);
	free(s);
	CHECK(hex_decode("00ABff", &out, &n) && n == 3 && out[1] == 0xab);
	free(out);
	CHECK(!hex_decode("abc", &out, &n));
	CHECK(!hex_decode("zz", &out, &n));

	static const struct { const char *plain, *std, *url; } v[] = {
		{ "", "", "" },
		{ "f", "Zg==", "Zg" },
		{ "fo", "Zm8=", "Zm8" },
		{ "foo", "Zm9v", "Zm9v" },
		{ "foob", "Zm9vYg==", "Zm9vYg" },
		{ "\xfb\xff", "+/8=", "-_8" },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].plain);

		s = base64_encode(v[i].plain, len, false);
		CHECK_MSG(s && strcmp(s, v[i].std) == 0, "std %zu: %s", i, s);
		free(s);
		s = base64_encode(v[i].plain, len, true);
		CHECK_MSG(s && strcmp(s, v[i].url) == 0, "url %zu: %s", i, s);
		free(s);
		CHECK(base64_decode(v[i].std, false, &out, &n) && n == len &&
		      memcmp(out, v[i].plain, n) == 0);
		free(out);
		CHECK(base64_decode(v[i].url, true, &out, &n) && n == len &&
		      memcmp(out, v[i].plain, n) == 0);
		free(out);
	}
	CHECK(!base64_decode("Zg", false, &out, &n));   /* std needs padding */
	CHECK(!base64_decode("Zh==", false, &out, &n)); /* non-canonical bits */
	CHECK(!base64_decode("Z", true, &out, &n));
	CHECK(!base64_decode("Zm9v\n", false, &out, &n));
	CHECK(!base64_decode("+/8=", true, &out, &n));  /* std alphabet in url */
	/* UTF-8 by RFC 3629: each refusal a different reason */
	{
		char b[4];

		CHECK(utf8_len((const uint8_t *)"a", 1) == 1);
		CHECK(utf8_len((const uint8_t *)"\xc3\xa9", 2) == 2);
		CHECK(utf8_len((const uint8_t *)"\xf0\x9f\x98\x80", 4) == 4);
		CHECK(utf8_len((const uint8_t *)"\xc3\xa9", 1) == 0);         /* cut short */
		CHECK(utf8_len((const uint8_t *)"\xc0\xaf", 2) == 0);         /* overlong */
		CHECK(utf8_len((const uint8_t *)"\xe0\x80\xaf", 3) == 0);     /* overlong */
		CHECK(utf8_len((const uint8_t *)"\xed\xa0\x80", 3) == 0);     /* surrogate */
		CHECK(utf8_len((const uint8_t *)"\xf4\x90\x80\x80", 4) == 0); /* past U+10FFFF */
		CHECK(utf8_len((const uint8_t *)"\x80", 1) == 0);             /* continuation */
		CHECK(utf8_len((const uint8_t *)"\xc3\x28", 2) == 0);         /* no continuation */
		CHECK(utf8_put(0x1f600, b) == 4 && memcmp(b, "\xf0\x9f\x98\x80", 4) == 0);
		CHECK(utf8_put(0xe9, b) == 2 && memcmp(b, "\xc3\xa9", 2) == 0);
	}
}

static void test_err(void)
{
	struct eaa_err e = { 0 };
	enum eaa_log_level level;

	CHECK(!eaa_fail(&e, EAA_E_FORMAT, "field %s", "x"));
	CHECK(e.code == EAA_E_FORMAT && strcmp(e.msg, "field x") == 0);
	eaa_err_prefix(&e, "quote");
	CHECK(strcmp(e.msg, "quote: field x") == 0 && e.code == EAA_E_FORMAT);
	CHECK(strcmp(eaa_code_name(EAA_E_BINDING), "binding") == 0);
	CHECK(strcmp(eaa_code_name((enum eaa_code)999), "unknown error") == 0);
	CHECK(eaa_log_parse_level("DEBUG", &level) && level == EAA_LOG_DEBUG);
	CHECK(eaa_log_parse_level("off", &level) && level == EAA_LOG_OFF);
	CHECK(!eaa_log_parse_level("loud", &level));
}

/* Raw ECDSA: points must be on the curve; signatures verify only as made. */
static void test_ecdsa(void)
{
	EVP_PKEY *k = NULL, *pub;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	uint8_t xy[64], sig[72], r[32] = { 0 }, s[32] = { 0 }, pt[65];
	const unsigned char *p;
	size_t n = sizeof(pt), siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *es;
	const BIGNUM *br, *bs;

	CHECK(ctx && EVP_PKEY_keygen_init(ctx) > 0 &&
	      EVP_PKEY_CTX_set_group_name(ctx, "P-256") > 0 &&
	      EVP_PKEY_keygen(ctx, &k) > 0);
	CHECK(EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pt,
					      sizeof(pt), &n) && n == 65);
	memcpy(xy, pt + 1, 64);
	CHECK(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	      EVP_DigestSign(md, sig, &siglen, (const uint8_t *)"msg", 3) == 1);
	p = sig;
	es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	ECDSA_SIG_get0(es, &br, &bs);
	BN_bn2binpad(br, r, 32);
	BN_bn2binpad(bs, s, 32);
	pub = ecdsa_pubkey_xy("P-256", xy, 32);
	CHECK(pub && ecdsa_verify_rs(pub, EVP_sha256(), "msg", 3, r, s, 32));
	CHECK(!ecdsa_verify_rs(pub, EVP_sha256(), "msh", 3, r, s, 32));
	s[31] ^= 1;
	CHECK(!ecdsa_verify_rs(pub, EVP_sha256(), "msg", 3, r, s, 32));
	EVP_PKEY_free(pub);
	xy[63] ^= 1; /* off the curve */
	CHECK(ecdsa_pubkey_xy("P-256", xy, 32) == NULL);
	CHECK(ecdsa_pubkey_xy("P-384", xy, 32) == NULL);
	CHECK(ecdsa_pubkey_xy("P-521", xy, 32) == NULL);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(k);
}

static void test_time_and_json_span(void)
{
	static const char doc[] = " {\"a\": [1, {\"x\": \"}\\\"\"}], \"tcbInfo\":"
				  "{\"k\":\"v,}\"} , \"n\": 5}";
	struct rd span;
	time_t t;

	CHECK(time_parse_utc("2023-06-18T08:42:58Z", &t) && t == 1687077778);
	CHECK(time_parse_utc("2024-02-29T00:00:00.123Z", &t));
	CHECK(!time_parse_utc("2023-02-29T00:00:00Z", &t));
	CHECK(!time_parse_utc("2023-06-18T08:42:58+01:00", &t));
	CHECK(!time_parse_utc("2023-06-18 08:42:58Z", &t));
	CHECK(!time_parse_utc("2023-13-01T00:00:00Z", &t));
	CHECK(json_raw_member(doc, strlen(doc), "tcbInfo", &span) &&
	      span.n == 11 && memcmp(span.p, "{\"k\":\"v,}\"}", 11) == 0);
	CHECK(json_raw_member(doc, strlen(doc), "n", &span) && span.n == 1);
	CHECK(!json_raw_member(doc, strlen(doc), "x", &span));
	CHECK(!json_raw_member("{\"tcbInfo\": {", 13, "tcbInfo", &span));
	CHECK(!json_raw_member("[1]", 3, "tcbInfo", &span));
}

/* NIST GCM test case 14 (AES-256, zero key and IV, one zero block), then
 * every way the tag must fail. */
static void test_aead(void)
{
	static const uint8_t want_ct[16] = {
		0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
		0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18 };
	static const uint8_t want_tag[16] = {
		0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
		0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19 };
	uint8_t key[32] = { 0 }, iv[12] = { 0 }, pt[16] = { 0 }, ct[16], tag[16],
		back[16];

	CHECK(aes_gcm_seal(key, 32, iv, 12, NULL, 0, pt, 16, ct, tag));
	CHECK(memcmp(ct, want_ct, 16) == 0 && memcmp(tag, want_tag, 16) == 0);
	CHECK(aes_gcm_open(key, 32, iv, 12, NULL, 0, ct, 16, tag, back) &&
	      memcmp(back, pt, 16) == 0);
	ct[3] ^= 1;
	CHECK(!aes_gcm_open(key, 32, iv, 12, NULL, 0, ct, 16, tag, back));
	ct[3] ^= 1;
	tag[15] ^= 0x80;
	CHECK(!aes_gcm_open(key, 32, iv, 12, NULL, 0, ct, 16, tag, back));
	tag[15] ^= 0x80;
	CHECK(!aes_gcm_open(key, 32, iv, 12, (const uint8_t *)"a", 1, ct, 16, tag, back));
	CHECK(!aes_gcm_open(key, 31, iv, 12, NULL, 0, ct, 16, tag, back));
	CHECK(aes_gcm_seal(key, 16, iv, 12, (const uint8_t *)"aad", 3, pt, 0, ct, tag) &&
	      aes_gcm_open(key, 16, iv, 12, (const uint8_t *)"aad", 3, ct, 0, tag, back));
}

#define kp_parse(s, p, e) kp_packet_parse(s, strlen(s), p, e)

/* Both generations' packets, both byte encodings, and the kid mapping. */
static void test_kp_packet(void)
{
	struct kp_packet p;
	struct eaa_err err;

	CHECK(kp_parse("{\"kid\":\"kbs:///default/key/1\",\"wrapped_data\":"
			      "\"AAAAAAAAAAAAAAAAAAAAAAAA\",\"iv\":\"MDEyMzQ1Njc4OTAx\","
			      "\"wrap_type\":\"A256GCM\"}", &p, &err));
	CHECK(p.wrapped_len == 18 && memcmp(p.iv, "012345678901", 12) == 0 &&
	      strcmp(kp_store_kid(p.kid), "default/key/1") == 0);
	kp_packet_free(&p);
	CHECK(kp_parse("{\"kid\":\"k1\",\"wrapped_data\":[1,2,3,4,5,6,7,8,9,10,"
			      "11,12,13,14,15,16,17],\"iv\":[48,49,50,51,52,53,54,55,56,"
			      "57,48,49],\"algorithm\":\"AES\",\"key_length\":256}", &p, &err));
	CHECK(p.wrapped_len == 17 && p.wrapped[16] == 17 && strcmp(p.kid, "k1") == 0);
	kp_packet_free(&p);
	CHECK(strcmp(kp_store_kid("kbs://kbs.example:8080/a/b/c"), "a/b/c") == 0);
	CHECK(strcmp(kp_store_kid("plain-kid"), "plain-kid") == 0);
	/* refused: short iv, tagless data, a byte over 255, no wrap type */
	CHECK(!kp_parse("{\"kid\":\"k\",\"wrapped_data\":\"AAAAAAAAAAAAAAAAAAAAAAAA\","
			       "\"iv\":\"MDEy\",\"wrap_type\":\"A256GCM\"}", &p, &err) &&
	      strstr(err.msg, "iv must be 12 bytes") && !p.kid && !p.wrapped);
	CHECK(!kp_parse("{\"kid\":\"k\",\"wrapped_data\":\"AAAA\",\"iv\":"
			       "\"MDEyMzQ1Njc4OTAx\",\"wrap_type\":\"A256GCM\"}", &p, &err) &&
	      strstr(err.msg, "16-byte tag"));
	CHECK(!kp_parse("{\"kid\":\"k\",\"wrapped_data\":[256],\"iv\":"
			"\"MDEyMzQ1Njc4OTAx\",\"wrap_type\":\"A256GCM\"}", &p, &err));
	CHECK(!kp_parse("{\"kid\":\"k\",\"wrapped_data\":\"AAAA\",\"iv\":\"AAAA\"}",
			&p, &err) && strstr(err.msg, "wrap_type"));
	CHECK(!kp_parse("[1]", &p, &err) && strstr(err.msg, "not a JSON object"));
	/* the output's bytes as numbers, every width */
	{
		static const uint8_t b[] = { 0, 9, 10, 99, 100, 255 };
		char *o = kp_output("keyunwrapresults", "optsdata", b, sizeof(b));
		char *none = kp_output("m", "f", b, 0);

		CHECK(o && strcmp(o, "{\"keyunwrapresults\":{\"optsdata\":"
				  "[0,9,10,99,100,255]}}") == 0);
		CHECK(none && strcmp(none, "{\"m\":{\"f\":[]}}") == 0);
		free(o);
		free(none);
	}
}

static void test_json_frame(void)
{
	CHECK(json_frame("{\"a\":1}{\"b\":2}", 14) == 7);
	CHECK(json_frame("{\"a\":\"}\"", 9) == 0);
	CHECK(json_frame("x{}", 3) == -1);
	CHECK(json_frame(" [1]", 4) == -1);
}

/* each() of the fanout tests: a SHA-256 on the caller's thread, and a
 * stop after `stop_at` chunks when that is not 0. */
struct each_state {
	EVP_MD_CTX *md;
	size_t bytes, chunks, stop_at;
};

static bool each_hash(void *arg, const uint8_t *p, size_t n, struct eaa_err *err)
{
	struct each_state *st = arg;

	if (st->stop_at && st->chunks == st->stop_at)
		return eaa_fail(err, EAA_E_IO, "caller stops at chunk %zu", st->chunks);
	st->chunks++;
	st->bytes += n;
	return EVP_DigestUpdate(st->md, p, n) == 1;
}

/* Run fanout over fd with a SHA-256 sink, an HMAC sink and a SHA-256
 * each(); true when all three equal the one-shot values over want. */
static bool fanout_matches(int fd, const uint8_t *want, size_t n, struct each_state *st,
			   struct eaa_err *err)
{
	static const uint8_t key[32] = { 7 };
	uint8_t md[32], mac_md[32], each_md[32], ref[32], ref_mac[32];
	size_t macn = 0;
	unsigned refmacn = 0;
	EVP_MAC *alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *mac = EVP_MAC_CTX_new(alg);
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	struct fanout_sink sinks[2] = { { .md = sha }, { .mac = mac } };
	bool ok;

	st->md = EVP_MD_CTX_new();
	EVP_DigestInit_ex(sha, EVP_sha256(), NULL);
	EVP_DigestInit_ex(st->md, EVP_sha256(), NULL);
	EVP_MAC_init(mac, key, sizeof(key), params);
	ok = fanout_run(fd, "the test stream", sinks, 2, each_hash, st, err);
	if (ok) {
		EVP_DigestFinal_ex(sha, md, NULL);
		EVP_DigestFinal_ex(st->md, each_md, NULL);
		EVP_MAC_final(mac, mac_md, &macn, sizeof(mac_md));
		EVP_Digest(want, n, ref, NULL, EVP_sha256(), NULL);
		HMAC(EVP_sha256(), key, sizeof(key), want, n, ref_mac, &refmacn);
		ok = st->bytes == n && memcmp(md, ref, 32) == 0 &&
		     memcmp(each_md, ref, 32) == 0 && macn == 32 &&
		     memcmp(mac_md, ref_mac, 32) == 0;
	}
	EVP_MD_CTX_free(st->md);
	EVP_MD_CTX_free(sha);
	EVP_MAC_CTX_free(mac);
	EVP_MAC_free(alg);
	return ok;
}

static void test_fanout(void)
{
	/* 5 MiB + 123: more than the ring (8 x 256 KiB), so slots are reused */
	size_t n = (5u << 20) + 123;
	uint8_t *data = malloc(n);
	char path[] = "/tmp/eaa-fanout-XXXXXX";
	int fd = mkstemp(path), pipefd[2];
	struct each_state st = { 0 };
	struct eaa_err err = { 0 };
	struct fanout_sink many[FANOUT_MAX_SINKS + 1] = { { 0 } };
	pid_t child;
	int status = 0;

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 2654435761u >> 13);
	CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n && lseek(fd, 0, SEEK_SET) == 0);
	CHECK_MSG(fanout_matches(fd, data, n, &st, &err), "%s", err.msg);
	CHECK(st.chunks == (n + 256 * 1024 - 1) / (256 * 1024));

	/* each() refusing a chunk ends the run with its error */
	st = (struct each_state){ .stop_at = 3 };
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK(!fanout_matches(fd, data, n, &st, &err) && err.code == EAA_E_IO &&
	      strstr(err.msg, "caller stops at chunk 3"));
	close(fd);
	unlink(path);

	/* short reads of odd sizes from a pipe: same digests */
	CHECK(pipe(pipefd) == 0);
	child = fork();
	if (child == 0) {
		close(pipefd[0]);
		for (size_t off = 0; off < n;) {
			size_t take = n - off < 7777 ? n - off : 7777;
			ssize_t put = write(pipefd[1], data + off, take);

			if (put <= 0)
				_exit(1);
			off += (size_t)put;
		}
		_exit(0);
	}
	close(pipefd[1]);
	st = (struct each_state){ 0 };
	CHECK_MSG(fanout_matches(pipefd[0], data, n, &st, &err), "%s", err.msg);
	close(pipefd[0]);
	CHECK(child > 0 && waitpid(child, &status, 0) == child && status == 0);

	/* a read error names the stream */
	st = (struct each_state){ 0 };
	CHECK(!fanout_matches(-1, data, n, &st, &err) && err.code == EAA_E_IO &&
	      strstr(err.msg, "reading the test stream"));
	/* more sinks than it can run */
	CHECK(!fanout_run(0, "x", many, FANOUT_MAX_SINKS + 1, each_hash, &st, &err) &&
	      err.code == EAA_E_INVALID);
	free(data);
}

int main(void)
{
	test_fanout();
	test_aead();
	test_kp_packet();
	test_json_frame();
	test_ecdsa();
	test_time_and_json_span();
	test_reader();
	test_writer();
	test_cbor();
	test_codec();
	test_err();
	return test_summary();
}
