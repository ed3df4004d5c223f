/* fuzz_snp_report - SEV-SNP reports (parser, then every check with the
 * real Milan VCEK), VCEK certificates' extensions, and extended reports'
 * certificate tables (the first byte picks which, mod 3). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <openssl/x509.h>
#include "file.h"
#include "certtable.h"
#include "snp.h"

static X509 *vcek;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("EAA_FUZZ_AMD");
	char path[512];
	uint8_t *raw;
	size_t n;
	const unsigned char *p;

	snprintf(path, sizeof(path), "%s/test-vcek.der", dir ? dir : "tests/data/amd");
	if (!file_read(path, 1 << 20, &raw, &n, NULL))
		abort();
	p = raw;
	vcek = d2i_X509(NULL, &p, (long)n);
	free(raw);
	if (!vcek)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snp_verify_opts o = { .at = 1793000000 /* 2026-10 */ };
	struct snp_report r;
	struct snp_cert_ext e;
	struct eaa_err err;
	const unsigned char *p;
	X509 *x;
	json_t *c;

	if (size < 1)
		return 0;
	if (data[0] % 3 == 2) {
		const uint8_t *cert;
		size_t n, used;

		(void)snp_cert_table_find(data + 1, size - 1, false, &cert, &n, &err);
		(void)snp_cert_table_find(data + 1, size - 1, true, &cert, &n, &err);
		if (snp_cert_table_used(data + 1, size - 1, &used, &err) && used > size - 1)
			__builtin_trap();   /* the used part lies inside the buffer */
		return 0;
	}
	if (data[0] % 3 == 0) {
		if (snp_report_parse(data + 1, size - 1, &r, &err)) {
			(void)snp_report_verify(data + 1, &r, vcek, &o, &err);
			c = snp_claims(&r, "Milan");
			json_decref(c);
		}
		return 0;
	}
	p = data + 1;
	if ((x = d2i_X509(NULL, &p, (long)(size - 1))) != NULL) {
		(void)snp_cert_ext_parse(x, &e, &err);
		X509_free(x);
	}
	return 0;
}
