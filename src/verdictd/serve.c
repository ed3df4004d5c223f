/* serve.c - verdictd's event loop and worker pool (see serve.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include "api.h"
#include "eaa.h"
#include "json_util.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "wipe.h"

/* What a worker does in one go on one channel before it lets others have
 * their turn (a peer pipelining requests is served in rounds). */
#define REQUESTS_PER_TURN 32
/* Sockets accepted per listener event. */
#define ACCEPTS_PER_TURN 64
/* A request buffer's first size; it grows to the configured bound. */
#define FIRST_BUFFER 4096u
/* What a client API connection may make us buffer before it has shown
 * the token, and its largest request. */
#define API_PREAUTH (64u * 1024u)
#define API_MAX_REQUEST (16u * 1024u * 1024u)

enum kind { LISTEN_EAA, LISTEN_API, CHAN_EAA, CHAN_API };
enum state { HANDSHAKE, SERVING, WRITING };

/* One registered socket. Owned by the worker whose epoll_wait returned
 * it (registrations are one-shot) until that worker re-arms it. */
struct chan {
	enum kind kind;
	enum state state;
	int fd, slot;
	rats_tls_conn *conn;          /* CHAN_EAA, once the handshake began */
	uint64_t t0;                  /* accept (handshake metrics) */
	struct vd_decision d;         /* what the handshake decided */
	struct vd_peer peer;          /* what the requests are served as */
	char *buf;                    /* request bytes; NULL while idle */
	size_t have, cap;
	struct json_framer fr;
	char *out;                    /* the reply being written */
	size_t out_len, out_off;
	bool close_after;             /* once the reply is out */
};

static const struct vd_serve_conf *cf;
static int ep = -1;
static struct chan listen_eaa = { .kind = LISTEN_EAA }, listen_api = { .kind = LISTEN_API };

/* The record of the channel whose handshake step runs on this thread:
 * the claims callback runs inside that step. */
static __thread struct vd_decision *this_decision;

int vd_serve_default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 4 : n > 32 ? 64 : (int)n * 2;
}

int vd_serve_claims_cb(void *decider, const rats_tls_claims_t *claims)
{
	struct vd_decision d, *out = this_decision;
	uint64_t t0 = vd_metrics_clock();

	vd_decide(decider, claims->tee, claims->json, &d);
	vd_metrics_decision(claims->tee, d.allow, t0);
	if (d.allow)
		LOG_INFO("allowed %s peer: %s", vd_tee_name(d.tee), d.why);
	else
		LOG_WARN("refused %s peer: %s%s%s", claims->tee ? claims->tee : "a",
			 d.why, d.explain[0] ? ": " : "", d.explain);
	LOG_DEBUG("claims of that peer: %s", claims->json);
	if (out)
		*out = d;
	return !d.allow;
}

/* One log line a second at most for floods of refused connections. */
static void warn_refused(const char *what, int cap)
{
	static _Atomic time_t last;
	time_t now = time(NULL);

	if (last != now) {
		last = now;
		LOG_WARN("%s: closing new connections: %d already being served", what, cap);
	}
}

static bool arm(struct chan *c, uint32_t events)
{
	struct epoll_event ev = { .events = events | EPOLLONESHOT, .data.ptr = c };

	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == 0;
}

static struct vd_watch *table_of(const struct chan *c)
{
	return c->kind == CHAN_EAA ? cf->conns : cf->api_conns;
}

/* Wipe and free a buffer that held requests or replies (keys, resources,
 * Decrypt blobs, imported secrets). */
static void drop(char **p, size_t n)
{
	if (*p)
		OPENSSL_cleanse(*p, n);
	free(*p);
	*p = NULL;
}

static void chan_close(struct chan *c)
{
	if (c->conn)
		rats_tls_conn_close(c->conn);
	/* before close: the reaper must never shut down a reused number */
	vd_watch_remove(table_of(c), c->slot);
	close(c->fd);
	if (c->kind == CHAN_EAA)
		vd_metrics_connection(-1);
	drop(&c->buf, c->cap);
	drop(&c->out, c->out_len);
	free(c);
}

/* Room for more bytes of a request: a bigger buffer for the same bytes,
 * the old one wiped, never left to realloc. */
static bool grow(struct chan *c, size_t bound)
{
	size_t cap = c->cap ? c->cap * 4 : FIRST_BUFFER;
	char *nb;

	if (cap > bound)
		cap = bound;
	if (!(nb = malloc(cap + 1)))
		return false;
	if (c->buf)
		memcpy(nb, c->buf, c->have);
	drop(&c->buf, c->cap);
	c->buf = nb;
	c->cap = cap;
	return true;
}

/* ---- the attestation listener: attested TLS, the EAA protocol ---- */

enum step { DONE, WAIT_READ, WAIT_WRITE, FAILED };

static enum step waiting(rats_tls_err_t rc)
{
	return rc == EAA_E_WANT_READ ? WAIT_READ : rc == EAA_E_WANT_WRITE ? WAIT_WRITE : FAILED;
}

static enum step handshake(struct chan *c)
{
	rats_tls_err_t rc;

	this_decision = &c->d;
	rc = c->conn ? rats_tls_conn_step(c->conn)
		     : rats_tls_conn_start(cf->handle, c->fd, &c->conn);
	this_decision = NULL;
	if (rc == EAA_E_WANT_READ || rc == EAA_E_WANT_WRITE)
		return waiting(rc);
	if (rc != RATS_TLS_ERR_NONE) {
		bool late = vd_watch_expired(cf->conns, c->slot);

		/* the policy's refusal filled the record (with its reason);
		 * counted before the line is logged, for whoever waits on it */
		vd_metrics_handshake(late ? VD_HS_TIMEOUT : c->d.why[0] && !c->d.allow ?
				     VD_HS_REFUSED : VD_HS_FAILED, c->t0);
		LOG_WARN("connection refused: %s",
			 late ? "handshake deadline passed" : rats_tls_last_error());
		return FAILED;
	}
	vd_watch_limit(cf->conns, c->slot, cf->channel_ttl);
	/* allowed only by the record the policy filled in the handshake */
	if (cf->mutual && c->d.allow)
		c->peer = (struct vd_peer){ true, NULL, vd_tee_name(c->d.tee),
					    rats_tls_conn_claims(c->conn), cf->rpolicy };
	vd_metrics_handshake(c->peer.allowed ? VD_HS_ATTESTED : VD_HS_UNATTESTED, c->t0);
	c->state = SERVING;
	return DONE;
}

/* The decision the handshake took holds until the store changes or its
 * policy is replaced (a hand edit that compiles); then it is taken again on
 * the claims the channel proved, and a refusal ends the channel after its
 * reply. */
static void recheck(struct chan *c)
{
	uint64_t t0 = vd_metrics_clock();
	struct vd_decision *d = &c->d;
	bool again;

	if (!c->peer.allowed)
		return;
	if (vd_decision_holds(cf->decider, d, &again)) {
		if (again) {
			vd_metrics_decision(d->verifier, true, t0);
			LOG_DEBUG("%s channel still allowed after a store change: %s",
				  vd_tee_name(d->tee), d->why);
		}
		return;
	}
	vd_metrics_decision(d->verifier, false, t0);
	LOG_WARN("revoked an attested %s channel: the store changed and %s%s%s",
		 d->verifier, d->why, d->explain[0] ? ": " : "", d->explain);
	c->peer = (struct vd_peer){ false, d->why, NULL, NULL, NULL };
}

/* Write what is left of the reply. */
static enum step flush(struct chan *c)
{
	while (c->out_off < c->out_len) {
		size_t len = c->out_len - c->out_off;
		rats_tls_err_t rc = rats_tls_conn_write(c->conn, c->out + c->out_off, &len);

		c->out_off += len;
		if (rc != RATS_TLS_ERR_NONE) {
			c->state = WRITING;
			return waiting(rc);
		}
	}
	drop(&c->out, c->out_len);
	c->state = SERVING;
	return c->close_after ? FAILED : DONE;
}

static void reply_with(struct chan *c, char *data, size_t len, bool close_after)
{
	c->out = data;
	c->out_len = len;
	c->out_off = 0;
	c->close_after = close_after;
}

/* Answer the complete request of n bytes at the buffer's start. */
static enum step answer(struct chan *c, size_t n)
{
	struct vd_reply r;
	bool was_allowed = c->peer.allowed;
	uint64_t since = vd_metrics_clock();

	recheck(c);
	if (!vd_eaa_handle(cf->store, &c->peer, c->buf, n, &r))
		return FAILED;
	/* a write through the store while the reply was made: what it
	 * holds may have been decided under the old policy, so decide and
	 * answer again (until the store holds still). A hand edit is seen
	 * by the next request's check (it stats the files), as one made
	 * just after this reply would be. */
	while (c->peer.allowed && vd_store_generation(cf->store) != c->d.generation) {
		vd_reply_free(&r);
		recheck(c);
		if (!vd_eaa_handle(cf->store, &c->peer, c->buf, n, &r))
			return FAILED;
	}
	vd_metrics_request(r.command, r.status, since);
	memmove(c->buf, c->buf + n, c->have - n);
	OPENSSL_cleanse(c->buf + c->have - n, n);
	c->have -= n;
	c->fr = (struct json_framer){ 0 };
	/* the reply's buffer is ours now (vd_reply_free would wipe it) */
	reply_with(c, r.data, r.len, r.close || c->peer.allowed != was_allowed);
	return flush(c);
}

/* Not a JSON object, or larger than the bound: answer, then close (the
 * stream cannot be resynchronised). */
static enum step refuse_bad(struct chan *c)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "{\"data\":{},\"error\":\"%s\",\"status\":\"Fail\"}",
		 c->have >= cf->max_request ? "request larger than the configured bound" :
		 "request is not a JSON object");
	/* counted before the peer can see the reply */
	vd_metrics_request(VD_EAA_UNKNOWN, VD_REPLY_FAIL, vd_metrics_clock());
	reply_with(c, strdup(msg), strlen(msg), true);
	if (!c->out)
		return FAILED;
	return flush(c);
}

/* Between requests: no buffer, the idle deadline, then wait as rc says
 * (to read, unless TLS must write first). */
static enum step idle(struct chan *c, rats_tls_err_t rc)
{
	drop(&c->buf, c->cap);
	c->cap = 0;
	vd_watch_set(cf->conns, c->slot, cf->idle_timeout, "idle");
	return waiting(rc);
}

/* Serve requests until the peer has no more for now. */
static enum step serve(struct chan *c, bool *handled)
{
	int turn = 0;

	for (;;) {
		long frame = c->have ? json_frame_more(&c->fr, c->buf, c->have) : 0;
		enum step s;
		size_t len;
		rats_tls_err_t rc;

		if (frame > 0) {
			*handled = true;
			if ((s = answer(c, (size_t)frame)) != DONE)
				return s;
			/* nothing more received: back of the queue, so a
			 * client that asks again at once does not keep this
			 * worker from the others (a fair share each) */
			if (!c->have && !rats_tls_conn_pending(c->conn))
				return idle(c, EAA_E_WANT_READ);
			if (++turn == REQUESTS_PER_TURN)
				/* writable at once: back of the queue */
				return WAIT_WRITE;
			continue;
		}
		if (frame < 0 || c->have >= cf->max_request)
			return refuse_bad(c);
		if (c->have == c->cap && !grow(c, cf->max_request))
			return FAILED;
		len = c->cap - c->have;
		rc = rats_tls_conn_read(c->conn, c->buf + c->have, &len);
		if (rc == EAA_E_WANT_READ || rc == EAA_E_WANT_WRITE)
			return c->have ? waiting(rc) : idle(c, rc);
		if (rc != RATS_TLS_ERR_NONE || len == 0)
			return FAILED;
		if (!c->have)
			vd_watch_set(cf->conns, c->slot, cf->request_timeout, "request");
		c->have += len;
	}
}

static enum step eaa_event(struct chan *c, bool *handled)
{
	enum step s = DONE;

	if (c->state == HANDSHAKE && (s = handshake(c)) != DONE)
		return s;
	if (c->state == WRITING && (s = flush(c)) != DONE)
		return s;
	return serve(c, handled);
}

/* ---- the client API (verdict): one request, one reply, plain TCP ---- */

/* Does the request name the right token among its first bytes? Requests
 * larger than API_PREAUTH must put it first, as verdict does; the full
 * check is still vd_api_handle's, on the whole request. */
static bool token_seen(const char *buf, size_t n)
{
	const char *p = memmem(buf, n, "\"token\"", 7), *end = buf + n;

	if (!p)
		return false;
	for (p += 7; p < end && strchr(" \t\r\n", *p); p++)
		;
	if (p == end || *p++ != ':')
		return false;
	while (p < end && strchr(" \t\r\n", *p))
		p++;
	return end - p >= 66 && p[0] == '"' && p[65] == '"' &&
	       CRYPTO_memcmp(p + 1, cf->token, 64) == 0;
}

static enum step api_write(struct chan *c)
{
	while (c->out_off < c->out_len) {
		ssize_t put = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->state = WRITING;
			return WAIT_WRITE;
		}
		if (put <= 0)
			break;
		c->out_off += (size_t)put;
	}
	/* one request per connection: done either way */
	return FAILED;
}

static enum step api_reply(struct chan *c, const char *msg)
{
	reply_with(c, strdup(msg), strlen(msg), true);
	return c->out ? api_write(c) : FAILED;
}

static enum step api_event(struct chan *c, bool *handled)
{
	long frame;

	if (c->state == WRITING)
		return api_write(c);
	while ((frame = json_frame_more(&c->fr, c->buf, c->have)) == 0) {
		ssize_t got;

		if (c->have == c->cap) {
			if (c->cap == API_MAX_REQUEST)
				break;
			if (c->cap == API_PREAUTH && !token_seen(c->buf, c->have))
				return api_reply(c, "{\"error\":\"a request over 64 KiB must name "
						 "the client API token first\",\"status\":\"Fail\"}");
			if (!grow(c, API_MAX_REQUEST))
				return FAILED;
		}
		got = read(c->fd, c->buf + c->have, c->cap - c->have);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return WAIT_READ;
		if (got <= 0)
			break;
		c->have += (size_t)got;
	}
	if (frame > 0) {
		char *reply = NULL;

		*handled = true;
		vd_api_handle(cf->store, cf->token, c->buf, (size_t)frame, &reply);
		if (!reply)
			return FAILED;
		reply_with(c, reply, strlen(reply), true);
		return api_write(c);
	}
	if (c->have)
		return api_reply(c, "{\"error\":\"request is not one complete JSON object "
				 "(or larger than 16 MiB)\",\"status\":\"Fail\"}");
	return FAILED;
}

/* ---- accepting ---- */

static void accept_some(struct chan *l)
{
	bool eaa = l->kind == LISTEN_EAA;
	struct vd_watch *w = eaa ? cf->conns : cf->api_conns;
	int i;

	for (i = 0; i < ACCEPTS_PER_TURN; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot, one = 1;
		struct epoll_event ev;
		struct chan *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				static _Atomic time_t last;
				time_t now = time(NULL);

				if (last != now) {
					last = now;
					LOG_WARN("%s: accept: %s", eaa ? "attestation listener" :
						 "client API", strerror(errno));
				}
				if (errno == EMFILE || errno == ENFILE) {
					/* out of descriptors: let closes catch up
					 * rather than spin on the listener */
					struct timespec pause = { 0, 10 * 1000 * 1000 };

					nanosleep(&pause, NULL);
				}
			}
			break;
		}
		slot = vd_watch_add(w, fd, eaa ? cf->handshake_timeout : VD_API_DEADLINE,
				    eaa ? "handshake" : "client API request");
		if (slot < 0) {
			/* counted before the line that says so is logged */
			if (eaa)
				vd_metrics_rejected();
			warn_refused(eaa ? "attestation listener" : "client API",
				     eaa ? cf->max_connections : VD_API_MAX_CONNECTIONS);
			close(fd);
			continue;
		}
		if (!(c = calloc(1, sizeof(*c))) ||
		    (!eaa && !(c->buf = malloc(API_PREAUTH + 1)))) {
			free(c);
			vd_watch_remove(w, slot);
			close(fd);
			continue;
		}
		c->kind = eaa ? CHAN_EAA : CHAN_API;
		c->state = eaa ? HANDSHAKE : SERVING;
		c->fd = fd;
		c->slot = slot;
		c->t0 = vd_metrics_clock();
		c->cap = eaa ? 0 : API_PREAUTH;
		c->peer.why = "the agent presented no evidence: verdictd runs without --mutual";
		if (eaa) {
			/* one small reply per request: no Nagle delay */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			vd_metrics_connection(1);
		}
		ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			chan_close(c);
	}
	arm(l, EPOLLIN);
}

static void *worker(void *arg)
{
	bool dirty = false;

	(void)arg;
	for (;;) {
		struct epoll_event ev;
		struct chan *c;
		bool handled = false;
		enum step s;

		if (epoll_wait(ep, &ev, 1, 0) != 1) {
			/* nothing ready: before this worker sleeps, the frames
			 * that held KEKs and plaintexts (compiler temporaries
			 * included) are wiped. Under load the next request
			 * overwrites them anyway; this is for the quiet after. */
			if (dirty)
				eaa_stack_burn(64 * 1024);
			dirty = false;
			if (epoll_wait(ep, &ev, 1, -1) != 1)
				continue;
		}
		c = ev.data.ptr;
		if (c->kind == LISTEN_EAA || c->kind == LISTEN_API) {
			accept_some(c);
			continue;
		}
		s = c->kind == CHAN_EAA ? eaa_event(c, &handled) : api_event(c, &handled);
		if (s == WAIT_READ || s == WAIT_WRITE) {
			if (!arm(c, s == WAIT_READ ? EPOLLIN : EPOLLOUT))
				chan_close(c);
		} else {
			chan_close(c);
		}
		dirty |= handled;
	}
	return NULL;
}

/* Enough descriptors for every connection the caps allow: the soft limit
 * raised toward the hard one (what a daemon is expected to do). */
static void raise_fd_limit(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
		LOG_WARN("only %lu file descriptors for %zu connections: raise the "
			 "hard limit (ulimit -Hn)", (unsigned long)rl.rlim_cur, need);
}

static bool add_listener(struct chan *l, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = l };

	l->fd = fd;
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 &&
	       epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool vd_serve_start(const struct vd_serve_conf *conf, struct eaa_err *err)
{
	int i;

	cf = conf;
	raise_fd_limit((size_t)conf->max_connections + VD_API_MAX_CONNECTIONS + 256);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || !add_listener(&listen_eaa, conf->lfd) ||
	    (conf->api_lfd >= 0 && !add_listener(&listen_api, conf->api_lfd)))
		return eaa_fail(err, EAA_E_IO, "event loop: %s", strerror(errno));
	for (i = 1; i < conf->workers; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, worker, NULL) != 0)
			return eaa_fail(err, EAA_E_NOMEM, "cannot start worker %d of %d", i + 1,
					conf->workers);
		pthread_detach(t);
	}
	return true;
}

void vd_serve_run(void)
{
	worker(NULL);
}
