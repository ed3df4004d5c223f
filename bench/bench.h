/* bench.h - what every bench-* program needs: a monotonic clock in
 * seconds, one line naming the failure before exiting, and the policy
 * benches' command line. */
#ifndef EAA_BENCH_H
#define EAA_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

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

/* `-n N -t THREADS [DIR]` of bench-rego and bench-decide: false on a bad
 * flag or value (exit 2, as they do). */
static inline int bench_policy_args(int argc, char **argv, long *n, int *threads,
				    const char **dir)
{
	int c;

	while ((c = getopt(argc, argv, "n:t:")) != -1) {
		if (c == 'n')
			*n = atol(optarg);
		else if (c == 't')
			*threads = atoi(optarg);
		else
			return 0;
	}
	if (*threads < 1 || *threads > 64 || *n < 1)
		return 0;
	if (optind < argc)
		*dir = argv[optind];
	return 1;
}

#endif
