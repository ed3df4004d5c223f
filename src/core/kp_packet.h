/* kp_packet.h - the key packet inside an ocicrypt key-provider annotation,
 * as verdictd's key provider writes it and the agent's KBCs read it:
 *   {"kid":"<kid>","wrapped_data":<bytes>,"iv":<bytes>,"wrap_type":"A256GCM"}
 * or the older {"kid","wrapped_data","iv","algorithm":"AES","key_length":256},
 * where <bytes> is base64 (Go) or an array of numbers (Rust). Shared so that
 * both ends agree on one reading. */
#ifndef EAA_KP_PACKET_H
#define EAA_KP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define KP_IV_LEN 12
#define KP_MAX_BYTES (16u * 1024u * 1024u)

struct kp_packet {
	char *kid;          /* as written in the packet */
	uint8_t *wrapped;   /* ciphertext || 16-byte GCM tag */
	size_t wrapped_len;
	uint8_t iv[KP_IV_LEN];
};

/* Parse one packet (JSON text). On success the packet owns malloc'd memory
 * (kp_packet_free); on failure it holds none. */
bool kp_packet_parse(const void *p, size_t n, struct kp_packet *pkt,
		     struct eaa_err *err);
void kp_packet_free(struct kp_packet *pkt);

/* The key store's name for a packet kid: "kbs:///a/b/c" and
 * "kbs://host/a/b/c" name "a/b/c"; any other kid names itself. Returns a
 * pointer into kid. */
const char *kp_store_kid(const char *kid);

/* A layer's key-provider annotation holds comma-separated base64 packets,
 * one per recipient: call fn with each decoded packet until one succeeds.
 * False with the last failure's error when none does. */
bool kp_annotation_each(const char *annotation,
			bool (*fn)(void *arg, const uint8_t *pkt, size_t n,
				   struct eaa_err *err),
			void *arg, struct eaa_err *err);

/* A KeyProviderKeyWrapProtocolOutput, {"<member>":{"<field>":[n,...]}},
 * with the bytes as an array of numbers: Rust's ocicrypt-rs reads only
 * that form (Vec<u8>), and Go's encoding/json reads it into []byte too, so
 * it is what every peer expects. The text is malloc'd and holds key
 * material: wipe it. */
char *kp_output(const char *member, const char *field, const uint8_t *p, size_t n);

#endif
