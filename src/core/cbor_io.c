/* cbor_io.c - strict definite-length CBOR over struct rd / struct wr. */
#include <string.h>
#include <cbor.h>
#include "cbor_io.h"

const char *cbor_kind_name(enum cbor_kind k)
{
	static const char *const names[] = {
		"unsigned integer", "negative integer", "byte string",
		"text string",      "array",            "map",
		"tag",              "simple value",     "indefinite-length item",
	};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

static void on_int(void *ctx, uint64_t v, enum cbor_kind k)
{
	struct cbor_item *it = ctx;

	it->kind = k;
	it->val = v;
}
static void cb_u8(void *c, uint8_t v) { on_int(c, v, CBOR_K_UINT); }
static void cb_u16(void *c, uint16_t v) { on_int(c, v, CBOR_K_UINT); }
static void cb_u32(void *c, uint32_t v) { on_int(c, v, CBOR_K_UINT); }
static void cb_u64(void *c, uint64_t v) { on_int(c, v, CBOR_K_UINT); }
static void cb_n8(void *c, uint8_t v) { on_int(c, v, CBOR_K_NEGINT); }
static void cb_n16(void *c, uint16_t v) { on_int(c, v, CBOR_K_NEGINT); }
static void cb_n32(void *c, uint32_t v) { on_int(c, v, CBOR_K_NEGINT); }
static void cb_n64(void *c, uint64_t v) { on_int(c, v, CBOR_K_NEGINT); }
static void cb_tag(void *c, uint64_t v) { on_int(c, v, CBOR_K_TAG); }
static void cb_array(void *c, size_t n) { on_int(c, n, CBOR_K_ARRAY); }
static void cb_map(void *c, size_t n) { on_int(c, n, CBOR_K_MAP); }
static void cb_indef(void *c) { on_int(c, 0, CBOR_K_INDEF); }
static void cb_simple(void *c) { on_int(c, 0, CBOR_K_SIMPLE); }
static void cb_bool(void *c, bool v) { on_int(c, v, CBOR_K_SIMPLE); }
static void cb_float(void *c, float v) { (void)v; on_int(c, 0, CBOR_K_SIMPLE); }
static void cb_double(void *c, double v) { (void)v; on_int(c, 0, CBOR_K_SIMPLE); }

static void on_str(void *ctx, const unsigned char *p, size_t n,
		   enum cbor_kind k)
{
	struct cbor_item *it = ctx;

	it->kind = k;
	it->val = n;
	it->data = rd_init(p, n);
}
static void cb_bstr(void *c, cbor_data p, size_t n) { on_str(c, p, n, CBOR_K_BSTR); }
static void cb_tstr(void *c, cbor_data p, size_t n) { on_str(c, p, n, CBOR_K_TSTR); }

static const struct cbor_callbacks callbacks = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_n8, .negint16 = cb_n16, .negint32 = cb_n32,
	.negint64 = cb_n64,
	.byte_string_start = cb_indef, .byte_string = cb_bstr,
	.string_start = cb_indef, .string = cb_tstr,
	.indef_array_start = cb_indef, .array_start = cb_array,
	.indef_map_start = cb_indef, .map_start = cb_map,
	.tag = cb_tag,
	.float2 = cb_float, .float4 = cb_float, .float8 = cb_double,
	.undefined = cb_simple, .null = cb_simple, .boolean = cb_bool,
	.indef_break = cb_indef,
};

bool cbor_next(struct rd *r, struct cbor_item *it)
{
	struct cbor_decoder_result res;
	struct cbor_item tmp = { .kind = CBOR_K_INDEF };

	if (rd_done(r))
		return false;
	res = cbor_stream_decode(r->p, r->n, &callbacks, &tmp);
	if (res.status != CBOR_DECODER_FINISHED || res.read == 0 ||
	    res.read > r->n || tmp.kind == CBOR_K_INDEF)
		return false;
	/* libcbor reports lengths as uint64; they must fit what we consumed. */
	if ((tmp.kind == CBOR_K_BSTR || tmp.kind == CBOR_K_TSTR) &&
	    tmp.data.n > res.read)
		return false;
	*it = tmp;
	return rd_skip(r, res.read);
}

bool cbor_expect(struct rd *r, enum cbor_kind k, struct cbor_item *it)
{
	struct rd save = *r;

	if (!cbor_next(r, it) || it->kind != k) {
		*r = save;
		return false;
	}
	return true;
}

bool cbor_skip(struct rd *r, unsigned max_depth)
{
	struct rd save = *r;
	struct cbor_item it;
	uint64_t children;

	if (!cbor_next(r, &it))
		goto fail;
	switch (it.kind) {
	case CBOR_K_ARRAY:
		children = it.val;
		break;
	case CBOR_K_MAP:
		if (it.val > UINT64_MAX / 2)
			goto fail;
		children = it.val * 2;
		break;
	case CBOR_K_TAG:
		children = 1;
		break;
	default:
		return true;
	}
	if (max_depth == 0)
		goto fail;
	/* Each child takes at least one byte: refuse counts the input can't hold
	 * before looping over them. */
	if (children > rd_left(r))
		goto fail;
	for (uint64_t i = 0; i < children; i++)
		if (!cbor_skip(r, max_depth - 1))
			goto fail;
	return true;
fail:
	*r = save;
	return false;
}

static bool put_head(struct wr *w, size_t (*enc)(uint64_t, unsigned char *, size_t),
		     uint64_t v)
{
	unsigned char head[9];
	size_t n = enc(v, head, sizeof(head));

	if (!n) {
		w->failed = true;
		return false;
	}
	return wr_bytes(w, head, n);
}

static size_t enc_uint(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_uint(v, b, n); }
static size_t enc_tag(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_tag(v, b, n); }
static size_t enc_array(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_array_start((size_t)v, b, n); }
static size_t enc_map(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_map_start((size_t)v, b, n); }
static size_t enc_bstr(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_bytestring_start((size_t)v, b, n); }
static size_t enc_tstr(uint64_t v, unsigned char *b, size_t n) { return cbor_encode_string_start((size_t)v, b, n); }

bool cbor_put_uint(struct wr *w, uint64_t v) { return put_head(w, enc_uint, v); }
bool cbor_put_tag(struct wr *w, uint64_t tag) { return put_head(w, enc_tag, tag); }
bool cbor_put_array(struct wr *w, size_t n) { return put_head(w, enc_array, n); }
bool cbor_put_map(struct wr *w, size_t n) { return put_head(w, enc_map, n); }

bool cbor_put_bstr(struct wr *w, const void *p, size_t n)
{
	return put_head(w, enc_bstr, n) && wr_bytes(w, p, n);
}

bool cbor_put_tstr(struct wr *w, const char *s)
{
	size_t n = strlen(s);

	return put_head(w, enc_tstr, n) && wr_bytes(w, s, n);
}
