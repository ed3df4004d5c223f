/* ovmf.h - what an OVMF image tells the VMM about SEV, SEV-ES and SEV-SNP:
 * its SEV metadata sections (the pages SNP_LAUNCH_UPDATE places before
 * the guest runs), the guest-physical address of the kernel hashes table,
 * and the reset EIP the application processors start at. All three are
 * entries of the image's GUIDed footer table (guid_table.h).
 *
 * Layouts (edk2 OvmfPkg/ResetVector/X64/OvmfSevMetadata.asm and
 * Ia16/ResetVectorVtf0.asm; the same as sev-snp-measure's ovmf.py reads):
 *   SEV metadata entry dc886566-...: u32 offset of the metadata from the
 *     image's end. The metadata: "ASEV", u32 size (header included), u32
 *     version (1), u32 number of sections, then per section u32 GPA,
 *     u32 size, u32 type.
 *   SEV hash table entry 7255371f-...: u32 GPA, u32 size of the area QEMU
 *     writes the kernel/initrd/cmdline hashes table to.
 *   SEV-ES reset block 00f771de-...: u32 AP reset EIP.
 * Everything is little-endian. The image is untrusted; every value is
 * checked before use. */
#ifndef EAA_MEASURE_OVMF_H
#define EAA_MEASURE_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "guid_table.h"

#define OVMF_SEV_METADATA_GUID "dc886566-984a-4798-a75e-5585a7bf67cc"
#define OVMF_SEV_HASH_TABLE_GUID "7255371f-3a3b-4b04-927b-1da6efa8d454"
#define OVMF_SEV_ES_RESET_BLOCK_GUID "00f771de-1a7e-4fcb-890e-68c77e2fb44e"

/* A real OVMF declares fewer than ten; more is refused, not truncated. */
#define OVMF_MAX_SECTIONS 64
#define OVMF_PAGE 4096u
/* edk2's sections cover well under 1 MiB together; a table claiming more
 * than this is refused rather than measured page by page for minutes. */
#define OVMF_MAX_SECTION_BYTES (256u << 20)

/* Section types of the SEV metadata (OvmfSevMetadata.asm). */
enum ovmf_section_type {
	OVMF_SEC_MEM = 1,        /* pre-validated memory: zero pages */
	OVMF_SECRETS = 2,        /* the PSP's secrets page */
	OVMF_CPUID = 3,          /* the PSP-checked CPUID page */
	OVMF_SVSM_CAA = 4,       /* the SVSM calling area: zero pages */
	OVMF_KERNEL_HASHES = 0x10, /* where QEMU puts the hashes table */
};

struct ovmf_section {
	uint32_t gpa, size, type;
};

/* An image and its footer table (both borrowed). */
struct ovmf {
	const uint8_t *img;
	size_t n;
	struct guid_table table;
};

struct ovmf_sev_metadata {
	size_t n;
	struct ovmf_section sec[OVMF_MAX_SECTIONS];
};

/* The image's footer table; refused (EAA_E_FORMAT) when it has none. */
bool ovmf_open(struct ovmf *o, const uint8_t *img, size_t n, struct eaa_err *err);

/* The SEV metadata sections, in the image's order. Refused: no entry
 * (EAA_E_CONFIG, the message names the GUID), an offset or size outside
 * the image, a wrong signature or version, an unknown section type, a GPA
 * not page-aligned, a size not a whole number of pages, a section ending
 * above 4 GiB, sections over OVMF_MAX_SECTION_BYTES together
 * (EAA_E_FORMAT). */
bool ovmf_sev_metadata(const struct ovmf *o, struct ovmf_sev_metadata *md,
		       struct eaa_err *err);
/* True when the metadata has a section of this type. */
bool ovmf_has_section(const struct ovmf_sev_metadata *md, uint32_t type);

/* The GPA of the area QEMU writes the kernel hashes table (need bytes)
 * to. Refused, as QEMU refuses to launch, when the entry is missing
 * (EAA_E_CONFIG, naming the GUID), its GPA is 0 (an OVMF built without
 * kernel hashing) or its area is smaller than need. */
bool ovmf_sev_hash_table(const struct ovmf *o, size_t need, uint32_t *gpa,
			 struct eaa_err *err);

/* The APs' reset EIP. Refused when the entry is missing (EAA_E_CONFIG,
 * naming the GUID) or the EIP is 0 (no AP could start). */
bool ovmf_sev_es_reset_eip(const struct ovmf *o, uint32_t *eip, struct eaa_err *err);

#endif
