/* x509_go.h - certificates, requests and keys in Go's JSON shapes
 * (x509_go.c), for builtins_x509.c. Results live in the arena a; NULL
 * when it is exhausted. */
#ifndef EAA_REGO_X509_GO_H
#define EAA_REGO_X509_GO_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include "value.h"

/* x509.Certificate; uri_strings adds OPA's URIStrings (its
 * extendedCert). */
struct rv *x509_go_cert(struct rv_arena *a, X509 *x, bool uri_strings);
/* x509.CertificateRequest. */
struct rv *x509_go_csr(struct rv_arena *a, X509_REQ *r);
/* tls.Certificate of certs[0..n) (the first is the leaf) and pk. */
struct rv *x509_go_tls_certificate(struct rv_arena *a, X509 *const *certs,
				   size_t n, const EVP_PKEY *pk);
/* *rsa.PrivateKey, *ecdsa.PrivateKey or ed25519.PrivateKey. */
struct rv *x509_go_private_key(struct rv_arena *a, const EVP_PKEY *pk);
/* The private key's JWK, as jwx's jwk.Import makes it. */
struct rv *x509_go_jwk(struct rv_arena *a, const EVP_PKEY *pk);
/* Go's x509.ExtKeyUsage number of a usage OID; -1 when Go has none. */
int x509_go_eku(const ASN1_OBJECT *o);

#endif
