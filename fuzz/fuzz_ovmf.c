/* fuzz_ovmf - an OVMF image's GUIDed footer table and its SEV entries
 * (ovmf.h: metadata sections, hashes-table area, reset EIP) from a
 * caller's bytes; where they parse, the SEV-ES and SEV-SNP launch digests
 * are computed over them (one vCPU, a kernel's hashes, so the hashes page
 * is placed too). */
#include <stdint.h>
#include <string.h>
#include "amd_measure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovmf_sev_metadata md;
	struct sev_hashes h;
	struct amd_guest g;
	struct eaa_err err;
	struct ovmf o;
	uint8_t out[48];
	uint32_t v;

	if (!ovmf_open(&o, data, size, &err))
		return 0;
	(void)ovmf_sev_metadata(&o, &md, &err);
	(void)ovmf_sev_hash_table(&o, SEV_HASHES_TABLE_LEN, &v, &err);
	(void)ovmf_sev_es_reset_eip(&o, &v, &err);
	memset(&h, 0x5a, sizeof(h));
	g = (struct amd_guest){ .ovmf = &o, .vcpus = 2, .vcpu_sig = 0x800f12,
				.guest_features = 1, .hashes = &h };
	(void)seves_launch_digest(&g, out, &err);
	(void)snp_launch_digest(&g, out, &err);
	g.hashes = NULL;
	g.vmm = VMM_EC2;
	(void)snp_launch_digest(&g, out, &err);
	return 0;
}
