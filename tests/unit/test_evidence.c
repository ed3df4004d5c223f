/* test_evidence.c - the evidence extension, claims-buffer and sample report
 * parsers: round trips, then each malformation with its named error. */
#include <stdlib.h>
#include "cbor_io.h"
#include "forge.h"
#include "internal.h"
#include "sample_evidence.h"
#include "test.h"

static void test_evidence_roundtrip(void)
{
	struct rats_evidence ev;
	struct eaa_err err;
	struct wr w;

	wr_init(&w);
	CHECK(evidence_encode(TAG_CSV, "quote", 5, "claims", 6, &w));
	CHECK(evidence_decode(rd_init(w.buf, w.len), &ev, &err));
	CHECK(ev.tag == TAG_CSV && ev.quote.n == 5 && ev.claims_buffer.n == 6 &&
	      memcmp(ev.quote.p, "quote", 5) == 0);
	/* Every strict prefix is refused. */
	for (size_t n = 0; n < w.len; n++)
		CHECK_MSG(!evidence_decode(rd_init(w.buf, n), &ev, &err) &&
			  err.code == EAA_E_FORMAT, "prefix %zu accepted", n);
	wr_free(&w);

	wr_init(&w);
	CHECK(evidence_encode(TAG_CSV, "", 0, "c", 1, &w));
	CHECK(!evidence_decode(rd_init(w.buf, w.len), &ev, &err) &&
	      strstr(err.msg, "evidence is empty"));
	wr_free(&w);
}

static bool decode_claims(struct wr *w, struct rats_claims_buffer *cb,
			  struct eaa_err *err)
{
	bool ok = claims_buffer_decode(rd_init(w->buf, w->len), cb, err);

	wr_free(w);
	return ok;
}

static void test_claims_buffer(void)
{
	uint8_t hash[48] = { 1, 2, 3 };
	struct rats_claims_buffer cb;
	struct eaa_err err;
	struct wr w, inner;

	wr_init(&w);
	CHECK(claims_buffer_encode(HASH_ID_SHA256, hash, 32,
				   (const uint8_t *)"n0", 2, &w));
	CHECK(decode_claims(&w, &cb, &err) && cb.hash_id == 1 &&
	      cb.pubkey_hash.n == 32 && cb.has_nonce && cb.nonce.n == 2);

	wr_init(&w);
	CHECK(claims_buffer_encode(HASH_ID_SHA384, hash, 48, NULL, 0, &w));
	CHECK(decode_claims(&w, &cb, &err) && cb.hash_id == 7 && !cb.has_nonce);

	/* Hash length must match the algorithm. */
	wr_init(&w);
	claims_buffer_encode(HASH_ID_SHA384, hash, 32, NULL, 0, &w);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "needs 48"));
	/* Unknown hash algorithm ids are unsupported, not guessed. */
	wr_init(&w);
	claims_buffer_encode(2, hash, 32, NULL, 0, &w);
	CHECK(!decode_claims(&w, &cb, &err) && err.code == EAA_E_UNSUPPORTED);

	/* Duplicate keys: the second could shadow the first. */
	wr_init(&inner);
	cbor_put_array(&inner, 2);
	cbor_put_uint(&inner, 1);
	cbor_put_bstr(&inner, hash, 32);
	wr_init(&w);
	cbor_put_map(&w, 2);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "duplicate"));

	/* Custom claims are allowed; their values must be byte strings. */
	wr_init(&w);
	cbor_put_map(&w, 2);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	cbor_put_tstr(&w, "custom");
	cbor_put_bstr(&w, "v", 1);
	CHECK(decode_claims(&w, &cb, &err) && cb.ncustom == 1 &&
	      cb.custom_name[0].n == 6 && cb.custom_value[0].n == 1);
	wr_init(&w);
	cbor_put_map(&w, 2);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	cbor_put_tstr(&w, "bad\nname");
	cbor_put_bstr(&w, "v", 1);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "not printable"));
	wr_init(&w);
	cbor_put_map(&w, 2);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	cbor_put_tstr(&w, "custom");
	cbor_put_uint(&w, 1);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "\"custom\": value"));
	/* Integer keys. */
	wr_init(&w);
	cbor_put_map(&w, 1);
	cbor_put_uint(&w, 1);
	cbor_put_bstr(&w, inner.buf, inner.len);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "key is not a text"));
	/* Empty and oversized nonces. */
	wr_init(&w);
	cbor_put_map(&w, 2);
	cbor_put_tstr(&w, "nonce");
	cbor_put_bstr(&w, "", 0);
	cbor_put_tstr(&w, "pubkey-hash");
	cbor_put_bstr(&w, inner.buf, inner.len);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "nonce is 0 bytes"));
	/* An array where the map should be; trailing bytes after it. */
	wr_init(&w);
	cbor_put_array(&w, 0);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "not a definite"));
	wr_init(&w);
	claims_buffer_encode(HASH_ID_SHA256, hash, 32, NULL, 0, &w);
	wr_u8(&w, 0);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "trailing"));
	/* A map claiming more pairs than the limit. */
	wr_init(&w);
	cbor_put_map(&w, 1000);
	CHECK(!decode_claims(&w, &cb, &err) && strstr(err.msg, "exceeds the limit"));
	wr_free(&inner);
}

/* The freshness binding, byte for byte as docs/ratls-format.md gives it:
 * the peer's 32-byte hello random and the key hash in 91 bytes. */
static void test_fresh_claims_buffer(void)
{
	static const uint8_t head[] = {
		0xa2, 0x65, 'n', 'o', 'n', 'c', 'e', 0x58, 0x20,
	};
	static const uint8_t mid[] = {
		0x6b, 'p', 'u', 'b', 'k', 'e', 'y', '-', 'h', 'a', 's', 'h',
		0x58, 0x24, 0x82, 0x01, 0x58, 0x20,
	};
	uint8_t random[32], hash[32];
	struct wr w;

	memset(random, 0x5a, sizeof(random));
	memset(hash, 0xc3, sizeof(hash));
	wr_init(&w);
	CHECK(claims_buffer_encode(HASH_ID_SHA256, hash, 32, random, 32, &w));
	CHECK(w.len == 91 && memcmp(w.buf, head, sizeof(head)) == 0 &&
	      memcmp(w.buf + 9, random, 32) == 0 &&
	      memcmp(w.buf + 41, mid, sizeof(mid)) == 0 &&
	      memcmp(w.buf + 59, hash, 32) == 0);
	wr_free(&w);
}

static void test_sample_report(void)
{
	EVP_PKEY *key = forge_key();
	uint8_t meas[32] = { 9 }, rdata[64] = { 7 };
	struct sample_report rep;
	struct eaa_err err;
	struct wr w;

	wr_init(&w);
	CHECK(sample_report_sign(key, meas, 42, rdata, &w, &err));
	CHECK(sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      rep.svn == 42 && rep.measurement[0] == 9 &&
	      rep.report_data[0] == 7 &&
	      sample_report_verify_sig(&rep, key, &err));
	for (size_t n = 0; n < w.len; n++)
		CHECK_MSG(!sample_report_parse(rd_init(w.buf, n), &rep, &err),
			  "prefix %zu accepted", n);

	/* Each header field, altered. */
	w.buf[0] ^= 1;
	CHECK(!sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      strstr(err.msg, "bad magic"));
	w.buf[0] ^= 1;
	w.buf[8] = 2;
	CHECK(!sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      err.code == EAA_E_UNSUPPORTED);
	w.buf[8] = 1;
	w.buf[10] = 1;
	CHECK(!sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      strstr(err.msg, "reserved flags"));
	w.buf[10] = 0;
	/* A signed field altered after signing. */
	w.buf[20] ^= 1;
	CHECK(sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      !sample_report_verify_sig(&rep, key, &err) &&
	      err.code == EAA_E_SIGNATURE);
	w.buf[20] ^= 1;
	wr_u8(&w, 0);
	CHECK(!sample_report_parse(rd_init(w.buf, w.len), &rep, &err) &&
	      strstr(err.msg, "trailing"));
	wr_free(&w);
	EVP_PKEY_free(key);
}

static void test_cert_extensions(void)
{
	EVP_PKEY *key = forge_key();
	struct forge f = { .cert_key = key, .signer = key };
	struct rats_evidence ev;
	struct eaa_err err;
	bool found;
	X509 *x;

	x = forge_cert(&f);
	CHECK(cert_find_evidence(x, &ev, &found, &err) && found &&
	      ev.tag == TAG_SAMPLE && !ev.legacy_oid);
	{
		/* A second evidence extension is ambiguous: refused. */
		size_t len;
		uint8_t *ext = forge_ext_of(x, &len);
		ASN1_OBJECT *obj = OBJ_txt2obj("2.23.133.5.4.9", 1);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *e;

		ASN1_OCTET_STRING_set(os, ext, (int)len);
		e = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os);
		X509_add_ext(x, e, -1);
		CHECK(!cert_find_evidence(x, &ev, &found, &err) &&
		      strstr(err.msg, "more than one evidence"));
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
		free(ext);
	}
	X509_free(x);

	f.legacy = true;
	x = forge_cert(&f);
	CHECK(cert_find_evidence(x, &ev, &found, &err) && found &&
	      ev.tag == TAG_INTEL_QUOTE && ev.legacy_oid &&
	      strcmp(ev.legacy_oid, "1.2.840.113741.1337.6") == 0);
	X509_free(x);

	f.legacy = false;
	f.no_evidence = true;
	x = forge_cert(&f);
	CHECK(cert_find_evidence(x, &ev, &found, &err) && !found);
	X509_free(x);
	EVP_PKEY_free(key);
}

int main(void)
{
	test_evidence_roundtrip();
	test_claims_buffer();
	test_fresh_claims_buffer();
	test_sample_report();
	test_cert_extensions();
	return test_summary();
}
