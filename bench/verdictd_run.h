/* verdictd_run.h - a real verdictd for the benches that talk to one
 * (bench/verdictd_run.c): its state directory in /tmp, the process on a
 * free loopback port, and both removed at the end. */
#ifndef EAA_BENCH_VERDICTD_RUN_H
#define EAA_BENCH_VERDICTD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bench_vd {
	char dir[64];   /* the state: key.pem and trust.pem (the sample TEE's
			   key, which clients attest with, and its public half
			   verdictd trusts), vd_tls.pem and vd_pub.pem
			   (verdictd's TLS key, for clients that pin it),
			   root/ (keys, policies, resources) */
	pid_t pid;
	int port;
};

/* A new state directory /tmp/NAME-XXXXXX holding the keys above, KEK
 * default/key/1 = kek, and a sample-TEE policy that allows (svn >= 0).
 * Dies on failure. */
void bench_vd_prepare(struct bench_vd *v, const char *name, const uint8_t kek[32]);

/* "DIR/rel" in buf (size bytes). */
const char *bench_vd_path(const struct bench_vd *v, const char *rel, char *buf,
			  size_t size);

/* A file of the state directory, its parent directories made (0700). */
void bench_vd_write(const struct bench_vd *v, const char *rel, const void *p, size_t n);

/* verdictd from bin: --listen 127.0.0.1:0, the sample verifier, the
 * nullattester with vd_tls.pem, --mutual, the state's root and sample
 * trust, then extra (NULL-terminated, may be NULL). log NULL: at
 * --log-level error on our stderr; else at info (one line per attestation,
 * none per request) into the state's file log. Returns once it listens,
 * with pid and port set; dies if it does not. */
void bench_vd_start(struct bench_vd *v, const char *bin, const char *log,
		    const char *const *extra);

/* Lines of the state's file rel that contain what (-1: no such file). */
long bench_vd_count(const struct bench_vd *v, const char *rel, const char *what);

/* verdictd stopped (if started) and the state directory removed; false if
 * it could not be. */
bool bench_vd_finish(struct bench_vd *v);

#endif
