/* kbc_eaa.c - eaa_kbc: layer keys and resources from verdictd over the EAA
 * protocol (eaa_kbc.c), on one attested channel reused for the agent's
 * lifetime or the configured TTL. verdictd is authenticated by a pinned
 * key (tls.peer_pubkey), a CA and the name its certificate must carry
 * (tls.peer_ca, tls.peer_name), or a verifier of its evidence together
 * with the claims it must have (broker_policy.h); accepting any broker
 * takes the explicit insecure option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "broker_policy.h"
#include "eaa_kbc.h"
#include "kbc.h"
#include "log.h"

#define MAX_OPTIONS 64

struct eaa_kbc {
	struct aa_eaa_conf conf;
	long ttl;
	struct aa_eaa *c;
	time_t since;
	char addr[256];
	char pin[1024], ca[1024], name[300];
	/* the caller's, the pin, the CA and its name, and the terminator */
	const char *options[MAX_OPTIONS + 4];
	struct aa_broker_policy *policy;
};

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
	for (; conf->options && conf->options[n] && n < MAX_OPTIONS; n++)
		k->options[n] = conf->options[n];
	if (conf->broker_pubkey) {
		snprintf(k->pin, sizeof(k->pin), "tls.peer_pubkey=%s", conf->broker_pubkey);
		k->options[n++] = k->pin;
	}
	if (conf->broker_ca) {
		char host[256];

		/* a CA vouches for many names: the certificate must be for this
		 * broker's */
		if (!conf->broker_name && !uri_host(uri, host, sizeof(host))) {
			eaa_fail(err, EAA_E_CONFIG, "eaa_kbc: no host in \"%.200s\" for "
				 "verdictd's certificate to name: give --broker-name", uri);
			aa_broker_policy_free(k->policy);
			free(k);
			return NULL;
		}
		snprintf(k->ca, sizeof(k->ca), "tls.peer_ca=%s", conf->broker_ca);
		k->options[n++] = k->ca;
		snprintf(k->name, sizeof(k->name), "tls.peer_name=%s",
			 conf->broker_name ? conf->broker_name : host);
		k->options[n++] = k->name;
	}
	k->options[n] = NULL;
	k->conf.addr = k->addr;
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
	return k;
}

static void drop(struct eaa_kbc *k)
{
	aa_eaa_close(k->c);
	k->c = NULL;
}

struct op {
	const struct kp_packet *pkt;
	const char *path;
	uint8_t **out;
	size_t *n;
};

static bool run_op(struct eaa_kbc *k, const struct op *op, struct eaa_err *err)
{
	if (op->pkt)
		return aa_eaa_decrypt(k->c, kp_store_kid(op->pkt->kid), op->pkt->wrapped,
				      op->pkt->wrapped_len, op->pkt->iv, KP_IV_LEN, op->out,
				      op->n, err);
	return aa_eaa_resource(k->c, op->path, op->out, op->n, err);
}

/* Run op on the attested channel, opening one when there is none, the
 * TTL is over, or verdictd has closed it (its idle timeout, a restart).
 * A reused channel that fails in transit is opened afresh once and the
 * request retried (every request is idempotent); a fresh one is never
 * retried. An application-level refusal ("Fail") keeps the channel: only
 * a failure that leaves the stream unknown drops it. */
static bool with_channel(struct eaa_kbc *k, const struct op *op, struct eaa_err *err)
{
	bool fresh = false;

	if (k->c && k->ttl > 0 && time(NULL) - k->since >= k->ttl) {
		LOG_INFO("eaa_kbc: the attested channel to %s is %lds old: attesting anew",
			 k->addr, k->ttl);
		drop(k);
	}
	if (k->c && !aa_eaa_usable(k->c)) {
		LOG_INFO("eaa_kbc: verdictd at %s closed the attested channel: attesting "
			 "anew", k->addr);
		drop(k);
	}
	if (!k->c) {
		if (!(k->c = aa_eaa_connect(&k->conf, err)))
			return false;
		k->since = time(NULL);
		fresh = true;
	}
	if (run_op(k, op, err))
		return true;
	if (aa_eaa_usable(k->c))
		return false; /* verdictd answered, and said no */
	if (err->code != EAA_E_CLOSED || fresh) {
		drop(k);
		return false;
	}
	LOG_INFO("eaa_kbc: the attested channel to %s failed (%s): attesting anew once",
		 k->addr, err->msg);
	drop(k);
	if (!(k->c = aa_eaa_connect(&k->conf, err)))
		return false;
	k->since = time(NULL);
	if (run_op(k, op, err))
		return true;
	if (!aa_eaa_usable(k->c))
		drop(k);
	return false;
}

static bool eaa_unwrap(void *kbc, const struct kp_packet *pkt, uint8_t **out,
		       size_t *n, struct eaa_err *err)
{
	struct op op = { .pkt = pkt, .out = out, .n = n };

	return with_channel(kbc, &op, err);
}

static bool eaa_resource(void *kbc, const char *path, uint8_t **out, size_t *n,
			 struct eaa_err *err)
{
	struct op op = { .path = path, .out = out, .n = n };

	return with_channel(kbc, &op, err);
}

static void eaa_close(void *kbc)
{
	struct eaa_kbc *k = kbc;

	drop(k);
	aa_broker_policy_free(k->policy);
	free(k);
}

const struct aa_kbc_ops aa_kbc_eaa = {
	.name = "eaa_kbc",
	.what = "verdictd over the EAA protocol (RA-TLS)",
	.open = eaa_open,
	.unwrap = eaa_unwrap,
	.resource = eaa_resource,
	.close = eaa_close,
};
