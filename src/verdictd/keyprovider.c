/* keyprovider.c - the ocicrypt key-provider protocol (see keyprovider.h). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "codec.h"
#include "json_util.h"
#include "kp_packet.h"
#include "keyprovider.h"


/* A byte field of the key-provider input, named in errors. */
static bool bytes_of(json_t *v, const char *what, uint8_t **out, size_t *n,
		     struct eaa_err *err)
{
	if (!json_get_bytes(v, KP_MAX_BYTES, out, n))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: expected base64 text or an array of bytes", what);
	return true;
}

static bool key_for(struct vd_store *s, const char *kid, uint8_t key[VD_KEY_LEN],
		    struct eaa_err *err)
{
	if (!vd_key_get(s, kp_store_kid(kid), key, err))
		return eaa_err_prefix(err, "key provider");
	return true;
}

static bool wrap(struct vd_store *s, const char *provider, json_t *params,
		 char **out, struct eaa_err *err)
{
	json_t *kids = json_object_get(json_object_get(json_object_get(params, "ec"),
						       "Parameters"), provider);
	uint8_t key[VD_KEY_LEN], iv[KP_IV_LEN], *opts = NULL, *kidb = NULL, *ct = NULL;
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
	ct = malloc(optn + AES_GCM_TAG_LEN);
	if (!ct || RAND_bytes(iv, KP_IV_LEN) != 1 ||
	    !aes_gcm_seal(key, VD_KEY_LEN, iv, KP_IV_LEN, NULL, 0, opts, optn, ct,
			  ct + optn)) {
		eaa_fail(err, EAA_E_CRYPTO, "keywrap: AES-256-GCM failed");
		goto wipe;
	}
	ivb = base64_encode(iv, KP_IV_LEN, false);
	ctb = base64_encode(ct, optn + AES_GCM_TAG_LEN, false);
	p = ivb && ctb ? json_pack("{s:s,s:s,s:s,s:s}", "kid", kid, "wrapped_data", ctb,
				    "iv", ivb, "wrap_type", "A256GCM") : NULL;
	packet = p ? json_dumps(p, JSON_COMPACT) : NULL;
	*out = packet ? kp_output("keywrapresults", "annotation", (uint8_t *)packet,
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
	struct kp_packet pkt;
	uint8_t key[VD_KEY_LEN], *ann = NULL, *pt = NULL;
	size_t annn, ptn;
	bool ok = false;

	if (!bytes_of(json_object_get(params, "annotation"), "annotation", &ann, &annn, err))
		return false;
	if (!kp_packet_parse(ann, annn, &pkt, err)) {
		free(ann);
		return eaa_err_prefix(err, "keyunwrap");
	}
	if (!key_for(s, pkt.kid, key, err))
		goto out;
	ptn = pkt.wrapped_len - AES_GCM_TAG_LEN;
	pt = malloc(ptn + 1);
	if (!pt || !aes_gcm_open(key, VD_KEY_LEN, pkt.iv, KP_IV_LEN, NULL, 0,
				 pkt.wrapped, ptn, pkt.wrapped + ptn, pt)) {
		eaa_fail(err, EAA_E_SIGNATURE, "keyunwrap: the wrapped key does not "
			 "authenticate under kid \"%s\"", pkt.kid);
		goto wipe;
	}
	*out = kp_output("keyunwrapresults", "optsdata", pt, ptn);
	ok = *out != NULL;
	if (!ok)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	OPENSSL_cleanse(pt, ptn);
wipe:
	OPENSSL_cleanse(key, sizeof(key));
out:
	free(pt);
	free(ann);
	kp_packet_free(&pkt);
	return ok;
}

bool vd_kp_handle(struct vd_store *s, const char *provider, unsigned ops,
		  const char *in, size_t n, char **out, struct eaa_err *err)
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
	if (op && strcmp(op, "keywrap") == 0 && (ops & VD_KP_WRAP))
		ok = wrap(s, provider, json_object_get(j, "keywrapparams"), out, err);
	else if (op && strcmp(op, "keyunwrap") == 0 && (ops & VD_KP_UNWRAP))
		ok = unwrap(s, json_object_get(j, "keyunwrapparams"), out, err);
	else if (op && strcmp(op, "keyunwrap") == 0)
		ok = eaa_fail(err, EAA_E_REJECTED, "key provider: this provider only "
			      "wraps; layer keys are unwrapped by the attestation agent "
			      "after it attests to verdictd");
	else
		ok = eaa_fail(err, EAA_E_INVALID, "key provider: op must be keywrap or "
			      "keyunwrap, not \"%s\"", op ? op : "");
	json_decref(j);
	return ok;
}
