/* kp_grpc.h - the key provider as a gRPC service (kp_grpc.c). */
#ifndef EAA_VD_KP_GRPC_H
#define EAA_VD_KP_GRPC_H

#include "store.h"

struct vd_kp_grpc;

#define VD_KP_DEFAULT_SOCK "/run/verdictd/keyprovider.sock"

/* Serve keyprovider.KeyProviderService's WrapKey on addr in gRPC's form
 * ("unix:/run/verdictd/keyprovider.sock", or "127.0.0.1:50000" where port
 * 0 picks one: *port says which) in a thread of its own. */
struct vd_kp_grpc *vd_kp_grpc_start(struct vd_store *s, const char *addr,
				    const char *provider, int *port,
				    struct eaa_err *err);

#endif
