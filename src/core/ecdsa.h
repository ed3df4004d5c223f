/* ecdsa.h - ECDSA with raw (r, s) signatures and raw public points, as TEE
 * reports carry them, on top of OpenSSL's EVP interface. */
#ifndef EAA_ECDSA_H
#define EAA_ECDSA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

/* A public key from big-endian x || y (2 * coord_len bytes) on the named
 * curve ("P-256" with 32-byte or "P-384" with 48-byte coordinates); NULL
 * for another curve or size, or a point not on the curve. */
EVP_PKEY *ecdsa_pubkey_xy(const char *curve, const uint8_t *xy,
			  size_t coord_len);

/* Verify a signature given as big-endian r and s of n bytes each over msg,
 * hashed with md. False for a bad signature and for any failure. */
bool ecdsa_verify_rs(EVP_PKEY *key, const EVP_MD *md, const void *msg,
		     size_t msg_len, const uint8_t *r, const uint8_t *s,
		     size_t n);

/* DER ECDSA-Sig-Value from big-endian r and s of n bytes each (also what
 * SM2 signatures are); its length, or -1. *der is OPENSSL_malloc'd. */
int ecdsa_rs_der(const uint8_t *r, const uint8_t *s, size_t n, unsigned char **der);

#endif
