/* fuzz_aa_ocicrypt - ocicrypt's untrusted inputs: JWE key packets, the
 * keys.jwe annotation, and the private and public layer options. The
 * first byte picks which (mod 6; 0 and 4: a packet for a fixed RSA or EC
 * recipient key; 5: a key-provider packet). */
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kp_packet.h"
#include "ocicrypt.h"

static EVP_PKEY *key, *eckey;
static const char pubopts[] =
	"eyJjaXBoZXIiOiJBRVNfMjU2X0NUUl9ITUFDX1NIQTI1NiIsImhtYWMiOiJaUnZQL3BaVHBYbjlMblBJT1E3RFA4YjVPSW9BUDZLN0tFamVwbFB6NmZNPSIsImNpcGhlcm9wdGlvbnMiOnt9fQ==";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	eckey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!key || !eckey)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;
	uint8_t *out = NULL;
	size_t n;
	char digest[72], blob[72], *s;
	uint64_t plain;
	int in, sink;

	if (size < 1)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (!s)
		return 0;
	if (data[0] % 6 == 5) {
		struct kp_packet pkt;

		if (kp_packet_parse(data + 1, size - 1, &pkt, &err)) {
			(void)kp_store_kid(pkt.kid);
			kp_packet_free(&pkt);
		}
		free(s);
		return 0;
	}
	switch (data[0] % 6) {
	case 0:
	case 4:
		if (aa_jwe_decrypt((const char *)data + 1, size - 1, data[0] % 6 ? eckey : key,
				   &out, &n, &err))
			free(out);
		break;
	case 1:
		if (aa_jwe_annotation_unwrap(s, key, &out, &n, &err))
			free(out);
		break;
	default:
		in = open("/dev/null", O_RDONLY);
		sink = open("/dev/null", O_WRONLY);
		if (in >= 0 && sink >= 0)
			aa_layer_decrypt(in, sink, data + 1, size - 1,
					 data[0] % 6 == 2 ? pubopts : s, digest,
					 data[0] % 2 ? blob : NULL, &plain, &err);
		if (in >= 0)
			close(in);
		if (sink >= 0)
			close(sink);
	}
	free(s);
	return 0;
}
