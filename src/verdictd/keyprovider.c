/* keyprovider.c - the ocicrypt key-provider protocol (see keyprovider.h). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "keyprovider.h"

#define IV_LEN 12
#define TAG_LEN 16
#define MAX_BYTES (16u * 1024u * 1024u)

const char *vd_kp_kid(const char *kid)
{
	const char *p;

	if (strncmp(kid, "kbs://", 6) != 0)
		return kid;
	p = strchr(kid + 6, '/'); /* after the (possibly empty) host */
	return p ? p + 1 : kid + 6;
}

/* A byte field: a base64 string (Go's []byte) or an array of numbers
 * (Rust's Vec<u8>). */
static bool bytes_of(json_t *v, const char *what, uint8_t **out, size_t *n,
		     struct eaa_err *err)
{
	size_t i;
	json_t *e;

	if (json_is_string(v)) {
		if (!base64_decode(json_string_value(v), false, out, n))
			return eaa_fail(err, EAA_E_FORMAT, "%s: not base64", what);
		return true;
	}
	if (!json_is_array(v) || json_array_size(v) > MAX_BYTES)
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: expected base64 text or an array of bytes", what);
	*n = json_array_size(v);
	*out = malloc(*n ? *n : 1);
	if (!*out)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	json_array_foreach(v, i, e) {
		json_int_t b = json_integer_value(e);

		if (!json_is_integer(e) || b < 0 || b > 255) {
			free(*out);
			return eaa_fail(err, EAA_E_FORMAT, "%s: element %zu is not a byte",
					what, i);
		}
		(*out)[i] = (uint8_t)b;
	}
	return true;
}

static bool gcm(bool enc, const uint8_t key[VD_KEY_LEN], const uint8_t iv[IV_LEN],
		const uint8_t *in, size_t n, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t body = enc ? n : n - TAG_LEN;
	int len = 0, fin;
	bool ok;

	if (!ctx || (!enc && n < TAG_LEN) || body > INT32_MAX) {
		EVP_CIPHER_CTX_free(ctx);
		return false;
	}
	ok = EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) == 1 &&
	     (body == 0 || EVP_CipherUpdate(ctx, out, &len, in, (int)body) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
					 (void *)(in + body)) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + len, &fin) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN, out + body) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

static bool key_for(struct vd_store *s, const char *kid, uint8_t key[VD_KEY_LEN],
		    struct eaa_err *err)
{
	if (!vd_key_get(s, vd_kp_kid(kid), key, err))
		return eaa_err_prefix(err, "key provider");
	return true;
}

static char *output(const char *member, const char *field, const uint8_t *p,
		    size_t n)
{
	char *b = base64_encode(p, n, false), *s = NULL;
	json_t *o = b ? json_pack("{s:{s:s}}", member, field, b) : NULL;

	if (o)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (b)
		OPENSSL_cleanse(b, strlen(b));
	free(b);
	return s;
}

static bool wrap(struct vd_store *s, const char *provider, json_t *params,
		 char **out, struct eaa_err *err)
{
	json_t *kids = json_object_get(json_object_get(json_object_get(params, "ec"),
						       "Parameters"), provider);
	uint8_t key[VD_KEY_LEN], iv[IV_LEN], *opts = NULL, *kidb = NULL, *ct = NULL;
	size_t optn, kidn;
	char *kid = NULL, *ivb = NULL, *ctb = NULL, *packet = NULL;
	json_t *p = NULL;
	bool ok = false;

	if (!json_is_array(kids) || json_array_size(kids) != 1)
		return eaa_fail(err, EAA_E_INVALID,
				"keywrap: ec.Parameters[\"%s\"] must hold exactly one kid "
				"(provider:%s:<kid>)", provider, provider);
	if (!bytes_of(json_array_get(kids, 0), "kid", &kidb, &kidn, err) ||
	    !bytes_of(json_object_get(params, "optsdata"), "optsdata", &opts, &optn, err))
		goto out;
	if (!(kid = strndup((char *)kidb, kidn)) || strlen(kid) != kidn) {
		eaa_fail(err, EAA_E_FORMAT, "keywrap: the kid is not text");
		goto out;
	}
	if (!key_for(s, kid, key, err))
		goto out;
	ct = malloc(optn + TAG_LEN);
	if (!ct || RAND_bytes(iv, IV_LEN) != 1 || !gcm(true, key, iv, opts, optn, ct)) {
		eaa_fail(err, EAA_E_CRYPTO, "keywrap: AES-256-GCM failed");
		goto wipe;
	}
	ivb = base64_encode(iv, IV_LEN, false);
	ctb = base64_encode(ct, optn + TAG_LEN, false);
	p = ivb && ctb ? json_pack("{s:s,s:s,s:s,s:s}", "kid", kid, "wrapped_data", ctb,
				    "iv", ivb, "wrap_type", "A256GCM") : NULL;
	packet = p ? json_dumps(p, JSON_COMPACT) : NULL;
	*out = packet ? output("keywrapresults", "annotation", (uint8_t *)packet,
			       strlen(packet)) : NULL;
	ok = *out != NULL;
	if (!ok)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
wipe:
	OPENSSL_cleanse(key, sizeof(key));
out:
	if (opts)
		OPENSSL_cleanse(opts, optn);
	free(opts);
	free(kidb);
	free(kid);
	free(ct);
	free(ivb);
	free(ctb);
	free(packet);
	json_decref(p);
	return ok;
}

static bool unwrap(struct vd_store *s, json_t *params, char **out,
		   struct eaa_err *err)
{
	uint8_t key[VD_KEY_LEN], *ann = NULL, *iv = NULL, *ct = NULL, *pt = NULL;
	size_t annn, ivn, ctn;
	json_t *p = NULL, *klen;
	json_error_t je;
	const char *kid, *type, *alg;
	bool ok = false;

	if (!bytes_of(json_object_get(params, "annotation"), "annotation", &ann, &annn, err))
		return false;
	p = json_loadb((char *)ann, annn, 0, &je);
	if (!json_is_object(p)) {
		eaa_fail(err, EAA_E_FORMAT, "keyunwrap: the annotation is not a JSON packet: %s",
			 p ? "another value" : je.text);
		goto out;
	}
	kid = json_string_value(json_object_get(p, "kid"));
	type = json_string_value(json_object_get(p, "wrap_type"));
	alg = json_string_value(json_object_get(p, "algorithm"));
	klen = json_object_get(p, "key_length");
	if (!kid || !((type && strcmp(type, "A256GCM") == 0) ||
		      (alg && strcmp(alg, "AES") == 0 && json_integer_value(klen) == 256))) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "keyunwrap: the packet needs a kid and "
			 "wrap_type A256GCM (or algorithm AES with key_length 256)");
		goto out;
	}
	if (!bytes_of(json_object_get(p, "iv"), "iv", &iv, &ivn, err) ||
	    !bytes_of(json_object_get(p, "wrapped_data"), "wrapped_data", &ct, &ctn, err))
		goto out;
	if (ivn != IV_LEN || ctn < TAG_LEN) {
		eaa_fail(err, EAA_E_FORMAT, "keyunwrap: iv must be %d bytes and wrapped_data "
			 "hold a %d-byte tag", IV_LEN, TAG_LEN);
		goto out;
	}
	if (!key_for(s, kid, key, err))
		goto out;
	pt = malloc(ctn - TAG_LEN + 1);
	if (!pt || !gcm(false, key, iv, ct, ctn, pt)) {
		eaa_fail(err, EAA_E_SIGNATURE, "keyunwrap: the wrapped key does not "
			 "authenticate under kid \"%s\"", kid);
		goto wipe;
	}
	*out = output("keyunwrapresults", "optsdata", pt, ctn - TAG_LEN);
	ok = *out != NULL;
	if (!ok)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	OPENSSL_cleanse(pt, ctn - TAG_LEN);
wipe:
	OPENSSL_cleanse(key, sizeof(key));
out:
	free(pt);
	free(ann);
	free(iv);
	free(ct);
	json_decref(p);
	return ok;
}

bool vd_kp_handle(struct vd_store *s, const char *provider, const char *in,
		  size_t n, char **out, struct eaa_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(in, n, 0, &je);
	const char *op = json_string_value(json_object_get(j, "op"));
	bool ok;

	*out = NULL;
	if (!json_is_object(j)) {
		json_decref(j);
		return eaa_fail(err, EAA_E_FORMAT, "key provider input is not a JSON object: %s",
				j ? "another value" : je.text);
	}
	if (op && strcmp(op, "keywrap") == 0)
		ok = wrap(s, provider, json_object_get(j, "keywrapparams"), out, err);
	else if (op && strcmp(op, "keyunwrap") == 0)
		ok = unwrap(s, json_object_get(j, "keyunwrapparams"), out, err);
	else
		ok = eaa_fail(err, EAA_E_INVALID, "key provider: op must be keywrap or "
			      "keyunwrap, not \"%s\"", op ? op : "");
	json_decref(j);
	return ok;
}
