/* test_img_policy.c - image references, containers-policy.json parsing
 * (every refusal names its path in the file), scope choice, signed
 * identities, and checks that need no signature. Signatures are tested
 * with real gpg and keys in test_img_sign.sh. */
#include <stdlib.h>
#include <string.h>
#include "policy.h"
#include "sig.h"
#include "../test.h"

static void test_refs(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "busybox", "docker.io/library/busybox:latest" },
		{ "library/busybox:1.36", "docker.io/library/busybox:1.36" },
		{ "index.docker.io/foo/bar", "docker.io/foo/bar:latest" },
		{ "quay.io/kata-containers/confidential-containers:signed",
		  "quay.io/kata-containers/confidential-containers:signed" },
		{ "localhost/app", "localhost/app:latest" },
		{ "127.0.0.1:5000/a/b/c:v1", "127.0.0.1:5000/a/b/c:v1" },
		{ "example.com/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		  "example.com/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "a__b/c-d.e_f---g", "docker.io/a__b/c-d.e_f---g:latest" },
	};
	static const char *const bad[] = {
		"", "Busybox", "busybox:", "busybox:-x", "a//b", "-a/b", "a_/b", "a___b",
		"x@sha256:12", "x@md5:0123", "example.com:port/x", ".example.com/x",
		"busybox:tag@sha256:zz",
	};
	char buf[600];
	struct img_ref r;
	struct eaa_err err;

	for (size_t i = 0; i < sizeof(ok) / sizeof(*ok); i++) {
		CHECK_MSG(img_ref_parse(ok[i].in, true, &r, &err), "%s: %s", ok[i].in, err.msg);
		img_ref_string(&r, buf, sizeof(buf));
		CHECK_MSG(strcmp(buf, ok[i].out) == 0, "%s -> %s", ok[i].in, buf);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_MSG(!img_ref_parse(bad[i], true, &r, &err), "accepted \"%s\"", bad[i]);
	CHECK(img_ref_parse("busybox", false, &r, &err) && !r.tag[0]);
}

static struct img_policy *parse(const char *doc, struct eaa_err *err)
{
	return img_policy_parse(doc, strlen(doc), "policy.json", err);
}

/* Each malformed policy is refused, and the message names where. */
static void test_parse_errors(void)
{
	static const struct { const char *doc, *msg; } bad[] = {
		{ "[]", "policy.json: want a JSON object at the top level" },
		{ "{\"default\":[{\"type\":\"reject\"}]", "policy.json:1:" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"extra\":1}", "top level: unknown field \"extra\"" },
		{ "{\"transports\":{}}", "default: want a non-empty array" },
		{ "{\"default\":[]}", "default: want a non-empty array" },
		{ "{\"default\":[{\"type\":\"rejected\"}]}", "default[0]: unknown requirement type \"rejected\"" },
		{ "{\"default\":[{\"type\":\"reject\",\"keyPath\":\"/k\"}]}", "default[0]: unknown field \"keyPath\"" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyPath\":\"/k\"}]}", "default[0].keyType: required" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\",\"keyPath\":\"/k\"}]}",
		  "\"X509Certificates\" is not supported" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\"keyData\":\"AA==\"}]}",
		  "exactly one of keyPath, keyPaths, keyData" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}]}", "exactly one of" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPaths\":[]}]}",
		  "default[0].keyPaths: want a non-empty array" },
		{ "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"!!\"}]}", "default[0].keyData: want base64" },
		{ "{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{}}]}", "no fulcio" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"matchSomething\"}}]}",
		  "default[0].signedIdentity: unknown type \"matchSomething\"" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactReference\",\"dockerReference\":\"busybox\"}}]}",
		  "is not a tagged or digested reference" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"a.com\"}}]}",
		  "\"signedPrefix\" is required" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker-daemon\":{\"\":[{\"type\":\"nope\"}]}}}",
		  "transports.docker-daemon[\"\"][0]: unknown requirement type \"nope\"" },
		{ "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"*.a.com\",\"signedPrefix\":\"b.com\"}}]}",
		  "prefix and signedPrefix must be a host" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"docker.io/library/busybox:\":[{\"type\":\"reject\"}]}}}",
		  "transports.docker[\"docker.io/library/busybox:\"]: not a valid docker scope" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"docker.io/library/Busybox\":[{\"type\":\"reject\"}]}}}",
		  "not a valid docker scope" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"example.com/a/\":[{\"type\":\"reject\"}]}}}",
		  "not a valid docker scope" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"oci\":{\"relative/dir\":[{\"type\":\"reject\"}]}}}",
		  "transports.oci[\"relative/dir\"]: not a valid oci scope" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":{\"a.com\":[{\"type\":\"x\"}]}}}",
		  "transports.docker[\"a.com\"][0]: unknown requirement type \"x\"" },
		{ "{\"default\":[{\"type\":\"reject\"}],\"default\":[{\"type\":\"reject\"}]}", "duplicate" },
	};
	struct eaa_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct img_policy *p = parse(bad[i].doc, &err);

		CHECK_MSG(!p && strstr(err.msg, bad[i].msg), "case %zu: %s", i, p ? "accepted" : err.msg);
		img_policy_free(p);
	}
}

static const char scoped[] =
	"{\"default\":[{\"type\":\"reject\"}],"
	" \"transports\":{"
	"  \"docker\":{"
	"   \"\":[{\"type\":\"insecureAcceptAnything\"}],"
	"   \"example.com\":[{\"type\":\"reject\"}],"
	"   \"example.com:5000/ns\":[{\"type\":\"reject\"},{\"type\":\"reject\"}],"
	"   \"example.com:5000/ns/app:v1\":[{\"type\":\"insecureAcceptAnything\"}],"
	"   \"*.internal.example\":[{\"type\":\"reject\"}],"
	"   \"docker.io/library\":[{\"type\":\"reject\"}]},"
	"  \"oci\":{\"/srv/images\":[{\"type\":\"insecureAcceptAnything\"}],"
	"          \"/srv/images/app:v2\":[{\"type\":\"reject\"}]},"
	"  \"dir\":{\"/srv\":[{\"type\":\"insecureAcceptAnything\"}]}}}";

static const char *scope_of(struct img_policy *p, enum img_transport t, const char *text,
			    const char *path, const char *oci_ref)
{
	struct img_ref r;
	struct img_candidate c = { .transport = t, .text = text, .path = path, .oci_ref = oci_ref };
	const char *scope;
	size_t n;

	if (t == IMG_T_DOCKER) {
		if (!img_ref_parse(text, true, &r, NULL))
			return "(bad ref)";
		c.ref = &r;
	}
	img_policy_requirements(p, &c, &n, &scope);
	return scope ? scope : "(default)";
}

static void test_scopes(void)
{
	static const struct { enum img_transport t; const char *text, *path, *ref, *want; } cases[] = {
		{ IMG_T_DOCKER, "example.com:5000/ns/app:v1", NULL, NULL, "example.com:5000/ns/app:v1" },
		{ IMG_T_DOCKER, "example.com:5000/ns/app:v2", NULL, NULL, "example.com:5000/ns" },
		{ IMG_T_DOCKER, "example.com:5000/ns/sub/app", NULL, NULL, "example.com:5000/ns" },
		{ IMG_T_DOCKER, "example.com/ns/app", NULL, NULL, "example.com" },
		/* the host scope has no port: example.com:5000/x is not example.com's */
		{ IMG_T_DOCKER, "example.com:5000/other", NULL, NULL, "" },
		{ IMG_T_DOCKER, "reg.internal.example/app", NULL, NULL, "*.internal.example" },
		{ IMG_T_DOCKER, "a.b.internal.example:443/app", NULL, NULL, "*.internal.example" },
		{ IMG_T_DOCKER, "internal.example/app", NULL, NULL, "" },
		{ IMG_T_DOCKER, "busybox", NULL, NULL, "docker.io/library" },
		{ IMG_T_DOCKER, "quay.io/x/y", NULL, NULL, "" },
		{ IMG_T_OCI, "oci:/srv/images/app:v1", "/srv/images/app", "v1", "/srv/images" },
		/* the reference name is not part of an oci identity */
		{ IMG_T_OCI, "oci:/srv/images/app:v2", "/srv/images/app", "v2", "/srv/images" },
		{ IMG_T_OCI, "oci:/srv/other", "/srv/other", NULL, "(default)" },
		{ IMG_T_DIR, "dir:/srv/a/b", "/srv/a/b", NULL, "/srv" },
		{ IMG_T_DIR, "dir:/srvx", "/srvx", NULL, "(default)" },
	};
	struct eaa_err err;
	struct img_policy *p = parse(scoped, &err);

	CHECK_MSG(p, "%s", err.msg);
	if (!p)
		return;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *got = scope_of(p, cases[i].t, cases[i].text, cases[i].path, cases[i].ref);

		CHECK_MSG(strcmp(got, cases[i].want) == 0, "%s: scope %s, want %s", cases[i].text,
			  got, cases[i].want);
	}
	img_policy_free(p);
}

static void test_check_unsigned(void)
{
	struct eaa_err err;
	struct img_policy *p = parse(scoped, &err);
	struct img_ref r;
	struct img_candidate c = { .transport = IMG_T_DOCKER, .ref = &r,
				   .manifest_digest = "sha256:00" };

	if (!p)
		return;
	c.text = "docker://quay.io/x/y:1";
	CHECK(img_ref_parse("quay.io/x/y:1", true, &r, &err) && img_policy_check(p, &c, &err));
	c.text = "docker://example.com/ns/app:1";
	CHECK(img_ref_parse("example.com/ns/app:1", true, &r, &err));
	CHECK(!img_policy_check(p, &c, &err));
	CHECK_MSG(strstr(err.msg, "image docker://example.com/ns/app:1 rejected by policy.json "
			 "(scope \"example.com\"): transports.docker[\"example.com\"][0]: type "
			 "reject"), "%s", err.msg);
	img_policy_free(p);
	/* a signature requirement with no signatures names what is missing */
	p = parse("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/nonexistent\"}]}",
		  &err);
	CHECK_MSG(p, "%s", err.msg);
	c.text = "docker://busybox:latest";
	CHECK(img_ref_parse("busybox", true, &r, &err));
	CHECK(p && !img_policy_check(p, &c, &err));
	CHECK_MSG(strstr(err.msg, "(the default): default[0]: signedBy: the image has no simple "
			 "signatures"), "%s", err.msg);
	img_policy_free(p);
}

static bool ident(enum img_ident_type t, const char *docker, const char *prefix,
		  const char *signed_prefix, const char *image, const char *sig)
{
	struct img_identity id = { .type = t, .docker = (char *)docker, .prefix = (char *)prefix,
				   .signed_prefix = (char *)signed_prefix };
	struct img_ref r;

	return img_ref_parse(image, false, &r, NULL) && img_identity_match(&id, &r, sig);
}

/* cosign signs the repository alone: a sigstoreSigned requirement without
 * signedIdentity takes that identity when it is the image's repository
 * (as image-rs, which the guides' policies are written for, accepts
 * them); with any signedIdentity, and for GPG simple signing, the
 * containers/image rules hold. */
static bool payload_ok(enum img_req_type type, bool omitted, enum img_ident_type id,
		       const char *signed_ref)
{
	static const char digest[] = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct img_req r = { .type = type, .identity = { .type = id, .omitted = omitted } };
	struct img_ref ref;
	struct img_candidate c = { .transport = IMG_T_DOCKER, .text = "docker://example.com/team/app:v1",
				   .ref = &ref, .manifest_digest = digest };
	char payload[512];
	struct eaa_err err;

	snprintf(payload, sizeof(payload), "{\"critical\":{\"identity\":{\"docker-reference\":\"%s\"},"
		 "\"image\":{\"docker-manifest-digest\":\"%s\"},\"type\":\"%s\"},\"optional\":%s}",
		 signed_ref, digest, type == IMG_REQ_SIGSTORE ? "cosign container image signature" :
		 "atomic container signature", type == IMG_REQ_SIGSTORE ? "null" : "{}");
	return img_ref_parse("example.com/team/app:v1", false, &ref, NULL) &&
	       img_payload_check((const uint8_t *)payload, strlen(payload),
				 type == IMG_REQ_SIGSTORE ? "cosign container image signature" :
				 "atomic container signature", &r, &c, &err);
}

static void test_cosign_identity(void)
{
	enum img_ident_type dflt = IMG_ID_MATCH_REPO_DIGEST_OR_EXACT;

	CHECK(payload_ok(IMG_REQ_SIGSTORE, true, dflt, "example.com/team/app"));
	CHECK(payload_ok(IMG_REQ_SIGSTORE, true, dflt, "example.com/team/app:v1"));
	CHECK(!payload_ok(IMG_REQ_SIGSTORE, true, dflt, "example.com/team/other"));
	CHECK(!payload_ok(IMG_REQ_SIGSTORE, true, dflt, "example.com/team/app:v2"));
	/* named explicitly: containers/image's rules */
	CHECK(!payload_ok(IMG_REQ_SIGSTORE, false, dflt, "example.com/team/app"));
	CHECK(payload_ok(IMG_REQ_SIGSTORE, false, IMG_ID_MATCH_REPOSITORY, "example.com/team/app"));
	/* GPG simple signing keeps the default */
	CHECK(!payload_ok(IMG_REQ_SIGNED_BY, true, dflt, "example.com/team/app"));
	CHECK(payload_ok(IMG_REQ_SIGNED_BY, true, dflt, "example.com/team/app:v1"));
}

static void test_identities(void)
{
	const char *d = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char img_digest[200], sig_digest[200];

	snprintf(img_digest, sizeof(img_digest), "example.com/app%s", d);
	snprintf(sig_digest, sizeof(sig_digest), "example.com/app%s", d);
	CHECK(ident(IMG_ID_MATCH_EXACT, 0, 0, 0, "example.com/app:v1", "example.com/app:v1"));
	CHECK(!ident(IMG_ID_MATCH_EXACT, 0, 0, 0, "example.com/app:v1", "example.com/app:v2"));
	CHECK(!ident(IMG_ID_MATCH_EXACT, 0, 0, 0, img_digest, "example.com/app:v1"));
	CHECK(ident(IMG_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, 0, img_digest, "example.com/app:v1"));
	CHECK(ident(IMG_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, 0, "example.com/app:v1", "example.com/app:v1"));
	CHECK(!ident(IMG_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, 0, "example.com/app:v1", "example.com/app:v2"));
	CHECK(!ident(IMG_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, 0, img_digest, "example.com/other:v1"));
	CHECK(ident(IMG_ID_MATCH_REPOSITORY, 0, 0, 0, "example.com/app:v1", "example.com/app:v9"));
	CHECK(!ident(IMG_ID_MATCH_REPOSITORY, 0, 0, 0, "example.com/app:v1", "example.com/app2:v1"));
	/* normalization applies to the signed name too */
	CHECK(ident(IMG_ID_MATCH_EXACT, 0, 0, 0, "docker.io/library/busybox:1", "busybox:1"));
	CHECK(ident(IMG_ID_EXACT_REFERENCE, "example.com/golden:1", 0, 0, "mirror.local/x:9",
		    "example.com/golden:1"));
	CHECK(!ident(IMG_ID_EXACT_REFERENCE, "example.com/golden:1", 0, 0, "mirror.local/x:9",
		     "example.com/golden:2"));
	CHECK(ident(IMG_ID_EXACT_REPOSITORY, "example.com/golden", 0, 0, "mirror.local/x:9",
		    "example.com/golden:2"));
	CHECK(ident(IMG_ID_REMAP_IDENTITY, 0, "mirror.local/ns", "example.com/upstream",
		    "mirror.local/ns/app:v1", "example.com/upstream/app:v1"));
	CHECK(!ident(IMG_ID_REMAP_IDENTITY, 0, "mirror.local/ns", "example.com/upstream",
		     "mirror.local/ns/app:v1", "mirror.local/ns/app:v2"));
	/* the prefix matches only at a segment boundary */
	CHECK(!ident(IMG_ID_REMAP_IDENTITY, 0, "mirror.local/n", "example.com/upstream",
		     "mirror.local/ns/app:v1", "example.com/upstreams/app:v1"));
	CHECK(ident(IMG_ID_REMAP_IDENTITY, 0, "mirror.local/n", "example.com/upstream",
		    "mirror.local/ns/app:v1", "mirror.local/ns/app:v1"));
	CHECK(!ident(IMG_ID_MATCH_EXACT, 0, 0, 0, "example.com/app:v1", "not a reference"));
	/* a name-only signature matches only matchRepository */
	CHECK(!ident(IMG_ID_MATCH_REPO_DIGEST_OR_EXACT, 0, 0, 0, img_digest, "example.com/app"));
	CHECK(ident(IMG_ID_MATCH_REPOSITORY, 0, 0, 0, img_digest, "example.com/app"));
	/* a remapped name that is not canonical never matches */
	CHECK(!ident(IMG_ID_REMAP_IDENTITY, 0, "mirror.local", "docker.io",
		     "mirror.local/busybox:1", "docker.io/library/busybox:1"));
	(void)sig_digest;
}

int main(void)
{
	test_refs();
	test_parse_errors();
	test_scopes();
	test_check_unsigned();
	test_identities();
	test_cosign_identity();
	return test_summary();
}
