/* fuzz_csv_report - Hygon CSV: reports (parser, then every check with the
 * real HSK/CEK of csv-rs's chip), HSK || CEK pairs, and trustee's JSON
 * evidence (the first byte picks which, mod 3). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "csv.h"
#include "file.h"

static uint8_t *pair;
static size_t pair_len;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("EAA_FUZZ_HYGON");
	char path[512];

	snprintf(path, sizeof(path), "%s/csvrs_hsk_cek.cert", dir ? dir : "tests/data/hygon");
	if (!file_read(path, 1 << 20, &pair, &pair_len, NULL))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct csv_report r;
	struct csv_verify_opts o = { 0 };
	struct csv_ca_cert hsk;
	struct csv_cert cek;
	struct eaa_err err;
	uint8_t *bin = NULL;
	size_t n;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (csv_report_parse(data + 1, size - 1, &r, &err)) {
			csv_report_verify(&r, pair, pair_len, &o, &err);
			json_decref(csv_claims(&r, false));
		}
		break;
	case 1:
		csv_hsk_cek_parse(data + 1, size - 1, csv_hrk(), &hsk, &cek, &err);
		break;
	default:
		if (csv_evidence_json((const char *)data + 1, size - 1, &bin, &n, &err))
			csv_report_parse(bin, n, &r, &err);
		free(bin);
	}
	return 0;
}
