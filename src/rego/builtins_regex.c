/* builtins_regex.c - (being split out) */
#include "builtins.h"

const struct rb_def rb_regex_defs[] = {
	{ NULL, 0, NULL },
};
