/* forge_intel.h - a look-alike Intel hierarchy for negative tests: a test
 * root, Platform CA, PCK (with the real PCK's SGX extension) and TCB signing
 * certificate, a quote re-signed under it, and a complete collateral
 * directory re-signed likewise. Verified with the test root pinned, it
 * passes; each knob breaks one thing that only a key holder could. */
#ifndef EAA_FORGE_INTEL_H
#define EAA_FORGE_INTEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>

struct forge_intel {
	time_t at;            /* certificates and CRLs valid around this */
	bool revoke_pck;      /* the PCK CRL lists the PCK */
	bool revoke_platform; /* the root CRL lists the Platform CA */
	/* Rename the SGX extension's entry 1.2.840.113741.1.13.1.<arc_from>
	 * to .<arc_to> in the PCK (0: keep the real extension as is). */
	int arc_from, arc_to;
	/* Replace every `edit_from` with `edit_to` in the signed body of
	 * `edit_file` (tcb-info.json or qe-identity.json) before signing. */
	const char *edit_file, *edit_from, *edit_to;
	/* The QE report the PCK signs: another MRSIGNER (when non-NULL, 32
	 * bytes), another product id (when non-zero), the DEBUG attribute. */
	const uint8_t *qe_mrsigner;
	uint16_t qe_prod_id;
	bool qe_debug;
	/* outputs */
	X509 *root;
	uint8_t *quote;
	size_t quote_len;
};

/* Build everything from the real tdx_quote_4.dat and the collateral in
 * data_dir/intel/pcs-50806f000000; write the collateral to col_dir. */
bool forge_intel(struct forge_intel *f, const char *data_dir,
		 const char *col_dir);
void forge_intel_free(struct forge_intel *f);

#endif
