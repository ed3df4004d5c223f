/* bench-nvidia - NVIDIA Hopper report verifications per second on one
 * core, beside OpenSSL's ECDSA P-384 verify rate over the same signed bytes
 * in the same run.
 *
 *   bench-nvidia [-n REPORTS] [DATA_DIR]     (default tests/data)
 *
 * A full verification (nv_report_verify): parse the SPDM report, the PEM
 * chain, the five-certificate chain to the pinned root (four P-384
 * signatures, nothing cached), the report's P-384 signature, the FWID, the
 * nonce, the claims JSON. Its bound is about a fifth of the raw rate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "bench.h"
#include "codec.h"
#include "ecdsa.h"
#include "file.h"
#include "nv_evidence.h"

int main(int argc, char **argv)
{
	const char *dir = "tests/data";
	int n = 1000, c;
	char path[512], *hex;
	uint8_t *txt, *report, *pem, nonce[SPDM_NONCE_LEN];
	size_t tn, rn, pn;
	struct spdm_report *r = malloc(sizeof(*r));
	struct eaa_err err;
	BIO *b;
	X509 *leaf;
	double t0, full, raw;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	if (optind < argc)
		dir = argv[optind];
	snprintf(path, sizeof(path), "%s/nvidia/hopperAttestationReport.txt", dir);
	if (!file_read(path, 1 << 16, &txt, &tn, &err))
		bench_die(path, err.msg);
	hex = strndup((char *)txt, tn);
	if (!hex || !hex_decode(hex, &report, &rn))
		bench_die(path, "not hex");
	snprintf(path, sizeof(path), "%s/nvidia/hopper_cert_chain_case1.txt", dir);
	if (!file_read(path, 1 << 16, &pem, &pn, &err))
		bench_die(path, err.msg);
	if (!r || !spdm_report_parse(report, rn, NV_HOPPER_SIG_LEN, r, &err))
		bench_die("parse", err.msg);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		json_t *dev;

		if (!nv_report_verify(report, rn, pem, pn, r->req_nonce, NULL, &dev, nonce, &err))
			bench_die("verify", err.msg);
		json_decref(dev);
	}
	full = n / (bench_now() - t0);
	b = BIO_new_mem_buf(pem, (int)pn);
	if (!b || !(leaf = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		bench_die("device certificate", NULL);
	t0 = bench_now();
	for (int i = 0; i < n; i++)
		if (!ecdsa_verify_rs(X509_get0_pubkey(leaf), EVP_sha384(), r->signed_part.p,
				     rd_left(&r->signed_part), r->signature.p,
				     r->signature.p + 48, 48))
			bench_die("P-384 verify", NULL);
	raw = n / (bench_now() - t0);
	printf("NVIDIA Hopper report verifications (chain included): %.0f/s (%.3f ms each)\n",
	       full, 1000 / full);
	printf("OpenSSL ECDSA P-384 verifies of the same bytes: %.0f/s\n", raw);
	printf("full / raw: %.2f\n", full / raw);
	X509_free(leaf);
	BIO_free(b);
	free(r);
	free(hex);
	free(txt);
	free(pem);
	free(report);
	return 0;
}
