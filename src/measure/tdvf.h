/* tdvf.h - a TDVF image's TDX metadata, and the MRTD the TDX module
 * computes while the VMM builds the TD from it.
 *
 * Where the metadata is (Intel "TDX Virtual Firmware Design Guide",
 * section "TDVF Metadata"; edk2 OvmfPkg/ResetVector TdxMetadata.asm;
 * QEMU hw/i386/tdvf.c): the GUIDed footer table (guid_table.h) holds the
 * entry e47a6535-984a-4798-865e-4685a7bf8ec2 whose data ends with a u32
 * LE: the image's size minus the descriptor's offset. Images older than
 * that table put, at the image's end - 0x20, a u32 LE that is the
 * descriptor's offset from the image's start (Intel's QEMU tree).
 *
 * The descriptor (all little-endian):
 *   0  "TDVF"   4  u32 length (16 + 32 * count)   8  u32 version (1)
 *   12 u32 count of sections, then per section 32 bytes:
 *   0  u32 DataOffset (in the image)   4  u32 RawDataSize
 *   8  u64 MemoryAddress (the GPA)     16 u64 MemoryDataSize
 *   24 u32 Type (0 BFV, 1 CFV, 2 TD_HOB, 3 TempMem, 4 PermMem,
 *          5 Payload, 6 PayloadParam)
 *   28 u32 Attributes (bit 0 MR.EXTEND, bit 1 PAGE.AUG)
 *
 * MRTD (Intel TDX Module ABI, TDH.MEM.PAGE.ADD and TDH.MR.EXTEND; KVM's
 * KVM_TDX_INIT_MEM_REGION as QEMU calls it for every section): one SHA-384
 * over, for each section in metadata order and each of its 4 KiB pages:
 *   128 bytes "MEM.PAGE.ADD", zeros to 16, u64 LE GPA, zeros to 128;
 *   then, for a section with MR.EXTEND, for each 256-byte chunk of the page:
 *   128 bytes "MR.EXTEND", zeros to 16, u64 LE chunk GPA, zeros to 128,
 *   and the chunk's 256 bytes from the image.
 * Upstream KVM (tdx_gmem_post_populate) extends a page right after adding
 * it (TDVF_ONE_PASS); the TDX stacks built on QEMU 8.x added every page of a
 * section first and extended them after (TDVF_TWO_PASS; dstack-mr's
 * machine.rs picks two passes for QEMU 8.x, one from 9.0). */
#ifndef EAA_MEASURE_TDVF_H
#define EAA_MEASURE_TDVF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define TDVF_METADATA_OFFSET_GUID "e47a6535-984a-4798-865e-4685a7bf8ec2"
#define TDVF_MAX_SECTIONS 32u
#define TDVF_PAGE 4096u
#define TDVF_MAX_MEMORY (4ull << 30) /* all sections together */

enum tdvf_type {
	TDVF_BFV = 0,
	TDVF_CFV = 1,
	TDVF_TD_HOB = 2,
	TDVF_TEMP_MEM = 3,
};

#define TDVF_ATTR_MR_EXTEND 1u
#define TDVF_ATTR_PAGE_AUG 2u

struct tdvf_section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, mem_size;
	uint32_t type, attributes;
};

struct tdvf {
	bool legacy;             /* found at end - 0x20, not through the table */
	size_t offset;           /* the descriptor's, in the image */
	uint32_t n;
	struct tdvf_section s[TDVF_MAX_SECTIONS];
};

enum tdvf_order { TDVF_ONE_PASS, TDVF_TWO_PASS };

/* Read and check img's TDX metadata. Refused with EAA_E_CONFIG when the
 * image has none (the message names the GUID), EAA_E_FORMAT naming the
 * field or section that is wrong, EAA_E_UNSUPPORTED for a version, type or
 * attribute QEMU does not build a TD from. */
bool tdvf_parse(const uint8_t *img, size_t n, struct tdvf *t, struct eaa_err *err);

/* The MRTD of a TD built from img (parsed into t) in the given order. */
bool tdvf_mrtd(const uint8_t *img, size_t n, const struct tdvf *t, enum tdvf_order order,
	       uint8_t mrtd[48], struct eaa_err *err);

const char *tdvf_type_name(uint32_t type);

#endif
