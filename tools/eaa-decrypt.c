/* eaa-decrypt - decrypt an ocicrypt-encrypted OCI image layout into a
 * plain one, with a local private key for `jwe:` recipients, or through
 * verdictd (the EAA protocol, attesting with our TEE) for layers wrapped by
 * its key provider:
 *
 *   eaa-decrypt --key private.pem SRC_LAYOUT DST_LAYOUT
 *   eaa-decrypt --verdictd IP:PORT --attester tdx_ecdsa --verifier V SRC DST
 *   eaa-decrypt --decryption-key provider:attestation-agent[:KBC::URI] \
 *               [--keyprovider-config FILE] SRC DST
 *
 * The last form does what `skopeo copy --decryption-key provider:...` does
 * with ocicrypt 1.1: the key provider named in OCICRYPT_KEYPROVIDER_CONFIG
 * (gRPC or cmd; our attestation-agent, typically) unwraps each layer key.
 *
 * Every blob read is checked against its digest; every encrypted layer's
 * HMAC (and plaintext digest, when its options name one) is checked before
 * the layer is kept. The new layout is built in a temporary directory next
 * to DST and renamed into place only when everything verified: on any
 * error there is no DST at all. Exit 0 on success, 1 with one line on
 * stderr, 2 on a usage error. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "codec.h"
#include "file.h"
#include "eaa_kbc.h"
#include "kp_client.h"
#include "ocicrypt.h"

#define MAX_JSON (16u * 1024u * 1024u)
static const char *prog = "eaa-decrypt";

struct layout {
	const char *src;
	char tmp[4096];
	EVP_PKEY *key;               /* jwe: recipients, or NULL */
	struct aa_eaa_conf broker;   /* provider layers, when addr is set */
	struct aa_eaa *eaa;          /* connected on first use, then reused */
	struct aa_kp_provider kp;    /* provider layers through a key provider */
	char provider_ann[128];
};

/* The private options of a layer, from whichever packet we can open. */
static bool layer_opts(struct layout *l, json_t *ann, uint8_t **opts, size_t *optsn,
		       struct eaa_err *err)
{
	const char *jwe = json_string_value(json_object_get(ann, AA_ANN_JWE));
	const char *prov = json_string_value(json_object_get(ann, l->provider_ann));

	if (prov && (l->kp.grpc || l->kp.cmd))
		return aa_kp_unwrap_annotation(&l->kp, prov, opts, optsn, err);
	if (prov && l->broker.addr) {
		if (!l->eaa && !(l->eaa = aa_eaa_connect(&l->broker, err)))
			return false;
		return aa_eaa_unwrap_annotation(l->eaa, prov, opts, optsn, err);
	}
	if (jwe && l->key)
		return aa_jwe_annotation_unwrap(jwe, l->key, opts, optsn, err);
	return eaa_fail(err, EAA_E_UNSUPPORTED, "no key packet we can open: %s%s%s",
			jwe ? "a jwe packet needs --key" : "",
			jwe && prov ? "; " : "",
			prov ? "a key-provider packet needs --decryption-key provider:... "
			"or --verdictd" :
			jwe ? "" : "neither jwe nor key-provider packets");
}

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	return remove(p);
}

/* "sha256:<64 hex>" -> the blob's path; false for any other digest. */
static bool blob_path(char *out, size_t len, const char *dir, const char *digest)
{
	size_t i;

	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 71)
		return false;
	for (i = 7; i < 71; i++)
		if (hex_digit(digest[i]) < 0 || (digest[i] >= 'A' && digest[i] <= 'F'))
			return false;
	return (size_t)snprintf(out, len, "%s/blobs/sha256/%s", dir, digest + 7) < len;
}

/* The digest of a file, "sha256:<hex>". */
static bool file_digest(const char *path, char out[72], struct eaa_err *err)
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	ssize_t got;
	char *hex;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		if (fd >= 0)
			close(fd);
		EVP_MD_CTX_free(ctx);
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	}
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)got);
	close(fd);
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	if (got < 0 || !(hex = hex_encode(md, n)))
		return eaa_fail(err, EAA_E_IO, "%s: read failed", path);
	snprintf(out, 72, "sha256:%s", hex);
	free(hex);
	return true;
}

/* Copy a blob from SRC to the new layout after checking its digest. */
static bool copy_blob(struct layout *l, const char *digest, struct eaa_err *err)
{
	char from[4200], to[4200], got[72];
	uint8_t *buf;
	size_t n;
	bool ok;

	if (!blob_path(from, sizeof(from), l->src, digest) ||
	    !blob_path(to, sizeof(to), l->tmp, digest))
		return eaa_fail(err, EAA_E_FORMAT, "unsupported digest \"%.80s\"", digest);
	if (!file_digest(from, got, err))
		return false;
	if (strcmp(got, digest) != 0)
		return eaa_fail(err, EAA_E_SIGNATURE, "blob %s has digest %s", digest, got);
	if (!file_read(from, 1ul << 34, &buf, &n, err))
		return false;
	ok = file_write_atomic(to, buf, n, 0644, err);
	free(buf);
	return ok;
}

/* A JSON blob (manifest), digest checked. */
static json_t *read_json_blob(struct layout *l, const char *digest, struct eaa_err *err)
{
	char path[4200], got[72];
	json_error_t je;
	uint8_t *buf;
	size_t n;
	json_t *j;

	if (!blob_path(path, sizeof(path), l->src, digest)) {
		eaa_fail(err, EAA_E_FORMAT, "unsupported digest \"%.80s\"", digest ? digest : "");
		return NULL;
	}
	if (!file_digest(path, got, err))
		return NULL;
	if (strcmp(got, digest) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "blob %s has digest %s", digest, got);
		return NULL;
	}
	if (!file_read(path, MAX_JSON, &buf, &n, err))
		return NULL;
	j = json_loadb((char *)buf, n, 0, &je);
	free(buf);
	if (!j)
		eaa_fail(err, EAA_E_FORMAT, "blob %s: %s", digest, je.text);
	return j;
}

/* Write a JSON document as a blob; its descriptor's digest and size. */
static bool write_json_blob(struct layout *l, json_t *j, char digest[72], size_t *size,
			    struct eaa_err *err)
{
	char *text = json_dumps(j, JSON_COMPACT), path[4200], *hex;
	unsigned char md[32];
	bool ok;

	if (!text)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	*size = strlen(text);
	EVP_Digest(text, *size, md, NULL, EVP_sha256(), NULL);
	hex = hex_encode(md, 32);
	snprintf(digest, 72, "sha256:%s", hex ? hex : "");
	free(hex);
	ok = blob_path(path, sizeof(path), l->tmp, digest) &&
	     file_write_atomic(path, text, *size, 0644, err);
	free(text);
	return ok;
}

/* One encrypted layer: unwrap its key, decrypt into staging, keep it only
 * when it verified (the blob's digest first, then the layer's HMAC and
 * plain digest), and rewrite its descriptor. The blob's digest is computed
 * in the same pass as the decryption (aa_layer_decrypt). */
static bool decrypt_layer(struct layout *l, json_t *desc, struct eaa_err *err)
{
	json_t *ann = json_object_get(desc, "annotations");
	const char *pub = json_string_value(json_object_get(ann, AA_ANN_PUBOPTS));
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	const char *mt = json_string_value(json_object_get(desc, "mediaType"));
	char from[4200], stage[4200], to[4200], plain[72], blob[72] = "", *newmt;
	uint8_t *opts = NULL;
	size_t optsn = 0;
	uint64_t size;
	int in = -1, out = -1;
	bool ok = false;
	bool decrypted;

	if (!blob_path(from, sizeof(from), l->src, digest))
		return eaa_fail(err, EAA_E_FORMAT, "layer: unsupported digest");
	stage[0] = '\0';
	decrypted = layer_opts(l, ann, &opts, &optsn, err);
	if (!decrypted) {
		eaa_err_prefix(err, "layer %.19s", digest);
	} else {
		snprintf(stage, sizeof(stage), "%s/blobs/sha256/.staging-XXXXXX", l->tmp);
		in = open(from, O_RDONLY | O_CLOEXEC);
		out = mkstemp(stage);
		if (out < 0)
			stage[0] = '\0';
		if (in < 0 || out < 0)
			decrypted = eaa_fail(err, EAA_E_IO, "layer %.19s: %s", digest,
					     strerror(errno));
		else if (!(decrypted = aa_layer_decrypt(in, out, opts, optsn, pub, plain,
							blob, &size, err)))
			eaa_err_prefix(err, "layer %.19s", digest);
	}
	/* the blob must be the one the manifest names, whatever else failed
	 * once it was read */
	if (blob[0] && strcmp(blob, digest) != 0) {
		eaa_fail(err, EAA_E_SIGNATURE, "layer %s has digest %s", digest, blob);
		goto done;
	}
	if (!decrypted)
		goto done;
	if (fsync(out) != 0 || !blob_path(to, sizeof(to), l->tmp, plain) ||
	    rename(stage, to) != 0) {
		eaa_fail(err, EAA_E_IO, "layer %.19s: cannot commit: %s", digest, strerror(errno));
		goto done;
	}
	stage[0] = '\0';
	newmt = strndup(mt, strlen(mt) - strlen("+encrypted"));
	json_object_set_new(desc, "mediaType", json_string(newmt));
	free(newmt);
	json_object_set_new(desc, "digest", json_string(plain));
	json_object_set_new(desc, "size", json_integer((json_int_t)size));
	/* drop org.opencontainers.image.enc.* annotations */
	{
		const char *key;
		json_t *v, *keep = json_object();

		json_object_foreach(ann, key, v)
			if (strncmp(key, "org.opencontainers.image.enc.", 29) != 0)
				json_object_set(keep, key, v);
		if (json_object_size(keep))
			json_object_set_new(desc, "annotations", keep);
		else {
			json_decref(keep);
			json_object_del(desc, "annotations");
		}
	}
	ok = true;
done:
	if (opts)
		OPENSSL_cleanse(opts, optsn);
	free(opts);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (stage[0] && out >= 0)
		unlink(stage);
	return ok;
}

static bool decrypt_manifest(struct layout *l, json_t *desc, struct eaa_err *err)
{
	const char *digest = json_string_value(json_object_get(desc, "digest"));
	json_t *m = read_json_blob(l, digest, err), *layers, *layer;
	char newdigest[72];
	size_t i, size = 0;
	bool ok = m != NULL;

	if (!m)
		return false;
	layers = json_object_get(m, "layers");
	if (!json_is_array(layers) ||
	    !copy_blob(l, json_string_value(json_object_get(json_object_get(m, "config"),
							     "digest")), err)) {
		if (!json_is_array(layers))
			eaa_fail(err, EAA_E_FORMAT, "manifest %s has no layers", digest);
		json_decref(m);
		return false;
	}
	json_array_foreach(layers, i, layer) {
		const char *mt = json_string_value(json_object_get(layer, "mediaType"));
		size_t mtn = mt ? strlen(mt) : 0;

		if (mtn > 10 && strcmp(mt + mtn - 10, "+encrypted") == 0)
			ok = decrypt_layer(l, layer, err);
		else
			ok = copy_blob(l, json_string_value(json_object_get(layer, "digest")), err);
		if (!ok)
			break;
	}
	ok = ok && write_json_blob(l, m, newdigest, &size, err);
	if (ok) {
		json_object_set_new(desc, "digest", json_string(newdigest));
		json_object_set_new(desc, "size", json_integer((json_int_t)size));
	}
	json_decref(m);
	return ok;
}

static bool run(struct layout *l, const char *dst, struct eaa_err *err)
{
	char path[4200];
	json_error_t je;
	json_t *index, *manifests, *desc;
	uint8_t *buf;
	size_t n, i;
	char *text;
	bool ok;

	snprintf(path, sizeof(path), "%s/index.json", l->src);
	if (!file_read(path, MAX_JSON, &buf, &n, err))
		return false;
	index = json_loadb((char *)buf, n, 0, &je);
	free(buf);
	manifests = json_object_get(index, "manifests");
	if (!json_is_array(manifests)) {
		json_decref(index);
		return eaa_fail(err, EAA_E_FORMAT, "%s: not an OCI index", path);
	}
	snprintf(path, sizeof(path), "%s/blobs", l->tmp);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/blobs/sha256", l->tmp);
	mkdir(path, 0755);
	ok = true;
	json_array_foreach(manifests, i, desc)
		if (!(ok = decrypt_manifest(l, desc, err)))
			break;
	text = ok ? json_dumps(index, JSON_COMPACT) : NULL;
	json_decref(index);
	if (!ok)
		return false;
	snprintf(path, sizeof(path), "%s/index.json", l->tmp);
	ok = text && file_write_atomic(path, text, strlen(text), 0644, err);
	free(text);
	snprintf(path, sizeof(path), "%s/oci-layout", l->tmp);
	ok = ok && file_write_atomic(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30, 0644, err);
	if (ok && rename(l->tmp, dst) != 0)
		ok = eaa_fail(err, EAA_E_IO, "%s: %s", dst, strerror(errno));
	return ok;
}

int main(int argc, char **argv)
{
	enum { O_VERDICTD = 0x100, O_ATTESTER, O_VERIFIER, O_INSECURE, O_SAMPLE_KEY,
	       O_PROVIDER, O_DECRYPTION_KEY, O_KP_CONFIG };
	static const struct option longs[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "verdictd", required_argument, NULL, O_VERDICTD },
		{ "attester", required_argument, NULL, O_ATTESTER },
		{ "verifier", required_argument, NULL, O_VERIFIER },
		{ "insecure-broker", no_argument, NULL, O_INSECURE },
		{ "sample-key", required_argument, NULL, O_SAMPLE_KEY },
		{ "option", required_argument, NULL, 'o' },
		{ "provider", required_argument, NULL, O_PROVIDER },
		{ "decryption-key", required_argument, NULL, O_DECRYPTION_KEY },
		{ "keyprovider-config", required_argument, NULL, O_KP_CONFIG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] =
		"Usage: %s [--key PRIVATE.pem] [--verdictd IP:PORT --attester NAME\n"
		"       (--verifier NAME | --insecure-broker) [--sample-key FILE] [-o K=V]\n"
		"       [--provider NAME]]\n"
		"       [--decryption-key provider:NAME[:KBC::URI] [--keyprovider-config F]]\n"
		"       SRC_LAYOUT DST_LAYOUT\n";
	struct layout l = { 0 };
	const char *keyfile = NULL, *opts[34] = { NULL }, *provider = "attestation-agent";
	const char *dkey = NULL, *kp_config = NULL;
	char *owned[32];
	size_t nopts = 0, i;
	struct eaa_err err;
	FILE *f;
	int c;

	while ((c = getopt_long(argc, argv, "k:o:h", longs, NULL)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case O_VERDICTD: l.broker.addr = optarg; break;
		case O_ATTESTER: l.broker.attester = optarg; break;
		case O_VERIFIER: l.broker.verifier = optarg; break;
		case O_INSECURE: l.broker.insecure_broker = true; break;
		case O_PROVIDER: provider = optarg; break;
		case O_DECRYPTION_KEY: dkey = optarg; break;
		case O_KP_CONFIG: kp_config = optarg; break;
		case O_SAMPLE_KEY:
		case 'o':
			if (nopts == 32)
				return 2;
			if (asprintf(&owned[nopts], "%s%s", c == 'o' ? "" : "sample.key=",
				     optarg) < 0)
				return 1;
			opts[nopts] = owned[nopts];
			nopts++;
			break;
		default:
			printf(usage, prog);
			return c == 'h' ? 0 : 2;
		}
	}
	if ((!keyfile && !l.broker.addr && !dkey) || argc - optind != 2 ||
	    (dkey && strncmp(dkey, "provider:", 9) != 0)) {
		fprintf(stderr, usage, prog);
		return 2;
	}
	if (dkey) {
		/* provider:<name>[:<dc parameters>], as ocicrypt splits it */
		char name[128];
		const char *colon = strchr(dkey + 9, ':');

		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - dkey - 9) :
			 (int)strlen(dkey + 9), dkey + 9);
		provider = name;
		if (!aa_kp_provider_load(&l.kp, kp_config, name, colon ? colon + 1 : NULL,
					 &err)) {
			fprintf(stderr, "%s: %s\n", prog, err.msg);
			return 1;
		}
		provider = l.kp.name;
	}
	l.broker.options = opts;
	snprintf(l.provider_ann, sizeof(l.provider_ann),
		 "org.opencontainers.image.enc.keys.provider.%s", provider);
	l.src = argv[optind];
	if (keyfile) {
		if (!(f = fopen(keyfile, "r")) ||
		    !(l.key = PEM_read_PrivateKey(f, NULL, NULL, NULL))) {
			fprintf(stderr, "%s: %s: not a readable PEM private key\n", prog, keyfile);
			if (f)
				fclose(f);
			return 1;
		}
		fclose(f);
	}
	if (access(argv[optind + 1], F_OK) == 0) {
		fprintf(stderr, "%s: %s exists; not overwriting it\n", prog, argv[optind + 1]);
		return 1;
	}
	snprintf(l.tmp, sizeof(l.tmp), "%s.tmp-XXXXXX", argv[optind + 1]);
	if (!mkdtemp(l.tmp)) {
		fprintf(stderr, "%s: %s: %s\n", prog, l.tmp, strerror(errno));
		return 1;
	}
	c = run(&l, argv[optind + 1], &err) ? 0 : 1;
	if (c) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		nftw(l.tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	}
	aa_eaa_close(l.eaa);
	aa_kp_provider_free(&l.kp);
	EVP_PKEY_free(l.key);
	for (i = 0; i < nopts; i++)
		free(owned[i]);
	return c;
}
