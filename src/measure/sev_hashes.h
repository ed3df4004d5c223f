/* sev_hashes.h - the table of kernel, initrd and command-line digests that
 * QEMU places in an SEV (and SEV-ES, SEV-SNP, Hygon CSV) guest's firmware
 * when it boots a kernel directly, so that the launch measurement covers
 * them.
 *
 * Layout (QEMU's target/i386/sev.c, as simple-kbs's
 * calculate_sev_launch_digest.py and sev-snp-measure's sev_hashes.py
 * write it), all little-endian, GUIDs as EFI GUIDs:
 *   0    16  table GUID 9438d606-4f22-4cc9-b479-a793d411fd21
 *   16    2  table length, 168
 *   18   50  entry: GUID 97d02dd8-bd20-4c94-aa78-e7714d36ab2a (cmdline),
 *            u16 length 50, SHA-256 of the command line and its NUL
 *   68   50  entry: GUID 44baf731-3a2f-4bd7-9af1-41e29169781d (initrd)
 *   118  50  entry: GUID 4de79437-abd2-427f-b835-d5b172d2045b (kernel)
 *   168   8  zero padding to a multiple of 16 (measured with the table) */
#ifndef EAA_MEASURE_SEV_HASHES_H
#define EAA_MEASURE_SEV_HASHES_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include "err.h"

#define SEV_HASHES_TABLE_LEN 176 /* 168 bytes of table, padded to 16 */

struct sev_hashes {
	uint8_t cmdline[32], initrd[32], kernel[32];
};

/* Digest kernel (required), initrd (NULL: empty) and the command line as
 * QEMU hashes it: the bytes of append followed by one NUL (NULL append:
 * the single NUL byte). md is EVP_sha256() for every TEE so far (Hygon's
 * calculate_hash.py too uses SHA-256 inside the table). */
bool sev_hashes_of(const EVP_MD *md, const char *kernel, const char *initrd,
		   const char *append, struct sev_hashes *out, struct eaa_err *err);

/* The table, padded with zeros to SEV_HASHES_TABLE_LEN. */
void sev_hashes_table(const struct sev_hashes *h, uint8_t out[SEV_HASHES_TABLE_LEN]);

#endif
