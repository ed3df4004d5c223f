/* rats-verify - check one evidence file by hand and print its claims.
 *
 *   rats-verify --tee sgx|tdx [--collateral DIR | --no-collateral]
 *               [--at TIME] [--report-data HEX] [--root PEM] FILE
 *   rats-verify --tee snp (--cert VCEK | --kds URL [--kds-cache DIR]
 *               [--product NAME]) [--at TIME] [--report-data HEX]
 *               [--allow-debug] FILE
 *   rats-verify --tee csv [--cert HSK_CEK | --kds URL [--kds-cache DIR]]
 *               [--report-data HEX] [--allow-debug] FILE
 *   rats-verify --tee tpm --ak PEM [--report-data HEX] FILE
 *   rats-verify --tee nvidia [--report-data HEX | --nonce HEX] [--rim FILE ...]
 *               [--crl FILE ...] [--ocsp FILE ...] [--at TIME] FILE
 *               (rats_verify_nvidia.c)
 *   rats-verify --tee az-snp-vtpm|az-tdx-vtpm [--report-data HEX] [--at TIME]
 *               [--collateral DIR] FILE     (trustee's evidence JSON)
 *
 * Exit 0 only when every check passed (claims JSON on stdout); 1 with one
 * line naming the failed check; 2 for a usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include "codec.h"
#include "file.h"
#include <limits.h>
#include "log.h"
#include "pccs.h"
#include "quote_verify.h"
#include "rats_verify_nvidia.h"
#include "csv.h"
#include "kds.h"
#include "snp.h"
#include "timefmt.h"
#include "tpm_quote.h"
#include "azure.h"

static const char *prog = "rats-verify";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s --tee sgx|tdx|snp|csv|tpm|az-snp-vtpm|az-tdx-vtpm|nvidia [options] FILE\n"
"Check TEE evidence and print its claims as JSON.\n"
"  -T, --tee NAME          sgx (SGX ECDSA quote v3), tdx (TDX quote v4/v5),\n"
"                          snp (SEV-SNP attestation report, versions 2-5) or\n"
"                          csv (Hygon CSV report, binary or trustee's JSON)\n"
"                          or tpm (TPM 2.0 quote, as eaa-tpm quote writes it)\n"
"                          or nvidia (GPU evidence; --tee nvidia --help)\n"
"      --ak PEM            tpm: the trusted attestation keys (eaa-tpm ak)\n"
"      --cert FILE         csv: the chip's HSK || CEK (2916 bytes); the HRK\n"
"                          is built in\n"
"      --kds URL           csv: fetch HSK/CEK from Hygon's certificate service\n"
"                          (https://cert.hygon.cn) by the serial number\n"
"      --kds-cache DIR     csv: DIR/<serial>/hsk_cek.cert, used offline\n"
"      --cert FILE         snp: the VCEK or VLEK (DER or PEM); the chain to\n"
"                          AMD's ARK is built in\n"
"      --kds URL           snp: fetch the VCEK from AMD's KDS (e.g.\n"
"                          https://kdsintf.amd.com) by chip ID and TCB\n"
"      --kds-cache DIR     snp: keep fetched VCEKs here, use them offline\n"
"      --product NAME      snp: Milan, Genoa or Turin (version 2 reports do\n"
"                          not say)\n"
"      --allow-debug       snp, csv: accept a guest whose policy allows\n"
"                          debugging\n"
"  -C, --collateral DIR    Intel collateral directory, or a directory of them\n"
"                          by FMSPC (docs/intel.md)\n"
"      --pccs URL          fetch collateral from this PCCS into the\n"
"                          --collateral cache when it is missing or stale\n"
"      --pccs-insecure     do not check the PCCS's TLS certificate\n"
"      --no-collateral     verify signatures and chain only; the claims then\n"
"                          say tcb_status \"NotEvaluated\"\n"
"      --at TIME           verify as of TIME (2025-11-01T00:00:00Z); default now\n"
"      --report-data HEX   require this report_data (zero-padded to 64 bytes;\n"
"                          tpm: exactly this qualifyingData)\n"
"      --root PEM          pin this root CA instead of the built-in Intel one\n"
"  -l, --log-level LEVEL   debug|info|warn|error|off\n"
"  -h, --help\n", prog);
}

struct opts {
	const char *tee, *collateral, *root, *report_data, *file, *pccs, *cert;
	const char *kds, *kds_cache, *product, *ak;
	bool no_collateral, pccs_insecure, allow_debug;
	time_t at;
};

static int parse(int argc, char **argv, struct opts *o)
{
	enum { OPT_NO_COL = 256, OPT_AT, OPT_RD, OPT_ROOT, OPT_PCCS,
	       OPT_PCCS_INSECURE, OPT_CERT, OPT_DEBUG, OPT_KDS, OPT_KDS_CACHE, OPT_PRODUCT, OPT_AK };
	static const struct option longs[] = {
		{ "tee", required_argument, NULL, 'T' },
		{ "collateral", required_argument, NULL, 'C' },
		{ "no-collateral", no_argument, NULL, OPT_NO_COL },
		{ "at", required_argument, NULL, OPT_AT },
		{ "report-data", required_argument, NULL, OPT_RD },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "pccs", required_argument, NULL, OPT_PCCS },
		{ "pccs-insecure", no_argument, NULL, OPT_PCCS_INSECURE },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "allow-debug", no_argument, NULL, OPT_DEBUG },
		{ "kds", required_argument, NULL, OPT_KDS },
		{ "kds-cache", required_argument, NULL, OPT_KDS_CACHE },
		{ "product", required_argument, NULL, OPT_PRODUCT },
		{ "ak", required_argument, NULL, OPT_AK },
		{ "log-level", required_argument, NULL, 'l' },
		{ "loglevel", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum eaa_log_level level;
	int c;

	while ((c = getopt_long(argc, argv, "T:C:l:h", longs, NULL)) != -1) {
		switch (c) {
		case 'T': o->tee = optarg; break;
		case 'C': o->collateral = optarg; break;
		case OPT_NO_COL: o->no_collateral = true; break;
		case OPT_RD: o->report_data = optarg; break;
		case OPT_ROOT: o->root = optarg; break;
		case OPT_PCCS: o->pccs = optarg; break;
		case OPT_PCCS_INSECURE: o->pccs_insecure = true; break;
		case OPT_CERT: o->cert = optarg; break;
		case OPT_DEBUG: o->allow_debug = true; break;
		case OPT_KDS: o->kds = optarg; break;
		case OPT_KDS_CACHE: o->kds_cache = optarg; break;
		case OPT_PRODUCT: o->product = optarg; break;
		case OPT_AK: o->ak = optarg; break;
		case OPT_AT:
			if (!time_parse_utc(optarg, &o->at)) {
				fprintf(stderr, "%s: --at: \"%s\" is not a UTC "
					"time like 2025-11-01T00:00:00Z\n", prog,
					optarg);
				return 2;
			}
			break;
		case 'l':
			if (!eaa_log_parse_level(optarg, &level)) {
				fprintf(stderr, "%s: --log-level: unknown level "
					"\"%s\"\n", prog, optarg);
				return 2;
			}
			eaa_log_set_level(level);
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1 || !o->tee) {
		fprintf(stderr, "%s: want --tee and exactly one evidence file\n",
			prog);
		return 2;
	}
	if (strcmp(o->tee, "sgx") != 0 && strcmp(o->tee, "tdx") != 0 &&
	    strcmp(o->tee, "snp") != 0 && strcmp(o->tee, "csv") != 0 &&
	    strcmp(o->tee, "tpm") != 0 && strcmp(o->tee, "az-snp-vtpm") != 0 &&
	    strcmp(o->tee, "az-tdx-vtpm") != 0) {
		fprintf(stderr, "%s: --tee: unknown TEE \"%s\" (sgx, tdx, snp, csv, tpm, "
			"az-snp-vtpm, az-tdx-vtpm)\n", prog, o->tee);
		return 2;
	}
	o->file = argv[optind];
	if (strncmp(o->tee, "az-", 3) == 0) {
		if (o->ak || o->cert || o->kds || o->kds_cache || o->no_collateral || o->pccs ||
		    o->root || o->product || o->allow_debug ||
		    (o->collateral && strcmp(o->tee, "az-tdx-vtpm") != 0)) {
			fprintf(stderr, "%s: --tee %s takes --report-data, --at%s only\n", prog,
				o->tee, strcmp(o->tee, "az-tdx-vtpm") == 0 ? " and --collateral" : "");
			return 2;
		}
		return 0;
	}
	if (!o->ak != (strcmp(o->tee, "tpm") != 0)) {
		fprintf(stderr, "%s: --ak goes with --tee tpm, which needs it\n", prog);
		return 2;
	}
	if (strcmp(o->tee, "tpm") == 0) {
		if (o->cert || o->kds || o->kds_cache || o->collateral || o->no_collateral ||
		    o->pccs || o->root || o->product || o->allow_debug) {
			fprintf(stderr, "%s: --tee tpm takes --ak and --report-data only\n", prog);
			return 2;
		}
		return 0;
	}
	if (strcmp(o->tee, "csv") == 0) {
		if ((o->cert && (o->kds || o->kds_cache)) || o->collateral || o->no_collateral ||
		    o->pccs || o->root || o->product) {
			fprintf(stderr, "%s: --tee csv takes --cert HSK_CEK or --kds URL / "
				"--kds-cache DIR (and no Intel or AMD options)\n", prog);
			return 2;
		}
		return 0;
	}
	if (strcmp(o->tee, "snp") == 0) {
		if (!o->cert == !(o->kds || o->kds_cache) || o->collateral || o->no_collateral ||
		    o->pccs || o->root) {
			fprintf(stderr, "%s: --tee snp takes --cert VCEK or --kds URL / "
				"--kds-cache DIR (and no Intel collateral options)\n", prog);
			return 2;
		}
		return 0;
	}
	if (!o->collateral == !o->no_collateral) {
		fprintf(stderr, "%s: give exactly one of --collateral DIR and "
			"--no-collateral\n", prog);
		return 2;
	}
	if (o->pccs && !o->collateral) {
		fprintf(stderr, "%s: --pccs needs --collateral DIR for its "
			"cache\n", prog);
		return 2;
	}
	return 0;
}

static X509 *load_root(const char *path, struct eaa_err *err)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (!x)
		eaa_fail(err, EAA_E_CONFIG, "--root %s: not a PEM certificate",
			 path);
	return x;
}

static bool check_report_data(const struct quote *q, const char *hex,
			      struct eaa_err *err)
{
	const uint8_t *have = q->body_type == QUOTE_BODY_SGX ?
			      q->sgx.report_data : q->tdx.report_data;
	uint8_t want[64] = { 0 }, *b = NULL;
	size_t n = 0;

	if (!hex_decode(hex, &b, &n) || n > 64) {
		free(b);
		return eaa_fail(err, EAA_E_INVALID, "--report-data: not hex of "
				"at most 64 bytes");
	}
	memcpy(want, b, n);
	free(b);
	if (CRYPTO_memcmp(want, have, 64) != 0)
		return eaa_fail(err, EAA_E_BINDING, "report_data is not the "
				"expected value");
	return true;
}

static X509 *load_cert(const char *path, struct eaa_err *err)
{
	uint8_t *raw;
	size_t n;
	const unsigned char *p;
	X509 *x = NULL;
	BIO *b;

	if (!file_read(path, 1 << 20, &raw, &n, err))
		return NULL;
	p = raw;
	if (!(x = d2i_X509(NULL, &p, (long)n)) && (b = BIO_new_mem_buf(raw, (int)n))) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	free(raw);
	if (!x)
		eaa_fail(err, EAA_E_CONFIG, "--cert %s: not a DER or PEM certificate", path);
	return x;
}

/* --report-data, zero-padded to 64 bytes; false for a usage error. */
static bool report_data_arg(const struct opts *o, uint8_t want[64])
{
	uint8_t *b = NULL;
	size_t n = 0;

	if (!hex_decode(o->report_data, &b, &n) || n > 64) {
		free(b);
		fprintf(stderr, "%s: --report-data: not hex of at most 64 bytes\n", prog);
		return false;
	}
	memset(want, 0, 64);
	memcpy(want, b, n);
	free(b);
	return true;
}

static int print_claims(const struct opts *o, json_t *claims, struct eaa_err *err)
{
	char *text = claims ? json_dumps(claims, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;

	if (text)
		printf("%s\n", text);
	else
		eaa_fail(err, EAA_E_NOMEM, "claims: out of memory");
	free(text);
	json_decref(claims);
	return text ? 0 : 1;
}

static int verify_csv(const struct opts *o)
{
	struct csv_verify_opts vo = { .allow_debug = o->allow_debug };
	struct csv_kds k = { .base = o->kds, .cache_dir = o->kds_cache };
	struct csv_report *r = malloc(sizeof(*r));
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL, *bin = NULL, *pair = NULL, want[64];
	size_t n = 0, bn = 0, pn = 0;
	bool ok, fetched = false;
	int rc = 1;

	if (o->report_data) {
		if (!report_data_arg(o, want)) {
			free(r);
			return 2;
		}
		vo.report_data = want;
	}
	ok = r && file_read(o->file, 1 << 20, &buf, &n, &err);
	/* trustee's JSON evidence, or the report's bytes */
	if (ok && n && buf[strspn((char *)buf, " \t\r\n")] == '{')
		ok = csv_evidence_json((char *)buf, n, &bin, &bn, &err);
	ok = ok && csv_report_parse(bin ? bin : buf, bin ? bn : n, r, &err);
	if (ok && o->cert)
		ok = file_read(o->cert, CSV_HSK_CEK_SIZE, &pair, &pn, &err);
	else if (ok && (o->kds || o->kds_cache))
		ok = fetched = csv_kds_hsk_cek(&k, r->sn, &pair, &pn, &err);
	ok = ok && csv_report_verify(r, pair, pn, &vo, &err);
	if (ok)
		rc = print_claims(o, csv_claims(r, fetched), &err);
	if (rc)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, o->file, err.msg,
			eaa_code_name(err.code));
	free(pair);
	free(bin);
	free(buf);
	free(r);
	return rc;
}

static int verify_tpm(const struct opts *o)
{
	struct tpm_verify_opts vo = { 0 };
	struct tpm_quote *q = malloc(sizeof(*q));
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL, *nonce = NULL;
	size_t n = 0, nn = 0;
	EVP_PKEY **aks = NULL;
	int rc = 1;

	if (o->report_data) {
		if (!hex_decode(o->report_data, &nonce, &nn) || nn > 64) {
			fprintf(stderr, "%s: --report-data: not hex of at most 64 bytes\n", prog);
			free(nonce);
			free(q);
			return 2;
		}
		vo.nonce = nonce;
		vo.nonce_len = nn;
	}
	if (q && tpm_load_aks(o->ak, &aks, &vo.naks, &err) &&
	    file_read(o->file, 1 << 20, &buf, &n, &err) && tpm_quote_parse(buf, n, q, &err) &&
	    (vo.aks = aks, tpm_quote_verify(q, &vo, &err)))
		rc = print_claims(o, tpm_claims(q), &err);
	if (rc)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, o->file, err.msg,
			eaa_code_name(err.code));
	if (aks)
		tpm_free_aks(aks, vo.naks);
	free(nonce);
	free(buf);
	free(q);
	return rc;
}

/* trustee's az-snp-vtpm / az-tdx-vtpm evidence JSON (src/azure) */
static int verify_azure(const struct opts *o)
{
	enum az_kind kind = strcmp(o->tee, "az-snp-vtpm") == 0 ? AZ_SNP_VTPM : AZ_TDX_VTPM;
	struct az_verify_opts vo = { .at = o->at, .collateral_dir = o->collateral };
	struct az_evidence e = { 0 };
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL, *want = NULL;
	size_t n = 0;
	json_t *claims;
	int rc = 1;

	if (o->report_data) {
		if (!hex_decode(o->report_data, &want, &vo.report_data_len) ||
		    vo.report_data_len > 64) {
			fprintf(stderr, "%s: --report-data: not hex of at most 64 bytes\n", prog);
			free(want);
			return 2;
		}
		vo.report_data = want;
	}
	if (file_read(o->file, 1 << 22, &buf, &n, &err) &&
	    az_evidence_load((const char *)buf, n, kind, &e, &err) &&
	    (claims = az_verify(&e, &vo, &err)) != NULL)
		rc = print_claims(o, claims, &err);
	if (rc)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, o->file, err.msg,
			eaa_code_name(err.code));
	az_evidence_free(&e);
	free(want);
	free(buf);
	return rc;
}

static int verify_snp(const struct opts *o)
{
	struct snp_verify_opts vo = { .at = o->at ? o->at : time(NULL),
				      .allow_debug = o->allow_debug };
	struct snp_cert_ext e;
	struct snp_report r;
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL, want[64];
	size_t n = 0;
	X509 *cert = NULL;
	bool ok;
	int rc = 1;

	if (o->report_data) {
		if (!report_data_arg(o, want))
			return 2;
		vo.report_data = want;
	}
	ok = file_read(o->file, 1 << 16, &buf, &n, &err) &&
	     snp_report_parse(buf, n, &r, &err);
	if (ok && o->cert) {
		ok = (cert = load_cert(o->cert, &err)) != NULL;
	} else if (ok) {
		struct snp_kds k = { .base = o->kds ? o->kds : SNP_KDS_DEFAULT,
				     .cache_dir = o->kds_cache };
		const char *product = snp_product_of(&r, o->product);

		ok = product ? (cert = snp_kds_vcek(&k, product, &r, &err)) != NULL :
		     eaa_fail(&err, EAA_E_CONFIG, "the report does not say its product "
			      "line: give --product");
	}
	ok = ok &&
	     snp_report_verify(buf, &r, cert, &vo, &err) &&
	     snp_cert_ext_parse(cert, &e, &err);
	if (ok) {
		e.product[strcspn(e.product, "-")] = '\0';
		rc = print_claims(o, snp_claims(&r, e.product), &err);
	}
	if (rc)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, o->file, err.msg,
			eaa_code_name(err.code));
	X509_free(cert);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct quote_verify_opts vo = { 0 };
	struct collateral col;
	struct quote_result res;
	struct quote q;
	struct eaa_err err = { 0 };
	uint8_t *buf = NULL;
	size_t n;
	json_t *claims;
	char *text;
	int rc;
	bool have_col = false, ok;

	if (rats_verify_is_nvidia(argc, argv))
		return rats_verify_nvidia(argc, argv);
	if ((rc = parse(argc, argv, &o)))
		return rc;
	if (strcmp(o.tee, "snp") == 0)
		return verify_snp(&o);
	if (strcmp(o.tee, "csv") == 0)
		return verify_csv(&o);
	if (strcmp(o.tee, "tpm") == 0)
		return verify_tpm(&o);
	if (strncmp(o.tee, "az-", 3) == 0)
		return verify_azure(&o);
	vo.at = o.at ? o.at : time(NULL);
	vo.allow_no_collateral = o.no_collateral;
	ok = (!o.root || (vo.root = load_root(o.root, &err))) &&
	     file_read(o.file, QUOTE_MAX_LEN, &buf, &n, &err) &&
	     quote_parse(buf, n, &q, &err);
	if (ok && strcmp(quote_tee_name(&q), o.tee) != 0)
		ok = eaa_fail(&err, EAA_E_TEE_MISMATCH, "evidence is a %s quote, "
			      "not %s", quote_tee_name(&q), o.tee);
	if (ok && o.collateral) {
		X509 *root = vo.root ? vo.root : intel_root_ca();

		struct pccs p = { .url = o.pccs, .cache_dir = o.collateral,
				  .insecure = o.pccs_insecure };
		char dir[PATH_MAX + 16];

		ok = have_col = collateral_for_quote(&q, o.collateral,
						     o.pccs ? &p : NULL, root,
						     vo.at, dir, sizeof(dir),
						     &err) &&
				collateral_load_dir(dir, root, vo.at, &col, &err);
		vo.col = have_col ? &col : NULL;
		if (root != vo.root)
			X509_free(root);
	}
	ok = ok && quote_verify(&q, &vo, &res, &err) &&
	     (!o.report_data || check_report_data(&q, o.report_data, &err));
	if (ok) {
		claims = quote_claims(&q, &res);
		text = claims ? json_dumps(claims, JSON_INDENT(2) |
					   JSON_SORT_KEYS) : NULL;
		if (text)
			printf("%s\n", text);
		else
			ok = eaa_fail(&err, EAA_E_NOMEM, "claims: out of memory");
		free(text);
		json_decref(claims);
		tcb_result_free(&res.tcb);
	}
	if (!ok)
		fprintf(stderr, "%s: %s: %s (%s)\n", prog, o.file, err.msg,
			eaa_code_name(err.code));
	if (have_col)
		collateral_free(&col);
	X509_free(vo.root);
	free(buf);
	return ok ? 0 : 1;
}
