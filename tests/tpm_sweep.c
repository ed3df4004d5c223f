/* tpm_sweep QUOTE AK NONCE - for test_tpm.sh: the quote verifies with the
 * AK and qualifyingData NONCE (hex), and every byte flipped, every
 * truncation and a trailing byte are refused. In-process: a process per
 * variant would take minutes under the sanitizers. */
#include <stdlib.h>
#include <string.h>
#include "codec.h"
#include "file.h"
#include "tpm_quote.h"
#include "test.h"

static bool verify(const uint8_t *p, size_t n, const struct tpm_verify_opts *o)
{
	static struct tpm_quote q;
	struct eaa_err err;

	return tpm_quote_parse(p, n, &q, &err) && tpm_quote_verify(&q, o, &err);
}

int main(int argc, char **argv)
{
	struct tpm_verify_opts o = { 0 };
	struct eaa_err err;
	EVP_PKEY **aks = NULL;
	uint8_t *q = NULL, *nonce = NULL;
	size_t n = 0, flips = 0, cuts = 0;

	if (argc != 4 || !file_read(argv[1], 1 << 20, &q, &n, &err) ||
	    !tpm_load_aks(argv[2], &aks, &o.naks, &err) ||
	    !hex_decode(argv[3], &nonce, &o.nonce_len)) {
		fprintf(stderr, "usage: tpm_sweep QUOTE AK NONCE\n");
		return 2;
	}
	o.aks = aks;
	o.nonce = nonce;
	CHECK(verify(q, n, &o));
	for (size_t i = 0; i < n; i++) {
		q[i] ^= 0x01;
		flips += !verify(q, n, &o);
		q[i] ^= 0x01;
		cuts += !verify(q, i, &o);
	}
	CHECK_MSG(flips == n, "%zu of %zu flips refused", flips, n);
	CHECK_MSG(cuts == n, "%zu of %zu truncations refused", cuts, n);
	q = realloc(q, n + 1);
	q[n] = 0;
	CHECK(!verify(q, n + 1, &o));
	tpm_free_aks(aks, o.naks);
	free(q);
	free(nonce);
	return test_summary();
}
