/* builtins_net.c - the net.cidr_* built-ins: containment, intersection,
 * validity, expansion and merging of IPv4 and IPv6 networks.
 *
 * Owns rb_net_defs. OPA implements these with Go's net package, whose
 * quirks policies see: an IPv4 address is also the IPv6 address
 * ::ffff:a.b.c.d, a network keeps the byte length of its mask (4 or 16),
 * and a host address given to net.cidr_merge takes its classful default
 * mask. So addresses here are Go's net.IP (4 or 16 bytes) and networks Go's
 * net.IPNet, and the few functions of that package OPA uses are modelled
 * one by one (go_*). Text is read as netip.ParseAddr reads it (through
 * inet_pton, whose rules for plain addresses are the same) and written as
 * net.IP.String writes it. net.lookup_ip_addr (DNS) is not provided. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"

/* Go's net.IP: 4 or 16 bytes, 0 for nil. */
struct gip {
	uint8_t b[16];
	unsigned len;
};

/* Go's net.IPNet, whose masks are always canonical here (a prefix). */
struct gnet {
	struct gip ip;
	uint8_t m[16];
	unsigned mlen;
	unsigned ones;
};

static const uint8_t v4_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* net.IP.To4: the 4-byte form, or NULL. */
static const uint8_t *go_to4(const struct gip *ip)
{
	if (ip->len == 4)
		return ip->b;
	if (ip->len == 16 && memcmp(ip->b, v4_prefix, 12) == 0)
		return ip->b + 12;
	return NULL;
}

/* netip.ParseAddr without zones (net.ParseIP and net.ParseCIDR refuse
 * them): *is4 for a plain IPv4 address; out holds the 16-byte form. */
static bool go_parse_addr(const char *s, size_t n, uint8_t out[16], bool *is4)
{
	char buf[64];
	size_t i;

	if (n == 0 || n >= sizeof(buf) || memchr(s, 0, n))
		return false;
	memcpy(buf, s, n);
	buf[n] = 0;
	for (i = 0; i < n; i++) {
		if (buf[i] == '.') {
			memcpy(out, v4_prefix, 12);
			*is4 = true;
			return inet_pton(AF_INET, buf, out + 12) == 1;
		}
		if (buf[i] == ':') {
			*is4 = false;
			return inet_pton(AF_INET6, buf, out) == 1;
		}
		if (buf[i] == '%')
			return false;
	}
	return false;
}

/* net.ParseIP: 16 bytes, or false. */
static bool go_parse_ip(const char *s, size_t n, struct gip *ip)
{
	bool is4;

	ip->len = 16;
	return go_parse_addr(s, n, ip->b, &is4);
}

static void go_cidr_mask(struct gnet *n, unsigned ones, unsigned bytes)
{
	unsigned i;

	n->mlen = bytes;
	n->ones = ones;
	for (i = 0; i < bytes; i++) {
		unsigned bits = ones > 8 * i ? ones - 8 * i : 0;

		n->m[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
	}
}

/* net.IP.Mask; the result's len is 0 (nil) when the lengths do not fit. */
static struct gip go_ip_mask(const struct gip *ip, const uint8_t *m, unsigned mlen)
{
	struct gip out = { { 0 }, 0 };
	const uint8_t *p = ip->b;
	unsigned i, len = ip->len;
	static const uint8_t ff12[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					  0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (mlen == 16 && len == 4 && memcmp(m, ff12, 12) == 0) {
		m += 12;
		mlen = 4;
	}
	if (mlen == 4 && len == 16 && memcmp(p, v4_prefix, 12) == 0) {
		p += 12;
		len = 4;
	}
	if (len != mlen)
		return out;
	out.len = len;
	for (i = 0; i < len; i++)
		out.b[i] = p[i] & m[i];
	return out;
}

/* net.ParseCIDR; false on Go's "invalid CIDR address". */
static bool go_parse_cidr(const char *s, size_t n, struct gnet *net)
{
	const char *slash = memchr(s, '/', n);
	size_t i, plen;
	unsigned long ones = 0;
	struct gip ip;
	bool is4;

	if (!slash || !go_parse_addr(s, (size_t)(slash - s), ip.b, &is4))
		return false;
	ip.len = 16;
	plen = n - (size_t)(slash - s) - 1;
	if (plen == 0)
		return false;
	for (i = 0; i < plen; i++) {
		char ch = slash[1 + i];

		if (ch < '0' || ch > '9')
			return false;
		ones = ones * 10 + (unsigned long)(ch - '0');
		if (ones > 0xFFFFFF)
			return false;
	}
	if (ones > (is4 ? 32u : 128u))
		return false;
	go_cidr_mask(net, (unsigned)ones, is4 ? 4 : 16);
	net->ip = go_ip_mask(&ip, net->m, net->mlen);
	return true;
}

/* networkNumberAndMask of Go's net package: false for its nil. */
static bool go_net_number(const struct gnet *n, struct gip *nn,
			  const uint8_t **m, unsigned *mlen)
{
	const uint8_t *p4 = go_to4(&n->ip);

	if (p4) {
		nn->len = 4;
		memcpy(nn->b, p4, 4);
	} else if (n->ip.len == 16) {
		*nn = n->ip;
	} else {
		return false;
	}
	*m = n->m;
	*mlen = n->mlen;
	if (n->mlen == 4) {
		if (nn->len != 4)
			return false;
	} else if (n->mlen == 16) {
		if (nn->len == 4) {
			*m = n->m + 12;
			*mlen = 4;
		}
	} else {
		return false;
	}
	return true;
}

/* net.IPNet.Contains. */
static bool go_contains(const struct gnet *n, const struct gip *ip)
{
	struct gip nn;
	const uint8_t *m, *p = ip->b, *p4 = go_to4(ip);
	unsigned mlen, i, len = ip->len;

	if (!go_net_number(n, &nn, &m, &mlen))
		return false;
	if (p4) {
		p = p4;
		len = 4;
	}
	if (len != nn.len)
		return false;
	for (i = 0; i < len; i++)
		if ((nn.b[i] & m[i]) != (p[i] & m[i]))
			return false;
	return true;
}

/* net.IP.Equal. */
static bool go_ip_equal(const struct gip *a, const struct gip *b)
{
	if (a->len == b->len)
		return memcmp(a->b, b->b, a->len) == 0;
	if (a->len == 4 && b->len == 16)
		return memcmp(b->b, v4_prefix, 12) == 0 && memcmp(a->b, b->b + 12, 4) == 0;
	if (a->len == 16 && b->len == 4)
		return memcmp(a->b, v4_prefix, 12) == 0 && memcmp(a->b + 12, b->b, 4) == 0;
	return false;
}

/* net.IP.String (an IP is never nil or odd-sized where this is called):
 * IPv6 as RFC 5952, the longest run of two or more zero groups as "::". */
static void go_ip_string(const struct gip *ip, char *out, size_t cap)
{
	const uint8_t *p4 = go_to4(ip);
	unsigned g[8], i, best = 0, bestlen = 0, run;
	size_t k = 0;

	if (p4) {
		snprintf(out, cap, "%u.%u.%u.%u", p4[0], p4[1], p4[2], p4[3]);
		return;
	}
	for (i = 0; i < 8; i++)
		g[i] = (unsigned)ip->b[2 * i] << 8 | ip->b[2 * i + 1];
	for (i = 0; i < 8; i += run ? run : 1) {
		for (run = 0; i + run < 8 && g[i + run] == 0; run++)
			;
		if (run > bestlen) {
			best = i;
			bestlen = run;
		}
	}
	if (bestlen < 2)
		bestlen = 0;
	out[0] = 0;
	for (i = 0; i < 8 && k < cap; i++) {
		if (bestlen && i == best) {
			k += (size_t)snprintf(out + k, cap - k, "::");
			i += bestlen - 1;
			continue;
		}
		k += (size_t)snprintf(out + k, cap - k, "%s%x",
				      i && !(bestlen && i == best + bestlen) ? ":" : "",
				      g[i]);
	}
}

/* net.IPNet.String. */
static void go_net_string(const struct gnet *n, char *out, size_t cap)
{
	struct gip nn;
	const uint8_t *m;
	unsigned mlen, i, ones = 0;
	size_t k;

	if (!go_net_number(n, &nn, &m, &mlen)) {
		snprintf(out, cap, "<nil>");
		return;
	}
	for (i = 0; i < mlen * 8 && (m[i / 8] & (0x80 >> (i % 8))); i++)
		ones++;
	go_ip_string(&nn, out, cap);
	k = strlen(out);
	snprintf(out + k, cap - k, "/%u", ones);
}

/* ---- operands ---- */

static enum rb_status cidr_operand(struct rb_ctx *c, const struct rv *v,
				   struct gnet *n)
{
	if (!rv_is(v, RV_STRING))
		return rb_type_error(c, 1, "string", v);
	if (!go_parse_cidr(v->u.str.s, v->u.str.len, n))
		return rb_error(c, "invalid CIDR address: %.*s",
				(int)(v->u.str.len > 128 ? 128 : v->u.str.len),
				v->u.str.s);
	return RB_OK;
}

static struct rv *string_out(struct rb_ctx *c, const char *s)
{
	return rv_cstring(c->arena, s);
}

/* ---- net.cidr_contains, net.cidr_intersects, net.cidr_is_valid ---- */

/* The last address of n, as OPA's getLastIP computes it. */
static struct gip last_ip(const struct gnet *n)
{
	struct gip last = n->ip;
	unsigned bytes = n->mlen, i, off;

	if (last.len < bytes)
		return last;
	off = last.len - bytes;
	for (i = 0; i < bytes; i++)
		last.b[off + i] |= (uint8_t)~n->m[i];
	if (last.len != bytes) {
		memmove(last.b, last.b + off, bytes);
		last.len = bytes;
	}
	return last;
}

static bool plain_ipv6_net(const struct gnet *n)
{
	return n->ip.len == 16 && n->mlen == 16 && !go_to4(&n->ip);
}

/* Whether a contains b; b is an address or a network. */
static enum rb_status cidr_contains(struct rb_ctx *c, const struct rv *a,
				    const struct rv *b, bool *res)
{
	struct gnet na, nb;
	struct gip ip, last;
	enum rb_status st;

	if ((st = cidr_operand(c, a, &na)) != RB_OK)
		return st;
	if (!rv_is(b, RV_STRING))
		return rb_type_error(c, 1, "string", b);
	if (go_parse_ip(b->u.str.s, b->u.str.len, &ip)) {
		*res = go_contains(&na, &ip);
		return RB_OK;
	}
	if (!go_parse_cidr(b->u.str.s, b->u.str.len, &nb))
		return rb_error(c, "not a valid textual representation of an IP address or CIDR: %.*s",
				(int)(b->u.str.len > 128 ? 128 : b->u.str.len),
				b->u.str.s);
	if (plain_ipv6_net(&na) && plain_ipv6_net(&nb)) {
		/* Go's Contains turns the last address of e.g. ::/80
		 * (::ffff:ffff:ffff) into IPv4: compare prefixes instead. */
		ip = go_ip_mask(&nb.ip, na.m, na.mlen);
		*res = na.ones <= nb.ones && ip.len && go_ip_equal(&na.ip, &ip);
		return RB_OK;
	}
	*res = false;
	if (go_contains(&na, &nb.ip)) {
		last = last_ip(&nb);
		*res = go_contains(&na, &last);
	}
	return RB_OK;
}

static enum rb_status bi_cidr_contains(struct rb_ctx *c, struct rv *const *args,
				       struct rv **out)
{
	bool res;
	enum rb_status st = cidr_contains(c, args[0], args[1], &res);

	if (st == RB_OK)
		*out = rv_bool(res);
	return st;
}

static enum rb_status bi_cidr_intersects(struct rb_ctx *c, struct rv *const *args,
					 struct rv **out)
{
	struct gnet a, b;
	enum rb_status st;

	if ((st = cidr_operand(c, args[0], &a)) != RB_OK ||
	    (st = cidr_operand(c, args[1], &b)) != RB_OK)
		return st;
	*out = rv_bool(go_contains(&a, &b.ip) || go_contains(&b, &a.ip));
	return RB_OK;
}

static enum rb_status bi_cidr_is_valid(struct rb_ctx *c, struct rv *const *args,
				       struct rv **out)
{
	struct gnet n;

	(void)c;
	*out = rv_bool(rv_is(args[0], RV_STRING) &&
		       go_parse_cidr(args[0]->u.str.s, args[0]->u.str.len, &n));
	return RB_OK;
}

/* ---- net.cidr_contains_matches ---- */

/* A CIDR operand element: a string, or an array whose first element is
 * the CIDR (the rest is the caller's). */
static enum rb_status match_cidr(struct rb_ctx *c, unsigned operand,
				 struct rv *v, struct rv **cidr)
{
	if (v->type == RV_STRING) {
		*cidr = v;
		return RB_OK;
	}
	if (v->type == RV_ARRAY && v->u.arr.n) {
		*cidr = v->u.arr.v[0];
		return RB_OK;
	}
	return rb_error(c, "operand %u: element must be string or non-empty array",
			operand);
}

/* The (cidr, key) pairs of an operand: a string is its own key, arrays
 * are keyed by index, sets by element, objects by key. Other types yield
 * nothing, as in OPA (its type checker refuses them first). */
static size_t match_count(const struct rv *v)
{
	switch (v->type) {
	case RV_STRING:
		return 1;
	case RV_ARRAY:
	case RV_SET:
	case RV_OBJECT:
		return rv_len(v);
	default:
		return 0;
	}
}

static enum rb_status match_at(struct rb_ctx *c, unsigned operand, struct rv *v,
			       size_t i, struct rv **cidr, struct rv **key)
{
	switch (v->type) {
	case RV_STRING:
		*cidr = *key = v;
		return RB_OK;
	case RV_ARRAY:
		if (!(*key = rv_int(c->arena, (int64_t)i)))
			return rb_nomem(c);
		return match_cidr(c, operand, v->u.arr.v[i], cidr);
	case RV_SET:
		*key = v->u.arr.v[i];
		return match_cidr(c, operand, v->u.arr.v[i], cidr);
	default:
		*key = v->u.obj.k[i];
		return match_cidr(c, operand, v->u.obj.v[i], cidr);
	}
}

static enum rb_status bi_cidr_contains_matches(struct rb_ctx *c,
					       struct rv *const *args,
					       struct rv **out)
{
	struct rv_builder b;
	struct rv_builder pb;
	struct rv *c1, *k1, *c2, *k2;
	size_t i, j, n1 = match_count(args[0]), n2 = match_count(args[1]);
	enum rb_status st;
	bool in;

	rv_builder_init(&b, c->arena);
	for (i = 0; i < n1; i++) {
		if ((st = match_at(c, 1, args[0], i, &c1, &k1)) != RB_OK)
			return st;
		for (j = 0; j < n2; j++) {
			if ((st = match_at(c, 2, args[1], j, &c2, &k2)) != RB_OK ||
			    (st = cidr_contains(c, c1, c2, &in)) != RB_OK)
				return st;
			if (!in)
				continue;
			rv_builder_init(&pb, c->arena);
			rv_builder_add(&pb, k1);
			rv_builder_add(&pb, k2);
			if (!rv_builder_add(&b, rv_array_finish(&pb)))
				return rb_nomem(c);
		}
	}
	*out = rv_set_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- net.cidr_expand ---- */

static void ip_increment(struct gip *ip)
{
	unsigned j;

	for (j = ip->len; j-- > 0;)
		if (++ip->b[j])
			break;
}

static enum rb_status bi_cidr_expand(struct rb_ctx *c, struct rv *const *args,
				     struct rv **out)
{
	struct gnet n;
	struct gip ip, full;
	struct rv_builder b;
	enum rb_status st;
	unsigned host;
	char text[64];
	bool is4;

	if ((st = cidr_operand(c, args[0], &n)) != RB_OK)
		return st;
	/* Each address costs more than 64 bytes of arena: refuse up front a
	 * network that cannot fit, rather than fill the arena to learn it
	 * (OPA loops until cancelled, for ever on 0.0.0.0/0). */
	host = n.mlen * 8 - n.ones;
	if (host >= 8 * sizeof(size_t) - 7 ||
	    (c->arena->limit && ((size_t)1 << host) >
	     (c->arena->limit - c->arena->used) / 64)) {
		rv_alloc(c->arena, c->arena->limit ? c->arena->limit + 1 : SIZE_MAX / 2);
		return rb_nomem(c);
	}
	full.len = 16;
	go_parse_addr(args[0]->u.str.s,
		      (size_t)((const char *)memchr(args[0]->u.str.s, '/',
						    args[0]->u.str.len) -
			       args[0]->u.str.s), full.b, &is4);
	ip = go_ip_mask(&full, n.m, n.mlen);
	rv_builder_init(&b, c->arena);
	for (; ip.len && go_contains(&n, &ip); ip_increment(&ip)) {
		go_ip_string(&ip, text, sizeof(text));
		if (!rv_builder_add(&b, string_out(c, text)))
			return rb_nomem(c);
		/* ip_increment wraps the whole space (0.0.0.0/0) */
		if (b.n >> host)
			break;
	}
	*out = rv_set_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

/* ---- net.cidr_merge ---- */

/* An address range in one 128-bit space, IPv4 as ::ffff:a.b.c.d, as OPA's
 * merge does; net is the network it came from while unmerged. */
struct crange {
	uint8_t first[16], last[16];
	struct gnet net;
	bool merged, dead;
};

static int crange_cmp(const void *x, const void *y)
{
	const struct crange *a = x, *b = y;
	int r = memcmp(a->last, b->last, 16);

	return r ? r : memcmp(a->first, b->first, 16);
}

/* The net a merge element stands for: a network, or an IPv4 host with its
 * classful default mask (IPv6 hosts have none). */
static enum rb_status merge_net(struct rb_ctx *c, const struct rv *v,
				struct gnet *n)
{
	const uint8_t *p4;

	if (!rv_is(v, RV_STRING))
		return rb_error(c, "element must be string");
	if (!go_parse_ip(v->u.str.s, v->u.str.len, &n->ip))
		return cidr_operand(c, v, n);
	if (!(p4 = go_to4(&n->ip)))
		return rb_error(c, "IPv6 invalid: needs prefix length");
	go_cidr_mask(n, p4[0] < 0x80 ? 8 : p4[0] < 0xC0 ? 16 : 24, 4);
	return RB_OK;
}

/* GetAddressRange of OPA's merge package. */
static void net_range(const struct gnet *n, struct crange *r)
{
	struct gip first = go_ip_mask(&n->ip, n->m, n->mlen);
	unsigned i;

	memset(r->first, 0, 16);
	if (first.len == 4) {
		memcpy(r->first, v4_prefix, 12);
		memcpy(r->first + 12, first.b, 4);
	} else if (first.len == 16) {
		memcpy(r->first, first.b, 16);
	}
	memcpy(r->last, r->first, 16);
	for (i = 0; i < n->mlen; i++)
		r->last[16 - n->mlen + i] |= (uint8_t)~n->m[i];
}

static void addr_add(uint8_t a[16], int d)
{
	unsigned j;

	for (j = 16; j-- > 0;) {
		if (d > 0 ? ++a[j] != 0 : a[j]-- != 0)
			break;
	}
}

static bool addr_is_v4(const uint8_t a[16])
{
	return memcmp(a, v4_prefix, 12) == 0;
}

/* The CIDRs covering [first, last], fewest first: the largest aligned
 * block that fits, repeatedly (what OPA's RangeToCIDRs computes). */
static bool range_cidrs(struct rb_ctx *c, struct rv_builder *b,
			const uint8_t first[16], const uint8_t last[16])
{
	uint8_t cur[16], end[16];
	struct gnet n;
	char text[64];
	bool v4;
	unsigned width, k, i;

	memcpy(cur, first, 16);
	for (;;) {
		v4 = addr_is_v4(cur);
		width = v4 ? 32 : 128;
		/* the largest k with cur aligned to 2^k and cur + 2^k - 1 <= last */
		for (k = width; k > 0; k--) {
			bool aligned = true;

			memcpy(end, cur, 16);
			for (i = 0; i < k; i++) {
				unsigned byte = 15 - i / 8, bit = i % 8;

				if (cur[byte] & (1u << bit))
					aligned = false;
				end[byte] |= (uint8_t)(1u << bit);
			}
			if (aligned && memcmp(end, last, 16) <= 0)
				break;
		}
		if (k == 0)
			memcpy(end, cur, 16);
		memset(&n, 0, sizeof(n));
		if (v4) {
			n.ip.len = 4;
			memcpy(n.ip.b, cur + 12, 4);
			go_cidr_mask(&n, 32 - k, 4);
		} else {
			n.ip.len = 16;
			memcpy(n.ip.b, cur, 16);
			go_cidr_mask(&n, 128 - k, 16);
		}
		go_net_string(&n, text, sizeof(text));
		if (!rv_builder_add(b, string_out(c, text)))
			return false;
		if (memcmp(end, last, 16) >= 0)
			return true;
		memcpy(cur, end, 16);
		addr_add(cur, 1);
	}
}

static enum rb_status bi_cidr_merge(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	const struct rv *v = args[0];
	struct crange *r;
	struct rv_builder b;
	uint8_t prev[16];
	char text[64];
	size_t n, i, j;
	enum rb_status st;
	static const uint8_t zero4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t zero6[16] = { 0 };

	if (v->type != RV_ARRAY && v->type != RV_SET)
		return rb_error(c, "operand must be an array");
	n = v->u.arr.n;
	if (n == 0) {
		*out = rv_empty_set();
		return RB_OK;
	}
	if (!(r = rv_alloc(c->arena, n * sizeof(*r))))
		return rb_nomem(c);
	for (i = 0; i < n; i++) {
		if ((st = merge_net(c, v->u.arr.v[i], &r[i].net)) != RB_OK)
			return st;
		net_range(&r[i].net, &r[i]);
	}
	qsort(r, n, sizeof(*r), crange_cmp);
	/* From the end, fold a range into its predecessor when they touch or
	 * overlap (OPA's order, so a lone network keeps its own text). */
	for (i = n - 1; i > 0; i--) {
		memcpy(prev, r[i].first, 16);
		if (memcmp(prev, zero4, 16) != 0 && memcmp(prev, zero6, 16) != 0)
			addr_add(prev, -1);
		if (memcmp(prev, r[i - 1].last, 16) > 0)
			continue;
		if (memcmp(r[i].first, r[i - 1].first, 16) < 0)
			memcpy(r[i - 1].first, r[i].first, 16);
		memcpy(r[i - 1].last, r[i].last, 16);
		r[i - 1].merged = true;
		r[i].dead = true;
	}
	rv_builder_init(&b, c->arena);
	for (j = 0; j < n; j++) {
		if (r[j].dead)
			continue;
		if (!r[j].merged) {
			go_net_string(&r[j].net, text, sizeof(text));
			rv_builder_add(&b, string_out(c, text));
		} else if (!range_cidrs(c, &b, r[j].first, r[j].last)) {
			break;
		}
	}
	*out = rv_set_finish(&b);
	return *out ? RB_OK : rb_nomem(c);
}

const struct rb_def rb_net_defs[] = {
	{ "net.cidr_contains", 2, bi_cidr_contains },
	{ "net.cidr_contains_matches", 2, bi_cidr_contains_matches },
	{ "net.cidr_expand", 1, bi_cidr_expand },
	{ "net.cidr_intersects", 2, bi_cidr_intersects },
	{ "net.cidr_is_valid", 1, bi_cidr_is_valid },
	{ "net.cidr_merge", 1, bi_cidr_merge },
	{ NULL, 0, NULL },
};
