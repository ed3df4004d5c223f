/* gpg.c - the GPG public keys verdictd hands to guests (gpg/keyring.gpg),
 * managed with gpgme: keys are imported into a GnuPG home of verdictd's
 * own (<root>/gpg/home, 0700), and after every change the keyring file
 * is re-exported from it, atomically. */
#include <gpgme.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "gpg.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void init(void)
{
	gpgme_check_version(NULL);
}

static bool fail(struct eaa_err *err, const char *what, gpgme_error_t e)
{
	return eaa_fail(err, EAA_E_FORMAT, "GPG %s: %s", what, gpgme_strerror(e));
}

/* A shared store's keyring is written by every replica: the home is
 * emptied and filled from it before each use, so it holds what the store
 * holds, not what this replica last saw. */
static bool sync_home(struct vd_store *s, gpgme_ctx_t ctx, const char *home,
		      struct eaa_err *err)
{
	static const char *const files[] = { "pubring.kbx", "pubring.kbx~", "pubring.gpg",
					     "pubring.gpg~", "trustdb.gpg" };
	char path[4200];
	uint8_t *ring = NULL;
	size_t i, n = 0;
	bool missing, ok = true;
	gpgme_data_t in = NULL;
	gpgme_error_t e;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", home, files[i]);
		if (unlink(path) != 0 && access(path, F_OK) == 0)
			return eaa_fail(err, EAA_E_IO, "%s: cannot remove", path);
	}
	if (!vd_store_object_get(s, vd_resource_file(VD_RES_GPG_KEYRING), 16u << 20, &ring, &n,
				 &missing, err))
		return missing;
	if ((e = gpgme_data_new_from_mem(&in, (const char *)ring, n, 0)) != 0 ||
	    (e = gpgme_op_import(ctx, in)) != 0)
		ok = fail(err, "the store's keyring", e);
	gpgme_data_release(in);
	free(ring);
	return ok;
}

/* A context on verdictd's own GnuPG home. */
static bool open_ctx(struct vd_store *s, gpgme_ctx_t *ctx, struct eaa_err *err)
{
	char home[4096];
	gpgme_error_t e;

	pthread_once(&once, init);
	snprintf(home, sizeof(home), "%s/gpg/home", vd_store_root(s));
	if (mkdir(home, 0700) != 0 && access(home, F_OK) != 0)
		return eaa_fail(err, EAA_E_IO, "%s: cannot create", home);
	if ((e = gpgme_new(ctx)) != 0)
		return fail(err, "context", e);
	if ((e = gpgme_ctx_set_engine_info(*ctx, GPGME_PROTOCOL_OpenPGP, NULL, home)) != 0 ||
	    (vd_store_is_shared(s) && !sync_home(s, *ctx, home, err))) {
		gpgme_release(*ctx);
		return e ? fail(err, "engine", e) : false;
	}
	return true;
}

/* keyring.gpg := every public key of the home, binary. */
static bool export_keyring(struct vd_store *s, gpgme_ctx_t ctx, struct eaa_err *err)
{
	gpgme_data_t out;
	gpgme_error_t e;
	char *buf;
	size_t n;
	bool ok;

	if ((e = gpgme_data_new(&out)) != 0)
		return fail(err, "export", e);
	gpgme_set_armor(ctx, 0);
	if ((e = gpgme_op_export(ctx, NULL, 0, out)) != 0) {
		gpgme_data_release(out);
		return fail(err, "export", e);
	}
	buf = gpgme_data_release_and_get_mem(out, &n);
	if (n == 0) {
		/* no keys left: no keyring */
		gpgme_free(buf);
		return vd_resource_delete(s, VD_RES_GPG_KEYRING, err);
	}
	ok = buf && vd_resource_set(s, VD_RES_GPG_KEYRING, (uint8_t *)buf, n, err);
	gpgme_free(buf);
	return ok;
}

/* Does the data hold secret key material? (Listed, not imported.) */
static bool has_secret(gpgme_ctx_t ctx, gpgme_data_t in)
{
	gpgme_key_t key;
	bool secret = false;

	if (gpgme_op_keylist_from_data_start(ctx, in, 0) != 0)
		return false;
	while (gpgme_op_keylist_next(ctx, &key) == 0) {
		secret |= key->secret || (key->subkeys && key->subkeys->secret);
		gpgme_key_unref(key);
	}
	gpgme_op_keylist_end(ctx);
	return secret;
}

bool vd_gpg_import(struct vd_store *s, const uint8_t *key, size_t n,
		   char **summary, struct eaa_err *err)
{
	gpgme_ctx_t ctx;
	gpgme_data_t in;
	gpgme_import_result_t r;
	gpgme_error_t e;
	bool ok = false;

	*summary = NULL;
	pthread_mutex_lock(&lock);
	if (!open_ctx(s, &ctx, err))
		goto out;
	if ((e = gpgme_data_new_from_mem(&in, (const char *)key, n, 1)) != 0) {
		fail(err, "import", e);
		goto release;
	}
	/* look before importing: secret key material never enters the home */
	if (has_secret(ctx, in)) {
		gpgme_data_release(in);
		eaa_fail(err, EAA_E_INVALID, "GPG import: the input holds a secret key; "
			 "verdictd keeps public keys only");
		goto release;
	}
	gpgme_data_seek(in, 0, SEEK_SET);
	e = gpgme_op_import(ctx, in);
	gpgme_data_release(in);
	r = e ? NULL : gpgme_op_import_result(ctx);
	if (!r || r->considered == 0) {
		e ? fail(err, "import", e) :
		    eaa_fail(err, EAA_E_FORMAT, "GPG import: no OpenPGP key in the input");
		goto release;
	}
	if (asprintf(summary, "considered %d, imported %d, unchanged %d",
		     r->considered, r->imported, r->unchanged) < 0)
		*summary = NULL;
	ok = export_keyring(s, ctx, err);
release:
	gpgme_release(ctx);
out:
	pthread_mutex_unlock(&lock);
	return ok;
}

bool vd_gpg_list(struct vd_store *s, char **text, struct eaa_err *err)
{
	gpgme_ctx_t ctx;
	gpgme_key_t key;
	gpgme_error_t e;
	size_t len = 0;
	FILE *f;
	bool ok = false;

	*text = NULL;
	pthread_mutex_lock(&lock);
	if (!open_ctx(s, &ctx, err))
		goto out;
	f = open_memstream(text, &len);
	if (!f) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto release;
	}
	e = gpgme_op_keylist_start(ctx, NULL, 0);
	while (!e && !(e = gpgme_op_keylist_next(ctx, &key))) {
		fprintf(f, "%s %s\n", key->fpr ? key->fpr : "?",
			key->uids && key->uids->uid ? key->uids->uid : "");
		gpgme_key_unref(key);
	}
	fclose(f);
	ok = gpg_err_code(e) == GPG_ERR_EOF;
	if (!ok) {
		fail(err, "list", e);
		free(*text);
		*text = NULL;
	}
release:
	gpgme_release(ctx);
out:
	pthread_mutex_unlock(&lock);
	return ok;
}

bool vd_gpg_delete(struct vd_store *s, const char *id, struct eaa_err *err)
{
	gpgme_ctx_t ctx;
	gpgme_key_t key = NULL;
	gpgme_error_t e;
	bool ok = false;
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f') ||
		      (id[i] >= 'A' && id[i] <= 'F')))
			return eaa_fail(err, EAA_E_INVALID,
					"GPG delete: \"%.64s\" is not a key id or fingerprint (hex)", id);
	if (i < 8 || i > 40)
		return eaa_fail(err, EAA_E_INVALID, "GPG delete: a key id has 8 to 40 hex digits");
	pthread_mutex_lock(&lock);
	if (!open_ctx(s, &ctx, err))
		goto out;
	if ((e = gpgme_get_key(ctx, id, &key, 0)) != 0) {
		fail(err, "delete", e);
		goto release;
	}
	if ((e = gpgme_op_delete_ext(ctx, key, GPGME_DELETE_FORCE)) != 0)
		fail(err, "delete", e);
	else
		ok = export_keyring(s, ctx, err);
	gpgme_key_unref(key);
release:
	gpgme_release(ctx);
out:
	pthread_mutex_unlock(&lock);
	return ok;
}
