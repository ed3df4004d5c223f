/* bench-snp - SEV-SNP report verifications per second on one core, with
 * the AMD chain cached (the embedded ARK/ASK checked once, the VCEK once
 * per certificate), beside OpenSSL's ECDSA P-384 verify rate over the same
 * signed bytes in the same run.
 *
 *   bench-snp [-n REPORTS] [DATA_DIR]      (default tests/data)
 *
 * A full verification: parse, the VCEK's extensions, chain (cache hit) and
 * validity, TCB and chip binding, the report's P-384 signature, the claims
 * JSON. Its bound is the P-384 verify rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "bench.h"
#include "ecdsa.h"
#include "file.h"
#include "snp.h"

int main(int argc, char **argv)
{
	const char *dir = "tests/data";
	int n = 2000, c;
	char path[512];
	uint8_t *report, *der;
	size_t rn, dn;
	const unsigned char *p;
	struct snp_report r;
	struct snp_verify_opts o = { .at = time(NULL) };
	struct eaa_err err;
	X509 *vcek;
	double t0, full, raw;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	if (optind < argc)
		dir = argv[optind];
	snprintf(path, sizeof(path), "%s/amd/test-report.bin", dir);
	if (!file_read(path, 1 << 16, &report, &rn, &err))
		bench_die(path, err.msg);
	snprintf(path, sizeof(path), "%s/amd/test-vcek.der", dir);
	if (!file_read(path, 1 << 20, &der, &dn, &err))
		bench_die(path, err.msg);
	p = der;
	if (!(vcek = d2i_X509(NULL, &p, (long)dn)))
		bench_die("VCEK", NULL);
	/* warm: the chain and the VCEK are checked once */
	if (!snp_report_parse(report, rn, &r, &err) || !snp_report_verify(report, &r, vcek, &o, &err))
		bench_die("verify", err.msg);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		json_t *claims;

		if (!snp_report_parse(report, rn, &r, &err) ||
		    !snp_report_verify(report, &r, vcek, &o, &err))
			bench_die("verify", err.msg);
		claims = snp_claims(&r, "Milan");
		json_decref(claims);
	}
	full = n / (bench_now() - t0);
	t0 = bench_now();
	for (int i = 0; i < n; i++)
		if (!ecdsa_verify_rs(X509_get0_pubkey(vcek), EVP_sha384(), report, SNP_SIGNED_SIZE,
				     r.sig_r, r.sig_s, 48))
			bench_die("P-384 verify", NULL);
	raw = n / (bench_now() - t0);
	printf("SNP report verifications: %.0f/s (%.3f ms each)\n", full, 1000 / full);
	printf("OpenSSL ECDSA P-384 verifies of the same bytes: %.0f/s\n", raw);
	printf("full / raw: %.2f\n", full / raw);
	X509_free(vcek);
	free(der);
	free(report);
	return 0;
}
