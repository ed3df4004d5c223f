/* x509_go.c - certificates, certificate requests and keys as Go's
 * encoding/json shows them (x509.Certificate, x509.CertificateRequest,
 * tls.Certificate, the private key types) and keys as the JWKs jwx makes
 * of them: the answers of the crypto.x509.* built-ins, with Go's field
 * names and encodings, built from OpenSSL's parsed structures. docs/rego.md
 * lists the fields. Reads nothing from the wire itself. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "codec.h"
#include "x509_go.h"

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
int x509_go_eku(const ASN1_OBJECT *o)
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

		if ((g = x509_go_eku(o)) >= 0)
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
struct rv *x509_go_cert(struct rv_arena *a, X509 *x, bool uri_strings)
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
struct rv *x509_go_csr(struct rv_arena *a, X509_REQ *r)
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

/* A private key as Go's encoding/json shows *rsa.PrivateKey,
 * *ecdsa.PrivateKey and ed25519.PrivateKey. */
struct rv *x509_go_private_key(struct rv_arena *a, const EVP_PKEY *pk)
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
struct rv *x509_go_jwk(struct rv_arena *a, const EVP_PKEY *pk)
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


struct rv *x509_go_tls_certificate(struct rv_arena *a, X509 *const *certs,
				   size_t n, const EVP_PKEY *pk)
{
	struct rv_builder der;
	struct gobj o;
	size_t i;

	gobj_init(&o, a);
	rv_builder_init(&der, a);
	for (i = 0; i < n; i++)
		rv_builder_add(&der, GDER(a, i2d_X509, certs[i]));
	gput(&o, "Certificate", rv_array_finish(&der));
	gput(&o, "PrivateKey", x509_go_private_key(a, pk));
	gput(&o, "SupportedSignatureAlgorithms", rv_null());
	gput(&o, "OCSPStaple", rv_null());
	gput(&o, "SignedCertificateTimestamps", rv_null());
	gput(&o, "Leaf", n ? x509_go_cert(a, certs[0], false) : rv_null());
	return gobj_finish(&o);
}
