/* bytes.h - the one bounded reader and writer for untrusted bytes.
 *
 * A reader is a pointer and a length. Every read either succeeds and
 * advances, or fails (returns false) and leaves the reader where it was, so
 * parsers never index raw buffers or compute offsets by hand. Multi-byte
 * integers come in both byte orders: TEE structures are little-endian,
 * network framing big-endian.
 *
 * A writer appends to a growing heap buffer (or a fixed caller buffer). A
 * failed append latches `failed`, so a run of writes can be checked once. */
#ifndef EAA_BYTES_H
#define EAA_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
	const uint8_t *p;
	size_t n;
};

static inline struct rd rd_init(const void *p, size_t n)
{
	struct rd r = { (const uint8_t *)p, p ? n : 0 };
	return r;
}
static inline size_t rd_left(const struct rd *r) { return r->n; }
static inline bool rd_done(const struct rd *r) { return r->n == 0; }

bool rd_u8(struct rd *r, uint8_t *v);
bool rd_u16le(struct rd *r, uint16_t *v);
bool rd_u32le(struct rd *r, uint32_t *v);
bool rd_u64le(struct rd *r, uint64_t *v);
bool rd_u16be(struct rd *r, uint16_t *v);
bool rd_u32be(struct rd *r, uint32_t *v);
/* Copy n bytes out. */
bool rd_bytes(struct rd *r, void *dst, size_t n);
/* Borrow the next n bytes as a sub-reader (no copy). */
bool rd_sub(struct rd *r, size_t n, struct rd *sub);
bool rd_skip(struct rd *r, size_t n);
/* True when every remaining byte is zero (reserved fields). */
bool rd_all_zero(const struct rd *r);

struct wr {
	uint8_t *buf;
	size_t len, cap;
	bool fixed;  /* caller's buffer: never grown or freed */
	bool failed; /* an append did not fit or allocation failed */
};

void wr_init(struct wr *w);
void wr_init_fixed(struct wr *w, void *buf, size_t cap);
bool wr_u8(struct wr *w, uint8_t v);
bool wr_u16le(struct wr *w, uint16_t v);
bool wr_u32le(struct wr *w, uint32_t v);
bool wr_u64le(struct wr *w, uint64_t v);
bool wr_u16be(struct wr *w, uint16_t v);
bool wr_u32be(struct wr *w, uint32_t v);
bool wr_bytes(struct wr *w, const void *src, size_t n);
/* Reserve n bytes and return where to fill them, or NULL. */
uint8_t *wr_reserve(struct wr *w, size_t n);
/* Hand the heap buffer to the caller (who frees it); w becomes empty. */
uint8_t *wr_take(struct wr *w, size_t *len);
/* Wipe and free (heap writers); wipe only (fixed writers). */
void wr_free(struct wr *w);

#endif
