/* make_seeds DIR - writes seed corpora for the fuzz targets, made by the
 * same code as the tests' forged certificates, so seeds follow the format:
 *   DIR/fuzz_evidence_ext/, DIR/fuzz_sample_report/, DIR/fuzz_cert_verify/,
 *   DIR/trust.pem (the sample signer fuzz_cert_verify trusts). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "forge.h"
#include "internal.h"
#include "sample_evidence.h"

static const char *dir;

static void put(const char *target, int i, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%02d", dir, target, i);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	EVP_PKEY *signer = forge_key(), *key = forge_key();
	static const enum forge_shape shapes[] = {
		SHAPE_OK, SHAPE_ARRAY3, SHAPE_EVIDENCE_TSTR, SHAPE_NO_TAG,
		SHAPE_PKHASH_ARRAY3, SHAPE_NO_PKHASH,
	};
	char path[4096];

	if (argc != 2)
		return 2;
	dir = argv[1];
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/trust.pem", dir);
	if (!forge_write_pub(signer, path))
		return 1;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		static const uint8_t nonce[4] = { 1, 2, 3, 4 };
		struct forge f = { .cert_key = key, .signer = signer,
				   .shape = shapes[i] };
		unsigned char *der = NULL;
		uint8_t *ext;
		size_t len;
		int n;
		X509 *x;

		if (i == 1) {
			f.shape = SHAPE_OK;
			f.nonce = nonce;
			f.nonce_len = sizeof(nonce);
		}
		if (!(x = forge_cert(&f)))
			return 1;
		n = i2d_X509(x, &der);
		put("fuzz_cert_verify", (int)i, der, (size_t)n);
		OPENSSL_free(der);
		if ((ext = forge_ext_of(x, &len))) {
			put("fuzz_evidence_ext", (int)i, ext, len);
			free(ext);
		}
		X509_free(x);
	}
	{
		uint8_t meas[32] = { 1 }, rd[64] = { 2 };
		struct wr w;

		wr_init(&w);
		if (!sample_report_sign(signer, meas, 1, rd, &w, NULL))
			return 1;
		put("fuzz_sample_report", 0, w.buf, w.len);
		wr_free(&w);
	}
	EVP_PKEY_free(signer);
	EVP_PKEY_free(key);
	return 0;
}
