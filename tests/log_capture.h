/* log_capture.h - what a test's code under test logs to stderr, captured
 * around a few calls: log_begin_in(prefix) sends stderr to the file
 * PREFIX.log,
 * log_end() restores it and returns what was logged (a static buffer of
 * at most 8 KiB, overwritten by the next call). Header-only, like test.h;
 * needs the core's file_read. */
#ifndef EAA_TESTS_LOG_CAPTURE_H
#define EAA_TESTS_LOG_CAPTURE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "err.h"
#include "file.h"

static char log_capture_path[4200];
static int log_capture_saved = -1;

static inline void log_begin_in(const char *prefix)
{
	int fd;

	snprintf(log_capture_path, sizeof(log_capture_path), "%s.log", prefix);
	fd = open(log_capture_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fflush(stderr);
	log_capture_saved = dup(2);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
}

static inline char *log_end(void)
{
	static char buf[8192];
	struct eaa_err err;
	uint8_t *p;
	size_t n;

	fflush(stderr);
	if (log_capture_saved >= 0) {
		dup2(log_capture_saved, 2);
		close(log_capture_saved);
		log_capture_saved = -1;
	}
	buf[0] = '\0';
	if (file_read(log_capture_path, sizeof(buf) - 1, &p, &n, &err)) {
		memcpy(buf, p, n);
		buf[n] = '\0';
		free(p);
	}
	unlink(log_capture_path);
	return buf;
}

#endif
