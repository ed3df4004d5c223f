/* number.h - the exact value of a Rego number.
 *
 * OPA holds a number as the decimal text it was written or computed as,
 * and compares and computes on that exactly. Ours is an int64 fast path,
 * else a double that keeps its literal text (value.h). This file gives
 * the exact view of the text back: a decimal comparison for rv_compare,
 * and integers past int64 on OpenSSL's BIGNUM for the arithmetic,
 * aggregates, format_int and sprintf.
 *
 * Bounds, since numbers come from remote peers: a literal is at most
 * RV_NUM_MAX_TEXT characters (value.c), its magnitude below 2^100000 as
 * OPA's (RV_NUM_MAX_EXP10 decimal places either side), and integers are
 * exact up to RV_INT_MAX_DIGITS decimal digits: past that they are
 * computed on long doubles as the other non-integers, so no conversion or
 * product costs more than a few microseconds.
 *
 * Floating-point results (long doubles, OPA's big.Float of 64-bit
 * mantissa) become numbers with OPA's text in number_float.c. */
#ifndef EAA_REGO_NUMBER_H
#define EAA_REGO_NUMBER_H

#include <openssl/bn.h>
#include <stdbool.h>
#include <stddef.h>
#include "value.h"

#define RV_NUM_MAX_TEXT 4096
#define RV_NUM_MAX_EXP10 30102 /* 10^30102 < 2^100000 < 10^30103 */
#define RV_INT_MAX_DIGITS 1024
#define RV_INT_MAX_BITS 3402 /* 10^1024 < 2^3402 */

/* Whether a JSON number's text (already well-formed) has a magnitude
 * within the bound: false for 1e40000, true for 1e400 and 1e-400. */
bool rv_num_text_in_range(const char *s, size_t n);

/* Exact comparison of two numbers' values (1.0 == 1, 1e400 > 1e399,
 * 1e-400 > 0). */
int rv_num_cmp_exact(const struct rv *a, const struct rv *b);

/* Whether the value is negative (-0 is not). */
bool rv_num_negative(const struct rv *v);

/* The number as an integer, when it is one (4.0 and 1e30 are; with
 * trunc, 15.9 is 15) of at most max_digits digits: a new BIGNUM the
 * caller frees. NULL when it is not an integer, is longer, or allocation
 * failed (*nomem). */
BIGNUM *rv_num_to_bn(const struct rv *v, size_t max_digits, bool trunc,
		     bool *nomem);

/* Whether the number is zero, exactly (1e-400 is not). */
bool rv_num_is_zero(const struct rv *v);

/* Whether the number is an integer, exactly (1e30 and 4.0 are,
 * 18446744073709551616.5 is not). */
bool rv_num_is_integer(const struct rv *v);

/* Whether the number could be an exact integer: a cheap test before
 * rv_num_to_bn (false for 2.5). */
bool rv_num_maybe_integral(const struct rv *v);

/* bn as a number: an int64 when it fits, else its decimal digits as the
 * number's text. NULL when it has more than RV_INT_MAX_DIGITS digits
 * (*toobig) or the arena is exhausted. */
struct rv *rv_num_from_bn(struct rv_arena *a, const BIGNUM *bn, bool *toobig);

/* A long double result as OPA prints its big.Float: an int64 when it is
 * one, else its shortest digits as the number's text (the fewest that
 * read back as r at 64 bits of mantissa, or 53 for RV_LD_SHORTEST53),
 * all of them when integral (1e300 / 1 has 301) and 'g' form otherwise
 * (1.2345675e+06, 0.0001); RV_LD_EXACT prints an integral r with its
 * exact binary value's digits (OPA's round, ceil and floor set the
 * big.Float from a big.Int). NULL when the arena is exhausted or the
 * text is past RV_NUM_MAX_TEXT. */
enum rv_ld_form { RV_LD_SHORTEST, RV_LD_SHORTEST53, RV_LD_EXACT };
struct rv *rv_num_from_ld(struct rv_arena *a, long double r,
			  enum rv_ld_form form);

/* x rounded to a 53-bit mantissa, its exponent kept (OPA's product is a
 * big.Float of a float64's precision but of a big.Float's range). */
long double rv_ld_round53(long double x);

/* x * y rounded once to a 53-bit mantissa (x a 53-bit value). */
long double rv_ld_mul53(long double x, long double y);

/* The magnitude of bn in base 2, 8, 10 or 16 (digits from the table
 * given, e.g. "0123456789abcdef"): a malloc'd string the caller frees,
 * NULL on allocation failure. */
char *rv_bn_digits(const BIGNUM *bn, unsigned base, const char *digits);

#endif
