/* builtins_core.c - the core built-ins: the comparison and arithmetic
 * operators, aggregates, sets, arrays, objects, type tests, to_number and
 * the `in` membership operators.
 *
 * Each follows OPA's topdown implementation: names, argument order,
 * results, undefined versus error, and the error texts. OPA computes on
 * arbitrary-precision decimals; we hold int64 or double, so integers stay
 * exact while they fit an int64 and everything else is computed in long
 * double from the number's shortest decimal text, which reproduces OPA's
 * 64-bit-mantissa results (0.1 + 0.2 == 0.3 holds in OPA).
 *
 * This file needs no libm: the few float helpers are written out here. */
#include <errno.h>
#include <float.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "builtins_go.h"
#include "number.h"
#include "text.h"

/* ---- results and errors ---- */

static enum rb_status ok(struct rb_ctx *c, struct rv **out, struct rv *v)
{
	if (!v)
		return rb_nomem(c);
	*out = v;
	return RB_OK;
}

static enum rb_status ok_bool(struct rv **out, bool b)
{
	*out = rv_bool(b);
	return RB_OK;
}

/* "operand 1 must be array of numbers but got array containing string" */
static enum rb_status elem_error(struct rb_ctx *c, unsigned i,
				 const struct rv *coll, const char *want,
				 const struct rv *got)
{
	const char *t = rv_type_name(coll->type);

	rb_error(c, "operand %u must be %s of %ss but got %s containing %s", i,
		 t, want, t, rv_type_name(got->type));
	return RB_TYPE_ERROR;
}

static enum rb_status not_integer(struct rb_ctx *c, unsigned i)
{
	rb_error(c, "operand %u must be integer number but got floating-point number",
		 i);
	return RB_TYPE_ERROR;
}

/* ---- building collections ---- */

static struct rv **ptrs_alloc(struct rv_arena *a, size_t n)
{
	if (n > SIZE_MAX / sizeof(struct rv *))
		return NULL;
	return rv_alloc(a, (n ? n : 1) * sizeof(struct rv *));
}

/* An array or set over v[0..n), which must already be in set order for a
 * set. Values are immutable, so v may be shared with another value. */
static struct rv *seq_new(struct rv_arena *a, enum rv_type t, struct rv **v,
			  size_t n)
{
	struct rv *r;

	if (n == 0)
		return t == RV_SET ? rv_empty_set() : rv_empty_array();
	r = rv_alloc(a, sizeof(*r));
	if (r) {
		r->type = t;
		r->u.arr.v = v;
		r->u.arr.n = n;
	}
	return r;
}

/* An object over keys k (sorted, unique) and values v. */
static struct rv *obj_new(struct rv_arena *a, struct rv **k, struct rv **v,
			  size_t n)
{
	struct rv *r;

	if (n == 0)
		return rv_empty_object();
	r = rv_alloc(a, sizeof(*r));
	if (r) {
		r->type = RV_OBJECT;
		r->u.obj.k = k;
		r->u.obj.v = v;
		r->u.obj.n = n;
	}
	return r;
}

static bool is_coll(const struct rv *v)
{
	return rv_is(v, RV_ARRAY) || rv_is(v, RV_SET);
}

/* ---- numbers ---- */

/* Truncation toward zero. Past 2^63 a long double from our operands (a
 * double's shortest text, or an int64) is already integral. */
static long double ld_trunc(long double x)
{
	if (!(x > -0x1p63L && x < 0x1p63L))
		return x;
	return (long double)(int64_t)x;
}

static bool ld_finite(long double x)
{
	return x == x && x - x == 0;
}

/* The operand as OPA holds it: the decimal text it was written as, read
 * with a 64-bit (or wider) mantissa. A double's shortest round-trip text
 * is that decimal text whenever it had at most 15 significant digits. */
static long double num_ld(const struct rv *v)
{
	char buf[40];
	int prec;

	if (v->u.num.is_int) /* d keeps the sign of a -0 literal */
		return v->u.num.i ? (long double)v->u.num.i : (long double)v->u.num.d;
	if (v->u.num.text) /* the literal as written, 1e400 included */
		return strtold(v->u.num.text, NULL);
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v->u.num.d);
		if (strtod(buf, NULL) == v->u.num.d)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v->u.num.d);
	return strtold(buf, NULL);
}

/* v as a long double in *p; false when its value is past the long
 * doubles (1e5000, 1e-5000: OPA's big.Float holds them), where a result
 * would be wrong and not only rounded. */
static bool num_ld_ok(const struct rv *v, long double *p)
{
	*p = num_ld(v);
	return ld_finite(*p) && (*p != 0 || rv_num_is_zero(v));
}

static enum rb_status out_of_range(struct rb_ctx *c)
{
	return rb_error(c, "numeric result out of range");
}

/* A floating-point result, printed as OPA's (rv_num_from_ld); exact for
 * round, ceil and floor. */
static enum rb_status num_result_as(struct rb_ctx *c, long double r,
				    enum rv_ld_form form, struct rv **out)
{
	struct rv *v;

	/* OPA's big.Float has no bound; ours stops at the long doubles,
	 * and at our literals' bound (number.h). */
	if (!ld_finite(r))
		return rb_error(c, "numeric result out of range");
	if ((v = rv_num_from_ld(c->arena, r, form)))
		return ok(c, out, v);
	if (c->arena->exhausted)
		return rb_nomem(c);
	return rb_error(c, "numeric result out of range");
}

static enum rb_status num_result(struct rb_ctx *c, long double r,
				 struct rv **out)
{
	return num_result_as(c, r, RV_LD_SHORTEST, out);
}

/* An index operand (OPA's IntOperand). */
static enum rb_status int_operand(struct rb_ctx *c, unsigned i,
				  const struct rv *v, int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "number", v);
	if (!rv_num_index(v, out))
		return not_integer(c, i);
	return RB_OK;
}

/* ---- comparison ---- */

static enum rb_status bi_equal(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) == 0);
}

static enum rb_status bi_neq(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) != 0);
}

static enum rb_status bi_lt(struct rb_ctx *c, struct rv *const *args,
			    struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) < 0);
}

static enum rb_status bi_lte(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) <= 0);
}

static enum rb_status bi_gt(struct rb_ctx *c, struct rv *const *args,
			    struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) > 0);
}

static enum rb_status bi_gte(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return ok_bool(out, rv_compare(args[0], args[1]) >= 0);
}

/* ---- arithmetic ---- */

enum arith { AR_PLUS, AR_MINUS, AR_MUL, AR_DIV, AR_REM };

/* Exact int64 arithmetic where the result fits: false sends the caller to
 * the long double path. */
static bool arith_int(enum arith op, int64_t x, int64_t y, int64_t *r)
{
	switch (op) {
	case AR_PLUS:
		return !__builtin_add_overflow(x, y, r);
	case AR_MINUS:
		return !__builtin_sub_overflow(x, y, r);
	case AR_MUL:
		return !__builtin_mul_overflow(x, y, r);
	case AR_DIV:
		/* Exact only when y divides x; INT64_MIN / -1 overflows. A
		 * zero dividend is OPA's float quotient (0 / -5 is -0). */
		if (x == 0)
			return false;
		if (y == -1)
			return !__builtin_sub_overflow(0, x, r);
		if (x % y != 0)
			return false;
		*r = x / y;
		return true;
	case AR_REM:
		*r = y == -1 ? 0 : x % y;
		return true;
	}
	return false;
}

/* Why x % y has no exact integer operands: modulo exists for integers
 * only, and ours stop at RV_INT_MAX_DIGITS digits. */
static enum rb_status rem_refused(struct rb_ctx *c, const struct rv *x,
				  const struct rv *y)
{
	if (!rv_num_is_integer(x) || !rv_num_is_integer(y))
		return rb_error(c, "modulo on floating-point number");
	return rb_error(c, "integers past %d digits are not supported",
			RV_INT_MAX_DIGITS);
}

/* x op y on exact integers past int64 (OPA's big.Int): RB_OK with *out,
 * or RB_UNDEFINED when an operand is not an integer or the result is past
 * RV_INT_MAX_DIGITS, for the long double path. Modulo has no such path:
 * it ends here. */
static enum rb_status arith_big(struct rb_ctx *c, enum arith op,
				const struct rv *x, const struct rv *y,
				struct rv **out)
{
	enum rb_status st = RB_UNDEFINED;
	BIGNUM *bx = NULL, *by = NULL, *r = NULL;
	BN_CTX *ctx = NULL;
	bool nomem = false, toobig;
	int done = 0;

	if (!rv_num_maybe_integral(x) || !rv_num_maybe_integral(y))
		return op == AR_REM ? rem_refused(c, x, y) : RB_UNDEFINED;
	if (!(bx = rv_num_to_bn(x, RV_INT_MAX_DIGITS, false, &nomem)) ||
	    !(by = rv_num_to_bn(y, RV_INT_MAX_DIGITS, false, &nomem))) {
		if (!nomem && op == AR_REM)
			st = rem_refused(c, x, y);
		goto out;
	}
	if (op == AR_REM && BN_is_zero(by)) {
		st = rb_error(c, "modulo by zero");
		goto out;
	}
	if (!(r = BN_new()) || !(ctx = BN_CTX_new())) {
		nomem = true;
		goto out;
	}
	switch (op) {
	case AR_PLUS:
		done = BN_add(r, bx, by);
		break;
	case AR_MINUS:
		done = BN_sub(r, bx, by);
		break;
	case AR_MUL:
		/* the product of two bounded operands is bounded too */
		done = BN_mul(r, bx, by, ctx);
		break;
	case AR_REM: /* BN_div truncates: the remainder has x's sign */
		done = BN_div(NULL, r, bx, by, ctx);
		break;
	case AR_DIV:
		break;
	}
	if (!done) {
		nomem = op != AR_DIV;
		goto out;
	}
	if ((*out = rv_num_from_bn(c->arena, r, &toobig)))
		st = RB_OK;
	else if (!toobig)
		nomem = true;
out:
	BN_free(bx);
	BN_free(by);
	BN_free(r);
	BN_CTX_free(ctx);
	return nomem ? rb_nomem(c) : st;
}

static enum rb_status arith(struct rb_ctx *c, enum arith op,
			    const struct rv *x, const struct rv *y,
			    struct rv **out)
{
	enum rb_status st;
	long double p, q;
	int64_t r;

	if (x->u.num.is_int && y->u.num.is_int) {
		if (op == AR_DIV && y->u.num.i == 0)
			return rb_error(c, "divide by zero");
		if (op == AR_REM && y->u.num.i == 0)
			return rb_error(c, "modulo by zero");
		if (arith_int(op, x->u.num.i, y->u.num.i, &r))
			return ok(c, out, rv_int(c->arena, r));
	}
	/* OPA divides big integers as floats */
	if (op != AR_DIV &&
	    ((st = arith_big(c, op, x, y, out)) != RB_UNDEFINED ||
	     op == AR_REM))
		return st;
	if (!num_ld_ok(x, &p) || !num_ld_ok(y, &q))
		return out_of_range(c);
	switch (op) {
	case AR_PLUS:
		return num_result(c, p + q, out);
	case AR_MINUS:
		return num_result(c, p - q, out);
	case AR_MUL: /* a zero from nonzero operands underflowed */
		if (p * q == 0 && p != 0 && q != 0)
			return out_of_range(c);
		return num_result(c, p * q, out);
	case AR_DIV:
		if (q == 0)
			return rb_error(c, "divide by zero");
		if (p / q == 0 && p != 0)
			return out_of_range(c);
		return num_result(c, p / q, out);
	case AR_REM: /* arith_big decided */
		break;
	}
	return rb_error(c, "unknown operation");
}

static enum rb_status arith2(struct rb_ctx *c, enum arith op,
			     struct rv *const *args, struct rv **out)
{
	if (!rv_is(args[0], RV_NUMBER))
		return rb_type_error(c, 1, "number", args[0]);
	if (!rv_is(args[1], RV_NUMBER))
		return rb_type_error(c, 2, "number", args[1]);
	return arith(c, op, args[0], args[1], out);
}

static enum rb_status bi_plus(struct rb_ctx *c, struct rv *const *args,
			      struct rv **out)
{
	return arith2(c, AR_PLUS, args, out);
}

static enum rb_status bi_mul(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return arith2(c, AR_MUL, args, out);
}

static enum rb_status bi_div(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return arith2(c, AR_DIV, args, out);
}

static enum rb_status bi_rem(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return arith2(c, AR_REM, args, out);
}

enum setop { SO_UNION, SO_INTER, SO_DIFF };

/* Merge two sets (both sorted). */
static struct rv *set_merge(struct rv_arena *a, const struct rv *x,
			    const struct rv *y, enum setop op)
{
	size_t nx = x->u.arr.n, ny = y->u.arr.n, i = 0, j = 0, n = 0;
	struct rv **v;

	if (op == SO_UNION && nx > SIZE_MAX - ny)
		return NULL;
	v = ptrs_alloc(a, op == SO_UNION ? nx + ny : nx);
	if (!v)
		return NULL;
	while (i < nx && (j < ny || op == SO_UNION)) {
		int cmp = j == ny ? -1 : rv_compare(x->u.arr.v[i], y->u.arr.v[j]);

		if (cmp < 0) {
			if (op != SO_INTER)
				v[n++] = x->u.arr.v[i];
			i++;
		} else if (cmp > 0) {
			if (op == SO_UNION)
				v[n++] = y->u.arr.v[j];
			j++;
		} else {
			if (op != SO_DIFF)
				v[n++] = x->u.arr.v[i];
			i++;
			j++;
		}
	}
	for (; op == SO_DIFF && i < nx; i++)
		v[n++] = x->u.arr.v[i];
	for (; op == SO_UNION && j < ny; j++)
		v[n++] = y->u.arr.v[j];
	return seq_new(a, RV_SET, v, n);
}

/* `-` is numeric subtraction and set difference, with OPA's odd choice of
 * which operand to blame. */
static enum rb_status bi_minus(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	const struct rv *x = args[0], *y = args[1];
	bool n1 = rv_is(x, RV_NUMBER), n2 = rv_is(y, RV_NUMBER);
	bool s1 = rv_is(x, RV_SET), s2 = rv_is(y, RV_SET);

	if (n1 && n2)
		return arith(c, AR_MINUS, x, y, out);
	if (s1 && s2)
		return ok(c, out, set_merge(c->arena, x, y, SO_DIFF));
	if (!n1 && !s1)
		return rb_type_error(c, 1, "one of {number, set}", x);
	if (n2)
		return rb_type_error(c, 2, "set", y);
	return rb_type_error(c, 2, "number", y);
}

enum unary { UN_ABS, UN_ROUND, UN_CEIL, UN_FLOOR };

/* OPA's ceil and floor truncate and then step by one unless the truncated
 * value is negative: so ceil(-0.5) is 1 and floor(-0.5) is 0 there, and
 * here too. */
static long double unary_ld(enum unary op, long double a)
{
	long double f = ld_trunc(a);

	switch (op) {
	case UN_ABS:
		return a < 0 ? -a : a;
	case UN_ROUND: /* half away from zero */
		return ld_trunc(a < 0 ? a - 0.5L : a + 0.5L);
	case UN_CEIL:
		return f < 0 || a == f ? f : f + 1;
	case UN_FLOOR:
		return !(f < 0) || a == f ? f : f - 1;
	}
	return a;
}

static enum rb_status unary(struct rb_ctx *c, enum unary op,
			    struct rv *const *args, struct rv **out)
{
	struct rv *v = args[0];
	long double a;

	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, 1, "number", v);
	if (v->u.num.is_int) {
		/* a result, so printed as computed: round(10.00) is 10 */
		if (op != UN_ABS || v->u.num.i >= 0)
			return ok(c, out, v->u.num.text ? rv_int(c->arena, v->u.num.i) : v);
		if (v->u.num.i != INT64_MIN)
			return ok(c, out, rv_int(c->arena, -v->u.num.i));
	}
	if (!num_ld_ok(v, &a))
		return out_of_range(c);
	return num_result_as(c, unary_ld(op, a),
			     op == UN_ABS ? RV_LD_SHORTEST : RV_LD_EXACT, out);
}

static enum rb_status bi_abs(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return unary(c, UN_ABS, args, out);
}

static enum rb_status bi_round(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	return unary(c, UN_ROUND, args, out);
}

static enum rb_status bi_ceil(struct rb_ctx *c, struct rv *const *args,
			      struct rv **out)
{
	return unary(c, UN_CEIL, args, out);
}

static enum rb_status bi_floor(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	return unary(c, UN_FLOOR, args, out);
}

/* A range bound (OPA's BigIntOperand, whose type error says "integer"). */
static enum rb_status range_operand(struct rb_ctx *c, unsigned i,
				    const struct rv *v, int64_t *out)
{
	if (!rv_is(v, RV_NUMBER))
		return rb_type_error(c, i, "integer", v);
	if (rv_num_int(v, out))
		return RB_OK;
	if (v->u.num.d == (double)ld_trunc(v->u.num.d))
		return rb_error(c, "operand %u: integers past 64 bits are not supported",
				i);
	return not_integer(c, i);
}

static enum rb_status make_range(struct rb_ctx *c, int64_t x, int64_t y,
				 uint64_t step, struct rv **out)
{
	uint64_t span = x <= y ? (uint64_t)y - (uint64_t)x :
				 (uint64_t)x - (uint64_t)y;
	uint64_t n = span / step, k;
	struct rv **v;

	/* A range the arena could never hold fails before the loop (and
	 * before n + 1 could wrap). */
	if (n >= SIZE_MAX / (sizeof(struct rv) + sizeof(*v)))
		return rb_nomem(c);
	n++;
	v = ptrs_alloc(c->arena, (size_t)n);
	if (!v)
		return rb_nomem(c);
	for (k = 0; k < n; k++) {
		uint64_t d = k * step; /* <= span: no overflow */
		int64_t i = x <= y ? (int64_t)((uint64_t)x + d) :
				     (int64_t)((uint64_t)x - d);

		v[k] = rv_int(c->arena, i);
		if (!v[k])
			return rb_nomem(c);
	}
	return ok(c, out, seq_new(c->arena, RV_ARRAY, v, (size_t)n));
}

static enum rb_status bi_numbers_range(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	int64_t x, y;
	enum rb_status st;

	if ((st = range_operand(c, 1, args[0], &x)) != RB_OK ||
	    (st = range_operand(c, 2, args[1], &y)) != RB_OK)
		return st;
	return make_range(c, x, y, 1, out);
}

static enum rb_status bi_numbers_range_step(struct rb_ctx *c,
					    struct rv *const *args,
					    struct rv **out)
{
	int64_t x, y, step;
	enum rb_status st;

	if ((st = range_operand(c, 1, args[0], &x)) != RB_OK ||
	    (st = range_operand(c, 2, args[1], &y)) != RB_OK)
		return st;
	/* A step past 64 bits is past any span of int64 bounds: the range
	 * is its first bound alone. */
	if (rv_is(args[2], RV_NUMBER) && !args[2]->u.num.is_int &&
	    rv_num_maybe_integral(args[2]) && args[2]->u.num.d >= 0x1p63)
		return make_range(c, x, x, 1, out);
	if ((st = range_operand(c, 3, args[2], &step)) != RB_OK)
		return st;
	/* OPA's error text names the built-in itself, and the evaluator
	 * prefixes the name again: kept as OPA prints it. */
	if (step <= 0)
		return rb_error(c, "numbers.range_step: step must be a positive integer");
	return make_range(c, x, y, (uint64_t)step, out);
}

/* ---- aggregates ---- */

static enum rb_status bi_count(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	const struct rv *v = args[0];
	size_t n;

	switch (v->type) {
	case RV_STRING:
		n = rune_count(v->u.str.s, v->u.str.len);
		break;
	case RV_ARRAY:
	case RV_SET:
	case RV_OBJECT:
		n = rv_len(v);
		break;
	default:
		return rb_type_error(c, 1, "one of {array, object, set, string}",
				     v);
	}
	return ok(c, out, rv_int(c->arena, (int64_t)n));
}

/* sum or product over exact integers (OPA's big.Int), as arith_big:
 * RB_UNDEFINED sends the caller to long doubles. */
static enum rb_status fold_big(struct rb_ctx *c, const struct rv *v,
			       enum arith op, struct rv **out)
{
	enum rb_status st = RB_UNDEFINED;
	BIGNUM *acc = BN_new(), *e = NULL;
	BN_CTX *ctx = BN_CTX_new();
	bool nomem = !acc || !ctx, toobig;
	size_t i;

	for (i = 0; i < v->u.arr.n; i++)
		if (!rv_num_maybe_integral(v->u.arr.v[i]))
			goto out;
	if (nomem || !BN_set_word(acc, op == AR_MUL))
		goto out;
	for (i = 0; i < v->u.arr.n; i++) {
		e = rv_num_to_bn(v->u.arr.v[i], RV_INT_MAX_DIGITS, false,
				 &nomem);
		if (!e)
			goto out;
		if (!(op == AR_MUL ? BN_mul(acc, acc, e, ctx) :
				     BN_add(acc, acc, e))) {
			nomem = true;
			goto out;
		}
		BN_free(e);
		e = NULL;
		/* past the bound: the long double path, as for operands */
		if (BN_num_bits(acc) > RV_INT_MAX_BITS)
			goto out;
	}
	if ((*out = rv_num_from_bn(c->arena, acc, &toobig)))
		st = RB_OK;
	else if (!toobig)
		nomem = true;
out:
	BN_free(acc);
	BN_free(e);
	BN_CTX_free(ctx);
	return nomem ? rb_nomem(c) : st;
}

/* sum and product: exact over integers while the result fits, else over
 * long doubles as OPA's big.Float. */
static enum rb_status fold_numbers(struct rb_ctx *c, struct rv *const *args,
				   enum arith op, struct rv **out)
{
	const struct rv *v = args[0];
	int64_t acc = op == AR_MUL ? 1 : 0;
	enum rb_status st;
	long double lacc;
	bool exact = true;
	size_t i;

	if (!is_coll(v))
		return rb_type_error(c, 1, "one of {set, array}", v);
	for (i = 0; i < v->u.arr.n; i++)
		if (!rv_is(v->u.arr.v[i], RV_NUMBER))
			return elem_error(c, 1, v, "number", v->u.arr.v[i]);
	for (i = 0; i < v->u.arr.n && exact; i++) {
		const struct rv *e = v->u.arr.v[i];

		exact = e->u.num.is_int && arith_int(op, acc, e->u.num.i, &acc);
	}
	if (exact)
		return ok(c, out, rv_int(c->arena, acc));
	if ((st = fold_big(c, v, op, out)) != RB_UNDEFINED)
		return st;
	/* OPA's product starts from big.NewFloat(1), whose precision is a
	 * float64's: each step rounds to 53 bits */
	lacc = op == AR_MUL ? 1 : 0;
	for (i = 0; i < v->u.arr.n; i++) {
		long double e, prev = lacc;

		if (!num_ld_ok(v->u.arr.v[i], &e))
			return out_of_range(c);
		lacc = op == AR_MUL ? rv_ld_mul53(lacc, e) : lacc + e;
		if (op == AR_MUL && lacc == 0 && prev != 0 && e != 0)
			return out_of_range(c);
	}
	return num_result_as(c, lacc, op == AR_MUL ? RV_LD_SHORTEST53 :
				  RV_LD_SHORTEST, out);
}

static enum rb_status bi_sum(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return fold_numbers(c, args, AR_PLUS, out);
}

static enum rb_status bi_product(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	return fold_numbers(c, args, AR_MUL, out);
}

/* max and min compare any values; over nothing they are undefined. */
static enum rb_status extreme(struct rb_ctx *c, struct rv *const *args,
			      int sign, struct rv **out)
{
	const struct rv *v = args[0];
	struct rv *best;
	size_t i;

	if (!is_coll(v))
		return rb_type_error(c, 1, "one of {set, array}", v);
	if (v->u.arr.n == 0)
		return RB_UNDEFINED;
	best = v->u.arr.v[0];
	for (i = 1; i < v->u.arr.n; i++)
		if (rv_compare(v->u.arr.v[i], best) * sign > 0)
			best = v->u.arr.v[i];
	*out = best;
	return RB_OK;
}

static enum rb_status bi_max(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return extreme(c, args, 1, out);
}

static enum rb_status bi_min(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return extreme(c, args, -1, out);
}

static int cmp_ptr(const void *x, const void *y)
{
	return rv_compare(*(struct rv *const *)x, *(struct rv *const *)y);
}

static enum rb_status bi_sort(struct rb_ctx *c, struct rv *const *args,
			      struct rv **out)
{
	const struct rv *v = args[0];
	struct rv **s;
	size_t n;

	if (!is_coll(v))
		return rb_type_error(c, 1, "one of {set, array}", v);
	n = v->u.arr.n;
	if (v->type == RV_SET) /* already in order: share it */
		return ok(c, out, seq_new(c->arena, RV_ARRAY, v->u.arr.v, n));
	if (n == 0)
		return ok(c, out, rv_empty_array());
	s = ptrs_alloc(c->arena, n);
	if (!s)
		return rb_nomem(c);
	memcpy(s, v->u.arr.v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_ptr);
	return ok(c, out, seq_new(c->arena, RV_ARRAY, s, n));
}

/* ---- sets ---- */

static enum rb_status set_binary(struct rb_ctx *c, struct rv *const *args,
				 enum setop op, struct rv **out)
{
	if (!rv_is(args[0], RV_SET))
		return rb_type_error(c, 1, "set", args[0]);
	if (!rv_is(args[1], RV_SET))
		return rb_type_error(c, 2, "set", args[1]);
	return ok(c, out, set_merge(c->arena, args[0], args[1], op));
}

static enum rb_status bi_or(struct rb_ctx *c, struct rv *const *args,
			    struct rv **out)
{
	return set_binary(c, args, SO_UNION, out);
}

static enum rb_status bi_and(struct rb_ctx *c, struct rv *const *args,
			     struct rv **out)
{
	return set_binary(c, args, SO_INTER, out);
}

/* intersection and union take a set of sets; a member that is not a set
 * is blamed on operand 1, as in OPA. */
static enum rb_status bi_intersection(struct rb_ctx *c,
				      struct rv *const *args, struct rv **out)
{
	const struct rv *v = args[0];
	struct rv *r;
	size_t i;

	if (!rv_is(v, RV_SET))
		return rb_type_error(c, 1, "set", v);
	for (i = 0; i < v->u.arr.n; i++)
		if (!rv_is(v->u.arr.v[i], RV_SET))
			return rb_type_error(c, 1, "set", v->u.arr.v[i]);
	if (v->u.arr.n == 0)
		return ok(c, out, rv_empty_set());
	r = v->u.arr.v[0];
	for (i = 1; i < v->u.arr.n && r; i++)
		r = set_merge(c->arena, r, v->u.arr.v[i], SO_INTER);
	return ok(c, out, r);
}

static enum rb_status bi_union(struct rb_ctx *c, struct rv *const *args,
			       struct rv **out)
{
	const struct rv *v = args[0];
	struct rv_builder b;
	size_t i, j;

	if (!rv_is(v, RV_SET))
		return rb_type_error(c, 1, "set", v);
	rv_builder_init(&b, c->arena);
	for (i = 0; i < v->u.arr.n; i++) {
		const struct rv *s = v->u.arr.v[i];

		if (!rv_is(s, RV_SET))
			return rb_type_error(c, 1, "set", s);
		for (j = 0; j < s->u.arr.n; j++)
			rv_builder_add(&b, s->u.arr.v[j]);
	}
	return ok(c, out, rv_set_finish(&b));
}

/* ---- arrays ---- */

static enum rb_status bi_array_concat(struct rb_ctx *c,
				      struct rv *const *args, struct rv **out)
{
	const struct rv *x = args[0], *y = args[1];
	size_t nx, ny;
	struct rv **v;

	if (!rv_is(x, RV_ARRAY))
		return rb_type_error(c, 1, "array", x);
	if (!rv_is(y, RV_ARRAY))
		return rb_type_error(c, 2, "array", y);
	nx = x->u.arr.n;
	ny = y->u.arr.n;
	if (nx == 0 || ny == 0)
		return ok(c, out, nx ? args[0] : args[1]);
	if (nx > SIZE_MAX - ny || !(v = ptrs_alloc(c->arena, nx + ny)))
		return rb_nomem(c);
	memcpy(v, x->u.arr.v, nx * sizeof(*v));
	memcpy(v + nx, y->u.arr.v, ny * sizeof(*v));
	return ok(c, out, seq_new(c->arena, RV_ARRAY, v, nx + ny));
}

/* Indexes are clamped to the array, and start to stop, as OPA does. */
static enum rb_status bi_array_slice(struct rb_ctx *c,
				     struct rv *const *args, struct rv **out)
{
	const struct rv *v = args[0];
	int64_t start, stop, len;
	enum rb_status st;

	if (!rv_is(v, RV_ARRAY))
		return rb_type_error(c, 1, "array", v);
	if ((st = int_operand(c, 2, args[1], &start)) != RB_OK ||
	    (st = int_operand(c, 3, args[2], &stop)) != RB_OK)
		return st;
	len = (int64_t)v->u.arr.n;
	if (stop < 0)
		stop = 0;
	else if (stop > len)
		stop = len;
	if (start < 0)
		start = 0;
	else if (start > stop)
		start = stop;
	if (start == stop) /* also: an empty array has no item pointer */
		return ok(c, out, rv_empty_array());
	return ok(c, out, seq_new(c->arena, RV_ARRAY, v->u.arr.v + start,
				  (size_t)(stop - start)));
}

static enum rb_status bi_array_reverse(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	const struct rv *v = args[0];
	struct rv **r;
	size_t i, n;

	if (!rv_is(v, RV_ARRAY))
		return rb_type_error(c, 1, "array", v);
	n = v->u.arr.n;
	if (n == 0)
		return ok(c, out, args[0]);
	r = ptrs_alloc(c->arena, n);
	if (!r)
		return rb_nomem(c);
	for (i = 0; i < n; i++)
		r[i] = v->u.arr.v[n - 1 - i];
	return ok(c, out, seq_new(c->arena, RV_ARRAY, r, n));
}

/* array.flatten: the member arrays spliced in, one level deep, as OPA. */
static enum rb_status bi_array_flatten(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	const struct rv *v = args[0];
	struct rv_builder b;
	size_t i, j;

	if (!rv_is(v, RV_ARRAY))
		return rb_type_error(c, 1, "array", v);
	rv_builder_init(&b, c->arena);
	for (i = 0; i < v->u.arr.n; i++) {
		const struct rv *e = v->u.arr.v[i];

		if (e->type != RV_ARRAY)
			rv_builder_add(&b, v->u.arr.v[i]);
		else
			for (j = 0; j < e->u.arr.n; j++)
				rv_builder_add(&b, e->u.arr.v[j]);
	}
	return ok(c, out, rv_array_finish(&b));
}

/* ---- objects ---- */

/* object.get: a key, or with an array a path through objects, arrays and
 * sets; the default when nothing is there. */
static enum rb_status bi_object_get(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct rv *path = args[1];
	struct rv *cur = args[0];
	size_t i;

	if (!rv_is(cur, RV_OBJECT))
		return rb_type_error(c, 1, "object", cur);
	if (!rv_is(path, RV_ARRAY)) {
		cur = rv_object_get(cur, path);
		*out = cur ? cur : args[2];
		return RB_OK;
	}
	for (i = 0; i < path->u.arr.n && cur; i++)
		cur = rv_get(cur, path->u.arr.v[i]);
	*out = cur ? cur : args[2];
	return RB_OK;
}

static enum rb_status bi_object_keys(struct rb_ctx *c,
				     struct rv *const *args, struct rv **out)
{
	const struct rv *o = args[0];

	if (!rv_is(o, RV_OBJECT))
		return rb_type_error(c, 1, "object", o);
	/* Keys are sorted and unique: they are a set as they stand. */
	return ok(c, out, seq_new(c->arena, RV_SET, o->u.obj.k, o->u.obj.n));
}

/* OPA's mergeWithOverwrite: y wins, except that two objects under the same
 * key merge recursively. NULL when out of memory. */
static struct rv *obj_merge(struct rv_arena *a, struct rv *x, struct rv *y)
{
	size_t nx = x->u.obj.n, ny = y->u.obj.n, i = 0, j = 0, n = 0;
	struct rv **k, **v;

	if (nx == 0 || rv_equal(x, y))
		return y;
	if (ny == 0)
		return x;
	if (nx > SIZE_MAX - ny)
		return NULL;
	k = ptrs_alloc(a, nx + ny);
	v = ptrs_alloc(a, nx + ny);
	if (!k || !v)
		return NULL;
	while (i < nx || j < ny) {
		int cmp = i == nx ? 1 : j == ny ? -1 :
			  rv_compare(x->u.obj.k[i], y->u.obj.k[j]);

		if (cmp < 0) {
			k[n] = x->u.obj.k[i];
			v[n++] = x->u.obj.v[i++];
			continue;
		}
		k[n] = y->u.obj.k[j];
		v[n] = y->u.obj.v[j];
		if (cmp == 0 && rv_is(x->u.obj.v[i], RV_OBJECT) &&
		    rv_is(v[n], RV_OBJECT) &&
		    !(v[n] = obj_merge(a, x->u.obj.v[i], v[n])))
			return NULL;
		n++;
		j++;
		if (cmp == 0)
			i++;
	}
	return obj_new(a, k, v, n);
}

static enum rb_status bi_object_union(struct rb_ctx *c,
				      struct rv *const *args, struct rv **out)
{
	if (!rv_is(args[0], RV_OBJECT))
		return rb_type_error(c, 1, "object", args[0]);
	if (!rv_is(args[1], RV_OBJECT))
		return rb_type_error(c, 2, "object", args[1]);
	return ok(c, out, obj_merge(c->arena, args[0], args[1]));
}

/* Merged left to right. OPA walks the array from the end, so a non-object
 * is reported as the last one there is. */
static enum rb_status bi_object_union_n(struct rb_ctx *c,
					struct rv *const *args,
					struct rv **out)
{
	const struct rv *arr = args[0];
	struct rv *r = rv_empty_object();
	size_t i;

	if (!rv_is(arr, RV_ARRAY))
		return rb_type_error(c, 1, "array", arr);
	for (i = arr->u.arr.n; i-- > 0;)
		if (!rv_is(arr->u.arr.v[i], RV_OBJECT))
			return elem_error(c, 1, arr, "object", arr->u.arr.v[i]);
	for (i = 0; i < arr->u.arr.n && r; i++)
		r = obj_merge(c->arena, r, arr->u.arr.v[i]);
	return ok(c, out, r);
}

/* The keys operand of object.remove and object.filter, as something
 * key_in can search: an array becomes a set. NULL with *st set on error. */
static const struct rv *key_set(struct rb_ctx *c, const struct rv *keys,
				enum rb_status *st)
{
	struct rv_builder b;
	const struct rv *s;
	size_t i;

	if (rv_is(keys, RV_SET) || rv_is(keys, RV_OBJECT))
		return keys;
	if (!rv_is(keys, RV_ARRAY)) {
		*st = rb_type_error(c, 2, "one of {object, set, array}", keys);
		return NULL;
	}
	rv_builder_init(&b, c->arena);
	for (i = 0; i < keys->u.arr.n; i++)
		rv_builder_add(&b, keys->u.arr.v[i]);
	s = rv_set_finish(&b);
	if (!s)
		*st = rb_nomem(c);
	return s;
}

static bool key_in(const struct rv *keys, const struct rv *k)
{
	return keys->type == RV_OBJECT ? rv_object_get(keys, k) != NULL :
					 rv_set_contains(keys, k);
}

/* object.remove keeps the keys not listed, object.filter those listed. */
static enum rb_status select_keys(struct rb_ctx *c, struct rv *const *args,
				  bool keep, struct rv **out)
{
	const struct rv *o = args[0], *keys;
	enum rb_status st = RB_OK;
	struct rv **k, **v;
	size_t i, n = 0;

	if (!rv_is(o, RV_OBJECT))
		return rb_type_error(c, 1, "object", o);
	if (!(keys = key_set(c, args[1], &st)))
		return st;
	k = ptrs_alloc(c->arena, o->u.obj.n);
	v = ptrs_alloc(c->arena, o->u.obj.n);
	if (!k || !v)
		return rb_nomem(c);
	for (i = 0; i < o->u.obj.n; i++) {
		if (key_in(keys, o->u.obj.k[i]) != keep)
			continue;
		k[n] = o->u.obj.k[i];
		v[n++] = o->u.obj.v[i];
	}
	return ok(c, out, obj_new(c->arena, k, v, n));
}

static enum rb_status bi_object_remove(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	return select_keys(c, args, false, out);
}

static enum rb_status bi_object_filter(struct rb_ctx *c,
				       struct rv *const *args, struct rv **out)
{
	return select_keys(c, args, true, out);
}

/* ---- types ---- */

/* OPA's is_* are false, not undefined, for other types. */
static enum rb_status bi_is_number(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_NUMBER));
}

static enum rb_status bi_is_string(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_STRING));
}

static enum rb_status bi_is_boolean(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_BOOL));
}

static enum rb_status bi_is_array(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_ARRAY));
}

static enum rb_status bi_is_set(struct rb_ctx *c, struct rv *const *args,
				struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_SET));
}

static enum rb_status bi_is_object(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_OBJECT));
}

static enum rb_status bi_is_null(struct rb_ctx *c, struct rv *const *args,
				 struct rv **out)
{
	return ok_bool(out, rv_is(args[0], RV_NULL));
}

static enum rb_status bi_type_name(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	return ok(c, out, rv_cstring(c->arena, rv_type_name(args[0]->type)));
}

/* ---- to_number ---- */


static bool is_hex_letter(char ch)
{
	return (ch | 0x20) >= 'a' && (ch | 0x20) <= 'f';
}

/* Go's underscoreOK: '_' only between digits, or after a base prefix. */
static bool go_underscores_ok(const char *s, size_t n)
{
	char saw = '^';
	bool hex = false;
	size_t i = 0;

	if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n >= 2 && s[0] == '0' &&
	    ((s[1] | 0x20) == 'b' || (s[1] | 0x20) == 'o' ||
	     (s[1] | 0x20) == 'x')) {
		i = 2;
		saw = '0';
		hex = (s[1] | 0x20) == 'x';
	}
	for (; i < n; i++) {
		if (is_digit(s[i]) || (hex && is_hex_letter(s[i]))) {
			saw = '0';
		} else if (s[i] == '_') {
			if (saw != '0')
				return false;
			saw = '_';
		} else {
			if (saw == '_')
				return false;
			saw = '!';
		}
	}
	return saw != '_';
}

/* The syntax Go's strconv.ParseFloat accepts, which is what OPA's
 * to_number accepts (infinities and NaN are refused before): a sign,
 * decimal digits with a point and an e-exponent, or 0x hex digits with a
 * mandatory p-exponent, '_' between digits. No spaces. */
static bool go_float_syntax(const char *s, size_t n)
{
	bool hex = false, dot = false, digits = false, under = false;
	size_t i = 0;

	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	if (i + 2 < n && s[i] == '0' && (s[i + 1] | 0x20) == 'x') {
		hex = true;
		i += 2;
	}
	for (; i < n; i++) {
		if (s[i] == '_')
			under = true;
		else if (s[i] == '.' && !dot)
			dot = true;
		else if (is_digit(s[i]) || (hex && is_hex_letter(s[i])))
			digits = true;
		else
			break;
	}
	if (!digits)
		return false;
	if (i < n && (s[i] | 0x20) == (hex ? 'p' : 'e')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		for (; i < n && (is_digit(s[i]) || s[i] == '_'); i++)
			under |= s[i] == '_';
	} else if (hex) {
		return false;
	}
	return i == n && (!under || go_underscores_ok(s, n));
}

static bool ascii_ieq(const char *s, size_t n, const char *word)
{
	size_t i;

	if (strlen(word) != n)
		return false;
	for (i = 0; i < n; i++)
		if ((s[i] | 0x20) != word[i])
			return false;
	return true;
}

static enum rb_status parse_error(struct rb_ctx *c, const struct rv *v,
				  const char *why)
{
	struct rv_buf q = { 0 };
	enum rb_status st;

	go_quote(&q, v->u.str.s, v->u.str.len);
	st = q.failed ? rb_nomem(c) :
	     rb_error(c, "strconv.ParseFloat: parsing %s: %s", q.p, why);
	free(q.p);
	return st;
}

static enum rb_status number_from_string(struct rb_ctx *c, const struct rv *v,
					 struct rv **out)
{
	const char *s = v->u.str.s, *t = s;
	size_t n = v->u.str.len, i, m = 0;
	bool integral = true;
	char *buf, *end;
	long long ll;
	double d;

	while (t < s + n && (*t == '+' || *t == '-'))
		t++;
	if (ascii_ieq(t, n - (size_t)(t - s), "inf") ||
	    ascii_ieq(t, n - (size_t)(t - s), "infinity") ||
	    ascii_ieq(t, n - (size_t)(t - s), "nan"))
		return rb_type_error(c, 1, "valid number string", v);
	if (!go_float_syntax(s, n))
		return parse_error(c, v, "invalid syntax");
	/* OPA keeps the string as the number's text: to_number("1e3") prints
	 * 1e3. Where the string is a JSON number, ours is the same. */
	if ((*out = rv_number_text(c->arena, s, n))) {
		/* OPA's strconv.ParseFloat check comes first */
		if (!(*out)->u.num.is_int && (*out)->u.num.d - (*out)->u.num.d != 0)
			return parse_error(c, v, "value out of range");
		return RB_OK;
	}
	if (c->arena->exhausted)
		return rb_nomem(c);
	/* The syntax is Go's; the digits, without '_', are C's too. */
	if (!(buf = rv_alloc(c->arena, n + 1)))
		return rb_nomem(c);
	for (i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (!is_digit(s[i]) && !(m == 0 && (s[i] == '+' || s[i] == '-')))
			integral = false;
		buf[m++] = s[i];
	}
	buf[m] = '\0';
	errno = 0;
	if (integral) {
		ll = strtoll(buf, &end, 10);
		if (errno == 0)
			return ok(c, out, rv_int(c->arena, ll));
	}
	errno = 0;
	d = strtod(buf, &end);
	if (errno == ERANGE && (d > 1 || d < -1))
		return parse_error(c, v, "value out of range");
	return ok(c, out, rv_double(c->arena, d));
}

static enum rb_status bi_to_number(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	struct rv *v = args[0];

	switch (v->type) {
	case RV_NULL:
		return ok(c, out, rv_int(c->arena, 0));
	case RV_BOOL:
		return ok(c, out, rv_int(c->arena, v->u.b));
	case RV_NUMBER:
		*out = v;
		return RB_OK;
	case RV_STRING:
		return number_from_string(c, v, out);
	default:
		return rb_type_error(c, 1, "one of {null, boolean, number, string}",
				     v);
	}
}

/* ---- membership: `x in xs` and `k, v in xs` ---- */

/* internal.member_2(x, xs): x is a value of xs (array element, set
 * member, object value); false for anything else. */
static enum rb_status bi_member_2(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	const struct rv *x = args[0], *xs = args[1];
	size_t i;

	switch (xs->type) {
	case RV_SET:
		return ok_bool(out, rv_set_contains(xs, x));
	case RV_ARRAY:
		for (i = 0; i < xs->u.arr.n; i++)
			if (rv_equal(xs->u.arr.v[i], x))
				return ok_bool(out, true);
		break;
	case RV_OBJECT:
		for (i = 0; i < xs->u.obj.n; i++)
			if (rv_equal(xs->u.obj.v[i], x))
				return ok_bool(out, true);
		break;
	default:
		break;
	}
	return ok_bool(out, false);
}

/* internal.member_3(k, v, xs): xs[k] is v. A set's member is its own
 * key. */
static enum rb_status bi_member_3(struct rb_ctx *c, struct rv *const *args,
				  struct rv **out)
{
	const struct rv *k = args[0], *v = args[1], *xs = args[2];
	const struct rv *at;

	switch (xs->type) {
	case RV_SET:
		return ok_bool(out, rv_set_contains(xs, k) && rv_equal(k, v));
	case RV_ARRAY:
	case RV_OBJECT:
		at = rv_get(xs, k);
		return ok_bool(out, at && rv_equal(at, v));
	default:
		return ok_bool(out, false);
	}
}

const struct rb_def rb_core_defs[] = {
	/* comparison */
	{ "equal", 2, bi_equal },
	{ "neq", 2, bi_neq },
	{ "lt", 2, bi_lt },
	{ "lte", 2, bi_lte },
	{ "gt", 2, bi_gt },
	{ "gte", 2, bi_gte },
	/* arithmetic */
	{ "plus", 2, bi_plus },
	{ "minus", 2, bi_minus },
	{ "mul", 2, bi_mul },
	{ "div", 2, bi_div },
	{ "rem", 2, bi_rem },
	{ "abs", 1, bi_abs },
	{ "round", 1, bi_round },
	{ "ceil", 1, bi_ceil },
	{ "floor", 1, bi_floor },
	{ "numbers.range", 2, bi_numbers_range },
	{ "numbers.range_step", 3, bi_numbers_range_step },
	/* aggregates */
	{ "count", 1, bi_count },
	{ "sum", 1, bi_sum },
	{ "product", 1, bi_product },
	{ "max", 1, bi_max },
	{ "min", 1, bi_min },
	{ "sort", 1, bi_sort },
	/* sets */
	{ "or", 2, bi_or },
	{ "and", 2, bi_and },
	{ "intersection", 1, bi_intersection },
	{ "union", 1, bi_union },
	/* arrays */
	{ "array.concat", 2, bi_array_concat },
	{ "array.slice", 3, bi_array_slice },
	{ "array.reverse", 1, bi_array_reverse },
	{ "array.flatten", 1, bi_array_flatten },
	/* objects */
	{ "object.get", 3, bi_object_get },
	{ "object.keys", 1, bi_object_keys },
	{ "object.union", 2, bi_object_union },
	{ "object.union_n", 1, bi_object_union_n },
	{ "object.remove", 2, bi_object_remove },
	{ "object.filter", 2, bi_object_filter },
	/* types */
	{ "is_number", 1, bi_is_number },
	{ "is_string", 1, bi_is_string },
	{ "is_boolean", 1, bi_is_boolean },
	{ "is_array", 1, bi_is_array },
	{ "is_set", 1, bi_is_set },
	{ "is_object", 1, bi_is_object },
	{ "is_null", 1, bi_is_null },
	{ "type_name", 1, bi_type_name },
	{ "to_number", 1, bi_to_number },
	/* membership */
	{ "internal.member_2", 2, bi_member_2 },
	{ "internal.member_3", 3, bi_member_3 },
	{ NULL, 0, NULL },
};
