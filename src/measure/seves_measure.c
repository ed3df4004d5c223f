/* seves_measure.c - the SEV-ES launch digest (amd_measure.h): SHA-256 of
 * the image, the padded kernel hashes table when a kernel is given, and
 * one VMSA page per vCPU, in the order QEMU hands them to the PSP. */
#include <openssl/evp.h>
#include "amd_measure.h"

bool seves_launch_digest(const struct amd_guest *g, uint8_t out[32],
			 struct eaa_err *err)
{
	uint8_t table[SEV_HASHES_TABLE_LEN], bsp[VMSA_PAGE], ap[VMSA_PAGE];
	uint32_t ap_eip, table_gpa;
	EVP_MD_CTX *md;
	unsigned i, len = 32;
	bool ok;

	if (g->vcpus == 0 || g->vcpus > AMD_MAX_VCPUS)
		return eaa_fail(err, EAA_E_CONFIG, "--vcpus %u: want 1 to %u", g->vcpus,
				AMD_MAX_VCPUS);
	if (!ovmf_sev_es_reset_eip(g->ovmf, &ap_eip, err))
		return false;
	if (g->hashes) {
		if (!ovmf_sev_hash_table(g->ovmf, SEV_HASHES_TABLE_LEN, &table_gpa, err))
			return eaa_err_prefix(err, "--kernel given");
		sev_hashes_table(g->hashes, table);
	}
	/* SEV-ES guests have no SEV features in their VMSA (SNP's are the
	 * guest features) */
	vmsa_page(bsp, g->vmm, VMSA_BSP_EIP, 0, g->vcpu_sig);
	vmsa_page(ap, g->vmm, ap_eip, 0, g->vcpu_sig);
	if (!(md = EVP_MD_CTX_new()))
		return eaa_fail(err, EAA_E_NOMEM, "SEV-ES digest");
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, g->ovmf->img, g->ovmf->n) &&
	     (!g->hashes || EVP_DigestUpdate(md, table, sizeof(table)));
	for (i = 0; ok && i < g->vcpus; i++)
		ok = EVP_DigestUpdate(md, i == 0 ? bsp : ap, VMSA_PAGE);
	ok = ok && EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
	return ok ? true : eaa_fail_ssl(err, EAA_E_CRYPTO, "SEV-ES digest");
}
