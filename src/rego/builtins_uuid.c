/* builtins_uuid.c - uuid.parse: the fields of a UUID, as OPA reads them
 * with github.com/google/uuid (v1.6.0).
 *
 * Owns rb_uuid_defs. Accepted forms: 36 characters with dashes, the same
 * inside 38 characters (the first and last are not looked at, as in the
 * library: braces are expected), "urn:uuid:" (any case) before it, or 32
 * hex digits. Anything else is undefined, not an error. Every UUID has
 * "version" and "variant"; versions 1 and 2 add the time (Unix
 * nanoseconds), node id, MAC kind and clock sequence, and version 2 its
 * domain and id. uuid.rfc4122 (random) is not provided. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "builtins.h"
#include "codec.h"

/* 100-nanosecond intervals from 1582-10-15 to 1970-01-01. */
#define G1582_NS100 122192928000000000LL

static bool hex_byte(const char *s, uint8_t *b)
{
	int hi = hex_digit((unsigned char)s[0]), lo = hex_digit((unsigned char)s[1]);

	if (hi < 0 || lo < 0)
		return false;
	*b = (uint8_t)(hi << 4 | lo);
	return true;
}

static bool uuid_parse(const char *s, size_t n, uint8_t u[16])
{
	static const unsigned at[16] = { 0, 2, 4, 6, 9, 11, 14, 16, 19, 21,
					 24, 26, 28, 30, 32, 34 };
	size_t i;

	switch (n) {
	case 36:
		break;
	case 36 + 9:
		if (strncasecmp(s, "urn:uuid:", 9) != 0)
			return false;
		s += 9;
		break;
	case 36 + 2:
		s++;
		break;
	case 32:
		for (i = 0; i < 16; i++)
			if (!hex_byte(s + 2 * i, &u[i]))
				return false;
		return true;
	default:
		return false;
	}
	if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
		return false;
	for (i = 0; i < 16; i++)
		if (!hex_byte(s + at[i], &u[i]))
			return false;
	return true;
}

static const char *variant(uint8_t b)
{
	if ((b & 0xc0) == 0x80)
		return "RFC4122";
	if ((b & 0xe0) == 0xc0)
		return "Microsoft";
	if ((b & 0xe0) == 0xe0)
		return "Future";
	return "Reserved";
}

static const char *mac_kind(uint8_t b)
{
	if ((b & 3) == 3)
		return "local:multicast";
	if (b & 1)
		return "global:multicast";
	if (b & 2)
		return "local:unicast";
	return "global:unicast";
}

static void put(struct rv_builder *b, struct rb_ctx *c, const char *k,
		struct rv *v)
{
	rv_builder_put(b, rv_cstring(c->arena, k), v);
}

static enum rb_status bi_uuid_parse(struct rb_ctx *c, struct rv *const *args,
				    struct rv **out)
{
	struct rv_builder b;
	uint8_t u[16];
	unsigned version;
	int64_t t, sec, nsec;
	char text[32];

	if (!rv_is(args[0], RV_STRING))
		return rb_type_error(c, 1, "string", args[0]);
	if (!uuid_parse(args[0]->u.str.s, args[0]->u.str.len, u))
		return RB_UNDEFINED;
	version = u[6] >> 4;
	rv_builder_init(&b, c->arena);
	put(&b, c, "version", rv_int(c->arena, version));
	put(&b, c, "variant", rv_cstring(c->arena, variant(u[8])));
	if (version == 1 || version == 2) {
		t = (int64_t)((uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
			      (uint32_t)u[2] << 8 | u[3]);
		t |= (int64_t)((uint32_t)u[4] << 8 | u[5]) << 32;
		t |= (int64_t)(((uint32_t)u[6] << 8 | u[7]) & 0xfff) << 48;
		/* Go's truncating division, so times before 1970 come out as
		 * the library's */
		sec = t - G1582_NS100;
		nsec = (sec % 10000000) * 100;
		sec /= 10000000;
		put(&b, c, "time", rv_int(c->arena, sec * 1000000000 + nsec));
		snprintf(text, sizeof(text), "%02x-%02x-%02x-%02x-%02x-%02x",
			 u[10], u[11], u[12], u[13], u[14], u[15]);
		put(&b, c, "nodeid", rv_cstring(c->arena, text));
		put(&b, c, "macvariables", rv_cstring(c->arena, mac_kind(u[10])));
		put(&b, c, "clocksequence",
		    rv_int(c->arena, ((u[8] << 8) | u[9]) & 0x3fff));
		if (version == 2) {
			put(&b, c, "id", rv_int(c->arena, (int64_t)((uint32_t)u[0] << 24 |
					(uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3])));
			if (u[9] <= 2) {
				static const char *const dom[] = { "Person", "Group", "Org" };

				put(&b, c, "domain", rv_cstring(c->arena, dom[u[9]]));
			} else {
				snprintf(text, sizeof(text), "Domain%u", u[9]);
				put(&b, c, "domain", rv_cstring(c->arena, text));
			}
		}
	}
	*out = rv_object_finish(&b, NULL);
	return *out ? RB_OK : rb_nomem(c);
}

const struct rb_def rb_uuid_defs[] = {
	{ "uuid.parse", 1, bi_uuid_parse },
	{ NULL, 0, NULL },
};
