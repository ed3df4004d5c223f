/* eaa.c - the EAA protocol's commands over the state store (see eaa.h and
 * docs/eaa-protocol.md for every message), dispatched by one table. Replies
 * are compact JSON with sorted keys, as the original's serde_json wrote
 * them. */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "codec.h"
#include "eaa.h"
#include "json_util.h"
#include "log.h"

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

/* A string that JSON writes as it is: base64 text (what Decrypt's data
 * holds), nothing to escape. */
static bool plain_b64(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/' || *s == '='))
			return false;
	return true;
}

/* {"data":{...},"status":"OK"} or, with error, E1:
 * {"data":{},"error":"...","status":"Fail"}. */
static bool reply_json(struct vd_reply *r, json_t *data, const char *error)
{
	json_t *o, *v;
	const char *k;
	bool ok;

	/* the one-blob Decrypt answer, every call of an agent: written
	 * directly, as json_dumps would (jansson's writer was a fifth of
	 * verdictd's CPU per call) */
	if (!error && data && json_object_size(data) == 1) {
		json_object_foreach(data, k, v) {
			const char *val = json_string_value(v);
			size_t kn, vn;
			char *text;

			if (!val || !plain_b64(k) || !plain_b64(val))
				break;
			/* one block of the exact size: it holds a key, and a
			 * grown buffer would leave copies in freed memory */
			kn = strlen(k);
			vn = strlen(val);
			if (!(text = malloc(kn + vn + 32)))
				break;
			snprintf(text, kn + vn + 32, "{\"data\":{\"%s\":\"%s\"},\"status\":\"OK\"}",
				 k, val);
			json_decref(data);
			r->status = VD_REPLY_OK;
			return reply_text(r, text);
		}
	}
	o = json_object();

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

/* ---- the call and its readers ---- */

struct vd_command;

/* One request being served. */
struct call {
	struct vd_store *s;
	const struct vd_peer *peer;
	const struct vd_command *cmd; /* its row */
	json_t *req;
	bool *refused; /* set when the resource policy refused (metrics) */
};

/* A row: what the table says of a command, its handler and, for the
 * named `Get ...` commands, which file it serves under which name. */
struct vd_command {
	struct vd_command_info info;
	bool (*handler)(const struct call *c, struct vd_reply *r);
	enum vd_resource res;
	const char *res_name; /* its Get Resource Info name */
};

/* Every key and resource read asks the resource policy first, with the
 * row's command and what it reads; a refusal is EAA_E_REJECTED. */
static bool authorize(const struct call *c, const char *kid, const char *resource,
		      const char *path, struct eaa_err *err)
{
	struct vd_rp_request q = { .tee = c->peer->tee, .claims = c->peer->claims,
				   .command = c->cmd->info.name, .kid = kid,
				   .resource = resource, .path = path };
	char why[EAA_ERR_MSG_MAX - 64];

	/* the table refused unattested peers before any handler ran; an
	 * impossible state is refused, not served */
	if (!c->peer->allowed)
		return eaa_fail(err, EAA_E_REJECTED, "this connection is not attested");
	if (vd_rpolicy_allow(c->peer->rpolicy, &q, why, sizeof(why)))
		return true;
	*c->refused = true;
	return eaa_fail(err, EAA_E_REJECTED, "refused by the resource policy: %s", why);
}

static bool key_read(const struct call *c, const char *kid,
		     uint8_t key[VD_KEY_LEN], struct eaa_err *err)
{
	char path[300];

	/* the policy sees only names that can be paths */
	if (!vd_name_check("kid", kid, 3, err))
		return false;
	snprintf(path, sizeof(path), "keys/%s", kid);
	return authorize(c, kid, NULL, path, err) && vd_key_get(c->s, kid, key, err);
}

static bool named_read(const struct call *c, const struct vd_command *row,
		       uint8_t **data, size_t *n, struct eaa_err *err)
{
	return authorize(c, NULL, row->res_name, vd_resource_file(row->res), err) &&
	       vd_resource_get(c->s, row->res, data, n, err);
}

static bool path_read(const struct call *c, const char *name, uint8_t **data,
		      size_t *n, struct eaa_err *err)
{
	char path[300];

	if (!vd_name_check("resource path", name, 3, err))
		return false;
	snprintf(path, sizeof(path), "resources/%s", name);
	return authorize(c, NULL, name, path, err) && vd_named_get(c->s, name, data, n, err);
}

/* ---- version, echo ---- */

static bool cmd_version(const struct call *c, struct vd_reply *r)
{
	json_t *o = json_pack("{s:s,s:s}", "status", "OK", "version", "v1");
	bool ok = o && reply_text(r, json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));

	(void)c;
	json_decref(o);
	return ok;
}

/* The text sent back bare, then the connection closes. */
static bool cmd_echo(const struct call *c, struct vd_reply *r)
{
	json_t *d = json_object_get(c->req, "data");

	r->close = true;
	if (!json_is_string(d)) {
		r->status = VD_REPLY_FAIL;
		return reply_text(r, strdup("Echo parameters error"));
	}
	r->len = json_string_length(d);
	if (!(r->data = malloc(r->len + 1)))
		return false;
	memcpy(r->data, json_string_value(d), r->len + 1);
	return true;
}

/* ---- Decrypt ---- */

/* One blob: {"kid","encrypted_data","algorithm","key_length","iv"}. The
 * plaintext goes into data under the request's encrypted_data text. */
static bool decrypt_blob(const struct call *c, json_t *blob, json_t *data,
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
	if (!key_read(c, kid, key, &err)) {
		/* never a zero key: a wrong kid is an error */
		if (err.code == EAA_E_REJECTED)
			snprintf(why, wlen, "kid: \"%.200s\": %s", kid, err.msg);
		else
			snprintf(why, wlen, "kid: \"%.200s\"'s key not found (%s)", kid,
				 err.msg);
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

static bool cmd_decrypt(const struct call *c, struct vd_reply *r)
{
	json_t *blobs = json_object_get(c->req, "blobs"), *blob;
	json_t *data = json_object();
	char why[512];
	size_t i;

	if (!json_is_array(blobs) || json_array_size(blobs) == 0) {
		json_decref(data);
		return reply_fail(r, "decrypt parameters error: blobs must be a non-empty array");
	}
	json_array_foreach(blobs, i, blob) {
		if (!json_is_object(blob) || !decrypt_blob(c, blob, data, why, sizeof(why))) {
			json_decref(data);
			return reply_fail(r, json_is_object(blob) ? why :
					  "parameters error: a blob must be an object");
		}
	}
	return reply_json(r, data, NULL);
}

/* ---- Get KEK ---- */

static bool cmd_get_kek(const struct call *c, struct vd_reply *r)
{
	json_t *kids = json_object_get(c->req, "kids"), *k;
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

		if (!kid || !key_read(c, kid, key, &err)) {
			if (kid && err.code == EAA_E_REJECTED)
				snprintf(why, sizeof(why), "kid: %.200s: %s", kid, err.msg);
			else
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

static const struct vd_command *find_named(const char *name);

/* A resource by its Get Resource Info name: one of the named files, or a
 * resource path <repo>/<type>/<tag>. */
static bool resource_read(const struct call *c, const char *name, uint8_t **data,
			  size_t *n, struct eaa_err *err)
{
	const struct vd_command *row = find_named(name);

	return row ? named_read(c, row, data, n, err) : path_read(c, name, data, n, err);
}

static bool reply_resource(struct vd_reply *r, uint8_t *data, size_t n)
{
	bool ok = reply_text(r, base64_encode(data, n, false));

	free(data);
	return ok;
}

static bool cmd_named(const struct call *c, struct vd_reply *r)
{
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600];

	if (!named_read(c, c->cmd, &data, &n, &err)) {
		snprintf(why, sizeof(why), "Can't fetch %s: %s",
			 vd_resource_file(c->cmd->res), err.msg);
		return reply_fail_b64(r, why);
	}
	return reply_resource(r, data, n);
}

static bool cmd_resource(const struct call *c, struct vd_reply *r)
{
	const char *path = json_string_value(
		json_object_get(json_object_get(c->req, "optional"), "resource_path"));
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600];

	if (!path)
		return reply_fail_b64(r, "read resource: optional.resource_path is missing");
	if (!path_read(c, path, &data, &n, &err)) {
		snprintf(why, sizeof(why), "read resource: %s", err.msg);
		return reply_fail_b64(r, why);
	}
	return reply_resource(r, data, n);
}

static bool cmd_resource_info(const struct call *c, struct vd_reply *r)
{
	const char *name = json_string_value(json_object_get(c->req, "name"));
	json_t *o;
	uint8_t *data;
	size_t n;
	struct eaa_err err;
	char why[600], size[32];
	bool ok;

	if (!name || !resource_read(c, name, &data, &n, &err)) {
		snprintf(why, sizeof(why), "%s", name ? err.msg :
			 "file name error: name must be a string");
		/* E2 */
		o = json_pack("{s:s,s:s}", "error", why, "status", "Fail");
		r->status = VD_REPLY_FAIL;
	} else {
		char *text = malloc(64);

		OPENSSL_cleanse(data, n);
		free(data);
		snprintf(size, sizeof(size), "%zu", (n + 2) / 3 * 4);
		/* what json_dumps writes for it, without jansson's writer */
		if (text)
			snprintf(text, 64, "{\"data\":{\"base64size\":\"%s\"},\"status\":\"OK\"}",
				 size);
		return reply_text(r, text);
	}
	ok = o && reply_text(r, json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS));
	json_decref(o);
	return ok;
}

/* ---- the table ---- */

#define ATTESTED true
#define ANYONE false

static const struct vd_command commands[] = {
	{ { "version", ANYONE, VD_READS_NOTHING }, cmd_version, 0, NULL },
	{ { "echo", ANYONE, VD_READS_NOTHING }, cmd_echo, 0, NULL },
	{ { "Decrypt", ATTESTED, VD_READS_KEYS }, cmd_decrypt, 0, NULL },
	{ { "Get KEK", ATTESTED, VD_READS_KEYS }, cmd_get_kek, 0, NULL },
	{ { "Get Resource Info", ATTESTED, VD_READS_RESOURCES }, cmd_resource_info, 0, NULL },
	{ { "Get Resource", ATTESTED, VD_READS_RESOURCES }, cmd_resource, 0, NULL },
	{ { "Get Policy", ATTESTED, VD_READS_RESOURCES }, cmd_named,
	  VD_RES_IMAGE_POLICY, "Policy" },
	{ { "Get Sigstore Config", ATTESTED, VD_READS_RESOURCES }, cmd_named,
	  VD_RES_SIGSTORE, "Sigstore Config" },
	{ { "Get GPG Keyring", ATTESTED, VD_READS_RESOURCES }, cmd_named,
	  VD_RES_GPG_KEYRING, "GPG Keyring" },
	{ { "Get Cosign Key", ATTESTED, VD_READS_RESOURCES }, cmd_named,
	  VD_RES_COSIGN_KEY, "Cosign Key" },
	{ { "Get Credential", ATTESTED, VD_READS_RESOURCES }, cmd_named,
	  VD_RES_CREDENTIAL, "Credential" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct vd_command_info *vd_eaa_command(size_t i)
{
	return i < NCOMMANDS ? &commands[i].info : NULL;
}

static const struct vd_command *find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].info.name) == 0)
			return &commands[i];
	return NULL;
}

static const struct vd_command *find_named(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (commands[i].res_name && strcmp(name, commands[i].res_name) == 0)
			return &commands[i];
	return NULL;
}

/* A peer's text in a log line: JSON-quoted, so it cannot forge lines. */
static void log_quoted(const char *what, const struct vd_peer *peer, const char *cmd)
{
	json_t *j = json_string(cmd);
	char *q = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	char who[64];

	if (!peer->allowed)
		snprintf(who, sizeof(who), "an unattested");
	else if (peer->tee)
		snprintf(who, sizeof(who), "a %.40s", peer->tee);
	else
		snprintf(who, sizeof(who), "an attested");
	LOG_WARN("refused a request from %s peer: %s %.120s", who, what, q ? q : "?");
	free(q);
	json_decref(j);
}

bool vd_eaa_handle(struct vd_store *s, const struct vd_peer *peer,
		   const char *req, size_t n, struct vd_reply *r)
{
	json_error_t je;
	json_t *j;
	const char *name;
	const struct vd_command *row;
	char why[600];
	size_t i;
	bool ok;

	memset(r, 0, sizeof(*r));
	r->command = VD_EAA_UNKNOWN;
	j = json_loadb_fast(req, n, JSON_REJECT_DUPLICATES, &je);
	if (!j || !json_is_object(j)) {
		snprintf(why, sizeof(why), "request is not a JSON object: %s",
			 j ? "another JSON value" : je.text);
		json_decref(j);
		return reply_fail(r, why);
	}
	name = json_string_value(json_object_get(j, "command"));
	for (i = 0; name && i < VD_EAA_NCOMMANDS; i++)
		if (strcmp(name, vd_eaa_commands[i]) == 0)
			r->command = (int)i;
	if (!name) {
		ok = reply_fail(r, "request has no \"command\" string");
	} else if (!(row = find(name))) {
		log_quoted("unknown command", peer, name);
		snprintf(why, sizeof(why), "Command error: unknown command \"%.100s\"", name);
		ok = reply_fail(r, why);
	} else if (row->info.needs_attestation && !peer->allowed) {
		snprintf(why, sizeof(why), "%s refused: this connection is not attested "
			 "(%s); secrets go only to a peer whose evidence was verified and "
			 "allowed by the policy", name,
			 peer->why ? peer->why : "no verified evidence");
		ok = reply_fail(r, why);
		r->status = VD_REPLY_REFUSED;
	} else {
		bool refused = false;
		struct call c = { s, peer, row, j, &refused };

		ok = row->handler(&c, r);
		if (refused && r->status == VD_REPLY_FAIL)
			r->status = VD_REPLY_REFUSED;
	}
	json_decref(j);
	return ok;
}
