/* builtins_jwt.c - the io.jwt.* built-ins: decoding JSON Web Tokens,
 * verifying their signatures (HMAC, RSA PKCS#1 v1.5 and PSS, ECDSA,
 * Ed25519) against PEM certificates, PEM public keys, JWKs and JWK sets,
 * decode_verify's constraints, and signing with JWKs.
 *
 * OPA's semantics (v1/topdown/tokens.go, and jwx's jwsbb for what
 * decode_verify and the signing built-ins hand to it), with OpenSSL 3 for
 * the cryptography. Tokens and keys come from remote peers: every part is
 * split, decoded and parsed with bounds, and a malformed one is an error
 * or a failed verification, never more. Owns rb_jwt_defs. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
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
#include "builtins_go.h"
#include "codec.h"
#include "json_read.h"

/* ---- algorithms ---- */

enum jwt_family { JF_HS, JF_RS, JF_PS, JF_ES, JF_ED };

struct jwt_alg {
	const char *name;
	enum jwt_family fam;
	const char *md; /* NULL for EdDSA: it signs the message itself */
};

/* OPA's tokenAlgorithms: anything else ("none" included) verifies
 * nothing and signs nothing. */
static const struct jwt_alg jwt_algs[] = {
	{ "HS256", JF_HS, "SHA256" }, { "HS384", JF_HS, "SHA384" },
	{ "HS512", JF_HS, "SHA512" }, { "RS256", JF_RS, "SHA256" },
	{ "RS384", JF_RS, "SHA384" }, { "RS512", JF_RS, "SHA512" },
	{ "PS256", JF_PS, "SHA256" }, { "PS384", JF_PS, "SHA384" },
	{ "PS512", JF_PS, "SHA512" }, { "ES256", JF_ES, "SHA256" },
	{ "ES384", JF_ES, "SHA384" }, { "ES512", JF_ES, "SHA512" },
	{ "EdDSA", JF_ED, NULL },
};

static const struct jwt_alg *alg_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(jwt_algs) / sizeof(*jwt_algs); i++)
		if (strlen(jwt_algs[i].name) == n && !memcmp(jwt_algs[i].name, s, n))
			return &jwt_algs[i];
	return NULL;
}

static bool str_is(const struct rv *v, const char *s)
{
	return rv_is(v, RV_STRING) && v->u.str.len == strlen(s) &&
	       !memcmp(v->u.str.s, s, v->u.str.len);
}

/* ---- keys ---- */

/* A token may name at most this many keys in a JWK set. */
#define JWT_MAX_KEYS 256

struct jwt_key {
	const struct jwt_alg *alg; /* the JWK's "alg", NULL when absent */
	const char *kid;           /* "" when absent, as Go has it */
	size_t kidlen;
	EVP_PKEY *pk;              /* RSA, EC or Ed25519 */
	unsigned char *secret;     /* an "oct" JWK's key (malloc'd) */
	size_t slen;
	bool is_secret;
	bool alg_unknown; /* an "alg" OPA does not know */
};

struct jwt_keys {
	struct jwt_key k[JWT_MAX_KEYS];
	size_t n;
};

static void keys_free(struct jwt_keys *ks)
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
	size_t xn, yn, dn, i, sz;
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
	size_t xn, dn;
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
	    !(k->alg = alg_find(alg->u.str.s, alg->u.str.len)))
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
static const char *jwk_set(struct rb_ctx *c, const char *s, size_t n,
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
			keys_free(ks);
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
			keys_free(ks);
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
static enum rb_status keys_parse(struct rb_ctx *c, const struct rv *s,
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
	if ((err = jwk_set(c, s->u.str.s, s->u.str.len, ks, true, buf,
			   sizeof(buf))))
		return c->arena->exhausted ? rb_nomem(c)
		       : rb_error(c, "failed to parse a JWK key (set): jwk.ParseString: failed to parse string: %s",
				  err);
	return RB_OK;
}

/* ---- signatures ---- */

static bool hmac_of(const struct jwt_alg *a, const unsigned char *key,
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
static bool sig_verify(const struct jwt_alg *a, const struct jwt_key *k,
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
		    !hmac_of(a, k->secret, k->slen, msg, mlen, mac, &maclen))
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
static const char *sig_sign(const struct jwt_alg *a, const struct jwt_key *k,
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
		    !hmac_of(a, k->secret, k->slen, msg, mlen, *sig, &maclen))
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

/* ---- the token ---- */

struct jwt {
	const char *s;                /* the whole token */
	const char *h, *p, *sig;      /* its three sections */
	size_t hlen, plen, siglen;
};

/* OPA's decodeJWT: a string in exactly three sections. */
static enum rb_status jwt_split(struct rb_ctx *c, const struct rv *v,
				struct jwt *t)
{
	const char *s, *d1, *d2;
	size_t n, i, dots = 0;

	if (!rv_is(v, RV_STRING))
		return rb_type_error(c, 1, "string", v);
	s = v->u.str.s;
	n = v->u.str.len;
	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	if (!dots)
		return rb_error(c, "encoded JWT had no period separators");
	if (dots != 2)
		return rb_error(c, "encoded JWT must have 3 sections, found %zu",
				dots + 1);
	d1 = memchr(s, '.', n);
	d2 = memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - s));
	t->s = s;
	t->h = s;
	t->hlen = (size_t)(d1 - s);
	t->p = d1 + 1;
	t->plen = (size_t)(d2 - t->p);
	t->sig = d2 + 1;
	t->siglen = n - (size_t)(t->sig - s);
	return RB_OK;
}

/* base64url.decode of a section; what names it in the error ("header"),
 * or NULL for the decoder's message alone (decodeSignature's). */
static enum rb_status b64url(struct rb_ctx *c, const char *s, size_t n,
			     const char *what, struct rv **out)
{
	struct rv *arg = rv_string(c->arena, s, n);
	char err[200];
	enum rb_status st;

	if (!arg)
		return rb_nomem(c);
	st = rb_call(c, "base64url.decode", &arg, out, err, sizeof(err));
	if (st == RB_ERROR || st == RB_TYPE_ERROR) {
		if (c->arena->exhausted)
			return rb_nomem(c);
		return what ? rb_error(c, "JWT %s had invalid encoding: %s", what, err)
			    : rb_error(c, "%s", err);
	}
	return st;
}

/* OPA's extractJSONObject, with prefix before its messages. */
static enum rb_status json_object(struct rb_ctx *c, struct rv *text,
				  const char *prefix, struct rv **out)
{
	char err[200];
	enum rb_status st;

	st = rb_call(c, "json.unmarshal", &text, out, err, sizeof(err));
	if (st == RB_ERROR || st == RB_TYPE_ERROR)
		return c->arena->exhausted ? rb_nomem(c)
		       : rb_error(c, "%sinvalid JSON: %s", prefix, err);
	if (st != RB_OK)
		return st;
	if (!rv_is(*out, RV_OBJECT))
		return rb_error(c, "%sdecoded JSON type was not an Object", prefix);
	return RB_OK;
}

/* OPA's decodeHeader and validateJWTHeader. */
static enum rb_status jwt_header(struct rb_ctx *c, const struct jwt *t,
				 struct rv **hdr)
{
	struct rv *text;
	enum rb_status st;

	if ((st = b64url(c, t->h, t->hlen, "header", &text)) != RB_OK)
		return st;
	if ((st = json_object(c, text, "bad JWT header: ", hdr)) != RB_OK)
		return st;
	if (rv_object_getc(*hdr, "enc"))
		return rb_error(c, "JWT is a JWE object, which is not supported");
	return RB_OK;
}

/* The header parameters OPA reads (parseTokenHeader). */
struct jwt_hdr {
	const struct rv *alg, *kid, *cty; /* strings, or NULL */
	bool valid;                       /* alg present, no unknown crit */
};

static enum rb_status hdr_parse(struct rb_ctx *c, const struct rv *o,
				struct jwt_hdr *h)
{
	static const char *const known[] = { "alg", "kid", "typ", "cty", "crit" };
	const struct rv *crit = NULL;
	size_t i, j, ncrit = 0;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i], *v = o->u.obj.v[i];

		for (j = 0; j < 4; j++) {
			if (!str_is(k, known[j]))
				continue;
			if (!rv_is(v, RV_STRING))
				return rb_error(c, "%s: must be a string", known[j]);
			if (j == 0)
				h->alg = v;
			else if (j == 1)
				h->kid = v;
			else if (j == 3)
				h->cty = v;
		}
		if (str_is(k, "crit")) {
			if (!rv_is(v, RV_ARRAY))
				return rb_error(c, "crit: must be a list");
			/* OPA stops at the first element that is no string */
			for (ncrit = 0; ncrit < v->u.arr.n &&
			     rv_is(v->u.arr.v[ncrit], RV_STRING); ncrit++)
				;
			if (!ncrit)
				return rb_error(c, "crit: must be a nonempty list");
			crit = v;
		}
	}
	h->valid = h->alg && h->alg->u.str.len;
	for (i = 0; h->valid && crit && i < o->u.obj.n; i++) {
		const struct rv *k = o->u.obj.k[i];

		for (j = 0; j < 5 && !str_is(k, known[j]); j++)
			;
		if (j < 5)
			continue;
		for (j = 0; j < ncrit; j++)
			if (rv_equal(crit->u.arr.v[j], k))
				h->valid = false;
	}
	return RB_OK;
}

static bool kid_is(const struct jwt_key *k, const struct rv *kid)
{
	return k->kidlen == kid->u.str.len &&
	       !memcmp(k->kid, kid->u.str.s, k->kidlen);
}

/* OPA's key selection: the key whose kid is the header's, alone; else
 * every key whose alg is unset or the header's. fixed: the algorithm of
 * a verify_* built-in, else the header's (decode_verify). */
static bool keys_verify(const struct jwt_keys *ks, const struct jwt_hdr *h,
			const struct jwt_alg *fixed, const struct jwt *t,
			const unsigned char *sig, size_t slen)
{
	const struct jwt_alg *ha = h->alg ? alg_find(h->alg->u.str.s,
						     h->alg->u.str.len) : NULL;
	const struct jwt_alg *a = fixed ? fixed : ha;
	const unsigned char *msg = (const unsigned char *)t->s;
	size_t mlen = t->hlen + 1 + t->plen, i;

	if (!a)
		return false;
	if (h->kid && h->kid->u.str.len)
		for (i = 0; i < ks->n; i++)
			if (kid_is(&ks->k[i], h->kid))
				return sig_verify(a, &ks->k[i], msg, mlen, sig,
						  slen, !fixed);
	for (i = 0; i < ks->n; i++) {
		if (ks->k[i].alg && ks->k[i].alg != ha)
			continue;
		if (sig_verify(a, &ks->k[i], msg, mlen, sig, slen, !fixed))
			return true;
	}
	return false;
}

/* ---- io.jwt.decode ---- */

static enum rb_status bi_jwt_decode(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct rv *tok = args[0], *hdr, *text, *payload, *sig, *cty, *res[3];
	struct rv_builder b;
	struct jwt t;
	enum rb_status st;
	const char *s;
	size_t n;
	char *hex;

	for (;;) {
		if ((st = jwt_split(c, tok, &t)) != RB_OK ||
		    (st = jwt_header(c, &t, &hdr)) != RB_OK ||
		    (st = b64url(c, t.p, t.plen, "payload", &text)) != RB_OK)
			return st;
		cty = rv_object_getc(hdr, "cty");
		if (!str_is(cty, "JWT"))
			break;
		/* a nested token, quoted as jwt.io quotes it; each round is
		 * shorter than the last, so this ends */
		s = text->u.str.s;
		n = text->u.str.len;
		while (n && (*s == '"' || *s == '\''))
			s++, n--;
		while (n && (s[n - 1] == '"' || s[n - 1] == '\''))
			n--;
		if (!(tok = rv_string(c->arena, s, n)))
			return rb_nomem(c);
	}
	if ((st = json_object(c, text, "", &payload)) != RB_OK ||
	    (st = b64url(c, t.sig, t.siglen, "signature", &sig)) != RB_OK)
		return st;
	if (!(hex = hex_encode(sig->u.str.s, sig->u.str.len)))
		return rb_nomem(c);
	res[2] = rv_cstring(c->arena, hex);
	free(hex);
	res[0] = hdr;
	res[1] = payload;
	rv_builder_init(&b, c->arena);
	if (!res[2] || !rv_builder_add(&b, res[0]) || !rv_builder_add(&b, res[1]) ||
	    !rv_builder_add(&b, res[2]) || !(*out = rv_array_finish(&b)))
		return rb_nomem(c);
	return RB_OK;
}

/* ---- io.jwt.verify_* ---- */

/* The algorithm a verify_* built-in is named for (io.jwt.verify_rs256). */
static const struct jwt_alg *alg_of_name(const char *name)
{
	const char *u = strrchr(name, '_');
	size_t i;

	for (i = 0; u && i < sizeof(jwt_algs) / sizeof(*jwt_algs); i++)
		if (!strcasecmp(u + 1, jwt_algs[i].name))
			return &jwt_algs[i];
	return NULL;
}

static enum rb_status bi_jwt_verify(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct jwt_alg *a = alg_of_name(c->name);
	struct jwt_keys *ks;
	struct jwt_hdr h;
	struct jwt t;
	struct rv *sig, *hdr;
	enum rb_status st;

	if ((st = jwt_split(c, args[0], &t)) != RB_OK)
		return st;
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	if (!a || !(ks = calloc(1, sizeof(*ks))))
		return rb_nomem(c);
	if ((st = keys_parse(c, args[1], ks)) == RB_OK &&
	    (st = b64url(c, t.sig, t.siglen, NULL, &sig)) == RB_OK &&
	    (st = jwt_header(c, &t, &hdr)) == RB_OK &&
	    (st = hdr_parse(c, hdr, &h)) == RB_OK)
		*out = rv_bool(keys_verify(ks, &h, a, &t,
					   (const unsigned char *)sig->u.str.s,
					   sig->u.str.len));
	keys_free(ks);
	free(ks);
	return st;
}

static enum rb_status bi_jwt_verify_hs(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	const struct jwt_alg *a = alg_of_name(c->name);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	struct rv *sig;
	struct jwt t;
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	if ((st = jwt_split(c, args[0], &t)) != RB_OK)
		return st;
	if (!a || !hmac_of(a, (const unsigned char *)args[1]->u.str.s,
			   args[1]->u.str.len, (const unsigned char *)t.s,
			   t.hlen + 1 + t.plen, mac, &maclen))
		return rb_error(c, "HMAC unavailable");
	st = b64url(c, t.sig, t.siglen, NULL, &sig);
	if (st == RB_OK)
		*out = rv_bool(sig->u.str.len == maclen &&
			       CRYPTO_memcmp(sig->u.str.s, mac, maclen) == 0);
	OPENSSL_cleanse(mac, sizeof(mac));
	return st;
}

/* ---- io.jwt.decode_verify ---- */

struct jwt_constraints {
	struct jwt_keys *keys; /* the "cert" constraint's, or NULL */
	const struct rv *secret, *alg, *iss, *aud;
	double time;           /* ns */
};

static enum rb_status constraint_string(struct rb_ctx *c, const char *name,
					const struct rv *v,
					const struct rv **where)
{
	if (!rv_is(v, RV_STRING))
		return rb_error(c, "%s constraint: must be a string", name);
	*where = v;
	return RB_OK;
}

static enum rb_status time_of(struct rb_ctx *c, const struct rv *v,
			      double *t)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_error(c, "token time constraint: must be a number");
	*t = rv_num_double(v);
	if (!isfinite(*t))
		return rb_error(c, "token time constraint: unvalid float64");
	if (*t < 0)
		return rb_error(c, "token time constraint: must not be negative");
	return RB_OK;
}

static enum rb_status constraints_parse(struct rb_ctx *c, const struct rv *o,
					struct jwt_constraints *k)
{
	static const char *const names[] = { "secret", "alg", "iss", "aud" };
	bool have_time = false;
	enum rb_status st;
	size_t i, j;

	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *name = o->u.obj.k[i], *v = o->u.obj.v[i];
		const struct rv **where[] = { &k->secret, &k->alg, &k->iss, &k->aud };

		for (j = 0; j < 4 && !str_is(name, names[j]); j++)
			;
		if (j < 4) {
			st = constraint_string(c, names[j], v, where[j]);
		} else if (str_is(name, "cert")) {
			if (!rv_is(v, RV_STRING))
				return rb_error(c, "cert constraint: must be a string");
			if (k->keys) /* keys are only replaced, never merged */
				keys_free(k->keys);
			else if (!(k->keys = calloc(1, sizeof(*k->keys))))
				return rb_nomem(c);
			st = keys_parse(c, v, k->keys);
		} else if (str_is(name, "time")) {
			st = time_of(c, v, &k->time);
			have_time = true;
		} else {
			struct rv_buf b = { 0 };

			if (rv_is(name, RV_STRING))
				rv_buf_puts(&b, name->u.str.s, name->u.str.len > 100
					    ? 100 : name->u.str.len);
			else
				rv_buf_json(&b, name, false, 0);
			st = rb_error(c, "unknown token validation constraint: %s",
				      b.p && !b.failed ? b.p : "?");
			free(b.p);
		}
		if (st != RB_OK)
			return st;
	}
	if (!have_time)
		k->time = (double)c->now_ns;
	j = (k->keys != NULL) + (k->secret && k->secret->u.str.len);
	if (j > 1)
		return rb_error(c, "duplicate key constraints");
	if (j < 1)
		return rb_error(c, "no key constraint");
	return RB_OK;
}

static bool audience_ok(const struct jwt_constraints *k, const struct rv *aud)
{
	const char *want = k->aud ? k->aud->u.str.s : "";
	size_t wlen = k->aud ? k->aud->u.str.len : 0, i;

	if (rv_is(aud, RV_STRING))
		return aud->u.str.len == wlen && !memcmp(aud->u.str.s, want, wlen);
	if (!rv_is(aud, RV_ARRAY))
		return false;
	for (i = 0; i < aud->u.arr.n; i++) {
		const struct rv *e = aud->u.arr.v[i];

		if (rv_is(e, RV_STRING) && e->u.str.len == wlen &&
		    !memcmp(e->u.str.s, want, wlen))
			return true;
	}
	return false;
}

/* The signature, by the constraints' keys or secret. */
static bool constraints_verify(const struct jwt_constraints *k,
			       const struct jwt_hdr *h, const struct jwt *t,
			       const struct rv *sig)
{
	struct jwt_keys *one;
	bool ok;

	if (k->keys)
		return keys_verify(k->keys, h, NULL, t,
				   (const unsigned char *)sig->u.str.s,
				   sig->u.str.len);
	if (!(one = calloc(1, sizeof(*one))))
		return false;
	one->n = 1;
	one->k[0] = (struct jwt_key){
		.kid = "", .is_secret = true,
		.secret = (unsigned char *)k->secret->u.str.s,
		.slen = k->secret->u.str.len,
	};
	/* the secret alone, whatever the header's kid */
	ok = keys_verify(one, &(struct jwt_hdr){ .alg = h->alg }, NULL, t,
			 (const unsigned char *)sig->u.str.s, sig->u.str.len);
	free(one);
	return ok;
}

static enum rb_status ret_unverified(struct rb_ctx *c, struct rv **out)
{
	struct rv_builder b;

	rv_builder_init(&b, c->arena);
	if (!rv_builder_add(&b, rv_bool(false)) ||
	    !rv_builder_add(&b, rv_empty_object()) ||
	    !rv_builder_add(&b, rv_empty_object()) ||
	    !(*out = rv_array_finish(&b)))
		return rb_nomem(c);
	return RB_OK;
}

/* The claims after the signature: iss, aud, exp, nbf (RFC 7519 4.1). */
static enum rb_status claims_check(struct rb_ctx *c,
				   const struct jwt_constraints *k,
				   const struct rv *payload, bool *ok)
{
	const struct rv *iss = rv_object_getc(payload, "iss");
	const struct rv *aud = rv_object_getc(payload, "aud");
	const struct rv *exp = rv_object_getc(payload, "exp");
	const struct rv *nbf = rv_object_getc(payload, "nbf");
	double now = k->time / 1000000000;

	*ok = false;
	if (k->iss && k->iss->u.str.len &&
	    (!iss || !rv_is(iss, RV_STRING) || !rv_equal(iss, k->iss)))
		return RB_OK;
	if (aud ? !audience_ok(k, aud) : (k->aud && k->aud->u.str.len))
		return RB_OK;
	if (exp) {
		if (!rv_is(exp, RV_NUMBER))
			return rb_error(c, "exp value must be a number");
		if (!(now < rv_num_double(exp)))
			return RB_OK;
	}
	if (nbf) {
		if (!rv_is(nbf, RV_NUMBER))
			return rb_error(c, "nbf value must be a number");
		if (now < rv_num_double(nbf))
			return RB_OK;
	}
	*ok = true;
	return RB_OK;
}

static enum rb_status decode_verify(struct rb_ctx *c, struct rv *tok,
				    const struct jwt_constraints *k,
				    struct rv **out)
{
	struct rv *hdr, *sig, *text, *payload;
	struct rv_builder b;
	struct jwt_hdr h;
	struct jwt t;
	enum rb_status st;
	bool ok;

	for (;;) { /* nested tokens shrink each round, so this ends */
		if ((st = jwt_split(c, tok, &t)) != RB_OK ||
		    (st = jwt_header(c, &t, &hdr)) != RB_OK ||
		    (st = hdr_parse(c, hdr, &h)) != RB_OK)
			return st;
		if (!h.valid || (k->alg && k->alg->u.str.len &&
				 !rv_equal(k->alg, h.alg)))
			return ret_unverified(c, out);
		if ((st = b64url(c, t.sig, t.siglen, NULL, &sig)) != RB_OK)
			return st;
		if (!constraints_verify(k, &h, &t, sig))
			return ret_unverified(c, out);
		if ((st = b64url(c, t.p, t.plen, "payload", &text)) != RB_OK)
			return st;
		if (!(h.cty && h.cty->u.str.len == 3 &&
		      !strncasecmp(h.cty->u.str.s, "JWT", 3)))
			break;
		tok = text;
	}
	if ((st = json_object(c, text, "", &payload)) != RB_OK ||
	    (st = claims_check(c, k, payload, &ok)) != RB_OK)
		return st;
	if (!ok)
		return ret_unverified(c, out);
	rv_builder_init(&b, c->arena);
	if (!rv_builder_add(&b, rv_bool(true)) || !rv_builder_add(&b, hdr) ||
	    !rv_builder_add(&b, payload) || !(*out = rv_array_finish(&b)))
		return rb_nomem(c);
	return RB_OK;
}

static enum rb_status bi_jwt_decode_verify(struct rb_ctx *c,
					   struct rv *const *args,
					   struct rv **out)
{
	struct jwt_constraints k = { 0 };
	enum rb_status st;

	if (!rv_is(args[1], RV_OBJECT))
		return rb_type_error(c, 2, "object", args[1]);
	if ((st = constraints_parse(c, args[1], &k)) == RB_OK)
		st = decode_verify(c, args[0], &k, out);
	if (k.keys) {
		keys_free(k.keys);
		free(k.keys);
	}
	return st;
}

/* ---- io.jwt.encode_sign and encode_sign_raw ---- */

/* fastjson, which jwsbb reads the header with, takes a run of number
 * characters for a number ("e" included): such a header is no object,
 * and has no "alg", rather than not being JSON. */
static bool fastjson_number(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789eE+-.", s[i]) || !s[i])
			return false;
	return n > 0;
}

static const char *fastjson_type(const struct rv *v)
{
	switch (v->type) {
	case RV_BOOL:
		return v->u.b ? "true" : "false";
	case RV_NULL:
		return "null";
	case RV_OBJECT:
		return "object";
	case RV_ARRAY:
		return "array";
	default:
		return "number";
	}
}

/* The header's "alg" as jwsbb.HeaderGetString finds it. */
static enum rb_status header_alg(struct rb_ctx *c, const struct rv *text,
				 const struct jwt_alg **a)
{
	static const char pre[] = "missing or invalid 'alg' header: ";
	struct jr r = { 0 };
	const struct rv *alg;
	struct rv *v;
	const char *s = text->u.str.s;
	size_t n = text->u.str.len;

	r.a = c->arena;
	r.p = (const unsigned char *)s;
	r.end = r.p + n;
	jr_ws(&r);
	if (r.p == r.end)
		return rb_error(c, "%scannot parse JSON: cannot parse empty string",
				pre);
	if (!jr_value(&r, &v) || (jr_ws(&r), r.p != r.end)) {
		if (r.nomem)
			return rb_nomem(c);
		while (n && strchr(" \t\r\n", s[n - 1]))
			n--;
		while (n && strchr(" \t\r\n", *s))
			s++, n--;
		if (!fastjson_number(s, n))
			return rb_error(c, "%scannot parse JSON: %s", pre, r.err);
		v = NULL;
	}
	if (!rv_is(v, RV_OBJECT) || !(alg = rv_object_getc(v, "alg")))
		return rb_error(c, "%sjwsbb: header \"alg\" not found", pre);
	if (!rv_is(alg, RV_STRING))
		return rb_error(c, "%svalue doesn't contain string; it contains %s",
				pre, fastjson_type(alg));
	if (!(*a = alg_find(alg->u.str.s, alg->u.str.len)))
		return rb_error(c, "unknown JWS algorithm: %.*s",
				(int)(alg->u.str.len > 100 ? 100 : alg->u.str.len),
				alg->u.str.s);
	return RB_OK;
}

/* Whether the header asks for a JSON payload: typ "JWT", or no string typ
 * at all. */
static bool wants_json(struct rb_ctx *c, const struct rv *text)
{
	struct jr r = { 0 };
	struct rv *v;
	const struct rv *typ;

	r.a = c->arena;
	r.p = (const unsigned char *)text->u.str.s;
	r.end = r.p + text->u.str.len;
	if (!jr_value(&r, &v) || !rv_is(v, RV_OBJECT))
		return true;
	typ = rv_object_getc(v, "typ");
	return !rv_is(typ, RV_STRING) || str_is(typ, "JWT");
}

static char *b64raw(const void *p, size_t n)
{
	char *e = base64_encode(p, n, true);
	size_t k;

	if (e) {
		for (k = strlen(e); k && e[k - 1] == '='; k--)
			e[k - 1] = '\0';
	}
	return e;
}

static enum rb_status encode_sign(struct rb_ctx *c, struct rv *hdr,
				  struct rv *payload, const struct rv *jwk,
				  struct rv **out)
{
	const struct jwt_alg *a;
	struct jwt_keys *ks;
	struct rv *valid;
	char *eh = NULL, *ep = NULL, *es = NULL, err[200];
	const char *why;
	unsigned char *sig = NULL;
	size_t slen = 0;
	struct rv_buf b = { 0 };
	enum rb_status st;

	if (!(ks = calloc(1, sizeof(*ks))))
		return rb_nomem(c);
	if ((why = jwk_set(c, jwk->u.str.s, jwk->u.str.len, ks, false, err,
			   sizeof(err)))) {
		st = c->arena->exhausted ? rb_nomem(c) : rb_error(c, "%s", why);
		goto out;
	}
	if (!ks->n) {
		st = rb_error(c, "no keys found in JWK set");
		goto out;
	}
	if ((st = header_alg(c, hdr, &a)) != RB_OK)
		goto out;
	if (wants_json(c, hdr)) {
		st = rb_call(c, "json.is_valid", &payload, &valid, err, sizeof(err));
		if (st != RB_OK)
			goto out;
		if (!valid->u.b) {
			st = rb_error(c, "type is JWT but payload is not JSON");
			goto out;
		}
	}
	if (!(eh = b64raw(hdr->u.str.s, hdr->u.str.len)) ||
	    !(ep = b64raw(payload->u.str.s, payload->u.str.len))) {
		st = rb_nomem(c);
		goto out;
	}
	rv_buf_puts(&b, eh, strlen(eh));
	rv_buf_puts(&b, ".", 1);
	rv_buf_puts(&b, ep, strlen(ep));
	if (b.failed) {
		st = rb_nomem(c);
		goto out;
	}
	if ((why = sig_sign(a, &ks->k[0], (const unsigned char *)b.p, b.len,
			    &sig, &slen))) {
		st = rb_error(c, "%s", why);
		goto out;
	}
	if (!(es = b64raw(sig, slen))) {
		st = rb_nomem(c);
		goto out;
	}
	rv_buf_puts(&b, ".", 1);
	rv_buf_puts(&b, es, strlen(es));
	st = ret_buf(c, &b, out);
out:
	free(b.p);
	free(eh);
	free(ep);
	free(es);
	free(sig);
	keys_free(ks);
	free(ks);
	return st;
}

static enum rb_status bi_jwt_encode_sign_raw(struct rb_ctx *c,
					     struct rv *const *args,
					     struct rv **out)
{
	if (!rv_is(args[2], RV_STRING))
		return rb_type_error(c, 3, "string", args[2]);
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 2, "string", args[1]);
	return encode_sign(c, args[0], args[1], args[2], out);
}

/* encode_sign marshals its three operands as Go's json.Marshal would
 * (sets become arrays), then signs as encode_sign_raw. */
static enum rb_status bi_jwt_encode_sign(struct rb_ctx *c,
					 struct rv *const *args,
					 struct rv **out)
{
	static const char *const what[] = { "headers", "payload", "signature" };
	struct rv *m[3];
	char err[200];
	enum rb_status st;
	int i;

	for (i = 0; i < 3; i++) {
		st = rb_call(c, "json.marshal", &args[i], &m[i], err, sizeof(err));
		if (st == RB_ERROR || st == RB_TYPE_ERROR)
			return c->arena->exhausted ? rb_nomem(c)
			       : rb_error(c, "failed to marshal JWT %s: %s",
					  what[i], err);
		if (st != RB_OK)
			return st;
	}
	return encode_sign(c, m[0], m[1], m[2], out);
}

const struct rb_def rb_jwt_defs[] = {
	{ "io.jwt.decode", 1, bi_jwt_decode },
	{ "io.jwt.decode_verify", 2, bi_jwt_decode_verify },
	{ "io.jwt.encode_sign", 3, bi_jwt_encode_sign },
	{ "io.jwt.encode_sign_raw", 3, bi_jwt_encode_sign_raw },
	{ "io.jwt.verify_eddsa", 2, bi_jwt_verify },
	{ "io.jwt.verify_es256", 2, bi_jwt_verify },
	{ "io.jwt.verify_es384", 2, bi_jwt_verify },
	{ "io.jwt.verify_es512", 2, bi_jwt_verify },
	{ "io.jwt.verify_hs256", 2, bi_jwt_verify_hs },
	{ "io.jwt.verify_hs384", 2, bi_jwt_verify_hs },
	{ "io.jwt.verify_hs512", 2, bi_jwt_verify_hs },
	{ "io.jwt.verify_ps256", 2, bi_jwt_verify },
	{ "io.jwt.verify_ps384", 2, bi_jwt_verify },
	{ "io.jwt.verify_ps512", 2, bi_jwt_verify },
	{ "io.jwt.verify_rs256", 2, bi_jwt_verify },
	{ "io.jwt.verify_rs384", 2, bi_jwt_verify },
	{ "io.jwt.verify_rs512", 2, bi_jwt_verify },
	{ NULL, 0, NULL },
};
