/* file.c - bounded whole-file reads and atomic writes (see file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"

/* Read fd to its end (at most max bytes) and close it. */
static bool read_fd(int fd, const char *path, size_t max, uint8_t **out, size_t *n,
		    struct eaa_err *err)
{
	size_t len = 0, cap = 4096;
	uint8_t *buf = NULL;

	for (;;) {
		ssize_t got;

		if (!buf || len == cap) {
			uint8_t *nb;

			if (buf)
				cap *= 2;
			/* key files pass here: grow without leaving a copy */
			if (!(nb = malloc(cap + 1)))
				goto nomem;
			if (buf) {
				memcpy(nb, buf, len);
				OPENSSL_cleanse(buf, len);
				free(buf);
			}
			buf = nb;
		}
		got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > max) {
			eaa_fail(err, EAA_E_FORMAT, "%s: larger than %zu bytes",
				 path, max);
			goto fail;
		}
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	*n = len;
	return true;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "%s: out of memory", path);
fail:
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
	close(fd);
	return false;
}

bool file_read(const char *path, size_t max, uint8_t **out, size_t *n,
	       struct eaa_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	return read_fd(fd, path, max, out, n, err);
}

bool file_read_regular(const char *path, size_t max, uint8_t **out, size_t *n,
		       struct eaa_err *err)
{
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer; on a regular file it changes nothing */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s: not a regular file", path);
	}
	return read_fd(fd, path, max, out, n, err);
}

bool file_write_atomic(const char *path, const void *p, size_t n,
		       unsigned mode, struct eaa_err *err)
{
	char tmp[4096];
	const uint8_t *b = p;
	size_t done = 0;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return eaa_fail(err, EAA_E_INVALID, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) != 0)
		goto fail;
	while (done < n) {
		ssize_t put = write(fd, b + done, n - done);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0)
			goto fail;
		done += (size_t)put;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return true;
fail:
	eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}
