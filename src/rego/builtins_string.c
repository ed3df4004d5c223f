/* builtins_string.c - (being written) */
#include "builtins.h"

const struct rb_def rb_string_defs[] = {
	{ NULL, 0, NULL },
};
