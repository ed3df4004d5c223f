/* kbc.c - the KBC table and the names it is reached by (see kbc.h). */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aead.h"
#include "kbc.h"

const struct aa_kbc_ops *const aa_kbcs[] = {
	&aa_kbc_eaa, &aa_kbc_offline_fs, &aa_kbc_sample, &aa_kbc_cc, NULL,
};

const struct aa_kbc_ops *aa_kbc_find(const char *name)
{
	for (size_t i = 0; aa_kbcs[i]; i++)
		if (strcmp(aa_kbcs[i]->name, name) == 0)
			return aa_kbcs[i];
	return NULL;
}

bool aa_kbc_params_split(const char *params, char name[64], const char **uri,
			 struct eaa_err *err)
{
	const char *sep = params ? strstr(params, "::") : NULL;

	if (!sep || sep == params || (size_t)(sep - params) >= 64)
		return eaa_fail(err, EAA_E_CONFIG, "aa_kbc_params \"%.100s\": want "
				"<kbc>::<uri>, e.g. eaa_kbc::10.0.0.1:20002",
				params ? params : "");
	memcpy(name, params, (size_t)(sep - params));
	name[sep - params] = '\0';
	*uri = sep + 2;
	return true;
}

static bool segment_ok(const char *p, size_t n)
{
	if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", p[i]) || !p[i])
			return false;
	return true;
}

const char *aa_resource_path(const char *uri, struct eaa_err *err)
{
	const char *p = uri, *q;
	int segments = 0;

	if (strncmp(p, "kbs://", 6) == 0) {
		p = strchr(p + 6, '/');
		p = p ? p + 1 : "";
	}
	for (q = p;; q++) {
		const char *end = strchr(q, '/');
		size_t n = end ? (size_t)(end - q) : strlen(q);

		if (!segment_ok(q, n) || ++segments > 3)
			break;
		if (!end) {
			if (segments == 3)
				return p;
			break;
		}
		q = end;
	}
	eaa_fail(err, EAA_E_INVALID, "resource \"%.200s\": want <repo>/<type>/<tag> "
		 "(or kbs:///<repo>/<type>/<tag>), each part of letters, digits, . _ -",
		 uri);
	return NULL;
}

bool aa_kbc_unwrap_with(const char *who, const struct kp_packet *pkt, const uint8_t *key,
			size_t keyn, uint8_t **out, size_t *n, struct eaa_err *err)
{
	const char *kid = kp_store_kid(pkt->kid);
	bool ok;

	*n = pkt->wrapped_len - AES_GCM_TAG_LEN;
	*out = keyn == 32 ? malloc(*n + 1) : NULL;
	ok = *out && aes_gcm_open(key, keyn, pkt->iv, KP_IV_LEN, NULL, 0, pkt->wrapped, *n,
				  pkt->wrapped + *n, *out);
	if (ok)
		return true;
	if (*out)
		OPENSSL_cleanse(*out, *n);
	free(*out);
	*out = NULL;
	return eaa_fail(err, EAA_E_SIGNATURE, keyn == 32 ?
			"%s: kid \"%s\": the packet does not authenticate under its key" :
			"%s: kid \"%s\": the key is not 32 bytes", who, kid);
}
