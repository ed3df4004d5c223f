/* snp.h - AMD SEV-SNP attestation reports (the SEV-SNP firmware ABI,
 * ATTESTATION_REPORT, versions 2 to 5): the parser, and the checks that
 * make one trustworthy: the VCEK's (or VLEK's) ECDSA P-384 signature over
 * the report, its certificate chain to AMD's pinned ARK, and the
 * certificate's TCB and chip ID equal to the report's. */
#ifndef EAA_AMD_SNP_H
#define EAA_AMD_SNP_H

#include <jansson.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "err.h"

#define SNP_REPORT_SIZE 0x4A0
#define SNP_SIGNED_SIZE 0x2A0

/* A TCB_VERSION, decoded for the product (Turin adds an FMC SPL and moves
 * the others). */
struct snp_tcb {
	uint8_t fmc, bootloader, tee, snp, microcode;
};

struct snp_report {
	uint32_t version, guest_svn, vmpl, signature_algo, flags;
	uint64_t policy, platform_info;
	uint64_t current_tcb, reported_tcb, committed_tcb, launch_tcb;
	uint8_t family_id[16], image_id[16];
	uint8_t report_data[64], measurement[48], host_data[32];
	uint8_t id_key_digest[48], author_key_digest[48];
	uint8_t report_id[32], report_id_ma[32], chip_id[64];
	uint8_t cpuid_fam_id, cpuid_mod_id, cpuid_step;   /* version 3+ */
	uint8_t current_build, current_minor, current_major;
	uint8_t committed_build, committed_minor, committed_major;
	uint8_t sig_r[48], sig_s[48];                      /* big-endian */
};

/* flags */
#define SNP_FLAG_AUTHOR_KEY_EN 0x1
#define SNP_FLAG_MASK_CHIP_KEY 0x2
#define SNP_SIGNING_KEY(flags) (((flags) >> 2) & 7)   /* 0 VCEK, 1 VLEK */
/* guest policy */
#define SNP_POLICY_SMT (1ull << 16)
#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_POLICY_DEBUG (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET (1ull << 20)

/* Exactly SNP_REPORT_SIZE bytes; reserved fields must be zero. */
bool snp_report_parse(const uint8_t *p, size_t n, struct snp_report *r,
		      struct eaa_err *err);

/* The VCEK/VLEK extensions (OIDs 1.3.6.1.4.1.3704.1.*). hwID is accepted
 * both as raw 64 bytes and as a DER OCTET STRING. */
struct snp_cert_ext {
	char product[32];     /* "Milan-B0" */
	bool has_hwid;
	uint8_t hwid[64];
	int bl, tee, snp, ucode, fmc;   /* -1 when absent */
};
bool snp_cert_ext_parse(X509 *cert, struct snp_cert_ext *e, struct eaa_err *err);

struct snp_verify_opts {
	time_t at;                     /* verification time */
	const uint8_t *report_data;    /* 64 bytes it must hold, or NULL */
	bool allow_debug;              /* a debuggable guest is acceptable */
};

/* Every check, in order: the signing key kind, the certificate's chain to
 * the pinned ARK of its product line (RSA-PSS, validity at `at`), its TCB
 * and hwID against the report, the report's signature, the guest policy,
 * and report_data. */
bool snp_report_verify(const uint8_t *raw, const struct snp_report *r, X509 *cert,
		       const struct snp_verify_opts *o, struct eaa_err *err);

/* Flat claims: measurement, host_data, report_data, policy fields,
 * reported TCB, chip_id, ... (owned by the caller). */
json_t *snp_claims(const struct snp_report *r, const char *product);

#endif
