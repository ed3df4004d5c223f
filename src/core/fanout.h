/* fanout.h - read a stream once and hash it on helper threads.
 *
 * fanout_run reads fd to its end in chunks. Every chunk goes to each sink
 * (a SHA-256 or HMAC update, each on a thread of its own) and to each() on
 * the caller's thread, in order; a chunk's buffer is reused only when every
 * sink and each() are done with it. On two cores, an encrypted layer's
 * HMAC and blob digest are then computed beside its decryption instead of
 * after it (docs/benchmarks.md). Where a thread cannot be started, its sink
 * runs on the caller's thread: slower, the same result. */
#ifndef EAA_CORE_FANOUT_H
#define EAA_CORE_FANOUT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define FANOUT_MAX_SINKS 4

/* Exactly one of md and mac is set, initialized by the caller, who
 * finalizes it after fanout_run returned true. */
struct fanout_sink {
	EVP_MD_CTX *md;
	EVP_MAC_CTX *mac;
};

/* each(arg, p, n, err) sees every chunk on the caller's thread; it returns
 * false (with err set) to stop the run. what names the stream in errors
 * ("reading the encrypted layer: ..."). */
typedef bool (*fanout_each)(void *arg, const uint8_t *p, size_t n, struct eaa_err *err);

bool fanout_run(int fd, const char *what, struct fanout_sink *sinks, size_t nsinks,
		fanout_each each, void *arg, struct eaa_err *err);

#endif
