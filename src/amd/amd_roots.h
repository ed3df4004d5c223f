/* amd_roots.h - the embedded AMD certificate chains by product line. */
#ifndef EAA_AMD_ROOTS_H
#define EAA_AMD_ROOTS_H

struct amd_product {
	const char *name;   /* "Milan", "Genoa", "Turin" */
	const char *pem;    /* ASK, ARK, ASVK (PEM, in that order) */
};

/* NULL-terminated. */
extern const struct amd_product amd_products[];

#endif
