/* nv_evidence.c - trustee's NVIDIA evidence JSON verified device by device:
 * chain, report signature, FWID, nonce, revocation, RIMs (see
 * nv_evidence.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include "codec.h"
#include "ecdsa.h"
#include "json_util.h"
#include "nv_chain.h"
#include "nv_evidence.h"
#include "nv_rim.h"
#include "pck.h"

void nv_nonce_regularize(const uint8_t *in, size_t n,
			 uint8_t out[SPDM_NONCE_LEN])
{
	memset(out, 0, SPDM_NONCE_LEN);
	memcpy(out, in, n < SPDM_NONCE_LEN ? n : SPDM_NONCE_LEN);
}

static bool check_signature(const struct spdm_report *r, X509 *leaf,
			    struct eaa_err *err)
{
	EVP_PKEY *key = X509_get0_pubkey(leaf);
	const uint8_t *sig = r->signature.p;

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
	    EVP_PKEY_get_bits(key) != 384) {
		ERR_clear_error();
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU device certificate: "
				"key is not ECDSA P-384");
	}
	if (!ecdsa_verify_rs(key, EVP_sha384(), r->signed_part.p,
			     rd_left(&r->signed_part), sig, sig + 48, 48)) {
		ERR_clear_error();
		return eaa_fail(err, EAA_E_SIGNATURE, "GPU attestation report: "
				"signature over the SPDM request and response "
				"does not verify with the device certificate");
	}
	return true;
}

static bool check_fwid(const struct spdm_report *r, X509 *leaf,
		       uint8_t fwid[NV_FWID_LEN], struct eaa_err *err)
{
	const struct nv_opaque *o = nv_opaque_find(r, NV_OD_FWID);

	if (!nv_cert_fwid(leaf, fwid, err))
		return false;
	if (!o)
		return eaa_fail(err, EAA_E_BINDING, "GPU attestation report: no "
				"FWID in the opaque data to match the device "
				"certificate's");
	if (rd_left(&o->data) != NV_FWID_LEN ||
	    CRYPTO_memcmp(o->data.p, fwid, NV_FWID_LEN) != 0)
		return eaa_fail(err, EAA_E_BINDING, "GPU attestation report: "
				"FWID is not the device certificate's");
	return true;
}

static bool device_claims(X509 *leaf, X509 *issuer, const uint8_t *fwid,
			  json_t *dev, struct eaa_err *err)
{
	json_t *d = json_object();
	BIO *b = BIO_new(BIO_s_mem());
	const ASN1_INTEGER *sn = X509_get0_serialNumber(leaf);
	X509_NAME *in = X509_get_subject_name(issuer);
	int i = X509_NAME_get_index_by_NID(in, NID_serialNumber, -1);
	BIGNUM *bn = sn ? ASN1_INTEGER_to_BN(sn, NULL) : NULL;
	char *snh = bn ? BN_bn2hex(bn) : NULL, *text = NULL;
	long len;
	bool ok;

	ok = d && b && snh &&
	     X509_NAME_print_ex(b, X509_get_subject_name(leaf), 0, XN_FLAG_RFC2253) >= 0 &&
	     (len = BIO_get_mem_data(b, &text)) >= 0 &&
	     json_object_set_new(d, "subject", json_stringn(text, (size_t)len)) == 0 &&
	     json_object_set_new(d, "serial", json_string(snh)) == 0 &&
	     json_set_hex(d, "fwid", fwid, NV_FWID_LEN);
	if (ok && i >= 0) {
		ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(in, i));

		ok = json_object_set_new(d, "issuer_serial",
					 json_stringn((const char *)ASN1_STRING_get0_data(s),
						      (size_t)ASN1_STRING_length(s))) == 0;
	}
	ok = ok && json_object_set_new(dev, "device", d) == 0;
	if (!ok && d && json_object_get(dev, "device") != d)
		json_decref(d);
	OPENSSL_free(snh);
	BN_free(bn);
	BIO_free(b);
	ERR_clear_error();
	return ok || eaa_fail(err, EAA_E_NOMEM, "device claims: out of memory");
}

/* CRLs and OCSP responses together: a certificate is covered when either
 * spoke for it; the claim says whether every one but the root was. */
static json_t *revocation(STACK_OF(X509) *chain, const struct nv_trust *trust,
			  time_t at, struct eaa_err *err)
{
	bool covered[NV_MAX_CHAIN] = { false }, all = true;
	bool crl = trust && trust->crls, ocsp = trust && trust->ocsp && trust->ocsp[0];
	int ncrl = 0, nocsp = 0, n = sk_X509_num(chain);
	json_t *nc = NULL, *c = NULL;
	X509 *anchor = NULL;
	char name[128];

	if (!crl && !ocsp) {
		c = json_pack("{s:b, s:s}", "checked", 0, "method", "none");
		goto out;
	}
	if (crl && !nv_chain_check_crls(chain, trust->crls, at, covered, &ncrl, err))
		return NULL;
	if (ocsp) {
		anchor = trust->test_root ? (X509_up_ref(trust->test_root), trust->test_root)
					  : nv_device_root();
		if (!anchor)
			goto out;
		if (!nv_chain_check_ocsp(chain, anchor, trust->ocsp, trust->ocsp_lens, at,
					 covered, &nocsp, err)) {
			X509_free(anchor);
			return NULL;
		}
		X509_free(anchor);
	}
	if (!(nc = json_array()))
		goto out;
	for (int j = 0; j < n - 1; j++) {
		if (covered[j])
			continue;
		all = false;
		nv_cert_name(sk_X509_value(chain, j), name, sizeof(name));
		if (json_array_append_new(nc, json_string(name)) != 0) {
			json_decref(nc);
			goto out;
		}
	}
	c = json_pack("{s:b, s:s, s:i, s:i, s:o}", "checked", all, "method",
		      crl && ocsp ? "crl+ocsp" : crl ? "crl" : "ocsp", "crls", ncrl,
		      "ocsp", nocsp, "not_covered", nc);
out:
	if (!c)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return c;
}

bool nv_report_verify(const uint8_t *report, size_t report_len,
		      const uint8_t *pem, size_t pem_len,
		      const uint8_t *expected_nonce32,
		      const struct nv_trust *trust, json_t **dev_out,
		      uint8_t nonce[SPDM_NONCE_LEN], struct eaa_err *err)
{
	struct spdm_report *r = malloc(sizeof(*r));
	STACK_OF(X509) *chain = NULL;
	uint8_t fwid[NV_FWID_LEN];
	json_t *dev = json_object(), *rev = NULL;
	time_t at = trust && trust->at ? trust->at : time(NULL);
	X509 *leaf;
	bool ok = false;

	*dev_out = NULL;
	if (!r || !dev) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!spdm_report_parse(report, report_len, NV_HOPPER_SIG_LEN, r, err) ||
	    !pem_certs_parse(rd_init(pem, pem_len), &chain, "GPU certificate chain", err) ||
	    !nv_chain_verify(chain, trust ? trust->test_root : NULL, at, err))
		goto out;
	leaf = sk_X509_value(chain, 0);
	if (!check_signature(r, leaf, err) || !check_fwid(r, leaf, fwid, err))
		goto out;
	if (expected_nonce32 &&
	    CRYPTO_memcmp(expected_nonce32, r->req_nonce, SPDM_NONCE_LEN) != 0) {
		eaa_fail(err, EAA_E_NONCE, "GPU attestation report: the SPDM "
			 "request's nonce is not the expected one");
		goto out;
	}
	if (!(rev = revocation(chain, trust, at, err)))
		goto out;
	if (json_object_set_new(dev, "revocation", rev) != 0 ||
	    json_object_set_new(dev, "nonce_checked", json_boolean(expected_nonce32)) != 0 ||
	    json_object_set_new(dev, "cc_mode", json_string("not-in-evidence")) != 0) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!nv_report_claims(r, dev, err) ||
	    !device_claims(leaf, sk_X509_value(chain, 1), fwid, dev, err) ||
	    !nv_rim_check(r, trust, at, dev, err))
		goto out;
	memcpy(nonce, r->req_nonce, SPDM_NONCE_LEN);
	*dev_out = dev;
	dev = NULL;
	ok = true;
out:
	json_decref(dev);
	sk_X509_pop_free(chain, X509_free);
	free(r);
	return ok;
}

/* hex first, as trustee tries it, then standard base64. */
static bool decode_evidence(const char *s, uint8_t **out, size_t *n)
{
	return hex_decode(s, out, n) || base64_decode(s, false, out, n);
}

static bool one_device(const json_t *d, size_t i, const uint8_t *nonce32,
		       const struct nv_trust *trust, json_t *claims,
		       uint8_t nonce[SPDM_NONCE_LEN], struct eaa_err *err)
{
	const char *arch = json_string_value(json_object_get(d, "arch"));
	const char *ev = json_string_value(json_object_get(d, "evidence"));
	const char *cert = json_string_value(json_object_get(d, "certificate"));
	const json_t *uuid = json_object_get(d, "uuid");
	uint8_t *report = NULL, *pem = NULL;
	size_t rn = 0, pn = 0;
	json_t *dev = NULL;
	char key[16];
	bool ok;

	if (!json_is_object(d) || !arch || !ev || !cert || (uuid && !json_is_string(uuid)))
		return eaa_fail(err, EAA_E_FORMAT, "device_evidence_list[%zu]: "
				"want arch, evidence and certificate strings", i);
	if (strcasecmp(arch, "hopper") != 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "device_evidence_list[%zu]: "
				"architecture \"%s\": only Hopper is verified "
				"locally", i, arch);
	if (!decode_evidence(ev, &report, &rn) || rn > NV_MAX_EVIDENCE) {
		free(report);
		return eaa_fail(err, EAA_E_FORMAT, "device_evidence_list[%zu]."
				"evidence: neither hex nor base64", i);
	}
	if (!base64_decode(cert, false, &pem, &pn)) {
		free(report);
		return eaa_fail(err, EAA_E_FORMAT, "device_evidence_list[%zu]."
				"certificate: not base64", i);
	}
	ok = nv_report_verify(report, rn, pem, pn, nonce32, trust, &dev, nonce, err);
	free(report);
	free(pem);
	if (!ok)
		return eaa_err_prefix(err, "gpu%zu", i);
	snprintf(key, sizeof(key), "gpu%zu", i);
	ok = json_object_set_new(dev, "arch", json_string("Hopper")) == 0 &&
	     json_object_set_new(dev, "uuid", json_string(uuid ? json_string_value(uuid)
								 : "unknown")) == 0 &&
	     json_object_set_new(claims, key, dev) == 0;
	return ok || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

static bool verify_all(const uint8_t *json, size_t n, const uint8_t *nonce32,
		       const struct nv_trust *trust, json_t **claims_out,
		       uint8_t first_nonce[SPDM_NONCE_LEN], struct eaa_err *err)
{
	uint8_t nonce[SPDM_NONCE_LEN];
	json_error_t je;
	json_t *root, *list, *claims = NULL;
	size_t count;

	*claims_out = NULL;
	if (n > NV_MAX_DEVICES * 2 * NV_MAX_EVIDENCE)
		return eaa_fail(err, EAA_E_FORMAT, "NVIDIA evidence: %zu bytes is "
				"too large", n);
	if (!(root = json_loadb((const char *)json, n, JSON_REJECT_DUPLICATES, &je)))
		return eaa_fail(err, EAA_E_FORMAT, "NVIDIA evidence: not JSON "
				"(%s)", je.text);
	list = json_object_get(root, "device_evidence_list");
	count = json_array_size(list);
	if (!json_is_array(list) || count == 0 || count > NV_MAX_DEVICES) {
		json_decref(root);
		return eaa_fail(err, EAA_E_FORMAT, "NVIDIA evidence: "
				"device_evidence_list is not an array of 1 to "
				"%d devices", NV_MAX_DEVICES);
	}
	if (!(claims = json_pack("{s:I}", "gpu_count", (json_int_t)count))) {
		json_decref(root);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < count; i++) {
		if (!one_device(json_array_get(list, i), i, nonce32, trust, claims,
				nonce, err)) {
			json_decref(claims);
			json_decref(root);
			return false;
		}
		if (i == 0 && first_nonce)
			memcpy(first_nonce, nonce, SPDM_NONCE_LEN);
	}
	json_decref(root);
	*claims_out = claims;
	return true;
}

bool nv_evidence_verify(const uint8_t *json, size_t n,
			const uint8_t *expected_nonce, size_t nonce_len,
			const struct nv_trust *trust, json_t **claims,
			struct eaa_err *err)
{
	uint8_t nonce32[SPDM_NONCE_LEN];

	if (expected_nonce)
		nv_nonce_regularize(expected_nonce, nonce_len, nonce32);
	return verify_all(json, n, expected_nonce ? nonce32 : NULL, trust,
			  claims, NULL, err);
}

bool nv_evidence_verify_single(const uint8_t *json, size_t n,
			       const struct nv_trust *trust, json_t **gpu,
			       uint8_t nonce[SPDM_NONCE_LEN],
			       struct eaa_err *err)
{
	json_t *claims = NULL;

	*gpu = NULL;
	if (!verify_all(json, n, NULL, trust, &claims, nonce, err))
		return false;
	if (json_integer_value(json_object_get(claims, "gpu_count")) != 1) {
		json_decref(claims);
		return eaa_fail(err, EAA_E_FORMAT, "NVIDIA evidence: %lld GPUs, "
				"want one", (long long)json_integer_value(
					json_object_get(claims, "gpu_count")));
	}
	*gpu = json_incref(json_object_get(claims, "gpu0"));
	json_decref(claims);
	return true;
}
