/* forge_csv.h - a Hygon CSV chain under a test HRK, and reports signed by
 * its PEK, for the checks no real sample reaches (debug policies, V2/V3,
 * slot and key-id rules). Never trusted by anything but tests. */
#ifndef EAA_FORGE_CSV_H
#define EAA_FORGE_CSV_H

#include <openssl/evp.h>
#include "csv.h"

struct forge_csv {
	EVP_PKEY *hrk, *hsk, *cek, *pek;
	uint8_t hrk_cert[CSV_CA_CERT_SIZE];
	uint8_t hsk_cek[CSV_HSK_CEK_SIZE];
	uint8_t pek_cert[CSV_CERT_SIZE];
	struct csv_ca_cert root;   /* the parsed test HRK */
};

bool forge_csv_init(struct forge_csv *f);
void forge_csv_free(struct forge_csv *f);

/* A report into out (at least 4116 bytes); its length. Version 1 is in
 * the firmware's form (masked, HMAC) when anonce is non-zero; versions 2
 * and 3 come with the "ATTESTATION_EXT" wrapper. mnonce NULL: a fixed one. */
size_t forge_csv_report(const struct forge_csv *f, int version, uint32_t anonce,
			uint32_t policy, const uint8_t report_data[64], const uint8_t *mnonce,
			uint8_t *out);

/* Sign a certificate body of n bytes with key as uid, into LE r/s fields. */
bool forge_csv_sign(EVP_PKEY *key, const char *uid, const uint8_t *msg, size_t n,
		    uint8_t r_le[72], uint8_t s_le[72]);

#endif
