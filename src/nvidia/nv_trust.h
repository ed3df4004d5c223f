/* nv_trust.h - what the owner gives verdictd to judge NVIDIA GPUs with,
 * read from its options (-o, each repeatable):
 *   nvidia.rim=FILE    a reference integrity manifest (NVIDIA's RIM XML)
 *   nvidia.crl=FILE    a CRL (DER or PEM) of an issuer in a GPU's chain
 *   nvidia.ocsp=FILE   an OCSP response (DER) for a GPU's chain
 * Without RIMs the measurements are claims for the policy to judge;
 * without CRLs or OCSP responses revocation is not checked (the claims say
 * so). The pinned roots are built in (nv_root.c, nv_rim_root.c). */
#ifndef EAA_NV_TRUST_H
#define EAA_NV_TRUST_H

#include "nv_evidence.h"

struct nv_trust_files {
	struct nv_trust t;       /* points into the lists below */
	char **rims;
	size_t *rim_lens;
	uint8_t **ocsp;
	size_t *ocsp_lens;
	size_t nrims, nocsp;
};

/* Read every nvidia.* option of options (NULL-terminated "key=value"
 * strings; others are skipped). An unknown nvidia.* key is refused. */
/* Add the CRL at path (DER or PEM) to *crls, created when NULL. */
bool nv_crl_load(const char *path, STACK_OF(X509_CRL) **crls, struct eaa_err *err);

bool nv_trust_load(struct nv_trust_files *f, const char *const *options,
		   struct eaa_err *err);
void nv_trust_free(struct nv_trust_files *f);

#endif
