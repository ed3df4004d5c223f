/* builtins_x509.c - the certificate and key built-ins: crypto.x509.*
 * and crypto.parse_private_keys. Owns rb_x509_defs.
 *
 * OPA reads its inputs as PEM, or base64 of PEM or DER, and answers with
 * Go's x509 structures marshalled to JSON: this file reads and verifies
 * with OpenSSL, over bounded buffers (certificates and keys come from
 * remote peers), and x509_go.c gives the answers Go's shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "builtins_crypto.h"
#include "codec.h"
#include "x509_go.h"

/* ---- reading certificates and keys ---- */

/* So many certificates in one input, at most. */
#define X509_MAX_CERTS 256

static bool starts(const struct rv *s, const char *p)
{
	return s->u.str.len >= strlen(p) && !memcmp(s->u.str.s, p, strlen(p));
}

/* base64.decode's result, or its error as ours. */
static enum rb_status b64std(struct rb_ctx *c, struct rv *s, struct rv **out)
{
	char err[200];
	enum rb_status st = rb_call(c, "base64.decode", &s, out, err, sizeof(err));

	if (st == RB_ERROR || st == RB_TYPE_ERROR)
		return c->arena->exhausted ? rb_nomem(c) : rb_error(c, "%s", err);
	return st;
}

struct certs {
	X509 *x[X509_MAX_CERTS];
	size_t n;
};

static void certs_free(struct certs *cs)
{
	while (cs->n)
		X509_free(cs->x[--cs->n]);
}

/* Go's x509.ParseCertificates: DER certificates back to back. */
static enum rb_status certs_der(struct rb_ctx *c, const unsigned char *p,
				size_t n, struct certs *cs)
{
	const unsigned char *end = p + n;

	while (p < end) {
		X509 *x;

		if (cs->n == X509_MAX_CERTS)
			return rb_error(c, "x509: too many certificates");
		if (!(x = d2i_X509(NULL, &p, (long)(end - p))))
			return rb_error(c, "x509: malformed certificate");
		cs->x[cs->n++] = x;
	}
	return RB_OK;
}

/* Go's getX509CertsFromPem: every block must be a CERTIFICATE. */
static enum rb_status certs_pem(struct rb_ctx *c, const char *s, size_t n,
				struct certs *cs)
{
	struct pem_block b;
	struct pem_reader r = PEM_READER_INIT;
	size_t rest, pos = 0;
	enum rb_status st;

	while (pos < n && pem_decode(s + pos, n - pos, &b, &rest, &r)) {
		if (strcmp(b.type, "CERTIFICATE")) {
			st = rb_error(c, "PEM block type is '%s', expected CERTIFICATE",
				      b.type);
			pem_block_free(&b);
			return st;
		}
		st = certs_der(c, b.der, b.len, cs);
		pem_block_free(&b);
		if (st != RB_OK)
			return st;
		pos += rest;
	}
	return r.nomem ? rb_nomem(c) : RB_OK;
}

/* OPA's getX509CertsFromString: PEM, or base64 of PEM or of DER. */
static enum rb_status certs_read(struct rb_ctx *c, struct rv *s,
				 struct certs *cs)
{
	struct rv *d;
	enum rb_status st;

	if (starts(s, "-----BEGIN"))
		return certs_pem(c, s->u.str.s, s->u.str.len, cs);
	if ((st = b64std(c, s, &d)) != RB_OK)
		return st;
	if (starts(d, "-----BEGIN"))
		return certs_pem(c, d->u.str.s, d->u.str.len, cs);
	return certs_der(c, (const unsigned char *)d->u.str.s, d->u.str.len, cs);
}

static enum rb_status ret_certs(struct rb_ctx *c, X509 *const *x, size_t n,
				struct rv **out)
{
	struct rv_builder b;
	size_t i;

	rv_builder_init(&b, c->arena);
	for (i = 0; i < n; i++) {
		struct rv *v = x509_go_cert(c->arena, x[i], true);

		if (!v || !rv_builder_add(&b, v))
			return rb_nomem(c);
	}
	*out = n ? rv_array_finish(&b) : rv_empty_array();
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_parse_certificates(struct rb_ctx *c,
					    struct rv *const *args,
					    struct rv **out)
{
	struct certs cs = { .n = 0 };
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if ((st = certs_read(c, args[0], &cs)) == RB_OK)
		st = ret_certs(c, cs.x, cs.n, out);
	certs_free(&cs);
	return st;
}

/* Go's extended key usage check (checkChainForKeyUsage): the usages
 * asked for (bits by Go's numbers) narrowed by each certificate that
 * names usages must leave one. Any, asked or named, allows all; a server
 * authentication request is met by the SGC usages too. */
#define EKU_ANY 1u
#define EKU_SERVER (1u << 1)
#define EKU_SGC ((1u << 10) | (1u << 11))

static bool chain_usage(STACK_OF(X509) *chain, uint32_t want)
{
	int i, j, g;

	if (want & EKU_ANY)
		return true;
	for (i = sk_X509_num(chain) - 1; i >= 0 && want; i--) {
		EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(sk_X509_value(chain, i),
							   NID_ext_key_usage,
							   NULL, NULL);
		uint32_t has = 0;

		if (!eku)
			continue;
		for (j = 0; j < sk_ASN1_OBJECT_num(eku); j++)
			if ((g = x509_go_eku(sk_ASN1_OBJECT_value(eku, j))) >= 0)
				has |= 1u << g;
		sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
		if (has & EKU_ANY)
			continue;
		if (has & EKU_SGC)
			has |= EKU_SERVER;
		want &= has;
	}
	return want != 0;
}

/* x509.VerifyOptions, as OPA fills them. */
struct verify_opts {
	const struct rv *dns; /* NULL: no name check */
	int64_t time_ns;
	uint32_t usages;      /* Go's numbers as bits; 0: server auth */
};

/* OPA's verifyX509CertificateChain: the first certificate is the root
 * (trusted even if not self-signed, as a Go cert pool trusts it), the
 * last the leaf, the others intermediates. */
static STACK_OF(X509) *chain_verify(struct certs *cs,
				    const struct verify_opts *vo)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *mid = sk_X509_new_null(), *chain = NULL;
	X509_VERIFY_PARAM *param;
	size_t i;

	if (cs->n < 2 || !store || !ctx || !mid ||
	    X509_STORE_add_cert(store, cs->x[0]) != 1)
		goto out;
	for (i = 1; i + 1 < cs->n; i++)
		if (!sk_X509_push(mid, cs->x[i]))
			goto out;
	if (X509_STORE_CTX_init(ctx, store, cs->x[cs->n - 1], mid) != 1)
		goto out;
	param = X509_STORE_CTX_get0_param(ctx);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)(vo->time_ns / 1000000000));
	if (vo->dns && vo->dns->u.str.len) {
		/* Go matches the subject alternative names only, and takes an
		 * address for an IP name */
		X509_VERIFY_PARAM_set_hostflags(param,
			X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
		if (strlen(vo->dns->u.str.s) != vo->dns->u.str.len ||
		    (X509_VERIFY_PARAM_set1_ip_asc(param, vo->dns->u.str.s) != 1 &&
		     X509_VERIFY_PARAM_set1_host(param, vo->dns->u.str.s,
						 vo->dns->u.str.len) != 1))
			goto out;
	}
	if (X509_verify_cert(ctx) == 1 &&
	    chain_usage(X509_STORE_CTX_get0_chain(ctx),
			vo->usages ? vo->usages : EKU_SERVER))
		chain = X509_STORE_CTX_get1_chain(ctx);
out:
	sk_X509_free(mid);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return chain;
}

/* OPA's extractVerifyOpts, in key order. */
static enum rb_status verify_opts_parse(struct rb_ctx *c, const struct rv *o,
					struct verify_opts *vo)
{
	static const char *const usages[] = {
		"KeyUsageAny", "KeyUsageServerAuth", "KeyUsageClientAuth",
		"KeyUsageCodeSigning", "KeyUsageEmailProtection",
		"KeyUsageIPSECEndSystem", "KeyUsageIPSECTunnel",
		"KeyUsageIPSECUser", "KeyUsageTimeStamping", "KeyUsageOCSPSigning",
		"KeyUsageMicrosoftServerGatedCrypto",
		"KeyUsageNetscapeServerGatedCrypto",
		"KeyUsageMicrosoftCommercialCodeSigning",
		"KeyUsageMicrosoftKernelCodeSigning",
	};
	size_t i, j, k;

	for (i = 0; i < o->u.obj.n; i++) {
		const struct rv *key = o->u.obj.k[i], *v = o->u.obj.v[i];
		struct rv_buf bad = { 0 };
		bool any_bad = false;
		int64_t t;

		if (!rv_is(key, RV_STRING))
			continue;
		if (!strcmp(key->u.str.s, "DNSName")) {
			const char *s;
			size_t n;

			if (!rv_is(v, RV_STRING))
				return rb_error(c, "'DNSName' should be a string");
			s = v->u.str.s;
			n = v->u.str.len;
			while (n && *s == '"')
				s++, n--;
			while (n && s[n - 1] == '"')
				n--;
			if (!(vo->dns = rv_string(c->arena, s, n)))
				return rb_nomem(c);
		} else if (!strcmp(key->u.str.s, "CurrentTime")) {
			if (!rv_is(v, RV_NUMBER))
				return rb_error(c, "'CurrentTime' should be a number");
			if (!rv_num_int(v, &t))
				return rb_error(c, "'CurrentTime' should be a valid int64 number");
			vo->time_ns = t;
		} else if (!strcmp(key->u.str.s, "MaxConstraintComparisons")) {
			/* a bound on Go's name-constraint work; OpenSSL bounds
			 * its own */
			if (!rv_is(v, RV_NUMBER))
				return rb_error(c, "'MaxConstraintComparisons' should be a number");
			if (!rv_num_int(v, &t) || t != (int)t)
				return rb_error(c, "'MaxConstraintComparisons' should be a valid number");
		} else if (!strcmp(key->u.str.s, "KeyUsages")) {
			if (!rv_is(v, RV_ARRAY) && !rv_is(v, RV_SET))
				return rb_error(c, "'KeyUsages' should be an Array or Set");
			for (j = 0; j < v->u.arr.n; j++) {
				const struct rv *u = v->u.arr.v[j];
				const char *s;
				size_t n;

				if (!rv_is(u, RV_STRING))
					continue;
				s = u->u.str.s;
				n = u->u.str.len;
				while (n && *s == '"')
					s++, n--;
				while (n && s[n - 1] == '"')
					n--;
				for (k = 0; k < 14; k++)
					if (strlen(usages[k]) == n && !memcmp(usages[k], s, n))
						break;
				if (k < 14) {
					vo->usages |= 1u << k;
				} else {
					rv_buf_puts(&bad, any_bad ? " " : "[", 1);
					rv_buf_puts(&bad, s, n > 100 ? 100 : n);
					any_bad = true;
				}
			}
			if (any_bad) {
				enum rb_status st;

				rv_buf_puts(&bad, "]", 1);
				st = bad.failed ? rb_nomem(c)
				     : rb_error(c, "invalid entries for 'KeyUsages' found: %.*s",
						(int)bad.len, bad.p);
				free(bad.p);
				return st;
			}
		} else {
			return rb_error(c, "invalid key option");
		}
	}
	return RB_OK;
}

/* [valid, the chain from the leaf]; any failure, reading included, is
 * [false, []]. uri_strings: OPA's extendedCert (not with options). */
static enum rb_status verify_certs(struct rb_ctx *c, struct rv *text,
				   const struct rv *opts, bool uri_strings,
				   struct rv **out)
{
	struct verify_opts vo = { .time_ns = c->now_ns };
	struct certs cs = { .n = 0 };
	STACK_OF(X509) *chain = NULL;
	struct rv_builder b;
	struct rv *certs = rv_empty_array();
	enum rb_status st = RB_OK;
	bool ok = false;

	if (certs_read(c, text, &cs) == RB_OK &&
	    (!opts || (st = verify_opts_parse(c, opts, &vo)) == RB_OK) &&
	    (chain = chain_verify(&cs, &vo))) {
		struct rv_builder cb;
		int i, n = sk_X509_num(chain);

		rv_builder_init(&cb, c->arena);
		for (i = 0; i < n; i++)
			rv_builder_add(&cb, x509_go_cert(c->arena, sk_X509_value(chain, i),
						  uri_strings));
		if (!(certs = rv_array_finish(&cb)))
			st = rb_nomem(c);
		ok = st == RB_OK;
	}
	if (c->arena->exhausted)
		st = rb_nomem(c);
	sk_X509_pop_free(chain, X509_free);
	certs_free(&cs);
	if (st != RB_OK)
		return st;
	rv_builder_init(&b, c->arena);
	if (!rv_builder_add(&b, rv_bool(ok)) ||
	    !rv_builder_add(&b, ok ? certs : rv_empty_array()) ||
	    !(*out = rv_array_finish(&b)))
		return rb_nomem(c);
	return RB_OK;
}

static enum rb_status bi_parse_and_verify_certificates_with_options(
	struct rb_ctx *c, struct rv *const *args, struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_OBJECT))
		return rb_type_error(c, 2, "object", args[1]);
	return verify_certs(c, args[0], args[1], false, out);
}

static enum rb_status bi_parse_and_verify_certificates(struct rb_ctx *c,
						       struct rv *const *args,
						       struct rv **out)
{
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	return verify_certs(c, args[0], NULL, true, out);
}

static enum rb_status bi_parse_certificate_request(struct rb_ctx *c,
						   struct rv *const *args,
						   struct rv **out)
{
	struct rv *s = args[0], *d = s;
	struct pem_block b = { .der = NULL };
	struct pem_reader pr = PEM_READER_INIT;
	const unsigned char *p, *der;
	size_t rest, len;
	bool pem;
	enum rb_status st;
	X509_REQ *r;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	if (!starts(s, "-----BEGIN CERTIFICATE REQUEST-----") &&
	    (st = b64std(c, s, &d)) != RB_OK)
		return st;
	pem = pem_decode(d->u.str.s, d->u.str.len, &b, &rest, &pr);
	if (!pem && pr.nomem)
		return rb_nomem(c);
	if (pem && strcmp(b.type, "CERTIFICATE REQUEST")) {
		pem_block_free(&b);
		return rb_error(c, "invalid PEM-encoded certificate signing request");
	}
	der = pem ? b.der : (const unsigned char *)d->u.str.s;
	len = pem ? b.len : d->u.str.len;
	p = der;
	r = d2i_X509_REQ(NULL, &p, (long)len);
	if (!r || p != der + len) {
		X509_REQ_free(r);
		pem_block_free(&b);
		return rb_error(c, "asn1: structure error: malformed certificate request");
	}
	pem_block_free(&b);
	*out = x509_go_csr(c->arena, r);
	X509_REQ_free(r);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- private keys ---- */

/* A private key of a PEM block OPA reads (RSA, PKCS #8, EC), NULL with
 * Go's message in *why otherwise; NULL and no message: not a key block. */
static EVP_PKEY *block_key(const struct pem_block *b, const char **why)
{
	const unsigned char *p = b->der;
	EVP_PKEY *pk = NULL;

	*why = NULL;
	if (!strcmp(b->type, "RSA PRIVATE KEY")) {
		pk = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, (long)b->len);
		*why = "x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)";
	} else if (!strcmp(b->type, "PRIVATE KEY")) {
		PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)b->len);

		if (p8)
			pk = EVP_PKCS82PKEY(p8);
		PKCS8_PRIV_KEY_INFO_free(p8);
		*why = "x509: failed to parse private key (use ParsePKCS1PrivateKey instead for this key format)";
	} else if (!strcmp(b->type, "EC PRIVATE KEY")) {
		pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)b->len);
		*why = "x509: failed to parse EC private key";
	} else {
		return NULL;
	}
	if (pk && p != b->der + b->len) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (pk)
		*why = NULL;
	return pk;
}

#define X509_MAX_KEYS 64

struct pkeys {
	EVP_PKEY *k[X509_MAX_KEYS];
	size_t n;
};

static void pkeys_free(struct pkeys *ks)
{
	while (ks->n)
		EVP_PKEY_free(ks->k[--ks->n]);
}

/* OPA's getPrivateKeysFromPEMData over s[0..n): the private keys of its
 * PEM blocks; blocks of other types are passed over. */
static enum rb_status pkeys_read(struct rb_ctx *c, const char *s, size_t n,
				 struct pkeys *ks)
{
	struct pem_block b;
	struct pem_reader r = PEM_READER_INIT;
	size_t rest, pos = 0;
	const char *why;

	while (pos < n && pem_decode(s + pos, n - pos, &b, &rest, &r)) {
		EVP_PKEY *pk = block_key(&b, &why);

		pem_block_free(&b);
		pos += rest;
		if (why)
			return rb_error(c, "%s", why);
		if (!pk)
			continue;
		if (ks->n == X509_MAX_KEYS) {
			EVP_PKEY_free(pk);
			return rb_error(c, "too many private keys");
		}
		ks->k[ks->n++] = pk;
	}
	return r.nomem ? rb_nomem(c) : RB_OK;
}

static enum rb_status bi_parse_rsa_private_key(struct rb_ctx *c,
					       struct rv *const *args,
					       struct rv **out)
{
	struct rv *s = args[0], *d = s;
	struct pkeys ks = { .n = 0 };
	enum rb_status st;

	if (!rv_is(s, RV_STRING))
		return rb_type_error(c, 1, "string", s);
	if (!s->u.str.len)
		return rb_error(c, "input PEM data was empty");
	if (!starts(s, "-----BEGIN") && (st = b64std(c, s, &d)) != RB_OK)
		return st;
	/* getPrivateKeysFromPEMData tries base64 once more */
	if ((st = pkeys_read(c, d->u.str.s, d->u.str.len, &ks)) == RB_OK) {
		*out = ks.n ? x509_go_jwk(c->arena, ks.k[0]) : rv_null();
		if (!*out)
			st = rb_nomem(c);
	}
	pkeys_free(&ks);
	return st;
}

/* getPrivateKeysFromPEMData: the text itself, or what it decodes to when
 * it is base64. */
static enum rb_status pkeys_of_text(struct rb_ctx *c, struct rv *s,
				    struct pkeys *ks)
{
	struct rv *d;
	char err[200];
	enum rb_status st = rb_call(c, "base64.decode", &s, &d, err, sizeof(err));

	if (st != RB_OK) {
		if (c->arena->exhausted)
			return rb_nomem(c);
		d = s;
	}
	return pkeys_read(c, d->u.str.s, d->u.str.len, ks);
}

static enum rb_status bi_parse_private_keys(struct rb_ctx *c,
					    struct rv *const *args,
					    struct rv **out)
{
	struct pkeys ks = { .n = 0 };
	struct rv_builder b;
	enum rb_status st;
	size_t i;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!args[0]->u.str.len) {
		*out = rv_null();
		return RB_OK;
	}
	if ((st = pkeys_of_text(c, args[0], &ks)) == RB_OK) {
		rv_builder_init(&b, c->arena);
		for (i = 0; i < ks.n; i++)
			rv_builder_add(&b, x509_go_private_key(c->arena, ks.k[i]));
		*out = ks.n ? rv_array_finish(&b) : rv_empty_array();
		if (!*out)
			st = rb_nomem(c);
	}
	pkeys_free(&ks);
	return st;
}

/* ---- crypto.x509.parse_keypair, as Go's tls.X509KeyPair ---- */

/* PEM text of a block given as DER (pem.Encode's, without line breaks,
 * which pem_decode does not need). */
static struct rv *pem_wrap(struct rb_ctx *c, const char *type,
			   const struct rv *der)
{
	char *e = base64_encode(der->u.str.s, der->u.str.len, false);
	struct rv_buf b = { 0 };
	struct rv *v;

	if (!e)
		return NULL;
	rv_buf_puts(&b, "-----BEGIN ", 11);
	rv_buf_puts(&b, type, strlen(type));
	rv_buf_puts(&b, "-----\n", 6);
	rv_buf_puts(&b, e, strlen(e));
	rv_buf_puts(&b, "\n-----END ", 10);
	rv_buf_puts(&b, type, strlen(type));
	rv_buf_puts(&b, "-----\n", 6);
	free(e);
	v = b.failed ? NULL : rv_string(c->arena, b.p, b.len);
	free(b.p);
	return v;
}

/* OPA's getTLSx509KeyPairFromString: PEM, or base64 of PEM or DER. */
static enum rb_status keypair_text(struct rb_ctx *c, struct rv *s,
				   const char *type, struct rv **pem)
{
	struct rv *d = s;
	enum rb_status st;

	if (!starts(s, "-----BEGIN ") && (st = b64std(c, s, &d)) != RB_OK)
		return st;
	if (!starts(d, "-----BEGIN") && !(d = pem_wrap(c, type, d)))
		return rb_nomem(c);
	*pem = d;
	return RB_OK;
}

static enum rb_status bi_parse_keypair(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	struct rv *cpem, *kpem;
	struct certs cs = { .n = 0 };
	struct pem_block b;
	EVP_PKEY *pk = NULL;
	const char *why = NULL;
	size_t pos = 0, rest;
	struct pem_reader pr = PEM_READER_INIT, kr = PEM_READER_INIT;
	bool any = false;
	enum rb_status st;

	/* OPA names the key operand 1 too */
	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!rv_is(args[1], RV_STRING))
		return rb_type_error(c, 1, "string", args[1]);
	if ((st = keypair_text(c, args[0], "CERTIFICATE", &cpem)) != RB_OK ||
	    (st = keypair_text(c, args[1], "PRIVATE KEY", &kpem)) != RB_OK)
		return st;
	/* every CERTIFICATE block of the first input */
	while (pos < cpem->u.str.len &&
	       pem_decode(cpem->u.str.s + pos, cpem->u.str.len - pos, &b, &rest,
			  &pr)) {
		pos += rest;
		any = true;
		if (!strcmp(b.type, "CERTIFICATE") && cs.n < X509_MAX_CERTS) {
			const unsigned char *p = b.der;
			X509 *x = d2i_X509(NULL, &p, (long)b.len);

			if (!x || p != b.der + b.len) {
				X509_free(x);
				pem_block_free(&b);
				certs_free(&cs);
				return rb_error(c, "x509: malformed certificate");
			}
			cs.x[cs.n++] = x;
		}
		pem_block_free(&b);
	}
	if (pr.nomem) {
		certs_free(&cs);
		return rb_nomem(c);
	}
	if (!cs.n) {
		certs_free(&cs);
		return rb_error(c, any ? "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [other]"
				       : "tls: failed to find any PEM data in certificate input");
	}
	/* the first private key block of the second */
	pos = 0;
	while (!pk && !why && pos < kpem->u.str.len &&
	       pem_decode(kpem->u.str.s + pos, kpem->u.str.len - pos, &b, &rest,
			  &kr)) {
		pos += rest;
		if (!strcmp(b.type, "PRIVATE KEY") ||
		    (strlen(b.type) > 12 &&
		     !strcmp(b.type + strlen(b.type) - 12, " PRIVATE KEY"))) {
			pk = block_key(&b, &why);
			if (!pk)
				why = "tls: failed to parse private key";
		}
		pem_block_free(&b);
	}
	if (!pk || why) {
		certs_free(&cs);
		EVP_PKEY_free(pk);
		return kr.nomem ? rb_nomem(c)
		       : rb_error(c, "%s", why ? why
				  : "tls: failed to find any PEM data in key input");
	}
	if (X509_check_private_key(cs.x[0], pk) != 1) {
		certs_free(&cs);
		EVP_PKEY_free(pk);
		return rb_error(c, "tls: private key does not match public key");
	}
	*out = x509_go_tls_certificate(c->arena, cs.x, cs.n, pk);
	certs_free(&cs);
	EVP_PKEY_free(pk);
	return *out ? RB_OK : rb_nomem(c);
}

const struct rb_def rb_x509_defs[] = {
	{ "crypto.parse_private_keys", 1, bi_parse_private_keys },
	{ "crypto.x509.parse_and_verify_certificates", 1,
	  bi_parse_and_verify_certificates },
	{ "crypto.x509.parse_and_verify_certificates_with_options", 2,
	  bi_parse_and_verify_certificates_with_options },
	{ "crypto.x509.parse_certificate_request", 1,
	  bi_parse_certificate_request },
	{ "crypto.x509.parse_certificates", 1, bi_parse_certificates },
	{ "crypto.x509.parse_keypair", 2, bi_parse_keypair },
	{ "crypto.x509.parse_rsa_private_key", 1, bi_parse_rsa_private_key },
	{ NULL, 0, NULL },
};
