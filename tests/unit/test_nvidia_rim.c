/* test_nvidia_rim.c - NVIDIA RIMs (src/nvidia/nv_rim.c): a real VBIOS RIM
 * from nvtrust verifies (XML-DSig and chain to the pinned RIM root) and is
 * compared with trustee's CoCo report; any change to its signed bytes is
 * refused; RIMs signed here by a test key (chain to a test root passed as
 * test_rim_root) exercise the comparison's rules. */
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/templates.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include "codec.h"
#include "file.h"
#include "nv_evidence.h"
#include "nv_rim.h"
#include "test.h"

static const char *datadir;
#define REAL_RIM "rim/1010_0200_882_960074001A_PROD.swidtag"
/* inside the RIM chain's validity (its signer expired 2025-09-05) */
#define AT_2025 1748736000 /* 2025-06-01 */

static uint8_t *load(const char *name, size_t *n)
{
	char path[512];
	uint8_t *b = NULL;
	struct eaa_err e = { 0 };

	snprintf(path, sizeof(path), "%s/nvidia/%s", datadir, name);
	if (!file_read(path, 1 << 22, &b, n, &e))
		fprintf(stderr, "%s\n", e.msg);
	return b;
}

static bool verify_with(const char *evidence, const char *const *rims, const size_t *lens,
			X509 *rim_root, time_t at, json_t **claims, struct eaa_err *e)
{
	size_t n;
	uint8_t *ev = load(evidence, &n);
	struct nv_trust t = { .at = at, .rims = rims, .rim_lens = lens,
			      .test_rim_root = rim_root };
	bool ok;

	*claims = NULL;
	ok = ev && nv_evidence_verify(ev, n, NULL, 0, &t, claims, e);
	free(ev);
	return ok;
}

/* nvtrust's RIM for VBIOS 96.00.74.00.1A (the CoCo sample's): signature and
 * chain verify; then measurement 10 differs from its golden value. */
static void test_real_rim(void)
{
	size_t n;
	char *rim = (char *)load(REAL_RIM, &n);
	const char *rims[] = { rim, NULL };
	size_t lens[] = { n };
	struct nv_rim *r = malloc(sizeof(*r));
	struct eaa_err e = { 0 };
	json_t *claims;
	size_t refused = 0, tried = 0, sig_at;

	CHECK_MSG(nv_rim_load(rim, n, NULL, AT_2025, r, &e), "%s", e.msg);
	CHECK(r->signature_checked && strcmp(r->version, "96.00.74.00.1a") == 0 &&
	      r->nres == 64);
	CHECK(!nv_rim_load(rim, n, NULL, AT_2025 + 365 * 86400 * 2, r, &e) &&
	      e.code == EAA_E_EXPIRED);
	CHECK_MSG(!verify_with("hopper-coco-evidence.json", rims, lens, NULL, AT_2025,
			       &claims, &e) && e.code == EAA_E_REJECTED &&
		  strstr(e.msg, "GPU measurement 10 matches none"), "%s", e.msg);
	/* RIM for another VBIOS than sample 1's */
	CHECK(!verify_with("hopper-evidence.json", rims, lens, NULL, AT_2025, &claims, &e) &&
	      e.code == EAA_E_REJECTED && strstr(e.msg, "neither"));
	/* Every 5th byte of the signed part (before the Signature element) and
	 * of the SignatureValue, flipped: refused before any comparison. */
	sig_at = (size_t)(strstr(rim, "<ds:Signature") - rim);
	for (size_t i = 0; i < n; i += (i < sig_at ? 5 : 1)) {
		const char *sv = strstr(rim, "<ds:SignatureValue>");
		size_t sv_at = (size_t)(sv - rim) + 19;

		if (i >= sig_at && (i < sv_at || i >= sv_at + 64))
			continue;
		rim[i] ^= 1;
		tried++;
		if (!nv_rim_load(rim, n, NULL, AT_2025, r, &e) && e.code != EAA_E_REJECTED)
			refused++;
		else
			fprintf(stderr, "flip at %zu accepted\n", i);
		rim[i] ^= 1;
	}
	CHECK_MSG(refused == tried && tried > 2000, "%zu of %zu flips refused", refused, tried);
	free(r);
	free(rim);
}

/* A test PKI for RIM signing. */
static EVP_PKEY *root_key, *signer_key;
static X509 *root, *signer;

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), ca ? 1 : 2);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
	X509_NAME_free(nm);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "20991231235959Z");
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, ikey, EVP_sha384());
	return x;
}

static void add_cert(xmlNode *data, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *b64 = base64_encode(der, (size_t)n, false);

	xmlNewTextChild(data, data->ns, (const xmlChar *)"X509Certificate", (const xmlChar *)b64);
	free(b64);
	OPENSSL_free(der);
}

/* A RIM of `version` whose resources are "index:active:hex[,hex]" lines,
 * signed by the test signer. Caller frees. */
static X509 *keyinfo_certs[8]; /* when set: KeyInfo holds these instead */

static char *make_rim(const char *version, const char *const *res, size_t *len)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root_el = xmlNewNode(NULL, (const xmlChar *)"SoftwareIdentity");
	xmlNs *swid = xmlNewNs(root_el, (const xmlChar *)"http://standards.iso.org/iso/19770/-2/2015/schema.xsd", NULL);
	xmlNs *h;
	xmlNode *meta, *payload, *sig, *ref, *ki, *data;
	xmlSecDSigCtxPtr ctx;
	xmlChar *out = NULL;
	int n = 0;
	char *s;

	xmlSetNs(root_el, swid);
	xmlDocSetRootElement(doc, root_el);
	xmlNewProp(root_el, (const xmlChar *)"tagId", (const xmlChar *)version);
	meta = xmlNewChild(root_el, swid, (const xmlChar *)"Meta", NULL);
	xmlNewProp(meta, (const xmlChar *)"colloquialVersion", (const xmlChar *)version);
	payload = xmlNewChild(root_el, swid, (const xmlChar *)"Payload", NULL);
	h = xmlNewNs(payload, (const xmlChar *)"http://www.w3.org/2001/04/xmlenc#sha384",
		     (const xmlChar *)"SHA384");
	for (size_t i = 0; res[i]; i++) {
		char idx[8], active[8], vals[512], nm[16], alts[8];
		xmlNode *r = xmlNewChild(payload, swid, (const xmlChar *)"Resource", NULL);
		int k = 0;

		sscanf(res[i], "%7[^:]:%7[^:]:%511s", idx, active, vals);
		xmlNewProp(r, (const xmlChar *)"type", (const xmlChar *)"Measurement");
		xmlNewProp(r, (const xmlChar *)"index", (const xmlChar *)idx);
		xmlNewProp(r, (const xmlChar *)"active", (const xmlChar *)active);
		xmlNewProp(r, (const xmlChar *)"size", (const xmlChar *)"48");
		for (char *v = strtok(vals, ","); v; v = strtok(NULL, ","), k++) {
			snprintf(nm, sizeof(nm), "Hash%d", k);
			xmlNewNsProp(r, h, (const xmlChar *)nm, (const xmlChar *)v);
		}
		snprintf(alts, sizeof(alts), "%d", k);
		xmlNewProp(r, (const xmlChar *)"alternatives", (const xmlChar *)alts);
	}
	sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformInclC14N11Id,
					xmlSecTransformEcdsaSha384Id, NULL);
	xmlAddChild(root_el, sig);
	ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha384Id, NULL,
					      (const xmlChar *)"", NULL);
	xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId);
	xmlSecTmplReferenceAddTransform(ref, xmlSecTransformInclC14N11Id);
	ctx = xmlSecDSigCtxCreate(NULL);
	ctx->signKey = xmlSecKeyCreate();
	EVP_PKEY_up_ref(signer_key);
	xmlSecKeySetValue(ctx->signKey, xmlSecOpenSSLEvpKeyAdopt(signer_key));
	if (xmlSecDSigCtxSign(ctx, sig) < 0)
		fprintf(stderr, "test RIM: signing failed\n");
	xmlSecDSigCtxDestroy(ctx);
	/* KeyInfo is outside the signed reference, as in NVIDIA's RIMs. */
	ki = xmlNewChild(sig, sig->ns, (const xmlChar *)"KeyInfo", NULL);
	data = xmlNewChild(ki, sig->ns, (const xmlChar *)"X509Data", NULL);
	if (keyinfo_certs[0]) {
		for (size_t i = 0; keyinfo_certs[i]; i++)
			add_cert(data, keyinfo_certs[i]);
	} else {
		add_cert(data, signer);
		add_cert(data, root);
	}
	xmlDocDumpMemory(doc, &out, &n);
	xmlFreeDoc(doc);
	s = strndup((char *)out, (size_t)n);
	*len = (size_t)n;
	xmlFree(out);
	return s;
}

static const char *meas(json_t *claims, const char *idx)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(claims, "gpu0"),
								 "measurements"), idx));
}

static void test_comparison(void)
{
	json_t *claims = NULL, *rim;
	struct eaa_err e = { 0 };
	char d1[256], d2[256], v3[256], v4[256], bad[256], alt[300], v36[128];
	const char *zero = "000000000000000000000000000000000000000000000000"
			   "000000000000000000000000000000000000000000000000";
	char *drv, *vb, *x;
	size_t dn, vn, xn;

	CHECK(verify_with("hopper-evidence.json", NULL, NULL, NULL, 0, &claims, &e));
	snprintf(d1, sizeof(d1), "1:True:%s", meas(claims, "2"));  /* SPDM 2 */
	snprintf(d2, sizeof(d2), "9:True:%s", meas(claims, "10"));
	snprintf(v3, sizeof(v3), "2:True:%s", meas(claims, "3"));
	snprintf(v4, sizeof(v4), "3:True:%s", meas(claims, "4"));
	snprintf(bad, sizeof(bad), "3:True:%s", zero);
	snprintf(alt, sizeof(alt), "3:True:%s,%s", zero, meas(claims, "4"));
	/* NVDEC0 is off in sample 1: index 35 (SPDM 36) is not compared. */
	snprintf(v36, sizeof(v36), "35:True:%s", zero);
	json_decref(claims);
	{
		const char *dres[] = { d1, d2, NULL };
		const char *vres[] = { v3, v4, v36, NULL };
		const char *rims[3];
		size_t lens[2];

		drv = make_rim("550.90.07", dres, &dn);
		vb = make_rim("96.00.9F.00.01", vres, &vn);
		rims[0] = drv, rims[1] = vb, rims[2] = NULL;
		lens[0] = dn, lens[1] = vn;
		CHECK_MSG(verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e),
			  "%s", e.msg);
		rim = json_object_get(json_object_get(claims, "gpu0"), "rim");
		CHECK(json_is_true(json_object_get(rim, "checked")) &&
		      json_is_true(json_object_get(rim, "complete")));
		CHECK(json_integer_value(json_object_get(json_object_get(rim, "driver"), "matched")) == 2);
		CHECK(json_integer_value(json_object_get(json_object_get(rim, "vbios"), "matched")) == 2);
		CHECK(json_integer_value(json_array_get(json_object_get(rim, "skipped"), 0)) == 36);
		json_decref(claims);
		/* The same RIMs against the pinned root: refused. */
		CHECK(!verify_with("hopper-evidence.json", rims, lens, NULL, 0, &claims, &e) &&
		      e.code == EAA_E_UNTRUSTED && strstr(e.msg, "CoRIM"));
		/* Only the driver's: checked, not complete. */
		rims[1] = NULL;
		CHECK(verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e));
		rim = json_object_get(json_object_get(claims, "gpu0"), "rim");
		CHECK(json_is_false(json_object_get(rim, "complete")) &&
		      json_is_null(json_object_get(rim, "vbios")));
		json_decref(claims);
		/* Two driver RIMs. */
		rims[1] = drv, lens[1] = dn;
		CHECK(!verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e) &&
		      e.code == EAA_E_REJECTED && strstr(e.msg, "second"));
		/* A golden value that is not the measurement. */
		vres[1] = bad;
		x = make_rim("96.00.9f.00.01", vres, &xn);
		rims[1] = x, lens[1] = xn;
		CHECK(!verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e) &&
		      e.code == EAA_E_REJECTED && strstr(e.msg, "GPU measurement 4 matches none"));
		free(x);
		/* ...unless another alternative is. */
		vres[1] = alt;
		x = make_rim("96.00.9f.00.01", vres, &xn);
		rims[1] = x, lens[1] = xn;
		CHECK_MSG(verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e),
			  "%s", e.msg);
		json_decref(claims);
		free(x);
		/* Both RIMs claiming index 1. */
		vres[1] = d1;
		x = make_rim("96.00.9f.00.01", vres, &xn);
		rims[1] = x, lens[1] = xn;
		CHECK(!verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e) &&
		      e.code == EAA_E_REJECTED && strstr(e.msg, "both give measurement 2"));
		free(x);
		/* A measurement the report does not have. */
		vres[0] = "70:True:000000000000000000000000000000000000000000000000"
			  "000000000000000000000000000000000000000000000000";
		vres[1] = NULL;
		x = make_rim("96.00.9f.00.01", vres, &xn);
		rims[1] = x, lens[1] = xn;
		CHECK(!verify_with("hopper-evidence.json", rims, lens, root, 0, &claims, &e) &&
		      e.code == EAA_E_REJECTED && strstr(e.msg, "no measurement 71"));
		free(x);
		free(drv);
		free(vb);
	}
}

/* A RIM signed by our key but carrying NVIDIA's real RIM chain: the chain
 * verifies to the pinned root, the signature is not its signer's. */
static void test_foreign_signer(void)
{
	size_t n, xn, k = 0;
	char *real = (char *)load(REAL_RIM, &n), *p = real, *x;
	const char *res[] = { "0:False:000000000000000000000000000000000000000000000000"
			      "000000000000000000000000000000000000000000000000", NULL };
	struct nv_rim *r = malloc(sizeof(*r));
	struct eaa_err e = { 0 };

	while (k < 7 && (p = strstr(p, "<ds:X509Certificate>"))) {
		char *end = strstr(p, "</ds:X509Certificate>"), *b64 = NULL;
		uint8_t *der = NULL;
		size_t dn, m = 0;
		const unsigned char *q;

		p += strlen("<ds:X509Certificate>");
		b64 = strndup(p, (size_t)(end - p));
		for (char *c = b64; *c; c++)
			if (*c != '\n' && *c != ' ')
				b64[m++] = *c;
		b64[m] = '\0';
		if (base64_decode(b64, false, &der, &dn)) {
			q = der;
			keyinfo_certs[k++] = d2i_X509(NULL, &q, (long)dn);
		}
		free(der);
		free(b64);
	}
	CHECK(k == 4);
	x = make_rim("96.00.74.00.1a", res, &xn);
	CHECK_MSG(!nv_rim_load(x, xn, NULL, AT_2025, r, &e) && e.code == EAA_E_SIGNATURE &&
		  strstr(e.msg, "XML signature does not verify"), "%s", e.msg);
	for (size_t i = 0; i < k; i++) {
		X509_free(keyinfo_certs[i]);
		keyinfo_certs[i] = NULL;
	}
	free(x);
	free(r);
	free(real);
}

static void test_xml_rules(void)
{
	struct nv_rim *r = malloc(sizeof(*r));
	struct eaa_err e = { 0 };
	static const char doctype[] =
		"<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]>"
		"<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
		"tagId=\"t\"><Meta colloquialVersion=\"1\"/><Payload/></SoftwareIdentity>";
	static const char nosig[] =
		"<SoftwareIdentity xmlns=\"http://standards.iso.org/iso/19770/-2/2015/schema.xsd\" "
		"tagId=\"t\"><Meta colloquialVersion=\"1\"/><Payload/></SoftwareIdentity>";
	const char *two[] = { "1:True:00", NULL };

	CHECK(!nv_rim_parse(doctype, sizeof(doctype) - 1, r, &e) && e.code == EAA_E_FORMAT);
	CHECK(nv_rim_parse(nosig, sizeof(nosig) - 1, r, &e) && r->nres == 0);
	CHECK(!nv_rim_load(nosig, sizeof(nosig) - 1, root, 0, r, &e) && e.code == EAA_E_SIGNATURE);
	CHECK(!nv_rim_parse("<a/>", 4, r, &e) && e.code == EAA_E_FORMAT);
	CHECK(!nv_rim_parse("<a", 2, r, &e) && e.code == EAA_E_FORMAT);
	{
		size_t n;
		char *x = make_rim("1", two, &n);

		/* "00" is not 48 bytes */
		CHECK(!nv_rim_parse(x, n, r, &e) && e.code == EAA_E_FORMAT);
		free(x);
	}
	free(r);
}

int main(void)
{
	datadir = getenv("EAA_TESTDATA");
	if (!datadir)
		datadir = "tests/data";
	root_key = EVP_EC_gen("P-384");
	signer_key = EVP_EC_gen("P-384");
	root = make_cert("Test RIM Root", root_key, NULL, root_key, true);
	signer = make_cert("Test RIM Signer", signer_key, root, root_key, false);
	{
		/* make_rim signs with xmlsec before any verification set it up */
		struct nv_rim *r = malloc(sizeof(*r));
		struct eaa_err e;

		nv_rim_parse("<a/>", 4, r, &e);
		free(r);
	}
	test_real_rim();
	test_comparison();
	test_foreign_signer();
	test_xml_rules();
	X509_free(root);
	X509_free(signer);
	EVP_PKEY_free(root_key);
	EVP_PKEY_free(signer_key);
	return test_summary();
}
