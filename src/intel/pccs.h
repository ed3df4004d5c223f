/* pccs.h - fetch Intel collateral from a PCCS (or Intel PCS) with libcurl
 * into a collateral cache directory, one subdirectory per FMSPC, laid out
 * (named <sgx|tdx>-<fmspc>) laid out as collateral.h describes. A cached set is reused while it loads and
 * checks at the verification time (so until the earliest nextUpdate of its
 * parts); otherwise it is fetched again, checked, and only then replaces
 * the cached one (rename), so readers never see a partial set. */
#ifndef EAA_INTEL_PCCS_H
#define EAA_INTEL_PCCS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>
#include "err.h"

struct pccs {
	const char *url;        /* base, e.g. https://localhost:8081 */
	const char *cache_dir;  /* DIR: sets go to DIR/<fmspc>/ */
	const char *root_crl_url; /* NULL: URL/sgx/certification/v4/rootcacrl */
	const char *ca_file;    /* TLS trust for the PCCS; NULL: system */
	bool insecure;          /* skip TLS verification (self-signed PCCS);
				 * the collateral is signed, so what we save is
				 * still checked; only availability is at stake */
};

/* Make sure cache_dir/<tee>-<fmspc>/ holds collateral valid at `at` for a quote
 * of this TEE whose PCK was issued by `ca` ("platform" or "processor"),
 * fetching it when not. On success `dir` names the set. */
bool pccs_collateral(const struct pccs *p, bool tdx, const uint8_t fmspc[6],
		     const char *ca, X509 *root, time_t at, char *dir,
		     size_t dir_len, struct eaa_err *err);

/* The collateral set for quote q: `dir` itself when it holds a TCB info
 * (and no PCCS is given), else dir/<tee>-<fmspc of the PCK> (for example
 * dir/tdx-50806f000000), fetched through p
 * when p is not NULL. The FMSPC and CA are read from the not yet verified
 * PCK certificate: they only pick a set, which is then checked in full. */
struct quote;
bool collateral_for_quote(const struct quote *q, const char *dir,
			  const struct pccs *p, X509 *root, time_t at,
			  char *out, size_t out_len, struct eaa_err *err);

#endif
