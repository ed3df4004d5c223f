/* registry.h - a Docker Registry HTTP API v2 client on libcurl: manifests
 * and blobs of one repository, with basic and bearer-token authentication
 * (credentials from a containers-auth.json file), every blob's digest
 * checked while it streams. */
#ifndef EAA_IMG_REGISTRY_H
#define EAA_IMG_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ref.h"

struct img_registry_opts {
	bool tls_verify;         /* false: unverified https, or plain http */
	const char *authfile;    /* containers-auth.json, or NULL */
	bool progress;           /* a progress line per blob on stderr */
};

struct img_registry;

struct img_registry *img_registry_open(const struct img_ref *ref,
				       const struct img_registry_opts *o,
				       struct eaa_err *err);
void img_registry_close(struct img_registry *r);

/* The manifest named by ref (a tag or digest, "tag" below; NULL: the
 * reference's own), up to 4 MiB. *media_type (malloc'd) is the server's
 * Content-Type; when ref names a digest the body must have it. *status is
 * the HTTP status (404 for an absent manifest, with false returned). */
bool img_registry_manifest(struct img_registry *r, const char *tag, uint8_t **body,
			   size_t *n, char **media_type, long *status,
			   struct eaa_err *err);

/* The blob with digest into fd, checked against digest and, when size >= 0,
 * its size; with a progress line named by what. */
bool img_registry_blob(struct img_registry *r, const char *digest, int64_t size,
		       int fd, const char *what, struct eaa_err *err);

/* A small blob into memory (up to max bytes), digest checked. */
bool img_registry_blob_mem(struct img_registry *r, const char *digest, size_t max,
			   uint8_t **out, size_t *n, struct eaa_err *err);

/* GET url (http(s):// or file://) into memory, up to max bytes; *status is
 * the HTTP status (404, or 404 for a missing file). For lookaside stores. */
bool img_fetch_url(const char *url, bool tls_verify, size_t max, uint8_t **out,
		   size_t *n, long *status, struct eaa_err *err);

#endif
