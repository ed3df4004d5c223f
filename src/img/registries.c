/* registries.c - containers-registries.d(5) with libyaml (see
 * registries.h). Sections hold lookaside (or its old name sigstore), the
 * staging locations (accepted, unused: we only read), and
 * use-sigstore-attachments. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>
#include "file.h"
#include "registries.h"

#define MAX_FILE (1u << 20)

struct section {
	char *scope;          /* NULL for default-docker */
	char *lookaside;
	int attachments;      /* -1 unset, 0, 1 */
	char file[256];
};

struct img_registries {
	struct section *s;
	size_t n, cap;
	bool has_default;
};

void img_registries_free(struct img_registries *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->s[i].scope);
		free(r->s[i].lookaside);
	}
	free(r->s);
	free(r);
}

struct doc {
	yaml_document_t *d;
	const char *file;
	struct eaa_err *err;
};

static const char *scalar(struct doc *d, yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool parse_section(struct doc *d, yaml_node_t *m, const char *where,
			  struct section *s)
{
	yaml_node_pair_t *p;

	s->attachments = -1;
	if (!m || m->type != YAML_MAPPING_NODE)
		return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s: want a mapping", d->file,
				m ? m->start_mark.line + 1 : 0, where);
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(d->d, p->key);
		yaml_node_t *vn = yaml_document_get_node(d->d, p->value);
		const char *k = scalar(d, kn), *v = scalar(d, vn);
		size_t line = kn ? kn->start_mark.line + 1 : 0;

		if (!k)
			return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s: keys must be text",
					d->file, line, where);
		if (strcmp(k, "lookaside") == 0 || strcmp(k, "sigstore") == 0) {
			if (!v || !*v)
				return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s.%s: want a URL",
						d->file, line, where, k);
			/* lookaside wins over its old name */
			if (s->lookaside && strcmp(k, "sigstore") == 0)
				continue;
			free(s->lookaside);
			if (!(s->lookaside = strdup(v)))
				return eaa_fail(d->err, EAA_E_NOMEM, "out of memory");
			if (strncmp(v, "file://", 7) != 0 && strncmp(v, "http://", 7) != 0 &&
			    strncmp(v, "https://", 8) != 0)
				return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s.%s: \"%.200s\" is "
						"not a file://, http:// or https:// URL", d->file,
						line, where, k, v);
		} else if (strcmp(k, "lookaside-staging") == 0 || strcmp(k, "sigstore-staging") == 0) {
			continue; /* for writers; we only read signatures */
		} else if (strcmp(k, "use-sigstore-attachments") == 0) {
			if (!v || (strcmp(v, "true") != 0 && strcmp(v, "false") != 0))
				return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s.%s: want true or "
						"false", d->file, line, where, k);
			s->attachments = strcmp(v, "true") == 0;
		} else {
			return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: %s: unknown key \"%.100s\"",
					d->file, line, where, k);
		}
	}
	return true;
}

static struct section *add(struct img_registries *r, struct eaa_err *err)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		struct section *s = realloc(r->s, cap * sizeof(*s));

		if (!s) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			return NULL;
		}
		r->s = s;
		r->cap = cap;
	}
	memset(&r->s[r->n], 0, sizeof(r->s[0]));
	return &r->s[r->n++];
}

static bool parse_doc(struct img_registries *r, struct doc *d)
{
	yaml_node_t *root = yaml_document_get_root_node(d->d);
	yaml_node_pair_t *p, *q;

	if (!root) /* an empty file */
		return true;
	if (root->type != YAML_MAPPING_NODE)
		return eaa_fail(d->err, EAA_E_FORMAT, "%s: want a mapping at the top level",
				d->file);
	for (p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *kn = yaml_document_get_node(d->d, p->key);
		yaml_node_t *vn = yaml_document_get_node(d->d, p->value);
		const char *k = scalar(d, kn);
		struct section *s;

		if (k && strcmp(k, "default-docker") == 0) {
			if (r->has_default)
				return eaa_fail(d->err, EAA_E_FORMAT, "%s: default-docker is defined "
						"in more than one file", d->file);
			r->has_default = true;
			if (!(s = add(r, d->err)))
				return false;
			snprintf(s->file, sizeof(s->file), "%s", d->file);
			if (!parse_section(d, vn, "default-docker", s))
				return false;
		} else if (k && strcmp(k, "docker") == 0) {
			if (!vn || vn->type != YAML_MAPPING_NODE)
				return eaa_fail(d->err, EAA_E_FORMAT, "%s: docker: want a mapping of "
						"scopes", d->file);
			for (q = vn->data.mapping.pairs.start; q < vn->data.mapping.pairs.top; q++) {
				const char *scope = scalar(d, yaml_document_get_node(d->d, q->key));
				char where[300];

				if (!scope || !*scope)
					return eaa_fail(d->err, EAA_E_FORMAT, "%s: docker: a scope must "
							"be non-empty text", d->file);
				for (size_t i = 0; i < r->n; i++)
					if (r->s[i].scope && strcmp(r->s[i].scope, scope) == 0)
						return eaa_fail(d->err, EAA_E_FORMAT, "%s: docker "
								"scope \"%.200s\" is also defined in "
								"%s", d->file, scope, r->s[i].file);
				if (!(s = add(r, d->err)) || !(s->scope = strdup(scope)))
					return eaa_fail(d->err, EAA_E_NOMEM, "out of memory");
				snprintf(s->file, sizeof(s->file), "%s", d->file);
				snprintf(where, sizeof(where), "docker.\"%.200s\"", scope);
				if (!parse_section(d, yaml_document_get_node(d->d, q->value), where, s))
					return false;
			}
		} else {
			return eaa_fail(d->err, EAA_E_FORMAT, "%s:%zu: unknown key \"%.100s\" (want "
					"default-docker or docker)", d->file,
					kn ? kn->start_mark.line + 1 : 0, k ? k : "");
		}
	}
	return true;
}

static bool parse_into(struct img_registries *r, const char *text, size_t n, const char *file,
		       struct eaa_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct doc d = { &doc, file, err };
	bool ok;

	if (!yaml_parser_initialize(&parser))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, n);
	if (!yaml_parser_load(&parser, &doc)) {
		eaa_fail(err, EAA_E_FORMAT, "%s:%zu:%zu: %s", file, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "not YAML");
		yaml_parser_delete(&parser);
		return false;
	}
	ok = parse_doc(r, &d);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return ok;
}

struct img_registries *img_registries_parse(const char *text, size_t n,
					    const char *file, struct eaa_err *err)
{
	struct img_registries *r = calloc(1, sizeof(*r));

	if (!r) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!parse_into(r, text, n, file, err)) {
		img_registries_free(r);
		return NULL;
	}
	return r;
}

static int yaml_only(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0;
}

struct img_registries *img_registries_load(const char *dir, struct eaa_err *err)
{
	struct img_registries *r = calloc(1, sizeof(*r));
	struct dirent **names = NULL;
	int n = scandir(dir, &names, yaml_only, alphasort);
	bool ok = r != NULL;

	for (int i = 0; i < n; i++) {
		char path[4096];
		uint8_t *raw;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (ok && file_read(path, MAX_FILE, &raw, &len, err)) {
			ok = parse_into(r, (char *)raw, len, path, err);
			free(raw);
		} else {
			ok = false;
		}
		free(names[i]);
	}
	free(names);
	if (!r)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!ok) {
		img_registries_free(r);
		return NULL;
	}
	return r;
}

/* The first section, most specific scope first then default-docker, for
 * which want() holds. */
static const struct section *lookup(const struct img_registries *r, const struct img_ref *ref,
				    bool (*want)(const struct section *))
{
	char names[IMG_SCOPES_MAX][IMG_SCOPE_MAX];
	size_t n = img_ref_scopes(ref, names, IMG_SCOPES_MAX);

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < r->n; i++)
			if (r->s[i].scope && strcmp(r->s[i].scope, names[k]) == 0 && want(&r->s[i]))
				return &r->s[i];
	for (size_t i = 0; i < r->n; i++)
		if (!r->s[i].scope && want(&r->s[i]))
			return &r->s[i];
	return NULL;
}

static bool has_lookaside(const struct section *s)
{
	return s->lookaside != NULL;
}

static bool has_attachments(const struct section *s)
{
	return s->attachments >= 0;
}

const char *img_registries_lookaside(const struct img_registries *r,
				     const struct img_ref *ref)
{
	const struct section *s = lookup(r, ref, has_lookaside);

	return s ? s->lookaside : NULL;
}

bool img_registries_attachments(const struct img_registries *r, const struct img_ref *ref)
{
	const struct section *s = lookup(r, ref, has_attachments);

	return s && s->attachments == 1;
}

bool img_lookaside_url(const char *base, const struct img_ref *ref,
		       const char *manifest_digest, int n, char *out, size_t len)
{
	const char *colon = strchr(manifest_digest, ':');
	size_t blen = strlen(base);

	if (!colon || n < 1)
		return false;
	while (blen && base[blen - 1] == '/')
		blen--;
	return (size_t)snprintf(out, len, "%.*s/%s@%.*s=%s/signature-%d", (int)blen, base,
				ref->path, (int)(colon - manifest_digest), manifest_digest,
				colon + 1, n) < len;
}
