/* registries.h - containers-registries.d(5): where an image's signatures
 * are stored. Every *.yaml file of the directory is read (in name order):
 *
 *   default-docker:
 *     lookaside: https://sigs.example.com        (alias: sigstore)
 *     use-sigstore-attachments: true
 *   docker:
 *     registry.example.com/ns:
 *       lookaside: file:///var/lib/sigs
 *
 * A field is taken from the most specific scope that sets it (the scopes of
 * img_ref_scopes), then from default-docker, as containers/image does. */
#ifndef EAA_IMG_REGISTRIES_H
#define EAA_IMG_REGISTRIES_H

#include "ref.h"

struct img_registries;

/* Load a registries.d directory (a missing directory is an empty
 * configuration). Unknown keys, a scope defined twice, or default-docker
 * defined twice are errors naming the file. */
struct img_registries *img_registries_load(const char *dir, struct eaa_err *err);
/* One YAML document, as if it were the only file (for tests and fuzzing). */
struct img_registries *img_registries_parse(const char *text, size_t n,
					    const char *file, struct eaa_err *err);
void img_registries_free(struct img_registries *r);

/* The lookaside base URL for reading ref's signatures, or NULL. */
const char *img_registries_lookaside(const struct img_registries *r,
				     const struct img_ref *ref);
/* Whether sigstore signatures are read from registry attachments. */
bool img_registries_attachments(const struct img_registries *r,
				const struct img_ref *ref);

/* Signature n (from 1) of the manifest with digest "algo:hex" under the
 * lookaside base: <base>/<repository path>@<algo>=<hex>/signature-<n>. */
bool img_lookaside_url(const char *base, const struct img_ref *ref,
		       const char *manifest_digest, int n, char *out, size_t len);

#endif
