/* cert.c - the attested certificate: building ours (key, claims-buffer,
 * evidence, self-signed X.509 v3) and finding the evidence in a peer's.
 * Format: docs/ratls-format.md. */
#include <string.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include "oids.h"
#include "internal.h"

bool cert_spki_hash(EVP_PKEY *key, const EVP_MD *md, uint8_t *out,
		    size_t *out_len, struct eaa_err *err)
{
	unsigned char *der = NULL;
	unsigned int len = 0;
	int der_len = i2d_PUBKEY(key, &der);
	bool ok;

	if (der_len <= 0)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "encode public key");
	ok = EVP_Digest(der, (size_t)der_len, out, &len, md, NULL) == 1;
	OPENSSL_free(der);
	if (!ok)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "hash public key");
	*out_len = len;
	return true;
}

static bool add_ext(X509 *x, const char *oid, bool critical, const void *p,
		    size_t n, struct eaa_err *err)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	bool ok = obj && os && n <= INT_MAX &&
		  ASN1_OCTET_STRING_set(os, p, (int)n) == 1 &&
		  (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, os)) &&
		  X509_add_ext(x, ext, -1) == 1;

	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok || eaa_fail_ssl(err, EAA_E_CRYPTO, "add certificate extension");
}

static const EVP_MD *sign_md(EVP_PKEY *key)
{
	return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
			       EVP_PKEY_get_bits(key) > 256
		       ? EVP_sha384()
		       : EVP_sha256();
}

bool cert_build(EVP_PKEY *key, const void *evidence_ext, size_t ext_len,
		const void *endorsements, size_t endorse_len, X509 **out,
		struct eaa_err *err)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	bool ok;

	ok = x && name && RAND_bytes(serial, sizeof(serial)) == 1;
	if (ok) {
		serial[0] &= 0x7f; /* positive, at most 16 bytes */
		bn = BN_bin2bn(serial, sizeof(serial), NULL);
	}
	ok = ok && bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_set_version(x, X509_VERSION_3) == 1 &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)RATS_CERT_CN, -1,
					-1, 0) == 1 &&
	     X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
					(const unsigned char *)RATS_CERT_O, -1,
					-1, 0) == 1 &&
	     X509_set_subject_name(x, name) == 1 &&
	     X509_set_issuer_name(x, name) == 1 &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 365L * 24 * 3600) &&
	     X509_set_pubkey(x, key) == 1;
	BN_free(bn);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "build certificate");
	}
	/* The evidence extension is critical: a peer that cannot check the
	 * evidence must not take the certificate as a plain one. */
	if ((ext_len && !add_ext(x, OID_TAGGED_EVIDENCE, true, evidence_ext,
				 ext_len, err)) ||
	    (endorse_len && !add_ext(x, OID_ENDORSEMENTS, false, endorsements,
				     endorse_len, err))) {
		X509_free(x);
		return false;
	}
	if (X509_sign(x, key, sign_md(key)) <= 0) {
		X509_free(x);
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "sign certificate");
	}
	*out = x;
	return true;
}

bool cert_attest(const struct rats_attester *a, void *state, EVP_PKEY *key,
		 const uint8_t *nonce, size_t nonce_len, bool endorse,
		 X509 **out, struct eaa_err *err)
{
	uint8_t hash[EVP_MAX_MD_SIZE], user_data[RATS_USER_DATA_LEN] = { 0 };
	struct wr claims, quote, ext, endorsements;
	size_t hash_len;
	bool ok = false;

	if (!a->tag) /* nullattester: a plain certificate */
		return cert_build(key, NULL, 0, NULL, 0, out, err);
	wr_init(&claims);
	wr_init(&quote);
	wr_init(&ext);
	wr_init(&endorsements);
	if (!cert_spki_hash(key, EVP_sha256(), hash, &hash_len, err))
		goto out;
	if (!claims_buffer_encode(HASH_ID_SHA256, hash, hash_len, nonce,
				  nonce_len, &claims)) {
		eaa_fail(err, EAA_E_NOMEM, "encode claims-buffer");
		goto out;
	}
	/* report_data = SHA-256(claims-buffer) || 32 zero bytes */
	if (EVP_Digest(claims.buf, claims.len, user_data, NULL, EVP_sha256(),
		       NULL) != 1) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "hash claims-buffer");
		goto out;
	}
	if (!a->collect(state, user_data, &quote, endorse ? &endorsements : NULL, err)) {
		eaa_err_prefix(err, "attester %s", a->name);
		goto out;
	}
	if (!evidence_encode(a->tag, quote.buf, quote.len, claims.buf,
			     claims.len, &ext)) {
		eaa_fail(err, EAA_E_NOMEM, "encode evidence");
		goto out;
	}
	ok = cert_build(key, ext.buf, ext.len, endorsements.buf,
			endorsements.len, out, err);
out:
	wr_free(&claims);
	wr_free(&quote);
	wr_free(&ext);
	wr_free(&endorsements);
	return ok;
}

static bool ext_oid_is(X509_EXTENSION *ext, const char *oid)
{
	char buf[64];
	int n = OBJ_obj2txt(buf, sizeof(buf), X509_EXTENSION_get_object(ext), 1);

	return n > 0 && (size_t)n < sizeof(buf) && strcmp(buf, oid) == 0;
}

bool cert_find_evidence(X509 *cert, struct rats_evidence *ev, bool *found,
			struct eaa_err *err)
{
	const struct legacy_oid *legacy = NULL;
	X509_EXTENSION *evx = NULL, *endx = NULL;
	int count = X509_get_ext_count(cert);

	*found = false;
	memset(ev, 0, sizeof(*ev));
	for (int i = 0; i < count; i++) {
		X509_EXTENSION *ext = X509_get_ext(cert, i);
		const struct legacy_oid *l = NULL;

		if (ext_oid_is(ext, OID_ENDORSEMENTS)) {
			if (endx)
				return eaa_fail(err, EAA_E_FORMAT,
						"peer certificate: two "
						"endorsements extensions");
			endx = ext;
			continue;
		}
		if (!ext_oid_is(ext, OID_TAGGED_EVIDENCE) &&
		    !(l = legacy_oid_find(ext)))
			continue;
		if (evx)
			return eaa_fail(err, EAA_E_FORMAT,
					"peer certificate: more than one "
					"evidence extension");
		evx = ext;
		legacy = l;
	}
	if (!evx)
		return true;
	*found = true;
	{
		ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(evx);
		struct rd val = rd_init(ASN1_STRING_get0_data(os),
					(size_t)ASN1_STRING_length(os));

		if (legacy) {
			if (rd_left(&val) > RATS_MAX_EXTENSION || rd_done(&val))
				return eaa_fail(err, EAA_E_FORMAT,
						"legacy evidence extension %s: "
						"%zu bytes (empty or over the "
						"%d byte limit)", legacy->oid,
						rd_left(&val), RATS_MAX_EXTENSION);
			ev->tag = legacy->tag;
			ev->quote = val;
			ev->legacy_oid = legacy->oid;
		} else if (!evidence_decode(val, ev, err)) {
			return false;
		}
	}
	if (endx) {
		ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(endx);

		if ((size_t)ASN1_STRING_length(os) > RATS_MAX_EXTENSION)
			return eaa_fail(err, EAA_E_FORMAT,
					"endorsements extension: over the %d "
					"byte limit", RATS_MAX_EXTENSION);
		ev->endorsements = rd_init(ASN1_STRING_get0_data(os),
					   (size_t)ASN1_STRING_length(os));
	}
	return true;
}

/* rats-tls before the DICE format: one extension per evidence type. */
static const struct legacy_oid legacy_oids[] = {
	{ "1.2.840.113741.1337.6", TAG_INTEL_QUOTE, "SGX ECDSA quote" },
	{ "1.2.840.113741.1337.8", TAG_INTEL_QUOTE, "TDX quote" },
	{ "1.2.840.113741.1337.14", TAG_SGX_REPORT, "SGX local report" },
	{ "1.2.840.113741.1337.20", TAG_SEV_SNP, "SEV-SNP report" },
	{ "1.2.840.113741.1337.22", TAG_SEV, "SEV report" },
	{ "1.2.840.113741.1337.24", TAG_CSV, "CSV report" },
};

const struct legacy_oid *legacy_oid_find(X509_EXTENSION *ext)
{
	for (size_t i = 0; i < sizeof(legacy_oids) / sizeof(legacy_oids[0]); i++)
		if (ext_oid_is(ext, legacy_oids[i].oid))
			return &legacy_oids[i];
	return NULL;
}
