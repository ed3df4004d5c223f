/* amd_measure.h - the launch digests the AMD PSP computes for an
 * OVMF-booted guest: SEV-ES (SHA-256, seves_measure.c) and SEV-SNP
 * (SHA-384 page-info chain, snp_measure.c). What goes in follows QEMU's
 * launch sequence as sev-snp-measure (guest.py) reproduces it:
 *   SEV-ES: LAUNCH_UPDATE_DATA of the whole image, then of the padded
 *     kernel hashes table when a kernel is given, then LAUNCH_UPDATE_VMSA
 *     of each vCPU in order (the BSP's first, then the APs').
 *   SEV-SNP: SNP_LAUNCH_UPDATE of the image's pages (placed to end at
 *     4 GiB), then of each SEV metadata section, then of each VMSA. */
#ifndef EAA_MEASURE_AMD_MEASURE_H
#define EAA_MEASURE_AMD_MEASURE_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"
#include "ovmf.h"
#include "sev_hashes.h"
#include "vmsa.h"

/* QEMU refuses more (KVM's limit); each vCPU adds a page to hash. */
#define AMD_MAX_VCPUS 4096u
#define SNP_DIGEST_LEN 48u

struct amd_guest {
	const struct ovmf *ovmf;
	const struct sev_hashes *hashes; /* NULL: no kernel given */
	unsigned vcpus;                  /* 1 .. AMD_MAX_VCPUS */
	uint32_t vcpu_sig;               /* RDX on QEMU */
	enum vmm_type vmm;
	uint64_t guest_features;         /* SNP: the VMSA's SEV features */
	const uint8_t *ovmf_hash;        /* SNP: 48 bytes standing for the
					  * image's pages (--snp-ovmf-hash), or NULL */
};

/* The SEV-ES launch digest. Refused: no SEV-ES reset block, a kernel
 * with an OVMF that has no SEV hash table (each naming the GUID). */
bool seves_launch_digest(const struct amd_guest *g, uint8_t out[32],
			 struct eaa_err *err);

/* The SEV-SNP launch digest (the report's MEASUREMENT). Refused besides:
 * no SEV metadata, a kernel with no KERNEL_HASHES section, an image whose
 * size is not whole pages. */
bool snp_launch_digest(const struct amd_guest *g, uint8_t out[SNP_DIGEST_LEN],
		       struct eaa_err *err);

/* The chain over the image's pages alone: what --snp-ovmf-hash takes,
 * so a build system can publish it without shipping the image. */
bool snp_ovmf_hash(const struct ovmf *o, uint8_t out[SNP_DIGEST_LEN],
		   struct eaa_err *err);

#endif
