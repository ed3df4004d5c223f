/* sigstruct.h - the SGX enclave signature structure (SIGSTRUCT): its
 * fields, its own RSA-3072 signature, and the identity verdictd compares
 * (MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN).
 *
 * Layout: Intel SDM vol. 3D, "SIGSTRUCT"; the SGX SDK's enclave_css_t
 * (intel/linux-sgx common/inc/internal/arch.h). 1808 bytes, little-endian:
 *
 *      0  HEADER 12 (06000000 E1000000 00000100), TYPE 4 (bit 31: debug
 *         signing), VENDOR 4 (0x8086 Intel, 0 others), DATE 4 (BCD
 *         yyyymmdd), HEADER2 16 (01010000 60000000 60000000 01000000),
 *         SWDEFINED 4, reserved 84
 *    128  MODULUS 384, EXPONENT 4 (3), SIGNATURE 384
 *    900  MISCSELECT 4, MISCMASK 4, CET_ATTRIBUTES 1, CET_ATTRIBUTES_MASK 1,
 *         reserved 2, ISVFAMILYID 16, ATTRIBUTES 16, ATTRIBUTEMASK 16,
 *         ENCLAVEHASH 32, reserved 16, ISVEXTPRODID 16, ISVPRODID 2, ISVSVN 2
 *   1028  reserved 12, Q1 384, Q2 384
 *
 * The signature is RSASSA-PKCS1-v1_5 with SHA-256 over bytes 0..127 and
 * 900..1027; modulus, signature, Q1 and Q2 are stored little-endian.
 * MRSIGNER is SHA-256 of the modulus bytes as stored. */
#ifndef EAA_MEASURE_SIGSTRUCT_H
#define EAA_MEASURE_SIGSTRUCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "err.h"

#define SIGSTRUCT_SIZE 1808u
#define SIGSTRUCT_KEY_SIZE 384u

/* ATTRIBUTES.FLAGS bits (SDM "SECS.ATTRIBUTES"). */
#define SGX_FLAG_DEBUG 0x2ull
#define SGX_FLAG_MODE64BIT 0x4ull
#define SGX_FLAG_PROVISION_KEY 0x10ull
#define SGX_FLAG_EINITTOKEN_KEY 0x20ull
#define SGX_FLAG_KSS 0x80ull

struct sigstruct {
	uint32_t type;               /* bit 31: signed for debug */
	uint32_t vendor;
	uint32_t date;               /* BCD 0xyyyymmdd */
	uint32_t sw_defined;
	uint8_t modulus[SIGSTRUCT_KEY_SIZE]; /* little-endian, as stored */
	uint32_t misc_select, misc_mask;
	uint8_t cet_attributes, cet_attributes_mask;
	uint8_t isv_family_id[16];
	uint64_t flags, xfrm;            /* ATTRIBUTES */
	uint64_t flags_mask, xfrm_mask;  /* ATTRIBUTEMASK */
	uint8_t mr_enclave[32];          /* ENCLAVEHASH */
	uint8_t isv_ext_prod_id[16];
	uint16_t isv_prod_id, isv_svn;
	uint8_t mr_signer[32];           /* SHA-256(MODULUS) */
};

/* Parse the n bytes at p as a SIGSTRUCT and check it as EINIT would:
 * exactly SIGSTRUCT_SIZE bytes, the fixed HEADER and HEADER2, exponent 3,
 * the RSA-3072 signature over the two signed regions, and Q1/Q2 (EINIT's
 * verification aids) matching the signature. Refused with err naming what
 * is wrong: EAA_E_FORMAT for the layout, EAA_E_SIGNATURE when the
 * signature or Q1/Q2 do not verify. */
bool sigstruct_read(struct sigstruct *s, const uint8_t *p, size_t n,
		    struct eaa_err *err);

/* What an owner should know before trusting s: vendor, date, the DEBUG
 * attribute and whether the mask lets debug and production launches
 * both match, MISCSELECT/MISCMASK; one line each, "  " indented. */
void sigstruct_describe(const struct sigstruct *s, FILE *f);

/* The enclave can only be launched as a debug enclave: ATTRIBUTES has
 * DEBUG and ATTRIBUTEMASK enforces it. */
bool sigstruct_debug_only(const struct sigstruct *s);
/* ATTRIBUTEMASK leaves DEBUG free: the same MRENCLAVE launches as a
 * debug or a production enclave (the SDK's default). */
bool sigstruct_debug_allowed(const struct sigstruct *s);

#endif
