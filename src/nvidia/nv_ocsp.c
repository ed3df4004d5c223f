/* nv_ocsp.c - the GPU chain's revocation by OCSP responses the owner
 * supplies (see nv_chain.h): OpenSSL checks each response's signer, we
 * check its currency at the verification time and each certificate's
 * status. */
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include "nv_chain.h"

static bool current(ASN1_GENERALIZEDTIME *this_upd, ASN1_GENERALIZEDTIME *next_upd,
		    time_t at)
{
	return this_upd && X509_cmp_time(this_upd, &at) <= 0 &&
	       (!next_upd || X509_cmp_time(next_upd, &at) > 0);
}

static bool one_response(STACK_OF(X509) *chain, X509_STORE *store,
			 OCSP_BASICRESP *bs, size_t k, time_t at,
			 bool covered[NV_MAX_CHAIN], bool *spoke,
			 struct eaa_err *err)
{
	int n = sk_X509_num(chain);
	char name[128];

	*spoke = false;
	for (int j = 0; j < n - 1; j++) {
		OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), sk_X509_value(chain, j),
						  sk_X509_value(chain, j + 1));
		ASN1_GENERALIZEDTIME *rev, *this_upd, *next_upd;
		int status, reason;
		bool found;

		if (!id)
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		found = OCSP_resp_find_status(bs, id, &status, &reason, &rev,
					      &this_upd, &next_upd) == 1;
		OCSP_CERTID_free(id);
		if (!found)
			continue;
		if (!*spoke && OCSP_basic_verify(bs, chain, store, 0) != 1) {
			ERR_clear_error();
			return eaa_fail(err, EAA_E_SIGNATURE, "OCSP response %zu: not "
					"signed by the certificate's issuer or its "
					"responder under the pinned root", k);
		}
		*spoke = true;
		nv_cert_name(sk_X509_value(chain, j), name, sizeof(name));
		if (!current(this_upd, next_upd, at))
			return eaa_fail(err, EAA_E_EXPIRED, "OCSP response %zu about "
					"\"%s\": not current at the verification "
					"time", k, name);
		if (status == V_OCSP_CERTSTATUS_REVOKED)
			return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate \"%s\" "
					"is revoked (OCSP)", name);
		if (status == V_OCSP_CERTSTATUS_GOOD)
			covered[j] = true;
	}
	return true;
}

bool nv_chain_check_ocsp(STACK_OF(X509) *chain, X509 *anchor,
			 const uint8_t *const *ocsp, const size_t *ocsp_lens,
			 time_t at, bool covered[NV_MAX_CHAIN], int *used,
			 struct eaa_err *err)
{
	X509_STORE *store = X509_STORE_new();
	bool ok = store && X509_STORE_add_cert(store, anchor) == 1;

	if (!ok) {
		X509_STORE_free(store);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (sk_X509_num(chain) > NV_MAX_CHAIN) {
		X509_STORE_free(store);
		return eaa_fail(err, EAA_E_UNTRUSTED, "GPU certificate chain: more "
				"than %d certificates", NV_MAX_CHAIN);
	}
	/* The responder's signature is checked as of `at`, as the chain is. */
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), at);
	for (size_t k = 0; ok && ocsp[k]; k++) {
		const unsigned char *p = ocsp[k];
		OCSP_RESPONSE *resp = ocsp_lens[k] < LONG_MAX ?
			d2i_OCSP_RESPONSE(NULL, &p, (long)ocsp_lens[k]) : NULL;
		OCSP_BASICRESP *bs = NULL;
		bool spoke = false;

		if (!resp || p != ocsp[k] + ocsp_lens[k])
			ok = eaa_fail(err, EAA_E_FORMAT, "OCSP response %zu: not DER", k);
		else if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
			 !(bs = OCSP_response_get1_basic(resp)))
			ok = eaa_fail(err, EAA_E_FORMAT, "OCSP response %zu: not a "
				      "successful basic response", k);
		else
			ok = one_response(chain, store, bs, k, at, covered, &spoke, err);
		*used += ok && spoke;
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(resp);
	}
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}
