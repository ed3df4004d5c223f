/* registry.c - the instance tables. Adding a TEE means adding its attester
 * and/or verifier here, and nowhere else. */
#include <string.h>
#include "internal.h"

extern const struct rats_attester rats_attester_null, rats_attester_sample,
	rats_attester_tdx_ecdsa, rats_attester_sev_snp, rats_attester_csv,
	rats_attester_tpm;
extern const struct rats_verifier rats_verifier_null, rats_verifier_sample,
	rats_verifier_sgx_ecdsa, rats_verifier_tdx_ecdsa, rats_verifier_tdx,
	rats_verifier_sev_snp, rats_verifier_csv, rats_verifier_tpm,
	rats_verifier_nvidia, rats_verifier_az_snp_vtpm, rats_verifier_az_tdx_vtpm;
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
	&rats_verifier_nvidia,
	&rats_verifier_az_snp_vtpm,
	&rats_verifier_az_tdx_vtpm,
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
	case TAG_NVIDIA: return "NVIDIA GPU evidence";
	case TAG_AZ_SNP_VTPM: return "Azure SNP vTPM evidence";
	case TAG_AZ_TDX_VTPM: return "Azure TDX vTPM evidence";
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

static bool declares(const char *const *keys, const char *key, size_t n)
{
	for (size_t i = 0; keys && keys[i]; i++)
		if (strlen(keys[i]) == n && strncmp(keys[i], key, n) == 0)
			return true;
	return false;
}

/* Whether some instance answering to `ns` (n bytes) exists, and whether one
 * of them declares `key` (k bytes). Attesters and verifiers of a TEE share
 * its name, and so its options. */
static void lookup(const char *ns, size_t n, const char *key, size_t k,
		   bool *known, bool *declared)
{
	*known = *declared = false;
#define SCAN(table, name_of)                                             \
	for (size_t i = 0; table[i]; i++) {                              \
		const char *nm = (name_of);                              \
		if (strlen(nm) == n && strncmp(nm, ns, n) == 0) {        \
			*known = true;                                   \
			*declared |= declares(table[i]->keys, key, k);   \
		}                                                        \
	}
	SCAN(rats_attesters, rats_attesters[i]->name)
	SCAN(rats_verifiers, rats_verifiers[i]->name)
	SCAN(rats_tls_wrappers, "tls")
	SCAN(rats_cryptos, "crypto")
#undef SCAN
}

bool rats_opts_check(const struct rats_opts *o, struct eaa_err *err)
{
	for (size_t i = 0; o && i < o->n; i++) {
		const char *s = o->kv[i];
		const char *dot = strchr(s, '.'), *eq = strchr(s, '=');
		bool known, declared;

		if (!dot || !eq || dot > eq || dot == s || eq == dot + 1)
			return eaa_fail(err, EAA_E_CONFIG, "option \"%s\": expected "
					"instance.key=value", s);
		lookup(s, (size_t)(dot - s), dot + 1, (size_t)(eq - dot - 1),
		       &known, &declared);
		if (!known)
			return eaa_fail(err, EAA_E_CONFIG, "unknown option \"%.*s\": "
					"no instance \"%.*s\" (see --list; the "
					"library's own are tls.*)", (int)(eq - s), s,
					(int)(dot - s), s);
		if (!declared)
			return eaa_fail(err, EAA_E_CONFIG, "unknown option \"%.*s\": "
					"%.*s takes no key \"%.*s\"", (int)(eq - s), s,
					(int)(dot - s), s, (int)(eq - dot - 1), dot + 1);
	}
	return true;
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
