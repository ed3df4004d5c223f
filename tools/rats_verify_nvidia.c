/* rats_verify_nvidia.c - `rats-verify --tee nvidia`: trustee's NVIDIA GPU
 * evidence JSON checked locally (src/nvidia) and its claims printed.
 *
 *   rats-verify --tee nvidia [--report-data HEX | --nonce HEX]
 *               [--rim FILE ...] [--crl FILE ...] [--ocsp FILE ...]
 *               [--at TIME] FILE
 *
 * --report-data takes the KBS's report data (e.g. the SHA-384 of the runtime
 * data), cut or zero-padded to the 32-byte GPU nonce as trustee does;
 * --nonce takes the GPU nonce itself (exactly 32 bytes). Without either the
 * nonce is not checked (the claims say "nonce_checked": false). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "codec.h"
#include "file.h"
#include "nv_evidence.h"
#include "nv_trust.h"
#include "rats_verify_nvidia.h"
#include "timefmt.h"

#define MAX_FILES 32

static const char *prog = "rats-verify";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s --tee nvidia [options] FILE\n"
"Check NVIDIA GPU evidence (trustee's JSON; Hopper, verified locally) and\n"
"print its claims as JSON.\n"
"      --report-data HEX   the KBS's report data; its first 32 bytes (zero-\n"
"                          padded) must be the GPU nonce, as trustee checks\n"
"      --nonce HEX         the 32-byte GPU nonce itself\n"
"      --rim FILE          a reference integrity manifest (NVIDIA's signed\n"
"                          SWID XML) to compare the measurements with; repeat\n"
"                          for the driver's and the VBIOS's\n"
"      --crl FILE          a CRL (DER or PEM) of an issuer in the GPU's chain;\n"
"                          repeat; revoked certificates are refused\n"
"      --ocsp FILE         a DER OCSP response about a certificate of the GPU's\n"
"                          chain (from NVIDIA's responder); repeat\n"
"      --at TIME           verify as of TIME (2025-11-01T00:00:00Z); default now\n"
"  -h, --help\n", prog);
}

int rats_verify_nvidia(int argc, char **argv)
{
	enum { OPT_TEE = 256, OPT_RD, OPT_NONCE, OPT_RIM, OPT_CRL, OPT_AT, OPT_OCSP };
	static const struct option longs[] = {
		{ "tee", required_argument, NULL, OPT_TEE },
		{ "report-data", required_argument, NULL, OPT_RD },
		{ "nonce", required_argument, NULL, OPT_NONCE },
		{ "rim", required_argument, NULL, OPT_RIM },
		{ "crl", required_argument, NULL, OPT_CRL },
		{ "ocsp", required_argument, NULL, OPT_OCSP },
		{ "at", required_argument, NULL, OPT_AT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *rd_hex = NULL, *nonce_hex = NULL, *rim_paths[MAX_FILES] = { 0 };
	const char *crl_paths[MAX_FILES] = { 0 }, *ocsp_paths[MAX_FILES] = { 0 };
	uint8_t *ocsps[MAX_FILES + 1] = { 0 };
	size_t ocsp_lens[MAX_FILES + 1] = { 0 }, nocsp = 0;
	char *rims[MAX_FILES + 1] = { 0 };
	size_t rim_lens[MAX_FILES + 1] = { 0 }, nrim = 0, ncrl = 0, n = 0, nn = 0;
	struct nv_trust t = { 0 };
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL, *nonce = NULL;
	json_t *claims = NULL;
	char *text = NULL;
	int c, rc = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "T:h", longs, NULL)) != -1) {
		switch (c) {
		case 'T': case OPT_TEE: break;
		case OPT_RD: rd_hex = optarg; break;
		case OPT_NONCE: nonce_hex = optarg; break;
		case OPT_RIM:
		case OPT_CRL:
		case OPT_OCSP:
			if ((c == OPT_RIM ? nrim : c == OPT_CRL ? ncrl : nocsp) == MAX_FILES) {
				fprintf(stderr, "%s: at most %d each of --rim, --crl and "
					"--ocsp\n", prog, MAX_FILES);
				return 2;
			}
			if (c == OPT_RIM)
				rim_paths[nrim++] = optarg;
			else if (c == OPT_CRL)
				crl_paths[ncrl++] = optarg;
			else
				ocsp_paths[nocsp++] = optarg;
			break;
		case OPT_AT:
			if (!time_parse_utc(optarg, &t.at)) {
				fprintf(stderr, "%s: --at: \"%s\" is not a UTC time like "
					"2025-11-01T00:00:00Z\n", prog, optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || (rd_hex && nonce_hex)) {
		fprintf(stderr, "%s: --tee nvidia wants one evidence file and at most "
			"one of --report-data and --nonce\n", prog);
		return 2;
	}
	if ((rd_hex || nonce_hex) &&
	    (!hex_decode(rd_hex ? rd_hex : nonce_hex, &nonce, &nn) || nn > 64 ||
	     (nonce_hex && nn != SPDM_NONCE_LEN))) {
		fprintf(stderr, "%s: %s: not hex of %s\n", prog,
			rd_hex ? "--report-data" : "--nonce",
			rd_hex ? "at most 64 bytes" : "32 bytes");
		free(nonce);
		return 2;
	}
	if (ncrl && !(t.crls = sk_X509_CRL_new_null())) {
		eaa_fail(&err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ncrl; i++)
		if (!nv_crl_load(crl_paths[i], &t.crls, &err)) {
			eaa_err_prefix(&err, "--crl");
			goto out;
		}
	for (size_t i = 0; i < nrim; i++)
		if (!file_read(rim_paths[i], 16 << 20, (uint8_t **)&rims[i], &rim_lens[i], &err)) {
			eaa_err_prefix(&err, "--rim");
			goto out;
		}
	for (size_t i = 0; i < nocsp; i++)
		if (!file_read(ocsp_paths[i], 1 << 20, &ocsps[i], &ocsp_lens[i], &err)) {
			eaa_err_prefix(&err, "--ocsp");
			goto out;
		}
	if (nocsp) {
		t.ocsp = (const uint8_t *const *)ocsps;
		t.ocsp_lens = ocsp_lens;
	}
	if (nrim) {
		t.rims = (const char *const *)rims;
		t.rim_lens = rim_lens;
	}
	if (!file_read(argv[optind], NV_MAX_DEVICES * 2 * NV_MAX_EVIDENCE, &buf, &n, &err) ||
	    !nv_evidence_verify(buf, n, nonce, nn, &t, &claims, &err))
		goto out;
	if (!(text = json_dumps(claims, JSON_INDENT(2) | JSON_SORT_KEYS))) {
		eaa_fail(&err, EAA_E_NOMEM, "claims: out of memory");
		goto out;
	}
	printf("%s\n", text);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, argv[argc - 1], err.msg,
			eaa_code_name(err.code));
	free(text);
	json_decref(claims);
	for (size_t i = 0; i < nrim; i++)
		free(rims[i]);
	for (size_t i = 0; i < nocsp; i++)
		free(ocsps[i]);
	sk_X509_CRL_pop_free(t.crls, X509_CRL_free);
	free(nonce);
	free(buf);
	return rc;
}

bool rats_verify_is_nvidia(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if ((strcmp(argv[i], "--tee") == 0 || strcmp(argv[i], "-T") == 0) &&
		    i + 1 < argc)
			return strcmp(argv[i + 1], "nvidia") == 0;
		if (strcmp(argv[i], "--tee=nvidia") == 0 || strcmp(argv[i], "-Tnvidia") == 0)
			return true;
	}
	return false;
}
