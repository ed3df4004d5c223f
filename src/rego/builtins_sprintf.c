/* builtins_sprintf.c - (being split out) */
#include "builtins.h"

const struct rb_def rb_sprintf_defs[] = {
	{ NULL, 0, NULL },
};
