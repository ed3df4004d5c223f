/* test_agent_pipeline.c - several callers' requests on the agent's one
 * attested channel, against a broker that answers a channel's requests in
 * order, as verdictd does. The broker runs in this process (librats-tls,
 * nullattester with the key the agent pins) and answers each Decrypt with
 * the packet's kid and each resource with its name, so every caller can
 * tell its own reply; the callers are threads calling the agent's own
 * entry points (aa_agent_keyprovider, aa_agent_resource). Checked:
 *   - the callers' requests are on the channel at once: the broker holds
 *     its answers until eight are waiting (a channel that carries one
 *     request at a time never has more than one);
 *   - each caller gets its own reply, unwraps and resources mixed, over
 *     many rounds;
 *   - the broker closing the channel with eight requests unanswered: every
 *     caller is served on one new channel (one attestation, not eight);
 *   - otherwise one attested channel serves everything;
 *   - the same with the unwraps and resources asked without a waiting
 *     thread (aa_agent_keyprovider_async, aa_agent_resource_async, as the
 *     agent's gRPC loop asks them):
 *     taken only once a channel is attested, on the channel at once with
 *     the waiting threads' requests, each answered with its own reply, and
 *     when the channel closes under them each comes back as "retry", and
 *     the synchronous retries share one new channel. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "codec.h"
#include "json_util.h"
#include "kp_client.h"
#include "log.h"
#include "rats-tls/api.h"
#include "test.h"

#define CALLERS 8
#define HOLD_S 3

static char dir[] = "/tmp/eaa-pipe-XXXXXX";

/* ---- the broker ---- */

struct broker {
	int lfd, port;
	rats_tls_handle h;
	pthread_t t;
	pthread_mutex_t mu;
	/* set by the test between rounds */
	int hold;            /* answer nothing until this many requests wait
				(at most HOLD_S seconds), once; 0: answer each */
	bool drop;           /* with hold: close the channel instead */
	/* seen by the broker */
	int channels;        /* attested channels accepted */
	int most_waiting;    /* the most requests unanswered at once */
};

static struct broker b;

/* The reply to one request: Decrypt answers the kid as the plaintext,
 * a resource is its own name. */
static char *answer(const char *req, size_t n)
{
	json_t *j = json_loadb(req, n, 0, NULL), *blob;
	const char *cmd = json_string_value(json_object_get(j, "command"));
	char *out = NULL, *b64 = NULL;
	const char *name;

	if (cmd && strcmp(cmd, "Decrypt") == 0) {
		blob = json_array_get(json_object_get(j, "blobs"), 0);
		name = json_string_value(json_object_get(blob, "kid"));
		b64 = name ? base64_encode(name, strlen(name), false) : NULL;
		if (b64 && asprintf(&out, "{\"status\":\"OK\",\"data\":{\"%s\":\"%s\"}}",
				    json_string_value(json_object_get(blob, "encrypted_data")),
				    b64) < 0)
			out = NULL;
	} else if (cmd && strcmp(cmd, "Get Resource Info") == 0) {
		name = json_string_value(json_object_get(j, "name"));
		b64 = name ? base64_encode(name, strlen(name), false) : NULL;
		if (b64 && asprintf(&out, "{\"status\":\"OK\",\"data\":{\"base64size\":\"%zu\"}}",
				    strlen(b64)) < 0)
			out = NULL;
	} else if (cmd && strcmp(cmd, "Get Resource") == 0) {
		name = json_string_value(json_object_get(json_object_get(j, "optional"),
							 "resource_path"));
		out = name ? base64_encode(name, strlen(name), false) : NULL;
	}
	free(b64);
	json_decref(j);
	return out ? out : strdup("{\"status\":\"Fail\",\"error\":\"unknown request\"}");
}

static bool write_all(rats_tls_conn *c, const char *p, size_t n)
{
	size_t len = n;

	return rats_tls_conn_write(c, p, &len) == RATS_TLS_ERR_NONE && len == n;
}

/* One channel: requests framed as they come and answered in order, at
 * once, or held (as the test set): answered together once `hold` wait,
 * or the channel closed then, or answered anyway after HOLD_S seconds. */
static void serve(rats_tls_conn *c, int fd)
{
	static char buf[1 << 16];
	char *replies[256];
	size_t have = 0, nrep = 0;
	time_t until = 0;
	int hold = 0;
	bool drop = false;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		size_t len = sizeof(buf) - have;
		long frame;

		/* a bounded wait, so a hold set meanwhile is seen */
		if (rats_tls_conn_pending(c) || poll(&p, 1, 100) > 0) {
			if (rats_tls_conn_read(c, buf + have, &len) != RATS_TLS_ERR_NONE ||
			    len == 0)
				break;
			have += len;
		}
		while (nrep < 256 && (frame = json_frame(buf, have)) > 0) {
			replies[nrep++] = answer(buf, (size_t)frame);
			memmove(buf, buf + frame, have - (size_t)frame);
			have -= (size_t)frame;
		}
		pthread_mutex_lock(&b.mu);
		if (!hold && b.hold) {
			hold = b.hold;
			drop = b.drop;
			b.hold = 0;
			b.drop = false;
			until = time(NULL) + HOLD_S;
		}
		if ((int)nrep > b.most_waiting)
			b.most_waiting = (int)nrep;
		pthread_mutex_unlock(&b.mu);
		if (hold && (int)nrep >= hold && drop)
			break;
		if (hold && (int)nrep < hold && time(NULL) < until)
			continue;
		hold = 0;
		for (size_t i = 0; i < nrep; i++) {
			write_all(c, replies[i], strlen(replies[i]));
			free(replies[i]);
		}
		nrep = 0;
	}
	for (size_t i = 0; i < nrep; i++)
		free(replies[i]);
}

static void *broker_main(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(b.lfd, NULL, NULL);
		rats_tls_conn *c;

		if (fd < 0)
			return NULL;
		if (rats_tls_conn_open(b.h, fd, &c) == RATS_TLS_ERR_NONE) {
			pthread_mutex_lock(&b.mu);
			b.channels++;
			pthread_mutex_unlock(&b.mu);
			serve(c, fd);
			rats_tls_conn_close(c);
		}
		close(fd);
	}
}

/* ---- keys ---- */

static void keypair(const char *priv, const char *pub)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, priv);
	if (k && (f = fopen(path, "w"))) {
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, pub);
	if (k && (f = fopen(path, "w"))) {
		PEM_write_PUBKEY(f, k);
		fclose(f);
	}
	EVP_PKEY_free(k);
}

static void broker_start(void)
{
	static char key[320];
	static const char *opts[] = { key, NULL };
	rats_tls_conf_t conf = { .api_version = RATS_TLS_API_VERSION,
				 .log_level = RATS_TLS_LOG_LEVEL_NONE,
				 .flags = RATS_TLS_CONF_FLAGS_SERVER,
				 .attester_type = "nullattester", .options = opts };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);

	snprintf(key, sizeof(key), "tls.key=%s/vd.pem", dir);
	pthread_mutex_init(&b.mu, NULL);
	if (rats_tls_init(&conf, &b.h) != RATS_TLS_ERR_NONE)
		fprintf(stderr, "broker: %s\n", rats_tls_last_error());
	b.lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(b.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(b.lfd, 16) != 0 ||
	    getsockname(b.lfd, (struct sockaddr *)&a, &al) != 0)
		perror("broker: listen");
	b.port = ntohs(a.sin_port);
	pthread_create(&b.t, NULL, broker_main, NULL);
}

/* ---- the callers ---- */

static struct aa_agent *agent;
static pthread_barrier_t go;
static bool use_async;        /* unwraps through aa_agent_keyprovider_async */

/* One asynchronous answer, waited for by its caller. */
struct waiter {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	enum aa_async_result r;
	char *out;
	size_t n;
};

static void answered(void *arg, enum aa_async_result r, const uint8_t *out, size_t n,
		     const struct eaa_err *err)
{
	struct waiter *w = arg;

	if (r == AA_ASYNC_FAILED)
		fprintf(stderr, "async unwrap: %s\n", err->msg);
	pthread_mutex_lock(&w->mu);
	w->r = r;
	w->out = out ? strndup((const char *)out, n) : NULL;
	w->n = n;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int async_taken, async_retried;
static pthread_mutex_t count_mu = PTHREAD_MUTEX_INITIALIZER;

/* Wait for a taken call's answer, and count it. */
static void wait_answer(struct waiter *w)
{
	pthread_mutex_lock(&w->mu);
	while (!w->done)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_mutex_lock(&count_mu);
	async_taken++;
	async_retried += w->r == AA_ASYNC_RETRY;
	pthread_mutex_unlock(&count_mu);
}

/* As the gRPC loop does: asynchronously when the agent takes it, else (or
 * on "retry") synchronously. */
static bool keyprovider(const char *in, char **out, struct eaa_err *err)
{
	struct waiter w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

	if (!use_async || !aa_agent_keyprovider_async(agent, in, strlen(in), answered, &w))
		return aa_agent_keyprovider(agent, in, strlen(in), out, err);
	wait_answer(&w);
	if (w.r == AA_ASYNC_RETRY)
		return aa_agent_keyprovider(agent, in, strlen(in), out, err);
	*out = w.out;
	if (w.r != AA_ASYNC_OK)
		snprintf(err->msg, sizeof(err->msg), "the asynchronous unwrap failed");
	return w.r == AA_ASYNC_OK;
}

/* UnWrapKey of a packet under kid "default/key/<i>": the broker's
 * plaintext is the kid. */
static bool unwrap(int i)
{
	struct aa_kp_provider p = { .name = "attestation-agent" };
	uint8_t wrapped[32] = { 1 }, iv[12] = { 2 }, *opts = NULL;
	char *w = base64_encode(wrapped, sizeof(wrapped), false);
	char *v = base64_encode(iv, sizeof(iv), false), *pkt = NULL, *in = NULL, *out = NULL;
	char kid[32];
	struct eaa_err err;
	json_t *j = NULL;
	size_t n = 0;
	bool ok = false;

	snprintf(kid, sizeof(kid), "default/key/%d", i);
	if (w && v && asprintf(&pkt, "{\"kid\":\"%s\",\"wrapped_data\":\"%s\",\"iv\":\"%s\","
			       "\"wrap_type\":\"A256GCM\"}", kid, w, v) >= 0 &&
	    (in = aa_kp_unwrap_input(&p, (const uint8_t *)pkt, strlen(pkt)))) {
		if (!keyprovider(in, &out, &err))
			fprintf(stderr, "unwrap %s: %s\n", kid, err.msg);
		else if ((j = json_loads(out, 0, NULL)) &&
			 json_get_bytes(json_object_get(json_object_get(j, "keyunwrapresults"),
							"optsdata"), 64, &opts, &n))
			ok = n == strlen(kid) && memcmp(opts, kid, n) == 0;
	}
	json_decref(j);
	free(opts);
	free(out);
	free(in);
	free(pkt);
	free(v);
	free(w);
	return ok;
}

/* As keyprovider(), for a resource. */
static bool get_resource(const char *path, uint8_t **out, size_t *n, struct eaa_err *err)
{
	struct waiter w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

	if (!use_async || !aa_agent_resource_async(agent, NULL, path, answered, &w))
		return aa_agent_resource(agent, NULL, path, out, n, err);
	wait_answer(&w);
	if (w.r == AA_ASYNC_RETRY) {
		free(w.out);
		return aa_agent_resource(agent, NULL, path, out, n, err);
	}
	*out = (uint8_t *)w.out;
	*n = w.n;
	if (w.r != AA_ASYNC_OK)
		snprintf(err->msg, sizeof(err->msg), "the asynchronous resource failed");
	return w.r == AA_ASYNC_OK;
}

/* Resource "default/test/<i>": the broker's content is its name. */
static bool resource(int i)
{
	char path[32];
	struct eaa_err err;
	uint8_t *out = NULL;
	size_t n = 0;
	bool ok;

	snprintf(path, sizeof(path), "default/test/%d", i);
	if (!(ok = get_resource(path, &out, &n, &err)))
		fprintf(stderr, "resource %s: %s\n", path, err.msg);
	ok = ok && n == strlen(path) && memcmp(out, path, n) == 0;
	free(out);
	return ok;
}

struct caller {
	int i, rounds, wrong;
	pthread_t t;
};

/* Even callers unwrap, odd ones ask for resources; each reply must be
 * the caller's own. */
static void *caller_main(void *arg)
{
	struct caller *c = arg;

	pthread_barrier_wait(&go);
	for (int r = 0; r < c->rounds; r++) {
		int id = c->i * 1000 + r;

		if (!(c->i % 2 ? resource(id) : unwrap(id)))
			c->wrong++;
	}
	return NULL;
}

/* CALLERS callers at once, rounds calls each: how many were not served
 * their own reply. */
static int callers(int rounds)
{
	struct caller c[CALLERS];
	int wrong = 0;

	pthread_barrier_init(&go, NULL, CALLERS);
	for (int i = 0; i < CALLERS; i++) {
		c[i] = (struct caller){ .i = i, .rounds = rounds };
		pthread_create(&c[i].t, NULL, caller_main, &c[i]);
	}
	for (int i = 0; i < CALLERS; i++) {
		pthread_join(c[i].t, NULL);
		wrong += c[i].wrong;
	}
	pthread_barrier_destroy(&go);
	return wrong;
}

static void set(int hold, bool drop)
{
	pthread_mutex_lock(&b.mu);
	b.hold = hold;
	b.drop = drop;
	b.most_waiting = 0;
	pthread_mutex_unlock(&b.mu);
}

static int seen(int *field)
{
	int v;

	pthread_mutex_lock(&b.mu);
	v = *field;
	pthread_mutex_unlock(&b.mu);
	return v;
}

int main(void)
{
	char sample[320], params[64], pin[300];
	const char *opts[] = { sample, NULL };
	struct aa_kbc_conf conf = { .attester = "sample", .allow_sample = true,
				    .broker_pubkey = pin, .options = opts,
				    .broker_timeout = 10 };
	struct eaa_err err;
	int wrong;

	signal(SIGPIPE, SIG_IGN);
	eaa_log_set_level(EAA_LOG_ERROR);
	if (!mkdtemp(dir))
		return 1;
	keypair("key.pem", "trust.pem");
	keypair("vd.pem", "vd_pub.pem");
	snprintf(sample, sizeof(sample), "sample.key=%s/key.pem", dir);
	snprintf(pin, sizeof(pin), "%s/vd_pub.pem", dir);
	broker_start();
	snprintf(params, sizeof(params), "eaa_kbc::127.0.0.1:%d", b.port);
	agent = aa_agent_new(params, NULL, &conf, &err);
	CHECK_MSG(agent, "agent: %s", err.msg);
	if (!agent)
		return test_summary();

	/* the channel attested, and in use */
	CHECK(unwrap(1) && resource(1));
	CHECK(seen(&b.channels) == 1);

	/* eight callers' first requests wait on the channel together */
	set(CALLERS, false);
	wrong = callers(1);
	CHECK_MSG(wrong == 0, "%d of %d callers did not get their own reply", wrong, CALLERS);
	CHECK_MSG(seen(&b.most_waiting) == CALLERS, "at most %d requests were on the channel "
		  "at once, want %d", seen(&b.most_waiting), CALLERS);

	/* many rounds, replies matched to their requests */
	set(0, false);
	wrong = callers(50);
	CHECK_MSG(wrong == 0, "%d of %d calls did not get their own reply", wrong,
		  CALLERS * 50);
	CHECK_MSG(seen(&b.channels) == 1, "%d attested channels, want 1", seen(&b.channels));

	/* the broker closes the channel with every request unanswered: each
	 * is retried once, all on one new channel */
	set(CALLERS, true);
	wrong = callers(1);
	CHECK_MSG(wrong == 0, "%d of %d callers failed after the channel closed", wrong,
		  CALLERS);
	CHECK_MSG(seen(&b.channels) == 2, "%d attested channels, want 2 (one anew)",
		  seen(&b.channels));

	/* before any channel: the asynchronous path declines */
	{
		struct aa_agent *fresh = aa_agent_new(params, NULL, &conf, &err);
		struct aa_kp_provider p = { .name = "attestation-agent" };
		static const char pkt[] = "{\"kid\":\"default/key/1\",\"wrapped_data\":"
			"\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"iv\":"
			"\"AgAAAAAAAAAAAAAA\",\"wrap_type\":\"A256GCM\"}";
		char *in = aa_kp_unwrap_input(&p, (const uint8_t *)pkt, strlen(pkt));
		struct waiter w = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

		CHECK(fresh && in);
		if (fresh && in)
			CHECK_MSG(!aa_agent_keyprovider_async(fresh, in, strlen(in), answered, &w),
				  "an asynchronous unwrap was taken with no attested channel");
		free(in);
		aa_agent_free(fresh);
	}

	/* the unwraps without waiting threads, beside the resources' */
	use_async = true;
	CHECK(unwrap(2));
	CHECK_MSG(async_taken == 1, "the asynchronous path was not taken on an attested "
		  "channel");
	set(CALLERS, false);
	wrong = callers(1);
	CHECK_MSG(wrong == 0, "%d of %d callers did not get their own reply (async)", wrong,
		  CALLERS);
	CHECK_MSG(seen(&b.most_waiting) == CALLERS, "at most %d requests were on the channel "
		  "at once, want %d (async)", seen(&b.most_waiting), CALLERS);
	set(0, false);
	wrong = callers(50);
	CHECK_MSG(wrong == 0, "%d of %d calls did not get their own reply (async)", wrong,
		  CALLERS * 50);
	CHECK_MSG(seen(&b.channels) == 2, "%d attested channels, want still 2",
		  seen(&b.channels));
	async_retried = 0;
	set(CALLERS, true);
	wrong = callers(1);
	CHECK_MSG(wrong == 0, "%d of %d callers failed after the channel closed (async)",
		  wrong, CALLERS);
	CHECK_MSG(async_retried == CALLERS, "%d asynchronous requests came back as retry, "
		  "want %d", async_retried, CALLERS);
	CHECK_MSG(seen(&b.channels) == 3, "%d attested channels, want 3 (one anew)",
		  seen(&b.channels));

	aa_agent_free(agent);
	shutdown(b.lfd, SHUT_RDWR);
	close(b.lfd);
	pthread_join(b.t, NULL);
	rats_tls_cleanup(b.h);
	test_rm_rf(dir);
	return test_summary();
}
