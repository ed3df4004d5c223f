/* keyprovider.h - the ocicrypt key-provider protocol over verdictd's keys:
 * skopeo (ocicrypt) hands a layer's PrivateLayerBlockCipherOptions to
 * WrapKey with the kid from `provider:<name>:<kid>`; we wrap them with
 * AES-256-GCM under that KEK into the annotation packet the attestation
 * agent's UnwrapKey consumes:
 *
 *   {"kid":"<kid>","wrapped_data":"<b64 ct||tag>","iv":"<b64 12 bytes>",
 *    "wrap_type":"A256GCM"}
 *
 * Unwrap accepts that packet and the older verdictd one, whose byte fields
 * are JSON arrays of numbers with "algorithm":"AES","key_length":256.
 * Byte fields of the protocol itself are read as base64 strings (Go) or
 * arrays of numbers (Rust). docs/eaa-protocol.md section 7 has the
 * formats. */
#ifndef EAA_VD_KEYPROVIDER_H
#define EAA_VD_KEYPROVIDER_H

#include "store.h"

/* Which operations a caller may ask for. verdictd's gRPC service wraps
 * only: anyone who reaches it could otherwise unwrap every layer key with
 * the annotation every image manifest carries; unwrapping is the agent's,
 * after attestation. The `cmd` provider runs as a user who can read the
 * keys anyway, and does both. */
enum { VD_KP_WRAP = 1, VD_KP_UNWRAP = 2 };

/* One KeyProviderKeyWrapProtocolInput (JSON) in, its Output (JSON,
 * malloc'd) out. provider is the name in ec/dc Parameters; ops the
 * VD_KP_* operations allowed (another is refused, EAA_E_REJECTED). */
bool vd_kp_handle(struct vd_store *s, const char *provider, unsigned ops,
		  const char *in, size_t n, char **out, struct eaa_err *err);

#endif
