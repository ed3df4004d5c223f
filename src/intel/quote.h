/* quote.h - Intel ECDSA quotes: SGX quote v3, TDX quote v4 and v5.
 *
 * The parser only splits bytes into fields (through the bounded reader) and
 * checks the framing; it trusts nothing. Every check of signatures, chains
 * and collateral is in quote_verify.c. Fields point into, or are copied out
 * of, the caller's buffer, which must outlive the struct quote.
 *
 * Layout (Intel SGX ECDSA Quote Library API, "Quote Format"):
 *   v3:  header(48) | SGX report body(384) | u32 sig_len | sig_data
 *   v4:  header(48) | TDX body(584)        | u32 sig_len | sig_data
 *   v5:  header(48) | u16 body_type | u32 body_size | body | u32 sig_len | sig_data
 *   sig_data: ECDSA sig(64) | attestation key(64) | certification data
 *   certification data: u16 type | u32 size | data; type 6 (v4, v5) holds
 *     QE report(384) | QE report sig(64) | u16 auth_len | auth | cert data
 *   of type 5 (the PCK chain in PEM); v3 carries those fields directly and
 *   then type 5. */
#ifndef EAA_INTEL_QUOTE_H
#define EAA_INTEL_QUOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define QUOTE_TEE_SGX 0x00000000u
#define QUOTE_TEE_TDX 0x00000081u
#define QUOTE_ATT_KEY_ECDSA_P256 2
#define QUOTE_CERT_PCK_CHAIN 5
#define QUOTE_CERT_QE_REPORT 6
#define QUOTE_BODY_SGX 1
#define QUOTE_BODY_TDX10 2
#define QUOTE_BODY_TDX15 3
#define QUOTE_MAX_LEN (1u << 20)

/* The SGX enclave report body: the quoted enclave's, and the QE's. */
struct sgx_report {
	uint8_t cpu_svn[16];
	uint32_t misc_select;
	uint8_t isv_ext_prod_id[16];
	uint8_t attributes[16];
	uint8_t mr_enclave[32];
	uint8_t mr_signer[32];
	uint8_t config_id[64];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint16_t config_svn;
	uint8_t isv_family_id[16];
	uint8_t report_data[64];
};

/* The TD report body; the last two fields exist only in TDX 1.5 bodies. */
struct tdx_report {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];
	uint8_t xfam[8];
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
	uint8_t tee_tcb_svn2[16];
	uint8_t mr_servicetd[48];
};

struct quote {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type;
	uint16_t qe_svn;  /* v3 header only */
	uint16_t pce_svn; /* v3 header only */
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];
	uint16_t body_type; /* QUOTE_BODY_*, also for v3 and v4 */
	struct sgx_report sgx; /* body_type == QUOTE_BODY_SGX */
	struct tdx_report tdx; /* body_type == QUOTE_BODY_TDX10/15 */

	struct rd signed_data; /* header and body: what the attestation key signs */
	uint8_t signature[64]; /* r || s, big-endian */
	uint8_t att_key[64];   /* x || y, big-endian */
	struct rd qe_report_raw; /* what the PCK key signs */
	struct sgx_report qe_report;
	uint8_t qe_report_sig[64];
	struct rd qe_auth;
	struct rd pck_chain; /* PEM text, possibly NUL-padded */
	size_t trailing_zeros; /* zero padding after the quote (see quote.c) */
};

/* Split a quote into its fields. Fails with EAA_E_FORMAT naming the field
 * that does not fit, or EAA_E_UNSUPPORTED for a version, key type, body type
 * or certification data type outside the list above. */
bool quote_parse(const uint8_t *p, size_t n, struct quote *q,
		 struct eaa_err *err);

/* Parse a 384-byte SGX report body. */
bool sgx_report_parse(struct rd *r, struct sgx_report *s);

const char *quote_tee_name(const struct quote *q);

#endif
