/* builtins_time.c - (being split out) */
#include "builtins.h"

const struct rb_def rb_time_defs[] = {
	{ NULL, 0, NULL },
};
