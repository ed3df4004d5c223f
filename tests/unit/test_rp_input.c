/* test_rp_input.c - the resource policy's input written directly
 * (make_input_direct, on every key request) is byte for byte what the
 * jansson way writes (make_input_json), for names of every shape: the
 * policy must see the same document either way. The file is included to
 * reach its static functions. */
#include "../../src/verdictd/resource_policy.c"
#include "test.h"

static bool same(const struct vd_rp_request *req)
{
	const char *claims = req->claims && *req->claims ? req->claims : "{}";
	size_t n1 = 0, n2 = 0;
	char *a = make_input_direct(req, claims, &n1), *b = make_input_json(req, claims, &n2);
	bool ok = a && b && n1 == n2 && strcmp(a, b) == 0;

	static int shown;

	if (!ok && shown++ < 3)
		fprintf(stderr, "    direct %s\n    jansson %s\n", a ? a : "(none)", b ? b : "(none)");
	free(a);
	free(b);
	return ok;
}

int main(void)
{
	static const char *const names[] = {
		"default/key/1", "", "a\"b", "back\\slash", "tab\there", "nl\n", "\x01\x1f", "bs\b ff\f cr\r",
		"caf\xc3\xa9", "\xf0\x9f\x98\x80", "/", "del\x7f", NULL,
	};

	for (size_t i = 0; names[i]; i++)
		for (size_t j = 0; names[j]; j++) {
			struct vd_rp_request kid = { .tee = names[j], .claims = "{\"svn\":1}",
						     .command = "Decrypt", .kid = names[i],
						     .path = names[j] };
			struct vd_rp_request res = { .tee = "sample", .command = names[j],
						     .resource = names[i], .path = names[i] };

			CHECK(same(&kid));
			CHECK(same(&res));
		}
	{
		/* nothing set: the empty strings and {} claims */
		struct vd_rp_request none = { 0 };

		CHECK(same(&none));
	}
	{
		/* not UTF-8: the direct way declines (jansson's says no too) */
		struct vd_rp_request bad = { .tee = "sample", .command = "Decrypt",
					     .kid = "\xc0\xaf", .path = "keys/x" };
		size_t n;

		CHECK(!make_input_direct(&bad, "{}", &n));
	}
	return test_summary();
}
