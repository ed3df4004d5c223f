/* tpm_quote.h - TPM 2.0 quotes as evidence: the attestation key's public
 * area, the TPMS_ATTEST the TPM signed, its signature, and the values of
 * the PCRs it quoted. The TPM structures are read by tpm2-tss's
 * unmarshalling library (libtss2-mu); the checks and the signature are
 * ours, with OpenSSL.
 *
 * Evidence layout (TPM byte order, big-endian):
 *   TPM2B_PUBLIC    the AK
 *   TPM2B_ATTEST    the quote as signed
 *   TPMT_SIGNATURE  the AK's signature over it
 *   UINT32 n, then n TPM2B_DIGEST: the quoted PCR values, in the quote's
 *                   selection order (banks as listed, PCRs ascending)
 *   optionally, UINT32 m, then m bytes: the TCG event log (tpm_eventlog.h),
 *                   replayed against the quoted values */
#ifndef EAA_TPM_QUOTE_H
#define EAA_TPM_QUOTE_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>
#include "bytes.h"
#include "err.h"

#define TPM_MAX_PCRS (3 * 24)   /* three banks of a PC-client TPM */

struct tpm_quote {
	TPM2B_PUBLIC ak;
	TPM2B_ATTEST attest;           /* the signed bytes */
	TPMS_ATTEST info;              /* attest, parsed */
	TPMT_SIGNATURE sig;
	size_t npcrs;
	TPM2B_DIGEST pcrs[TPM_MAX_PCRS];
	const uint8_t *log;            /* the event log, in the parsed bytes */
	size_t log_len;                /* 0: none */
};

/* The whole evidence, nothing after it. q->log points into p. */
bool tpm_quote_parse(const uint8_t *p, size_t n, struct tpm_quote *q, struct eaa_err *err);

/* The evidence from its parts (the attester's side). */
bool tpm_quote_encode(const TPM2B_PUBLIC *ak, const TPM2B_ATTEST *attest,
		      const TPMT_SIGNATURE *sig, const TPM2B_DIGEST *pcrs, size_t npcrs,
		      struct wr *out, struct eaa_err *err);

/* The event log (log_len > 0) after evidence just encoded. */
bool tpm_quote_append_log(struct wr *out, const uint8_t *log, size_t log_len,
			  struct eaa_err *err);

/* A PCR bank's hash and name ("sha256"); NULL for other algorithms
 * (tcg_eventlog.h's registry). */
const EVP_MD *tpm_md(TPMI_ALG_HASH alg);
const char *tpm_bank_name(TPMI_ALG_HASH alg);

/* A TPM object's name: nameAlg (2 bytes) || H(TPMT_PUBLIC), into out
 * (2 + EVP_MAX_MD_SIZE bytes). */
bool tpm_object_name(const TPMT_PUBLIC *pub, uint8_t *out, size_t *n);

/* An AK's attributes: generated in and fixed to its TPM, restricted,
 * signing, not decrypting. */
bool tpm_ak_attributes_ok(const TPMT_PUBLIC *pub);

/* The AK's public key, for ECC P-256/P-384 and RSA keys; NULL otherwise. */
EVP_PKEY *tpm_ak_pkey(const TPMT_PUBLIC *pub);

struct tpm_verify_opts {
	EVP_PKEY *const *aks;          /* the trusted attestation keys */
	size_t naks;
	const uint8_t *nonce;          /* the qualifyingData it must carry */
	size_t nonce_len;
};

/* Every check, in order: the AK is one of the trusted keys and a
 * TPM-resident restricted signing key; its signature over the quote;
 * the quote's magic and type; the signer's qualified name is the AK's (as
 * a primary key of the endorsement or owner hierarchy); qualifyingData;
 * the PCR values against the quote's selection and digest; the event
 * log, when there is one, replayed against the PCR values. */
bool tpm_quote_verify(const struct tpm_quote *q, const struct tpm_verify_opts *o,
		      struct eaa_err *err);

/* Flat claims: pcr<N> (SHA-256 bank; other banks as sha1_pcr<N>,
 * sha384_pcr<N>), firmware_version, reset_count, restart_count, clock,
 * safe, ak_name, and event_log when there is one (owned by the caller). */
json_t *tpm_claims(const struct tpm_quote *q);

/* trustee's TPM evidence (guest-components' TPM attester; docs/
 * kbs-protocol.md 13): {"ak_public": base64 of the AK's DER
 * SubjectPublicKeyInfo, "tpm_quote": {"message": base64 of the marshalled
 * TPMS_ATTEST (no size prefix), "signature": base64 of the marshalled
 * TPMT_SIGNATURE, "pcrs": the 24 SHA-256 PCR values in hex, PCR 0 first}}.
 * Into q (the values of the PCRs the quote selects, in its selection
 * order; a quote of another bank is refused) and *ak (the AK's key, the
 * caller frees). q->ak.size is 0: the form has no public area. */
bool tpm_trustee_parse(const json_t *ev, struct tpm_quote *q, EVP_PKEY **ak,
		       struct eaa_err *err);
/* tpm_quote_verify's checks that the form allows: ak is one of the
 * trusted keys, its signature over the quote, magic and type,
 * qualifyingData, the PCR values against the quote's digest. The AK's
 * attributes and the quote's qualified signer need the public area the
 * form lacks: listing the AK as trusted is the owner's word that it is a
 * TPM-resident restricted signing key (as trustee's policy-listed AKs). */
bool tpm_trustee_verify(const struct tpm_quote *q, EVP_PKEY *ak,
			const struct tpm_verify_opts *o, struct eaa_err *err);

/* Our TPM evidence (the layout above) written in trustee's form, for a
 * KBS: the quote must select PCRs 0-23 of the SHA-256 bank and no other
 * (what trustee's verifier digests); an event log is left out (the form
 * has none). New reference, or NULL with err. */
json_t *tpm_trustee_form(const uint8_t *evidence, size_t n, struct eaa_err *err);

/* Trusted AKs from a PEM file holding one or more public keys. */
bool tpm_load_aks(const char *path, EVP_PKEY ***aks, size_t *n, struct eaa_err *err);
void tpm_free_aks(EVP_PKEY **aks, size_t n);

#endif
