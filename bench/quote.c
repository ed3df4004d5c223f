/* bench-quote - full TDX quote verifications per second on one core, with
 * loaded collateral and cached chain results, beside OpenSSL's ECDSA P-256
 * verify rate measured in the same run.
 *
 *   bench-quote [-n QUOTES] [DATA_DIR]     (default tests/data)
 *
 * A full verification: parse, QE vendor check, PCK chain (cache hit), QE
 * report signature, QE binding, quote signature, TCB status against the
 * collateral, and the claims JSON. A quote needs two ECDSA verifies once
 * its chain is known, so the bound is verify_rate / 2. */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "ecdsa.h"
#include "file.h"
#include "quote_verify.h"
#include "timefmt.h"

/* OpenSSL's ECDSA P-256 verify rate over a quote-sized message, through the
 * same raw-signature path the quote checks use. */
static double verify_rate(const struct quote *q, int n)
{
	EVP_PKEY *key = ecdsa_pubkey_xy("P-256", q->att_key, 32);
	double t0 = bench_now();
	int good = 0;

	for (int i = 0; i < n; i++)
		good += ecdsa_verify_rs(key, EVP_sha256(), q->signed_data.p,
					q->signed_data.n, q->signature,
					q->signature + 32, 32);
	EVP_PKEY_free(key);
	if (good != n)
		bench_die("ECDSA verify", NULL);
	return n / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	const char *dir = "tests/data";
	char path[1024];
	struct quote_verify_opts o = { .root = intel_root_ca(),
				       .cache = pck_cache_new() };
	struct collateral col;
	struct quote_result res;
	struct quote q;
	struct eaa_err err;
	uint8_t *buf;
	size_t len;
	int n = 5000, c;
	double t0, qrate, vrate;
	cpu_set_t set;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n' || (n = atoi(optarg)) <= 0) {
			fprintf(stderr, "usage: bench-quote [-n QUOTES] [DATA_DIR]\n");
			return 2;
		}
	}
	if (optind < argc)
		dir = argv[optind];
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	time_parse_utc("2023-06-20T00:00:00Z", &o.at);
	snprintf(path, sizeof(path), "%s/intel/pcs-50806f000000", dir);
	if (!collateral_load_dir(path, o.root, o.at, &col, &err))
		bench_die("collateral", err.msg);
	o.col = &col;
	snprintf(path, sizeof(path), "%s/intel/tdx_quote_4.dat", dir);
	if (!file_read(path, QUOTE_MAX_LEN, &buf, &len, &err))
		bench_die("quote", err.msg);
	/* Warm the chain cache: the first quote of a platform pays for it. */
	if (!quote_parse(buf, len, &q, &err) || !quote_verify(&q, &o, &res, &err))
		bench_die("first verification", err.msg);
	tcb_result_free(&res.tcb);

	vrate = verify_rate(&q, n);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		json_t *claims;

		if (!quote_parse(buf, len, &q, &err) ||
		    !quote_verify(&q, &o, &res, &err))
			bench_die("verification", err.msg);
		claims = quote_claims(&q, &res);
		if (!claims)
			bench_die("claims", NULL);
		json_decref(claims);
		tcb_result_free(&res.tcb);
	}
	qrate = n / (bench_now() - t0);
	printf("ECDSA P-256 verify:        %8.0f/s\n", vrate);
	printf("bound (2 verifies/quote):  %8.0f/s\n", vrate / 2);
	printf("TDX quote, full, cached:   %8.0f/s  %.2fx of the bound\n", qrate,
	       qrate / (vrate / 2));
	collateral_free(&col);
	pck_cache_free(o.cache);
	X509_free(o.root);
	free(buf);
	return 0;
}
