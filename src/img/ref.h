/* ref.h - Docker image references, parsed and normalized as the
 * distribution/reference grammar and docker's normalization define them:
 * "busybox" is docker.io/library/busybox:latest, a first component with a
 * '.' or ':' (or "localhost") is a registry host. */
#ifndef EAA_IMG_REF_H
#define EAA_IMG_REF_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

#define IMG_NAME_MAX 256
#define IMG_TAG_MAX 128
#define IMG_DIGEST_MAX 136   /* "sha512:" + 128 hex */

struct img_ref {
	char domain[IMG_NAME_MAX];   /* "docker.io", "example.com:5000" */
	char path[IMG_NAME_MAX];     /* "library/busybox", "ns/repo" */
	char tag[IMG_TAG_MAX + 1];   /* "" when none */
	char digest[IMG_DIGEST_MAX + 1]; /* "sha256:<hex>", "" when none */
};

/* Parse s ("name[:tag][@digest]"), normalizing docker.io names. A name
 * without tag or digest gets tag "latest" when default_tag is set. */
bool img_ref_parse(const char *s, bool default_tag, struct img_ref *r,
		   struct eaa_err *err);

/* A registry host[:port] alone, as a policy or registries.d scope. */
bool img_ref_host_ok(const char *s);

#define IMG_SCOPE_MAX (IMG_NAME_MAX * 2 + IMG_TAG_MAX + IMG_DIGEST_MAX + 4)
#define IMG_SCOPES_MAX 80

/* The configuration scopes that name r, most specific first, as
 * containers/image tries them for policy.json and registries.d: the
 * reference (name:tag, or name@digest when it has one), the repository and
 * its parent namespaces up to the host[:port], then "*.<domain>" for each
 * parent domain of the host without its port. Returns how many. */
size_t img_ref_scopes(const struct img_ref *r, char (*out)[IMG_SCOPE_MAX], size_t max);

/* "domain/path" into out (IMG_NAME_MAX * 2). */
void img_ref_name(const struct img_ref *r, char *out, size_t n);
/* "domain/path[:tag][@digest]" into out. */
void img_ref_string(const struct img_ref *r, char *out, size_t n);

#endif
