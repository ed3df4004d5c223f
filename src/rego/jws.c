/* jws.c - JWS keys and signatures for the io.jwt.* built-ins (jws.h):
 * JWKs and PEM keys read as jwx reads them (its leniencies, its words),
 * made OpenSSL keys and used by core's jose.c, and signing and verifying
 * with Go's crypto and jwx's jwsbb's rules. Keys come from remote peers:
 * every member is decoded with bounds, and a malformed key is an error,
 * never more. Secrets are wiped when dropped. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include "builtins_crypto.h"
#include "json_read.h"
#include "jws.h"

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

/* A JWK member in unpadded base64url (padding tolerated, as jwx does). */
static bool jwk_bytes(const struct rv *o, const char *name, uint8_t **out,
		      size_t *n, bool *present)
{
	const struct rv *v = rv_object_getc(o, name);
	size_t len;

	*present = v != NULL;
	*out = NULL;
	*n = 0;
	if (!v)
		return true;
	if (!rv_is(v, RV_STRING))
		return false;
	for (len = v->u.str.len; len && v->u.str.s[len - 1] == '='; len--)
		;
	*out = b64url_decode(v->u.str.s, len, n);
	return *out != NULL;
}

static void wipe_free(uint8_t *p, size_t n)
{
	if (p) {
		OPENSSL_cleanse(p, n);
		free(p);
	}
}

static const char *jwk_rsa(const struct rv *o, EVP_PKEY **pk)
{
	/* in jose_rsa_parts' order */
	static const char *const names[JOSE_RSA_PARTS] = {
		"n", "e", "d", "p", "q", "dp", "dq", "qi",
	};
	struct jose_rsa_parts parts = { 0 };
	uint8_t *b[JOSE_RSA_PARTS] = { 0 };
	const char *err = NULL;
	bool present;
	size_t i;

	for (i = 0; !err && i < JOSE_RSA_PARTS; i++) {
		if (!jwk_bytes(o, names[i], &b[i], &parts.n[i], &present)) {
			err = "invalid RSA key member";
			break;
		}
		parts.v[i] = b[i];
		if (present)
			continue;
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
			err = i == 3 ? "missing \"p\" value" : "missing \"q\" value";
	}
	if (!err && !(*pk = jose_rsa_key(&parts)))
		err = "invalid RSA key";
	for (i = 0; i < JOSE_RSA_PARTS; i++)
		wipe_free(b[i], parts.n[i]);
	return err;
}

static const char *jwk_ec(const struct rv *o, EVP_PKEY **pk)
{
	const struct rv *crv = rv_object_getc(o, "crv");
	const struct jose_curve *c = rv_is(crv, RV_STRING) &&
				     strlen(crv->u.str.s) == crv->u.str.len
				     ? jose_curve_find(crv->u.str.s) : NULL;
	uint8_t *x = NULL, *y = NULL, *d = NULL, px_[66], py_[66];
	size_t xn, yn, dn = 0, sz;
	bool px, py, pd;
	const char *err = NULL;

	if (!c)
		return "unsupported or missing EC curve";
	sz = c->size;
	if (!jwk_bytes(o, "x", &x, &xn, &px) || !jwk_bytes(o, "y", &y, &yn, &py) ||
	    !jwk_bytes(o, "d", &d, &dn, &pd) || !px || !py) {
		err = "invalid EC key members";
		goto out;
	}
	if (xn > sz || yn > sz || (pd && dn > sz)) {
		err = "invalid EC key: coordinates too long for the curve";
		goto out;
	}
	/* jwx takes coordinates shorter than the curve's size */
	memset(px_, 0, sizeof(px_));
	memset(py_, 0, sizeof(py_));
	memcpy(px_ + sz - xn, x, xn);
	memcpy(py_ + sz - yn, y, yn);
	if (!(*pk = jose_ec_key(c, px_, py_, pd ? d : NULL, dn)))
		err = "invalid EC key";
out:
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
	    !(k->alg = jose_alg_find(alg->u.str.s, alg->u.str.len)))
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

bool jws_hmac(const struct jose_alg *a, const unsigned char *key,
		    size_t klen, const unsigned char *msg, size_t mlen,
		    unsigned char *mac, unsigned *maclen)
{
	const EVP_MD *md = EVP_get_digestbyname(a->md);

	return md && klen <= INT_MAX &&
	       HMAC(md, klen ? key : (const unsigned char *)"", (int)klen, msg,
		    mlen, mac, maclen) != NULL;
}

/* Whether sig is a's signature of msg by key k. */
bool jwt_key_verify(const struct jose_alg *a, const struct jwt_key *k,
		    const unsigned char *msg, size_t mlen,
		    const unsigned char *sig, size_t slen, bool strict)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	bool ok;

	if (a->fam != JOSE_HS)
		return jose_sig_verify(a, k->pk, msg, mlen, sig, slen, !strict);
	if (!k->is_secret || (strict && !k->slen) ||
	    !jws_hmac(a, k->secret, k->slen, msg, mlen, mac, &maclen))
		return false;
	ok = slen == maclen && CRYPTO_memcmp(mac, sig, maclen) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

/* a's signature of msg by k, malloc'd in *sig; NULL or why not. */
const char *jwt_key_sign(const struct jose_alg *a, const struct jwt_key *k,
			 const unsigned char *msg, size_t mlen,
			 unsigned char **sig, size_t *slen)
{
	unsigned maclen = 0;

	*sig = NULL;
	if (a->fam == JOSE_HS) {
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
	if (!jose_key_fits(a, k->pk))
		return "invalid key type for the algorithm";
	if (!(*sig = jose_sig_sign(a, k->pk, msg, mlen, slen, NULL)))
		return "jwsbb.Sign: invalid key type: a private key is required";
	return NULL;
}
