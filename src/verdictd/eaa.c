/* eaa.c - the EAA protocol's commands over the state store (see eaa.h and
 * docs/eaa-protocol.md for every message). Replies are compact JSON with
 * sorted keys, as the original's serde_json wrote them. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "codec.h"
#include "eaa.h"

#define GCM_IV_LEN 12 /* the EAA Decrypt blob's iv */

const char *const vd_eaa_commands[VD_EAA_NCOMMANDS] = {
	"version", "echo", "Decrypt", "Get KEK", "Get Resource Info", "Get Resource",
	"Get Policy", "Get Sigstore Config", "Get GPG Keyring", "Get Cosign Key",
	"Get Credential",
};

void vd_reply_free(struct vd_reply *r)
{
	/* replies carry KEKs and layer options */
	if (r->data)
		OPENSSL_cleanse(r->data, r->len);
	free(r->data);
	r->data = NULL;
	r->len = 0;
}

static bool reply_text(struct vd_reply *r, char *text)
{
	if (!text)
		return false;
	r->data = text;
	r->len = strlen(text);
	return true;
}

/* {"data":{...},"status":"OK"} or, with error, E1:
 * {"data":{},"error":"...","status":"Fail"}. */
static bool reply_json(struct vd_reply *r, json_t *data, const char *error)
{
	json_t *o = json_object();
	bool ok;

	if (!o || !data) {
		json_decref(o);
		json_decref(data);
		return false;
	}
	json_object_set_new(o, "data", data);
	json_object_set_new(o, "status", json_string(error ? "Fail" : "OK"));
	r->status = error ? VD_REPLY_FAIL : VD_REPLY_OK;
	if (error)
		json_object_set_new(o, "error", json_string(error));
	ok = reply_text(r, json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(o);
	return ok;
}

static bool reply_fail(struct vd_reply *r, const char *error)
{
	return reply_json(r, json_object(), error);
}

/* E3: the base64 of {"error":...,"status":"Fail"}, bare, as the original
 * answers the `Get <resource>` commands. */
static bool reply_fail_b64(struct vd_reply *r, const char *error)
{
	json_t *o = json_pack("{s:s,s:s}", "error", error, "status", "Fail");
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	bool ok = text && reply_text(r, base64_encode(text, strlen(text), false));

	r->status = VD_REPLY_FAIL;
	free(text);
	json_decref(o);
	return ok;
}

/* ---- Decrypt ---- */

/* One blob: {"kid","encrypted_data","algorithm","key_length","iv"}. The
 * plaintext goes into data under the request's encrypted_data text. */
static bool decrypt_blob(struct vd_store *s, json_t *blob, json_t *data,
			 char *why, size_t wlen)
{
	const char *kid = json_string_value(json_object_get(blob, "kid"));
	const char *enc = json_string_value(json_object_get(blob, "encrypted_data"));
	const char *alg = json_string_value(json_object_get(blob, "algorithm"));
	const char *ivs = json_string_value(json_object_get(blob, "iv"));
	json_t *klen = json_object_get(blob, "key_length");
	uint8_t key[VD_KEY_LEN], *iv = NULL, *ct = NULL, *pt = NULL;
	size_t ivn = 0, ctn = 0;
	struct eaa_err err;
	char *b64;
	bool ok = false;

	/* "AES" (+ key_length 256) from the first generation, "A256GCM"
	 * (key_length, when sent, 256) from the second */
	if (!kid || !enc || !ivs || !alg ||
	    !((strcmp(alg, "AES") == 0 && json_integer_value(klen) == 256 &&
	       json_is_integer(klen)) ||
	      (strcmp(alg, "A256GCM") == 0 &&
	       (!klen || (json_is_integer(klen) && json_integer_value(klen) == 256))))) {
		snprintf(why, wlen, "parameters error: a blob needs kid, encrypted_data, iv "
			 "and algorithm \"AES\" with key_length 256 or \"A256GCM\"");
		return false;
	}
	if (!base64_decode(ivs, false, &iv, &ivn) || ivn != GCM_IV_LEN) {
		snprintf(why, wlen, "parameters error: iv must be base64 of %d bytes",
			 GCM_IV_LEN);
		goto out;
	}
	if (!base64_decode(enc, false, &ct, &ctn) || ctn < AES_GCM_TAG_LEN) {
		snprintf(why, wlen, "parameters error: encrypted_data must be base64 "
			 "of the ciphertext and its %d-byte tag", AES_GCM_TAG_LEN);
		goto out;
	}
	if (!vd_key_get(s, kid, key, &err)) {
		/* never a zero key: a wrong kid is an error */
		snprintf(why, wlen, "kid: \"%.200s\"'s key not found (%s)", kid, err.msg);
		goto out;
	}
	pt = malloc(ctn - AES_GCM_TAG_LEN + 1);
	if (!pt || !aes_gcm_open(key, VD_KEY_LEN, iv, GCM_IV_LEN, NULL, 0, ct,
				 ctn - AES_GCM_TAG_LEN, ct + ctn - AES_GCM_TAG_LEN, pt)) {
		snprintf(why, wlen, pt ? "decryption failed" : "out of memory");
		goto wipe;
	}
	b64 = base64_encode(pt, ctn - AES_GCM_TAG_LEN, false);
	ok = b64 && json_object_set_new(data, enc, json_string(b64)) == 0;
	if (b64)
		OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	if (!ok)
		snprintf(why, wlen, "out of memory");
wipe:
	OPENSSL_cleanse(key, sizeof(key));
	if (pt)
		OPENSSL_cleanse(pt, ctn - AES_GCM_TAG_LEN);
out:
	free(pt);
	free(iv);
	free(ct);
	return ok;
}

static bool cmd_decrypt(struct vd_store *s, json_t *req, struct vd_reply *r)
{
	json_t *blobs = json_object_get(req, "blobs"), *blob;
	json_t *data = json_object();
	char why[512];
	size_t i;

	if (!json_is_array(blobs) || json_array_size(blobs) == 0) {
		json_decref(data);
		return reply_fail(r, "decrypt parameters error: blobs must be a non-empty array");
	}
	json_array_foreach(blobs, i, blob) {
		if (!json_is_object(blob) || !decrypt_blob(s, blob, data, why, sizeof(why))) {
			json_decref(data);
			return reply_fail(r, json_is_object(blob) ? why :
					  "parameters error: a blob must be an object");
		}
	}
	return reply_json(r, data, NULL);
}

/* ---- Get KEK ---- */

static bool cmd_get_kek(struct vd_store *s, json_t *req, struct vd_reply *r)
{
	json_t *kids = json_object_get(req, "kids"), *k;
	json_t *data = json_object();
	uint8_t key[VD_KEY_LEN];
	struct eaa_err err;
	char why[512], *b64;
	size_t i;

	if (!json_is_array(kids) || json_array_size(kids) == 0) {
		json_decref(data);
		return reply_fail(r, "get KEK parameters error: kids must be a non-empty array");
	}
	json_array_foreach(kids, i, k) {
		const char *kid = json_string_value(k);

		if (!kid || !vd_key_get(s, kid, key, &err)) {
			snprintf(why, sizeof(why), "kid: %.200s's key not found (%s)",
				 kid ? kid : "(not a string)", kid ? err.msg : "");
			json_decref(data);
			return reply_fail(r, why);
		}
		b64 = base64_encode(key, sizeof(key), false);
		OPENSSL_cleanse(key, sizeof(key));
		if (!b64) {
			json_decref(data);
			return false;
		}
		json_object_set_new(data, kid, json_string(b64));
		OPENSSL_cleanse(b64, strlen(b64));
		free(b64);
	}
	return reply_json(r, data, NULL);
}

/* ---- resources ---- */

static const struct {
	const char *command, *name;
	enum vd_resource res;
} named[] = {
	{ "Get Policy", "Policy", VD_RES_IMAGE_POLICY },
	{ "Get Sigstore Config", "Sigstore Config", VD_RES_SIGSTORE },
	{ "Get GPG Keyring", "GPG Keyring", VD_RES_GPG_KEYRING },
	{ "Get Cosign Key", "Cosign Key", VD_RES_COSIGN_KEY },
	{ "Get Credential", "Credential", VD_RES_CREDENTIAL },
};
#define NNAMED (sizeof(named) / sizeof(named[0]))

/* A resource by its Get Resource Info name: one of the named files, or a
 * resource path <repo>/<type>/<tag>. */
static bool resource_read(struct vd_store *s, const char *name, bool by_name,
			  uint8_t **data, size_t *n, struct eaa_err *err)
{
	size_t i;

	if (by_name)
		for (i = 0; i < NNAMED; i++)
			if (strcmp(name, named[i].name) == 0)
				return vd_resource_get(s, named[i].res, data, n, err);
	return vd_named_get(s, name, data, n, err);
}

static bool reply_resource(struct vd_reply *r, uint8_t *data, size_t n)
{
	bool ok = reply_text(r, base64_encode(data, n, false));

	free(data);
	return ok;
}

static bool cmd_named(struct vd_store *s, size_t which, struct vd_reply *r)
{
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600];

	if (!vd_resource_get(s, named[which].res, &data, &n, &err)) {
		snprintf(why, sizeof(why), "Can't fetch %s: %s",
			 vd_resource_file(named[which].res), err.msg);
		return reply_fail_b64(r, why);
	}
	return reply_resource(r, data, n);
}

static bool cmd_resource(struct vd_store *s, json_t *req, struct vd_reply *r)
{
	const char *path = json_string_value(
		json_object_get(json_object_get(req, "optional"), "resource_path"));
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600];

	if (!path)
		return reply_fail_b64(r, "read resource: optional.resource_path is missing");
	if (!vd_named_get(s, path, &data, &n, &err)) {
		snprintf(why, sizeof(why), "read resource: %s", err.msg);
		return reply_fail_b64(r, why);
	}
	return reply_resource(r, data, n);
}

static bool cmd_resource_info(struct vd_store *s, json_t *req, struct vd_reply *r)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	json_t *o;
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600], size[32];
	bool ok;

	if (!name || !resource_read(s, name, true, &data, &n, &err)) {
		snprintf(why, sizeof(why), "%s", name ? err.msg :
			 "file name error: name must be a string");
		/* E2 */
		o = json_pack("{s:s,s:s}", "error", why, "status", "Fail");
		r->status = VD_REPLY_FAIL;
	} else {
		free(data);
		snprintf(size, sizeof(size), "%zu", (n + 2) / 3 * 4);
		o = json_pack("{s:{s:s},s:s}", "data", "base64size", size, "status", "OK");
	}
	ok = o && reply_text(r, json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(o);
	return ok;
}

/* ---- dispatch ---- */

bool vd_eaa_handle(struct vd_store *s, const struct vd_peer *peer,
		   const char *req, size_t n, struct vd_reply *r)
{
	json_error_t je;
	json_t *j;
	const char *cmd;
	char why[600];
	bool ok;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->command = VD_EAA_UNKNOWN;
	j = json_loadb(req, n, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		snprintf(why, sizeof(why), "request is not a JSON object: %s",
			 j ? "another JSON value" : je.text);
		json_decref(j);
		return reply_fail(r, why);
	}
	cmd = json_string_value(json_object_get(j, "command"));
	for (i = 0; cmd && i < VD_EAA_NCOMMANDS; i++)
		if (strcmp(cmd, vd_eaa_commands[i]) == 0)
			r->command = (int)i;
	if (!cmd) {
		ok = reply_fail(r, "request has no \"command\" string");
	} else if (strcmp(cmd, "version") == 0) {
		json_t *o = json_pack("{s:s,s:s}", "status", "OK", "version", "v1");

		ok = o && reply_text(r, json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));
		json_decref(o);
	} else if (strcmp(cmd, "echo") == 0) {
		json_t *d = json_object_get(j, "data");

		r->close = true;
		if (json_is_string(d)) {
			r->len = json_string_length(d);
			r->data = malloc(r->len + 1);
			ok = r->data != NULL;
			if (ok)
				memcpy(r->data, json_string_value(d), r->len + 1);
		} else {
			ok = reply_text(r, strdup("Echo parameters error"));
			r->status = VD_REPLY_FAIL;
		}
	} else if (!peer->allowed) {
		snprintf(why, sizeof(why), "%s refused: this connection is not attested "
			 "(%s); secrets go only to a peer whose evidence was verified and "
			 "allowed by the policy", cmd,
			 peer->why ? peer->why : "no verified evidence");
		ok = reply_fail(r, why);
		r->status = VD_REPLY_REFUSED;
	} else if (strcmp(cmd, "Decrypt") == 0) {
		ok = cmd_decrypt(s, j, r);
	} else if (strcmp(cmd, "Get KEK") == 0) {
		ok = cmd_get_kek(s, j, r);
	} else if (strcmp(cmd, "Get Resource Info") == 0) {
		ok = cmd_resource_info(s, j, r);
	} else if (strcmp(cmd, "Get Resource") == 0) {
		ok = cmd_resource(s, j, r);
	} else {
		for (i = 0; i < NNAMED; i++)
			if (strcmp(cmd, named[i].command) == 0)
				break;
		if (i < NNAMED) {
			ok = cmd_named(s, i, r);
		} else {
			snprintf(why, sizeof(why), "Command error: unknown command \"%.100s\"",
				 cmd);
			ok = reply_fail(r, why);
		}
	}
	json_decref(j);
	return ok;
}
