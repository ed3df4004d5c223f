/* test_vd_store.c - verdictd's state directory: names that would leave
 * their directory are refused, keys are 32 bytes and 0600, a policy or
 * reference document that does not compile or parse never replaces the
 * stored one, resources are validated, and a writer killed at any moment
 * leaves the old document or the new one, never a mix. */
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "file.h"
#include "decide.h"
#include "store.h"
#include "test.h"

static char root[64];

static char *path_of(const char *rel)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return p;
}

static bool has(const struct eaa_err *err, const char *text)
{
	bool ok = strstr(err->msg, text) != NULL;

	if (!ok)
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err->msg, text);
	return ok;
}

static void test_names(void)
{
	static const char *const good[] = { "k1", "repo/key/tag", "a.b_c-D9",
					    "x/y" };
	static const char *const bad[] = { "", "../x", "a/../b", ".hidden",
					   "a//b", "/abs", "a/b/c/d", "a b",
					   "a/", "caf\xc3\xa9", "a\\b", "." };
	struct eaa_err err;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		CHECK_MSG(vd_name_check("kid", good[i], 3, &err), "%s: %s", good[i], err.msg);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_MSG(!vd_name_check("kid", bad[i], 3, &err) &&
			  strstr(err.msg, "kid"), "\"%s\" accepted", bad[i]);
}

static void test_keys(struct vd_store *s)
{
	uint8_t k[VD_KEY_LEN], got[VD_KEY_LEN], zero[VD_KEY_LEN] = { 0 };
	struct eaa_err err;
	struct stat st;
	char **kids;
	size_t n;

	memset(k, 0xab, sizeof(k));
	CHECK(vd_key_set(s, "k1", k, &err));
	CHECK(vd_key_get(s, "k1", got, &err) && memcmp(k, got, sizeof(k)) == 0);
	CHECK(stat(path_of("keys/k1"), &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(vd_key_set(s, "repo/key/tag", k, &err));
	CHECK(stat(path_of("keys/repo"), &st) == 0 && (st.st_mode & 0777) == 0700);

	/* a missing kid is an error, never a zero key */
	memset(got, 0, sizeof(got));
	CHECK(!vd_key_get(s, "nope", got, &err) && has(&err, "no key with kid \"nope\""));
	CHECK(!vd_key_get(s, "../opa/sgxData", got, &err) && has(&err, "kid"));
	/* a key file of the wrong size */
	CHECK(file_write_atomic(path_of("keys/short"), "abc", 3, 0600, &err));
	CHECK(!vd_key_get(s, "short", got, &err) && has(&err, "is 3 bytes, not 32"));

	/* created keys are random, and a kid is created once */
	CHECK(vd_key_create(s, "fresh", &err));
	CHECK(vd_key_get(s, "fresh", got, &err) && memcmp(got, zero, sizeof(got)) != 0);
	CHECK(!vd_key_create(s, "fresh", &err) && has(&err, "exists"));

	/* listing: sorted, nested kids by path, temporary files left out */
	CHECK(file_write_atomic(path_of("keys/k1.tmp.XYZ"), "x", 1, 0600, &err));
	CHECK(vd_key_list(s, &kids, &n, &err));
	CHECK_MSG(n == 4 && !strcmp(kids[0], "fresh") && !strcmp(kids[1], "k1") &&
		  !strcmp(kids[2], "repo/key/tag") && !strcmp(kids[3], "short"),
		  "%zu kids", n);
	vd_list_free(kids, n);

	CHECK(vd_key_delete(s, "fresh", &err));
	CHECK(!vd_key_delete(s, "fresh", &err) && has(&err, "no key"));
}

static void test_opa(struct vd_store *s)
{
	static const char policy[] =
		"package policy\ndefault allow = false\n"
		"allow { input.svn >= data.svn }\n";
	static const char broken[] = "package policy\nallow { count(input) >\n";
	static const char unknown[] = "package policy\nallow { contain(input.a, \"b\") }\n";
	struct eaa_err err;
	enum vd_tee t;
	char *text, *decision;
	size_t n;
	int ref;

	CHECK(vd_tee_parse("sgxData", &t, &ref) && t == VD_TEE_SGX && ref == 1);
	CHECK(vd_tee_parse("csvPolicy.rego", &t, &ref) && t == VD_TEE_CSV && ref == 0);
	CHECK(vd_tee_parse("tdx", &t, &ref) && t == VD_TEE_TDX && ref == -1);
	CHECK(!vd_tee_parse("sgxPolicy.json", &t, &ref) && !vd_tee_parse("x86", &t, NULL));
	/* the resource policy's pair is named like a TEE's, and is no TEE */
	{
		bool r;

		CHECK(vd_opa_parse("resourcePolicy.rego", &t, &r) && t == VD_OPA_RESOURCE && !r);
		CHECK(vd_opa_parse("resourceData", &t, &r) && t == VD_OPA_RESOURCE && r);
		CHECK(vd_opa_parse("sgxData", &t, &r) && t == VD_TEE_SGX && r);
		CHECK(!vd_opa_parse("resource", &t, &r) && !vd_opa_parse("sgx", &t, &r) &&
		      !vd_opa_parse("resourcePolicy.json", &t, &r) && !vd_opa_parse(NULL, &t, &r));
		CHECK(!vd_tee_parse("resourcePolicy.rego", &t, &ref));
		CHECK(strcmp(vd_opa_name(VD_OPA_RESOURCE), "resource") == 0 &&
		      strcmp(vd_tee_name(VD_OPA_RESOURCE), "?") == 0);
		CHECK(!vd_opa_get(s, (enum vd_tee)(VD_OPA_RESOURCE + 1), false, &text, &n, &err) &&
		      err.code == EAA_E_INVALID);
	}

	CHECK(!vd_opa_get(s, VD_TEE_SGX, false, &text, &n, &err) &&
	      err.code == EAA_E_CONFIG);
	CHECK(vd_opa_set(s, VD_TEE_SGX, false, policy, strlen(policy), &err));
	CHECK(vd_opa_set(s, VD_TEE_SGX, true, "{\"svn\": 2}", 10, &err));

	/* refused documents leave the stored ones in place */
	CHECK(!vd_opa_set(s, VD_TEE_SGX, false, broken, strlen(broken), &err) &&
	      has(&err, "sgx policy not stored") && has(&err, "policy.rego:3:1"));
	CHECK(!vd_opa_set(s, VD_TEE_SGX, false, unknown, strlen(unknown), &err) &&
	      has(&err, "unknown function contain"));
	CHECK(!vd_opa_set(s, VD_TEE_SGX, true, "{\"svn\": ", 8, &err) &&
	      has(&err, "sgx reference values not stored"));
	CHECK(!vd_opa_set(s, VD_TEE_SGX, true, "[1]", 3, &err) &&
	      has(&err, "not a JSON object"));
	CHECK(vd_opa_get(s, VD_TEE_SGX, false, &text, &n, &err) &&
	      n == strlen(policy) && memcmp(text, policy, n) == 0);
	free(text);
	CHECK(vd_opa_get(s, VD_TEE_SGX, true, &text, &n, &err) &&
	      !strcmp(text, "{\"svn\": 2}"));
	free(text);

	/* verdict --test-opa-local: a decision on a sample input */
	CHECK(vd_opa_check(policy, strlen(policy), "{\"svn\": 2}", 10, "{\"svn\": 3}",
			   10, &decision, &err) && !strcmp(decision, "true"));
	free(decision);
	CHECK(vd_opa_check(policy, strlen(policy), "{\"svn\": 2}", 10, "{\"svn\": 1}",
			   10, &decision, &err) && !strcmp(decision, "false"));
	free(decision);
	CHECK(!vd_opa_check(policy, strlen(policy), "{\"svn\": 2}", 10, "{", 1,
			    &decision, &err) && has(&err, "input"));
}

static void test_resources(struct vd_store *s)
{
	static const char pem[] =
		"-----BEGIN PUBLIC KEY-----\n"
		"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPd2zUSgE3BNZdecsQVC3eBNJkxrs\n"
		"6HRmh8XjwSulUErJGQlMiJ4l5uoPk1OlKNTiq5b0osZNweqD30XrF5X1Tw==\n"
		"-----END PUBLIC KEY-----\n";
	static const char policy[] = "{\"default\": [{\"type\": \"reject\"}]}";
	struct eaa_err err;
	uint8_t *data;
	size_t n;

	/* the original's default policy.json was not even JSON */
	CHECK(!vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)"{\"default\": [", 13,
			       &err) && has(&err, "image/policy.json"));
	CHECK(!vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)"{}", 2, &err) &&
	      has(&err, "\"default\""));
	CHECK(vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)policy,
			      strlen(policy), &err));
	CHECK(vd_resource_get(s, VD_RES_IMAGE_POLICY, &data, &n, &err) &&
	      n == strlen(policy));
	free(data);
	CHECK(!vd_resource_set(s, VD_RES_COSIGN_KEY, (const uint8_t *)"not a key", 9,
			       &err) && has(&err, "cosign.key"));
	CHECK(vd_resource_set(s, VD_RES_COSIGN_KEY, (const uint8_t *)pem, strlen(pem),
			      &err));
	CHECK(!vd_resource_set(s, VD_RES_GPG_KEYRING, (const uint8_t *)"", 0, &err) &&
	      has(&err, "empty"));

	CHECK(vd_named_set(s, "default/credential/reg", (const uint8_t *)"c", 1, &err));
	CHECK(vd_named_get(s, "default/credential/reg", &data, &n, &err) && n == 1);
	free(data);
	CHECK(!vd_named_get(s, "default/../../keys/k1", &data, &n, &err) &&
	      has(&err, "resource path"));
	CHECK(!vd_named_get(s, "default/x/none", &data, &n, &err) &&
	      has(&err, "no resource"));
}

/* A writer killed mid-write: the document is the old one or the new one. */
static void test_crash(struct vd_store *s)
{
	static char a[200000], b[200000];
	struct eaa_err err;
	int round, torn = 0, fds[2];
	char *text;
	size_t n;

	memset(a, ' ', sizeof(a) - 3);
	memcpy(a, "{\"a\":", 5);
	memcpy(a + sizeof(a) - 4, "1}\n", 3);
	memset(b, ' ', sizeof(b) - 3);
	memcpy(b, "{\"b\":", 5);
	memcpy(b + sizeof(b) - 4, "2}\n", 3);
	CHECK(vd_opa_set(s, VD_TEE_TPM, true, a, strlen(a), &err));
	for (round = 0; round < 30; round++) {
		pid_t pid;
		char go;

		if (pipe(fds) != 0)
			break;
		pid = fork();
		if (pid == 0) {
			close(fds[0]);
			for (int i = 0;; i++) {
				const char *d = i % 2 ? a : b;

				vd_opa_set(s, VD_TEE_TPM, true, d, strlen(d), &err);
				if (i == round % 3) /* vary where the kill lands */
					(void)!write(fds[1], "x", 1);
			}
		}
		close(fds[1]);
		/* wait until the child is writing, then kill it at once */
		if (read(fds[0], &go, 1) == 1)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fds[0]);
		if (!vd_opa_get(s, VD_TEE_TPM, true, &text, &n, &err) ||
		    !((n == strlen(a) && !memcmp(text, a, n)) ||
		      (n == strlen(b) && !memcmp(text, b, n))))
			torn++;
		free(text);
	}
	CHECK_MSG(torn == 0, "%d torn documents", torn);
}

/* Opening the store clears what killed writers left. */
static void test_stale(void)
{
	struct eaa_err err;
	struct vd_store *s;

	CHECK(file_write_atomic(path_of("opa/tpmData.tmp.AbCdEf"), "{", 1, 0600, &err));
	s = vd_store_open(root, &err);
	CHECK(s && access(path_of("opa/tpmData.tmp.AbCdEf"), F_OK) != 0 &&
	      access(path_of("opa/tpmData"), F_OK) == 0);
	vd_store_close(s);
}

/* The defaults: installed where nothing is stored, never over a stored
 * file; they refuse every peer until the owner lists a measurement, then
 * debug TEEs, TCBs not UpToDate, and unlisted values. */
static bool decides(struct vd_store *s, enum vd_tee t, const char *input,
		    const char *want)
{
	struct eaa_err err;
	char *p = NULL, *d = NULL, *decision = NULL;
	size_t pn, dn;
	bool ok = vd_opa_get(s, t, false, &p, &pn, &err) &&
		  vd_opa_get(s, t, true, &d, &dn, &err) &&
		  vd_opa_check(p, pn, d, dn, input, strlen(input), &decision, &err) &&
		  strcmp(decision, want) == 0;

	if (!ok)
		fprintf(stderr, "%s %s: got %s (%s), want %s\n", vd_tee_name(t), input,
			decision ? decision : "error", decision ? "" : err.msg, want);
	free(p);
	free(d);
	free(decision);
	return ok;
}

/* The `configured` rule each default has, which verdictd reads at start
 * to say whether it accepts anything. */
static bool configured(struct vd_store *s, enum vd_tee t, const char *want)
{
	struct vd_opa_doc d;
	struct eaa_err err;
	char *got = NULL;
	bool ok = vd_opa_snapshot(s, t, &d, &err) &&
		  vd_opa_eval(d.policy, d.plen, d.data, d.dlen, "data.policy.configured",
			      "{}", 2, &got, &err) &&
		  strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "%s configured: got %s, want %s\n", vd_tee_name(t),
			got ? got : "error", want);
	vd_opa_doc_free(&d);
	free(got);
	return ok;
}

static void test_defaults(void)
{
	static const char csv[] = "package policy\nallow = true\n";
	char dir[] = "/tmp/vd-defaults-XXXXXX", path[256];
	struct eaa_err err;
	struct vd_store *s;
	char *text = NULL;
	size_t n;

	if (!mkdtemp(dir) || !(s = vd_store_open(dir, &err)))
		return;
	CHECK(vd_opa_set(s, VD_TEE_CSV, false, csv, strlen(csv), &err));
	CHECK_MSG(vd_store_install_defaults(s, &err), "%s", err.msg);
	CHECK(vd_opa_get(s, VD_TEE_CSV, false, &text, &n, &err) &&
	      strstr(text, "allow = true"));
	free(text);
	text = NULL;
	CHECK(vd_opa_get(s, VD_TEE_SGX, true, &text, &n, &err) &&
	      strstr(text, "\"tcbStatus\": [\"UpToDate\"]"));
	free(text);
	/* a genuine, up-to-date, non-debug enclave: refused until listed */
	CHECK(decides(s, VD_TEE_SGX, "{\"mrEnclave\":\"x\",\"mrSigner\":\"y\",\"productId\":0,"
		      "\"svn\":0,\"debug\":false,\"tcb_status\":\"UpToDate\"}", "false"));
	CHECK(configured(s, VD_TEE_SGX, "false"));
	CHECK(vd_opa_set(s, VD_TEE_SGX, true, "{\"mrEnclave\": [], \"mrSigner\": [\"y\"], "
			 "\"productId\": 0, \"svn\": 0}", 62, &err));
	CHECK(configured(s, VD_TEE_SGX, "true"));
	CHECK(decides(s, VD_TEE_SGX, "{\"mrEnclave\":\"x\",\"mrSigner\":\"y\",\"productId\":0,"
		      "\"svn\":0,\"debug\":false,\"tcb_status\":\"UpToDate\"}", "true"));
	CHECK(decides(s, VD_TEE_SGX, "{\"mrEnclave\":\"x\",\"mrSigner\":\"z\",\"productId\":0,"
		      "\"svn\":0,\"debug\":false,\"tcb_status\":\"UpToDate\"}", "false"));
	CHECK(decides(s, VD_TEE_SGX, "{\"mrEnclave\":\"x\",\"mrSigner\":\"y\",\"productId\":0,"
		      "\"svn\":0,\"debug\":true,\"tcb_status\":\"UpToDate\"}", "false"));
	CHECK(decides(s, VD_TEE_SGX, "{\"mrEnclave\":\"x\",\"mrSigner\":\"y\",\"productId\":0,"
		      "\"svn\":0,\"debug\":false,\"tcb_status\":\"OutOfDate\"}", "false"));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":false,\"tcb_status\":\"UpToDate\","
		      "\"mr_td\":\"00\"}", "false"));
	CHECK(configured(s, VD_TEE_TDX, "false"));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":true,\"tcb_status\":\"UpToDate\"}", "false"));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":false,\"tcb_status\":\"NotEvaluated\"}",
		      "false"));
	CHECK(decides(s, VD_TEE_SAMPLE, "{\"measurement\":\"00\",\"svn\":9}", "false"));
	/* the resource policy's default: every allowed peer, everything */
	CHECK(decides(s, VD_OPA_RESOURCE, "{\"tee\":\"sample\",\"claims\":{},\"command\":"
		      "\"Get KEK\",\"kid\":\"a/b/c\",\"path\":\"keys/a/b/c\"}", "true"));
	/* SNP: the Milan report's claims (abridged) are refused until a
	 * measurement is listed; then debug, an unlisted measurement or an
	 * old microcode are */
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":false,\"measurement\":\"a1\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":115}", "false"));
	CHECK(configured(s, VD_TEE_SNP, "false"));
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":true,\"measurement\":\"a1\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":115}", "false"));
	CHECK(decides(s, VD_TEE_SNP, "{}", "false"));
	{
		static const char snp_ref[] = "{\"measurements\": {\"measurement\": [\"ff\"]}, "
					      "\"minimum_tcb\": {\"microcode\": 200}}";

		CHECK(vd_opa_set(s, VD_TEE_SNP, true, snp_ref, strlen(snp_ref), &err));
	}
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":false,\"measurement\":\"ff\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":115}", "false"));
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":false,\"measurement\":\"ff\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":201}", "true"));
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":false,\"measurement\":\"a1\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":201}", "false"));
	/* host- or platform-chosen values alone configure nothing: any VM
	 * the host launches with them would pass */
	CHECK(vd_opa_set(s, VD_TEE_TDX, true, "{\"measurements\": {\"mr_owner\": [\"aa\"], "
			 "\"mr_seam\": [\"bb\"]}, \"settings\": {}}", 73, &err));
	CHECK(configured(s, VD_TEE_TDX, "false"));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":false,\"tcb_status\":\"UpToDate\","
		      "\"mr_owner\":\"aa\",\"mr_seam\":\"bb\"}", "false"));
	CHECK(vd_opa_set(s, VD_TEE_SNP, true, "{\"measurements\": {\"chip_id\": [\"cc\"]}}",
			 37, &err));
	CHECK(configured(s, VD_TEE_SNP, "false"));
	CHECK(decides(s, VD_TEE_SNP, "{\"policy_debug_allowed\":false,\"chip_id\":\"cc\","
		      "\"reported_tcb_bootloader\":3,\"reported_tcb_tee\":0,"
		      "\"reported_tcb_snp\":8,\"reported_tcb_microcode\":115}", "false"));
	/* a listed TDX measurement is then required */
	CHECK(vd_opa_set(s, VD_TEE_TDX, true, "{\"measurements\": {\"mr_td\": [\"aa\"]}, "
			 "\"settings\": {}}", 51, &err));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":false,\"tcb_status\":\"UpToDate\","
		      "\"mr_td\":\"00\"}", "false"));
	CHECK(decides(s, VD_TEE_TDX, "{\"td_debug\":false,\"tcb_status\":\"UpToDate\","
		      "\"mr_td\":\"aa\"}", "true"));
	vd_store_close(s);
	snprintf(path, sizeof(path), "%s", dir);
	test_rm_rf(path);
}

/* The CSV default (the seeds' csvPolicy.rego with a debug check) and the
 * TPM default (nothing until PCR values are listed). */
static void test_defaults_csv_tpm(void)
{
	static const char tpm_ref[] = "{\"pcrs\": {\"pcr0\": [\"aa\", \"bb\"], "
				      "\"pcr7\": [\"cc\"]}}";
	static const char csv_ref[] = "{\"measure\": [\"OJXI\"]}";
	char dir[] = "/tmp/vd-defaults2-XXXXXX";
	struct eaa_err err;
	struct vd_store *s;

	if (!mkdtemp(dir) || !(s = vd_store_open(dir, &err)))
		return;
	CHECK_MSG(vd_store_install_defaults(s, &err), "%s", err.msg);
	CHECK(decides(s, VD_TEE_CSV, "{\"policy_nodbg\":true,\"measure\":\"x\"}", "false"));
	CHECK(configured(s, VD_TEE_CSV, "false"));
	CHECK(vd_opa_set(s, VD_TEE_CSV, true, csv_ref, strlen(csv_ref), &err));
	CHECK(configured(s, VD_TEE_CSV, "true"));
	CHECK(decides(s, VD_TEE_CSV, "{\"policy_nodbg\":true,\"measure\":\"x\"}", "false"));
	CHECK(decides(s, VD_TEE_CSV, "{\"policy_nodbg\":false,\"measure\":\"OJXI\"}", "false"));
	CHECK(decides(s, VD_TEE_CSV, "{\"policy_nodbg\":true,\"measure\":\"OJXI\"}", "true"));
	CHECK(decides(s, VD_TEE_TPM, "{\"pcr0\":\"aa\",\"pcr7\":\"cc\"}", "false"));
	CHECK(configured(s, VD_TEE_TPM, "false"));
	CHECK(configured(s, VD_TEE_SAMPLE, "false"));
	CHECK(vd_opa_set(s, VD_TEE_TPM, true, tpm_ref, strlen(tpm_ref), &err));
	CHECK(decides(s, VD_TEE_TPM, "{\"pcr0\":\"bb\",\"pcr7\":\"cc\"}", "true"));
	CHECK(decides(s, VD_TEE_TPM, "{\"pcr0\":\"bb\",\"pcr7\":\"dd\"}", "false"));
	CHECK(decides(s, VD_TEE_TPM, "{\"pcr0\":\"bb\"}", "false"));
	vd_store_close(s);
	test_rm_rf(dir);
}

/* Every write raises the generation; a decision taken before a write is
 * stale after it; a TEE the owner did not enable is refused whatever its
 * policy says. */
static void test_generation_and_decide(void)
{
	static const char ref[] = "{\"measurement\": [\"m1\"], \"svn\": 0}";
	static const char claims[] = "{\"measurement\":\"m1\",\"svn\":1}";
	char dir[] = "/tmp/vd-gen-XXXXXX";
	bool enabled[VD_TEE_COUNT] = { false }, none[VD_TEE_COUNT] = { false };
	uint8_t key[VD_KEY_LEN] = { 1 };
	struct vd_decision d;
	struct eaa_err err;
	struct vd_store *s;
	struct vd_decider *dc, *dnone;
	uint64_t g;
	char *text;
	size_t n;

	if (!mkdtemp(dir) || !(s = vd_store_open(dir, &err)))
		return;
	CHECK(vd_store_install_defaults(s, &err));
	enabled[VD_TEE_SAMPLE] = true;
	dc = vd_decider_new(s, enabled);
	dnone = vd_decider_new(s, none);
	vd_decide(dc, "sample", claims, &d);
	CHECK_MSG(!d.allow && strstr(d.why, "allow = false"), "%s", d.why);
	/* the policy's explanation, on one line, apart from the reason a
	 * peer may be told */
	CHECK_MSG(strncmp(d.explain, "data.policy.allow is false | allow (samplePolicy.rego:", 54) == 0 &&
		  !strchr(d.explain, '\n') && !strstr(d.why, "data.policy"), "%s", d.explain);
	vd_decide(dc, "sample", "{\"measurement\":\"m\\n[warn] allowed\",\"svn\":1}", &d);
	CHECK_MSG(!d.allow && !strchr(d.explain, '\n') && strstr(d.explain, "data.policy.allow"),
		  "%s", d.explain);
	vd_decide(dc, "sample", claims, &d);
	CHECK(vd_decision_current(dc, &d));
	g = vd_store_generation(s);
	CHECK(vd_opa_get(s, VD_TEE_SAMPLE, true, &text, &n, &err));
	free(text);
	CHECK(vd_store_generation(s) == g);           /* reads do not count */
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, ref, strlen(ref), &err));
	CHECK(!vd_decision_current(dc, &d));
	vd_decide(dc, "sample", claims, &d);
	CHECK_MSG(d.allow && d.tee == VD_TEE_SAMPLE && !d.explain[0], "%s", d.why);
	CHECK(vd_decision_current(dc, &d));
	g = vd_store_generation(s);
	CHECK(vd_key_set(s, "a/b/c", key, &err) && vd_store_generation(s) == g + 1);
	CHECK(vd_key_delete(s, "a/b/c", &err) && vd_store_generation(s) == g + 2);
	/* not named with --verifier: refused, naming why */
	vd_decide(dnone, "sample", claims, &d);
	CHECK_MSG(!d.allow && strstr(d.why, "not enabled") && !d.explain[0], "%s", d.why);
	/* a verifier no policy covers, and nullverifier */
	vd_decide(dc, "nullverifier", "{}", &d);
	CHECK_MSG(!d.allow && strstr(d.why, "no policy covers"), "%s", d.why);
	vd_decide(dc, NULL, "{}", &d);
	CHECK(!d.allow);
	/* claims the policy cannot read: an error, so a refusal */
	vd_decide(dc, "sample", "not json", &d);
	CHECK_MSG(!d.allow && strstr(d.why, "policy error"), "%s", d.why);
	vd_decider_free(dc);
	vd_decider_free(dnone);
	vd_store_close(s);
	test_rm_rf(dir);
}

int main(void)
{
	struct vd_store *s;
	struct eaa_err err;
	struct stat st;

	snprintf(root, sizeof(root), "/tmp/vd-store-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_names();
	test_defaults();
	test_defaults_csv_tpm();
	test_generation_and_decide();
	s = vd_store_open(root, &err);
	CHECK_MSG(s != NULL, "%s", err.msg);
	if (!s)
		return test_summary();
	CHECK(stat(path_of("keys"), &st) == 0 && (st.st_mode & 0777) == 0700);
	test_keys(s);
	test_opa(s);
	test_resources(s);
	test_crash(s);
	vd_store_close(s);
	test_stale();
	test_rm_rf(root);
	return test_summary();
}
