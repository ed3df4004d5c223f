/* forge.c - crafted attested certificates for negative tests (forge.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "cbor_io.h"
#include "forge.h"
#include "internal.h"
#include "oids.h"
#include "sample_evidence.h"

EVP_PKEY *forge_key(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

static bool put_claims(const struct forge *f, EVP_PKEY *bind, struct wr *out)
{
	uint8_t hash[64];
	size_t n;
	struct wr inner;
	bool ok;

	if (!cert_spki_hash(bind, EVP_sha256(), hash, &n, NULL))
		return false;
	if (f->shape == SHAPE_OK || f->shape == SHAPE_NO_PKHASH ||
	    (f->shape != SHAPE_PKHASH_ARRAY3 && f->shape != SHAPE_PKHASH_TSTR))
		return f->shape == SHAPE_NO_PKHASH
			       ? cbor_put_map(out, 1) && cbor_put_tstr(out, "x") &&
					 cbor_put_bstr(out, "y", 1)
			       : claims_buffer_encode(HASH_ID_SHA256, hash, n,
						      f->nonce, f->nonce_len, out);
	wr_init(&inner);
	cbor_put_array(&inner, f->shape == SHAPE_PKHASH_ARRAY3 ? 3 : 2);
	cbor_put_uint(&inner, HASH_ID_SHA256);
	if (f->shape == SHAPE_PKHASH_TSTR)
		cbor_put_tstr(&inner, "not-a-hash");
	else
		cbor_put_bstr(&inner, hash, n);
	if (f->shape == SHAPE_PKHASH_ARRAY3)
		cbor_put_uint(&inner, 0);
	ok = cbor_put_map(out, 1) && cbor_put_tstr(out, "pubkey-hash") &&
	     cbor_put_bstr(out, inner.buf, inner.len);
	wr_free(&inner);
	return ok;
}

static bool put_ext(const struct forge *f, const struct wr *quote,
		    const struct wr *claims, struct wr *ext)
{
	uint64_t tag = f->tag ? f->tag : TAG_SAMPLE;

	switch (f->shape) {
	case SHAPE_ARRAY3:
		return cbor_put_tag(ext, tag) && cbor_put_array(ext, 3) &&
		       cbor_put_bstr(ext, quote->buf, quote->len) &&
		       cbor_put_bstr(ext, claims->buf, claims->len) &&
		       cbor_put_bstr(ext, "", 0);
	case SHAPE_ARRAY1:
		return cbor_put_tag(ext, tag) && cbor_put_array(ext, 1) &&
		       cbor_put_bstr(ext, quote->buf, quote->len);
	case SHAPE_EVIDENCE_TSTR:
		return cbor_put_tag(ext, tag) && cbor_put_array(ext, 2) &&
		       cbor_put_tstr(ext, "quote") &&
		       cbor_put_bstr(ext, claims->buf, claims->len);
	case SHAPE_CLAIMS_UINT:
		return cbor_put_tag(ext, tag) && cbor_put_array(ext, 2) &&
		       cbor_put_bstr(ext, quote->buf, quote->len) &&
		       cbor_put_uint(ext, 7);
	case SHAPE_NO_TAG:
		return cbor_put_array(ext, 2) &&
		       cbor_put_bstr(ext, quote->buf, quote->len) &&
		       cbor_put_bstr(ext, claims->buf, claims->len);
	default:
		if (!evidence_encode(tag, quote->buf, quote->len, claims->buf,
				     claims->len, ext))
			return false;
		if (f->shape == SHAPE_TRUNCATED)
			ext->len -= 5;
		if (f->shape == SHAPE_TRAILING)
			wr_u8(ext, 0);
		if (f->shape == SHAPE_OVERSIZED) {
			uint8_t *pad = wr_reserve(ext, RATS_MAX_EXTENSION);

			if (pad)
				memset(pad, 0, RATS_MAX_EXTENSION);
		}
		return !ext->failed;
	}
}

static X509 *build(EVP_PKEY *key, const char *oid, const uint8_t *ext,
		   size_t len)
{
	X509 *x = NULL;

	if (!oid || !strcmp(oid, OID_TAGGED_EVIDENCE)) {
		cert_build(key, ext, len, NULL, 0, &x, NULL);
		return x;
	}
	/* A legacy extension: build plain, then add the raw report. */
	if (!cert_build(key, NULL, 0, NULL, 0, &x, NULL))
		return NULL;
	{
		ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		X509_EXTENSION *e;

		ASN1_OCTET_STRING_set(os, ext, (int)len);
		e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
		X509_sign(x, key, EVP_sha256());
	}
	return x;
}

X509 *forge_cert(const struct forge *f)
{
	EVP_PKEY *bind = f->bind_key ? f->bind_key : f->cert_key;
	uint8_t user_data[64] = { 0 }, meas[32] = { 0x11 };
	struct wr claims, quote, ext;
	X509 *x = NULL;

	if (f->no_evidence)
		return build(f->cert_key, NULL, NULL, 0);
	wr_init(&claims);
	wr_init(&quote);
	wr_init(&ext);
	if (f->legacy) {
		size_t n;

		cert_spki_hash(bind, EVP_sha256(), user_data, &n, NULL);
	} else {
		if (!put_claims(f, bind, &claims))
			goto out;
		EVP_Digest(claims.buf, claims.len, user_data, NULL, EVP_sha256(),
			   NULL);
	}
	if (f->quote) {
		if (!wr_bytes(&quote, f->quote, f->quote_len))
			goto out;
	} else if (!sample_report_sign(f->signer, meas, 7, user_data, &quote,
				       NULL)) {
		goto out;
	}
	if (f->tamper_sig)
		quote.buf[quote.len - 3] ^= 0x01;
	if (f->claims_mismatch) {
		/* Same key, but a nonce the signed report_data never saw. */
		static const uint8_t other[] = { 'e', 'l', 's', 'e' };
		uint8_t hash[32];
		size_t n;

		claims.len = 0;
		cert_spki_hash(bind, EVP_sha256(), hash, &n, NULL);
		claims_buffer_encode(HASH_ID_SHA256, hash, n, other,
				     sizeof(other), &claims);
	}
	if (f->legacy) {
		x = build(f->cert_key, "1.2.840.113741.1337.6", quote.buf,
			  quote.len);
		goto out;
	}
	if (put_ext(f, &quote, &claims, &ext))
		x = build(f->cert_key, NULL, ext.buf, ext.len);
out:
	wr_free(&claims);
	wr_free(&quote);
	wr_free(&ext);
	return x;
}

uint8_t *forge_ext_of(X509 *cert, size_t *len)
{
	struct rats_evidence ev;
	bool found;
	int idx;
	ASN1_OBJECT *obj = OBJ_txt2obj(OID_TAGGED_EVIDENCE, 1);
	X509_EXTENSION *e;
	ASN1_OCTET_STRING *os;
	uint8_t *out;

	if (!cert_find_evidence(cert, &ev, &found, NULL) || !found) {
		ASN1_OBJECT_free(obj);
		return NULL;
	}
	idx = X509_get_ext_by_OBJ(cert, obj, -1);
	ASN1_OBJECT_free(obj);
	e = X509_get_ext(cert, idx);
	os = X509_EXTENSION_get_data(e);
	*len = (size_t)ASN1_STRING_length(os);
	out = malloc(*len);
	memcpy(out, ASN1_STRING_get0_data(os), *len);
	return out;
}

X509 *forge_cert_with_ext(EVP_PKEY *key, const uint8_t *ext, size_t len)
{
	return build(key, NULL, ext, len);
}

bool forge_write_pub(EVP_PKEY *key, const char *path)
{
	BIO *b = BIO_new_file(path, "w");
	bool ok = b && PEM_write_bio_PUBKEY(b, key) == 1;

	BIO_free(b);
	return ok;
}

bool forge_write_priv(EVP_PKEY *key, const char *path)
{
	BIO *b = BIO_new_file(path, "w");
	bool ok = b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL,
						NULL) == 1;

	BIO_free(b);
	return ok;
}
