/* verify_raw.h - one piece of evidence checked by a compiled-in verifier,
 * or made by a compiled-in attester, outside a TLS handshake: for protocols that bind the evidence to their
 * own data (the CoCo KBS protocol's /attest binds report_data to a hash of
 * its runtime data, docs/kbs-protocol.md 7.3), so the caller, not a TLS
 * key, says what report_data must be. The vendor checks are the same
 * functions the handshake runs. Linked into verdictd from the static
 * library; not part of librats-tls's public API. */
#ifndef RATS_VERIFY_RAW_H
#define RATS_VERIFY_RAW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

struct rats_raw_verifier;

/* The verifier called name ("sample", "tdx_ecdsa", "sgx_ecdsa", ...)
 * initialised with options ("instance.key=value", NULL-terminated, as
 * rats_tls_conf_t's). NULL with err filled when there is no such verifier
 * or its options do not do. */
struct rats_raw_verifier *rats_raw_verifier_new(const char *name, const char *const *options,
						struct eaa_err *err);
void rats_raw_verifier_free(struct rats_raw_verifier *v);

/* Check evidence (a raw quote or report, as the verifier reads it inside
 * the handshake; endorsements may be empty) and require that its
 * report_data field equals expect (expect_len bytes, the rest of the
 * field zero). On success *claims is the verifier's flat claims object
 * (new reference). Thread-safe for one verifier. */
bool rats_raw_verify(struct rats_raw_verifier *v, const uint8_t *evidence, size_t n,
		     const uint8_t *endorsements, size_t en, const uint8_t *expect,
		     size_t expect_len, json_t **claims, struct eaa_err *err);

/* The attesting side: the attester called name (NULL or "": the TEE this
 * machine has, never nullattester or sample) with options, and evidence
 * from it whose report_data field is report_data (64 bytes): the raw quote
 * or report (malloc'd). */
struct rats_raw_attester;
struct rats_raw_attester *rats_raw_attester_new(const char *name, const char *const *options,
						struct eaa_err *err);
/* Its name ("sample", "tdx_ecdsa", ...). */
const char *rats_raw_attester_name(const struct rats_raw_attester *a);
bool rats_raw_collect(struct rats_raw_attester *a, const uint8_t report_data[64],
		      uint8_t **evidence, size_t *n, struct eaa_err *err);
void rats_raw_attester_free(struct rats_raw_attester *a);

#endif
