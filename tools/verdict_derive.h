/* verdict_derive.h - `verdict --derive TEE ...` (docs/reference-values.md):
 * its own command line, since each TEE takes its own inputs. verdict.c
 * hands argv over when it holds --derive, and lends its client API. */
#ifndef EAA_VERDICT_DERIVE_H
#define EAA_VERDICT_DERIVE_H

#include <jansson.h>

/* verdict.c's client API, for the merge into a stored reference. */
struct verdict_api {
	void (*connect_to)(const char *addr, const char *token_file);
	/* the stored document NAME's bytes (malloc'd, *n set), or NULL
	 * with the reason already printed */
	char *(*get_reference)(const char *name, size_t *n);
	/* store it; 0, or 1 with the reason printed */
	int (*set_reference)(const char *name, const char *text, size_t n);
};

/* Exit status: 0 done, 1 refused or failed (one line on stderr), 2 usage. */
int verdict_derive(int argc, char **argv, const struct verdict_api *api);

#endif
