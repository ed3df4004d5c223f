/* test_vd_eaa.c - the EAA protocol as agents speak it (docs/eaa-protocol.md):
 * each command of both generations with the replies the originals gave,
 * the test vector from verdictd's own AES-GCM test, and every refusal:
 * unattested peers, wrong kids, tampered ciphertext, names that would leave
 * their directory, malformed requests. */
#include <stdlib.h>
#include "codec.h"
#include "eaa.h"
#include "json_util.h"
#include "test.h"

static struct vd_store *s;
static const struct vd_peer allowed = { true, NULL };
static const struct vd_peer refused = { false, "policy denied: svn 1 < 2" };

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
		{ false, "{\"command\":\"Get Everything\"}", "unknown", "refused" },
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
	char root[] = "/tmp/vd-eaa-XXXXXX";
	struct eaa_err err;

	if (!mkdtemp(root) || !(s = vd_store_open(root, &err)))
		return 1;
	CHECK(vd_key_set(s, KID, key, &err) && vd_key_set(s, "default/key/1", key, &err));
	CHECK(vd_resource_set(s, VD_RES_IMAGE_POLICY, (const uint8_t *)policy,
			      strlen(policy), &err));
	CHECK(vd_named_set(s, "default/sigstore-config/test", (const uint8_t *)sigstore,
			   strlen(sigstore), &err));
	test_basic();
	test_decrypt();
	test_kek_and_resources();
	test_malformed();
	test_frame();
	test_accounting();
	vd_store_close(s);
	test_rm_rf(root);
	return test_summary();
}
