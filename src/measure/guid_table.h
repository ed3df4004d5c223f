/* guid_table.h - the GUIDed table at the end of an OVMF/TDVF image, where
 * the firmware tells the VMM where its SEV, SEV-SNP and TDX data sit.
 *
 * Layout (edk2 OvmfPkg/ResetVector, as sev-snp-measure's ovmf.py and
 * QEMU's pc_sysfw_ovmf.c read it): the image's last 32 bytes are the reset
 * vector; just before them is the footer entry, whose GUID is
 * 96b582de-1fb2-45f7-baea-a366c55a082d and whose size covers the whole
 * table. Every entry, the footer too, is its data, then a u16 little-endian
 * size (data plus these 18 bytes), then its GUID, so the table is walked
 * from the footer backwards. GUIDs are stored as EFI GUIDs (the first three
 * fields little-endian). */
#ifndef EAA_MEASURE_GUID_TABLE_H
#define EAA_MEASURE_GUID_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define GUID_TABLE_FOOTER "96b582de-1fb2-45f7-baea-a366c55a082d"

/* The table's bytes within an image (borrowed, not copied). */
struct guid_table {
	struct rd entries;       /* the entries before the footer */
};

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" as an EFI GUID's 16 bytes. */
bool guid_from_string(const char *s, uint8_t out[16]);

/* Find the table in img. Refused (EAA_E_FORMAT) when the footer GUID is
 * not where it belongs, or its size does not fit the image. */
bool guid_table_open(struct guid_table *t, const uint8_t *img, size_t n,
		     struct eaa_err *err);

/* The data of the entry named guid ("8-4-4-4-12" text), borrowed from the
 * image. Returns false with err->code EAA_E_CONFIG when the table has no
 * such entry (the message names the GUID and what, "SEV metadata"), or
 * EAA_E_FORMAT when an entry's size is impossible. */
bool guid_table_find(const struct guid_table *t, const char *guid,
		     const char *what, struct rd *data, struct eaa_err *err);

#endif
