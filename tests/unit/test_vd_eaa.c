/* test_vd_eaa.c - the EAA protocol as agents speak it (docs/eaa-protocol.md):
 * each command of both generations with the replies the originals gave,
 * the test vector from verdictd's own AES-GCM test, and every refusal:
 * unattested peers, wrong kids, tampered ciphertext, names that would leave
 * their directory, malformed requests, unknown commands; the command table;
 * and the resource policy (resource_policy.h) with every way it refuses,
 * each with the exact line it logs. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "codec.h"
#include "eaa.h"
#include "file.h"
#include "json_util.h"
#include "test.h"
#include "log_capture.h"

#define MEAS_A "aa"
#define MEAS_B "bb"

static struct vd_store *s;
static char root[] = "/tmp/vd-eaa-XXXXXX";
/* allowed by their TEE's policy; rpolicy set in main */
static struct vd_peer allowed = { true, NULL, "sample",
				  "{\"measurement\":\"" MEAS_A "\",\"svn\":1}", NULL };
static struct vd_peer allowed_b = { true, NULL, "sample",
				    "{\"measurement\":\"" MEAS_B "\",\"svn\":1}", NULL };
static const struct vd_peer refused = { false, "policy denied: svn 1 < 2", NULL, NULL, NULL };

/* The reply to req, as a string (echo replies are not NUL-terminated). */
static char *ask(const struct vd_peer *peer, const char *req, bool *close)
{
	static char buf[8192];
	struct vd_reply r;

	if (!vd_eaa_handle(s, peer, req, strlen(req), &r))
		return "(no reply)";
	snprintf(buf, sizeof(buf), "%.*s", (int)r.len, r.data);
	if (close)
		*close = r.close;
	vd_reply_free(&r);
	return buf;
}

static bool is(const char *got, const char *want)
{
	bool ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "got  %s\nwant %s\n", got, want);
	return ok;
}

static bool has(const char *got, const char *part)
{
	bool ok = strstr(got, part) != NULL;

	if (!ok)
		fprintf(stderr, "\"%s\" lacks \"%s\"\n", got, part);
	return ok;
}

/* A base64 reply decoded. */
static char *unb64(const char *text)
{
	static char buf[4096];
	uint8_t *p;
	size_t n;

	if (!base64_decode(text, false, &p, &n))
		return "(not base64)";
	snprintf(buf, sizeof(buf), "%.*s", (int)n, (char *)p);
	free(p);
	return buf;
}

#define ENC "BOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA=="
#define IV "MDEyMzQ1Njc4OTAx"
#define KID "84688df7-2c0c-40fa-956b-29d8e74d16c0"
#define BLOB(kid, enc, alg, iv) \
	"{\"command\":\"Decrypt\",\"blobs\":[{\"kid\":\"" kid "\",\"encrypted_data\":\"" \
	enc "\"," alg ",\"iv\":\"" iv "\"}]}"
#define AES "\"algorithm\":\"AES\",\"key_length\":256"
#define GCM "\"algorithm\":\"A256GCM\",\"key_length\":256"

static void test_basic(void)
{
	bool close = false;

	CHECK(is(ask(&refused, "{\"command\":\"version\"}", NULL),
		 "{\"status\":\"OK\",\"version\":\"v1\"}"));
	/* rats-tls-client --verdictd, byte for byte */
	CHECK(is(ask(&refused, "{ \"command\": \"echo\", \"data\": \"Hello and welcome "
		     "to RATS-TLS!\\n\" }", &close), "Hello and welcome to RATS-TLS!\n"));
	CHECK(close);
	CHECK(is(ask(&allowed, "{\"command\":\"echo\"}", NULL), "Echo parameters error"));
}

static void test_decrypt(void)
{
	const char *ok = "{\"data\":{\"" ENC "\":\"dGVzdF9kYXRh\"},\"status\":\"OK\"}";
	char *got;

	/* verdictd's unit-test key and IV; first and second generation */
	CHECK(is(ask(&allowed, BLOB(KID, ENC, AES, IV), NULL), ok));
	CHECK(is(ask(&allowed, BLOB("default/key/1", ENC, GCM, IV), NULL), ok));
	CHECK(is(ask(&allowed, BLOB("default/key/1", ENC,
				    "\"algorithm\":\"A256GCM\"", IV), NULL), ok));

	/* an unattested peer gets nothing, and is told why */
	got = ask(&refused, BLOB(KID, ENC, AES, IV), NULL);
	CHECK(has(got, "\"status\":\"Fail\"") && has(got, "not attested") &&
	      has(got, "svn 1 < 2") && !strstr(got, "dGVzdF9kYXRh"));

	/* a wrong kid is an error, never a zero key */
	got = ask(&allowed, BLOB("nokey", ENC, AES, IV), NULL);
	CHECK(has(got, "{\"data\":{},\"error\":\"kid: \\\"nokey\\\"'s key not found"));
	got = ask(&allowed, BLOB("../opa/sgxData", ENC, AES, IV), NULL);
	CHECK(has(got, "key not found") && has(got, "kid"));

	/* a flipped byte of ciphertext or tag, a wrong IV */
	CHECK(has(ask(&allowed, BLOB(KID, "BOq7Hv6RPgTCtogbBK0sn8SuYYF9zN34WA==", AES, IV),
		      NULL), "\"error\":\"decryption failed\""));
	CHECK(has(ask(&allowed, BLOB(KID, "AOq7Hv6RPgTCtogbBK0sn8SuZYF9zN34WA==", AES, IV),
		      NULL), "\"error\":\"decryption failed\""));
	CHECK(has(ask(&allowed, BLOB(KID, ENC, AES, "MDEyMzQ1Njc4OTAy"), NULL),
		  "decryption failed"));

	/* parameters */
	CHECK(has(ask(&allowed, BLOB(KID, ENC, AES, "MDEy"), NULL), "iv must be base64 of 12"));
	CHECK(has(ask(&allowed, BLOB(KID, "AA==", AES, IV), NULL), "encrypted_data must be"));
	CHECK(has(ask(&allowed, BLOB(KID, "!!", AES, IV), NULL), "encrypted_data must be"));
	CHECK(has(ask(&allowed, BLOB(KID, ENC, "\"algorithm\":\"A256CTR\"", IV), NULL),
		  "parameters error"));
	CHECK(has(ask(&allowed, BLOB(KID, ENC, "\"algorithm\":\"AES\",\"key_length\":128", IV),
		      NULL), "parameters error"));
	CHECK(has(ask(&allowed, BLOB(KID, ENC, "\"algorithm\":\"AES\"", IV), NULL),
		  "parameters error"));
	CHECK(has(ask(&allowed, "{\"command\":\"Decrypt\",\"blobs\":{}}", NULL),
		  "decrypt parameters error"));
	CHECK(has(ask(&allowed, "{\"command\":\"Decrypt\",\"blobs\":[7]}", NULL),
		  "a blob must be an object"));
}

static void test_kek_and_resources(void)
{
	char *got;

	CHECK(is(ask(&allowed, "{\"command\":\"Get KEK\",\"kids\":[\"" KID "\"]}", NULL),
		 "{\"data\":{\"" KID "\":\"MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=\"},"
		 "\"status\":\"OK\"}"));
	CHECK(has(ask(&allowed, "{\"command\":\"Get KEK\",\"kids\":[\"x\"]}", NULL),
		  "kid: x's key not found"));
	CHECK(has(ask(&allowed, "{\"command\":\"Get KEK\",\"kids\":[1]}", NULL),
		  "not a string"));
	CHECK(has(ask(&refused, "{\"command\":\"Get KEK\",\"kids\":[\"" KID "\"]}", NULL),
		  "not attested"));

	/* named resources: bare base64, failures the base64 of a Fail object */
	CHECK(is(unb64(ask(&allowed, "{\"command\":\"Get Policy\",\"optional\":{}}", NULL)),
		 "{\"default\": [{\"type\": \"reject\"}]}"));
	CHECK(is(ask(&allowed, "{\"command\":\"Get Resource Info\",\"name\":\"Policy\"}",
		     NULL), "{\"data\":{\"base64size\":\"44\"},\"status\":\"OK\"}"));
	got = unb64(ask(&allowed, "{\"command\":\"Get Cosign Key\",\"optional\":{}}", NULL));
	CHECK(has(got, "\"status\":\"Fail\"") && has(got, "image/cosign.key"));
	CHECK(has(ask(&allowed, "{\"command\":\"Get Resource Info\",\"name\":\"Nope\"}",
		      NULL), "{\"error\":"));
	CHECK(has(ask(&refused, "{\"command\":\"Get Policy\"}", NULL), "not attested"));

	/* resources by path (second generation) */
	CHECK(is(unb64(ask(&allowed, "{\"command\":\"Get Resource\",\"optional\":"
			   "{\"resource_path\":\"default/sigstore-config/test\"}}", NULL)),
		 "default:\n  sigstore: file:///var/lib/containers/sigstore\n"));
	CHECK(is(ask(&allowed, "{\"command\":\"Get Resource Info\",\"name\":"
		     "\"default/sigstore-config/test\"}", NULL),
		 "{\"data\":{\"base64size\":\"76\"},\"status\":\"OK\"}"));
	got = unb64(ask(&allowed, "{\"command\":\"Get Resource\",\"optional\":"
			"{\"resource_path\":\"../keys/" KID "\"}}", NULL));
	CHECK(has(got, "\"status\":\"Fail\"") && has(got, "resource path"));
	got = unb64(ask(&allowed, "{\"command\":\"Get Resource\"}", NULL));
	CHECK(has(got, "resource_path is missing"));
}

static void test_malformed(void)
{
	static const char *const reqs[] = {
		"", "not json", "[1]", "{\"command\":5}", "{}", "{\"command\":\"version\"",
		"{\"command\":\"Get Everything\"}", "{\"command\":\"a\",\"command\":\"b\"}",
		"\"version\"",
	};
	size_t i;

	for (i = 0; i < sizeof(reqs) / sizeof(*reqs); i++) {
		char *got = ask(&allowed, reqs[i], NULL);

		CHECK_MSG(strncmp(got, "{\"data\":{},\"error\":", 19) == 0 &&
			  has(got, "\"status\":\"Fail\""), "%s -> %s", reqs[i], got);
	}
	CHECK(has(ask(&allowed, "{\"command\":\"Get Everything\"}", NULL),
		  "unknown command \\\"Get Everything\\\""));
}

/* The table: every row that reads a key or resource needs attestation,
 * and the table (not the handler) refuses an unattested peer; a name
 * that is no row's is refused by that name, and logged, quoted. */
static void test_table(void)
{
	/* as JSON text: the reply and the log line quote them so (a newline
	 * cannot start a forged log line) */
	static const char *const near[] = {
		"get kek", "Get KEK ", "Get", "Policy", "GET POLICY", "Get Resource Infos",
		"Decrypt\\n[warn] forged", "",
	};
	const struct vd_command_info *c;
	char req[200], want[300], *got, *log;
	size_t i;

	for (i = 0; (c = vd_eaa_command(i)); i++) {
		snprintf(req, sizeof(req), "{\"command\":\"%s\",\"kids\":[\"default/key/1\"],"
			 "\"name\":\"Policy\",\"blobs\":[]}", c->name);
		got = ask(&refused, req, NULL);
		CHECK_MSG(c->needs_attestation == (c->reads != VD_READS_NOTHING),
			  "%s reads something without attestation", c->name);
		if (c->needs_attestation)
			CHECK_MSG(has(got, "not attested") && has(got, c->name), "%s", c->name);
		else
			CHECK_MSG(!strstr(got, "not attested"), "%s: %s", c->name, got);
	}
	CHECK(i == 11);
	for (i = 0; i < sizeof(near) / sizeof(*near); i++) {
		snprintf(req, sizeof(req), "{\"command\":\"%s\"}", near[i]);
		log_begin_in(root);
		got = ask(&allowed, req, NULL);
		log = log_end();
		snprintf(want, sizeof(want), "unknown command \\\"%s\\\"", near[i]);
		CHECK_MSG(has(got, want) && has(got, "\"status\":\"Fail\""), "%s", got);
		snprintf(want, sizeof(want), "[warn] refused a request from a sample peer: "
			 "unknown command \"%s\"\n", near[i]);
		CHECK_MSG(strcmp(log, want) == 0, "logged %s", log);
	}
	/* an unattested peer's unknown command is refused by name too */
	log_begin_in(root);
	got = ask(&refused, "{\"command\":\"Get Everything\"}", NULL);
	log = log_end();
	CHECK(has(got, "unknown command"));
	CHECK(is(log, "[warn] refused a request from an unattested peer: unknown command "
		 "\"Get Everything\"\n"));
}

/* ---- the resource policy ---- */

/* Store the resource policy's pair through the store, as verdict does. */
static bool set_rpolicy(const char *policy, const char *data)
{
	struct eaa_err err;

	if (data && !vd_opa_set(s, VD_OPA_RESOURCE, true, data, strlen(data), &err)) {
		fprintf(stderr, "resourceData: %s\n", err.msg);
		return false;
	}
	if (!vd_opa_set(s, VD_OPA_RESOURCE, false, policy, strlen(policy), &err)) {
		fprintf(stderr, "resourcePolicy.rego: %s\n", err.msg);
		return false;
	}
	return true;
}

/* Write the policy file behind the store's back (an owner's editor). */
static bool edit_rpolicy(const char *policy)
{
	char path[128];
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/opa/resourcePolicy.rego", root);
	return file_write_atomic(path, policy, strlen(policy), 0600, &err);
}

#define KEK(kid) "{\"command\":\"Get KEK\",\"kids\":[\"" kid "\"]}"
#define KEK_A_OK "{\"data\":{\"tenantA/key/1\":\"MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=\"}," \
	"\"status\":\"OK\"}"

/* docs/verdictd.md's example, exactly: tenant A's measurement gets only
 * keys/tenantA/..., tenant B's only keys/tenantB/... */
static const char tenant_policy[] =
	"package policy\n"
	"\n"
	"import rego.v1\n"
	"\n"
	"default allow := false\n"
	"\n"
	"# keys/<tenant>/...: the tenant whose key is asked for\n"
	"tenant := split(input.path, \"/\")[1] if startswith(input.path, \"keys/\")\n"
	"\n"
	"allow if input.claims.measurement in data.tenants[tenant]\n";
static const char tenant_data[] =
	"{\"tenants\": {\"tenantA\": [\"" MEAS_A "\"], \"tenantB\": [\"" MEAS_B "\"]}}";

static void test_resource_policy(void)
{
	char *got, *log;

	/* the default: every allowed peer gets every key and resource */
	CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
	CHECK(has(ask(&allowed_b, KEK("tenantA/key/1"), NULL), "\"status\":\"OK\""));

	/* what verdictd says at start */
	{
		char line[600], want[600];

		vd_rpolicy_describe(allowed.rpolicy, line, sizeof(line));
		snprintf(want, sizeof(want), "resources: %s/opa/resourcePolicy.rego allows every "
			 "allowed peer every key and resource (the default; docs/verdictd.md shows "
			 "one tenant per measurement)", root);
		CHECK(is(line, want));
		CHECK(set_rpolicy(tenant_policy, tenant_data));
		vd_rpolicy_describe(allowed.rpolicy, line, sizeof(line));
		snprintf(want, sizeof(want), "resources: each key and resource is decided by "
			 "%s/opa/resourcePolicy.rego with %s/opa/resourceData", root, root);
		CHECK(is(line, want));
	}

	/* tenants: A gets its key, and is refused B's, logged with the rule */
	CHECK(set_rpolicy(tenant_policy, tenant_data));
	CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
	log_begin_in(root);
	got = ask(&allowed, KEK("tenantB/key/1"), NULL);
	log = log_end();
	CHECK(is(got, "{\"data\":{},\"error\":\"kid: tenantB/key/1: refused by the resource "
		 "policy: resourcePolicy.rego: rule allow is false\",\"status\":\"Fail\"}"));
	CHECK(is(log, "[warn] refused Get KEK of key \"tenantB/key/1\" to a sample peer: "
		 "resourcePolicy.rego: rule allow is false; the policy's rules for it: "
		 "{\"allow\":false,\"tenant\":\"tenantB\"}; why: data.policy.allow is false | "
		 "allow (resourcePolicy.rego:10): input.claims.measurement in "
		 "data.tenants[tenant] is false (resourcePolicy.rego:10:10) | default allow "
		 "(resourcePolicy.rego:5): false\n"));
	/* B the other way round, and through Decrypt */
	CHECK(has(ask(&allowed_b, KEK("tenantB/key/1"), NULL), "\"status\":\"OK\""));
	CHECK(has(ask(&allowed_b, KEK("tenantA/key/1"), NULL), "rule allow is false"));
	got = ask(&allowed, BLOB("tenantB/key/1", ENC, GCM, IV), NULL);
	CHECK(is(got, "{\"data\":{},\"error\":\"kid: \\\"tenantB/key/1\\\": refused by the "
		 "resource policy: resourcePolicy.rego: rule allow is false\",\"status\":\"Fail\"}"));
	CHECK(has(ask(&allowed, BLOB("tenantA/key/1", ENC, GCM, IV), NULL), "dGVzdF9kYXRh"));
	/* a refused kid that does not exist is refused, not "not found":
	 * the policy is no oracle for other tenants' kids */
	CHECK(has(ask(&allowed, KEK("tenantB/key/9"), NULL), "rule allow is false"));
	CHECK(has(ask(&allowed, KEK("tenantA/key/9"), NULL), "key not found"));
	/* several kids: the first refused one refuses the request */
	CHECK(has(ask(&allowed, "{\"command\":\"Get KEK\",\"kids\":[\"tenantA/key/1\","
		      "\"tenantB/key/1\"]}", NULL), "{\"data\":{},\"error\":\"kid: tenantB/key/1: "));
	/* resources are none of a tenant's keys: refused, in every shape */
	got = unb64(ask(&allowed, "{\"command\":\"Get Resource\",\"optional\":"
			"{\"resource_path\":\"default/sigstore-config/test\"}}", NULL));
	CHECK(is(got, "{\"error\":\"read resource: refused by the resource policy: "
		 "resourcePolicy.rego: rule allow is false\",\"status\":\"Fail\"}"));
	got = unb64(ask(&allowed, "{\"command\":\"Get Policy\"}", NULL));
	CHECK(has(got, "Can't fetch image/policy.json: refused by the resource policy"));
	CHECK(is(ask(&allowed, "{\"command\":\"Get Resource Info\",\"name\":\"Policy\"}", NULL),
		 "{\"error\":\"refused by the resource policy: resourcePolicy.rego: rule allow "
		 "is false\",\"status\":\"Fail\"}"));
	log_begin_in(root);
	ask(&allowed, "{\"command\":\"Get Resource Info\",\"name\":\"default/sigstore-config/test\"}",
	    NULL);
	log = log_end();
	CHECK(is(log, "[warn] refused Get Resource Info of resource \"default/sigstore-config/test\" "
		 "to a sample peer: resourcePolicy.rego: rule allow is false; the policy's rules "
		 "for it: {\"allow\":false}; why: data.policy.allow is false | allow "
		 "(resourcePolicy.rego:10): data.tenants[tenant] is undefined "
		 "(resourcePolicy.rego:10:10) | default allow (resourcePolicy.rego:5): false\n"));

	/* the input document, as the policy sees it */
	CHECK(set_rpolicy("package policy\nimport rego.v1\nallow := false\nseen := input\n", NULL));
	log_begin_in(root);
	ask(&allowed, KEK("tenantA/key/1"), NULL);
	unb64(ask(&allowed, "{\"command\":\"Get Policy\"}", NULL));
	unb64(ask(&allowed, "{\"command\":\"Get Resource\",\"optional\":"
		  "{\"resource_path\":\"default/sigstore-config/test\"}}", NULL));
	log = log_end();
	CHECK(has(log, "\"seen\":{\"claims\":{\"measurement\":\"aa\",\"svn\":1},\"command\":"
		  "\"Get KEK\",\"kid\":\"tenantA/key/1\",\"path\":\"keys/tenantA/key/1\","
		  "\"tee\":\"sample\"}}"));
	CHECK(has(log, "\"seen\":{\"claims\":{\"measurement\":\"aa\",\"svn\":1},\"command\":"
		  "\"Get Policy\",\"path\":\"image/policy.json\",\"resource\":\"Policy\","
		  "\"tee\":\"sample\"}}"));
	CHECK(has(log, "\"command\":\"Get Resource\",\"path\":"
		  "\"resources/default/sigstore-config/test\",\"resource\":"
		  "\"default/sigstore-config/test\",\"tee\":\"sample\"}}"));

	/* no rule gives allow a value: undefined refuses */
	CHECK(set_rpolicy("package policy\nimport rego.v1\n"
			  "allow if input.kid == \"tenantA/key/1\"\n", NULL));
	CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
	log_begin_in(root);
	got = ask(&allowed, KEK("tenantB/key/1"), NULL);
	log = log_end();
	CHECK(has(got, "kid: tenantB/key/1: refused by the resource policy: resourcePolicy.rego: "
		  "rule allow is undefined for this request (no rule gave it a value)"));
	CHECK(is(log, "[warn] refused Get KEK of key \"tenantB/key/1\" to a sample peer: "
		 "resourcePolicy.rego: rule allow is undefined for this request (no rule gave "
		 "it a value); the policy's rules for it: {}; why: data.policy.allow is "
		 "undefined | allow (resourcePolicy.rego:3): input.kid (\"tenantB/key/1\") == "
		 "\"tenantA/key/1\" (\"tenantA/key/1\") is false (resourcePolicy.rego:3:10)\n"));

	/* only true allows */
	CHECK(set_rpolicy("package policy\nimport rego.v1\nallow := \"yes\"\n", NULL));
	log_begin_in(root);
	got = ask(&allowed, KEK("tenantA/key/1"), NULL);
	log = log_end();
	CHECK(has(got, "resourcePolicy.rego: rule allow is \\\"yes\\\", not true"));
	CHECK(is(log, "[warn] refused Get KEK of key \"tenantA/key/1\" to a sample peer: "
		 "resourcePolicy.rego: rule allow is \"yes\", not true; the policy's rules for "
		 "it: {\"allow\":\"yes\"}\n"));

	/* an evaluation error refuses */
	CHECK(set_rpolicy("package policy\nimport rego.v1\n"
			  "allow := true if input.kid\nallow := false if input.command\n", NULL));
	log_begin_in(root);
	got = ask(&allowed, KEK("tenantA/key/1"), NULL);
	log = log_end();
	CHECK(has(got, "refused by the resource policy: resourcePolicy.rego: policy error: "
		  "resourcePolicy.rego:4:10: eval_conflict_error: "));
	CHECK(is(log, "[warn] refused Get KEK of key \"tenantA/key/1\" to a sample peer: "
		 "resourcePolicy.rego: policy error: resourcePolicy.rego:4:10: eval_conflict_error: "
		 "complete rules must not produce multiple outputs: rule data.policy.allow "
		 "produced conflicting values\n"));

	/* a policy that does not compile is not stored, and one edited in
	 * behind verdictd's back does not replace the working one */
	CHECK(set_rpolicy(tenant_policy, tenant_data));
	CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
	{
		struct eaa_err err;
		static const char broken[] = "package policy\nallow { input.x ==\n";

		CHECK(!vd_opa_set(s, VD_OPA_RESOURCE, false, broken, strlen(broken), &err) &&
		      has(err.msg, "resource policy not stored"));
		CHECK(edit_rpolicy(broken));
		log_begin_in(root);
		CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
		CHECK(has(ask(&allowed, KEK("tenantB/key/1"), NULL), "rule allow is false"));
		log = log_end();
		CHECK_MSG(strncmp(log, "[warn] ", 7) == 0 && has(log, "/opa/resourcePolicy.rego "
			  "(generation ") && has(log, ") does not compile, so the policy compiled "
			  "before decides on: resourcePolicy.rego:3:") &&
			  has(log, "\n[warn] refused Get KEK of key \"tenantB/key/1\" to a sample "
			      "peer: resourcePolicy.rego: rule allow is false; the policy's rules for "
			      "it: {\"allow\":false,\"tenant\":\"tenantB\"}; why: "), "%s", log);
		/* said once, not per request */
		log_begin_in(root);
		CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
		CHECK(is(log_end(), ""));

		/* a fresh authorizer (a restart) has no working policy: it
		 * refuses, saying why */
		{
			struct vd_rpolicy *fresh = vd_rpolicy_new(s);
			struct vd_peer p = allowed;

			p.rpolicy = fresh;
			log_begin_in(root);
			got = ask(&p, KEK("tenantA/key/1"), NULL);
			log = log_end();
			CHECK(has(got, "refused by the resource policy: resourcePolicy.rego: does not "
				  "compile: resourcePolicy.rego:3:"));
			{
				char line[600];

				vd_rpolicy_describe(fresh, line, sizeof(line));
				CHECK(has(line, "resources: every key and resource is refused: "
					  "resourcePolicy.rego: does not compile: resourcePolicy.rego:3:"));
			}
			CHECK_MSG(has(log, "every key and resource request is refused until it does\n"
				      "[warn] refused Get KEK of key \"tenantA/key/1\" to a sample peer: "
				      "resourcePolicy.rego: does not compile: resourcePolicy.rego:3:"),
				  "%s", log);
			vd_rpolicy_free(fresh);
		}
	}
	/* an edit that compiles is seen at once, without a store write */
	CHECK(edit_rpolicy("package policy\nimport rego.v1\nallow := false\n"));
	CHECK(has(ask(&allowed, KEK("tenantA/key/1"), NULL), "rule allow is false"));

	/* a removed policy refuses everything */
	{
		char path[128];

		snprintf(path, sizeof(path), "%s/opa/resourcePolicy.rego", root);
		CHECK(unlink(path) == 0);
		log_begin_in(root);
		got = ask(&allowed, KEK("tenantA/key/1"), NULL);
		log = log_end();
		CHECK(has(got, "refused by the resource policy: resourcePolicy.rego: no resource "
			  "policy in "));
		CHECK_MSG(has(log, "[warn] resource policy: no resource policy in ") &&
			  has(log, "; every key and resource request is refused until there is "
			      "one\n[warn] refused Get KEK of key \"tenantA/key/1\" to a sample "
			      "peer: resourcePolicy.rego: no resource policy in "), "%s", log);
	}
	/* a peer with no authorizer at all gets nothing */
	{
		struct vd_peer p = allowed;

		p.rpolicy = NULL;
		log_begin_in(root);
		got = ask(&p, KEK("tenantA/key/1"), NULL);
		log = log_end();
		CHECK(has(got, "refused by the resource policy: no resource policy is in force"));
		CHECK(is(log, "[warn] refused Get KEK of key \"tenantA/key/1\" to a sample peer: "
			 "no resource policy is in force\n"));
	}
	/* back to the default for what follows */
	{
		struct eaa_err err;

		CHECK(vd_store_install_defaults(s, &err));
		CHECK(is(ask(&allowed, KEK("tenantA/key/1"), NULL), KEK_A_OK));
	}
}

static void test_frame(void)
{
	static const char two[] = "{\"a\":\"}\"}{\"b\":1}";

	CHECK(json_frame("{\"command\":\"version\"}", 21) == 21);
	CHECK(json_frame(" \n{\"a\":[1,{\"b\":2}]} tail", 24) == 19);
	CHECK(json_frame("{\"a\":\"x", 7) == 0);
	CHECK(json_frame("{\"a\":\"\\\"}\"", 10) == 0);      /* escaped quote */
	CHECK(json_frame("{\"a\":\"\\\"}\"}", 11) == 11);
	CHECK(json_frame(two, sizeof(two) - 1) == 9);
	CHECK(json_frame("", 0) == 0 && json_frame("   ", 3) == 0);
	CHECK(json_frame("x{}", 3) == -1 && json_frame("[]", 2) == -1);
	/* fed a byte at a time, the framer finds the same frame, scanning
	 * each byte once */
	{
		static const char req[] = " {\"a\":[1,{\"b\":\"}\\\"\"}]}{\"c\":1}";
		struct json_framer f = { 0 };
		long got = 0;
		size_t i;

		for (i = 1; i <= sizeof(req) - 1 && got == 0; i++)
			got = json_frame_more(&f, req, i);
		CHECK_MSG(got == json_frame(req, sizeof(req) - 1) && got > 0 && f.pos == (size_t)got,
			  "framer %ld, whole %ld", got, json_frame(req, sizeof(req) - 1));
		f = (struct json_framer){ 0 };
		CHECK(json_frame_more(&f, "x", 1) == -1);
	}
	/* mismatched brackets end a frame; the JSON parser then refuses it */
	CHECK(json_frame("{]}", 3) == 2);
}

/* What each reply says for the counters (metrics.h): the command from the
 * fixed list ("unknown" for any other name, none, or not an object) and
 * whether it was served, failed or refused. */
static void test_accounting(void)
{
	static const struct {
		bool attested;
		const char *req, *command, *status;
	} cases[] = {
		{ false, "{\"command\":\"version\"}", "version", "ok" },
		{ false, "{\"command\":\"echo\",\"data\":\"x\"}", "echo", "ok" },
		{ false, "{\"command\":\"echo\",\"data\":5}", "echo", "fail" },
		{ true, "{\"command\":\"Get KEK\",\"kids\":[\"" KID "\"]}", "Get KEK", "ok" },
		{ true, "{\"command\":\"Get KEK\",\"kids\":[\"x\"]}", "Get KEK", "fail" },
		{ false, "{\"command\":\"Get KEK\",\"kids\":[\"" KID "\"]}", "Get KEK", "refused" },
		{ true, "{\"command\":\"Get Policy\"}", "Get Policy", "ok" },
		{ true, "{\"command\":\"Get Cosign Key\"}", "Get Cosign Key", "fail" },
		{ false, "{\"command\":\"Get Policy\"}", "Get Policy", "refused" },
		{ true, "{\"command\":\"Get Resource Info\",\"name\":\"Policy\"}",
		  "Get Resource Info", "ok" },
		{ true, "{\"command\":\"Get Resource Info\",\"name\":\"Nope\"}",
		  "Get Resource Info", "fail" },
		{ true, "{\"command\":\"Get Resource\"}", "Get Resource", "fail" },
		{ true, BLOB(KID, ENC, AES, IV), "Decrypt", "ok" },
		{ true, BLOB("x", ENC, AES, IV), "Decrypt", "fail" },
		{ true, "{\"command\":\"Get Everything\"}", "unknown", "fail" },
		/* an unknown name is an error for anyone (the table knows it
		 * before it asks whether the peer is attested) */
		{ false, "{\"command\":\"Get Everything\"}", "unknown", "fail" },
		{ true, "{\"command\":5}", "unknown", "fail" },
		{ true, "not json", "unknown", "fail" },
	};
	static const char *const status[] = { "ok", "fail", "refused" };
	size_t i;

	CHECK(VD_REPLY_STATUS_COUNT == 3);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct vd_reply r;
		const char *cmd, *st;

		if (!vd_eaa_handle(s, cases[i].attested ? &allowed : &refused, cases[i].req,
				   strlen(cases[i].req), &r)) {
			CHECK_MSG(false, "%s: no reply", cases[i].req);
			continue;
		}
		cmd = r.command >= 0 && r.command < VD_EAA_NCOMMANDS ?
		      vd_eaa_commands[r.command] : r.command == VD_EAA_UNKNOWN ? "unknown" : "?";
		st = (unsigned)r.status < VD_REPLY_STATUS_COUNT ? status[r.status] : "?";
		CHECK_MSG(strcmp(cmd, cases[i].command) == 0 && strcmp(st, cases[i].status) == 0,
			  "%s: %s/%s, want %s/%s", cases[i].req, cmd, st, cases[i].command,
			  cases[i].status);
		vd_reply_free(&r);
	}
}

int main(void)
{
	static const uint8_t key[] = "01234567890123456789012345678901";
	static const char policy[] = "{\"default\": [{\"type\": \"reject\"}]}";
	static const char sigstore[] =
		"default:\n  sigstore: file:///var/lib/containers/sigstore\n";
	struct vd_rpolicy *rp;
	struct eaa_err err;

	if (!mkdtemp(root) || !(s = vd_store_open(root, &err)) ||
	    !vd_store_install_defaults(s, &err) || !(rp = vd_rpolicy_new(s)))
		return 1;
	allowed.rpolicy = allowed_b.rpolicy = rp;
	CHECK(vd_key_set(s, KID, key, &err) && vd_key_set(s, "default/key/1", key, &err));
	CHECK(vd_key_set(s, "tenantA/key/1", key, &err) && vd_key_set(s, "tenantB/key/1", key, &err));
	CHECK(vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)policy,
			      strlen(policy), &err));
	CHECK(vd_named_set(s, "default/sigstore-config/test", (const uint8_t *)sigstore,
			   strlen(sigstore), &err));
	test_basic();
	test_decrypt();
	test_kek_and_resources();
	test_malformed();
	test_table();
	test_resource_policy();
	test_frame();
	test_accounting();
	vd_rpolicy_free(rp);
	vd_store_close(s);
	test_rm_rf(root);
	return test_summary();
}
