/* sev_hashes.c - the kernel hashes table of SEV-family guests
 * (sev_hashes.h). */
#include <string.h>
#include "artifact.h"
#include "bytes.h"
#include "guid_table.h"
#include "sev_hashes.h"

#define TABLE_GUID   "9438d606-4f22-4cc9-b479-a793d411fd21"
#define CMDLINE_GUID "97d02dd8-bd20-4c94-aa78-e7714d36ab2a"
#define INITRD_GUID  "44baf731-3a2f-4bd7-9af1-41e29169781d"
#define KERNEL_GUID  "4de79437-abd2-427f-b835-d5b172d2045b"
#define ENTRY_LEN    (16 + 2 + 32)
#define TABLE_LEN    (16 + 2 + 3 * ENTRY_LEN)

bool sev_hashes_of(const EVP_MD *md, const char *kernel, const char *initrd,
		   const char *append, struct sev_hashes *out, struct eaa_err *err)
{
	unsigned int n = 0;
	EVP_MD_CTX *ctx;
	bool ok;

	if (EVP_MD_get_size(md) != 32)
		return eaa_fail(err, EAA_E_INVALID, "the hashes table holds 32-byte digests");
	if (!artifact_digest(md, kernel, "kernel", out->kernel, err))
		return false;
	if (initrd) {
		if (!artifact_digest(md, initrd, "initrd", out->initrd, err))
			return false;
	} else if (EVP_Digest("", 0, out->initrd, &n, md, NULL) != 1) {
		return eaa_fail(err, EAA_E_CRYPTO, "initrd: digest failed");
	}
	/* the command line is hashed with its terminating NUL */
	if (!(ctx = EVP_MD_CTX_new()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
	     (!append || EVP_DigestUpdate(ctx, append, strlen(append)) == 1) &&
	     EVP_DigestUpdate(ctx, "", 1) == 1 &&
	     EVP_DigestFinal_ex(ctx, out->cmdline, NULL) == 1;
	EVP_MD_CTX_free(ctx);
	return ok || eaa_fail(err, EAA_E_CRYPTO, "command line: digest failed");
}

static void entry(struct wr *w, const char *guid, const uint8_t digest[32])
{
	uint8_t g[16];

	guid_from_string(guid, g);
	wr_bytes(w, g, 16);
	wr_u16le(w, ENTRY_LEN);
	wr_bytes(w, digest, 32);
}

void sev_hashes_table(const struct sev_hashes *h, uint8_t out[SEV_HASHES_TABLE_LEN])
{
	uint8_t g[16];
	struct wr w;

	memset(out, 0, SEV_HASHES_TABLE_LEN);
	wr_init_fixed(&w, out, SEV_HASHES_TABLE_LEN);
	guid_from_string(TABLE_GUID, g);
	wr_bytes(&w, g, 16);
	wr_u16le(&w, TABLE_LEN);
	entry(&w, CMDLINE_GUID, h->cmdline);
	entry(&w, INITRD_GUID, h->initrd);
	entry(&w, KERNEL_GUID, h->kernel);
}
