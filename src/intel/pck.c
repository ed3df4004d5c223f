/* pck.c - Intel certificate chains and the PCK SGX extension (see pck.h). */
#include <stdint.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "pck.h"

#define MAX_CHAIN 8

/* Intel SGX Root CA, as published by Intel
 * (https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem). */
static const char intel_root_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw\n"
	"aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\n"
	"cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ\n"
	"BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG\n"
	"A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0\n"
	"aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT\n"
	"AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7\n"
	"1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB\n"
	"uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ\n"
	"MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50\n"
	"ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV\n"
	"Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI\n"
	"KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\n"
	"AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=\n"
	"-----END CERTIFICATE-----\n";

X509 *intel_root_ca(void)
{
	BIO *b = BIO_new_mem_buf(intel_root_pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static bool blank(uint8_t c)
{
	return c == 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool pem_certs_parse(struct rd pem, STACK_OF(X509) **out, const char *what,
		     struct eaa_err *err)
{
	STACK_OF(X509) *chain = sk_X509_new_null();
	BIO *b = NULL;
	size_t n = rd_left(&pem);

	/* Trim NUL padding and whitespace at the end; PEM parsing reads the
	 * rest, and must consume all of it. */
	while (n > 0 && blank(pem.p[n - 1]))
		n--;
	if (!chain || n > INT32_MAX || !(b = BIO_new_mem_buf(pem.p, (int)n)))
		goto nomem;
	while (BIO_pending(b) > 0) {
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);

		if (!x) {
			eaa_fail_ssl(err, EAA_E_FORMAT, what);
			eaa_err_prefix(err, "certificate %d",
				       sk_X509_num(chain) + 1);
			goto fail;
		}
		if (sk_X509_num(chain) == MAX_CHAIN || !sk_X509_push(chain, x)) {
			X509_free(x);
			eaa_fail(err, EAA_E_FORMAT, "%s: more than %d "
				 "certificates", what, MAX_CHAIN);
			goto fail;
		}
	}
	if (sk_X509_num(chain) == 0) {
		eaa_fail(err, EAA_E_FORMAT, "%s: no certificate", what);
		goto fail;
	}
	BIO_free(b);
	*out = chain;
	return true;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "%s: out of memory", what);
fail:
	BIO_free(b);
	sk_X509_pop_free(chain, X509_free);
	ERR_clear_error();
	return false;
}

static void cert_name(X509 *x, char *buf, size_t len)
{
	X509_NAME *n = x ? X509_get_subject_name(x) : NULL;
	int i = n ? X509_NAME_get_index_by_NID(n, NID_commonName, -1) : -1;
	ASN1_STRING *s = i >= 0 ?
		X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)) : NULL;

	if (s && ASN1_STRING_length(s) > 0)
		snprintf(buf, len, "%.*s", ASN1_STRING_length(s),
			 (const char *)ASN1_STRING_get0_data(s));
	else
		snprintf(buf, len, "certificate");
}

static enum eaa_code verify_code(int e)
{
	switch (e) {
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
		return EAA_E_EXPIRED;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CRL_SIGNATURE_FAILURE:
		return EAA_E_SIGNATURE;
	default:
		return EAA_E_UNTRUSTED;
	}
}

bool intel_chain_verify(STACK_OF(X509) *chain, X509 *root, time_t at,
			STACK_OF(X509_CRL) *crls, const char *what,
			struct eaa_err *err)
{
	int n = chain ? sk_X509_num(chain) : 0;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *mid = NULL;
	X509 *last;
	bool ok = false;

	if (n < 2)
		return eaa_fail(err, EAA_E_UNTRUSTED, "%s: %d certificate(s); "
				"want a leaf and its issuers up to the Intel "
				"SGX Root CA", what, n);
	last = sk_X509_value(chain, n - 1);
	if (EVP_PKEY_eq(X509_get0_pubkey(last), X509_get0_pubkey(root)) != 1) {
		char name[128];

		cert_name(last, name, sizeof(name));
		ERR_clear_error();
		return eaa_fail(err, EAA_E_UNTRUSTED, "%s: ends at \"%s\", whose "
				"key is not the pinned Intel SGX Root CA's",
				what, name);
	}
	/* The anchor is our root; the chain's own copy is ignored. */
	mid = sk_X509_new_null();
	for (int i = 1; mid && i < n - 1; i++)
		if (!sk_X509_push(mid, sk_X509_value(chain, i)))
			goto nomem;
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!mid || !store || !ctx || !X509_STORE_add_cert(store, root) ||
	    !X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), mid))
		goto nomem;
	X509_STORE_CTX_set_time(ctx, 0, at);
	if (crls) {
		X509_STORE_CTX_set0_crls(ctx, crls);
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK |
					 X509_V_FLAG_CRL_CHECK_ALL);
	}
	if (X509_verify_cert(ctx) == 1) {
		ok = true;
	} else {
		int e = X509_STORE_CTX_get_error(ctx);
		int depth = X509_STORE_CTX_get_error_depth(ctx);
		X509 *bad = X509_STORE_CTX_get_current_cert(ctx);
		char name[128];

		cert_name(bad, name, sizeof(name));
		eaa_fail(err, e == X509_V_ERR_CERT_REVOKED ? EAA_E_UNTRUSTED :
			 verify_code(e), "%s: \"%s\" (depth %d): %s", what, name,
			 depth, X509_verify_cert_error_string(e));
	}
	goto out;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "%s: out of memory", what);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(mid);
	ERR_clear_error();
	return ok;
}

/* The SGX extension is a SEQUENCE of SEQUENCE { OID, value }; the TCB entry
 * nests another such list. */
#define SGX_OID "1.2.840.113741.1.13.1"

static STACK_OF(ASN1_TYPE) *seq_items(const ASN1_TYPE *t)
{
	const unsigned char *p;

	if (!t || t->type != V_ASN1_SEQUENCE)
		return NULL;
	p = t->value.sequence->data;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

static bool octets(const ASN1_TYPE *v, uint8_t *out, size_t n)
{
	if (!v || v->type != V_ASN1_OCTET_STRING ||
	    (size_t)v->value.octet_string->length != n)
		return false;
	memcpy(out, v->value.octet_string->data, n);
	return true;
}

static bool small_int(const ASN1_TYPE *v, int type, long max, long *out)
{
	const ASN1_STRING *s;
	long x;

	if (!v || v->type != type)
		return false;
	s = v->value.asn1_string;
	x = type == V_ASN1_INTEGER ? ASN1_INTEGER_get(s) :
				     ASN1_ENUMERATED_get(s);
	if (x < 0 || x > max)
		return false;
	*out = x;
	return true;
}

/* Walk a { OID, value } list, calling fn with the OID's last arc under
 * `prefix` (e.g. "1.2.840.113741.1.13.1.2.17" -> 17). */
typedef bool (*item_fn)(int arc, const ASN1_TYPE *value, void *arg,
			struct eaa_err *err);

static bool walk(const ASN1_TYPE *seq, const char *prefix, item_fn fn,
		 void *arg, unsigned *seen, struct eaa_err *err)
{
	STACK_OF(ASN1_TYPE) *items = seq_items(seq);
	size_t plen = strlen(prefix);
	bool ok = items != NULL;

	if (!ok)
		eaa_fail(err, EAA_E_FORMAT, "%s: not a SEQUENCE", prefix);
	for (int i = 0; ok && i < sk_ASN1_TYPE_num(items); i++) {
		STACK_OF(ASN1_TYPE) *kv = seq_items(sk_ASN1_TYPE_value(items, i));
		const ASN1_TYPE *k = kv && sk_ASN1_TYPE_num(kv) == 2 ?
				     sk_ASN1_TYPE_value(kv, 0) : NULL;
		char oid[64];
		int arc = -1;
		char *end;

		if (k && k->type == V_ASN1_OBJECT &&
		    OBJ_obj2txt(oid, sizeof(oid), k->value.object, 1) > 0 &&
		    strncmp(oid, prefix, plen) == 0 && oid[plen] == '.') {
			long a = strtol(oid + plen + 1, &end, 10);

			if (*end == '\0' && a > 0 && a < 32)
				arc = (int)a;
		}
		if (arc < 0) {
			ok = eaa_fail(err, EAA_E_FORMAT, "%s: entry %d is not "
				      "{ OID under %s, value }", prefix, i, prefix);
		} else if (*seen & (1u << arc)) {
			ok = eaa_fail(err, EAA_E_FORMAT, "%s.%d: appears twice",
				      prefix, arc);
		} else {
			*seen |= 1u << arc;
			ok = fn(arc, sk_ASN1_TYPE_value(kv, 1), arg, err);
		}
		sk_ASN1_TYPE_pop_free(kv, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(items, ASN1_TYPE_free);
	return ok;
}

static bool tcb_item(int arc, const ASN1_TYPE *v, void *arg,
		     struct eaa_err *err)
{
	struct pck_ext *e = arg;
	bool ok = true;
	long x = 0;

	if (arc >= 1 && arc <= 16) {
		ok = small_int(v, V_ASN1_INTEGER, 255, &x);
		e->comp_svn[arc - 1] = (uint8_t)x;
	} else if (arc == 17) {
		ok = small_int(v, V_ASN1_INTEGER, 65535, &x);
		e->pce_svn = (uint16_t)x;
	} else if (arc == 18) {
		ok = octets(v, e->cpu_svn, 16);
	} /* later arcs: Intel additions, not ours to judge */
	if (!ok)
		return eaa_fail(err, EAA_E_FORMAT, SGX_OID ".2.%d: wrong type "
				"or out of range", arc);
	return true;
}

static bool sgx_item(int arc, const ASN1_TYPE *v, void *arg,
		     struct eaa_err *err)
{
	struct pck_ext *e = arg;
	unsigned seen = 0;
	long x;

	switch (arc) {
	case 1:
		return octets(v, e->ppid, 16) ||
		       eaa_fail(err, EAA_E_FORMAT, SGX_OID ".1 (PPID): want 16 "
				"octets");
	case 2:
		if (!walk(v, SGX_OID ".2", tcb_item, e, &seen, err))
			return false;
		if ((seen & 0x7fffe) != 0x7fffe) /* arcs 1..18 */
			return eaa_fail(err, EAA_E_FORMAT, SGX_OID ".2 (TCB): "
					"missing components");
		return true;
	case 3:
		return octets(v, e->pce_id, 2) ||
		       eaa_fail(err, EAA_E_FORMAT, SGX_OID ".3 (PCE-ID): want 2 "
				"octets");
	case 4:
		return octets(v, e->fmspc, 6) ||
		       eaa_fail(err, EAA_E_FORMAT, SGX_OID ".4 (FMSPC): want 6 "
				"octets");
	case 5:
		if (!small_int(v, V_ASN1_ENUMERATED, 2, &x))
			return eaa_fail(err, EAA_E_FORMAT, SGX_OID ".5 (SGX type): "
					"want ENUMERATED 0..2");
		e->sgx_type = (int)x;
		return true;
	default:
		return true; /* platform instance id, configuration: unused */
	}
}

bool pck_ext_parse(X509 *pck, struct pck_ext *ext, struct eaa_err *err)
{
	ASN1_OBJECT *oid = OBJ_txt2obj(SGX_OID, 1);
	int i = oid ? X509_get_ext_by_OBJ(pck, oid, -1) : -1;
	X509_EXTENSION *x = i >= 0 ? X509_get_ext(pck, i) : NULL;
	ASN1_OCTET_STRING *data = x ? X509_EXTENSION_get_data(x) : NULL;
	ASN1_TYPE t = { .type = V_ASN1_SEQUENCE };
	unsigned seen = 0;
	bool ok;

	memset(ext, 0, sizeof(*ext));
	if (oid && i >= 0 && X509_get_ext_by_OBJ(pck, oid, i) >= 0) {
		ASN1_OBJECT_free(oid);
		return eaa_fail(err, EAA_E_FORMAT, "PCK certificate: two SGX "
				"extensions");
	}
	ASN1_OBJECT_free(oid);
	if (!data)
		return eaa_fail(err, EAA_E_FORMAT, "PCK certificate: no SGX "
				"extension (" SGX_OID ")");
	t.value.sequence = data;
	ok = walk(&t, SGX_OID, sgx_item, ext, &seen, err);
	if (ok && (seen & 0x3e) != 0x3e) /* arcs 1..5 */
		ok = eaa_fail(err, EAA_E_FORMAT, "PCK certificate: SGX extension "
			      "lacks PPID, TCB, PCE-ID, FMSPC or SGX type");
	if (!ok)
		eaa_err_prefix(err, "PCK certificate");
	ERR_clear_error();
	return ok;
}

const char *pck_ca_type(X509 *pck)
{
	char cn[128] = "";

	X509_NAME_get_text_by_NID(X509_get_issuer_name(pck), NID_commonName, cn,
				  sizeof(cn));
	if (strcmp(cn, "Intel SGX PCK Platform CA") == 0)
		return "platform";
	if (strcmp(cn, "Intel SGX PCK Processor CA") == 0)
		return "processor";
	return NULL;
}

void validity_init(struct validity *v)
{
	v->from = 0;
	v->until = (time_t)INT64_MAX;
}

void validity_add(struct validity *v, time_t from, time_t until)
{
	v->from = from > v->from ? from : v->from;
	v->until = until < v->until ? until : v->until;
}

static bool asn1_time(const ASN1_TIME *a, time_t *t)
{
	struct tm tm;

	if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
		return false;
	*t = timegm(&tm);
	return *t != (time_t)-1;
}

bool validity_add_cert(struct validity *v, X509 *x)
{
	time_t a, b;

	if (!asn1_time(X509_get0_notBefore(x), &a) ||
	    !asn1_time(X509_get0_notAfter(x), &b))
		return false;
	validity_add(v, a, b);
	return true;
}

bool validity_add_crl(struct validity *v, X509_CRL *crl)
{
	time_t a, b;

	if (!asn1_time(X509_CRL_get0_lastUpdate(crl), &a) ||
	    !asn1_time(X509_CRL_get0_nextUpdate(crl), &b))
		return false;
	validity_add(v, a, b);
	return true;
}
