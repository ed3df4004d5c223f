/* broker_policy.c - verdictd's claims against the owner's expectations
 * (see broker_policy.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker_policy.h"
#include "eaa/rego.h"
#include "file.h"

#define MAX_POLICY (1u << 20)

struct aa_broker_policy {
	struct rego_policy *policy;
	struct rego_query *allow;
	char file[512];
	char tcb[256];         /* ",UpToDate,...," for whole-word lookup */
};

struct aa_broker_policy *aa_broker_policy_load(const char *file, const char *tcb,
					       struct eaa_err *err)
{
	struct aa_broker_policy *p = calloc(1, sizeof(*p));
	struct rego_builder *b = NULL;
	struct rego_error re = { 0 };
	uint8_t *src = NULL;
	size_t n;

	if (!p) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(p->file, sizeof(p->file), "%s", file);
	if ((size_t)snprintf(p->tcb, sizeof(p->tcb), ",%s,", tcb ? tcb : "UpToDate") >=
	    sizeof(p->tcb)) {
		eaa_fail(err, EAA_E_CONFIG, "broker TCB statuses \"%.100s...\": too long", tcb);
		goto fail;
	}
	if (!file_read_regular(file, MAX_POLICY, &src, &n, err)) {
		eaa_err_prefix(err, "broker policy");
		goto fail;
	}
	if (!(b = rego_builder_new())) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto fail;
	}
	if (!rego_builder_add_module(b, file, (const char *)src, n, REGO_SYNTAX_AUTO, &re)) {
		rego_builder_free(b);
		goto rego_fail;
	}
	if (!(p->policy = rego_builder_compile(b, &re)) ||
	    !(p->allow = rego_query_compile(p->policy, "data.policy.allow", &re)))
		goto rego_fail;
	free(src);
	return p;
rego_fail:
	eaa_fail(err, re.code ? re.code : EAA_E_CONFIG, "broker policy %s", re.msg);
fail:
	free(src);
	aa_broker_policy_free(p);
	return NULL;
}

void aa_broker_policy_free(struct aa_broker_policy *p)
{
	if (!p)
		return;
	rego_query_free(p->allow);
	rego_policy_free(p->policy);
	free(p);
}

/* The claims the verifiers name a debug TEE by, and the value that means
 * debug: Intel's debug and td_debug, SEV-SNP's policy_debug_allowed (its
 * verifier refuses those guests itself unless sev_snp.allow_debug is set,
 * and the agent's one option list may set it), CSV's policy_nodbg. */
static const struct {
	const char *claim;
	bool debug_when;
} debug_claims[] = {
	{ "debug", true }, { "td_debug", true }, { "policy_debug_allowed", true },
	{ "policy_nodbg", false },
};

bool aa_broker_policy_check(const struct aa_broker_policy *p, const char *tee,
			    const char *claims_json, struct eaa_err *err)
{
	json_error_t je;
	json_t *c = json_loads(claims_json, 0, &je), *v;
	struct rego_error re = { 0 };
	const char *status;
	char *decision = NULL, word[80];
	enum rego_result r;
	bool ok = false;

	if (!json_is_object(c)) {
		eaa_fail(err, EAA_E_FORMAT, "verdictd's claims are not a JSON object");
		goto out;
	}
	for (size_t i = 0; i < sizeof(debug_claims) / sizeof(debug_claims[0]); i++) {
		json_t *d = json_object_get(c, debug_claims[i].claim);

		if (json_is_boolean(d) && json_is_true(d) == debug_claims[i].debug_when) {
			eaa_fail(err, EAA_E_REJECTED, "verdictd runs in a debug TEE (%s claim "
				 "%s is %s)", tee, debug_claims[i].claim,
				 debug_claims[i].debug_when ? "true" : "false");
			goto out;
		}
	}
	if ((v = json_object_get(c, "tcb_status"))) {
		status = json_string_value(v);
		snprintf(word, sizeof(word), ",%s,", status ? status : "");
		if (!status || !*status || strchr(status, ',') || !strstr(p->tcb, word)) {
			eaa_fail(err, EAA_E_REJECTED, "verdictd's TCB status is \"%.40s\"; "
				 "accepted: %.*s", status ? status : "(not text)",
				 (int)strlen(p->tcb) - 2, p->tcb + 1);
			goto out;
		}
	}
	r = rego_query_eval(p->allow, claims_json, strlen(claims_json), NULL, &decision, &re);
	if (r == REGO_ERROR)
		eaa_fail(err, EAA_E_REJECTED, "broker policy %s: %s", p->file, re.msg);
	else if (r != REGO_DEFINED || strcmp(decision, "true") != 0)
		eaa_fail(err, EAA_E_REJECTED, "broker policy %s says allow = %s for "
			 "verdictd's claims (%s): %.300s", p->file,
			 r == REGO_DEFINED ? decision : "undefined", tee, claims_json);
	else
		ok = true;
out:
	free(decision);
	json_decref(c);
	return ok;
}
