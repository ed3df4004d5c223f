/* collateral.h - Intel's verification collateral: TCB info, QE identity and
 * CRLs, as Intel PCS (or a PCCS) serves them.
 *
 * A collateral directory holds the response bodies and, saved as PEM, the
 * issuer-chain response headers (URL-decoded), under these names:
 *   tcb-info.json               GET /tdx|sgx/certification/v4/tcb?fmspc=
 *   tcb-info-issuer-chain.pem     header TCB-Info-Issuer-Chain
 *   qe-identity.json            GET .../v4/qe/identity
 *   qe-identity-issuer-chain.pem  header SGX-Enclave-Identity-Issuer-Chain
 *   pck-crl.der (or .pem)       GET /sgx/certification/v4/pckcrl?ca=
 *   pck-crl-issuer-chain.pem      header SGX-PCK-CRL-Issuer-Chain
 *   root-ca-crl.der (or .pem)   the Intel SGX Root CA CRL
 * Loading checks everything against the pinned root at a given time:
 * signatures over the exact served bytes, issuer chains, CRL issuers,
 * issueDate <= at < nextUpdate. Nothing from a directory is used unchecked. */
#ifndef EAA_INTEL_COLLATERAL_H
#define EAA_INTEL_COLLATERAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <openssl/x509.h>
#include "err.h"
#include "pck.h"

enum tcb_status {
	TCB_UNKNOWN = 0, /* not evaluated: no collateral */
	TCB_UP_TO_DATE,
	TCB_SW_HARDENING_NEEDED,
	TCB_CONFIGURATION_NEEDED,
	TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	TCB_OUT_OF_DATE,
	TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	TCB_REVOKED,
};

#define TCB_MAX_ADVISORIES 64

struct tcb_level {
	uint8_t sgx_comp[16];
	uint16_t pce_svn;
	uint8_t tdx_comp[16];
	uint16_t isv_svn; /* QE identity and TDX module levels */
	enum tcb_status status;
	time_t tcb_date;
	char **advisories; /* NULL-terminated, may be NULL */
};

struct tdx_module_identity {
	char id[16]; /* "TDX_03" */
	uint8_t mrsigner[48];
	uint8_t attributes[8], attributes_mask[8];
	struct tcb_level *levels;
	size_t nlevels;
};

struct tcb_info {
	bool tdx; /* id "TDX" (else "SGX") */
	int version;
	time_t issue_date, next_update;
	uint8_t fmspc[6], pce_id[2];
	int eval_number;
	bool has_module; /* tdxModule present */
	uint8_t module_mrsigner[48];
	uint8_t module_attributes[8], module_attributes_mask[8];
	struct tdx_module_identity *modules;
	size_t nmodules;
	struct tcb_level *levels;
	size_t nlevels;
};

struct qe_identity {
	char id[16]; /* "QE", "TD_QE", "QVE" */
	time_t issue_date, next_update;
	uint32_t miscselect, miscselect_mask;
	uint8_t attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isv_prod_id;
	struct tcb_level *levels;
	size_t nlevels;
};

struct collateral {
	struct tcb_info tcb;
	struct qe_identity qe;
	STACK_OF(X509_CRL) *crls; /* PCK CRL and root CA CRL */
	/* When every part (documents, CRLs, issuer chains) is valid: the set
	 * checks out at any time inside it. */
	struct validity valid;
};

/* Load and check a directory laid out as above; `at` is the verification
 * time. On failure the error names the file and the check. */
/* A CRL from its DER (the whole buffer) or PEM form; NULL when it is
 * neither. The caller checks its issuer and dates. */
X509_CRL *crl_decode(const uint8_t *buf, size_t n);

bool collateral_load_dir(const char *dir, X509 *root, time_t at,
			 struct collateral *c, struct eaa_err *err);

/* Parse (and, with signer != NULL, check the signature of) one signed
 * document: a TCB info or QE identity body. Exposed for tests and fuzzing. */
bool tcb_info_parse(const char *text, size_t n, EVP_PKEY *signer,
		    struct tcb_info *t, struct eaa_err *err);
bool qe_identity_parse(const char *text, size_t n, EVP_PKEY *signer,
		       struct qe_identity *q, struct eaa_err *err);

void collateral_free(struct collateral *c);
void tcb_info_free(struct tcb_info *t);
void qe_identity_free(struct qe_identity *q);

const char *tcb_status_name(enum tcb_status s);

#endif
