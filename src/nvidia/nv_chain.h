/* nv_chain.h - a GPU's certificate chain: NVIDIA's device-identity root
 * (embedded, pinned by its key), the chain checked up to it, the FWID the
 * device certificate carries, and revocation by CRLs the owner supplies. */
#ifndef EAA_NV_CHAIN_H
#define EAA_NV_CHAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <jansson.h>
#include <openssl/x509.h>
#include "err.h"

#define NV_FWID_LEN 48  /* SHA-384 */

/* The embedded root (new reference; NULL when out of memory). */
X509 *nv_device_root(void);
/* An embedded PEM certificate (new), and whether key's SubjectPublicKeyInfo
 * hashes (SHA-256) to pin: the roots' loader and pin check, shared by the
 * device root (nv_root.c) and the RIM root (nv_rim_root.c). */
X509 *nv_pem_cert(const char *pem);
bool nv_key_has_pin(EVP_PKEY *key, const uint8_t pin[32]);
/* Whether key is the pinned root's public key. */
bool nv_key_is_pinned_root(EVP_PKEY *key);

/* chain[0] is the device certificate, the last one the root's copy. Its key
 * must be the pinned root's, or test_root's when a test passes one; then
 * signatures and validity at `at`. Errors: EAA_E_UNTRUSTED (another root,
 * a broken chain), EAA_E_SIGNATURE, EAA_E_EXPIRED. */
bool nv_chain_verify(STACK_OF(X509) *chain, X509 *test_root, time_t at,
		     struct eaa_err *err);

/* The FWID of the device certificate: the last 48 bytes of its TCG DICE
 * TcbInfo extension (2.23.133.5.4.1), as nvtrust and trustee read it. */
bool nv_cert_fwid(X509 *leaf, uint8_t fwid[NV_FWID_LEN], struct eaa_err *err);

#define NV_MAX_CHAIN 16

/* Revocation of a verified chain (chain[n-1] is the root: never checked).
 * covered[j] is set for each certificate j a CRL or OCSP response spoke
 * about; a revoked certificate fails (EAA_E_UNTRUSTED).
 *
 * CRLs: those whose issuer is in the chain must be signed by that issuer
 * and in force at `at`; others are ignored. *used counts those applied. */
bool nv_chain_check_crls(STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls,
			 time_t at, bool covered[NV_MAX_CHAIN], int *used,
			 struct eaa_err *err);

/* OCSP responses (DER, as NVIDIA's responder sends them): each must be
 * "successful", signed by a certificate's issuer or its delegated
 * responder with a chain to `anchor`, and its single responses about the
 * chain's certificates current at `at` (thisUpdate <= at < nextUpdate).
 * Responses about no certificate of the chain are ignored. */
bool nv_chain_check_ocsp(STACK_OF(X509) *chain, X509 *anchor,
			 const uint8_t *const *ocsp, const size_t *ocsp_lens,
			 time_t at, bool covered[NV_MAX_CHAIN], int *used,
			 struct eaa_err *err);

/* One line naming a certificate: its CN, or "certificate". */
void nv_cert_name(X509 *x, char *buf, size_t len);

#endif
