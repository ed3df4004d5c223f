/* eaa-tpm - the TPM side of TPM 2.0 attestation, by hand, and enrolling an
 * AK through the TPM's EK certificate:
 *
 *   eaa-tpm ak [--tcti CONF]
 *       print the attestation key's public key (PEM), to enrol it with
 *       verifiers directly (librats-tls tpm.ak=FILE, rats-verify --ak)
 *   eaa-tpm quote [--tcti CONF] [--pcrs LIST] [--eventlog FILE] --nonce HEX
 *                 [-o FILE]
 *       write a quote (the tpm attester's evidence) over qualifyingData HEX,
 *       with the TCG event log FILE after it
 *
 * Enrolment by credential activation (see tpm_credential.h), in four steps
 * across two machines:
 *   TPM:      eaa-tpm request [--tcti CONF] -o REQ
 *   verifier: eaa-tpm challenge --request REQ --ek-ca PEM [--ek-chain PEM]
 *                 [--at TIME] --secret SECRET -o CHAL
 *   TPM:      eaa-tpm activate [--tcti CONF] --challenge CHAL -o ANSWER
 *   verifier: eaa-tpm enrol --request REQ --secret SECRET --answer ANSWER
 *                 --aks FILE
 * The last step adds the AK to FILE (the trusted AKs) when the answer is
 * the secret, and removes SECRET: a secret is good for one enrolment.
 *
 * CONF is a tpm2-tss TCTI (default device:/dev/tpmrm0). Exit 0 on success,
 * 1 with one line naming the failure, 2 for a usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include "codec.h"
#include "file.h"
#include "timefmt.h"
#include "tpm_credential.h"
#include "tpm_esys.h"
#include "tpm_eventlog.h"
#include "tpm_quote.h"

static const char *prog = "eaa-tpm";

struct args {
	const char *cmd, *tcti, *pcrs, *nonce, *out, *eventlog;
	const char *request, *ek_ca, *ek_chain, *at, *secret, *challenge, *answer, *aks;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s ak [--tcti CONF]\n"
"       %s quote [--tcti CONF] [--pcrs LIST] [--eventlog FILE] --nonce HEX\n"
"                 [-o FILE]\n"
"  enrolling the AK through the EK certificate:\n"
"       %s request [--tcti CONF] -o REQ                      (on the TPM)\n"
"       %s challenge --request REQ --ek-ca PEM [--ek-chain PEM] [--at TIME]\n"
"                    --secret SECRET -o CHAL                 (verifier)\n"
"       %s activate [--tcti CONF] --challenge CHAL -o ANSWER (on the TPM)\n"
"       %s enrol --request REQ --secret SECRET --answer ANSWER --aks FILE\n"
"  --tcti CONF    tpm2-tss TCTI (default " TPM_TCTI_DEFAULT ")\n"
"  --pcrs LIST    PCRs to quote: 0-7,16 (SHA-256) or sha1:0-7+sha256:0-7\n"
"                 (default 0-7)\n"
"  --nonce HEX    the quote's qualifyingData (at most 64 bytes)\n"
"  --eventlog FILE  the TCG event log (crypto-agile) to send with the quote\n"
"  --ek-ca PEM    the TPM makers' root certificates the EK must chain to\n"
"  --ek-chain PEM intermediate certificates (untrusted)\n"
"  --at TIME      check the EK chain as of TIME (2025-11-01T00:00:00Z)\n"
"  --aks FILE     the trusted AKs (PEM public keys) the AK is added to\n"
"  -o FILE        write the output there (quote: default standard output)\n",
		prog, prog, prog, prog, prog, prog);
}

static int fail(struct eaa_err *err)
{
	fprintf(stderr, "%s: %s\n", prog, err->msg[0] ? err->msg : "failed");
	return 1;
}

static int ak(struct tpm_dev *d, struct eaa_err *err)
{
	TPM2B_PUBLIC pub;
	EVP_PKEY *key;
	int ok;

	if (!tpm_ak_public(d, &pub, err))
		return fail(err);
	if (!(key = tpm_ak_pkey(&pub.publicArea))) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "the AK's public key cannot be read");
		return fail(err);
	}
	ok = PEM_write_PUBKEY(stdout, key);
	EVP_PKEY_free(key);
	return ok ? 0 : 1;
}

static int quote(struct tpm_dev *d, const struct args *a, const uint8_t *nonce, size_t nn,
		 const TPML_PCR_SELECTION *sel, struct eaa_err *err)
{
	struct wr ev;
	uint8_t *log = NULL;
	size_t ln = 0;
	int rc = 1;

	wr_init(&ev);
	if (a->eventlog && !file_read(a->eventlog, TPM_EVENTLOG_MAX, &log, &ln, err))
		return fail(err);
	if (tpm_quote(d, nonce, nn, sel, &ev, err) &&
	    (!log || tpm_quote_append_log(&ev, log, ln, err))) {
		if (a->out ? file_write_atomic(a->out, ev.buf, ev.len, 0644, err)
			   : fwrite(ev.buf, 1, ev.len, stdout) == ev.len)
			rc = 0;
		else if (!a->out)
			eaa_fail(err, EAA_E_IO, "cannot write the quote");
	}
	wr_free(&ev);
	free(log);
	return rc ? fail(err) : 0;
}

static int request(struct tpm_dev *d, const struct args *a, struct eaa_err *err)
{
	TPM2B_PUBLIC pub;
	struct wr cert, req;
	bool ok;

	wr_init(&cert);
	wr_init(&req);
	ok = tpm_ak_public(d, &pub, err) && tpm_ek_cert(d, &cert, err) &&
	     tpm_request_encode(&pub, cert.buf, cert.len, &req, err) &&
	     file_write_atomic(a->out, req.buf, req.len, 0644, err);
	wr_free(&cert);
	wr_free(&req);
	return ok ? 0 : fail(err);
}

static int activate(struct tpm_dev *d, const struct args *a, struct eaa_err *err)
{
	TPM2B_ID_OBJECT blob;
	TPM2B_ENCRYPTED_SECRET sealed;
	uint8_t *chal = NULL, secret[64];
	size_t n, sn = 0;
	bool ok;

	ok = file_read(a->challenge, 4096, &chal, &n, err) &&
	     tpm_challenge_parse(chal, n, &blob, &sealed, err) &&
	     tpm_activate(d, &blob, &sealed, secret, &sn, err) &&
	     file_write_atomic(a->out, secret, sn, 0600, err);
	OPENSSL_cleanse(secret, sizeof(secret));
	free(chal);
	return ok ? 0 : fail(err);
}

/* The request's AK and EK certificate, or false. */
static bool read_request(const char *path, uint8_t **buf, TPM2B_PUBLIC *pub, const uint8_t **ek,
			 size_t *ek_len, struct eaa_err *err)
{
	size_t n;

	if (!file_read(path, 64 * 1024, buf, &n, err))
		return false;
	if (!tpm_request_parse(*buf, n, pub, ek, ek_len, err))
		return eaa_err_prefix(err, "%s", path);
	return true;
}

static bool load_chain(const char *path, STACK_OF(X509) **chain, struct eaa_err *err)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;

	if (!b || !(*chain = sk_X509_new_null())) {
		BIO_free(b);
		return eaa_fail(err, EAA_E_CONFIG, "%s: cannot open", path);
	}
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(*chain, x)) {
			X509_free(x);
			break;
		}
	BIO_free(b);
	ERR_clear_error();
	return true;
}

static int challenge(const struct args *a, struct eaa_err *err)
{
	X509_STORE *cas = X509_STORE_new();
	STACK_OF(X509) *chain = NULL;
	EVP_PKEY *ek = NULL;
	TPM2B_PUBLIC pub;
	const uint8_t *der;
	uint8_t *req = NULL, secret[TPM_CREDENTIAL_SECRET];
	size_t dn;
	time_t at = time(NULL);
	struct wr out;
	bool ok;

	wr_init(&out);
	if (a->at && !time_parse_utc(a->at, &at)) {
		fprintf(stderr, "%s: --at: want a UTC time like 2025-11-01T00:00:00Z\n", prog);
		X509_STORE_free(cas);
		return 2;
	}
	ok = cas && (X509_STORE_load_file(cas, a->ek_ca) == 1 ||
		     eaa_fail(err, EAA_E_CONFIG, "%s: no PEM certificates", a->ek_ca));
	ok = ok && (!a->ek_chain || load_chain(a->ek_chain, &chain, err)) &&
	     read_request(a->request, &req, &pub, &der, &dn, err) &&
	     tpm_ek_verify(der, dn, cas, chain, at, &ek, err) &&
	     (RAND_bytes(secret, sizeof(secret)) == 1 ||
	      eaa_fail(err, EAA_E_CRYPTO, "no random secret")) &&
	     tpm_make_credential(ek, &pub, secret, &out, err) &&
	     file_write_atomic(a->secret, secret, sizeof(secret), 0600, err) &&
	     file_write_atomic(a->out, out.buf, out.len, 0644, err);
	OPENSSL_cleanse(secret, sizeof(secret));
	ERR_clear_error();
	EVP_PKEY_free(ek);
	X509_STORE_free(cas);
	sk_X509_pop_free(chain, X509_free);
	free(req);
	wr_free(&out);
	return ok ? 0 : fail(err);
}

/* FILE with key added, unless it holds it already; created when missing. */
static bool add_ak(const char *path, EVP_PKEY *key, bool *added, struct eaa_err *err)
{
	EVP_PKEY **have = NULL;
	size_t nhave = 0, len = 0;
	uint8_t *old = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *pem;
	long pl;
	bool ok;

	*added = true;
	if (access(path, F_OK) == 0) {
		struct eaa_err ignored;

		if (tpm_load_aks(path, &have, &nhave, &ignored))
			for (size_t i = 0; i < nhave; i++)
				*added = *added && EVP_PKEY_eq(have[i], key) != 1;
		tpm_free_aks(have, nhave);
		if (!file_read(path, 1 << 20, &old, &len, err)) {
			BIO_free(b);
			return false;
		}
	}
	ok = b && (!len || BIO_write(b, old, (int)len) == (int)len) &&
	     (!len || old[len - 1] == '\n' || BIO_write(b, "\n", 1) == 1) &&
	     PEM_write_bio_PUBKEY(b, key) == 1 && (pl = BIO_get_mem_data(b, &pem)) > 0;
	ok = ok ? !*added || file_write_atomic(path, pem, (size_t)pl, 0644, err)
		: eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ERR_clear_error();
	BIO_free(b);
	free(old);
	return ok;
}

static int enrol(const struct args *a, struct eaa_err *err)
{
	TPM2B_PUBLIC pub;
	const uint8_t *der;
	uint8_t *req = NULL, *secret = NULL, *answer = NULL, name[2 + EVP_MAX_MD_SIZE];
	size_t dn, sn = 0, an = 0, nl;
	EVP_PKEY *key = NULL;
	bool ok, added = false;
	char *hex = NULL;

	ok = read_request(a->request, &req, &pub, &der, &dn, err) &&
	     file_read(a->secret, 64, &secret, &sn, err) &&
	     file_read(a->answer, 64, &answer, &an, err);
	if (ok && (sn != TPM_CREDENTIAL_SECRET || an != sn ||
		   CRYPTO_memcmp(secret, answer, sn) != 0))
		ok = eaa_fail(err, EAA_E_UNTRUSTED, "%s: not the secret sealed to the EK for "
			      "this AK: the AK is not enrolled", a->answer);
	if (ok && !(key = tpm_ak_pkey(&pub.publicArea)))
		ok = eaa_fail(err, EAA_E_UNSUPPORTED, "the AK's public key cannot be read");
	ok = ok && add_ak(a->aks, key, &added, err);
	if (ok) {
		unlink(a->secret);
		if (tpm_object_name(&pub.publicArea, name, &nl) && (hex = hex_encode(name, nl)))
			printf("%s AK %s in %s\n", added ? "enrolled" : "already enrolled:", hex,
			       a->aks);
	}
	free(hex);
	EVP_PKEY_free(key);
	if (secret)
		OPENSSL_cleanse(secret, sn);
	if (answer)
		OPENSSL_cleanse(answer, an);
	free(req);
	free(secret);
	free(answer);
	return ok ? 0 : fail(err);
}

/* The options each command needs, by name. */
static bool have(const char *cmd, const char *name, const char *value)
{
	if (value)
		return true;
	fprintf(stderr, "%s: %s: %s is required\n", prog, cmd, name);
	return false;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "tcti", required_argument, NULL, 't' },
		{ "pcrs", required_argument, NULL, 'p' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "request", required_argument, NULL, 'r' },
		{ "ek-ca", required_argument, NULL, 'C' },
		{ "ek-chain", required_argument, NULL, 'I' },
		{ "at", required_argument, NULL, 'T' },
		{ "secret", required_argument, NULL, 's' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "answer", required_argument, NULL, 'a' },
		{ "aks", required_argument, NULL, 'k' },
		{ "eventlog", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct args a = { .tcti = TPM_TCTI_DEFAULT, .pcrs = "0-7" };
	struct eaa_err err = { 0 };
	TPML_PCR_SELECTION sel;
	struct tpm_dev *d = NULL;
	uint8_t *nonce = NULL;
	size_t nn = 0;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:h", longs, NULL)) != -1) {
		switch (c) {
		case 't': a.tcti = optarg; break;
		case 'p': a.pcrs = optarg; break;
		case 'n': a.nonce = optarg; break;
		case 'o': a.out = optarg; break;
		case 'r': a.request = optarg; break;
		case 'C': a.ek_ca = optarg; break;
		case 'I': a.ek_chain = optarg; break;
		case 'T': a.at = optarg; break;
		case 's': a.secret = optarg; break;
		case 'c': a.challenge = optarg; break;
		case 'a': a.answer = optarg; break;
		case 'k': a.aks = optarg; break;
		case 'e': a.eventlog = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	a.cmd = argv[optind];
	/* the verifier's steps need no TPM */
	if (strcmp(a.cmd, "challenge") == 0)
		return have(a.cmd, "--request", a.request) && have(a.cmd, "--ek-ca", a.ek_ca) &&
		       have(a.cmd, "--secret", a.secret) && have(a.cmd, "-o", a.out)
		       ? challenge(&a, &err) : 2;
	if (strcmp(a.cmd, "enrol") == 0)
		return have(a.cmd, "--request", a.request) && have(a.cmd, "--secret", a.secret) &&
		       have(a.cmd, "--answer", a.answer) && have(a.cmd, "--aks", a.aks)
		       ? enrol(&a, &err) : 2;
	if (strcmp(a.cmd, "quote") == 0) {
		if (!a.nonce || !hex_decode(a.nonce, &nonce, &nn) || nn > 64) {
			fprintf(stderr, "%s: quote: --nonce wants hex of at most 64 bytes\n", prog);
			free(nonce);
			return 2;
		}
		if (!tpm_pcr_selection_parse(a.pcrs, &sel, &err)) {
			fprintf(stderr, "%s: --pcrs: %s\n", prog, err.msg);
			free(nonce);
			return 2;
		}
	} else if (strcmp(a.cmd, "request") == 0) {
		if (!have(a.cmd, "-o", a.out))
			return 2;
	} else if (strcmp(a.cmd, "activate") == 0) {
		if (!have(a.cmd, "--challenge", a.challenge) || !have(a.cmd, "-o", a.out))
			return 2;
	} else if (strcmp(a.cmd, "ak") != 0) {
		usage(stderr);
		return 2;
	}
	if (!tpm_open(a.tcti, &d, &err)) {
		free(nonce);
		return fail(&err);
	}
	if (strcmp(a.cmd, "ak") == 0)
		rc = ak(d, &err);
	else if (strcmp(a.cmd, "quote") == 0)
		rc = quote(d, &a, nonce, nn, &sel, &err);
	else if (strcmp(a.cmd, "request") == 0)
		rc = request(d, &a, &err);
	else
		rc = activate(d, &a, &err);
	tpm_close(d);
	free(nonce);
	return rc;
}
