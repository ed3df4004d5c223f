/* bytes.c - bounded reader and writer (see bytes.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "bytes.h"

static bool rd_take(struct rd *r, size_t n, const uint8_t **p)
{
	if (n > r->n)
		return false;
	*p = r->p;
	r->p += n;
	r->n -= n;
	return true;
}

bool rd_u8(struct rd *r, uint8_t *v)
{
	const uint8_t *p;

	if (!rd_take(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

#define RD_INT(name, type, size, expr)                  \
	bool name(struct rd *r, type *v)                \
	{                                               \
		const uint8_t *p;                       \
		if (!rd_take(r, size, &p))              \
			return false;                   \
		*v = (expr);                            \
		return true;                            \
	}

RD_INT(rd_u16le, uint16_t, 2, (uint16_t)(p[0] | p[1] << 8))
RD_INT(rd_u16be, uint16_t, 2, (uint16_t)(p[1] | p[0] << 8))
RD_INT(rd_u32le, uint32_t, 4,
       (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24)
RD_INT(rd_u32be, uint32_t, 4,
       (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[0] << 24)

bool rd_u64le(struct rd *r, uint64_t *v)
{
	struct rd save = *r;
	uint32_t lo, hi;

	if (!rd_u32le(r, &lo) || !rd_u32le(r, &hi)) {
		*r = save;
		return false;
	}
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

bool rd_bytes(struct rd *r, void *dst, size_t n)
{
	const uint8_t *p;

	if (!rd_take(r, n, &p))
		return false;
	if (n)
		memcpy(dst, p, n);
	return true;
}

bool rd_sub(struct rd *r, size_t n, struct rd *sub)
{
	const uint8_t *p;

	if (!rd_take(r, n, &p))
		return false;
	sub->p = p;
	sub->n = n;
	return true;
}

bool rd_skip(struct rd *r, size_t n)
{
	const uint8_t *p;

	return rd_take(r, n, &p);
}

bool rd_all_zero(const struct rd *r)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < r->n; i++)
		acc |= r->p[i];
	return acc == 0;
}

void wr_init(struct wr *w)
{
	memset(w, 0, sizeof(*w));
}

void wr_init_fixed(struct wr *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
	w->fixed = true;
}

uint8_t *wr_reserve(struct wr *w, size_t n)
{
	uint8_t *p;

	if (w->failed)
		return NULL;
	/* a writer with no buffer yet gets one even for nothing: a pointer
	 * into no buffer (NULL + 0) is undefined, and callers take NULL as
	 * failure */
	if (n > w->cap - w->len || !w->buf) {
		size_t cap = w->cap ? w->cap : 64;
		uint8_t *nbuf;

		if (w->fixed || n > SIZE_MAX / 2 - w->len)
			goto fail;
		while (cap - w->len < n)
			cap *= 2;
		/* Never realloc: the old buffer may hold secrets to wipe. */
		nbuf = malloc(cap);
		if (!nbuf)
			goto fail;
		if (w->len)
			memcpy(nbuf, w->buf, w->len);
		if (w->buf) {
			OPENSSL_cleanse(w->buf, w->len);
			free(w->buf);
		}
		w->buf = nbuf;
		w->cap = cap;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
fail:
	w->failed = true;
	return NULL;
}

bool wr_bytes(struct wr *w, const void *src, size_t n)
{
	uint8_t *p = wr_reserve(w, n);

	if (!p)
		return false;
	if (n)
		memcpy(p, src, n);
	return true;
}

bool wr_u8(struct wr *w, uint8_t v)
{
	return wr_bytes(w, &v, 1);
}

bool wr_u16le(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	return wr_bytes(w, b, 2);
}

bool wr_u16be(struct wr *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	return wr_bytes(w, b, 2);
}

bool wr_u32le(struct wr *w, uint32_t v)
{
	return wr_u16le(w, (uint16_t)v) && wr_u16le(w, (uint16_t)(v >> 16));
}

bool wr_u32be(struct wr *w, uint32_t v)
{
	return wr_u16be(w, (uint16_t)(v >> 16)) && wr_u16be(w, (uint16_t)v);
}

bool wr_u64le(struct wr *w, uint64_t v)
{
	return wr_u32le(w, (uint32_t)v) && wr_u32le(w, (uint32_t)(v >> 32));
}

uint8_t *wr_take(struct wr *w, size_t *len)
{
	uint8_t *p = w->buf;

	if (w->fixed || w->failed)
		return NULL;
	*len = w->len;
	wr_init(w);
	return p;
}

void wr_free(struct wr *w)
{
	if (w->buf)
		OPENSSL_cleanse(w->buf, w->fixed ? w->cap : w->len);
	if (!w->fixed)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
	w->failed = false;
}
