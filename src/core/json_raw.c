/* json_raw.c - locate a member's raw value bytes (see json_raw.h). */
#include <string.h>
#include "json_raw.h"

#define MAX_DEPTH 64

struct scan {
	const char *s;
	size_t n, i;
};

static bool is_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void skip_ws(struct scan *c)
{
	while (c->i < c->n && is_ws(c->s[c->i]))
		c->i++;
}

/* A string starting at c->i (the opening quote); leaves c->i after it. */
static bool skip_string(struct scan *c)
{
	if (c->i >= c->n || c->s[c->i] != '"')
		return false;
	for (c->i++; c->i < c->n; c->i++) {
		if (c->s[c->i] == '\\')
			c->i++;
		else if (c->s[c->i] == '"')
			return ++c->i <= c->n;
	}
	return false;
}

/* One value: a string, a container (brackets matched outside strings), or
 * a scalar running to the next delimiter. */
static bool skip_value(struct scan *c)
{
	size_t start = c->i;
	int depth = 0;

	if (c->i < c->n && c->s[c->i] == '"')
		return skip_string(c);
	if (c->i < c->n && (c->s[c->i] == '{' || c->s[c->i] == '[')) {
		while (c->i < c->n) {
			char ch = c->s[c->i];

			if (ch == '"') {
				if (!skip_string(c))
					return false;
				continue;
			}
			c->i++;
			if (ch == '{' || ch == '[') {
				if (++depth > MAX_DEPTH)
					return false;
			} else if ((ch == '}' || ch == ']') && --depth == 0) {
				return true;
			}
		}
		return false;
	}
	while (c->i < c->n && !is_ws(c->s[c->i]) && c->s[c->i] != ',' &&
	       c->s[c->i] != '}' && c->s[c->i] != ']')
		c->i++;
	return c->i > start;
}

bool json_raw_member(const char *text, size_t n, const char *key,
		     struct rd *span)
{
	struct scan c = { text, n, 0 };
	size_t klen = strlen(key);

	skip_ws(&c);
	if (c.i >= n || text[c.i++] != '{')
		return false;
	for (;;) {
		size_t kstart, start;
		bool match;

		skip_ws(&c);
		kstart = c.i;
		if (!skip_string(&c))
			return false;
		/* Keys with escapes never match: Intel's keys are plain. */
		match = c.i - kstart == klen + 2 &&
			memcmp(text + kstart + 1, key, klen) == 0;
		skip_ws(&c);
		if (c.i >= n || text[c.i++] != ':')
			return false;
		skip_ws(&c);
		start = c.i;
		if (!skip_value(&c))
			return false;
		if (match) {
			*span = rd_init(text + start, c.i - start);
			return c.i > start;
		}
		skip_ws(&c);
		if (c.i >= n || text[c.i] != ',')
			return false;
		c.i++;
	}
}
