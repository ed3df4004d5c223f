/* http_get.h - one bounded HTTP(S) GET for the collateral services (Intel
 * PCS/PCCS, AMD KDS, Hygon's certificate service): http and https only, a
 * bounded body, timeouts, and one error line naming the service and URL.
 * What comes back is untrusted; callers verify it. (The registry client
 * in src/img streams blobs with its own handle: it needs auth, redirects
 * and progress.) */
#ifndef EAA_HTTP_GET_H
#define EAA_HTTP_GET_H

#include <stdbool.h>
#include <stddef.h>
#include "bytes.h"
#include "err.h"

struct http_get {
	const char *what;          /* "AMD KDS": names the service in errors */
	const char *url;
	size_t max;                /* the body's bound */
	const char *ca_file;       /* NULL: the system's CAs */
	bool insecure;             /* no TLS peer check (test servers only) */
	/* Optional: each header line as libcurl gives it. */
	size_t (*on_header)(char *p, size_t size, size_t n, void *arg);
	void *header_arg;
};

/* The body of a 200 answer into *body (wr_init'ed here; the caller frees
 * it, also on failure). */
bool http_get(const struct http_get *g, struct wr *body, struct eaa_err *err);

#endif
