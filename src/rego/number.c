/* number.c - the exact value of a Rego number (number.h).
 *
 * Every number is seen as a decimal: a sign, its significant digits and
 * the place of the first one. The digits are read where they are (the
 * literal text, or a small buffer holding an int64 or a double's shortest
 * text), so comparing two numbers allocates nothing and is linear in
 * their length. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "number.h"

struct dec {
	const char *m;  /* the mantissa: digits with at most one '.' */
	size_t mlen;
	size_t dot;     /* index of the '.' in m, or mlen */
	size_t first;   /* index of the first nonzero digit (mlen: zero) */
	size_t nsig;    /* digits from the first to the last nonzero one */
	long exp;       /* value = 0.d1d2..dn * 10^exp */
	bool neg;
	char buf[40];
};

/* The k-th significant digit. */
static char dec_digit(const struct dec *d, size_t k)
{
	size_t at = d->first + k;

	if (d->first < d->dot && at >= d->dot)
		at++;
	return d->m[at];
}

/* s is a well-formed JSON number (value.c checked it) at most
 * RV_NUM_MAX_TEXT long, so the exponent is clamped only to keep the
 * arithmetic on exp in range. */
static void dec_parse(struct dec *d, const char *s, size_t n)
{
	size_t i = 0, last = 0, intlen;
	long e = 0;
	bool eneg = false;

	d->neg = n > 0 && s[0] == '-';
	if (d->neg)
		i++;
	d->m = s + i;
	while (i < n && s[i] != 'e' && s[i] != 'E')
		i++;
	d->mlen = (size_t)(s + i - d->m);
	if (i < n) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (e < 1000000000L)
				e = e * 10 + (s[i] - '0');
	}
	if (eneg)
		e = -e;
	d->dot = d->mlen;
	d->first = d->mlen;
	for (i = 0; i < d->mlen; i++) {
		if (d->m[i] == '.') {
			d->dot = i;
			continue;
		}
		if (d->m[i] != '0') {
			if (d->first == d->mlen)
				d->first = i;
			last = i;
		}
	}
	if (d->first == d->mlen) {
		d->nsig = 0;
		d->exp = 0;
		d->neg = false; /* -0 is 0 */
		return;
	}
	d->nsig = last - d->first + 1 -
		  (d->first < d->dot && last > d->dot ? 1 : 0);
	intlen = d->dot;
	if (d->first < d->dot)
		d->exp = (long)(intlen - d->first);
	else
		d->exp = -(long)(d->first - d->dot - 1);
	d->exp += e;
}

static void dec_of(struct dec *d, const struct rv *v)
{
	int n, prec;

	if (v->u.num.text) {
		dec_parse(d, v->u.num.text, strlen(v->u.num.text));
		return;
	}
	if (v->u.num.is_int) {
		n = snprintf(d->buf, sizeof(d->buf), "%lld", (long long)v->u.num.i);
	} else {
		/* a computed double is, to OPA, its shortest text */
		for (prec = 15; prec <= 17; prec++) {
			n = snprintf(d->buf, sizeof(d->buf), "%.*g", prec,
				     v->u.num.d);
			if (strtod(d->buf, NULL) == v->u.num.d)
				break;
		}
	}
	if (n < 0 || (size_t)n >= sizeof(d->buf))
		n = 0;
	dec_parse(d, d->buf, (size_t)n);
}

bool rv_num_text_in_range(const char *s, size_t n)
{
	struct dec d;

	dec_parse(&d, s, n);
	return d.nsig == 0 ||
	       (d.exp <= RV_NUM_MAX_EXP10 && d.exp >= -RV_NUM_MAX_EXP10);
}

static int dec_cmp(const struct dec *a, const struct dec *b)
{
	int sa = a->nsig == 0 ? 0 : a->neg ? -1 : 1;
	int sb = b->nsig == 0 ? 0 : b->neg ? -1 : 1;
	int mag = 0;
	size_t k;

	if (sa != sb)
		return (sa > sb) - (sa < sb);
	if (sa == 0)
		return 0;
	if (a->exp != b->exp) {
		mag = a->exp > b->exp ? 1 : -1;
	} else {
		for (k = 0; k < a->nsig && k < b->nsig && mag == 0; k++) {
			char x = dec_digit(a, k), y = dec_digit(b, k);

			mag = (x > y) - (x < y);
		}
		if (mag == 0)
			mag = (a->nsig > b->nsig) - (a->nsig < b->nsig);
	}
	return sa * mag;
}

int rv_num_cmp_exact(const struct rv *a, const struct rv *b)
{
	struct dec x, y;

	dec_of(&x, a);
	dec_of(&y, b);
	return dec_cmp(&x, &y);
}

bool rv_num_negative(const struct rv *v)
{
	struct dec d;

	if (v->u.num.is_int)
		return v->u.num.i < 0;
	if (!v->u.num.text)
		return v->u.num.d < 0;
	dec_parse(&d, v->u.num.text, strlen(v->u.num.text));
	return d.nsig != 0 && d.neg;
}

bool rv_num_is_zero(const struct rv *v)
{
	struct dec d;

	if (v->u.num.is_int)
		return v->u.num.i == 0;
	dec_of(&d, v);
	return d.nsig == 0;
}

bool rv_num_is_integer(const struct rv *v)
{
	struct dec d;

	if (v->u.num.is_int)
		return true;
	dec_of(&d, v);
	return d.nsig == 0 || d.exp >= (long)d.nsig;
}

bool rv_num_maybe_integral(const struct rv *v)
{
	double d = v->u.num.d;

	/* an infinite d is a literal past the doubles: its text decides */
	return v->u.num.is_int || d - d != 0 || d == floor(d);
}

BIGNUM *rv_num_to_bn(const struct rv *v, size_t max_digits, bool trunc,
		     bool *nomem)
{
	BIGNUM *bn = NULL;
	struct dec d;
	size_t n = 0, k, nint;
	char *buf;

	*nomem = false;
	if (v->u.num.is_int) {
		uint64_t mag = v->u.num.i < 0 ? 0 - (uint64_t)v->u.num.i :
						(uint64_t)v->u.num.i;

		if (!(bn = BN_new()) || !BN_set_word(bn, mag)) {
			BN_free(bn);
			*nomem = true;
			return NULL;
		}
		BN_set_negative(bn, v->u.num.i < 0);
		return bn;
	}
	dec_of(&d, v);
	if (d.nsig > 0 && d.exp > (long)max_digits)
		return NULL;
	if (d.nsig > 0 && d.exp < (long)d.nsig && !trunc)
		return NULL; /* a fraction */
	nint = d.nsig == 0 || d.exp <= 0 ? 0 : (size_t)d.exp;
	if (!(buf = malloc(nint + 3))) {
		*nomem = true;
		return NULL;
	}
	if (nint == 0) {
		buf[n++] = '0';
	} else {
		if (d.neg)
			buf[n++] = '-';
		for (k = 0; k < nint; k++)
			buf[n++] = k < d.nsig ? dec_digit(&d, k) : '0';
	}
	buf[n] = '\0';
	if (!BN_dec2bn(&bn, buf))
		*nomem = true;
	free(buf);
	return bn;
}

struct rv *rv_num_from_bn(struct rv_arena *a, const BIGNUM *bn, bool *toobig)
{
	char *dec;
	struct rv *v;
	size_t n;

	*toobig = false;
	if (BN_num_bits(bn) <= 63) {
		uint64_t mag = BN_get_word(bn);

		return rv_int(a, BN_is_negative(bn) ? -(int64_t)mag :
						      (int64_t)mag);
	}
	/* a cheap bound before the conversion */
	if (BN_num_bits(bn) > RV_INT_MAX_BITS) {
		*toobig = true;
		return NULL;
	}
	if (!(dec = BN_bn2dec(bn)))
		return NULL;
	n = strlen(dec);
	if (n - (dec[0] == '-') > RV_INT_MAX_DIGITS) {
		*toobig = true;
		v = NULL;
	} else {
		v = rv_number_text(a, dec, n);
	}
	OPENSSL_free(dec);
	return v;
}

char *rv_bn_digits(const BIGNUM *bn, unsigned base, const char *digits)
{
	unsigned char *bin;
	char *out, *dec;
	size_t nbytes, nbits, ndig, shift, k, i;

	if (base == 10) {
		if (!(dec = BN_bn2dec(bn)))
			return NULL;
		out = strdup(dec + (dec[0] == '-'));
		OPENSSL_free(dec);
		return out;
	}
	shift = base == 2 ? 1 : base == 8 ? 3 : 4;
	nbytes = (size_t)BN_num_bytes(bn);
	nbits = (size_t)BN_num_bits(bn);
	ndig = nbits ? (nbits + shift - 1) / shift : 1;
	bin = malloc(nbytes ? nbytes : 1);
	out = malloc(ndig + 1);
	if (!bin || !out) {
		free(bin);
		free(out);
		return NULL;
	}
	BN_bn2bin(bn, bin); /* big-endian magnitude */
	for (k = 0; k < ndig; k++) {
		unsigned val = 0;

		for (i = 0; i < shift; i++) {
			size_t bit = k * shift + i;

			if (bit < nbytes * 8 &&
			    (bin[nbytes - 1 - bit / 8] >> (bit % 8) & 1))
				val |= 1u << i;
		}
		out[ndig - 1 - k] = digits[val];
	}
	out[ndig] = '\0';
	free(bin);
	return out;
}
