/* kp_client.h - calling an ocicrypt key provider the way ocicrypt does:
 * the provider is found by name in an OCICRYPT_KEYPROVIDER_CONFIG file
 *   {"key-providers": {"attestation-agent": {"grpc": "127.0.0.1:50000"}}}
 *   {"key-providers": {"attestation-agent": {"cmd": {"path": "/bin/x",
 *                                                     "args": ["--cmd"]}}}}
 * and asked to keyunwrap each packet of a layer's provider annotation. */
#ifndef EAA_AA_KP_CLIENT_H
#define EAA_AA_KP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define AA_KP_MAX_ARGS 32

struct aa_kp_provider {
	char name[128];
	char *grpc;                       /* address, or NULL */
	char *cmd;                        /* program, or NULL */
	char *args[AA_KP_MAX_ARGS + 1];
	char *dc;                         /* "<kbc>::<uri>" for dc, or NULL */
};

/* Provider `name` from the config file (NULL: $OCICRYPT_KEYPROVIDER_CONFIG).
 * dc: what follows "provider:<name>:" in a decryption key, or NULL. */
bool aa_kp_provider_load(struct aa_kp_provider *p, const char *config,
			 const char *name, const char *dc, struct eaa_err *err);
void aa_kp_provider_free(struct aa_kp_provider *p);

/* The private layer options from an annotation (comma-separated base64
 * packets): each is offered to the provider until one unwraps. *opts is
 * malloc'd. */
bool aa_kp_unwrap_annotation(const struct aa_kp_provider *p, const char *annotation,
			     uint8_t **opts, size_t *optsn, struct eaa_err *err);

/* The KeyProviderKeyWrapProtocolInput (JSON text, malloc'd) that asks
 * provider p to keyunwrap one packet, as ocicrypt writes it; NULL when out
 * of memory. */
char *aa_kp_unwrap_input(const struct aa_kp_provider *p, const uint8_t *pkt, size_t n);

#endif
