/* builtins_crypto.c - what the token and certificate built-ins share
 * (builtins_crypto.h): Go's PEM block reader, and calling another
 * built-in for its exact behaviour and message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_crypto.h"
#include "codec.h"

/* ---- PEM, as Go's encoding/pem ---- */

/* A line without its '\n' and without trailing spaces, tabs and CRs;
 * *next is where the following line starts. */
static size_t pem_line(const char *s, size_t n, size_t *next)
{
	const char *nl = memchr(s, '\n', n);
	size_t len = nl ? (size_t)(nl - s) : n;

	*next = nl ? len + 1 : n;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r'))
		len--;
	return len;
}

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !memcmp(s, p, k);
}

static const char *find(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; n >= k && i <= n - k; i++)
		if (s[i] == needle[0] && !memcmp(s + i, needle, k))
			return s + i;
	return NULL;
}

/* The base64 body between the header lines and the END line, spaces,
 * tabs and line breaks removed, decoded strictly. */
static bool pem_body(const char *s, size_t n, struct pem_block *b,
		     bool *nomem)
{
	char *t;
	size_t i, k = 0;
	uint8_t *der;
	size_t len;
	bool ok;

	if (!(t = malloc(n + 1))) {
		*nomem = true;
		return false;
	}
	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			t[k++] = s[i];
	t[k] = '\0';
	if (k == 0) { /* an empty block */
		der = (uint8_t *)t;
		len = 0;
		ok = true;
	} else {
		ok = base64_decode(t, false, &der, &len);
		free(t);
	}
	if (!ok)
		return false;
	b->der = der;
	b->len = len;
	return true;
}

bool pem_decode(const char *s, size_t n, struct pem_block *b, size_t *rest,
		struct pem_reader *r)
{
	size_t pos = 0;
	bool *nomem = &r->nomem;
	bool first = true;

	memset(b, 0, sizeof(*b));
	for (;; first = false) {
		const char *p = s + pos, *q, *end;
		size_t left = n - pos, tlen, next, llen, endi, trail;
		const char *type;

		if (!first && !r->budget--)
			return false;
		if (has_prefix(p, left, "-----BEGIN ")) {
			pos += 11;
		} else if ((q = find(p, left, "\n-----BEGIN "))) {
			pos = (size_t)(q - s) + 12;
		} else {
			return false;
		}
		p = s + pos;
		left = n - pos;
		tlen = pem_line(p, left, &next);
		if (tlen < 5 || memcmp(p + tlen - 5, "-----", 5))
			continue;
		type = p;
		tlen -= 5;
		pos += next;
		/* header lines ("Key: value") until the first without ':' */
		b->has_headers = false;
		for (;;) {
			if (pos == n)
				return false;
			llen = pem_line(s + pos, n - pos, &next);
			if (!memchr(s + pos, ':', llen))
				break;
			b->has_headers = true;
			pos += next;
		}
		p = s + pos;
		left = n - pos;
		if (!b->has_headers && has_prefix(p, left, "-----END ")) {
			endi = 0;
			trail = 9;
		} else if ((end = find(p, left, "\n-----END "))) {
			endi = (size_t)(end - p);
			trail = endi + 10;
		} else {
			continue;
		}
		if (left - trail < tlen + 5 || memcmp(p + trail, type, tlen) ||
		    memcmp(p + trail + tlen, "-----", 5))
			continue;
		if (pem_line(p + trail + tlen + 5, left - trail - tlen - 5,
			     &next) != 0)
			continue;
		if (!pem_body(p, endi, b, nomem)) {
			if (*nomem)
				return false;
			continue;
		}
		snprintf(b->type, sizeof(b->type), "%.*s",
			 (int)(tlen < sizeof(b->type) ? tlen : sizeof(b->type) - 1),
			 type);
		/* past the END line (from its dashes: the block may be empty) */
		pem_line(p + trail - 9, left - (trail - 9), &next);
		*rest = pos + trail - 9 + next;
		return true;
	}
}

void pem_block_free(struct pem_block *b)
{
	free(b->der);
	b->der = NULL;
	b->len = 0;
}

/* ---- calling another built-in ---- */

enum rb_status rb_call(struct rb_ctx *c, const char *fn,
		       struct rv *const *args, struct rv **out, char *err,
		       size_t errlen)
{
	const struct rb_def *d = rb_lookup(fn, strlen(fn));
	struct rb_ctx sub = { .arena = c->arena, .name = fn,
			      .now_ns = c->now_ns };
	enum rb_status st;
	size_t k = strlen(fn);

	if (!d)
		return rb_error(c, "%s is unavailable", fn);
	st = d->fn(&sub, args, out);
	if (st == RB_ERROR || st == RB_TYPE_ERROR) {
		if (c->arena->exhausted)
			return rb_nomem(c);
		const char *m = sub.msg;

		if (!strncmp(m, fn, k) && !strncmp(m + k, ": ", 2))
			m += k + 2;
		snprintf(err, errlen, "%s", m);
	}
	return st;
}

