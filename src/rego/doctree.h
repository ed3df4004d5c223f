/* doctree.h - the document that rules with reference heads build together.
 *
 * Rules such as `p[q].r := 1`, `p.a.r := 0` and `p.b contains "x"` each
 * put values at paths under one node of data. The tree gathers them and
 * finds the conflicts OPA reports as "object keys must be unique": two
 * different values at one path, or a value at a path another rule's value
 * already covers (one rule may not reach inside another's value). Sets at
 * one path merge. Lives in the evaluation's arena. */
#ifndef EAA_REGO_DOCTREE_H
#define EAA_REGO_DOCTREE_H

#include "value.h"

struct doctree;

enum dt_put { DT_LEAF, DT_SET, DT_INTERIOR };

enum dt_result { DT_OK = 0, DT_NOMEM = -1 };

struct doctree *dt_new(struct rv_arena *a);

/* Record, at path[0..n): a complete value (DT_LEAF), the members of a
 * set to merge into the set there (DT_SET; v is a set), or an object that
 * must exist even if nothing is put inside it (DT_INTERIOR; v unused).
 * Only DT_NOMEM fails here; conflicts show in dt_value. */
enum dt_result dt_put(struct doctree *t, struct rv *const *path, size_t n,
		      struct rv *v, enum dt_put how);

/* The whole document (an object); NULL with *conflict set when two puts
 * conflict, NULL alone when out of memory. */
struct rv *dt_value(struct doctree *t, bool *conflict);

#endif
