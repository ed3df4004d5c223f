/* store.h - verdictd's state directory, as the original lays it out:
 *
 *   <root>/keys/<kid>                32-byte KEKs, 0600 (kid may be
 *                                    <repo>/<type>/<tag>)
 *   <root>/opa/<tee>Policy.rego      the TEE's Rego policy
 *   <root>/opa/<tee>Data             its reference values (a JSON object)
 *   <root>/opa/resourcePolicy.rego   which allowed peer may read which key or
 *   <root>/opa/resourceData          resource (resource_policy.h), and its data
 *   <root>/image/policy.json         containers-policy.json for the guest
 *   <root>/image/sigstore.yaml       registries.d configuration
 *   <root>/image/cosign.key          cosign public key
 *   <root>/image/auth.json           registry credentials
 *   <root>/gpg/keyring.gpg           GPG public keyring
 *   <root>/resources/<repo>/<type>/<tag>   other resources by path
 *
 * Every write is atomic (temporary file, fsync, rename, directory fsync);
 * a policy or reference document that does not compile or parse never
 * replaces the one in place; every name that becomes a path is checked so
 * it cannot leave its directory. Readers need no lock: they see the old
 * file or the new one. Writers are serialised. */
#ifndef EAA_VD_STORE_H
#define EAA_VD_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define VD_KEY_LEN 32
#define VD_DEFAULT_ROOT "/opt/verdictd"

/* The TEEs verdictd keeps policies for, named as in the file names. */
enum vd_tee { VD_TEE_SGX, VD_TEE_TDX, VD_TEE_SNP, VD_TEE_CSV, VD_TEE_TPM,
	      VD_TEE_SAMPLE, VD_TEE_AZ_SNP_VTPM, VD_TEE_AZ_TDX_VTPM, VD_TEE_SAMPLEDEVICE,
	      VD_TEE_NVIDIA, VD_TEE_COUNT };

/* A device TEE (a GPU): its evidence comes only as the additional
 * evidence of a CPU's attestation (the KBS protocol's composite evidence),
 * never as the primary evidence nor on the EAA listener. */
bool vd_tee_is_device(enum vd_tee t);

const char *vd_tee_name(enum vd_tee t);
/* "sgx", "tdx", ... (also verdict's "sgxPolicy.rego"/"sgxData" forms:
 * with *reference set to which one it named, when not NULL). */
bool vd_tee_parse(const char *name, enum vd_tee *t, int *reference);

/* Besides one policy and reference pair per TEE, opa/ holds the resource
 * policy's pair (resourcePolicy.rego, resourceData), which decides each key
 * and resource request of a peer its TEE's policy allowed. The vd_opa_*
 * functions below take VD_OPA_RESOURCE where they take a TEE; it is no TEE,
 * and nothing that loops over the TEEs meets it. */
#define VD_OPA_RESOURCE VD_TEE_COUNT
/* A document's name as verdict sends it: "<tee>Policy.rego", "<tee>Data",
 * "resourcePolicy.rego" or "resourceData". */
bool vd_opa_parse(const char *name, enum vd_tee *t, bool *reference);
/* "sgx", ..., "sample", "resource": the file names' prefix. */
const char *vd_opa_name(enum vd_tee t);

enum vd_resource { VD_RES_IMAGE_POLICY, VD_RES_SIGSTORE, VD_RES_COSIGN_KEY,
		   VD_RES_GPG_KEYRING, VD_RES_CREDENTIAL, VD_RES_COUNT };

struct vd_store;

/* Open (creating the directories, 0700) the state under root. */
struct vd_store *vd_store_open(const char *root, struct eaa_err *err);
void vd_store_close(struct vd_store *s);
/* The documents in PostgreSQL at url (store_pg.h), sealed under the
 * master key in key_file; root holds only this replica's own files (the
 * GnuPG home, a copy of the client API token, collateral caches). */
struct vd_store *vd_store_open_shared(const char *root, const char *url,
				      const char *key_file, struct eaa_err *err);
/* Does --store name a database ("postgresql://", "postgres://")? */
bool vd_store_is_url(const char *store);
/* Is this store the shared one (several verdictd may use it)? */
bool vd_store_is_shared(const struct vd_store *s);
struct vd_pg *vd_store_pg(struct vd_store *s);
/* Any document by its path relative to the store ("kbs/token.key"), for
 * what has no typed call; *missing when there is none. */
bool vd_store_object_get(struct vd_store *s, const char *rel, size_t max, uint8_t **data,
			 size_t *n, bool *missing, struct eaa_err *err);
/* Store it unless one is there (then *existed, and nothing is written):
 * the first of several replicas to start makes a shared secret. */
bool vd_store_object_create(struct vd_store *s, const char *rel, const void *data, size_t n,
			    bool *existed, struct eaa_err *err);
const char *vd_store_root(const struct vd_store *s);
/* Where the documents are, for messages: the root, or "postgresql:" (so
 * "<where>/opa/sgxPolicy.rego" names a document in either). */
const char *vd_store_where(const struct vd_store *s);
/* A number every write through this store raises: a decision taken at
 * one generation is stale once it differs. Files edited by hand behind
 * verdictd's back do not raise it (docs/verdictd.md). */
uint64_t vd_store_generation(struct vd_store *s);
/* Bring the generation up to the store's now: a no-op for the file store
 * (its writers move it), one read of the database's for a shared store,
 * whose other replicas write too. False when the store cannot be read. */
bool vd_store_sync(struct vd_store *s, struct eaa_err *err);

/* Count hand edits of opa/ with inotify (edits.h), so that the
 * policy caches stat their files only after something there changed. A
 * daemon calls it once; without it (or when the watch cannot see every
 * change) the caches stat before every use. */
bool vd_store_watch_edits(struct vd_store *s, struct eaa_err *err);
/* opa/'s changes counted so far, every edit finished before the call
 * included; VD_EDITS_UNKNOWN when not watched. */
uint64_t vd_store_edits(struct vd_store *s);

/* A name that becomes a path below one of the store's directories: one or
 * more '/'-separated components (at most max_parts) of letters, digits,
 * '.', '_' and '-', none empty, none starting with '.'. what names it in
 * the error ("kid", "resource path"). */
bool vd_name_check(const char *what, const char *name, int max_parts,
		   struct eaa_err *err);

/* ---- keys ---- */
bool vd_key_get(struct vd_store *s, const char *kid, uint8_t key[VD_KEY_LEN],
		struct eaa_err *err);
bool vd_key_set(struct vd_store *s, const char *kid,
		const uint8_t key[VD_KEY_LEN], struct eaa_err *err);
/* A new random KEK; refuses a kid that exists. */
bool vd_key_create(struct vd_store *s, const char *kid, struct eaa_err *err);
bool vd_key_delete(struct vd_store *s, const char *kid, struct eaa_err *err);
/* Every kid, sorted; *kids is malloc'd, each string too (vd_list_free). */
bool vd_key_list(struct vd_store *s, char ***kids, size_t *n,
		 struct eaa_err *err);
void vd_list_free(char **v, size_t n);

/* ---- OPA policy and reference values ---- */
/* The stored text; false with EAA_E_CONFIG when there is none. */
bool vd_opa_get(struct vd_store *s, enum vd_tee t, bool reference,
		char **text, size_t *n, struct eaa_err *err);
/* Validate, then store: a policy must compile with the stored reference
 * values (or alone), reference values must be a JSON object that
 * compiles with the stored policy. The old file stays on any error. */
bool vd_opa_set(struct vd_store *s, enum vd_tee t, bool reference,
		const char *text, size_t n, struct eaa_err *err);
/* Set some of a TEE's reference values: each member of fields replaces
 * the member of that name in the stored document (which is made if there
 * is none), and the result is validated and stored as vd_opa_set does,
 * in one step under the writers' lock (no other write in between). */
bool vd_opa_set_fields(struct vd_store *s, enum vd_tee t, const json_t *fields,
		       struct eaa_err *err);
/* A TEE's policy and reference values as one state of the store (no
 * write in between), with the generation they belong to. */
struct vd_opa_doc {
	char *policy, *data; /* malloc'd */
	size_t plen, dlen;
	uint64_t generation;
};
bool vd_opa_snapshot(struct vd_store *s, enum vd_tee t, struct vd_opa_doc *d,
		     struct eaa_err *err);
void vd_opa_doc_free(struct vd_opa_doc *d);
/* The document's file (what a reader stats to see a change made behind
 * the store's back). */
bool vd_opa_file(const struct vd_store *s, enum vd_tee t, bool reference,
		 char *path, size_t cap, struct eaa_err *err);
/* Compile a policy and reference document and check they work together;
 * with test_input, also evaluate data.policy.allow on it into *decision
 * ("true", "false" or "undefined"; malloc'd). */
bool vd_opa_check(const char *policy, size_t plen, const char *data,
		  size_t dlen, const char *test_input, size_t ilen,
		  char **decision, struct eaa_err *err);

/* vd_opa_check on an input, and when allow is false or undefined, why
 * (rego_query_eval_explain's text, naming the policy file, default
 * "policy.rego") in why[0..cap); "" otherwise. The text shows values of
 * the input and the reference data: for the owner's eyes (logs, the
 * client API), never for the peer (docs/threat-model.md). */
bool vd_opa_check_why(const char *file, const char *policy, size_t plen,
		      const char *data, size_t dlen, const char *input, size_t ilen,
		      char **decision, char *why, size_t cap, struct eaa_err *err);

/* Install the default policy and reference values of every TEE that has
 * none (defaults.c); stored files are left alone. */
bool vd_store_install_defaults(struct vd_store *s, struct eaa_err *err);

/* Compile policy with data and, with input, evaluate query on it into
 * *result (JSON, or "undefined"; malloc'd). */
bool vd_opa_eval(const char *policy, size_t plen, const char *data,
		 size_t dlen, const char *query, const char *input, size_t ilen,
		 char **result, struct eaa_err *err);

/* ---- image resources ---- */
const char *vd_resource_file(enum vd_resource r); /* "image/policy.json" */
bool vd_resource_get(struct vd_store *s, enum vd_resource r, uint8_t **data,
		     size_t *n, struct eaa_err *err);
/* policy.json must be a JSON object with "default", auth.json a JSON
 * object, cosign.key a PEM public key; none may be empty. */
bool vd_resource_set(struct vd_store *s, enum vd_resource r,
		     const uint8_t *data, size_t n, struct eaa_err *err);
/* Every document's path relative to the store, sorted (vd_list_free):
 * keys/, resources/, opa/, image/, gpg/keyring.gpg, kbs/token.key and
 * client-api.token; nothing that is one replica's own. */
bool vd_store_object_list(struct vd_store *s, char ***rels, size_t *n, struct eaa_err *err);
/* Copy every document of src into dst as it is, in one write of dst
 * (one transaction for a database): what verdict --store-export and
 * --store-import do. *count: how many. */
bool vd_store_copy(struct vd_store *src, struct vd_store *dst, size_t *count,
		   struct eaa_err *err);

/* Remove it; none there is no error. */
bool vd_resource_delete(struct vd_store *s, enum vd_resource r, struct eaa_err *err);
/* Is there a document dir/name (dir "keys" or "resources")? */
bool vd_named_exists(struct vd_store *s, const char *dir, const char *name);
/* resources/<repo>/<type>/<tag> */
bool vd_named_get(struct vd_store *s, const char *path, uint8_t **data,
		  size_t *n, struct eaa_err *err);
bool vd_named_set(struct vd_store *s, const char *path, const uint8_t *data,
		  size_t n, struct eaa_err *err);
/* Remove resources/<repo>/<type>/<tag>; EAA_E_INVALID when there is none. */
bool vd_named_delete(struct vd_store *s, const char *path, struct eaa_err *err);

#endif
