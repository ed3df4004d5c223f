/* vmsa.c - the initial VMSA page of a vCPU and the vCPU types' CPUID
 * signatures (vmsa.h). The page is written field by field at the offsets
 * of APM vol. 2 table B-4; everything not written is zero. */
#include <string.h>
#include <strings.h>
#include "bytes.h"
#include "vmsa.h"

/* QEMU's builtin_x86_defs AMD EPYC models and their family/model/stepping
 * (the names and values sev-snp-measure's vcpu_types.py lists). */
static const struct {
	const char *name;
	unsigned family, model, stepping;
} vcpu_types[] = {
	{ "EPYC", 23, 1, 2 },          { "EPYC-v1", 23, 1, 2 },
	{ "EPYC-v2", 23, 1, 2 },       { "EPYC-IBPB", 23, 1, 2 },
	{ "EPYC-v3", 23, 1, 2 },       { "EPYC-v4", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 },    { "EPYC-Rome-v1", 23, 49, 0 },
	{ "EPYC-Rome-v2", 23, 49, 0 }, { "EPYC-Rome-v3", 23, 49, 0 },
	{ "EPYC-Milan", 25, 1, 1 },    { "EPYC-Milan-v1", 25, 1, 1 },
	{ "EPYC-Milan-v2", 25, 1, 1 }, { "EPYC-Genoa", 25, 17, 0 },
	{ "EPYC-Genoa-v1", 25, 17, 0 }, { "EPYC-Turin", 26, 0, 0 },
};
#define N_VCPU_TYPES (sizeof(vcpu_types) / sizeof(vcpu_types[0]))

static const char vcpu_names[] =
	"EPYC, EPYC-v1, EPYC-v2, EPYC-IBPB, EPYC-v3, EPYC-v4, EPYC-Rome, "
	"EPYC-Rome-v1, EPYC-Rome-v2, EPYC-Rome-v3, EPYC-Milan, EPYC-Milan-v1, "
	"EPYC-Milan-v2, EPYC-Genoa, EPYC-Genoa-v1, EPYC-Turin";

uint32_t vcpu_sig_of(unsigned family, unsigned model, unsigned stepping)
{
	/* families above 0xf are 0xf plus the extended family */
	uint32_t fam_lo = family > 0xf ? 0xf : family;
	uint32_t fam_hi = family > 0xf ? (family - 0xf) & 0xff : 0;

	return fam_hi << 20 | ((model >> 4) & 0xf) << 16 | fam_lo << 8 |
	       (model & 0xf) << 4 | (stepping & 0xf);
}

bool vcpu_type_sig(const char *name, uint32_t *sig, struct eaa_err *err)
{
	size_t i;

	for (i = 0; i < N_VCPU_TYPES; i++)
		if (strcmp(vcpu_types[i].name, name) == 0) {
			*sig = vcpu_sig_of(vcpu_types[i].family, vcpu_types[i].model,
					   vcpu_types[i].stepping);
			return true;
		}
	return eaa_fail(err, EAA_E_CONFIG, "unknown vCPU type \"%s\" (known: %s)", name,
			vcpu_names);
}

const char *vcpu_type_names(void)
{
	return vcpu_names;
}

bool vmm_type_named(const char *name, enum vmm_type *t, struct eaa_err *err)
{
	if (strcasecmp(name, "qemu") == 0)
		*t = VMM_QEMU;
	else if (strcasecmp(name, "ec2") == 0)
		*t = VMM_EC2;
	else if (strcasecmp(name, "gce") == 0)
		*t = VMM_GCE;
	else
		return eaa_fail(err, EAA_E_CONFIG, "unknown VMM type \"%s\" (known: qemu, ec2, gce)",
				name);
	return true;
}

/* Zeros up to offset off of the page (the reserved and unset fields). */
static void at(struct wr *w, size_t off)
{
	while (w->len < off && !w->failed)
		wr_u8(w, 0);
}

static void seg(struct wr *w, uint16_t selector, uint16_t attrib, uint32_t limit,
		uint64_t base)
{
	wr_u16le(w, selector);
	wr_u16le(w, attrib);
	wr_u32le(w, limit);
	wr_u64le(w, base);
}

void vmsa_page(uint8_t page[VMSA_PAGE], enum vmm_type vmm, uint32_t eip,
	       uint64_t sev_features, uint32_t vcpu_sig)
{
	/* QEMU's reset state (target/i386/cpu.c x86_cpu_reset_hold, KVM's
	 * EFER.SVME and CR4.MCE); EC2 and GCE load their own */
	uint16_t cs_attr = 0x9b, ss_attr = 0x93, tr_attr = 0x8b, fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;
	uint64_t g_pat = 0x0007040600070406ull, rdx = vcpu_sig;
	struct wr w;

	if (vmm == VMM_EC2) {
		cs_attr = eip == VMSA_BSP_EIP ? 0x9a : 0x9b;
		ss_attr = 0x92;
		tr_attr = 0x83;
	} else if (vmm == VMM_GCE) {
		g_pat = 0x00070106;
	}
	if (vmm != VMM_QEMU) {
		rdx = 0x600;
		mxcsr = 0;
		fcw = 0;
	}
	wr_init_fixed(&w, page, VMSA_PAGE);
	seg(&w, 0, 0x93, 0xffff, 0);                    /* 0x000 es */
	seg(&w, 0xf000, cs_attr, 0xffff, eip & 0xffff0000u); /* 0x010 cs */
	seg(&w, 0, ss_attr, 0xffff, 0);                 /* 0x020 ss */
	seg(&w, 0, 0x93, 0xffff, 0);                    /* 0x030 ds */
	seg(&w, 0, 0x93, 0xffff, 0);                    /* 0x040 fs */
	seg(&w, 0, 0x93, 0xffff, 0);                    /* 0x050 gs */
	seg(&w, 0, 0, 0xffff, 0);                       /* 0x060 gdtr */
	seg(&w, 0, 0x82, 0xffff, 0);                    /* 0x070 ldtr */
	seg(&w, 0, 0, 0xffff, 0);                       /* 0x080 idtr */
	seg(&w, 0, tr_attr, 0xffff, 0);                 /* 0x090 tr */
	at(&w, 0xd0);
	wr_u64le(&w, 0x1000);                           /* efer: SVME */
	at(&w, 0x148);
	wr_u64le(&w, 0x40);                             /* cr4: MCE */
	at(&w, 0x158);
	wr_u64le(&w, 0x10);                             /* cr0: ET */
	wr_u64le(&w, 0x400);                            /* 0x160 dr7 */
	wr_u64le(&w, 0xffff0ff0);                       /* 0x168 dr6 */
	wr_u64le(&w, 0x2);                              /* 0x170 rflags */
	wr_u64le(&w, eip & 0xffff);                     /* 0x178 rip */
	at(&w, 0x268);
	wr_u64le(&w, g_pat);                            /* g_pat */
	at(&w, 0x310);
	wr_u64le(&w, rdx);                              /* rdx */
	at(&w, 0x3b0);
	wr_u64le(&w, sev_features);                     /* sev_features */
	at(&w, 0x3e8);
	wr_u64le(&w, 0x1);                              /* xcr0 */
	at(&w, 0x408);
	wr_u32le(&w, mxcsr);                            /* mxcsr */
	at(&w, 0x410);
	wr_u16le(&w, fcw);                              /* x87_fcw */
	at(&w, VMSA_PAGE);
}
