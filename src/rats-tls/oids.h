/* oids.h - certificate extension OIDs: the TCG DICE ones librats-tls writes,
 * and the legacy rats-tls ones it still reads. */
#ifndef RATS_OIDS_H
#define RATS_OIDS_H

#include <openssl/x509.h>
#include <stdint.h>

#define OID_TAGGED_EVIDENCE "2.23.133.5.4.9" /* tcg-dice-TaggedEvidence */
#define OID_ENDORSEMENTS "2.23.133.5.4.2"    /* tcg-dice-endorsement-manifest */

#define RATS_CERT_CN "EAA RA-TLS"
#define RATS_CERT_O "Enclave Attestation Architecture"

/* Legacy rats-tls extensions carry the raw quote or report, no claims-buffer;
 * their report_data binds SHA-256 of the certificate's public key. */
struct legacy_oid {
	const char *oid;
	uint64_t tag;
	const char *what;
};

const struct legacy_oid *legacy_oid_find(X509_EXTENSION *ext);

#endif
