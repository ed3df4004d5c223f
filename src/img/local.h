/* local.h - images on disk (dir: and oci: layouts): their manifest, its
 * digest, and the signatures stored beside it, ready for a policy check. */
#ifndef EAA_IMG_LOCAL_H
#define EAA_IMG_LOCAL_H

#include <limits.h>
#include "policy.h"

#define IMG_MAX_SIGS 128

/* An image's signatures, as stored: simple signing (OpenPGP) and sigstore
 * (payload and base64 signature). */
struct img_sigs {
	uint8_t *gpg[IMG_MAX_SIGS];
	size_t gpg_len[IMG_MAX_SIGS];
	size_t ngpg;
	uint8_t *sigstore_payload[IMG_MAX_SIGS];
	size_t sigstore_payload_len[IMG_MAX_SIGS];
	char *sigstore_sig[IMG_MAX_SIGS];
	size_t nsigstore;
};

/* One stored signature blob (containers/image's formats: raw OpenPGP, or
 * "\0simple-signing\n" / "\0sigstore-json\n" + content). Takes blob;
 * `where` names it in errors. */
bool img_sigs_add_blob(struct img_sigs *s, uint8_t *blob, size_t n, const char *where,
		       struct eaa_err *err);
/* A sigstore signature: payload (taken) and base64 signature (copied). */
bool img_sigs_add_sigstore(struct img_sigs *s, uint8_t *payload, size_t n,
			   const char *sig_b64, struct eaa_err *err);
void img_sigs_free(struct img_sigs *s);
/* Point c's signature fields into s. */
void img_sigs_candidate(const struct img_sigs *s, struct img_candidate *c);

struct img_local {
	enum img_transport transport;
	char text[PATH_MAX + 8];          /* as named */
	char path[PATH_MAX];              /* the resolved directory */
	char oci_ref[256];
	uint8_t *manifest;
	size_t manifest_len;
	char manifest_digest[72];
	struct img_sigs sigs;
};

/* "dir:PATH" or "oci:PATH[:REF]". */
bool img_local_open(const char *name, struct img_local *l, struct eaa_err *err);
void img_local_free(struct img_local *l);
/* A candidate that points into l (which must outlive it). */
void img_local_candidate(const struct img_local *l, struct img_candidate *c);

#endif
