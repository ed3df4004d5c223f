/* initdata.h - the CoCo init-data document (docs/kbs-protocol.md 7.4) as
 * trustee reads it: its Initdata struct (attestation-service/src/lib.rs)
 * from the TOML body, the hash algorithm the document names for its own
 * digest, and the init_data_claims trustee puts into the token.
 *
 * The document is TOML 1.0 (src/core/toml.h) holding at least
 *   version    a string (any: trustee does not look at it)
 *   algorithm  "sha256", "sha384" or "sha512", exactly (trustee's newer
 *              kbs-types also has "sm3", which is refused here)
 *   data       a table of strings
 * and anything else at the top, which is ignored, as serde ignores
 * unknown fields there. The claims are the data table as a JSON object,
 * except that the values of "aa.toml" and "cdh.toml" are replaced by
 * their own TOML read into JSON when they read, and a "policy.rego" that
 * holds "policy_data := {" followed by exactly one JSON object (and white
 * space) to its end is replaced by that object under the name
 * "agent_policy_claims" (trustee's extract_policy_data). */
#ifndef EAA_VD_INITDATA_H
#define EAA_VD_INITDATA_H

#include <stddef.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "err.h"

/* Read body[0..n). On success *md is the document's algorithm and
 * *claims its init_data_claims (the caller's: json_decref). On failure,
 * err says what the document lacks or holds wrongly, starting
 * "init-data". */
bool vd_initdata_read(const char *body, size_t n, const EVP_MD **md, json_t **claims,
		      struct eaa_err *err);

#endif
