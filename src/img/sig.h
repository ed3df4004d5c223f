/* sig.h - image signatures against one policy requirement: simple signing
 * (a GPG-signed payload, verified with gpgme against only the
 * requirement's keys) and sigstore (a payload and a base64 signature,
 * verified with OpenSSL against the requirement's public key). Both
 * payloads then go through the same checks: type, manifest digest, and
 * the signed identity. */
#ifndef EAA_IMG_SIG_H
#define EAA_IMG_SIG_H

#include "policy.h"

bool img_sig_gpg_check(const struct img_req *r, const struct img_candidate *c,
		       const uint8_t *sig, size_t n, struct eaa_err *err);
bool img_sig_sigstore_check(const struct img_req *r, const struct img_candidate *c,
			    const uint8_t *payload, size_t n, const char *sig_b64,
			    struct eaa_err *err);

/* The signed payload: {"critical":{"type":<type>,"image":{"docker-manifest-
 * digest":...},"identity":{"docker-reference":...}},"optional":...}, exact
 * fields, checked against c and r's signedIdentity. */
bool img_payload_check(const uint8_t *p, size_t n, const char *type,
		       const struct img_req *r, const struct img_candidate *c,
		       struct eaa_err *err);

#endif
