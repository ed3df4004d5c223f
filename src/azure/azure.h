/* azure.h - Azure confidential VMs' vTPM evidence (trustee's `az-snp-vtpm`
 * and `az-tdx-vtpm`): the paravisor's HCL report, the runtime claims it
 * carries, trustee's JSON forms of the evidence (versions 0, 1, 2), and the
 * checks that chain the vTPM's quote to the hardware report.
 *
 * HCL report (little-endian; docs/cloud.md):
 *   0x000  u32 signature "HCLA"   u32 version   u32 report_size
 *          u32 request_type       u32 status    u32 reserved[3]
 *   0x020  hardware report, 1184 bytes: an SNP ATTESTATION_REPORT, or a
 *          TDREPORT (1024 bytes, zero-padded)
 *   0x4c0  u32 data_size   u32 version   u32 report_type (2 SNP, 4 TDX)
 *          u32 report_data_hash_type (1 SHA-256)   u32 variable_data_size
 *   0x4d4  variable data: the runtime claims, JSON, whose SHA-256 the
 *          hardware report's report_data[0..32] carries
 * The hardware report's signature (SNP) or the TD quote over it (TDX)
 * makes the runtime claims, and so the vTPM's attestation key (the JWK
 * with kid "HCLAkPub"), trustworthy; the AK's signature over the TPM
 * quote then vouches for the PCRs and the nonce. */
#ifndef EAA_AZURE_H
#define EAA_AZURE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "err.h"

#define HCL_HEADER_SIZE 32
#define HCL_HW_REPORT_SIZE 1184
#define HCL_TD_REPORT_SIZE 1024
#define HCL_VAR_DATA_OFFSET (HCL_HEADER_SIZE + HCL_HW_REPORT_SIZE + 20)
#define HCL_SIGNATURE 0x414c4348u   /* "HCLA" */
#define HCL_REPORT_SNP 2
#define HCL_REPORT_TDX 4
#define HCL_HASH_SHA256 1

struct hcl_report {
	uint32_t version, report_size, request_type, status;
	const uint8_t *hw;        /* HCL_HW_REPORT_SIZE bytes, in the parsed buffer */
	uint32_t data_size, data_version, report_type, hash_type;
	const uint8_t *var_data;  /* the runtime claims, in the parsed buffer */
	size_t var_len;
};

/* The header, the hardware report's place and the variable data's bounds;
 * the bytes after the variable data (zero padding) are not read. h points
 * into p. */
bool hcl_report_parse(const uint8_t *p, size_t n, struct hcl_report *h, struct eaa_err *err);

/* The runtime claims: the JSON the HCL report carries. */
struct az_runtime {
	json_t *doc;              /* the whole object */
	EVP_PKEY *ak;             /* the JWK with kid "HCLAkPub" */
	bool has_user_data;
	uint8_t user_data[64];    /* "user-data", hex in the JSON */
	size_t user_data_len;
};
bool az_runtime_parse(const uint8_t *p, size_t n, struct az_runtime *rt, struct eaa_err *err);
void az_runtime_free(struct az_runtime *rt);

enum az_kind { AZ_SNP_VTPM, AZ_TDX_VTPM };

#define AZ_MAX_PCRS 24

/* trustee's evidence JSON, any version, decoded. */
struct az_evidence {
	enum az_kind kind;
	int version;                   /* 0 (no "version" member), 1, 2 */
	uint8_t *hcl;                  /* the HCL report */
	size_t hcl_len;
	uint8_t *msg, *sig;            /* the TPM quote: TPMS_ATTEST, raw signature */
	size_t msg_len, sig_len;
	uint8_t pcrs[AZ_MAX_PCRS][32]; /* SHA-256 PCR values, PCR 0 first */
	size_t npcrs;
	uint8_t *vcek;                 /* SNP: the VCEK, PEM (v0) or DER */
	size_t vcek_len;
	uint8_t *td_quote;             /* TDX: the TD quote */
	size_t td_quote_len;
};
bool az_evidence_parse(const json_t *ev, enum az_kind kind, struct az_evidence *e,
		       struct eaa_err *err);
bool az_evidence_load(const char *json, size_t n, enum az_kind kind, struct az_evidence *e,
		      struct eaa_err *err);
void az_evidence_free(struct az_evidence *e);

struct az_verify_opts {
	time_t at;                     /* certificates' and collateral's time; 0 = now */
	const uint8_t *report_data;    /* the TPM quote's expected qualifyingData, or NULL */
	size_t report_data_len;        /* at most 64 */
	const char *collateral_dir;    /* TDX: Intel collateral cache (pccs.h); NULL: none */
};

/* Every check, in order (docs/cloud.md): the HCL report; the runtime
 * claims and their SHA-256 in the hardware report's report_data; the
 * hardware report (SNP: VCEK chain to AMD's pinned ARK, signature, TCB,
 * VMPL 0; TDX: the TD quote by our DCAP code, its report_data and TD info
 * equal to the HCL's TD report's); the AK's signature over the TPM quote, its
 * qualifyingData, its PCR selection and digest; and, from version 2 on, the
 * runtime claims' user-data beginning with the qualifyingData. The claims (new
 * reference) on success, NULL with err otherwise. */
json_t *az_verify(const struct az_evidence *e, const struct az_verify_opts *o,
		  struct eaa_err *err);

/* "az-snp-vtpm" / "az-tdx-vtpm" */
const char *az_kind_name(enum az_kind kind);

#endif
