/* fuzz_rego_policy - arbitrary policy text through the parser and the
 * compiler; what compiles is evaluated whole (data) under tight limits, so
 * random policies exercise the evaluator and built-ins too; data.p.allow,
 * when false or undefined, is explained (rego_query_eval_explain). */
#include <stdint.h>
#include <stdlib.h>
#include "eaa/rego.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rego_limits lim = { .max_steps = 20000, .max_depth = 200,
				   .max_bytes = 16u << 20 };
	struct rego_builder *b = rego_builder_new();
	struct rego_policy *p;
	struct rego_query *q;
	struct rego_error err;
	char *out = NULL;

	if (!b)
		return 0;
	if (!rego_builder_add_module(b, "fuzz.rego", (const char *)data, size,
				     REGO_SYNTAX_AUTO, &err)) {
		rego_builder_free(b);
		return 0;
	}
	p = rego_builder_compile(b, &err);
	if (!p)
		return 0;
	q = rego_query_compile(p, "data", &err);
	if (q) {
		rego_query_eval(q, "{\"a\":[1,\"x\",{\"b\":null}]}", 26, &lim, &out, &err);
		free(out);
	}
	rego_query_free(q);
	q = rego_query_compile(p, "data.p.allow", &err);
	if (q) {
		char why[512];

		rego_query_eval_explain(q, "{\"a\":[1,\"x\",{\"b\":null}]}", 26, &lim,
					NULL, why, sizeof(why), &err);
	}
	rego_query_free(q);
	rego_policy_free(p);
	return 0;
}
