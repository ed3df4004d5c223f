/* collateral_cache.h - loaded and checked collateral sets shared between
 * verifications (and threads) for as long as every part of them is valid,
 * each with the PCK chain cache that belongs to it. A set past its
 * validity is loaded (and checked) again from its directory; one still in
 * use is freed when its last user lets go. */
#ifndef EAA_INTEL_COLLATERAL_CACHE_H
#define EAA_INTEL_COLLATERAL_CACHE_H

#include "collateral.h"
#include "quote_verify.h"

struct collateral_cache;
struct collateral_ref; /* one user's hold on a set */

struct collateral_cache *collateral_cache_new(void);
void collateral_cache_free(struct collateral_cache *cc);

/* The set in dir valid at `at` if one is loaded, else NULL. */
struct collateral_ref *collateral_cache_find(struct collateral_cache *cc,
					     const char *dir, time_t at);

/* The set in dir, checked against root, valid at `at`: loaded if need be. */
struct collateral_ref *collateral_cache_get(struct collateral_cache *cc,
					    const char *dir, X509 *root,
					    time_t at, struct eaa_err *err);
const struct collateral *collateral_ref_set(const struct collateral_ref *r);
struct pck_cache *collateral_ref_pck_cache(const struct collateral_ref *r);
void collateral_cache_put(struct collateral_cache *cc,
			  struct collateral_ref *r);

#endif
