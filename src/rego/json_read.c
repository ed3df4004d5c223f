/* json_read.c - JSON text to Rego values, as Go's encoding/json reads it:
 * the one reader for input and data documents and json.unmarshal, so a
 * document means the same wherever it enters. Iterative, so nesting costs
 * heap rather than stack, and bounded (JSON_MAX_DEPTH). Errors are Go's
 * words ("invalid character 'x' looking for beginning of value"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"
#include "codec.h"
#include "json_read.h"

/* The scanner's quoteChar: a byte as a quoted Go rune. */
void jr_quote_char(char *dst, size_t len, unsigned char ch)
{
	struct rv_buf b = { 0 };

	if (ch == '\'') {
		snprintf(dst, len, "'\\''");
		return;
	}
	if (ch == '"') {
		snprintf(dst, len, "'\"'");
		return;
	}
	go_quote_rune(&b, ch, '\'');
	snprintf(dst, len, "'%s'", b.p && !b.failed ? b.p : "?");
	free(b.p);
}

static bool jr_fail(struct jr *r, unsigned char ch, const char *context)
{
	char q[16];

	jr_quote_char(q, sizeof(q), ch);
	snprintf(r->err, sizeof(r->err), "invalid character %s %s", q,
		 context);
	return false;
}

/* A value cut short: json.Decoder says io.ErrUnexpectedEOF. */
static bool jr_eof(struct jr *r)
{
	snprintf(r->err, sizeof(r->err), "unexpected EOF");
	return false;
}

void jr_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int jr_hex4(const unsigned char *p)
{
	int i, v = 0, d;

	for (i = 0; i < 4; i++) {
		if ((d = hex_digit(p[i])) < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Decode the body of a checked string literal (between the quotes) the way
 * Go unquotes it: bad UTF-8 and unpaired surrogates become U+FFFD. */
static void jr_unquote(struct rv_buf *b, const unsigned char *p,
		       const unsigned char *e)
{
	uint32_t r;
	int u, lo;

	while (p < e) {
		if (*p != '\\') {
			const unsigned char *start = p;

			while (p < e && *p != '\\' && *p < 0x80)
				p++;
			rv_buf_puts(b, (const char *)start, (size_t)(p - start));
			if (p < e && *p >= 0x80) {
				size_t k = rv_utf8_decode((const char *)p,
							  (size_t)(e - p), &r);

				if (k == 1)
					rv_buf_rune(b, 0xfffd);
				else
					rv_buf_puts(b, (const char *)p, k);
				p += k;
			}
			continue;
		}
		p++;
		switch (*p) {
		case 'b': rv_buf_rune(b, '\b'); break;
		case 'f': rv_buf_rune(b, '\f'); break;
		case 'n': rv_buf_rune(b, '\n'); break;
		case 'r': rv_buf_rune(b, '\r'); break;
		case 't': rv_buf_rune(b, '\t'); break;
		case 'u':
			u = jr_hex4(p + 1);
			p += 4;
			if (u >= 0xd800 && u < 0xe000) {
				lo = -1;
				if (u < 0xdc00 && e - p >= 7 && p[1] == '\\' &&
				    p[2] == 'u')
					lo = jr_hex4(p + 3);
				if (lo >= 0xdc00 && lo < 0xe000) {
					u = 0x10000 + ((u - 0xd800) << 10 |
						       (lo - 0xdc00));
					p += 6;
				} else {
					u = 0xfffd;
				}
			}
			rv_buf_rune(b, (uint32_t)u);
			break;
		default: /* '"', '\\', '/' */
			rv_buf_rune(b, *p);
		}
		p++;
	}
}

static bool jr_string(struct jr *r, struct rv **out)
{
	const unsigned char *start = ++r->p;
	struct rv_buf b = { 0 };
	int i;

	for (;;) {
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p == '"')
			break;
		if (*r->p < 0x20)
			return jr_fail(r, *r->p, "in string literal");
		if (*r->p++ != '\\')
			continue;
		if (r->p == r->end)
			return jr_eof(r);
		if (*r->p && strchr("\"\\/bfnrt", *r->p)) {
			r->p++;
			continue;
		}
		if (*r->p != 'u')
			return jr_fail(r, *r->p, "in string escape code");
		r->p++;
		for (i = 0; i < 4; i++, r->p++) {
			if (r->p == r->end)
				return jr_eof(r);
			if (hex_digit(*r->p) < 0)
				return jr_fail(r, *r->p,
					       "in \\u hexadecimal character escape");
		}
	}
	r->p++;
	if (!r->a)
		return true;
	jr_unquote(&b, start, r->p - 1);
	if (b.failed) {
		free(b.p);
		r->nomem = true;
		return false;
	}
	*out = rv_string(r->a, b.p ? b.p : "", b.len);
	free(b.p);
	if (!*out)
		r->nomem = true;
	return *out != NULL;
}

/* A number the grammar accepted, kept with its text (value.h): ints
 * exactly, and the rest exact in comparisons and in the integer
 * arithmetic past int64. NULL past the bound on numbers (number.h). */
static struct rv *jr_number_value(struct rv_arena *a, const char *s, size_t n)
{
	return rv_number_text(a, s, n);
}

static bool jr_digits(struct jr *r)
{
	bool any = false;

	while (r->p < r->end && is_digit(*r->p)) {
		r->p++;
		any = true;
	}
	return any;
}

static bool jr_number(struct jr *r, struct rv **out)
{
	const unsigned char *start = r->p;

	if (*r->p == '-') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!is_digit(*r->p))
			return jr_fail(r, *r->p, "in numeric literal");
	}
	if (*r->p == '0')
		r->p++;
	else
		jr_digits(r);
	if (r->p < r->end && *r->p == '.') {
		if (++r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p,
				       "after decimal point in numeric literal");
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		if (++r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p == r->end)
			return jr_eof(r);
		if (!jr_digits(r))
			return jr_fail(r, *r->p, "in exponent of numeric literal");
	}
	if (!r->a)
		return true;
	*out = jr_number_value(r->a, (const char *)start,
			       (size_t)(r->p - start));
	if (!*out) {
		if (r->a->exhausted)
			r->nomem = true;
		else
			snprintf(r->err, sizeof(r->err),
				 "number out of range");
		return false;
	}
	return true;
}

static bool jr_literal(struct jr *r, const char *word, struct rv *v,
		       struct rv **out)
{
	size_t i;
	char ctx[40];

	for (i = 1; word[i]; i++) {
		if (r->p + i >= r->end)
			return jr_eof(r);
		if (r->p[i] != (unsigned char)word[i]) {
			snprintf(ctx, sizeof(ctx), "in literal %s (expecting '%c')",
				 word, word[i]);
			return jr_fail(r, r->p[i], ctx);
		}
	}
	r->p += i;
	*out = v;
	return true;
}

/* A string, number or literal. */
bool jr_scalar(struct jr *r, struct rv **out)
{
	*out = NULL;
	switch (*r->p) {
	case '"':
		return jr_string(r, out);
	case 't':
		return jr_literal(r, "true", rv_bool(true), out);
	case 'f':
		return jr_literal(r, "false", rv_bool(false), out);
	case 'n':
		return jr_literal(r, "null", rv_null(), out);
	default:
		if (*r->p == '-' || is_digit(*r->p))
			return jr_number(r, out);
		return jr_fail(r, *r->p, "looking for beginning of value");
	}
}

/* An object member key and its colon. */
static bool jr_key(struct jr *r, struct rv **key)
{
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != '"')
		return jr_fail(r, *r->p,
			       "looking for beginning of object key string");
	if (!jr_string(r, key))
		return false;
	jr_ws(r);
	if (r->p == r->end)
		return jr_eof(r);
	if (*r->p != ':')
		return jr_fail(r, *r->p, "after object key");
	r->p++;
	return true;
}

/* A JSON object keeps the last of repeated keys, as decoding into a Go map
 * does; rv_object_finish refuses conflicts, so resolve them first. */
static struct rv *jr_object_finish(struct jr *r, struct rv_builder *b)
{
	struct rv_builder nb;
	struct pos_pair *p;
	bool conflict;
	struct rv *v;
	size_t i, n = b->n;

	v = rv_object_finish(b, &conflict);
	if (v || !conflict)
		return v;
	if (!(p = malloc(n * sizeof(*p))))
		return NULL;
	for (i = 0; i < n; i++) {
		p[i].k = b->k[i];
		p[i].v = b->v[i];
		p[i].pos = i;
	}
	qsort(p, n, sizeof(*p), pos_pair_cmp);
	rv_builder_init(&nb, r->a);
	for (i = 0; i < n; i++)
		if (i + 1 == n || rv_compare(p[i].k, p[i + 1].k) != 0)
			rv_builder_put(&nb, p[i].k, p[i].v);
	free(p);
	return rv_object_finish(&nb, NULL);
}

struct jr_frame {
	struct rv_builder b;
	struct rv *key;
	bool obj;
};

static bool jr_push(struct jr *r, struct jr_frame **st, size_t *depth,
		    size_t *cap, bool obj)
{
	struct jr_frame *f;

	if (*depth >= JSON_MAX_DEPTH)
		return jr_fail(r, obj ? '{' : '[', "exceeded max depth");
	if (*depth == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if (!(f = realloc(*st, ncap * sizeof(*f)))) {
			r->nomem = true;
			return false;
		}
		*st = f;
		*cap = ncap;
	}
	f = &(*st)[(*depth)++];
	rv_builder_init(&f->b, r->a);
	f->key = NULL;
	f->obj = obj;
	return true;
}

/* Attach a finished value to the innermost open container and read what
 * follows it. Returns 1 when the container goes on (a value is expected
 * next), 0 when it closed (*v is now the container, for the level up),
 * -1 on error. */
static int jr_attach(struct jr *r, struct jr_frame *f, struct rv **v)
{
	unsigned char ch;

	if (r->a && !(f->obj ? rv_builder_put(&f->b, f->key, *v)
			     : rv_builder_add(&f->b, *v))) {
		r->nomem = true;
		return -1;
	}
	jr_ws(r);
	if (r->p == r->end) {
		jr_eof(r);
		return -1;
	}
	ch = *r->p++;
	if (ch == ',')
		return f->obj && !jr_key(r, &f->key) ? -1 : 1;
	if (ch != (f->obj ? '}' : ']')) {
		jr_fail(r, ch, f->obj ? "after object key:value pair"
				      : "after array element");
		return -1;
	}
	if (!r->a)
		return 0;
	*v = f->obj ? jr_object_finish(r, &f->b) : rv_array_finish(&f->b);
	if (!*v) {
		r->nomem = true;
		return -1;
	}
	return 0;
}

/* One JSON value, iteratively so depth costs heap, not stack. On failure
 * r->err holds Go's message (or r->nomem is set). */
bool jr_value(struct jr *r, struct rv **out)
{
	struct jr_frame *st = NULL;
	size_t depth = 0, cap = 0;
	struct rv *v = NULL;
	bool ok = false;
	int more;

	for (;;) {
		unsigned char ch;

		jr_ws(r);
		if (r->p == r->end) {
			jr_eof(r);
			break;
		}
		ch = *r->p;
		if (ch == '[' || ch == '{') {
			if (!jr_push(r, &st, &depth, &cap, ch == '{'))
				break;
			r->p++;
			jr_ws(r);
			if (r->p < r->end && *r->p == (ch == '{' ? '}' : ']')) {
				r->p++;
				depth--;
				v = ch == '{' ? rv_empty_object()
					      : rv_empty_array();
			} else if (ch == '{') {
				if (!jr_key(r, &st[depth - 1].key))
					break;
				continue;
			} else {
				continue;
			}
		} else if (!jr_scalar(r, &v)) {
			break;
		}
		more = 0;
		while (depth && (more = jr_attach(r, &st[depth - 1], &v)) == 0)
			depth--;
		if (more < 0)
			break;
		if (!depth) {
			*out = v;
			ok = true;
			break;
		}
	}
	free(st);
	return ok;
}

