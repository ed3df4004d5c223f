/* aead.h - AES-GCM with a detached 16-byte tag, the one AEAD every part of
 * EAA speaks (EAA Decrypt, key-provider packets, JWE content). */
#ifndef EAA_AEAD_H
#define EAA_AEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AES_GCM_TAG_LEN 16

/* Key of 16, 24 or 32 bytes; any IV length OpenSSL takes (12 in practice);
 * aad may be NULL when aadn is 0. ct receives n bytes. */
bool aes_gcm_seal(const uint8_t *key, size_t keyn, const uint8_t *iv,
		  size_t ivn, const uint8_t *aad, size_t aadn,
		  const uint8_t *pt, size_t n, uint8_t *ct,
		  uint8_t tag[AES_GCM_TAG_LEN]);

/* False, with pt's contents unspecified, unless the tag authenticates. */
bool aes_gcm_open(const uint8_t *key, size_t keyn, const uint8_t *iv,
		  size_t ivn, const uint8_t *aad, size_t aadn,
		  const uint8_t *ct, size_t n,
		  const uint8_t tag[AES_GCM_TAG_LEN], uint8_t *pt);

#endif
