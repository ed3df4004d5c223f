/* pck.h - Intel certificate chains (the PCK chain in a quote, the issuer
 * chains of collateral) checked to the pinned Intel SGX Root CA, and the
 * SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1). */
#ifndef EAA_INTEL_PCK_H
#define EAA_INTEL_PCK_H

#include <stdbool.h>
#include <time.h>
#include <openssl/x509.h>
#include "bytes.h"
#include "err.h"

struct pck_ext {
	uint8_t ppid[16];
	uint8_t comp_svn[16]; /* SGX TCB components 01..16 */
	uint16_t pce_svn;
	uint8_t cpu_svn[16];
	uint8_t pce_id[2];
	uint8_t fmspc[6];
	int sgx_type; /* 0 Standard, 1 Scalable, 2 Scalable with integrity */
};

/* PEM certificates into a new stack, in order; at most 8, at least one.
 * Trailing NULs and whitespace are allowed; text after the last certificate
 * is an error, while lines before a BEGIN line are skipped as PEM readers
 * do (they are not signed either way: each certificate is checked). */
bool pem_certs_parse(struct rd pem, STACK_OF(X509) **out, const char *what,
		     struct eaa_err *err);

/* Check chain[0] up to the pinned root: the chain's last certificate must
 * carry the root's public key (a copy in the chain is never the anchor),
 * signatures, validity at `at`, and every certificate against the CRLs when
 * crls is non-NULL (then a CRL per issuer is required). Errors name `what`
 * and the certificate: EAA_E_UNTRUSTED, EAA_E_EXPIRED, EAA_E_SIGNATURE. */
bool intel_chain_verify(STACK_OF(X509) *chain, X509 *root, time_t at,
			STACK_OF(X509_CRL) *crls, const char *what,
			struct eaa_err *err);

bool pck_ext_parse(X509 *pck, struct pck_ext *ext, struct eaa_err *err);

/* "platform" or "processor": which Intel CA issued this PCK (its issuer's
 * common name), as PCS's pckcrl?ca= wants it; NULL for neither. */
const char *pck_ca_type(X509 *pck);

/* The times during which everything a check relied on stays valid; a
 * result may be reused for any time inside [from, until). */
struct validity {
	time_t from, until;
};

void validity_init(struct validity *v);
void validity_add(struct validity *v, time_t from, time_t until);
bool validity_add_cert(struct validity *v, X509 *x);
bool validity_add_crl(struct validity *v, X509_CRL *crl);

/* The Intel SGX Root CA compiled into EAA (SHA-256 fingerprint
 * 44:A0:19:6B:...:74:D3); the caller frees it. */
X509 *intel_root_ca(void);

#endif
