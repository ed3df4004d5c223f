/* resource_policy.h - per-resource authorization: which key or resource a
 * peer may read, once its TEE's policy has allowed it (decide.h).
 *
 * The owner's opa/resourcePolicy.rego, with opa/resourceData as data, is
 * asked data.policy.allow once per kid and per resource, with the input
 *
 *   {"tee": "sample", "claims": {...the verified claims...},
 *    "command": "Get KEK", "kid": "tenantA/key/1",
 *    "path": "keys/tenantA/key/1"}
 *
 * ("resource": "<repo>/<type>/<tag>" or the named resource's name in place
 * of "kid", and "path" what it reads under the state directory:
 * resources/<repo>/<type>/<tag>, image/policy.json, gpg/keyring.gpg, ...;
 * through the KBS protocol also "ear": the token's claims, where trustee's
 * resource policies look, e.g. input.ear.submods.cpu0["ear.status"]).
 * Only true allows: false, undefined (no rule gave allow a value for this
 * request), an evaluation error, a missing policy all refuse, with the
 * reason, and every refusal is logged (warn) with the rule that refused.
 *
 * The policy is compiled once per change (policy_cache.h): read again when
 * the store's generation moved (a write through verdictd) or either file's
 * identity (inode, size, mtime) did (an edit behind verdictd's back), and
 * compiled again only when it differs. A policy that does not compile
 * never replaces the one that did: requests go on being decided by the
 * last working policy, and the failure is logged once. A removed policy
 * file refuses every request. */
#ifndef EAA_VD_RESOURCE_POLICY_H
#define EAA_VD_RESOURCE_POLICY_H

#include <jansson.h>
#include "store.h"

struct vd_rpolicy;

/* One key or resource request of an allowed peer. */
struct vd_rp_request {
	const char *tee;      /* the TEE whose policy allowed the peer */
	const char *claims;   /* its verified claims (JSON object text) */
	const char *command;  /* the EAA command, "Decrypt" */
	const char *kid;      /* a key request's kid; else NULL */
	const char *resource; /* a resource request's path or name; else NULL */
	const char *path;     /* what it reads, relative to the state directory */
	const json_t *ear;    /* a KBS request's EAR token claims, as trustee's
				 resource policy reads them (input.ear); else NULL */
};

/* The authorizer over store s (which must outlive it). NULL when memory
 * runs out. */
struct vd_rpolicy *vd_rpolicy_new(struct vd_store *s);
void vd_rpolicy_free(struct vd_rpolicy *rp);

/* Does the resource policy allow req? On refusal, why says so in one line
 * ("resourcePolicy.rego: rule allow is false"); the refusal has been
 * logged with the request. Thread-safe. */
bool vd_rpolicy_allow(struct vd_rpolicy *rp, const struct vd_rp_request *req,
		      char *why, size_t cap);

/* One line saying how keys and resources will be decided, for verdictd's
 * start ("resources: ..."). It compiles the policy, so a broken one is
 * reported then, not at the first request. */
void vd_rpolicy_describe(struct vd_rpolicy *rp, char *out, size_t cap);

#endif
