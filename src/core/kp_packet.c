/* kp_packet.c - ocicrypt key-provider packets (see kp_packet.h). */
#include <jansson.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "bytes.h"
#include "codec.h"
#include "json_util.h"
#include "kp_packet.h"

const char *kp_store_kid(const char *kid)
{
	const char *p;

	if (strncmp(kid, "kbs://", 6) != 0)
		return kid;
	p = strchr(kid + 6, '/'); /* after the (possibly empty) host */
	return p ? p + 1 : kid + 6;
}

void kp_packet_free(struct kp_packet *pkt)
{
	free(pkt->kid);
	free(pkt->wrapped);
	pkt->kid = NULL;
	pkt->wrapped = NULL;
}

bool kp_packet_parse(const void *p, size_t n, struct kp_packet *pkt,
		     struct eaa_err *err)
{
	json_error_t je;
	json_t *j = json_loadb_fast(p, n, 0, &je), *klen;
	const char *kid, *type, *alg;
	uint8_t *iv = NULL;
	size_t ivn = 0;
	bool ok = false;

	memset(pkt, 0, sizeof(*pkt));
	if (!json_is_object(j)) {
		eaa_fail(err, EAA_E_FORMAT, "key-provider packet: not a JSON object (%s)",
			 j ? "another value" : je.text);
		goto out;
	}
	kid = json_string_value(json_object_get(j, "kid"));
	type = json_string_value(json_object_get(j, "wrap_type"));
	alg = json_string_value(json_object_get(j, "algorithm"));
	klen = json_object_get(j, "key_length");
	if (!kid || !((type && strcmp(type, "A256GCM") == 0) ||
		      (alg && strcmp(alg, "AES") == 0 && json_is_integer(klen) &&
		       json_integer_value(klen) == 256))) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "key-provider packet: needs a kid and "
			 "wrap_type A256GCM (or algorithm AES with key_length 256)");
		goto out;
	}
	if (!json_get_bytes(json_object_get(j, "iv"), KP_MAX_BYTES, &iv, &ivn) ||
	    ivn != KP_IV_LEN) {
		eaa_fail(err, EAA_E_FORMAT, "key-provider packet: iv must be %d bytes, "
			 "as base64 or an array of numbers", KP_IV_LEN);
		goto out;
	}
	if (!json_get_bytes(json_object_get(j, "wrapped_data"), KP_MAX_BYTES,
			    &pkt->wrapped, &pkt->wrapped_len) ||
	    pkt->wrapped_len < AES_GCM_TAG_LEN) {
		eaa_fail(err, EAA_E_FORMAT, "key-provider packet: wrapped_data must hold "
			 "the ciphertext and its %d-byte tag, as base64 or an array of "
			 "numbers", AES_GCM_TAG_LEN);
		goto out;
	}
	memcpy(pkt->iv, iv, KP_IV_LEN);
	ok = (pkt->kid = strdup(kid)) != NULL;
	if (!ok)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	free(iv);
	if (!ok)
		kp_packet_free(pkt);
	json_decref(j);
	return ok;
}

char *kp_output(const char *member, const char *field, const uint8_t *p, size_t n)
{
	struct wr w;
	char num[8], *text;
	size_t len;

	wr_init(&w);
	wr_bytes(&w, "{\"", 2);
	wr_bytes(&w, member, strlen(member));
	wr_bytes(&w, "\":{\"", 4);
	wr_bytes(&w, field, strlen(field));
	wr_bytes(&w, "\":[", 3);
	/* by hand: a printf per byte was 5% of the agent's CPU per UnWrapKey */
	for (size_t i = 0; i < n; i++) {
		char *d = num;
		unsigned v = p[i];

		if (i)
			*d++ = ',';
		if (v >= 100)
			*d++ = (char)('0' + v / 100);
		if (v >= 10)
			*d++ = (char)('0' + v / 10 % 10);
		*d++ = (char)('0' + v % 10);
		wr_bytes(&w, num, (size_t)(d - num));
	}
	wr_bytes(&w, "]}}", 4); /* with the terminating NUL */
	if (w.failed) {
		wr_free(&w);
		return NULL;
	}
	text = (char *)wr_take(&w, &len);
	OPENSSL_cleanse(num, sizeof(num));
	return text;
}

bool kp_annotation_each(const char *annotation,
			bool (*fn)(void *arg, const uint8_t *pkt, size_t n,
				   struct eaa_err *err),
			void *arg, struct eaa_err *err)
{
	const char *s = annotation;

	eaa_fail(err, EAA_E_FORMAT, "provider annotation: no key packet");
	while (*s) {
		size_t len = strcspn(s, ",");
		char *one = strndup(s, len);
		uint8_t *pkt = NULL;
		size_t n;
		bool ok = false;

		if (one && base64_decode(one, false, &pkt, &n))
			ok = fn(arg, pkt, n, err);
		else
			eaa_fail(err, EAA_E_FORMAT, "provider annotation: a packet is not base64");
		free(one);
		free(pkt);
		if (ok)
			return true;
		s += len;
		if (*s == ',')
			s++;
	}
	return false;
}
