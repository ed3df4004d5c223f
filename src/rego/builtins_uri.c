/* builtins_uri.c - uri.parse and uri.is_valid: a URI as Go's net/url.Parse
 * (Go 1.26) splits and validates it, since that decides what OPA accepts
 * and the words of its errors ("parse \"...\": invalid port \":x\" after
 * host").
 *
 * Owns rb_uri_defs. The steps of url.Parse are followed in order: the
 * fragment cut at the first '#', control bytes refused, the scheme, the
 * query, an opaque part, the authority (userinfo, host with its IPv6
 * literal, zone and port; for http and https a second ':' in the host is an
 * error, as Go's default urlstrictcolons has it), then the path and
 * fragment unescaped, the raw path kept only when re-escaping the path
 * would not give it back. An IPv6 literal is checked with inet_pton (Go's
 * netip rules for it are the same); its error text is shortened to
 * "unable to parse IP". */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "builtins_go.h"

enum enc { E_PATH, E_HOST, E_ZONE, E_USER, E_FRAGMENT };

/* net/url's shouldEscape. */
static bool should_escape(unsigned char c, enum enc mode)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return false;
	if ((mode == E_HOST || mode == E_ZONE) && c && strchr("!$&'()*+,;=:[]<>\"", c))
		return false;
	switch (c) {
	case '-': case '_': case '.': case '~':
		return false;
	case '$': case '&': case '+': case ',': case '/': case ':': case ';':
	case '=': case '?': case '@':
		switch (mode) {
		case E_PATH:
			return c == '?';
		case E_USER:
			return c == '@' || c == '/' || c == '?' || c == ':';
		case E_FRAGMENT:
			return false;
		default:
			break;
		}
		break;
	}
	if (mode == E_FRAGMENT && (c == '!' || c == '(' || c == ')' || c == '*'))
		return false;
	return true;
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned char unhex(unsigned char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The error of a step: its text, without the "parse %q: " around it. */
struct uerr {
	struct rv_buf b;
};

static bool uerr_quoted(struct uerr *e, const char *pre, const char *s, size_t n,
			const char *post)
{
	rv_buf_puts(&e->b, pre, strlen(pre));
	go_quote(&e->b, s, n);
	rv_buf_puts(&e->b, post, strlen(post));
	return false;
}

static bool uerr_text(struct uerr *e, const char *msg)
{
	rv_buf_puts(&e->b, msg, strlen(msg));
	return false;
}

/* net/url's unescape into the arena; false with the error. */
static bool unescape(struct rb_ctx *c, const char *s, size_t n, enum enc mode,
		     char **out, size_t *outn, struct uerr *e)
{
	size_t i, j, pct = 0;
	char *o;

	for (i = 0; i < n;) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '%') {
			pct++;
			if (i + 2 >= n || !is_hex((unsigned char)s[i + 1]) ||
			    !is_hex((unsigned char)s[i + 2]))
				return uerr_quoted(e, "invalid URL escape ", s + i,
						   n - i > 3 ? 3 : n - i, "");
			if (mode == E_HOST && unhex((unsigned char)s[i + 1]) < 8 &&
			    memcmp(s + i, "%25", 3) != 0)
				return uerr_quoted(e, "invalid URL escape ", s + i, 3, "");
			if (mode == E_ZONE) {
				unsigned char v = (unsigned char)(unhex((unsigned char)s[i + 1]) << 4 |
								  unhex((unsigned char)s[i + 2]));

				if (memcmp(s + i, "%25", 3) != 0 && v != ' ' &&
				    should_escape(v, E_HOST))
					return uerr_quoted(e, "invalid URL escape ", s + i, 3, "");
			}
			i += 3;
			continue;
		}
		if ((mode == E_HOST || mode == E_ZONE) && ch < 0x80 &&
		    should_escape(ch, mode))
			return uerr_quoted(e, "invalid character ", s + i, 1, " in host name");
		i++;
	}
	if (!(o = rv_alloc(c->arena, n + 1))) {
		e->b.failed = true;
		return false;
	}
	for (i = 0, j = 0; i < n; i++) {
		if (pct && s[i] == '%') {
			o[j++] = (char)(unhex((unsigned char)s[i + 1]) << 4 |
					unhex((unsigned char)s[i + 2]));
			i += 2;
		} else {
			o[j++] = s[i];
		}
	}
	o[j] = 0;
	*out = o;
	*outn = j;
	return true;
}

/* Whether escape(p, mode) gives back s[0..n). */
static bool escapes_to(const char *p, size_t pn, const char *s, size_t n,
		       enum enc mode)
{
	static const char hexd[] = "0123456789ABCDEF";
	size_t i, j = 0;

	for (i = 0; i < pn; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (should_escape(ch, mode)) {
			if (j + 3 > n || s[j] != '%' || s[j + 1] != hexd[ch >> 4] ||
			    s[j + 2] != hexd[ch & 15])
				return false;
			j += 3;
		} else {
			if (j >= n || s[j] != (char)ch)
				return false;
			j++;
		}
	}
	return j == n;
}

/* ":digits" or empty. */
static bool valid_port(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return true;
	if (s[0] != ':')
		return false;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static const char *last_byte(const char *s, size_t n, char ch)
{
	while (n--)
		if (s[n] == ch)
			return s + n;
	return NULL;
}

struct url {
	const char *scheme, *host, *path, *raw_path, *query, *fragment;
	size_t scheme_n, host_n, path_n, raw_path_n, query_n, fragment_n;
};

/* netip.ParseAddr of an IP literal's inside: false for not an address;
 * *is4 for a plain IPv4 one. */
static bool ip_literal(const char *s, size_t n, bool *is4)
{
	char buf[80];
	unsigned char a[16];
	const char *pct;
	size_t i;

	*is4 = false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (n >= sizeof(buf) || memchr(s, 0, n))
				return false;
			memcpy(buf, s, n);
			buf[n] = 0;
			return (*is4 = inet_pton(AF_INET, buf, a) == 1);
		}
		if (s[i] == ':')
			break;
		if (s[i] == '%')
			return false;
	}
	if (i == n)
		return false;
	/* a zone follows '%' and may not be empty */
	if ((pct = memchr(s, '%', n))) {
		if (pct + 1 == s + n)
			return false;
		n = (size_t)(pct - s);
	}
	if (n >= sizeof(buf) || memchr(s, 0, n))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	return inet_pton(AF_INET6, buf, a) == 1;
}

static bool parse_host(struct rb_ctx *c, const char *scheme, size_t scheme_n,
		       const char *h, size_t n, struct url *u, struct uerr *e)
{
	const char *open = last_byte(h, n, '['), *close, *colon, *last, *z;
	char *hp, *zp, *all;
	size_t hpn, zpn, i;
	bool is4;

	if (open && open > h)
		return uerr_text(e, "invalid IP-literal");
	if (open) {
		if (!(close = last_byte(h, n, ']')))
			return uerr_text(e, "missing ']' in host");
		if (!valid_port(close + 1, (size_t)(h + n - close - 1)))
			return uerr_quoted(e, "invalid port ", close + 1,
					   (size_t)(h + n - close - 1), " after host");
		z = NULL;
		for (i = 1; i + 3 <= (size_t)(close - h); i++)
			if (memcmp(h + i, "%25", 3) == 0) {
				z = h + i;
				break;
			}
		if (!unescape(c, h + 1, (size_t)((z ? z : close) - h - 1), E_HOST,
			      &hp, &hpn, e))
			return false;
		zp = NULL;
		zpn = 0;
		if (z && !unescape(c, z, (size_t)(close - z), E_ZONE, &zp, &zpn, e))
			return false;
		if (!(all = rv_alloc(c->arena, hpn + zpn + n + 3))) {
			e->b.failed = true;
			return false;
		}
		memcpy(all, hp, hpn);
		if (zpn)
			memcpy(all + hpn, zp, zpn);
		if (!ip_literal(all, hpn + zpn, &is4)) {
			rv_buf_puts(&e->b, "invalid host: ParseAddr(", 24);
			go_quote(&e->b, all, hpn + zpn);
			rv_buf_puts(&e->b, "): unable to parse IP", 21);
			return false;
		}
		if (is4)
			return uerr_text(e, "invalid IP-literal");
		/* "[" addr "]" port, the port needing no unescaping */
		memmove(all + 1, all, hpn + zpn);
		all[0] = '[';
		all[hpn + zpn + 1] = ']';
		memcpy(all + hpn + zpn + 2, close + 1, (size_t)(h + n - close - 1));
		u->host = all;
		u->host_n = hpn + zpn + 2 + (size_t)(h + n - close - 1);
		return true;
	}
	if ((colon = memchr(h, ':', n))) {
		last = last_byte(h, n, ':');
		if (last != colon && !((scheme_n == 4 && memcmp(scheme, "http", 4) == 0) ||
				       (scheme_n == 5 && memcmp(scheme, "https", 5) == 0)))
			colon = last;
		if (!valid_port(colon, (size_t)(h + n - colon)))
			return uerr_quoted(e, "invalid port ", colon,
					   (size_t)(h + n - colon), " after host");
	}
	if (!unescape(c, h, n, E_HOST, &hp, &hpn, e))
		return false;
	u->host = hp;
	u->host_n = hpn;
	return true;
}

/* Go's validUserinfo, rune by rune (no other rune passes). */
static bool valid_userinfo(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || (ch && strchr("-._:~!$&'()*+,;=%@", ch)))
			continue;
		return false;
	}
	return true;
}

static bool parse_authority(struct rb_ctx *c, const char *scheme, size_t scheme_n,
			    const char *a, size_t n, struct url *u, struct uerr *e)
{
	const char *at = last_byte(a, n, '@'), *colon;
	char *tmp;
	size_t tn, un;

	if (!parse_host(c, scheme, scheme_n, at ? at + 1 : a,
			at ? (size_t)(a + n - at - 1) : n, u, e))
		return false;
	if (!at)
		return true;
	un = (size_t)(at - a);
	if (!valid_userinfo(a, un))
		return uerr_text(e, "net/url: invalid userinfo");
	/* the user and password are checked, not kept */
	if ((colon = memchr(a, ':', un)))
		return unescape(c, a, (size_t)(colon - a), E_USER, &tmp, &tn, e) &&
		       unescape(c, colon + 1, (size_t)(at - colon - 1), E_USER,
				&tmp, &tn, e);
	return unescape(c, a, un, E_USER, &tmp, &tn, e);
}

static bool parse_main(struct rb_ctx *c, const char *s, size_t n, struct url *u,
		       struct uerr *e)
{
	const char *rest, *q, *slash, *seg_end;
	size_t i, rn, qcount = 0;
	char *p;
	size_t pn;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || s[i] == 0x7f)
			return uerr_text(e, "net/url: invalid control character in URL");
	if (n == 1 && s[0] == '*') {
		u->path = u->raw_path = "*";
		u->path_n = u->raw_path_n = 1;
		return true;
	}
	rest = s;
	rn = n;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			continue;
		if ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.') {
			if (i == 0)
				break;
			continue;
		}
		if (ch == ':') {
			if (i == 0)
				return uerr_text(e, "missing protocol scheme");
			if (!(p = rv_alloc(c->arena, i + 1))) {
				e->b.failed = true;
				return false;
			}
			for (pn = 0; pn < i; pn++)
				p[pn] = (char)(s[pn] >= 'A' && s[pn] <= 'Z' ? s[pn] | 0x20 : s[pn]);
			u->scheme = p;
			u->scheme_n = i;
			rest = s + i + 1;
			rn = n - i - 1;
		}
		break;
	}
	for (i = 0; i < rn; i++)
		qcount += rest[i] == '?';
	if (rn && rest[rn - 1] == '?' && qcount == 1) {
		rn--;
	} else if ((q = memchr(rest, '?', rn))) {
		u->query = q + 1;
		u->query_n = (size_t)(rest + rn - q - 1);
		rn = (size_t)(q - rest);
	}
	if (!rn || rest[0] != '/') {
		if (u->scheme_n)
			return true; /* opaque: nothing more OPA shows */
		seg_end = memchr(rest, '/', rn);
		if (memchr(rest, ':', seg_end ? (size_t)(seg_end - rest) : rn))
			return uerr_text(e, "first path segment in URL cannot contain colon");
	}
	if ((u->scheme_n || !(rn >= 3 && memcmp(rest, "///", 3) == 0)) &&
	    rn >= 2 && memcmp(rest, "//", 2) == 0) {
		slash = memchr(rest + 2, '/', rn - 2);
		if (!parse_authority(c, u->scheme, u->scheme_n, rest + 2,
				     slash ? (size_t)(slash - rest - 2) : rn - 2, u, e))
			return false;
		rn = slash ? (size_t)(rest + rn - slash) : 0;
		rest = slash ? slash : rest + rn;
	}
	if (!unescape(c, rest, rn, E_PATH, &p, &pn, e))
		return false;
	u->path = p;
	u->path_n = pn;
	u->raw_path = escapes_to(p, pn, rest, rn, E_PATH) ? p : rest;
	u->raw_path_n = escapes_to(p, pn, rest, rn, E_PATH) ? pn : rn;
	return true;
}

/* url.Parse; on failure *err is OPA's message. */
static bool url_parse(struct rb_ctx *c, const char *s, size_t n, struct url *u,
		      struct rv_buf *err)
{
	const char *hash = memchr(s, '#', n);
	size_t un = hash ? (size_t)(hash - s) : n;
	struct uerr e = { { 0 } };
	char *f;
	size_t fn;
	bool ok;

	memset(u, 0, sizeof(*u));
	ok = parse_main(c, s, un, u, &e);
	if (ok && hash && hash + 1 < s + n) {
		ok = unescape(c, hash + 1, (size_t)(s + n - hash - 1), E_FRAGMENT,
			      &f, &fn, &e);
		if (ok) {
			u->fragment = f;
			u->fragment_n = fn;
		} else {
			un = n;
		}
	}
	if (ok) {
		free(e.b.p);
		return true;
	}
	rv_buf_puts(err, "parse ", 6);
	go_quote(err, s, un);
	rv_buf_puts(err, ": ", 2);
	rv_buf_puts(err, e.b.p ? e.b.p : "", e.b.len);
	if (e.b.failed)
		err->failed = true;
	free(e.b.p);
	return false;
}

static void put(struct rb_ctx *c, struct rv_builder *b, const char *k,
		const char *v, size_t n)
{
	if (n)
		rv_builder_put(b, rv_cstring(c->arena, k), rv_string(c->arena, v, n));
}

static enum rb_status bi_uri_parse(struct rb_ctx *c, struct rv *const *args,
				   struct rv **out)
{
	struct rv_buf err = { 0 };
	struct rv_builder b;
	struct url u;
	const char *h, *colon;
	size_t hn, pn = 0;
	enum rb_status st;

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!url_parse(c, args[0]->u.str.s, args[0]->u.str.len, &u, &err)) {
		st = err.failed ? rb_nomem(c) :
		     rb_error(c, "%.*s", (int)err.len, err.p ? err.p : "");
		free(err.p);
		return st;
	}
	rv_builder_init(&b, c->arena);
	put(c, &b, "scheme", u.scheme, u.scheme_n);
	/* Hostname and Port: a valid ":port" after the last ':' splits */
	h = u.host;
	hn = u.host_n;
	if (hn && (colon = last_byte(h, hn, ':')) &&
	    valid_port(colon, (size_t)(h + hn - colon))) {
		pn = (size_t)(h + hn - colon - 1);
		hn = (size_t)(colon - h);
	}
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']')
		put(c, &b, "hostname", h + 1, hn - 2);
	else
		put(c, &b, "hostname", h, hn);
	if (pn)
		put(c, &b, "port", h + u.host_n - pn, pn);
	if (u.path_n) {
		put(c, &b, "path", u.path, u.path_n);
		put(c, &b, "raw_path", u.raw_path, u.raw_path_n);
	}
	put(c, &b, "raw_query", u.query, u.query_n);
	put(c, &b, "fragment", u.fragment, u.fragment_n);
	*out = rv_object_finish(&b, NULL);
	return *out ? RB_OK : rb_nomem(c);
}

static enum rb_status bi_uri_is_valid(struct rb_ctx *c, struct rv *const *args,
				      struct rv **out)
{
	struct rv_buf err = { 0 };
	struct url u;
	bool ok;

	if (!rv_is(args[0], RV_STRING) || !args[0]->u.str.len) {
		*out = rv_bool(false);
		return RB_OK;
	}
	ok = url_parse(c, args[0]->u.str.s, args[0]->u.str.len, &u, &err);
	if (err.failed || c->arena->exhausted) {
		free(err.p);
		return rb_nomem(c);
	}
	free(err.p);
	*out = rv_bool(ok);
	return RB_OK;
}

const struct rb_def rb_uri_defs[] = {
	{ "uri.is_valid", 1, bi_uri_is_valid },
	{ "uri.parse", 1, bi_uri_parse },
	{ NULL, 0, NULL },
};
