/* agent.c - the attestation agent's requests (see agent.h). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agent.h"
#include "codec.h"
#include "json_util.h"
#include "log.h"

#define MAX_INSTANCES 16

struct instance {
	char *params;
	const struct aa_kbc_ops *ops;
	void *kbc;
};

struct aa_agent {
	pthread_mutex_t lock;
	struct aa_kbc_conf conf;
	char *params;
	char provider[64];
	struct instance inst[MAX_INSTANCES];
	size_t n;
};

static struct instance *instance(struct aa_agent *a, const char *params,
				 struct eaa_err *err);

struct aa_agent *aa_agent_new(const char *params, const char *provider,
			      const struct aa_kbc_conf *conf, struct eaa_err *err)
{
	struct aa_agent *a;

	if (!(a = calloc(1, sizeof(*a))) || (params && !(a->params = strdup(params)))) {
		free(a);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	a->conf = *conf;
	snprintf(a->provider, sizeof(a->provider), "%s",
		 provider ? provider : "attestation-agent");
	/* open the default KBC now, so a configuration it refuses stops the
	 * agent at start rather than at the first request */
	if (params && !instance(a, NULL, err)) {
		aa_agent_free(a);
		return NULL;
	}
	return a;
}

void aa_agent_free(struct aa_agent *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		a->inst[i].ops->close(a->inst[i].kbc);
		free(a->inst[i].params);
	}
	pthread_mutex_destroy(&a->lock);
	free(a->params);
	free(a);
}

/* The KBC instance for params (the default when NULL or ""), opened on
 * first use. Called with the lock held. */
static struct instance *instance(struct aa_agent *a, const char *params,
				 struct eaa_err *err)
{
	const struct aa_kbc_ops *ops;
	const char *uri;
	char name[64];
	void *kbc;

	if (!params || !*params)
		params = a->params;
	if (!params) {
		eaa_fail(err, EAA_E_CONFIG, "no KBC: the request names none and the agent "
			 "has no aa_kbc_params");
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->inst[i].params, params) == 0)
			return &a->inst[i];
	if (!aa_kbc_params_split(params, name, &uri, err))
		return NULL;
	if (!(ops = aa_kbc_find(name))) {
		eaa_fail(err, EAA_E_CONFIG, "unknown KBC \"%s\" (see --list)", name);
		return NULL;
	}
	if (!ops->open) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "KBC %s is not built yet", name);
		return NULL;
	}
	if (a->n == MAX_INSTANCES) {
		eaa_fail(err, EAA_E_CONFIG, "more than %d different aa_kbc_params",
			 MAX_INSTANCES);
		return NULL;
	}
	if (!(kbc = ops->open(uri, &a->conf, err)))
		return NULL;
	if (!(a->inst[a->n].params = strdup(params))) {
		ops->close(kbc);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	a->inst[a->n].ops = ops;
	a->inst[a->n].kbc = kbc;
	return &a->inst[a->n++];
}

/* The KBC a key-provider request names in dc.Parameters[<provider>][0]
 * (base64 of "<kbc>::<uri>", or an array of bytes), or NULL for the
 * default. */
static bool dc_params(struct aa_agent *a, json_t *unwrap, char **params,
		      struct eaa_err *err)
{
	json_t *dc = json_object_get(unwrap, "dc");
	json_t *list = json_object_get(json_object_get(dc, "Parameters"), a->provider);
	uint8_t *raw;
	size_t n;

	*params = NULL;
	if (!list || json_array_size(list) == 0)
		return true;
	if (!json_get_bytes(json_array_get(list, 0), 4096, &raw, &n))
		return eaa_fail(err, EAA_E_FORMAT, "dc.Parameters[\"%s\"][0]: want base64 of "
				"<kbc>::<uri>", a->provider);
	*params = strndup((char *)raw, n);
	free(raw);
	if (!*params || strlen(*params) != n) {
		free(*params);
		*params = NULL;
		return eaa_fail(err, EAA_E_FORMAT, "dc.Parameters[\"%s\"][0] is not text",
				a->provider);
	}
	return true;
}

static bool unwrap(struct aa_agent *a, json_t *params, char **out, struct eaa_err *err)
{
	struct kp_packet pkt;
	struct instance *in;
	uint8_t *ann = NULL, *opts = NULL;
	size_t annn, optsn = 0;
	char *kbc = NULL;
	bool ok = false;

	if (!json_get_bytes(json_object_get(params, "annotation"), KP_MAX_BYTES, &ann, &annn))
		return eaa_fail(err, EAA_E_FORMAT, "keyunwrapparams.annotation: want base64 "
				"of a key packet");
	if (!dc_params(a, params, &kbc, err) || !kp_packet_parse(ann, annn, &pkt, err)) {
		free(ann);
		free(kbc);
		return false;
	}
	pthread_mutex_lock(&a->lock);
	in = instance(a, kbc, err);
	ok = in && in->ops->unwrap(in->kbc, &pkt, &opts, &optsn, err);
	if (in && !ok)
		eaa_err_prefix(err, "%s", in->ops->name);
	pthread_mutex_unlock(&a->lock);
	if (ok) {
		*out = kp_output("keyunwrapresults", "optsdata", opts, optsn);
		ok = *out || eaa_fail(err, EAA_E_NOMEM, "out of memory");
		LOG_INFO("UnWrapKey: kid \"%s\" unwrapped", pkt.kid);
	} else {
		LOG_WARN("UnWrapKey: kid \"%s\": %s", pkt.kid, err->msg);
	}
	if (opts)
		OPENSSL_cleanse(opts, optsn);
	free(opts);
	free(ann);
	free(kbc);
	kp_packet_free(&pkt);
	return ok;
}

bool aa_agent_keyprovider(struct aa_agent *a, const char *in, size_t n, char **out,
			  struct eaa_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(in, n, 0, &je);
	const char *op = json_string_value(json_object_get(j, "op"));
	bool ok;

	*out = NULL;
	if (!json_is_object(j))
		ok = eaa_fail(err, EAA_E_FORMAT, "key provider input is not a JSON object: %s",
			      j ? "another value" : je.text);
	else if (op && strcmp(op, "keyunwrap") == 0)
		ok = unwrap(a, json_object_get(j, "keyunwrapparams"), out, err);
	else if (op && strcmp(op, "keywrap") == 0)
		ok = eaa_fail(err, EAA_E_UNSUPPORTED, "the attestation agent only unwraps: "
			      "encrypt with verdictd's key provider");
	else
		ok = eaa_fail(err, EAA_E_INVALID, "key provider: op must be keyunwrap, not "
			      "\"%.100s\"", op ? op : "");
	json_decref(j);
	return ok;
}

bool aa_agent_resource(struct aa_agent *a, const char *params, const char *path,
		       uint8_t **out, size_t *n, struct eaa_err *err)
{
	const char *p = aa_resource_path(path, err);
	struct instance *in;
	bool ok;

	if (!p)
		return false;
	pthread_mutex_lock(&a->lock);
	in = instance(a, params, err);
	ok = in && in->ops->resource(in->kbc, p, out, n, err);
	if (in && !ok)
		eaa_err_prefix(err, "%s", in->ops->name);
	pthread_mutex_unlock(&a->lock);
	if (ok)
		LOG_INFO("GetResource: %s (%zu bytes)", p, *n);
	else
		LOG_WARN("GetResource: %s: %s", p, err->msg);
	return ok;
}
