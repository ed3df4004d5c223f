/* test_vd_initdata.c - init-data read as trustee's Initdata
 * (src/verdictd/initdata.h): the fields it needs, each refused with its
 * name when missing or wrong, and init_data_claims as trustee's
 * parse_init_data makes them, edge by edge. */
#include <stdlib.h>
#include <string.h>
#include "initdata.h"
#include "test.h"

#define HEAD "version = \"0.1.0\"\nalgorithm = \"sha384\"\n"

static json_t *claims_of(const char *doc, const EVP_MD **md, struct eaa_err *err)
{
	json_t *claims = NULL;

	memset(err, 0, sizeof(*err));
	if (!vd_initdata_read(doc, strlen(doc), md, &claims, err))
		return NULL;
	return claims;
}

/* the claims of doc must be the JSON want */
static void claims_are(const char *doc, const char *want_json)
{
	struct eaa_err err;
	const EVP_MD *md = NULL;
	json_error_t je;
	json_t *got = claims_of(doc, &md, &err), *want = json_loads(want_json, 0, &je);
	char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;

	CHECK_MSG(got && want && json_equal(got, want), "%s\n    got %s\n    want %s", doc,
		  g ? g : err.msg, want_json);
	free(g);
	json_decref(got);
	json_decref(want);
}

static void refused(const char *doc, enum eaa_code code, const char *msg)
{
	struct eaa_err err;
	const EVP_MD *md = NULL;
	json_t *got = claims_of(doc, &md, &err);

	CHECK_MSG(!got && err.code == code && strstr(err.msg, msg), "%s\n    got \"%s\"\n    want \"%s\"",
		  doc, got ? "accepted" : err.msg, msg);
	json_decref(got);
}

int main(void)
{
	struct eaa_err err;
	const EVP_MD *md = NULL;
	json_t *c;

	/* the algorithm picks the digest */
	c = claims_of("version = \"0.1.0\"\nalgorithm = \"sha256\"\ndata = {}\n", &md, &err);
	CHECK(c && md == EVP_sha256() && json_object_size(c) == 0);
	json_decref(c);
	c = claims_of("algorithm = \"sha512\"\nversion = \"x\"\n[data]\n", &md, &err);
	CHECK(c && md == EVP_sha512());
	json_decref(c);
	c = claims_of(HEAD "unknown = [1, 2]\n[data]\n[other]\nx = 1\n", &md, &err);
	CHECK_MSG(c && md == EVP_sha384(), "other top-level keys are ignored: %s", err.msg);
	json_decref(c);

	/* claims: plain strings stay, aa.toml and cdh.toml are read */
	claims_are(HEAD "[data]\nk = \"v\"\n\"aa.toml\" = \"[a]\\nb = 1\"\n"
		   "\"cdh.toml\" = '''\nsocket = \"s\"\n[[credentials]]\npath = \"p\"\n'''\n",
		   "{\"k\": \"v\", \"aa.toml\": {\"a\": {\"b\": 1}}, "
		   "\"cdh.toml\": {\"socket\": \"s\", \"credentials\": [{\"path\": \"p\"}]}}");
	/* one that does not read stays the string it was */
	claims_are(HEAD "[data]\n\"aa.toml\" = \"[a\"\n\"cdh.toml\" = \"a = {\\nb = 1}\"\n",
		   "{\"aa.toml\": \"[a\", \"cdh.toml\": \"a = {\\nb = 1}\"}");
	/* other .toml keys are not read */
	claims_are(HEAD "[data]\n\"kata.toml\" = \"a = 1\"\n", "{\"kata.toml\": \"a = 1\"}");
	/* policy.rego: policy_data replaces it when exactly one JSON object
	 * follows to the end */
	claims_are(HEAD "[data]\n\"policy.rego\" = '''\npackage p\npolicy_data := {\"a\": [1, {\"b\": null}]}\n\n'''\n",
		   "{\"agent_policy_claims\": {\"a\": [1, {\"b\": null}]}}");
	claims_are(HEAD "[data]\n\"policy.rego\" = '''policy_data := {\"a\": 1}\nallow := true\n'''\n",
		   "{\"policy.rego\": \"policy_data := {\\\"a\\\": 1}\\nallow := true\\n\"}");
	claims_are(HEAD "[data]\n\"policy.rego\" = 'policy_data := {\"a\": }'\n",
		   "{\"policy.rego\": \"policy_data := {\\\"a\\\": }\"}");
	claims_are(HEAD "[data]\n\"policy.rego\" = 'policy_data = {\"a\": 1}'\n",
		   "{\"policy.rego\": \"policy_data = {\\\"a\\\": 1}\"}");
	/* the first "policy_data := {" counts, as Rust's str::find */
	claims_are(HEAD "[data]\n\"policy.rego\" = 'policy_data := {} policy_data := {}'\n",
		   "{\"policy.rego\": \"policy_data := {} policy_data := {}\"}");
	/* an agent_policy_claims of the document's own is replaced */
	claims_are(HEAD "[data]\nagent_policy_claims = \"mine\"\n\"policy.rego\" = 'policy_data := {\"x\": 2}'\n",
		   "{\"agent_policy_claims\": {\"x\": 2}}");
	/* a string holding U+0000 before the pattern does not hide it */
	claims_are(HEAD "[data]\n\"policy.rego\" = \"\\u0000 policy_data := {\\\"x\\\": 3}\"\n",
		   "{\"agent_policy_claims\": {\"x\": 3}}");

	/* refusals, each naming what is wrong */
	refused("a = [", EAA_E_FORMAT, "init-data is not TOML: line 1 column 5: an array without "
		"its closing ]");
	refused("version = \"0.1.0\"\n[data]\n", EAA_E_FORMAT, "init-data: no top-level algorithm");
	refused("algorithm = \"sha384\"\n[data]\n", EAA_E_FORMAT, "init-data: no top-level version");
	refused(HEAD, EAA_E_FORMAT, "init-data: no top-level data table");
	refused(HEAD "[other.data]\n", EAA_E_FORMAT, "init-data: no top-level data table");
	refused("version = 1\nalgorithm = \"sha384\"\n[data]\n", EAA_E_FORMAT,
		"init-data: version is not a string");
	refused("version = \"1\"\nalgorithm = 384\n[data]\n", EAA_E_FORMAT,
		"init-data: algorithm is not a string");
	refused("version = \"1\"\nalgorithm = \"SHA384\"\n[data]\n", EAA_E_UNSUPPORTED,
		"init-data: algorithm \"SHA384\" is not sha256, sha384 or sha512");
	refused("version = \"1\"\nalgorithm = \"sm3\"\n[data]\n", EAA_E_UNSUPPORTED,
		"algorithm \"sm3\" is not");
	refused("version = \"1\"\nalgorithm = \"\\u0007\"\n[data]\n", EAA_E_UNSUPPORTED,
		"algorithm \"?\" is not");
	refused("version = \"1\"\nalgorithm = \"sha256\\u0000x\"\n[data]\n", EAA_E_UNSUPPORTED,
		"algorithm \"sha256?x\" is not");
	refused(HEAD "data = \"x\"\n", EAA_E_FORMAT, "init-data: data is not a table");
	refused(HEAD "data = [\"x\"]\n", EAA_E_FORMAT, "init-data: data is not a table");
	refused(HEAD "[data]\nk = 1\n", EAA_E_FORMAT,
		"init-data: data.\"k\" is not a string (trustee's Initdata holds only strings)");
	refused(HEAD "[data]\n\"a\\nb\" = {}\n", EAA_E_FORMAT, "init-data: data.\"a?b\" is not a string");
	refused(HEAD "[data]\nk = [\"v\"]\n", EAA_E_FORMAT, "data.\"k\" is not a string");
	/* a wrong field is named before a missing one, as serde does */
	refused("algorithm = \"md5\"\n", EAA_E_UNSUPPORTED, "algorithm \"md5\" is not");
	return test_summary();
}
