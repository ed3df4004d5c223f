/* unary.c - unary gRPC server and client on the C core (see unary.h). */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "unary.h"

#define MAX_MESSAGE (64u * 1024u * 1024u)

struct grpc_unary_server {
	grpc_server *server;
	grpc_completion_queue *cq;
	grpc_unary_fn fn;
	void *arg;
	char what[64];
	pthread_t thread;
};

/* Wait for the event of one tag on our queue. */
static bool wait_tag(grpc_completion_queue *cq, void *tag)
{
	for (;;) {
		grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME),
							   NULL);

		if (ev.type == GRPC_QUEUE_SHUTDOWN)
			return false;
		if (ev.type == GRPC_OP_COMPLETE && ev.tag == tag)
			return ev.success != 0;
	}
}

static grpc_byte_buffer *buffer_of(const uint8_t *p, size_t n)
{
	grpc_slice s = grpc_slice_from_copied_buffer((const char *)p, n);
	grpc_byte_buffer *bb = grpc_raw_byte_buffer_create(&s, 1);

	grpc_slice_unref(s);
	return bb;
}

/* The whole message, or NULL when absent or over MAX_MESSAGE. */
static uint8_t *bytes_of(grpc_byte_buffer *bb, size_t *n)
{
	grpc_byte_buffer_reader rd;
	grpc_slice s;
	uint8_t *p;

	if (!bb || !grpc_byte_buffer_reader_init(&rd, bb))
		return NULL;
	s = grpc_byte_buffer_reader_readall(&rd);
	grpc_byte_buffer_reader_destroy(&rd);
	*n = GRPC_SLICE_LENGTH(s);
	p = *n <= MAX_MESSAGE ? malloc(*n + 1) : NULL;
	if (p)
		memcpy(p, GRPC_SLICE_START_PTR(s), *n);
	grpc_slice_unref(s);
	return p;
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
 * material: they are wiped once sent. */
static void serve_call(struct grpc_unary_server *g, grpc_call *call, const char *method)
{
	grpc_byte_buffer *in = NULL, *out = NULL;
	grpc_status_code code = GRPC_STATUS_OK;
	grpc_slice details;
	grpc_op ops[3];
	int cancelled = 0;
	char tag1, tag2;
	uint8_t *raw = NULL;
	size_t n;
	struct eaa_err err = { 0 };
	struct wr reply;

	wr_init(&reply);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &in;
	if (grpc_call_start_batch(call, ops, 2, &tag1, NULL) != GRPC_CALL_OK ||
	    !wait_tag(g->cq, &tag1))
		goto out;
	if (!(raw = bytes_of(in, &n))) {
		code = GRPC_STATUS_INVALID_ARGUMENT;
		snprintf(err.msg, sizeof(err.msg), "no request message, or one over %u bytes",
			 MAX_MESSAGE);
	} else if (!g->fn(g->arg, method, raw, n, &reply, &err)) {
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
	if (grpc_call_start_batch(call, ops, n, &tag2, NULL) == GRPC_CALL_OK)
		wait_tag(g->cq, &tag2);
	grpc_slice_unref(details);
out:
	wr_free(&reply);
	free(raw);
	if (in)
		grpc_byte_buffer_destroy(in);
	if (out)
		grpc_byte_buffer_destroy(out);
}

static void *run(void *arg)
{
	struct grpc_unary_server *g = arg;

	for (;;) {
		grpc_call *call = NULL;
		grpc_call_details details;
		grpc_metadata_array md;
		char tag, *method;

		grpc_call_details_init(&details);
		grpc_metadata_array_init(&md);
		if (grpc_server_request_call(g->server, &call, &details, &md, g->cq, g->cq,
					     &tag) != GRPC_CALL_OK ||
		    !wait_tag(g->cq, &tag)) {
			grpc_call_details_destroy(&details);
			grpc_metadata_array_destroy(&md);
			break;
		}
		method = grpc_slice_to_c_string(details.method);
		serve_call(g, call, method ? method : "");
		gpr_free(method);
		grpc_call_unref(call);
		grpc_call_details_destroy(&details);
		grpc_metadata_array_destroy(&md);
	}
	return NULL;
}

struct grpc_unary_server *grpc_unary_serve(const char *addr, const char *what,
					   grpc_unary_fn fn, void *arg,
					   int *port, struct eaa_err *err)
{
	struct grpc_unary_server *g = calloc(1, sizeof(*g));
	grpc_server_credentials *creds;

	if (!g) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	grpc_init();
	g->fn = fn;
	g->arg = arg;
	snprintf(g->what, sizeof(g->what), "%s", what);
	g->cq = grpc_completion_queue_create_for_next(NULL);
	g->server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(g->server, g->cq, NULL);
	creds = grpc_insecure_server_credentials_create();
	*port = grpc_server_add_http2_port(g->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (*port <= 0) {
		eaa_fail(err, EAA_E_IO, "%s: cannot listen on %s", what, addr);
		grpc_server_destroy(g->server);
		grpc_completion_queue_destroy(g->cq);
		free(g);
		return NULL;
	}
	grpc_server_start(g->server);
	if (pthread_create(&g->thread, NULL, run, g) != 0) {
		eaa_fail(err, EAA_E_IO, "%s: cannot start its thread", what);
		return NULL;
	}
	pthread_detach(g->thread);
	return g;
}

bool grpc_unary_call(const char *addr, const char *method, const uint8_t *req,
		     size_t n, int timeout_s, uint8_t **reply, size_t *replyn,
		     struct eaa_err *err)
{
	grpc_channel_credentials *creds;
	grpc_channel *ch;
	grpc_completion_queue *cq;
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
	grpc_init();
	creds = grpc_insecure_credentials_create();
	ch = grpc_channel_create(addr, creds, NULL);
	grpc_channel_credentials_release(creds);
	cq = grpc_completion_queue_create_for_next(NULL);
	deadline = gpr_time_add(gpr_now(GPR_CLOCK_REALTIME),
				gpr_time_from_seconds(timeout_s, GPR_TIMESPAN));
	m = grpc_slice_from_copied_string(method);
	call = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq, m, NULL,
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
	if (!wait_tag(cq, &tag)) {
		eaa_fail(err, EAA_E_IO, "%s: the call %s did not complete", addr, method);
	} else if (status != GRPC_STATUS_OK) {
		char *msg = grpc_slice_to_c_string(details);

		eaa_fail(err, status == GRPC_STATUS_UNAVAILABLE ? EAA_E_IO :
			 status == GRPC_STATUS_PERMISSION_DENIED ? EAA_E_REJECTED :
			 EAA_E_INVALID, "%s %s: %s (gRPC status %d)", addr, method,
			 msg && *msg ? msg : "failed", (int)status);
		gpr_free(msg);
	} else if (!(*reply = bytes_of(in, replyn))) {
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
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_channel_destroy(ch);
	grpc_shutdown();
	return ok;
}
