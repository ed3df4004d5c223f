/* snp_id_block.h - the ID block and its ID authentication information an
 * owner gives QEMU (-object sev-snp-guest,id-block=...,id-auth=...) so
 * that the secure processor checks the launch digest at SNP_LAUNCH_FINISH
 * and the report carries ID_KEY_DIGEST and AUTHOR_KEY_DIGEST.
 *
 * Layouts (SEV-SNP firmware ABI specification #56860, SNP_LAUNCH_FINISH:
 * ID_BLOCK, ID_AUTH_INFO, the ECDSA public key and signature formats;
 * sev-snp-measure's id_block.py writes the same), little-endian:
 *   ID_BLOCK (96 bytes): 0x00 launch digest (48), 0x30 FAMILY_ID (16),
 *     0x40 IMAGE_ID (16), 0x50 u32 VERSION (1), 0x54 u32 GUEST_SVN,
 *     0x58 u64 guest POLICY.
 *   ID_AUTH_INFO (4096 bytes): 0x000 u32 ID_KEY_ALGO, 0x004 u32
 *     AUTH_KEY_ALGO (1: ECDSA P-384 with SHA-384), 0x040 ID_BLOCK_SIG
 *     (512), 0x240 ID_KEY (1028), 0x680 ID_KEY_SIG (512), 0x880
 *     AUTHOR_KEY (1028); the rest reserved, zero.
 *   public key (1028): u32 curve (2: P-384), QX (72), QY (72), zeros.
 *   signature (512): R (72), S (72), zeros.
 * R, S, QX and QY are little-endian integers. ID_BLOCK_SIG signs the ID
 * block with the ID key; ID_KEY_SIG signs the ID key's 1028 bytes with the
 * author key. A key's digest in the report is SHA-384 of its 1028 bytes. */
#ifndef EAA_MEASURE_SNP_ID_BLOCK_H
#define EAA_MEASURE_SNP_ID_BLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"

#define SNP_ID_BLOCK_LEN 96u
#define SNP_ID_AUTH_LEN 4096u
#define SNP_POLICY_DEFAULT 0x30000ull /* ABI 0.0, SMT allowed, reserved bit 17 */

struct snp_id_params {
	uint8_t measurement[48];
	uint8_t family_id[16], image_id[16];
	uint32_t guest_svn;
	uint64_t policy;
	const char *id_key, *author_key;   /* PEM files of P-384 private keys */
};

struct snp_id_out {
	uint8_t block[SNP_ID_BLOCK_LEN];
	uint8_t auth[SNP_ID_AUTH_LEN];
	uint8_t id_key_digest[48], author_key_digest[48];
};

/* Build and sign. Refused: a key file missing or not a P-384 private key
 * (named), a signing failure. */
bool snp_id_block(const struct snp_id_params *p, struct snp_id_out *out,
		  struct eaa_err *err);

#endif
