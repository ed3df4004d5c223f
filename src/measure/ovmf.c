/* ovmf.c - the SEV entries of an OVMF image's footer table (ovmf.h): the
 * metadata sections, the hashes-table GPA, the AP reset EIP. Every offset
 * and size the image states is checked against the image before use. */
#include "ovmf.h"

#define META_HEADER 16u  /* "ASEV", size, version, number of sections */
#define META_SECTION 12u /* gpa, size, type */

bool ovmf_open(struct ovmf *o, const uint8_t *img, size_t n, struct eaa_err *err)
{
	o->img = img;
	o->n = n;
	return guid_table_open(&o->table, img, n, err);
}

static bool known_type(uint32_t type)
{
	return type == OVMF_SEC_MEM || type == OVMF_SECRETS || type == OVMF_CPUID ||
	       type == OVMF_SVSM_CAA || type == OVMF_KERNEL_HASHES;
}

static bool section_read(struct rd *r, size_t i, struct ovmf_section *s,
			 struct eaa_err *err)
{
	if (!rd_u32le(r, &s->gpa) || !rd_u32le(r, &s->size) || !rd_u32le(r, &s->type))
		return eaa_fail(err, EAA_E_FORMAT, "SEV metadata: section %zu is cut short", i);
	if (!known_type(s->type))
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: section %zu has unknown type 0x%x (known: 1 SEC_MEM, 2 SECRETS, 3 CPUID, 4 SVSM_CAA, 0x10 KERNEL_HASHES)",
				i, s->type);
	/* the PSP places whole pages at page-aligned addresses */
	if (s->gpa % OVMF_PAGE || s->size % OVMF_PAGE)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: section %zu (type 0x%x) at GPA 0x%x, size 0x%x is not whole pages",
				i, s->type, s->gpa, s->size);
	/* the firmware's GPAs are 32-bit: its sections sit below 4 GiB */
	if ((uint64_t)s->gpa + s->size > 0x100000000ull)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: section %zu (type 0x%x) at GPA 0x%x, size 0x%x ends above 4 GiB",
				i, s->type, s->gpa, s->size);
	if ((s->type == OVMF_SECRETS || s->type == OVMF_CPUID) && s->size == 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: section %zu (type 0x%x) has no page", i, s->type);
	return true;
}

bool ovmf_sev_metadata(const struct ovmf *o, struct ovmf_sev_metadata *md,
		       struct eaa_err *err)
{
	uint32_t from_end, size, version, count;
	uint64_t total = 0;
	uint8_t sig[4];
	struct rd entry, r, body;
	size_t i;

	if (!guid_table_find(&o->table, OVMF_SEV_METADATA_GUID, "SEV metadata", &entry, err))
		return false;
	if (!rd_u32le(&entry, &from_end))
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata entry (GUID " OVMF_SEV_METADATA_GUID ") is shorter than its u32 offset");
	if (from_end < META_HEADER || from_end > o->n)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: offset %u from the image's end is outside the %zu-byte image",
				from_end, o->n);
	r = rd_init(o->img + (o->n - from_end), from_end);
	if (!rd_bytes(&r, sig, 4) || !rd_u32le(&r, &size) || !rd_u32le(&r, &version) ||
	    !rd_u32le(&r, &count))
		return eaa_fail(err, EAA_E_FORMAT, "SEV metadata: header cut short");
	if (sig[0] != 'A' || sig[1] != 'S' || sig[2] != 'E' || sig[3] != 'V')
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: signature %02x%02x%02x%02x, want \"ASEV\"",
				sig[0], sig[1], sig[2], sig[3]);
	if (version != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SEV metadata: version %u, want 1", version);
	if (count > OVMF_MAX_SECTIONS)
		return eaa_fail(err, EAA_E_FORMAT, "SEV metadata: %u sections, at most %u",
				count, OVMF_MAX_SECTIONS);
	if (size < META_HEADER + (uint64_t)count * META_SECTION || size > from_end ||
	    !rd_sub(&r, size - META_HEADER, &body))
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: size %u does not hold its %u sections within the image",
				size, count);
	md->n = count;
	for (i = 0; i < count; i++) {
		if (!section_read(&body, i, &md->sec[i], err))
			return false;
		total += md->sec[i].size;
	}
	if (total > OVMF_MAX_SECTION_BYTES)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV metadata: sections of %llu bytes together, at most %u",
				(unsigned long long)total, OVMF_MAX_SECTION_BYTES);
	return true;
}

bool ovmf_has_section(const struct ovmf_sev_metadata *md, uint32_t type)
{
	size_t i;

	for (i = 0; i < md->n; i++)
		if (md->sec[i].type == type)
			return true;
	return false;
}

bool ovmf_sev_hash_table(const struct ovmf *o, size_t need, uint32_t *gpa,
			 struct eaa_err *err)
{
	struct rd entry;
	uint32_t size;

	if (!guid_table_find(&o->table, OVMF_SEV_HASH_TABLE_GUID, "SEV hash table", &entry, err))
		return false;
	if (!rd_u32le(&entry, gpa) || !rd_u32le(&entry, &size))
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV hash table entry (GUID " OVMF_SEV_HASH_TABLE_GUID ") is shorter than its u32 GPA and size");
	if (*gpa == 0)
		return eaa_fail(err, EAA_E_CONFIG,
				"the image's SEV hash table entry (GUID " OVMF_SEV_HASH_TABLE_GUID ") has GPA 0: this OVMF does not measure a kernel");
	if (size < need)
		return eaa_fail(err, EAA_E_FORMAT,
				"the image's SEV hash table area (GUID " OVMF_SEV_HASH_TABLE_GUID ") at GPA 0x%x holds %u bytes, the table needs %zu",
				*gpa, size, need);
	return true;
}

bool ovmf_sev_es_reset_eip(const struct ovmf *o, uint32_t *eip, struct eaa_err *err)
{
	struct rd entry;

	if (!guid_table_find(&o->table, OVMF_SEV_ES_RESET_BLOCK_GUID, "SEV-ES reset block",
			     &entry, err))
		return false;
	if (!rd_u32le(&entry, eip))
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV-ES reset block (GUID " OVMF_SEV_ES_RESET_BLOCK_GUID ") is shorter than its u32 EIP");
	if (*eip == 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"SEV-ES reset block (GUID " OVMF_SEV_ES_RESET_BLOCK_GUID ") gives AP reset EIP 0");
	return true;
}
