/* tpm_credential.h - trusting an AK through the TPM's endorsement key
 * certificate: the verifier's side of credential activation (TPM 2.0
 * Part 1, "Credential Protection"), done once, at enrolment.
 *
 * An EK is a restricted decryption key: it signs nothing, so no quote can
 * name it. Instead the verifier checks the EK certificate's chain to the
 * TPM maker's CA, then seals a random secret to that EK, bound to the AK's
 * name (MakeCredential, here in software). Only the TPM holding the EK can
 * unseal it, and it does so only for a loaded object of that exact name
 * (TPM2_ActivateCredential). The secret coming back proves the AK lives in
 * the certified TPM; the AK is then enrolled as a trusted key, the same
 * list librats-tls's tpm.ak and rats-verify --ak read.
 *
 * EKs: RSA 2048 from the TCG's template L-1 (certificate at NV index
 * 0x01c00002), the one every PC-client TPM has.
 *
 * Files (TPM byte order):
 *   request    TPM2B_PUBLIC (the AK) || UINT16 n || n bytes: the EK
 *              certificate (DER)
 *   challenge  TPM2B_ID_OBJECT || TPM2B_ENCRYPTED_SECRET
 *   answer     the secret the TPM recovered (TPM_CREDENTIAL_SECRET bytes) */
#ifndef EAA_TPM_CREDENTIAL_H
#define EAA_TPM_CREDENTIAL_H

#include <openssl/x509.h>
#include <stdbool.h>
#include <time.h>
#include <tss2/tss2_tpm2_types.h>
#include "bytes.h"
#include "err.h"

#define TPM_EK_CERT_RSA_NV 0x01c00002
#define TPM_CREDENTIAL_SECRET 32

bool tpm_request_encode(const TPM2B_PUBLIC *ak, const uint8_t *ek_der, size_t ek_len,
			struct wr *out, struct eaa_err *err);
/* ek_der points into p. */
bool tpm_request_parse(const uint8_t *p, size_t n, TPM2B_PUBLIC *ak, const uint8_t **ek_der,
		       size_t *ek_len, struct eaa_err *err);

bool tpm_challenge_parse(const uint8_t *p, size_t n, TPM2B_ID_OBJECT *blob,
			 TPM2B_ENCRYPTED_SECRET *secret, struct eaa_err *err);

/* The EK certificate chains to one of cas (with untrusted intermediates,
 * may be NULL) at time at, and certifies an RSA 2048 key: *ek. */
bool tpm_ek_verify(const uint8_t *der, size_t n, X509_STORE *cas, STACK_OF(X509) *untrusted,
		   time_t at, EVP_PKEY **ek, struct eaa_err *err);

/* MakeCredential: secret sealed to ek for the object ak, as a challenge
 * file into out. ak must have an AK's attributes. */
bool tpm_make_credential(EVP_PKEY *ek, const TPM2B_PUBLIC *ak,
			 const uint8_t secret[TPM_CREDENTIAL_SECRET], struct wr *out,
			 struct eaa_err *err);

#endif
