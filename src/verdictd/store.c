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

#define MAX_PATH 4096
#define MAX_DOC (16u * 1024u * 1024u) /* policies, data, resources */

struct vd_store {
	char *root;
	pthread_mutex_t wlock; /* one writer at a time */
	/* bumped (under wlock) by every write, so a decision made at one
	 * generation can tell that the store changed since */
	_Atomic uint64_t generation;
	struct vd_edits *edits; /* opa/'s hand edits, when watched */
};

/* the TEEs' and, last, the resource policy's file name prefixes */
static const char *const tee_names[VD_OPA_RESOURCE + 1] = {
	[VD_TEE_SGX] = "sgx", [VD_TEE_TDX] = "tdx", [VD_TEE_SNP] = "snp",
	[VD_TEE_CSV] = "csv", [VD_TEE_TPM] = "tpm", [VD_TEE_SAMPLE] = "sample",
	[VD_OPA_RESOURCE] = "resource",
};

static const char *const resource_files[VD_RES_COUNT] = {
	[VD_RES_IMAGE_POLICY] = "image/policy.json",
	[VD_RES_SIGSTORE] = "image/sigstore.yaml",
	[VD_RES_COSIGN_KEY] = "image/cosign.key",
	[VD_RES_GPG_KEYRING] = "gpg/keyring.gpg",
	[VD_RES_CREDENTIAL] = "image/auth.json",
};

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

uint64_t vd_store_generation(struct vd_store *s)
{
	return s->generation;
}

bool vd_store_watch_edits(struct vd_store *s, struct eaa_err *err)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/opa", s->root);
	return s->edits || (s->edits = vd_edits_start(dir, err)) != NULL;
}

uint64_t vd_store_edits(struct vd_store *s)
{
	return vd_edits_count(s->edits);
}

void vd_store_close(struct vd_store *s)
{
	if (!s)
		return;
	vd_edits_stop(s->edits);
	pthread_mutex_destroy(&s->wlock);
	free(s->root);
	free(s);
}

/* ---- keys ---- */

bool vd_key_get(struct vd_store *s, const char *kid, uint8_t key[VD_KEY_LEN],
		struct eaa_err *err)
{
	char path[MAX_PATH];
	uint8_t *buf;
	size_t n;
	bool ok;

	if (!vd_name_check("kid", kid, 3, err) || !join(path, s, "keys", kid, err))
		return false;
	if (!file_read(path, 4 * VD_KEY_LEN, &buf, &n, err)) {
		if (err && err->code == EAA_E_IO && access(path, F_OK) != 0)
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
	char path[MAX_PATH];
	bool ok;

	if (!vd_name_check("kid", kid, 3, err) || !join(path, s, "keys", kid, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	ok = store_write(s, path, key, VD_KEY_LEN, 0600, err);
	pthread_mutex_unlock(&s->wlock);
	return ok;
}

bool vd_key_create(struct vd_store *s, const char *kid, struct eaa_err *err)
{
	uint8_t key[VD_KEY_LEN];
	char path[MAX_PATH];
	bool ok;

	if (!vd_name_check("kid", kid, 3, err) || !join(path, s, "keys", kid, err))
		return false;
	if (RAND_bytes(key, sizeof(key)) != 1)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "random key");
	pthread_mutex_lock(&s->wlock);
	if (access(path, F_OK) == 0)
		ok = eaa_fail(err, EAA_E_INVALID, "a key with kid \"%s\" exists", kid);
	else
		ok = store_write(s, path, key, sizeof(key), 0600, err);
	pthread_mutex_unlock(&s->wlock);
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

bool vd_key_delete(struct vd_store *s, const char *kid, struct eaa_err *err)
{
	char path[MAX_PATH];
	bool ok = true;

	if (!vd_name_check("kid", kid, 3, err) || !join(path, s, "keys", kid, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	s->generation++;
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			ok = eaa_fail(err, EAA_E_INVALID, "no key with kid \"%s\"", kid);
		else
			ok = eaa_fail(err, EAA_E_IO, "key \"%s\": %s", kid,
				      strerror(errno));
	}
	pthread_mutex_unlock(&s->wlock);
	return ok;
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
	int r;

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

static bool opa_path(char *path, const struct vd_store *s, enum vd_tee t,
		     bool reference, struct eaa_err *err)
{
	char name[64];

	if ((unsigned)t > VD_OPA_RESOURCE)
		return eaa_fail(err, EAA_E_INVALID, "unknown TEE");
	snprintf(name, sizeof(name), "%s%s", tee_names[t],
		 reference ? "Data" : "Policy.rego");
	return join(path, s, "opa", name, err);
}

bool vd_opa_file(const struct vd_store *s, enum vd_tee t, bool reference,
		 char *path, size_t cap, struct eaa_err *err)
{
	char full[MAX_PATH];

	if (!opa_path(full, s, t, reference, err))
		return false;
	if ((size_t)snprintf(path, cap, "%s", full) >= cap)
		return eaa_fail(err, EAA_E_INVALID, "path too long under %s", s->root);
	return true;
}

bool vd_opa_get(struct vd_store *s, enum vd_tee t, bool reference,
		char **text, size_t *n, struct eaa_err *err)
{
	char path[MAX_PATH];
	uint8_t *buf;

	if (!opa_path(path, s, t, reference, err))
		return false;
	if (access(path, F_OK) != 0)
		return eaa_fail(err, EAA_E_CONFIG, "no %s %s in %s", tee_names[t],
				reference ? "reference values" : "policy", path);
	if (!file_read(path, MAX_DOC, &buf, n, err))
		return false;
	*text = (char *)buf;
	return true;
}

bool vd_opa_snapshot(struct vd_store *s, enum vd_tee t, struct vd_opa_doc *d,
		     struct eaa_err *err)
{
	bool ok;

	memset(d, 0, sizeof(*d));
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
	char path[MAX_PATH];
	char *other = NULL;
	size_t olen = 0;
	struct eaa_err ignore;
	bool ok;

	if (!opa_path(path, s, t, reference, err))
		return false;
	/* checked against the counterpart in place, if there is one */
	vd_opa_get(s, t, !reference, &other, &olen, &ignore);
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
		ok = store_write(s, path, text, n, 0600, err);
	else
		eaa_err_prefix(err, "%s %s not stored", tee_names[t],
			       reference ? "reference values" : "policy");
	free(other);
	return ok;
}

bool vd_opa_set(struct vd_store *s, enum vd_tee t, bool reference,
		const char *text, size_t n, struct eaa_err *err)
{
	bool ok;

	pthread_mutex_lock(&s->wlock);
	ok = opa_set_locked(s, t, reference, text, n, err);
	pthread_mutex_unlock(&s->wlock);
	return ok;
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
	pthread_mutex_lock(&s->wlock);
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
	pthread_mutex_unlock(&s->wlock);
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
	char path[MAX_PATH];

	if ((unsigned)r >= VD_RES_COUNT)
		return eaa_fail(err, EAA_E_INVALID, "unknown resource");
	return join(path, s, resource_files[r], NULL, err) &&
	       file_read(path, MAX_DOC, data, n, err);
}

bool vd_resource_set(struct vd_store *s, enum vd_resource r,
		     const uint8_t *data, size_t n, struct eaa_err *err)
{
	char path[MAX_PATH];
	bool ok;

	if ((unsigned)r >= VD_RES_COUNT)
		return eaa_fail(err, EAA_E_INVALID, "unknown resource");
	if (!resource_valid(r, data, n, err) ||
	    !join(path, s, resource_files[r], NULL, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	ok = store_write(s, path, data, n, r == VD_RES_CREDENTIAL ? 0600 : 0644, err);
	pthread_mutex_unlock(&s->wlock);
	return ok;
}

bool vd_named_get(struct vd_store *s, const char *name, uint8_t **data,
		  size_t *n, struct eaa_err *err)
{
	char path[MAX_PATH];

	if (!vd_name_check("resource path", name, 3, err) ||
	    !join(path, s, "resources", name, err))
		return false;
	if (access(path, F_OK) != 0)
		return eaa_fail(err, EAA_E_INVALID, "no resource \"%s\"", name);
	return file_read(path, MAX_DOC, data, n, err);
}

bool vd_named_delete(struct vd_store *s, const char *name, struct eaa_err *err)
{
	char path[MAX_PATH];
	bool ok = true;

	if (!vd_name_check("resource path", name, 3, err) ||
	    !join(path, s, "resources", name, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	s->generation++;
	if (unlink(path) != 0) {
		if (errno == ENOENT)
			ok = eaa_fail(err, EAA_E_INVALID, "no resource \"%s\"", name);
		else
			ok = eaa_fail(err, EAA_E_IO, "resource \"%s\": %s", name, strerror(errno));
	}
	pthread_mutex_unlock(&s->wlock);
	return ok;
}

bool vd_named_set(struct vd_store *s, const char *name, const uint8_t *data,
		  size_t n, struct eaa_err *err)
{
	char path[MAX_PATH];
	bool ok;

	if (!vd_name_check("resource path", name, 3, err) ||
	    !join(path, s, "resources", name, err))
		return false;
	pthread_mutex_lock(&s->wlock);
	ok = store_write(s, path, data, n, 0600, err);
	pthread_mutex_unlock(&s->wlock);
	return ok;
}
