/* jws.c - JWS algorithms, keys and signatures for the io.jwt.*
 * built-ins (jws.h): JWKs and PEM keys made OpenSSL 3 keys
 * (EVP_PKEY_fromdata), and signing and verifying as Go's crypto and jwx's
 * jwsbb do it. Keys come from remote peers: every member is decoded with
 * bounds, and a malformed key is an error, never more. Secrets are wiped
 * when dropped. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "builtins_crypto.h"
#include "codec.h"
#include "json_read.h"
#include "jws.h"

/* ---- algorithms ---- */

/* OPA's tokenAlgorithms: anything else ("none" included) verifies
 * nothing and signs nothing. */
const struct jwt_alg jws_algs[JWS_NALGS] = {
	{ "HS256", JF_HS, "SHA256" }, { "HS384", JF_HS, "SHA384" },
	{ "HS512", JF_HS, "SHA512" }, { "RS256", JF_RS, "SHA256" },
	{ "RS384", JF_RS, "SHA384" }, { "RS512", JF_RS, "SHA512" },
	{ "PS256", JF_PS, "SHA256" }, { "PS384", JF_PS, "SHA384" },
	{ "PS512", JF_PS, "SHA512" }, { "ES256", JF_ES, "SHA256" },
	{ "ES384", JF_ES, "SHA384" }, { "ES512", JF_ES, "SHA512" },
	{ "EdDSA", JF_ED, NULL },
};

const struct jwt_alg *jws_alg_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(jws_algs) / sizeof(*jws_algs); i++)
		if (strlen(jws_algs[i].name) == n && !memcmp(jws_algs[i].name, s, n))
			return &jws_algs[i];
	return NULL;
}

/* ---- keys ---- */

void jws_keys_free(struct jwt_keys *ks)
{
	size_t i;

	for (i = 0; i < ks->n; i++) {
		EVP_PKEY_free(ks->k[i].pk);
		if (ks->k[i].secret) {
			OPENSSL_cleanse(ks->k[i].secret, ks->k[i].slen);
			free(ks->k[i].secret);
		}
	}
	ks->n = 0;
}

/* A JWK member in unpadded base64url (padding tolerated). */
static bool jwk_bytes(const struct rv *o, const char *name, uint8_t **out,
		      size_t *n, bool *present)
{
	const struct rv *v = rv_object_getc(o, name);
	char *t;
	size_t len;
	bool ok;

	*present = v != NULL;
	*out = NULL;
	*n = 0;
	if (!v)
		return true;
	if (!rv_is(v, RV_STRING) || strlen(v->u.str.s) != v->u.str.len)
		return false;
	len = v->u.str.len;
	while (len && v->u.str.s[len - 1] == '=')
		len--;
	if (!len) {
		*out = malloc(1);
		return *out != NULL;
	}
	if (!(t = strndup(v->u.str.s, len)))
		return false;
	ok = base64_decode(t, true, out, n);
	free(t);
	return ok;
}

static void wipe_free(uint8_t *p, size_t n)
{
	if (p) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

/* An EVP_PKEY of `type` from OSSL parameters; selection says whether
 * the private part is there. */
static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld,
			       int selection)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;

	if (params && pc && EVP_PKEY_fromdata_init(pc) == 1 &&
	    EVP_PKEY_fromdata(pc, &pk, selection, params) != 1)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	return pk;
}

static const char *jwk_rsa(const struct rv *o, EVP_PKEY **pk)
{
	static const struct {
		const char *jwk, *param;
	} parts[] = {
		{ "n", OSSL_PKEY_PARAM_RSA_N }, { "e", OSSL_PKEY_PARAM_RSA_E },
		{ "d", OSSL_PKEY_PARAM_RSA_D },
		{ "p", OSSL_PKEY_PARAM_RSA_FACTOR1 },
		{ "q", OSSL_PKEY_PARAM_RSA_FACTOR2 },
		{ "dp", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ "dq", OSSL_PKEY_PARAM_RSA_EXPONENT2 },
		{ "qi", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	};
	BIGNUM *bn[8] = { 0 };
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	const char *err = NULL;
	bool priv = false, present;
	size_t i, n;
	uint8_t *b;

	for (i = 0; bld && !err && i < 8; i++) {
		if (!jwk_bytes(o, parts[i].jwk, &b, &n, &present)) {
			err = "invalid RSA key member";
			break;
		}
		if (!present) {
			if (i < 2)
				err = rv_object_getc(o, "d")
				      ? i ? "failed to unmarshal JSON into key (*jwk.rsaPrivateKey): failed to unmarshal JSON into key (*jwk.rsaPrivateKey): required field e is missing"
					  : "failed to unmarshal JSON into key (*jwk.rsaPrivateKey): failed to unmarshal JSON into key (*jwk.rsaPrivateKey): required field n is missing"
				      : i ? "failed to unmarshal JSON into key (*jwk.rsaPublicKey): failed to unmarshal JSON into key (*jwk.rsaPublicKey): required field e is missing"
					  : "failed to unmarshal JSON into key (*jwk.rsaPublicKey): failed to unmarshal JSON into key (*jwk.rsaPublicKey): required field n is missing";
			if (i == 2)
				break; /* a public key: the CRT parts are moot */
			/* as jwx exports a private key: primes required */
			if (i == 3 || i == 4)
				err = i == 3 ? "missing \"p\" value"
					     : "missing \"q\" value";
			continue;
		}
		bn[i] = BN_bin2bn(b, (int)n, NULL);
		wipe_free(b, n);
		if (!bn[i] || !OSSL_PARAM_BLD_push_BN(bld, parts[i].param, bn[i]))
			err = "out of memory";
		if (i == 2)
			priv = true;
	}
	if (!bld)
		err = "out of memory";
	if (!err && !(*pk = pkey_fromdata("RSA", bld, priv ? EVP_PKEY_KEYPAIR
							    : EVP_PKEY_PUBLIC_KEY)))
		err = "invalid RSA key";
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < 8; i++)
		BN_clear_free(bn[i]);
	return err;
}

static const char *jwk_ec(const struct rv *o, EVP_PKEY **pk)
{
	static const struct {
		const char *crv, *group;
		size_t size;
	} curves[] = {
		{ "P-256", "prime256v1", 32 },
		{ "P-384", "secp384r1", 48 },
		{ "P-521", "secp521r1", 66 },
	};
	const struct rv *crv = rv_object_getc(o, "crv");
	unsigned char pub[1 + 2 * 66];
	uint8_t *x = NULL, *y = NULL, *d = NULL;
	size_t xn, yn, dn = 0, i, sz;
	bool px, py, pd;
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *dbn = NULL;
	const char *err = NULL;

	for (i = 0; i < 3; i++)
		if (str_is(crv, curves[i].crv))
			break;
	if (i == 3)
		return "unsupported or missing EC curve";
	sz = curves[i].size;
	if (!jwk_bytes(o, "x", &x, &xn, &px) || !jwk_bytes(o, "y", &y, &yn, &py) ||
	    !jwk_bytes(o, "d", &d, &dn, &pd) || !px || !py) {
		err = "invalid EC key members";
		goto out;
	}
	if (xn > sz || yn > sz || (pd && dn > sz)) {
		err = "invalid EC key: coordinates too long for the curve";
		goto out;
	}
	memset(pub, 0, sizeof(pub));
	pub[0] = 4;
	memcpy(pub + 1 + sz - xn, x, xn);
	memcpy(pub + 1 + 2 * sz - yn, y, yn);
	if (!(bld = OSSL_PARAM_BLD_new()) ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					     curves[i].group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					      1 + 2 * sz) ||
	    (pd && (!(dbn = BN_bin2bn(d, (int)dn, NULL)) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, dbn)))) {
		err = "out of memory";
		goto out;
	}
	if (!(*pk = pkey_fromdata("EC", bld, pd ? EVP_PKEY_KEYPAIR
						 : EVP_PKEY_PUBLIC_KEY)))
		err = "invalid EC key";
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(dbn);
	free(x);
	free(y);
	wipe_free(d, dn);
	return err;
}

static const char *jwk_okp(const struct rv *o, EVP_PKEY **pk)
{
	uint8_t *x = NULL, *d = NULL;
	size_t xn, dn = 0;
	bool px, pd;
	const char *err = NULL;

	if (!str_is(rv_object_getc(o, "crv"), "Ed25519"))
		return "unsupported or missing OKP curve";
	if (!jwk_bytes(o, "x", &x, &xn, &px) || !jwk_bytes(o, "d", &d, &dn, &pd) ||
	    !px) {
		err = "invalid OKP key members";
	} else if (pd) {
		if (dn != 32 ||
		    !(*pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
							  d, dn)))
			err = "invalid Ed25519 private key";
	} else if (xn != 32 ||
		   !(*pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
						       x, xn))) {
		err = "invalid Ed25519 public key";
	}
	free(x);
	wipe_free(d, dn);
	return err;
}

/* One JWK object into k; NULL or the reason it is not a key. */
static const char *jwk_key(const struct rv *o, struct jwt_key *k)
{
	const struct rv *kty, *alg, *kid;
	bool present;

	memset(k, 0, sizeof(*k));
	k->kid = "";
	if (!rv_is(o, RV_OBJECT))
		return "a JWK must be an object";
	kty = rv_object_getc(o, "kty");
	if (!rv_is(kty, RV_STRING))
		return "invalid key type from JSON ()";
	alg = rv_object_getc(o, "alg");
	if (alg && !rv_is(alg, RV_STRING))
		return "invalid alg";
	kid = rv_object_getc(o, "kid");
	if (kid && !rv_is(kid, RV_STRING))
		return "invalid kid";
	if (kid) {
		k->kid = kid->u.str.s;
		k->kidlen = kid->u.str.len;
	}
	/* an alg jwx knows but OPA does not (RSA-OAEP...): the key is
	 * skipped when verifying, as OPA skips it */
	if (alg && alg->u.str.len &&
	    !(k->alg = jws_alg_find(alg->u.str.s, alg->u.str.len)))
		k->alg_unknown = true;
	if (str_is(kty, "RSA"))
		return jwk_rsa(o, &k->pk);
	if (str_is(kty, "EC"))
		return jwk_ec(o, &k->pk);
	if (str_is(kty, "OKP"))
		return jwk_okp(o, &k->pk);
	if (str_is(kty, "oct")) {
		k->is_secret = true;
		if (!jwk_bytes(o, "k", &k->secret, &k->slen, &present))
			return "invalid oct key";
		if (!present)
			return "failed to unmarshal JSON into key (*jwk.symmetricKey): failed to unmarshal JSON into key (*jwk.symmetricKey): required field k is missing";
		if (!k->slen)
			return "jwk.Parse: key validation failed: key validation failed: jwk.SymmetricKey: missing \"k\" field";
		return NULL;
	}
	return "invalid key type from JSON";
}

/* A JWK or a JWK set ({"keys": [...]}) in JSON text, as jwx's jwk.Parse
 * reads it. skip_unknown: drop keys whose "alg" OPA does not know (the
 * verifying built-ins do). NULL, or why the text is no key (set). */
const char *jws_jwk_set(struct rb_ctx *c, const char *s, size_t n,
			   struct jwt_keys *ks, bool skip_unknown, char *buf,
			   size_t buflen)
{
	struct jr r = { 0 };
	struct rv *v;
	const struct rv *keys;
	const char *err;
	size_t i, cnt;

	r.a = c->arena;
	r.p = (const unsigned char *)s;
	r.end = r.p + n;
	jr_ws(&r);
	if (!jr_value(&r, &v)) {
		if (r.nomem)
			return "out of memory";
		snprintf(buf, buflen, "jwk.Parse: failed to parse sole key: jwk.ParseKey: jwk.Parse: failed to probe data: probe: failed to unmarshal data: %s",
			 r.err);
		return buf;
	}
	jr_ws(&r);
	if (r.p != r.end)
		return "jwk.Parse: failed to probe data: probe: failed to unmarshal data: trailing data";
	if (!rv_is(v, RV_OBJECT))
		return "jwk.Parse: failed to probe data: probe: failed to unmarshal data: not an object";
	keys = rv_object_getc(v, "keys");
	if (!keys) {
		if ((err = jwk_key(v, &ks->k[0]))) {
			const struct rv *kty = rv_object_getc(v, "kty");

			EVP_PKEY_free(ks->k[0].pk);
			wipe_free(ks->k[0].secret, ks->k[0].slen);
			if (!strcmp(err, "invalid key type from JSON") && rv_is(kty, RV_STRING))
				snprintf(buf, buflen, "jwk.Parse: failed to parse sole key: jwk.ParseKey: invalid key type from JSON (%.64s)",
					 kty->u.str.s);
			else
				snprintf(buf, buflen, "jwk.Parse: failed to parse sole key: jwk.ParseKey: %s",
					 err);
			return buf;
		}
		ks->n = 1;
		if (skip_unknown && ks->k[0].alg_unknown)
			jws_keys_free(ks);
		return NULL;
	}
	if (!rv_is(keys, RV_ARRAY))
		return "failed to parse key set: \"keys\" must be an array";
	cnt = keys->u.arr.n;
	if (cnt > JWT_MAX_KEYS)
		return "too many keys in the set";
	for (i = 0; i < cnt; i++) {
		struct jwt_key *k = &ks->k[ks->n];

		if ((err = jwk_key(keys->u.arr.v[i], k))) {
			EVP_PKEY_free(k->pk);
			wipe_free(k->secret, k->slen);
			jws_keys_free(ks);
			snprintf(buf, buflen, "jwk.Parse: failed to parse key #%zu: %s",
				 i + 1, err);
			return buf;
		}
		ks->n++;
		if (skip_unknown && k->alg_unknown) {
			EVP_PKEY_free(k->pk);
			wipe_free(k->secret, k->slen);
			ks->n--;
		}
	}
	return NULL;
}

/* OPA's parseKeysFromCertOrJWK: a PEM certificate or public key, else a
 * JWK (set). */
enum rb_status jws_keys_parse(struct rb_ctx *c, const struct rv *s,
				 struct jwt_keys *ks)
{
	struct pem_block b;
	struct pem_reader r = PEM_READER_INIT;
	size_t rest;
	const char *err;
	char buf[200];
	const unsigned char *p;
	EVP_PKEY *pk = NULL;

	ks->n = 0;
	if (pem_decode(s->u.str.s, s->u.str.len, &b, &rest, &r)) {
		enum rb_status st = RB_OK;

		if (rest < s->u.str.len) {
			st = rb_error(c, "extra data after a PEM certificate block");
		} else if (!strcmp(b.type, "CERTIFICATE")) {
			X509 *x;

			p = b.der;
			x = d2i_X509(NULL, &p, (long)b.len);
			if (!x || p != b.der + b.len || !(pk = X509_get_pubkey(x)))
				st = rb_error(c, "failed to parse a PEM certificate: x509: malformed certificate");
			X509_free(x);
		} else if (!strcmp(b.type, "PUBLIC KEY")) {
			p = b.der;
			pk = d2i_PUBKEY(NULL, &p, (long)b.len);
			if (!pk || p != b.der + b.len)
				st = rb_error(c, "failed to parse a PEM public key: x509: malformed public key");
		} else {
			st = rb_error(c, "failed to extract a Key from the PEM certificate");
		}
		pem_block_free(&b);
		if (st != RB_OK) {
			EVP_PKEY_free(pk);
			return st;
		}
		ks->k[0] = (struct jwt_key){ .kid = "", .pk = pk };
		ks->n = 1;
		return RB_OK;
	}
	if (r.nomem)
		return rb_nomem(c);
	if ((err = jws_jwk_set(c, s->u.str.s, s->u.str.len, ks, true, buf,
			   sizeof(buf))))
		return c->arena->exhausted ? rb_nomem(c)
		       : rb_error(c, "failed to parse a JWK key (set): jwk.ParseString: failed to parse string: %s",
				  err);
	return RB_OK;
}

/* ---- signatures ---- */

bool jws_hmac(const struct jwt_alg *a, const unsigned char *key,
		    size_t klen, const unsigned char *msg, size_t mlen,
		    unsigned char *mac, unsigned *maclen)
{
	const EVP_MD *md = EVP_get_digestbyname(a->md);

	return md && klen <= INT_MAX &&
	       HMAC(md, klen ? key : (const unsigned char *)"", (int)klen, msg,
		    mlen, mac, maclen) != NULL;
}

static bool pkey_fits(const struct jwt_alg *a, EVP_PKEY *pk)
{
	if (!pk)
		return false;
	switch (a->fam) {
	case JF_RS:
	case JF_PS:
		return EVP_PKEY_is_a(pk, "RSA");
	case JF_ES:
		return EVP_PKEY_is_a(pk, "EC");
	case JF_ED:
		return EVP_PKEY_is_a(pk, "ED25519");
	default:
		return false;
	}
}

/* Set up a digest-sign or -verify context for a's padding. strict: PSS
 * with a salt as long as the hash (jwsbb), else any salt (Go's
 * rsa.VerifyPSS with no options, which verify_ps* uses). */
static EVP_MD_CTX *md_ctx(const struct jwt_alg *a, EVP_PKEY *pk, bool sign,
			  bool strict)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok;

	if (!m)
		return NULL;
	ok = sign ? EVP_DigestSignInit_ex(m, &pc, a->md, NULL, NULL, pk, NULL)
		  : EVP_DigestVerifyInit_ex(m, &pc, a->md, NULL, NULL, pk, NULL);
	if (ok == 1 && a->fam == JF_PS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, strict || sign
				     ? RSA_PSS_SALTLEN_DIGEST
				     : RSA_PSS_SALTLEN_AUTO) == 1;
	if (ok != 1) {
		EVP_MD_CTX_free(m);
		return NULL;
	}
	return m;
}

/* A JWS ECDSA signature (r || s) as DER. strict: exactly twice the curve
 * size (jwsbb); else split in halves (OPA's verify_es*). */
static unsigned char *es_der(EVP_PKEY *pk, const unsigned char *sig,
			     size_t slen, bool strict, size_t *dlen)
{
	size_t half = slen / 2, size = ((size_t)EVP_PKEY_get_bits(pk) + 7) / 8;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r, *s;
	unsigned char *der = NULL;
	int n;

	if (strict && slen != 2 * size)
		half = 0, slen = 0;
	if (!es || slen == 0 || slen > 2 * 66 + 2) {
		ECDSA_SIG_free(es);
		return NULL;
	}
	r = BN_bin2bn(sig, (int)half, NULL);
	s = BN_bin2bn(sig + half, (int)(slen - half), NULL);
	if (!r || !s || !ECDSA_SIG_set0(es, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return NULL;
	}
	n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return NULL;
	*dlen = (size_t)n;
	return der;
}

/* Whether sig is a's signature of msg by key k. */
bool jws_verify(const struct jwt_alg *a, const struct jwt_key *k,
		       const unsigned char *msg, size_t mlen,
		       const unsigned char *sig, size_t slen, bool strict)
{
	unsigned char mac[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned maclen = 0;
	size_t dlen = 0;
	EVP_MD_CTX *m;
	bool ok;

	if (a->fam == JF_HS) {
		if (!k->is_secret || (strict && !k->slen) ||
		    !jws_hmac(a, k->secret, k->slen, msg, mlen, mac, &maclen))
			return false;
		ok = slen == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
		OPENSSL_cleanse(mac, sizeof(mac));
		return ok;
	}
	if (!pkey_fits(a, k->pk))
		return false;
	if (a->fam == JF_ES) {
		if (!(der = es_der(k->pk, sig, slen, strict, &dlen)))
			return false;
		sig = der;
		slen = dlen;
	}
	if (!(m = md_ctx(a, k->pk, false, strict))) {
		OPENSSL_free(der);
		return false;
	}
	ok = EVP_DigestVerify(m, sig, slen, msg, mlen) == 1;
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	return ok;
}

/* a's signature of msg by k, malloc'd in *sig; NULL or why not. */
const char *jws_sign(const struct jwt_alg *a, const struct jwt_key *k,
			    const unsigned char *msg, size_t mlen,
			    unsigned char **sig, size_t *slen)
{
	EVP_MD_CTX *m;
	unsigned char *der = NULL;
	const unsigned char *p;
	ECDSA_SIG *es;
	size_t dlen = 0, size;
	unsigned maclen = 0;

	*sig = NULL;
	if (a->fam == JF_HS) {
		if (!k->is_secret)
			return "invalid key type for an HMAC algorithm: []byte is required";
		if (!k->slen)
			return "missing key while signing payload";
		if (!(*sig = malloc(EVP_MAX_MD_SIZE)) ||
		    !jws_hmac(a, k->secret, k->slen, msg, mlen, *sig, &maclen))
			return "failed to sign payload using hmac";
		*slen = maclen;
		return NULL;
	}
	if (!pkey_fits(a, k->pk))
		return "invalid key type for the algorithm";
	if (!(m = md_ctx(a, k->pk, true, true)))
		return "jwsbb.Sign: invalid key type: a private key is required";
	if (EVP_DigestSign(m, NULL, &dlen, msg, mlen) != 1 ||
	    !(der = malloc(dlen)) ||
	    EVP_DigestSign(m, der, &dlen, msg, mlen) != 1) {
		EVP_MD_CTX_free(m);
		free(der);
		return "jwsbb.Sign: invalid key type: a private key is required";
	}
	EVP_MD_CTX_free(m);
	if (a->fam != JF_ES) {
		*sig = der;
		*slen = dlen;
		return NULL;
	}
	/* JWS wants r || s, each padded to the curve's size */
	size = ((size_t)EVP_PKEY_get_bits(k->pk) + 7) / 8;
	p = der;
	es = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	free(der);
	if (!es || !(*sig = malloc(2 * size)) ||
	    BN_bn2binpad(ECDSA_SIG_get0_r(es), *sig, (int)size) < 0 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(es), *sig + size, (int)size) < 0) {
		ECDSA_SIG_free(es);
		free(*sig);
		*sig = NULL;
		return "failed to sign payload using ecdsa";
	}
	ECDSA_SIG_free(es);
	*slen = 2 * size;
	return NULL;
}

