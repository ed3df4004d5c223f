/* value.c - Rego values: arena, constructors, ordering, JSON in and out. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_read.h"
#include "value.h"
#include "number.h"

/* ---- arena ---- */

struct rv_block {
	struct rv_block *next;
	size_t size, used;
	max_align_t data[];
};

#define BLOCK_MIN (64u * 1024u)

void rv_arena_init(struct rv_arena *a, size_t limit)
{
	a->head = NULL;
	a->used = 0;
	a->limit = limit;
	a->exhausted = false;
}

void rv_arena_free(struct rv_arena *a)
{
	struct rv_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = 0;
}

void *rv_alloc(struct rv_arena *a, size_t n)
{
	struct rv_block *b = a->head;
	size_t need = (n + 15u) & ~(size_t)15u;
	void *p;

	if (need < n)
		return NULL;
	if (a->limit && (a->used + need > a->limit || a->used + need < a->used)) {
		a->exhausted = true;
		return NULL;
	}
	if (!b || b->size - b->used < need) {
		size_t size = need > BLOCK_MIN ? need : BLOCK_MIN;

		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		/* A big one-off block goes behind the current one, so the
		 * current block's free space is not abandoned. */
		if (a->head && size > BLOCK_MIN) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = (char *)b->data + b->used;
	b->used += need;
	a->used += need;
	memset(p, 0, n);
	return p;
}

char *rv_strndup(struct rv_arena *a, const char *s, size_t n)
{
	char *p = n + 1 ? rv_alloc(a, n + 1) : NULL;

	if (p && n)
		memcpy(p, s, n);
	return p;
}

/* ---- constructors ---- */

static struct rv v_null = { .type = RV_NULL };
static struct rv v_true = { .type = RV_BOOL, .u.b = true };
static struct rv v_false = { .type = RV_BOOL, .u.b = false };
static struct rv v_earr = { .type = RV_ARRAY };
static struct rv v_eobj = { .type = RV_OBJECT };
static struct rv v_eset = { .type = RV_SET };

struct rv *rv_null(void) { return &v_null; }
struct rv *rv_bool(bool b) { return b ? &v_true : &v_false; }
struct rv *rv_empty_array(void) { return &v_earr; }
struct rv *rv_empty_object(void) { return &v_eobj; }
struct rv *rv_empty_set(void) { return &v_eset; }

static struct rv *rv_new(struct rv_arena *a, enum rv_type t)
{
	struct rv *v = rv_alloc(a, sizeof(*v));

	if (v)
		v->type = t;
	return v;
}

struct rv *rv_int(struct rv_arena *a, int64_t i)
{
	struct rv *v = rv_new(a, RV_NUMBER);

	if (v) {
		v->u.num.is_int = true;
		v->u.num.i = i;
		v->u.num.d = (double)i;
	}
	return v;
}

struct rv *rv_double(struct rv_arena *a, double d)
{
	struct rv *v;

	if (!isfinite(d))
		return NULL;
	/* 2^63 is the first double past INT64_MAX. */
	if (d == floor(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0)
		return rv_int(a, (int64_t)d);
	v = rv_new(a, RV_NUMBER);
	if (v)
		v->u.num.d = d;
	return v;
}

struct rv *rv_number_text(struct rv_arena *a, const char *s, size_t n)
{
	char small[128], *buf = small, *end;
	size_t i = 0;
	bool integral = true;
	struct rv *v = NULL;
	long long ll;
	double d;

	if (n == 0 || n > RV_NUM_MAX_TEXT)
		return NULL;
	if (n >= sizeof(small) && !(buf = malloc(n + 1)))
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* JSON grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	if (buf[i] == '-')
		i++;
	if (buf[i] == '0')
		i++;
	else if (buf[i] >= '1' && buf[i] <= '9')
		while (buf[i] >= '0' && buf[i] <= '9')
			i++;
	else
		goto out;
	if (buf[i] == '.') {
		integral = false;
		if (!(buf[++i] >= '0' && buf[i] <= '9'))
			goto out;
		while (buf[i] >= '0' && buf[i] <= '9')
			i++;
	}
	if (buf[i] == 'e' || buf[i] == 'E') {
		integral = false;
		i++;
		if (buf[i] == '+' || buf[i] == '-')
			i++;
		if (!(buf[i] >= '0' && buf[i] <= '9'))
			goto out;
		while (buf[i] >= '0' && buf[i] <= '9')
			i++;
	}
	if (i != n)
		goto out;
	/* OPA refuses magnitudes past 2^±100000 (1e40000, 1e-40000) */
	if (!integral && !rv_num_text_in_range(buf, n))
		goto out;
	errno = 0;
	if (integral) {
		ll = strtoll(buf, &end, 10);
		if (errno == 0) {
			v = rv_int(a, ll);
			goto out;
		}
	}
	errno = 0;
	d = strtod(buf, &end);
	if (!isinf(d))
		v = rv_double(a, d);
	if (v && v->u.num.is_int) {
		/* 1.0 and 1e3 are the integers they look like, but 1e-400,
		 * 9007199254740993.0 and -9223372036854775809 only round to
		 * one */
		struct rv exact = { .type = RV_NUMBER };

		exact.u.num.text = buf;
		if (rv_num_cmp_exact(v, &exact) != 0) {
			v->u.num.is_int = false;
			v->u.num.d = d;
		}
	}
	if (isinf(d)) {
		/* past the doubles but within OPA's bound: the text is the
		 * value (compared exactly, computed on long doubles), and the
		 * infinite d keeps the order of doubles (rv_compare) */
		v = rv_new(a, RV_NUMBER);
		if (v)
			v->u.num.d = d;
	}
out:
	/* keep the literal where printing the value would change it */
	if (v && !(v->u.num.is_int && integral && errno == 0 &&
		   (buf[0] != '-' || buf[1] != '0')) &&
	    !(v->u.num.text = rv_strndup(a, buf, n)))
		v = NULL;
	/* -0 is 0, but OPA's big.Float computes with its sign */
	if (v && v->u.num.is_int && v->u.num.i == 0 && buf[0] == '-')
		v->u.num.d = -0.0;
	if (buf != small)
		free(buf);
	return v;
}

struct rv *rv_string_own(struct rv_arena *a, char *s, size_t n)
{
	struct rv *v = s ? rv_new(a, RV_STRING) : NULL;

	if (v) {
		v->u.str.s = s;
		v->u.str.len = n;
	}
	return v;
}

struct rv *rv_string(struct rv_arena *a, const char *s, size_t n)
{
	return rv_string_own(a, rv_strndup(a, s, n), n);
}

struct rv *rv_cstring(struct rv_arena *a, const char *s)
{
	return rv_string(a, s, strlen(s));
}

/* ---- builders ---- */

void rv_builder_init(struct rv_builder *b, struct rv_arena *a)
{
	memset(b, 0, sizeof(*b));
	b->a = a;
}

static bool builder_grow(struct rv_builder *b, bool pairs)
{
	size_t cap = b->cap ? b->cap * 2 : 8;
	struct rv **k, **v = NULL;

	if (cap > SIZE_MAX / sizeof(*k) / 2)
		return false;
	k = rv_alloc(b->a, cap * sizeof(*k));
	if (pairs)
		v = rv_alloc(b->a, cap * sizeof(*v));
	if (!k || (pairs && !v))
		return false;
	if (b->n) {
		memcpy(k, b->k, b->n * sizeof(*k));
		if (pairs)
			memcpy(v, b->v, b->n * sizeof(*v));
	}
	b->k = k;
	b->v = v;
	b->cap = cap;
	return true;
}

bool rv_builder_add(struct rv_builder *b, struct rv *v)
{
	if (b->failed || !v || (b->n == b->cap && !builder_grow(b, false)))
		return !(b->failed = true);
	b->k[b->n++] = v;
	return true;
}

bool rv_builder_put(struct rv_builder *b, struct rv *k, struct rv *v)
{
	if (b->failed || !k || !v ||
	    (b->n == b->cap && !builder_grow(b, true)))
		return !(b->failed = true);
	b->k[b->n] = k;
	b->v[b->n++] = v;
	return true;
}

struct rv *rv_array_finish(struct rv_builder *b)
{
	struct rv *v;

	if (b->failed)
		return NULL;
	if (b->n == 0)
		return rv_empty_array();
	v = rv_new(b->a, RV_ARRAY);
	if (v) {
		v->u.arr.v = b->k;
		v->u.arr.n = b->n;
	}
	return v;
}

static int cmp_ptr(const void *x, const void *y)
{
	return rv_compare(*(struct rv *const *)x, *(struct rv *const *)y);
}

struct rv *rv_set_finish(struct rv_builder *b)
{
	struct rv *v;
	size_t i, j;

	if (b->failed)
		return NULL;
	if (b->n == 0)
		return rv_empty_set();
	qsort(b->k, b->n, sizeof(*b->k), cmp_ptr);
	for (i = 1, j = 1; i < b->n; i++)
		if (rv_compare(b->k[i], b->k[j - 1]) != 0)
			b->k[j++] = b->k[i];
	v = rv_new(b->a, RV_SET);
	if (v) {
		v->u.arr.v = b->k;
		v->u.arr.n = j;
	}
	return v;
}

struct rv *rv_object_finish(struct rv_builder *b, bool *conflict)
{
	struct rv **idx, *v;
	struct rv **k, **vals;
	size_t i, j;

	if (conflict)
		*conflict = false;
	if (b->failed)
		return NULL;
	if (b->n == 0)
		return rv_empty_object();
	/* Sort indexes by key, stable on insertion order: later values of a
	 * repeated key are compared to the earlier. Pair each key with its
	 * position through a key array sorted together with the values. */
	idx = rv_alloc(b->a, b->n * 2 * sizeof(*idx));
	k = rv_alloc(b->a, b->n * sizeof(*k));
	vals = rv_alloc(b->a, b->n * sizeof(*vals));
	if (!idx || !k || !vals)
		return NULL;
	for (i = 0; i < b->n; i++) {
		idx[2 * i] = b->k[i];
		idx[2 * i + 1] = b->v[i];
	}
	qsort(idx, b->n, 2 * sizeof(*idx), cmp_ptr);
	for (i = 0, j = 0; i < b->n; i++) {
		if (j && rv_compare(idx[2 * i], k[j - 1]) == 0) {
			if (rv_compare(idx[2 * i + 1], vals[j - 1]) != 0) {
				if (conflict)
					*conflict = true;
				return NULL;
			}
			continue;
		}
		k[j] = idx[2 * i];
		vals[j++] = idx[2 * i + 1];
	}
	v = rv_new(b->a, RV_OBJECT);
	if (v) {
		v->u.obj.k = k;
		v->u.obj.v = vals;
		v->u.obj.n = j;
	}
	return v;
}

/* ---- queries ---- */

double rv_num_double(const struct rv *v)
{
	return v->u.num.is_int ? (double)v->u.num.i : v->u.num.d;
}

bool rv_num_int(const struct rv *v, int64_t *out)
{
	if (v->type != RV_NUMBER)
		return false;
	if (v->u.num.is_int) {
		*out = v->u.num.i;
		return true;
	}
	return false; /* non-integral doubles never become ints */
}

bool rv_num_index(const struct rv *v, int64_t *out)
{
	const char *t;

	if (!rv_num_int(v, out))
		return false;
	if (!(t = v->u.num.text))
		return true;
	if (*t == '-' || *t == '+')
		t++;
	return strlen(t) <= 19 && !strpbrk(t, "eE");
}

static int cmp_num(const struct rv *a, const struct rv *b)
{
	double x, y;

	if (a->u.num.is_int && b->u.num.is_int)
		return (a->u.num.i > b->u.num.i) - (a->u.num.i < b->u.num.i);
	/* Rounding to a double keeps the order, so different doubles decide.
	 * Equal ones are compared on their exact decimals when both have
	 * them (2^53 + 1 and 2^53, 1e400 and 1e399, 1e-400 and 0 differ); a
	 * computed double has only its binary value, and a long double
	 * computation (10 * 2^60 from units.parse_bytes, 1e300 / 1) meant
	 * the literal it equals. */
	x = rv_num_double(a);
	y = rv_num_double(b);
	if (x != y)
		return (x > y) - (x < y);
	if ((!a->u.num.is_int && !a->u.num.text) ||
	    (!b->u.num.is_int && !b->u.num.text))
		return 0; /* a computed double stands for all it rounds */
	if (a->u.num.text && b->u.num.text &&
	    strcmp(a->u.num.text, b->u.num.text) == 0)
		return 0;
	return rv_num_cmp_exact(a, b);
}

static int cmp_seq(struct rv *const *a, size_t na, struct rv *const *b,
		   size_t nb)
{
	size_t i;
	int c;

	for (i = 0; i < na && i < nb; i++)
		if ((c = rv_compare(a[i], b[i])) != 0)
			return c;
	return (na > nb) - (na < nb);
}

int rv_compare(const struct rv *a, const struct rv *b)
{
	size_t i;
	int c;

	if (a == b)
		return 0;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	switch (a->type) {
	case RV_NULL:
		return 0;
	case RV_BOOL:
		return (int)a->u.b - (int)b->u.b;
	case RV_NUMBER:
		return cmp_num(a, b);
	case RV_STRING: {
		size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;

		c = n ? memcmp(a->u.str.s, b->u.str.s, n) : 0;
		if (c)
			return c < 0 ? -1 : 1;
		return (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
	}
	case RV_ARRAY:
	case RV_SET:
		return cmp_seq(a->u.arr.v, a->u.arr.n, b->u.arr.v, b->u.arr.n);
	case RV_OBJECT:
		/* OPA: key by key, then value by value, then length. */
		for (i = 0; i < a->u.obj.n && i < b->u.obj.n; i++) {
			if ((c = rv_compare(a->u.obj.k[i], b->u.obj.k[i])) != 0)
				return c;
			if ((c = rv_compare(a->u.obj.v[i], b->u.obj.v[i])) != 0)
				return c;
		}
		return (a->u.obj.n > b->u.obj.n) - (a->u.obj.n < b->u.obj.n);
	}
	return 0;
}

static ssize_t find(struct rv *const *v, size_t n, const struct rv *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = rv_compare(v[mid], key);

		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct rv *rv_object_get(const struct rv *o, const struct rv *key)
{
	ssize_t i;

	if (o->type != RV_OBJECT)
		return NULL;
	i = find(o->u.obj.k, o->u.obj.n, key);
	return i < 0 ? NULL : o->u.obj.v[i];
}

struct rv *rv_object_getc(const struct rv *o, const char *key)
{
	struct rv k = { .type = RV_STRING };

	k.u.str.s = key;
	k.u.str.len = strlen(key);
	return rv_object_get(o, &k);
}

bool rv_set_contains(const struct rv *s, const struct rv *v)
{
	return s->type == RV_SET && find(s->u.arr.v, s->u.arr.n, v) >= 0;
}

struct rv *rv_get(const struct rv *coll, const struct rv *key)
{
	int64_t i;
	ssize_t at;

	switch (coll->type) {
	case RV_ARRAY:
		if (!rv_num_index(key, &i) || i < 0 || (uint64_t)i >= coll->u.arr.n)
			return NULL;
		return coll->u.arr.v[i];
	case RV_OBJECT:
		return rv_object_get(coll, key);
	case RV_SET:
		at = find(coll->u.arr.v, coll->u.arr.n, key);
		return at < 0 ? NULL : coll->u.arr.v[at];
	default:
		return NULL;
	}
}

const char *rv_type_name(enum rv_type t)
{
	static const char *const names[] = { "null", "boolean", "number",
					     "string", "array", "object", "set" };

	return (unsigned)t < sizeof(names) / sizeof(*names) ? names[t] : "?";
}

/* ---- JSON in ---- */

struct rv *rv_from_json(struct rv_arena *a, const char *s, size_t n,
			struct eaa_err *err)
{
	struct jr r = { .a = a, .p = (const unsigned char *)s,
			.end = (const unsigned char *)s + n };
	const unsigned char *q;
	struct rv *v = NULL;
	int line = 1, col = 1;
	bool ok;

	jr_ws(&r);
	if (r.p == r.end) {
		snprintf(r.err, sizeof(r.err), "no JSON value");
		ok = false;
	} else {
		ok = jr_value(&r, &v);
		if (ok) {
			jr_ws(&r);
			if (r.p != r.end) {
				char ch[16];

				jr_quote_char(ch, sizeof(ch), *r.p);
				snprintf(r.err, sizeof(r.err),
					 "invalid character %s after top-level value", ch);
				ok = false;
			}
		}
	}
	if (ok)
		return v;
	if (r.nomem) {
		eaa_fail(err, EAA_E_NOMEM, a->exhausted ?
			 "JSON document exceeds the memory limit" :
			 "JSON document: out of memory");
		return NULL;
	}
	for (q = (const unsigned char *)s; q < r.p; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	eaa_fail(err, EAA_E_FORMAT, "JSON at line %d column %d: %s", line, col,
		 r.err);
	return NULL;
}

/* ---- JSON out ---- */

void rv_buf_puts(struct rv_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void rv_buf_printf(struct rv_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = true;
	else
		rv_buf_puts(b, tmp, (size_t)n);
}

void rv_buf_number(struct rv_buf *b, const struct rv *v)
{
	char tmp[64];
	int prec;

	if (v->u.num.text) {
		rv_buf_puts(b, v->u.num.text, strlen(v->u.num.text));
		return;
	}
	if (v->u.num.is_int) {
		rv_buf_printf(b, "%lld", (long long)v->u.num.i);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v->u.num.d);
		if (strtod(tmp, NULL) == v->u.num.d)
			break;
	}
	rv_buf_puts(b, tmp, strlen(tmp));
}

size_t rv_utf8_decode(const char *s, size_t n, uint32_t *r)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c = p[0], min;
	size_t len, i;

	*r = 0xfffd;
	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 1;
	}
	if (n < len)
		return 1;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 1;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 1;
	*r = c;
	return len;
}

void rv_buf_rune(struct rv_buf *b, uint32_t r)
{
	char u[4];
	size_t n;

	if (r < 0x80) {
		u[0] = (char)r;
		n = 1;
	} else if (r < 0x800) {
		u[0] = (char)(0xc0 | r >> 6);
		u[1] = (char)(0x80 | (r & 0x3f));
		n = 2;
	} else if (r < 0x10000) {
		u[0] = (char)(0xe0 | r >> 12);
		u[1] = (char)(0x80 | (r >> 6 & 0x3f));
		u[2] = (char)(0x80 | (r & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | r >> 18);
		u[1] = (char)(0x80 | (r >> 12 & 0x3f));
		u[2] = (char)(0x80 | (r >> 6 & 0x3f));
		u[3] = (char)(0x80 | (r & 0x3f));
		n = 4;
	}
	rv_buf_puts(b, u, n);
}

void rv_buf_json_string(struct rv_buf *b, const char *s, size_t n, bool go)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k, start = 0;
	uint32_t r;
	char esc[7];

	rv_buf_puts(b, "\"", 1);
	for (i = 0; i < n; i += k) {
		unsigned char c = (unsigned char)s[i];
		const char *e = NULL;

		k = 1;
		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\n': e = "\\n"; break;
		case '\r': e = "\\r"; break;
		case '\t': e = "\\t"; break;
		case '\b': e = "\\b"; break;
		case '\f': e = "\\f"; break;
		default:
			if (c < 0x20 ||
			    (go && (c == '<' || c == '>' || c == '&'))) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				esc[6] = '\0';
				e = esc;
			} else if (go && c >= 0x80) {
				k = rv_utf8_decode(s + i, n - i, &r);
				if (k == 1)
					e = "\\ufffd";
				else if (r == 0x2028 || r == 0x2029)
					e = r == 0x2028 ? "\\u2028" : "\\u2029";
			}
		}
		if (e) {
			rv_buf_puts(b, s + start, i - start);
			rv_buf_puts(b, e, strlen(e));
			start = i + k;
		}
	}
	rv_buf_puts(b, s + start, n - start);
	rv_buf_puts(b, "\"", 1);
}

static void newline(struct rv_buf *b, bool pretty, int indent)
{
	int i;

	if (!pretty)
		return;
	rv_buf_puts(b, "\n", 1);
	for (i = 0; i < indent; i++)
		rv_buf_puts(b, "  ", 2);
}

void rv_buf_json(struct rv_buf *b, const struct rv *v, bool pretty, int indent)
{
	size_t i;

	switch (v->type) {
	case RV_NULL:
		rv_buf_puts(b, "null", 4);
		break;
	case RV_BOOL:
		rv_buf_puts(b, v->u.b ? "true" : "false", v->u.b ? 4 : 5);
		break;
	case RV_NUMBER:
		rv_buf_number(b, v);
		break;
	case RV_STRING:
		rv_buf_json_string(b, v->u.str.s, v->u.str.len, false);
		break;
	case RV_ARRAY:
	case RV_SET:
		if (v->u.arr.n == 0) {
			rv_buf_puts(b, "[]", 2);
			break;
		}
		rv_buf_puts(b, "[", 1);
		for (i = 0; i < v->u.arr.n; i++) {
			if (i)
				rv_buf_puts(b, ",", 1);
			newline(b, pretty, indent + 1);
			rv_buf_json(b, v->u.arr.v[i], pretty, indent + 1);
		}
		newline(b, pretty, indent);
		rv_buf_puts(b, "]", 1);
		break;
	case RV_OBJECT:
		if (v->u.obj.n == 0) {
			rv_buf_puts(b, "{}", 2);
			break;
		}
		rv_buf_puts(b, "{", 1);
		for (i = 0; i < v->u.obj.n; i++) {
			const struct rv *k = v->u.obj.k[i];

			if (i)
				rv_buf_puts(b, ",", 1);
			newline(b, pretty, indent + 1);
			if (k->type == RV_STRING) {
				rv_buf_json_string(b, k->u.str.s, k->u.str.len,
						   false);
			} else {
				struct rv_buf kb = { 0 };

				rv_buf_json(&kb, k, false, 0);
				if (kb.failed)
					b->failed = true;
				else
					rv_buf_json_string(b, kb.p, kb.len,
							   false);
				free(kb.p);
			}
			rv_buf_puts(b, pretty ? ": " : ":", pretty ? 2 : 1);
			rv_buf_json(b, v->u.obj.v[i], pretty, indent + 1);
		}
		newline(b, pretty, indent);
		rv_buf_puts(b, "}", 1);
		break;
	}
}

char *rv_to_json(const struct rv *v, bool pretty)
{
	struct rv_buf b = { 0 };

	rv_buf_json(&b, v, pretty, 0);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	if (!b.p)
		return strdup("");
	return b.p;
}
