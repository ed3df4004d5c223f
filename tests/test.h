/* test.h - the smallest test harness: CHECK records, main prints the
 * plain "N passed, N failed" summary and exits non-zero on any failure. */
#ifndef EAA_TEST_H
#define EAA_TEST_H

#include <ftw.h>
#include <stdio.h>
#include <string.h>

static int t_passed, t_failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (cond) {                                                  \
			t_passed++;                                          \
		} else {                                                     \
			t_failed++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
		}                                                            \
	} while (0)

/* cond is evaluated once: it may have side effects. */
#define CHECK_MSG(cond, ...)                                                 \
	do {                                                                 \
		if (cond) {                                                  \
			t_passed++;                                          \
		} else {                                                     \
			t_failed++;                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n    ",     \
				__FILE__, __LINE__, #cond);                  \
			fprintf(stderr, __VA_ARGS__);                        \
			fprintf(stderr, "\n");                               \
		}                                                            \
	} while (0)

static inline int test_rm_entry(const char *path, const struct stat *st,
				int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a test's temporary directory tree (depth first, no symlinks
 * followed). */
static inline void test_rm_rf(const char *dir)
{
	if (nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static inline int test_summary(void)
{
	printf("%d passed, %d failed\n", t_passed, t_failed);
	return t_failed ? 1 : 0;
}

#endif
