/* builtins_encode.c - (being written) */
#include "builtins.h"

const struct rb_def rb_encode_defs[] = {
	{ NULL, 0, NULL },
};
