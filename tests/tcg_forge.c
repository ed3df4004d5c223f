/* tcg_forge.c - TCG event logs for tests (see tcg_forge.h). */
#include <string.h>
#include "tcg_forge.h"

void tcg_forge_header(struct wr *w, uint32_t index, const char *sig, uint32_t nalg,
		      const uint16_t *algs, const uint16_t *sizes)
{
	uint8_t spec[24] = { 0 };

	memcpy(spec, sig, strnlen(sig, 16));
	spec[21] = 2;  /* specVersionMajor */
	spec[23] = 2;  /* uintnSize: 64-bit */
	wr_u32le(w, index);
	wr_u32le(w, 3);
	wr_bytes(w, (uint8_t[20]){ 0 }, 20);
	wr_u32le(w, 24 + 4 + 4 * nalg + 1);
	wr_bytes(w, spec, 24);
	wr_u32le(w, nalg);
	for (uint32_t i = 0; i < nalg; i++) {
		wr_u16le(w, algs[i]);
		wr_u16le(w, sizes[i]);
	}
	wr_u8(w, 0);
}

void tcg_forge_record(struct wr *w, uint32_t index, uint32_t type, uint16_t alg,
		      const uint8_t *digest, size_t size, const void *data, size_t len)
{
	wr_u32le(w, index);
	wr_u32le(w, type);
	wr_u32le(w, 1);
	wr_u16le(w, alg);
	wr_bytes(w, digest, size);
	wr_u32le(w, (uint32_t)len);
	wr_bytes(w, data, len);
}
