/* decide.h - whether a verified peer may have secrets: the verifier that
 * checked its evidence must be one the owner enabled, and that TEE's Rego
 * policy, over one snapshot of its policy and reference values, must say
 * allow. A decision remembers the store generation it was taken at, so a
 * connection re-decides before serving once the store has changed.
 *
 * (Issue 19's broker core grows this into the decision record with
 * per-resource authorization.) */
#ifndef EAA_VD_DECIDE_H
#define EAA_VD_DECIDE_H

#include <stdint.h>
#include "store.h"

/* The TEE whose policy covers a verifier's evidence: sgx_ecdsa -> sgx,
 * tdx_ecdsa and tdx -> tdx, sev_snp -> snp, csv, tpm, sample. */
bool vd_tee_of_verifier(const char *verifier, enum vd_tee *t);

struct vd_decision {
	bool allow;
	enum vd_tee tee;
	uint64_t generation; /* the store's, when the policy was read */
	char why[600];       /* the reason, refused or allowed (one line);
				may be sent to the peer */
	/* when the policy refused: why (rego_query_eval_explain's text on
	 * one line). It shows the peer's claims and the reference values:
	 * for verdictd's log only, never sent to the peer. 1 KiB: with
	 * why, it fits one log line (2 KiB) */
	char explain[1024];
};

/* An explanation's lines (rego_query_eval_explain) as one log line,
 * "a | b | c" (indentation dropped), in place, cut with "..." to fit
 * cap (at most sizeof(vd_decision.explain)). */
void vd_explain_one_line(char *s, size_t cap);

/* Decide for a peer whose evidence verifier `verifier` checked into
 * claims (JSON). enabled[t] says which TEEs the owner named; any other
 * is refused. Never fails open: every error is a refusal with its
 * reason in d->why. */
void vd_decide(struct vd_store *s, const bool enabled[VD_TEE_COUNT],
	       const char *verifier, const char *claims, struct vd_decision *d);

/* Is the decision still the store's? */
bool vd_decision_current(struct vd_store *s, const struct vd_decision *d);

/* One line saying what TEE t will accept and from which documents, for
 * verdictd's start (decided by the policy's `configured` rule, which every
 * built-in default has). */
void vd_describe_tee(struct vd_store *s, enum vd_tee t, char *out, size_t cap);

#endif
