/* server.c - the unary gRPC server of unary.h on nghttp2: one event loop
 * (epoll) owns the listening sockets and every HTTP/2 session; a fixed
 * pool of worker threads runs the handler of each whole request. A call
 * crosses threads twice: to a worker when its request is complete, back
 * to the loop with its reply (one eventfd write for a batch). Nothing
 * else is shared. gRPC over HTTP/2 as grpc/doc/PROTOCOL-HTTP2.md says:
 * a POST to /package.Service/Method with content-type application/grpc,
 * one length-prefixed message each way, the status in trailers (or in a
 * trailers-only answer when there is no reply).
 *
 * Bounds: calls beyond the workers wait in a queue; a request message
 * over max_message is refused as it arrives (RESOURCE_EXHAUSTED), and the
 * requests held at once never exceed max_message * (workers + 1) bytes; a
 * request not complete within recv_timeout_s is refused
 * (DEADLINE_EXCEEDED); a connection that does not open HTTP/2 within that
 * time is closed; at most MAX_CONNS connections. Requests and replies may
 * hold keys: every buffer that held one is wiped, and replies bypass
 * nghttp2's own buffers (NGHTTP2_DATA_FLAG_NO_COPY). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "log.h"
#include "unary.h"
#include "wipe.h"

#define MAX_WORKERS 64
#define DEFAULT_MAX_MESSAGE (4u * 1024u * 1024u)
#define DEFAULT_RECV_TIMEOUT_S 10
#define MAX_CONNS 1024
#define MAX_LISTEN 4
#define MAX_STREAMS 100     /* SETTINGS_MAX_CONCURRENT_STREAMS */
#define MAX_METHOD 256
#define OUT_HIGH (256u * 1024u) /* a connection's unsent bytes before
				   nghttp2 is asked for no more */
#define PREFIX 5            /* compressed flag, big-endian length */

/* A call is the loop's except while C_RUNNING or C_DONE (a worker's, then
 * on the done list). */
enum call_state { C_RECV, C_QUEUED, C_RUNNING, C_DONE, C_SENDING, C_ANSWERED };

struct conn;

struct grpc_unary_call {
	struct conn *c;           /* NULL once its stream or connection is gone */
	int32_t id;
	enum call_state state;    /* under the server's lock once a worker
				     may hold the call */
	bool receiving;           /* the loop's own: the request is still
				     coming (C_RECV), read without the lock */
	char method[MAX_METHOD + 1];
	bool post, bad_type;
	struct wr in;             /* the request's DATA as it came */
	size_t charged;           /* of in, counted against the server's quota */
	long long deadline_ms;    /* for the whole request */
	/* the answer, filled by the worker */
	int status;
	char msg[256];
	struct wr reply;          /* PREFIX + message */
	size_t queued, sent;      /* of reply: handed to nghttp2, written */
	struct grpc_unary_server *g;
	struct grpc_unary_call *next;        /* the work queue or the done list */
	struct grpc_unary_call *cprev, *cnext; /* the connection's calls */
};

struct conn {
	struct grpc_unary_server *g;
	int fd;
	nghttp2_session *h2;
	struct wr out;            /* bytes nghttp2 made, not yet written */
	bool want_out;            /* EPOLLOUT is armed */
	bool opened;              /* a frame has been read: HTTP/2 is up */
	bool dirty, dead;         /* to flush, to close: on the loop's list */
	struct conn *dnext;
	long long open_deadline_ms;
	struct grpc_unary_call *calls;
	struct conn *prev, *next;
};

struct grpc_unary_server {
	grpc_unary_fn fn;
	grpc_unary_start_fn start;
	void *arg;
	struct grpc_unary_limits lim;
	char what[64];
	int ep, efd;
	int lfd[MAX_LISTEN];
	unsigned nlisten;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct conn *conns;
	struct conn *dirty;       /* connections touched this turn */
	unsigned nconns;
	size_t quota, held;       /* request bytes allowed and held at once */
	pthread_t loop;
	bool loop_started;
	atomic_bool stopping;
	/* shared with the workers, under lock */
	pthread_mutex_t lock;
	pthread_cond_t work;      /* a call was queued, or stopping */
	pthread_cond_t idle;      /* a thread ended */
	struct grpc_unary_call *qhead, *qtail; /* calls waiting for a worker */
	struct grpc_unary_call *done;        /* answered calls, for the loop */
	unsigned running;         /* worker threads and the loop, not ended */
	unsigned pending;         /* calls taken by start, not yet ended */
	bool loop_gone;           /* the loop has ended: workers free calls */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int status_of(enum eaa_code c)
{
	switch (c) {
	case EAA_E_UNSUPPORTED: return 12; /* UNIMPLEMENTED */
	case EAA_E_FORMAT:
	case EAA_E_INVALID: return 3;      /* INVALID_ARGUMENT */
	case EAA_E_REJECTED:
	case EAA_E_UNTRUSTED: return 7;    /* PERMISSION_DENIED */
	case EAA_E_NOMEM: return 8;        /* RESOURCE_EXHAUSTED */
	default: return 9;                 /* FAILED_PRECONDITION */
	}
}

static void set_status(struct grpc_unary_call *k, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_status(struct grpc_unary_call *k, int status, const char *fmt, ...)
{
	va_list ap;

	k->status = status;
	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof(k->msg), fmt, ap);
	va_end(ap);
}

static void wipe_wr(struct wr *w)
{
	if (w->buf)
		OPENSSL_cleanse(w->buf, w->len);
	wr_free(w);
}

static void call_free(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	g->held -= k->charged;
	wipe_wr(&k->in);
	wipe_wr(&k->reply);
	free(k);
}

/* The connection has something to send (or is to be closed): flushed
 * once at the end of the loop's turn. */
static void touch(struct conn *c)
{
	if (c->dirty)
		return;
	c->dirty = true;
	c->dnext = c->g->dirty;
	c->g->dirty = c;
}

/* Take a call off its connection's list. */
static void call_unlink(struct grpc_unary_call *k)
{
	struct conn *c = k->c;

	if (!c)
		return;
	if (k->cprev)
		k->cprev->cnext = k->cnext;
	else
		c->calls = k->cnext;
	if (k->cnext)
		k->cnext->cprev = k->cprev;
	k->cprev = k->cnext = NULL;
	k->c = NULL;
}

/* The stream is gone (closed, reset, or its connection ended): a call no
 * worker holds is freed now; one a worker holds is freed when its answer
 * comes back. */
static void call_drop(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	bool held;

	call_unlink(k);
	pthread_mutex_lock(&g->lock);
	held = k->state == C_RUNNING || k->state == C_DONE;
	if (k->state == C_QUEUED) {
		struct grpc_unary_call **p = &g->qhead, *prev = NULL;

		while (*p && *p != k) {
			prev = *p;
			p = &(*p)->next;
		}
		if (*p)
			*p = k->next;
		if (g->qtail == k)
			g->qtail = prev;
	}
	pthread_mutex_unlock(&g->lock);
	if (!held)
		call_free(g, k);
}

/* --- answers ------------------------------------------------------------ */

static ssize_t reply_read(nghttp2_session *h2, int32_t id, uint8_t *buf, size_t length,
			  uint32_t *flags, nghttp2_data_source *src, void *user)
{
	struct grpc_unary_call *k = src->ptr;
	size_t n = k->reply.len - k->queued;

	(void)buf;
	(void)user;
	if (n > length)
		n = length;
	k->queued += n;
	*flags |= NGHTTP2_DATA_FLAG_NO_COPY;
	if (k->queued == k->reply.len) {
		nghttp2_nv tr[] = {
			{ (uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, NGHTTP2_NV_FLAG_NONE },
		};

		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		if (nghttp2_submit_trailer(h2, id, tr, 1) != 0)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

/* gRPC's percent-encoding of grpc-message: bytes outside ' '..'~' and '%'. */
static size_t pct_encode(const char *s, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 <= cap; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch > 0x7e || ch == '%') {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else {
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	return o;
}

#define NV(n, v, vl) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), \
		       NGHTTP2_NV_FLAG_NONE }

/* The call's answer on its stream: headers, message and trailers, or a
 * trailers-only answer for a failed call. */
static void answer(struct conn *c, struct grpc_unary_call *k)
{
	char status[16], msg[3 * sizeof(k->msg) + 1];
	int rv;

	/* the request is no longer needed */
	c->g->held -= k->charged;
	k->charged = 0;
	wipe_wr(&k->in);
	touch(c);
	k->receiving = false;
	k->state = C_ANSWERED;
	if (k->status == 0) {
		nghttp2_nv hd[] = {
			NV(":status", "200", 3),
			NV("content-type", "application/grpc", 16),
			NV("grpc-accept-encoding", "identity", 8),
		};
		nghttp2_data_provider dp = { .source.ptr = k, .read_callback = reply_read };

		k->state = C_SENDING;
		rv = nghttp2_submit_response(c->h2, k->id, hd, 3, &dp);
	} else {
		size_t sl = (size_t)snprintf(status, sizeof(status), "%d", k->status);
		size_t ml = pct_encode(k->msg, msg, sizeof(msg));
		nghttp2_nv hd[] = {
			NV(":status", "200", 3),
			NV("content-type", "application/grpc", 16),
			NV("grpc-status", status, sl),
			NV("grpc-message", msg, ml),
		};

		/* a caller still sending stops when it reads this (gRPC core
		 * reads an RST_STREAM after it as a failure, whatever its code);
		 * what it sends meanwhile is read and dropped */
		rv = nghttp2_submit_response(c->h2, k->id, hd, ml ? 4 : 3, NULL);
	}
	if (rv != 0)
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, k->id, NGHTTP2_INTERNAL_ERROR);
}

/* Refuse a call from the loop (before any worker saw it). */
static void refuse(struct conn *c, struct grpc_unary_call *k, int status, const char *why)
{
	LOG_WARN("%s: %s refused: %s", c->g->what, k->method[0] ? k->method : "(no method)", why);
	set_status(k, status, "%s", why);
	answer(c, k);
}

/* --- requests ----------------------------------------------------------- */

/* To the back of the workers' queue. Called with the lock held. */
static void enqueue_locked(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	k->state = C_QUEUED;
	k->next = NULL;
	if (g->qtail)
		g->qtail->next = k;
	else
		g->qhead = k;
	g->qtail = k;
	pthread_cond_signal(&g->work);
}

static void enqueue(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	pthread_mutex_lock(&g->lock);
	enqueue_locked(g, k);
	pthread_mutex_unlock(&g->lock);
}

/* The request is complete: exactly one uncompressed message, then to a
 * worker. */
static void request_done(struct conn *c, struct grpc_unary_call *k)
{
	struct grpc_unary_server *g = c->g;
	struct rd r = rd_init(k->in.buf, k->in.len);
	uint8_t flag;
	uint32_t len;

	if (!k->receiving)
		return;
	k->receiving = false;
	if (!k->post || k->method[0] != '/' || k->bad_type) {
		refuse(c, k, k->bad_type ? 3 : 12, k->bad_type ?
		       "not a gRPC call (content-type)" : "not a gRPC call (method or path)");
		return;
	}
	if (!rd_u8(&r, &flag) || !rd_u32be(&r, &len)) {
		refuse(c, k, 3, "no request message");
		return;
	}
	if (len > g->lim.max_message) {
		char why[96];

		snprintf(why, sizeof(why), "request message over %zu bytes", g->lim.max_message);
		refuse(c, k, 8, why);
		return;
	}
	if (rd_left(&r) != len) {
		refuse(c, k, rd_left(&r) < len ? 3 : 12, rd_left(&r) < len ?
		       "the request message is cut short" : "more than one request message");
		return;
	}
	if (flag != 0) {
		refuse(c, k, 12, "compressed request messages are not accepted");
		return;
	}
	if (g->start) {
		bool taken;

		/* a worker's until ended: it may end before start returns */
		pthread_mutex_lock(&g->lock);
		k->state = C_RUNNING;
		g->pending++;
		pthread_mutex_unlock(&g->lock);
		taken = g->start(g->arg, k->method, k->in.buf + PREFIX, len, k);
		pthread_mutex_lock(&g->lock);
		if (!taken) {
			g->pending--;
			k->state = C_RECV;
		}
		pthread_mutex_unlock(&g->lock);
		if (taken)
			return;
	}
	enqueue(g, k);
}

static int on_begin_headers(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
	struct conn *c = user;
	struct grpc_unary_call *k;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (!(k = calloc(1, sizeof(*k))))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	k->c = c;
	k->g = c->g;
	k->id = f->hd.stream_id;
	k->state = C_RECV;
	k->receiving = true;
	k->bad_type = true; /* until application/grpc is seen */
	k->deadline_ms = now_ms() + (long long)c->g->lim.recv_timeout_s * 1000;
	wr_init(&k->in);
	wr_init(&k->reply);
	k->cnext = c->calls;
	if (c->calls)
		c->calls->cprev = k;
	c->calls = k;
	nghttp2_session_set_stream_user_data(h2, k->id, k);
	return 0;
}

static int on_header(nghttp2_session *h2, const nghttp2_frame *f, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *user)
{
	struct grpc_unary_call *k = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id);

	(void)flags;
	(void)user;
	if (!k || f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (nl == 7 && memcmp(name, ":method", 7) == 0) {
		k->post = vl == 4 && memcmp(value, "POST", 4) == 0;
	} else if (nl == 5 && memcmp(name, ":path", 5) == 0) {
		if (vl >= 2 && vl <= MAX_METHOD - 1 && value[0] == '/' &&
		    !memchr(value, '\0', vl)) {
			memcpy(k->method, value, vl);
			k->method[vl] = '\0';
		}
	} else if (nl == 12 && memcmp(name, "content-type", 12) == 0) {
		k->bad_type = !(vl >= 16 && memcmp(value, "application/grpc", 16) == 0 &&
				(vl == 16 || value[16] == '+' || value[16] == ';'));
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *h2, uint8_t flags, int32_t id,
			 const uint8_t *data, size_t len, void *user)
{
	struct conn *c = user;
	struct grpc_unary_server *g = c->g;
	struct grpc_unary_call *k = nghttp2_session_get_stream_user_data(h2, id);
	char why[96];

	(void)flags;
	if (!k || !k->receiving)
		return 0;
	/* the bound is checked as bytes come, never after holding them */
	if (k->in.len + len > PREFIX + g->lim.max_message) {
		snprintf(why, sizeof(why), "request message over %zu bytes", g->lim.max_message);
		refuse(c, k, 8, why);
		return 0;
	}
	if (g->held + len > g->quota) {
		refuse(c, k, 8, "too many request bytes held at once");
		return 0;
	}
	if (!wr_bytes(&k->in, data, len)) {
		refuse(c, k, 8, "out of memory");
		return 0;
	}
	g->held += len;
	k->charged += len;
	/* a declared length over the bound is refused before the message */
	if (k->in.len >= PREFIX) {
		struct rd r = rd_init(k->in.buf + 1, 4);
		uint32_t ml = 0;

		if (rd_u32be(&r, &ml) && ml > g->lim.max_message) {
			snprintf(why, sizeof(why), "request message over %zu bytes",
				 g->lim.max_message);
			refuse(c, k, 8, why);
		}
	}
	return 0;
}

static int on_frame_recv(nghttp2_session *h2, const nghttp2_frame *f, void *user)
{
	struct conn *c = user;
	struct grpc_unary_call *k;

	c->opened = true;
	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	if ((k = nghttp2_session_get_stream_user_data(h2, f->hd.stream_id)))
		request_done(c, k);
	return 0;
}

static int on_stream_close(nghttp2_session *h2, int32_t id, uint32_t code, void *user)
{
	struct conn *c = user;
	struct grpc_unary_call *k = nghttp2_session_get_stream_user_data(h2, id);

	(void)code;
	if (k) {
		nghttp2_session_set_stream_user_data(h2, id, NULL);
		call_drop(c->g, k);
	}
	return 0;
}

/* Frames go to the connection's own buffer, written (and wiped) by
 * flush(); a full buffer stops nghttp2 until the socket drains. */
static ssize_t on_send(nghttp2_session *h2, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct conn *c = user;

	(void)h2;
	(void)flags;
	if (c->out.len >= OUT_HIGH)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (!wr_bytes(&c->out, data, len))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return (ssize_t)len;
}

/* A DATA frame of a reply, from the call's buffer (NO_COPY). */
static int on_send_data(nghttp2_session *h2, nghttp2_frame *f, const uint8_t *framehd,
			size_t length, nghttp2_data_source *src, void *user)
{
	struct conn *c = user;
	struct grpc_unary_call *k = src->ptr;

	(void)h2;
	if (f->data.padlen || k->sent + length > k->reply.len)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	if (c->out.len >= OUT_HIGH)
		return NGHTTP2_ERR_WOULDBLOCK;
	if (!wr_bytes(&c->out, framehd, 9) || !wr_bytes(&c->out, k->reply.buf + k->sent, length))
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	k->sent += length;
	return 0;
}

/* --- connections -------------------------------------------------------- */

static void conn_close(struct conn *c)
{
	struct grpc_unary_server *g = c->g;

	while (c->calls) {
		struct grpc_unary_call *k = c->calls;

		if (c->h2)
			nghttp2_session_set_stream_user_data(c->h2, k->id, NULL);
		call_drop(g, k);
	}
	if (c->h2)
		nghttp2_session_del(c->h2);
	epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	wipe_wr(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		g->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	g->nconns--;
	free(c);
}

/* Write what nghttp2 has to send; false: the connection is done. */
static bool flush(struct conn *c)
{
	bool again;

	do {
		again = false;
		if (nghttp2_session_send(c->h2) != 0)
			return false;
		while (c->out.len) {
			ssize_t w = send(c->fd, c->out.buf, c->out.len, MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (w <= 0)
				return false;
			OPENSSL_cleanse(c->out.buf, (size_t)w);
			memmove(c->out.buf, c->out.buf + w, c->out.len - (size_t)w);
			OPENSSL_cleanse(c->out.buf + c->out.len - (size_t)w, (size_t)w);
			c->out.len -= (size_t)w;
			/* nghttp2 stopped at the high mark: it may have more */
			again = c->out.len == 0 && nghttp2_session_want_write(c->h2);
		}
	} while (again);
	if ((c->out.len != 0) != c->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | (c->out.len ? EPOLLOUT : 0),
					  .data.ptr = c };

		c->want_out = c->out.len != 0;
		epoll_ctl(c->g->ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
	return c->out.len || nghttp2_session_want_read(c->h2) ||
	       nghttp2_session_want_write(c->h2);
}

static bool conn_read(struct conn *c)
{
	uint8_t buf[16384];
	ssize_t n;
	bool ok;

	n = recv(c->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0)
		return false;
	ok = nghttp2_session_mem_recv(c->h2, buf, (size_t)n) == n;
	/* WrapKey's requests carry plaintext layer keys */
	OPENSSL_cleanse(buf, (size_t)n);
	return ok;
}

/* A connection on fd (non-blocking) with its HTTP/2 session, our
 * SETTINGS queued; NULL (fd closed) when it cannot be made. */
static struct conn *conn_new(struct grpc_unary_server *g, int fd)
{
	static const nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, MAX_STREAMS },
		{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 64 * 1024 },
	};
	nghttp2_session_callbacks *cb;
	struct epoll_event ev = { .events = EPOLLIN };
	struct conn *c;
	int one = 1;

	if (g->nconns >= MAX_CONNS || !(c = calloc(1, sizeof(*c)))) {
		LOG_WARN("%s: %u connections open: one more closed", g->what, g->nconns);
		close(fd);
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->g = g;
	c->fd = fd;
	c->open_deadline_ms = now_ms() + (long long)g->lim.recv_timeout_s * 1000;
	wr_init(&c->out);
	if (nghttp2_session_callbacks_new(&cb) != 0) {
		close(fd);
		free(c);
		return NULL;
	}
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_send_callback(cb, on_send);
	nghttp2_session_callbacks_set_send_data_callback(cb, on_send_data);
	if (nghttp2_session_server_new(&c->h2, cb, c) != 0) {
		nghttp2_session_callbacks_del(cb);
		close(fd);
		free(c);
		return NULL;
	}
	nghttp2_session_callbacks_del(cb);
	nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, set, 2);
	c->next = g->conns;
	if (g->conns)
		g->conns->prev = c;
	g->conns = c;
	g->nconns++;
	ev.data.ptr = c;
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		c->dead = true;
	touch(c);
	return c;
}

static void conn_accept(struct grpc_unary_server *g, int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
		conn_new(g, fd);
}

/* Calls whose requests are late, and connections that never opened. */
static void expire(struct grpc_unary_server *g)
{
	long long now = now_ms();
	struct conn *c, *cn;

	for (c = g->conns; c; c = cn) {
		cn = c->next;
		if (!c->opened && now >= c->open_deadline_ms) {
			LOG_WARN("%s: a connection sent no HTTP/2 within %d s: closed", g->what,
				 g->lim.recv_timeout_s);
			c->dead = true;
			touch(c);
			continue;
		}
		for (struct grpc_unary_call *k = c->calls; k; k = k->cnext)
			if (k->receiving && now >= k->deadline_ms) {
				LOG_WARN("%s: %s: no request message within %d s: cancelled",
					 g->what, k->method, g->lim.recv_timeout_s);
				set_status(k, 4, "no request message in time"); /* DEADLINE_EXCEEDED */
				answer(c, k);
			}
	}
}

/* One write per connection touched this turn, whatever it answered;
 * connections are closed only here (and when the server stops). */
static void flush_dirty(struct grpc_unary_server *g)
{
	while (g->dirty) {
		struct conn *c = g->dirty;

		g->dirty = c->dnext;
		c->dirty = false;
		if (c->dead || !flush(c))
			conn_close(c);
	}
}

/* Answers from the workers go out on their streams, a batch per wake. */
static void deliver(struct grpc_unary_server *g)
{
	struct grpc_unary_call *k, *next, *list;
	uint64_t v;

	if (read(g->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		LOG_WARN("%s: eventfd: %s", g->what, strerror(errno));
	pthread_mutex_lock(&g->lock);
	list = g->done;
	g->done = NULL;
	pthread_mutex_unlock(&g->lock);
	for (k = list; k; k = next) {
		next = k->next;
		if (!k->c)
			call_free(g, k);
		else
			answer(k->c, k);
	}
}

static void stop_all(struct grpc_unary_server *g)
{
	for (unsigned i = 0; i < g->nlisten; i++) {
		epoll_ctl(g->ep, EPOLL_CTL_DEL, g->lfd[i], NULL);
		close(g->lfd[i]);
	}
	g->nlisten = 0;
	if (g->unix_path[0])
		unlink(g->unix_path);
	/* the calls in progress are cancelled: their callers see the stream
	 * reset, their answers (if any come) are dropped */
	g->dirty = NULL;
	while (g->conns) {
		struct conn *c = g->conns;

		for (struct grpc_unary_call *k = c->calls; k; k = k->cnext)
			nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, k->id, NGHTTP2_CANCEL);
		nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
		nghttp2_session_send(c->h2);
		if (c->out.len)
			(void)!send(c->fd, c->out.buf, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		conn_close(c);
	}
}

static void *loop_run(void *arg)
{
	struct grpc_unary_server *g = arg;
	struct epoll_event evs[64];
	long long next_scan = now_ms() + 250;

	while (!atomic_load(&g->stopping)) {
		int n = epoll_wait(g->ep, evs, 64, 250);

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct conn *c;
			bool ok = true;

			if (p == &g->efd) {
				deliver(g);
				continue;
			}
			if ((char *)p >= (char *)g->lfd && (char *)p < (char *)(g->lfd + MAX_LISTEN)) {
				conn_accept(g, *(int *)p);
				continue;
			}
			c = p;
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ok = conn_read(c);
			c->dead |= !ok;
			touch(c);
		}
		if (now_ms() >= next_scan) {
			expire(g);
			next_scan = now_ms() + 250;
		}
		flush_dirty(g);
	}
	stop_all(g);
	pthread_mutex_lock(&g->lock);
	g->loop_gone = true;
	while (g->done) {
		struct grpc_unary_call *k = g->done;

		g->done = k->next;
		call_free(g, k);
	}
	g->running--;
	pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --- workers ------------------------------------------------------------ */

/* The call's answer: the reply message (body, n), or err's status. */
static void set_answer(struct grpc_unary_server *g, struct grpc_unary_call *k,
		       const uint8_t *body, size_t n, const struct eaa_err *err)
{
	if (!body) {
		set_status(k, status_of(err->code), "%s", err->msg);
	} else if (n > UINT32_MAX || !wr_u8(&k->reply, 0) || !wr_u32be(&k->reply, (uint32_t)n) ||
		   !wr_bytes(&k->reply, body, n)) {
		set_status(k, 8, "out of memory");
	} else {
		k->status = 0;
	}
	if (k->status)
		LOG_WARN("%s: %s refused: %s", g->what, k->method, k->msg);
}

/* The answered call back to the loop, or freed once the loop is gone.
 * Called with the lock held. */
static void finish(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	bool wake;

	k->state = C_DONE;
	if (g->loop_gone) {
		call_free(g, k);
		return;
	}
	wake = g->done == NULL;
	k->next = g->done;
	g->done = k;
	if (wake) {
		uint64_t one = 1;

		(void)!write(g->efd, &one, sizeof(one));
	}
}

static void serve(struct grpc_unary_server *g, struct grpc_unary_call *k)
{
	struct eaa_err err = { 0 };
	struct wr body;

	wr_init(&body);
	if (!g->fn(g->arg, k->method, k->in.buf + PREFIX, k->in.len - PREFIX, &body, &err))
		set_answer(g, k, NULL, 0, &err);
	else if (body.failed)
		set_answer(g, k, NULL, 0, &(struct eaa_err){ EAA_E_NOMEM, "out of memory" });
	else
		set_answer(g, k, body.buf ? body.buf : (const uint8_t *)"", body.len, NULL);
	wipe_wr(&body);
	OPENSSL_cleanse(k->in.buf, k->in.len);
}

/* --- calls taken by the start function ---------------------------------- */

void grpc_unary_answer(struct grpc_unary_call *k, const uint8_t *reply, size_t n,
		       const struct eaa_err *err)
{
	struct grpc_unary_server *g = k->g;

	set_answer(g, k, reply, n, err);
	pthread_mutex_lock(&g->lock);
	g->pending--;
	finish(g, k);
	pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
}

void grpc_unary_retry(struct grpc_unary_call *k)
{
	struct grpc_unary_server *g = k->g;

	pthread_mutex_lock(&g->lock);
	g->pending--;
	if (atomic_load(&g->stopping)) {
		/* no worker will take it: cancelled, as calls in progress are */
		set_status(k, 1, "the server is stopping");
		finish(g, k);
	} else {
		enqueue_locked(g, k);
	}
	pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
}

static void *worker_run(void *arg)
{
	struct grpc_unary_server *g = arg;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		struct grpc_unary_call *k;

		while (!g->qhead && !atomic_load(&g->stopping))
			pthread_cond_wait(&g->work, &g->lock);
		if (!g->qhead)
			break;
		k = g->qhead;
		g->qhead = k->next;
		if (!g->qhead)
			g->qtail = NULL;
		k->state = C_RUNNING;
		pthread_mutex_unlock(&g->lock);
		serve(g, k);
		/* replies are unwrapped layer keys and resources: the handler's
		 * frames do not wait in this stack for the next call */
		eaa_stack_burn(64 * 1024);
		pthread_mutex_lock(&g->lock);
		finish(g, k);
	}
	g->running--;
	pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* --- listening ---------------------------------------------------------- */

static bool listen_fd(struct grpc_unary_server *g, int fd, struct eaa_err *err)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (listen(fd, 1024) != 0) {
		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s: listen: %s", g->what, strerror(errno));
	}
	g->lfd[g->nlisten] = fd;
	ev.data.ptr = &g->lfd[g->nlisten];
	if (epoll_ctl(g->ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s: epoll: %s", g->what, strerror(errno));
	}
	g->nlisten++;
	return true;
}

/* "unix:///path" or "unix:path" (a stale socket file is replaced, as
 * gRPC does), "HOST:PORT" or "[V6]:PORT" (every address HOST names). */
static bool bind_addr(struct grpc_unary_server *g, const char *addr, int *port,
		      struct eaa_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	char host[256], serv[16];
	const char *colon;
	int fd, one = 1, rc;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		const char *path = addr + 5;

		if (strncmp(path, "//", 2) == 0)
			path += 2;
		if (!*path || strlen(path) >= sizeof(sa.sun_path))
			return eaa_fail(err, EAA_E_INVALID, "%s: bad unix socket address %s",
					g->what, addr);
		memcpy(sa.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return eaa_fail(err, EAA_E_IO, "%s: socket: %s", g->what, strerror(errno));
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			eaa_fail(err, EAA_E_IO, "%s: cannot listen on %s: %s", g->what, addr,
				 strerror(errno));
			close(fd);
			return false;
		}
		snprintf(g->unix_path, sizeof(g->unix_path), "%s", path);
		*port = 1;
		return listen_fd(g, fd, err);
	}
	if (addr[0] == '[') {
		const char *end = strchr(addr, ']');

		if (!end || end[1] != ':' || (size_t)(end - addr - 1) >= sizeof(host))
			return eaa_fail(err, EAA_E_INVALID, "%s: bad address %s", g->what, addr);
		memcpy(host, addr + 1, (size_t)(end - addr - 1));
		host[end - addr - 1] = '\0';
		colon = end + 1;
	} else {
		if (!(colon = strrchr(addr, ':')) || (size_t)(colon - addr) >= sizeof(host))
			return eaa_fail(err, EAA_E_INVALID, "%s: bad address %s (HOST:PORT)",
					g->what, addr);
		memcpy(host, addr, (size_t)(colon - addr));
		host[colon - addr] = '\0';
	}
	snprintf(serv, sizeof(serv), "%s", colon + 1);
	if ((rc = getaddrinfo(host[0] ? host : NULL, serv, &hints, &res)) != 0)
		return eaa_fail(err, EAA_E_INVALID, "%s: %s: %s", g->what, addr, gai_strerror(rc));
	*port = 0;
	for (ai = res; ai && g->nlisten < MAX_LISTEN; ai = ai->ai_next) {
		if (*port && ai->ai_family == AF_INET)
			((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((uint16_t)*port);
		if (*port && ai->ai_family == AF_INET6)
			((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((uint16_t)*port);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			continue;
		}
		if (!*port) {
			struct sockaddr_storage ss;
			socklen_t sl = sizeof(ss);

			getsockname(fd, (struct sockaddr *)&ss, &sl);
			*port = ntohs(ss.ss_family == AF_INET6 ?
				      ((struct sockaddr_in6 *)&ss)->sin6_port :
				      ((struct sockaddr_in *)&ss)->sin_port);
		}
		if (!listen_fd(g, fd, err)) {
			freeaddrinfo(res);
			return false;
		}
	}
	freeaddrinfo(res);
	if (!g->nlisten)
		return eaa_fail(err, EAA_E_IO, "%s: cannot listen on %s", g->what, addr);
	return true;
}

static void server_free(struct grpc_unary_server *g)
{
	for (unsigned i = 0; i < g->nlisten; i++)
		close(g->lfd[i]);
	if (g->ep >= 0)
		close(g->ep);
	if (g->efd >= 0)
		close(g->efd);
	pthread_cond_destroy(&g->work);
	pthread_cond_destroy(&g->idle);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

struct grpc_unary_server *grpc_unary_serve_limits(const char *addr, const char *what,
						  grpc_unary_fn fn, void *arg,
						  const struct grpc_unary_limits *lim,
						  int *port, struct eaa_err *err)
{
	return grpc_unary_serve_async(addr, what, fn, NULL, arg, lim, port, err);
}

struct grpc_unary_server *grpc_unary_serve_async(const char *addr, const char *what,
						 grpc_unary_fn fn, grpc_unary_start_fn start,
						 void *arg, const struct grpc_unary_limits *lim,
						 int *port, struct eaa_err *err)
{
	struct grpc_unary_server *g = calloc(1, sizeof(*g));
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned i;

	if (!g) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (lim)
		g->lim = *lim;
	if (!g->lim.workers)
		g->lim.workers = GRPC_UNARY_DEFAULT_WORKERS;
	if (g->lim.workers > MAX_WORKERS)
		g->lim.workers = MAX_WORKERS;
	if (!g->lim.max_message || g->lim.max_message > INT_MAX)
		g->lim.max_message = DEFAULT_MAX_MESSAGE;
	if (g->lim.recv_timeout_s <= 0)
		g->lim.recv_timeout_s = DEFAULT_RECV_TIMEOUT_S;
	g->quota = (g->lim.max_message + PREFIX) * (g->lim.workers + 1);
	g->fn = fn;
	g->start = start;
	g->arg = arg;
	snprintf(g->what, sizeof(g->what), "%s", what);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->idle, NULL);
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->efd < 0 || g->ep < 0) {
		eaa_fail(err, EAA_E_IO, "%s: %s", what, strerror(errno));
		server_free(g);
		return NULL;
	}
	ev.data.ptr = &g->efd;
	epoll_ctl(g->ep, EPOLL_CTL_ADD, g->efd, &ev);
	if (!bind_addr(g, addr, port, err)) {
		server_free(g);
		return NULL;
	}
	g->running = 1;
	if (pthread_create(&g->loop, NULL, loop_run, g) != 0) {
		eaa_fail(err, EAA_E_IO, "%s: cannot start its threads", what);
		server_free(g);
		return NULL;
	}
	pthread_detach(g->loop);
	for (i = 0; i < g->lim.workers; i++) {
		pthread_t t;

		pthread_mutex_lock(&g->lock);
		g->running++;
		pthread_mutex_unlock(&g->lock);
		if (pthread_create(&t, NULL, worker_run, g) != 0) {
			pthread_mutex_lock(&g->lock);
			g->running--;
			pthread_mutex_unlock(&g->lock);
			if (i == 0) {
				/* the loop runs: it must be stopped, not freed */
				grpc_unary_stop(g, 3);
				eaa_fail(err, EAA_E_IO, "%s: cannot start its threads", what);
				return NULL;
			}
			LOG_WARN("%s: %u of %u workers started", what, i, g->lim.workers);
			break;
		}
		pthread_detach(t);
	}
	return g;
}

struct grpc_unary_server *grpc_unary_serve(const char *addr, const char *what,
					   grpc_unary_fn fn, void *arg,
					   int *port, struct eaa_err *err)
{
	return grpc_unary_serve_limits(addr, what, fn, arg, NULL, port, err);
}

void grpc_unary_shutdown(struct grpc_unary_server *g)
{
	uint64_t one = 1;

	if (!g || atomic_exchange(&g->stopping, true))
		return;
	pthread_mutex_lock(&g->lock);
	pthread_cond_broadcast(&g->work);
	pthread_mutex_unlock(&g->lock);
	(void)!write(g->efd, &one, sizeof(one));
}

bool grpc_unary_stop(struct grpc_unary_server *g, int wait_s)
{
	struct timespec until;
	bool done;
	int rc = 0;

	if (!g)
		return true;
	grpc_unary_shutdown(g);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_s;
	pthread_mutex_lock(&g->lock);
	while ((g->running || g->pending) && rc == 0)
		rc = pthread_cond_timedwait(&g->idle, &g->lock, &until);
	done = g->running == 0 && g->pending == 0;
	pthread_mutex_unlock(&g->lock);
	if (!done) {
		/* a handler is still in its round trip: the server stays, for
		 * that worker to finish with */
		LOG_WARN("%s: a call is still being handled after %d s", g->what, wait_s);
		return false;
	}
	server_free(g);
	return true;
}
