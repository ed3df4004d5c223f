/* fuzz_tpm_enrol - the files of AK enrolment through the EK certificate:
 * the request (the verifier reads it from the TPM's host: the AK's
 * public area, then the EK certificate, checked against an empty store)
 * and the challenge (the TPM's host reads it from the verifier). The first
 * byte picks which. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include "tpm_credential.h"
#include "tpm_quote.h"

static X509_STORE *store;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("TSS2_LOG", "all+NONE", 1);
	if (!(store = X509_STORE_new()))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		TPM2B_ID_OBJECT blob;
		TPM2B_ENCRYPTED_SECRET secret;

		if (tpm_challenge_parse(data + 1, size - 1, &blob, &secret, &err) &&
		    (blob.size > sizeof(blob.credential) || secret.size > sizeof(secret.secret)))
			__builtin_trap();
	} else {
		TPM2B_PUBLIC ak;
		const uint8_t *der;
		size_t n;
		EVP_PKEY *ek = NULL;
		uint8_t name[2 + EVP_MAX_MD_SIZE];

		if (tpm_request_parse(data + 1, size - 1, &ak, &der, &n, &err)) {
			if (der + n != data + size)
				__builtin_trap();
			(void)tpm_object_name(&ak.publicArea, name, &n);
			if (tpm_ek_verify(der, (size_t)(data + size - der), store, NULL, time(NULL),
					  &ek, &err))
				__builtin_trap();   /* nothing chains to an empty store */
		}
	}
	return 0;
}
