/* nv_root.c - NVIDIA's device-identity root, embedded and pinned by its
 * public key (see nv_chain.h). */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "nv_chain.h"

/* "NVIDIA Device Identity CA" (O=NVIDIA), the self-signed root of every
 * Hopper GPU's identity chain. Taken from trustee
 * (github.com/confidential-containers/trustee, commit
 * 78962cd416dcc8a32f9377e0066a28fe21420f69,
 * deps/verifier/src/nvidia/nvidia_device_root.pem); the same certificate
 * ends both Hopper chains in trustee's test data. A public certificate. */
static const char nv_root_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICCzCCAZCgAwIBAgIQLTZwscoQBBHB/sDoKgZbVDAKBggqhkjOPQQDAzA1MSIw\n"
	"IAYDVQQDDBlOVklESUEgRGV2aWNlIElkZW50aXR5IENBMQ8wDQYDVQQKDAZOVklE\n"
	"SUEwIBcNMjExMTA1MDAwMDAwWhgPOTk5OTEyMzEyMzU5NTlaMDUxIjAgBgNVBAMM\n"
	"GU5WSURJQSBEZXZpY2UgSWRlbnRpdHkgQ0ExDzANBgNVBAoMBk5WSURJQTB2MBAG\n"
	"ByqGSM49AgEGBSuBBAAiA2IABA5MFKM7+KViZljbQSlgfky/RRnEQScW9NDZF8SX\n"
	"gAW96r6u/Ve8ZggtcYpPi2BS4VFu6KfEIrhN6FcHG7WP05W+oM+hxj7nyA1r1jkB\n"
	"2Ry70YfThX3Ba1zOryOP+MJ9vaNjMGEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B\n"
	"Af8EBAMCAQYwHQYDVR0OBBYEFFeF/4PyY8xlfWi3Olv0jUrL+0lfMB8GA1UdIwQY\n"
	"MBaAFFeF/4PyY8xlfWi3Olv0jUrL+0lfMAoGCCqGSM49BAMDA2kAMGYCMQCPeFM3\n"
	"TASsKQVaT+8S0sO9u97PVGCpE9d/I42IT7k3UUOLSR/qvJynVOD1vQKVXf0CMQC+\n"
	"EY55WYoDBvs2wPAH1Gw4LbcwUN8QCff8bFmV4ZxjCRr4WXTLFHBKjbfneGSBWwA=\n"
	"-----END CERTIFICATE-----\n";

/* SHA-256 of the root's SubjectPublicKeyInfo (DER): the pin. A chain whose
 * last certificate does not carry this key is refused before any signature
 * is looked at. */
static const uint8_t nv_root_spki_sha256[32] = {
	0xa9, 0x0c, 0x4e, 0xb5, 0xac, 0xfd, 0x3e, 0x3d,
	0x03, 0xa2, 0x5d, 0xb6, 0xa2, 0x6b, 0x84, 0xf7,
	0x20, 0xad, 0x05, 0x03, 0x19, 0x6c, 0x62, 0x7c,
	0x21, 0xdd, 0xd4, 0x8d, 0xd8, 0x5b, 0x06, 0xa4
};

X509 *nv_pem_cert(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

bool nv_key_has_pin(EVP_PKEY *key, const uint8_t pin[32])
{
	unsigned char *der = NULL, md[32];
	int n = key ? i2d_PUBKEY(key, &der) : -1;
	bool ok = n > 0 && EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(),
				      NULL) == 1 &&
		  CRYPTO_memcmp(md, pin, 32) == 0;

	OPENSSL_free(der);
	return ok;
}

X509 *nv_device_root(void)
{
	return nv_pem_cert(nv_root_pem);
}

bool nv_key_is_pinned_root(EVP_PKEY *key)
{
	return nv_key_has_pin(key, nv_root_spki_sha256);
}
