/* agent.c - the attestation agent's requests (see agent.h). */
#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "agent.h"
#include "codec.h"
#include "json_util.h"
#include "log.h"

#define MAX_INSTANCES 16
/* A broker that has not answered for SLOW_S seconds takes at most
 * MAX_WAITING more callers: the rest are refused at once, so its callers
 * cannot occupy every gRPC worker (4 by default) while it stalls. A
 * broker that answers never gets near this. */
#define SLOW_S 2
#define MAX_WAITING 2
/* A caller beyond conf.max_callers waits this long for a place: a broker
 * that answers frees one within a round trip, so busy callers are served
 * rather than refused; a stalled one frees none, and the caller is then
 * refused, having held its worker this long at most. */
#define PLACE_WAIT_MS 500

/* One KBC instance. Its own lock serialises the requests of a KBC that
 * is not concurrent (one at a time on its channel); a concurrent one
 * (eaa_kbc) orders them on its channel itself. Either way a stalled broker
 * holds only its own callers; the agent's lock guards the table alone and
 * is never held across a round trip. */
struct instance {
	char *params;
	const struct aa_kbc_ops *ops;
	void *kbc;
	pthread_mutex_t lock;   /* held across the round trip, unless
				   ops->concurrent */
	unsigned busy;          /* requests in their round trip (the agent's
				   lock) */
	unsigned refs;          /* requests holding it (under the agent's lock) */
	unsigned waiting;       /* callers waiting for a place in refs: it is
				   not closed under them (the agent's lock) */
	unsigned long used;     /* when last asked for: the LRU order */
	time_t busy_since;      /* with requests in their round trip, when
				   the first began or the broker last
				   answered one (0: none; the agent's lock) */
};

struct aa_agent {
	pthread_mutex_t lock;
	pthread_cond_t place;   /* a request released its instance */
	struct aa_kbc_conf conf;
	char *params;
	char provider[64];
	struct instance *inst[MAX_INSTANCES];
	size_t n;
	unsigned long clock;
};

static struct instance *acquire(struct aa_agent *a, const char *params,
				struct eaa_err *err);
static void release(struct aa_agent *a, struct instance *in);

struct aa_agent *aa_agent_new(const char *params, const char *provider,
			      const struct aa_kbc_conf *conf, struct eaa_err *err)
{
	struct aa_agent *a;
	struct instance *in;

	if (!(a = calloc(1, sizeof(*a))) || (params && !(a->params = strdup(params)))) {
		free(a);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&a->place, &ca);
		pthread_condattr_destroy(&ca);
	}
	a->conf = *conf;
	snprintf(a->provider, sizeof(a->provider), "%s",
		 provider ? provider : "attestation-agent");
	/* open the default KBC now, so a configuration it refuses stops the
	 * agent at start rather than at the first request */
	if (params) {
		if (!(in = acquire(a, NULL, err))) {
			aa_agent_free(a);
			return NULL;
		}
		release(a, in);
	}
	return a;
}

static void instance_free(struct instance *in)
{
	in->ops->close(in->kbc);
	pthread_mutex_destroy(&in->lock);
	free(in->params);
	free(in);
}

void aa_agent_free(struct aa_agent *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		instance_free(a->inst[i]);
	pthread_cond_destroy(&a->place);
	pthread_mutex_destroy(&a->lock);
	free(a->params);
	free(a);
}

/* Room for one more instance: when the table is full, the least recently
 * used one that no request holds is closed. Called with the lock held. */
static bool make_room(struct aa_agent *a, struct eaa_err *err)
{
	size_t lru = a->n;

	if (a->n < MAX_INSTANCES)
		return true;
	for (size_t i = 0; i < a->n; i++)
		if (a->inst[i]->refs == 0 && a->inst[i]->waiting == 0 &&
		    (lru == a->n || a->inst[i]->used < a->inst[lru]->used))
			lru = i;
	if (lru == a->n)
		return eaa_fail(err, EAA_E_IO, "all %d KBC instances are busy: try again",
				MAX_INSTANCES);
	LOG_INFO("closing KBC %s (least recently used of %d)", a->inst[lru]->params,
		 MAX_INSTANCES);
	instance_free(a->inst[lru]);
	a->inst[lru] = a->inst[--a->n];
	return true;
}

/* Its broker has not answered for SLOW_S. Called with the lock held. */
static bool slow(const struct instance *in)
{
	return in->busy_since && time(NULL) - in->busy_since >= SLOW_S;
}

/* Wait, up to PLACE_WAIT_MS, for a request of in to end: for a place
 * under conf.max_callers. Called with the lock held; in stays open
 * meanwhile. */
static void wait_place(struct aa_agent *a, struct instance *in)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += (PLACE_WAIT_MS % 1000) * 1000000L;
	until.tv_sec += PLACE_WAIT_MS / 1000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	in->waiting++;
	while (in->refs >= a->conf.max_callers && !slow(in) &&
	       pthread_cond_timedwait(&a->place, &a->lock, &until) == 0)
		;
	in->waiting--;
}

/* The KBC instance for params (the default when NULL), opened on first
 * use and held until release(). With aa_kbc_params configured, that is
 * the only broker: a request cannot send the guest's evidence, or take
 * keys and policies, from anywhere else. */
static struct instance *acquire(struct aa_agent *a, const char *params,
				struct eaa_err *err)
{
	const struct aa_kbc_ops *ops;
	struct instance *in = NULL;
	const char *uri;
	char name[64];

	if (!params)
		params = a->params;
	if (!params) {
		eaa_fail(err, EAA_E_CONFIG, "no KBC: the request names none and the agent "
			 "has no aa_kbc_params");
		return NULL;
	}
	if (a->params && strcmp(params, a->params) != 0) {
		eaa_fail(err, EAA_E_INVALID, "the request names KBC \"%.200s\", but this "
			 "agent's broker is aa_kbc_params %s: a request may not choose "
			 "another", params, a->params);
		return NULL;
	}
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
	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; i < a->n && !in; i++)
		if (strcmp(a->inst[i]->params, params) == 0)
			in = a->inst[i];
	/* opening does no I/O (channels are made on first use): the lock is
	 * held for no round trip */
	if (!in && make_room(a, err)) {
		if (!(in = calloc(1, sizeof(*in))) || !(in->params = strdup(params))) {
			free(in);
			in = NULL;
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		} else if (!(in->kbc = ops->open(uri, &a->conf, err))) {
			free(in->params);
			free(in);
			in = NULL;
		} else {
			in->ops = ops;
			pthread_mutex_init(&in->lock, NULL);
			a->inst[a->n++] = in;
		}
	}
	if (in && a->conf.max_callers && in->refs >= a->conf.max_callers && !slow(in))
		wait_place(a, in);
	if (in && a->conf.max_callers && in->refs >= a->conf.max_callers) {
		eaa_fail(err, EAA_E_IO, "KBC %.200s: %u requests already use it, as many "
			 "as it may hold (one fewer than --workers): try again later",
			 params, in->refs);
		in = NULL;
	} else if (in && slow(in) && in->refs > MAX_WAITING) {
		eaa_fail(err, EAA_E_IO, "KBC %.200s: its broker has not answered for %ld s "
			 "and %u requests wait on it: try again later", params,
			 (long)(time(NULL) - in->busy_since), in->refs - 1);
		in = NULL;
	} else if (in) {
		if (in->busy_since && time(NULL) - in->busy_since >= SLOW_S)
			LOG_WARN("KBC %s: its broker has not answered for %ld s: "
				 "request %u waits", params,
				 (long)(time(NULL) - in->busy_since), in->refs);
		in->refs++;
		in->used = ++a->clock;
	}
	pthread_mutex_unlock(&a->lock);
	return in;
}

/* Take the instance's channel for one round trip, and give it back. The
 * broker is slow when it has answered none of the round trips in
 * progress for SLOW_S: busy_since moves on with each answer. */
static void use_begin(struct aa_agent *a, struct instance *in)
{
	if (!in->ops->concurrent)
		pthread_mutex_lock(&in->lock);
	pthread_mutex_lock(&a->lock);
	if (!in->busy++)
		in->busy_since = time(NULL);
	pthread_mutex_unlock(&a->lock);
}

static void use_end(struct aa_agent *a, struct instance *in)
{
	pthread_mutex_lock(&a->lock);
	in->busy_since = --in->busy ? time(NULL) : 0;
	pthread_mutex_unlock(&a->lock);
	if (!in->ops->concurrent)
		pthread_mutex_unlock(&in->lock);
}

static void release(struct aa_agent *a, struct instance *in)
{
	pthread_mutex_lock(&a->lock);
	in->refs--;
	if (in->waiting)
		pthread_cond_broadcast(&a->place);
	pthread_mutex_unlock(&a->lock);
}

/* The KBC a key-provider request names in dc.Parameters[<provider>][0]
 * (base64 of "<kbc>::<uri>", or an array of bytes), or NULL for the
 * default. Only a value with "::" names a KBC: ocicrypt sends
 * "provider:attestation-agent" with no KBC as an empty list or as
 * "Enabled", and both mean the default. */
/* A KBC's error names the KBC once: some say it themselves. */
static void name_kbc(struct eaa_err *err, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(err->msg, name, n) != 0 || err->msg[n] != ':')
		eaa_err_prefix(err, "%s", name);
}

static bool dc_params(struct aa_agent *a, json_t *unwrap, char **params,
		      struct eaa_err *err)
{
	json_t *dc = json_object_get(unwrap, "dc");
	json_t *list = json_object_get(json_object_get(dc, "Parameters"), a->provider);
	json_t *first = json_array_get(list, 0);
	uint8_t *raw;
	size_t n;

	*params = NULL;
	if (!first)
		return true;
	if (!json_get_bytes(first, 4096, &raw, &n)) {
		if (json_is_string(first) && !strstr(json_string_value(first), "::"))
			return true; /* not base64, and names no KBC */
		return eaa_fail(err, EAA_E_FORMAT, "dc.Parameters[\"%s\"][0]: want base64 of "
				"<kbc>::<uri>", a->provider);
	}
	*params = strndup((char *)raw, n);
	free(raw);
	if (!*params || strlen(*params) != n) {
		free(*params);
		*params = NULL;
		return eaa_fail(err, EAA_E_FORMAT, "dc.Parameters[\"%s\"][0] is not text",
				a->provider);
	}
	if (!strstr(*params, "::")) {
		free(*params);
		*params = NULL;
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
	if ((in = acquire(a, kbc, err))) {
		use_begin(a, in);
		ok = in->ops->unwrap(in->kbc, &pkt, &opts, &optsn, err);
		use_end(a, in);
		if (!ok)
			name_kbc(err, in->ops->name);
		release(a, in);
	}
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
	json_t *j = json_loadb_fast(in, n, 0, &je);
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

/* A request in flight without a thread, on an instance it holds (refs,
 * busy). */
struct async_req {
	struct aa_agent *a;
	struct instance *in;
	bool resource;          /* else an UnWrapKey */
	char what[256];         /* kid "..." or the path, for the log line */
	aa_agent_done_fn done;
	void *arg;
};

static void async_answered(void *arg, bool ok, const uint8_t *data, size_t n,
			   const struct eaa_err *kerr)
{
	struct async_req *q = arg;
	const char *verb = q->resource ? "GetResource" : "UnWrapKey";
	struct eaa_err err = { 0 };
	char *out = NULL;

	use_end(q->a, q->in);
	if (ok && !q->resource &&
	    !(out = kp_output("keyunwrapresults", "optsdata", data, n))) {
		ok = false;
		eaa_fail(&err, EAA_E_NOMEM, "out of memory");
	} else if (!ok) {
		err = *kerr;
		name_kbc(&err, q->in->ops->name);
	}
	release(q->a, q->in);
	if (ok) {
		if (q->resource)
			LOG_INFO("%s: %s (%zu bytes)", verb, q->what, n);
		else
			LOG_INFO("%s: %s unwrapped", verb, q->what);
		q->done(q->arg, AA_ASYNC_OK, out ? (const uint8_t *)out : data,
			out ? strlen(out) : n, NULL);
		if (out)
			OPENSSL_cleanse(out, strlen(out));
		free(out);
	} else if (kerr && kerr->code == EAA_E_CLOSED) {
		LOG_INFO("%s: %s: %s: again on the synchronous path", verb, q->what, err.msg);
		q->done(q->arg, AA_ASYNC_RETRY, NULL, 0, &err);
	} else {
		LOG_WARN("%s: %s: %s", verb, q->what, err.msg);
		q->done(q->arg, AA_ASYNC_FAILED, NULL, 0, &err);
	}
	free(q);
}

/* The default KBC's open instance, held for a request without waiting,
 * or NULL: params names another KBC, the instance is not open yet, its
 * KBC cannot answer without waiting, or its broker is slow (the
 * synchronous path then decides, with its refusals). */
static struct async_req *async_begin(struct aa_agent *a, const char *params, bool resource,
				     aa_agent_done_fn done, void *arg)
{
	struct instance *in = NULL;
	struct async_req *q;

	pthread_mutex_lock(&a->lock);
	if (a->params && (!params || strcmp(params, a->params) == 0))
		for (size_t i = 0; i < a->n && !in; i++)
			if (strcmp(a->inst[i]->params, a->params) == 0)
				in = a->inst[i];
	if (in && (!in->ops->concurrent || slow(in) ||
		   !(resource ? (void *)in->ops->resource_async : (void *)in->ops->unwrap_async)))
		in = NULL;
	if (in) {
		in->refs++;
		in->used = ++a->clock;
		if (!in->busy++)
			in->busy_since = time(NULL);
	}
	pthread_mutex_unlock(&a->lock);
	if (!in)
		return NULL;
	if (!(q = calloc(1, sizeof(*q)))) {
		use_end(a, in);
		release(a, in);
		return NULL;
	}
	*q = (struct async_req){ .a = a, .in = in, .resource = resource, .done = done,
				 .arg = arg };
	return q;
}

/* The request did not start: the instance back. */
static void async_undo(struct async_req *q)
{
	use_end(q->a, q->in);
	release(q->a, q->in);
	free(q);
}

bool aa_agent_keyprovider_async(struct aa_agent *a, const char *text, size_t n,
				aa_agent_done_fn done, void *arg)
{
	json_t *j = json_fast_loadb(text, n, 0), *params;
	const char *op = json_string_value(json_object_get(j, "op"));
	struct eaa_err err;
	struct kp_packet pkt;
	struct async_req *q = NULL;
	uint8_t *ann = NULL;
	size_t annn;
	char *kbc = NULL;
	bool parsed = false, taken = false;

	params = json_object_get(j, "keyunwrapparams");
	if (!op || strcmp(op, "keyunwrap") != 0 ||
	    !json_get_bytes(json_object_get(params, "annotation"), KP_MAX_BYTES, &ann, &annn) ||
	    !dc_params(a, params, &kbc, &err) || !(parsed = kp_packet_parse(ann, annn, &pkt, &err)))
		goto out;
	if (!(q = async_begin(a, kbc, false, done, arg)))
		goto out;
	snprintf(q->what, sizeof(q->what), "kid \"%.200s\"", pkt.kid);
	if (!(taken = q->in->ops->unwrap_async(q->in->kbc, &pkt, async_answered, q)))
		async_undo(q);
out:
	if (parsed)
		kp_packet_free(&pkt);
	free(ann);
	free(kbc);
	json_decref(j);
	return taken;
}

bool aa_agent_resource_async(struct aa_agent *a, const char *params, const char *path,
			     aa_agent_done_fn done, void *arg)
{
	struct eaa_err err;
	const char *p = aa_resource_path(path, &err);
	struct async_req *q;

	if (!p || !(q = async_begin(a, params && *params ? params : NULL, true, done, arg)))
		return false;
	snprintf(q->what, sizeof(q->what), "%.200s", p);
	if (!q->in->ops->resource_async(q->in->kbc, p, async_answered, q)) {
		async_undo(q);
		return false;
	}
	return true;
}

bool aa_agent_resource(struct aa_agent *a, const char *params, const char *path,
		       uint8_t **out, size_t *n, struct eaa_err *err)
{
	const char *p = aa_resource_path(path, err);
	struct instance *in;
	bool ok;

	if (!p)
		return false;
	ok = false;
	if ((in = acquire(a, params && *params ? params : NULL, err))) {
		use_begin(a, in);
		ok = in->ops->resource(in->kbc, p, out, n, err);
		use_end(a, in);
		if (!ok)
			name_kbc(err, in->ops->name);
		release(a, in);
	}
	if (ok)
		LOG_INFO("GetResource: %s (%zu bytes)", p, *n);
	else
		LOG_WARN("GetResource: %s: %s", p, err->msg);
	return ok;
}
