/* jcs.c - RFC 8785 canonical JSON over jansson values (see jcs.h). */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcs.h"

/* Nesting deeper than this is refused (jansson's parser stops at 2048). */
#define MAX_DEPTH 2048

struct out {
	char *p;
	size_t len, cap;
	bool failed;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *np;

		while (o->len + n + 1 > cap)
			cap *= 2;
		if (!(np = realloc(o->p, cap))) {
			o->failed = true;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

bool jcs_number(double d, char out[32])
{
	char digits[32], buf[40];
	int k, n, i;
	bool neg;

	if (isnan(d) || isinf(d))
		return false;
	if (d == 0) {
		strcpy(out, "0"); /* -0 too */
		return true;
	}
	neg = d < 0;
	if (neg)
		d = -d;
	/* the fewest significant digits that read back to d (ECMAScript's
	 * k); %.*e rounds correctly, so the first k that round-trips is the
	 * shortest, and its digits are the closest to d of that length */
	for (k = 1; k <= 17; k++) {
		snprintf(buf, sizeof(buf), "%.*e", k - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf is "d.ddde[+-]xx": the digits and the exponent n - 1 */
	for (i = 0, n = 0; buf[i] && buf[i] != 'e'; i++)
		if (buf[i] != '.')
			digits[n++] = buf[i];
	digits[n] = '\0';
	k = n;
	n = atoi(strchr(buf, 'e') + 1) + 1;
	i = 0;
	if (neg)
		out[i++] = '-';
	if (k <= n && n <= 21) {
		/* an integer: the digits, then n - k zeros */
		memcpy(out + i, digits, (size_t)k);
		i += k;
		memset(out + i, '0', (size_t)(n - k));
		i += n - k;
	} else if (0 < n && n <= 21) {
		/* a point inside the digits */
		memcpy(out + i, digits, (size_t)n);
		i += n;
		out[i++] = '.';
		memcpy(out + i, digits + n, (size_t)(k - n));
		i += k - n;
	} else if (-6 < n && n <= 0) {
		/* 0.000ddd */
		out[i++] = '0';
		out[i++] = '.';
		memset(out + i, '0', (size_t)-n);
		i += -n;
		memcpy(out + i, digits, (size_t)k);
		i += k;
	} else {
		/* d[.ddd]e+x or e-x */
		out[i++] = digits[0];
		if (k > 1) {
			out[i++] = '.';
			memcpy(out + i, digits + 1, (size_t)(k - 1));
			i += k - 1;
		}
		i += snprintf(out + i, 32 - (size_t)i, "e%c%d", n - 1 < 0 ? '-' : '+',
			      abs(n - 1));
	}
	out[i] = '\0';
	return true;
}

static void put_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	put(o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[7];
		const char *e = NULL;

		switch (c) {
		case '"': e = "\\\""; break;
		case '\\': e = "\\\\"; break;
		case '\b': e = "\\b"; break;
		case '\t': e = "\\t"; break;
		case '\n': e = "\\n"; break;
		case '\f': e = "\\f"; break;
		case '\r': e = "\\r"; break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof(esc), "\\u00%c%c", hex[c >> 4], hex[c & 15]);
				e = esc;
			}
		}
		if (!e)
			continue;
		put(o, s + run, i - run);
		puts_(o, e);
		run = i + 1;
	}
	put(o, s + run, n - run);
	put(o, "\"", 1);
}

/* The next code point of UTF-8 s[*i..n) (jansson's strings are valid
 * UTF-8), as one or two UTF-16 code units into u; their count. */
static int utf16_units(const unsigned char *s, size_t n, size_t *i, uint16_t u[2])
{
	uint32_t cp = s[*i];
	int extra = cp < 0x80 ? 0 : cp < 0xe0 ? 1 : cp < 0xf0 ? 2 : 3;

	if (extra)
		cp &= 0x3fu >> extra;
	for ((*i)++; extra-- > 0 && *i < n; (*i)++)
		cp = (cp << 6) | (s[*i] & 0x3f);
	if (cp < 0x10000) {
		u[0] = (uint16_t)cp;
		return 1;
	}
	cp -= 0x10000;
	u[0] = (uint16_t)(0xd800 + (cp >> 10));
	u[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
	return 2;
}

/* Member names compared by their UTF-16 code units (RFC 8785 3.2.3). */
static int cmp_utf16(const void *pa, const void *pb)
{
	const unsigned char *a = *(const unsigned char *const *)pa;
	const unsigned char *b = *(const unsigned char *const *)pb;
	size_t na = strlen((const char *)a), nb = strlen((const char *)b), i = 0, j = 0;
	uint16_t ua[2], ub[2];
	int ca = 0, cb = 0, xa = 0, xb = 0;

	for (;;) {
		if (xa == ca) {
			if (i == na)
				break;
			ca = utf16_units(a, na, &i, ua);
			xa = 0;
		}
		if (xb == cb) {
			if (j == nb)
				return 1;
			cb = utf16_units(b, nb, &j, ub);
			xb = 0;
		}
		if (ua[xa] != ub[xb])
			return ua[xa] < ub[xb] ? -1 : 1;
		xa++;
		xb++;
	}
	return xb == cb && j == nb ? 0 : -1;
}

static bool emit(struct out *o, const json_t *v, int depth, char *where, size_t cap,
		 struct eaa_err *err)
{
	char num[32];

	if (depth > MAX_DEPTH)
		return eaa_fail(err, EAA_E_FORMAT, "JSON nested deeper than %d at %s",
				MAX_DEPTH, where);
	switch (json_typeof(v)) {
	case JSON_NULL: puts_(o, "null"); return true;
	case JSON_TRUE: puts_(o, "true"); return true;
	case JSON_FALSE: puts_(o, "false"); return true;
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		return true;
	case JSON_INTEGER:
	case JSON_REAL:
		if (!jcs_number(json_number_value(v), num))
			return eaa_fail(err, EAA_E_FORMAT, "a number that is not finite at %s",
					where);
		puts_(o, num);
		return true;
	case JSON_ARRAY: {
		size_t i, at = strlen(where);

		put(o, "[", 1);
		for (i = 0; i < json_array_size(v); i++) {
			if (i)
				put(o, ",", 1);
			snprintf(where + at, cap - at, "[%zu]", i);
			if (!emit(o, json_array_get(v, i), depth + 1, where, cap, err))
				return false;
		}
		where[at] = '\0';
		put(o, "]", 1);
		return true;
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0, at = strlen(where);
		const char **keys = calloc(n ? n : 1, sizeof(*keys));
		const char *key;
		json_t *m;
		bool ok = true;

		if (!keys)
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		json_object_foreach((json_t *)v, key, m)
			keys[i++] = key;
		qsort(keys, n, sizeof(*keys), cmp_utf16);
		put(o, "{", 1);
		for (i = 0; ok && i < n; i++) {
			if (i)
				put(o, ",", 1);
			put_string(o, keys[i], strlen(keys[i]));
			put(o, ":", 1);
			snprintf(where + at, cap - at, ".%s", keys[i]);
			ok = emit(o, json_object_get(v, keys[i]), depth + 1, where, cap, err);
		}
		free(keys);
		where[at] = '\0';
		put(o, "}", 1);
		return ok;
	}
	}
	return eaa_fail(err, EAA_E_FORMAT, "not a JSON value at %s", where);
}

char *jcs_serialize(const json_t *v, size_t *len, struct eaa_err *err)
{
	struct out o = { 0 };
	char where[512] = "$";

	if (!v) {
		eaa_fail(err, EAA_E_INVALID, "jcs_serialize: no value");
		return NULL;
	}
	if (!emit(&o, v, 0, where, sizeof(where), err)) {
		free(o.p);
		return NULL;
	}
	if (o.failed) {
		free(o.p);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	*len = o.len;
	return o.p;
}
