/* policy_cache.h - one of the store's policy and data pairs (a TEE's, or
 * the resource policy's: store.h) kept compiled, for the decider
 * (decide.h) and the resource policy (resource_policy.h).
 *
 * The pair is compiled when first needed and read again only when the
 * store's generation moved (a write through verdictd) or either file's
 * identity (inode, size, mtime) did (an edit behind verdictd's back); it
 * is compiled again only when what was read differs from what is compiled
 * (so a key written does not recompile the policies). A pair that does not
 * compile never replaces the working one (logged once per change); a
 * missing one removes it. A compiled pair is immutable and shared by the
 * threads evaluating it, each holding a reference, so a newer one takes
 * its place without waiting for them. */
#ifndef EAA_VD_POLICY_CACHE_H
#define EAA_VD_POLICY_CACHE_H

#include <stdint.h>
#include "store.h"

/* One compilation: evaluate its queries from any number of threads. */
struct vd_compiled {
	struct rego_policy *policy;
	struct rego_query *allow; /* data.policy.allow */
	struct rego_query *rules; /* data.policy: every rule's value */
	struct rego_query *trust; /* data.policy.trust_claims (the EAR's vector) */
	uint64_t serial;          /* which compilation, from 1, per cache */
};

struct vd_pcache;

/* The cache of pair t of store s (which must outlive it). refused names
 * who is refused when there is no working policy, for the log ("every
 * sample peer"). NULL when memory runs out. */
struct vd_pcache *vd_pcache_new(struct vd_store *s, enum vd_tee t,
				const char *refused);
/* After the last release: no compiled pair may be in use. */
void vd_pcache_free(struct vd_pcache *pc);

/* The current compilation, brought up to date first, with a reference
 * (vd_pcache_release), and the store generation it was read at. NULL
 * when there is none, with the reason in why ("does not compile: ..." or
 * the store's error) and *compile_failed saying which (when not NULL).
 * Thread-safe. */
const struct vd_compiled *vd_pcache_acquire(struct vd_pcache *pc,
					    uint64_t *generation, char *why,
					    size_t cap, bool *compile_failed);
void vd_pcache_release(struct vd_pcache *pc, const struct vd_compiled *c);

/* Brought up to date, is compilation `serial` read at `generation` still
 * the one in force? (A pair that does not compile leaves it so.) */
bool vd_pcache_current(struct vd_pcache *pc, uint64_t serial,
		       uint64_t generation);

/* How many compiles the cache ran, failed ones included. */
uint64_t vd_pcache_compilations(const struct vd_pcache *pc);

#endif
