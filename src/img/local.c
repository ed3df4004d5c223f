/* local.c - images on disk, named as skopeo names them (see local.h):
 *   dir:PATH        manifest.json, blobs by hex digest, signature-1..N
 *   oci:PATH[:REF]  an OCI image layout; REF picks the index entry by its
 *                   org.opencontainers.image.ref.name (default: the only one)
 * Signature files of dir: are containers/image's blobs: raw OpenPGP
 * (simple signing, the legacy form skopeo writes), or a 0x00 byte and a
 * format line: "simple-signing\n" + OpenPGP, "sigstore-json\n" + JSON
 * {"mimeType","payload":<base64>,"annotations":{...signature}}. */
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "codec.h"
#include "file.h"
#include "local.h"

#define MAX_MANIFEST (4u * 1024u * 1024u)
#define MAX_SIGNATURE (4u * 1024u * 1024u)
#define MAX_SIGNATURES IMG_MAX_SIGS
#define SIGSTORE_ANNOTATION "dev.cosignproject.cosign/signature"

void img_sigs_free(struct img_sigs *s)
{
	for (size_t i = 0; i < s->ngpg; i++)
		free(s->gpg[i]);
	for (size_t i = 0; i < s->nsigstore; i++) {
		free(s->sigstore_payload[i]);
		free(s->sigstore_sig[i]);
	}
	memset(s, 0, sizeof(*s));
}

void img_local_free(struct img_local *l)
{
	free(l->manifest);
	img_sigs_free(&l->sigs);
	memset(l, 0, sizeof(*l));
}

static void digest_of(const uint8_t *p, size_t n, char out[72])
{
	unsigned char md[32];
	char *hex;

	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
	hex = hex_encode(md, 32);
	snprintf(out, 72, "sha256:%s", hex ? hex : "");
	free(hex);
}

bool img_sigs_add_sigstore(struct img_sigs *s, uint8_t *payload, size_t n,
			   const char *sig_b64, struct eaa_err *err)
{
	if (s->nsigstore == IMG_MAX_SIGS || !(s->sigstore_sig[s->nsigstore] = strdup(sig_b64))) {
		free(payload);
		return eaa_fail(err, EAA_E_FORMAT, "more than %d sigstore signatures",
				IMG_MAX_SIGS);
	}
	s->sigstore_payload[s->nsigstore] = payload;
	s->sigstore_payload_len[s->nsigstore++] = n;
	return true;
}

bool img_sigs_add_blob(struct img_sigs *s, uint8_t *blob, size_t n, const char *where,
		       struct eaa_err *err)
{
	static const char simple[] = "\0simple-signing\n", sigstore[] = "\0sigstore-json\n";
	json_error_t je;
	json_t *j;
	const char *payload, *sig;
	uint8_t *p;
	size_t pn;
	bool ok;

	if (s->ngpg == IMG_MAX_SIGS) {
		free(blob);
		return eaa_fail(err, EAA_E_FORMAT, "%s: more than %d signatures", where,
				IMG_MAX_SIGS);
	}
	if (n > 0 && (blob[0] & 0x80)) { /* an OpenPGP packet: the legacy form */
		s->gpg[s->ngpg] = blob;
		s->gpg_len[s->ngpg++] = n;
		return true;
	}
	if (n > sizeof(simple) - 1 && memcmp(blob, simple, sizeof(simple) - 1) == 0) {
		memmove(blob, blob + sizeof(simple) - 1, n - (sizeof(simple) - 1));
		s->gpg[s->ngpg] = blob;
		s->gpg_len[s->ngpg++] = n - (sizeof(simple) - 1);
		return true;
	}
	if (n <= sizeof(sigstore) - 1 || memcmp(blob, sigstore, sizeof(sigstore) - 1) != 0) {
		int first = n ? blob[0] : -1;

		free(blob);
		return eaa_fail(err, EAA_E_UNSUPPORTED, "%s: unrecognized signature format, "
				"starting with 0x%02x (ASCII-armored signatures are not "
				"accepted)", where, first & 0xff);
	}
	j = json_loadb((char *)blob + sizeof(sigstore) - 1, n - (sizeof(sigstore) - 1), 0, &je);
	free(blob);
	payload = json_string_value(json_object_get(j, "payload"));
	sig = json_string_value(json_object_get(json_object_get(j, "annotations"),
						SIGSTORE_ANNOTATION));
	if (!payload || !sig || !base64_decode(payload, false, &p, &pn)) {
		json_decref(j);
		return eaa_fail(err, EAA_E_FORMAT, "%s: a sigstore signature needs a base64 "
				"payload and annotations.\"%s\"", where, SIGSTORE_ANNOTATION);
	}
	ok = img_sigs_add_sigstore(s, p, pn, sig, err);
	json_decref(j);
	return ok;
}

void img_sigs_candidate(const struct img_sigs *s, struct img_candidate *c)
{
	c->gpg_sigs = (const uint8_t *const *)s->gpg;
	c->gpg_sig_lens = s->gpg_len;
	c->ngpg = s->ngpg;
	c->sigstore_payloads = (const uint8_t *const *)s->sigstore_payload;
	c->sigstore_payload_lens = s->sigstore_payload_len;
	c->sigstore_sigs = (const char *const *)s->sigstore_sig;
	c->nsigstore = s->nsigstore;
}

static bool open_dir(struct img_local *l, const char *path, struct eaa_err *err)
{
	char p[PATH_MAX + 32];
	uint8_t *blob;
	size_t n;

	l->transport = IMG_T_DIR;
	snprintf(p, sizeof(p), "%s/manifest.json", l->path);
	if (!file_read(p, MAX_MANIFEST, &l->manifest, &l->manifest_len, err))
		return false;
	for (int i = 1; i <= MAX_SIGNATURES; i++) {
		snprintf(p, sizeof(p), "%s/signature-%d", l->path, i);
		if (access(p, F_OK) != 0)
			break;
		if (!file_read(p, MAX_SIGNATURE, &blob, &n, err) ||
		    !img_sigs_add_blob(&l->sigs, blob, n, p, err))
			return false;
	}
	return true;
}

/* The manifest an OCI layout's index names (by ref, or its only one). */
static bool open_oci(struct img_local *l, const char *ref, struct eaa_err *err)
{
	char p[PATH_MAX + 100];
	uint8_t *raw;
	size_t n, i;
	json_error_t je;
	json_t *idx, *m, *chosen = NULL;
	const char *digest;
	char got[72];
	bool ok = false;

	l->transport = IMG_T_OCI;
	snprintf(p, sizeof(p), "%s/index.json", l->path);
	if (!file_read(p, MAX_MANIFEST, &raw, &n, err))
		return false;
	idx = json_loadb((char *)raw, n, 0, &je);
	free(raw);
	json_array_foreach(json_object_get(idx, "manifests"), i, m) {
		const char *name = json_string_value(json_object_get(
			json_object_get(m, "annotations"), "org.opencontainers.image.ref.name"));

		if (ref ? (name && strcmp(name, ref) == 0) : !chosen)
			chosen = m;
		else if (!ref)
			chosen = json_null(); /* more than one: a ref is needed */
	}
	digest = json_string_value(json_object_get(chosen, "digest"));
	if (!digest) {
		eaa_fail(err, EAA_E_INVALID, "%s: %s", p, ref ? "no manifest with that "
			 "reference name" : "not one manifest: name a reference (oci:PATH:REF)");
		goto out;
	}
	if (strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71 || strchr(digest + 7, '/')) {
		eaa_fail(err, EAA_E_FORMAT, "%s: unsupported digest \"%.80s\"", p, digest);
		goto out;
	}
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", l->path, digest + 7);
	if (!file_read(p, MAX_MANIFEST, &l->manifest, &l->manifest_len, err))
		goto out;
	digest_of(l->manifest, l->manifest_len, got);
	if (strcmp(got, digest) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "%s: the manifest has digest %s, not %s", p, got,
			 digest);
		goto out;
	}
	ok = true;
out:
	json_decref(idx);
	return ok;
}

bool img_local_open(const char *name, struct img_local *l, struct eaa_err *err)
{
	char path[PATH_MAX], *colon;
	bool ok;

	memset(l, 0, sizeof(*l));
	snprintf(l->text, sizeof(l->text), "%s", name);
	if (strncmp(name, "dir:", 4) != 0 && strncmp(name, "oci:", 4) != 0)
		return eaa_fail(err, EAA_E_INVALID, "\"%.200s\": want dir:PATH or "
				"oci:PATH[:REF]", name);
	snprintf(path, sizeof(path), "%s", name + 4);
	colon = name[0] == 'o' ? strchr(path, ':') : NULL;
	if (colon) {
		*colon = '\0';
		snprintf(l->oci_ref, sizeof(l->oci_ref), "%s", colon + 1);
	}
	/* policy scopes name the resolved directory, as containers/image does */
	if (!realpath(path, l->path))
		return eaa_fail(err, EAA_E_IO, "%s: no such directory", path);
	ok = name[0] == 'd' ? open_dir(l, path, err) :
	     open_oci(l, l->oci_ref[0] ? l->oci_ref : NULL, err);
	if (ok)
		digest_of(l->manifest, l->manifest_len, l->manifest_digest);
	else
		img_local_free(l);
	return ok;
}

void img_local_candidate(const struct img_local *l, struct img_candidate *c)
{
	memset(c, 0, sizeof(*c));
	c->transport = l->transport;
	c->text = l->text;
	c->path = l->path;
	c->oci_ref = l->oci_ref[0] ? l->oci_ref : NULL;
	c->manifest_digest = l->manifest_digest;
	img_sigs_candidate(&l->sigs, c);
}
