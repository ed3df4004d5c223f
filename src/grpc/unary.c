/* unary.c - unary gRPC server and client on the C core (see unary.h). */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "unary.h"
#include "wipe.h"

#define MAX_CLIENT_REPLY (64u * 1024u * 1024u)
#define DEFAULT_WORKERS GRPC_UNARY_DEFAULT_WORKERS
#define MAX_WORKERS 64
#define DEFAULT_MAX_MESSAGE (4u * 1024u * 1024u)
#define DEFAULT_RECV_TIMEOUT_S 10

struct grpc_unary_server;

/* One thread, its own completion queue, one call at a time: a call stuck
 * in its handler or waiting for its caller holds this worker only. */
struct worker {
	struct grpc_unary_server *g;
	grpc_completion_queue *cq;
	pthread_t thread;
};

struct grpc_unary_server {
	grpc_server *server;
	grpc_unary_fn fn;
	void *arg;
	struct grpc_unary_limits lim;
	char what[64];
	unsigned nworkers;
	struct worker workers[MAX_WORKERS];
	pthread_mutex_t lock;
	pthread_cond_t idle;    /* signalled as each worker thread ends */
	unsigned running;       /* worker threads not yet ended */
	grpc_completion_queue *shutdown_cq; /* set once shutdown has begun */
	char shutdown_tag;
};

enum wait_result { WAIT_FAILED, WAIT_OK, WAIT_TIMEOUT };

/* Wait for the event of one tag on a queue that only this thread reads,
 * up to deadline. */
static enum wait_result wait_tag_until(grpc_completion_queue *cq, void *tag,
				       gpr_timespec deadline)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(cq, deadline, NULL);

		if (ev.type == GRPC_QUEUE_TIMEOUT)
			return WAIT_TIMEOUT;
		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return WAIT_FAILED;
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == tag)
			return ev.success ? WAIT_OK : WAIT_FAILED;
	}
}

static bool wait_tag(grpc_completion_queue *cq, void *tag)
{
	return wait_tag_until(cq, tag, gpr_inf_future(GPR_CLOCK_REALTIME)) == WAIT_OK;
}

static grpc_byte_buffer *buffer_of(const uint8_t *p, size_t n)
{
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)p, n);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);

	grpc_slice_unref(s);
	return bb;
}

/* The whole message, or NULL when absent or over max. */
static uint8_t *bytes_of(grpc_byte_buffer *bb, size_t max, size_t *n)
{
	grpc_byte_buffer_reader rd;
	grpc_slice s;
	uint8_t *p;

	if (!bb || grpc_byte_buffer_length(bb) > max ||
	    !grpc_byte_buffer_reader_init(&rd, bb))
		return NULL;
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	*n = GRPC_SLICE_LENGTH(s);
	p = *n <= max ? malloc(*n + 1) : NULL;
	if (p)
		memcpy(p, GRPC_SLICE_START_PTR(s), *n);
	/* WrapKey's request holds a plaintext layer key */
	OPENSSL_cleanse(GRPC_SLICE_START_PTR(s), GRPC_SLICE_LENGTH(s));
	grpc_slice_unref(s);
	return p;
}

/* A message's bytes wiped before gRPC frees them: requests to WrapKey
 * hold layer keys, replies of UnWrapKey and GetResource too. */
static void wipe_buffer(grpc_byte_buffer *bb)
{
	grpc_slice_buffer *sb;
	size_t i;

	if (!bb || bb->type != GRPC_BB_RAW)
		return;
	sb = &bb->data.raw.slice_buffer;
	for (i = 0; i < sb->count; i++)
		OPENSSL_cleanse(GRPC_SLICE_START_PTR(sb->slices[i]),
				GRPC_SLICE_LENGTH(sb->slices[i]));
}

static grpc_status_code status_of(enum eaa_code c)
{
	switch (c) {
	case EAA_E_UNSUPPORTED: return GRPC_STATUS_UNIMPLEMENTED;
	case EAA_E_FORMAT:
	case EAA_E_INVALID: return GRPC_STATUS_INVALID_ARGUMENT;
	case EAA_E_REJECTED:
	case EAA_E_UNTRUSTED: return GRPC_STATUS_PERMISSION_DENIED;
	case EAA_E_NOMEM: return GRPC_STATUS_RESOURCE_EXHAUSTED;
	default: return GRPC_STATUS_FAILED_PRECONDITION;
	}
}

/* One call: read its message, answer it, close it. Replies may hold key
 * material: they are wiped once sent. A caller that does not deliver its
 * message in time is cancelled, so it cannot hold the worker. */
static void serve_call(struct grpc_unary_server *g, grpc_completion_queue *cq,
		       grpc_call *call, const char *method)
{
	grpc_byte_buffer *in = NULL, *out = NULL;
	grpc_status_code code = GRPC_STATUS_OK;
	grpc_slice details;
	grpc_op ops[3];
	int cancelled = 0;
	char tag1, tag2;
	uint8_t *raw = NULL;
	size_t n, rawn = 0;
	struct eaa_err err = { 0 };
	struct wr reply;
	enum wait_result w;

	wr_init(&reply);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &in;
	if (grpc_call_start_batch(call, ops, 2, &tag1, NULL) != GRPC_CALL_OK)
		goto out;
	w = wait_tag_until(cq, &tag1, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			   gpr_time_from_seconds(g->lim.recv_timeout_s, GPR_TIMESPAN)));
	if (w == WAIT_TIMEOUT) {
		LOG_WARN("%s: %s: no request message within %d s: cancelled", g->what,
			 method, g->lim.recv_timeout_s);
		grpc_call_cancel_with_status(call, GRPC_STATUS_DEADLINE_EXCEEDED,
					     "no request message in time", NULL);
		/* the batch still completes (as failed): drain it before the
		 * call and its buffers go */
		wait_tag(cq, &tag1);
		goto out;
	}
	if (w != WAIT_OK)
		goto out;
	if (!(raw = bytes_of(in, g->lim.max_message, &rawn))) {
		code = in ? GRPC_STATUS_RESOURCE_EXHAUSTED : GRPC_STATUS_INVALID_ARGUMENT;
		snprintf(err.msg, sizeof(err.msg), in ? "request message over %zu bytes" :
			 "no request message (or one gRPC refused as over %zu bytes)",
			 g->lim.max_message);
	} else if (!g->fn(g->arg, method, raw, rawn, &reply, &err)) {
		code = status_of(err.code);
	} else if (reply.failed || !(out = buffer_of(reply.buf ? reply.buf : (uint8_t *)"",
						      reply.len))) {
		code = GRPC_STATUS_RESOURCE_EXHAUSTED;
		snprintf(err.msg, sizeof(err.msg), "out of memory");
	}
	if (code != GRPC_STATUS_OK)
		LOG_WARN("%s: %s refused: %s", g->what, method, err.msg);
	details = grpc_slice_from_copied_string(code == GRPC_STATUS_OK ? "" : err.msg);
	memset(ops, 0, sizeof(ops));
	n = 0;
	if (out) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = out;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = code;
	ops[n].data.send_status_from_server.status_details = &details;
	n++;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &cancelled;
	/* the close completes once the caller has closed its side: one that
	 * never does is cancelled after the same bound, not waited on */
	if (grpc_call_start_batch(call, ops, n, &tag2, NULL) == GRPC_CALL_OK &&
	    wait_tag_until(cq, &tag2, gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
			   gpr_time_from_seconds(g->lim.recv_timeout_s, GPR_TIMESPAN))) ==
	    WAIT_TIMEOUT) {
		grpc_call_cancel(call, NULL);
		wait_tag(cq, &tag2);
	}
	grpc_slice_unref(details);
out:
	if (reply.buf)
		OPENSSL_cleanse(reply.buf, reply.len);
	wr_free(&reply);
	if (raw)
		OPENSSL_cleanse(raw, rawn);
	free(raw);
	wipe_buffer(in);
	wipe_buffer(out);
	if (in)
		grpc_byte_buffer_destroy(in);
	if (out)
		grpc_byte_buffer_destroy(out);
	/* replies are unwrapped layer keys and resources: the handler's
	 * frames (compiler temporaries included) do not wait in this
	 * worker's stack for the next call */
	eaa_stack_burn(64 * 1024);
}

static void *run(void *arg)
{
	struct worker *wk = arg;
	struct grpc_unary_server *g = wk->g;

	for (;;) {
		grpc_call *call = NULL;
		grpc_call_details details;
		grpc_metadata_array md;
		char tag, *method;

		grpc_call_details_init(&details);
		grpc_metadata_array_init(&md);
		if (grpc_server_request_call(g->server, &call, &details, &md, wk->cq, wk->cq,
					     &tag) != GRPC_CALL_OK ||
		    !wait_tag(wk->cq, &tag)) {
			grpc_call_details_destroy(&details);
			grpc_metadata_array_destroy(&md);
			break;
		}
		method = grpc_slice_to_c_string(details.method);
		serve_call(g, wk->cq, call, method ? method : "");
		gpr_free(method);
		grpc_call_unref(call);
		grpc_call_details_destroy(&details);
		grpc_metadata_array_destroy(&md);
	}
	pthread_mutex_lock(&g->lock);
	g->running--;
	pthread_cond_broadcast(&g->idle);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

struct grpc_unary_server *grpc_unary_serve_limits(const char *addr, const char *what,
						  grpc_unary_fn fn, void *arg,
						  const struct grpc_unary_limits *lim,
						  int *port, struct eaa_err *err)
{
	struct grpc_unary_server *g = calloc(1, sizeof(*g));
	grpc_server_credentials *creds;
	grpc_arg args[4];
	grpc_channel_args chargs = { .num_args = 4, .args = args };
	grpc_resource_quota *quota;

	if (!g) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (lim)
		g->lim = *lim;
	if (!g->lim.workers)
		g->lim.workers = DEFAULT_WORKERS;
	if (g->lim.workers > MAX_WORKERS)
		g->lim.workers = MAX_WORKERS;
	if (!g->lim.max_message || g->lim.max_message > INT_MAX)
		g->lim.max_message = DEFAULT_MAX_MESSAGE;
	if (g->lim.recv_timeout_s <= 0)
		g->lim.recv_timeout_s = DEFAULT_RECV_TIMEOUT_S;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->idle, NULL);
	grpc_init();
	g->fn = fn;
	g->arg = arg;
	snprintf(g->what, sizeof(g->what), "%s", what);
	/* The size limit as a channel argument makes gRPC answer
	 * RESOURCE_EXHAUSTED; but gRPC core (1.51) checks it only once the
	 * whole message is gathered, and grows the stream's window to fit the
	 * announced length. The memory quota is what bounds that: a message
	 * that outgrows it is cut off by the transport (RST_STREAM, which the
	 * caller reads as RESOURCE_EXHAUSTED) instead of being held whole. */
	args[0].type = GRPC_ARG_INTEGER;
	args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	args[0].value.integer = (int)g->lim.max_message;
	/* no window growth by bandwidth probes: a caller gets to send only
	 * what a worker is reading */
	args[1].type = GRPC_ARG_INTEGER;
	args[1].key = GRPC_ARG_HTTP2_BDP_PROBE;
	args[1].value.integer = 0;
	args[2].type = GRPC_ARG_INTEGER;
	args[2].key = GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES;
	args[2].value.integer = 64 * 1024;
	quota = grpc_resource_quota_create(what);
	grpc_resource_quota_resize(quota, g->lim.max_message * (g->lim.workers + 1));
	args[3].type = GRPC_ARG_POINTER;
	args[3].key = GRPC_ARG_RESOURCE_QUOTA;
	args[3].value.pointer.p = quota;
	args[3].value.pointer.vtable = grpc_resource_quota_arg_vtable();
	g->server = grpc_server_create(&chargs, NULL);
	grpc_resource_quota_unref(quota);
	for (g->nworkers = 0; g->nworkers < g->lim.workers; g->nworkers++) {
		struct worker *wk = &g->workers[g->nworkers];

		wk->g = g;
		wk->cq = grpc_completion_queue_create_for_next(NULL);
		grpc_server_register_completion_queue(g->server, wk->cq, NULL);
	}
	creds = grpc_insecure_server_credentials_create();
	*port = grpc_server_add_http2_port(g->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (*port <= 0) {
		eaa_fail(err, EAA_E_IO, "%s: cannot listen on %s", what, addr);
		grpc_server_destroy(g->server);
		for (unsigned i = 0; i < g->nworkers; i++)
			grpc_completion_queue_destroy(g->workers[i].cq);
		free(g);
		return NULL;
	}
	grpc_server_start(g->server);
	for (unsigned i = 0; i < g->nworkers; i++) {
		pthread_mutex_lock(&g->lock);
		g->running++;
		pthread_mutex_unlock(&g->lock);
		if (pthread_create(&g->workers[i].thread, NULL, run, &g->workers[i]) != 0) {
			pthread_mutex_lock(&g->lock);
			g->running--;
			pthread_mutex_unlock(&g->lock);
			/* the server runs; the workers started serve it */
			if (i == 0) {
				eaa_fail(err, EAA_E_IO, "%s: cannot start its threads", what);
				return NULL;
			}
			LOG_WARN("%s: %u of %u workers started", what, i, g->nworkers);
			break;
		}
		pthread_detach(g->workers[i].thread);
	}
	return g;
}

struct grpc_unary_server *grpc_unary_serve(const char *addr, const char *what,
					   grpc_unary_fn fn, void *arg,
					   int *port, struct eaa_err *err)
{
	return grpc_unary_serve_limits(addr, what, fn, arg, NULL, port, err);
}

static void drain(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
}

void grpc_unary_shutdown(struct grpc_unary_server *g)
{
	if (!g || g->shutdown_cq)
		return;
	g->shutdown_cq = grpc_completion_queue_create_for_next(NULL);
	grpc_server_shutdown_and_notify(g->server, g->shutdown_cq, &g->shutdown_tag);
	grpc_server_cancel_all_calls(g->server);
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
	while (g->running && rc == 0)
		rc = pthread_cond_timedwait(&g->idle, &g->lock, &until);
	done = g->running == 0;
	pthread_mutex_unlock(&g->lock);
	if (!done) {
		/* a handler is still in its round trip: the server and its
		 * queues stay, for that worker to finish with */
		LOG_WARN("%s: a call is still being handled after %d s", g->what, wait_s);
		return false;
	}
	wait_tag(g->shutdown_cq, &g->shutdown_tag);
	drain(g->shutdown_cq);
	grpc_server_destroy(g->server);
	for (unsigned i = 0; i < g->nworkers; i++)
		drain(g->workers[i].cq);
	pthread_cond_destroy(&g->idle);
	pthread_mutex_destroy(&g->lock);
	free(g);
	grpc_shutdown();
	return true;
}

/* A client channel and the completion queue its calls complete on. */
struct grpc_unary_client {
	grpc_channel *ch;
	grpc_completion_queue *cq;
	char *addr;
};

/* own: a connection not shared with the process's other channels. */
static struct grpc_unary_client *client_open(const char *addr, bool own,
					     struct eaa_err *err)
{
	struct grpc_unary_client *c = calloc(1, sizeof(*c));
	grpc_arg arg = { .type = GRPC_ARG_INTEGER, .key = GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL,
			 .value.integer = 1 };
	grpc_channel_args args = { .num_args = 1, .args = &arg };
	grpc_channel_credentials *creds;

	if (!c || !(c->addr = strdup(addr))) {
		free(c);
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	grpc_init();
	creds = grpc_insecure_credentials_create();
	/* never NULL: a bad address gives a channel whose calls fail */
	c->ch = grpc_channel_create(addr, creds, own ? &args : NULL);
	grpc_channel_credentials_release(creds);
	c->cq = grpc_completion_queue_create_for_next(NULL);
	return c;
}

struct grpc_unary_client *grpc_unary_client_open(const char *addr, struct eaa_err *err)
{
	return client_open(addr, true, err);
}

void grpc_unary_client_close(struct grpc_unary_client *c)
{
	if (!c)
		return;
	drain(c->cq);
	grpc_channel_destroy(c->ch);
	grpc_shutdown();
	free(c->addr);
	free(c);
}

bool grpc_unary_client_connect(struct grpc_unary_client *c, int timeout_s,
			       struct eaa_err *err)
{
	gpr_timespec deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
					     gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
	grpc_connectivity_state s;
	char tag;

	while ((s = grpc_channel_check_connectivity_state(c->ch, 1)) != GRPC_CHANNEL_READY) {
		if (s == GRPC_CHANNEL_SHUTDOWN)
			return eaa_fail(err, EAA_E_IO, "%s: the channel is shut down", c->addr);
		/* completes when the state changes, or unsuccessfully at the
		 * deadline */
		grpc_channel_watch_connectivity_state(c->ch, s, deadline, c->cq, &tag);
		if (!wait_tag(c->cq, &tag))
			return eaa_fail(err, EAA_E_IO, "%s: not connected within %d s", c->addr,
					timeout_s);
	}
	return true;
}

bool grpc_unary_client_call(struct grpc_unary_client *c, const char *method,
			    const uint8_t *req, size_t n, int timeout_s, uint8_t **reply,
			    size_t *replyn, struct eaa_err *err)
{
	const char *addr = c->addr;
	grpc_call *call;
	grpc_metadata_array initial, trailing;
	grpc_byte_buffer *out = buffer_of(req, n), *in = NULL;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice(), m;
	gpr_timespec deadline;
	grpc_op ops[6];
	char tag;
	bool ok = false;

	*reply = NULL;
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
				gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
	m = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(c->ch, NULL, GRPC_PROPAGATE_DEFAULTS, c->cq, m, NULL,
					deadline, NULL);
	grpc_slice_unref(m);
	grpc_metadata_array_init(&initial);
	grpc_metadata_array_init(&trailing);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = out;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &in;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	if (!call || grpc_call_start_batch(call, ops, 6, &tag, NULL) != GRPC_CALL_OK) {
		eaa_fail(err, EAA_E_IO, "%s: cannot start the call %s", addr, method);
		goto out;
	}
	if (!wait_tag(c->cq, &tag)) {
		eaa_fail(err, EAA_E_IO, "%s: the call %s did not complete", addr, method);
	} else if (status != GRPC_STATUS_OK) {
		char *msg = grpc_slice_to_c_string(details);

		eaa_fail(err, status == GRPC_STATUS_UNAVAILABLE ? EAA_E_IO :
			 status == GRPC_STATUS_PERMISSION_DENIED ? EAA_E_REJECTED :
			 EAA_E_INVALID, "%s %s: %s (gRPC status %d)", addr, method,
			 msg && *msg ? msg : "failed", (int)status);
		gpr_free(msg);
	} else if (!(*reply = bytes_of(in, MAX_CLIENT_REPLY, replyn))) {
		eaa_fail(err, EAA_E_FORMAT, "%s %s: no response message", addr, method);
	} else {
		ok = true;
	}
out:
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial);
	grpc_metadata_array_destroy(&trailing);
	if (in)
		grpc_byte_buffer_destroy(in);
	grpc_byte_buffer_destroy(out);
	if (call)
		grpc_call_unref(call);
	return ok;
}

bool grpc_unary_call(const char *addr, const char *method, const uint8_t *req,
		     size_t n, int timeout_s, uint8_t **reply, size_t *replyn,
		     struct eaa_err *err)
{
	struct grpc_unary_client *c = client_open(addr, false, err);
	bool ok;

	if (!c) {
		*reply = NULL;
		return false;
	}
	ok = grpc_unary_client_call(c, method, req, n, timeout_s, reply, replyn, err);
	grpc_unary_client_close(c);
	return ok;
}
