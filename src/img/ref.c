/* ref.c - Docker image references (see ref.h). The grammar, from
 * distribution/reference:
 *   name      := [domain '/'] component ('/' component)*
 *   domain    := host [':' port]
 *   component := alnum+ ((sep) alnum+)*, sep := '.' | '_' | '__' | '-'+
 *                (lower case)
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest    := algorithm ':' hex (sha256: 64 hex, sha512: 128 hex)
 * and a name is at most 255 characters. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "ref.h"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool component_ok(const char *p, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(p[0]) || !is_lower_alnum(p[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(p[i])) {
			i++;
			continue;
		}
		/* a separator: '.', '_', '__' or a run of '-' */
		if (p[i] == '.' || (p[i] == '_' && p[i + 1] != '_'))
			i++;
		else if (p[i] == '_')
			i += 2;
		else if (p[i] == '-')
			while (i < n && p[i] == '-')
				i++;
		else
			return false;
		if (i >= n || !is_lower_alnum(p[i]))
			return false;
	}
	return true;
}

static bool domain_ok(const char *p, size_t n)
{
	const char *colon = memchr(p, ':', n);
	size_t host = colon ? (size_t)(colon - p) : n;

	if (host == 0)
		return false;
	for (size_t i = 0; i < host; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '-')
			return false;
	if (p[0] == '.' || p[0] == '-' || p[host - 1] == '.' || p[host - 1] == '-')
		return false;
	if (colon) {
		if (host + 1 == n || n - host - 1 > 5)
			return false;
		for (size_t i = host + 1; i < n; i++)
			if (!isdigit((unsigned char)p[i]))
				return false;
	}
	return true;
}

static bool tag_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > IMG_TAG_MAX || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

static bool digest_ok(const char *d)
{
	const char *colon = strchr(d, ':');
	size_t hex;

	if (!colon)
		return false;
	if (strncmp(d, "sha256:", 7) == 0)
		hex = 64;
	else if (strncmp(d, "sha512:", 7) == 0)
		hex = 128;
	else
		return false;
	if (strlen(colon + 1) != hex)
		return false;
	for (const char *p = colon + 1; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

bool img_ref_parse(const char *s, bool default_tag, struct img_ref *r,
		   struct eaa_err *err)
{
	char buf[IMG_NAME_MAX * 2 + IMG_TAG_MAX + IMG_DIGEST_MAX + 4], *at, *name, *slash;
	char *colon, *comp;
	size_t n = strlen(s);

	memset(r, 0, sizeof(*r));
	if (n == 0 || n >= sizeof(buf))
		return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": %s", s,
				n ? "too long" : "empty");
	memcpy(buf, s, n + 1);
	if ((at = strchr(buf, '@')) != NULL) {
		*at++ = '\0';
		if (!digest_ok(at))
			return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": bad "
					"digest \"%.140s\"", s, at);
		snprintf(r->digest, sizeof(r->digest), "%s", at);
	}
	/* a tag is after the last ':' that follows the last '/' */
	slash = strrchr(buf, '/');
	colon = strrchr(slash ? slash : buf, ':');
	if (colon) {
		*colon++ = '\0';
		if (!tag_ok(colon))
			return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": bad tag "
					"\"%.140s\"", s, colon);
		snprintf(r->tag, sizeof(r->tag), "%s", colon);
	}
	name = buf;
	slash = strchr(name, '/');
	if (slash && (memchr(name, '.', (size_t)(slash - name)) ||
		      memchr(name, ':', (size_t)(slash - name)) ||
		      ((size_t)(slash - name) == 9 && strncmp(name, "localhost", 9) == 0))) {
		if (!domain_ok(name, (size_t)(slash - name)))
			return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": bad "
					"registry host", s);
		snprintf(r->domain, sizeof(r->domain), "%.*s", (int)(slash - name), name);
		name = slash + 1;
	} else {
		snprintf(r->domain, sizeof(r->domain), "docker.io");
	}
	if (strcmp(r->domain, "index.docker.io") == 0)
		snprintf(r->domain, sizeof(r->domain), "docker.io");
	for (comp = name;;) {
		char *end = strchr(comp, '/');
		size_t len = end ? (size_t)(end - comp) : strlen(comp);

		if (!component_ok(comp, len))
			return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": bad "
					"name component \"%.*s\" (lower-case letters, digits, "
					"separators . _ __ -)", s, (int)(len > 100 ? 100 : len), comp);
		if (!end)
			break;
		comp = end + 1;
	}
	if (strcmp(r->domain, "docker.io") == 0 && !strchr(name, '/'))
		snprintf(r->path, sizeof(r->path), "library/%s", name);
	else if (strlen(name) < sizeof(r->path))
		snprintf(r->path, sizeof(r->path), "%s", name);
	if (!r->path[0] || strlen(r->domain) + 1 + strlen(r->path) > 255)
		return eaa_fail(err, EAA_E_INVALID, "image reference \"%.300s\": the name "
				"is over 255 characters", s);
	if (default_tag && !r->tag[0] && !r->digest[0])
		snprintf(r->tag, sizeof(r->tag), "latest");
	return true;
}

void img_ref_name(const struct img_ref *r, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", r->domain, r->path);
}

void img_ref_string(const struct img_ref *r, char *out, size_t n)
{
	snprintf(out, n, "%s/%s%s%s%s%s", r->domain, r->path, r->tag[0] ? ":" : "", r->tag,
		 r->digest[0] ? "@" : "", r->digest);
}

bool img_ref_host_ok(const char *s)
{
	return domain_ok(s, strlen(s));
}

size_t img_ref_scopes(const struct img_ref *r, char (*out)[IMG_SCOPE_MAX], size_t max)
{
	char name[IMG_SCOPE_MAX], *slash, *dot;
	size_t n = 0;

	if (max == 0)
		return 0;
	snprintf(out[n++], IMG_SCOPE_MAX, "%s/%s%s%s", r->domain, r->path,
		 r->digest[0] ? "@" : r->tag[0] ? ":" : "", r->digest[0] ? r->digest : r->tag);
	img_ref_name(r, name, sizeof(name));
	for (;;) {
		if (n < max)
			snprintf(out[n++], IMG_SCOPE_MAX, "%s", name);
		if (!(slash = strrchr(name, '/')))
			break;
		*slash = '\0';
	}
	name[strcspn(name, ":")] = '\0';
	for (dot = name; n < max && (dot = strchr(dot, '.')) != NULL; dot++)
		snprintf(out[n++], IMG_SCOPE_MAX, "*%s", dot);
	return n;
}
