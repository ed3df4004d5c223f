/* broker_policy.h - what the agent requires of verdictd's own evidence
 * when it trusts verdictd through a verifier (--broker-verifier). The
 * verifier only says "a genuine TEE of this type": a host operator's
 * debug guest or any VM on the same cloud is one. So the claims must also
 * not say debug, carry an accepted TCB status where the TEE reports one,
 * and satisfy the owner's Rego policy (data.policy.allow == true, the
 * claims as input, as verdictd judges its peers). */
#ifndef EAA_AA_BROKER_POLICY_H
#define EAA_AA_BROKER_POLICY_H

#include <stdbool.h>
#include "err.h"

struct aa_broker_policy;

/* Compile the policy file; tcb: comma-separated accepted tcb_status
 * values (NULL: "UpToDate"). Errors name the file and line. */
struct aa_broker_policy *aa_broker_policy_load(const char *file, const char *tcb,
					       struct eaa_err *err);
void aa_broker_policy_free(struct aa_broker_policy *p);

/* Judge the verified claims (a flat JSON object) of verdictd's evidence,
 * checked by verifier `tee`. False with err naming the claim or the
 * policy's answer. Thread-safe: a loaded policy is not changed. */
bool aa_broker_policy_check(const struct aa_broker_policy *p, const char *tee,
			    const char *claims_json, struct eaa_err *err);

#endif
