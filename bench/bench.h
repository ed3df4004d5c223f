/* bench.h - what every bench-* program needs: a monotonic clock in
 * seconds, and one line naming the failure before exiting. */
#ifndef EAA_BENCH_H
#define EAA_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* "bench-snp: verify: <msg>", exit 1; msg NULL: "failed". */
static inline void bench_die(const char *what, const char *msg)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		msg ? msg : "failed");
	exit(1);
}

#endif
