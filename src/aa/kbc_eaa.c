/* kbc_eaa.c - eaa_kbc: layer keys and resources from verdictd over the EAA
 * protocol (eaa_kbc.c), on one attested channel reused for the agent's
 * lifetime or the configured TTL, by any number of requests at once (the
 * channel pipelines them). verdictd is authenticated by a pinned
 * key (tls.peer_pubkey), a CA and the name its certificate must carry
 * (tls.peer_ca, tls.peer_name), or a verifier of its evidence together
 * with the claims it must have (broker_policy.h); accepting any broker
 * takes the explicit insecure option. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "broker_policy.h"
#include "eaa_kbc.h"
#include "kbc.h"
#include "log.h"

#define MAX_OPTIONS 64
/* verdictd replicas one aa_kbc_params may list ("eaa_kbc::h1:p1,h2:p2") */
#define MAX_BROKERS 8

/* One attested channel and the requests on it. */
struct chan {
	struct aa_eaa *c;
	time_t since;
	unsigned users;          /* requests on it now */
	bool retired;            /* no new request takes it: closed by its
				    last user */
};

struct eaa_kbc {
	struct aa_eaa_conf conf;
	long ttl;
	/* cur is the channel new requests take. lock guards it and every
	 * channel's users and retirement, and is never held across a request
	 * or an attestation; opening serialises the attestations, so callers
	 * that find no channel wait for one rather than each making one. */
	pthread_mutex_t lock, opening;
	struct chan *cur;
	char addr[256];               /* the list as given, for log lines */
	/* the brokers, tried in turn from the one that last worked (next);
	 * under opening */
	char brokers[MAX_BROKERS][256];
	unsigned nbrokers, next;
	char pin[1024], ca[1024];
	char names[MAX_BROKERS][300]; /* tls.peer_name= for each broker */
	int name_slot;                /* its place in options, or -1 */
	/* the caller's, the pin, the CA and its name, and the terminator */
	const char *options[MAX_OPTIONS + 4];
	struct aa_broker_policy *policy;
};

/* "h1:p1,h2:p2" into k->brokers; false with err on an empty entry or too
 * many. */
static bool split_brokers(struct eaa_kbc *k, const char *uri, struct eaa_err *err)
{
	const char *p = uri;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == 0 || n >= sizeof(k->brokers[0]) || !memchr(p, ':', n))
			return eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: \"%.200s\": want IP:PORT, or "
					"several separated by commas", uri);
		if (k->nbrokers == MAX_BROKERS)
			return eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: \"%.200s\": at most %d "
					"brokers", uri, MAX_BROKERS);
		memcpy(k->brokers[k->nbrokers], p, n);
		k->brokers[k->nbrokers++][n] = '\0';
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* The host of "HOST:PORT" or "[V6]:PORT": what a CA-issued certificate of
 * verdictd must name when no --broker-name is given. */
static bool uri_host(const char *uri, char *out, size_t size)
{
	const char *colon = strrchr(uri, ':');
	size_t n;

	if (!colon || colon == uri)
		return false;
	n = (size_t)(colon - uri);
	if (uri[0] == '[' && colon[-1] == ']') {
		uri++;
		n -= 2;
	}
	if (n == 0 || n >= size)
		return false;
	memcpy(out, uri, n);
	out[n] = '\0';
	return true;
}

static void *eaa_open(const char *uri, const struct aa_kbc_conf *conf,
		      struct eaa_err *err)
{
	struct eaa_kbc *k;
	size_t n = 0;
	bool pinned = conf->broker_pubkey || conf->broker_ca;

	if (conf->attester && strcmp(conf->attester, "sample") == 0 && !conf->allow_sample) {
		eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: the sample attester proves nothing: "
			 "start the agent with --allow-sample to use it");
		return NULL;
	}
	if (!pinned && !conf->broker_verifier && !conf->insecure_broker) {
		eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: verdictd must be authenticated: pin "
			 "its key (--broker-pubkey) or CA (--broker-ca), name a verifier for "
			 "its evidence (--broker-verifier), or accept any broker "
			 "(--insecure-broker)");
		return NULL;
	}
	if (conf->broker_verifier && !conf->broker_policy) {
		eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: --broker-verifier %s alone trusts any "
			 "%s TEE as verdictd (a host's debug guest, another tenant's VM): "
			 "give the claims verdictd's evidence must have (--broker-policy "
			 "FILE)", conf->broker_verifier, conf->broker_verifier);
		return NULL;
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (conf->broker_policy &&
	    !(k->policy = aa_broker_policy_load(conf->broker_policy, conf->broker_tcb, err))) {
		eaa_err_prefix(err, "eaa_kbc");
		free(k);
		return NULL;
	}
	snprintf(k->addr, sizeof(k->addr), "%s", uri);
	k->name_slot = -1;
	if (!split_brokers(k, uri, err)) {
		aa_broker_policy_free(k->policy);
		free(k);
		return NULL;
	}
	for (; conf->options && conf->options[n] && n < MAX_OPTIONS; n++)
		k->options[n] = conf->options[n];
	if (conf->broker_pubkey) {
		snprintf(k->pin, sizeof(k->pin), "tls.peer_pubkey=%s", conf->broker_pubkey);
		k->options[n++] = k->pin;
	}
	if (conf->broker_ca) {
		/* a CA vouches for many names: the certificate must be for the
		 * broker being reached (each replica its own name) */
		for (unsigned i = 0; i < k->nbrokers; i++) {
			char host[256];

			if (!conf->broker_name && !uri_host(k->brokers[i], host, sizeof(host))) {
				eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: no host in \"%.200s\" for "
					 "verdictd's certificate to name: give --broker-name",
					 k->brokers[i]);
				aa_broker_policy_free(k->policy);
				free(k);
				return NULL;
			}
			snprintf(k->names[i], sizeof(k->names[i]), "tls.peer_name=%s",
				 conf->broker_name ? conf->broker_name : host);
		}
		snprintf(k->ca, sizeof(k->ca), "tls.peer_ca=%s", conf->broker_ca);
		k->options[n++] = k->ca;
		k->name_slot = (int)n;
		k->options[n++] = k->names[0];
	}
	k->options[n] = NULL;
	k->conf.addr = k->brokers[0];
	k->conf.attester = conf->attester;
	/* with a pinned key, verdictd (nullattester in the seeds) needs no
	 * evidence: the pin is what authenticates it */
	k->conf.verifier = conf->broker_verifier ? conf->broker_verifier :
			   pinned ? "nullverifier" : NULL;
	k->conf.insecure_broker = conf->insecure_broker && !pinned && !conf->broker_verifier;
	k->conf.options = k->options;
	k->conf.policy = k->policy;
	k->conf.timeout_s = conf->broker_timeout;
	k->ttl = conf->ttl;
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->opening, NULL);
	return k;
}

static void chan_close(struct chan *ch)
{
	aa_eaa_close(ch->c);
	free(ch);
}

/* No new request takes ch; it is closed now if unused, else by its last
 * user. Called with the lock held. */
static void retire(struct eaa_kbc *k, struct chan *ch)
{
	if (k->cur == ch)
		k->cur = NULL;
	ch->retired = true;
	if (!ch->users)
		chan_close(ch);
}

/* The current channel, unless its TTL is over or verdictd has closed it
 * (its idle timeout, a restart). Called with the lock held. */
static struct chan *current(struct eaa_kbc *k)
{
	if (k->cur && k->ttl > 0 && time(NULL) - k->cur->since >= k->ttl) {
		LOG_INFO("eaa_kbc: the attested channel to %s is %lds old: attesting anew",
			 k->addr, k->ttl);
		retire(k, k->cur);
	}
	if (k->cur && !aa_eaa_usable(k->cur->c)) {
		LOG_INFO("eaa_kbc: verdictd at %s closed the attested channel: attesting "
			 "anew", k->addr);
		retire(k, k->cur);
	}
	return k->cur;
}

/* Attest to a broker: the one that worked last, and on a connection
 * error (it is down, or unreachable) each next one in turn. Any other
 * failure (an attestation refused, a broker that is not the one this
 * agent expects) is the answer: another replica is not asked. Called
 * under opening. */
static struct aa_eaa *connect_any(struct eaa_kbc *k, struct eaa_err *err)
{
	struct aa_eaa *c = NULL;

	for (unsigned i = 0; i < k->nbrokers && !c; i++) {
		unsigned at = (k->next + i) % k->nbrokers;

		k->conf.addr = k->brokers[at];
		if (k->name_slot >= 0)
			k->options[k->name_slot] = k->names[at];
		if ((c = aa_eaa_connect(&k->conf, err))) {
			if (at != k->next)
				LOG_WARN("eaa_kbc: attested to verdictd at %s instead of %s",
					 k->brokers[at], k->brokers[k->next]);
			k->next = at;
		} else if (err->code != EAA_E_IO) {
			break;
		} else if (k->nbrokers > 1) {
			LOG_WARN("eaa_kbc: %s%s", err->msg,
				 i + 1 < k->nbrokers ? ": trying the next broker" : "");
		}
	}
	return c;
}

/* A channel for one request, attested now if there is none (*fresh: by
 * this call). Give it back with put(). */
static struct chan *take(struct eaa_kbc *k, bool *fresh, struct eaa_err *err)
{
	struct chan *ch;
	struct aa_eaa *c;

	*fresh = false;
	pthread_mutex_lock(&k->lock);
	if (!(ch = current(k))) {
		/* one attestation at a time; another caller's may have made
		 * the channel while this one waited for its turn */
		pthread_mutex_unlock(&k->lock);
		pthread_mutex_lock(&k->opening);
		pthread_mutex_lock(&k->lock);
		if (!(ch = current(k))) {
			pthread_mutex_unlock(&k->lock);
			c = connect_any(k, err);
			pthread_mutex_lock(&k->lock);
			if (c && !(ch = calloc(1, sizeof(*ch)))) {
				aa_eaa_close(c);
				eaa_fail(err, EAA_E_NOMEM, "out of memory");
			} else if (c) {
				ch->c = c;
				ch->since = time(NULL);
				k->cur = ch;
				*fresh = true;
			}
		}
		pthread_mutex_unlock(&k->opening);
	}
	if (ch)
		ch->users++;
	pthread_mutex_unlock(&k->lock);
	return ch;
}

/* The request is done with ch; drop: no request may take it again. */
static void put(struct eaa_kbc *k, struct chan *ch, bool drop)
{
	pthread_mutex_lock(&k->lock);
	ch->users--;
	if (drop || (ch->retired && !ch->users))
		retire(k, ch);
	pthread_mutex_unlock(&k->lock);
}

struct op {
	const struct kp_packet *pkt;
	const char *path;
	uint8_t **out;
	size_t *n;
};

static bool run_op(struct aa_eaa *c, const struct op *op, struct eaa_err *err)
{
	if (op->pkt)
		return aa_eaa_decrypt(c, kp_store_kid(op->pkt->kid), op->pkt->wrapped,
				      op->pkt->wrapped_len, op->pkt->iv, KP_IV_LEN, op->out,
				      op->n, err);
	return aa_eaa_resource(c, op->path, op->out, op->n, err);
}

/* Run op on the attested channel, opening one when there is none, the
 * TTL is over, or verdictd has closed it (its idle timeout, a restart).
 * A reused channel that fails in transit is given up, and the request
 * retried once on a new one (every request is idempotent; the requests
 * that were on the old channel with it share one new attestation); a
 * fresh one is never retried. An application-level refusal ("Fail")
 * keeps the channel: only a failure that leaves the stream unknown drops
 * it. */
static bool with_channel(struct eaa_kbc *k, const struct op *op, struct eaa_err *err)
{
	struct chan *ch;
	bool fresh, ok;

	if (!(ch = take(k, &fresh, err)))
		return false;
	if ((ok = run_op(ch->c, op, err)) || aa_eaa_usable(ch->c)) {
		put(k, ch, false);
		return ok; /* served, or verdictd answered and said no */
	}
	put(k, ch, true);
	if (err->code != EAA_E_CLOSED || fresh)
		return false;
	LOG_INFO("eaa_kbc: the attested channel to %s failed (%s): attesting anew once",
		 k->addr, err->msg);
	if (!(ch = take(k, &fresh, err)))
		return false;
	ok = run_op(ch->c, op, err);
	put(k, ch, !ok && !aa_eaa_usable(ch->c));
	return ok;
}

static bool eaa_unwrap(void *kbc, const struct kp_packet *pkt, uint8_t **out,
		       size_t *n, struct eaa_err *err)
{
	struct op op = { .pkt = pkt, .out = out, .n = n };

	return with_channel(kbc, &op, err);
}

/* An unwrap in flight without a thread: it holds its channel (a user)
 * until answered. */
struct async_op {
	struct eaa_kbc *k;
	struct chan *ch;
	void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
		     const struct eaa_err *err);
	void *arg;
};

static void async_answered(void *arg, bool ok, const uint8_t *out, size_t n,
			   const struct eaa_err *err)
{
	struct async_op *op = arg;

	/* as with_channel: a failure that leaves the stream unknown drops
	 * the channel (closed by its last user, here possibly). Given back
	 * before the caller hears: once every caller has, the agent may be
	 * freed. */
	put(op->k, op->ch, !ok && !aa_eaa_usable(op->ch->c));
	op->done(op->arg, ok, out, n, err);
	free(op);
}

/* The current channel for a request without waiting, held (a user), or
 * NULL: none (never attesting here), or the op could not be made. */
static struct async_op *async_take(struct eaa_kbc *k,
				   void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
						const struct eaa_err *err),
				   void *arg)
{
	struct async_op *op = malloc(sizeof(*op));
	struct chan *ch;

	if (!op)
		return NULL;
	pthread_mutex_lock(&k->lock);
	if ((ch = current(k)))
		ch->users++;
	pthread_mutex_unlock(&k->lock);
	if (!ch) {
		free(op);
		return NULL;
	}
	*op = (struct async_op){ k, ch, done, arg };
	return op;
}

/* The request was not sent: the channel back, dropped if it broke. */
static void async_undo(struct async_op *op)
{
	put(op->k, op->ch, !aa_eaa_usable(op->ch->c));
	free(op);
}

/* Only on the current channel, never attesting: a request that finds
 * none (or one that would make it wait) takes the synchronous path. */
static bool eaa_unwrap_async(void *kbc, const struct kp_packet *pkt,
			     void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
					  const struct eaa_err *err),
			     void *arg)
{
	struct async_op *op = async_take(kbc, done, arg);
	struct eaa_err err;

	if (!op)
		return false;
	if (!aa_eaa_decrypt_async(op->ch->c, kp_store_kid(pkt->kid), pkt->wrapped,
				  pkt->wrapped_len, pkt->iv, KP_IV_LEN, async_answered, op,
				  &err)) {
		async_undo(op);
		return false;
	}
	return true;
}

static bool eaa_resource_async(void *kbc, const char *path,
			       void (*done)(void *arg, bool ok, const uint8_t *out, size_t n,
					    const struct eaa_err *err),
			       void *arg)
{
	struct async_op *op = async_take(kbc, done, arg);
	struct eaa_err err;

	if (!op)
		return false;
	if (!aa_eaa_resource_async(op->ch->c, path, async_answered, op, &err)) {
		async_undo(op);
		return false;
	}
	return true;
}

static bool eaa_resource(void *kbc, const char *path, uint8_t **out, size_t *n,
			 struct eaa_err *err)
{
	struct op op = { .path = path, .out = out, .n = n };

	return with_channel(kbc, &op, err);
}

/* With no request in progress (the agent closes an instance no request
 * holds). */
static void eaa_close(void *kbc)
{
	struct eaa_kbc *k = kbc;

	if (k->cur)
		retire(k, k->cur);
	pthread_mutex_destroy(&k->opening);
	pthread_mutex_destroy(&k->lock);
	aa_broker_policy_free(k->policy);
	free(k);
}

const struct aa_kbc_ops aa_kbc_eaa = {
	.name = "eaa_kbc",
	.what = "verdictd over the EAA protocol (RA-TLS)",
	.open = eaa_open,
	.concurrent = true,
	.unwrap = eaa_unwrap,
	.unwrap_async = eaa_unwrap_async,
	.resource = eaa_resource,
	.resource_async = eaa_resource_async,
	.close = eaa_close,
};
