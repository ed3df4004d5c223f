/* json_read.h - the JSON reader (json_read.c). */
#ifndef EAA_REGO_JSON_READ_H
#define EAA_REGO_JSON_READ_H

#include "value.h"

/* Go allows 10000 levels. Values are compared, sorted and printed
 * recursively, so we allow 2048: deeper documents are refused here, never
 * a stack overflow later. */
#define JSON_MAX_DEPTH 2048

struct jr {
	struct rv_arena *a; /* where values go; NULL: only validate */
	const unsigned char *p, *end;
	bool nomem;
	char err[128]; /* Go's message when the text is not JSON */
};

/* Skip JSON white space. */
void jr_ws(struct jr *r);
/* One scalar (string, number, true, false, null). */
bool jr_scalar(struct jr *r, struct rv **out);
/* One value of any kind at r->p; on failure r->err holds Go's message (or
 * r->nomem is set) and r->p is where reading stopped. */
bool jr_value(struct jr *r, struct rv **out);
/* A byte as Go's scanner quotes it in messages ('x', '\\n'). */
void jr_quote_char(char *dst, size_t len, unsigned char ch);

#endif
