/* attesters/sample.c - the `sample` attester: signs a sample report with a
 * configured ECDSA key. A software stand-in for demos and tests; it proves
 * nothing about hardware and is never chosen unless named.
 *
 * Options: sample.key (PEM private key, required), sample.measurement (64 hex
 * digits; default SHA-256 of this executable), sample.svn (default 0). */
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include "codec.h"
#include "file.h"
#include "internal.h"
#include "log.h"
#include "sample_evidence.h"

struct sample_attester {
	EVP_PKEY *key;
	uint8_t measurement[32];
	uint32_t svn;
};

static bool hash_self(uint8_t out[32], struct eaa_err *err)
{
	uint8_t *exe;
	size_t n;
	bool ok;

	if (!file_read("/proc/self/exe", 512u << 20, &exe, &n, err))
		return eaa_err_prefix(err, "sample attester: measurement");
	ok = EVP_Digest(exe, n, out, NULL, EVP_sha256(), NULL) == 1;
	free(exe);
	return ok || eaa_fail_ssl(err, EAA_E_CRYPTO, "hash executable");
}

EVP_PKEY *rats_load_private_key(const char *path, struct eaa_err *err)
{
	EVP_PKEY *key = NULL;
	BIO *bio = BIO_new_file(path, "r");

	if (!bio) {
		eaa_fail_ssl(err, EAA_E_IO, path);
		return NULL;
	}
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!key)
		eaa_fail_ssl(err, EAA_E_CONFIG, path);
	return key;
}

static void sample_cleanup(void *state)
{
	struct sample_attester *s = state;

	if (s) {
		EVP_PKEY_free(s->key);
		free(s);
	}
}

static bool sample_init(const struct rats_opts *opts, void **state,
			struct eaa_err *err)
{
	const char *key = rats_opt(opts, "sample", "key");
	const char *meas = rats_opt(opts, "sample", "measurement");
	const char *svn = rats_opt(opts, "sample", "svn");
	struct sample_attester *s;
	char *end;

	if (!key)
		return eaa_fail(err, EAA_E_CONFIG,
				"sample attester: no signing key configured "
				"(option sample.key, or --sample-key)");
	if (!(s = calloc(1, sizeof(*s))))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!(s->key = rats_load_private_key(key, err)))
		goto fail;
	if (EVP_PKEY_get_base_id(s->key) != EVP_PKEY_EC) {
		eaa_fail(err, EAA_E_CONFIG, "%s: sample key must be ECDSA", key);
		goto fail;
	}
	if (meas ? !hex_decode_fixed(meas, s->measurement, 32)
		 : !hash_self(s->measurement, err)) {
		if (meas)
			eaa_fail(err, EAA_E_CONFIG, "sample.measurement: "
				 "expected 64 hex digits");
		goto fail;
	}
	if (svn) {
		unsigned long v = strtoul(svn, &end, 10);

		if (!*svn || *end || v > UINT32_MAX) {
			eaa_fail(err, EAA_E_CONFIG, "sample.svn: \"%s\" is not "
				 "a 32-bit number", svn);
			goto fail;
		}
		s->svn = (uint32_t)v;
	}
	LOG_WARN("sample attester in use: its evidence is signed by a "
		 "software key and proves NOTHING about hardware; for demos "
		 "and tests only");
	*state = s;
	return true;
fail:
	sample_cleanup(s);
	return false;
}

static bool sample_collect(void *state,
			   const uint8_t user_data[RATS_USER_DATA_LEN],
			   struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	struct sample_attester *s = state;

	return sample_report_sign(s->key, s->measurement, s->svn, user_data,
				  evidence, err);
}

static const char *const attester_keys[] = { "key", "measurement", "svn", NULL };

const struct rats_attester rats_attester_sample = {
	.name = "sample",
	.keys = attester_keys,
	.tag = TAG_SAMPLE,
	.init = sample_init,
	.collect = sample_collect,
	.cleanup = sample_cleanup,
};
