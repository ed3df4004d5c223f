/* verifiers/tpm.c - the `tpm` verifier: TPM 2.0 quotes by a trusted
 * attestation key (src/tpm).
 *
 * Options:
 *   tpm.ak=FILE   PEM public keys of the trusted AKs (one or more; from
 *                 `eaa-tpm ak` on each machine at enrolment). Without it
 *                 the verifier has no trust and is never inferred.
 * The binding is the quote's qualifyingData: the 32-byte SHA-256 that
 * librats-tls checks against the claims. */
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "tpm_quote.h"

struct tpm_verifier {
	EVP_PKEY **aks;
	size_t naks;
};

static void tpm_cleanup(void *state)
{
	struct tpm_verifier *s = state;

	if (s)
		tpm_free_aks(s->aks, s->naks);
	free(s);
}

static bool tpm_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	const char *ak = rats_opt(opts, "tpm", "ak");
	struct tpm_verifier *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!ak || !tpm_load_aks(ak, &s->aks, &s->naks, err)) {
		free(s);
		return ak ? eaa_err_prefix(err, "tpm.ak")
			  : eaa_fail(err, EAA_E_CONFIG, "tpm verifier: no trusted attestation "
				     "key (tpm.ak=FILE)");
	}
	*state = s;
	return true;
}

static bool tpm_verify(void *state, const struct rats_evidence *ev,
		       struct rats_verified *out, struct eaa_err *err)
{
	struct tpm_verifier *s = state;
	struct tpm_verify_opts o = { .aks = s->aks, .naks = s->naks };
	struct tpm_quote *q = malloc(sizeof(*q));
	bool ok;

	if (!q)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = tpm_quote_parse(ev->quote.p, ev->quote.n, q, err) && tpm_quote_verify(q, &o, err);
	if (ok && q->info.extraData.size != 32)
		ok = eaa_fail(err, EAA_E_BINDING, "TPM quote: qualifyingData is %u bytes, not "
			      "a SHA-256", q->info.extraData.size);
	if (ok) {
		memcpy(out->user_data, q->info.extraData.buffer, 32);
		out->user_data_len = 32;
		out->claims = tpm_claims(q);
		ok = out->claims || eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	free(q);
	return ok;
}

static const uint64_t tpm_tags[] = { TAG_TPM };

static const char *const verifier_keys[] = { "ak", NULL };

const struct rats_verifier rats_verifier_tpm = {
	.name = "tpm",
	.keys = verifier_keys,
	.tags = tpm_tags,
	.ntags = 1,
	.init = tpm_init,
	.verify = tpm_verify,
	.cleanup = tpm_cleanup,
};
