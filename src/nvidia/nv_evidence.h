/* nv_evidence.h - NVIDIA GPU evidence as trustee's `nvidia` attester sends
 * it, verified locally (no NRAS): the API verdictd and librats-tls call.
 *
 * Evidence (JSON, trustee's NvDeviceEvidence):
 *   {"device_evidence_list": [
 *      {"arch": "HOPPER" | "Hopper", "uuid": "GPU-..." (optional),
 *       "evidence": hex or standard base64 of the attestation report
 *                   (spdm.h: GET_MEASUREMENTS request || MEASUREMENTS
 *                   response with a 96-byte P-384 signature),
 *       "certificate": standard base64 of the PEM chain, device
 *                      certificate first, NVIDIA's root last}, ...]}
 * Only Hopper is verified locally (as in trustee); other architectures are
 * refused (EAA_E_UNSUPPORTED).
 *
 * For each device, in this order: the chain ends at NVIDIA's pinned
 * device-identity root and verifies at trust->at; the report's signature
 * (ECDSA P-384 over SHA-384 of request || response up to the signature,
 * SPDM 1.1's L1/L2 for one GET_MEASUREMENTS exchange) verifies with the
 * device certificate's key; the FWID of the opaque data equals the device
 * certificate's; the request's nonce equals the expected nonce; supplied
 * CRLs and OCSP responses do not revoke a certificate of the chain;
 * supplied RIMs verify (XML-DSig, chain to NVIDIA's RIM root) and match
 * (nv_rim.h).
 *
 * The nonce binding, as trustee derives it: the KBS hashes the runtime data
 * JSON {"nonce": <challenge nonce>, "tee-pubkey": <JWK>} (keys sorted, JCS)
 * with SHA-384 (SHA-512 for IBM SE only); the GPU's 32-byte nonce is that
 * digest cut to its first 32 bytes (shorter values are zero-padded:
 * trustee's regularize_data). For a GPU sent as additional evidence, the
 * runtime data is exactly those two keys; for a GPU as the primary evidence,
 * trustee adds "additional-evidence" to it. Pass the whole digest (or
 * the 32 bytes) as expected_nonce; nv_nonce_regularize shows the rule.
 *
 * Claims (new object; caller decrefs):
 *   {"gpu_count": N,
 *    "gpu0": {"arch": "Hopper", "uuid": ...,
 *             "measurements": {"<index>": hex, ...},   (trustee's)
 *             "config": {"driver_version": "550.90.07",
 *                        "vbios_version": "96.00.9f.00.01",
 *                        "fwid": hex, other opaque items...},   (trustee's)
 *             "nonce": hex of the request's nonce,
 *             "nonce_checked": true when expected_nonce was given,
 *             "device": {"subject": RFC 2253 subject of the device cert,
 *                        "serial": its serial number (hex),
 *                        "issuer_serial": the issuer's serialNumber
 *                          attribute (the chip's ECID-derived id),
 *                        "fwid": hex},
 *             "cc_mode": "not-in-evidence" (see docs/cloud.md),
 *             "revocation": {"checked": every certificate but the root had
 *                              a CRL or a "good" OCSP answer,
 *                            "method": "none"|"crl"|"ocsp"|"crl+ocsp",
 *                            "crls": N, "ocsp": N, "not_covered": [CNs]},
 *             "rim": {"checked": bool, "complete": driver and VBIOS RIMs
 *                     both matched, "driver": {...} | null, "vbios": ...}},
 *    "gpu1": ...} */
#ifndef EAA_NV_EVIDENCE_H
#define EAA_NV_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include <openssl/x509.h>
#include "err.h"
#include "spdm.h"

#define NV_MAX_DEVICES 16
#define NV_MAX_EVIDENCE (1 << 20)

struct nv_trust {
	time_t at;                    /* 0: now */
	STACK_OF(X509_CRL) *crls;     /* NULL: no CRLs */
	/* DER OCSP responses, NULL-terminated list (lengths beside) or NULL. */
	const uint8_t *const *ocsp;
	const size_t *ocsp_lens;
	/* RIM files' contents (XML), NULL-terminated list or NULL. */
	const char *const *rims;
	const size_t *rim_lens;
	/* Tests only: anchor the device chain (test_root) and the RIM chains
	 * (test_rim_root) here instead of the pinned NVIDIA roots. Never set
	 * from configuration. */
	X509 *test_root;
	X509 *test_rim_root;
};

/* Verify trustee's evidence JSON (n bytes). expected_nonce: the report
 * data (any length; see above), or NULL to leave the nonce to the caller
 * (the claims then say "nonce_checked": false). */
bool nv_evidence_verify(const uint8_t *json, size_t n,
			const uint8_t *expected_nonce, size_t nonce_len,
			const struct nv_trust *trust, json_t **claims,
			struct eaa_err *err);

/* Exactly one device, its nonce left to the caller to bind (librats-tls):
 * *gpu is the device's claims object (the "gpu0" above, new). */
bool nv_evidence_verify_single(const uint8_t *json, size_t n,
			       const struct nv_trust *trust, json_t **gpu,
			       uint8_t nonce[SPDM_NONCE_LEN],
			       struct eaa_err *err);

/* trustee's rule: the first 32 bytes of in, zero-padded if shorter. */
void nv_nonce_regularize(const uint8_t *in, size_t n,
			 uint8_t out[SPDM_NONCE_LEN]);

/* One report already decoded and its PEM chain: the checks above for one
 * device. On success *dev is the device's claims object (new) and nonce
 * holds the request's nonce. */
bool nv_report_verify(const uint8_t *report, size_t report_len,
		      const uint8_t *pem, size_t pem_len,
		      const uint8_t *expected_nonce32,
		      const struct nv_trust *trust, json_t **dev,
		      uint8_t nonce[SPDM_NONCE_LEN], struct eaa_err *err);

/* nv_claims.c: measurements, config and nonce of a parsed report into dev. */
bool nv_report_claims(const struct spdm_report *r, json_t *dev,
		      struct eaa_err *err);

#endif
