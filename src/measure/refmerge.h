/* refmerge.h - merge a derived reference fragment into a stored reference
 * document (`verdict --derive ... --set-opa-reference NAME`). */
#ifndef EAA_MEASURE_REFMERGE_H
#define EAA_MEASURE_REFMERGE_H

#include <jansson.h>
#include <stdio.h>
#include "err.h"

/* Merge frag into doc, in place, and never drop what doc holds:
 *   - a list gains the fragment's values it does not have yet;
 *   - an object is merged member by member;
 *   - a number present in both keeps the lower one, since every number a
 *     reference document holds is a minimum (svn, productId, minimum_tcb)
 *     that the entries already listed must still pass; the change is said
 *     on info;
 *   - a member doc lacks is added;
 *   - anything else that differs (a string against a list, two strings)
 *     is refused, naming the member, and doc is left as it was.
 * Returns false with err set when refused. */
bool refmerge(json_t *doc, const json_t *frag, FILE *info, struct eaa_err *err);

#endif
