/* pb.c - protobuf fields of wire types 0, 1, 2 and 5 (see pb.h). */
#include "pb.h"

static bool rd_varint(struct rd *r, uint64_t *v)
{
	uint8_t b;

	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (!rd_u8(r, &b))
			return false;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

static void wr_varint(struct wr *w, uint64_t v)
{
	do {
		wr_u8(w, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
}

bool pb_get_bytes(const uint8_t *p, size_t n, uint32_t field,
		  const uint8_t **out, size_t *outn)
{
	struct rd r = rd_init(p, n), sub;
	uint64_t key, len;

	*out = (const uint8_t *)"";
	*outn = 0;
	while (!rd_done(&r)) {
		if (!rd_varint(&r, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!rd_varint(&r, &len))
				return false;
			break;
		case 1:
			if (!rd_skip(&r, 8))
				return false;
			break;
		case 5:
			if (!rd_skip(&r, 4))
				return false;
			break;
		case 2:
			if (!rd_varint(&r, &len) || len > rd_left(&r) ||
			    !rd_sub(&r, (size_t)len, &sub))
				return false;
			if ((key >> 3) == field) {
				*out = sub.p;
				*outn = sub.n;
			}
			break;
		default:
			return false;
		}
		if ((key >> 3) == field && (key & 7) != 2)
			return false;
	}
	return true;
}

void pb_put_bytes(struct wr *w, uint32_t field, const void *p, size_t n)
{
	wr_varint(w, (uint64_t)field << 3 | 2);
	wr_varint(w, n);
	wr_bytes(w, p, n);
}
