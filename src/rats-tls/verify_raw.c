/* verify_raw.c - evidence checked outside a handshake (see verify_raw.h). */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "verify_raw.h"

struct rats_raw_verifier {
	const struct rats_verifier *v;
	void *state;
};

struct rats_raw_verifier *rats_raw_verifier_new(const char *name, const char *const *options,
						struct eaa_err *err)
{
	const struct rats_verifier *v = rats_verifier_find(name);
	struct rats_raw_verifier *r;
	struct rats_opts o = { 0 };

	if (!v) {
		eaa_fail(err, EAA_E_CONFIG, "no verifier named \"%s\"", name);
		return NULL;
	}
	while (options && options[o.n])
		o.n++;
	o.kv = (char **)options;
	if (!(r = calloc(1, sizeof(*r)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	r->v = v;
	if (v->init && !v->init(&o, &r->state, err)) {
		free(r);
		return NULL;
	}
	return r;
}

void rats_raw_verifier_free(struct rats_raw_verifier *r)
{
	if (!r)
		return;
	if (r->v->cleanup)
		r->v->cleanup(r->state);
	free(r);
}

bool rats_raw_verify(struct rats_raw_verifier *r, const uint8_t *evidence, size_t n,
		     const uint8_t *endorsements, size_t en, const uint8_t *expect,
		     size_t expect_len, json_t **claims, struct eaa_err *err)
{
	struct rats_evidence ev = {
		.tag = r->v->ntags ? r->v->tags[0] : 0,
		.quote = { evidence, n },
		.endorsements = { endorsements, en },
	};
	struct rats_verified out = { 0 };
	size_t i;

	*claims = NULL;
	if (expect_len > RATS_USER_DATA_LEN)
		return eaa_fail(err, EAA_E_INVALID, "rats_raw_verify: %zu bytes of report data",
				expect_len);
	if (!r->v->verify(r->state, &ev, &out, err)) {
		json_decref(out.claims);
		return false;
	}
	if (out.user_data_len < expect_len ||
	    CRYPTO_memcmp(out.user_data, expect, expect_len) != 0) {
		json_decref(out.claims);
		return eaa_fail(err, EAA_E_BINDING, "%s evidence: its report data is not "
				"the hash of this request's runtime data", r->v->name);
	}
	for (i = expect_len; i < out.user_data_len; i++)
		if (out.user_data[i]) {
			json_decref(out.claims);
			return eaa_fail(err, EAA_E_BINDING, "%s evidence: report data byte %zu "
					"after the runtime data's hash is not zero", r->v->name, i);
		}
	*claims = out.claims;
	return true;
}
