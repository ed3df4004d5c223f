/* verifiers/sample.c - the `sample` verifier: accepts sample reports signed
 * by one of the configured public keys, and nothing else. With no trusted key
 * configured it cannot be initialised, so it is never in use by accident.
 *
 * Options: sample.trust (file of one or more PEM public keys, required). */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include "codec.h"
#include "internal.h"
#include "json_util.h"
#include "log.h"
#include "sample_evidence.h"

#define MAX_TRUSTED 16

struct sample_verifier {
	EVP_PKEY *keys[MAX_TRUSTED];
	uint8_t ids[MAX_TRUSTED][32];
	size_t n;
};

static void sample_cleanup(void *state)
{
	struct sample_verifier *s = state;

	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		EVP_PKEY_free(s->keys[i]);
	free(s);
}

static bool sample_init(const struct rats_opts *opts, void **state,
			struct eaa_err *err)
{
	const char *path = rats_opt(opts, "sample", "trust");
	struct sample_verifier *s;
	EVP_PKEY *key;
	BIO *bio;

	if (!path)
		return eaa_fail(err, EAA_E_CONFIG,
				"sample verifier: no trusted key configured "
				"(option sample.trust, or --sample-trust)");
	if (!(bio = BIO_new_file(path, "r")))
		return eaa_fail_ssl(err, EAA_E_IO, path);
	if (!(s = calloc(1, sizeof(*s)))) {
		BIO_free(bio);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	while (s->n < MAX_TRUSTED &&
	       (key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL))) {
		s->keys[s->n] = key;
		if (!sample_key_id(key, s->ids[s->n], err)) {
			s->n++;
			goto fail;
		}
		s->n++;
	}
	ERR_clear_error();
	BIO_free(bio);
	bio = NULL;
	if (s->n == 0) {
		eaa_fail(err, EAA_E_CONFIG, "%s: no PEM public key found", path);
		goto fail;
	}
	LOG_WARN("sample verifier in use: it accepts software-signed evidence "
		 "from %zu configured key(s); for demos and tests only", s->n);
	*state = s;
	return true;
fail:
	BIO_free(bio);
	sample_cleanup(s);
	return false;
}

static bool sample_verify(void *state, const struct rats_evidence *ev,
			  struct rats_verified *out, struct eaa_err *err)
{
	struct sample_verifier *s = state;
	struct sample_report rep;
	EVP_PKEY *signer = NULL;
	json_t *c;

	if (!sample_report_parse(ev->quote, &rep, err))
		return false;
	for (size_t i = 0; i < s->n && !signer; i++)
		if (CRYPTO_memcmp(s->ids[i], rep.signer, 32) == 0)
			signer = s->keys[i];
	if (!signer) {
		char *id = hex_encode(rep.signer, 32);

		eaa_fail(err, EAA_E_UNTRUSTED,
			 "sample report: signer %s is not a trusted sample key",
			 id ? id : "?");
		free(id);
		return false;
	}
	if (!sample_report_verify_sig(&rep, signer, err))
		return false;
	memcpy(out->user_data, rep.report_data, 64);
	out->user_data_len = 64;
	if (!(c = json_object()) ||
	    json_object_set_new(c, "svn", json_integer(rep.svn)) != 0 ||
	    !json_set_hex(c, "measurement", rep.measurement, 32) ||
	    !json_set_hex(c, "report_data", rep.report_data, 64) ||
	    !json_set_hex(c, "signer", rep.signer, 32)) {
		json_decref(c);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	out->claims = c;
	return true;
}

static const uint64_t sample_tags[] = { TAG_SAMPLE };

static const char *const verifier_keys[] = { "trust", NULL };

const struct rats_verifier rats_verifier_sample = {
	.name = "sample",
	.keys = verifier_keys,
	.tags = sample_tags,
	.ntags = 1,
	.init = sample_init,
	.verify = sample_verify,
	.cleanup = sample_cleanup,
};
