/* nv_chain.c - the GPU's certificate chain to NVIDIA's pinned root, its
 * FWID and its revocation by supplied CRLs (see nv_chain.h). */
#include <string.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include "bytes.h"
#include "nv_chain.h"
#include "pck.h"

void nv_cert_name(X509 *x, char *buf, size_t len)
{
	X509_NAME *nm = x ? X509_get_subject_name(x) : NULL;
	int i = nm ? X509_NAME_get_index_by_NID(nm, NID_commonName, -1) : -1;
	ASN1_STRING *s = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(nm, i)) : NULL;

	if (s)
		snprintf(buf, len, "%.*s", ASN1_STRING_length(s),
			 (const char *)ASN1_STRING_get0_data(s));
	else
		snprintf(buf, len, "certificate");
}

bool nv_chain_verify(STACK_OF(X509) *chain, X509 *test_root, time_t at,
		     struct eaa_err *err)
{
	int n = chain ? sk_X509_num(chain) : 0;
	X509 *root, *last;
	char name[128];
	bool ok;

	if (n < 2)
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate chain: %d "
				"certificate(s); want the device certificate and "
				"its issuers up to NVIDIA's root", n);
	last = sk_X509_value(chain, n - 1);
	if (test_root ? EVP_PKEY_eq(X509_get0_pubkey(last),
				    X509_get0_pubkey(test_root)) != 1
		      : !nv_key_is_pinned_root(X509_get0_pubkey(last))) {
		nv_cert_name(last, name, sizeof(name));
		ERR_clear_error();
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate chain: "
				"ends at \"%s\", whose key is not the pinned "
				"NVIDIA Device Identity CA's", name);
	}
	if (!(root = test_root ? (X509_up_ref(test_root), test_root) : nv_device_root()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = intel_chain_verify(chain, root, at, NULL, "GPU certificate chain",
				err);
	X509_free(root);
	return ok;
}

bool nv_cert_fwid(X509 *leaf, uint8_t fwid[NV_FWID_LEN], struct eaa_err *err)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("2.23.133.5.4.1", 1);
	int i = oid ? X509_get_ext_by_OBJ(leaf, oid, -1) : -1;
	X509_EXTENSION *ext = i >= 0 ? X509_get_ext(leaf, i) : NULL;
	ASN1_OCTET_STRING *v = ext ? X509_EXTENSION_get_data(ext) : NULL;
	int len = v ? ASN1_STRING_length(v) : 0;

	ASN1_OBJECT_free(oid);
	if (!v)
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU device certificate: "
				"no TCG DICE TcbInfo extension (FWID)");
	if (i >= 0 && X509_get_ext_by_OBJ(leaf, X509_EXTENSION_get_object(ext), i) >= 0)
		return eaa_fail(err, EAA_E_FORMAT, "GPU device certificate: "
				"TcbInfo extension twice");
	if (len < NV_FWID_LEN)
		return eaa_fail(err, EAA_E_FORMAT, "GPU device certificate: "
				"TcbInfo extension of %d bytes has no FWID", len);
	/* trustee and nvtrust take the FWID digest from the end of the
	 * extension: TcbInfo's last field is fwids, one SHA-384 here. */
	{
		struct rd r = rd_init(ASN1_STRING_get0_data(v), (size_t)len);

		return (rd_skip(&r, (size_t)len - NV_FWID_LEN) && rd_bytes(&r, fwid, NV_FWID_LEN)) ||
		       eaa_fail(err, EAA_E_FORMAT, "GPU device certificate: TcbInfo");
	}
}

static bool crl_in_force(X509_CRL *crl, time_t at)
{
	const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl);
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);

	return last && X509_cmp_time(last, &at) <= 0 &&
	       (!next || X509_cmp_time(next, &at) > 0);
}

bool nv_chain_check_crls(STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls,
			 time_t at, bool covered[NV_MAX_CHAIN], int *used,
			 struct eaa_err *err)
{
	int n = sk_X509_num(chain);
	char name[128];

	if (n > NV_MAX_CHAIN)
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate chain: more "
				"than %d certificates", NV_MAX_CHAIN);
	for (int k = 0; k < sk_X509_CRL_num(crls); k++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, k);
		int i;

		for (i = 1; i < n; i++)
			if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
					  X509_get_subject_name(sk_X509_value(chain, i))) == 0)
				break;
		if (i == n)
			continue;
		nv_cert_name(sk_X509_value(chain, i), name, sizeof(name));
		if (X509_CRL_verify(crl, X509_get0_pubkey(sk_X509_value(chain, i))) != 1) {
			ERR_clear_error();
			return eaa_fail(err, EAA_E_SIGNATURE, "CRL of \"%s\": "
					"signature does not verify", name);
		}
		if (!crl_in_force(crl, at))
			return eaa_fail(err, EAA_E_EXPIRED, "CRL of \"%s\": not in "
					"force at the verification time", name);
		(*used)++;
		for (int j = 0; j < n - 1; j++) {
			X509_REVOKED *rev = NULL;

			if (X509_check_issued(sk_X509_value(chain, i),
					      sk_X509_value(chain, j)) != X509_V_OK)
				continue;
			if (X509_CRL_get0_by_cert(crl, &rev, sk_X509_value(chain, j)) == 1) {
				nv_cert_name(sk_X509_value(chain, j), name, sizeof(name));
				return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate "
						"\"%s\" is revoked (CRL)", name);
			}
			covered[j] = true;
		}
	}
	ERR_clear_error();
	return true;
}
