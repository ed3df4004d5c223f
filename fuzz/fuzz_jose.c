/* fuzz_jose - the JOSE a KBS peer sends (src/core/jose.h) from arbitrary
 * bytes: a JWE answer opened with a P-256 key (RFC 7518 appendix C's
 * "Bob", so the seeds open) and an RSA one, a JWT verified with Bob's and
 * an Ed25519 key, a JWK read as a TEE's public key, and the bytes as
 * base64url. None may crash or leak, and what is accepted must be
 * canonical: a JWK read back from its own output is the same key, and
 * text that decodes as base64url encodes back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "jose.h"

static EVP_PKEY *bob, *rsa, *ed;

static EVP_PKEY *bob_key(void)
{
	static const char *const xyd[3] = {
		"weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
		"e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck",
		"VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw",
	};
	uint8_t *v[3];
	size_t n[3], i;
	EVP_PKEY *k;

	for (i = 0; i < 3; i++)
		if (!(v[i] = b64url_decode(xyd[i], strlen(xyd[i]), &n[i])))
			abort();
	k = jose_ec_key(jose_curve_find("P-256"), v[0], v[1], v[2], n[2]);
	for (i = 0; i < 3; i++)
		free(v[i]);
	return k;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bob = bob_key();
	rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!bob || !rsa || !ed)
		abort();
	return 0;
}

static void jwk_canonical(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL), *back;
	EVP_PKEY *k = j ? jwk_to_public(j, NULL) : NULL, *k2;

	if (k) {
		if (!(back = jwk_from_key(k, "x", NULL)) || !(k2 = jwk_to_public(back, NULL)) ||
		    EVP_PKEY_eq(k, k2) != 1)
			abort();
		EVP_PKEY_free(k2);
		json_decref(back);
	}
	EVP_PKEY_free(k);
	json_decref(j);
}

static void b64url_canonical(const uint8_t *data, size_t size)
{
	size_t n = 0;
	uint8_t *b = b64url_decode((const char *)data, size, &n);
	char *e;

	if (!b)
		return;
	if (!(e = b64url_encode(b, n)) || strlen(e) != size || memcmp(e, data, size))
		abort();
	free(e);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;
	uint8_t *pt = NULL;
	json_t *c, *h = NULL;
	size_t n = 0;

	if (jwe_open((const char *)data, size, bob, &pt, &n, &err))
		free(pt);
	if (jwe_open((const char *)data, size, rsa, &pt, &n, &err))
		free(pt);
	if ((c = jws_verify((const char *)data, size, bob, &h, &err))) {
		if (!h || !json_is_object(c))
			abort();
		json_decref(h);
		json_decref(c);
	}
	json_decref(jws_verify((const char *)data, size, ed, NULL, &err));
	jwk_canonical(data, size);
	b64url_canonical(data, size);
	return 0;
}
