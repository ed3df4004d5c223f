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

/* rats_tls_conf_t's NULL-terminated options as the instances read them. */
static struct rats_opts opts_of(const char *const *options)
{
	struct rats_opts o = { (char **)options, 0 };

	while (options && options[o.n])
		o.n++;
	return o;
}

struct rats_raw_verifier *rats_raw_verifier_new(const char *name, const char *const *options,
						struct eaa_err *err)
{
	const struct rats_verifier *v = rats_verifier_find(name);
	struct rats_raw_verifier *r;
	struct rats_opts o = opts_of(options);

	if (!v) {
		eaa_fail(err, EAA_E_CONFIG, "no verifier named \"%s\"", name);
		return NULL;
	}
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

struct rats_raw_attester {
	const struct rats_attester *a;
	void *state;
};

struct rats_raw_attester *rats_raw_attester_new(const char *name, const char *const *options,
						struct eaa_err *err)
{
	const struct rats_attester *a = NULL;
	struct rats_raw_attester *r;
	struct rats_opts o = opts_of(options);
	size_t i;

	if (name && *name) {
		if (!(a = rats_attester_find(name)) || !a->tag) {
			eaa_fail(err, EAA_E_CONFIG, "no attester named \"%s\" that presents "
				 "evidence", name);
			return NULL;
		}
	} else {
		for (i = 0; rats_attesters[i] && !a; i++)
			if (rats_attesters[i]->detect && rats_attesters[i]->detect())
				a = rats_attesters[i];
		if (!a) {
			eaa_fail(err, EAA_E_CONFIG, "no TEE detected: name an attester");
			return NULL;
		}
	}
	if (!(r = calloc(1, sizeof(*r)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	r->a = a;
	if (!a->init(&o, &r->state, err)) {
		free(r);
		return NULL;
	}
	return r;
}

const char *rats_raw_attester_name(const struct rats_raw_attester *r)
{
	return r->a->name;
}

bool rats_raw_collect(struct rats_raw_attester *r, const uint8_t report_data[64],
		      uint8_t **evidence, size_t *n, struct eaa_err *err)
{
	struct wr w;

	wr_init(&w);
	if (!r->a->collect(r->state, report_data, &w, NULL, err)) {
		wr_free(&w);
		return false;
	}
	*n = w.len;
	*evidence = wr_take(&w, n);
	return *evidence != NULL || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

void rats_raw_attester_free(struct rats_raw_attester *r)
{
	if (!r)
		return;
	if (r->a->cleanup)
		r->a->cleanup(r->state);
	free(r);
}
