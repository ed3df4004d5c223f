/* unpack.h - an image's layers into a root file system, each layer's
 * digest checked, nothing visible at the root until all verified (see
 * unpack.c for the rules on escapes and whiteouts). */
#ifndef EAA_IMG_UNPACK_H
#define EAA_IMG_UNPACK_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"

struct img_layer {
	const char *path;     /* the blob (tar, tar+gzip or tar+zstd) */
	const char *digest;   /* its "sha256:<hex>" from the manifest */
};

/* Apply layers in order into a new directory rootfs (which must not
 * exist). On failure rootfs does not exist and nothing is left behind. */
bool img_unpack(const struct img_layer *layers, size_t n, const char *rootfs,
		struct eaa_err *err);

#endif
