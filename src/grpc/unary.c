/* unary.c - unary gRPC client on the C core (see unary.h; the server is
 * server.c, on nghttp2). */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "unary.h"
#include "wipe.h"

#define MAX_CLIENT_REPLY (64u * 1024u * 1024u)

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


static void drain(grpc_completion_queue *cq)
{
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
	       GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
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
	/* WrapKey's request and UnWrapKey's reply hold layer keys */
	wipe_buffer(in);
	wipe_buffer(out);
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
