/* decide.h - whether a verified peer may have secrets: the verifier that
 * checked its evidence must be one the owner enabled, and that TEE's Rego
 * policy, over one snapshot of its policy and reference values, must say
 * allow.
 *
 * A decider keeps each TEE's policy compiled (policy_cache.h): compiled
 * when first needed, read again only when the store's generation moved (a
 * write through verdictd) or either file's identity (inode, size, mtime)
 * did (an edit behind verdictd's back), and compiled again only when what
 * it read differs from what is compiled. A policy that does not compile never
 * replaces the working one (logged once per change); with none, every peer
 * of that TEE is refused with the compile error. A compiled policy is
 * shared read-only by the threads deciding with it (reference counted), so
 * a newer one takes its place without waiting for them.
 *
 * A decision is a record {allow, tee, claims, policy, generation, serial,
 * reasons}: it remembers which compilation decided it at which store
 * generation, so a connection re-decides before serving once either has
 * moved (vd_decision_current). */
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
	/* what was decided on: the verifier's name and the verified claims
	 * (JSON), borrowed from the caller (the connection owns them for its
	 * life), so that the record alone can be decided again */
	const char *verifier, *claims;
	char policy[32];     /* the file that decided: "sgxPolicy.rego" */
	uint64_t generation; /* the store's, when the policy was read */
	uint64_t serial;     /* which compilation decided (0: none did) */
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

struct vd_decider;

/* The decider over store s (which must outlive it) for the TEEs the owner
 * named: enabled[t] (copied); any other is refused. Nothing is compiled
 * yet. NULL when memory runs out. */
struct vd_decider *vd_decider_new(struct vd_store *s,
				  const bool enabled[VD_TEE_COUNT]);
/* After the last decision: no compiled policy may be in use. */
void vd_decider_free(struct vd_decider *dc);

/* Decide for a peer whose evidence verifier `verifier` checked into
 * claims (JSON); both must outlive d. Never fails open: every error is a
 * refusal with its reason in d->why. Thread-safe. */
void vd_decide(struct vd_decider *dc, const char *verifier, const char *claims,
	       struct vd_decision *d);

/* Is the decision still the one the store and its files give? False once
 * the store's generation moved or the policy that decided was replaced
 * (a write, or a hand edit that compiles); a hand edit that does not
 * compile leaves it current, as the policy before it still decides.
 * Thread-safe; it stats the TEE's two files. */
bool vd_decision_current(struct vd_decider *dc, const struct vd_decision *d);

/* The check before serving each request on a connection decided by d:
 * true only when d says allow and is current. An allowing decision that
 * is stale is first taken again (into d, on its own verifier and claims;
 * *redecided set), so the answer is the store's now. A refusal is never
 * re-decided into an allow: a refused connection is closed. */
bool vd_decision_holds(struct vd_decider *dc, struct vd_decision *d,
		       bool *redecided);

/* The EAR trust vector (docs/kbs-protocol.md 9.4) that the policy which
 * decided d gives d's claims: its rule trust_claims, an object whose
 * members are among the eight AR4SI claim names ("instance-identity",
 * "configuration", "executables", "file-system", "hardware",
 * "runtime-opaque", "storage-opaque", "sourced-data") with integers from
 * -128 to 127, into vec in that order (a claim not named is 0; an
 * undefined rule leaves all eight 0, as trustee does), and *status the
 * worst tier among them ("none", "affirming", "warning",
 * "contraindicated"). False, with why, for any other shape, or when the
 * policy was replaced since d was decided (decide again). Thread-safe. */
#define VD_TRUST_CLAIMS 8
extern const char *const vd_trust_names[VD_TRUST_CLAIMS];
bool vd_trust_vector(struct vd_decider *dc, const struct vd_decision *d,
		     int vec[VD_TRUST_CLAIMS], const char **status, char *why, size_t cap);

/* How many times the decider compiled a policy, compiles that failed
 * included (what tests and benchmarks count). */
uint64_t vd_decider_compilations(struct vd_decider *dc);

/* One line saying what TEE t will accept and from which documents, for
 * verdictd's start (decided by the policy's `configured` rule, which every
 * built-in default has). It compiles the policy, so a broken one is
 * reported then, not at the first handshake. */
void vd_describe_tee(struct vd_decider *dc, enum vd_tee t, char *out, size_t cap);

#endif
