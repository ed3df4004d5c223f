/* json_fast.c - a JSON reader that scans its buffer directly (see
 * json_util.h, json_fast_loadb). jansson's json_loadb reads its input one
 * character at a time through a callback: for the agent's key-provider
 * requests and verdictd's EAA requests, mostly long base64 strings, that
 * was a third of the agent's CPU per call (docs/benchmarks.md).
 *
 * It builds the same jansson values json_loadb would, and is allowed to
 * be stricter, never laxer: whatever it is unsure of (a depth past
 * FAST_MAX_DEPTH, an escape it does not decode, a flag it does not know)
 * it declines, and json_loadb_fast asks jansson, which then gives its own
 * result and its own error message. fuzz_json_fast checks the two agree
 * on every input either accepts. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "codec.h"
#include "json_util.h"

#define FAST_MAX_DEPTH 256

struct jf {
	const unsigned char *p, *end;
	size_t flags;
	int depth;
};

static void skip_ws(struct jf *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

static json_t *value(struct jf *f);

static int hex4(const unsigned char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* A decoded string dropped: wiped first, as jansson's own blocks are
 * (json_wipe_on_free), since replies carry keys in strings. */
static void drop(char *o, size_t cap)
{
	OPENSSL_cleanse(o, cap);
	free(o);
}

/* A string after its opening quote: *out (malloc'd, NUL-terminated, *n
 * bytes) or false. A string without escapes is copied once. */
static bool string(struct jf *f, char **out, size_t *n)
{
	const unsigned char *s = f->p, *q = s;
	bool esc = false;
	char *o;
	size_t len;

	/* first pass: the extent, and whether anything must be decoded */
	while (q < f->end && *q != '"') {
		if (*q < 0x20)
			return false;
		if (*q == '\\') {
			esc = true;
			if (++q >= f->end)
				return false;
			q++;
		} else if (*q < 0x80) {
			q++;
		} else {
			size_t l = utf8_len(q, (size_t)(f->end - q));

			if (!l)
				return false;
			q += l;
		}
	}
	if (q >= f->end)
		return false;
	len = (size_t)(q - s);
	if (!(o = malloc(len + 1)))
		return false;
	if (!esc) {
		memcpy(o, s, len);
		*n = len;
	} else {
		size_t k = 0;

		for (const unsigned char *p = s; p < q;) {
			int v, lo;

			if (*p != '\\') {
				o[k++] = (char)*p++;
				continue;
			}
			p++;
			switch (*p++) {
			case '"': o[k++] = '"'; continue;
			case '\\': o[k++] = '\\'; continue;
			case '/': o[k++] = '/'; continue;
			case 'b': o[k++] = '\b'; continue;
			case 'f': o[k++] = '\f'; continue;
			case 'n': o[k++] = '\n'; continue;
			case 'r': o[k++] = '\r'; continue;
			case 't': o[k++] = '\t'; continue;
			case 'u': break;
			default: drop(o, len + 1); return false;
			}
			/* \uXXXX, a surrogate pair as one; \u0000 only as
			 * jansson's JSON_ALLOW_NUL allows it */
			if (q - p < 4 || (v = hex4(p)) < 0) {
				drop(o, len + 1);
				return false;
			}
			p += 4;
			if (v >= 0xdc00 && v <= 0xdfff) {
				drop(o, len + 1);
				return false;
			}
			if (v >= 0xd800 && v <= 0xdbff) {
				if (q - p < 6 || p[0] != '\\' || p[1] != 'u' ||
				    (lo = hex4(p + 2)) < 0xdc00 || lo > 0xdfff) {
					drop(o, len + 1);
					return false;
				}
				p += 6;
				v = 0x10000 + ((v - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (v == 0 && !(f->flags & JSON_ALLOW_NUL)) {
				drop(o, len + 1);
				return false;
			}
			/* an escape is never shorter than what it makes */
			k += utf8_put((uint32_t)v, o + k);
		}
		*n = k;
	}
	o[*n] = '\0';
	f->p = q + 1;
	*out = o;
	return true;
}

/* A number, as jansson reads one: an integer without fraction or exponent
 * that fits json_int_t, else a finite real. */
static json_t *number(struct jf *f)
{
	const unsigned char *s = f->p, *p = s;
	bool real = false;
	char buf[64], *end;

	if (p < f->end && *p == '-')
		p++;
	if (p >= f->end || *p < '0' || *p > '9')
		return NULL;
	if (*p == '0') {
		p++;
	} else {
		while (p < f->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < f->end && *p == '.') {
		real = true;
		if (++p >= f->end || *p < '0' || *p > '9')
			return NULL;
		while (p < f->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < f->end && (*p == 'e' || *p == 'E')) {
		real = true;
		p++;
		if (p < f->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= f->end || *p < '0' || *p > '9')
			return NULL;
		while (p < f->end && *p >= '0' && *p <= '9')
			p++;
	}
	/* a long number is jansson's to read */
	if ((size_t)(p - s) >= sizeof(buf))
		return NULL;
	memcpy(buf, s, (size_t)(p - s));
	buf[p - s] = '\0';
	f->p = p;
	errno = 0;
	if (!real) {
		long long v = strtoll(buf, &end, 10);

		return errno == ERANGE || *end ? NULL : json_integer((json_int_t)v);
	} else {
		double d = strtod(buf, &end);

		if (*end || (errno == ERANGE && (d > 1.0 || d < -1.0)))
			return NULL;
		return json_real(d);
	}
}

static bool literal(struct jf *f, const char *w, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
		return false;
	f->p += n;
	return true;
}

static json_t *array(struct jf *f)
{
	json_t *a = json_array(), *v;

	f->p++;
	skip_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return a;
	}
	for (;;) {
		if (!(v = value(f)) || json_array_append_new(a, v) != 0)
			break;
		skip_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			continue;
		}
		if (f->p < f->end && *f->p == ']') {
			f->p++;
			return a;
		}
		break;
	}
	json_decref(a);
	return NULL;
}

static json_t *object(struct jf *f)
{
	json_t *o = json_object(), *v;
	char *key;
	size_t kn;

	f->p++;
	skip_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		return o;
	}
	for (;;) {
		if (f->p >= f->end || *f->p != '"')
			break;
		f->p++;
		if (!string(f, &key, &kn))
			break;
		/* jansson refuses a NUL in a key, and with the flag a key
		 * given twice */
		if (memchr(key, '\0', kn) ||
		    ((f->flags & JSON_REJECT_DUPLICATES) && json_object_getn(o, key, kn))) {
			drop(key, kn + 1);
			break;
		}
		skip_ws(f);
		if (f->p >= f->end || *f->p != ':') {
			drop(key, kn + 1);
			break;
		}
		f->p++;
		if (!(v = value(f))) {
			drop(key, kn + 1);
			break;
		}
		if (json_object_setn_new_nocheck(o, key, kn, v) != 0) {
			drop(key, kn + 1);
			break;
		}
		drop(key, kn + 1);
		skip_ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			skip_ws(f);
			continue;
		}
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return o;
		}
		break;
	}
	json_decref(o);
	return NULL;
}

static json_t *value(struct jf *f)
{
	json_t *v = NULL;
	char *s;
	size_t n;

	skip_ws(f);
	if (f->p >= f->end)
		return NULL;
	switch (*f->p) {
	case '{':
	case '[':
		if (++f->depth > FAST_MAX_DEPTH)
			return NULL;
		v = *f->p == '{' ? object(f) : array(f);
		f->depth--;
		return v;
	case '"':
		f->p++;
		if (!string(f, &s, &n))
			return NULL;
		v = json_stringn_nocheck(s, n);
		drop(s, n + 1);
		return v;
	case 't': return literal(f, "true", 4) ? json_true() : NULL;
	case 'f': return literal(f, "false", 5) ? json_false() : NULL;
	case 'n': return literal(f, "null", 4) ? json_null() : NULL;
	default: return number(f);
	}
}

json_t *json_fast_loadb(const char *buf, size_t n, size_t flags)
{
	struct jf f = { (const unsigned char *)buf, (const unsigned char *)buf + n, flags, 0 };
	json_t *v;

	/* what this reader knows; anything else is jansson's */
	if (!buf || (flags & ~(size_t)(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)))
		return NULL;
	skip_ws(&f);
	if (!(flags & JSON_DECODE_ANY) && (f.p >= f.end || (*f.p != '{' && *f.p != '[')))
		return NULL;
	if (!(v = value(&f)))
		return NULL;
	skip_ws(&f);
	if (f.p != f.end) {
		json_decref(v);
		return NULL;
	}
	return v;
}

json_t *json_loadb_fast(const char *buf, size_t n, size_t flags, json_error_t *err)
{
	json_t *v = json_fast_loadb(buf, n, flags);

	return v ? v : json_loadb(buf, n, flags, err);
}

bool json_quote(struct wr *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);

	wr_u8(w, '"');
	while (p < end) {
		size_t l;

		if (*p == '"' || *p == '\\') {
			wr_u8(w, '\\');
			wr_u8(w, *p++);
		} else if (*p < 0x20) {
			/* jansson's short forms, else \u00XX in upper case */
			static const char sh[] = "b\bf\fn\nr\rt\t";
			const char *m = memchr(sh, *p, sizeof(sh) - 1);

			if (m && (m - sh) % 2 == 1) {
				char e[2] = { '\\', m[-1] };

				wr_bytes(w, e, 2);
			} else {
				char u[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };

				wr_bytes(w, u, sizeof(u));
			}
			p++;
		} else if (!(l = utf8_len(p, (size_t)(end - p)))) {
			return false;
		} else {
			wr_bytes(w, p, l);
			p += l;
		}
	}
	wr_u8(w, '"');
	return !w->failed;
}
