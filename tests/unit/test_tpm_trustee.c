/* test_tpm_trustee.c - TPM evidence in trustee's JSON form
 * (tpm_trustee_parse/verify) on trustee's own vector
 * (tests/data/kbs/tpm_evidence.json, README there): the AK's RSASSA
 * signature over the quote, the 24 SHA-256 PCRs against its digest, its
 * qualifyingData; then each check refused on a copy with one thing
 * changed: a message byte, a PCR value, a signature byte, another AK, a
 * wrong nonce, a wrong PCR count or encoding, a key that is not DER, a
 * message or signature with bytes after it. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include "codec.h"
#include "test.h"
#include "tpm_quote.h"

static json_t *vector;
static EVP_PKEY *trusted;

/* The trusted AK: the vector's own ak_public. */
static EVP_PKEY *vector_ak(void)
{
	struct tpm_quote *q = malloc(sizeof(*q));
	struct eaa_err err;
	EVP_PKEY *ak = NULL;

	if (!q || !tpm_trustee_parse(vector, q, &ak, &err)) {
		fprintf(stderr, "tpm_evidence.json: %s\n", q ? err.msg : "out of memory");
		exit(2);
	}
	free(q);
	return ak;
}

/* Parse and verify ev with nonce (NULL: the vector's own qualifyingData);
 * err says why not. */
static bool check(const json_t *ev, const uint8_t *nonce, size_t nlen, struct eaa_err *err)
{
	struct tpm_quote *q = malloc(sizeof(*q));
	EVP_PKEY *ak = NULL, *aks[] = { trusted };
	struct tpm_verify_opts o = { .aks = aks, .naks = 1 };
	bool ok;

	memset(err, 0, sizeof(*err));
	if (!q)
		return false;
	ok = tpm_trustee_parse(ev, q, &ak, err);
	if (ok) {
		o.nonce = nonce ? nonce : q->info.extraData.buffer;
		o.nonce_len = nonce ? nlen : q->info.extraData.size;
		ok = tpm_trustee_verify(q, ak, &o, err);
	}
	EVP_PKEY_free(ak);
	free(q);
	return ok;
}

/* A copy of the vector with the base64 member at path (in tpm_quote when
 * inner) changed at byte off by xor. */
static json_t *flip_b64(const char *member, bool inner, size_t off, uint8_t xor)
{
	json_t *c = json_deep_copy(vector);
	json_t *o = inner ? json_object_get(c, "tpm_quote") : c;
	uint8_t *b;
	size_t n;
	char *s;

	if (!base64_decode(json_string_value(json_object_get(o, member)), false, &b, &n) || off >= n)
		exit(2);
	b[off] ^= xor;
	s = base64_encode(b, n, false);
	json_object_set_new(o, member, json_string(s));
	free(s);
	free(b);
	return c;
}

/* A copy with bytes appended to a base64 member of tpm_quote. */
static json_t *append_b64(const char *member)
{
	json_t *c = json_deep_copy(vector), *o = json_object_get(c, "tpm_quote");
	uint8_t *b, *m;
	size_t n;
	char *s;

	if (!base64_decode(json_string_value(json_object_get(o, member)), false, &b, &n) ||
	    !(m = realloc(b, n + 1)))
		exit(2);
	m[n] = 0;
	s = base64_encode(m, n + 1, false);
	json_object_set_new(o, member, json_string(s));
	free(s);
	free(m);
	return c;
}

static void refused(json_t *ev, enum eaa_code code, const char *words, const char *what)
{
	struct eaa_err err;
	bool ok = check(ev, NULL, 0, &err);

	CHECK_MSG(!ok && err.code == code && strstr(err.msg, words), "%s: %s (code %d)", what,
		  ok ? "accepted" : err.msg, err.code);
	json_decref(ev);
}

int main(void)
{
	const char *d = getenv("EAA_TESTDATA");
	char path[1024];
	json_error_t je;
	struct eaa_err err;
	struct tpm_quote *q = malloc(sizeof(*q));
	EVP_PKEY *ak = NULL, *other = NULL;
	json_t *c, *claims;

	snprintf(path, sizeof(path), "%s/kbs/tpm_evidence.json", d ? d : "tests/data");
	if (!(vector = json_load_file(path, 0, &je)) || !q) {
		fprintf(stderr, "%s: %s\n", path, je.text);
		return 2;
	}
	trusted = vector_ak();

	/* the vector as trustee's attester made it */
	CHECK_MSG(check(vector, NULL, 0, &err), "trustee's vector: %s", err.msg);
	CHECK(tpm_trustee_parse(vector, q, &ak, &err));
	CHECK(q->info.extraData.size == 64 && q->npcrs == 24 && q->ak.size == 0 &&
	      q->sig.sigAlg == TPM2_ALG_RSASSA);
	claims = tpm_claims(q);
	CHECK(claims && !json_object_get(claims, "ak_name") &&
	      strcmp(json_string_value(json_object_get(claims, "pcr17")),
		     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff") == 0 &&
	      strcmp(json_string_value(json_object_get(claims, "pcr8")),
		     "0000000000000000000000000000000000000000000000000000000000000000") == 0 &&
	      json_string_value(json_object_get(claims, "qualifying_data")) &&
	      strlen(json_string_value(json_object_get(claims, "qualifying_data"))) == 128);
	json_decref(claims);

	/* each check */
	{
		uint8_t nonce[64];

		memcpy(nonce, q->info.extraData.buffer, 64);
		nonce[63] ^= 1;
		CHECK_MSG(!check(vector, nonce, 64, &err) && err.code == EAA_E_BINDING,
			  "another nonce: %s", err.msg);
		CHECK_MSG(!check(vector, q->info.extraData.buffer, 32, &err) &&
			  err.code == EAA_E_BINDING, "a shorter nonce: %s", err.msg);
	}
	/* a message byte in the qualifyingData (offset 40), and in the PCR
	 * digest (the last byte): the signature no longer holds */
	refused(flip_b64("message", true, 40, 1), EAA_E_SIGNATURE, "does not verify",
		"a flipped qualifyingData byte");
	refused(flip_b64("message", true, q->attest.size - 1, 0x80), EAA_E_SIGNATURE,
		"does not verify", "a flipped PCR digest byte");
	refused(flip_b64("signature", true, 20, 1), EAA_E_SIGNATURE, "does not verify",
		"a flipped signature byte");
	refused(append_b64("message"), EAA_E_FORMAT, "whole TPMS_ATTEST", "bytes after the message");
	refused(append_b64("signature"), EAA_E_FORMAT, "whole TPMT_SIGNATURE",
		"bytes after the signature");
	/* a PCR value other than the quoted one */
	c = json_deep_copy(vector);
	json_array_set_new(json_object_get(json_object_get(c, "tpm_quote"), "pcrs"), 17,
			   json_string("fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"));
	refused(c, EAA_E_SIGNATURE, "pcrDigest differs", "a changed PCR 17");
	c = json_deep_copy(vector);
	json_array_remove(json_object_get(json_object_get(c, "tpm_quote"), "pcrs"), 23);
	refused(c, EAA_E_FORMAT, "24", "23 PCR values");
	c = json_deep_copy(vector);
	json_array_set_new(json_object_get(json_object_get(c, "tpm_quote"), "pcrs"), 3,
			   json_string("zz"));
	refused(c, EAA_E_FORMAT, "pcrs[3]", "a PCR value that is not hex");
	refused(flip_b64("ak_public", false, 0, 0xff), EAA_E_FORMAT, "DER", "an AK that is not DER");
	c = json_deep_copy(vector);
	json_object_del(c, "ak_public");
	refused(c, EAA_E_FORMAT, "ak_public", "no ak_public");
	/* another RSA key as the only trusted AK */
	{
		EVP_PKEY *keep = trusted;

		other = EVP_RSA_gen(2048);
		trusted = other;
		CHECK_MSG(!check(vector, NULL, 0, &err) && err.code == EAA_E_UNTRUSTED,
			  "an AK that is not trusted: %s", err.msg);
		trusted = keep;
	}
	EVP_PKEY_free(other);
	EVP_PKEY_free(ak);
	EVP_PKEY_free(trusted);
	json_decref(vector);
	free(q);
	return test_summary();
}
