/* kp_grpc.c - the key provider as the gRPC service ocicrypt and the
 * agents call (keyprovider.KeyProviderService: WrapKey, UnWrapKey), on
 * gRPC's C core. Each message has one bytes field (1) holding the
 * protocol's JSON (KeyProviderKeyWrapProtocolInput / Output), so the
 * protobuf framing is read and written here with the bounded reader;
 * keyprovider.c does the work. Calls are served one at a time on one
 * thread: wrapping a layer key is cheap. */
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "keyprovider.h"
#include "kp_grpc.h"
#include "log.h"

#define SERVICE "/keyprovider.KeyProviderService/"
#define MAX_MESSAGE (64u * 1024u * 1024u)

struct vd_kp_grpc {
	grpc_server *server;
	grpc_completion_queue *cq;
	struct vd_store *store;
	char provider[64];
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

/* A varint, as protobuf writes lengths and tags. */
static bool rd_varint(struct rd *r, uint64_t *v)
{
	uint8_t b;
	int shift;

	*v = 0;
	for (shift = 0; shift < 64; shift += 7) {
		if (!rd_u8(r, &b))
			return false;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* Field 1 (bytes) of a message; other fields are skipped. */
static bool pb_field1(const uint8_t *p, size_t n, const uint8_t **out,
		      size_t *outn)
{
	struct rd r = rd_init(p, n);
	uint64_t key, len;

	*out = NULL;
	*outn = 0;
	while (!rd_done(&r)) {
		if (!rd_varint(&r, &key))
			return false;
		switch (key & 7) {
		case 0:
			if (!rd_varint(&r, &len))
				return false;
			break;
		case 2: {
			struct rd sub;

			if (!rd_varint(&r, &len) || len > rd_left(&r) ||
			    !rd_sub(&r, (size_t)len, &sub))
				return false;
			if ((key >> 3) == 1) {
				*out = sub.p;
				*outn = sub.n;
			}
			break;
		}
		default:
			return false;
		}
	}
	return true;
}

static grpc_byte_buffer *pb_message(const char *json)
{
	struct wr w;
	size_t n = strlen(json), len;
	uint64_t v = n;
	uint8_t *p;
	grpc_slice s;
	grpc_byte_buffer *bb;

	wr_init(&w);
	wr_u8(&w, 0x0a); /* field 1, length-delimited */
	do {
		wr_u8(&w, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
		v >>= 7;
	} while (v);
	wr_bytes(&w, json, n);
	if (w.failed)
		return NULL;
	p = wr_take(&w, &len);
	s = grpc_slice_from_copied_buffer((const char *)p, len);
	free(p);
	bb = grpc_raw_byte_buffer_create(&s, 1);
	grpc_slice_unref(s);
	return bb;
}

static uint8_t *buffer_bytes(grpc_byte_buffer *bb, size_t *n)
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

/* One call: read its message, answer it, close it. */
static void serve_call(struct vd_kp_grpc *g, grpc_call *call, const char *method)
{
	grpc_byte_buffer *in = NULL, *out = NULL;
	grpc_status_code code = GRPC_STATUS_OK;
	grpc_metadata_array trailing;
	grpc_slice details;
	grpc_op ops[3];
	int cancelled = 0;
	char tag1, tag2, *reply = NULL, msg[600] = "";
	const uint8_t *json;
	uint8_t *raw = NULL;
	size_t n, jn;
	struct eaa_err err;

	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[1].op = GRPC_OP_RECV_MESSAGE;
	ops[1].data.recv_message.recv_message = &in;
	if (grpc_call_start_batch(call, ops, 2, &tag1, NULL) != GRPC_CALL_OK ||
	    !wait_tag(g->cq, &tag1))
		goto out;
	if (strcmp(method, SERVICE "WrapKey") != 0 && strcmp(method, SERVICE "UnWrapKey") != 0) {
		code = GRPC_STATUS_UNIMPLEMENTED;
		snprintf(msg, sizeof(msg), "unknown method %.200s", method);
	} else if (!(raw = buffer_bytes(in, &n)) || !pb_field1(raw, n, &json, &jn)) {
		code = GRPC_STATUS_INVALID_ARGUMENT;
		snprintf(msg, sizeof(msg), "the request is not a key-provider message");
	} else if (!vd_kp_handle(g->store, g->provider, (const char *)json, jn, &reply, &err)) {
		code = err.code == EAA_E_FORMAT || err.code == EAA_E_INVALID ?
		       GRPC_STATUS_INVALID_ARGUMENT : GRPC_STATUS_FAILED_PRECONDITION;
		snprintf(msg, sizeof(msg), "%s", err.msg);
	} else if (!(out = pb_message(reply))) {
		code = GRPC_STATUS_RESOURCE_EXHAUSTED;
		snprintf(msg, sizeof(msg), "out of memory");
	}
	if (code != GRPC_STATUS_OK)
		LOG_WARN("key provider %s refused: %s", method, msg);
	details = grpc_slice_from_copied_string(msg);
	grpc_metadata_array_init(&trailing);
	memset(ops, 0, sizeof(ops));
	n = 0;
	if (out) {
		ops[n].op = GRPC_OP_SEND_MESSAGE;
		ops[n++].data.send_message.send_message = out;
	}
	ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
	ops[n].data.send_status_from_server.status = code;
	ops[n].data.send_status_from_server.status_details = &details;
	ops[n].data.send_status_from_server.trailing_metadata_count = 0;
	n++;
	ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
	ops[n++].data.recv_close_on_server.cancelled = &cancelled;
	if (grpc_call_start_batch(call, ops, n, &tag2, NULL) == GRPC_CALL_OK)
		wait_tag(g->cq, &tag2);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&trailing);
out:
	if (reply)
		OPENSSL_cleanse(reply, strlen(reply));
	free(reply);
	free(raw);
	if (in)
		grpc_byte_buffer_destroy(in);
	if (out)
		grpc_byte_buffer_destroy(out);
}

static void *run(void *arg)
{
	struct vd_kp_grpc *g = arg;

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

struct vd_kp_grpc *vd_kp_grpc_start(struct vd_store *s, const char *addr,
				    const char *provider, int *port,
				    struct eaa_err *err)
{
	struct vd_kp_grpc *g = calloc(1, sizeof(*g));
	grpc_server_credentials *creds;

	if (!g) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	grpc_init();
	g->store = s;
	snprintf(g->provider, sizeof(g->provider), "%s", provider);
	g->cq = grpc_completion_queue_create_for_next(NULL);
	g->server = grpc_server_create(NULL, NULL);
	grpc_server_register_completion_queue(g->server, g->cq, NULL);
	creds = grpc_insecure_server_credentials_create();
	*port = grpc_server_add_http2_port(g->server, addr, creds);
	grpc_server_credentials_release(creds);
	if (*port <= 0) {
		eaa_fail(err, EAA_E_IO, "key provider: cannot listen on %s", addr);
		grpc_server_destroy(g->server);
		grpc_completion_queue_destroy(g->cq);
		free(g);
		return NULL;
	}
	grpc_server_start(g->server);
	if (pthread_create(&g->thread, NULL, run, g) != 0) {
		eaa_fail(err, EAA_E_IO, "key provider: cannot start its thread");
		return NULL;
	}
	pthread_detach(g->thread);
	return g;
}
