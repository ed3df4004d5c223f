/* builtins_jwt.c - the io.jwt.* built-ins: decoding JSON Web Tokens,
 * verifying their signatures (HMAC, RSA PKCS#1 v1.5 and PSS, ECDSA,
 * Ed25519) against PEM certificates, PEM public keys, JWKs and JWK sets,
 * decode_verify's constraints, and signing with JWKs. The keys are
 * jws.c's, the algorithms and signatures core's jose.c's.
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
#include "jws.h"

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
static enum rb_status section_object(struct rb_ctx *c, struct rv *text,
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
	if ((st = section_object(c, text, "bad JWT header: ", hdr)) != RB_OK)
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
			const struct jose_alg *fixed, const struct jwt *t,
			const unsigned char *sig, size_t slen)
{
	const struct jose_alg *ha = h->alg ? jose_alg_find(h->alg->u.str.s,
						     h->alg->u.str.len) : NULL;
	const struct jose_alg *a = fixed ? fixed : ha;
	const unsigned char *msg = (const unsigned char *)t->s;
	size_t mlen = t->hlen + 1 + t->plen, i;

	if (!a)
		return false;
	if (h->kid && h->kid->u.str.len)
		for (i = 0; i < ks->n; i++)
			if (kid_is(&ks->k[i], h->kid))
				return jwt_key_verify(a, &ks->k[i], msg, mlen, sig,
						  slen, !fixed);
	for (i = 0; i < ks->n; i++) {
		if (ks->k[i].alg && ks->k[i].alg != ha)
			continue;
		if (jwt_key_verify(a, &ks->k[i], msg, mlen, sig, slen, !fixed))
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
	if ((st = section_object(c, text, "", &payload)) != RB_OK ||
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
static const struct jose_alg *alg_of_name(const char *name)
{
	const char *u = strrchr(name, '_');
	size_t i;

	for (i = 0; u && i < JOSE_NALGS; i++)
		if (!strcasecmp(u + 1, jose_algs[i].name))
			return &jose_algs[i];
	return NULL;
}

static enum rb_status bi_jwt_verify(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct jose_alg *a = alg_of_name(c->name);
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
	if ((st = jws_keys_parse(c, args[1], ks)) == RB_OK &&
	    (st = b64url(c, t.sig, t.siglen, NULL, &sig)) == RB_OK &&
	    (st = jwt_header(c, &t, &hdr)) == RB_OK &&
	    (st = hdr_parse(c, hdr, &h)) == RB_OK)
		*out = rv_bool(keys_verify(ks, &h, a, &t,
					   (const unsigned char *)sig->u.str.s,
					   sig->u.str.len));
	jws_keys_free(ks);
	free(ks);
	return st;
}

static enum rb_status bi_jwt_verify_hs(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	const struct jose_alg *a = alg_of_name(c->name);
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
	if (!a || !jws_hmac(a, (const unsigned char *)args[1]->u.str.s,
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
				jws_keys_free(k->keys);
			else if (!(k->keys = calloc(1, sizeof(*k->keys))))
				return rb_nomem(c);
			st = jws_keys_parse(c, v, k->keys);
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
	if ((st = section_object(c, text, "", &payload)) != RB_OK ||
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
		jws_keys_free(k.keys);
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
				 const struct jose_alg **a)
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
	if (!(*a = jose_alg_find(alg->u.str.s, alg->u.str.len)))
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

static enum rb_status encode_sign(struct rb_ctx *c, struct rv *hdr,
				  struct rv *payload, const struct rv *jwk,
				  struct rv **out)
{
	const struct jose_alg *a;
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
	if ((why = jws_jwk_set(c, jwk->u.str.s, jwk->u.str.len, ks, false, err,
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
	if (!(eh = b64url_encode(hdr->u.str.s, hdr->u.str.len)) ||
	    !(ep = b64url_encode(payload->u.str.s, payload->u.str.len))) {
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
	if ((why = jwt_key_sign(a, &ks->k[0], (const unsigned char *)b.p, b.len,
			    &sig, &slen))) {
		st = rb_error(c, "%s", why);
		goto out;
	}
	if (!(es = b64url_encode(sig, slen))) {
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
	jws_keys_free(ks);
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
