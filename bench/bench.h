/* bench.h - what every bench-* program needs: a monotonic clock in
 * seconds, CPU time (another process's and this one's), one line naming
 * the failure before exiting, and the policy benches' command line. */
#ifndef EAA_BENCH_H
#define EAA_BENCH_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static inline double bench_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) process pid has used, from /proc/PID/stat;
 * 0 once it is gone. */
static inline double bench_proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the command's ")": state is field 3, utime 14, stime 15 */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* This process's CPU seconds (user + system, all its threads). */
static inline double bench_self_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
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
