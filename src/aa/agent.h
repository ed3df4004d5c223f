/* agent.h - the attestation agent's work, apart from how it is reached:
 * the ocicrypt key-provider protocol (UnWrapKey) and named resources, each
 * served by the KBC that aa_kbc_params names. KBC instances are kept, so an
 * attested channel serves many requests. Thread-safe. */
#ifndef EAA_AA_AGENT_H
#define EAA_AA_AGENT_H

#include "kbc.h"

struct aa_agent;

/* params: the default "<kbc>::<uri>" (NULL: every request must name one);
 * provider: our name in the key-provider dc Parameters (default
 * "attestation-agent"). conf's strings must outlive the agent. */
struct aa_agent *aa_agent_new(const char *params, const char *provider,
			      const struct aa_kbc_conf *conf, struct eaa_err *err);
void aa_agent_free(struct aa_agent *a);

/* One KeyProviderKeyWrapProtocolInput (JSON) in, its Output (JSON,
 * malloc'd; holds key material: wipe it) out. Only keyunwrap is served. */
bool aa_agent_keyprovider(struct aa_agent *a, const char *in, size_t n, char **out,
			  struct eaa_err *err);

/* How an asynchronous key-provider request ended. */
enum aa_async_result {
	AA_ASYNC_OK,      /* out holds the Output (wipe it) */
	AA_ASYNC_FAILED,  /* err says why */
	AA_ASYNC_RETRY,   /* the channel failed in transit: make the request
			     again with aa_agent_keyprovider, which attests
			     anew */
};

/* out: the Output's n bytes (JSON text) for keyprovider, the resource for
 * resource; the agent's, wiped after the call: copy it. */
typedef void (*aa_agent_done_fn)(void *arg, enum aa_async_result r, const uint8_t *out,
				 size_t n, const struct eaa_err *err);

/* aa_agent_keyprovider without waiting, where the KBC can (eaa_kbc on an
 * attested channel): true, and done is called once, later, from another
 * thread; false when the request needs the synchronous path (anything
 * else: another op, no channel yet, a slow or busy broker, a malformed
 * input, whose refusal aa_agent_keyprovider then gives). Never waits. */
bool aa_agent_keyprovider_async(struct aa_agent *a, const char *in, size_t n,
				aa_agent_done_fn done, void *arg);
/* aa_agent_resource without waiting, the same way (params NULL or empty:
 * the default KBC). */
bool aa_agent_resource_async(struct aa_agent *a, const char *params, const char *path,
			     aa_agent_done_fn done, void *arg);

/* A resource by path or kbs:/// URI from the KBC params names (NULL: the
 * default). *out is malloc'd. */
bool aa_agent_resource(struct aa_agent *a, const char *params, const char *path,
		       uint8_t **out, size_t *n, struct eaa_err *err);

#endif
