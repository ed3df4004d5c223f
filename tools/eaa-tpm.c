/* eaa-tpm - the TPM side of TPM 2.0 attestation, by hand:
 *
 *   eaa-tpm ak [--tcti CONF]
 *       print the attestation key's public key (PEM), to enrol it with
 *       verifiers (librats-tls tpm.ak=FILE, rats-verify --ak)
 *   eaa-tpm quote [--tcti CONF] [--pcrs LIST] --nonce HEX [-o FILE]
 *       write a quote (the tpm attester's evidence) over qualifyingData HEX
 *
 * CONF is a tpm2-tss TCTI (default device:/dev/tpmrm0). Exit 0 on success,
 * 1 with one line naming the failure, 2 for a usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include "codec.h"
#include "file.h"
#include "tpm_esys.h"
#include "tpm_quote.h"

static const char *prog = "eaa-tpm";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s ak [--tcti CONF]\n"
"       %s quote [--tcti CONF] [--pcrs LIST] --nonce HEX [-o FILE]\n"
"  --tcti CONF    tpm2-tss TCTI (default " TPM_TCTI_DEFAULT ")\n"
"  --pcrs LIST    PCRs to quote: 0-7,16 (SHA-256) or sha1:0-7+sha256:0-7\n"
"                 (default 0-7)\n"
"  --nonce HEX    the quote's qualifyingData (at most 64 bytes)\n"
"  -o FILE        write the evidence there (default standard output)\n",
		prog, prog);
}

static int ak(struct tpm_dev *d, struct eaa_err *err)
{
	TPM2B_PUBLIC pub;
	EVP_PKEY *key;
	int ok;

	if (!tpm_ak_public(d, &pub, err))
		return 1;
	if (!(key = tpm_ak_pkey(&pub.publicArea))) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "the AK's public key cannot be read");
		return 1;
	}
	ok = PEM_write_PUBKEY(stdout, key);
	EVP_PKEY_free(key);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "pcrs", required_argument, NULL, 'p' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *tcti = TPM_TCTI_DEFAULT, *pcrs = "0-7", *nonce_hex = NULL, *outfile = NULL;
	struct eaa_err err = { 0 };
	TPML_PCR_SELECTION sel;
	struct tpm_dev *d = NULL;
	uint8_t *nonce = NULL;
	size_t nn = 0;
	struct wr ev;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
		switch (c) {
		case 't': tcti = optarg; break;
		case 'p': pcrs = optarg; break;
		case 'n': nonce_hex = optarg; break;
		case 'o': outfile = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (strcmp(argv[optind], "ak") != 0 &&
				   strcmp(argv[optind], "quote") != 0)) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "quote") == 0) {
		if (!nonce_hex || !hex_decode(nonce_hex, &nonce, &nn) || nn > 64) {
			fprintf(stderr, "%s: quote: --nonce wants hex of at most 64 bytes\n", prog);
			free(nonce);
			return 2;
		}
		if (!tpm_pcr_selection_parse(pcrs, &sel, &err)) {
			fprintf(stderr, "%s: --pcrs: %s\n", prog, err.msg);
			free(nonce);
			return 2;
		}
	}
	if (!tpm_open(tcti, &d, &err)) {
		fprintf(stderr, "%s: %s\n", prog, err.msg);
		free(nonce);
		return 1;
	}
	if (strcmp(argv[optind], "ak") == 0) {
		rc = ak(d, &err);
	} else {
		wr_init(&ev);
		if (tpm_quote(d, nonce, nn, &sel, &ev, &err))
			rc = outfile ? !file_write_atomic(outfile, ev.buf, ev.len, 0644, &err)
				     : fwrite(ev.buf, 1, ev.len, stdout) != ev.len;
		wr_free(&ev);
	}
	if (rc)
		fprintf(stderr, "%s: %s\n", prog, err.msg[0] ? err.msg : "cannot write");
	tpm_close(d);
	free(nonce);
	return rc;
}
