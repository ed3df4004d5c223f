/* eaa_kbc.c - the agent's side of the EAA protocol (see eaa_kbc.h). */
#include <arpa/inet.h>
#include <jansson.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "broker_policy.h"
#include "bytes.h"
#include "codec.h"
#include "json_util.h"
#include "kp_packet.h"
#include "eaa_kbc.h"
#include "log.h"
#include "rats-tls/api.h"

#define MAX_REPLY (16u * 1024u * 1024u)

#define DEFAULT_TIMEOUT_S 60
#define TURNS 64
/* Decrypts sent without a waiting thread, in flight on one channel at
 * most: their bytes (a few hundred each) can never fill the socket, so
 * writing one never waits. */
#define MAX_ASYNC 256

/* A Decrypt sent by aa_eaa_decrypt_async: its reply is read, in its turn,
 * by the channel's reader thread. */
enum pend_kind {
	P_DECRYPT,                    /* a Decrypt: JSON reply */
	P_INFO,                       /* Get Resource Info: JSON reply, then
					 P_RESOURCE is sent */
	P_RESOURCE,                   /* Get Resource: want bytes of base64 */
};

struct pend {
	unsigned long ticket;
	enum pend_kind kind;
	char *enc;                    /* P_DECRYPT: the request's
					 encrypted_data, where the reply puts
					 the plaintext; else the resource path */
	struct json_framer fr;
	size_t want;                  /* P_RESOURCE: the reply's length */
	aa_eaa_decrypt_cb cb;
	void *arg;
	struct pend *next;
};

/* Requests from several threads share the channel: each writes its whole
 * request in turn and takes a ticket, the order of its reply (verdictd
 * answers a channel's requests in order); the holder of the next ticket
 * reads the stream, up to the end of its reply, and hands the turn on.
 * The socket is non-blocking once attested, so nobody waits for bytes
 * while holding the lock: the writers of later requests go on meanwhile. */
struct aa_eaa {
	rats_tls_handle h;
	rats_tls_conn *conn;
	int fd;
	int timeout_s;                /* each wait for the socket */
	const struct aa_broker_policy *policy;
	struct eaa_err refusal;       /* why the claims callback refused */
	char addr[256];
	pthread_mutex_t lock;         /* the TLS stream and all below */
	pthread_cond_t write_turn;    /* a write ended, or the channel broke */
	/* the reply for ticket t may be read, or the channel broke: each
	 * waiter is woken for its own turn alone (TURNS apart share one) */
	pthread_cond_t read_turn[TURNS];
	bool broken;                  /* a failure left the stream unknown */
	struct eaa_err why;           /* the failure, for every request on it */
	bool writing;                 /* a request is part-written */
	unsigned long sent, taken;    /* requests written; replies read (the
					 next reply answers request `taken`) */
	char *in;                     /* received past the replies taken */
	size_t have, cap;
	/* the asynchronous Decrypts, in ticket order, and their reader */
	struct pend *ahead, *atail;
	unsigned ainflight;
	pthread_cond_t async_turn;    /* ahead's turn to be read, the channel
					 broke, or it is closing */
	pthread_cond_t reader_gone;
	pthread_t reader;
	bool reader_on;               /* the reader thread runs */
	bool closing;                 /* aa_eaa_close was called */
	bool reader_frees;            /* ...by the reader itself (from a
					 callback): the reader frees c */
};

static void teardown(struct aa_eaa *c);

static int tcp_connect(const char *addr, int timeout_s, struct eaa_err *err)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	/* on Linux SO_SNDTIMEO also bounds connect(): a broker that never
	 * answers costs its caller this long, at most, per step */
	struct timeval tv = { timeout_s > 0 ? timeout_s : DEFAULT_TIMEOUT_S, 0 };
	int fd = -1;

	snprintf(host, sizeof(host), "%s", addr);
	colon = strrchr(host, ':');
	if (!colon) {
		eaa_fail(err, EAA_E_CONFIG, "verdictd address \"%s\": want IP:PORT", addr);
		return -1;
	}
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) {
		eaa_fail(err, EAA_E_IO, "verdictd address \"%s\": cannot resolve", addr);
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd >= 0 && (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
				setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
				connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		eaa_fail(err, EAA_E_IO, "cannot connect to verdictd at %s", addr);
		return -1;
	}
	return fd;
}

/* librats-tls hands us verdictd's verified claims during the handshake;
 * the owner's expectations decide whether this TEE is the broker. */
static int judge_broker(void *arg, const rats_tls_claims_t *claims)
{
	struct aa_eaa *c = arg;

	return aa_broker_policy_check(c->policy, claims->tee ? claims->tee : "",
				      claims->json ? claims->json : "{}", &c->refusal) ? 0 : 1;
}

struct aa_eaa *aa_eaa_connect(const struct aa_eaa_conf *conf, struct eaa_err *err)
{
	rats_tls_conf_t rc = { .api_version = RATS_TLS_API_VERSION,
			       .flags = RATS_TLS_CONF_FLAGS_MUTUAL,
			       /* librats-tls logs at the agent's own level */
			       .log_level = (rats_tls_log_level_t)eaa_log_get_level(),
			       .options = conf->options };
	struct aa_eaa *c;
	int timeout_s = conf->timeout_s > 0 ? conf->timeout_s : DEFAULT_TIMEOUT_S;
	time_t start;

	if (!conf->verifier && !conf->insecure_broker) {
		eaa_fail(err, EAA_E_CONFIG, "no verifier for verdictd's certificate: name "
			 "one, or accept any broker with the insecure option");
		return NULL;
	}
	if (conf->insecure_broker)
		LOG_WARN("verdictd at %s is NOT authenticated (insecure broker option): "
			 "anyone on the path can answer as verdictd", conf->addr);
	snprintf(rc.attester_type, sizeof(rc.attester_type), "%s",
		 conf->attester ? conf->attester : "");
	snprintf(rc.verifier_type, sizeof(rc.verifier_type), "%s",
		 conf->verifier ? conf->verifier : "nullverifier");
	c = calloc(1, sizeof(*c));
	if (!c) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	c->fd = -1;
	c->timeout_s = timeout_s;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->write_turn, NULL);
	for (size_t i = 0; i < TURNS; i++)
		pthread_cond_init(&c->read_turn[i], NULL);
	pthread_cond_init(&c->async_turn, NULL);
	pthread_cond_init(&c->reader_gone, NULL);
	snprintf(c->addr, sizeof(c->addr), "%s", conf->addr);
	if ((c->policy = conf->policy)) {
		rc.claims_cb = judge_broker;
		rc.claims_cb_arg = c;
	}
	if (rats_tls_init(&rc, &c->h) != RATS_TLS_ERR_NONE) {
		eaa_fail(err, EAA_E_CONFIG, "librats-tls: %s", rats_tls_last_error());
		free(c);
		return NULL;
	}
	if ((c->fd = tcp_connect(conf->addr, conf->timeout_s, err)) < 0)
		goto fail;
	start = time(NULL);
	if (rats_tls_conn_open(c->h, c->fd, &c->conn) != RATS_TLS_ERR_NONE) {
		c->conn = NULL;
		if (!c->refusal.code && time(NULL) - start >= timeout_s)
			eaa_fail(err, EAA_E_IO, "verdictd at %s did not complete the handshake "
				 "within %d s (the broker timeout)", conf->addr, timeout_s);
		else if (c->refusal.code)
			eaa_fail(err, EAA_E_UNTRUSTED, "verdictd at %s is not the broker "
				 "this agent expects: %s", conf->addr, c->refusal.msg);
		else
			eaa_fail(err, EAA_E_REJECTED, "attestation to verdictd at %s failed: "
				 "%s", conf->addr, rats_tls_last_error());
		goto fail;
	}
	/* attested: from now on every wait is a poll, outside the lock */
	if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0) {
		eaa_fail(err, EAA_E_IO, "verdictd at %s: cannot make the channel "
			 "non-blocking", conf->addr);
		goto fail;
	}
	return c;
fail:
	aa_eaa_close(c);
	return NULL;
}

/* Close the channel. The reader thread, if any, ends first; closed from
 * the reader's own callback, the reader frees the channel once the
 * callback returns. */
void aa_eaa_close(struct aa_eaa *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	if (c->reader_on) {
		c->closing = true;
		pthread_cond_broadcast(&c->async_turn);
		if (pthread_equal(pthread_self(), c->reader)) {
			c->reader_frees = true;
			pthread_mutex_unlock(&c->lock);
			return;
		}
		while (c->reader_on)
			pthread_cond_wait(&c->reader_gone, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	teardown(c);
}

static void teardown(struct aa_eaa *c)
{
	if (c->conn)
		rats_tls_conn_close(c->conn);
	if (c->fd >= 0)
		close(c->fd);
	rats_tls_cleanup(c->h);
	if (c->in)
		OPENSSL_cleanse(c->in, c->cap);
	free(c->in);
	pthread_cond_destroy(&c->write_turn);
	for (size_t i = 0; i < TURNS; i++)
		pthread_cond_destroy(&c->read_turn[i]);
	pthread_cond_destroy(&c->async_turn);
	pthread_cond_destroy(&c->reader_gone);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

bool aa_eaa_usable(struct aa_eaa *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	bool usable;
	int n;

	pthread_mutex_lock(&c->lock);
	if (c->broken) {
		usable = false;
	} else if (c->writing || c->sent != c->taken) {
		/* replies are due: a channel that has closed fails them */
		usable = true;
	} else if (c->have || rats_tls_conn_pending(c->conn)) {
		/* bytes nobody asked for: not the stream we know */
		usable = false;
	} else {
		/* between requests verdictd has nothing to say: anything
		 * readable (its close_notify, EOF, a reset) means it has
		 * closed the channel */
		do
			n = poll(&p, 1, 0);
		while (n < 0 && errno == EINTR);
		usable = n == 0;
	}
	pthread_mutex_unlock(&c->lock);
	return usable;
}

/* The channel is broken for every request on it, with this reason.
 * Called with the lock held. */
static bool break_channel(struct aa_eaa *c, struct eaa_err *err)
{
	if (!c->broken) {
		c->broken = true;
		c->why = *err;
		pthread_cond_broadcast(&c->write_turn);
		for (size_t i = 0; i < TURNS; i++)
			pthread_cond_broadcast(&c->read_turn[i]);
		pthread_cond_broadcast(&c->async_turn);
	}
	return false;
}

/* A failed read or write, named: in mutual mode verdictd judges our
 * evidence after our side of the handshake, so its refusal arrives here.
 * Either way the stream is no longer usable. */
static bool io_fail(struct aa_eaa *c, rats_tls_err_t rc, struct eaa_err *err)
{
	if (rc == (rats_tls_err_t)EAA_E_REJECTED)
		eaa_fail(err, EAA_E_REJECTED, "the broker (verdictd at %s) refused "
			 "our attestation: %s", c->addr, rats_tls_last_error());
	else
		eaa_fail(err, EAA_E_CLOSED, "verdictd at %s closed the connection%s%s",
			 c->addr, rc ? ": " : "", rc ? rats_tls_last_error() : "");
	return break_channel(c, err);
}

/* Wait, without the lock, until the socket is ready for what TLS asked
 * (rc: EAA_E_WANT_READ or EAA_E_WANT_WRITE), at most the timeout. Called
 * and returns with the lock held; false (the channel broken) when verdictd
 * took longer. */
static bool wait_socket(struct aa_eaa *c, rats_tls_err_t rc, struct eaa_err *err)
{
	struct pollfd p = { .fd = c->fd,
			    .events = rc == (rats_tls_err_t)EAA_E_WANT_WRITE ? POLLOUT : POLLIN };
	int n;

	pthread_mutex_unlock(&c->lock);
	do
		n = poll(&p, 1, c->timeout_s * 1000);
	while (n < 0 && errno == EINTR);
	pthread_mutex_lock(&c->lock);
	if (n > 0)
		return true;
	eaa_fail(err, EAA_E_CLOSED, "verdictd at %s did not answer within %d s (the "
		 "broker timeout)", c->addr, c->timeout_s);
	return break_channel(c, err);
}

/* Write one whole request, in turn, and take its ticket. Called with the
 * lock held. */
static bool send_request(struct aa_eaa *c, const char *text, size_t len,
			 unsigned long *ticket, struct eaa_err *err)
{
	size_t done = 0;

	while (c->writing && !c->broken)
		pthread_cond_wait(&c->write_turn, &c->lock);
	if (c->broken) {
		*err = c->why;
		return false;
	}
	c->writing = true;
	*ticket = c->sent;
	while (done < len) {
		size_t n = len - done;
		rats_tls_err_t rc = rats_tls_conn_write(c->conn, text + done, &n);

		done += n;
		if (rc == RATS_TLS_ERR_NONE)
			continue;
		if (c->broken)
			break;
		if (rc != (rats_tls_err_t)EAA_E_WANT_WRITE &&
		    rc != (rats_tls_err_t)EAA_E_WANT_READ) {
			io_fail(c, rc, err);
			break;
		}
		if (!wait_socket(c, rc, err))
			break;
	}
	c->writing = false;
	pthread_cond_signal(&c->write_turn);
	if (c->broken) {
		/* ours, or another request's failure meanwhile */
		*err = c->why;
		return false;
	}
	c->sent++;
	return true;
}

/* Read until done() says how long the reply at the front of what was
 * received is (0: need more, -1: malformed), up to MAX_REPLY; the reply is
 * taken off (malloc'd, NUL-terminated), what follows it kept for the next.
 * Called with the lock held, by the request whose turn it is. */
static char *read_reply(struct aa_eaa *c, long (*done)(const char *, size_t, void *),
			void *arg, size_t *n, struct eaa_err *err)
{
	char *reply, *nb;
	size_t len;
	rats_tls_err_t rc;
	long frame;

	while ((frame = c->have ? done(c->in, c->have, arg) : 0) == 0) {
		if (c->have == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 4096;

			/* a new buffer, the old one wiped: realloc could leave
			 * the reply's first part (keys) in freed memory */
			if (cap > MAX_REPLY || !(nb = malloc(cap + 1))) {
				eaa_fail(err, EAA_E_FORMAT, "verdictd's reply is over %u bytes",
					 MAX_REPLY);
				break_channel(c, err);
				return NULL;
			}
			if (c->in) {
				memcpy(nb, c->in, c->have);
				OPENSSL_cleanse(c->in, c->cap);
				free(c->in);
			}
			c->in = nb;
			c->cap = cap;
		}
		len = c->cap - c->have;
		rc = rats_tls_conn_read(c->conn, c->in + c->have, &len);
		if (rc == RATS_TLS_ERR_NONE && len > 0) {
			c->have += len;
		} else if (rc == (rats_tls_err_t)EAA_E_WANT_READ ||
			   rc == (rats_tls_err_t)EAA_E_WANT_WRITE) {
			if (!wait_socket(c, rc, err))
				return NULL;
		} else {
			io_fail(c, rc, err);
			return NULL;
		}
	}
	if (frame < 0 || (size_t)frame > c->have || !(reply = malloc((size_t)frame + 1))) {
		eaa_fail(err, EAA_E_FORMAT, "verdictd's reply is not what was asked for");
		break_channel(c, err);
		return NULL;
	}
	memcpy(reply, c->in, (size_t)frame);
	reply[frame] = '\0';
	*n = (size_t)frame;
	memmove(c->in, c->in + frame, c->have - (size_t)frame);
	OPENSSL_cleanse(c->in + c->have - (size_t)frame, (size_t)frame);
	c->have -= (size_t)frame;
	return reply;
}

/* The reply in turn was taken: the next request's reader, a waiting
 * thread or the reader thread, may read. Called with the lock held. */
static void next_turn(struct aa_eaa *c)
{
	c->taken++;
	pthread_cond_broadcast(&c->read_turn[c->taken % TURNS]);
	if (c->ahead && c->ahead->ticket == c->taken)
		pthread_cond_signal(&c->async_turn);
}

/* One request and its reply (malloc'd; wipe it), framed by done(). Any
 * number of threads at once: the replies come back in the order the
 * requests went out. */
static char *round_trip(struct aa_eaa *c, json_t *req,
			long (*done)(const char *, size_t, void *), void *arg, size_t *n,
			struct eaa_err *err)
{
	char *text = json_dumps(req, JSON_COMPACT), *reply = NULL;
	unsigned long ticket;
	bool sent;

	if (!text) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&c->lock);
	sent = send_request(c, text, strlen(text), &ticket, err);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	while (sent && c->taken != ticket && !c->broken)
		pthread_cond_wait(&c->read_turn[ticket % TURNS], &c->lock);
	if (sent && c->broken) {
		*err = c->why;
	} else if (sent && (reply = read_reply(c, done, arg, n, err))) {
		next_turn(c);
	}
	pthread_mutex_unlock(&c->lock);
	return reply;
}

/* Scans only what arrived since the last call: a large resource comes
 * in many records. */
static long json_done(const char *buf, size_t n, void *arg)
{
	return json_frame_more(arg, buf, n);
}

/* One request and its JSON reply. */
static json_t *exchange(struct aa_eaa *c, json_t *req, struct eaa_err *err)
{
	json_error_t je;
	json_t *reply;
	char *buf;
	size_t n;
	struct json_framer fr = { 0 };

	if (!(buf = round_trip(c, req, json_done, &fr, &n, err)))
		return NULL;
	if (!(reply = json_loadb_fast(buf, n, 0, &je)))
		eaa_fail(err, EAA_E_FORMAT, "verdictd's reply is not JSON: %s", je.text);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return reply;
}

/* A Decrypt request; *enc (malloc'd) is its encrypted_data, the key of
 * the plaintext in the reply. NULL: out of memory. */
static json_t *decrypt_request(const char *kid, const uint8_t *data, size_t n,
			       const uint8_t *iv, size_t ivn, char **enc)
{
	char *ivb = base64_encode(iv, ivn, false);
	json_t *req;

	*enc = base64_encode(data, n, false);
	req = *enc && ivb ? json_pack("{s:s,s:[{s:s,s:s,s:s,s:i,s:s}]}", "command",
				      "Decrypt", "blobs", "kid", kid, "encrypted_data", *enc,
				      "algorithm", "A256GCM", "key_length", 256, "iv", ivb) :
			    NULL;
	free(ivb);
	if (!req) {
		free(*enc);
		*enc = NULL;
	}
	return req;
}

/* The plaintext in verdictd's Decrypt reply (*out malloc'd). */
static bool decrypt_reply(json_t *reply, const char *enc, uint8_t **out, size_t *outn,
			  struct eaa_err *err)
{
	const char *status = json_string_value(json_object_get(reply, "status"));
	const char *plain;

	if (!status || strcmp(status, "OK") != 0)
		return eaa_fail(err, EAA_E_REJECTED, "verdictd: %s",
				json_string_value(json_object_get(reply, "error")) ?
				json_string_value(json_object_get(reply, "error")) :
				"Decrypt failed");
	plain = json_string_value(json_object_get(json_object_get(reply, "data"), enc));
	if (!plain || !base64_decode(plain, false, out, outn))
		return eaa_fail(err, EAA_E_FORMAT, "verdictd's Decrypt reply has no plaintext");
	return true;
}

bool aa_eaa_decrypt(struct aa_eaa *c, const char *kid, const uint8_t *data,
		    size_t n, const uint8_t *iv, size_t ivn, uint8_t **out,
		    size_t *outn, struct eaa_err *err)
{
	char *enc;
	json_t *req = decrypt_request(kid, data, n, iv, ivn, &enc);
	json_t *reply = req ? exchange(c, req, err) : NULL;
	bool ok = false;

	if (!req)
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if (reply)
		ok = decrypt_reply(reply, enc, out, outn, err);
	json_decref(req);
	json_decref(reply);
	free(enc);
	return ok;
}

static bool send_async(struct aa_eaa *c, char *text, size_t len, struct pend *p,
		       struct eaa_err *err);

/* head, s as a JSON string, tail: a request as json_pack and json_dumps
 * would write it (malloc'd, NUL-terminated, *len bytes), or NULL. */
static char *request_text(const char *head, const char *s, const char *tail, size_t *len)
{
	struct wr w;

	wr_init(&w);
	wr_bytes(&w, head, strlen(head));
	if (!json_quote(&w, s) || !wr_bytes(&w, tail, strlen(tail) + 1) || w.failed) {
		wr_free(&w);
		return NULL;
	}
	*len = w.len - 1;
	return (char *)w.buf;
}
static long exact_done(const char *buf, size_t n, void *arg);
static bool resource_size(json_t *reply, const char *path, size_t *want, struct eaa_err *err);
static bool resource_bytes(const char *buf, const char *path, uint8_t **out, size_t *outn,
			   struct eaa_err *err);

/* One asynchronous request answered: its reply read (NULL: the channel
 * failed, err says why), its callback called, or for a resource's size
 * the resource asked for. Not under the lock. */
static void pend_done(struct aa_eaa *c, struct pend *p, char *reply, size_t n,
		      const struct eaa_err *why)
{
	struct eaa_err err = { 0 };
	uint8_t *out = NULL;
	size_t outn = 0;
	json_error_t je;
	json_t *j = NULL;
	bool ok = false;

	if (!reply) {
		err = *why;
	} else if (p->kind == P_RESOURCE) {
		ok = resource_bytes(reply, p->enc, &out, &outn, &err);
	} else if (!(j = json_loadb_fast(reply, n, 0, &je))) {
		eaa_fail(&err, EAA_E_FORMAT, "verdictd's reply is not JSON: %s", je.text);
	} else if (p->kind == P_DECRYPT) {
		ok = decrypt_reply(j, p->enc, &out, &outn, &err);
	} else if (resource_size(j, p->enc, &p->want, &err)) {
		size_t len;
		char *text = request_text("{\"command\":\"Get Resource\",\"optional\":"
					  "{\"resource_path\":", p->enc, "}}", &len);

		/* the second half: p goes on, as a P_RESOURCE. A channel that
		 * cannot take it now sends the caller to the synchronous path,
		 * as a failed channel does */
		p->kind = P_RESOURCE;
		p->next = NULL;
		if (text && send_async(c, text, len, p, &err)) {
			json_decref(j);
			OPENSSL_cleanse(reply, n);
			free(reply);
			return;
		}
		if (err.code != EAA_E_CLOSED)
			eaa_fail(&err, EAA_E_CLOSED, "the channel to verdictd at %s could not "
				 "take the resource's request: %s", c->addr,
				 text ? err.msg : "out of memory");
	}
	json_decref(j);
	if (reply)
		OPENSSL_cleanse(reply, n);
	free(reply);
	p->cb(p->arg, ok, out, outn, ok ? NULL : &err);
	if (out)
		OPENSSL_cleanse(out, outn);
	free(out);
	free(p->enc);
	free(p);
}

/* The channel's reader of asynchronous Decrypts: in each one's turn it
 * reads the reply (a sync request in between is read by its own thread)
 * and calls back. When the channel breaks or closes, the ones left fail
 * with the reason. */
static void *reader_main(void *arg)
{
	struct aa_eaa *c = arg;
	struct eaa_err err = { 0 }, closed = { 0 };
	struct pend *p, *left;
	bool frees;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		char *reply;
		size_t n;

		while (!c->broken && !c->closing && !(c->ahead && c->ahead->ticket == c->taken))
			pthread_cond_wait(&c->async_turn, &c->lock);
		if (c->broken || c->closing)
			break;
		p = c->ahead;
		if (!(reply = p->kind == P_RESOURCE ? read_reply(c, exact_done, &p->want, &n, &err) :
			      read_reply(c, json_done, &p->fr, &n, &err)))
			break; /* the channel is broken: p fails below */
		if (!(c->ahead = p->next))
			c->atail = NULL;
		c->ainflight--;
		next_turn(c);
		pthread_mutex_unlock(&c->lock);
		pend_done(c, p, reply, n, NULL);
		pthread_mutex_lock(&c->lock);
	}
	left = c->ahead;
	c->ahead = c->atail = NULL;
	c->ainflight = 0;
	eaa_fail(&closed, EAA_E_CLOSED, "the channel to verdictd at %s was closed", c->addr);
	err = c->broken ? c->why : closed;
	pthread_mutex_unlock(&c->lock);
	for (; left; left = p) {
		p = left->next;
		pend_done(c, left, NULL, 0, &err);
	}
	pthread_mutex_lock(&c->lock);
	c->reader_on = false;
	frees = c->reader_frees;
	pthread_cond_broadcast(&c->reader_gone);
	pthread_mutex_unlock(&c->lock);
	if (frees)
		teardown(c);
	return NULL;
}

/* Write the request text (its whole record, in turn; wiped and freed
 * here) and queue p for its reply, without waiting: false with err when
 * that would wait (another record part-written, too many in flight:
 * EAA_E_IO) or the channel is broken. p is the caller's again on false. */
static bool send_async(struct aa_eaa *c, char *text, size_t len, struct pend *p,
		       struct eaa_err *err)
{
	size_t done = 0;
	bool ok = false;

	if (!text)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	pthread_mutex_lock(&c->lock);
	if (c->broken) {
		*err = c->why;
		goto out;
	}
	/* never wait: another writer's record or a full window is the
	 * synchronous path's to wait for */
	if (c->writing || c->ainflight >= MAX_ASYNC) {
		eaa_fail(err, EAA_E_IO, "the channel to verdictd at %s is busy", c->addr);
		goto out;
	}
	if (!c->reader_on) {
		pthread_attr_t at;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		c->reader_on = pthread_create(&c->reader, &at, reader_main, c) == 0;
		pthread_attr_destroy(&at);
		if (!c->reader_on) {
			eaa_fail(err, EAA_E_IO, "cannot start the channel's reader");
			goto out;
		}
	}
	while (done < len) {
		size_t w = len - done;
		rats_tls_err_t rc = rats_tls_conn_write(c->conn, text + done, &w);

		done += w;
		if (rc == RATS_TLS_ERR_NONE)
			continue;
		/* part of a record is out: the stream is unknown unless the
		 * rest follows, and waiting is not ours to do here */
		if (rc == (rats_tls_err_t)EAA_E_WANT_WRITE || rc == (rats_tls_err_t)EAA_E_WANT_READ)
			eaa_fail(err, EAA_E_CLOSED, "verdictd at %s is not reading its "
				 "requests", c->addr);
		else
			io_fail(c, rc, err);
		break_channel(c, err);
		goto out;
	}
	p->ticket = c->sent++;
	memset(&p->fr, 0, sizeof(p->fr));
	if (c->atail)
		c->atail->next = p;
	else
		c->ahead = p;
	c->atail = p;
	c->ainflight++;
	if (c->taken == p->ticket)
		pthread_cond_signal(&c->async_turn);
	ok = true;
out:
	pthread_mutex_unlock(&c->lock);
	OPENSSL_cleanse(text, len);
	free(text);
	return ok;
}

bool aa_eaa_decrypt_async(struct aa_eaa *c, const char *kid, const uint8_t *data,
			  size_t n, const uint8_t *iv, size_t ivn, aa_eaa_decrypt_cb cb,
			  void *arg, struct eaa_err *err)
{
	struct pend *p = calloc(1, sizeof(*p));
	char *ivb = base64_encode(iv, ivn, false);
	struct wr w;
	bool ok = false, tried = false;

	/* the request json_pack would make (decrypt_request), written
	 * directly: jansson's writer was a tenth of the agent's CPU */
	wr_init(&w);
	if (p && ivb && (p->enc = base64_encode(data, n, false))) {
		static const char a[] = "{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":",
				  b[] = ",\"encrypted_data\":\"",
				  d[] = "\",\"algorithm\":\"A256GCM\",\"key_length\":256,\"iv\":\"",
				  e[] = "\"}]}";

		wr_bytes(&w, a, sizeof(a) - 1);
		if (json_quote(&w, kid)) {
			wr_bytes(&w, b, sizeof(b) - 1);
			wr_bytes(&w, p->enc, strlen(p->enc));
			wr_bytes(&w, d, sizeof(d) - 1);
			wr_bytes(&w, ivb, strlen(ivb));
			wr_bytes(&w, e, sizeof(e) - 1);
			wr_u8(&w, 0);
			p->kind = P_DECRYPT;
			p->cb = cb;
			p->arg = arg;
			if (!w.failed) {
				tried = true;
				ok = send_async(c, (char *)w.buf, w.len - 1, p, err);
				w.buf = NULL; /* send_async's now */
			}
		}
	}
	if (!tried)
		eaa_fail(err, EAA_E_NOMEM, "out of memory (or a kid that is not UTF-8)");
	if (w.buf)
		OPENSSL_cleanse(w.buf, w.len);
	wr_free(&w);
	free(ivb);
	if (!ok && p)
		free(p->enc);
	if (!ok)
		free(p);
	return ok;
}

bool aa_eaa_resource_async(struct aa_eaa *c, const char *path, aa_eaa_decrypt_cb cb,
			   void *arg, struct eaa_err *err)
{
	struct pend *p = calloc(1, sizeof(*p));
	size_t len = 0;
	char *text = request_text("{\"command\":\"Get Resource Info\",\"name\":", path, "}",
				  &len);
	bool ok = false;

	if (!p || !text || !(p->enc = strdup(path))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		free(text);
	} else {
		p->kind = P_INFO;
		p->cb = cb;
		p->arg = arg;
		ok = send_async(c, text, len, p, err);
	}
	if (!ok && p)
		free(p->enc);
	if (!ok)
		free(p);
	return ok;
}

static bool unwrap_packet(struct aa_eaa *c, const uint8_t *p, size_t n,
			  uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	struct kp_packet pkt;
	uint8_t *data;
	bool ok;

	if (!kp_packet_parse(p, n, &pkt, err))
		return false;
	/* the EAA Decrypt blob carries the tag after the ciphertext, as the
	 * packet does */
	data = pkt.wrapped;
	ok = aa_eaa_decrypt(c, kp_store_kid(pkt.kid), data, pkt.wrapped_len, pkt.iv,
			    KP_IV_LEN, opts, optsn, err);
	kp_packet_free(&pkt);
	return ok;
}

struct unwrap_ctx {
	struct aa_eaa *c;
	uint8_t **opts;
	size_t *optsn;
};

static bool unwrap_one(void *arg, const uint8_t *p, size_t n, struct eaa_err *err)
{
	struct unwrap_ctx *u = arg;

	return unwrap_packet(u->c, p, n, u->opts, u->optsn, err);
}

bool aa_eaa_unwrap_annotation(struct aa_eaa *c, const char *annotation,
			      uint8_t **opts, size_t *optsn, struct eaa_err *err)
{
	struct unwrap_ctx u = { c, opts, optsn };

	return kp_annotation_each(annotation, unwrap_one, &u, err);
}

static long exact_done(const char *buf, size_t n, void *arg)
{
	size_t want = *(size_t *)arg;

	return n < want ? 0 : (long)want;
}

/* The base64size of a Get Resource Info reply, checked. */
static bool resource_size(json_t *reply, const char *path, size_t *want, struct eaa_err *err)
{
	const char *status = json_string_value(json_object_get(reply, "status"));
	const char *size = json_string_value(json_object_get(json_object_get(reply, "data"),
							     "base64size"));
	char *end;

	if (!status || strcmp(status, "OK") != 0)
		return eaa_fail(err, EAA_E_REJECTED, "verdictd: resource %s: %s", path,
				json_string_value(json_object_get(reply, "error")) ?
				json_string_value(json_object_get(reply, "error")) : "refused");
	if (size)
		*want = strtoul(size, &end, 10);
	if (!size || *end || *want == 0 || *want > MAX_REPLY)
		return eaa_fail(err, EAA_E_FORMAT, "verdictd: resource %s: base64size is not "
				"a size", path);
	return true;
}

/* A Get Resource reply (NUL-terminated base64) into the resource. */
static bool resource_bytes(const char *buf, const char *path, uint8_t **out, size_t *outn,
			   struct eaa_err *err)
{
	json_error_t je;
	json_t *fail;
	bool ok = false;

	if (!base64_decode(buf, false, out, outn))
		return eaa_fail(err, EAA_E_FORMAT, "verdictd: resource %s: the reply is not "
				"base64", path);
	/* a failure is the base64 of {"error":...,"status":"Fail"}: only
	 * bytes that name both members can be one */
	fail = memmem(*out, *outn, "\"status\"", 8) && memmem(*out, *outn, "\"error\"", 7) ?
	       json_loadb_fast((const char *)*out, *outn, 0, &je) : NULL;
	if (json_is_object(fail) && json_is_string(json_object_get(fail, "status")) &&
	    json_is_string(json_object_get(fail, "error"))) {
		eaa_fail(err, EAA_E_REJECTED, "verdictd: resource %s: %s", path,
			 json_string_value(json_object_get(fail, "error")));
		OPENSSL_cleanse(*out, *outn);
		free(*out);
		*out = NULL;
	} else {
		ok = true;
	}
	json_decref(fail);
	return ok;
}

bool aa_eaa_resource(struct aa_eaa *c, const char *path, uint8_t **out, size_t *outn,
		     struct eaa_err *err)
{
	json_t *req = json_pack("{s:s,s:s}", "command", "Get Resource Info", "name", path);
	json_t *reply = req ? exchange(c, req, err) : NULL;
	char *buf = NULL;
	size_t want = 0, n = 0;
	bool ok = false;

	json_decref(req);
	req = NULL;
	if (!reply || !resource_size(reply, path, &want, err))
		goto out;
	req = json_pack("{s:s,s:{s:s}}", "command", "Get Resource", "optional",
			"resource_path", path);
	if (!req) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!(buf = round_trip(c, req, exact_done, &want, &n, err)))
		goto out;
	ok = resource_bytes(buf, path, out, outn, err);
out:
	if (buf)
		OPENSSL_cleanse(buf, n);
	free(buf);
	json_decref(req);
	json_decref(reply);
	return ok;
}
