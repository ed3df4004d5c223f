/* bench-csv - Hygon CSV report verifications per second on one core, with
 * the HRK -> HSK -> CEK -> PEK chain cached (checked once per chain),
 * beside OpenSSL's SM2-with-SM3 verify rate over the same signed bytes in
 * the same run.
 *
 *   bench-csv [-n REPORTS] [DATA_DIR]      (default tests/data)
 *
 * A full verification of the real csv-rs report (firmware form): parse and
 * unmask, the chain (a cache hit: its digest looked up), the firmware
 * HMAC, the PEK's signature on the report, the policy, and the claims
 * JSON. The one SM2 verify is its bound. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "csv.h"
#include "file.h"

int main(int argc, char **argv)
{
	const char *dir = "tests/data";
	int n = 1000, c;
	char path[512];
	uint8_t *report, *pair;
	size_t rn, pn;
	struct csv_report *r = malloc(sizeof(*r));
	struct csv_verify_opts o = { .allow_debug = true };
	struct eaa_err err;
	double t0, full, raw;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	if (optind < argc)
		dir = argv[optind];
	if (!r)
		bench_die("out of memory", NULL);
	snprintf(path, sizeof(path), "%s/hygon/csvrs_report.cert", dir);
	if (!file_read(path, 1 << 16, &report, &rn, &err))
		bench_die(path, err.msg);
	snprintf(path, sizeof(path), "%s/hygon/csvrs_hsk_cek.cert", dir);
	if (!file_read(path, 1 << 16, &pair, &pn, &err))
		bench_die(path, err.msg);
	/* warm: the chain is checked once and cached */
	if (!csv_report_parse(report, rn, r, &err) || !csv_report_verify(r, pair, pn, &o, &err))
		bench_die("verify", err.msg);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		json_t *claims;

		if (!csv_report_parse(report, rn, r, &err) ||
		    !csv_report_verify(r, pair, pn, &o, &err))
			bench_die("verify", err.msg);
		claims = csv_claims(r, true);
		json_decref(claims);
	}
	full = n / (bench_now() - t0);
	t0 = bench_now();
	for (int i = 0; i < n; i++)
		if (!csv_sm2_verify(&r->pek.key, r->tbs, r->tbs_len, r->r, r->s))
			bench_die("SM2 verify", NULL);
	raw = n / (bench_now() - t0);
	printf("CSV report verifications: %.0f/s (%.3f ms each)\n", full, 1000 / full);
	printf("OpenSSL SM2-with-SM3 verifies of the report's signed bytes: %.0f/s\n", raw);
	printf("full / raw: %.2f\n", full / raw);
	free(pair);
	free(report);
	free(r);
	return 0;
}
