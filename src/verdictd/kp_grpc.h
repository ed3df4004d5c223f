/* kp_grpc.h - the key provider as a gRPC service (kp_grpc.c). */
#ifndef EAA_VD_KP_GRPC_H
#define EAA_VD_KP_GRPC_H

#include "store.h"

struct vd_kp_grpc;

/* Serve keyprovider.KeyProviderService on addr ("127.0.0.1:50000", port 0
 * picks one: *port says which) in a thread of its own. */
struct vd_kp_grpc *vd_kp_grpc_start(struct vd_store *s, const char *addr,
				    const char *provider, int *port,
				    struct eaa_err *err);

#endif
