/* api.c - the management API's commands over the store (see api.h). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api.h"
#include "eaa/rego.h"
#include "codec.h"
#include "file.h"
#include "gpg.h"

/* 64 random hex digits (malloc'd; wipe before freeing), NULL with err. */
static char *new_token(struct eaa_err *err)
{
	uint8_t raw[32];
	char *hex;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "client API token");
		return NULL;
	}
	hex = hex_encode(raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	if (!hex)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return hex;
}

/* Several replicas answer one verdict: the token is the shared store's
 * (made by the first to start), and each replica writes its copy to
 * <root>/client-api.token for the verdict beside it. */
static bool shared_token(struct vd_store *s, const char *path, char token[65],
			 struct eaa_err *err)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	bool existed = false, missing, ok;
	char *hex;

	if (!(hex = new_token(err)))
		return false;
	ok = vd_store_object_create(s, VD_TOKEN_FILE, hex, 64, &existed, err) &&
	     vd_store_object_get(s, VD_TOKEN_FILE, 128, &buf, &n, &missing, err);
	OPENSSL_cleanse(hex, 64);
	free(hex);
	if (ok && n != 64)
		ok = eaa_fail(err, EAA_E_CONFIG, "the store's client API token is not 64 digits");
	if (ok) {
		memcpy(token, buf, 64);
		token[64] = '\0';
		ok = file_write_atomic(path, token, 64, 0600, err);
	}
	if (buf)
		OPENSSL_cleanse(buf, n);
	free(buf);
	return ok;
}

bool vd_api_token(struct vd_store *s, char token[65], struct eaa_err *err)
{
	char path[4096];
	uint8_t *buf;
	size_t n;
	char *hex;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", vd_store_root(s), VD_TOKEN_FILE);
	if (vd_store_is_shared(s))
		return shared_token(s, path, token, err);
	if (access(path, F_OK) == 0) {
		if (!file_read(path, 128, &buf, &n, err))
			return false;
		while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		ok = n == 64;
		if (ok) {
			memcpy(token, buf, 64);
			token[64] = '\0';
		}
		OPENSSL_cleanse(buf, n);
		free(buf);
		return ok || eaa_fail(err, EAA_E_CONFIG, "%s: not a 64-digit token", path);
	}
	if (!(hex = new_token(err)))
		return false;
	memcpy(token, hex, 65);
	ok = file_write_atomic(path, hex, 64, 0600, err);
	OPENSSL_cleanse(hex, 64);
	free(hex);
	return ok;
}

bool vd_opa_decide(const char *policy, size_t plen, const char *data,
		   size_t dlen, const char *input, size_t ilen, char **result,
		   struct eaa_err *err)
{
	if (!vd_opa_eval(policy, plen, data, dlen, "data.policy", input, ilen, result,
			 err))
		return false;
	if (strcmp(*result, "undefined") == 0) {
		free(*result);
		*result = strdup("{}");
	}
	return *result != NULL || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

/* ---- replies ---- */

/* A reply; why, when given, is test-opa's "explanation" of a refusal. */
static char *reply_why(json_t *data, const char *error, const char *why)
{
	json_t *o = json_object();
	char *s;

	if (!o)
		return NULL;
	json_object_set_new(o, "status", json_string(error ? "Fail" : "OK"));
	if (error)
		json_object_set_new(o, "error", json_string(error));
	if (data)
		json_object_set_new(o, "data", data);
	if (why)
		json_object_set_new(o, "explanation", json_string(why));
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static char *reply(json_t *data, const char *error)
{
	return reply_why(data, error, NULL);
}

static char *fail(const struct eaa_err *err)
{
	return reply(NULL, err->msg);
}

static char *ok_b64(uint8_t *data, size_t n)
{
	char *b = base64_encode(data, n, false);
	char *r = b ? reply(json_string(b), NULL) : NULL;

	free(b);
	free(data);
	return r;
}

/* A base64 member decoded, as a NUL-terminated buffer. */
static bool b64_member(json_t *req, const char *name, uint8_t **out, size_t *n,
		       struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(req, name));
	uint8_t *raw, *buf;

	if (!s || !base64_decode(s, false, &raw, n))
		return eaa_fail(err, EAA_E_FORMAT, "\"%s\" must be base64 text", name);
	buf = realloc(raw, *n + 1);
	if (!buf) {
		free(raw);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	buf[*n] = '\0';
	*out = buf;
	return true;
}

static const char *str_member(json_t *req, const char *name, struct eaa_err *err)
{
	const char *s = json_string_value(json_object_get(req, name));

	if (!s)
		eaa_fail(err, EAA_E_FORMAT, "\"%s\" must be a string", name);
	return s;
}

/* ---- OPA ---- */

/* "sgxPolicy.rego" / "sgxData", or the resource policy's
 * "resourcePolicy.rego" / "resourceData" (want_ref: which one is
 * expected; -1 any). */
static bool opa_name(const char *name, int want_ref, enum vd_tee *t, bool *ref,
		     struct eaa_err *err)
{
	if (!name || !vd_opa_parse(name, t, ref) ||
	    (want_ref >= 0 && *ref != (want_ref == 1)))
		return eaa_fail(err, EAA_E_INVALID,
				"\"%s\" is not a %s name (<tee>Policy.rego or <tee>Data, "
				"tee one of sgx, tdx, snp, csv, tpm, sample; or "
				"resourcePolicy.rego, resourceData)",
				name ? name : "", want_ref == 1 ? "reference" :
				want_ref == 0 ? "policy" : "policy or reference");
	return true;
}

/* --set-opa-* (set) and --export-opa-* (!set) by document name. */
static char *cmd_opa(struct vd_store *s, bool set, json_t *req, struct eaa_err *err)
{
	enum vd_tee t;
	bool ref, ok;
	uint8_t *content;
	char *text;
	size_t n;

	if (!opa_name(str_member(req, "name", err), -1, &t, &ref, err))
		return fail(err);
	if (!set)
		return vd_opa_get(s, t, ref, &text, &n, err) ? ok_b64((uint8_t *)text, n) :
		       fail(err);
	if (!b64_member(req, "content", &content, &n, err))
		return fail(err);
	ok = vd_opa_set(s, t, ref, (const char *)content, n, err);
	free(content);
	return ok ? reply(NULL, NULL) : fail(err);
}

/* One side of a test: the stored document by name, or content sent. */
static bool test_side(struct vd_store *s, json_t *req, const char *name_key,
		      const char *content_key, int want_ref, char **text,
		      size_t *n, struct eaa_err *err)
{
	enum vd_tee t;
	bool ref;

	if (json_object_get(req, content_key))
		return b64_member(req, content_key, (uint8_t **)text, n, err);
	return opa_name(str_member(req, name_key, err), want_ref, &t, &ref, err) &&
	       vd_opa_get(s, t, ref, text, n, err);
}

static char *cmd_test_opa(struct vd_store *s, json_t *req, struct eaa_err *err)
{
	char *policy = NULL, *data = NULL, *input = NULL, *result = NULL, *r;
	size_t plen, dlen, ilen;

	if (test_side(s, req, "policy", "policy_content", 0, &policy, &plen, err) &&
	    test_side(s, req, "reference", "reference_content", 1, &data, &dlen, err) &&
	    b64_member(req, "input", (uint8_t **)&input, &ilen, err) &&
	    vd_opa_decide(policy, plen, data, dlen, input, ilen, &result, err)) {
		json_error_t je;
		json_t *doc = json_loads(result, 0, &je);
		char why[REGO_EXPLAIN_CAP], *decision = NULL;
		struct eaa_err ignore;

		/* the owner's own test: say why allow is not true */
		why[0] = '\0';
		if (!json_is_true(json_object_get(doc, "allow")))
			vd_opa_check_why(json_string_value(json_object_get(req, "policy")),
					 policy, plen, data, dlen, input, ilen, &decision,
					 why, sizeof(why), &ignore);
		free(decision);
		r = reply_why(doc, NULL, why[0] ? why : NULL);
	} else {
		r = fail(err);
	}
	free(policy);
	free(data);
	free(input);
	free(result);
	return r;
}

/* ---- keys and resources ---- */

static char *cmd_key(struct vd_store *s, const char *cmd, json_t *req,
		     struct eaa_err *err)
{
	const char *kid = NULL;
	uint8_t *content;
	char **kids;
	size_t n, i;
	json_t *list;
	bool ok;

	if (strcmp(cmd, "key-list") == 0) {
		if (!vd_key_list(s, &kids, &n, err))
			return fail(err);
		list = json_array();
		for (i = 0; list && i < n; i++)
			json_array_append_new(list, json_string(kids[i]));
		vd_list_free(kids, n);
		return reply(list, NULL);
	}
	if (!(kid = str_member(req, "kid", err)))
		return fail(err);
	if (strcmp(cmd, "key-create") == 0) {
		ok = vd_key_create(s, kid, err);
	} else if (strcmp(cmd, "key-delete") == 0) {
		ok = vd_key_delete(s, kid, err);
	} else { /* key-import */
		if (!b64_member(req, "content", &content, &n, err))
			return fail(err);
		ok = n == VD_KEY_LEN ||
		     eaa_fail(err, EAA_E_FORMAT, "a key is %d bytes, not %zu",
			      VD_KEY_LEN, n);
		ok = ok && vd_key_set(s, kid, content, err);
		OPENSSL_cleanse(content, n);
		free(content);
	}
	return ok ? reply(NULL, NULL) : fail(err);
}

static const struct {
	const char *name;
	enum vd_resource res;
} resources[] = {
	{ "image-policy", VD_RES_IMAGE_POLICY }, { "sigstore", VD_RES_SIGSTORE },
	{ "cosign-key", VD_RES_COSIGN_KEY }, { "gpg-keyring", VD_RES_GPG_KEYRING },
	{ "credential", VD_RES_CREDENTIAL },
};

/* A resource by name (the original's five) or by path <repo>/<type>/<tag>,
 * stored from "content" (set) or returned. */
static char *cmd_resource(struct vd_store *s, bool set, json_t *req,
			  struct eaa_err *err)
{
	const char *name = json_string_value(json_object_get(req, "name"));
	const char *path = json_string_value(json_object_get(req, "path"));
	uint8_t *data;
	size_t n, i = 0;
	bool ok;

	if (!path) {
		for (; name && i < sizeof(resources) / sizeof(*resources); i++)
			if (strcmp(name, resources[i].name) == 0)
				break;
		if (!name || i == sizeof(resources) / sizeof(*resources)) {
			eaa_fail(err, EAA_E_INVALID, "unknown resource \"%s\" (image-policy, "
				 "sigstore, cosign-key, gpg-keyring, credential, or a path)",
				 name ? name : "");
			return fail(err);
		}
	}
	if (!set) {
		ok = path ? vd_named_get(s, path, &data, &n, err) :
		     vd_resource_get(s, resources[i].res, &data, &n, err);
		return ok ? ok_b64(data, n) : fail(err);
	}
	if (!b64_member(req, "content", &data, &n, err))
		return fail(err);
	ok = path ? vd_named_set(s, path, data, n, err) :
	     vd_resource_set(s, resources[i].res, data, n, err);
	free(data);
	return ok ? reply(NULL, NULL) : fail(err);
}

static char *cmd_gpg(struct vd_store *s, const char *op, json_t *req,
		     struct eaa_err *err)
{
	char *text = NULL, *r;
	uint8_t *key;
	size_t n;
	const char *id;

	if (strcmp(op, "list") == 0) {
		if (!vd_gpg_list(s, &text, err))
			return fail(err);
	} else if (strcmp(op, "import") == 0) {
		if (!b64_member(req, "content", &key, &n, err))
			return fail(err);
		if (!vd_gpg_import(s, key, n, &text, err)) {
			free(key);
			return fail(err);
		}
		free(key);
	} else {
		if (!(id = str_member(req, "id", err)) || !vd_gpg_delete(s, id, err))
			return fail(err);
		return reply(NULL, NULL);
	}
	r = reply(json_string(text ? text : ""), NULL);
	free(text);
	return r;
}

void vd_api_handle(struct vd_store *s, const char *token, const char *req,
		   size_t n, char **out)
{
	json_error_t je;
	json_t *j = json_loadb(req, n, JSON_REJECT_DUPLICATES, &je);
	const char *cmd, *got;
	struct eaa_err err;

	*out = NULL;
	if (!j || !json_is_object(j)) {
		eaa_fail(&err, EAA_E_FORMAT, "request is not a JSON object: %s",
			 j ? "another JSON value" : je.text);
		*out = fail(&err);
		json_decref(j);
		return;
	}
	got = json_string_value(json_object_get(j, "token"));
	cmd = json_string_value(json_object_get(j, "command"));
	if (!got || strlen(got) != strlen(token) ||
	    CRYPTO_memcmp(got, token, strlen(token)) != 0) {
		*out = reply(NULL, "unauthenticated: the request's token does not match "
			     "the client API token (see --token-file)");
	} else if (!cmd) {
		*out = reply(NULL, "request has no \"command\" string");
	} else if (strcmp(cmd, "set-opa") == 0) {
		*out = cmd_opa(s, true, j, &err);
	} else if (strcmp(cmd, "export-opa") == 0) {
		*out = cmd_opa(s, false, j, &err);
	} else if (strcmp(cmd, "test-opa") == 0) {
		*out = cmd_test_opa(s, j, &err);
	} else if (strncmp(cmd, "key-", 4) == 0 &&
		   (!strcmp(cmd, "key-list") || !strcmp(cmd, "key-create") ||
		    !strcmp(cmd, "key-delete") || !strcmp(cmd, "key-import"))) {
		*out = cmd_key(s, cmd, j, &err);
	} else if (strcmp(cmd, "gpg-list") == 0 || strcmp(cmd, "gpg-import") == 0 ||
		   strcmp(cmd, "gpg-delete") == 0) {
		*out = cmd_gpg(s, cmd + 4, j, &err);
	} else if (strcmp(cmd, "set-resource") == 0 || strcmp(cmd, "get-resource") == 0) {
		*out = cmd_resource(s, cmd[0] == 's', j, &err);
	} else {
		eaa_fail(&err, EAA_E_INVALID, "unknown command \"%.100s\"", cmd);
		*out = fail(&err);
	}
	json_decref(j);
}
