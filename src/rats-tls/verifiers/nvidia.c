/* verifiers/nvidia.c - the `nvidia` verifier: an NVIDIA Hopper GPU's
 * evidence (trustee's JSON, one device) checked locally by src/nvidia:
 * the chain to NVIDIA's pinned device-identity root, the SPDM report's
 * signature and FWID.
 *
 * Options:
 *   nvidia.crl=FILE   a CRL (DER or PEM) of an issuer in the GPU's chain;
 *                     without it revocation is not checked (the claims say
 *                     so).
 * The binding is the SPDM request's 32-byte nonce: librats-tls checks it
 * against the SHA-256 of the claims-buffer, as the attester set it. */
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include "file.h"
#include "internal.h"
#include "nv_evidence.h"
#include "nv_trust.h"

struct nv_verifier {
	STACK_OF(X509_CRL) *crls;
};

static void nv_cleanup(void *state)
{
	struct nv_verifier *s = state;

	if (s)
		sk_X509_CRL_pop_free(s->crls, X509_CRL_free);
	free(s);
}

static bool nv_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	const char *crl = rats_opt(opts, "nvidia", "crl");
	struct nv_verifier *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (crl && !nv_crl_load(crl, &s->crls, err)) {
		eaa_err_prefix(err, "nvidia.crl");
		nv_cleanup(s);
		return false;
	}
	*state = s;
	return true;
}

static bool nv_verify(void *state, const struct rats_evidence *ev,
		      struct rats_verified *out, struct eaa_err *err)
{
	struct nv_verifier *s = state;
	struct nv_trust t = { .crls = s->crls };
	uint8_t nonce[SPDM_NONCE_LEN];
	json_t *gpu = NULL;

	if (!nv_evidence_verify_single(ev->quote.p, ev->quote.n, &t, &gpu, nonce, err))
		return false;
	memcpy(out->user_data, nonce, SPDM_NONCE_LEN);
	out->user_data_len = SPDM_NONCE_LEN;
	out->claims = gpu;
	return true;
}

static const uint64_t nv_tags[] = { TAG_NVIDIA };

static const char *const verifier_keys[] = { "crl", NULL };

const struct rats_verifier rats_verifier_nvidia = {
	.name = "nvidia",
	.keys = verifier_keys,
	.tags = nv_tags,
	.ntags = 1,
	.init = nv_init,
	.verify = nv_verify,
	.cleanup = nv_cleanup,
};
