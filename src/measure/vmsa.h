/* vmsa.h - the initial VMSA (VM save area) of each vCPU, as the PSP
 * measures it at SEV-ES and SEV-SNP launch, and the CPU signatures of the
 * vCPU types a VMM offers.
 *
 * The page is AMD's VMSA (APM vol. 2, table B-4 "VMSA layout, state save
 * area for SEV-ES"; the Linux kernel's struct sev_es_save_area names the
 * fields), 4096 bytes, all zero but for the reset state the VMM loads:
 * the boot processor starts at 0xfffffff0, each AP at the EIP of the
 * OVMF's SEV-ES reset block. What QEMU, EC2 and GCE load differs in a few
 * fields (segment attributes, RDX, MXCSR/FCW, PAT); the values are those
 * sev-snp-measure's vmsa.py records for each VMM. RDX holds the CPUID
 * family/model/stepping signature on QEMU (AMD CPUID specification
 * #25481, Fn0000_0001_EAX). */
#ifndef EAA_MEASURE_VMSA_H
#define EAA_MEASURE_VMSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define VMSA_PAGE 4096u
#define VMSA_BSP_EIP 0xfffffff0u

enum vmm_type { VMM_QEMU, VMM_EC2, VMM_GCE };

/* "qemu", "ec2", "gce" (any case); refused naming the known ones. */
bool vmm_type_named(const char *name, enum vmm_type *t, struct eaa_err *err);

/* The CPUID Fn0000_0001_EAX signature of family/model/stepping. */
uint32_t vcpu_sig_of(unsigned family, unsigned model, unsigned stepping);
/* The signature of a QEMU CPU model ("EPYC-v4", "EPYC-Milan", ...);
 * refused (EAA_E_CONFIG) naming every known type. */
bool vcpu_type_sig(const char *name, uint32_t *sig, struct eaa_err *err);
/* The known type names, for --help: "EPYC, EPYC-v1, ..." (static). */
const char *vcpu_type_names(void);

/* The VMSA page of a vCPU starting at eip, with these SEV features
 * (0 for SEV-ES; the guest features for SEV-SNP). */
void vmsa_page(uint8_t page[VMSA_PAGE], enum vmm_type vmm, uint32_t eip,
	       uint64_t sev_features, uint32_t vcpu_sig);

#endif
