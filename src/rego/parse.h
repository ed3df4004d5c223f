/* parse.h - Rego source to the AST of ast.h.
 *
 * One grammar for both syntaxes: `if`, `contains`, `in` and `every` are
 * always keywords, and rule bodies may come with or without `if`. The one
 * head whose meaning differs, `p[x] { ... }`, is a partial set in Rego v0
 * and an object entry `p[x] := true` in v1; the module's version decides
 * (see enum rego_syntax). `and`, `or` and `not { body }` (OPA v1.22) are
 * keywords only in a module that imports them (future.keywords.*,
 * rego.v2); template strings `$"..{x}.."` need no import. Errors read
 * "file:line:col: ...". */
#ifndef EAA_REGO_PARSE_H
#define EAA_REGO_PARSE_H

#include "ast.h"

#include "eaa/rego.h" /* enum rego_syntax */

bool rego_parse_module(struct rv_arena *a, const char *file, const char *src,
		       size_t n, enum rego_syntax syntax, struct module **out,
		       struct eaa_err *err);

/* A query: a body, as `opa eval` takes it ("data.p.allow", "x = data.a[_];
 * x > 1"). */
bool rego_parse_query(struct rv_arena *a, const char *src, size_t n,
		      struct body **out, struct eaa_err *err);

/* Nesting bound for terms and bodies, so hostile source cannot exhaust
 * the stack. */
#define REGO_PARSE_MAX_DEPTH 200

#endif
