/* decide.c - the key-release decision for one verified peer (decide.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decide.h"

bool vd_tee_of_verifier(const char *verifier, enum vd_tee *t)
{
	static const struct {
		const char *name;
		enum vd_tee tee;
	} map[] = {
		{ "sgx_ecdsa", VD_TEE_SGX }, { "tdx_ecdsa", VD_TEE_TDX },
		{ "tdx", VD_TEE_TDX }, { "sev_snp", VD_TEE_SNP },
		{ "csv", VD_TEE_CSV }, { "tpm", VD_TEE_TPM },
		{ "sample", VD_TEE_SAMPLE },
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

void vd_decide(struct vd_store *s, const bool enabled[VD_TEE_COUNT],
	       const char *verifier, const char *claims, struct vd_decision *d)
{
	struct vd_opa_doc doc;
	struct eaa_err err;
	char *decision = NULL, file[32];

	memset(d, 0, sizeof(*d));
	d->generation = vd_store_generation(s);
	if (!vd_tee_of_verifier(verifier, &d->tee)) {
		snprintf(d->why, sizeof(d->why), "evidence checked by \"%s\", which no "
			 "policy covers", verifier ? verifier : "no verifier");
		return;
	}
	if (!enabled[d->tee]) {
		snprintf(d->why, sizeof(d->why), "%s evidence, but the %s verifier is "
			 "not enabled (--verifier)", vd_tee_name(d->tee), verifier);
		return;
	}
	if (!vd_opa_snapshot(s, d->tee, &doc, &err)) {
		snprintf(d->why, sizeof(d->why), "%s", err.msg);
		return;
	}
	d->generation = doc.generation;
	snprintf(file, sizeof(file), "%sPolicy.rego", vd_tee_name(d->tee));
	if (!vd_opa_check_why(file, doc.policy, doc.plen, doc.data, doc.dlen, claims,
			      strlen(claims), &decision, d->explain,
			      sizeof(d->explain), &err))
		snprintf(d->why, sizeof(d->why), "policy error: %s", err.msg);
	else if (!(d->allow = strcmp(decision, "true") == 0))
		snprintf(d->why, sizeof(d->why), "%sPolicy.rego says allow = %s",
			 vd_tee_name(d->tee), decision);
	else
		snprintf(d->why, sizeof(d->why), "%sPolicy.rego allows it",
			 vd_tee_name(d->tee));
	vd_explain_one_line(d->explain, sizeof(d->explain));
	free(decision);
	vd_opa_doc_free(&doc);
}

bool vd_decision_current(struct vd_store *s, const struct vd_decision *d)
{
	return d->generation == vd_store_generation(s);
}

void vd_describe_tee(struct vd_store *s, enum vd_tee t, char *out, size_t cap)
{
	struct vd_opa_doc doc;
	struct eaa_err err;
	char *configured = NULL;
	const char *root = vd_store_root(s), *name = vd_tee_name(t);

	if (!vd_opa_snapshot(s, t, &doc, &err)) {
		snprintf(out, cap, "%s: refuses every peer: %s", name, err.msg);
		return;
	}
	if (!vd_opa_eval(doc.policy, doc.plen, doc.data, doc.dlen,
			 "data.policy.configured", "{}", 2, &configured, &err))
		snprintf(out, cap, "%s: refuses every peer: %s/opa/%sPolicy.rego: %s",
			 name, root, name, err.msg);
	else if (strcmp(configured, "false") == 0)
		snprintf(out, cap, "%s: refuses every peer until reference values are "
			 "listed in %s/opa/%sData (verdict --set-opa-reference)",
			 name, root, name);
	else if (strcmp(configured, "true") == 0)
		snprintf(out, cap, "%s: accepts what %s/opa/%sPolicy.rego allows with "
			 "the reference values in %s/opa/%sData", name, root, name, root,
			 name);
	else
		snprintf(out, cap, "%s: decided by the owner's %s/opa/%sPolicy.rego "
			 "(it has no `configured` rule to say whether reference values "
			 "are listed) with %s/opa/%sData", name, root, name, root, name);
	free(configured);
	vd_opa_doc_free(&doc);
}
