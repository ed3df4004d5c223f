/* nv_rim_root.c - NVIDIA's RIM signing root, embedded and pinned by its
 * public key (see nv_rim.h). */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "nv_chain.h"
#include "nv_rim.h"

/* "NVIDIA CoRIM signing Root CA" (O=NVIDIA, C=US), the root of the chains
 * in NVIDIA's RIMs. Taken from NVIDIA's nvtrust
 * (github.com/NVIDIA/nvtrust, commit 08a50685e45b0c050274d35f3d1eff884ea0708e,
 * guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/certs/verifier_RIM_root.pem,
 * Apache-2.0); the same certificate ends the chain inside NVIDIA's RIMs.
 * A public certificate. */
static const char nv_rim_root_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICKTCCAbCgAwIBAgIQRdrjoA5QN73fh1N17LXicDAKBggqhkjOPQQDAzBFMQsw\n"
	"CQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJRElBMSUwIwYDVQQDDBxOVklESUEgQ29S\n"
	"SU0gc2lnbmluZyBSb290IENBMCAXDTIzMDMxNjE1MzczNFoYDzIwNTMwMzA4MTUz\n"
	"NzM0WjBFMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJRElBMSUwIwYDVQQDDBxO\n"
	"VklESUEgQ29SSU0gc2lnbmluZyBSb290IENBMHYwEAYHKoZIzj0CAQYFK4EEACID\n"
	"YgAEuECyi9vNM+Iw2lfUzyBldHAwaC1HF7TCgp12QcEyUTm3Tagxwr48d55+K2VI\n"
	"lWYIDk7NlAIQdcV/Ff7euGLI+Qauj93HsSI4WX298PpW54RTgz9tC+Q684caR/BX\n"
	"WEeZo2MwYTAdBgNVHQ4EFgQUpaXrOPK4ZDAk08DBskn594zeZjAwHwYDVR0jBBgw\n"
	"FoAUpaXrOPK4ZDAk08DBskn594zeZjAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B\n"
	"Af8EBAMCAQYwCgYIKoZIzj0EAwMDZwAwZAIwHGDyscDP6ihHqRvZlI3eqZ4YkvjE\n"
	"1duaN84tAHRVgxVMvNrp5Tnom3idHYGW/dskAjATvjIx6VzHm/4e2GiZAyZEIUBD\n"
	"OKPzp5ei/A0iUZpdvngenDwV8Qa/wGdiTmJ7Bp4=\n"
	"-----END CERTIFICATE-----\n";

/* SHA-256 of the root's SubjectPublicKeyInfo (DER): the pin. */
static const uint8_t nv_rim_root_spki_sha256[32] = {
	0xde, 0xc1, 0xdc, 0x31, 0x64, 0x77, 0xaa, 0x85,
	0x1e, 0xeb, 0xdf, 0x51, 0x32, 0x7a, 0xe9, 0xf8,
	0x64, 0xbc, 0x8d, 0x89, 0x25, 0x46, 0x57, 0xed,
	0x1e, 0x7e, 0xb9, 0x16, 0x8a, 0xf1, 0xe1, 0xa3
};

X509 *nv_rim_root(void)
{
	return nv_pem_cert(nv_rim_root_pem);
}

bool nv_key_is_pinned_rim_root(EVP_PKEY *key)
{
	return nv_key_has_pin(key, nv_rim_root_spki_sha256);
}
