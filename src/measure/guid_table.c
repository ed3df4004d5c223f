/* guid_table.c - find entries of an OVMF/TDVF image's GUIDed footer table
 * (guid_table.h). The image is untrusted: every size is checked against
 * what is left before it is used. */
#include <ctype.h>
#include <string.h>
#include "guid_table.h"

#define ENTRY_HEADER 18u  /* u16 size + 16-byte GUID */
#define RESET_VECTOR 32u

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool guid_from_string(const char *s, uint8_t out[16])
{
	/* text order of the 16 bytes; the first three fields are stored
	 * little-endian */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					   8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t text[16];
	size_t i, k = 0;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		hi = nibble(s[i]);
		lo = nibble(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		text[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	for (i = 0; i < 16; i++)
		out[order[i]] = text[i];
	return true;
}

/* The entry that ends where r ends: its data as a sub-reader, its GUID;
 * r shrinks to what comes before it. */
static bool take_last(struct rd *r, struct rd *data, uint8_t guid[16])
{
	struct rd head, before;
	uint16_t size;

	if (rd_left(r) < ENTRY_HEADER)
		return false;
	before = *r;
	head = *r;
	if (!rd_skip(&head, rd_left(r) - ENTRY_HEADER) || !rd_u16le(&head, &size) ||
	    !rd_bytes(&head, guid, 16))
		return false;
	if (size < ENTRY_HEADER || size > rd_left(r))
		return false;
	before.n = rd_left(r) - size;
	*data = rd_init(r->p + before.n, size - ENTRY_HEADER);
	*r = before;
	return true;
}

bool guid_table_open(struct guid_table *t, const uint8_t *img, size_t n,
		     struct eaa_err *err)
{
	uint8_t want[16], got[16];
	struct rd r, footer;

	if (n < RESET_VECTOR + ENTRY_HEADER)
		return eaa_fail(err, EAA_E_FORMAT,
				"image of %zu bytes is too short for a GUIDed footer table", n);
	guid_from_string(GUID_TABLE_FOOTER, want);
	r = rd_init(img, n - RESET_VECTOR);
	if (!take_last(&r, &footer, got) || memcmp(got, want, 16) != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"no GUIDed footer table (GUID " GUID_TABLE_FOOTER
				") %u bytes before the image's end", RESET_VECTOR + ENTRY_HEADER);
	t->entries = footer;
	return true;
}

bool guid_table_find(const struct guid_table *t, const char *guid,
		     const char *what, struct rd *data, struct eaa_err *err)
{
	uint8_t want[16], got[16];
	struct rd r = t->entries, d;

	if (!guid_from_string(guid, want))
		return eaa_fail(err, EAA_E_INVALID, "bad GUID text %s", guid);
	while (!rd_done(&r)) {
		if (!take_last(&r, &d, got))
			return eaa_fail(err, EAA_E_FORMAT,
					"GUIDed footer table: an entry's size does not fit, %zu bytes into the table",
					rd_left(&r));
		if (memcmp(got, want, 16) == 0) {
			*data = d;
			return true;
		}
	}
	return eaa_fail(err, EAA_E_CONFIG, "the image has no %s (GUID %s in its footer table)",
			what, guid);
}
