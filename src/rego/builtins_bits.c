/* builtins_bits.c - bits.and, bits.or, bits.xor, bits.negate, bits.lsh and
 * bits.rsh.
 *
 * Owns rb_bits_defs. OPA computes these on Go's big.Int, so operands and
 * results are integers of any size, negative ones behaving as infinite
 * two's complement (bits.negate(42) is -43, bits.rsh(-7, 1) is -4), and
 * bits.lsh(9223372036854775807, 1) does not overflow. Here a small
 * sign-and-magnitude integer of 32-bit limbs does the same; a result that
 * does not fit an int64 is written as its decimal digits (how the engine
 * keeps an integer literal it cannot hold exactly). Results are bounded
 * (BITS_MAX bits), where OPA would allocate whatever a shift asks for. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "builtins.h"

/* Largest result, in bits: its digits must fit a number literal (4096). */
#define BITS_MAX 13000u

struct big {
	uint32_t *w; /* magnitude, least significant limb first */
	size_t n;    /* limbs in use, no leading zero limbs */
	bool neg;
};

static void big_trim(struct big *b)
{
	while (b->n && !b->w[b->n - 1])
		b->n--;
	if (!b->n)
		b->neg = false;
}

static bool big_alloc(struct rb_ctx *c, struct big *b, size_t n)
{
	b->w = rv_alloc(c->arena, (n ? n : 1) * sizeof(*b->w));
	b->n = n;
	b->neg = false;
	return b->w != NULL;
}

static bool big_from_u64(struct rb_ctx *c, struct big *b, uint64_t u, bool neg)
{
	if (!big_alloc(c, b, 2))
		return false;
	b->w[0] = (uint32_t)u;
	b->w[1] = (uint32_t)(u >> 32);
	b->neg = neg;
	big_trim(b);
	return true;
}

/* b = b * m + a, growing b by a limb (b has room). */
static void big_muladd(struct big *b, uint32_t m, uint32_t a)
{
	uint64_t carry = a;
	size_t i;

	for (i = 0; i < b->n; i++) {
		uint64_t t = (uint64_t)b->w[i] * m + carry;

		b->w[i] = (uint32_t)t;
		carry = t >> 32;
	}
	if (carry)
		b->w[b->n++] = (uint32_t)carry;
}

/* OPA's BigIntOperand: an integral number, of any size. */
static enum rb_status big_operand(struct rb_ctx *c, unsigned i,
				  const struct rv *v, struct big *b)
{
	const char *t;
	size_t k, len;
	double d, m;
	int e;

	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (v->u.num.is_int) {
		int64_t x = v->u.num.i;

		return big_from_u64(c, b, x < 0 ? -(uint64_t)x : (uint64_t)x, x < 0) ?
		       RB_OK : rb_nomem(c);
	}
	t = v->u.num.text;
	if (t) {
		/* a big integer literal: exact from its digits */
		len = strlen(t);
		k = t[0] == '-';
		if (len > k && strspn(t + k, "0123456789") == len - k) {
			if (!big_alloc(c, b, len / 9 + 2))
				return rb_nomem(c);
			b->n = 0;
			for (; k < len; k++)
				big_muladd(b, 10, (uint32_t)(t[k] - '0'));
			b->neg = t[0] == '-';
			big_trim(b);
			return RB_OK;
		}
	}
	d = v->u.num.d;
	if (!isfinite(d) || d != floor(d)) {
		rb_error(c, "operand %u must be integer number but got floating-point number",
			 i);
		return RB_TYPE_ERROR;
	}
	/* an integral double: its 53-bit mantissa shifted into place */
	m = frexp(fabs(d), &e);
	if (!big_from_u64(c, b, (uint64_t)ldexp(m, 53), d < 0))
		return rb_nomem(c);
	e -= 53;
	if (e < 0) {
		uint64_t u = (uint64_t)ldexp(m, 53) >> -e;

		return big_from_u64(c, b, u, d < 0) ? RB_OK : rb_nomem(c);
	}
	{
		struct big s;
		size_t limbs = (size_t)e / 32, bits = (size_t)e % 32, j;

		if (!big_alloc(c, &s, b->n + limbs + 1))
			return rb_nomem(c);
		memset(s.w, 0, s.n * sizeof(*s.w));
		for (j = 0; j < b->n; j++) {
			uint64_t x = (uint64_t)b->w[j] << bits;

			s.w[j + limbs] |= (uint32_t)x;
			s.w[j + limbs + 1] |= (uint32_t)(x >> 32);
		}
		s.neg = d < 0;
		big_trim(&s);
		*b = s;
	}
	return RB_OK;
}

/* Limb i of b in two's complement (sign-extended without end). */
static uint32_t twos_limb(const struct big *b, size_t i, bool *borrow)
{
	uint32_t m = i < b->n ? b->w[i] : 0;

	if (!b->neg)
		return m;
	/* -m = ~m + 1, the +1 carried from the lowest limb */
	m = ~m;
	if (*borrow) {
		m++;
		*borrow = m == 0;
	}
	return m;
}

enum bits_op { OP_AND, OP_OR, OP_XOR };

static enum rb_status big_logic(struct rb_ctx *c, const struct big *a,
				const struct big *b, enum bits_op op,
				struct big *r)
{
	size_t n = (a->n > b->n ? a->n : b->n) + 1, i;
	bool ca = true, cb = true, cr = true, sa, sb, sr;

	if (!big_alloc(c, r, n))
		return rb_nomem(c);
	sa = a->neg;
	sb = b->neg;
	sr = op == OP_AND ? sa && sb : op == OP_OR ? sa || sb : sa != sb;
	for (i = 0; i < n; i++) {
		uint32_t x = twos_limb(a, i, &ca), y = twos_limb(b, i, &cb), z;

		z = op == OP_AND ? x & y : op == OP_OR ? x | y : x ^ y;
		if (sr) {
			/* back to a magnitude: ~z + 1 */
			z = ~z;
			if (cr) {
				z++;
				cr = z == 0;
			}
		}
		r->w[i] = z;
	}
	r->neg = sr;
	big_trim(r);
	return RB_OK;
}

/* |b| + 1 or |b| - 1 (|b| > 0 for the latter), into a fresh big. */
static bool big_step(struct rb_ctx *c, const struct big *b, bool up,
		     struct big *r)
{
	size_t i;

	if (!big_alloc(c, r, b->n + 1))
		return false;
	memcpy(r->w, b->w, b->n * sizeof(*b->w));
	r->w[b->n] = 0;
	for (i = 0; i <= b->n; i++) {
		if (up ? ++r->w[i] != 0 : r->w[i]-- != 0)
			break;
	}
	r->neg = b->neg;
	big_trim(r);
	return true;
}

static size_t big_bits(const struct big *b)
{
	size_t n = b->n ? 32 * (b->n - 1) : 0;
	uint32_t top = b->n ? b->w[b->n - 1] : 0;

	while (top) {
		n++;
		top >>= 1;
	}
	return n;
}

static bool big_shl(struct rb_ctx *c, const struct big *b, size_t s,
		    struct big *r)
{
	size_t limbs = s / 32, bits = s % 32, j;

	if (!big_alloc(c, r, b->n + limbs + 1))
		return false;
	memset(r->w, 0, r->n * sizeof(*r->w));
	for (j = 0; j < b->n; j++) {
		uint64_t x = (uint64_t)b->w[j] << bits;

		r->w[j + limbs] |= (uint32_t)x;
		r->w[j + limbs + 1] |= (uint32_t)(x >> 32);
	}
	r->neg = b->neg;
	big_trim(r);
	return true;
}

static bool big_shr(struct rb_ctx *c, const struct big *b, uint64_t s,
		    struct big *r)
{
	size_t limbs, bits, j;

	if (s >= 32 * (uint64_t)b->n)
		return big_from_u64(c, r, 0, false);
	limbs = (size_t)(s / 32);
	bits = (size_t)(s % 32);
	if (!big_alloc(c, r, b->n - limbs))
		return false;
	for (j = 0; j < r->n; j++) {
		uint64_t x = b->w[j + limbs];

		if (j + limbs + 1 < b->n)
			x |= (uint64_t)b->w[j + limbs + 1] << 32;
		r->w[j] = (uint32_t)(x >> bits);
	}
	big_trim(r);
	return true;
}

/* The number: an int64, or the decimal digits of a bigger one. */
static enum rb_status big_result(struct rb_ctx *c, struct big *b,
				 struct rv **out)
{
	char *digits, *p;
	size_t cap, n;
	uint64_t u;

	big_trim(b);
	if (big_bits(b) > BITS_MAX)
		return rb_error(c, "result exceeds %u bits", BITS_MAX);
	if (b->n <= 2) {
		u = b->n ? b->w[0] | (b->n > 1 ? (uint64_t)b->w[1] << 32 : 0) : 0;
		if (!b->neg && u <= INT64_MAX)
			*out = rv_int(c->arena, (int64_t)u);
		else if (b->neg && u <= (uint64_t)INT64_MAX + 1)
			*out = rv_int(c->arena, u == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
					       -(int64_t)u);
		else
			goto digits;
		return *out ? RB_OK : rb_nomem(c);
	}
digits:
	/* 10 digits per limb suffice; divide by 10^9 repeatedly */
	cap = 10 * b->n + 2;
	if (!(digits = rv_alloc(c->arena, cap)))
		return rb_nomem(c);
	p = digits + cap;
	n = b->n;
	while (n) {
		uint64_t rem = 0;
		size_t i;
		int k;

		for (i = n; i-- > 0;) {
			uint64_t cur = rem << 32 | b->w[i];

			b->w[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (n && !b->w[n - 1])
			n--;
		for (k = 0; k < 9 && (n || rem); k++) {
			*--p = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (b->neg)
		*--p = '-';
	*out = rv_number_text(c->arena, p, (size_t)(digits + cap - p));
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bits2(struct rb_ctx *c, struct rv *const *args,
			    struct rv **out, enum bits_op op)
{
	struct big a, b, r;
	enum rb_status st;

	if ((st = big_operand(c, 1, args[0], &a)) != RB_OK ||
	    (st = big_operand(c, 2, args[1], &b)) != RB_OK ||
	    (st = big_logic(c, &a, &b, op, &r)) != RB_OK)
		return st;
	return big_result(c, &r, out);
}

static enum rb_status bi_and(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return bits2(c, args, out, OP_AND);
}

static enum rb_status bi_or(struct rb_ctx *c, struct rv *const *args,
			    struct rv **out)
{
	return bits2(c, args, out, OP_OR);
}

static enum rb_status bi_xor(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return bits2(c, args, out, OP_XOR);
}

static enum rb_status bi_negate(struct rb_ctx *c, struct rv *const *args,
				struct rv **out)
{
	struct big a, r;
	enum rb_status st;

	if ((st = big_operand(c, 1, args[0], &a)) != RB_OK)
		return st;
	/* ^a = -a - 1: -(|a| + 1) for a >= 0, |a| - 1 for a < 0 */
	if (!big_step(c, &a, !a.neg, &r))
		return rb_nomem(c);
	r.neg = !a.neg && r.n;
	return big_result(c, &r, out);
}

static enum rb_status shift_operands(struct rb_ctx *c, struct rv *const *args,
				     struct big *a, uint64_t *s)
{
	struct big b;
	enum rb_status st;

	if ((st = big_operand(c, 1, args[0], a)) != RB_OK ||
	    (st = big_operand(c, 2, args[1], &b)) != RB_OK)
		return st;
	if (b.neg) {
		rb_error(c, "operand 2 must be an unsigned integer number but got a negative integer");
		return RB_TYPE_ERROR;
	}
	/* Go takes the low 64 bits of the shift */
	*s = b.n ? b.w[0] | (b.n > 1 ? (uint64_t)b.w[1] << 32 : 0) : 0;
	return RB_OK;
}

static enum rb_status bi_lsh(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	struct big a, r;
	uint64_t s;
	enum rb_status st;

	if ((st = shift_operands(c, args, &a, &s)) != RB_OK)
		return st;
	if (a.n && (s > BITS_MAX || big_bits(&a) + s > BITS_MAX))
		return rb_error(c, "result exceeds %u bits", BITS_MAX);
	if (!a.n)
		return big_result(c, &a, out);
	if (!big_shl(c, &a, (size_t)s, &r))
		return rb_nomem(c);
	return big_result(c, &r, out);
}

static enum rb_status bi_rsh(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	struct big a, t, r, q;
	uint64_t s;
	enum rb_status st;

	if ((st = shift_operands(c, args, &a, &s)) != RB_OK)
		return st;
	if (!a.neg) {
		if (!big_shr(c, &a, s, &r))
			return rb_nomem(c);
		return big_result(c, &r, out);
	}
	/* rounds toward minus infinity: -(((|a| - 1) >> s) + 1) */
	a.neg = false;
	if (!big_step(c, &a, false, &t) || !big_shr(c, &t, s, &q) ||
	    !big_step(c, &q, true, &r))
		return rb_nomem(c);
	r.neg = true;
	return big_result(c, &r, out);
}

const struct rb_def rb_bits_defs[] = {
	{ "bits.and", 2, bi_and },
	{ "bits.lsh", 2, bi_lsh },
	{ "bits.negate", 1, bi_negate },
	{ "bits.or", 2, bi_or },
	{ "bits.rsh", 2, bi_rsh },
	{ "bits.xor", 2, bi_xor },
	{ NULL, 0, NULL },
};
