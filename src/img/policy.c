/* policy.c - containers-policy.json(5): parsing, scopes, checks (see
 * policy.h). The rules follow containers/image's signature/policy_*.go:
 * every requirement of the chosen scope must hold; a scope is chosen by
 * the most specific name that matches the image (docker: the reference,
 * then the repository and its parent namespaces, then wildcard hosts;
 * oci and dir: the directory and its parents), then the transport's "",
 * then "default". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "policy.h"
#include "sig.h"

#define MAX_POLICY (4u * 1024u * 1024u)

struct scope {
	char *name;
	struct img_req *reqs;
	size_t n;
};

struct transport {
	enum img_transport t;
	struct scope *scopes;
	size_t n;
};

struct img_policy {
	struct img_req *def;
	size_t ndef;
	struct transport transports[3];
	size_t ntransports;
	char file[256];
};

static const char *const transport_names[] = { "docker", "oci", "dir" };

static void free_reqs(struct img_req *r, size_t n);

/* ---- parsing ---- */

struct ctx {
	const char *file;
	struct eaa_err *err;
};

#define FAIL(c, ...) eaa_fail((c)->err, EAA_E_FORMAT, __VA_ARGS__)

/* Only the fields in allowed[] (NULL-terminated) may appear in o. */
static bool fields_ok(struct ctx *c, json_t *o, const char *where,
		      const char *const *allowed)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		size_t i;

		for (i = 0; allowed[i] && strcmp(allowed[i], k) != 0; i++)
			;
		if (!allowed[i])
			return FAIL(c, "%s: %s: unknown field \"%.100s\"", c->file, where, k);
	}
	return true;
}

static bool str_field(struct ctx *c, json_t *o, const char *where, const char *name,
		      bool required, char **out)
{
	json_t *v = json_object_get(o, name);

	*out = NULL;
	if (!v)
		return !required || FAIL(c, "%s: %s: \"%s\" is required", c->file, where, name);
	if (!json_is_string(v) || !*json_string_value(v))
		return FAIL(c, "%s: %s.%s: want a non-empty string", c->file, where, name);
	return (*out = strdup(json_string_value(v))) != NULL ||
	       eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
}

/* remapIdentity prefixes: host[:port], or a name that starts with one
 * (no wildcards). */
static bool remap_prefix_ok(const char *s)
{
	const char *slash = strchr(s, '/');
	struct img_ref r;
	char host[IMG_NAME_MAX];

	if (!slash)
		return img_ref_host_ok(s);
	snprintf(host, sizeof(host), "%.*s", (int)(slash - s), s);
	return img_ref_host_ok(host) && (strchr(host, '.') || strchr(host, ':') ||
					 strcmp(host, "localhost") == 0) &&
	       img_ref_parse(s, false, &r, NULL) && !r.tag[0] && !r.digest[0];
}

static bool parse_identity(struct ctx *c, json_t *o, const char *where,
			   struct img_identity *id)
{
	static const char *const plain[] = { "type", NULL };
	static const char *const exact_ref[] = { "type", "dockerReference", NULL };
	static const char *const exact_repo[] = { "type", "dockerRepository", NULL };
	static const char *const remap[] = { "type", "prefix", "signedPrefix", NULL };
	const char *type = json_string_value(json_object_get(o, "type"));
	struct img_ref r;
	char w[200];

	snprintf(w, sizeof(w), "%s.signedIdentity", where);
	if (!json_is_object(o) || !type)
		return FAIL(c, "%s: %s: want an object with a \"type\"", c->file, w);
	if (strcmp(type, "matchExact") == 0) {
		id->type = IMG_ID_MATCH_EXACT;
		return fields_ok(c, o, w, plain);
	}
	if (strcmp(type, "matchRepoDigestOrExact") == 0) {
		id->type = IMG_ID_MATCH_REPO_DIGEST_OR_EXACT;
		return fields_ok(c, o, w, plain);
	}
	if (strcmp(type, "matchRepository") == 0) {
		id->type = IMG_ID_MATCH_REPOSITORY;
		return fields_ok(c, o, w, plain);
	}
	if (strcmp(type, "exactReference") == 0) {
		id->type = IMG_ID_EXACT_REFERENCE;
		if (!fields_ok(c, o, w, exact_ref) ||
		    !str_field(c, o, w, "dockerReference", true, &id->docker))
			return false;
		if (!img_ref_parse(id->docker, false, &r, c->err) || (!r.tag[0] && !r.digest[0]))
			return FAIL(c, "%s: %s.dockerReference: \"%.200s\" is not a tagged or "
				    "digested reference", c->file, w, id->docker);
		return true;
	}
	if (strcmp(type, "exactRepository") == 0) {
		id->type = IMG_ID_EXACT_REPOSITORY;
		if (!fields_ok(c, o, w, exact_repo) ||
		    !str_field(c, o, w, "dockerRepository", true, &id->docker))
			return false;
		if (!img_ref_parse(id->docker, false, &r, c->err) || r.tag[0] || r.digest[0])
			return FAIL(c, "%s: %s.dockerRepository: \"%.200s\" is not a repository "
				    "name", c->file, w, id->docker);
		return true;
	}
	if (strcmp(type, "remapIdentity") == 0) {
		id->type = IMG_ID_REMAP_IDENTITY;
		if (!fields_ok(c, o, w, remap) ||
		    !str_field(c, o, w, "prefix", true, &id->prefix) ||
		    !str_field(c, o, w, "signedPrefix", true, &id->signed_prefix))
			return false;
		if (!remap_prefix_ok(id->prefix) || !remap_prefix_ok(id->signed_prefix))
			return FAIL(c, "%s: %s: prefix and signedPrefix must be a host[:port] or "
				    "a repository name starting with one", c->file, w);
		return true;
	}
	return FAIL(c, "%s: %s: unknown type \"%.100s\"", c->file, w, type);
}

/* keyPath | keyPaths | keyData: exactly one. */
static bool parse_keys(struct ctx *c, json_t *o, const char *where, struct img_req *r,
		       bool paths_allowed)
{
	json_t *path = json_object_get(o, "keyPath"), *paths = json_object_get(o, "keyPaths");
	json_t *data = json_object_get(o, "keyData"), *e;
	size_t i;

	if (!!path + !!paths + !!data != 1)
		return FAIL(c, "%s: %s: exactly one of keyPath, %skeyData is required",
			    c->file, where, paths_allowed ? "keyPaths, " : "");
	if (path) {
		r->key_paths = calloc(1, sizeof(char *));
		r->nkey_paths = 1;
		return r->key_paths && str_field(c, o, where, "keyPath", true, &r->key_paths[0]);
	}
	if (paths) {
		if (!json_is_array(paths) || json_array_size(paths) == 0)
			return FAIL(c, "%s: %s.keyPaths: want a non-empty array of paths",
				    c->file, where);
		if (!(r->key_paths = calloc(json_array_size(paths), sizeof(char *))))
			return eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
		json_array_foreach(paths, i, e) {
			if (!json_is_string(e) || !*json_string_value(e))
				return FAIL(c, "%s: %s.keyPaths[%zu]: want a path", c->file, where, i);
			if (!(r->key_paths[i] = strdup(json_string_value(e))))
				return eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
			r->nkey_paths++;
		}
		return true;
	}
	if (!json_is_string(data) ||
	    !base64_decode(json_string_value(data), false, &r->key_data, &r->key_data_len) ||
	    r->key_data_len == 0)
		return FAIL(c, "%s: %s.keyData: want base64 of the key", c->file, where);
	return true;
}

static bool parse_req(struct ctx *c, json_t *o, const char *where, struct img_req *r)
{
	static const char *const plain[] = { "type", NULL };
	static const char *const signed_by[] = { "type", "keyType", "keyPath", "keyPaths",
						 "keyData", "signedIdentity", NULL };
	static const char *const sigstore[] = { "type", "keyPath", "keyData",
						"signedIdentity", NULL };
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *key_type;
	json_t *ident;

	snprintf(r->where, sizeof(r->where), "%s", where);
	if (!json_is_object(o) || !type)
		return FAIL(c, "%s: %s: want an object with a \"type\"", c->file, where);
	if (strcmp(type, "insecureAcceptAnything") == 0 || strcmp(type, "reject") == 0) {
		r->type = type[0] == 'i' ? IMG_REQ_ACCEPT : IMG_REQ_REJECT;
		return fields_ok(c, o, where, plain);
	}
	if (strcmp(type, "signedBy") == 0) {
		r->type = IMG_REQ_SIGNED_BY;
		r->identity.type = IMG_ID_MATCH_REPO_DIGEST_OR_EXACT;
		key_type = json_string_value(json_object_get(o, "keyType"));
		if (!fields_ok(c, o, where, signed_by))
			return false;
		if (!key_type || strcmp(key_type, "GPGKeys") != 0)
			return eaa_fail(c->err, key_type ? EAA_E_UNSUPPORTED : EAA_E_FORMAT,
					"%s: %s.keyType: %s%.60s%s", c->file, where,
					key_type ? "\"" : "required (\"GPGKeys\")",
					key_type ? key_type : "",
					key_type ? "\" is not supported (only \"GPGKeys\")" : "");
		if (!parse_keys(c, o, where, r, true))
			return false;
	} else if (strcmp(type, "sigstoreSigned") == 0) {
		r->type = IMG_REQ_SIGSTORE;
		r->identity.type = IMG_ID_MATCH_REPO_DIGEST_OR_EXACT;
		if (json_object_get(o, "fulcio") || json_object_get(o, "rekorPublicKeyPath") ||
		    json_object_get(o, "rekorPublicKeyData") || json_object_get(o, "keyPaths") ||
		    json_object_get(o, "keyDatas") || json_object_get(o, "pki"))
			return eaa_fail(c->err, EAA_E_UNSUPPORTED, "%s: %s: only keyPath or keyData "
					"public keys are supported (no fulcio, rekor, pki, "
					"keyPaths, keyDatas)", c->file, where);
		if (!fields_ok(c, o, where, sigstore) || !parse_keys(c, o, where, r, false))
			return false;
	} else {
		return FAIL(c, "%s: %s: unknown requirement type \"%.100s\"", c->file, where, type);
	}
	ident = json_object_get(o, "signedIdentity");
	r->identity.omitted = !ident;
	return !ident || parse_identity(c, ident, where, &r->identity);
}

static bool parse_reqs(struct ctx *c, json_t *a, const char *where, struct img_req **out,
		       size_t *n)
{
	json_t *e;
	size_t i;
	char w[160];

	if (!json_is_array(a) || json_array_size(a) == 0)
		return FAIL(c, "%s: %s: want a non-empty array of requirements", c->file, where);
	if (!(*out = calloc(json_array_size(a), sizeof(**out))))
		return eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
	json_array_foreach(a, i, e) {
		*n = i + 1;
		snprintf(w, sizeof(w), "%s[%zu]", where, i);
		if (!parse_req(c, e, w, &(*out)[i]))
			return false;
	}
	return true;
}

/* A scope name the transport can ever match. */
static bool scope_ok(enum img_transport t, const char *s)
{
	struct img_ref r;

	if (!*s)
		return true;
	if (t != IMG_T_DOCKER) /* absolute, clean, not "/" */
		return s[0] == '/' && s[1] && !strstr(s, "//") && !strstr(s, "/./") &&
		       !strstr(s, "/../") && s[strlen(s) - 1] != '/';
	if (strncmp(s, "*.", 2) == 0) /* a wildcard host, nothing else */
		return s[2] && !strpbrk(s + 2, "/:*@");
	/* a host, repository or namespace: must parse as a name, tagged or not,
	 * and already be in the normalized form */
	if (!strchr(s, '/'))
		return img_ref_host_ok(s);
	if (!img_ref_parse(s, false, &r, NULL))
		return false;
	{
		char norm[IMG_NAME_MAX * 2 + IMG_TAG_MAX + IMG_DIGEST_MAX + 4];

		img_ref_string(&r, norm, sizeof(norm));
		/* "docker.io/ns" names a namespace, which normalization would
		 * read as the repository docker.io/library/ns */
		return strcmp(norm, s) == 0 ||
		       (strncmp(s, "docker.io/", 10) == 0 && !strpbrk(s + 10, "/:@") &&
			strcmp(r.path + 8, s + 10) == 0);
	}
}

static bool check_other_transport(struct ctx *c, const char *tname, json_t *scopes)
{
	const char *sname;
	json_t *reqs;
	struct img_req *r = NULL;
	size_t n = 0;
	char w[160];
	bool ok = true;

	json_object_foreach(scopes, sname, reqs) {
		snprintf(w, sizeof(w), "transports.%.40s[\"%.100s\"]", tname, sname);
		ok = parse_reqs(c, reqs, w, &r, &n);
		free_reqs(r, n);
		r = NULL;
		n = 0;
		if (!ok)
			break;
	}
	return ok;
}

static bool parse_transports(struct ctx *c, json_t *o, struct img_policy *p)
{
	const char *tname, *sname;
	json_t *scopes, *reqs;
	char w[160];

	if (!json_is_object(o))
		return FAIL(c, "%s: transports: want an object", c->file);
	json_object_foreach(o, tname, scopes) {
		struct transport *t = &p->transports[p->ntransports];
		size_t i;

		for (i = 0; i < 3 && strcmp(tname, transport_names[i]) != 0; i++)
			;
		if (!json_is_object(scopes))
			return FAIL(c, "%s: transports.%s: want an object of scopes", c->file, tname);
		if (i == 3) {
			/* another transport (docker-daemon, containers-storage, ...):
			 * its requirements must parse, as containers/image reads
			 * them, but no image of ours is ever in it */
			if (!check_other_transport(c, tname, scopes))
				return false;
			continue;
		}
		t->t = (enum img_transport)i;
		p->ntransports++;
		if (!(t->scopes = calloc(json_object_size(scopes) + 1, sizeof(*t->scopes))))
			return eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
		json_object_foreach(scopes, sname, reqs) {
			struct scope *s = &t->scopes[t->n++];

			snprintf(w, sizeof(w), "transports.%s[\"%.100s\"]", tname, sname);
			if (!scope_ok(t->t, sname))
				return FAIL(c, "%s: %s: not a valid %s scope", c->file, w, tname);
			if (!(s->name = strdup(sname)))
				return eaa_fail(c->err, EAA_E_NOMEM, "out of memory");
			if (!parse_reqs(c, reqs, w, &s->reqs, &s->n))
				return false;
		}
	}
	return true;
}

struct img_policy *img_policy_parse(const char *text, size_t n, const char *file,
				    struct eaa_err *err)
{
	static const char *const top[] = { "default", "transports", NULL };
	struct img_policy *p = calloc(1, sizeof(*p));
	struct ctx c = { file, err };
	json_error_t je;
	json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je), *t;
	bool ok;

	if (!p) {
		json_decref(j);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(p->file, sizeof(p->file), "%s", file);
	if (!j)
		ok = FAIL(&c, "%s:%d:%d: %s", file, je.line, je.column, je.text);
	else if (!json_is_object(j))
		ok = FAIL(&c, "%s: want a JSON object at the top level", file);
	else
		ok = fields_ok(&c, j, "top level", top) &&
		     parse_reqs(&c, json_object_get(j, "default"), "default", &p->def,
				&p->ndef) &&
		     (!(t = json_object_get(j, "transports")) || parse_transports(&c, t, p));
	json_decref(j);
	if (!ok) {
		img_policy_free(p);
		return NULL;
	}
	return p;
}

struct img_policy *img_policy_load(const char *path, struct eaa_err *err)
{
	uint8_t *raw;
	size_t n;
	struct img_policy *p;

	if (!file_read(path, MAX_POLICY, &raw, &n, err))
		return NULL;
	p = img_policy_parse((const char *)raw, n, path, err);
	free(raw);
	return p;
}

static void free_reqs(struct img_req *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < r[i].nkey_paths; k++)
			free(r[i].key_paths[k]);
		free(r[i].key_paths);
		free(r[i].key_data);
		free(r[i].identity.docker);
		free(r[i].identity.prefix);
		free(r[i].identity.signed_prefix);
	}
	free(r);
}

void img_policy_free(struct img_policy *p)
{
	if (!p)
		return;
	free_reqs(p->def, p->ndef);
	for (size_t t = 0; t < p->ntransports; t++) {
		for (size_t s = 0; s < p->transports[t].n; s++) {
			free(p->transports[t].scopes[s].name);
			free_reqs(p->transports[t].scopes[s].reqs, p->transports[t].scopes[s].n);
		}
		free(p->transports[t].scopes);
	}
	free(p);
}

/* ---- keys from the broker ---- */

static bool resolve_req(struct img_req *r, img_fetch_fn fetch, void *arg, struct eaa_err *err)
{
	struct wr all;
	uint8_t *data;
	size_t n, len;
	bool remote = false;

	for (size_t i = 0; i < r->nkey_paths; i++)
		remote |= strncmp(r->key_paths[i], "kbs://", 6) == 0;
	if (!remote)
		return true;
	wr_init(&all);
	for (size_t i = 0; i < r->nkey_paths; i++) {
		if (strncmp(r->key_paths[i], "kbs://", 6) != 0) {
			wr_free(&all);
			return eaa_fail(err, EAA_E_CONFIG, "%s: key paths mix kbs:// URIs and "
					"files", r->where);
		}
		if (!fetch(arg, r->key_paths[i], &data, &n, err)) {
			wr_free(&all);
			return eaa_err_prefix(err, "%s: %s", r->where, r->key_paths[i]);
		}
		wr_bytes(&all, data, n);
		free(data);
	}
	if (all.failed || !(r->key_data = wr_take(&all, &len)) || len == 0) {
		wr_free(&all);
		return eaa_fail(err, EAA_E_FORMAT, "%s: the fetched keys are empty", r->where);
	}
	r->key_data_len = len;
	for (size_t i = 0; i < r->nkey_paths; i++)
		free(r->key_paths[i]);
	free(r->key_paths);
	r->key_paths = NULL;
	r->nkey_paths = 0;
	return true;
}

bool img_policy_resolve_keys(struct img_policy *p, img_fetch_fn fetch, void *arg,
			     struct eaa_err *err)
{
	for (size_t i = 0; i < p->ndef; i++)
		if (!resolve_req(&p->def[i], fetch, arg, err))
			return false;
	for (size_t t = 0; t < p->ntransports; t++)
		for (size_t s = 0; s < p->transports[t].n; s++)
			for (size_t i = 0; i < p->transports[t].scopes[s].n; i++)
				if (!resolve_req(&p->transports[t].scopes[s].reqs[i], fetch, arg, err))
					return false;
	return true;
}

/* ---- scopes ---- */

static const struct scope *find_scope(const struct transport *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->scopes[i].name, name) == 0)
			return &t->scopes[i];
	return NULL;
}

static const struct scope *docker_scope(const struct transport *t, const struct img_ref *r)
{
	char names[IMG_SCOPES_MAX][IMG_SCOPE_MAX];
	const struct scope *s = NULL;
	size_t n = img_ref_scopes(r, names, IMG_SCOPES_MAX);

	for (size_t i = 0; i < n && !s; i++)
		s = find_scope(t, names[i]);
	return s;
}

/* oci, dir: the directory, then its parents, "/" excluded (an oci
 * image's reference name is not part of its identity, as in
 * containers/image). */
static const struct scope *path_scope(const struct transport *t, const char *path)
{
	char name[4200], *slash;
	const struct scope *s;

	snprintf(name, sizeof(name), "%s", path);
	while (name[0] && strcmp(name, "/") != 0) {
		if ((s = find_scope(t, name)))
			return s;
		slash = strrchr(name, '/');
		if (!slash || slash == name)
			break;
		*slash = '\0';
	}
	return NULL;
}

const struct img_req *img_policy_requirements(const struct img_policy *p,
					      const struct img_candidate *c,
					      size_t *n, const char **scope)
{
	for (size_t i = 0; i < p->ntransports; i++) {
		const struct transport *t = &p->transports[i];
		const struct scope *s;

		if (t->t != c->transport)
			continue;
		s = c->transport == IMG_T_DOCKER ? docker_scope(t, c->ref) :
		    path_scope(t, c->path);
		if (!s)
			s = find_scope(t, "");
		if (s) {
			*n = s->n;
			*scope = s->name;
			return s->reqs;
		}
	}
	*n = p->ndef;
	*scope = NULL;
	return p->def;
}

/* ---- signed identities ---- */

static bool same_repo(const struct img_ref *a, const struct img_ref *b)
{
	return strcmp(a->domain, b->domain) == 0 && strcmp(a->path, b->path) == 0;
}

static bool name_only(const struct img_ref *r)
{
	return !r->tag[0] && !r->digest[0];
}

/* Both name a tag or digest, and the same one(s). */
static bool same_ref(const struct img_ref *a, const struct img_ref *b)
{
	return !name_only(a) && !name_only(b) && same_repo(a, b) &&
	       strcmp(a->tag, b->tag) == 0 && strcmp(a->digest, b->digest) == 0;
}

/* The image is digested only: the repositories match (the manifest digest
 * is checked on its own); tagged: exactly. */
static bool repo_digest_or_exact(const struct img_ref *image, const struct img_ref *sig)
{
	if (name_only(sig))
		return false;
	if (!image->tag[0] && image->digest[0])
		return same_repo(image, sig);
	return same_ref(image, sig);
}

bool img_identity_match(const struct img_identity *id, const struct img_ref *image,
			const char *signed_ref)
{
	struct img_ref sig, want, remapped;
	char name[IMG_NAME_MAX * 2 + 2], full[IMG_NAME_MAX * 2 + IMG_TAG_MAX + IMG_DIGEST_MAX + 4];
	char buf[sizeof(full) + IMG_NAME_MAX];
	size_t plen;

	if (!img_ref_parse(signed_ref, false, &sig, NULL))
		return false;
	switch (id->type) {
	case IMG_ID_EXACT_REFERENCE:
		return img_ref_parse(id->docker, false, &want, NULL) && same_ref(&want, &sig);
	case IMG_ID_EXACT_REPOSITORY:
		return img_ref_parse(id->docker, false, &want, NULL) && same_repo(&want, &sig);
	default:
		break;
	}
	if (!image) /* oci, dir: no reference to match */
		return false;
	switch (id->type) {
	case IMG_ID_MATCH_EXACT:
		return same_ref(image, &sig);
	case IMG_ID_MATCH_REPOSITORY:
		return same_repo(image, &sig);
	case IMG_ID_REMAP_IDENTITY:
		/* when prefix matches the image's name at a segment boundary,
		 * the signature must name signedPrefix + the rest, and that must
		 * be a canonical reference */
		img_ref_name(image, name, sizeof(name));
		plen = strlen(id->prefix);
		if (strncmp(name, id->prefix, plen) != 0 || (name[plen] != '/' && name[plen]))
			return repo_digest_or_exact(image, &sig);
		img_ref_string(image, full, sizeof(full));
		snprintf(buf, sizeof(buf), "%s%s", id->signed_prefix, full + plen);
		if (!img_ref_parse(buf, false, &remapped, NULL))
			return false;
		img_ref_string(&remapped, full, sizeof(full));
		return strcmp(full, buf) == 0 && repo_digest_or_exact(&remapped, &sig);
	default:
		return repo_digest_or_exact(image, &sig);
	}
}

/* ---- the check ---- */

static bool check_req(const struct img_req *r, const struct img_candidate *c,
		      struct eaa_err *err)
{
	struct eaa_err last = { .code = EAA_E_REJECTED };
	size_t i;

	switch (r->type) {
	case IMG_REQ_ACCEPT:
		return true;
	case IMG_REQ_REJECT:
		return eaa_fail(err, EAA_E_REJECTED, "%s: type reject: the policy refuses "
				"every image in this scope", r->where);
	case IMG_REQ_SIGNED_BY:
		for (i = 0; i < c->ngpg; i++)
			if (img_sig_gpg_check(r, c, c->gpg_sigs[i], c->gpg_sig_lens[i], &last))
				return true;
		return eaa_fail(err, EAA_E_REJECTED, "%s: signedBy: %s", r->where,
				c->ngpg ? last.msg : "the image has no simple signatures");
	case IMG_REQ_SIGSTORE:
		for (i = 0; i < c->nsigstore; i++)
			if (img_sig_sigstore_check(r, c, c->sigstore_payloads[i],
						   c->sigstore_payload_lens[i],
						   c->sigstore_sigs[i], &last))
				return true;
		return eaa_fail(err, EAA_E_REJECTED, "%s: sigstoreSigned: %s", r->where,
				c->nsigstore ? last.msg : "the image has no sigstore signatures");
	}
	return eaa_fail(err, EAA_E_INVALID, "%s: unknown requirement", r->where);
}

bool img_policy_check(const struct img_policy *p, const struct img_candidate *c,
		      struct eaa_err *err)
{
	const char *scope;
	size_t n;
	const struct img_req *reqs = img_policy_requirements(p, c, &n, &scope);

	for (size_t i = 0; i < n; i++)
		if (!check_req(&reqs[i], c, err))
			return eaa_err_prefix(err, "image %s rejected by %s (%s%s%s)", c->text,
					      p->file, scope ? "scope \"" : "the default",
					      scope ? scope : "", scope ? "\"" : "");
	return true;
}
