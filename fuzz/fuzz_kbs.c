/* fuzz_kbs - verdictd's KBS protocol requests (src/verdictd/kbs.h) from
 * arbitrary bytes, without HTTP, against a real store with the sample
 * TEE: the first byte picks what the rest is:
 *
 *   0  an /auth body
 *   1  an /attest body, on a session a valid /auth just opened
 *   2  a resource URL path, a newline, an Authorization header
 *   3  a resource path after a valid /attest (a signed sample report
 *      bound to the session's nonce), with that session's cookie
 *   4  an /attest body on a session of the tpm TEE (trustee's TPM
 *      evidence form; verdictd trusts the AK of trustee's test vector),
 *      "@NONCE@" in it replaced by the session's nonce so the evidence's
 *      parser and checks are reached
 *
 * Every answer must be a status with a JSON body (a problem or a
 * success), never a crash, a leak or a hang; a resource is released only
 * to mode 3's attested session. */
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "bytes.h"
#include "codec.h"
#include "jcs.h"
#include "jose.h"
#include "kbs.h"
#include "sample_evidence.h"

static struct vd_kbs_conf conf;
static EVP_PKEY *signer;
static char trust_opt[300];
static char tpm_opt[300];
static const char *options[3];
/* the AK of trustee's TPM test vector (tests/data/kbs/tpm_evidence.json) */
static const char trustee_ak[] =
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtmS6twmGpeO2i8JpQ9ZVxcBTCU9rZnqTVkO2yQ2EJ8cYG7Fccd1LeBAkp8u8+HXb5mg/ZvMVST2vgiKZ+XwYagPQvyemBiknbinOhTdBnDsOvqb1/9wD/uqRAqIfJEeN7M4r3zgY+K5v/ThIqAMv42adxGu83AesasISEMllZ7clSTXybe9UhTFfjf7icrGoeHQTOkHiqmE/Aev9M/0cNbMf/6M23ZeJP46rnj+eY2HMV3kPoXrd89lnTrrs/yxyWthtBj03fXoO76ZN8ZYK6yPXbyu/AxdKpu2/sIF/FZXLWQ7jLbIgz/zswntlecCC1R7nLGXXcY0LejWndbRYzQIDAQAB";
static bool enabled[VD_TEE_COUNT];

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "fuzz_kbs: %s\n", what);
	abort();
}

static char dir[] = "/tmp/fuzz-kbs-XXXXXX";

static int rm_entry(const char *p, const struct stat *st, int f, struct FTW *w)
{
	(void)st;
	(void)f;
	(void)w;
	return remove(p);
}

/* the store, its keys and the trust files go with the process */
static void remove_dir(void)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	char path[256];
	struct eaa_err err;
	struct vd_store *s;
	FILE *f;

	if (!mkdtemp(dir) || !(s = vd_store_open(dir, &err)) ||
	    !vd_store_install_defaults(s, &err))
		die("store");
	atexit(remove_dir);
	snprintf(path, sizeof(path), "%s/opa/samplePolicy.rego", dir);
	if (!(f = fopen(path, "w")))
		die(path);
	fputs("package policy\nimport rego.v1\ndefault allow := false\n"
	      "allow if input.svn >= data.svn\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/opa/sampleData", dir);
	if (!(f = fopen(path, "w")))
		die(path);
	fputs("{\"svn\": 1}", f);
	fclose(f);
	if (!vd_key_set(s, "default/key/1", (const uint8_t *)"0123456789abcdef0123456789abcdef",
			&err))
		die("key");
	if (!(signer = EVP_EC_gen("P-256")))
		die("sample key");
	snprintf(path, sizeof(path), "%s/trust.pem", dir);
	if (!(f = fopen(path, "w")) || !PEM_write_PUBKEY(f, signer))
		die(path);
	fclose(f);
	snprintf(trust_opt, sizeof(trust_opt), "sample.trust=%s", path);
	options[0] = trust_opt;
	enabled[VD_TEE_SAMPLE] = true;
	snprintf(path, sizeof(path), "%s/ak.pem", dir);
	if (!(f = fopen(path, "w")) ||
	    fprintf(f, "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
		    trustee_ak) < 0)
		die(path);
	fclose(f);
	snprintf(tpm_opt, sizeof(tpm_opt), "tpm.ak=%s", path);
	options[1] = tpm_opt;
	enabled[VD_TEE_TPM] = true;
	conf = (struct vd_kbs_conf){
		.store = s, .decider = vd_decider_new(s, enabled), .rpolicy = vd_rpolicy_new(s),
		.options = options, .enabled = enabled, .insecure_http = true,
		/* sessions end after a few seconds: the table never fills (and a
		 * valid /auth is never a second boundary away from ending) */
		.max_sessions = 65536, .session_ttl = 5, .token_ttl = 60, .max_connections = 16,
	};
	if (!conf.decider || !conf.rpolicy || !vd_kbs_init(&conf, &err))
		die("kbs");
}

static void check(const struct vd_kbs_answer *a)
{
	json_t *v;

	if (!a->body || !(v = json_loads(a->body, 0, NULL)))
		die("an answer that is not JSON");
	json_decref(v);
}

/* A valid /auth for tee: its cookie into id, its nonce into nonce. */
static void auth_tee(const char *tee, char id[33], char nonce[64])
{
	char body[128];
	struct vd_kbs_answer a;
	json_t *v;

	snprintf(body, sizeof(body), "{\"version\":\"0.4.0\",\"tee\":\"%s\",\"extra-params\":\"\"}",
		 tee);
	vd_kbs_handle("POST", "/kbs/v0/auth", NULL, NULL, body, strlen(body), &a);
	if (a.status != 200 || strncmp(a.cookie, "kbs-session-id=", 15) != 0 ||
	    !(v = json_loads(a.body, 0, NULL)))
		die("a valid /auth failed");
	snprintf(id, 33, "%s", a.cookie + 15);
	snprintf(nonce, 64, "%s", json_string_value(json_object_get(v, "nonce")));
	json_decref(v);
	free(a.body);
}

static void auth(char id[33], char nonce[64])
{
	auth_tee("sample", id, nonce);
}

/* text with its first "@NONCE@" replaced by nonce (malloc'd). */
static char *with_nonce(const char *text, const char *nonce, size_t *n)
{
	const char *at = strstr(text, "@NONCE@");
	size_t len = strlen(text), nl = strlen(nonce);
	char *out;

	if (!at) {
		*n = len;
		return strdup(text);
	}
	if (!(out = malloc(len - 7 + nl + 1)))
		return NULL;
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), nonce, nl);
	strcpy(out + (at - text) + nl, at + 7);
	*n = len - 7 + nl;
	return out;
}

/* A valid /attest on session id. */
static void attest(const char *id, const char *nonce)
{
	EVP_PKEY *tee = EVP_EC_gen("P-256");
	struct eaa_err err;
	json_t *jwk = tee ? jwk_from_key(tee, "ECDH-ES+A256KW", &err) : NULL, *rd, *req;
	uint8_t digest[48], report_data[64] = { 0 }, meas[32] = { 0 };
	unsigned dlen = 0;
	struct vd_kbs_answer a;
	char *canon, *ev, *text;
	struct wr w;
	size_t n;

	rd = json_pack("{s:O, s:s, s:s}", "tee-pubkey", jwk, "nonce", nonce,
		       "additional-evidence", "");
	if (!rd || !(canon = jcs_serialize(rd, &n, &err)) ||
	    EVP_Digest(canon, n, digest, &dlen, EVP_sha384(), NULL) != 1)
		die("runtime data");
	memcpy(report_data, digest, 48);
	wr_init(&w);
	if (!sample_report_sign(signer, meas, 2, report_data, &w, &err) ||
	    !(ev = base64_encode(w.buf, w.len, false)))
		die("sample report");
	req = json_pack("{s:{s:s, s:O}, s:{s:{s:s}, s:s}}", "runtime-data", "nonce", nonce,
			"tee-pubkey", jwk, "tee-evidence", "primary_evidence", "report", ev,
			"additional_evidence", "");
	text = json_dumps(req, JSON_COMPACT);
	vd_kbs_handle("POST", "/kbs/v0/attest", id, NULL, text, strlen(text), &a);
	if (a.status != 200)
		die("a valid /attest failed");
	free(a.body);
	free(text);
	free(ev);
	free(canon);
	wr_free(&w);
	json_decref(req);
	json_decref(rd);
	json_decref(jwk);
	EVP_PKEY_free(tee);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vd_kbs_answer a;
	char id[33], nonce[64], *text, *nl, url[600];

	if (!conf.store)
		setup();
	if (size < 1)
		return 0;
	if (!(text = malloc(size)))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		vd_kbs_handle("POST", "/kbs/v0/auth", NULL, NULL, text, size - 1, &a);
		break;
	case 1:
		auth(id, nonce);
		vd_kbs_handle("POST", "/kbs/v0/attest", id, NULL, text, size - 1, &a);
		break;
	case 2:
		if ((nl = strchr(text, '\n')))
			*nl++ = '\0';
		snprintf(url, sizeof(url), "/kbs/v0/resource/%.500s", text);
		vd_kbs_handle("GET", url, NULL, nl, "", 0, &a);
		if (a.status == 200)
			die("a resource without attestation");
		break;
	case 4: {
		char *body;
		size_t n;

		auth_tee("tpm", id, nonce);
		if (!(body = with_nonce(text, nonce, &n))) {
			free(text);
			return 0;
		}
		vd_kbs_handle("POST", "/kbs/v0/attest", id, NULL, body, n, &a);
		if (a.status == 200)
			die("an /attest of the tpm TEE accepted evidence it cannot hold");
		free(body);
		break;
	}
	default:
		auth(id, nonce);
		attest(id, nonce);
		snprintf(url, sizeof(url), "/kbs/v0/resource/%.500s", text);
		vd_kbs_handle("GET", url, id, NULL, "", 0, &a);
		break;
	}
	check(&a);
	free(a.body);
	free(text);
	return 0;
}
