/* unpack.c - image layers into a root file system with libarchive (see
 * unpack.h). Every layer is read through its digest: the bytes libarchive
 * decompresses are hashed as they are read, and a layer counts only when
 * the whole blob matched. The layers are applied in a staging directory
 * next to the root, which becomes the root by one rename when every layer
 * verified; on any failure the staging directory is removed and the root
 * never existed.
 *
 * Escapes refused, each naming its entry: absolute names, ".." anywhere,
 * writing through a symlink (libarchive's SECURE_SYMLINKS, and our own
 * checks for whiteouts), hard links to absolute or ".." targets. Symlinks
 * are created as they are: their targets mean something only inside the
 * container. OCI whiteouts: ".wh.<name>" removes <name> from the lower
 * layers, ".wh..wh..opq" empties its directory of lower layers' entries. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "codec.h"
#include "unpack.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct reader {
	int fd;
	EVP_MD_CTX *md;
	unsigned char buf[65536];
	uint64_t total;
};

static la_ssize_t read_cb(struct archive *a, void *arg, const void **out)
{
	struct reader *r = arg;
	ssize_t n;

	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read failed");
		return -1;
	}
	if (n > 0) {
		EVP_DigestUpdate(r->md, r->buf, (size_t)n);
		r->total += (uint64_t)n;
	}
	*out = r->buf;
	return n;
}

/* A relative entry name with no "", "." or ".." component; a trailing
 * '/' (directories) is allowed. Leading "./" is dropped. */
static const char *clean_name(const char *name)
{
	const char *p;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (!*name || name[0] == '/')
		return NULL;
	for (p = name; *p;) {
		size_t len = strcspn(p, "/");

		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return NULL;
		if (len == 0 && p[1]) /* "a//b" */
			return NULL;
		p += len;
		if (*p == '/')
			p++;
	}
	return name;
}

/* root/rel with every existing parent a real directory (no symlink). */
static bool beneath(const char *root, const char *rel, char *out, size_t len)
{
	struct stat st;
	char *p;

	if ((size_t)snprintf(out, len, "%s/%s", root, rel) >= len)
		return false;
	for (p = out + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (lstat(out, &st) == 0 && !S_ISDIR(st.st_mode)) {
			*p = '/';
			return false;
		}
		*p = '/';
	}
	return true;
}

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return remove(p);
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* The entries this layer wrote, so an opaque whiteout keeps them. */
struct written {
	char **names;
	size_t n, cap;
};

static bool remember(struct written *w, const char *name)
{
	char *s;

	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 256;
		char **nn = realloc(w->names, cap * sizeof(*nn));

		if (!nn)
			return false;
		w->names = nn;
		w->cap = cap;
	}
	if (!(s = strdup(name)))
		return false;
	if (s[0] && s[strlen(s) - 1] == '/')
		s[strlen(s) - 1] = '\0';
	w->names[w->n++] = s;
	return true;
}

static bool was_written(const struct written *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return true;
	return false;
}

/* ".wh..wh..opq" in dir: remove what lower layers put there. */
static bool opaque(const char *root, const char *dir, const struct written *w,
		   struct eaa_err *err)
{
	char path[PATH_MAX], child[PATH_MAX], rel[PATH_MAX];
	struct dirent *e;
	DIR *d;
	bool ok = true;

	if (!beneath(root, dir, path, sizeof(path)))
		return eaa_fail(err, EAA_E_FORMAT, "whiteout %s" WH_OPAQUE ": goes through a "
				"symlink", dir);
	if (!(d = opendir(path)))
		return true;
	while (ok && (e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(rel, sizeof(rel), "%s%s", dir, e->d_name);
		if (was_written(w, rel))
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		ok = rm_tree(child) == 0 ||
		     eaa_fail(err, EAA_E_IO, "whiteout: cannot remove %s", rel);
	}
	closedir(d);
	return ok;
}

/* One entry's whiteout: true when name was one (and was applied). */
static bool whiteout(const char *root, const char *name, const struct written *w,
		     bool *was, struct eaa_err *err)
{
	const char *base = strrchr(name, '/');
	char dir[PATH_MAX], target[PATH_MAX], path[PATH_MAX];
	size_t dlen;

	base = base ? base + 1 : name;
	*was = strncmp(base, WH_PREFIX, strlen(WH_PREFIX)) == 0;
	if (!*was)
		return true;
	dlen = (size_t)(base - name);
	snprintf(dir, sizeof(dir), "%.*s", (int)dlen, name);
	if (strcmp(base, WH_OPAQUE) == 0)
		return opaque(root, dir, w, err);
	if (!base[strlen(WH_PREFIX)] || strcmp(base + strlen(WH_PREFIX), ".") == 0 ||
	    strcmp(base + strlen(WH_PREFIX), "..") == 0)
		return eaa_fail(err, EAA_E_FORMAT, "whiteout \"%.200s\" names nothing", name);
	snprintf(target, sizeof(target), "%s%s", dir, base + strlen(WH_PREFIX));
	if (!beneath(root, target, path, sizeof(path)))
		return eaa_fail(err, EAA_E_FORMAT, "whiteout \"%.200s\" goes through a symlink",
				name);
	if (rm_tree(path) != 0 && errno != ENOENT)
		return eaa_fail(err, EAA_E_IO, "whiteout: cannot remove %s", target);
	return true;
}

static bool unpack_layer(const char *root, const struct img_layer *layer, struct eaa_err *err)
{
	struct reader rd = { .fd = open(layer->path, O_RDONLY | O_CLOEXEC) };
	struct archive *a = archive_read_new(), *disk = archive_write_disk_new();
	struct archive_entry *e;
	struct written w = { 0 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdn = 0;
	char path[PATH_MAX], entry[PATH_MAX], *hex = NULL, got[80];
	const char *name, *link;
	const void *rest;
	int r;
	bool ok = false, was;

	rd.md = EVP_MD_CTX_new();
	if (rd.fd < 0 || !a || !disk || !rd.md ||
	    EVP_DigestInit_ex(rd.md, EVP_sha256(), NULL) != 1) {
		eaa_fail(err, EAA_E_IO, "%s: %s", layer->path, strerror(errno));
		goto out;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_none(a);
	archive_read_support_format_tar(a);
	archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
				       ARCHIVE_EXTRACT_SECURE_SYMLINKS |
				       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
				       (geteuid() == 0 ? ARCHIVE_EXTRACT_OWNER : 0));
	if (archive_read_open(a, &rd, NULL, read_cb, NULL) != ARCHIVE_OK) {
		eaa_fail(err, EAA_E_FORMAT, "not a tar (gzip, zstd or plain): %s",
			 archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *raw = archive_entry_pathname(e);

		if (!raw || !(name = clean_name(raw))) {
			eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s\" leaves the root (absolute "
				 "or with ..)", raw ? raw : "");
			goto out;
		}
		/* the entry's own string is replaced below: keep a copy */
		if ((size_t)snprintf(entry, sizeof(entry), "%s", name) >= sizeof(entry)) {
			eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s...\": name too long", name);
			goto out;
		}
		name = entry;
		if (!whiteout(root, name, &w, &was, err))
			goto out;
		if (was)
			continue;
		if ((link = archive_entry_hardlink(e)) != NULL) {
			const char *t = clean_name(link);

			if (!t || !beneath(root, t, path, sizeof(path))) {
				eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s\": hard link to "
					 "\"%.200s\" leaves the root", name, link);
				goto out;
			}
			archive_entry_set_hardlink(e, path);
		}
		if (!beneath(root, name, path, sizeof(path))) {
			eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s\" goes through a symlink",
				 name);
			goto out;
		}
		archive_entry_set_pathname(e, path);
		if (!remember(&w, name)) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			goto out;
		}
		if (archive_write_header(disk, e) != ARCHIVE_OK) {
			eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s\": %s", name,
				 archive_error_string(disk));
			goto out;
		}
		for (;;) {
			const void *buf;
			size_t n;
			la_int64_t off;

			r = archive_read_data_block(a, &buf, &n, &off);
			if (r == ARCHIVE_EOF)
				break;
			if (r != ARCHIVE_OK ||
			    archive_write_data_block(disk, buf, n, off) != ARCHIVE_OK) {
				eaa_fail(err, EAA_E_FORMAT, "entry \"%.200s\": %s", name,
					 r != ARCHIVE_OK ? archive_error_string(a) :
					 archive_error_string(disk));
				goto out;
			}
		}
		if (archive_write_finish_entry(disk) != ARCHIVE_OK) {
			eaa_fail(err, EAA_E_IO, "entry \"%.200s\": %s", name,
				 archive_error_string(disk));
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		eaa_fail(err, EAA_E_FORMAT, "not a valid tar: %s", archive_error_string(a));
		goto out;
	}
	/* the digest covers the whole blob, past the tar's end */
	while (read_cb(a, &rd, &rest) > 0)
		;
	EVP_DigestFinal_ex(rd.md, md, &mdn);
	hex = hex_encode(md, mdn);
	snprintf(got, sizeof(got), "sha256:%s", hex ? hex : "");
	if (!layer->digest || strcmp(got, layer->digest) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "the blob's digest is %s, not %s", got,
			 layer->digest ? layer->digest : "(none)");
		goto out;
	}
	ok = true;
out:
	free(hex);
	for (size_t i = 0; i < w.n; i++)
		free(w.names[i]);
	free(w.names);
	archive_read_free(a);
	archive_write_free(disk);
	EVP_MD_CTX_free(rd.md);
	if (rd.fd >= 0)
		close(rd.fd);
	return ok;
}

bool img_unpack(const struct img_layer *layers, size_t n, const char *rootfs,
		struct eaa_err *err)
{
	char staging[PATH_MAX], real[PATH_MAX];

	if (access(rootfs, F_OK) == 0)
		return eaa_fail(err, EAA_E_INVALID, "%s exists; not unpacking over it", rootfs);
	if ((size_t)snprintf(staging, sizeof(staging), "%s.staging-XXXXXX", rootfs) >=
	    sizeof(staging) || !mkdtemp(staging))
		return eaa_fail(err, EAA_E_IO, "cannot create a staging directory beside %s: %s",
				rootfs, strerror(errno));
	/* no symlink in the staging path itself */
	if (!realpath(staging, real)) {
		rm_tree(staging);
		return eaa_fail(err, EAA_E_IO, "%s: %s", staging, strerror(errno));
	}
	chmod(real, 0755);
	for (size_t i = 0; i < n; i++) {
		if (!unpack_layer(real, &layers[i], err)) {
			eaa_err_prefix(err, "layer %zu (%.19s)", i + 1,
				       layers[i].digest ? layers[i].digest : "?");
			rm_tree(real);
			return false;
		}
	}
	if (rename(real, rootfs) != 0) {
		int e = errno;

		rm_tree(real);
		return eaa_fail(err, EAA_E_IO, "%s: cannot commit: %s", rootfs, strerror(e));
	}
	return true;
}
