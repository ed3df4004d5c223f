/* unary.h - unary gRPC calls without generated code (the client on gRPC's
 * C core, the server on nghttp2):
 * a server that hands each call's message to one handler, and a client
 * for one call. Messages are raw protobuf bytes (pb.h reads and writes
 * them). Plain HTTP/2 on loopback or a unix socket, as ocicrypt's key
 * providers use it. */
#ifndef EAA_GRPC_UNARY_H
#define EAA_GRPC_UNARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define GRPC_UNARY_DEFAULT_WORKERS 8

/* Answer one call to `method` ("/package.Service/Method"): fill reply and
 * return true, or return false with err (its code picks the gRPC status:
 * UNSUPPORTED -> UNIMPLEMENTED, FORMAT/INVALID -> INVALID_ARGUMENT,
 * REJECTED/UNTRUSTED -> PERMISSION_DENIED, others -> FAILED_PRECONDITION;
 * the message goes to the caller). Called from several threads at once
 * (one per call being served): fn and arg must be thread-safe. */
typedef bool (*grpc_unary_fn)(void *arg, const char *method, const uint8_t *req,
			      size_t n, struct wr *reply, struct eaa_err *err);

/* How a server bounds its callers; 0 in a field means its default. */
struct grpc_unary_limits {
	unsigned workers;     /* calls served at once (default 8); one slow
				 call holds one worker, never the service */
	size_t max_message;   /* largest request message (default 4 MiB): a
				 larger one is refused with RESOURCE_EXHAUSTED;
				 the server's memory quota for messages in
				 flight is max_message * (workers + 1), so an
				 oversized one is cut off, never held whole */
	int recv_timeout_s;   /* a caller that does not send its whole
				 message within this is cancelled with
				 DEADLINE_EXCEEDED (default 10) */
};

struct grpc_unary_server;

/* Listen on addr ("127.0.0.1:50000", port 0 picks one and *port says
 * which; or "unix:///path", *port is then 1) and serve calls on a small
 * pool of threads of its own. `what` names the service in logs and
 * errors. lim may be NULL (the defaults). */
struct grpc_unary_server *grpc_unary_serve_limits(const char *addr, const char *what,
						  grpc_unary_fn fn, void *arg,
						  const struct grpc_unary_limits *lim,
						  int *port, struct eaa_err *err);
/* The same with the default limits. */
struct grpc_unary_server *grpc_unary_serve(const char *addr, const char *what,
					   grpc_unary_fn fn, void *arg,
					   int *port, struct eaa_err *err);

/* A call answered later, from any thread (see grpc_unary_serve_async). */
struct grpc_unary_call;

/* Offered each whole request on the server's event loop, before any
 * worker: return true to take the call, which must then be ended exactly
 * once by grpc_unary_answer or grpc_unary_retry; false leaves it to fn on
 * a worker. It must not wait (it runs where every caller's bytes are
 * read); req is valid only during the call. */
typedef bool (*grpc_unary_start_fn)(void *arg, const char *method, const uint8_t *req,
				    size_t n, struct grpc_unary_call *call);

/* grpc_unary_serve_limits with start (NULL: none). */
struct grpc_unary_server *grpc_unary_serve_async(const char *addr, const char *what,
						 grpc_unary_fn fn, grpc_unary_start_fn start,
						 void *arg, const struct grpc_unary_limits *lim,
						 int *port, struct eaa_err *err);
/* End a taken call: reply is the response message, or NULL with err (its
 * code picks the status, as for fn). The reply is copied (and the caller
 * wipes its own). */
void grpc_unary_answer(struct grpc_unary_call *call, const uint8_t *reply, size_t n,
		       const struct eaa_err *err);
/* End a taken call by handing it to fn on a worker after all. */
void grpc_unary_retry(struct grpc_unary_call *call);

/* Stop listening and cancel the calls in progress, without waiting (so
 * that several servers stop together). */
void grpc_unary_shutdown(struct grpc_unary_server *g);
/* Stop listening, cancel the calls in progress and wait up to wait_s for
 * the workers to finish; then free the server and return true. A handler
 * still running after that (a round trip that has not timed out) keeps
 * the server alive for it: false, and the caller must not free what the
 * handler uses. */
bool grpc_unary_stop(struct grpc_unary_server *g, int wait_s);

/* One call to addr on a channel of its own, closed after it; *reply
 * (malloc'd) is the response message. A failed status becomes err with the
 * server's message. */
bool grpc_unary_call(const char *addr, const char *method, const uint8_t *req,
		     size_t n, int timeout_s, uint8_t **reply, size_t *replyn,
		     struct eaa_err *err);

/* A channel to addr kept for many calls, one at a time, on a connection
 * of its own (gRPC would otherwise share one connection among every
 * channel of the process to the same address): what a long-lived caller
 * such as a container runtime holds. Connected on the first call; one
 * thread at a time. */
struct grpc_unary_client;

struct grpc_unary_client *grpc_unary_client_open(const char *addr, struct eaa_err *err);
/* Connect now rather than on the first call: true once the connection is
 * up, false (err says why) if it is not within timeout_s. */
bool grpc_unary_client_connect(struct grpc_unary_client *c, int timeout_s,
			       struct eaa_err *err);
/* As grpc_unary_call, on the client's channel. */
bool grpc_unary_client_call(struct grpc_unary_client *c, const char *method,
			    const uint8_t *req, size_t n, int timeout_s, uint8_t **reply,
			    size_t *replyn, struct eaa_err *err);
void grpc_unary_client_close(struct grpc_unary_client *c);

#endif
