/* unary.h - unary gRPC calls on gRPC's C core, without generated code:
 * a server that hands each call's message to one handler, and a client
 * for one call. Messages are raw protobuf bytes (pb.h reads and writes
 * them). Plain HTTP/2 on loopback, as ocicrypt's key providers use it. */
#ifndef EAA_GRPC_UNARY_H
#define EAA_GRPC_UNARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

/* Answer one call to `method` ("/package.Service/Method"): fill reply and
 * return true, or return false with err (its code picks the gRPC status:
 * UNSUPPORTED -> UNIMPLEMENTED, FORMAT/INVALID -> INVALID_ARGUMENT,
 * REJECTED/UNTRUSTED -> PERMISSION_DENIED, others -> FAILED_PRECONDITION;
 * the message goes to the caller). */
typedef bool (*grpc_unary_fn)(void *arg, const char *method, const uint8_t *req,
			      size_t n, struct wr *reply, struct eaa_err *err);

struct grpc_unary_server;

/* Listen on addr ("127.0.0.1:50000"; port 0 picks one, *port says which)
 * and serve calls one at a time on a thread of its own. `what` names the
 * service in logs and errors. */
struct grpc_unary_server *grpc_unary_serve(const char *addr, const char *what,
					   grpc_unary_fn fn, void *arg,
					   int *port, struct eaa_err *err);

/* One call to addr; *reply (malloc'd) is the response message. A failed
 * status becomes err with the server's message. */
bool grpc_unary_call(const char *addr, const char *method, const uint8_t *req,
		     size_t n, int timeout_s, uint8_t **reply, size_t *replyn,
		     struct eaa_err *err);

#endif
