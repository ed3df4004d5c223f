/* artifact.h - the owner's artifacts (kernel, initrd, firmware) read for
 * measuring: streamed into a digest, so a large initrd is never held in
 * memory. Errors name the artifact ("kernel /boot/vmlinuz: ..."). */
#ifndef EAA_MEASURE_ARTIFACT_H
#define EAA_MEASURE_ARTIFACT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include "err.h"

/* Feed the whole regular file at path into ctx; what names it in errors. */
bool artifact_update(EVP_MD_CTX *ctx, const char *path, const char *what,
		     struct eaa_err *err);
/* md(whole file) into out (EVP_MD_size(md) bytes). */
bool artifact_digest(const EVP_MD *md, const char *path, const char *what,
		     uint8_t *out, struct eaa_err *err);

#endif
