/* rb_check.h - one Rego built-in called from a unit test and checked, for
 * test_rego_builtins_data, _encode and _crypto: looked up by name through
 * rb_lookup, called on values (written as JSON), and its outcome compared
 * with the wanted text:
 *
 *   the result's JSON      rv_equal to it; JSON has no sets, so a wanted
 *                          array also matches a set result of its members
 *   "!undefined"           RB_UNDEFINED
 *   "!error: <message>"    RB_ERROR with that whole message (name included)
 *   "!type: <message>"     RB_TYPE_ERROR with that whole message
 *   "!prefix: <start>"     RB_ERROR with a message that starts so
 *
 * Header-only, like test.h (include that and builtins.h first). Values
 * live in rbc_arena, which main sets up and frees; the built-ins' clock
 * reads rbc_now_ns. test_rego_builtins_core and _string write their
 * outcomes another way (Rego-style values; a status and normalised JSON)
 * and keep their own callers. */
#ifndef EAA_RB_CHECK_H
#define EAA_RB_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"

static struct rv_arena rbc_arena;
static int64_t rbc_now_ns;

/* A value from JSON text, in rbc_arena; NULL (and a line saying why) for
 * text that is not JSON. */
static inline struct rv *rbc_json(const char *s)
{
	struct eaa_err err;
	struct rv *v = rv_from_json(&rbc_arena, s, strlen(s), &err);

	if (!v)
		fprintf(stderr, "bad test JSON %s: %s\n", s, err.msg);
	return v;
}

/* A value's compact JSON for a failure message; the buffer is reused by
 * the next call. */
static inline const char *rbc_show(const struct rv *v)
{
	static char buf[1024];
	char *s = v ? rv_to_json(v, false) : NULL;

	snprintf(buf, sizeof(buf), "%s", s ? s : "(none)");
	free(s);
	return buf;
}

/* Call the built-in name with its result in arena a. On RB_OK *out is the
 * result; msg gets the built-in's message (empty if none). */
static inline enum rb_status rbc_call_in(struct rv_arena *a, const char *name,
					 struct rv **args, struct rv **out,
					 char *msg, size_t len)
{
	const struct rb_def *d = rb_lookup(name, strlen(name));
	struct rb_ctx c = { a, name, rbc_now_ns, "" };
	enum rb_status st;

	*out = NULL;
	if (!d) {
		snprintf(msg, len, "no built-in %s", name);
		return RB_ERROR;
	}
	st = d->fn(&c, args, out);
	snprintf(msg, len, "%s", c.msg);
	return st;
}

static inline enum rb_status rbc_call(const char *name, struct rv **args,
				      struct rv **out, char *msg, size_t len)
{
	return rbc_call_in(&rbc_arena, name, args, out, msg, len);
}

/* One check: name called on args gives want (forms above); what names the
 * call in a failure message. */
static inline void rbc_expect(const char *what, const char *name,
			      struct rv **args, const char *want)
{
	struct rv *out, *w;
	char msg[256];
	enum rb_status st = rbc_call(name, args, &out, msg, sizeof(msg));
	bool ok;
	size_t i;

	if (!strcmp(want, "!undefined")) {
		ok = st == RB_UNDEFINED;
	} else if (!strncmp(want, "!prefix: ", 9)) { /* a long message, cut */
		ok = st == RB_ERROR && !strncmp(msg, want + 9, strlen(want + 9));
	} else if (!strncmp(want, "!error: ", 8)) {
		ok = st == RB_ERROR && !strcmp(msg, want + 8);
	} else if (!strncmp(want, "!type: ", 7)) {
		ok = st == RB_TYPE_ERROR && !strcmp(msg, want + 7);
	} else {
		w = rbc_json(want);
		if (st == RB_OK && out && out->type == RV_SET && w &&
		    w->type == RV_ARRAY) {
			struct rv_builder b;

			rv_builder_init(&b, &rbc_arena);
			for (i = 0; i < w->u.arr.n; i++)
				rv_builder_add(&b, w->u.arr.v[i]);
			w = rv_set_finish(&b);
		}
		ok = st == RB_OK && out && w && rv_equal(out, w);
	}
	CHECK_MSG(ok, "%s: status %d [%s], got %s, want %s", what, st, msg,
		  rbc_show(out), want);
}

/* A case of a table: the built-in, its arguments as JSON (as many as it
 * takes), and the wanted outcome. */
#define RBC_MAX_ARGS 4
struct rbc_case {
	const char *name;
	const char *args[RBC_MAX_ARGS];
	const char *want;
};

/* Two checks: the built-in exists, and it gives what the case wants. */
static inline void rbc_run(const struct rbc_case *t)
{
	const struct rb_def *d = rb_lookup(t->name, strlen(t->name));
	struct rv *args[RBC_MAX_ARGS] = { NULL };
	char what[512];
	size_t n;
	unsigned i;

	CHECK_MSG(d && d->nargs <= RBC_MAX_ARGS, "missing built-in %s", t->name);
	if (!d || d->nargs > RBC_MAX_ARGS)
		return;
	n = (size_t)snprintf(what, sizeof(what), "%s(", t->name);
	for (i = 0; i < d->nargs; i++) {
		args[i] = rbc_json(t->args[i]);
		if (n < sizeof(what))
			n += (size_t)snprintf(what + n, sizeof(what) - n, "%s%s",
					      i ? ", " : "", t->args[i]);
	}
	if (n < sizeof(what))
		snprintf(what + n, sizeof(what) - n, ")");
	rbc_expect(what, t->name, args, t->want);
}

#define RBC_RUN(tab)                                                         \
	do {                                                                 \
		size_t i_;                                                   \
		for (i_ = 0; i_ < sizeof(tab) / sizeof(*(tab)); i_++)        \
			rbc_run(&(tab)[i_]);                                 \
	} while (0)

#endif
