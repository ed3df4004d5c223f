/* tdvf.c - find and check a TDVF image's TDX metadata, and compute the
 * MRTD of a TD built from it (tdvf.h). The image is untrusted: every
 * offset and size is checked against the image before a byte is hashed. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <string.h>
#include "bytes.h"
#include "guid_table.h"
#include "tdvf.h"

#define DESCRIPTOR 16u
#define SECTION 32u
#define LEGACY_FROM_END 0x20u
#define CHUNK 256u               /* TDH.MR.EXTEND's granularity */
#define MR_BUF 128u              /* the buffer each TDX function hashes */

const char *tdvf_type_name(uint32_t type)
{
	static const char *const names[] = { "BFV", "CFV", "TD_HOB", "TempMem", "PermMem",
					     "Payload", "PayloadParam" };

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Where the descriptor is: through the footer table when the image has
 * one, else at the legacy place. */
static bool locate(const uint8_t *img, size_t n, struct tdvf *t, struct eaa_err *err)
{
	struct guid_table tab;
	struct eaa_err e2;
	struct rd d;
	uint32_t v;

	if (n > UINT32_MAX)
		return eaa_fail(err, EAA_E_FORMAT, "TDVF image of %zu bytes: over 4 GiB", n);
	if (guid_table_open(&tab, img, n, &e2)) {
		if (!guid_table_find(&tab, TDVF_METADATA_OFFSET_GUID, "TDX metadata offset", &d,
				     err))
			return false;
		if (rd_left(&d) < 4 || !rd_skip(&d, rd_left(&d) - 4) || !rd_u32le(&d, &v))
			return eaa_fail(err, EAA_E_FORMAT,
					"TDX metadata offset entry (GUID " TDVF_METADATA_OFFSET_GUID
					") has %zu bytes, not a u32", rd_left(&d));
		if (v > n)
			return eaa_fail(err, EAA_E_FORMAT,
					"TDX metadata offset %" PRIu32 " is beyond the image's %zu bytes",
					v, n);
		t->offset = n - v;
		t->legacy = false;
		return true;
	}
	/* No footer table: only an image that has "TDVF" where the legacy
	 * pointer says is taken; anything else is named as missing. */
	d = rd_init(img, n);
	if (n >= LEGACY_FROM_END && rd_skip(&d, n - LEGACY_FROM_END) && rd_u32le(&d, &v)) {
		struct rd at = rd_init(img, n);
		uint8_t sig[4];

		if (rd_skip(&at, v) && rd_bytes(&at, sig, 4) && memcmp(sig, "TDVF", 4) == 0) {
			t->offset = v;
			t->legacy = true;
			return true;
		}
	}
	return eaa_fail(err, EAA_E_CONFIG,
			"the image has no TDX metadata: no footer table with GUID "
			TDVF_METADATA_OFFSET_GUID " (%s), and no \"TDVF\" descriptor at the offset "
			"stored at its end - 0x20", e2.msg);
}

static bool check_section(const struct tdvf_section *s, uint32_t i, size_t n,
			  struct eaa_err *err)
{
	const char *ty = tdvf_type_name(s->type);

	if (s->type > TDVF_TEMP_MEM)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"TDVF section %" PRIu32 ": type %" PRIu32 " (%s): QEMU builds a TD "
				"from BFV, CFV, TD_HOB and TempMem sections only",
				i, s->type, ty);
	if (s->attributes & ~(TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG))
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"TDVF section %" PRIu32 " (%s): unknown attributes 0x%08" PRIx32,
				i, ty, s->attributes);
	/* The design guide says such pages are added by TDH.MEM.PAGE.AUG after
	 * the build (so not in MRTD); QEMU adds every section with PAGE.ADD.
	 * Which one a VMM does decides MRTD: refuse rather than guess. */
	if (s->attributes & TDVF_ATTR_PAGE_AUG)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"TDVF section %" PRIu32 " (%s): PAGE.AUG attribute (VMMs disagree "
				"on whether such pages count in MRTD)", i, ty);
	if (s->gpa % TDVF_PAGE || s->mem_size % TDVF_PAGE)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): MemoryAddress 0x%" PRIx64
				" or MemoryDataSize 0x%" PRIx64 " is not 4 KiB aligned",
				i, ty, s->gpa, s->mem_size);
	if (s->mem_size == 0 || s->mem_size > TDVF_MAX_MEMORY || s->gpa + s->mem_size < s->gpa)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): MemoryDataSize 0x%" PRIx64
				" at 0x%" PRIx64 " is empty, over 4 GiB or wraps", i, ty,
				s->mem_size, s->gpa);
	if (s->raw_size > s->mem_size)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): RawDataSize 0x%" PRIx32
				" exceeds MemoryDataSize 0x%" PRIx64, i, ty, s->raw_size,
				s->mem_size);
	if ((s->type == TDVF_BFV || s->type == TDVF_CFV) ? s->raw_size == 0 : s->raw_size != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): RawDataSize 0x%" PRIx32
				" (BFV and CFV carry data, TD_HOB and TempMem none)",
				i, ty, s->raw_size);
	if ((uint64_t)s->data_offset + s->raw_size > n)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): data 0x%" PRIx32 "+0x%" PRIx32
				" is outside the image's 0x%zx bytes", i, ty, s->data_offset,
				s->raw_size, n);
	/* What is extended past RawDataSize differs between VMMs (zeros, or
	 * the image's next bytes): an extended section must be whole. */
	if ((s->attributes & TDVF_ATTR_MR_EXTEND) && s->raw_size != s->mem_size)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF section %" PRIu32 " (%s): MR.EXTEND with RawDataSize 0x%" PRIx32
				" != MemoryDataSize 0x%" PRIx64, i, ty, s->raw_size, s->mem_size);
	return true;
}

bool tdvf_parse(const uint8_t *img, size_t n, struct tdvf *t, struct eaa_err *err)
{
	uint32_t len, version, i, j;
	uint64_t total;
	uint8_t sig[4];
	struct rd r;

	memset(t, 0, sizeof(*t));
	if (!locate(img, n, t, err))
		return false;
	r = rd_init(img + t->offset, n - t->offset);
	if (!rd_bytes(&r, sig, 4) || !rd_u32le(&r, &len) || !rd_u32le(&r, &version) ||
	    !rd_u32le(&r, &t->n))
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF descriptor at 0x%zx: cut short by the image's end", t->offset);
	if (memcmp(sig, "TDVF", 4) != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF descriptor at 0x%zx: signature is not \"TDVF\"", t->offset);
	if (version != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"TDVF descriptor: version %" PRIu32 ", only 1 is defined", version);
	if (t->n < 2 || t->n > TDVF_MAX_SECTIONS)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF descriptor: %" PRIu32 " sections (want 2 to %u)", t->n,
				TDVF_MAX_SECTIONS);
	if (len != DESCRIPTOR + SECTION * t->n)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF descriptor: length %" PRIu32 " for %" PRIu32
				" sections (want %" PRIu32 ")", len, t->n, DESCRIPTOR + SECTION * t->n);
	for (i = 0; i < t->n; i++) {
		struct tdvf_section *s = &t->s[i];

		if (!rd_u32le(&r, &s->data_offset) || !rd_u32le(&r, &s->raw_size) ||
		    !rd_u64le(&r, &s->gpa) || !rd_u64le(&r, &s->mem_size) ||
		    !rd_u32le(&r, &s->type) || !rd_u32le(&r, &s->attributes))
			return eaa_fail(err, EAA_E_FORMAT,
					"TDVF section %" PRIu32 ": cut short by the image's end", i);
	}
	for (i = 0; i < t->n; i++)
		if (!check_section(&t->s[i], i, n, err))
			return false;
	/* The TDX module refuses to add a page twice: overlapping sections
	 * describe no TD. Disjoint, they fit the 52-bit GPA space; firmware
	 * asks for a few MiB, so more than 4 GiB (a million pages to hash)
	 * is refused. */
	for (i = 0, total = 0; i < t->n; i++)
		total += t->s[i].mem_size;
	if (total > TDVF_MAX_MEMORY)
		return eaa_fail(err, EAA_E_FORMAT,
				"TDVF sections cover 0x%" PRIx64 " bytes of guest memory, more than 4 GiB",
				total);
	for (i = 0; i < t->n; i++)
		for (j = i + 1; j < t->n; j++)
			if (t->s[i].gpa < t->s[j].gpa + t->s[j].mem_size &&
			    t->s[j].gpa < t->s[i].gpa + t->s[i].mem_size)
				return eaa_fail(err, EAA_E_FORMAT,
						"TDVF sections %" PRIu32 " and %" PRIu32
						" overlap in guest memory (0x%" PRIx64 " and 0x%" PRIx64 ")",
						i, j, t->s[i].gpa, t->s[j].gpa);
	return true;
}

/* One TDX function's 128-byte buffer: its name, zeros, the GPA at 16. */
static bool op(EVP_MD_CTX *md, const char *name, uint64_t gpa)
{
	uint8_t buf[MR_BUF] = { 0 };
	struct wr w;

	wr_init_fixed(&w, buf, sizeof(buf));
	wr_bytes(&w, name, strlen(name));
	wr_bytes(&w, (const uint8_t[16]){ 0 }, 16 - strlen(name));
	wr_u64le(&w, gpa);
	return !w.failed && EVP_DigestUpdate(md, buf, sizeof(buf));
}

static bool page_add(EVP_MD_CTX *md, const struct tdvf_section *s, uint64_t page)
{
	return op(md, "MEM.PAGE.ADD", s->gpa + page * TDVF_PAGE);
}

static bool page_extend(EVP_MD_CTX *md, const uint8_t *img, size_t n,
			const struct tdvf_section *s, uint64_t page)
{
	struct rd r = rd_init(img, n), data;
	uint64_t c;

	if (!(s->attributes & TDVF_ATTR_MR_EXTEND))
		return true;
	if (!rd_skip(&r, s->data_offset + page * TDVF_PAGE) || !rd_sub(&r, TDVF_PAGE, &data))
		return false;
	for (c = 0; c < TDVF_PAGE / CHUNK; c++) {
		struct rd chunk;

		if (!op(md, "MR.EXTEND", s->gpa + page * TDVF_PAGE + c * CHUNK) ||
		    !rd_sub(&data, CHUNK, &chunk) || !EVP_DigestUpdate(md, chunk.p, CHUNK))
			return false;
	}
	return true;
}

bool tdvf_mrtd(const uint8_t *img, size_t n, const struct tdvf *t, enum tdvf_order order,
	       uint8_t mrtd[48], struct eaa_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned int len = 0;
	bool ok;
	uint32_t i;
	uint64_t p;

	ok = md && EVP_DigestInit_ex(md, EVP_sha384(), NULL);
	for (i = 0; ok && i < t->n; i++) {
		const struct tdvf_section *s = &t->s[i];
		uint64_t pages = s->mem_size / TDVF_PAGE;

		if (order == TDVF_TWO_PASS) {
			for (p = 0; ok && p < pages; p++)
				ok = page_add(md, s, p);
			for (p = 0; ok && p < pages; p++)
				ok = page_extend(md, img, n, s, p);
		} else {
			for (p = 0; ok && p < pages; p++)
				ok = page_add(md, s, p) && page_extend(md, img, n, s, p);
		}
	}
	ok = ok && EVP_DigestFinal_ex(md, mrtd, &len) && len == 48;
	EVP_MD_CTX_free(md);
	if (!ok)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "MRTD: SHA-384");
	return true;
}
