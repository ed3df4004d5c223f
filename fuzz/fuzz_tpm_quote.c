/* fuzz_tpm_quote - TPM 2.0 quote evidence: the parser (libtss2-mu plus our
 * size and count checks), then every check against the swtpm AK in
 * tests/data/tpm, and the claims. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "tpm_quote.h"

static EVP_PKEY **aks;
static size_t naks;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("EAA_FUZZ_TPM");
	char path[512];

	/* libtss2-mu logs every malformed input otherwise */
	setenv("TSS2_LOG", "all+NONE", 1);
	snprintf(path, sizeof(path), "%s/ak.pem", dir ? dir : "tests/data/tpm");
	if (!tpm_load_aks(path, &aks, &naks, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpm_quote q;
	struct tpm_verify_opts o = { .aks = aks, .naks = naks };
	struct eaa_err err;

	if (tpm_quote_parse(data, size, &q, &err)) {
		tpm_quote_verify(&q, &o, &err);
		json_decref(tpm_claims(&q));
	}
	return 0;
}
