/* kbs.h - verdictd's CoCo KBS protocol endpoint (trustee's /kbs/v0,
 * protocol version 0.4.0; docs/kbs-protocol.md), beside the EAA protocol,
 * on the same store, TEE policies and resource policy:
 *
 *   POST /kbs/v0/auth      {"version","tee","extra-params"} -> a session
 *                          cookie and a 32-byte nonce
 *   POST /kbs/v0/attest    runtime-data {nonce, tee-pubkey} and the TEE's
 *                          evidence, whose report data must be
 *                          SHA-384(JCS(runtime data)); the evidence is
 *                          verified by the same verifiers as the
 *                          attestation listener's, then the TEE's Rego
 *                          policy decides (decide.h) -> an EAR token
 *                          (ES256 JWT, verdictd's own key)
 *   GET  /kbs/v0/resource/<repo>/<type>/<tag>
 *                          with the session cookie or the token as
 *                          `Authorization: Bearer`; the resource policy
 *                          decides; the key or resource is answered as a
 *                          JWE to the attested tee-pubkey
 *
 * Where verdictd differs from trustee, and why, is docs/kbs-protocol.md
 * section 17: each nonce is good for one /attest; sessions are bounded;
 * tokens are verified only against verdictd's key; a refused resource is
 * 403 and a missing one 404; trustee's unsigned sample evidence is never
 * accepted (ours is signed). */
#ifndef EAA_VD_KBS_H
#define EAA_VD_KBS_H

#include <stdbool.h>
#include "decide.h"
#include "resource_policy.h"
#include "store.h"

struct vd_kbs_conf {
	struct vd_store *store;
	struct vd_decider *decider;
	struct vd_rpolicy *rpolicy;
	/* librats-tls instance options ("sample.trust=...", collateral ...),
	 * NULL-terminated: the verifiers are the attestation listener's */
	const char *const *options;
	/* the TEEs whose verifiers the owner named (--verifier) */
	const bool *enabled; /* [VD_TEE_COUNT] */
	/* HTTPS: PEM certificate chain and key; both NULL with insecure */
	const char *cert_file, *key_file;
	bool insecure_http;
	unsigned max_sessions;  /* at once; /auth is refused beyond */
	unsigned session_ttl;   /* seconds, from /auth (default 300) */
	unsigned token_ttl;     /* seconds (default 300) */
	unsigned max_connections;
	/* take trustee's unsigned sample evidence (for its test clients):
	 * it proves nothing, anyone can write it */
	bool unsigned_sample;
	/* PEM public keys whose signed bearer tokens may use the admin
	 * endpoints (POST resource, resource-policy); NULL: none may */
	const char *admin_keys;
};

/* One answer: status, body (malloc'd, NUL-terminated; the caller frees),
 * Content-Type, and Set-Cookie ("" for none). */
struct vd_kbs_answer {
	unsigned status;
	char *body;
	const char *type;
	char cookie[200];
};

/* The sessions and the token key, without HTTP (vd_kbs_start calls it; the
 * fuzz target and tests call it alone). Once per process. */
bool vd_kbs_init(const struct vd_kbs_conf *conf, struct eaa_err *err);
/* One request as HTTP handed it over: method ("POST", "GET"), the URL's
 * path, the kbs-session-id cookie's value and the Authorization header
 * (each NULL when absent), the body. Never fails: every refusal is an
 * answer. Thread-safe. */
void vd_kbs_handle(const char *method, const char *url, const char *cookie_id,
		   const char *authorization, const char *body, size_t len,
		   struct vd_kbs_answer *a);

/* Serve the KBS protocol on listening socket lfd until the process ends
 * (libmicrohttpd's threads). The token signing key is <root>/kbs/token.key
 * (P-256, 0600, made at the first start). false with err filled when it
 * cannot start. */
bool vd_kbs_start(const struct vd_kbs_conf *conf, int lfd, struct eaa_err *err);

#endif
