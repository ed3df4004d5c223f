/* builtins_json.c - (being split out) */
#include "builtins.h"

const struct rb_def rb_json_defs[] = {
	{ NULL, 0, NULL },
};
