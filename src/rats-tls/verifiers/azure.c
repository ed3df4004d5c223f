/* verifiers/azure.c - the `az_snp_vtpm` and `az_tdx_vtpm` verifiers:
 * Azure confidential VMs' vTPM evidence in trustee's JSON form, checked
 * by src/azure (the hardware report, the runtime claims it binds, the TPM
 * quote by their AK).
 *
 * The evidence is the JSON text; its report data is the TPM quote's
 * qualifyingData, which the caller (rats_raw_verify: verdictd's KBS)
 * compares with what it expects (inside a handshake: the TLS key's
 * hash). No attester of ours makes this evidence: the tags are
 * EAA-private, and only evidence carrying them reaches these verifiers.
 * Options:
 *   az_snp_vtpm.at=TIME, az_tdx_vtpm.at=TIME   verify as of TIME (RFC 3339
 *                                               UTC); default now
 *   az_tdx_vtpm.collateral=DIR                  Intel collateral (pccs.h's
 *                                               layout); without it the TD
 *                                               quote's TCB is not evaluated */
#include <stdlib.h>
#include <string.h>
#include "azure.h"
#include "internal.h"
#include "codec.h"
#include "timefmt.h"

struct az_verifier {
	enum az_kind kind;
	time_t at;
	const char *collateral;
};

static bool az_init(enum az_kind kind, const char *inst, const struct rats_opts *opts,
		    void **state, struct eaa_err *err)
{
	const char *at = rats_opt(opts, inst, "at");
	struct az_verifier *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	s->kind = kind;
	if (kind == AZ_TDX_VTPM)
		s->collateral = rats_opt(opts, inst, "collateral");
	if (at && !time_parse_utc(at, &s->at)) {
		free(s);
		return eaa_fail(err, EAA_E_CONFIG, "%s.at: \"%s\" is not a UTC time", inst, at);
	}
	*state = s;
	return true;
}

static bool az_snp_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	return az_init(AZ_SNP_VTPM, "az_snp_vtpm", opts, state, err);
}

static bool az_tdx_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	return az_init(AZ_TDX_VTPM, "az_tdx_vtpm", opts, state, err);
}

static void az_cleanup(void *state)
{
	free(state);
}

static bool az_verify_evidence(void *state, const struct rats_evidence *ev,
			       struct rats_verified *out, struct eaa_err *err)
{
	const struct az_verifier *s = state;
	struct az_verify_opts o = { .at = s->at, .collateral_dir = s->collateral };
	struct az_evidence e;
	const char *nonce;
	size_t n;
	json_t *c;

	if (!az_evidence_load((const char *)ev->quote.p, ev->quote.n, s->kind, &e, err))
		return false;
	c = az_verify(&e, &o, err);
	az_evidence_free(&e);
	if (!c)
		return false;
	/* the report data is the quote's qualifyingData (the claims'
	 * report_data, hex) */
	nonce = json_string_value(json_object_get(c, "report_data"));
	n = nonce ? strlen(nonce) / 2 : 0;
	if (!nonce || n > RATS_USER_DATA_LEN || !hex_decode_fixed(nonce, out->user_data, n)) {
		json_decref(c);
		return eaa_fail(err, EAA_E_BINDING, "%s: qualifyingData longer than %d bytes",
				az_kind_name(s->kind), RATS_USER_DATA_LEN);
	}
	out->user_data_len = n;
	out->claims = c;
	return true;
}

static const uint64_t az_snp_tags[] = { TAG_AZ_SNP_VTPM };
static const uint64_t az_tdx_tags[] = { TAG_AZ_TDX_VTPM };
static const char *const az_snp_keys[] = { "at", NULL };
static const char *const az_tdx_keys[] = { "at", "collateral", NULL };

const struct rats_verifier rats_verifier_az_snp_vtpm = {
	.name = "az_snp_vtpm",
	.keys = az_snp_keys,
	.tags = az_snp_tags,
	.ntags = 1,
	.init = az_snp_init,
	.verify = az_verify_evidence,
	.cleanup = az_cleanup,
};

const struct rats_verifier rats_verifier_az_tdx_vtpm = {
	.name = "az_tdx_vtpm",
	.keys = az_tdx_keys,
	.tags = az_tdx_tags,
	.ntags = 1,
	.init = az_tdx_init,
	.verify = az_verify_evidence,
	.cleanup = az_cleanup,
};
