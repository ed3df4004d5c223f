/* test_nvidia.c - NVIDIA Hopper evidence (src/nvidia): trustee's two real
 * samples verify with the claims trustee derives, and every check refuses
 * what it must: each byte of the signed region and of the signature, a
 * chain to another root, a wrong nonce, truncations, revoked certificates,
 * malformed evidence JSON. */
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/ocsp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "codec.h"
#include "file.h"
#include "internal.h"
#include "nv_chain.h"
#include "nv_evidence.h"
#include "spdm.h"
#include "test.h"

static const char *datadir;
static const char nonce1_hex[] =
	"931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb";
/* SHA-384-sized report data: trustee's CoCo test passes 48 bytes and
 * regularize_data keeps the first 32. */
static const char nonce2_hex[] =
	"87d8e24ab336adafe228d49e83d745f6dba4ae505372b6a5704820856b343fec"
	"e279b616efefc2aae21da80cf5581250";

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

static uint8_t *load_hex(const char *name, size_t *n)
{
	size_t tn;
	uint8_t *t = load(name, &tn), *b = NULL;
	char *s = t ? strndup((char *)t, tn) : NULL;

	if (!s || !hex_decode(s, &b, n))
		b = NULL;
	free(s);
	free(t);
	return b;
}

static uint8_t *unhex(const char *s, size_t *n)
{
	uint8_t *b = NULL;

	return hex_decode(s, &b, n) ? b : NULL;
}

/* trustee's sample 1 against hopperAttestationReport-claims.txt, which
 * trustee's test_build_claims_for_one_hopper_device asserts equal. */
static void test_sample_claims(void)
{
	size_t n, cn, nn;
	uint8_t *ev = load("hopper-evidence.json", &n);
	uint8_t *want = load("hopperAttestationReport-claims.txt", &cn);
	uint8_t *nonce = unhex(nonce1_hex, &nn);
	json_t *claims = NULL, *exp = want ? json_loadb((char *)want, cn, 0, NULL) : NULL;
	struct eaa_err e = { 0 };
	const char *keys[] = { "arch", "uuid", "measurements", "config" };

	CHECK_MSG(nv_evidence_verify(ev, n, nonce, nn, NULL, &claims, &e), "%s", e.msg);
	for (size_t i = 0; claims && exp && i < 4; i++)
		CHECK_MSG(json_equal(json_object_get(json_object_get(claims, "gpu0"), keys[i]),
				     json_object_get(exp, keys[i])), "%s differs", keys[i]);
	CHECK(json_integer_value(json_object_get(claims, "gpu_count")) == 1);
	CHECK(json_is_true(json_object_get(json_object_get(claims, "gpu0"), "nonce_checked")));
	CHECK(json_is_false(json_object_get(json_object_get(json_object_get(claims, "gpu0"),
							    "revocation"), "checked")));
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(json_object_get(
		claims, "gpu0"), "device"), "serial")),
		     "53C22BA15E5D68088282DA074ED9FB37AA585771") == 0);
	json_decref(claims);
	json_decref(exp);

	/* No expected nonce: verified, and the claims say so. */
	CHECK(nv_evidence_verify(ev, n, NULL, 0, NULL, &claims, &e));
	CHECK(json_is_false(json_object_get(json_object_get(claims, "gpu0"), "nonce_checked")));
	json_decref(claims);

	/* Another nonce, and the right one cut short: EAA_E_NONCE. */
	nonce[5] ^= 1;
	CHECK(!nv_evidence_verify(ev, n, nonce, nn, NULL, &claims, &e) &&
	      e.code == EAA_E_NONCE);
	nonce[5] ^= 1;
	CHECK(!nv_evidence_verify(ev, n, nonce, 31, NULL, &claims, &e) &&
	      e.code == EAA_E_NONCE);
	free(nonce);
	free(want);
	free(ev);
}

/* The CoCo sample (driver 580, opaque data version 1, one byte after the
 * signature). Expected values read from the sample's own bytes: opaque
 * items 3, 6 and 20 (trustee has no claims file for it). */
static void test_coco_sample(void)
{
	size_t n, nn;
	uint8_t *ev = load("hopper-coco-evidence.json", &n);
	uint8_t *nonce = unhex(nonce2_hex, &nn);
	json_t *claims = NULL, *g, *cfg;
	struct eaa_err e = { 0 };

	CHECK_MSG(nv_evidence_verify(ev, n, nonce, nn, NULL, &claims, &e), "%s", e.msg);
	g = json_object_get(claims, "gpu0");
	cfg = json_object_get(g, "config");
	CHECK(strcmp(json_string_value(json_object_get(cfg, "driver_version")), "580.95.05") == 0);
	CHECK(strcmp(json_string_value(json_object_get(cfg, "vbios_version")), "96.00.74.00.1a") == 0);
	CHECK(json_integer_value(json_object_get(cfg, "opaque_data_version")) == 1);
	CHECK(strcmp(json_string_value(json_object_get(cfg, "feature_flag")), "SPT") == 0);
	CHECK(json_object_size(json_object_get(g, "measurements")) == 64);
	CHECK(strcmp(json_string_value(json_object_get(g, "nonce")), "87d8e24ab336adafe228d49e"
		     "83d745f6dba4ae505372b6a5704820856b343fec") == 0);
	json_decref(claims);
	/* The other sample's nonce is refused. */
	free(nonce);
	nonce = unhex(nonce1_hex, &nn);
	CHECK(!nv_evidence_verify(ev, n, nonce, nn, NULL, &claims, &e) && e.code == EAA_E_NONCE);
	free(nonce);
	free(ev);
}

/* Every byte of request || response and of the signature, flipped: refused.
 * Bytes that are values (measurements, nonces, opaque payloads, the
 * signature) must fail the signature check itself. */
static void test_flips(void)
{
	size_t rn, pn, nn;
	uint8_t *rep = load_hex("hopperAttestationReport.txt", &rn);
	uint8_t *pem = load("hopper_cert_chain_case1.txt", &pn);
	uint8_t *nonce = unhex(nonce1_hex, &nn), got[32];
	struct spdm_report *r = malloc(sizeof(*r));
	struct eaa_err e = { 0 };
	json_t *dev = NULL;
	size_t refused = 0, sig_refused = 0, values = 0, value_sig = 0, signed_len;
	bool parsed = rep && r && spdm_report_parse(rep, rn, NV_HOPPER_SIG_LEN, r, &e);

	CHECK_MSG(parsed, "%s", e.msg);
	if (!parsed)
		goto out;
	CHECK(r->trailing == 0 && r->nblocks == 64 && r->nopaque == 14);
	signed_len = rd_left(&r->signed_part);
	CHECK(signed_len + NV_HOPPER_SIG_LEN == rn);
	CHECK(nv_report_verify(rep, rn, pem, pn, nonce, NULL, &dev, got, &e));
	json_decref(dev);
	for (size_t i = 0; i < rn; i++) {
		/* value bytes: request nonce, the 48-byte digests, the
		 * responder nonce, the signature */
		bool value = (i >= 4 && i < 36) || i >= signed_len ||
			     (i >= signed_len - 32 - 2 - rd_left(&r->opaque_raw) - 32 &&
			      i < signed_len - 2 - rd_left(&r->opaque_raw));

		for (size_t b = 0; b < r->nblocks && !value; b++) {
			size_t off = (size_t)(r->blocks[b].value.p - rep);

			value = i >= off && i < off + rd_left(&r->blocks[b].value);
		}
		rep[i] ^= 0x01;
		if (!nv_report_verify(rep, rn, pem, pn, nonce, NULL, &dev, got, &e))
			refused++;
		else
			json_decref(dev);
		if (e.code == EAA_E_SIGNATURE)
			sig_refused++;
		if (value) {
			values++;
			value_sig += e.code == EAA_E_SIGNATURE;
		}
		e.code = EAA_OK;
		rep[i] ^= 0x01;
	}
	CHECK_MSG(refused == rn, "%zu of %zu flips refused", refused, rn);
	CHECK_MSG(value_sig == values, "%zu of %zu value flips refused by the "
		  "signature check", value_sig, values);
	CHECK(values > 64 * 48 + 96);
	/* Every truncation is refused as malformed. */
	refused = 0;
	for (size_t cut = 0; cut < rn; cut++)
		if (!nv_report_verify(rep, cut, pem, pn, nonce, NULL, &dev, got, &e) &&
		    e.code == EAA_E_FORMAT)
			refused++;
	CHECK_MSG(refused == rn, "%zu of %zu truncations refused", refused, rn);
out:
	free(r);
	free(nonce);
	free(pem);
	free(rep);
}

/* trustee's broken chains: only the root (case 2), an intermediate missing
 * (case 3), the device certificate missing (case 4: the chain is sound but
 * ends at the BROM certificate, whose key did not sign the report). */
static void test_trustee_chains(void)
{
	static const struct { const char *file; enum eaa_code code; } cases[] = {
		{ "hopper_cert_chain_case2.txt", EAA_E_UNTRUSTED },
		{ "hopper_cert_chain_case3.txt", EAA_E_UNTRUSTED },
		{ "hopper_cert_chain_case4.txt", EAA_E_SIGNATURE },
	};
	size_t rn, pn;
	uint8_t *rep = load_hex("hopperAttestationReport.txt", &rn), got[32];

	for (size_t i = 0; i < 3; i++) {
		uint8_t *pem = load(cases[i].file, &pn);
		struct eaa_err e = { 0 };
		json_t *dev = NULL;

		CHECK_MSG(!nv_report_verify(rep, rn, pem, pn, NULL, NULL, &dev, got, &e) &&
			  e.code == cases[i].code, "%s: %s", cases[i].file, e.msg);
		free(pem);
	}
	free(rep);
}

/* A test PKI: root -> ica -> leaf (P-384), the leaf with a TcbInfo
 * extension ending in fwid. */
struct pki {
	EVP_PKEY *root_key, *ica_key, *leaf_key;
	X509 *root, *ica, *leaf;
};

static EVP_PKEY *p384(void)
{
	return EVP_EC_gen("P-384");
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer,
		       EVP_PKEY *issuer_key, long serial, bool ca,
		       const uint8_t *fwid)
{
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : nm);
	X509_NAME_free(nm);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z");
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
				  ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (ca) {
		ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	if (fwid) {
		ASN1_OBJECT *oid = OBJ_txt2obj("2.23.133.5.4.1", 1);
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		uint8_t v[60] = { 0x30, 0x3a };

		memcpy(v + 12, fwid, 48);
		ASN1_OCTET_STRING_set(os, v, sizeof(v));
		ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, os);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(oid);
	}
	X509_sign(x, issuer_key, EVP_sha384());
	return x;
}

static void pki_make(struct pki *p, const uint8_t *fwid)
{
	p->root_key = p384();
	p->ica_key = p384();
	p->leaf_key = p384();
	p->root = make_cert("Test GPU Root", p->root_key, NULL, p->root_key, 1, true, NULL);
	p->ica = make_cert("Test GPU ICA", p->ica_key, p->root, p->root_key, 2, true, NULL);
	p->leaf = make_cert("Test GPU FMC LF", p->leaf_key, p->ica, p->ica_key, 3, false, fwid);
}

static void pki_free(struct pki *p)
{
	X509_free(p->root);
	X509_free(p->ica);
	X509_free(p->leaf);
	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->ica_key);
	EVP_PKEY_free(p->leaf_key);
}

static uint8_t *pki_pem(const struct pki *p, size_t *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *d;
	uint8_t *out;

	PEM_write_bio_X509(b, p->leaf);
	PEM_write_bio_X509(b, p->ica);
	PEM_write_bio_X509(b, p->root);
	*n = (size_t)BIO_get_mem_data(b, &d);
	out = malloc(*n);
	memcpy(out, d, *n);
	BIO_free(b);
	return out;
}

/* Re-sign the report's transcript with key (raw r || s into the signature). */
static void resign(uint8_t *rep, size_t rn, EVP_PKEY *key)
{
	struct spdm_report *r = malloc(sizeof(*r));
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char der[128];
	const unsigned char *p = der;
	size_t dl = sizeof(der), sl;
	ECDSA_SIG *sig;
	struct eaa_err e = { 0 };

	spdm_report_parse(rep, rn, NV_HOPPER_SIG_LEN, r, &e);
	sl = rd_left(&r->signed_part);
	EVP_DigestSignInit(c, NULL, EVP_sha384(), NULL, key);
	EVP_DigestSign(c, der, &dl, rep, sl);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	BN_bn2binpad(ECDSA_SIG_get0_r(sig), rep + sl, 48);
	BN_bn2binpad(ECDSA_SIG_get0_s(sig), rep + sl + 48, 48);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(c);
	free(r);
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, X509 *revoked,
			  const char *next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
	ASN1_TIME_set_string(t, "20240101000000Z");
	X509_CRL_set1_lastUpdate(crl, t);
	ASN1_TIME_set_string(t, next);
	X509_CRL_set1_nextUpdate(crl, t);
	if (revoked) {
		X509_REVOKED *rv = X509_REVOKED_new();

		X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(revoked));
		X509_REVOKED_set_revocationDate(rv, t);
		X509_CRL_add0_revoked(crl, rv);
	}
	ASN1_TIME_free(t);
	X509_CRL_sort(crl);
	X509_CRL_sign(crl, key, EVP_sha384());
	return crl;
}

/* A DER OCSP response about cert (issued by issuer), signed by signer. */
static uint8_t *make_ocsp(X509 *cert, X509 *issuer, X509 *signer, EVP_PKEY *key,
			  int status, const char *next, size_t *len)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
	ASN1_TIME *t = ASN1_TIME_new(), *nx = ASN1_TIME_new();
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL;
	int n;

	ASN1_TIME_set_string(t, "20240101000000Z");
	ASN1_TIME_set_string(nx, next);
	OCSP_basic_add1_status(bs, id, status, status == V_OCSP_CERTSTATUS_REVOKED ?
			       OCSP_REVOKED_STATUS_KEYCOMPROMISE : 0,
			       status == V_OCSP_CERTSTATUS_REVOKED ? t : NULL, t, nx);
	OCSP_basic_sign(bs, signer, key, EVP_sha384(), NULL, 0);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	n = i2d_OCSP_RESPONSE(resp, &der);
	*len = (size_t)n;
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(t);
	ASN1_TIME_free(nx);
	return der;
}

/* The real report re-signed by a test device whose chain ends at a test
 * root: refused against the pinned root; accepted only when the test root
 * is passed; then the CRL paths. */
static void test_other_root_and_crls(void)
{
	size_t rn, pn, nn;
	uint8_t *rep = load_hex("hopperAttestationReport.txt", &rn);
	uint8_t *nonce = unhex(nonce1_hex, &nn), got[32], *pem;
	struct spdm_report *r = malloc(sizeof(*r));
	struct eaa_err e = { 0 };
	struct nv_trust t = { .at = 1765000000 };
	json_t *dev = NULL;
	struct pki p;
	const struct nv_opaque *o;

	spdm_report_parse(rep, rn, NV_HOPPER_SIG_LEN, r, &e);
	o = nv_opaque_find(r, NV_OD_FWID);
	pki_make(&p, o->data.p);
	pem = pki_pem(&p, &pn);
	resign(rep, rn, p.leaf_key);

	CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, NULL, &dev, got, &e) &&
	      e.code == EAA_E_UNTRUSTED && strstr(e.msg, "pinned NVIDIA"));
	t.test_root = p.root;
	CHECK_MSG(nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e), "%s", e.msg);
	json_decref(dev);

	/* The real chain with its root swapped for the test root. */
	{
		size_t rpn, rrn;
		uint8_t *real = load("hopper_cert_chain_case1.txt", &rpn);
		uint8_t *orig = load_hex("hopperAttestationReport.txt", &rrn);
		char *s = strndup((char *)real, rpn), *last = s;
		BIO *b = BIO_new(BIO_s_mem());
		char *d;
		size_t dn;

		for (char *q; (q = strstr(last + 1, "-----BEGIN")); last = q)
			;
		BIO_write(b, s, (int)(last - s));
		PEM_write_bio_X509(b, p.root);
		dn = (size_t)BIO_get_mem_data(b, &d);
		CHECK(!nv_report_verify(orig, rrn, (uint8_t *)d, dn, nonce, NULL, &dev, got, &e) &&
		      e.code == EAA_E_UNTRUSTED);
		BIO_free(b);
		free(s);
		free(real);
		free(orig);
	}

	/* CRLs: the root's revokes the ICA; the ICA's revokes the leaf. */
	{
		X509_CRL *root_ok = make_crl(p.root, p.root_key, NULL, "20300101000000Z");
		X509_CRL *ica_ok = make_crl(p.ica, p.ica_key, NULL, "20300101000000Z");
		X509_CRL *ica_rev = make_crl(p.ica, p.ica_key, p.leaf, "20300101000000Z");
		X509_CRL *root_rev = make_crl(p.root, p.root_key, p.ica, "20300101000000Z");
		X509_CRL *stale = make_crl(p.root, p.root_key, NULL, "20250101000000Z");
		X509_CRL *forged = make_crl(p.root, p.ica_key, NULL, "20300101000000Z");
		STACK_OF(X509_CRL) *s = sk_X509_CRL_new_null();
		json_t *rv;

		t.crls = s;
		sk_X509_CRL_push(s, root_ok);
		CHECK(nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e));
		rv = json_object_get(dev, "revocation");
		CHECK(json_is_false(json_object_get(rv, "checked")) &&
		      json_array_size(json_object_get(rv, "not_covered")) == 1);
		json_decref(dev);
		sk_X509_CRL_push(s, ica_ok);
		CHECK(nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e));
		rv = json_object_get(dev, "revocation");
		CHECK(json_is_true(json_object_get(rv, "checked")) &&
		      json_integer_value(json_object_get(rv, "crls")) == 2);
		json_decref(dev);
		sk_X509_CRL_set(s, 1, ica_rev);
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_UNTRUSTED && strstr(e.msg, "revoked"));
		sk_X509_CRL_set(s, 1, ica_ok);
		sk_X509_CRL_set(s, 0, root_rev);
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_UNTRUSTED && strstr(e.msg, "revoked"));
		sk_X509_CRL_set(s, 0, stale);
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_EXPIRED);
		sk_X509_CRL_set(s, 0, forged);
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_SIGNATURE);
		sk_X509_CRL_free(s);
		X509_CRL_free(root_ok);
		X509_CRL_free(ica_ok);
		X509_CRL_free(ica_rev);
		X509_CRL_free(root_rev);
		X509_CRL_free(stale);
		X509_CRL_free(forged);
	}

	/* OCSP: the root answers for the ICA, the ICA for the leaf. */
	{
		size_t l[3] = { 0 };
		const uint8_t *oc[3] = { NULL };
		uint8_t *ica_good = make_ocsp(p.ica, p.root, p.root, p.root_key,
					      V_OCSP_CERTSTATUS_GOOD, "20300101000000Z", &l[0]);
		size_t lg, lr, lw, ls;
		uint8_t *leaf_good = make_ocsp(p.leaf, p.ica, p.ica, p.ica_key,
					       V_OCSP_CERTSTATUS_GOOD, "20300101000000Z", &lg);
		uint8_t *leaf_rev = make_ocsp(p.leaf, p.ica, p.ica, p.ica_key,
					      V_OCSP_CERTSTATUS_REVOKED, "20300101000000Z", &lr);
		uint8_t *leaf_wrong = make_ocsp(p.leaf, p.ica, p.leaf, p.leaf_key,
						V_OCSP_CERTSTATUS_GOOD, "20300101000000Z", &lw);
		uint8_t *leaf_stale = make_ocsp(p.leaf, p.ica, p.ica, p.ica_key,
						V_OCSP_CERTSTATUS_GOOD, "20250101000000Z", &ls);
		json_t *rv;

		t.crls = NULL;
		t.ocsp = oc;
		t.ocsp_lens = l;
		oc[0] = ica_good;
		CHECK_MSG(nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e), "%s", e.msg);
		rv = json_object_get(dev, "revocation");
		CHECK(json_is_false(json_object_get(rv, "checked")) &&
		      json_integer_value(json_object_get(rv, "ocsp")) == 1);
		json_decref(dev);
		oc[1] = leaf_good, l[1] = lg;
		CHECK_MSG(nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e), "%s", e.msg);
		rv = json_object_get(dev, "revocation");
		CHECK(json_is_true(json_object_get(rv, "checked")) &&
		      strcmp(json_string_value(json_object_get(rv, "method")), "ocsp") == 0);
		json_decref(dev);
		oc[1] = leaf_rev, l[1] = lr;
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_UNTRUSTED && strstr(e.msg, "revoked (OCSP)"));
		oc[1] = leaf_wrong, l[1] = lw;
		CHECK_MSG(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
			  e.code == EAA_E_SIGNATURE, "%s", e.msg);
		oc[1] = leaf_stale, l[1] = ls;
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_EXPIRED);
		oc[1] = (const uint8_t *)"junk", l[1] = 4;
		CHECK(!nv_report_verify(rep, rn, pem, pn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_FORMAT);
		t.ocsp = NULL;
		OPENSSL_free(ica_good);
		OPENSSL_free(leaf_good);
		OPENSSL_free(leaf_rev);
		OPENSSL_free(leaf_wrong);
		OPENSSL_free(leaf_stale);
	}

	/* A device certificate whose FWID is not the report's. */
	{
		uint8_t other[48] = { 1 };
		X509 *leaf2 = make_cert("Test GPU FMC LF", p.leaf_key, p.ica, p.ica_key, 4,
					false, other);
		BIO *b = BIO_new(BIO_s_mem());
		char *d;
		size_t dn;

		t.crls = NULL;
		PEM_write_bio_X509(b, leaf2);
		PEM_write_bio_X509(b, p.ica);
		PEM_write_bio_X509(b, p.root);
		dn = (size_t)BIO_get_mem_data(b, &d);
		CHECK(!nv_report_verify(rep, rn, (uint8_t *)d, dn, nonce, &t, &dev, got, &e) &&
		      e.code == EAA_E_BINDING && strstr(e.msg, "FWID"));
		BIO_free(b);
		X509_free(leaf2);
	}
	pki_free(&p);
	free(pem);
	free(r);
	free(nonce);
	free(rep);
}

static void expect_json_fail(const char *json, enum eaa_code code)
{
	struct eaa_err e = { 0 };
	json_t *claims = NULL;

	CHECK_MSG(!nv_evidence_verify((const uint8_t *)json, strlen(json), NULL, 0, NULL,
				      &claims, &e) && e.code == code, "%s: %s", json, e.msg);
}

static void test_json(void)
{
	size_t n;
	uint8_t *ev = load("hopper-evidence.json", &n);
	json_t *j = ev ? json_loadb((char *)ev, n, 0, NULL) : NULL, *d, *claims = NULL;
	const char *hex;
	uint8_t *bin = NULL;
	size_t bn = 0;
	char *b64, *text;
	struct eaa_err e = { 0 };

	expect_json_fail("", EAA_E_FORMAT);
	expect_json_fail("{}", EAA_E_FORMAT);
	expect_json_fail("{\"device_evidence_list\": []}", EAA_E_FORMAT);
	expect_json_fail("{\"device_evidence_list\": [{\"arch\": \"BLACKWELL\", "
			 "\"evidence\": \"00\", \"certificate\": \"\"}]}", EAA_E_UNSUPPORTED);
	expect_json_fail("{\"device_evidence_list\": [{\"arch\": \"HOPPER\", "
			 "\"evidence\": \"zz!\", \"certificate\": \"\"}]}", EAA_E_FORMAT);
	expect_json_fail("{\"device_evidence_list\": [{\"arch\": \"HOPPER\", "
			 "\"certificate\": \"\"}]}", EAA_E_FORMAT);
	/* The same report in base64, as newer attesters send it. */
	d = json_array_get(json_object_get(j, "device_evidence_list"), 0);
	hex = json_string_value(json_object_get(d, "evidence"));
	CHECK(hex && hex_decode(hex, &bin, &bn));
	b64 = base64_encode(bin, bn, false);
	json_object_set_new(d, "evidence", json_string(b64));
	json_object_set_new(d, "arch", json_string("HOPPER"));
	json_array_append(json_object_get(j, "device_evidence_list"), d);
	text = json_dumps(j, 0);
	CHECK_MSG(nv_evidence_verify((uint8_t *)text, strlen(text), NULL, 0, NULL, &claims, &e),
		  "%s", e.msg);
	CHECK(json_integer_value(json_object_get(claims, "gpu_count")) == 2 &&
	      json_object_get(claims, "gpu1"));
	json_decref(claims);
	free(text);
	free(b64);
	free(bin);
	json_decref(j);
	free(ev);
}

/* The librats-tls row: one GPU, the nonce handed back as the binding. */
static void test_rats_verifier(void)
{
	const struct rats_verifier *v = rats_verifier_find("nvidia");
	struct rats_opts opts = { 0 };
	struct rats_verified out = { .user_data_len = 0 };
	struct rats_evidence ev = { .tag = TAG_NVIDIA };
	struct eaa_err e = { 0 };
	size_t n, nn;
	uint8_t *json = load("hopper-evidence.json", &n), *nonce = unhex(nonce1_hex, &nn);
	void *st = NULL;

	CHECK(v && rats_verifier_handles(v, TAG_NVIDIA));
	if (!v || !v->init(&opts, &st, &e))
		goto out;
	ev.quote = rd_init(json, n);
	CHECK_MSG(v->verify(st, &ev, &out, &e), "%s", e.msg);
	CHECK(out.user_data_len == 32 && memcmp(out.user_data, nonce, 32) == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_object_get(out.claims, "config"),
						       "driver_version")), "550.90.07") == 0);
	json_decref(out.claims);
	json[n / 2] ^= 1;
	CHECK(!v->verify(st, &ev, &out, &e));
	v->cleanup(st);
out:
	free(nonce);
	free(json);
}

static void test_regularize(void)
{
	uint8_t in[48], out[32], zero[32] = { 0 };

	for (int i = 0; i < 48; i++)
		in[i] = (uint8_t)(i + 1);
	nv_nonce_regularize(in, 48, out);
	CHECK(memcmp(out, in, 32) == 0);
	nv_nonce_regularize(in, 4, out);
	CHECK(memcmp(out, in, 4) == 0 && memcmp(out + 4, zero, 28) == 0);
}

int main(void)
{
	datadir = getenv("EAA_TESTDATA");
	if (!datadir)
		datadir = "tests/data";
	test_regularize();
	test_sample_claims();
	test_coco_sample();
	test_flips();
	test_trustee_chains();
	test_other_root_and_crls();
	test_json();
	test_rats_verifier();
	return test_summary();
}
