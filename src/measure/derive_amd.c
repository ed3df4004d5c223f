/* derive_amd.c - the `verdict --derive sev-es` and `--derive snp` rows
 * (derive.h): an OVMF image, optionally a kernel, initrd and command line,
 * and the vCPUs the VMM starts, in; the launch digest (amd_measure.h) out,
 * as `sev`'s launch_digest list (printed only) and snpData's measurements. The
 * options are sev-snp-measure's, so its command lines carry over. */
#include <stdlib.h>
#include <string.h>
#include "amd_measure.h"
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "snp_id_block.h"

/* Debian's and distributions' OVMF images are 2-4 MiB; the flash ends
 * at 4 GiB, and no real one comes near this. */
#define OVMF_MAX (64u << 20)

#define COMMON_OPTS                                                                     \
	{ "ovmf", true, false, "FILE  the OVMF image the guest boots (required)" },          \
	{ "kernel", true, false, "FILE  the kernel QEMU is given (-kernel): its hash is measured" }, \
	{ "initrd", true, false, "FILE  the initrd (-initrd; with --kernel)" },              \
	{ "append", true, false, "CMDLINE  the kernel command line (-append; with --kernel)" }, \
	{ "vcpus", true, false, "N  the number of vCPUs (required)" },                     \
	{ "vcpu-type", true, false, "NAME  QEMU's -cpu model: EPYC, EPYC-v4, EPYC-Milan, EPYC-Genoa, ..." }, \
	{ "vcpu-sig", true, false, "N  or the CPUID signature itself" },                    \
	{ "vcpu-family", true, false, "N  or family, model and stepping" },                  \
	{ "vcpu-model", true, false, "N" },                                               \
	{ "vcpu-stepping", true, false, "N" },                                            \
	{ "vmm-type", true, false, "qemu|ec2|gce  whose reset state the VMSAs hold (default qemu)" }

static const struct derive_opt seves_opts[] = {
	COMMON_OPTS,
	{ NULL, false, false, NULL },
};

static const struct derive_opt snp_opts[] = {
	COMMON_OPTS,
	{ "guest-features", true, false, "N  the SEV features in the VMSAs (default 0x1)" },
	{ "snp-ovmf-hash", true, false, "HEX  the image pages' digest, computed before (see the info line)" },
	{ "id-key", true, false, "PEM  sign an ID block with this P-384 key (with --author-key): prints QEMU's id-block=,id-auth=" },
	{ "author-key", true, false, "PEM  the author key that signs the ID key" },
	{ "guest-policy", true, false, "N  the guest policy the ID block holds, as QEMU launches it (default 0x30000)" },
	{ "guest-svn", true, false, "N  the ID block's guest SVN (default 0)" },
	{ "family-id", true, false, "HEX  the ID block's 16-byte family ID (default zeros)" },
	{ "image-id", true, false, "HEX  the ID block's 16-byte image ID (default zeros)" },
	{ NULL, false, false, NULL },
};

/* The CPUID signature QEMU puts in RDX: from one of the three ways to
 * name it. EC2 and GCE load a fixed RDX, so they need none. */
static bool vcpu_sig(const struct derive_input *in, enum vmm_type vmm, uint32_t *sig,
		     struct eaa_err *err)
{
	const char *type = derive_arg(in, "vcpu-type");
	bool by_sig = derive_arg(in, "vcpu-sig") != NULL;
	bool by_fms = derive_arg(in, "vcpu-family") || derive_arg(in, "vcpu-model") ||
		      derive_arg(in, "vcpu-stepping");
	uint64_t s, f, m, st;

	*sig = 0;
	if ((type != NULL) + by_sig + by_fms > 1)
		return eaa_fail(err, EAA_E_CONFIG,
				"--vcpu-type, --vcpu-sig and --vcpu-family/--vcpu-model/--vcpu-stepping name the same thing: give one");
	if (type)
		return vcpu_type_sig(type, sig, err);
	if (by_sig) {
		if (!derive_u64(in, "vcpu-sig", UINT32_MAX, 0, &s, err))
			return false;
		*sig = (uint32_t)s;
		return true;
	}
	if (by_fms) {
		if (!derive_arg(in, "vcpu-family") || !derive_arg(in, "vcpu-model") ||
		    !derive_arg(in, "vcpu-stepping"))
			return eaa_fail(err, EAA_E_CONFIG,
					"--vcpu-family, --vcpu-model and --vcpu-stepping go together");
		if (!derive_u64(in, "vcpu-family", 0xff + 0xf, 0, &f, err) ||
		    !derive_u64(in, "vcpu-model", 0xff, 0, &m, err) ||
		    !derive_u64(in, "vcpu-stepping", 0xf, 0, &st, err))
			return false;
		*sig = vcpu_sig_of((unsigned)f, (unsigned)m, (unsigned)st);
		return true;
	}
	if (vmm == VMM_QEMU)
		return eaa_fail(err, EAA_E_CONFIG,
				"QEMU puts the vCPU's signature in the VMSA: give --vcpu-type (%s), --vcpu-sig or --vcpu-family/--vcpu-model/--vcpu-stepping",
				vcpu_type_names());
	return true;
}

/* What both rows read: the image, the kernel hashes, the vCPUs. The
 * image is *img (the caller frees it). */
static bool guest_of(const struct derive_input *in, struct amd_guest *g, struct ovmf *o,
		     struct sev_hashes *h, uint8_t **img, struct eaa_err *err)
{
	const char *path = derive_arg(in, "ovmf"), *kernel = derive_arg(in, "kernel");
	const char *vmm = derive_arg(in, "vmm-type");
	uint64_t vcpus;
	size_t n;

	*img = NULL;
	memset(g, 0, sizeof(*g));
	if (!path)
		return eaa_fail(err, EAA_E_CONFIG, "--ovmf FILE is required");
	if (!derive_arg(in, "vcpus"))
		return eaa_fail(err, EAA_E_CONFIG, "--vcpus N is required");
	if (!derive_u64(in, "vcpus", AMD_MAX_VCPUS, 0, &vcpus, err))
		return false;
	if (vcpus == 0)
		return eaa_fail(err, EAA_E_CONFIG, "--vcpus 0: a guest has at least one vCPU");
	g->vcpus = (unsigned)vcpus;
	if (vmm && !vmm_type_named(vmm, &g->vmm, err))
		return false;
	if (!vcpu_sig(in, g->vmm, &g->vcpu_sig, err))
		return false;
	if (!kernel && (derive_arg(in, "initrd") || derive_arg(in, "append")))
		return eaa_fail(err, EAA_E_CONFIG,
				"--initrd and --append are measured only with --kernel (QEMU reads them only with -kernel)");
	if (kernel) {
		if (!sev_hashes_of(EVP_sha256(), kernel, derive_arg(in, "initrd"),
				   derive_arg(in, "append"), h, err))
			return false;
		g->hashes = h;
	}
	if (!file_read_regular(path, OVMF_MAX, img, &n, err))
		return eaa_err_prefix(err, "--ovmf");
	if (!ovmf_open(o, *img, n, err))
		return eaa_err_prefix(err, "%s", path);
	g->ovmf = o;
	return true;
}

static json_t *seves_run(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	struct amd_guest g;
	struct sev_hashes h;
	struct ovmf o;
	uint8_t *img, digest[32];
	json_t *frag = NULL;
	char *b64, *hex;
	bool ok;

	ok = guest_of(in, &g, &o, &h, &img, err);
	if (ok && !seves_launch_digest(&g, digest, err))
		ok = eaa_err_prefix(err, "%s", derive_arg(in, "ovmf"));
	free(img);
	if (!ok)
		return NULL;
	if ((hex = hex_encode(digest, sizeof(digest)))) {
		fprintf(info, "launch digest: %s\n", hex);
		free(hex);
	}
	if ((b64 = base64_encode(digest, sizeof(digest), false)))
		frag = json_pack("{s:[s]}", "launch_digest", b64);
	free(b64);
	if (!frag)
		eaa_fail(err, EAA_E_NOMEM, "SEV-ES fragment");
	return frag;
}

/* --id-key and --author-key: the signed ID block for the measurement,
 * printed as QEMU's option text; its ID key digest joins the fragment. */
static bool id_block(const struct derive_input *in, const uint8_t digest[SNP_DIGEST_LEN],
		     json_t *measurements, FILE *info, struct eaa_err *err)
{
	static const char *const with_key[] = { "guest-policy", "guest-svn", "family-id",
						"image-id", NULL };
	struct snp_id_params p = { .id_key = derive_arg(in, "id-key"),
				   .author_key = derive_arg(in, "author-key") };
	const char *fam = derive_arg(in, "family-id"), *img = derive_arg(in, "image-id");
	struct snp_id_out out;
	uint64_t v;
	char *b, *a, *h1, *h2;
	size_t i;
	bool ok;

	if (!p.id_key && !p.author_key) {
		for (i = 0; with_key[i]; i++)
			if (derive_arg(in, with_key[i]))
				return eaa_fail(err, EAA_E_CONFIG, "--%s goes with --id-key",
						with_key[i]);
		return true;
	}
	if (!p.id_key || !p.author_key)
		return eaa_fail(err, EAA_E_CONFIG, "--id-key and --author-key go together");
	memcpy(p.measurement, digest, SNP_DIGEST_LEN);
	if (!derive_u64(in, "guest-policy", UINT64_MAX, SNP_POLICY_DEFAULT, &p.policy, err) ||
	    !derive_u64(in, "guest-svn", UINT32_MAX, 0, &v, err))
		return false;
	p.guest_svn = (uint32_t)v;
	if (fam && !hex_decode_fixed(fam, p.family_id, 16))
		return eaa_fail(err, EAA_E_CONFIG, "--family-id %s: want 16 bytes in hex", fam);
	if (img && !hex_decode_fixed(img, p.image_id, 16))
		return eaa_fail(err, EAA_E_CONFIG, "--image-id %s: want 16 bytes in hex", img);
	if (!snp_id_block(&p, &out, err))
		return false;
	b = base64_encode(out.block, sizeof(out.block), false);
	a = base64_encode(out.auth, sizeof(out.auth), false);
	h1 = hex_encode(out.id_key_digest, 48);
	h2 = hex_encode(out.author_key_digest, 48);
	ok = b && a && h1 && h2 &&
	     json_object_set_new(measurements, "id_key_digest", json_pack("[s]", h1)) == 0;
	if (ok)
		fprintf(info, "id-block=%s,id-auth=%s\nid_key_digest: %s\nauthor_key_digest: %s\n",
			b, a, h1, h2);
	free(b);
	free(a);
	free(h1);
	free(h2);
	return ok ? true : eaa_fail(err, EAA_E_NOMEM, "ID block");
}

static json_t *snp_run(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	const char *given = derive_arg(in, "snp-ovmf-hash");
	uint8_t *img, digest[SNP_DIGEST_LEN], pages[SNP_DIGEST_LEN];
	json_t *frag = NULL;
	struct amd_guest g;
	struct sev_hashes h;
	struct ovmf o;
	char *hex;
	bool ok;

	ok = guest_of(in, &g, &o, &h, &img, err) &&
	     derive_u64(in, "guest-features", UINT64_MAX, 0x1, &g.guest_features, err);
	if (ok && given && !hex_decode_fixed(given, pages, sizeof(pages)))
		ok = eaa_fail(err, EAA_E_CONFIG, "--snp-ovmf-hash %s: want %u bytes in hex",
			      given, SNP_DIGEST_LEN);
	g.ovmf_hash = given ? pages : NULL;
	if (ok && !snp_launch_digest(&g, digest, err))
		ok = eaa_err_prefix(err, "%s", derive_arg(in, "ovmf"));
	/* the pages' digest again (a few ms) for the owner who publishes it */
	if (ok && !given && snp_ovmf_hash(&o, pages, err) &&
	    (hex = hex_encode(pages, sizeof(pages)))) {
		fprintf(info, "OVMF pages' digest (for --snp-ovmf-hash): %s\n", hex);
		free(hex);
	}
	free(img);
	if (!ok)
		return NULL;
	if ((hex = hex_encode(digest, sizeof(digest))))
		frag = json_pack("{s:{s:[s]}}", "measurements", "measurement", hex);
	free(hex);
	if (!frag) {
		eaa_fail(err, EAA_E_NOMEM, "snpData fragment");
		return NULL;
	}
	if (!id_block(in, digest, json_object_get(frag, "measurements"), info, err)) {
		json_decref(frag);
		return NULL;
	}
	return frag;
}

/* verdictd verifies no SEV(-ES) evidence (the KBS that launches the guest
 * checks its digest before it runs): as for sev, no stored document. */
const struct derive_tee derive_seves = {
	"sev-es", NULL,
	"the SEV-ES launch digest of OVMF [+ kernel hashes] + a VMSA per vCPU (as sev-snp-measure --mode seves)",
	seves_opts, seves_run,
};

const struct derive_tee derive_snp = {
	"snp", "snpData",
	"the SEV-SNP measurement of OVMF, its metadata pages [+ kernel hashes] and a VMSA per vCPU (as sev-snp-measure --mode snp)",
	snp_opts, snp_run,
};
