/* test_measure_amd.c - the OVMF SEV entries' parser (ovmf.h) on crafted
 * footers: every field out of bounds or of the wrong kind is refused,
 * named, and no cut of an image is read past its end; the VMSA page's
 * fields and the vCPU signatures (vmsa.h); the launch digests' refusals
 * (amd_measure.h). The digests' values are checked against sev-snp-measure
 * by test_derive_amd.sh. */
#include <stdlib.h>
#include <string.h>
#include "amd_measure.h"
#include "bytes.h"
#include "guid_table.h"
#include "ovmf.h"
#include "test.h"
#include "vmsa.h"

#define IMG_SIZE (16u * 4096u)
#define META_FROM_END 1024u  /* where the crafted metadata starts */

struct section_spec {
	uint32_t gpa, size, type;
};

/* What a crafted image holds; fields a test breaks on purpose. */
struct spec {
	bool meta, hash, reset;
	uint32_t meta_from_end;     /* the metadata entry's u32 */
	size_t meta_entry_len;      /* 4, or less to cut it */
	char sig[5];
	uint32_t version, size_delta, count_delta;
	size_t nsec;
	struct section_spec sec[8];
	uint32_t hash_gpa, hash_size;
	size_t hash_entry_len;      /* 8, or less */
	uint32_t eip;
	size_t reset_entry_len;     /* 4, or less */
};

static struct spec good(void)
{
	struct spec s = {
		.meta = true, .hash = true, .reset = true,
		.meta_from_end = META_FROM_END, .meta_entry_len = 4,
		.sig = "ASEV", .version = 1,
		.nsec = 5,
		.sec = { { 0x800000, 0x9000, OVMF_SEC_MEM }, { 0x80d000, 0x1000, OVMF_SECRETS },
			 { 0x80e000, 0x1000, OVMF_CPUID }, { 0x810000, 0x1000, OVMF_KERNEL_HASHES },
			 { 0x80f000, 0x1000, OVMF_SVSM_CAA } },
		.hash_gpa = 0x810c00, .hash_size = 0x400, .hash_entry_len = 8,
		.eip = 0x80b004, .reset_entry_len = 4,
	};
	return s;
}

static void entry(struct wr *w, const uint8_t *data, size_t n, const char *guid)
{
	uint8_t g[16];

	wr_bytes(w, data, n);
	wr_u16le(w, (uint16_t)(n + 18));
	guid_from_string(guid, g);
	wr_bytes(w, g, 16);
}

/* The image: the metadata META_FROM_END bytes before the end (where the
 * entry points unless the spec says otherwise), the footer table
 * (entries, footer) just before the 32-byte reset vector, as edk2 lays
 * them out. */
static uint8_t *craft(const struct spec *s)
{
	uint8_t *img = calloc(1, IMG_SIZE), meta4[4], hash8[8], eip4[4], g[16];
	uint8_t table[256];
	struct wr w;
	size_t i, len;

	wr_init_fixed(&w, img + IMG_SIZE - META_FROM_END, META_FROM_END - 300);
	wr_bytes(&w, s->sig, 4);
	wr_u32le(&w, (uint32_t)(16 + 12 * s->nsec) + s->size_delta);
	wr_u32le(&w, s->version);
	wr_u32le(&w, (uint32_t)s->nsec + s->count_delta);
	for (i = 0; i < s->nsec; i++) {
		wr_u32le(&w, s->sec[i].gpa);
		wr_u32le(&w, s->sec[i].size);
		wr_u32le(&w, s->sec[i].type);
	}

	wr_init_fixed(&w, meta4, 4);
	wr_u32le(&w, s->meta_from_end);
	wr_init_fixed(&w, hash8, 8);
	wr_u32le(&w, s->hash_gpa);
	wr_u32le(&w, s->hash_size);
	wr_init_fixed(&w, eip4, 4);
	wr_u32le(&w, s->eip);

	wr_init_fixed(&w, table, sizeof(table));
	if (s->meta)
		entry(&w, meta4, s->meta_entry_len, OVMF_SEV_METADATA_GUID);
	if (s->hash)
		entry(&w, hash8, s->hash_entry_len, OVMF_SEV_HASH_TABLE_GUID);
	if (s->reset)
		entry(&w, eip4, s->reset_entry_len, OVMF_SEV_ES_RESET_BLOCK_GUID);
	len = w.len;
	wr_u16le(&w, (uint16_t)(len + 18));
	guid_from_string(GUID_TABLE_FOOTER, g);
	wr_bytes(&w, g, 16);
	memcpy(img + IMG_SIZE - 32 - w.len, table, w.len);
	return img;
}

/* The metadata parse of a crafted image: 1 when it parsed, 0 when it was
 * refused with code and a message containing want, -1 otherwise. */
static int meta_of(const struct spec *s, struct ovmf_sev_metadata *md, const char *want,
		   enum eaa_code code)
{
	uint8_t *img = craft(s);
	struct eaa_err err = { 0 };
	struct ovmf o;
	int rc = 1;

	if (!ovmf_open(&o, img, IMG_SIZE, &err) || !ovmf_sev_metadata(&o, md, &err)) {
		rc = want && strstr(err.msg, want) && err.code == code ? 0 : -1;
		if (rc < 0)
			fprintf(stderr, "refused (%d): %s; want \"%s\" (%d)\n", err.code,
				err.msg, want ? want : "(success)", code);
	}
	free(img);
	return rc;
}

static void test_metadata(void)
{
	struct ovmf_sev_metadata md;
	struct spec s = good();

	CHECK(meta_of(&s, &md, NULL, 0) == 1 && md.n == 5);
	CHECK(md.sec[0].gpa == 0x800000 && md.sec[0].size == 0x9000 &&
	      md.sec[0].type == OVMF_SEC_MEM);
	CHECK(md.sec[3].gpa == 0x810000 && md.sec[3].type == OVMF_KERNEL_HASHES);
	CHECK(ovmf_has_section(&md, OVMF_CPUID) && ovmf_has_section(&md, OVMF_SVSM_CAA));
	/* edk2's TDX build lists sections at GPA 0 of size 0: accepted */
	s.sec[4] = (struct section_spec){ 0, 0, OVMF_SVSM_CAA };
	CHECK(meta_of(&s, &md, NULL, 0) == 1 && md.sec[4].size == 0);
	/* a larger size than the sections need is what ovmf.py accepts */
	s = good(), s.size_delta = 12;
	CHECK(meta_of(&s, &md, NULL, 0) == 1 && md.n == 5);

	s = good(), s.meta = false;
	CHECK(meta_of(&s, &md, "no SEV metadata (GUID dc886566-984a-4798-a75e-5585a7bf67cc",
		       EAA_E_CONFIG) == 0);
	s = good(), s.meta_entry_len = 3;
	CHECK(meta_of(&s, &md, "shorter than its u32 offset", EAA_E_FORMAT) == 0);
	s = good(), s.meta_from_end = IMG_SIZE + 1;
	CHECK(meta_of(&s, &md, "outside the 65536-byte image", EAA_E_FORMAT) == 0);
	s = good(), s.meta_from_end = 15;
	CHECK(meta_of(&s, &md, "offset 15 from the image's end is outside", EAA_E_FORMAT) == 0);
	/* the metadata read from where the entry says: 16 bytes of the
	 * reset vector's zeros are no "ASEV" */
	s = good(), s.meta_from_end = 16;
	CHECK(meta_of(&s, &md, "signature 00000000, want \"ASEV\"", EAA_E_FORMAT) == 0);
	s = good(), memcpy(s.sig, "ASEW", 4);
	CHECK(meta_of(&s, &md, "signature 41534557", EAA_E_FORMAT) == 0);
	s = good(), s.version = 2;
	CHECK(meta_of(&s, &md, "version 2, want 1", EAA_E_UNSUPPORTED) == 0);
	s = good(), s.count_delta = OVMF_MAX_SECTIONS;
	CHECK(meta_of(&s, &md, "69 sections, at most 64", EAA_E_FORMAT) == 0);
	s = good(), s.count_delta = 1;
	CHECK(meta_of(&s, &md, "size 76 does not hold its 6 sections", EAA_E_FORMAT) == 0);
	s = good(), s.size_delta = (uint32_t)-1;
	CHECK(meta_of(&s, &md, "size 75 does not hold its 5 sections", EAA_E_FORMAT) == 0);
	/* a size running past the image's end */
	s = good(), s.size_delta = META_FROM_END;
	CHECK(meta_of(&s, &md, "does not hold its 5 sections within the image", EAA_E_FORMAT) == 0);
	s = good(), s.size_delta = 0xffffffffu - 75;
	CHECK(meta_of(&s, &md, "does not hold", EAA_E_FORMAT) == 0);

	s = good(), s.sec[2].type = 5;
	CHECK(meta_of(&s, &md, "section 2 has unknown type 0x5", EAA_E_FORMAT) == 0);
	s = good(), s.sec[0].gpa = 0x800100;
	CHECK(meta_of(&s, &md, "section 0 (type 0x1) at GPA 0x800100, size 0x9000 is not whole pages",
		       EAA_E_FORMAT) == 0);
	s = good(), s.sec[0].size = 0x9001;
	CHECK(meta_of(&s, &md, "size 0x9001 is not whole pages", EAA_E_FORMAT) == 0);
	s = good(), s.sec[0].gpa = 0xfffff000, s.sec[0].size = 0x2000;
	CHECK(meta_of(&s, &md, "section 0 (type 0x1) at GPA 0xfffff000, size 0x2000 ends above 4 GiB",
		      EAA_E_FORMAT) == 0);
	s = good(), s.sec[0].gpa = 0xfffff000, s.sec[0].size = 0x1000;
	CHECK(meta_of(&s, &md, NULL, 0) == 1);
	s = good(), s.sec[0].gpa = 0, s.sec[0].size = 0x8000000, s.sec[4].size = 0x7ffe000;
	CHECK(meta_of(&s, &md, "sections of 268439552 bytes together, at most 268435456",
		      EAA_E_FORMAT) == 0);
	s = good(), s.sec[0].gpa = 0, s.sec[0].size = 0x8000000, s.sec[4].size = 0x7ffd000;
	CHECK(meta_of(&s, &md, NULL, 0) == 1);
	s = good(), s.sec[1].size = 0;
	CHECK(meta_of(&s, &md, "section 1 (type 0x2) has no page", EAA_E_FORMAT) == 0);
	s = good(), s.sec[2].size = 0;
	CHECK(meta_of(&s, &md, "section 2 (type 0x3) has no page", EAA_E_FORMAT) == 0);
}

static void test_hash_table_and_reset(void)
{
	struct spec s = good();
	struct eaa_err err;
	struct ovmf o;
	uint8_t *img;
	uint32_t v;

	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(ovmf_sev_hash_table(&o, 176, &v, &err) && v == 0x810c00);
	CHECK(ovmf_sev_es_reset_eip(&o, &v, &err) && v == 0x80b004);
	/* an area smaller than the table QEMU writes */
	CHECK(!ovmf_sev_hash_table(&o, 0x401, &v, &err) &&
	      strstr(err.msg, "at GPA 0x810c00 holds 1024 bytes, the table needs 1025"));
	free(img);

	s = good(), s.hash = false, s.reset = false;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(!ovmf_sev_hash_table(&o, 176, &v, &err) && err.code == EAA_E_CONFIG &&
	      strstr(err.msg, "no SEV hash table (GUID 7255371f-3a3b-4b04-927b-1da6efa8d454"));
	CHECK(!ovmf_sev_es_reset_eip(&o, &v, &err) && err.code == EAA_E_CONFIG &&
	      strstr(err.msg, "no SEV-ES reset block (GUID 00f771de-1a7e-4fcb-890e-68c77e2fb44e"));
	free(img);

	s = good(), s.hash_gpa = 0, s.eip = 0;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(!ovmf_sev_hash_table(&o, 176, &v, &err) && strstr(err.msg, "has GPA 0"));
	CHECK(!ovmf_sev_es_reset_eip(&o, &v, &err) && strstr(err.msg, "gives AP reset EIP 0"));
	free(img);

	s = good(), s.hash_entry_len = 4, s.reset_entry_len = 3;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(!ovmf_sev_hash_table(&o, 176, &v, &err) &&
	      strstr(err.msg, "shorter than its u32 GPA and size"));
	CHECK(!ovmf_sev_es_reset_eip(&o, &v, &err) && strstr(err.msg, "shorter than its u32 EIP"));
	free(img);
}

/* Every cut of a good image's tail, and every single-byte change of its
 * last KiB, parses or is refused with a message: never a read past the
 * end (ASan runs this too). */
static void test_cuts(void)
{
	struct spec s = good();
	uint8_t *img = craft(&s), *copy;
	struct ovmf_sev_metadata md;
	struct eaa_err err;
	struct ovmf o;
	size_t k, bad = 0;
	uint32_t v;

	for (k = 0; k <= 2048; k++) {
		const uint8_t *tail = img + IMG_SIZE - k;

		err.msg[0] = 0;
		if (ovmf_open(&o, tail, k, &err)) {
			if (!ovmf_sev_metadata(&o, &md, &err) && !err.msg[0])
				bad++;
			err.msg[0] = 0;
			if (!ovmf_sev_hash_table(&o, 176, &v, &err) && !err.msg[0])
				bad++;
		} else if (!err.msg[0]) {
			bad++;
		}
	}
	CHECK_MSG(bad == 0, "%zu cuts refused without a message", bad);
	/* cut to less than the metadata offset: named */
	CHECK(ovmf_open(&o, img + IMG_SIZE - 600, 600, &err) &&
	      !ovmf_sev_metadata(&o, &md, &err) &&
	      strstr(err.msg, "offset 1024 from the image's end is outside the 600-byte image"));
	copy = malloc(IMG_SIZE);
	for (k = IMG_SIZE - 1024; k < IMG_SIZE; k++) {
		memcpy(copy, img, IMG_SIZE);
		copy[k] ^= 0xa5;
		if (ovmf_open(&o, copy, IMG_SIZE, &err)) {
			(void)ovmf_sev_metadata(&o, &md, &err);
			(void)ovmf_sev_es_reset_eip(&o, &v, &err);
		}
	}
	free(copy);
	free(img);
}

static void test_vmsa(void)
{
	uint8_t page[VMSA_PAGE];
	struct eaa_err err;
	struct rd r;
	uint64_t q;
	uint32_t sig, d;
	uint16_t h;

	/* AMD CPUID Fn0000_0001_EAX: family 0x17 is 0xf + 0x8 */
	CHECK(vcpu_sig_of(23, 1, 2) == 0x800f12);
	CHECK(vcpu_sig_of(23, 49, 0) == 0x830f10);
	CHECK(vcpu_sig_of(25, 1, 1) == 0xa00f11);
	CHECK(vcpu_sig_of(25, 17, 0) == 0xa10f10);
	CHECK(vcpu_sig_of(15, 4, 8) == 0x00f48);
	CHECK(vcpu_type_sig("EPYC-v4", &sig, &err) && sig == 0x800f12);
	CHECK(vcpu_type_sig("EPYC-Genoa", &sig, &err) && sig == 0xa10f10);
	CHECK(vcpu_type_sig("EPYC-Turin", &sig, &err) && sig == 0xb00f00);
	CHECK(!vcpu_type_sig("EPYC-Milano", &sig, &err) && err.code == EAA_E_CONFIG &&
	      strstr(err.msg, "unknown vCPU type \"EPYC-Milano\" (known: EPYC, ") &&
	      strstr(err.msg, "EPYC-Genoa-v1"));
	CHECK(!vcpu_type_sig("", &sig, &err));

	vmsa_page(page, VMM_QEMU, 0x80b004, 0x21, 0x800f12);
	r = rd_init(page + 0x10, 16);  /* cs */
	CHECK(rd_u16le(&r, &h) && h == 0xf000 && rd_u16le(&r, &h) && h == 0x9b &&
	      rd_u32le(&r, &d) && d == 0xffff && rd_u64le(&r, &q) && q == 0x800000);
	r = rd_init(page + 0x178, 8);  /* rip */
	CHECK(rd_u64le(&r, &q) && q == 0xb004);
	r = rd_init(page + 0x310, 8);  /* rdx */
	CHECK(rd_u64le(&r, &q) && q == 0x800f12);
	r = rd_init(page + 0x3b0, 8);  /* sev_features */
	CHECK(rd_u64le(&r, &q) && q == 0x21);
	r = rd_init(page + 0x408, 4);  /* mxcsr */
	CHECK(rd_u32le(&r, &d) && d == 0x1f80);
	r = rd_init(page + 0xd0, 8);   /* efer */
	CHECK(rd_u64le(&r, &q) && q == 0x1000);
	r = rd_init(page + 0x412, VMSA_PAGE - 0x412);
	CHECK(rd_all_zero(&r));
	vmsa_page(page, VMM_EC2, VMSA_BSP_EIP, 0, 0x800f12);
	CHECK(page[0x12] == 0x9a);     /* EC2's BSP code segment is not accessed */
	r = rd_init(page + 0x310, 8);
	CHECK(rd_u64le(&r, &q) && q == 0x600);
	r = rd_init(page + 0x178, 8);
	CHECK(rd_u64le(&r, &q) && q == 0xfff0);
	vmsa_page(page, VMM_GCE, VMSA_BSP_EIP, 0, 0);
	r = rd_init(page + 0x268, 8);
	CHECK(rd_u64le(&r, &q) && q == 0x00070106);
}

static void test_digest_refusals(void)
{
	struct spec s = good();
	uint8_t *img = craft(&s), out[48];
	struct sev_hashes h;
	struct eaa_err err;
	struct ovmf o;
	struct amd_guest g;

	memset(&h, 0x11, sizeof(h));
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	g = (struct amd_guest){ .ovmf = &o, .vcpus = 2, .vcpu_sig = 0x800f12, .guest_features = 1 };
	CHECK(snp_launch_digest(&g, out, &err));
	CHECK(seves_launch_digest(&g, out, &err));
	g.hashes = &h;
	CHECK(snp_launch_digest(&g, out, &err));
	CHECK(seves_launch_digest(&g, out, &err));
	g.vcpus = 0;
	CHECK(!snp_launch_digest(&g, out, &err) && strstr(err.msg, "--vcpus 0"));
	CHECK(!seves_launch_digest(&g, out, &err) && strstr(err.msg, "--vcpus 0"));
	g.vcpus = AMD_MAX_VCPUS + 1;
	CHECK(!snp_launch_digest(&g, out, &err));
	/* an image that is not whole pages */
	CHECK(ovmf_open(&o, img + 1, IMG_SIZE - 1, &err));
	g.vcpus = 1;
	CHECK(!snp_launch_digest(&g, out, &err) && strstr(err.msg, "is not whole 4 KiB pages"));
	CHECK(!snp_ovmf_hash(&o, out, &err));
	free(img);

	/* the kernel hashes section two pages long, the table crossing its
	 * page, no such section */
	s = good(), s.sec[3].size = 0x2000;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	g.ovmf = &o;
	CHECK(!snp_launch_digest(&g, out, &err) &&
	      strstr(err.msg, "KERNEL_HASHES section (0x2000 bytes) is not the one page"));
	free(img);
	s = good(), s.hash_gpa = 0x810f60;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(!snp_launch_digest(&g, out, &err) && strstr(err.msg, "at offset 0xf60"));
	free(img);
	s = good(), s.sec[3].type = OVMF_SEC_MEM;
	img = craft(&s);
	CHECK(ovmf_open(&o, img, IMG_SIZE, &err));
	CHECK(!snp_launch_digest(&g, out, &err) && strstr(err.msg, "no KERNEL_HASHES section"));
	g.hashes = NULL;
	CHECK(snp_launch_digest(&g, out, &err));
	free(img);
}

int main(void)
{
	test_metadata();
	test_hash_table_and_reset();
	test_cuts();
	test_vmsa();
	test_digest_refusals();
	return test_summary();
}
