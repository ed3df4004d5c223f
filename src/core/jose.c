/* jose.c - base64url, JWK, JWE and JWS for the CoCo KBS protocol, and the
 * key and signature primitives the Rego io.jwt built-ins use (see jose.h).
 * The cryptography is OpenSSL 3's (EVP, OSSL_PARAM, the SSKDF that is
 * NIST's Concat KDF), the JSON jansson's. Owns nothing of the protocol:
 * which key may have which resource is verdictd's, and the token's claims
 * are the caller's to check. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include "aead.h"
#include "bytes.h"
#include "codec.h"
#include "ecdsa.h"
#include "jose.h"

#define CEK_LEN 32 /* A256GCM */
#define IV_LEN 12
#define KW_LEN (CEK_LEN + 8) /* RFC 3394 adds one 64-bit block */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 16384 /* OpenSSL's own ceiling */

static const char ECDH_ALG[] = "ECDH-ES+A256KW", RSA_ALG[] = "RSA-OAEP-256",
		  ENC[] = "A256GCM";

/* ---- base64url ---- */

char *b64url_encode(const void *p, size_t n)
{
	return base64_encode(p, n, true); /* codec.c writes URL-safe text unpadded */
}

static bool b64url_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

uint8_t *b64url_decode(const char *s, size_t len, size_t *n)
{
	uint8_t *out = NULL;
	char *t;
	size_t i;

	/* codec.c's decoder takes padding; RFC 7515 2 and kbs-types do not */
	for (i = 0; i < len; i++)
		if (!b64url_char(s[i]))
			return NULL;
	if (!(t = strndup(len ? s : "", len)))
		return NULL;
	if (!base64_decode(t, true, &out, n))
		out = NULL;
	free(t);
	return out;
}

/* ---- keys ---- */

static const struct jose_curve curves[] = {
	{ "P-256", "prime256v1", 32 },
	{ "P-384", "secp384r1", 48 },
	{ "P-521", "secp521r1", 66 },
};

const struct jose_curve *jose_curve_find(const char *crv)
{
	size_t i;

	for (i = 0; crv && i < sizeof(curves) / sizeof(*curves); i++)
		if (!strcmp(crv, curves[i].crv))
			return &curves[i];
	return NULL;
}

const struct jose_curve *jose_curve_of(EVP_PKEY *key)
{
	char group[64];
	size_t i;

	if (!key || !EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL))
		return NULL;
	for (i = 0; i < sizeof(curves) / sizeof(*curves); i++)
		if (!strcmp(group, curves[i].group) || !strcmp(group, curves[i].crv))
			return &curves[i];
	return NULL;
}

/* An EVP_PKEY of `type` from OSSL parameters; selection says whether the
 * private part is there. */
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
	ERR_clear_error();
	return pk;
}

EVP_PKEY *jose_ec_key(const struct jose_curve *c, const uint8_t *x,
		      const uint8_t *y, const uint8_t *d, size_t dn)
{
	uint8_t pub[1 + 2 * 66];
	OSSL_PARAM_BLD *bld;
	BIGNUM *bd = NULL;
	EVP_PKEY *pk = NULL;

	if (!c || (d && (dn > c->size || !dn)) || !(bld = OSSL_PARAM_BLD_new()))
		return NULL;
	pub[0] = 0x04; /* uncompressed; decoding it checks the point is on the curve */
	memcpy(pub + 1, x, c->size);
	memcpy(pub + 1 + c->size, y, c->size);
	if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    c->group, 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					     1 + 2 * c->size) &&
	    (!d || ((bd = BN_bin2bn(d, (int)dn, NULL)) &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd))))
		pk = pkey_fromdata("EC", bld, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bd);
	return pk;
}

EVP_PKEY *jose_rsa_key(const struct jose_rsa_parts *p)
{
	static const char *const names[JOSE_RSA_PARTS] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	BIGNUM *bn[JOSE_RSA_PARTS] = { 0 };
	OSSL_PARAM_BLD *bld;
	EVP_PKEY *pk = NULL;
	bool ok;
	size_t i;

	if (!p->v[0] || !p->v[1] || !(bld = OSSL_PARAM_BLD_new()))
		return NULL;
	for (i = 0, ok = true; ok && i < JOSE_RSA_PARTS; i++)
		if (p->v[i])
			ok = p->n[i] <= INT_MAX &&
			     (bn[i] = BN_bin2bn(p->v[i], (int)p->n[i], NULL)) &&
			     OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]);
	if (ok)
		pk = pkey_fromdata("RSA", bld, p->v[2] ? EVP_PKEY_KEYPAIR
						       : EVP_PKEY_PUBLIC_KEY);
	OSSL_PARAM_BLD_free(bld);
	for (i = 0; i < JOSE_RSA_PARTS; i++)
		BN_clear_free(bn[i]);
	return pk;
}

/* A string member of a JSON object, or why not. */
static const char *member_str(const json_t *o, const char *name,
			      struct eaa_err *err)
{
	const json_t *v = json_object_get(o, name);

	if (!v)
		eaa_fail(err, EAA_E_FORMAT, "\"%s\" is missing", name);
	else if (!json_is_string(v))
		eaa_fail(err, EAA_E_FORMAT, "\"%s\" is not a string", name);
	return json_string_value(v);
}

/* A base64url member, decoded (malloc'd), or NULL and why not. */
static uint8_t *member_b64(const json_t *o, const char *name, size_t *n,
			   struct eaa_err *err)
{
	const char *s = member_str(o, name, err);
	uint8_t *b;

	if (!s)
		return NULL;
	if (!(b = b64url_decode(s, json_string_length(json_object_get(o, name)), n)))
		eaa_fail(err, EAA_E_FORMAT, "%s is not unpadded base64url", name);
	return b;
}

static EVP_PKEY *jwk_ec(const json_t *jwk, struct eaa_err *err)
{
	const char *crv = member_str(jwk, "crv", err);
	const struct jose_curve *c = jose_curve_find(crv);
	uint8_t *x = NULL, *y = NULL;
	size_t xn = 0, yn = 0;
	EVP_PKEY *pk = NULL;

	if (!crv)
		return NULL;
	if (!c) {
		eaa_fail(err, EAA_E_UNSUPPORTED,
			 "crv \"%.32s\" is not P-256, P-384 or P-521", crv);
		return NULL;
	}
	if (!(x = member_b64(jwk, "x", &xn, err)) ||
	    !(y = member_b64(jwk, "y", &yn, err)))
		goto out;
	if (xn != c->size || yn != c->size) {
		eaa_fail(err, EAA_E_FORMAT, "%s is %zu bytes, %s wants %zu",
			 xn != c->size ? "x" : "y", xn != c->size ? xn : yn,
			 c->crv, c->size);
		goto out;
	}
	if (!(pk = jose_ec_key(c, x, y, NULL, 0)))
		eaa_fail(err, EAA_E_FORMAT, "the point (x, y) is not on %s", c->crv);
out:
	free(x);
	free(y);
	return pk;
}

/* The bits of a big-endian integer without leading zero bytes. */
static size_t int_bits(const uint8_t *b, size_t n)
{
	size_t bits = 8 * n;
	uint8_t top = n ? b[0] : 0;

	for (; bits && !(top & 0x80); top = (uint8_t)(top << 1))
		bits--;
	return bits;
}

static EVP_PKEY *jwk_rsa(const json_t *jwk, struct eaa_err *err)
{
	struct jose_rsa_parts p = { 0 };
	uint8_t *n = NULL, *e = NULL;
	size_t nn = 0, en = 0, bits;
	EVP_PKEY *pk = NULL;

	if (!(n = member_b64(jwk, "n", &nn, err)) ||
	    !(e = member_b64(jwk, "e", &en, err)))
		goto out;
	/* RFC 7518 6.3.1.1: the minimal octets; a zero byte in front is
	 * another encoder's habit, and hashing the JWK would then differ */
	if (!nn || !en) {
		eaa_fail(err, EAA_E_FORMAT, "%s is empty", nn ? "e" : "n");
		goto out;
	}
	if (!n[0] || !e[0]) {
		eaa_fail(err, EAA_E_FORMAT, "%s is not minimal: it starts with a zero "
			 "byte", n[0] ? "e" : "n");
		goto out;
	}
	bits = int_bits(n, nn);
	if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "n is %zu bits, RSA keys here have %d to %d",
			 bits, RSA_MIN_BITS, RSA_MAX_BITS);
		goto out;
	}
	if (en > 4 || !(e[en - 1] & 1) || (en == 1 && e[0] < 3)) {
		eaa_fail(err, EAA_E_FORMAT, "e is not an odd exponent from 3 to 2^32 - 1");
		goto out;
	}
	p.v[0] = n, p.n[0] = nn;
	p.v[1] = e, p.n[1] = en;
	if (!(pk = jose_rsa_key(&p)))
		eaa_fail(err, EAA_E_FORMAT, "n and e are not an RSA public key");
out:
	free(n);
	free(e);
	return pk;
}

EVP_PKEY *jwk_to_public(const json_t *jwk, struct eaa_err *err)
{
	const char *kty;

	if (!json_is_object(jwk)) {
		eaa_fail(err, EAA_E_FORMAT, "a JWK is a JSON object");
		return NULL;
	}
	if (!(kty = member_str(jwk, "kty", err)))
		return NULL;
	if (!strcmp(kty, "EC"))
		return jwk_ec(jwk, err);
	if (!strcmp(kty, "RSA"))
		return jwk_rsa(jwk, err);
	eaa_fail(err, EAA_E_UNSUPPORTED, "kty \"%.32s\" is not EC or RSA", kty);
	return NULL;
}

/* o[name] = unpadded base64url of p. */
static bool set_b64(json_t *o, const char *name, const uint8_t *p, size_t n)
{
	char *s = b64url_encode(p, n);
	bool ok = s && json_object_set_new(o, name, json_string(s)) == 0;

	free(s);
	return ok;
}

/* o[name] = big-endian bytes of the key's parameter, size bytes (0: as
 * few as the number needs). */
static bool set_bn(json_t *o, const char *name, EVP_PKEY *key,
		   const char *param, size_t size)
{
	uint8_t buf[RSA_MAX_BITS / 8];
	BIGNUM *bn = NULL;
	int len = -1;
	bool ok;

	if (EVP_PKEY_get_bn_param(key, param, &bn) == 1 &&
	    (size_t)BN_num_bytes(bn) <= (size ? size : sizeof(buf)))
		len = size ? BN_bn2binpad(bn, buf, (int)size) : BN_bn2bin(bn, buf);
	ok = len >= 0 && set_b64(o, name, buf, (size_t)len);
	BN_free(bn);
	return ok;
}

/* {"crv","kty","x","y"}, the order trustee writes an epk in (its
 * serde_json map is sorted) */
static json_t *epk_of(EVP_PKEY *key, const struct jose_curve *c)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "crv", json_string(c->crv)) ||
	    json_object_set_new(o, "kty", json_string("EC")) ||
	    !set_bn(o, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, c->size) ||
	    !set_bn(o, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y, c->size)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *jwk_from_key(EVP_PKEY *key, const char *alg, struct eaa_err *err)
{
	const struct jose_curve *c = jose_curve_of(key);
	json_t *o = json_object();
	bool ok;

	if (!o) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (c) {
		ok = !json_object_set_new(o, "kty", json_string("EC")) &&
		     !json_object_set_new(o, "crv", json_string(c->crv)) &&
		     (!alg || !json_object_set_new(o, "alg", json_string(alg))) &&
		     set_bn(o, "x", key, OSSL_PKEY_PARAM_EC_PUB_X, c->size) &&
		     set_bn(o, "y", key, OSSL_PKEY_PARAM_EC_PUB_Y, c->size);
	} else if (key && EVP_PKEY_is_a(key, "RSA")) {
		ok = !json_object_set_new(o, "kty", json_string("RSA")) &&
		     (!alg || !json_object_set_new(o, "alg", json_string(alg))) &&
		     set_bn(o, "n", key, OSSL_PKEY_PARAM_RSA_N, 0) &&
		     set_bn(o, "e", key, OSSL_PKEY_PARAM_RSA_E, 0);
	} else {
		json_decref(o);
		eaa_fail(err, EAA_E_UNSUPPORTED, "a %s key has no JWK here (EC P-256, "
			 "P-384, P-521 and RSA have)",
			 key ? EVP_PKEY_get0_type_name(key) : "missing");
		return NULL;
	}
	if (!ok) {
		json_decref(o);
		eaa_fail_ssl(err, EAA_E_CRYPTO, "cannot read the key's public part");
		return NULL;
	}
	return o;
}

/* ---- JWE: key agreement, key wrapping, content ---- */

/* Z of ECDH-ES (RFC 7518 4.6.2): the x-coordinate of the shared point,
 * the curve's size in bytes. The peer's point was checked to be on its
 * curve when it was read (jose_ec_key; every peer here comes from a JWK),
 * and on P-256, P-384 and P-521 (cofactor 1) that is the whole check:
 * OpenSSL's own check of the peer at derive time adds a scalar
 * multiplication by the group order, which doubled the cost of each JWE. */
static bool ecdh_z(EVP_PKEY *ours, EVP_PKEY *peer, uint8_t *z, size_t *zn)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, ours, NULL);
	bool ok = c && EVP_PKEY_derive_init(c) == 1 &&
		  EVP_PKEY_derive_set_peer_ex(c, peer, 0) == 1 &&
		  EVP_PKEY_derive(c, z, zn) == 1;

	EVP_PKEY_CTX_free(c);
	return ok;
}

/* The key-encryption key: the Concat KDF of NIST SP 800-56A (OpenSSL's
 * single-step KDF) with SHA-256, one round, over Z and OtherInfo =
 * AlgorithmID || PartyUInfo || PartyVInfo || SuppPubInfo as RFC 7518
 * 4.6.2 lays it out: the alg with its 32-bit length, apu and apv empty
 * (trustee sends none), the key length in bits. */
static bool concat_kdf(const uint8_t *z, size_t zn, uint8_t kek[CEK_LEN])
{
	uint8_t info[4 + sizeof(ECDH_ALG) - 1 + 3 * 4];
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSKDF", NULL);
	EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4];
	struct wr w;
	bool ok;

	wr_init_fixed(&w, info, sizeof(info));
	wr_u32be(&w, sizeof(ECDH_ALG) - 1);
	wr_bytes(&w, ECDH_ALG, sizeof(ECDH_ALG) - 1);
	wr_u32be(&w, 0);           /* PartyUInfo: apu */
	wr_u32be(&w, 0);           /* PartyVInfo: apv */
	wr_u32be(&w, 8 * CEK_LEN); /* SuppPubInfo: keydatalen */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						     (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
						      (void *)z, zn);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						      w.len);
	params[3] = OSSL_PARAM_construct_end();
	ok = !w.failed && kc && EVP_KDF_derive(kc, kek, CEK_LEN, params) == 1;
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
	return ok;
}

/* AES-256 key wrap (RFC 3394, the default IV), or unwrap when !wrap; out
 * has room for inn + 8 bytes. */
static bool aes_kw(bool wrap, const uint8_t kek[CEK_LEN], const uint8_t *in,
		   size_t inn, uint8_t *out, size_t *outn)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0;
	bool ok;

	if (!c || inn > INT_MAX - 8) {
		EVP_CIPHER_CTX_free(c);
		return false;
	}
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_CipherInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL, wrap) == 1 &&
	     EVP_CipherUpdate(c, out, &len, in, (int)inn) == 1 &&
	     EVP_CipherFinal_ex(c, out + len, &fin) == 1;
	EVP_CIPHER_CTX_free(c);
	*outn = ok ? (size_t)len + (size_t)fin : 0;
	return ok;
}

/* RSAES-OAEP with SHA-256 and MGF1-SHA-256, empty label (RFC 7518 4.3):
 * encrypt (enc) or decrypt in; out has room for the modulus. */
static bool rsa_oaep256(bool enc, EVP_PKEY *key, const uint8_t *in,
			size_t inn, uint8_t *out, size_t *outn)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	bool ok = c && (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
		  (enc ? EVP_PKEY_encrypt(c, out, outn, in, inn)
		       : EVP_PKEY_decrypt(c, out, outn, in, inn)) == 1;

	EVP_PKEY_CTX_free(c);
	ERR_clear_error();
	return ok;
}

/* The TEE's key from its JWK, and whether it is an ECDH-ES one (else
 * RSA-OAEP-256): the combinations trustee encrypts to (docs 10.3),
 * less RSA1_5. */
static EVP_PKEY *tee_key(const json_t *jwk, bool *ecdh, struct eaa_err *err)
{
	const json_t *a = json_object_get(jwk, "alg");
	const char *alg = json_string_value(a);
	const struct jose_curve *c;
	EVP_PKEY *key;

	if (json_is_object(jwk) && !a) {
		eaa_fail(err, EAA_E_FORMAT, "\"alg\" is missing (%s or %s)", ECDH_ALG,
			 RSA_ALG);
		return NULL;
	}
	if (a && !alg) {
		eaa_fail(err, EAA_E_FORMAT, "\"alg\" is not a string");
		return NULL;
	}
	if (alg && !strcmp(alg, "RSA1_5")) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "alg RSA1_5 is refused: PKCS #1 v1.5 "
			 "key transport lets anyone who can tell a bad padding from a bad "
			 "tag recover the key (Bleichenbacher); use %s", RSA_ALG);
		return NULL;
	}
	if (!(key = jwk_to_public(jwk, err)))
		return NULL;
	c = jose_curve_of(key);
	*ecdh = c != NULL;
	if (strcmp(alg, c ? ECDH_ALG : RSA_ALG) != 0) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "alg \"%.32s\" is not %s, which an %s key "
			 "is encrypted to", alg, c ? ECDH_ALG : RSA_ALG, c ? "EC" : "RSA");
	} else if (c && c->size == 48) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "crv P-384: a KBS encrypts to P-256 "
			 "and P-521 keys only (trustee's jwe/mod.rs)");
	} else {
		return key;
	}
	EVP_PKEY_free(key);
	return NULL;
}

/* The flattened JSON of a sealed JWE, members in trustee's order. */
static char *jwe_body(const char *protected, const uint8_t *ek, size_t ekn,
		      const uint8_t *iv, const uint8_t *ct, size_t n,
		      const uint8_t *tag)
{
	json_t *o = json_object();
	char *s = NULL;

	if (o && !json_object_set_new(o, "protected", json_string(protected)) &&
	    set_b64(o, "encrypted_key", ek, ekn) && set_b64(o, "iv", iv, IV_LEN) &&
	    set_b64(o, "ciphertext", ct, n) &&
	    set_b64(o, "tag", tag, AES_GCM_TAG_LEN))
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static char *seal(EVP_PKEY *tee, bool ecdh, EVP_PKEY *eph,
		  const uint8_t cek[CEK_LEN], const uint8_t iv[IV_LEN],
		  const uint8_t *plain, size_t n, struct eaa_err *err)
{
	const struct jose_curve *c = jose_curve_of(tee);
	uint8_t z[66], kek[CEK_LEN], tag[AES_GCM_TAG_LEN], *ek = NULL, *ct = NULL;
	size_t zn = sizeof(z), ekn = (size_t)EVP_PKEY_get_size(tee) + KW_LEN;
	json_t *hdr = json_pack("{s:s, s:s}", "alg", ecdh ? ECDH_ALG : RSA_ALG,
				"enc", ENC);
	char *text = NULL, *protected = NULL, *out = NULL;

	if (n > INT_MAX) {
		eaa_fail(err, EAA_E_INVALID, "%zu bytes are more than one JWE holds here", n);
		goto out;
	}
	if (!hdr || !(ek = malloc(ekn)) || !(ct = malloc(n ? n : 1))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (ecdh) {
		if (!eph || jose_curve_of(eph) != c) {
			eaa_fail(err, EAA_E_INVALID, "the ephemeral key is not a %s key",
				 c->crv);
			goto out;
		}
		if (json_object_set_new(hdr, "epk", epk_of(eph, c)) ||
		    !ecdh_z(eph, tee, z, &zn) || !concat_kdf(z, zn, kek) ||
		    !aes_kw(true, kek, cek, CEK_LEN, ek, &ekn)) {
			eaa_fail_ssl(err, EAA_E_CRYPTO, "ECDH-ES+A256KW key wrapping failed");
			goto out;
		}
	} else if (eph) {
		eaa_fail(err, EAA_E_INVALID, "%s has no ephemeral key", RSA_ALG);
		goto out;
	} else if (!rsa_oaep256(true, tee, cek, CEK_LEN, ek, &ekn)) {
		eaa_fail(err, EAA_E_CRYPTO, "%s key encryption failed", RSA_ALG);
		goto out;
	}
	/* the AAD is the protected member's ASCII (RFC 7516 5.1 step 14) */
	if (!(text = json_dumps(hdr, JSON_COMPACT)) ||
	    !(protected = b64url_encode(text, strlen(text)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!aes_gcm_seal(cek, CEK_LEN, iv, IV_LEN, (const uint8_t *)protected,
			  strlen(protected), plain, n, ct, tag)) {
		eaa_fail(err, EAA_E_CRYPTO, "A256GCM encryption failed");
		goto out;
	}
	if (!(out = jwe_body(protected, ek, ekn, iv, ct, n, tag)))
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(kek, sizeof(kek));
	free(ek);
	free(ct);
	free(text);
	free(protected);
	json_decref(hdr);
	return out;
}

char *jwe_seal_with(const json_t *tee_jwk, EVP_PKEY *ephemeral,
		    const uint8_t cek[32], const uint8_t iv[12],
		    const uint8_t *plain, size_t n, struct eaa_err *err)
{
	bool ecdh;
	EVP_PKEY *tee = tee_key(tee_jwk, &ecdh, err);
	char *out;

	if (!tee) {
		eaa_err_prefix(err, "tee-pubkey");
		return NULL;
	}
	out = seal(tee, ecdh, ephemeral, cek, iv, plain, n, err);
	EVP_PKEY_free(tee);
	return out;
}

EVP_PKEY *jwe_tee_key(const json_t *tee_jwk, struct eaa_err *err)
{
	bool ecdh;
	EVP_PKEY *tee = tee_key(tee_jwk, &ecdh, err);

	if (!tee)
		eaa_err_prefix(err, "tee-pubkey");
	return tee;
}

char *jwe_seal_key(EVP_PKEY *tee, const uint8_t *plain, size_t n, struct eaa_err *err)
{
	uint8_t cek[CEK_LEN], iv[IV_LEN];
	const struct jose_curve *c = jose_curve_of(tee);
	EVP_PKEY *eph = NULL;
	char *out = NULL;

	if (RAND_priv_bytes(cek, sizeof(cek)) != 1 || RAND_bytes(iv, sizeof(iv)) != 1 ||
	    (c && !(eph = EVP_PKEY_Q_keygen(NULL, NULL, "EC", c->group))))
		eaa_fail_ssl(err, EAA_E_CRYPTO, "no fresh CEK, IV or ephemeral key");
	else
		out = seal(tee, c != NULL, eph, cek, iv, plain, n, err);
	OPENSSL_cleanse(cek, sizeof(cek));
	EVP_PKEY_free(eph);
	return out;
}

char *jwe_seal(const json_t *tee_jwk, const uint8_t *plain, size_t n,
	       struct eaa_err *err)
{
	EVP_PKEY *tee = jwe_tee_key(tee_jwk, err);
	char *out = tee ? jwe_seal_key(tee, plain, n, err) : NULL;

	EVP_PKEY_free(tee);
	return out;
}

/* The five members of a KBS answer, decoded. */
struct jwe_parts {
	const char *protected; /* as received: the AAD */
	size_t protn;
	uint8_t *hdr, *ek, *iv, *ct, *tag;
	size_t hdrn, ekn, ivn, ctn, tagn;
};

static void jwe_parts_free(struct jwe_parts *p)
{
	free(p->hdr);
	free(p->ek);
	free(p->iv);
	free(p->ct);
	free(p->tag);
}

static bool jwe_split(const json_t *j, struct jwe_parts *p, struct eaa_err *err)
{
	static const char *const names[] = { "protected", "encrypted_key", "iv",
					     "ciphertext", "tag" };
	uint8_t **bufs[] = { &p->hdr, &p->ek, &p->iv, &p->ct, &p->tag };
	size_t *lens[] = { &p->hdrn, &p->ekn, &p->ivn, &p->ctn, &p->tagn };
	const char *name;
	json_t *v;
	size_t i;

	if (!json_is_object(j))
		return eaa_fail(err, EAA_E_FORMAT, "not a JSON object");
	json_object_foreach((json_t *)j, name, v) {
		for (i = 0; i < 5 && strcmp(name, names[i]); i++)
			;
		if (i == 5)
			return eaa_fail(err, EAA_E_FORMAT, "member \"%.32s\" is not one of "
					"protected, encrypted_key, iv, ciphertext, tag", name);
	}
	for (i = 0; i < 5; i++)
		if (!(*bufs[i] = member_b64(j, names[i], lens[i], err)))
			return false;
	p->protected = json_string_value(json_object_get(j, "protected"));
	p->protn = json_string_length(json_object_get(j, "protected"));
	if (p->ivn != IV_LEN || p->tagn != AES_GCM_TAG_LEN)
		return eaa_fail(err, EAA_E_FORMAT, "%s is %zu bytes, A256GCM's is %d",
				p->ivn != IV_LEN ? "iv" : "tag",
				p->ivn != IV_LEN ? p->ivn : p->tagn,
				p->ivn != IV_LEN ? IV_LEN : AES_GCM_TAG_LEN);
	return true;
}

/* The protected header's alg, checked against what key opens; epk, for
 * ECDH-ES, in *epk (borrowed from hdr). */
static bool jwe_header(const json_t *hdr, EVP_PKEY *key, const json_t **epk,
		       struct eaa_err *err)
{
	static const char *const refused[] = { "crit", "zip", "apu", "apv" };
	const struct jose_curve *c = jose_curve_of(key);
	const char *alg, *enc, *want;
	size_t i;

	if (!json_is_object(hdr))
		return eaa_fail(err, EAA_E_FORMAT, "protected is not a JSON object");
	if (!(alg = member_str(hdr, "alg", err)) || !(enc = member_str(hdr, "enc", err)))
		return eaa_err_prefix(err, "protected");
	for (i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		if (json_object_get(hdr, refused[i]))
			return eaa_fail(err, EAA_E_UNSUPPORTED, "protected: \"%s\" is not "
					"supported", refused[i]);
	if (strcmp(enc, ENC))
		return eaa_fail(err, EAA_E_UNSUPPORTED, "enc \"%.32s\" is not %s", enc, ENC);
	want = c ? ECDH_ALG : EVP_PKEY_is_a(key, "RSA") ? RSA_ALG : NULL;
	if (!want)
		return eaa_fail(err, EAA_E_INVALID, "our key opens no JWE (EC or RSA)");
	if (strcmp(alg, want))
		return eaa_fail(err, EAA_E_UNSUPPORTED, "alg \"%.32s\" is not %s, what "
				"our key takes", alg, want);
	*epk = json_object_get(hdr, "epk");
	if (c && !*epk)
		return eaa_fail(err, EAA_E_FORMAT, "protected: \"epk\" is missing");
	if (!c && *epk)
		return eaa_fail(err, EAA_E_FORMAT, "protected: \"epk\" with %s", RSA_ALG);
	if (c) {
		const char *kty = json_string_value(json_object_get(*epk, "kty"));
		const char *crv = json_string_value(json_object_get(*epk, "crv"));

		if (!kty || strcmp(kty, "EC") || !crv || strcmp(crv, c->crv))
			return eaa_fail(err, EAA_E_FORMAT, "protected: epk is not an EC "
					"key on %s, our key's curve", c->crv);
	}
	return true;
}

/* The CEK, unwrapped with our key. */
static bool jwe_cek(const struct jwe_parts *p, const json_t *epk,
		    EVP_PKEY *key, uint8_t cek[CEK_LEN], struct eaa_err *err)
{
	uint8_t z[66], kek[CEK_LEN], unwrapped[KW_LEN], *buf = NULL;
	size_t zn = sizeof(z), n = 0, size = (size_t)EVP_PKEY_get_size(key);
	EVP_PKEY *peer = NULL;
	bool ok = false;

	if (epk) {
		if (!(peer = jwk_to_public(epk, err))) {
			eaa_err_prefix(err, "protected: epk");
			goto out;
		}
		if (p->ekn != KW_LEN) {
			eaa_fail(err, EAA_E_FORMAT, "encrypted_key is %zu bytes, a wrapped "
				 "A256GCM key %d", p->ekn, KW_LEN);
			goto out;
		}
		if (!ecdh_z(key, peer, z, &zn) || !concat_kdf(z, zn, kek)) {
			eaa_fail_ssl(err, EAA_E_CRYPTO, "ECDH-ES with our key failed "
				     "(is it a private key?)");
			goto out;
		}
		ok = aes_kw(false, kek, p->ek, p->ekn, unwrapped, &n) && n == CEK_LEN;
		if (ok)
			memcpy(cek, unwrapped, CEK_LEN);
	} else {
		if (p->ekn != size) {
			eaa_fail(err, EAA_E_FORMAT, "encrypted_key is %zu bytes, our "
				 "modulus %zu", p->ekn, size);
			goto out;
		}
		if (!(buf = malloc(size))) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			goto out;
		}
		n = size;
		ok = rsa_oaep256(false, key, p->ek, p->ekn, buf, &n) && n == CEK_LEN;
		if (ok)
			memcpy(cek, buf, CEK_LEN);
	}
	if (!ok)
		eaa_fail(err, EAA_E_SIGNATURE, "encrypted_key does not open with our key");
out:
	ERR_clear_error();
	if (buf) {
		OPENSSL_cleanse(buf, size);
		free(buf);
	}
	OPENSSL_cleanse(unwrapped, sizeof(unwrapped));
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(kek, sizeof(kek));
	EVP_PKEY_free(peer);
	return ok;
}

bool jwe_open(const char *json, size_t len, EVP_PKEY *key, uint8_t **plain,
	      size_t *n, struct eaa_err *err)
{
	struct jwe_parts p = { 0 };
	const json_t *epk = NULL;
	json_error_t je;
	json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je), *hdr = NULL;
	uint8_t cek[CEK_LEN], *pt = NULL;
	bool ok = false;

	*plain = NULL;
	*n = 0;
	if (!j) {
		eaa_fail(err, EAA_E_FORMAT, "JWE: %s at byte %d", je.text, je.position);
		return false;
	}
	if (!jwe_split(j, &p, err))
		goto out;
	if (!(hdr = json_loadb((const char *)p.hdr, p.hdrn, JSON_REJECT_DUPLICATES, &je))) {
		eaa_fail(err, EAA_E_FORMAT, "protected: %s", je.text);
		goto out;
	}
	if (!jwe_header(hdr, key, &epk, err) || !jwe_cek(&p, epk, key, cek, err))
		goto out;
	if (!(pt = malloc(p.ctn ? p.ctn : 1))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto wipe;
	}
	if (p.ctn > INT_MAX ||
	    !aes_gcm_open(cek, CEK_LEN, p.iv, IV_LEN, (const uint8_t *)p.protected,
			  p.protn, p.ct, p.ctn, p.tag, pt)) {
		eaa_fail(err, EAA_E_SIGNATURE, "the tag does not authenticate the "
			 "ciphertext and protected header");
		OPENSSL_cleanse(pt, p.ctn);
		free(pt);
		goto wipe;
	}
	*plain = pt;
	*n = p.ctn;
	ok = true;
wipe:
	OPENSSL_cleanse(cek, sizeof(cek));
out:
	if (!ok)
		eaa_err_prefix(err, "JWE");
	jwe_parts_free(&p);
	json_decref(hdr);
	json_decref(j);
	return ok;
}

/* ---- JWS ---- */

/* OPA's tokenAlgorithms, which are RFC 7518 3.1's less "none". */
const struct jose_alg jose_algs[JOSE_NALGS] = {
	{ "HS256", JOSE_HS, "SHA256" }, { "HS384", JOSE_HS, "SHA384" },
	{ "HS512", JOSE_HS, "SHA512" }, { "RS256", JOSE_RS, "SHA256" },
	{ "RS384", JOSE_RS, "SHA384" }, { "RS512", JOSE_RS, "SHA512" },
	{ "PS256", JOSE_PS, "SHA256" }, { "PS384", JOSE_PS, "SHA384" },
	{ "PS512", JOSE_PS, "SHA512" }, { "ES256", JOSE_ES, "SHA256" },
	{ "ES384", JOSE_ES, "SHA384" }, { "ES512", JOSE_ES, "SHA512" },
	{ "EdDSA", JOSE_ED, NULL },
};

const struct jose_alg *jose_alg_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < JOSE_NALGS; i++)
		if (strlen(jose_algs[i].name) == n && !memcmp(jose_algs[i].name, s, n))
			return &jose_algs[i];
	return NULL;
}

bool jose_key_fits(const struct jose_alg *a, EVP_PKEY *key)
{
	if (!key)
		return false;
	switch (a->fam) {
	case JOSE_RS:
	case JOSE_PS:
		return EVP_PKEY_is_a(key, "RSA");
	case JOSE_ES:
		return EVP_PKEY_is_a(key, "EC");
	case JOSE_ED:
		return EVP_PKEY_is_a(key, "ED25519");
	default:
		return false;
	}
}

unsigned char *jose_es_to_der(const uint8_t *sig, size_t n, size_t *der_len)
{
	size_t half = n / 2, m = n - half; /* r is the shorter half */
	uint8_t rs[2 * 67];
	unsigned char *der = NULL;
	int len;

	if (!n || n > sizeof(rs))
		return NULL;
	/* r and s each m bytes: a zero in front of an odd r changes nothing */
	memset(rs, 0, m - half);
	memcpy(rs + m - half, sig, half);
	memcpy(rs + m, sig + half, m);
	if ((len = ecdsa_rs_der(rs, rs + m, m, &der)) <= 0)
		return NULL;
	*der_len = (size_t)len;
	return der;
}

uint8_t *jose_es_from_der(const unsigned char *der, size_t der_len, size_t size)
{
	const unsigned char *p = der;
	ECDSA_SIG *es = der_len <= LONG_MAX ? d2i_ECDSA_SIG(NULL, &p, (long)der_len)
					    : NULL;
	uint8_t *rs = es && size && size <= 66 ? malloc(2 * size) : NULL;

	if (rs && (BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, (int)size) < 0 ||
		   BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + size, (int)size) < 0)) {
		free(rs);
		rs = NULL;
	}
	ECDSA_SIG_free(es);
	return rs;
}

/* A digest-sign or -verify context for a's padding: PSS with a salt as
 * long as the hash (RFC 7518 3.5), or any salt when loose. */
static EVP_MD_CTX *md_ctx(const struct jose_alg *a, EVP_PKEY *key, bool sign,
			  bool loose)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok;

	if (!m)
		return NULL;
	ok = sign ? EVP_DigestSignInit_ex(m, &pc, a->md, NULL, NULL, key, NULL)
		  : EVP_DigestVerifyInit_ex(m, &pc, a->md, NULL, NULL, key, NULL);
	if (ok == 1 && a->fam == JOSE_PS)
		ok = EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, loose && !sign
				     ? RSA_PSS_SALTLEN_AUTO
				     : RSA_PSS_SALTLEN_DIGEST) == 1;
	if (ok != 1) {
		EVP_MD_CTX_free(m);
		return NULL;
	}
	return m;
}

static size_t es_size(EVP_PKEY *key)
{
	return ((size_t)EVP_PKEY_get_bits(key) + 7) / 8;
}

bool jose_sig_verify(const struct jose_alg *a, EVP_PKEY *key,
		     const void *msg, size_t mlen, const uint8_t *sig,
		     size_t slen, bool loose)
{
	unsigned char *der = NULL;
	size_t dlen = 0;
	EVP_MD_CTX *m = NULL;
	bool ok = false;

	if (!jose_key_fits(a, key))
		return false;
	if (a->fam == JOSE_ES) {
		if ((!loose && slen != 2 * es_size(key)) ||
		    !(der = jose_es_to_der(sig, slen, &dlen)))
			return false;
		sig = der;
		slen = dlen;
	}
	if ((m = md_ctx(a, key, false, loose)))
		ok = EVP_DigestVerify(m, sig, slen, msg, mlen) == 1;
	EVP_MD_CTX_free(m);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

uint8_t *jose_sig_sign(const struct jose_alg *a, EVP_PKEY *key,
		       const void *msg, size_t mlen, size_t *slen,
		       struct eaa_err *err)
{
	EVP_MD_CTX *m;
	uint8_t *sig = NULL, *rs;
	size_t n = 0;

	if (!jose_key_fits(a, key)) {
		eaa_fail(err, EAA_E_INVALID, "a %s key does not sign %s",
			 key ? EVP_PKEY_get0_type_name(key) : "missing", a->name);
		return NULL;
	}
	if (!(m = md_ctx(a, key, true, false)) ||
	    EVP_DigestSign(m, NULL, &n, msg, mlen) != 1 || !(sig = malloc(n)) ||
	    EVP_DigestSign(m, sig, &n, msg, mlen) != 1) {
		EVP_MD_CTX_free(m);
		free(sig);
		eaa_fail_ssl(err, EAA_E_CRYPTO, "cannot sign (is it a private key?)");
		return NULL;
	}
	EVP_MD_CTX_free(m);
	*slen = n;
	if (a->fam != JOSE_ES)
		return sig;
	/* JWS wants r || s, each the curve's size (RFC 7518 3.4) */
	rs = jose_es_from_der(sig, n, es_size(key));
	free(sig);
	if (!rs)
		eaa_fail(err, EAA_E_CRYPTO, "the ECDSA signature does not convert to r || s");
	*slen = 2 * es_size(key);
	return rs;
}

/* The algorithm a key signs with; for verifying also RSA's. */
static const struct jose_alg *key_alg(EVP_PKEY *key, const char *want)
{
	const struct jose_curve *c = jose_curve_of(key);
	const char *name = NULL;

	if (c && c->size == 32)
		name = "ES256";
	else if (c && c->size == 48)
		name = "ES384";
	else if (key && EVP_PKEY_is_a(key, "ED25519"))
		name = "EdDSA";
	else if (want && key && EVP_PKEY_is_a(key, "RSA") &&
		 (!strcmp(want, "RS256") || !strcmp(want, "PS256")))
		name = want;
	return name && (!want || !strcmp(name, want))
	       ? jose_alg_find(name, strlen(name)) : NULL;
}

char *jws_sign(EVP_PKEY *key, const json_t *extra_header,
	       const json_t *claims, struct eaa_err *err)
{
	const struct jose_alg *a = key_alg(key, NULL);
	json_t *hdr = NULL, *v;
	char *h = NULL, *p = NULL, *eh = NULL, *ep = NULL, *es = NULL, *out = NULL;
	uint8_t *sig = NULL;
	const char *name;
	size_t slen = 0;

	if (!a) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "a %s key signs no JWS here (P-256, "
			 "P-384, Ed25519)", key ? EVP_PKEY_get0_type_name(key) : "missing");
		return NULL;
	}
	if (!json_is_object(claims) || (extra_header && !json_is_object(extra_header))) {
		eaa_fail(err, EAA_E_INVALID, "the %s is not a JSON object",
			 json_is_object(claims) ? "extra header" : "claims");
		return NULL;
	}
	if (!(hdr = json_pack("{s:s, s:s}", "typ", "JWT", "alg", a->name))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	json_object_foreach((json_t *)extra_header, name, v) {
		if (json_object_get(hdr, name)) {
			eaa_fail(err, EAA_E_INVALID, "the extra header's \"%s\" would "
				 "replace ours", name);
			goto out;
		}
		if (json_object_set(hdr, name, v)) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			goto out;
		}
	}
	if (!(h = json_dumps(hdr, JSON_COMPACT)) ||
	    !(p = json_dumps(claims, JSON_COMPACT)) ||
	    !(eh = b64url_encode(h, strlen(h))) || !(ep = b64url_encode(p, strlen(p))) ||
	    asprintf(&out, "%s.%s", eh, ep) < 0) {
		out = NULL;
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(sig = jose_sig_sign(a, key, out, strlen(out), &slen, err)) ||
	    !(es = b64url_encode(sig, slen))) {
		if (sig)
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		free(out);
		out = NULL;
		goto out;
	}
	free(h);
	h = out;
	if (asprintf(&out, "%s.%s", h, es) < 0) {
		out = NULL;
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
out:
	free(h);
	free(p);
	free(eh);
	free(ep);
	free(es);
	free(sig);
	json_decref(hdr);
	return out;
}

/* A base64url section of a token holding a JSON object. */
static json_t *jws_json(const char *s, size_t n, const char *what,
			struct eaa_err *err)
{
	json_error_t je;
	size_t len = 0;
	uint8_t *b = b64url_decode(s, n, &len);
	json_t *v = b ? json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, &je)
		      : NULL;

	if (!b)
		eaa_fail(err, EAA_E_FORMAT, "the %s is not unpadded base64url", what);
	else if (!json_is_object(v))
		eaa_fail(err, EAA_E_FORMAT, "the %s is not a JSON object%s%s", what,
			 v ? "" : ": ", v ? "" : je.text);
	free(b);
	if (!json_is_object(v)) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *jws_verify(const char *jwt, size_t len, EVP_PKEY *key,
		   json_t **header, struct eaa_err *err)
{
	const char *d1 = memchr(jwt, '.', len), *d2, *alg;
	const struct jose_alg *a;
	json_t *hdr = NULL, *claims = NULL;
	uint8_t *sig = NULL;
	size_t slen = 0;

	d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt)) : NULL;
	if (!d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - jwt))) {
		eaa_fail(err, EAA_E_FORMAT, "JWS: not three sections header.payload.signature");
		return NULL;
	}
	if (!(hdr = jws_json(jwt, (size_t)(d1 - jwt), "header", err)))
		goto out;
	if (!(alg = member_str(hdr, "alg", err))) {
		eaa_err_prefix(err, "header");
		goto out;
	}
	if (!strcmp(alg, "none")) {
		eaa_fail(err, EAA_E_SIGNATURE, "alg \"none\": the token is not signed");
		goto out;
	}
	if (!(a = key_alg(key, alg))) {
		const struct jose_alg *ours = key_alg(key, NULL);

		eaa_fail(err, EAA_E_SIGNATURE, "alg \"%.32s\" is not the key's (%s)", alg,
			 ours ? ours->name : key && EVP_PKEY_is_a(key, "RSA")
			 ? "RS256 or PS256" : "none: it verifies no JWS");
		goto out;
	}
	if (json_object_get(hdr, "crit")) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "header: \"crit\" names extensions we do "
			 "not implement");
		goto out;
	}
	if (!(sig = b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - jwt), &slen))) {
		eaa_fail(err, EAA_E_FORMAT, "the signature is not unpadded base64url");
		goto out;
	}
	if (!jose_sig_verify(a, key, jwt, (size_t)(d2 - jwt), sig, slen, false)) {
		eaa_fail(err, EAA_E_SIGNATURE, "the %s signature does not verify", a->name);
		goto out;
	}
	claims = jws_json(d1 + 1, (size_t)(d2 - d1 - 1), "payload", err);
out:
	if (!claims) {
		eaa_err_prefix(err, "JWS");
		json_decref(hdr);
	} else if (header) {
		*header = hdr;
	} else {
		json_decref(hdr);
	}
	free(sig);
	return claims;
}
