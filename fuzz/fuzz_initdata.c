/* fuzz_initdata - the KBS protocol's init-data body read as trustee's
 * Initdata (src/verdictd/initdata.h): TOML, its fields, and the claims
 * made from aa.toml, cdh.toml (TOML again) and policy.rego (JSON after
 * "policy_data := "). It must never crash or leak; a document it takes
 * has an algorithm and claims that are an object whose values are
 * strings, or objects where aa.toml, cdh.toml or agent_policy_claims
 * were read; a refusal names init-data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "initdata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eaa_err err = { 0 };
	const EVP_MD *md = NULL;
	json_t *claims = NULL, *v;
	const char *k;

	if (!vd_initdata_read((const char *)data, size, &md, &claims, &err)) {
		if (claims || strncmp(err.msg, "init-data", 9) != 0)
			abort();
		return 0;
	}
	if (!md || !json_is_object(claims))
		abort();
	json_object_foreach(claims, k, v) {
		bool read = strcmp(k, "aa.toml") == 0 || strcmp(k, "cdh.toml") == 0 ||
			    strcmp(k, "agent_policy_claims") == 0;

		if (!json_is_string(v) && !(read && json_is_object(v)))
			abort();
	}
	json_decref(claims);
	return 0;
}
