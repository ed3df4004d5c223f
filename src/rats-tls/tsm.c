/* tsm.c - configfs-tsm reports (see tsm.h).
 *
 * The kernel counts writes to an entry's inblob in `generation`; reading it
 * before and after the exchange proves the outblob we read answers our
 * inblob and not another process's write to the same entry. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "tsm.h"

static bool join(char *out, size_t len, const char *dir, const char *name,
		 struct eaa_err *err)
{
	if ((size_t)snprintf(out, len, "%s/%s", dir, name) >= len)
		return eaa_fail(err, EAA_E_CONFIG, "%s: path too long", dir);
	return true;
}

/* A small text attribute, trailing newline removed. */
static bool read_attr(const char *entry, const char *name, char *out,
		      size_t len, struct eaa_err *err)
{
	char path[PATH_MAX];
	uint8_t *buf;
	size_t n;

	if (!join(path, sizeof(path), entry, name, err) ||
	    !file_read(path, len - 1, &buf, &n, err))
		return false;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	memcpy(out, buf, n);
	out[n] = '\0';
	free(buf);
	return true;
}

static bool read_generation(const char *entry, unsigned long long *g,
			    struct eaa_err *err)
{
	char text[32], *end;

	if (!read_attr(entry, "generation", text, sizeof(text), err))
		return false;
	errno = 0;
	*g = strtoull(text, &end, 10);
	if (errno || end == text || *end)
		return eaa_fail(err, EAA_E_FORMAT, "%s/generation: \"%s\" is "
				"not a number", entry, text);
	return true;
}

static bool write_inblob(const char *entry, const uint8_t *p, size_t n,
			 struct eaa_err *err)
{
	char path[PATH_MAX];
	ssize_t put;
	int fd;

	if (!join(path, sizeof(path), entry, "inblob", err))
		return false;
	/* No O_CREAT: the kernel made inblob; creating one would mean we
	 * are not talking to configfs. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	do
		put = write(fd, p, n);
	while (put < 0 && errno == EINTR);
	if (close(fd) != 0 && put == (ssize_t)n)
		put = -1;
	if (put != (ssize_t)n)
		return eaa_fail(err, EAA_E_IO, "%s: write failed: %s", path,
				put < 0 ? strerror(errno) : "short write");
	return true;
}

/* The entry's auxblob into aux; nothing when the entry has none. */
static bool read_aux(const char *entry, size_t max, struct wr *aux, struct eaa_err *err)
{
	char path[PATH_MAX];
	uint8_t *blob;
	size_t n;
	bool ok;

	if (!join(path, sizeof(path), entry, "auxblob", err))
		return false;
	if (access(path, F_OK) != 0)
		return true;
	if (!file_read(path, max, &blob, &n, err))
		return false;
	ok = wr_bytes(aux, blob, n) || eaa_fail(err, EAA_E_NOMEM, "out of memory");
	free(blob);
	return ok;
}

static bool exchange(const char *entry, const char *provider,
		     const uint8_t *inblob, size_t inlen, size_t max,
		     struct wr *out, struct wr *aux, size_t aux_max, struct eaa_err *err)
{
	char have[64], path[PATH_MAX];
	unsigned long long before, after;
	uint8_t *blob;
	size_t n;
	bool ok;

	if (!read_attr(entry, "provider", have, sizeof(have), err))
		return false;
	if (strcmp(have, provider) != 0)
		return eaa_fail(err, EAA_E_TEE_MISMATCH, "%s: provider is \"%s\", "
				"not \"%s\"", entry, have, provider);
	if (!read_generation(entry, &before, err) ||
	    !write_inblob(entry, inblob, inlen, err) ||
	    !join(path, sizeof(path), entry, "outblob", err) ||
	    !file_read(path, max, &blob, &n, err))
		return false;
	ok = (!aux || read_aux(entry, aux_max, aux, err)) && read_generation(entry, &after, err);
	if (ok && after != before + 1)
		ok = eaa_fail(err, EAA_E_IO, "%s: generation went from %llu to "
			      "%llu: another process wrote inblob, so the "
			      "report may answer its data, not ours", entry,
			      before, after);
	if (ok && n == 0)
		ok = eaa_fail(err, EAA_E_IO, "%s: empty report", path);
	if (ok && !wr_bytes(out, blob, n))
		ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
	free(blob);
	return ok;
}

bool tsm_report(const char *path, const char *provider, const uint8_t *inblob,
		size_t inlen, size_t max, struct wr *out, struct wr *aux, size_t aux_max,
		struct eaa_err *err)
{
	static atomic_uint counter;
	char probe[PATH_MAX], entry[PATH_MAX];
	struct stat st;
	bool ok;

	if (inlen > 64)
		return eaa_fail(err, EAA_E_INVALID, "configfs-tsm: inblob of %zu "
				"bytes (at most 64)", inlen);
	if (!join(probe, sizeof(probe), path, "inblob", err))
		return false;
	if (stat(probe, &st) == 0)
		return exchange(path, provider, inblob, inlen, max, out, aux, aux_max, err);
	/* A private entry, so no other process shares our generation. */
	if ((size_t)snprintf(entry, sizeof(entry), "%s/eaa-%ld-%u", path,
			     (long)getpid(), atomic_fetch_add(&counter, 1)) >=
	    sizeof(entry))
		return eaa_fail(err, EAA_E_CONFIG, "%s: path too long", path);
	if (mkdir(entry, 0700) != 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s (is configfs-tsm mounted "
				"and the TEE guest driver loaded?)", entry,
				strerror(errno));
	ok = exchange(entry, provider, inblob, inlen, max, out, aux, aux_max, err);
	rmdir(entry);
	return ok;
}
