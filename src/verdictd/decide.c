/* decide.c - the key-release decision for one verified peer, over each
 * TEE's policy compiled once per change (decide.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "decide.h"
#include "eaa/rego.h"
#include "policy_cache.h"

struct vd_decider {
	struct vd_store *store;
	bool enabled[VD_TEE_COUNT];
	struct vd_pcache *tees[VD_TEE_COUNT];
};

bool vd_tee_of_verifier(const char *verifier, enum vd_tee *t)
{
	static const struct {
		const char *name;
		enum vd_tee tee;
	} map[] = {
		{ "sgx_ecdsa", VD_TEE_SGX }, { "tdx_ecdsa", VD_TEE_TDX },
		{ "tdx", VD_TEE_TDX }, { "sev_snp", VD_TEE_SNP },
		{ "csv", VD_TEE_CSV }, { "tpm", VD_TEE_TPM },
		{ "sample", VD_TEE_SAMPLE }, { "az_snp_vtpm", VD_TEE_AZ_SNP_VTPM },
		{ "az_tdx_vtpm", VD_TEE_AZ_TDX_VTPM }, { "sampledevice", VD_TEE_SAMPLEDEVICE },
		{ "nvidia", VD_TEE_NVIDIA },
	};
	size_t i;

	/* exact names: a verifier added later is covered by no policy until
	 * it is listed here */
	for (i = 0; verifier && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(verifier, map[i].name) == 0) {
			*t = map[i].tee;
			return true;
		}
	return false;
}

void vd_explain_one_line(char *s, size_t cap)
{
	char buf[sizeof(((struct vd_decision *)0)->explain)];
	const char *in = s;
	size_t o = 0;

	if (cap > sizeof(buf))
		cap = sizeof(buf);
	while (*in && o + 1 < cap) {
		if (*in != '\n') {
			buf[o++] = *in++;
			continue;
		}
		while (*++in == ' ')
			;
		for (const char *sep = " | "; *sep && o + 1 < cap; sep++)
			buf[o++] = *sep;
	}
	if (*in && o >= 3)
		memcpy(buf + o - 3, "...", 3);
	buf[o] = '\0';
	memcpy(s, buf, o + 1);
}

struct vd_decider *vd_decider_new(struct vd_store *s,
				  const bool enabled[VD_TEE_COUNT])
{
	struct vd_decider *dc = calloc(1, sizeof(*dc));
	char refused[40];
	int t;

	if (!dc)
		return NULL;
	dc->store = s;
	memcpy(dc->enabled, enabled, sizeof(dc->enabled));
	for (t = 0; t < VD_TEE_COUNT; t++) {
		snprintf(refused, sizeof(refused), "every %s peer", vd_tee_name((enum vd_tee)t));
		if (!(dc->tees[t] = vd_pcache_new(s, (enum vd_tee)t, refused))) {
			vd_decider_free(dc);
			return NULL;
		}
	}
	return dc;
}

void vd_decider_free(struct vd_decider *dc)
{
	int t;

	if (!dc)
		return;
	for (t = 0; t < VD_TEE_COUNT; t++)
		vd_pcache_free(dc->tees[t]);
	free(dc);
}

uint64_t vd_decider_compilations(struct vd_decider *dc)
{
	uint64_t n = 0;
	int t;

	for (t = 0; t < VD_TEE_COUNT; t++)
		n += vd_pcache_compilations(dc->tees[t]);
	return n;
}

void vd_decide(struct vd_decider *dc, const char *verifier, const char *claims,
	       struct vd_decision *d)
{
	struct rego_error re = { 0 };
	const struct vd_compiled *c;
	enum rego_result r;
	char *out = NULL;
	const char *name;
	struct eaa_err err = { 0 };

	memset(d, 0, sizeof(*d));
	d->verifier = verifier;
	d->claims = claims;
	/* another replica's write is seen by this decision, not only by the
	 * next notification; a store that cannot be read allows nothing */
	if (!vd_store_sync(dc->store, &err)) {
		snprintf(d->why, sizeof(d->why), "the store cannot be read: %s", err.msg);
		return;
	}
	d->generation = vd_store_generation(dc->store);
	if (!vd_tee_of_verifier(verifier, &d->tee)) {
		snprintf(d->why, sizeof(d->why), "evidence checked by \"%s\", which no "
			 "policy covers", verifier ? verifier : "no verifier");
		return;
	}
	name = vd_tee_name(d->tee);
	if (!dc->enabled[d->tee]) {
		snprintf(d->why, sizeof(d->why), "%s evidence, but the %s verifier is "
			 "not enabled (--verifier)", name, verifier);
		return;
	}
	snprintf(d->policy, sizeof(d->policy), "%sPolicy.rego", name);
	if (!(c = vd_pcache_acquire(dc->tees[d->tee], &d->generation, d->why,
				    sizeof(d->why), NULL)))
		return;
	d->serial = c->serial;
	if (!claims)
		claims = "";
	r = rego_query_eval_explain(c->allow, claims, strlen(claims), NULL, &out,
				    d->explain, sizeof(d->explain), &re);
	if (r == REGO_ERROR) {
		d->explain[0] = '\0';
		snprintf(d->why, sizeof(d->why), "policy error: %s", re.msg);
	} else if (!(d->allow = r == REGO_DEFINED && strcmp(out, "true") == 0)) {
		snprintf(d->why, sizeof(d->why), "%s says allow = %.200s", d->policy,
			 r == REGO_DEFINED ? out : "undefined");
	} else {
		d->explain[0] = '\0';
		snprintf(d->why, sizeof(d->why), "%s allows it", d->policy);
	}
	vd_explain_one_line(d->explain, sizeof(d->explain));
	free(out);
	vd_pcache_release(dc->tees[d->tee], c);
}

const char *const vd_trust_names[VD_TRUST_CLAIMS] = {
	"instance-identity", "configuration", "executables", "file-system",
	"hardware", "runtime-opaque", "storage-opaque", "sourced-data",
};

/* A trust claim's tier (ear's claim.rs): -1..1 none, -32..31 affirming,
 * -96..95 warning, else contraindicated, in that order of worse. */
static int tier(int v)
{
	if (v >= -1 && v <= 1)
		return 0;
	if (v >= -32 && v <= 31)
		return 1;
	if (v >= -96 && v <= 95)
		return 2;
	return 3;
}

bool vd_trust_vector(struct vd_decider *dc, const struct vd_decision *d,
		     int vec[VD_TRUST_CLAIMS], const char **status, char *why, size_t cap)
{
	static const char *const tiers[] = { "none", "affirming", "warning", "contraindicated" };
	struct rego_error re = { 0 };
	const struct vd_compiled *c;
	uint64_t generation = 0;
	enum rego_result r = REGO_ERROR;
	char *out = NULL;
	json_t *o = NULL, *v;
	const char *name;
	bool ok = false;
	int worst = 0;

	memset(vec, 0, sizeof(int) * VD_TRUST_CLAIMS);
	if (!(c = vd_pcache_acquire(dc->tees[d->tee], &generation, why, cap, NULL)))
		return false;
	if (c->serial != d->serial) {
		snprintf(why, cap, "%s changed since the decision: decide again", d->policy);
		goto out;
	}
	r = rego_query_eval(c->trust, d->claims ? d->claims : "",
			    d->claims ? strlen(d->claims) : 0, NULL, &out, &re);
	if (r == REGO_ERROR) {
		snprintf(why, cap, "%s: trust_claims: %s", d->policy, re.msg);
		goto out;
	}
	if (r == REGO_DEFINED) {
		if (!(o = json_loads(out, 0, NULL)) || !json_is_object(o)) {
			snprintf(why, cap, "%s: trust_claims is not an object of AR4SI claims",
				 d->policy);
			goto out;
		}
		json_object_foreach(o, name, v) {
			size_t k;

			for (k = 0; k < VD_TRUST_CLAIMS && strcmp(name, vd_trust_names[k]); k++)
				;
			if (k == VD_TRUST_CLAIMS || !json_is_integer(v) ||
			    json_integer_value(v) < -128 || json_integer_value(v) > 127) {
				snprintf(why, cap, "%s: trust_claims.%.40s: %s", d->policy, name,
					 k == VD_TRUST_CLAIMS ? "not an AR4SI claim name"
							      : "not an integer from -128 to 127");
				goto out;
			}
			vec[k] = (int)json_integer_value(v);
		}
	}
	for (size_t k = 0; k < VD_TRUST_CLAIMS; k++)
		if (tier(vec[k]) > worst)
			worst = tier(vec[k]);
	*status = tiers[worst];
	ok = true;
out:
	json_decref(o);
	free(out);
	vd_pcache_release(dc->tees[d->tee], c);
	return ok;
}

bool vd_decision_current(struct vd_decider *dc, const struct vd_decision *d)
{
	if (d->generation != vd_store_generation(dc->store))
		return false;
	/* refused before any policy was asked: only a write changes that */
	if (!d->serial)
		return true;
	return vd_pcache_current(dc->tees[d->tee], d->serial, d->generation);
}

bool vd_decision_holds(struct vd_decider *dc, struct vd_decision *d,
		       bool *redecided)
{
	*redecided = false;
	if (!d->allow)
		return false;
	if (vd_decision_current(dc, d))
		return true;
	*redecided = true;
	/* vd_decide clears d first: the pointers are passed by value */
	vd_decide(dc, d->verifier, d->claims, d);
	return d->allow;
}

void vd_describe_tee(struct vd_decider *dc, enum vd_tee t, char *out, size_t cap)
{
	const char *root = vd_store_where(dc->store), *name = vd_tee_name(t);
	struct rego_error re = { 0 };
	struct rego_query *q = NULL;
	const struct vd_compiled *c;
	enum rego_result r = REGO_ERROR;
	char why[EAA_ERR_MSG_MAX], *configured = NULL;
	uint64_t g;
	bool compile_failed;

	if (!(c = vd_pcache_acquire(dc->tees[t], &g, why, sizeof(why), &compile_failed))) {
		if (compile_failed)
			snprintf(out, cap, "%s: refuses every peer: %s/opa/%sPolicy.rego %s",
				 name, root, name, why);
		else
			snprintf(out, cap, "%s: refuses every peer: %s", name, why);
		return;
	}
	if ((q = rego_query_compile(c->policy, "data.policy.configured", &re)))
		r = rego_query_eval(q, "{}", 2, NULL, &configured, &re);
	if (r == REGO_ERROR)
		snprintf(out, cap, "%s: refuses every peer: %s/opa/%sPolicy.rego: %s",
			 name, root, name, re.msg);
	else if (r == REGO_DEFINED && strcmp(configured, "false") == 0)
		snprintf(out, cap, "%s: refuses every peer until reference values are "
			 "listed in %s/opa/%sData (verdict --set-opa-reference)",
			 name, root, name);
	else if (r == REGO_DEFINED && strcmp(configured, "true") == 0)
		snprintf(out, cap, "%s: accepts what %s/opa/%sPolicy.rego allows with "
			 "the reference values in %s/opa/%sData", name, root, name, root,
			 name);
	else
		snprintf(out, cap, "%s: decided by the owner's %s/opa/%sPolicy.rego "
			 "(it has no `configured` rule to say whether reference values "
			 "are listed) with %s/opa/%sData", name, root, name, root, name);
	free(configured);
	rego_query_free(q);
	vd_pcache_release(dc->tees[t], c);
}
