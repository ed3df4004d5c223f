/* tcb.c - TCB level matching and status convergence (see tcb.h).
 *
 * Follows Intel's Quote Verification Library: the first TCB level (levels
 * are ordered newest first) whose every component the platform meets is the
 * platform's level; the QE's level comes from the QE identity the same way;
 * for TDX the module's identity and level come from tdxModuleIdentities.
 * The statuses then converge into one (converge() below). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include "codec.h"
#include "tcb.h"

static bool svns_ge(const uint8_t *have, const uint8_t *want, int from)
{
	for (int i = from; i < 16; i++)
		if (have[i] < want[i])
			return false;
	return true;
}

/* tee_tcb_svn: byte 0 is the TDX module's SVN, byte 1 its major version.
 * TDX 1.5 bodies carry a second tee_tcb_svn2, which Intel uses only to
 * advise a TD relaunch, not for matching (see docs/intel.md). */
static const struct tcb_level *platform_level(const struct quote *q,
					      const struct pck_ext *pck,
					      const struct tcb_info *t)
{
	const uint8_t *tee = q->tee_type == QUOTE_TEE_TDX ? q->tdx.tee_tcb_svn :
							    NULL;
	/* A module with a major version is judged by its identity's own
	 * levels (module_check), so bytes 0 and 1 are not compared here. */
	int tdx_from = tee && tee[1] != 0 ? 2 : 0;

	for (size_t i = 0; i < t->nlevels; i++) {
		const struct tcb_level *l = &t->levels[i];

		if (svns_ge(pck->comp_svn, l->sgx_comp, 0) &&
		    pck->pce_svn >= l->pce_svn &&
		    (!tee || svns_ge(tee, l->tdx_comp, tdx_from)))
			return l;
	}
	return NULL;
}

static const struct tcb_level *isvsvn_level(const struct tcb_level *l,
					    size_t n, uint16_t svn)
{
	for (size_t i = 0; i < n; i++)
		if (svn >= l[i].isv_svn)
			return &l[i];
	return NULL;
}

static bool masked_eq(const uint8_t *a, const uint8_t *b,
		      const uint8_t *mask, size_t n)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= (a[i] & mask[i]) ^ (b[i] & mask[i]);
	return diff == 0;
}

static bool qe_check(const struct quote *q, const struct qe_identity *id,
		     const struct tcb_level **level, struct eaa_err *err)
{
	const struct sgx_report *r = &q->qe_report;
	const char *want = q->tee_type == QUOTE_TEE_TDX ? "TD_QE" : "QE";

	if (strcmp(id->id, want) != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: is for "
				"\"%s\", this quote's QE is a %s", id->id, want);
	if ((r->misc_select & id->miscselect_mask) !=
	    (id->miscselect & id->miscselect_mask))
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: QE "
				"MISCSELECT does not match");
	if (!masked_eq(r->attributes, id->attributes, id->attributes_mask, 16))
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: QE "
				"attributes do not match");
	if (CRYPTO_memcmp(r->mr_signer, id->mrsigner, 32) != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: QE "
				"MRSIGNER is not Intel's");
	if (r->isv_prod_id != id->isv_prod_id)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: QE product "
				"id %u, want %u", r->isv_prod_id, id->isv_prod_id);
	*level = isvsvn_level(id->levels, id->nlevels, r->isv_svn);
	if (!*level)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity: QE SVN %u "
				"is below every TCB level", r->isv_svn);
	return true;
}

/* TDX module: with a major version (tee_tcb_svn[1] != 0) its identity
 * "TDX_<version, 2 upper-case hex digits>" gives the signer, attributes and
 * levels its SVN is judged by; a version-0 module is matched against
 * tdxModule and judged by tdxtcbcomponents alone. */
static bool module_check(const struct quote *q, const struct tcb_info *t,
			 const struct tcb_level **level, struct eaa_err *err)
{
	const uint8_t *tee = q->tdx.tee_tcb_svn;
	const struct tdx_module_identity *m = NULL;
	const uint8_t *signer = t->module_mrsigner, *attr = t->module_attributes,
		      *mask = t->module_attributes_mask;
	char id[16] = "tdxModule";

	*level = NULL;
	if (tee[1] != 0) {
		snprintf(id, sizeof(id), "TDX_%02X", tee[1]);
		for (size_t i = 0; i < t->nmodules && !m; i++)
			if (strcasecmp(t->modules[i].id, id) == 0)
				m = &t->modules[i];
		if (!m)
			return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: no TDX "
					"module identity %s", id);
		signer = m->mrsigner;
		attr = m->attributes;
		mask = m->attributes_mask;
	} else if (!t->has_module) {
		return eaa_fail(err, EAA_E_FORMAT, "TCB info: no tdxModule");
	}
	if (CRYPTO_memcmp(q->tdx.mr_signer_seam, signer, 48) != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: TDX module "
				"signer (mr_signer_seam) is not %s's", id);
	if (!masked_eq(q->tdx.seam_attributes, attr, mask, 8))
		return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: TDX module "
				"attributes do not match %s", id);
	if (!m)
		return true;
	*level = isvsvn_level(m->levels, m->nlevels, tee[0]);
	if (!*level)
		return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: TDX module SVN "
				"%u is below every %s level", tee[0], id);
	return true;
}

/* Intel's convergence: an out-of-date QE or TDX module makes the platform
 * out of date (keeping "configuration needed"); revoked anywhere wins. */
static enum tcb_status converge(enum tcb_status platform,
				enum tcb_status other)
{
	if (other == TCB_REVOKED || platform == TCB_REVOKED)
		return TCB_REVOKED;
	if (other != TCB_OUT_OF_DATE)
		return platform;
	switch (platform) {
	case TCB_CONFIGURATION_NEEDED:
	case TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED:
	case TCB_OUT_OF_DATE_CONFIGURATION_NEEDED:
		return TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	default:
		return TCB_OUT_OF_DATE;
	}
}

static bool add_advisories(struct tcb_result *r, char *const *list)
{
	size_t n = 0, m = 0;
	char **grown;

	while (r->advisories && r->advisories[n])
		n++;
	while (list && list[m])
		m++;
	if (m == 0)
		return true;
	if (!(grown = realloc(r->advisories, (n + m + 1) * sizeof(*grown))))
		return false;
	r->advisories = grown;
	for (size_t i = 0; i < m; i++) {
		bool dup = false;

		for (size_t j = 0; j < n && !dup; j++)
			dup = strcmp(grown[j], list[i]) == 0;
		if (!dup && !(grown[n++] = strdup(list[i])))
			n--;
		grown[n] = NULL;
	}
	grown[n] = NULL;
	return true;
}

bool tcb_evaluate(const struct quote *q, const struct pck_ext *pck,
		  const struct collateral *c, struct tcb_result *res,
		  struct eaa_err *err)
{
	const struct tcb_info *t = &c->tcb;
	const struct tcb_level *pl, *ql, *ml = NULL;
	bool tdx = q->tee_type == QUOTE_TEE_TDX;

	memset(res, 0, sizeof(*res));
	if (t->tdx != tdx)
		return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: is for %s, the "
				"quote is %s", t->tdx ? "TDX" : "SGX",
				tdx ? "TDX" : "SGX");
	if (memcmp(t->fmspc, pck->fmspc, 6) != 0 ||
	    memcmp(t->pce_id, pck->pce_id, 2) != 0) {
		char *want = hex_encode(t->fmspc, 6), *got = hex_encode(pck->fmspc, 6);

		eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: for FMSPC %s, the PCK "
			 "certificate's is %s (or PCE-ID differs)",
			 want ? want : "?", got ? got : "?");
		free(want);
		free(got);
		return false;
	}
	if (!qe_check(q, &c->qe, &ql, err) ||
	    (tdx && !module_check(q, t, &ml, err)))
		return false;
	if (!(pl = platform_level(q, pck, t)))
		return eaa_fail(err, EAA_E_UNTRUSTED, "TCB info: no TCB level "
				"matches this platform (its TCB is unknown to "
				"Intel)");
	res->evaluated = true;
	res->platform = pl->status;
	res->qe = ql->status;
	res->module = ml ? ml->status : TCB_UNKNOWN;
	res->tcb_date = pl->tcb_date;
	/* The TDX module first, then the QE, as Intel's QVL does. */
	res->status = converge(converge(pl->status,
					ml ? ml->status : TCB_UP_TO_DATE),
			       ql->status);
	if (!add_advisories(res, pl->advisories) ||
	    !add_advisories(res, ql->advisories) ||
	    (ml && !add_advisories(res, ml->advisories))) {
		tcb_result_free(res);
		return eaa_fail(err, EAA_E_NOMEM, "TCB status: out of memory");
	}
	return true;
}

void tcb_result_free(struct tcb_result *r)
{
	for (size_t i = 0; r->advisories && r->advisories[i]; i++)
		free(r->advisories[i]);
	free(r->advisories);
	r->advisories = NULL;
}
