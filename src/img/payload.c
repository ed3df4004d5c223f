/* payload.c - the signed "simple signing" payload both signature kinds
 * carry, checked as containers/image does: exactly the fields the format
 * has, the expected type, the manifest digest, then the identity. */
#include <jansson.h>
#include <string.h>
#include "sig.h"

static bool exact(json_t *o, const char *const *names)
{
	size_t n = 0;

	if (!json_is_object(o))
		return false;
	for (; names[n]; n++)
		if (!json_object_get(o, names[n]))
			return false;
	return json_object_size(o) == n;
}

/* A name without tag or digest: the identity cosign signs. */
static bool name_only(const char *ref)
{
	const char *last = strrchr(ref, '/');

	return !strchr(ref, '@') && !strchr(last ? last : ref, ':');
}

/*
 * cosign signs the repository alone ("docker-reference": "host/repo"), which
 * containers/image's default signedIdentity (matchRepoDigestOrExact) never
 * accepts, while image-rs, which the guides' policies (seed 003) are written
 * for, checks no identity at all when signedIdentity is omitted. Between
 * the two: a sigstoreSigned requirement without signedIdentity accepts a
 * repository-only identity when it is the image's repository
 * (docs/image-security.md).
 */
static bool cosign_repository(const struct img_req *r, const struct img_candidate *c,
			      const char *ref)
{
	const struct img_identity repo = { .type = IMG_ID_MATCH_REPOSITORY };

	return r->type == IMG_REQ_SIGSTORE && r->identity.omitted && name_only(ref) &&
	       img_identity_match(&repo, c->ref, ref);
}

bool img_payload_check(const uint8_t *p, size_t n, const char *type,
		       const struct img_req *r, const struct img_candidate *c,
		       struct eaa_err *err)
{
	static const char *const top[] = { "critical", "optional", NULL };
	static const char *const crit[] = { "type", "image", "identity", NULL };
	static const char *const image[] = { "docker-manifest-digest", NULL };
	static const char *const ident[] = { "docker-reference", NULL };
	json_error_t je;
	json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je), *cr;
	const char *t, *digest, *ref;
	bool ok = false;

	cr = json_object_get(j, "critical");
	t = json_string_value(json_object_get(cr, "type"));
	digest = json_string_value(json_object_get(json_object_get(cr, "image"),
						   "docker-manifest-digest"));
	ref = json_string_value(json_object_get(json_object_get(cr, "identity"),
						"docker-reference"));
	if (!exact(j, top) || !exact(cr, crit) || !exact(json_object_get(cr, "image"), image) ||
	    !exact(json_object_get(cr, "identity"), ident) || !t || !digest || !ref ||
	    !(json_is_object(json_object_get(j, "optional")) ||
	      /* cosign writes "optional": null; simple signing never does */
	      (json_is_null(json_object_get(j, "optional")) &&
	       strcmp(type, "cosign container image signature") == 0)))
		eaa_fail(err, EAA_E_FORMAT, "the signed payload is not a signature payload "
			 "(want exactly critical.{type,image,identity} and optional)");
	else if (strcmp(t, type) != 0)
		eaa_fail(err, EAA_E_FORMAT, "the signed payload's type is \"%.60s\", not "
			 "\"%s\"", t, type);
	else if (!c->manifest_digest || strcmp(digest, c->manifest_digest) != 0)
		eaa_fail(err, EAA_E_SIGNATURE, "the signature is for manifest %.80s, not this "
			 "image's %s", digest, c->manifest_digest ? c->manifest_digest : "(none)");
	else if (!img_identity_match(&r->identity, c->ref, ref) &&
		 !cosign_repository(r, c, ref))
		eaa_fail(err, EAA_E_REJECTED, "the signature names \"%.200s\", which does "
			 "not match %s under its signedIdentity", ref, c->text);
	else
		ok = true;
	json_decref(j);
	return ok;
}
