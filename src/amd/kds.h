/* kds.h - fetching a chip's VCEK from AMD's Key Distribution Service by
 * the report's chip ID and reported TCB, with a cache directory for offline
 * use. What comes back is checked like any VCEK (snp_report_verify). */
#ifndef EAA_AMD_KDS_H
#define EAA_AMD_KDS_H

#include <openssl/x509.h>
#include "snp.h"

#define SNP_KDS_DEFAULT "https://kdsintf.amd.com"

struct snp_kds {
	const char *base;        /* "https://kdsintf.amd.com" */
	const char *cache_dir;   /* NULL: no cache */
};

/* The VCEK for r on product ("Milan", "Genoa", "Turin"): from the cache,
 * else fetched (and cached). */
X509 *snp_kds_vcek(const struct snp_kds *k, const char *product, const struct snp_report *r,
		   struct eaa_err *err);

/* The product line: configured, or from a version 3+ report's CPUID
 * family and model; NULL when neither says. */
const char *snp_product_of(const struct snp_report *r, const char *configured);

#endif
