/* quote_verify.h - check an Intel quote, in order, each step failing with
 * its own named error:
 *   1. header: Intel QE vendor id (the parser already checked version,
 *      key type and TEE type);
 *   2. PCK chain to the pinned Intel SGX Root CA, validity at `at`, CRLs
 *      when collateral is given; the PCK certificate's SGX extension;
 *   3. QE report signature with the PCK key;
 *   4. QE report_data == SHA-256(attestation key || QE auth data) || zeros;
 *   5. quote signature over header and body with the attestation key;
 *   6. with collateral: TCB level and QE identity (tcb.c); without it, the
 *      QE identity pinned to Intel's (below), so a quoting enclave some
 *      other key signed cannot vouch for an attestation key. */
#ifndef EAA_INTEL_QUOTE_VERIFY_H
#define EAA_INTEL_QUOTE_VERIFY_H

#include <stdbool.h>
#include <time.h>
#include <jansson.h>
#include "collateral.h"
#include "pck.h"
#include "quote.h"
#include "tcb.h"

/* Results of PCK chain checks, kept while every certificate and CRL they
 * relied on is valid, so a platform's second quote costs only its own two
 * signatures. One cache serves one (root, collateral) pair: drop it with
 * the collateral. Thread-safe. */
struct pck_cache;
struct pck_cache *pck_cache_new(void);
void pck_cache_free(struct pck_cache *c);

struct quote_verify_opts {
	X509 *root;                    /* pinned; NULL = the compiled-in root */
	struct pck_cache *cache;       /* optional */
	time_t at;                     /* verification time; 0 = now */
	const struct collateral *col;  /* NULL: no TCB status (see below) */
	bool allow_no_collateral;      /* without it, col == NULL fails */
};

/* How the QE that vouched for the attestation key was identified. */
enum qe_identity_source {
	QE_ID_UNCHECKED,  /* no quote_verify has passed */
	QE_ID_COLLATERAL, /* Intel's signed QE identity (collateral) */
	QE_ID_PINNED,     /* no collateral: Intel's QE signer and product id
			   * compiled in (Intel DCAP QE identities: SGX "QE"
			   * MRSIGNER 8c4f5775...c57bff, ISVPRODID 1; TDX
			   * "TD_QE" MRSIGNER dc9e2a7c...54a8c5, ISVPRODID 2) */
};

struct quote_result {
	struct pck_ext pck;
	struct tcb_result tcb; /* status TCB_UNKNOWN without collateral */
	enum qe_identity_source qe_identity;
};

bool quote_verify(const struct quote *q, const struct quote_verify_opts *o,
		  struct quote_result *res, struct eaa_err *err);

/* The claims for policy, a flat object of hex strings and numbers (see
 * docs/intel.md); the caller owns the reference. */
json_t *quote_claims(const struct quote *q, const struct quote_result *res);

#endif
