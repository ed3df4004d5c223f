/* derive_sev.c - `verdict --derive sev` and `--derive csv`: the launch
 * digest of an SEV guest (simple-kbs's calculate_sev_launch_digest.py,
 * sev-snp-measure --mode sev) and Hygon CSV's "Firmware Digest" (seed 000's
 * calculate_hash.py). Both are a digest of the firmware image followed, when
 * a kernel is booted directly, by the kernel hashes table (sev_hashes.h):
 * SHA-256 for SEV, SM3 for CSV, whose table entries stay SHA-256 as
 * Hygon's script computes them. docs/reference-values.md. */
#include <string.h>
#include "artifact.h"
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "guid_table.h"
#include "json_util.h"
#include "sev_hashes.h"

#define MAX_FIRMWARE (64u << 20)
#define MAX_CMDLINE 4096u
#define HASH_TABLE_GUID "7255371f-3a3b-4b04-927b-1da6efa8d454"

/* The command line: --append STRING, or a file (Hygon's --cmdline FILE,
 * whose last byte, the newline echo wrote, the script replaces by the NUL;
 * a file that does not end with one is refused rather than cut). *out is
 * malloc'd or NULL (none given). */
static bool command_line(const struct derive_input *in, bool from_file,
			 char **out, struct eaa_err *err)
{
	const char *append = derive_arg(in, "append"), *cl = derive_arg(in, "cmdline");
	uint8_t *buf;
	size_t n;

	*out = NULL;
	if (append && cl)
		return eaa_fail(err, EAA_E_CONFIG, "--append or --cmdline, not both");
	if (!from_file || !cl) {
		const char *s = append ? append : cl;

		if (s && !(*out = strdup(s)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return true;
	}
	if (!file_read(cl, MAX_CMDLINE, &buf, &n, err))
		return false;
	if (n == 0 || buf[n - 1] != '\n' || memchr(buf, '\0', n)) {
		free(buf);
		return eaa_fail(err, EAA_E_FORMAT,
				"--cmdline %s: want one line of text ending with a newline (as `echo ... > FILE` writes it)",
				cl);
	}
	buf[n - 1] = '\0';
	*out = (char *)buf;
	return true;
}

/* The hashes table's entry: {u32 base, u32 size}, the guest-physical area
 * the firmware keeps for the table. A build without one (OvmfPkgX64, as
 * Debian's ovmf package) has base 0: QEMU then refuses -kernel. */
static bool hash_table_area(struct rd *entry, struct eaa_err *err)
{
	uint32_t base, size;

	if (!rd_u32le(entry, &base) || !rd_u32le(entry, &size))
		return eaa_fail(err, EAA_E_FORMAT, "the SEV hashes table entry is shorter than 8 bytes");
	if (base == 0 || size < SEV_HASHES_TABLE_LEN)
		return eaa_fail(err, EAA_E_CONFIG,
				"the firmware keeps no area for the SEV hashes table (base 0x%x, size %u; an AmdSev build has one)",
				base, size);
	return true;
}

/* digest(firmware || hashes table when a kernel is given) */
static bool launch_digest(const struct derive_input *in, const EVP_MD *md,
			  bool cmdline_file, uint8_t out[32], FILE *info,
			  struct eaa_err *err)
{
	const char *ovmf = derive_arg(in, "ovmf"), *kernel = derive_arg(in, "kernel");
	const char *initrd = derive_arg(in, "initrd");
	uint8_t *img = NULL, table[SEV_HASHES_TABLE_LEN];
	struct guid_table gt;
	struct sev_hashes h;
	struct rd entry;
	char *cmdline = NULL;
	EVP_MD_CTX *ctx = NULL;
	size_t n;
	bool ok = false;

	if (!ovmf)
		return eaa_fail(err, EAA_E_CONFIG, "--ovmf FILE is required");
	if (!command_line(in, cmdline_file, &cmdline, err))
		return false;
	if (!kernel && (initrd || cmdline)) {
		eaa_fail(err, EAA_E_CONFIG, "--initrd and the command line are measured only with --kernel");
		goto out;
	}
	if (!file_read(ovmf, MAX_FIRMWARE, &img, &n, err))
		goto out;
	if (kernel) {
		/* QEMU refuses to boot a kernel into firmware that has no
		 * place for its hashes: so do we */
		if (!guid_table_open(&gt, img, n, err) ||
		    !guid_table_find(&gt, HASH_TABLE_GUID, "SEV hashes table", &entry, err) ||
		    !hash_table_area(&entry, err)) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			eaa_fail(err, err->code, "--ovmf %s: %s, so it cannot measure a kernel",
				 ovmf, why);
			goto out;
		}
		if (!sev_hashes_of(EVP_sha256(), kernel, initrd, cmdline, &h, err))
			goto out;
		sev_hashes_table(&h, table);
		if (info)
			fprintf(info, "kernel hashes table: cmdline %s, initrd %s\n",
				cmdline ? "given" : "empty (a single NUL)",
				initrd ? "given" : "empty");
	}
	if (!(ctx = EVP_MD_CTX_new())) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 && EVP_DigestUpdate(ctx, img, n) == 1 &&
	     (!kernel || EVP_DigestUpdate(ctx, table, sizeof(table)) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, NULL) == 1;
	if (!ok)
		eaa_fail(err, EAA_E_CRYPTO, "launch digest failed");
out:
	EVP_MD_CTX_free(ctx);
	free(img);
	free(cmdline);
	return ok;
}

static json_t *one_list(const char *key, const char *value)
{
	return json_pack("{s:[s]}", key, value);
}

static json_t *run_sev(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	uint8_t d[32];
	char *b64, *hex;
	json_t *frag;

	if (!launch_digest(in, EVP_sha256(), false, d, info, err))
		return NULL;
	b64 = base64_encode(d, 32, false);
	hex = hex_encode(d, 32);
	if (info && hex)
		fprintf(info, "launch digest: %s\n", hex);
	frag = b64 ? one_list("launch_digest", b64) : NULL;
	free(b64);
	free(hex);
	return frag ? frag : (eaa_fail(err, EAA_E_NOMEM, "out of memory"), NULL);
}

static json_t *run_csv(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	uint8_t d[32];
	char *b64;
	json_t *frag;

	if (!derive_arg(in, "kernel"))
		return eaa_fail(err, EAA_E_CONFIG,
				"--kernel FILE is required: Hygon's calculate_hash.py measures a directly booted kernel"),
		       NULL;
	if (!launch_digest(in, EVP_sm3(), true, d, info, err))
		return NULL;
	b64 = base64_encode(d, 32, false);
	/* the line seed 000's calculate_hash.py prints */
	if (info && b64)
		fprintf(info, "Firmware Digest:  %s\n", b64);
	frag = b64 ? one_list("measure", b64) : NULL;
	free(b64);
	return frag ? frag : (eaa_fail(err, EAA_E_NOMEM, "out of memory"), NULL);
}

static const struct derive_opt sev_opts[] = {
	{ "ovmf", true, false, "FILE      the firmware image the guest boots (required)" },
	{ "kernel", true, false, "FILE    a kernel QEMU boots directly (-kernel)" },
	{ "initrd", true, false, "FILE    its initrd (-initrd); none: the empty one" },
	{ "append", true, false, "STRING  its command line (-append)" },
	{ "cmdline", true, false, "STRING the same, as simple-kbs's script names it" },
	{ NULL, false, false, NULL },
};

static const struct derive_opt csv_opts[] = {
	{ "ovmf", true, false, "FILE      the firmware image the guest boots (required)" },
	{ "kernel", true, false, "FILE    the kernel QEMU boots directly (required)" },
	{ "initrd", true, false, "FILE    its initrd; none: the empty one" },
	{ "cmdline", true, false, "FILE   a file holding its command line and a newline, as\n"
	  "                          calculate_hash.py reads it" },
	{ "append", true, false, "STRING  or the command line itself (-append)" },
	{ NULL, false, false, NULL },
};

const struct derive_tee derive_sev = {
	"sev", NULL,
	"the SEV launch digest (SHA-256 of OVMF and the kernel hashes table)",
	sev_opts, run_sev,
};

const struct derive_tee derive_csv = {
	"csv", "csvData",
	"Hygon CSV's Firmware Digest (SM3 of OVMF and the kernel hashes table)",
	csv_opts, run_csv,
};
