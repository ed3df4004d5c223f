/* kp_grpc.c - the key provider as the gRPC service ocicrypt calls
 * (keyprovider.KeyProviderService: WrapKey; UnWrapKey is refused, it is
 * the attestation agent's after attestation). Each message has one bytes
 * field (1) holding the protocol's JSON
 * (KeyProviderKeyWrapProtocolInput / Output); keyprovider.c does the work.
 * Calls are served by unary.c's worker pool: the handler keeps no state of
 * its own, and the store serialises its writers. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "keyprovider.h"
#include "kp_grpc.h"
#include "pb.h"
#include "unary.h"

#define SERVICE "/keyprovider.KeyProviderService/"

struct vd_kp_grpc {
	struct grpc_unary_server *server;
	struct vd_store *store;
	char provider[64];
};

static bool handle(void *arg, const char *method, const uint8_t *req, size_t n,
		   struct wr *reply, struct eaa_err *err)
{
	struct vd_kp_grpc *g = arg;
	const uint8_t *json;
	size_t jn;
	char *out = NULL;
	bool ok;

	if (strcmp(method, SERVICE "UnWrapKey") == 0)
		return eaa_fail(err, EAA_E_REJECTED, "UnWrapKey is not served here: "
				"layer keys are unwrapped by the attestation agent after "
				"it attests to verdictd");
	if (strcmp(method, SERVICE "WrapKey") != 0)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "unknown method %.200s", method);
	if (!pb_get_bytes(req, n, 1, &json, &jn))
		return eaa_fail(err, EAA_E_FORMAT, "the request is not a key-provider message");
	if (!vd_kp_handle(g->store, g->provider, VD_KP_WRAP, (const char *)json, jn, &out, err))
		return false;
	pb_put_bytes(reply, 1, out, strlen(out));
	OPENSSL_cleanse(out, strlen(out));
	free(out);
	ok = !reply->failed || eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return ok;
}

struct vd_kp_grpc *vd_kp_grpc_start(struct vd_store *s, const char *addr,
				    const char *provider, int *port,
				    struct eaa_err *err)
{
	struct vd_kp_grpc *g = calloc(1, sizeof(*g));

	if (!g) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	g->store = s;
	snprintf(g->provider, sizeof(g->provider), "%s", provider);
	if (!(g->server = grpc_unary_serve(addr, "key provider", handle, g, port, err))) {
		free(g);
		return NULL;
	}
	return g;
}
