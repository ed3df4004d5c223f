/* sample_evidence.h - the `sample` TEE's report: a software-signed stand-in
 * for hardware evidence, for demos and tests only. Layout (little-endian):
 *
 *     magic "EAASMPL1" (8) | version u16 (=1) | flags u16 (=0) | svn u32
 *     measurement[32] | report_data[64] | signer[32] (SHA-256 of the
 *     signing key's DER SubjectPublicKeyInfo) | sig_len u16 | sig (DER ECDSA
 *     over every byte before sig_len, SHA-256 for P-256, SHA-384 for P-384)
 */
#ifndef RATS_SAMPLE_EVIDENCE_H
#define RATS_SAMPLE_EVIDENCE_H

#include <openssl/evp.h>
#include "bytes.h"
#include "err.h"

#define SAMPLE_MAGIC "EAASMPL1"
#define SAMPLE_VERSION 1
#define SAMPLE_MAX_SIG 256

struct sample_report {
	uint16_t version, flags;
	uint32_t svn;
	uint8_t measurement[32];
	uint8_t report_data[64];
	uint8_t signer[32];
	struct rd signed_part;
	struct rd sig;
};

bool sample_report_parse(struct rd in, struct sample_report *rep,
			 struct eaa_err *err);
bool sample_report_sign(EVP_PKEY *key, const uint8_t measurement[32],
			uint32_t svn, const uint8_t report_data[64],
			struct wr *out, struct eaa_err *err);
/* SHA-256 of the key's DER SubjectPublicKeyInfo. */
bool sample_key_id(EVP_PKEY *key, uint8_t id[32], struct eaa_err *err);
/* Verify rep's signature with key (which must be the signer). */
bool sample_report_verify_sig(const struct sample_report *rep, EVP_PKEY *key,
			      struct eaa_err *err);

#endif
