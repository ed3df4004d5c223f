/* api.h - verdictd's management API (`--client-api`), what `verdict`
 * speaks: one JSON request per TCP connection, one JSON reply.
 *
 *   {"token": "<hex>", "command": "set-opa", "name": "sgxData",
 *    "content": "<base64>"}
 *   -> {"status": "OK"} | {"status": "OK", "data": ...}
 *   -> {"status": "Fail", "error": "<what went wrong>"}
 *
 * The original served this as unauthenticated gRPC; ours refuses any
 * request without the token that verdictd writes (0600, random) to
 * <root>/client-api.token at its first start (docs/verdictd.md). */
#ifndef EAA_VD_API_H
#define EAA_VD_API_H

#include "store.h"

#define VD_TOKEN_FILE "client-api.token"

/* Read the token, creating it (64 hex digits, 0600) when absent. */
bool vd_api_token(struct vd_store *s, char token[65], struct eaa_err *err);

/* Handle one request; *reply is malloc'd JSON (NULL only when memory runs
 * out). */
void vd_api_handle(struct vd_store *s, const char *token, const char *req,
		   size_t n, char **reply);

/* The package document of data.policy for input (what verdict's
 * --test-opa-* print) into *result (malloc'd JSON). */
bool vd_opa_decide(const char *policy, size_t plen, const char *data,
		   size_t dlen, const char *input, size_t ilen, char **result,
		   struct eaa_err *err);

#endif
