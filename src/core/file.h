/* file.h - whole-file reads with a size cap, and atomic writes. */
#ifndef EAA_FILE_H
#define EAA_FILE_H

#include <stddef.h>
#include <stdint.h>
#include "err.h"

/* Read a whole file of at most max bytes; *out is malloc'd with a NUL
 * appended (not counted in *n) so text files can be used as strings. */
bool file_read(const char *path, size_t max, uint8_t **out, size_t *n,
	       struct eaa_err *err);
/* The same, for a file that must be a regular file (keys, resources):
 * anything else (a FIFO, a device, a directory) is refused at once
 * instead of blocking the reader in open() or read(). */
bool file_read_regular(const char *path, size_t max, uint8_t **out, size_t *n,
		       struct eaa_err *err);
/* Write via temp file + fsync + rename, so readers never see a partial file. */
bool file_write_atomic(const char *path, const void *p, size_t n,
		       unsigned mode, struct eaa_err *err);

#endif
