/* verdict_kbs.h - verdict's set commands through verdictd's KBS admin API
 * (--kbs-admin URL --kbs-admin-key KEY): what an owner who reaches
 * verdictd as a KBS (trustee's admin API, docs/kbs-protocol.md section 11)
 * can do with the same command line. Each request carries a fresh bearer
 * JWT signed by the owner's private key, good for a minute. Each function
 * prints OK and returns 0, or prints why on stderr and returns 1. */
#ifndef EAA_VERDICT_KBS_H
#define EAA_VERDICT_KBS_H

struct verdict_kbs {
	const char *url; /* https://HOST:PORT, or http:// to this machine */
	const char *key; /* the owner's private key (PEM: EC P-256/P-384, Ed25519) */
	const char *ca;  /* the KBS certificate's CA (PEM), or NULL: the system's */
};

/* --set-opa-policy <tee>Policy.rego FILE: POST /attestation-policy with
 * the TEE as policy_id; resourcePolicy.rego: POST /resource-policy. */
int verdict_kbs_set_policy(const struct verdict_kbs *k, const char *name, const char *file);
/* --set-opa-reference <tee>Data FILE: POST /reference-value with each of
 * the file's members as <tee>.<member>; members the file does not name
 * are kept (the client API replaces the whole document). */
int verdict_kbs_set_reference(const struct verdict_kbs *k, const char *name,
			      const char *file);
/* --set_resource REPO/TYPE/TAG FILE: POST /resource/REPO/TYPE/TAG. */
int verdict_kbs_set_resource(const struct verdict_kbs *k, const char *id, const char *file);

#endif
