/* registry.c - the instance tables. Adding a TEE means adding its attester
 * and/or verifier here, and nowhere else. */
#include <string.h>
#include "internal.h"

extern const struct rats_attester rats_attester_null, rats_attester_sample,
	rats_attester_tdx_ecdsa, rats_attester_sev_snp, rats_attester_csv,
	rats_attester_tpm;
extern const struct rats_verifier rats_verifier_null, rats_verifier_sample,
	rats_verifier_sgx_ecdsa, rats_verifier_tdx_ecdsa, rats_verifier_tdx,
	rats_verifier_sev_snp, rats_verifier_csv, rats_verifier_tpm;
extern const struct rats_crypto rats_crypto_openssl;
extern const struct rats_tls_wrapper rats_tls_wrapper_openssl;

/* Order is detection priority for attesters; hardware TEEs go first. */
const struct rats_attester *const rats_attesters[] = {
	&rats_attester_tdx_ecdsa,
	&rats_attester_sev_snp,
	&rats_attester_csv,
	&rats_attester_tpm,
	&rats_attester_null,
	&rats_attester_sample,
	NULL,
};

const struct rats_verifier *const rats_verifiers[] = {
	&rats_verifier_null,
	&rats_verifier_sample,
	&rats_verifier_sgx_ecdsa,
	&rats_verifier_tdx_ecdsa,
	&rats_verifier_tdx,
	&rats_verifier_sev_snp,
	&rats_verifier_csv,
	&rats_verifier_tpm,
	NULL,
};

const struct rats_crypto *const rats_cryptos[] = { &rats_crypto_openssl, NULL };
const struct rats_tls_wrapper *const rats_tls_wrappers[] = {
	&rats_tls_wrapper_openssl, NULL
};

const struct rats_attester *rats_attester_find(const char *name)
{
	for (size_t i = 0; rats_attesters[i]; i++)
		if (strcmp(rats_attesters[i]->name, name) == 0)
			return rats_attesters[i];
	return NULL;
}

const struct rats_verifier *rats_verifier_find(const char *name)
{
	for (size_t i = 0; rats_verifiers[i]; i++)
		if (strcmp(rats_verifiers[i]->name, name) == 0)
			return rats_verifiers[i];
	return NULL;
}

bool rats_verifier_handles(const struct rats_verifier *v, uint64_t tag)
{
	for (size_t i = 0; i < v->ntags; i++)
		if (v->tags[i] == tag)
			return true;
	return false;
}

const char *rats_tag_name(uint64_t tag)
{
	switch (tag) {
	case TAG_INTEL_QUOTE: return "Intel SGX/TDX quote";
	case TAG_SGX_REPORT: return "SGX report";
	case TAG_SEV_SNP: return "SEV-SNP report";
	case TAG_SEV: return "SEV report";
	case TAG_CSV: return "CSV report";
	case TAG_TPM: return "TPM quote";
	case TAG_SAMPLE: return "sample report";
	default: return "unknown evidence type";
	}
}

const char *rats_opt(const struct rats_opts *o, const char *instance,
		     const char *key)
{
	size_t il = strlen(instance), kl = strlen(key);

	/* Last one wins, so later options override earlier ones. */
	for (size_t i = o ? o->n : 0; i-- > 0;) {
		const char *s = o->kv[i];

		if (strncmp(s, instance, il) == 0 && s[il] == '.' &&
		    strncmp(s + il + 1, key, kl) == 0 && s[il + 1 + kl] == '=')
			return s + il + 2 + kl;
	}
	return NULL;
}

RATS_TLS_API const char *rats_tls_instance_name(rats_tls_instance_kind_t kind,
						size_t i)
{
	size_t n = 0;

#define NTH(table)                                       \
	do {                                             \
		while (table[n] && n < i)                \
			n++;                             \
		return table[n] ? table[n]->name : NULL; \
	} while (0)
	switch (kind) {
	case RATS_TLS_INSTANCE_ATTESTER: NTH(rats_attesters);
	case RATS_TLS_INSTANCE_VERIFIER: NTH(rats_verifiers);
	case RATS_TLS_INSTANCE_TLS: NTH(rats_tls_wrappers);
	case RATS_TLS_INSTANCE_CRYPTO: NTH(rats_cryptos);
	}
#undef NTH
	return NULL;
}
