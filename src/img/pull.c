/* pull.c - docker:// images into a root file system (see pull.h). The
 * order is the point: nothing of an image is unpacked before the policy
 * admitted its manifest, and nothing is unpacked from a layer whose digest
 * (and, when encrypted, HMAC) did not verify. The policy is checked on
 * every pull: there is no cache that skips it. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "codec.h"
#include "local.h"
#include "ocicrypt.h"
#include "pb.h"
#include "unary.h"
#include "pull.h"
#include "registries.h"
#include "unpack.h"

#define MAX_SIG (4u * 1024u * 1024u)
#define SIMPLESIGNING_TYPE "application/vnd.dev.cosign.simplesigning.v1+json"
#define DEFAULT_LOOKASIDE "file:///var/lib/containers/sigstore"

static bool is_index(const char *mt)
{
	return strcmp(mt, "application/vnd.oci.image.index.v1+json") == 0 ||
	       strcmp(mt, "application/vnd.docker.distribution.manifest.list.v2+json") == 0;
}

static const char *media_type(json_t *m, const char *header)
{
	const char *mt = json_string_value(json_object_get(m, "mediaType"));

	return mt ? mt : header;
}

/* Go's names for this machine's architecture. */
static const char *our_arch(void)
{
	static struct utsname u;

	if (uname(&u) != 0)
		return "amd64";
	if (strcmp(u.machine, "x86_64") == 0)
		return "amd64";
	if (strcmp(u.machine, "aarch64") == 0)
		return "arm64";
	return u.machine;
}

int img_manifest_platform(const uint8_t *body, size_t n, const char *ctype, const char *os,
			  const char *arch, char chosen[80], struct eaa_err *err)
{
	json_error_t je;
	json_t *m = json_loadb((const char *)body, n, 0, &je), *e;
	const char *d;
	size_t i;
	int rc = -1;

	chosen[0] = '\0';
	if (!json_is_object(m)) {
		eaa_fail(err, EAA_E_FORMAT, "the manifest is not a JSON object");
	} else if (!is_index(media_type(m, ctype))) {
		rc = 0;
	} else {
		json_array_foreach(json_object_get(m, "manifests"), i, e) {
			json_t *p = json_object_get(e, "platform");
			const char *pos = json_string_value(json_object_get(p, "os"));
			const char *parch = json_string_value(json_object_get(p, "architecture"));

			d = json_string_value(json_object_get(e, "digest"));
			if (d && pos && parch && strcmp(pos, os) == 0 && strcmp(parch, arch) == 0 &&
			    strlen(d) == 71 && strncmp(d, "sha256:", 7) == 0) {
				snprintf(chosen, 80, "%s", d);
				rc = 1;
				break;
			}
		}
		if (rc < 0)
			eaa_fail(err, EAA_E_INVALID, "no image for %s/%s in the index", os, arch);
	}
	json_decref(m);
	return rc;
}

/* The manifest for our platform: the image's own, or its index's entry. */
static bool fetch_manifest(struct img_registry *r, const struct img_pull_opts *o,
			   const char *image, uint8_t **body, size_t *n, char digest[80],
			   struct eaa_err *err)
{
	const char *os = o->os ? o->os : "linux", *arch = o->arch ? o->arch : our_arch();
	char *ctype = NULL, chosen[80];
	unsigned char md[32];
	long status;
	char *hex;
	int rc;

	if (!img_registry_manifest(r, NULL, body, n, &ctype, &status, err))
		return false;
	rc = img_manifest_platform(*body, *n, ctype, os, arch, chosen, err);
	free(ctype);
	ctype = NULL;
	if (rc == 1) {
		free(*body);
		*body = NULL;
		if (!img_registry_manifest(r, chosen, body, n, &ctype, &status, err))
			return false;
		rc = img_manifest_platform(*body, *n, ctype, os, arch, chosen, err);
		free(ctype);
		if (rc != 0)
			return eaa_fail(err, EAA_E_FORMAT, "%s: the index entry for %s/%s is not "
					"an image manifest", image, os, arch);
	}
	if (rc < 0)
		return eaa_err_prefix(err, "%s", image);
	EVP_Digest(*body, *n, md, NULL, EVP_sha256(), NULL);
	hex = hex_encode(md, 32);
	snprintf(digest, 80, "sha256:%s", hex ? hex : "");
	free(hex);
	return true;
}

/* Lookaside signatures 1..N, until the first absent one. */
static bool lookaside_sigs(const char *base, const struct img_ref *ref, const char *digest,
			   bool tls_verify, struct img_sigs *sigs, struct eaa_err *err)
{
	char url[4096];

	for (int i = 1; i <= IMG_MAX_SIGS; i++) {
		uint8_t *blob;
		size_t n;
		long status = 0;

		if (!img_lookaside_url(base, ref, digest, i, url, sizeof(url)))
			return eaa_fail(err, EAA_E_CONFIG, "lookaside URL too long");
		if (!img_fetch_url(url, tls_verify, MAX_SIG, &blob, &n, &status, err))
			return false;
		if (status == 404)
			return true;
		if (status != 200) {
			free(blob);
			return eaa_fail(err, EAA_E_IO, "%s: HTTP %ld", url, status);
		}
		if (!img_sigs_add_blob(sigs, blob, n, url, err))
			return false;
	}
	return true;
}

/* Sigstore attachments: the OCI manifest tagged sha256-<hex>.sig. */
static bool attachment_sigs(struct img_registry *r, const char *digest, struct img_sigs *sigs,
			    struct eaa_err *err)
{
	char tag[90], *ctype = NULL;
	uint8_t *body = NULL;
	size_t n, i;
	long status = 0;
	json_error_t je;
	json_t *m, *l;
	bool ok = true;

	snprintf(tag, sizeof(tag), "sha256-%s.sig", digest + 7);
	if (!img_registry_manifest(r, tag, &body, &n, &ctype, &status, err))
		return status == 404; /* none */
	m = json_loadb((char *)body, n, 0, &je);
	if (strcmp(media_type(m, ctype), "application/vnd.oci.image.manifest.v1+json") != 0)
		ok = eaa_fail(err, EAA_E_FORMAT, "signature attachment %s: not an OCI manifest", tag);
	json_array_foreach(json_object_get(m, "layers"), i, l) {
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *sig = json_string_value(json_object_get(
			json_object_get(l, "annotations"), "dev.cosignproject.cosign/signature"));
		uint8_t *payload;
		size_t pn;

		if (!ok || !mt || strcmp(mt, SIMPLESIGNING_TYPE) != 0)
			continue;
		if (!d || !sig) {
			ok = eaa_fail(err, EAA_E_FORMAT, "signature attachment %s: layer %zu has no "
				      "digest or signature", tag, i);
			break;
		}
		ok = img_registry_blob_mem(r, d, MAX_SIG, &payload, &pn, err) &&
		     img_sigs_add_sigstore(sigs, payload, pn, sig, err);
	}
	json_decref(m);
	free(body);
	free(ctype);
	return ok;
}

/* A resource through the agent's GetResource {1: ResourcePath}. */
static bool fetch_resource(void *arg, const char *uri, uint8_t **out, size_t *n,
			   struct eaa_err *err)
{
	const char *addr = arg;
	struct wr req;
	uint8_t *reply = NULL;
	const uint8_t *data;
	size_t rn;
	bool ok = false;

	if (!addr)
		return eaa_fail(err, EAA_E_CONFIG, "%s: a broker resource needs the agent's "
				"address (--getresource)", uri);
	wr_init(&req);
	pb_put_bytes(&req, 1, uri, strlen(uri));
	if (!req.failed &&
	    grpc_unary_call(addr, "/getresource.GetResourceService/GetResource", req.buf,
			    req.len, 120, &reply, &rn, err)) {
		if (!pb_get_bytes(reply, rn, 1, &data, n) || !(*out = malloc(*n + 1)))
			eaa_fail(err, EAA_E_FORMAT, "%s: not a GetResourceResponse", uri);
		else
			ok = (memcpy(*out, data, *n), true);
	} else if (req.failed) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	free(reply);
	wr_free(&req);
	return ok;
}

static struct img_policy *load_policy(const struct img_pull_opts *o, struct eaa_err *err)
{
	struct img_policy *p;
	uint8_t *raw;
	size_t n;

	if (strncmp(o->policy, "kbs://", 6) != 0) {
		p = img_policy_load(o->policy, err);
	} else {
		if (!fetch_resource((void *)o->getresource, o->policy, &raw, &n, err))
			return NULL;
		p = img_policy_parse((char *)raw, n, o->policy, err);
		free(raw);
	}
	if (p && !img_policy_resolve_keys(p, fetch_resource, (void *)o->getresource, err)) {
		img_policy_free(p);
		p = NULL;
	}
	return p;
}

static struct img_registries *load_registries(const struct img_pull_opts *o,
					      struct eaa_err *err)
{
	struct img_registries *rd;
	uint8_t *raw;
	size_t n;

	if (!o->registries_d || strncmp(o->registries_d, "kbs://", 6) != 0)
		return img_registries_load(o->registries_d ? o->registries_d :
					   "/etc/containers/registries.d", err);
	if (!fetch_resource((void *)o->getresource, o->registries_d, &raw, &n, err))
		return NULL;
	rd = img_registries_parse((char *)raw, n, o->registries_d, err);
	free(raw);
	return rd;
}

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return remove(p);
}

/* An encrypted layer's plaintext into plain (staging), its options from
 * the key provider; *digest becomes the plaintext's. */
static bool decrypt_layer(json_t *desc, const char *enc, const char *plain,
			  const struct img_pull_opts *o, char digest[80], struct eaa_err *err)
{
	json_t *ann = json_object_get(desc, "annotations");
	char key[200];
	const char *packets, *pub;
	uint8_t *opts = NULL;
	size_t optsn = 0;
	uint64_t size;
	int in, out;
	bool ok;

	if (!o->kp)
		return eaa_fail(err, EAA_E_CONFIG, "the layer is encrypted: give "
				"--decryption-key provider:<name>");
	snprintf(key, sizeof(key), "org.opencontainers.image.enc.keys.provider.%s", o->kp->name);
	packets = json_string_value(json_object_get(ann, key));
	pub = json_string_value(json_object_get(ann, AA_ANN_PUBOPTS));
	if (!packets)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "the layer has no key packet for "
				"provider %s", o->kp->name);
	if (!aa_kp_unwrap_annotation(o->kp, packets, &opts, &optsn, err))
		return false;
	in = open(enc, O_RDONLY | O_CLOEXEC);
	out = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok = in >= 0 && out >= 0 &&
	     aa_layer_decrypt(in, out, opts, optsn, pub, digest, NULL, &size, err);
	if (in < 0 || out < 0)
		eaa_fail(err, EAA_E_IO, "%s: %s", in < 0 ? enc : plain, strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	OPENSSL_cleanse(opts, optsn);
	free(opts);
	return ok;
}

/* Every layer fetched (and decrypted) into work, then unpacked. */
/* A local blob is what its descriptor says, before it is decrypted. */
static bool local_blob_ok(const char *path, const char *digest, json_int_t size,
			  struct eaa_err *err)
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char got[80], *hex;
	uint64_t total = 0;
	ssize_t n = 0;

	if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		if (fd >= 0)
			close(fd);
		EVP_MD_CTX_free(ctx);
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	close(fd);
	EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	hex = hex_encode(md, 32);
	snprintf(got, sizeof(got), "sha256:%s", hex ? hex : "");
	free(hex);
	if (n < 0 || strcmp(got, digest) != 0 || total != (uint64_t)size)
		return eaa_fail(err, EAA_E_SIGNATURE, "blob %.19s: the file has digest %s and "
				"%llu bytes", digest, got, (unsigned long long)total);
	return true;
}

static bool layers_to_rootfs(struct img_registry *r, const struct img_local *loc, json_t *m,
			     const char *work, const char *rootfs,
			     const struct img_pull_opts *o, struct eaa_err *err)
{
	json_t *layers = json_object_get(m, "layers"), *l;
	size_t n = json_array_size(layers), i;
	struct img_layer *ul = calloc(n ? n : 1, sizeof(*ul));
	char (*paths)[PATH_MAX] = calloc(n ? n : 1, PATH_MAX);
	char (*digests)[80] = calloc(n ? n : 1, 80);
	bool ok = ul && paths && digests;

	if (!ok)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (ok && (!json_is_array(layers) || n == 0))
		ok = eaa_fail(err, EAA_E_FORMAT, "the manifest has no layers");
	json_array_foreach(layers, i, l) {
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		json_int_t size = json_integer_value(json_object_get(l, "size"));
		char blob[PATH_MAX];
		bool encrypted;
		int fd;

		if (!ok)
			break;
		if (!d || strlen(d) != 71 || strncmp(d, "sha256:", 7) != 0 ||
		    !json_is_integer(json_object_get(l, "size")) || size < 0) {
			ok = eaa_fail(err, EAA_E_FORMAT, "layer %zu: needs a sha256 digest and a "
				      "size", i + 1);
			break;
		}
		encrypted = mt && strlen(mt) > 10 && strcmp(mt + strlen(mt) - 10, "+encrypted") == 0;
		if (r) {
			snprintf(blob, sizeof(blob), "%s/%zu.blob", work, i);
			fd = open(blob, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
			ok = fd >= 0 ? img_registry_blob(r, d, size, fd, d, err) :
			     eaa_fail(err, EAA_E_IO, "%s: %s", blob, strerror(errno));
			if (fd >= 0 && close(fd) != 0)
				ok = eaa_fail(err, EAA_E_IO, "%s: %s", blob, strerror(errno));
		} else {
			/* unpack checks a plain layer's digest as it reads */
			snprintf(blob, sizeof(blob), loc->transport == IMG_T_DIR ? "%s/%s" :
				 "%s/blobs/sha256/%s", loc->path, d + 7);
			ok = !encrypted || local_blob_ok(blob, d, size, err);
		}
		if (!ok) {
			eaa_err_prefix(err, "layer %zu", i + 1);
			break;
		}
		if (encrypted) {
			snprintf(paths[i], PATH_MAX, "%s/%zu.plain", work, i);
			if (!(ok = decrypt_layer(l, blob, paths[i], o, digests[i], err))) {
				eaa_err_prefix(err, "layer %zu (%.19s)", i + 1, d);
				break;
			}
		} else {
			snprintf(paths[i], PATH_MAX, "%s", blob);
			snprintf(digests[i], 80, "%s", d);
		}
		ul[i].path = paths[i];
		ul[i].digest = digests[i];
	}
	ok = ok && img_unpack(ul, n, rootfs, err);
	free(ul);
	free(paths);
	free(digests);
	return ok;
}

/* dir: and oci: images: the same policy check and layers, from disk. */
static bool pull_local(const char *image, const char *rootfs, const struct img_pull_opts *o,
		       const char *work, struct eaa_err *err)
{
	struct img_policy *p = load_policy(o, err);
	struct img_local l;
	struct img_candidate c;
	json_error_t je;
	json_t *m;
	bool ok;

	if (!p)
		return false;
	if (!img_local_open(image, &l, err)) {
		img_policy_free(p);
		return false;
	}
	img_local_candidate(&l, &c);
	m = json_loadb((char *)l.manifest, l.manifest_len, 0, &je);
	ok = img_policy_check(p, &c, err) &&
	     (layers_to_rootfs(NULL, &l, m, work, rootfs, o, err) ||
	      eaa_err_prefix(err, "%s", image));
	json_decref(m);
	img_local_free(&l);
	img_policy_free(p);
	return ok;
}

bool img_pull(const char *image, const char *rootfs, const struct img_pull_opts *o,
	      struct eaa_err *err)
{
	struct img_ref ref;
	struct img_policy *p = NULL;
	struct img_registries *rd = NULL;
	struct img_registry *r = NULL;
	struct img_sigs sigs;
	struct img_candidate c;
	uint8_t *manifest = NULL;
	size_t mn;
	char digest[80], work[PATH_MAX];
	const char *base;
	json_error_t je;
	json_t *m = NULL;
	bool ok = false;

	memset(&sigs, 0, sizeof(sigs));
	work[0] = '\0';
	if (access(rootfs, F_OK) == 0)
		return eaa_fail(err, EAA_E_INVALID, "%s exists; not pulling over it", rootfs);
	if (strncmp(image, "dir:", 4) == 0 || strncmp(image, "oci:", 4) == 0) {
		snprintf(work, sizeof(work), "%s.blobs-XXXXXX", rootfs);
		if (!mkdtemp(work))
			return eaa_fail(err, EAA_E_IO, "cannot create a work directory beside %s",
					rootfs);
		ok = pull_local(image, rootfs, o, work, err);
		nftw(work, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
		return ok;
	}
	if (strncmp(image, "docker://", 9) != 0)
		return eaa_fail(err, EAA_E_INVALID, "\"%.200s\": want docker://NAME[:TAG|@DIGEST], "
				"dir:PATH or oci:PATH[:REF]", image);
	if (!img_ref_parse(image + 9, true, &ref, err) ||
	    !(p = load_policy(o, err)) ||
	    !(rd = load_registries(o, err)) ||
	    !(r = img_registry_open(&ref, &o->reg, err)))
		goto out;
	base = img_registries_lookaside(rd, &ref);
	if (!fetch_manifest(r, o, image, &manifest, &mn, digest, err) ||
	    !lookaside_sigs(base ? base : DEFAULT_LOOKASIDE, &ref, digest, o->reg.tls_verify,
			    &sigs, err) ||
	    (img_registries_attachments(rd, &ref) && !attachment_sigs(r, digest, &sigs, err))) {
		if (!strstr(err->msg, image + 9)) /* the reference, with or without docker:// */
			eaa_err_prefix(err, "%s", image);
		goto out;
	}
	memset(&c, 0, sizeof(c));
	c.transport = IMG_T_DOCKER;
	c.text = image;
	c.ref = &ref;
	c.manifest_digest = digest;
	img_sigs_candidate(&sigs, &c);
	if (!img_policy_check(p, &c, err))
		goto out;
	m = json_loadb((char *)manifest, mn, 0, &je);
	snprintf(work, sizeof(work), "%s.blobs-XXXXXX", rootfs);
	if (!mkdtemp(work)) {
		work[0] = '\0';
		eaa_fail(err, EAA_E_IO, "cannot create a work directory beside %s", rootfs);
		goto out;
	}
	ok = layers_to_rootfs(r, NULL, m, work, rootfs, o, err);
	if (!ok)
		eaa_err_prefix(err, "%s", image);
out:
	if (work[0])
		nftw(work, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	json_decref(m);
	free(manifest);
	img_sigs_free(&sigs);
	img_registry_close(r);
	img_registries_free(rd);
	img_policy_free(p);
	return ok;
}
