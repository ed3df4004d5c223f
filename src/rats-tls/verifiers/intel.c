/* verifiers/intel.c - the `sgx_ecdsa` and `tdx_ecdsa` (alias `tdx`)
 * verifiers: Intel quotes checked by src/intel to the pinned Intel SGX Root
 * CA, with collateral for the TCB status.
 *
 * Options (INSTANCE is the name in use; `tdx` also reads tdx_ecdsa.*):
 *   INSTANCE.collateral=DIR      Intel collateral: DIR itself, or
 *                                DIR/<sgx|tdx>-<fmspc>/ for a verifier that
 *                                serves many platforms
 *   INSTANCE.allow_no_collateral=1
 *                                verify signatures and chain only; claims say
 *                                tcb_status "NotEvaluated"
 *   INSTANCE.pccs=URL            fetch collateral from this PCCS (or Intel PCS)
 *                                into INSTANCE.collateral, which is then a
 *                                cache of per-FMSPC sets (default
 *                                /var/cache/eaa/intel)
 *   INSTANCE.pccs_ca=PEM, INSTANCE.pccs_insecure=1
 *                                TLS trust for the PCCS (the collateral is
 *                                signed and checked either way)
 *   INSTANCE.at=TIME             verify as of TIME (RFC 3339 UTC); default now
 *   INSTANCE.root=PEM            pin another root (tests); default Intel's
 * Without collateral or the explicit allowance, init fails: rats-tls accepted
 * quotes without a TCB status silently, we do not. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include "codec.h"
#include "collateral_cache.h"
#include "internal.h"
#include "pccs.h"
#include "quote_verify.h"
#include "timefmt.h"

struct intel_verifier {
	const char *name;
	uint32_t tee; /* QUOTE_TEE_SGX or QUOTE_TEE_TDX */
	char collateral[PATH_MAX];
	char *pccs_url, *pccs_ca;
	bool pccs_insecure;
	bool allow_no_collateral;
	time_t at; /* 0: now */
	X509 *root;
	/* Chain results without collateral; with it, each loaded set carries
	 * its own, so no result outlives the CRLs it was checked against. */
	struct pck_cache *cache;
	struct collateral_cache *cols;
};

static const char *opt(const struct rats_opts *o, const char *name,
		       const char *key)
{
	const char *v = rats_opt(o, name, key);

	return v || strcmp(name, "tdx") != 0 ? v : rats_opt(o, "tdx_ecdsa", key);
}

static void intel_cleanup(void *state)
{
	struct intel_verifier *s = state;

	if (s) {
		free(s->pccs_url);
		free(s->pccs_ca);
		X509_free(s->root);
		pck_cache_free(s->cache);
		collateral_cache_free(s->cols);
	}
	free(s);
}

static bool intel_configure(struct intel_verifier *s,
			    const struct rats_opts *opts, struct eaa_err *err);

static bool intel_init(const struct rats_opts *opts, const char *name,
		       uint32_t tee, void **state, struct eaa_err *err)
{
	struct intel_verifier *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	s->name = name;
	s->tee = tee;
	if (!intel_configure(s, opts, err)) {
		intel_cleanup(s);
		return false;
	}
	*state = s;
	return true;
}

static bool intel_configure(struct intel_verifier *s,
			    const struct rats_opts *opts, struct eaa_err *err)
{
	const char *name = s->name;
	const char *col = opt(opts, name, "collateral");
	const char *allow = opt(opts, name, "allow_no_collateral");
	const char *at = opt(opts, name, "at");
	const char *root = opt(opts, name, "root");
	const char *pccs = opt(opts, name, "pccs");
	const char *pccs_ca = opt(opts, name, "pccs_ca");
	const char *insecure = opt(opts, name, "pccs_insecure");

	if (pccs) {
		if (!(s->pccs_url = strdup(pccs)) ||
		    (pccs_ca && !(s->pccs_ca = strdup(pccs_ca))))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		s->pccs_insecure = insecure && strcmp(insecure, "1") == 0;
		if (!col)
			col = "/var/cache/eaa/intel";
	}
	s->allow_no_collateral = allow && strcmp(allow, "1") == 0;
	if (allow && !s->allow_no_collateral && strcmp(allow, "0") != 0)
		return eaa_fail(err, EAA_E_CONFIG, "%s.allow_no_collateral: want "
				"0 or 1", name);
	if (!col && !s->allow_no_collateral)
		return eaa_fail(err, EAA_E_CONFIG, "%s verifier: no collateral: "
				"set %s.collateral=DIR, or accept quotes without "
				"a TCB status with %s.allow_no_collateral=1",
				name, name, name);
	if (col && (size_t)snprintf(s->collateral, sizeof(s->collateral), "%s",
				    col) >= sizeof(s->collateral))
		return eaa_fail(err, EAA_E_CONFIG, "%s.collateral: path too long",
				name);
	if (at && !time_parse_utc(at, &s->at))
		return eaa_fail(err, EAA_E_CONFIG, "%s.at: \"%s\" is not a UTC "
				"time like 2025-11-01T00:00:00Z", name, at);
	if (root) {
		BIO *b = BIO_new_file(root, "r");

		s->root = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (!s->root)
			return eaa_fail(err, EAA_E_CONFIG, "%s.root: %s is not a "
					"PEM certificate", name, root);
	} else if (!(s->root = intel_root_ca())) {
		return eaa_fail(err, EAA_E_CRYPTO, "%s: cannot load the Intel "
				"SGX Root CA", name);
	}
	if (!(s->cache = pck_cache_new()) || !(s->cols = collateral_cache_new()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return true;
}

static bool intel_verify(void *state, const struct rats_evidence *ev,
			 struct rats_verified *out, struct eaa_err *err)
{
	struct intel_verifier *s = state;
	struct quote_verify_opts o = { .root = s->root, .cache = s->cache,
				       .allow_no_collateral =
					       s->allow_no_collateral };
	struct collateral_ref *ref = NULL;
	struct quote_result res;
	struct quote q;
	char dir[PATH_MAX + 16];
	bool ok;

	o.at = s->at ? s->at : time(NULL);
	if (!quote_parse(ev->quote.p, ev->quote.n, &q, err))
		return false;
	if (q.tee_type != s->tee)
		return eaa_fail(err, EAA_E_TEE_MISMATCH, "%s verifier: evidence "
				"is a %s quote", s->name, quote_tee_name(&q));
	if (s->collateral[0]) {
		struct pccs p = { .url = s->pccs_url, .cache_dir = s->collateral,
				  .ca_file = s->pccs_ca,
				  .insecure = s->pccs_insecure };

		/* Loaded sets are shared while valid; the PCCS is asked only
		 * when the set this quote needs is not. */
		if (!collateral_for_quote(&q, s->collateral, NULL, s->root, o.at,
					  dir, sizeof(dir), err))
			return false;
		ref = collateral_cache_find(s->cols, dir, o.at);
		if (!ref && s->pccs_url &&
		    !collateral_for_quote(&q, s->collateral, &p, s->root, o.at,
					  dir, sizeof(dir), err))
			return false;
		if (!ref && !(ref = collateral_cache_get(s->cols, dir, s->root,
							 o.at, err)))
			return false;
		o.col = collateral_ref_set(ref);
		o.cache = collateral_ref_pck_cache(ref);
	}
	ok = quote_verify(&q, &o, &res, err);
	if (ok) {
		memcpy(out->user_data, q.body_type == QUOTE_BODY_SGX ?
		       q.sgx.report_data : q.tdx.report_data, 64);
		out->user_data_len = 64;
		out->claims = quote_claims(&q, &res);
		tcb_result_free(&res.tcb);
		if (!out->claims)
			ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (ref)
		collateral_cache_put(s->cols, ref);
	return ok;
}

static bool sgx_init(const struct rats_opts *o, void **state,
		     struct eaa_err *err)
{
	return intel_init(o, "sgx_ecdsa", QUOTE_TEE_SGX, state, err);
}

static bool tdx_init(const struct rats_opts *o, void **state,
		     struct eaa_err *err)
{
	return intel_init(o, "tdx_ecdsa", QUOTE_TEE_TDX, state, err);
}

static bool tdx_alias_init(const struct rats_opts *o, void **state,
			   struct eaa_err *err)
{
	return intel_init(o, "tdx", QUOTE_TEE_TDX, state, err);
}

/* SGX quotes are v3, or v5 with TEE type 0; TDX quotes have type 0x81. */
static uint32_t quote_tee(const struct rats_evidence *ev)
{
	struct rd r = ev->quote;
	uint16_t version;
	uint32_t tee = QUOTE_TEE_SGX;

	if (rd_u16le(&r, &version) && version != 3 && rd_skip(&r, 2))
		rd_u32le(&r, &tee);
	return tee;
}

static bool sgx_accepts(const struct rats_evidence *ev)
{
	return quote_tee(ev) == QUOTE_TEE_SGX;
}

static bool tdx_accepts(const struct rats_evidence *ev)
{
	return quote_tee(ev) == QUOTE_TEE_TDX;
}

static const uint64_t intel_tags[] = { TAG_INTEL_QUOTE };

static const char *const intel_keys[] = {
	"collateral", "allow_no_collateral", "pccs", "pccs_ca", "pccs_insecure",
	"at", "root", NULL,
};

const struct rats_verifier rats_verifier_sgx_ecdsa = {
	.name = "sgx_ecdsa",
	.keys = intel_keys,
	.tags = intel_tags,
	.ntags = 1,
	.init = sgx_init,
	.verify = intel_verify,
	.cleanup = intel_cleanup,
	.accepts = sgx_accepts,
};

const struct rats_verifier rats_verifier_tdx_ecdsa = {
	.name = "tdx_ecdsa",
	.keys = intel_keys,
	.tags = intel_tags,
	.ntags = 1,
	.init = tdx_init,
	.verify = intel_verify,
	.cleanup = intel_cleanup,
	.accepts = tdx_accepts,
};

const struct rats_verifier rats_verifier_tdx = {
	.name = "tdx",
	.keys = intel_keys,
	.tags = intel_tags,
	.ntags = 1,
	.init = tdx_alias_init,
	.verify = intel_verify,
	.cleanup = intel_cleanup,
	.accepts = tdx_accepts,
};
