/* snp_measure.c - the SEV-SNP launch digest (amd_measure.h).
 *
 * The PSP keeps a SHA-384 digest and, for each page SNP_LAUNCH_UPDATE
 * places, replaces it with SHA-384 of a PAGE_INFO structure (SEV-SNP ABI
 * specification #56860, "PAGE_INFO" in the LAUNCH_UPDATE section):
 *   0x00 the digest so far (48)   0x30 the page's contents digest (48)
 *   0x60 u16 length 0x70          0x62 u8 page type, u8 IMI page (0)
 *   0x64 u8 VMPL3, VMPL2, VMPL1 permissions (0), u8 reserved
 *   0x68 u64 GPA
 * The contents digest is SHA-384 of the page for normal and VMSA pages,
 * 48 zeros for the others. VMSA pages have no GPA of their own; they are
 * recorded at 0xfffffffff000 (sev-snp-measure's gctx.py). */
#include <string.h>
#include <openssl/evp.h>
#include "amd_measure.h"

#define FOUR_GIB 0x100000000ull
#define VMSA_GPA 0xfffffffff000ull

enum page_type {
	PAGE_NORMAL = 1,
	PAGE_VMSA = 2,
	PAGE_ZERO = 3,
	PAGE_UNMEASURED = 4,
	PAGE_SECRETS = 5,
	PAGE_CPUID = 6,
};

struct gctx {
	uint8_t ld[SNP_DIGEST_LEN];
	bool failed;
};

static void update(struct gctx *c, enum page_type type, uint64_t gpa,
		   const uint8_t contents[SNP_DIGEST_LEN])
{
	uint8_t info[0x70];
	unsigned len = SNP_DIGEST_LEN;
	struct wr w;

	wr_init_fixed(&w, info, sizeof(info));
	wr_bytes(&w, c->ld, SNP_DIGEST_LEN);
	wr_bytes(&w, contents, SNP_DIGEST_LEN);
	wr_u16le(&w, sizeof(info));
	wr_u8(&w, type);
	wr_u8(&w, 0);                  /* not an IMI page */
	wr_u8(&w, 0);                  /* VMPL3 permissions */
	wr_u8(&w, 0);                  /* VMPL2 */
	wr_u8(&w, 0);                  /* VMPL1 */
	wr_u8(&w, 0);                  /* reserved */
	wr_u64le(&w, gpa);
	if (w.failed || !EVP_Digest(info, sizeof(info), c->ld, &len, EVP_sha384(), NULL))
		c->failed = true;
}

static void measured_page(struct gctx *c, enum page_type type, uint64_t gpa,
			  const uint8_t *page)
{
	uint8_t d[SNP_DIGEST_LEN];
	unsigned len = SNP_DIGEST_LEN;

	if (!EVP_Digest(page, OVMF_PAGE, d, &len, EVP_sha384(), NULL)) {
		c->failed = true;
		return;
	}
	update(c, type, gpa, d);
}

static void unmeasured_pages(struct gctx *c, enum page_type type, uint64_t gpa,
			     uint64_t size)
{
	static const uint8_t zeros[SNP_DIGEST_LEN];
	uint64_t off;

	for (off = 0; off < size; off += OVMF_PAGE)
		update(c, type, gpa + off, zeros);
}

/* The image's pages, placed to end at 4 GiB as QEMU maps the flash. */
static bool image_pages(struct gctx *c, const struct ovmf *o, struct eaa_err *err)
{
	struct rd r = rd_init(o->img, o->n), page;
	uint64_t gpa;

	if (o->n == 0 || o->n % OVMF_PAGE || o->n > FOUR_GIB)
		return eaa_fail(err, EAA_E_FORMAT,
				"OVMF image of %zu bytes is not whole 4 KiB pages below 4 GiB", o->n);
	gpa = FOUR_GIB - o->n;
	while (rd_sub(&r, OVMF_PAGE, &page)) {
		measured_page(c, PAGE_NORMAL, gpa, page.p);
		gpa += OVMF_PAGE;
	}
	return true;
}

bool snp_ovmf_hash(const struct ovmf *o, uint8_t out[SNP_DIGEST_LEN],
		   struct eaa_err *err)
{
	struct gctx c = { { 0 }, false };

	if (!image_pages(&c, o, err))
		return false;
	if (c.failed)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "SNP OVMF hash");
	memcpy(out, c.ld, SNP_DIGEST_LEN);
	return true;
}

/* The kernel hashes section: the table placed at its GPA's offset in an
 * otherwise zero page, or zero pages when no kernel is given. */
static bool kernel_hashes(struct gctx *c, const struct amd_guest *g,
			  const struct ovmf_section *s, struct eaa_err *err)
{
	uint8_t page[OVMF_PAGE], table[SEV_HASHES_TABLE_LEN];
	uint32_t table_gpa, in_page;
	struct wr w;

	if (!g->hashes) {
		unmeasured_pages(c, PAGE_ZERO, s->gpa, s->size);
		return true;
	}
	if (!ovmf_sev_hash_table(g->ovmf, SEV_HASHES_TABLE_LEN, &table_gpa, err))
		return eaa_err_prefix(err, "--kernel given");
	in_page = table_gpa % OVMF_PAGE;
	if (s->size != OVMF_PAGE || in_page + SEV_HASHES_TABLE_LEN > OVMF_PAGE)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: the KERNEL_HASHES section (0x%x bytes) is not the one page the hashes table (at offset 0x%x) fits in",
				s->size, in_page);
	sev_hashes_table(g->hashes, table);
	memset(page, 0, sizeof(page));
	wr_init_fixed(&w, page, sizeof(page));
	wr_reserve(&w, in_page);
	wr_bytes(&w, table, sizeof(table));
	measured_page(c, PAGE_NORMAL, s->gpa, page);
	return true;
}

static bool sections(struct gctx *c, const struct amd_guest *g,
		     const struct ovmf_sev_metadata *md, struct eaa_err *err)
{
	size_t i;

	for (i = 0; i < md->n; i++) {
		const struct ovmf_section *s = &md->sec[i];

		switch (s->type) {
		case OVMF_SEC_MEM:
			/* GCE leaves pre-validated memory unmeasured */
			unmeasured_pages(c, g->vmm == VMM_GCE ? PAGE_UNMEASURED : PAGE_ZERO,
					 s->gpa, s->size);
			break;
		case OVMF_SECRETS:
			unmeasured_pages(c, PAGE_SECRETS, s->gpa, OVMF_PAGE);
			break;
		case OVMF_CPUID:
			/* EC2 places the CPUID page after every other section */
			if (g->vmm != VMM_EC2)
				unmeasured_pages(c, PAGE_CPUID, s->gpa, OVMF_PAGE);
			break;
		case OVMF_KERNEL_HASHES:
			if (!kernel_hashes(c, g, s, err))
				return false;
			break;
		case OVMF_SVSM_CAA:
			unmeasured_pages(c, PAGE_ZERO, s->gpa, s->size);
			break;
		}
	}
	if (g->vmm == VMM_EC2)
		for (i = 0; i < md->n; i++)
			if (md->sec[i].type == OVMF_CPUID)
				unmeasured_pages(c, PAGE_CPUID, md->sec[i].gpa, OVMF_PAGE);
	return true;
}

bool snp_launch_digest(const struct amd_guest *g, uint8_t out[SNP_DIGEST_LEN],
		       struct eaa_err *err)
{
	struct ovmf_sev_metadata md;
	uint8_t bsp[VMSA_PAGE], ap[VMSA_PAGE];
	struct gctx c = { { 0 }, false };
	uint32_t ap_eip;
	unsigned i;

	if (g->vcpus == 0 || g->vcpus > AMD_MAX_VCPUS)
		return eaa_fail(err, EAA_E_CONFIG, "--vcpus %u: want 1 to %u", g->vcpus,
				AMD_MAX_VCPUS);
	if (!ovmf_sev_metadata(g->ovmf, &md, err) ||
	    !ovmf_sev_es_reset_eip(g->ovmf, &ap_eip, err))
		return false;
	if (g->hashes && !ovmf_has_section(&md, OVMF_KERNEL_HASHES))
		return eaa_fail(err, EAA_E_CONFIG,
				"--kernel given, but the OVMF's SEV metadata (GUID " OVMF_SEV_METADATA_GUID ") has no KERNEL_HASHES section (type 0x10)");
	if (g->ovmf_hash)
		memcpy(c.ld, g->ovmf_hash, SNP_DIGEST_LEN);
	else if (!image_pages(&c, g->ovmf, err))
		return false;
	if (!sections(&c, g, &md, err))
		return false;
	vmsa_page(bsp, g->vmm, VMSA_BSP_EIP, g->guest_features, g->vcpu_sig);
	vmsa_page(ap, g->vmm, ap_eip, g->guest_features, g->vcpu_sig);
	for (i = 0; i < g->vcpus; i++)
		measured_page(&c, PAGE_VMSA, VMSA_GPA, i == 0 ? bsp : ap);
	if (c.failed)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "SNP launch digest");
	memcpy(out, c.ld, SNP_DIGEST_LEN);
	return true;
}
