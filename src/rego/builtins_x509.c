/* builtins_x509.c - the certificate and key built-ins (crypto.x509.*,
 * crypto.parse_private_keys), and what they share with the token
 * built-ins: Go's PEM reader and calls into other built-ins
 * (builtins_crypto.h).
 *
 * OPA answers with Go's x509 structures marshalled to JSON; we build the
 * fields that policies use, with Go's names and encodings (docs/rego.md
 * lists them). Certificates come from remote peers: every parse is
 * OpenSSL's DER decoder over a bounded buffer. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "builtins_crypto.h"
#include "codec.h"

/* ---- PEM, as Go's encoding/pem ---- */

/* A line without its '\n' and without trailing spaces, tabs and CRs;
 * *next is where the following line starts. */
static size_t pem_line(const char *s, size_t n, size_t *next)
{
	const char *nl = memchr(s, '\n', n);
	size_t len = nl ? (size_t)(nl - s) : n;

	*next = nl ? len + 1 : n;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		len--;
	return len;
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !memcmp(s, p, k);
}

static const char *find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; n >= k && i <= n - k; i++)
		if (s[i] == needle[0] && !memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

/* The base64 body between the header lines and the END line, spaces,
 * tabs and line breaks removed, decoded strictly. */
static bool pem_body(const char *s, size_t n, struct pem_block *b,
		     bool *nomem)
{
	char *t;
	size_t i, k = 0;
	uint8_t *der;
	size_t len;
	bool ok;

	if (!(t = malloc(n + 1))) {
		*nomem = true;
		return false;
	}
	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			t[k++] = s[i];
	t[k] = '\0';
	if (k == 0) { /* an empty block */
		der = (uint8_t *)t;
		len = 0;
		ok = true;
	} else {
		ok = base64_decode(t, false, &der, &len);
		free(t);
	}
	if (!ok)
		return false;
	b->der = der;
	b->len = len;
	return true;
}

bool pem_decode(const char *s, size_t n, struct pem_block *b, size_t *rest,
		struct pem_reader *r)
{
	size_t pos = 0;
	bool *nomem = &r->nomem;
	bool first = true;

	memset(b, 0, sizeof(*b));
	for (;; first = false) {
		const char *p = s + pos, *q, *end;
		size_t left = n - pos, tlen, next, llen, endi, trail;
		const char *type;

		if (!first && !r->budget--)
			return false;
		if (has_prefix(p, left, "-----BEGIN ")) {
			pos += 11;
		} else if ((q = find(p, left, "\n-----BEGIN "))) {
			pos = (size_t)(q - s) + 12;
		} else {
			return false;
		}
		p = s + pos;
		left = n - pos;
		tlen = pem_line(p, left, &next);
		if (tlen < 5 || memcmp(p + tlen - 5, "-----", 5))
			continue;
		type = p;
		tlen -= 5;
		pos += next;
		/* header lines ("Key: value") until the first without ':' */
		b->has_headers = false;
		for (;;) {
			if (pos == n)
				return false;
			llen = pem_line(s + pos, n - pos, &next);
			if (!memchr(s + pos, ':', llen))
				break;
			b->has_headers = true;
			pos += next;
		}
		p = s + pos;
		left = n - pos;
		if (!b->has_headers && has_prefix(p, left, "-----END ")) {
			endi = 0;
			trail = 9;
		} else if ((end = find(p, left, "\n-----END "))) {
			endi = (size_t)(end - p);
			trail = endi + 10;
		} else {
			continue;
		}
		if (left - trail < tlen + 5 || memcmp(p + trail, type, tlen) ||
		    memcmp(p + trail + tlen, "-----", 5))
			continue;
		if (pem_line(p + trail + tlen + 5, left - trail - tlen - 5,
			     &next) != 0)
			continue;
		if (!pem_body(p, endi, b, nomem)) {
			if (*nomem)
				return false;
			continue;
		}
		snprintf(b->type, sizeof(b->type), "%.*s",
			 (int)(tlen < sizeof(b->type) ? tlen : sizeof(b->type) - 1),
			 type);
		/* past the END line (from its dashes: the block may be empty) */
		pem_line(p + trail - 9, left - (trail - 9), &next);
		*rest = pos + trail - 9 + next;
		return true;
	}
}

void pem_block_free(struct pem_block *b)
{
	free(b->der);
	b->der = NULL;
	b->len = 0;
}

/* ---- calling another built-in ---- */

enum rb_status rb_call(struct rb_ctx *c, const char *fn,
		       struct rv *const *args, struct rv **out, char *err,
		       size_t errlen)
{
	const struct rb_def *d = rb_lookup(fn, strlen(fn));
	struct rb_ctx sub = { .arena = c->arena, .name = fn,
			      .now_ns = c->now_ns };
	enum rb_status st;
	size_t k = strlen(fn);

	if (!d)
		return rb_error(c, "%s is unavailable", fn);
	st = d->fn(&sub, args, out);
	if (st == RB_ERROR || st == RB_TYPE_ERROR) {
		if (c->arena->exhausted)
			return rb_nomem(c);
		const char *m = sub.msg;

		if (!strncmp(m, fn, k) && !strncmp(m + k, ": ", 2))
			m += k + 2;
		snprintf(err, errlen, "%s", m);
	}
	return st;
}

/* ---- values as Go's encoding/json writes them ---- */

/* An object under construction; a failed member fails the whole. */
struct gobj {
	struct rv_builder b;
	struct rv_arena *a;
};

static void gobj_init(struct gobj *o, struct rv_arena *a)
{
	rv_builder_init(&o->b, a);
	o->a = a;
}

static void gput(struct gobj *o, const char *k, struct rv *v)
{
	struct rv *key = rv_cstring(o->a, k);

	if (!key || !v)
		o->b.failed = true;
	else
		rv_builder_put(&o->b, key, v);
}

static struct rv *gobj_finish(struct gobj *o)
{
	return o->b.failed ? NULL : rv_object_finish(&o->b, NULL);
}

/* []byte: standard base64; nil is null. */
static struct rv *gbytes(struct rv_arena *a, const unsigned char *p,
			 size_t n, bool nil)
{
	char *e;
	struct rv *v;

	if (nil)
		return rv_null();
	if (!(e = base64_encode(p, n, false)))
		return NULL;
	v = rv_cstring(a, e);
	free(e);
	return v;
}

/* *big.Int: a JSON number of all its digits. Our numbers end at the
 * double range (docs/rego.md): an RSA modulus past it is its digits as a
 * string. */
static struct rv *gbig(struct rv_arena *a, const BIGNUM *bn)
{
	char *d;
	struct rv *v;

	if (!bn)
		return rv_null();
	if (!(d = BN_bn2dec(bn)))
		return NULL;
	v = rv_number_text(a, d, strlen(d));
	if (!v && !a->exhausted)
		v = rv_cstring(a, d);
	OPENSSL_free(d);
	return v;
}

static struct rv *gstr(struct rv_arena *a, const char *s)
{
	return rv_cstring(a, s ? s : "");
}

/* An asn1.ObjectIdentifier: its arcs as numbers. */
static struct rv *goid(struct rv_arena *a, const ASN1_OBJECT *obj)
{
	char txt[128], *p, *end;
	struct rv_builder b;
	int n = OBJ_obj2txt(txt, sizeof(txt), obj, 1);

	if (n <= 0 || n >= (int)sizeof(txt))
		return rv_null();
	rv_builder_init(&b, a);
	for (p = txt; *p; p = *end ? end + 1 : end) {
		unsigned long long arc = strtoull(p, &end, 10);

		if (end == p || arc > INT64_MAX)
			return rv_null();
		rv_builder_add(&b, rv_int(a, (int64_t)arc));
	}
	return rv_array_finish(&b);
}

/* A list of strings built up one by one; empty stays nil (null). */
struct glist {
	struct rv_builder b;
	bool any;
};

static void glist_add(struct glist *l, struct rv_arena *a, struct rv *v)
{
	if (!l->any)
		rv_builder_init(&l->b, a);
	l->any = true;
	if (!v)
		l->b.failed = true;
	else
		rv_builder_add(&l->b, v);
}

static struct rv *glist_finish(struct glist *l)
{
	return l->any ? rv_array_finish(&l->b) : rv_null();
}

/* ---- certificates as Go's x509.Certificate ---- */

/* A pkix.Name: the well-known attributes by name, and all in Names. */
static struct rv *gname(struct rv_arena *a, const X509_NAME *nm)
{
	static const struct {
		int nid;
		const char *field;
	} known[] = {
		{ NID_countryName, "Country" },
		{ NID_organizationName, "Organization" },
		{ NID_organizationalUnitName, "OrganizationalUnit" },
		{ NID_localityName, "Locality" },
		{ NID_stateOrProvinceName, "Province" },
		{ NID_streetAddress, "StreetAddress" },
		{ NID_postalCode, "PostalCode" },
	};
	struct glist lists[7] = { 0 }, names = { 0 };
	struct rv *cn = NULL, *serial = NULL;
	struct gobj o;
	int i, n = X509_NAME_entry_count(nm);
	size_t k;

	for (i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(nm, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		unsigned char *u = NULL;
		int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(e));
		struct rv *val = len >= 0 ? rv_string(a, (char *)u, (size_t)len)
					  : rv_null();
		struct gobj tv;
		int nid = OBJ_obj2nid(obj);

		OPENSSL_free(u);
		for (k = 0; k < 7; k++)
			if (known[k].nid == nid)
				glist_add(&lists[k], a, val);
		if (nid == NID_commonName)
			cn = val;
		else if (nid == NID_serialNumber)
			serial = val;
		gobj_init(&tv, a);
		gput(&tv, "Type", goid(a, obj));
		gput(&tv, "Value", val);
		glist_add(&names, a, gobj_finish(&tv));
	}
	gobj_init(&o, a);
	for (k = 0; k < 7; k++)
		gput(&o, known[k].field, glist_finish(&lists[k]));
	gput(&o, "SerialNumber", serial ? serial : gstr(a, ""));
	gput(&o, "CommonName", cn ? cn : gstr(a, ""));
	gput(&o, "Names", names.any ? glist_finish(&names) : rv_empty_array());
	gput(&o, "ExtraNames", rv_null());
	return gobj_finish(&o);
}

/* time.Time as Go marshals a parsed certificate's: RFC 3339 in UTC. */
static struct rv *gtime(struct rv_arena *a, const ASN1_TIME *t)
{
	struct tm tm;
	char buf[40];

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return rv_null();
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec);
	return rv_cstring(a, buf);
}

/* Go's x509.SignatureAlgorithm and PublicKeyAlgorithm numbers. */
static int64_t go_sigalg(int nid)
{
	static const int map[][2] = {
		{ NID_md2WithRSAEncryption, 1 }, { NID_md5WithRSAEncryption, 2 },
		{ NID_sha1WithRSAEncryption, 3 }, { NID_sha256WithRSAEncryption, 4 },
		{ NID_sha384WithRSAEncryption, 5 }, { NID_sha512WithRSAEncryption, 6 },
		{ NID_dsaWithSHA1, 7 }, { NID_dsa_with_SHA256, 8 },
		{ NID_ecdsa_with_SHA1, 9 }, { NID_ecdsa_with_SHA256, 10 },
		{ NID_ecdsa_with_SHA384, 11 }, { NID_ecdsa_with_SHA512, 12 },
		{ NID_rsassaPss, 13 }, { NID_ED25519, 16 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(*map); i++)
		if (map[i][0] == nid)
			return map[i][1];
	return 0;
}

static int64_t go_pkalg(const EVP_PKEY *pk)
{
	if (!pk)
		return 0;
	if (EVP_PKEY_is_a(pk, "RSA"))
		return 1;
	if (EVP_PKEY_is_a(pk, "DSA"))
		return 2;
	if (EVP_PKEY_is_a(pk, "EC"))
		return 3;
	if (EVP_PKEY_is_a(pk, "ED25519"))
		return 4;
	return 0;
}

static struct rv *bn_param(struct rv_arena *a, const EVP_PKEY *pk,
			   const char *name)
{
	BIGNUM *bn = NULL;
	struct rv *v;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return rv_null();
	v = gbig(a, bn);
	BN_clear_free(bn);
	return v;
}

/* A public key: RSA {N, E}, ECDSA {X, Y} (Go's Curve has no exported
 * fields to show), Ed25519 its 32 bytes. */
static struct rv *gpubkey(struct rv_arena *a, const EVP_PKEY *pk)
{
	struct gobj o;
	unsigned char raw[64];
	size_t len = sizeof(raw);

	if (!pk)
		return rv_null();
	gobj_init(&o, a);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		gput(&o, "N", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_N));
		gput(&o, "E", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_E));
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		gput(&o, "Curve", rv_empty_object());
		gput(&o, "X", bn_param(a, pk, OSSL_PKEY_PARAM_EC_PUB_X));
		gput(&o, "Y", bn_param(a, pk, OSSL_PKEY_PARAM_EC_PUB_Y));
	} else if (EVP_PKEY_is_a(pk, "ED25519") &&
		   EVP_PKEY_get_raw_public_key(pk, raw, &len) == 1) {
		return gbytes(a, raw, len, false);
	} else {
		return rv_null();
	}
	return gobj_finish(&o);
}

/* Go's KeyUsage bits are the ASN.1 bit string's in order; OpenSSL's are
 * the DER bytes'. */
static int64_t go_key_usage(X509 *x)
{
	uint32_t ku = X509_get_key_usage(x);
	int64_t g = 0;
	int i;

	if (ku == UINT32_MAX)
		return 0;
	for (i = 0; i < 8; i++)
		if (ku & (0x80u >> i))
			g |= (int64_t)1 << i;
	if (ku & 0x8000u)
		g |= 256;
	return g;
}

/* Go's x509.ExtKeyUsage number of a usage OID, or -1 for one Go does not
 * know (UnknownExtKeyUsage). */
static int go_eku(const ASN1_OBJECT *o)
{
	static const int map[][2] = {
		{ NID_anyExtendedKeyUsage, 0 }, { NID_server_auth, 1 },
		{ NID_client_auth, 2 }, { NID_code_sign, 3 },
		{ NID_email_protect, 4 }, { NID_ipsecEndSystem, 5 },
		{ NID_ipsecTunnel, 6 }, { NID_ipsecUser, 7 },
		{ NID_time_stamp, 8 }, { NID_OCSP_sign, 9 },
		{ NID_ms_sgc, 10 }, { NID_ns_sgc, 11 },
		{ NID_ms_code_com, 12 },
	};
	int nid = OBJ_obj2nid(o);
	char txt[64];
	size_t k;

	for (k = 0; k < sizeof(map) / sizeof(*map); k++)
		if (map[k][0] == nid)
			return map[k][1];
	/* Microsoft kernel code signing has no OpenSSL name */
	if (OBJ_obj2txt(txt, sizeof(txt), o, 1) > 0 &&
	    !strcmp(txt, "1.3.6.1.4.1.311.61.1.1"))
		return 13;
	return -1;
}

static struct rv *gext_key_usage(struct rv_arena *a, X509 *x,
				 struct rv **unknown)
{
	EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL,
						   NULL);
	struct glist known = { 0 }, other = { 0 };
	int i, g;

	*unknown = rv_null();
	if (!eku)
		return rv_null();
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);

		if ((g = go_eku(o)) >= 0)
			glist_add(&known, a, rv_int(a, g));
		else
			glist_add(&other, a, goid(a, o));
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	*unknown = glist_finish(&other);
	return glist_finish(&known);
}

/* net.IP as text: dotted quad, or RFC 5952 for IPv6. */
static struct rv *gip(struct rv_arena *a, const ASN1_OCTET_STRING *ip)
{
	char buf[64];
	const unsigned char *p = ASN1_STRING_get0_data(ip);
	int n = ASN1_STRING_length(ip);

	if (n == 4) {
		snprintf(buf, sizeof(buf), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
		return rv_cstring(a, buf);
	}
	if (n == 16) {
		static const unsigned char v4mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};

		/* Go prints an IPv4-mapped address as IPv4 */
		if (!memcmp(p, v4mapped, 12)) {
			snprintf(buf, sizeof(buf), "%u.%u.%u.%u", p[12], p[13],
				 p[14], p[15]);
			return rv_cstring(a, buf);
		}
		if (inet_ntop(AF_INET6, p, buf, sizeof(buf)))
			return rv_cstring(a, buf);
	}
	return rv_null();
}

/* The subject alternative names, by kind. */
struct gsan {
	struct glist dns, email, ip, uri;
};

static void gsans(struct rv_arena *a, GENERAL_NAMES *gens, struct gsan *s)
{
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *str;

		switch (g->type) {
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			str = g->d.ia5;
			glist_add(g->type == GEN_DNS ? &s->dns
				  : g->type == GEN_EMAIL ? &s->email : &s->uri,
				  a, rv_string(a, (const char *)ASN1_STRING_get0_data(str),
					       (size_t)ASN1_STRING_length(str)));
			break;
		case GEN_IPADD:
			glist_add(&s->ip, a, gip(a, g->d.ip));
			break;
		default:
			break;
		}
	}
}

static struct rv *gextensions(struct rv_arena *a,
			      const STACK_OF(X509_EXTENSION) *exts)
{
	struct glist l = { 0 };
	int i;

	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(e);
		struct gobj o;

		gobj_init(&o, a);
		gput(&o, "Id", goid(a, X509_EXTENSION_get_object(e)));
		gput(&o, "Critical", rv_bool(X509_EXTENSION_get_critical(e) > 0));
		gput(&o, "Value", gbytes(a, ASN1_STRING_get0_data(d),
					 (size_t)ASN1_STRING_length(d), false));
		glist_add(&l, a, gobj_finish(&o));
	}
	return glist_finish(&l);
}

/* The accessDescription URIs of the authority information access
 * extension with the given method (OCSP, caIssuers). */
static struct rv *gaia(struct rv_arena *a, X509 *x, int method)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL,
						      NULL);
	struct glist l = { 0 };
	int i;

	for (i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *d = sk_ACCESS_DESCRIPTION_value(aia, i);

		if (OBJ_obj2nid(d->method) == method &&
		    d->location->type == GEN_URI)
			glist_add(&l, a, rv_string(a,
				(const char *)ASN1_STRING_get0_data(d->location->d.ia5),
				(size_t)ASN1_STRING_length(d->location->d.ia5)));
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	return glist_finish(&l);
}

static struct rv *gcrl_points(struct rv_arena *a, X509 *x)
{
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points,
						NULL, NULL);
	struct glist l = { 0 };
	int i, j;

	for (i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		for (j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j);

			if (g->type == GEN_URI)
				glist_add(&l, a, rv_string(a,
					(const char *)ASN1_STRING_get0_data(g->d.ia5),
					(size_t)ASN1_STRING_length(g->d.ia5)));
		}
	}
	CRL_DIST_POINTS_free(dps);
	return glist_finish(&l);
}

/* The DER of one part of a certificate, as i2d writes it. */
#define GDER(a, fn, obj) gder_(a, (int (*)(const void *, unsigned char **))(fn), obj)

static struct rv *gder_(struct rv_arena *a,
			int (*fn)(const void *, unsigned char **),
			const void *obj)
{
	unsigned char *der = NULL;
	int n = fn(obj, &der);
	struct rv *v;

	if (n < 0)
		return rv_null();
	v = gbytes(a, der, (size_t)n, false);
	OPENSSL_free(der);
	return v;
}

/* certificatePolicies: PolicyIdentifiers as arcs, Policies as text. */
static void gpolicies(struct rv_arena *a, X509 *x, struct gobj *o)
{
	CERTIFICATEPOLICIES *cp = X509_get_ext_d2i(x, NID_certificate_policies,
						   NULL, NULL);
	struct glist ids = { 0 }, txt = { 0 };
	char buf[128];
	int i;

	for (i = 0; cp && i < sk_POLICYINFO_num(cp); i++) {
		POLICYINFO *pi = sk_POLICYINFO_value(cp, i);
		int n = OBJ_obj2txt(buf, sizeof(buf), pi->policyid, 1);

		glist_add(&ids, a, goid(a, pi->policyid));
		glist_add(&txt, a, n > 0 && n < (int)sizeof(buf)
			  ? rv_cstring(a, buf) : rv_null());
	}
	CERTIFICATEPOLICIES_free(cp);
	gput(o, "PolicyIdentifiers", glist_finish(&ids));
	gput(o, "Policies", glist_finish(&txt));
}

/* nameConstraints, for DNS names, email addresses and URI domains (IP
 * ranges are left out: null). */
static void gname_constraints(struct rv_arena *a, X509 *x, struct gobj *o)
{
	int crit = -1, i, k;
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(x, NID_name_constraints, &crit,
						NULL);
	static const char *const fields[2][3] = {
		{ "PermittedDNSDomains", "PermittedEmailAddresses",
		  "PermittedURIDomains" },
		{ "ExcludedDNSDomains", "ExcludedEmailAddresses",
		  "ExcludedURIDomains" },
	};

	for (k = 0; k < 2; k++) {
		STACK_OF(GENERAL_SUBTREE) *st = !nc ? NULL
			: k ? nc->excludedSubtrees : nc->permittedSubtrees;
		struct glist l[3] = { 0 };

		for (i = 0; st && i < sk_GENERAL_SUBTREE_num(st); i++) {
			GENERAL_NAME *g = sk_GENERAL_SUBTREE_value(st, i)->base;
			int kind = g->type == GEN_DNS ? 0 : g->type == GEN_EMAIL ? 1
				   : g->type == GEN_URI ? 2 : -1;

			if (kind >= 0)
				glist_add(&l[kind], a, rv_string(a,
					(const char *)ASN1_STRING_get0_data(g->d.ia5),
					(size_t)ASN1_STRING_length(g->d.ia5)));
		}
		for (i = 0; i < 3; i++)
			gput(o, fields[k][i], glist_finish(&l[i]));
	}
	gput(o, "PermittedDNSDomainsCritical", rv_bool(nc && crit > 0));
	gput(o, "PermittedIPRanges", rv_null());
	gput(o, "ExcludedIPRanges", rv_null());
	NAME_CONSTRAINTS_free(nc);
}

/* A url.URL as Go's url.Parse splits a URI name. */
static struct rv *gurl(struct rv_arena *a, const char *s, size_t n)
{
	const char *end = s + n, *p = s, *q;
	const char *scheme = NULL, *host = NULL, *path = p, *query = NULL,
		   *frag = NULL;
	size_t sl = 0, hl = 0, pl, ql = 0, fl = 0;
	bool opaque = false;
	struct gobj o;

	if ((q = memchr(p, '#', n))) {
		frag = q + 1;
		fl = (size_t)(end - frag);
		end = q;
	}
	if ((q = memchr(p, '?', (size_t)(end - p)))) {
		query = q + 1;
		ql = (size_t)(end - query);
		end = q;
	}
	for (q = p; q < end && *q != ':' && *q != '/'; q++)
		;
	if (q < end && *q == ':' && q > p) {
		scheme = p;
		sl = (size_t)(q - p);
		p = q + 1;
	}
	if (end - p >= 2 && p[0] == '/' && p[1] == '/') {
		host = p + 2;
		for (q = host; q < end && *q != '/'; q++)
			;
		hl = (size_t)(q - host);
		p = q;
	} else if (scheme && p < end && *p != '/') {
		opaque = true;
	}
	path = p;
	pl = (size_t)(end - p);
	gobj_init(&o, a);
	gput(&o, "Scheme", rv_string(a, scheme ? scheme : "", sl));
	gput(&o, "Opaque", rv_string(a, opaque ? path : "", opaque ? pl : 0));
	gput(&o, "User", rv_null());
	gput(&o, "Host", rv_string(a, host ? host : "", hl));
	gput(&o, "Path", rv_string(a, opaque ? "" : path, opaque ? 0 : pl));
	gput(&o, "RawPath", rv_cstring(a, ""));
	gput(&o, "OmitHost", rv_bool(false));
	gput(&o, "ForceQuery", rv_bool(false));
	gput(&o, "RawQuery", rv_string(a, query ? query : "", ql));
	gput(&o, "Fragment", rv_string(a, frag ? frag : "", fl));
	gput(&o, "RawFragment", rv_cstring(a, ""));
	return gobj_finish(&o);
}

static struct rv *gurls(struct rv_arena *a, const struct rv *uris)
{
	struct glist l = { 0 };
	size_t i;

	if (!rv_is(uris, RV_ARRAY))
		return rv_null();
	for (i = 0; i < uris->u.arr.n; i++)
		glist_add(&l, a, gurl(a, uris->u.arr.v[i]->u.str.s,
				      uris->u.arr.v[i]->u.str.len));
	return glist_finish(&l);
}

/* uri_strings: OPA's extendedCert, which adds URIStrings (parse_keypair's
 * Leaf is Go's plain certificate). */
static struct rv *gcert(struct rv_arena *a, X509 *x, bool uri_strings)
{
	const ASN1_BIT_STRING *sig = NULL;
	const X509_ALGOR *salg = NULL;
	const ASN1_OBJECT *sobj = NULL;
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	const ASN1_OCTET_STRING *akid = X509_get0_authority_key_id(x);
	EVP_PKEY *pk = X509_get0_pubkey(x);
	BASIC_CONSTRAINTS *bc = X509_get_ext_d2i(x, NID_basic_constraints,
						 NULL, NULL);
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
					       NULL);
	struct rv *eku, *ueku, *uris;
	struct gsan s;
	struct gobj o;
	int64_t maxpath = 0;
	BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);

	X509_get0_signature(&sig, &salg, x);
	if (salg)
		X509_ALGOR_get0(&sobj, NULL, NULL, salg);
	gsans(a, gens, &s);
	GENERAL_NAMES_free(gens);
	gobj_init(&o, a);
	gput(&o, "Raw", GDER(a, i2d_X509, x));
	gput(&o, "RawTBSCertificate", GDER(a, i2d_re_X509_tbs, x));
	gput(&o, "RawSubjectPublicKeyInfo",
	     GDER(a, i2d_X509_PUBKEY, X509_get_X509_PUBKEY(x)));
	gput(&o, "RawSubject", GDER(a, i2d_X509_NAME, X509_get_subject_name(x)));
	gput(&o, "RawIssuer", GDER(a, i2d_X509_NAME, X509_get_issuer_name(x)));
	gput(&o, "Signature", sig ? gbytes(a, ASN1_STRING_get0_data(sig),
					   (size_t)ASN1_STRING_length(sig), false)
				  : rv_null());
	gput(&o, "SignatureAlgorithm",
	     rv_int(a, go_sigalg(sobj ? OBJ_obj2nid(sobj) : NID_undef)));
	gput(&o, "PublicKeyAlgorithm", rv_int(a, go_pkalg(pk)));
	gput(&o, "PublicKey", gpubkey(a, pk));
	gput(&o, "Version", rv_int(a, X509_get_version(x) + 1));
	gput(&o, "SerialNumber", gbig(a, serial));
	BN_free(serial);
	gput(&o, "Issuer", gname(a, X509_get_issuer_name(x)));
	gput(&o, "Subject", gname(a, X509_get_subject_name(x)));
	gput(&o, "NotBefore", gtime(a, X509_get0_notBefore(x)));
	gput(&o, "NotAfter", gtime(a, X509_get0_notAfter(x)));
	gput(&o, "KeyUsage", rv_int(a, go_key_usage(x)));
	gput(&o, "Extensions", gextensions(a, X509_get0_extensions(x)));
	gput(&o, "ExtraExtensions", rv_null());
	eku = gext_key_usage(a, x, &ueku);
	gput(&o, "ExtKeyUsage", eku);
	gput(&o, "UnknownExtKeyUsage", ueku);
	gput(&o, "BasicConstraintsValid", rv_bool(bc != NULL));
	gput(&o, "IsCA", rv_bool(bc && bc->ca));
	if (bc) {
		int64_t pl = -1;

		if (bc->pathlen && ASN1_INTEGER_get_int64(&pl, bc->pathlen) != 1)
			pl = -1;
		maxpath = pl;
	}
	gput(&o, "MaxPathLen", rv_int(a, maxpath));
	gput(&o, "MaxPathLenZero", rv_bool(bc && maxpath == 0));
	BASIC_CONSTRAINTS_free(bc);
	gput(&o, "SubjectKeyId", skid ? gbytes(a, ASN1_STRING_get0_data(skid),
					       (size_t)ASN1_STRING_length(skid), false)
				      : rv_null());
	gput(&o, "AuthorityKeyId", akid ? gbytes(a, ASN1_STRING_get0_data(akid),
						 (size_t)ASN1_STRING_length(akid), false)
					: rv_null());
	gput(&o, "OCSPServer", gaia(a, x, NID_ad_OCSP));
	gput(&o, "IssuingCertificateURL", gaia(a, x, NID_ad_ca_issuers));
	gput(&o, "DNSNames", glist_finish(&s.dns));
	gput(&o, "EmailAddresses", glist_finish(&s.email));
	gput(&o, "IPAddresses", glist_finish(&s.ip));
	uris = glist_finish(&s.uri);
	if (uri_strings)
		gput(&o, "URIStrings", uris);
	gput(&o, "URIs", gurls(a, uris));
	gput(&o, "CRLDistributionPoints", gcrl_points(a, x));
	gpolicies(a, x, &o);
	gname_constraints(a, x, &o);
	gput(&o, "UnhandledCriticalExtensions", rv_null());
	gput(&o, "InhibitAnyPolicy", rv_int(a, 0));
	gput(&o, "InhibitAnyPolicyZero", rv_bool(false));
	gput(&o, "InhibitPolicyMapping", rv_int(a, 0));
	gput(&o, "InhibitPolicyMappingZero", rv_bool(false));
	gput(&o, "RequireExplicitPolicy", rv_int(a, 0));
	gput(&o, "RequireExplicitPolicyZero", rv_bool(false));
	gput(&o, "PolicyMappings", rv_null());
	return gobj_finish(&o);
}

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
		struct rv *v = gcert(c->arena, x[i], true);

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
			if ((g = go_eku(sk_ASN1_OBJECT_value(eku, j))) >= 0)
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
			rv_builder_add(&cb, gcert(c->arena, sk_X509_value(chain, i),
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

/* Go's deprecated CertificateRequest.Attributes, for the attribute it
 * can read: the extension request, each extension as {Type, Value}
 * where Value is the next field of its DER (the critical flag when set,
 * else the value's bytes). Other attributes Go skips, as here. */
static struct rv *gcsr_attributes(struct rv_arena *a, X509_REQ *r,
				  const STACK_OF(X509_EXTENSION) *exts)
{
	struct glist inner = { 0 }, mid = { 0 }, outer = { 0 };
	struct gobj attr;
	int i;

	if (!exts || X509_REQ_get_attr_by_NID(r, NID_ext_req, -1) < 0)
		return rv_null();
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);
		const ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(e);
		struct gobj tv;

		gobj_init(&tv, a);
		gput(&tv, "Type", goid(a, X509_EXTENSION_get_object(e)));
		gput(&tv, "Value", X509_EXTENSION_get_critical(e) > 0 ? rv_bool(true)
				   : gbytes(a, ASN1_STRING_get0_data(d),
					    (size_t)ASN1_STRING_length(d), false));
		glist_add(&inner, a, gobj_finish(&tv));
	}
	glist_add(&mid, a, inner.any ? glist_finish(&inner) : rv_empty_array());
	gobj_init(&attr, a);
	gput(&attr, "Type", goid(a, OBJ_nid2obj(NID_ext_req)));
	gput(&attr, "Value", glist_finish(&mid));
	glist_add(&outer, a, gobj_finish(&attr));
	return glist_finish(&outer);
}

/* Go's x509.CertificateRequest, the fields a policy reads. */
static struct rv *gcsr(struct rv_arena *a, X509_REQ *r)
{
	const ASN1_BIT_STRING *sig = NULL;
	const X509_ALGOR *salg = NULL;
	const ASN1_OBJECT *sobj = NULL;
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(r);
	EVP_PKEY *pk = X509_REQ_get0_pubkey(r);
	GENERAL_NAMES *gens = NULL;
	struct rv *uris;
	struct gsan s;
	struct gobj o;
	int i;

	for (i = 0; exts && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		if (OBJ_obj2nid(X509_EXTENSION_get_object(e)) == NID_subject_alt_name &&
		    !gens)
			gens = X509V3_EXT_d2i(e);
	}
	gsans(a, gens, &s);
	GENERAL_NAMES_free(gens);
	X509_REQ_get0_signature(r, &sig, &salg);
	if (salg)
		X509_ALGOR_get0(&sobj, NULL, NULL, salg);
	gobj_init(&o, a);
	gput(&o, "Raw", GDER(a, i2d_X509_REQ, r));
	gput(&o, "RawTBSCertificateRequest", GDER(a, i2d_re_X509_REQ_tbs, r));
	gput(&o, "RawSubjectPublicKeyInfo",
	     GDER(a, i2d_X509_PUBKEY, X509_REQ_get_X509_PUBKEY(r)));
	gput(&o, "RawSubject", GDER(a, i2d_X509_NAME, X509_REQ_get_subject_name(r)));
	gput(&o, "Version", rv_int(a, X509_REQ_get_version(r)));
	gput(&o, "Signature", sig ? gbytes(a, ASN1_STRING_get0_data(sig),
					   (size_t)ASN1_STRING_length(sig), false)
				  : rv_null());
	gput(&o, "SignatureAlgorithm",
	     rv_int(a, go_sigalg(sobj ? OBJ_obj2nid(sobj) : NID_undef)));
	gput(&o, "PublicKeyAlgorithm", rv_int(a, go_pkalg(pk)));
	gput(&o, "PublicKey", gpubkey(a, pk));
	gput(&o, "Subject", gname(a, X509_REQ_get_subject_name(r)));
	gput(&o, "Extensions", exts ? gextensions(a, exts) : rv_null());
	gput(&o, "ExtraExtensions", rv_null());
	gput(&o, "DNSNames", glist_finish(&s.dns));
	gput(&o, "EmailAddresses", glist_finish(&s.email));
	gput(&o, "IPAddresses", glist_finish(&s.ip));
	uris = glist_finish(&s.uri);
	gput(&o, "URIs", gurls(a, uris));
	gput(&o, "Attributes", gcsr_attributes(a, r, exts));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return gobj_finish(&o);
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
	*out = gcsr(c->arena, r);
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

/* A private key as Go's encoding/json shows *rsa.PrivateKey,
 * *ecdsa.PrivateKey and ed25519.PrivateKey. */
static struct rv *gprivkey(struct rv_arena *a, const EVP_PKEY *pk)
{
	struct gobj o, pre;
	struct rv_builder primes;
	unsigned char raw[64];
	size_t len = 32, plen = 32;

	gobj_init(&o, a);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		gput(&o, "N", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_N));
		gput(&o, "E", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_E));
		gput(&o, "D", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_D));
		rv_builder_init(&primes, a);
		rv_builder_add(&primes, bn_param(a, pk, OSSL_PKEY_PARAM_RSA_FACTOR1));
		rv_builder_add(&primes, bn_param(a, pk, OSSL_PKEY_PARAM_RSA_FACTOR2));
		gput(&o, "Primes", rv_array_finish(&primes));
		gobj_init(&pre, a);
		gput(&pre, "Dp", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_EXPONENT1));
		gput(&pre, "Dq", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_EXPONENT2));
		gput(&pre, "Qinv", bn_param(a, pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
		gput(&pre, "CRTValues", rv_empty_array());
		gput(&o, "Precomputed", gobj_finish(&pre));
	} else if (EVP_PKEY_is_a(pk, "EC")) {
		gput(&o, "Curve", rv_empty_object());
		gput(&o, "X", bn_param(a, pk, OSSL_PKEY_PARAM_EC_PUB_X));
		gput(&o, "Y", bn_param(a, pk, OSSL_PKEY_PARAM_EC_PUB_Y));
		gput(&o, "D", bn_param(a, pk, OSSL_PKEY_PARAM_PRIV_KEY));
	} else if (EVP_PKEY_is_a(pk, "ED25519") &&
		   EVP_PKEY_get_raw_private_key(pk, raw, &len) == 1 && len == 32 &&
		   EVP_PKEY_get_raw_public_key(pk, raw + 32, &plen) == 1 &&
		   plen == 32) {
		struct rv *v = gbytes(a, raw, 64, false);

		OPENSSL_cleanse(raw, sizeof(raw));
		return v;
	} else {
		return rv_null();
	}
	return gobj_finish(&o);
}

/* A big number as a JWK member: unpadded base64url of its bytes, padded
 * to size when size is not 0. */
static struct rv *jwk_bn(struct rv_arena *a, const EVP_PKEY *pk,
			 const char *name, int size)
{
	BIGNUM *bn = NULL;
	unsigned char *buf;
	char *e = NULL;
	int n, len;
	struct rv *v = NULL;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return rv_null();
	len = size > BN_num_bytes(bn) ? size : BN_num_bytes(bn);
	if ((buf = malloc((size_t)len + 1))) {
		n = size ? BN_bn2binpad(bn, buf, size) : BN_bn2bin(bn, buf);
		if (n >= 0 && (e = base64_encode(buf, (size_t)n, true))) {
			size_t k = strlen(e);

			while (k && e[k - 1] == '=')
				e[--k] = '\0';
			v = rv_cstring(a, e);
			OPENSSL_cleanse(e, k);
			free(e);
		}
		OPENSSL_cleanse(buf, (size_t)len);
		free(buf);
	}
	BN_clear_free(bn);
	return v;
}

/* A private key as the JWK jwx makes of it. */
static struct rv *jwk_of(struct rv_arena *a, const EVP_PKEY *pk)
{
	static const struct {
		const char *group, *crv;
	} curves[] = {
		{ "prime256v1", "P-256" }, { "secp384r1", "P-384" },
		{ "secp521r1", "P-521" },
	};
	struct gobj o;
	char group[64];
	size_t i, len;
	unsigned char raw[32];
	int size;

	gobj_init(&o, a);
	if (EVP_PKEY_is_a(pk, "RSA")) {
		gput(&o, "kty", rv_cstring(a, "RSA"));
		gput(&o, "n", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_N, 0));
		gput(&o, "e", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_E, 0));
		gput(&o, "d", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_D, 0));
		gput(&o, "p", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_FACTOR1, 0));
		gput(&o, "q", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_FACTOR2, 0));
		gput(&o, "dp", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_EXPONENT1, 0));
		gput(&o, "dq", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_EXPONENT2, 0));
		gput(&o, "qi", jwk_bn(a, pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 0));
	} else if (EVP_PKEY_is_a(pk, "EC") &&
		   EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
						  group, sizeof(group), &len) == 1) {
		for (i = 0; i < 3 && strcmp(group, curves[i].group); i++)
			;
		if (i == 3)
			return rv_null();
		size = (EVP_PKEY_get_bits(pk) + 7) / 8;
		gput(&o, "kty", rv_cstring(a, "EC"));
		gput(&o, "crv", rv_cstring(a, curves[i].crv));
		gput(&o, "x", jwk_bn(a, pk, OSSL_PKEY_PARAM_EC_PUB_X, size));
		gput(&o, "y", jwk_bn(a, pk, OSSL_PKEY_PARAM_EC_PUB_Y, size));
		gput(&o, "d", jwk_bn(a, pk, OSSL_PKEY_PARAM_PRIV_KEY, size));
	} else if (EVP_PKEY_is_a(pk, "ED25519")) {
		char *e;

		gput(&o, "kty", rv_cstring(a, "OKP"));
		gput(&o, "crv", rv_cstring(a, "Ed25519"));
		len = sizeof(raw);
		e = EVP_PKEY_get_raw_public_key(pk, raw, &len) == 1
			? base64_encode(raw, len, true) : NULL;
		gput(&o, "x", e ? rv_cstring(a, e) : NULL);
		free(e);
		len = sizeof(raw);
		e = EVP_PKEY_get_raw_private_key(pk, raw, &len) == 1
			? base64_encode(raw, len, true) : NULL;
		OPENSSL_cleanse(raw, sizeof(raw));
		gput(&o, "d", e ? rv_cstring(a, e) : NULL);
		if (e)
			OPENSSL_cleanse(e, strlen(e));
		free(e);
	} else {
		return rv_null();
	}
	return gobj_finish(&o);
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
		*out = ks.n ? jwk_of(c->arena, ks.k[0]) : rv_null();
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
			rv_builder_add(&b, gprivkey(c->arena, ks.k[i]));
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
	struct rv *cpem, *kpem, *leaf;
	struct certs cs = { .n = 0 };
	struct rv_builder der;
	struct pem_block b;
	EVP_PKEY *pk = NULL;
	const char *why = NULL;
	size_t pos = 0, rest, i;
	struct pem_reader pr = PEM_READER_INIT, kr = PEM_READER_INIT;
	bool any = false;
	struct gobj o;
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
	gobj_init(&o, c->arena);
	rv_builder_init(&der, c->arena);
	for (i = 0; i < cs.n; i++)
		rv_builder_add(&der, GDER(c->arena, i2d_X509, cs.x[i]));
	gput(&o, "Certificate", rv_array_finish(&der));
	gput(&o, "PrivateKey", gprivkey(c->arena, pk));
	gput(&o, "SupportedSignatureAlgorithms", rv_null());
	gput(&o, "OCSPStaple", rv_null());
	gput(&o, "SignedCertificateTimestamps", rv_null());
	leaf = gcert(c->arena, cs.x[0], false);
	gput(&o, "Leaf", leaf);
	certs_free(&cs);
	EVP_PKEY_free(pk);
	*out = gobj_finish(&o);
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
