/* artifact.c - stream an artifact into a digest (artifact.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "artifact.h"

bool artifact_update(EVP_MD_CTX *ctx, const char *path, const char *what,
		     struct eaa_err *err)
{
	uint8_t buf[1 << 16];
	struct stat st;
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s %s: %s", what, path, strerror(errno));
	/* a FIFO or a device would block or never end */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s %s: not a regular file", what, path);
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		if (EVP_DigestUpdate(ctx, buf, (size_t)got) != 1) {
			close(fd);
			return eaa_fail(err, EAA_E_CRYPTO, "%s %s: digest failed", what, path);
		}
	if (got < 0) {
		int e = errno;

		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s %s: %s", what, path, strerror(e));
	}
	close(fd);
	return true;
}

bool artifact_digest(const EVP_MD *md, const char *path, const char *what,
		     uint8_t *out, struct eaa_err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	if (!ctx)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
		ok = eaa_fail(err, EAA_E_CRYPTO, "%s: no digest %s", what, EVP_MD_get0_name(md));
	else
		ok = artifact_update(ctx, path, what, err) &&
		     (EVP_DigestFinal_ex(ctx, out, NULL) == 1 ||
		      eaa_fail(err, EAA_E_CRYPTO, "%s: digest failed", what));
	EVP_MD_CTX_free(ctx);
	return ok;
}
