/* number_float.c - floating-point results as OPA prints them (number.h).
 *
 * OPA computes a non-integer result as a Go big.Float of 64-bit mantissa
 * (53 for product) and prints it with math/big's shortest-digit walk, all
 * integer digits when the value is integral. Ours is a long double, whose
 * mantissa is those 64 bits; the digits are found exactly on BIGNUM, as
 * math/big does, within a bounded exponent. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "number.h"

long double rv_ld_round53(long double x)
{
	int e;
	long double m = frexpl(x, &e);

	/* m is in [0.5, 1): as a double it keeps 53 bits and cannot
	 * overflow, whatever x's exponent */
	return x - x != 0 || x == 0 ? x : ldexpl((long double)(double)m, e);
}

long double rv_ld_mul53(long double x, long double y)
{
	long double hi = x * y, lo, m, t;
	int e;

	if (hi - hi != 0 || hi == 0)
		return hi;
	/* hi rounded to 64 bits may sit on a 53-bit midpoint the exact
	 * product is not on: the residual, exact by fma, says which way */
	lo = fmal(x, y, -hi);
	m = frexpl(hi, &e);
	t = ldexpl(m, 53);
	if (lo != 0 && t - floorl(t) == 0.5L)
		return ldexpl(lo > 0 ? ceill(t) : floorl(t), e - 53);
	return rv_ld_round53(hi);
}

/* A decimal as Go's math/big holds it: digits without trailing zeros,
 * value 0.d1d2... * 10^exp. */
struct gdec {
	char *mant; /* malloc'd */
	size_t n;
	long exp;
};

static char gdec_at(const struct gdec *d, size_t i)
{
	return i < d->n ? d->mant[i] : '0';
}

/* v * 2^e2 exactly (|e2| bounded by the caller); for e2 < 0, five is
 * 5^-e2, as v / 2^k is v * 5^k / 10^k. */
static bool gdec_init(struct gdec *d, const BIGNUM *v, int e2,
		      const BIGNUM *five, BN_CTX *ctx)
{
	BIGNUM *t = BN_dup(v);
	char *dec = NULL;
	long k = e2 < 0 ? -e2 : 0;
	bool ok = false;

	d->mant = NULL;
	if (!t || !(e2 >= 0 ? BN_lshift(t, t, e2) : BN_mul(t, t, five, ctx)) ||
	    !(dec = BN_bn2dec(t)))
		goto out;
	d->n = strlen(dec);
	d->exp = (long)d->n - k;
	while (d->n > 0 && dec[d->n - 1] == '0')
		d->n--;
	if ((d->mant = malloc(d->n + 1))) {
		memcpy(d->mant, dec, d->n);
		d->mant[d->n] = '\0';
		ok = true;
	}
out:
	OPENSSL_free(dec);
	BN_free(t);
	return ok;
}

/* Go's math/big roundShortest, which OPA's numbers are printed with: walk
 * x's digits until they part from both bounds of its rounding interval,
 * then round down, up or to the nearest as the bounds allow. It can keep
 * a digit more than the fewest that read back, so the bisection below
 * alone differs from it now and then. r is finite, nonzero, of prec bits.
 * The digits into digits, their count returned (0: not done, for the
 * bisection: allocation failed, or r is too far from 1 for this to stay
 * cheap). */
static size_t go_shortest(long double r, int prec, char *digits, size_t cap,
			  long *exp10)
{
	struct gdec x = { 0 }, lo = { 0 }, up = { 0 };
	BIGNUM *m = BN_new(), *b = BN_new(), *five = BN_new(), *k = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	long double mf;
	uint64_t mi;
	size_t n = 0, i, keep = 0;
	bool inclusive, okdown, okup, roundup = false;
	int e, e2;

	mf = frexpl(fabsl(r), &e);
	mi = (uint64_t)ldexpl(mf, prec); /* prec bits, exactly */
	e2 = e - prec - 1;               /* lsb of 2 * mi: half an ulp */
	inclusive = (mi & 1) == 0;
	if (!m || !b || !five || !k || !ctx || e2 > 2000 || e2 < -2000 ||
	    !BN_set_word(five, 5) || !BN_set_word(k, (BN_ULONG)(e2 < 0 ? -e2 : 0)) ||
	    !BN_exp(five, five, k, ctx) ||
	    !BN_set_word(m, (BN_ULONG)mi) || !BN_lshift1(m, m) ||
	    !gdec_init(&x, m, e2, five, ctx) || !BN_sub(b, m, BN_value_one()) ||
	    !gdec_init(&lo, b, e2, five, ctx) || !BN_add(b, m, BN_value_one()) ||
	    !gdec_init(&up, b, e2, five, ctx))
		goto out;
	keep = x.n;
	for (i = 0; i < x.n; i++) {
		char l = gdec_at(&lo, i), c = x.mant[i], u = gdec_at(&up, i);

		okdown = l != c || (inclusive && i + 1 == lo.n);
		okup = c != u && (inclusive || c + 1 < u || i + 1 < up.n);
		if (okdown && okup) {
			keep = i + 1;
			/* decimal.round: half to even only on a final 5 */
			roundup = keep < x.n &&
				  (x.mant[keep] == '5' && keep + 1 == x.n ?
				   ((x.mant[keep - 1] - '0') & 1) != 0 :
				   x.mant[keep] >= '5');
			break;
		}
		if (okdown || okup) {
			keep = i + 1;
			roundup = okup && !okdown;
			break;
		}
	}
	if (keep + 1 > cap)
		goto out;
	memcpy(digits, x.mant, keep);
	n = keep;
	*exp10 = x.exp - 1;
	if (roundup) {
		while (n > 0 && digits[n - 1] == '9')
			n--;
		if (n == 0) {
			digits[n++] = '1';
			(*exp10)++;
		} else {
			digits[n - 1]++;
		}
	}
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
out:
	free(x.mant);
	free(lo.mant);
	free(up.mant);
	BN_free(m);
	BN_free(b);
	BN_free(five);
	BN_free(k);
	BN_CTX_free(ctx);
	return n;
}

/* The fewest significant digits that read back as r (strtold rounds to
 * the same 64-bit mantissa, then to 53 bits for bits53): "d.ddd" in
 * *digits, without the point, and the decimal exponent of the first
 * digit. */
static size_t ld_shortest(long double r, bool bits53, char *digits, size_t cap,
			  long *exp10)
{
	char buf[64], *e;
	size_t n = 0, i;
	int lo = 0, hi = 20, mid;

	if (r != 0 && (n = go_shortest(r, bits53 ? 53 : 64, digits, cap, exp10)))
		return n;

	/* 21 digits always read back; a digit more never reads back worse,
	 * so the fewest are found by bisection */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		snprintf(buf, sizeof(buf), "%.*Le", mid, r);
		if ((bits53 ? rv_ld_round53(strtold(buf, NULL)) :
			      strtold(buf, NULL)) == r)
			hi = mid;
		else
			lo = mid + 1;
	}
	snprintf(buf, sizeof(buf), "%.*Le", lo, r);
	for (i = buf[0] == '-'; buf[i] && buf[i] != 'e' && n + 1 < cap; i++)
		if (buf[i] != '.')
			digits[n++] = buf[i];
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	e = strchr(buf, 'e');
	*exp10 = e ? strtol(e + 1, NULL, 10) : 0;
	return n;
}

struct rv *rv_num_from_ld(struct rv_arena *a, long double r,
			  enum rv_ld_form form)
{
	bool exact = form == RV_LD_EXACT;
	char dig[32], *out;
	size_t n, len, k, at = 0;
	long e, intlen;
	bool integral = r == truncl(r);
	struct rv *v;

	if (r == 0 && signbit(r))
		return rv_number_text(a, "-0", 2); /* big.Float keeps it */
	/* an int64 is all its digits at 64 bits; at 53, past 2^53 the
	 * shortest digits may end in zeros */
	if (integral && (form == RV_LD_SHORTEST53 ?
			 r >= -0x1p53L && r <= 0x1p53L :
			 r >= -0x1p63L && r < 0x1p63L))
		return rv_int(a, (int64_t)r);
	if (integral && exact) {
		/* a big.Float set from an integer holds all its digits */
		char big[RV_NUM_MAX_TEXT + 2];
		int m = snprintf(big, sizeof(big), "%.0Lf", r);

		if (m > 0 && (size_t)m <= RV_NUM_MAX_TEXT)
			return rv_number_text(a, big, (size_t)m);
	}
	n = ld_shortest(r, form == RV_LD_SHORTEST53, dig, sizeof(dig), &e);
	/* Go's big.Float text: every integer digit when integral ('f'),
	 * else 'g' with an exponent outside [-4, 6) */
	intlen = integral ? e + 1 : 0;
	len = (size_t)(integral ? intlen : (long)n + 40) + 8;
	if (integral && intlen > RV_NUM_MAX_TEXT - 1) {
		integral = false; /* past our literals: as 'g' */
		len = n + 40;
	}
	if (!(out = malloc(len)))
		return NULL;
	if (r < 0)
		out[at++] = '-';
	if (integral) {
		for (k = 0; k < (size_t)intlen; k++)
			out[at++] = k < n ? dig[k] : '0';
	} else if (e < -4 || e >= 6) {
		out[at++] = dig[0];
		if (n > 1)
			out[at++] = '.';
		for (k = 1; k < n; k++)
			out[at++] = dig[k];
		at += (size_t)snprintf(out + at, len - at, "e%c%02ld",
				       e < 0 ? '-' : '+', e < 0 ? -e : e);
	} else if (e < 0) {
		out[at++] = '0';
		out[at++] = '.';
		for (k = 0; k < (size_t)(-e - 1); k++)
			out[at++] = '0';
		for (k = 0; k < n; k++)
			out[at++] = dig[k];
	} else {
		for (k = 0; k <= (size_t)e; k++)
			out[at++] = k < n ? dig[k] : '0';
		if (n > (size_t)e + 1) {
			out[at++] = '.';
			for (k = (size_t)e + 1; k < n; k++)
				out[at++] = dig[k];
		}
	}
	v = rv_number_text(a, out, at);
	free(out);
	return v;
}
