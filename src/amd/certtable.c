/* certtable.c - the certificate table of an SEV-SNP extended report (GHCB
 * specification, "SNP Extended Guest Request"; the kernel's auxblob for
 * provider sev_guest): entries of { GUID (16 bytes), offset (u32 LE),
 * length (u32 LE) }, ended by an all-zero entry, offsets counted from the
 * table's start. GUIDs are stored as EFI does: the first three fields
 * little-endian. */
#include <stdio.h>
#include <string.h>
#include "bytes.h"
#include "certtable.h"

/* 63da758d-e664-4564-adc5-f4b93be8accd, a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
static const uint8_t vcek_guid[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
				       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
static const uint8_t vlek_guid[16] = { 0xc2, 0x4b, 0x07, 0xa8, 0x5a, 0xa2, 0x3e, 0x48,
				       0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0, 0xb8, 0xa1 };

/* Entry i of the table at r: true with guid, off, len set; true with
 * *end set at the terminating entry; false on a malformed entry. */
static bool next_entry(struct rd *r, size_t n, unsigned i, uint8_t guid[16], uint32_t *off,
		       uint32_t *len, bool *end, struct eaa_err *err)
{
	static const uint8_t zero[16];

	if (!rd_bytes(r, guid, 16) || !rd_u32le(r, off) || !rd_u32le(r, len))
		return eaa_fail(err, EAA_E_FORMAT, "certificate table: entry %u is cut "
				"short (no terminating entry)", i);
	*end = !*off && !*len;
	if (*end && memcmp(guid, zero, 16) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "certificate table: entry %u has a GUID "
				"but no certificate", i);
	if (!*end && (*off > n || *len > n - *off || *len == 0))
		return eaa_fail(err, EAA_E_FORMAT, "certificate table: entry %u (offset %u, "
				"length %u) is outside its %zu bytes", i, *off, *len, n);
	return true;
}

bool snp_cert_table_find(const uint8_t *p, size_t n, bool vlek, const uint8_t **cert,
			 size_t *len, struct eaa_err *err)
{
	struct rd r = rd_init(p, n);
	uint8_t guid[16];
	uint32_t off, l;
	bool end;
	const uint8_t *want = vlek ? vlek_guid : vcek_guid;

	for (unsigned i = 0;; i++) {
		if (!next_entry(&r, n, i, guid, &off, &l, &end, err))
			return false;
		if (end)
			return eaa_fail(err, EAA_E_NO_EVIDENCE, "certificate table: no %s",
					vlek ? "VLEK" : "VCEK");
		if (memcmp(guid, want, 16) == 0) {
			*cert = p + off;
			*len = l;
			return true;
		}
	}
}

bool snp_cert_table_used(const uint8_t *p, size_t n, size_t *used, struct eaa_err *err)
{
	struct rd r = rd_init(p, n);
	uint8_t guid[16];
	uint32_t off, l;
	size_t last = 0;
	bool end;

	for (unsigned i = 0;; i++) {
		if (!next_entry(&r, n, i, guid, &off, &l, &end, err))
			return false;
		if (end) {
			size_t entries = n - r.n;

			*used = i == 0 ? 0 : (last > entries ? last : entries);
			return true;
		}
		if (off + (size_t)l > last)
			last = off + (size_t)l;
	}
}
