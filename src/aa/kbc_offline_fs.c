/* kbc_offline_fs.c - offline_fs_kbc: keys and resources from files in the
 * guest, in the original's formats (JSON objects of name -> base64):
 *   keys:      {"default/key/key_id1": "<base64 of 32 bytes>", ...}
 *   resources: {"default/security-policy/test": "<base64 of the file>", ...}
 * Only safe where nobody but the guest can read its file system. Both files
 * are read at first use; the keys stay in memory (wiped when closed). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "codec.h"
#include "file.h"
#include "kbc.h"

#define KEYS_FILE "/etc/aa-offline_fs_kbc-keys.json"
#define RESOURCES_FILE "/etc/aa-offline_fs_kbc-resources.json"
#define MAX_FILE (64u * 1024u * 1024u)

struct offline_fs {
	json_t *keys;           /* name -> base64 key */
	const char *keys_file;
	const char *resources_file;
};

static json_t *load(const char *path, struct eaa_err *err)
{
	uint8_t *raw;
	size_t n;
	json_error_t je;
	json_t *j, *v;
	const char *k;

	if (!file_read_regular(path, MAX_FILE, &raw, &n, err)) {
		eaa_err_prefix(err, "offline_fs_kbc");
		return NULL;
	}
	j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &je);
	OPENSSL_cleanse(raw, n);
	free(raw);
	if (!json_is_object(j)) {
		eaa_fail(err, EAA_E_FORMAT, "offline_fs_kbc: %s:%d: %s", path, je.line,
			 j ? "want an object of name -> base64" : je.text);
		json_decref(j);
		return NULL;
	}
	json_object_foreach(j, k, v) {
		if (!json_is_string(v)) {
			eaa_fail(err, EAA_E_FORMAT, "offline_fs_kbc: %s: \"%.200s\" is not a "
				 "base64 string", path, k);
			json_decref(j);
			return NULL;
		}
	}
	return j;
}

/* The entry `name` of a loaded file, decoded (malloc'd). */
static bool entry(json_t *j, const char *file, const char *what, const char *name,
		  uint8_t **out, size_t *n, struct eaa_err *err)
{
	const char *b64 = json_string_value(json_object_get(j, name));

	if (!b64)
		return eaa_fail(err, EAA_E_INVALID, "offline_fs_kbc: no %s \"%.200s\" in %s",
				what, name, file);
	if (!base64_decode(b64, false, out, n))
		return eaa_fail(err, EAA_E_FORMAT, "offline_fs_kbc: %s: %s \"%.200s\" is "
				"not base64", file, what, name);
	return true;
}

static void *fs_open(const char *uri, const struct aa_kbc_conf *conf,
		     struct eaa_err *err)
{
	struct offline_fs *f = calloc(1, sizeof(*f));

	if (!f) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	f->keys_file = conf->keys_file ? conf->keys_file : KEYS_FILE;
	f->resources_file = conf->resources_file ? conf->resources_file : RESOURCES_FILE;
	return f;
}

static bool fs_unwrap(void *kbc, const struct kp_packet *pkt, uint8_t **out,
		      size_t *n, struct eaa_err *err)
{
	struct offline_fs *f = kbc;
	const char *kid = kp_store_kid(pkt->kid);
	uint8_t *key;
	size_t keyn;
	bool ok;

	if (!f->keys && !(f->keys = load(f->keys_file, err)))
		return false;
	if (!entry(f->keys, f->keys_file, "key", kid, &key, &keyn, err))
		return false;
	ok = aa_kbc_unwrap_with("offline_fs_kbc", pkt, key, keyn, out, n, err);
	OPENSSL_cleanse(key, keyn);
	free(key);
	return ok;
}

static bool fs_resource(void *kbc, const char *path, uint8_t **out, size_t *n,
			struct eaa_err *err)
{
	struct offline_fs *f = kbc;
	json_t *j = load(f->resources_file, err);
	bool ok = j && entry(j, f->resources_file, "resource", path, out, n, err);

	json_decref(j);
	return ok;
}

/* jansson gives no way to wipe its strings but in place. */
static void fs_close(void *kbc)
{
	struct offline_fs *f = kbc;
	const char *k;
	json_t *v;

	json_object_foreach(f->keys, k, v) {
		char *s = (char *)json_string_value(v);

		OPENSSL_cleanse(s, strlen(s));
	}
	json_decref(f->keys);
	free(f);
}

const struct aa_kbc_ops aa_kbc_offline_fs = {
	.name = "offline_fs_kbc",
	.what = "keys and resources from files in the guest",
	.open = fs_open,
	.unwrap = fs_unwrap,
	.resource = fs_resource,
	.close = fs_close,
};
