/* verdict_kbs.c - verdict's set commands through verdictd's KBS admin API
 * (trustee's, docs/kbs-protocol.md section 11), for an owner who reaches
 * verdictd as a KBS rather than through its client API (see verdict_kbs.h). */
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "jose.h"
#include "store.h"
#include "verdict_kbs.h"

#define MAX_FILE (16u * 1024u * 1024u)
/* the admin token's life: trustee allows 60 s past exp, so a minute is
 * what a replayed token is good for at most, twice */
#define TOKEN_LIFE_S 60

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "verdict: %s: %s\n", what, why);
	return 1;
}

/* http:// only to this machine: the bearer token and the uploads (keys,
 * resources) would otherwise cross the network in the clear. */
static bool url_ok(const char *url, struct eaa_err *err)
{
	/* read by libcurl's own URL parser, the one that will connect: a
	 * prefix check would take http://127.0.0.1:x@elsewhere/ (user info,
	 * then another host) for this machine */
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		  (strcmp(scheme, "https") == 0 ||
		   (strcmp(scheme, "http") == 0 &&
		    (strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 ||
		     strcmp(host, "[::1]") == 0)));

	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok || eaa_fail(err, EAA_E_INVALID, "%s: want https://HOST:PORT, or http:// to "
			      "this machine only (127.0.0.1, localhost, [::1])", url);
}

/* A fresh admin token: {"exp": now + a minute}, signed by the owner's
 * private key (ES256, ES384 or EdDSA by its type). */
static char *admin_token(const char *key_file, struct eaa_err *err)
{
	FILE *f = fopen(key_file, "r");
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	json_t *claims = json_pack("{s:I}", "exp", (json_int_t)time(NULL) + TOKEN_LIFE_S);
	char *tok = NULL;

	if (f)
		fclose(f);
	if (!key)
		eaa_fail(err, EAA_E_CONFIG, "--kbs-admin-key %s: no PEM private key", key_file);
	else
		tok = jws_sign(key, NULL, claims, err);
	EVP_PKEY_free(key);
	json_decref(claims);
	return tok;
}

static size_t collect(char *p, size_t size, size_t n, void *arg)
{
	wr_bytes(arg, p, size * n);
	return size * n;
}

/* One admin request: method on URL/kbs/v0/path with body; 0 on 200, else
 * 1 with the answer's detail printed. */
static int request(const struct verdict_kbs *k, const char *method, const char *path,
		   const char *type, const uint8_t *body, size_t n)
{
	struct eaa_err err = { 0 };
	char *tok, url[4096], auth[8192], ctype[128], *text;
	struct curl_slist *h = NULL;
	struct wr out;
	CURLcode rc;
	long status = 0;
	CURL *c;
	size_t len;
	int ret = 1;

	if (!url_ok(k->url, &err))
		return fail("--kbs-admin", err.msg);
	if (!(tok = admin_token(k->key, &err)))
		return fail("admin token", err.msg);
	for (len = strlen(k->url); len && k->url[len - 1] == '/'; len--)
		;
	snprintf(url, sizeof(url), "%.*s/kbs/v0/%s", (int)len, k->url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", tok);
	OPENSSL_cleanse(tok, strlen(tok));
	free(tok);
	snprintf(ctype, sizeof(ctype), "Content-Type: %s", type);
	h = curl_slist_append(h, auth);
	OPENSSL_cleanse(auth, sizeof(auth));
	h = curl_slist_append(h, ctype);
	wr_init(&out);
	if (!(c = curl_easy_init())) {
		curl_slist_free_all(h);
		return fail("kbs admin", "cannot start libcurl");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	if (k->ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, k->ca);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	/* the header list held the token */
	for (struct curl_slist *i = h; i; i = i->next)
		OPENSSL_cleanse(i->data, strlen(i->data));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	wr_u8(&out, 0);
	text = (char *)wr_take(&out, &len);
	if (rc != CURLE_OK) {
		fail(url, curl_easy_strerror(rc));
	} else if (status != 200) {
		json_t *p = text ? json_loads(text, 0, NULL) : NULL;
		const char *d = json_string_value(json_object_get(p, "detail"));
		char why[1200];

		snprintf(why, sizeof(why), "HTTP %ld: %.1100s", status,
			 d ? d : text && *text ? text : "(no body)");
		fail(path, why);
		json_decref(p);
	} else {
		ret = 0;
	}
	free(text);
	return ret;
}

static int post_json(const struct verdict_kbs *k, const char *path, json_t *req)
{
	char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int rc = s ? request(k, "POST", path, "application/json", (uint8_t *)s, strlen(s))
		   : fail(path, "out of memory");

	json_decref(req);
	if (s)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
	if (!rc)
		printf("OK\n");
	return rc;
}

int verdict_kbs_set_policy(const struct verdict_kbs *k, const char *name, const char *file)
{
	struct eaa_err err;
	enum vd_tee t;
	bool reference;
	uint8_t *text;
	size_t n;
	char *b64;
	json_t *req;

	if (!vd_opa_parse(name, &t, &reference) || reference)
		return fail(name, "want <tee>Policy.rego (sgx, tdx, snp, csv, tpm, sample, "
			    "azsnpvtpm, aztdxvtpm) or resourcePolicy.rego");
	if (!file_read(file, MAX_FILE, &text, &n, &err))
		return fail(file, err.msg);
	b64 = b64url_encode(text, n);
	free(text);
	if (!b64)
		return fail(file, "out of memory");
	if (t == VD_OPA_RESOURCE)
		req = json_pack("{s:s}", "policy", b64);
	else
		req = json_pack("{s:s, s:s, s:s}", "type", "rego", "policy_id", vd_opa_name(t),
				"policy", b64);
	free(b64);
	return post_json(k, t == VD_OPA_RESOURCE ? "resource-policy" : "attestation-policy",
			 req);
}

int verdict_kbs_set_reference(const struct verdict_kbs *k, const char *name,
			      const char *file)
{
	struct eaa_err err;
	enum vd_tee t;
	bool reference;
	uint8_t *text;
	size_t n;
	json_t *doc, *rvs, *v;
	const char *member;
	char *s = NULL, *b64 = NULL, key[300];
	json_error_t je;

	if (!vd_opa_parse(name, &t, &reference) || !reference)
		return fail(name, "want <tee>Data (sgx, tdx, snp, csv, tpm, sample, azsnpvtpm, "
			    "aztdxvtpm) or resourceData");
	if (!file_read(file, MAX_FILE, &text, &n, &err))
		return fail(file, err.msg);
	doc = json_loadb((const char *)text, n, 0, &je);
	free(text);
	if (!json_is_object(doc) || !json_object_size(doc)) {
		json_decref(doc);
		return fail(file, doc ? "not a non-empty JSON object" : je.text);
	}
	/* each member becomes <tee>.<member>: the KBS sets members, so one
	 * that the file does not name stays as it is (the client API's
	 * --set-opa-reference replaces the whole document) */
	rvs = json_object();
	json_object_foreach(doc, member, v) {
		snprintf(key, sizeof(key), "%s.%.255s", vd_opa_name(t), member);
		json_object_set(rvs, key, v);
	}
	json_decref(doc);
	s = json_dumps(rvs, JSON_COMPACT);
	json_decref(rvs);
	if (s)
		b64 = base64_encode(s, strlen(s), false);
	free(s);
	if (!b64)
		return fail(file, "out of memory");
	rvs = json_pack("{s:s, s:s, s:s}", "version", "0.1.0", "type", "sample", "payload", b64);
	free(b64);
	return post_json(k, "reference-value", rvs);
}

int verdict_kbs_set_resource(const struct verdict_kbs *k, const char *id, const char *file)
{
	struct eaa_err err;
	uint8_t *data;
	size_t n;
	char path[512];
	int rc;

	if (!vd_name_check("resource id", id, 3, &err))
		return fail(id, err.msg);
	if (!file_read(file, MAX_FILE, &data, &n, &err))
		return fail(file, err.msg);
	snprintf(path, sizeof(path), "resource/%s", id);
	rc = request(k, "POST", path, "application/octet-stream", data, n);
	OPENSSL_cleanse(data, n);
	free(data);
	if (!rc)
		printf("OK\n");
	return rc;
}
