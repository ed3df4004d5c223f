/* tpm_eventlog TCTI OUT - for test_tpm.sh: extend PCRs 0, 1, 4 and 7 of a
 * TPM whose PCRs are still at their reset value, in the SHA-1 and SHA-256
 * banks, and write the matching crypto-agile TCG event log to OUT, as
 * firmware would: a Spec ID header, a StartupLocality event (locality 0),
 * then the events. Each event's digest is the hash of its data, except
 * the EV_EFI_BOOT_SERVICES_APPLICATION one, whose digest is of an image
 * the log does not hold (as for real PE images).
 *
 * tpm_eventlog TCTI --extend PCR SHA256_HEX - extend one PCR of the SHA-256
 * bank by that digest (test_kbs_tpm.sh: init-data's PCR 8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "tpm_esys.h"

static void digests(const void *p, size_t n, TPML_DIGEST_VALUES *d)
{
	memset(d, 0, sizeof(*d));
	d->count = 2;
	d->digests[0].hashAlg = TPM2_ALG_SHA1;
	EVP_Digest(p, n, d->digests[0].digest.sha1, NULL, EVP_sha1(), NULL);
	d->digests[1].hashAlg = TPM2_ALG_SHA256;
	EVP_Digest(p, n, d->digests[1].digest.sha256, NULL, EVP_sha256(), NULL);
}

static void event2(struct wr *w, uint32_t pcr, uint32_t type, const TPML_DIGEST_VALUES *d,
		   const void *data, size_t n)
{
	wr_u32le(w, pcr);
	wr_u32le(w, type);
	wr_u32le(w, 2);
	wr_u16le(w, TPM2_ALG_SHA1);
	wr_bytes(w, d->digests[0].digest.sha1, 20);
	wr_u16le(w, TPM2_ALG_SHA256);
	wr_bytes(w, d->digests[1].digest.sha256, 32);
	wr_u32le(w, (uint32_t)n);
	wr_bytes(w, data, n);
}

int main(int argc, char **argv)
{
	static const struct { uint32_t pcr, type; const char *data, *image; } evs[] = {
		{ 0, 0x8, "EAA test firmware 1.0", NULL },              /* EV_S_CRTM_VERSION */
		{ 1, 0x80000002, "BootOrder=0001,0002", NULL },         /* EV_EFI_VARIABLE_BOOT */
		{ 4, 0x80000003, "\\EFI\\BOOT\\BOOTX64.EFI", "MZ...an image" },
		{ 7, 0x4, "\0\0\0\0", NULL },                           /* EV_SEPARATOR */
		{ 0, 0x4, "\0\0\0\0", NULL },
	};
	struct tpm_dev *d;
	struct eaa_err err;
	struct wr w;
	TPML_DIGEST_VALUES dv = { 0 };
	uint8_t spec[16 + 4 + 4 + 4 + 8 + 1] = "Spec ID Event03";

	if (argc == 5 && strcmp(argv[2], "--extend") == 0) {
		dv.count = 1;
		dv.digests[0].hashAlg = TPM2_ALG_SHA256;
		if (!hex_decode_fixed(argv[4], dv.digests[0].digest.sha256, 32) ||
		    !tpm_open(argv[1], &d, &err) ||
		    !tpm_pcr_extend(d, (unsigned)atoi(argv[3]), &dv, &err)) {
			fprintf(stderr, "tpm_eventlog --extend: failed\n");
			return 1;
		}
		tpm_close(d);
		return 0;
	}
	if (argc != 3 || !tpm_open(argv[1], &d, &err)) {
		fprintf(stderr, "usage: tpm_eventlog TCTI OUT (%s)\n", argc == 3 ? err.msg : "");
		return 2;
	}
	wr_init(&w);
	/* header: TCG_PCR_EVENT with a TCG_EfiSpecIdEvent */
	spec[16 + 4 + 1] = 2;       /* specVersionMajor */
	spec[16 + 4 + 3] = 2;       /* uintnSize: 64-bit */
	spec[24] = 2;               /* numberOfAlgorithms */
	spec[28] = 0x04; spec[30] = 20;
	spec[32] = 0x0b; spec[34] = 32;
	wr_u32le(&w, 0);
	wr_u32le(&w, 3);
	wr_bytes(&w, (uint8_t[20]){ 0 }, 20);
	wr_u32le(&w, sizeof(spec));
	wr_bytes(&w, spec, sizeof(spec));
	/* StartupLocality 0: zero digests, not extended */
	dv.count = 2;
	dv.digests[0].hashAlg = TPM2_ALG_SHA1;
	dv.digests[1].hashAlg = TPM2_ALG_SHA256;
	event2(&w, 0, 3, &dv, "StartupLocality\0\0", 17);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		size_t n = evs[i].type == 0x4 ? 4 : strlen(evs[i].data);

		if (evs[i].image)
			digests(evs[i].image, strlen(evs[i].image), &dv);
		else
			digests(evs[i].data, n, &dv);
		if (!tpm_pcr_extend(d, evs[i].pcr, &dv, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		event2(&w, evs[i].pcr, evs[i].type, &dv, evs[i].data, n);
	}
	tpm_close(d);
	if (w.failed || !file_write_atomic(argv[2], w.buf, w.len, 0644, &err))
		return 1;
	wr_free(&w);
	return 0;
}
