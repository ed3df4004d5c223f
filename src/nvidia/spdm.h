/* spdm.h - NVIDIA's attestation report: an SPDM 1.1 GET_MEASUREMENTS request
 * followed by the device's MEASUREMENTS response (DMTF DSP0274 1.1), with
 * the measurement blocks (DMTF measurement specification) and NVIDIA's
 * opaque-data TLVs. Parsing only: the signature and the certificates are
 * checked by nv_evidence.c. Every struct rd borrows from the caller's
 * buffer, which must outlive the struct. */
#ifndef EAA_NV_SPDM_H
#define EAA_NV_SPDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define SPDM_VERSION_11 0x11
#define SPDM_GET_MEASUREMENTS 0xe0
#define SPDM_MEASUREMENTS 0x60
#define SPDM_NONCE_LEN 32
#define SPDM_REQUEST_LEN 37           /* header 4, nonce 32, slot 1 */
#define NV_HOPPER_SIG_LEN 96          /* ECDSA P-384 r || s */
#define SPDM_MAX_BLOCKS 255           /* NumberOfBlocks is one byte */
#define NV_MAX_OPAQUE 64              /* TLVs; Hopper sends about 20 */

/* NVIDIA's opaque-data types (nvtrust's names, as trustee uses them). */
enum nv_opaque_type {
	NV_OD_CERT_ISSUER_NAME = 1,
	NV_OD_CERT_AKI = 2,
	NV_OD_DRIVER_VERSION = 3,
	NV_OD_GPU_INFO = 4,
	NV_OD_ID_SKU = 5,
	NV_OD_VBIOS_VERSION = 6,
	NV_OD_MANUFACTURER_ID = 7,
	NV_OD_TAMPER_DETECTION = 8,
	NV_OD_SMC = 9,
	NV_OD_VPR = 10,
	NV_OD_NVDEC0_STATUS = 11,
	NV_OD_MSRS_CNT = 12,
	NV_OD_CPR_INFO = 13,
	NV_OD_BOARD_ID = 14,
	NV_OD_CHIP_SKU = 15,
	NV_OD_CHIP_SKU_MOD = 16,
	NV_OD_PROJECT = 17,
	NV_OD_PROJECT_SKU = 18,
	NV_OD_PROJECT_SKU_MOD = 19,
	NV_OD_FWID = 20,
	NV_OD_PROTECTED_PCIE_STATUS = 21,
	NV_OD_SWITCH_PDI = 22,
	NV_OD_FLOORSWEPT_PORTS = 23,
	NV_OD_POSITION_ID = 24,
	NV_OD_LOCK_SWITCH_STATUS = 25,
	NV_OD_GPU_LINK_CONN = 32,
	NV_OD_SYS_ENABLE_STATUS = 33,
	NV_OD_OPAQUE_DATA_VERSION = 34,
	NV_OD_CHIP_INFO = 35,
	NV_OD_FEATURE_FLAG = 36,
};

struct spdm_block {
	uint8_t index;
	uint8_t spec;        /* MeasurementSpecification: 1 = DMTF */
	uint8_t dmtf_type;   /* DMTFSpecMeasurementValueType */
	struct rd value;     /* DMTFSpecMeasurementValue */
};

struct nv_opaque {
	uint16_t type;
	struct rd data;
};

struct spdm_report {
	/* GET_MEASUREMENTS request */
	uint8_t req_version, req_code, req_param1, req_param2;
	uint8_t req_nonce[SPDM_NONCE_LEN];
	uint8_t req_slot;
	/* MEASUREMENTS response */
	uint8_t version, code, param1, param2;
	uint8_t nblocks;
	uint32_t record_len;  /* 24-bit */
	struct spdm_block blocks[SPDM_MAX_BLOCKS];
	uint8_t nonce[SPDM_NONCE_LEN];  /* the responder's own nonce */
	struct rd opaque_raw;
	struct nv_opaque opaque[NV_MAX_OPAQUE];
	size_t nopaque;
	/* request || response without the signature: SPDM 1.1's L1/L2 for a
	 * single GET_MEASUREMENTS exchange. */
	struct rd signed_part;
	struct rd signature;
	size_t trailing;      /* unsigned bytes after the signature */
};

/* Parse an attestation report as the attester sends it (raw bytes). The
 * signature is the sig_len bytes after the opaque data; bytes after it are
 * counted in r->trailing and otherwise ignored, as trustee does. */
bool spdm_report_parse(const uint8_t *buf, size_t n, size_t sig_len,
		       struct spdm_report *r, struct eaa_err *err);

/* The TLV of a type, or NULL. */
const struct nv_opaque *nv_opaque_find(const struct spdm_report *r,
				       uint16_t type);
/* nvtrust's name of a type ("driver_version"), or NULL if unknown. */
const char *nv_opaque_name(uint16_t type);

#endif
