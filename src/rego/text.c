/* text.c - text helpers shared by the string, sprintf and regex built-ins:
 * the bounded output buffer, Go's UTF-8 decoding, Unicode properties from
 * PCRE2, operand checks and integer digits (see text.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "number.h"
#include "text.h"

/* ---- output buffer ---- */

void sb_init(struct sbuf *b, const struct rv_arena *a)
{
	memset(b, 0, sizeof(*b));
	b->max = SIZE_MAX / 4;
	if (a->limit)
		b->max = a->limit > a->used ? a->limit - a->used : 0;
}

bool sb_room(struct sbuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len > b->max - n) {
		b->failed = true;
		return false;
	}
	if (b->len + n < b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap <= b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (n && sb_room(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

void sb_putc(struct sbuf *b, char c)
{
	sb_put(b, &c, 1);
}

void sb_fill(struct sbuf *b, char c, size_t n)
{
	if (n && sb_room(b, n)) {
		memset(b->p + b->len, c, n);
		b->len += n;
	}
}

void sb_init_like(struct sbuf *b, const struct sbuf *like)
{
	memset(b, 0, sizeof(*b));
	b->max = like->max;
}

void sb_free(struct sbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

enum rb_status sb_result(struct rb_ctx *c, struct sbuf *b, struct rv **out)
{
	if (b->failed) {
		sb_free(b);
		return rb_nomem(c);
	}
	*out = rv_string(c->arena, b->p ? b->p : "", b->len);
	sb_free(b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- UTF-8, as Go's unicode/utf8 ---- */

size_t utf8_decode(const char *str, size_t n, uint32_t *r)
{
	*r = RUNE_ERROR;
	return n ? rv_utf8_decode(str, n, r) : 0;
}

bool rune_valid(uint32_t r)
{
	return r <= MAX_RUNE && (r < 0xD800 || r > 0xDFFF);
}

/* Encode r (U+FFFD if not a valid rune); returns the length. */
static size_t utf8_encode(uint32_t r, char *out)
{
	return utf8_put(rune_valid(r) ? r : RUNE_ERROR, out);
}

void sb_rune(struct sbuf *b, uint32_t r)
{
	char tmp[4];

	sb_put(b, tmp, utf8_encode(r, tmp));
}

size_t rune_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	uint32_t r;

	while (i < n) {
		i += utf8_decode(s + i, n - i, &r);
		count++;
	}
	return count;
}

/* ---- Unicode properties ---- */

bool uprop(struct uprops *u, int which, uint32_t r)
{
	static const char *const pat[] = {
		"[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}]", /* IsPrint, less ' ' */
		"[\\p{L}\\p{Nd}_]",                 /* a $name in a template */
	};
	char enc[4];
	PCRE2_SIZE eo;
	int i, ec;

	if (!u->tried) {
		u->tried = true;
		for (i = 0; i < 2; i++)
			u->re[i] = pcre2_compile((PCRE2_SPTR)pat[i],
						 PCRE2_ZERO_TERMINATED,
						 PCRE2_UTF | PCRE2_ANCHORED,
						 &ec, &eo, NULL);
		u->md = pcre2_match_data_create(1, NULL);
	}
	/* Without tables, printing a rune raw is the safe guess. */
	if (!u->re[which] || !u->md)
		return which == UP_PRINT;
	return pcre2_match(u->re[which], (PCRE2_SPTR)enc, utf8_encode(r, enc),
			   0, 0, u->md, NULL) >= 0;
}

void uprops_free(struct uprops *u)
{
	pcre2_code_free(u->re[0]);
	pcre2_code_free(u->re[1]);
	pcre2_match_data_free(u->md);
}

/* ---- operands and results ---- */

enum rb_status want_strings(struct rb_ctx *c, struct rv *const *args,
			    unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!rv_is(args[i], RV_STRING))
			return rb_type_error(c, i + 1, "string", args[i]);
	return RB_OK;
}

enum rb_status want_int(struct rb_ctx *c, const struct rv *v, unsigned i,
			int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (!rv_num_index(v, out)) {
		rb_error(c, "operand %u must be integer number but got "
			 "floating-point number", i);
		return RB_TYPE_ERROR;
	}
	return RB_OK;
}

enum rb_status ok_array(struct rb_ctx *c, struct rv_builder *b,
			struct rv **out)
{
	*out = rv_array_finish(b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- integers in bases 2, 8, 10 and 16 ---- */

const char lower_digits[] = "0123456789abcdefx";
const char upper_digits[] = "0123456789ABCDEFX";

size_t u64_digits(uint64_t u, unsigned base, const char *digits, char *buf,
		  size_t size)
{
	size_t i = size;

	do {
		buf[--i] = digits[u % base];
		u /= base;
	} while (u);
	return i;
}

void big_digits(struct sbuf *b, double d, unsigned base, const char *digits)
{
	uint32_t limb[40] = { 0 };
	char tmp[1100];
	size_t k = sizeof(tmp);
	uint64_t m, lo, cur, rem;
	int e, nl, i, q, s;

	m = (uint64_t)ldexp(frexp(fabs(d), &e), 53);
	e -= 53;
	if (e < 0) { /* not reached for |d| >= 2^63; keep it safe */
		m >>= -e;
		e = 0;
	}
	q = e / 32;
	s = e % 32;
	lo = m << s;
	limb[q] = (uint32_t)lo;
	limb[q + 1] = (uint32_t)(lo >> 32);
	limb[q + 2] = s ? (uint32_t)(m >> (64 - s)) : 0;
	nl = q + 3;
	while (nl > 0 && limb[nl - 1] == 0)
		nl--;
	if (nl == 0)
		tmp[--k] = '0';
	while (nl > 0) {
		rem = 0;
		for (i = nl - 1; i >= 0; i--) {
			cur = rem << 32 | limb[i];
			limb[i] = (uint32_t)(cur / base);
			rem = cur % base;
		}
		tmp[--k] = digits[rem];
		while (nl > 0 && limb[nl - 1] == 0)
			nl--;
	}
	sb_put(b, tmp + k, sizeof(tmp) - k);
}

bool num_trunc(const struct rv *v, int64_t *i, double *big)
{
	double d;

	if (v->u.num.is_int) {
		*i = v->u.num.i;
		return true;
	}
	d = trunc(v->u.num.d);
	/* digits that are not an int64 are past it, even where their double
	 * rounds to -2^63 */
	if (v->u.num.text && !strpbrk(v->u.num.text, ".eE")) {
		*big = d;
		return false;
	}
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
		*i = (int64_t)d;
		return true;
	}
	*big = d;
	return false;
}

/* The digits of bn's magnitude, appended: as num_int_digits. */
static int bn_digits_put(struct sbuf *b, const BIGNUM *bn, unsigned base,
			 const char *digits)
{
	char *s = rv_bn_digits(bn, base, digits);

	if (!s)
		return 0;
	sb_puts(b, s);
	free(s);
	return 1;
}

/* OPA reads a number written with a fraction or an exponent as a
 * big.Float of 64-bit mantissa, then truncates it: format_int(4.837e146,
 * 16) has 16 significant hex digits. */
static int ld_int_digits(struct sbuf *b, const char *text, unsigned base,
			 const char *digits)
{
	long double x = truncl(strtold(text, NULL));
	char dec[RV_NUM_MAX_TEXT + 2];
	BIGNUM *bn = NULL;
	int n, r;

	if (x - x != 0)
		return -1; /* past the long doubles */
	n = snprintf(dec, sizeof(dec), "%.0Lf", fabsl(x));
	if (n <= 0 || (size_t)n >= sizeof(dec))
		return -1;
	if (base == 10) {
		sb_puts(b, dec);
		return 1;
	}
	if (!BN_dec2bn(&bn, dec))
		return 0;
	r = bn_digits_put(b, bn, base, digits);
	BN_free(bn);
	return r;
}

int num_int_digits(struct sbuf *b, const struct rv *v, unsigned base,
		   const char *digits)
{
	char buf[72];
	double big;
	int64_t i;
	BIGNUM *bn;
	bool nomem;
	size_t at;
	int r;

	if (v->u.num.text && strpbrk(v->u.num.text, ".eE"))
		return ld_int_digits(b, v->u.num.text, base, digits);
	if (num_trunc(v, &i, &big)) {
		uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;

		at = u64_digits(u, base, digits, buf, sizeof(buf));
		sb_put(b, buf + at, sizeof(buf) - at);
		return 1;
	}
	if (!v->u.num.text) { /* a computed double: its own digits */
		big_digits(b, big, base, digits);
		return 1;
	}
	bn = rv_num_to_bn(v, RV_NUM_MAX_TEXT, true, &nomem);
	if (!bn)
		return nomem ? 0 : -1;
	r = bn_digits_put(b, bn, base, digits);
	BN_free(bn);
	return r;
}
