/* store.c - verdictd's state directory (see store.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "eaa/rego.h"
#include "edits.h"
#include "file.h"
#include "store.h"
#include "store_pg.h"

#define MAX_PATH 4096
#define MAX_DOC (16u * 1024u * 1024u) /* policies, data, resources */
#define VD_TOKEN_FILE_NAME "client-api.token" /* api.h's VD_TOKEN_FILE */

struct vd_store {
	char *root;
	pthread_mutex_t wlock; /* one writer at a time */
	/* bumped (under wlock) by every write, so a decision made at one
	 * generation can tell that the store changed since */
	_Atomic uint64_t generation;
	struct vd_edits *edits; /* opa/'s hand edits, when watched */
	/* the documents in PostgreSQL instead of below root (store_pg.h);
	 * root then holds only what is this replica's own */
	struct vd_pg *pg;
};

/* the TEEs' and, last, the resource policy's file name prefixes */
static const char *const tee_names[VD_OPA_RESOURCE + 1] = {
	[VD_TEE_SGX] = "sgx", [VD_TEE_TDX] = "tdx", [VD_TEE_SNP] = "snp",
	[VD_TEE_CSV] = "csv", [VD_TEE_TPM] = "tpm", [VD_TEE_SAMPLE] = "sample",
	/* kbs-types' "az-snp-vtpm" without its dashes: the names are file
	 * name prefixes (azsnpvtpmPolicy.rego), and no other name may
	 * begin one of them */
	[VD_TEE_AZ_SNP_VTPM] = "azsnpvtpm", [VD_TEE_AZ_TDX_VTPM] = "aztdxvtpm",
	[VD_TEE_SAMPLEDEVICE] = "sampledevice", [VD_TEE_NVIDIA] = "nvidia",
	[VD_OPA_RESOURCE] = "resource",
};

static const char *const resource_files[VD_RES_COUNT] = {
	[VD_RES_IMAGE_POLICY] = "image/policy.json",
	[VD_RES_SIGSTORE] = "image/sigstore.yaml",
	[VD_RES_COSIGN_KEY] = "image/cosign.key",
	[VD_RES_GPG_KEYRING] = "gpg/keyring.gpg",
	[VD_RES_CREDENTIAL] = "image/auth.json",
};

bool vd_tee_is_device(enum vd_tee t)
{
	return t == VD_TEE_SAMPLEDEVICE || t == VD_TEE_NVIDIA;
}

const char *vd_tee_name(enum vd_tee t)
{
	return (unsigned)t < VD_TEE_COUNT ? tee_names[t] : "?";
}

bool vd_tee_parse(const char *name, enum vd_tee *t, int *reference)
{
	size_t i, len;

	for (i = 0; i < VD_TEE_COUNT; i++) {
		len = strlen(tee_names[i]);
		if (strncmp(name, tee_names[i], len) != 0)
			continue;
		if (name[len] == '\0' || strcmp(name + len, "Policy.rego") == 0 ||
		    strcmp(name + len, "Data") == 0) {
			*t = (enum vd_tee)i;
			if (reference)
				*reference = name[len] == '\0' ? -1 :
					     strcmp(name + len, "Data") == 0;
			return true;
		}
	}
	return false;
}

const char *vd_opa_name(enum vd_tee t)
{
	return (unsigned)t <= VD_OPA_RESOURCE ? tee_names[t] : "?";
}

bool vd_opa_parse(const char *name, enum vd_tee *t, bool *reference)
{
	size_t i, len;

	for (i = 0; name && i <= VD_OPA_RESOURCE; i++) {
		len = strlen(tee_names[i]);
		if (strncmp(name, tee_names[i], len) != 0)
			continue;
		if (strcmp(name + len, "Policy.rego") == 0 ||
		    strcmp(name + len, "Data") == 0) {
			*t = (enum vd_tee)i;
			*reference = name[len] == 'D';
			return true;
		}
	}
	return false;
}

const char *vd_resource_file(enum vd_resource r)
{
	return (unsigned)r < VD_RES_COUNT ? resource_files[r] : "?";
}

const char *vd_store_root(const struct vd_store *s)
{
	return s->root;
}

const char *vd_store_where(const struct vd_store *s)
{
	return s->pg ? "postgresql:" : s->root;
}

bool vd_name_check(const char *what, const char *name, int max_parts,
		   struct eaa_err *err)
{
	const char *p = name;
	int parts = 1;

	if (!name || !*name)
		return eaa_fail(err, EAA_E_INVALID, "%s is empty", what);
	if (strlen(name) > 255)
		return eaa_fail(err, EAA_E_INVALID, "%s is longer than 255 bytes", what);
	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '/') {
			if (++parts > max_parts)
				return eaa_fail(err, EAA_E_INVALID,
						"%s \"%s\" has more than %d parts", what,
						name, max_parts);
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return eaa_fail(err, EAA_E_INVALID,
					"%s \"%.64s\": character 0x%02x is not allowed "
					"(letters, digits, '.', '_', '-', '/')", what, name, c);
		if (c == '.' && (p == name || p[-1] == '/'))
			return eaa_fail(err, EAA_E_INVALID,
					"%s \"%.64s\": a part may not start with '.'",
					what, name);
	}
	if (name[0] == '/' || p[-1] == '/' || strstr(name, "//"))
		return eaa_fail(err, EAA_E_INVALID, "%s \"%.64s\" has an empty part",
				what, name);
	return true;
}

static bool join(char *out, const struct vd_store *s, const char *dir,
		 const char *name, struct eaa_err *err)
{
	if ((size_t)snprintf(out, MAX_PATH, "%s/%s%s%s", s->root, dir,
			     name ? "/" : "", name ? name : "") >= MAX_PATH)
		return eaa_fail(err, EAA_E_INVALID, "path too long under %s", s->root);
	return true;
}

/* mkdir -p for the directories of path below the root (0700). */
static bool make_parents(const struct vd_store *s, const char *path,
			 struct eaa_err *err)
{
	char tmp[MAX_PATH];
	size_t i, rootlen = strlen(s->root);

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (i = rootlen + 1; tmp[i]; i++) {
		if (tmp[i] != '/')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return eaa_fail(err, EAA_E_IO, "%s: %s", tmp, strerror(errno));
		tmp[i] = '/';
	}
	return true;
}

/* Atomic replace, then fsync the directory so the rename survives a
 * crash. */
static bool store_write(struct vd_store *s, const char *path, const void *p,
			size_t n, unsigned mode, struct eaa_err *err)
{
	char dir[MAX_PATH], *slash;
	int fd;

	if (!make_parents(s, path, err) ||
	    !file_write_atomic(path, p, n, mode, err))
		return false;
	s->generation++;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return true;
}

/* Temporary files a writer killed mid-write left behind. */
static int remove_stale(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	if (flag == FTW_F && strstr(path + ftw->base, ".tmp."))
		unlink(path);
	return 0;
}


/* ---- the documents, wherever they are kept ----
 *
 * Each document has a path relative to the root ("keys/<kid>"): a file
 * below root, or a row of the database. Writers hold wlock(), which for
 * the database is also its write transaction (one for every replica). */

static bool wlock(struct vd_store *s, struct eaa_err *err)
{
	pthread_mutex_lock(&s->wlock);
	if (s->pg && !vd_pg_begin(s->pg, err)) {
		pthread_mutex_unlock(&s->wlock);
		return false;
	}
	return true;
}

/* Commit when ok (else roll back); ok, and the commit's own outcome. */
static bool wunlock(struct vd_store *s, bool ok, struct eaa_err *err)
{
	if (s->pg)
		ok = vd_pg_end(s->pg, ok, ok ? err : NULL) && ok;
	pthread_mutex_unlock(&s->wlock);
	return ok;
}

/* The document at rel (at most max bytes, NUL after them); *missing when
 * there is none. */
static bool obj_read(struct vd_store *s, const char *rel, size_t max, uint8_t **buf,
		     size_t *n, bool *missing, struct eaa_err *err)
{
	char path[MAX_PATH];

	*missing = false;
	if (s->pg)
		return vd_pg_get(s->pg, rel, max, buf, n, missing, err);
	if (!join(path, s, rel, NULL, err))
		return false;
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		*missing = true;
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(ENOENT));
	}
	return file_read(path, max, buf, n, err);
}

/* Under wlock. */
static bool obj_write(struct vd_store *s, const char *rel, const void *p, size_t n,
		      unsigned mode, struct eaa_err *err)
{
	char path[MAX_PATH];

	if (s->pg)
		return vd_pg_put(s->pg, rel, p, n, false, NULL, err);
	return join(path, s, rel, NULL, err) && store_write(s, path, p, n, mode, err);
}

/* Under wlock; the generation moves whether or not there was one. */
static bool obj_delete(struct vd_store *s, const char *rel, bool *missing,
		       struct eaa_err *err)
{
	char path[MAX_PATH];

	*missing = false;
	if (s->pg)
		return vd_pg_delete(s->pg, rel, missing, err) &&
		       (!*missing || eaa_fail(err, EAA_E_IO, "no %s", rel));
	if (!join(path, s, rel, NULL, err))
		return false;
	s->generation++;
	if (unlink(path) == 0)
		return true;
	*missing = errno == ENOENT;
	return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
}

static bool obj_exists(struct vd_store *s, const char *rel)
{
	char path[MAX_PATH];

	if (!s->pg)
		return join(path, s, rel, NULL, NULL) && access(path, F_OK) == 0;
	return vd_pg_exists(s->pg, rel, NULL);
}

bool vd_store_is_shared(const struct vd_store *s)
{
	return s->pg != NULL;
}

bool vd_store_object_get(struct vd_store *s, const char *rel, size_t max, uint8_t **data,
			 size_t *n, bool *missing, struct eaa_err *err)
{
	return obj_read(s, rel, max, data, n, missing, err);
}

bool vd_store_object_create(struct vd_store *s, const char *rel, const void *data, size_t n,
			    bool *existed, struct eaa_err *err)
{
	char path[MAX_PATH];
	bool ok;

	if (s->pg)
		return vd_pg_put(s->pg, rel, data, n, true, existed, err);
	if (!join(path, s, rel, NULL, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	*existed = access(path, F_OK) == 0;
	ok = *existed || store_write(s, path, data, n, 0600, err);
	pthread_mutex_unlock(&s->wlock);
	return ok;
}

struct vd_pg *vd_store_pg(struct vd_store *s)
{
	return s->pg;
}

struct vd_store *vd_store_open(const char *root, struct eaa_err *err)
{
	static const char *const dirs[] = { "keys", "opa", "image", "gpg",
					    "resources" };
	struct vd_store *s;
	char path[MAX_PATH];
	size_t i;

	if (!root || !*root) {
		eaa_fail(err, EAA_E_INVALID, "state directory: empty path");
		return NULL;
	}
	if (mkdir(root, 0700) != 0 && errno != EEXIST) {
		eaa_fail(err, EAA_E_IO, "%s: %s", root, strerror(errno));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->root = strdup(root))) {
		free(s);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->wlock, NULL);
	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		if (!join(path, s, dirs[i], NULL, err))
			goto fail;
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
			goto fail;
		}
	}
	nftw(root, remove_stale, 16, FTW_PHYS);
	return s;
fail:
	vd_store_close(s);
	return NULL;
}

struct vd_store *vd_store_open_shared(const char *root, const char *url,
				      const char *key_file, struct eaa_err *err)
{
	uint8_t key[VD_STORE_KEY_LEN];
	char gpg[MAX_PATH];
	struct vd_store *s;

	if (!key_file) {
		eaa_fail(err, EAA_E_CONFIG, "a postgresql store needs --store-key FILE (its master "
			 "key): without one a dump of the database would hold every key in clear");
		return NULL;
	}
	if (!vd_store_key_read(key_file, key, err))
		return NULL;
	if (!(s = calloc(1, sizeof(*s))) || !(s->root = strdup(root ? root : ""))) {
		free(s);
		OPENSSL_cleanse(key, sizeof(key));
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->wlock, NULL);
	/* root holds only this replica's own files: its GnuPG home, its copy
	 * of the client API token */
	if (root && (snprintf(gpg, sizeof(gpg), "%s/gpg", root) >= (int)sizeof(gpg) ||
		     (mkdir(root, 0700) != 0 && errno != EEXIST) ||
		     (mkdir(gpg, 0700) != 0 && errno != EEXIST))) {
		eaa_fail(err, EAA_E_IO, "%s: %s", root, strerror(errno));
		vd_store_close(s);
		s = NULL;
	} else if (!(s->pg = vd_pg_open(url, key, err))) {
		vd_store_close(s);
		s = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return s;
}

bool vd_store_is_url(const char *store)
{
	return store && (strncmp(store, "postgresql://", 13) == 0 ||
			 strncmp(store, "postgres://", 11) == 0);
}

bool vd_store_sync(struct vd_store *s, struct eaa_err *err)
{
	return !s->pg || vd_pg_sync(s->pg, err);
}

uint64_t vd_store_generation(struct vd_store *s)
{
	return s->pg ? vd_pg_generation(s->pg) : s->generation;
}

bool vd_store_watch_edits(struct vd_store *s, struct eaa_err *err)
{
	char dir[4096];

	if (s->pg)
		return true; /* no files to edit behind verdictd's back */
	snprintf(dir, sizeof(dir), "%s/opa", s->root);
	return s->edits || (s->edits = vd_edits_start(dir, err)) != NULL;
}

uint64_t vd_store_edits(struct vd_store *s)
{
	return s->pg ? 0 : vd_edits_count(s->edits);
}

void vd_store_close(struct vd_store *s)
{
	if (!s)
		return;
	vd_pg_close(s->pg);
	vd_edits_stop(s->edits);
	pthread_mutex_destroy(&s->wlock);
	free(s->root);
	free(s);
}

/* ---- keys ---- */

/* "dir/name", a document's path relative to the store */
static bool rel_of(char *out, const char *dir, const char *name, struct eaa_err *err)
{
	if ((size_t)snprintf(out, MAX_PATH, "%s/%s", dir, name) >= MAX_PATH)
		return eaa_fail(err, EAA_E_INVALID, "name too long: %.64s...", name);
	return true;
}

bool vd_key_get(struct vd_store *s, const char *kid, uint8_t key[VD_KEY_LEN],
		struct eaa_err *err)
{
	char rel[MAX_PATH];
	uint8_t *buf;
	size_t n;
	bool ok, missing;

	if (!vd_name_check("kid", kid, 3, err) || !rel_of(rel, "keys", kid, err))
		return false;
	if (!obj_read(s, rel, 4 * VD_KEY_LEN, &buf, &n, &missing, err)) {
		if (missing)
			return eaa_fail(err, EAA_E_INVALID, "no key with kid \"%s\"", kid);
		return eaa_err_prefix(err, "key \"%s\"", kid);
	}
	ok = n == VD_KEY_LEN;
	if (ok)
		memcpy(key, buf, VD_KEY_LEN);
	OPENSSL_cleanse(buf, n);
	free(buf);
	if (!ok)
		return eaa_fail(err, EAA_E_FORMAT, "key \"%s\" is %zu bytes, not %d",
				kid, n, VD_KEY_LEN);
	return true;
}

bool vd_key_set(struct vd_store *s, const char *kid,
		const uint8_t key[VD_KEY_LEN], struct eaa_err *err)
{
	char rel[MAX_PATH];

	if (!vd_name_check("kid", kid, 3, err) || !rel_of(rel, "keys", kid, err) ||
	    !wlock(s, err))
		return false;
	return wunlock(s, obj_write(s, rel, key, VD_KEY_LEN, 0600, err), err);
}

bool vd_key_create(struct vd_store *s, const char *kid, struct eaa_err *err)
{
	uint8_t key[VD_KEY_LEN];
	char rel[MAX_PATH];
	bool ok;

	if (!vd_name_check("kid", kid, 3, err) || !rel_of(rel, "keys", kid, err))
		return false;
	if (RAND_bytes(key, sizeof(key)) != 1)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "random key");
	if (!wlock(s, err)) {
		OPENSSL_cleanse(key, sizeof(key));
		return false;
	}
	if (obj_exists(s, rel))
		ok = eaa_fail(err, EAA_E_INVALID, "a key with kid \"%s\" exists", kid);
	else
		ok = obj_write(s, rel, key, sizeof(key), 0600, err);
	ok = wunlock(s, ok, err);
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

bool vd_key_delete(struct vd_store *s, const char *kid, struct eaa_err *err)
{
	char rel[MAX_PATH];
	bool ok, missing;

	if (!vd_name_check("kid", kid, 3, err) || !rel_of(rel, "keys", kid, err) ||
	    !wlock(s, err))
		return false;
	ok = obj_delete(s, rel, &missing, err);
	if (!ok && missing)
		eaa_fail(err, EAA_E_INVALID, "no key with kid \"%s\"", kid);
	else if (!ok)
		eaa_err_prefix(err, "key \"%s\"", kid);
	/* committed either way: a delete moves the generation */
	return wunlock(s, true, err) && ok;
}

/* nftw has no context pointer: the walk is serialised by this lock. */
static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char **v;
	size_t n, cap, skip;
	bool failed;
} list;

static int list_entry(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	const char *rel = path + list.skip;
	char **v;

	if (flag != FTW_F || !S_ISREG(st->st_mode) || strstr(rel, ".tmp."))
		return 0;
	if (!vd_name_check("kid", rel, 3, NULL))
		return 0; /* not ours: never offered */
	if (list.n == list.cap) {
		list.cap = list.cap ? list.cap * 2 : 16;
		v = realloc(list.v, list.cap * sizeof(*v));
		if (!v) {
			list.failed = true;
			return 1;
		}
		list.v = v;
	}
	if (!(list.v[list.n] = strdup(rel))) {
		list.failed = true;
		return 1;
	}
	list.n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool vd_key_list(struct vd_store *s, char ***kids, size_t *n,
		 struct eaa_err *err)
{
	char path[MAX_PATH];
	size_t i, k;
	int r;

	if (s->pg) {
		/* the same names the walk would offer: only well-formed kids */
		if (!vd_pg_list(s->pg, "keys/", kids, n, err))
			return false;
		for (i = k = 0; i < *n; i++) {
			if (vd_name_check("kid", (*kids)[i], 3, NULL))
				(*kids)[k++] = (*kids)[i];
			else
				free((*kids)[i]);
		}
		*n = k;
		return true;
	}
	if (!join(path, s, "keys", NULL, err))
		return false;
	pthread_mutex_lock(&list_lock);
	memset(&list, 0, sizeof(list));
	list.skip = strlen(path) + 1;
	r = nftw(path, list_entry, 16, FTW_PHYS);
	if (r != 0 || list.failed) {
		vd_list_free(list.v, list.n);
		pthread_mutex_unlock(&list_lock);
		return eaa_fail(err, list.failed ? EAA_E_NOMEM : EAA_E_IO,
				"listing %s failed", path);
	}
	qsort(list.v, list.n, sizeof(*list.v), cmp_str);
	*kids = list.v;
	*n = list.n;
	pthread_mutex_unlock(&list_lock);
	return true;
}

void vd_list_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- OPA ---- */

/* "opa/sgxPolicy.rego", relative to the store */
static bool opa_rel(char *rel, enum vd_tee t, bool reference, struct eaa_err *err)
{
	if ((unsigned)t > VD_OPA_RESOURCE)
		return eaa_fail(err, EAA_E_INVALID, "unknown TEE");
	snprintf(rel, MAX_PATH, "opa/%s%s", tee_names[t], reference ? "Data" : "Policy.rego");
	return true;
}

bool vd_opa_file(const struct vd_store *s, enum vd_tee t, bool reference,
		 char *path, size_t cap, struct eaa_err *err)
{
	char full[MAX_PATH], rel[MAX_PATH];

	if (s->pg)
		return eaa_fail(err, EAA_E_INVALID, "the store is in PostgreSQL: no files");
	if (!opa_rel(rel, t, reference, err) || !join(full, s, rel, NULL, err))
		return false;
	if ((size_t)snprintf(path, cap, "%s", full) >= cap)
		return eaa_fail(err, EAA_E_INVALID, "path too long under %s", s->root);
	return true;
}

bool vd_opa_get(struct vd_store *s, enum vd_tee t, bool reference,
		char **text, size_t *n, struct eaa_err *err)
{
	char rel[MAX_PATH];
	uint8_t *buf;
	bool missing;

	if (!opa_rel(rel, t, reference, err))
		return false;
	if (!obj_read(s, rel, MAX_DOC, &buf, n, &missing, err)) {
		if (missing)
			return eaa_fail(err, EAA_E_CONFIG, "no %s %s in %s%s%s", tee_names[t],
					reference ? "reference values" : "policy",
					s->pg ? "the store's " : s->root, s->pg ? "" : "/", rel);
		return false;
	}
	*text = (char *)buf;
	return true;
}

bool vd_opa_snapshot(struct vd_store *s, enum vd_tee t, struct vd_opa_doc *d,
		     struct eaa_err *err)
{
	bool ok;

	memset(d, 0, sizeof(*d));
	if (s->pg) {
		char rel[2][MAX_PATH];
		const char *paths[2] = { rel[0], rel[1] };
		uint8_t *out[2];
		size_t n[2];

		if (!opa_rel(rel[0], t, false, err) || !opa_rel(rel[1], t, true, err) ||
		    !vd_pg_get2(s->pg, paths, MAX_DOC, out, n, &d->generation, err))
			return false;
		d->policy = (char *)out[0];
		d->data = (char *)out[1];
		d->plen = n[0];
		d->dlen = n[1];
		return true;
	}
	/* writers hold wlock across their rename: under it the pair is one
	 * state of the store, never a new policy with old data */
	pthread_mutex_lock(&s->wlock);
	d->generation = s->generation;
	ok = vd_opa_get(s, t, false, &d->policy, &d->plen, err) &&
	     vd_opa_get(s, t, true, &d->data, &d->dlen, err);
	pthread_mutex_unlock(&s->wlock);
	if (!ok)
		vd_opa_doc_free(d);
	return ok;
}

void vd_opa_doc_free(struct vd_opa_doc *d)
{
	free(d->policy);
	free(d->data);
	d->policy = d->data = NULL;
}

/* vd_opa_eval, and with cap > 0, why the value is false or undefined
 * in why[0..cap) (rego_query_eval_explain). */
static bool opa_eval(const char *file, const char *policy, size_t plen,
		     const char *data, size_t dlen, const char *query,
		     const char *input, size_t ilen, char **result, char *why,
		     size_t cap, struct eaa_err *err)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_policy *p = NULL;
	struct rego_query *q = NULL;
	struct rego_error re = { 0 };
	enum rego_result r;
	char *out = NULL;
	bool ok = false;

	if (result)
		*result = NULL;
	if (!b)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!rego_builder_add_module(b, file, policy, plen,
				     REGO_SYNTAX_AUTO, &re) ||
	    (data && !rego_builder_set_data(b, data, dlen, &re))) {
		rego_builder_free(b);
		goto fail;
	}
	if (!(p = rego_builder_compile(b, &re)) ||
	    !(q = rego_query_compile(p, query, &re)))
		goto fail;
	if (input) {
		r = cap ? rego_query_eval_explain(q, input, ilen, NULL, &out, why, cap, &re) :
			  rego_query_eval(q, input, ilen, NULL, &out, &re);
		if (r == REGO_ERROR)
			goto fail;
		if (r == REGO_UNDEFINED && !(out = strdup("undefined")))
			goto fail;
		if (result) {
			*result = out;
			out = NULL;
		}
	}
	ok = true;
	goto done;
fail:
	eaa_fail(err, re.code ? re.code : EAA_E_NOMEM, "%s",
		 re.code ? re.msg : "out of memory");
done:
	free(out);
	rego_query_free(q);
	rego_policy_free(p);
	return ok;
}

bool vd_opa_eval(const char *policy, size_t plen, const char *data,
		 size_t dlen, const char *query, const char *input, size_t ilen,
		 char **result, struct eaa_err *err)
{
	return opa_eval("policy.rego", policy, plen, data, dlen, query, input, ilen,
			result, NULL, 0, err);
}

bool vd_opa_check(const char *policy, size_t plen, const char *data,
		  size_t dlen, const char *test_input, size_t ilen,
		  char **decision, struct eaa_err *err)
{
	return opa_eval("policy.rego", policy, plen, data, dlen, "data.policy.allow",
			test_input, ilen, decision, NULL, 0, err);
}

bool vd_opa_check_why(const char *file, const char *policy, size_t plen,
		      const char *data, size_t dlen, const char *input, size_t ilen,
		      char **decision, char *why, size_t cap, struct eaa_err *err)
{
	if (cap)
		why[0] = '\0';
	return opa_eval(file ? file : "policy.rego", policy, plen, data, dlen,
			"data.policy.allow", input, ilen, decision, why, cap, err);
}

/* vd_opa_set's work, under s->wlock */
static bool opa_set_locked(struct vd_store *s, enum vd_tee t, bool reference,
			   const char *text, size_t n, struct eaa_err *err)
{
	char rel[MAX_PATH];
	char *other = NULL;
	size_t olen = 0;
	struct eaa_err none = { 0 };
	bool ok;

	if (!opa_rel(rel, t, reference, err))
		return false;
	/* checked against the counterpart in place, if there is one (a
	 * store that cannot be read is no "none") */
	if (!vd_opa_get(s, t, !reference, &other, &olen, &none) && none.code != EAA_E_CONFIG) {
		if (err)
			*err = none;
		return false;
	}
	if (reference) {
		json_error_t je;
		json_t *j = json_loadb(text, n, 0, &je);

		ok = j && json_is_object(j);
		json_decref(j);
		if (!ok)
			eaa_fail(err, EAA_E_FORMAT,
				 "%s reference values: %s (line %d column %d)",
				 tee_names[t], j ? "not a JSON object" : je.text,
				 je.line, je.column);
		else if (other)
			ok = vd_opa_check(other, olen, text, n, NULL, 0, NULL, err);
	} else {
		ok = vd_opa_check(text, n, other, olen, NULL, 0, NULL, err);
	}
	if (ok)
		ok = obj_write(s, rel, text, n, 0600, err);
	else
		eaa_err_prefix(err, "%s %s not stored", tee_names[t],
			       reference ? "reference values" : "policy");
	free(other);
	return ok;
}

bool vd_opa_set(struct vd_store *s, enum vd_tee t, bool reference,
		const char *text, size_t n, struct eaa_err *err)
{
	if (!wlock(s, err))
		return false;
	return wunlock(s, opa_set_locked(s, t, reference, text, n, err), err);
}

bool vd_opa_set_fields(struct vd_store *s, enum vd_tee t, const json_t *fields,
		       struct eaa_err *err)
{
	char *text = NULL, *out = NULL;
	size_t n = 0;
	json_error_t je;
	json_t *doc = NULL;
	struct eaa_err none = { 0 };
	bool ok = false;

	if (!json_is_object(fields))
		return eaa_fail(err, EAA_E_INVALID, "reference values: not a JSON object");
	if (!wlock(s, err))
		return false;
	if (vd_opa_get(s, t, true, &text, &n, &none)) {
		if (!(doc = json_loadb(text, n, 0, &je)))
			eaa_fail(err, EAA_E_FORMAT, "the stored %s reference values are not "
				 "JSON: %s", tee_names[t], je.text);
	} else if (none.code == EAA_E_CONFIG) {
		doc = json_object(); /* none stored yet */
	} else {
		if (err)
			*err = none;
	}
	if (doc && !json_is_object(doc))
		eaa_fail(err, EAA_E_FORMAT, "the stored %s reference values are not a JSON object",
			 tee_names[t]);
	else if (doc && json_object_update(doc, (json_t *)fields) == 0 &&
		 (out = json_dumps(doc, JSON_INDENT(4) | JSON_SORT_KEYS)))
		ok = opa_set_locked(s, t, true, out, strlen(out), err);
	else if (doc)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = wunlock(s, ok, err);
	free(text);
	free(out);
	json_decref(doc);
	return ok;
}

/* ---- resources ---- */

static bool resource_valid(enum vd_resource r, const uint8_t *data, size_t n,
			   struct eaa_err *err)
{
	json_error_t je;
	json_t *j;
	BIO *bio;
	EVP_PKEY *key;
	bool ok;

	if (n == 0)
		return eaa_fail(err, EAA_E_FORMAT, "%s: empty", resource_files[r]);
	switch (r) {
	case VD_RES_IMAGE_POLICY:
		j = json_loadb((const char *)data, n, 0, &je);
		ok = j && json_is_object(j) && json_object_get(j, "default");
		json_decref(j);
		if (!ok)
			return eaa_fail(err, EAA_E_FORMAT, "%s: %s", resource_files[r],
					j ? "a JSON object with \"default\" is required"
					  : je.text);
		return true;
	case VD_RES_CREDENTIAL:
		j = json_loadb((const char *)data, n, 0, &je);
		ok = j && json_is_object(j);
		json_decref(j);
		if (!ok)
			return eaa_fail(err, EAA_E_FORMAT, "%s: %s", resource_files[r],
					j ? "a JSON object is required" : je.text);
		return true;
	case VD_RES_COSIGN_KEY:
		bio = BIO_new_mem_buf(data, (int)(n > 1u << 20 ? 1u << 20 : n));
		key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
		BIO_free(bio);
		ok = key != NULL;
		EVP_PKEY_free(key);
		if (!ok)
			return eaa_fail_ssl(err, EAA_E_FORMAT,
					    "image/cosign.key: not a PEM public key");
		return true;
	default:
		return true;
	}
}

bool vd_resource_get(struct vd_store *s, enum vd_resource r, uint8_t **data,
		     size_t *n, struct eaa_err *err)
{
	bool missing;

	if ((unsigned)r >= VD_RES_COUNT)
		return eaa_fail(err, EAA_E_INVALID, "unknown resource");
	return obj_read(s, resource_files[r], MAX_DOC, data, n, &missing, err);
}

bool vd_resource_set(struct vd_store *s, enum vd_resource r,
		     const uint8_t *data, size_t n, struct eaa_err *err)
{
	if ((unsigned)r >= VD_RES_COUNT)
		return eaa_fail(err, EAA_E_INVALID, "unknown resource");
	if (!resource_valid(r, data, n, err) || !wlock(s, err))
		return false;
	return wunlock(s, obj_write(s, resource_files[r], data, n,
				    r == VD_RES_CREDENTIAL ? 0600 : 0644, err), err);
}

bool vd_resource_delete(struct vd_store *s, enum vd_resource r, struct eaa_err *err)
{
	bool ok, missing;

	if ((unsigned)r >= VD_RES_COUNT)
		return eaa_fail(err, EAA_E_INVALID, "unknown resource");
	if (!wlock(s, err))
		return false;
	ok = obj_delete(s, resource_files[r], &missing, err) || missing;
	return wunlock(s, true, err) && ok;
}

bool vd_named_get(struct vd_store *s, const char *name, uint8_t **data,
		  size_t *n, struct eaa_err *err)
{
	char rel[MAX_PATH];
	bool missing;

	if (!vd_name_check("resource path", name, 3, err) ||
	    !rel_of(rel, "resources", name, err))
		return false;
	if (!obj_read(s, rel, MAX_DOC, data, n, &missing, err))
		return missing ? eaa_fail(err, EAA_E_INVALID, "no resource \"%s\"", name) : false;
	return true;
}

bool vd_named_exists(struct vd_store *s, const char *dir, const char *name)
{
	char rel[MAX_PATH];

	return (strcmp(dir, "keys") == 0 || strcmp(dir, "resources") == 0) &&
	       vd_name_check("resource path", name, 3, NULL) && rel_of(rel, dir, name, NULL) &&
	       obj_exists(s, rel);
}

bool vd_named_delete(struct vd_store *s, const char *name, struct eaa_err *err)
{
	char rel[MAX_PATH];
	bool ok, missing;

	if (!vd_name_check("resource path", name, 3, err) ||
	    !rel_of(rel, "resources", name, err) || !wlock(s, err))
		return false;
	ok = obj_delete(s, rel, &missing, err);
	if (!ok && missing)
		eaa_fail(err, EAA_E_INVALID, "no resource \"%s\"", name);
	else if (!ok)
		eaa_err_prefix(err, "resource \"%s\"", name);
	return wunlock(s, true, err) && ok;
}

bool vd_named_set(struct vd_store *s, const char *name, const uint8_t *data,
		  size_t n, struct eaa_err *err)
{
	char rel[MAX_PATH];

	if (!vd_name_check("resource path", name, 3, err) ||
	    !rel_of(rel, "resources", name, err) || !wlock(s, err))
		return false;
	return wunlock(s, obj_write(s, rel, data, n, 0600, err), err);
}

/* ---- the whole store, for moving it (verdict --store-export/-import) ---- */

/* What a store holds, by path: every other file below root (the GnuPG
 * home, caches, temporary files) is this replica's own. */
static const struct {
	const char *dir;
	int depth; /* 0: the path is one file */
} documents[] = {
	{ "keys", 3 }, { "resources", 3 }, { "opa", 1 }, { "image", 1 },
	{ "gpg/keyring.gpg", 0 }, { "kbs/token.key", 0 }, { VD_TOKEN_FILE_NAME, 0 },
};

struct paths {
	char **v;
	size_t n, cap;
};

static bool paths_add(struct paths *p, const char *rel)
{
	char **v;

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		if (!(v = realloc(p->v, p->cap * sizeof(*v))))
			return false;
		p->v = v;
	}
	return (p->v[p->n] = strdup(rel)) && ++p->n;
}

/* The regular files below root/rel, depth levels down at most. */
static bool walk(const struct vd_store *s, const char *rel, int depth, struct paths *out,
		 struct eaa_err *err)
{
	char path[MAX_PATH], sub[MAX_PATH];
	struct dirent *e;
	struct stat st;
	DIR *d;
	bool ok = true;

	if (!join(path, s, rel, NULL, err))
		return false;
	if (!(d = opendir(path)))
		return errno == ENOENT || eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	while (ok && (e = readdir(d))) {
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, e->d_name) >= sizeof(sub) ||
		    !join(path, s, sub, NULL, NULL) || lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 1)
			ok = walk(s, sub, depth - 1, out, err);
		else if (S_ISREG(st.st_mode) && !paths_add(out, sub))
			ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	closedir(d);
	return ok;
}

bool vd_store_object_list(struct vd_store *s, char ***rels, size_t *n, struct eaa_err *err)
{
	struct paths p = { 0 };
	char path[MAX_PATH];
	size_t i;
	bool ok = true;

	for (i = 0; ok && i < sizeof(documents) / sizeof(documents[0]); i++) {
		if (s->pg) {
			char **v, prefix[64];
			size_t k, m;

			snprintf(prefix, sizeof(prefix), "%s%s", documents[i].dir,
				 documents[i].depth ? "/" : "");
			if (!(ok = vd_pg_list(s->pg, prefix, &v, &m, err)))
				break;
			for (k = 0; k < m; k++) {
				char rel[MAX_PATH];

				snprintf(rel, sizeof(rel), "%s%s", prefix, v[k]);
				/* a one-file entry matches only itself */
				if ((documents[i].depth || !v[k][0]) && !paths_add(&p, rel))
					ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
			}
			vd_list_free(v, m);
		} else if (documents[i].depth) {
			ok = walk(s, documents[i].dir, documents[i].depth, &p, err);
		} else if (join(path, s, documents[i].dir, NULL, NULL) && access(path, F_OK) == 0 &&
			   !paths_add(&p, documents[i].dir)) {
			ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
		}
	}
	if (!ok) {
		vd_list_free(p.v, p.n);
		return false;
	}
	qsort(p.v, p.n, sizeof(*p.v), cmp_str);
	*rels = p.v;
	*n = p.n;
	return true;
}

static unsigned mode_of(const char *rel)
{
	return strncmp(rel, "image/", 6) == 0 && strcmp(rel, "image/auth.json") != 0 ? 0644 :
	       0600;
}

bool vd_store_copy(struct vd_store *src, struct vd_store *dst, size_t *count,
		   struct eaa_err *err)
{
	char **rels = NULL;
	size_t i, n = 0;
	bool ok;

	*count = 0;
	if (!vd_store_object_list(src, &rels, &n, err) || !wlock(dst, err)) {
		vd_list_free(rels, n);
		return false;
	}
	for (ok = true, i = 0; ok && i < n; i++) {
		uint8_t *data = NULL;
		size_t len = 0;
		bool missing;

		/* as they are: a copy, not a new policy to check */
		ok = obj_read(src, rels[i], MAX_DOC, &data, &len, &missing, err) &&
		     obj_write(dst, rels[i], data, len, mode_of(rels[i]), err);
		if (!ok)
			eaa_err_prefix(err, "%s", rels[i]);
		if (data)
			OPENSSL_cleanse(data, len);
		free(data);
	}
	ok = wunlock(dst, ok, err);
	if (ok)
		*count = n;
	vd_list_free(rels, n);
	return ok;
}
