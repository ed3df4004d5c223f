/* kbc_sample.c - sample_kbc: unwraps with the fixed, published key of the
 * original sample KBC, so images encrypted for demos decrypt anywhere. It
 * proves nothing and is refused unless the agent was started with the
 * sample explicitly allowed. It serves no resources: a built-in permissive
 * policy.json, as the original had, would be too easy to deploy by mistake. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include "aead.h"
#include "kbc.h"
#include "log.h"

/* guest-components attestation-agent/kbc/src/sample_kbc/mod.rs HARDCODED_KEY */
static const uint8_t sample_key[32] = {
	217, 155, 119, 5, 176, 186, 122, 22, 130, 149, 179, 163, 54, 114, 112, 176,
	221, 155, 55, 27, 245, 20, 202, 139, 155, 167, 240, 163, 55, 17, 218, 234,
};

static void *sample_open(const char *uri, const struct aa_kbc_conf *conf,
			 struct eaa_err *err)
{
	static int token;

	if (!conf->allow_sample) {
		eaa_fail(err, EAA_E_CONFIG, "sample_kbc unwraps with a published key and "
			 "is for tests only: start the agent with --allow-sample to use it");
		return NULL;
	}
	LOG_WARN("sample_kbc: layer keys are unwrapped with the published sample key");
	return &token;
}

static bool sample_unwrap(void *kbc, const struct kp_packet *pkt, uint8_t **out,
			  size_t *n, struct eaa_err *err)
{
	*n = pkt->wrapped_len - AES_GCM_TAG_LEN;
	if (!(*out = malloc(*n + 1)))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!aes_gcm_open(sample_key, sizeof(sample_key), pkt->iv, KP_IV_LEN, NULL, 0,
			  pkt->wrapped, *n, pkt->wrapped + *n, *out)) {
		OPENSSL_cleanse(*out, *n);
		free(*out);
		*out = NULL;
		return eaa_fail(err, EAA_E_SIGNATURE, "sample_kbc: kid \"%s\": the packet "
				"was not wrapped with the sample key", pkt->kid);
	}
	return true;
}

static bool sample_resource(void *kbc, const char *path, uint8_t **out, size_t *n,
			    struct eaa_err *err)
{
	return eaa_fail(err, EAA_E_UNSUPPORTED, "sample_kbc serves no resources (asked "
			"for %s)", path);
}

static void sample_close(void *kbc)
{
}

const struct aa_kbc_ops aa_kbc_sample = {
	.name = "sample_kbc",
	.what = "the published sample key; tests only (--allow-sample)",
	.open = sample_open,
	.unwrap = sample_unwrap,
	.resource = sample_resource,
	.close = sample_close,
};
