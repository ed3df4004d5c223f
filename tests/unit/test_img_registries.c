/* test_img_registries.c - registries.d: sections by scope with fields
 * falling through to less specific scopes and default-docker, lookaside
 * URLs, files read in name order, and every refusal naming its place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "registries.h"
#include "../test.h"

static const char doc[] =
	"default-docker:\n"
	"  lookaside: https://sigs.example.com/base/\n"
	"docker:\n"
	"  registry.example.com/ns:\n"
	"    lookaside: file:///var/lib/sigs\n"
	"  registry.example.com/ns/app:\n"
	"    use-sigstore-attachments: true\n"
	"  \"*.internal.example\":\n"
	"    sigstore: http://old.example/sigs\n"
	"    lookaside: http://new.example/sigs\n"
	"    sigstore-staging: file:///tmp/staging\n";

static const char *lookaside(struct img_registries *r, const char *image)
{
	struct img_ref ref;

	return img_ref_parse(image, true, &ref, NULL) ? img_registries_lookaside(r, &ref) : "(bad)";
}

static bool attachments(struct img_registries *r, const char *image)
{
	struct img_ref ref;

	return img_ref_parse(image, true, &ref, NULL) && img_registries_attachments(r, &ref);
}

static void test_lookup(void)
{
	struct eaa_err err;
	struct img_registries *r = img_registries_parse(doc, strlen(doc), "a.yaml", &err);
	const char *got;
	char url[1024];
	struct img_ref ref;

	CHECK_MSG(r, "%s", err.msg);
	if (!r)
		return;
	/* the app's own section sets no lookaside: its namespace's applies */
	got = lookaside(r, "registry.example.com/ns/app:v1");
	CHECK_MSG(got && strcmp(got, "file:///var/lib/sigs") == 0, "%s", got);
	CHECK(attachments(r, "registry.example.com/ns/app:v1"));
	CHECK(!attachments(r, "registry.example.com/ns/other:v1"));
	got = lookaside(r, "reg.internal.example/x");
	CHECK_MSG(got && strcmp(got, "http://new.example/sigs") == 0, "%s", got);
	got = lookaside(r, "quay.io/x/y");
	CHECK_MSG(got && strcmp(got, "https://sigs.example.com/base/") == 0, "%s", got);
	/* <base>/<path without the host>@<algo>=<hex>/signature-<n> */
	CHECK(img_ref_parse("busybox:1", true, &ref, NULL));
	CHECK(img_lookaside_url(got, &ref, "sha256:abcd", 2, url, sizeof(url)));
	CHECK_MSG(strcmp(url, "https://sigs.example.com/base/library/busybox@sha256=abcd/"
			 "signature-2") == 0, "%s", url);
	CHECK(!img_lookaside_url(got, &ref, "nodigest", 1, url, sizeof(url)));
	img_registries_free(r);
	r = img_registries_parse("", 0, "empty.yaml", &err);
	CHECK(r && !lookaside(r, "busybox") && !attachments(r, "busybox"));
	img_registries_free(r);
}

static void test_errors(void)
{
	static const struct { const char *doc, *msg; } bad[] = {
		{ "docker:\n  a.com:\n    lookasid: file:///x\n", "x.yaml:3: docker.\"a.com\": unknown key \"lookasid\"" },
		{ "dockers: {}\n", "x.yaml:1: unknown key \"dockers\"" },
		{ "default-docker:\n  lookaside: ftp://x\n", "is not a file://, http:// or https:// URL" },
		{ "default-docker:\n  use-sigstore-attachments: yes please\n", "want true or false" },
		{ "docker:\n  a.com: {lookaside: file:///a}\n  a.com: {lookaside: file:///b}\n",
		  "docker scope \"a.com\" is also defined in x.yaml" },
		{ "docker: [1]\n", "docker: want a mapping of scopes" },
		{ "- a\n", "want a mapping at the top level" },
		{ "docker:\n  a.com: [\n", "x.yaml:" },
	};
	struct eaa_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct img_registries *r = img_registries_parse(bad[i].doc, strlen(bad[i].doc),
								"x.yaml", &err);

		CHECK_MSG(!r && strstr(err.msg, bad[i].msg), "case %zu: %s", i, r ? "accepted" : err.msg);
		img_registries_free(r);
	}
}

static void test_directory(void)
{
	char dir[] = "/tmp/test_img_registries-XXXXXX", path[300];
	struct eaa_err err;
	struct img_registries *r;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/10-a.yaml", dir);
	CHECK(file_write_atomic(path, "default-docker:\n  lookaside: file:///a\n", 38, 0644, &err));
	snprintf(path, sizeof(path), "%s/ignored.yml", dir);
	CHECK(file_write_atomic(path, "junk: [", 7, 0644, &err));
	r = img_registries_load(dir, &err);
	CHECK_MSG(r && strcmp(lookaside(r, "busybox"), "file:///a") == 0, "%s", r ? "" : err.msg);
	img_registries_free(r);
	snprintf(path, sizeof(path), "%s/20-b.yaml", dir);
	CHECK(file_write_atomic(path, "default-docker:\n  lookaside: file:///b\n", 38, 0644, &err));
	r = img_registries_load(dir, &err);
	CHECK_MSG(!r && strstr(err.msg, "20-b.yaml: default-docker is defined in more than one"),
		  "%s", r ? "accepted" : err.msg);
	img_registries_free(r);
	r = img_registries_load("/nonexistent-registries.d", &err);
	CHECK(r && !lookaside(r, "busybox"));
	img_registries_free(r);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	CHECK(system(path) == 0);
}

int main(void)
{
	test_lookup();
	test_errors();
	test_directory();
	return test_summary();
}
