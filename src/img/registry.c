/* registry.c - Docker Registry HTTP API v2 over libcurl (see registry.h).
 * Only http and https are spoken; redirects (blob storage) are followed
 * without our Authorization header leaving the registry's host. A 401
 * answers with its WWW-Authenticate challenge: Bearer (a token from the
 * realm, for repository:<path>:pull, with the auth file's credentials when
 * there are any) or Basic. Nothing fetched is used before its digest and
 * size are checked. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "registry.h"

#define MAX_MANIFEST (4u * 1024u * 1024u)
#define MAX_TOKEN (1u << 20)

#define ACCEPT_MANIFESTS \
	"Accept: application/vnd.oci.image.index.v1+json, " \
	"application/vnd.docker.distribution.manifest.list.v2+json, " \
	"application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.docker.distribution.manifest.v2+json"

struct img_registry {
	struct img_ref ref;
	char base[IMG_NAME_MAX + 16];   /* "https://host[:port]" */
	bool tls_verify, progress, tried_http;
	char *auth;                     /* "Authorization: ..." once known */
	char basic[1024];               /* base64 user:pass from the auth file */
};

struct resp {
	struct wr body;
	size_t max;
	int fd;                 /* >= 0: stream here */
	EVP_MD_CTX *md;
	uint64_t got;
	bool too_big, write_failed;
	char ctype[256];
	char challenge[1024];
	const char *what;
	bool progress;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;
	size_t len = size * n;

	if (r->got + len > r->max) {
		r->too_big = true;
		return 0;
	}
	r->got += len;
	if (r->md)
		EVP_DigestUpdate(r->md, p, len);
	if (r->fd < 0)
		return wr_bytes(&r->body, p, len) ? len : 0;
	for (size_t off = 0; off < len;) {
		ssize_t put = write(r->fd, p + off, len - off);

		if (put < 0 && errno == EINTR)
			continue;
		if (put <= 0) {
			r->write_failed = true;
			return 0;
		}
		off += (size_t)put;
	}
	return len;
}

static void header_value(const char *h, size_t n, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name), v;

	if (n <= nl || strncasecmp(h, name, nl) != 0)
		return;
	for (v = nl; v < n && (h[v] == ' ' || h[v] == '\t'); v++)
		;
	while (n > v && (h[n - 1] == '\r' || h[n - 1] == '\n' || h[n - 1] == ' '))
		n--;
	snprintf(out, len, "%.*s", (int)(n - v), h + v);
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct resp *r = arg;

	header_value(p, size * n, "content-type:", r->ctype, sizeof(r->ctype));
	header_value(p, size * n, "www-authenticate:", r->challenge, sizeof(r->challenge));
	return size * n;
}

static int on_progress(void *arg, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
	struct resp *r = arg;

	if (r->progress && total > 0)
		fprintf(stderr, "\rCopying blob %.19s %6.1f / %6.1f MiB", r->what,
			now / 1048576.0, total / 1048576.0);
	return 0;
}

/* One GET; *status is the HTTP status, false only when no answer came. */
static bool get(const char *url, const char *accept, const char *auth, bool tls_verify,
		struct resp *rs, long *status, struct eaa_err *err)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	if (!c)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (accept)
		h = curl_slist_append(h, accept);
	if (auth)
		h = curl_slist_append(h, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rs);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rs);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls_verify ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls_verify ? 2L : 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "eaa-image");
	if (rs->progress) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, rs);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rs->progress)
		fputc('\n', stderr);
	if (rs->too_big)
		return eaa_fail(err, EAA_E_FORMAT, "%s: the response is over %zu bytes", url,
				rs->max);
	if (rs->write_failed)
		return eaa_fail(err, EAA_E_IO, "%s: cannot write: %s", url, strerror(errno));
	if (rc != CURLE_OK)
		return eaa_fail(err, EAA_E_IO, "%s: %s", url, errbuf[0] ? errbuf :
				curl_easy_strerror(rc));
	return true;
}

static void resp_reset(struct resp *rs)
{
	wr_free(&rs->body);
	wr_init(&rs->body);
	rs->got = 0;
	rs->too_big = rs->write_failed = false;
	rs->ctype[0] = rs->challenge[0] = '\0';
	if (rs->fd >= 0 && (ftruncate(rs->fd, 0) != 0 || lseek(rs->fd, 0, SEEK_SET) != 0))
		rs->write_failed = true;
	if (rs->md)
		EVP_DigestInit_ex(rs->md, EVP_sha256(), NULL);
}

/* key="value" from a challenge ("Bearer realm="...",service="..."). */
static bool param(const char *ch, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = ch;

	while ((p = strstr(p, key)) != NULL) {
		if ((p == ch || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=' && p[kl + 1] == '"') {
			const char *v = p + kl + 2, *e = strchr(v, '"');

			if (!e)
				return false;
			snprintf(out, len, "%.*s", (int)(e - v), v);
			return true;
		}
		p += kl;
	}
	return false;
}

/* Answer a 401's challenge: a bearer token, or basic credentials. */
static bool authenticate(struct img_registry *r, const char *challenge, struct eaa_err *err)
{
	char realm[512], service[256] = "", scope[512], url[2048], auth[1100];
	struct resp rs = { .max = MAX_TOKEN, .fd = -1 };
	const char *tok;
	json_error_t je;
	json_t *j;
	long status = 0;
	CURL *c;
	char *es, *ec;
	bool ok;

	free(r->auth);
	r->auth = NULL;
	if (strncasecmp(challenge, "Basic", 5) == 0) {
		if (!r->basic[0])
			return eaa_fail(err, EAA_E_REJECTED, "%s asks for a login: no credentials "
					"for it in the auth file", r->ref.domain);
		return asprintf(&r->auth, "Authorization: Basic %s", r->basic) > 0 ||
		       eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	if (strncasecmp(challenge, "Bearer", 6) != 0 || !param(challenge, "realm", realm, sizeof(realm)))
		return eaa_fail(err, EAA_E_UNSUPPORTED, "%s: unsupported authentication "
				"challenge \"%.100s\"", r->ref.domain, challenge);
	if (strncmp(realm, "https://", 8) != 0 && (r->tls_verify || strncmp(realm, "http://", 7) != 0))
		return eaa_fail(err, EAA_E_UNTRUSTED, "%s: token realm \"%.200s\" is not https",
				r->ref.domain, realm);
	param(challenge, "service", service, sizeof(service));
	if (!param(challenge, "scope", scope, sizeof(scope)))
		snprintf(scope, sizeof(scope), "repository:%s:pull", r->ref.path);
	if (!(c = curl_easy_init()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	es = curl_easy_escape(c, service, 0);
	ec = curl_easy_escape(c, scope, 0);
	snprintf(url, sizeof(url), "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
		 es ? es : "", ec ? ec : "");
	curl_free(es);
	curl_free(ec);
	curl_easy_cleanup(c);
	if (r->basic[0])
		snprintf(auth, sizeof(auth), "Authorization: Basic %s", r->basic);
	wr_init(&rs.body);
	ok = get(url, NULL, r->basic[0] ? auth : NULL, r->tls_verify, &rs, &status, err);
	if (ok && status != 200)
		ok = eaa_fail(err, EAA_E_REJECTED, "%s: the token service refused (HTTP %ld)",
			      r->ref.domain, status);
	j = ok ? json_loadb((char *)rs.body.buf, rs.body.len, 0, &je) : NULL;
	tok = json_string_value(json_object_get(j, "token"));
	if (!tok)
		tok = json_string_value(json_object_get(j, "access_token"));
	if (ok && !tok)
		ok = eaa_fail(err, EAA_E_FORMAT, "%s: the token service's answer has no token",
			      r->ref.domain);
	if (ok && asprintf(&r->auth, "Authorization: Bearer %s", tok) < 0) {
		r->auth = NULL;
		ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	json_decref(j);
	OPENSSL_cleanse(auth, sizeof(auth));
	wr_free(&rs.body);
	return ok;
}

/* GET base + path, falling back to http once for a registry that is not
 * verified, and answering one authentication challenge. */
static bool request(struct img_registry *r, const char *path, const char *accept,
		    struct resp *rs, long *status, struct eaa_err *err)
{
	char url[4096];
	bool ok;

	for (int attempt = 0; attempt < 3; attempt++) {
		resp_reset(rs);
		snprintf(url, sizeof(url), "%s%s", r->base, path);
		ok = get(url, accept, r->auth, r->tls_verify, rs, status, err);
		if (!ok && !r->tls_verify && !r->tried_http && strncmp(r->base, "https", 5) == 0) {
			/* as skopeo --tls-verify=false: plain http next */
			r->tried_http = true;
			snprintf(r->base, sizeof(r->base), "http://%s", r->ref.domain);
			continue;
		}
		if (!ok || *status != 401 || !rs->challenge[0] || attempt == 2)
			return ok;
		if (!authenticate(r, rs->challenge, err))
			return false;
	}
	return ok;
}

/* Credentials for the registry from a containers-auth.json file. */
static bool load_auth(struct img_registry *r, const char *file, struct eaa_err *err)
{
	uint8_t *raw;
	size_t n;
	json_error_t je;
	json_t *j;
	const char *a;

	if (!file)
		return true;
	if (!file_read(file, 1u << 20, &raw, &n, err))
		return eaa_err_prefix(err, "auth file");
	j = json_loadb((char *)raw, n, 0, &je);
	OPENSSL_cleanse(raw, n);
	free(raw);
	if (!json_is_object(json_object_get(j, "auths"))) {
		json_decref(j);
		return eaa_fail(err, EAA_E_FORMAT, "%s: not a containers-auth.json file (no "
				"\"auths\")", file);
	}
	a = json_string_value(json_object_get(json_object_get(json_object_get(j, "auths"),
							       r->ref.domain), "auth"));
	if (a)
		snprintf(r->basic, sizeof(r->basic), "%s", a);
	{
		const char *k;
		json_t *v;

		json_object_foreach(json_object_get(j, "auths"), k, v) {
			char *s = (char *)json_string_value(json_object_get(v, "auth"));

			if (s)
				OPENSSL_cleanse(s, strlen(s));
		}
	}
	json_decref(j);
	return true;
}

struct img_registry *img_registry_open(const struct img_ref *ref,
				       const struct img_registry_opts *o,
				       struct eaa_err *err)
{
	struct img_registry *r = calloc(1, sizeof(*r));
	static bool inited;

	if (!r) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	r->ref = *ref;
	r->tls_verify = o->tls_verify;
	r->progress = o->progress && isatty(2);
	/* docker.io's API lives at registry-1.docker.io */
	snprintf(r->base, sizeof(r->base), "https://%s",
		 strcmp(ref->domain, "docker.io") == 0 ? "registry-1.docker.io" : ref->domain);
	if (!load_auth(r, o->authfile, err)) {
		free(r);
		return NULL;
	}
	return r;
}

void img_registry_close(struct img_registry *r)
{
	if (!r)
		return;
	if (r->auth)
		OPENSSL_cleanse(r->auth, strlen(r->auth));
	free(r->auth);
	OPENSSL_cleanse(r->basic, sizeof(r->basic));
	free(r);
}

static void digest_hex(EVP_MD_CTX *md, char out[80])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char *hex;

	EVP_DigestFinal_ex(md, d, &n);
	hex = hex_encode(d, n);
	snprintf(out, 80, "sha256:%s", hex ? hex : "");
	free(hex);
}

bool img_registry_manifest(struct img_registry *r, const char *tag, uint8_t **body,
			   size_t *n, char **media_type, long *status,
			   struct eaa_err *err)
{
	struct resp rs = { .max = MAX_MANIFEST, .fd = -1, .md = EVP_MD_CTX_new() };
	const char *which = tag ? tag : r->ref.digest[0] ? r->ref.digest : r->ref.tag;
	char path[1024], got[80];
	bool ok = false;

	*body = NULL;
	*media_type = NULL;
	wr_init(&rs.body);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", r->ref.path, which);
	if (!rs.md || !request(r, path, ACCEPT_MANIFESTS, &rs, status, err))
		goto out;
	if (*status != 200) {
		eaa_fail(err, *status == 404 ? EAA_E_INVALID : EAA_E_REJECTED,
			 "%s/%s:%s: the registry answered HTTP %ld for the manifest",
			 r->ref.domain, r->ref.path, which, *status);
		goto out;
	}
	digest_hex(rs.md, got);
	if (strncmp(which, "sha256:", 7) == 0 && strcmp(got, which) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "%s/%s: the manifest served for %s has digest %s",
			 r->ref.domain, r->ref.path, which, got);
		goto out;
	}
	*media_type = strdup(rs.ctype);
	*body = wr_take(&rs.body, n);
	ok = *body && *media_type;
	if (!ok) {
		free(*body);
		free(*media_type);
		*body = NULL;
		*media_type = NULL;
		eaa_fail(err, EAA_E_FORMAT, "%s/%s: an empty manifest", r->ref.domain, r->ref.path);
	}
out:
	wr_free(&rs.body);
	EVP_MD_CTX_free(rs.md);
	return ok;
}

static bool blob(struct img_registry *r, const char *digest, int64_t size, int fd,
		 size_t max, const char *what, uint8_t **out, size_t *n, struct eaa_err *err)
{
	struct resp rs = { .max = size >= 0 ? (size_t)size : max, .fd = fd,
			   .md = EVP_MD_CTX_new(), .what = what, .progress = r->progress && fd >= 0 };
	char path[1024], got[80];
	long status = 0;
	bool ok = false;

	wr_init(&rs.body);
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71 || strchr(digest, '/')) {
		eaa_fail(err, EAA_E_FORMAT, "unsupported digest \"%.80s\"", digest);
		goto out;
	}
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", r->ref.path, digest);
	if (!rs.md || !request(r, path, NULL, &rs, &status, err))
		goto out;
	if (status != 200) {
		eaa_fail(err, EAA_E_REJECTED, "blob %.19s: the registry answered HTTP %ld", digest,
			 status);
		goto out;
	}
	digest_hex(rs.md, got);
	if (strcmp(got, digest) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "blob %.19s: the registry served bytes with digest %s",
			 digest, got);
		goto out;
	}
	if (size >= 0 && rs.got != (uint64_t)size) {
		eaa_fail(err, EAA_E_FORMAT, "blob %.19s: %llu bytes, not the %lld its descriptor "
			 "says", digest, (unsigned long long)rs.got, (long long)size);
		goto out;
	}
	if (out) {
		*out = wr_take(&rs.body, n);
		if (!*out) {
			*out = malloc(1);
			*n = 0;
		}
	}
	ok = true;
out:
	wr_free(&rs.body);
	EVP_MD_CTX_free(rs.md);
	return ok;
}

bool img_registry_blob(struct img_registry *r, const char *digest, int64_t size,
		       int fd, const char *what, struct eaa_err *err)
{
	return blob(r, digest, size, fd, (size_t)1 << 40, what, NULL, NULL, err);
}

bool img_registry_blob_mem(struct img_registry *r, const char *digest, size_t max,
			   uint8_t **out, size_t *n, struct eaa_err *err)
{
	return blob(r, digest, -1, -1, max, digest, out, n, err);
}

bool img_fetch_url(const char *url, bool tls_verify, size_t max, uint8_t **out,
		   size_t *n, long *status, struct eaa_err *err)
{
	struct resp rs = { .max = max, .fd = -1 };
	bool ok;

	*out = NULL;
	if (strncmp(url, "file://", 7) == 0) {
		if (access(url + 7, F_OK) != 0) {
			*status = 404;
			return true;
		}
		*status = 200;
		return file_read(url + 7, max, out, n, err);
	}
	wr_init(&rs.body);
	ok = get(url, NULL, NULL, tls_verify, &rs, status, err);
	if (ok && *status == 200)
		*out = wr_take(&rs.body, n);
	if (ok && *status == 200 && !*out) {
		*out = malloc(1);
		*n = 0;
	}
	wr_free(&rs.body);
	return ok;
}
