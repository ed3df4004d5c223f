/* bench-azure - Azure vTPM evidence verifications per second on one core
 * (src/azure: az-snp-vtpm and az-tdx-vtpm, trustee's JSON decoded once),
 * beside OpenSSL's rates for the signatures involved, in the same run:
 * ECDSA P-384 over the SNP report's signed bytes, RSA-2048 PKCS#1 v1.5
 * over the TPM quote.
 *
 *   bench-azure [-n RUNS] [DATA_DIR]      (default tests/data)
 *
 * A full verification: the HCL report, the runtime claims (JSON, the AK's
 * JWK), the hardware report (SNP: VCEK chain, a cache hit after the first,
 * and signature; TDX: the quote's two P-256 signatures and PCK chain, no
 * collateral), the binding hash, the AK's signature over the TPM quote,
 * the PCR digest, and the claims JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "azure.h"
#include "bench.h"
#include "ecdsa.h"
#include "file.h"
#include "jose.h"
#include "snp.h"
#include "timefmt.h"

static const uint8_t challenge[] = "challenge";

static double rate(const char *dir, const char *name, enum az_kind kind, int n,
		   struct az_evidence *keep)
{
	char path[512];
	uint8_t *text;
	size_t len;
	struct eaa_err err;
	struct az_verify_opts o = { .report_data = challenge,
				    .report_data_len = sizeof(challenge) - 1 };
	double t0;

	time_parse_utc("2025-06-01T00:00:00Z", &o.at);
	snprintf(path, sizeof(path), "%s/azure/%s", dir, name);
	if (!file_read(path, 1 << 22, &text, &len, &err) ||
	    !az_evidence_load((char *)text, len, kind, keep, &err))
		bench_die(path, err.msg);
	free(text);
	json_decref(az_verify(keep, &o, &err));   /* warm: the chains */
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		json_t *c = az_verify(keep, &o, &err);

		if (!c)
			bench_die(name, err.msg);
		json_decref(c);
	}
	return n / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	const char *dir = "tests/data";
	int n = 1000, c;
	struct az_evidence snp, tdx;
	struct hcl_report h;
	struct az_runtime rt;
	struct snp_report r;
	struct eaa_err err;
	const unsigned char *p;
	X509 *vcek;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	double snp_rate, tdx_rate, p384, rsa, t0;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	if (optind < argc)
		dir = argv[optind];
	snp_rate = rate(dir, "snp-evidence-v1.json", AZ_SNP_VTPM, n, &snp);
	tdx_rate = rate(dir, "tdx-evidence-v1.json", AZ_TDX_VTPM, n, &tdx);
	if (!hcl_report_parse(snp.hcl, snp.hcl_len, &h, &err) ||
	    !snp_report_parse(h.hw, HCL_HW_REPORT_SIZE, &r, &err) ||
	    !az_runtime_parse(h.var_data, h.var_len, &rt, &err))
		bench_die("sample", err.msg);
	p = snp.vcek;
	if (!(vcek = d2i_X509(NULL, &p, (long)snp.vcek_len)))
		bench_die("VCEK", NULL);
	t0 = bench_now();
	for (int i = 0; i < n; i++)
		if (!ecdsa_verify_rs(X509_get0_pubkey(vcek), EVP_sha384(), h.hw, SNP_SIGNED_SIZE,
				     r.sig_r, r.sig_s, 48))
			bench_die("P-384 verify", NULL);
	p384 = n / (bench_now() - t0);
	t0 = bench_now();
	for (int i = 0; i < n; i++)
		if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, rt.ak) != 1 ||
		    EVP_DigestVerify(md, snp.sig, snp.sig_len, snp.msg, snp.msg_len) != 1)
			bench_die("RSA verify", NULL);
	rsa = n / (bench_now() - t0);
	printf("az-snp-vtpm verifications: %.0f/s (%.3f ms each)\n", snp_rate, 1000 / snp_rate);
	printf("az-tdx-vtpm verifications (no collateral): %.0f/s (%.3f ms each)\n", tdx_rate,
	       1000 / tdx_rate);
	printf("OpenSSL ECDSA P-384 verifies of the SNP report: %.0f/s\n", p384);
	printf("OpenSSL RSA-2048 PKCS#1 v1.5 verifies of the TPM quote: %.0f/s\n", rsa);
	printf("az-snp-vtpm / (1/(1/p384 + 1/rsa)): %.2f\n",
	       snp_rate * (1 / p384 + 1 / rsa));
	EVP_MD_CTX_free(md);
	X509_free(vcek);
	az_runtime_free(&rt);
	az_evidence_free(&snp);
	az_evidence_free(&tdx);
	return 0;
}
