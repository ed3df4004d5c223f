/* fuzz_cert_verify - a whole peer certificate (DER) through the complete
 * attestation check with the sample verifier: extension lookup, evidence
 * and claims-buffer parsing, signature, bindings, nonce. */
#include <stdlib.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include "internal.h"

static struct rats_verify_ctx vc;

/* Trust the seeds' signer (EAA_FUZZ_TRUST) so inputs reach the checks past
 * the signature; without it, a fresh key nobody signed with. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char path[] = "/tmp/eaa-fuzz-trust-XXXXXX";
	static char opt[4200];
	char *kv[1] = { opt };
	struct rats_opts opts = { kv, 1 };
	const char *trust = getenv("EAA_FUZZ_TRUST");
	extern const struct rats_verifier rats_verifier_sample;

	if (!trust) {
		EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		int fd = mkstemp(path);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

		if (!key || !f || PEM_write_PUBKEY(f, key) != 1)
			abort();
		fclose(f);
		EVP_PKEY_free(key);
		trust = path;
	}
	snprintf(opt, sizeof(opt), "sample.trust=%s", trust);
	vc.named = &rats_verifier_sample;
	if (!vc.named->init(&opts, &vc.named_state, NULL))
		abort();
	if (trust == path)
		unlink(path);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *cert = d2i_X509(NULL, &p, (long)size);
	struct rats_peer peer;
	struct eaa_err err;

	if (cert) {
		if (rats_verify_cert(&vc, cert, &peer, &err))
			free(peer.claims_json);
		X509_free(cert);
	}
	ERR_clear_error();
	return 0;
}
