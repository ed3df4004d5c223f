/* policy.h - containers-policy.json(5): which requirements an image must
 * meet, by transport and most specific scope, and the check of an image
 * with its signatures against them. Parsing is strict: an unknown field,
 * type or transport is an error naming its path in the file. */
#ifndef EAA_IMG_POLICY_H
#define EAA_IMG_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ref.h"

enum img_req_type {
	IMG_REQ_ACCEPT,      /* insecureAcceptAnything */
	IMG_REQ_REJECT,      /* reject */
	IMG_REQ_SIGNED_BY,   /* signedBy, keyType GPGKeys: simple signing */
	IMG_REQ_SIGSTORE,    /* sigstoreSigned with a public key */
};

enum img_ident_type {
	IMG_ID_MATCH_EXACT,
	IMG_ID_MATCH_REPO_DIGEST_OR_EXACT,
	IMG_ID_MATCH_REPOSITORY,
	IMG_ID_EXACT_REFERENCE,
	IMG_ID_EXACT_REPOSITORY,
	IMG_ID_REMAP_IDENTITY,
};

struct img_identity {
	enum img_ident_type type;
	bool omitted;        /* no signedIdentity: the default applies */
	char *docker;        /* exactReference / exactRepository value */
	char *prefix;        /* remapIdentity */
	char *signed_prefix;
};

struct img_req {
	enum img_req_type type;
	char **key_paths;    /* keyPath / keyPaths */
	size_t nkey_paths;
	uint8_t *key_data;   /* keyData, decoded */
	size_t key_data_len;
	struct img_identity identity;
	char where[160];     /* its path in the file, for messages */
};

struct img_policy;

/* Parse a policy document; `file` names it in errors. */
struct img_policy *img_policy_parse(const char *text, size_t n, const char *file,
				    struct eaa_err *err);
struct img_policy *img_policy_load(const char *path, struct eaa_err *err);
void img_policy_free(struct img_policy *p);

/* Key files named by URI (keyPath "kbs:///default/gpg-public-config/test")
 * are fetched with fetch() once, and used as keyData from then on. */
typedef bool (*img_fetch_fn)(void *arg, const char *uri, uint8_t **out, size_t *n,
			     struct eaa_err *err);
bool img_policy_resolve_keys(struct img_policy *p, img_fetch_fn fetch, void *arg,
			     struct eaa_err *err);

enum img_transport { IMG_T_DOCKER, IMG_T_OCI, IMG_T_DIR };

/* What is being admitted. */
struct img_candidate {
	enum img_transport transport;
	const char *text;             /* as the user named it, for messages */
	const struct img_ref *ref;    /* docker: its reference; else NULL */
	const char *path;             /* oci, dir: the resolved directory */
	const char *oci_ref;          /* oci: the reference name, or NULL */
	const char *manifest_digest;  /* "sha256:<hex>" of the manifest */
	/* Signatures, already fetched: simple signing blobs (GPG), and
	 * sigstore attachments (payload and base64 signature). */
	const uint8_t *const *gpg_sigs;
	const size_t *gpg_sig_lens;
	size_t ngpg;
	const uint8_t *const *sigstore_payloads;
	const size_t *sigstore_payload_lens;
	const char *const *sigstore_sigs;
	size_t nsigstore;
};

/* The requirements for c (the most specific scope that names it, else the
 * transport's "", else "default"); *scope says which, for messages. */
const struct img_req *img_policy_requirements(const struct img_policy *p,
					      const struct img_candidate *c,
					      size_t *n, const char **scope);

/* Every requirement of c's scope holds. False with err naming the image,
 * the requirement (its path in the policy) and why. */
bool img_policy_check(const struct img_policy *p, const struct img_candidate *c,
		      struct eaa_err *err);

/* Does a signature's docker-reference satisfy identity for image ref? */
bool img_identity_match(const struct img_identity *id, const struct img_ref *image,
			const char *signed_ref);

#endif
