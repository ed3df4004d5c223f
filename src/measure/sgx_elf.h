/* sgx_elf.h - the SIGSTRUCT inside a signed SGX enclave (.signed.so).
 *
 * The SDK's signer (sgx_sign) writes its metadata into the enclave's
 * ".note.sgxmeta" section: one ELF note named "sgx_metadata" (type 1)
 * whose descriptor follows the 13-byte name directly, unpadded (intel/
 * linux-sgx sdk/trts/linux/metadata_sec.S; psw/urts/parser/elfparser.cpp
 * reads it so). The descriptor holds one or more metadata_t back to back
 * (common/inc/internal/metadata.h; psw/urts/urts_com.h walks them), each:
 *
 *      0  magic u64 0x86A80294635D0E4C, version u64 (major << 32 | minor),
 *     16  size u32 (this entry's bytes), tcs_policy, ssa_frame_size,
 *         max_save_buffer_size, desired_misc_select, tcs_min_pool u32,
 *     40  enclave_size u64, attributes 16,
 *     64  enclave_css: the SIGSTRUCT, 1808 bytes
 *
 * The loader picks the entry whose version it supports; the signer copies
 * one SIGSTRUCT into every entry (sign_tool.cpp: the compatible entries are
 * copies made after signing), and `sgx_sign dump -cssfile` writes the
 * first's. */
#ifndef EAA_MEASURE_SGX_ELF_H
#define EAA_MEASURE_SGX_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define SGX_METADATA_MAGIC 0x86A80294635D0E4Cull

struct sgx_elf_meta {
	struct rd sigstruct;     /* the first entry's enclave_css, borrowed */
	uint64_t version;        /* the first entry's */
	uint64_t enclave_size;
	unsigned entries;        /* metadata_t entries in the note */
};

/* Find the sgx_metadata note in the ELF64 image img (n bytes) and its
 * SIGSTRUCT. Refused with err naming what is wrong and where: not an
 * x86-64 ELF64, headers or sections outside the file, "no sgx_metadata
 * note" (EAA_E_CONFIG: an unsigned or non-SGX .so), a bad magic or an
 * unknown metadata version (EAA_E_UNSUPPORTED), entries whose SIGSTRUCTs
 * differ. */
bool sgx_elf_metadata(const uint8_t *img, size_t n, struct sgx_elf_meta *m,
		      struct eaa_err *err);

#endif
