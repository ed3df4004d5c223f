/* builtins.c - lookup over the built-in groups, and the error helpers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "builtins.h"

const struct rb_def *const rb_groups[] = {
	rb_core_defs, rb_string_defs, rb_sprintf_defs, rb_regex_defs,
	rb_encode_defs, rb_json_defs, rb_time_defs, rb_jwt_defs,
	rb_x509_defs,
	rb_net_defs, rb_glob_defs, rb_globs_match_defs, rb_walk_defs,
	rb_graph_defs, rb_bits_defs, rb_subset_defs, rb_json_edit_defs,
	rb_uuid_defs, rb_uri_defs,
};
const size_t rb_ngroups = sizeof(rb_groups) / sizeof(rb_groups[0]);

const struct rb_def *rb_lookup(const char *name, size_t len)
{
	size_t g;
	const struct rb_def *d;

	for (g = 0; g < rb_ngroups; g++)
		for (d = rb_groups[g]; d->name; d++)
			if (strlen(d->name) == len && memcmp(d->name, name, len) == 0)
				return d;
	return NULL;
}

enum rb_status rb_type_error(struct rb_ctx *c, unsigned i, const char *want,
			     const struct rv *v)
{
	snprintf(c->msg, sizeof(c->msg), "%s: operand %u must be %s but got %s",
		 c->name, i, want, v ? rv_type_name(v->type) : "nothing");
	return RB_TYPE_ERROR;
}

enum rb_status rb_error(struct rb_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(c->msg, sizeof(c->msg), "%s: ", c->name);
	if (n < 0 || (size_t)n >= sizeof(c->msg))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->msg + n, sizeof(c->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return RB_ERROR;
}

enum rb_status rb_nomem(struct rb_ctx *c)
{
	snprintf(c->msg, sizeof(c->msg), "%s: evaluation memory limit reached",
		 c->name);
	return RB_ERROR;
}
