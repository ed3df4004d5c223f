/* test_aa_broker_policy.c - what the agent requires of verdictd's claims
 * when it trusts verdictd through a verifier: a debug TEE is refused
 * whatever the policy says, a TCB status outside the accepted list is
 * refused, and the owner's policy decides the rest (false, undefined and
 * an evaluation error all refuse). */
#include <stdlib.h>
#include <unistd.h>
#include "broker_policy.h"
#include "file.h"
#include "test.h"

static char dir[64];

static const char *policy_file(const char *name, const char *text)
{
	static char p[128];
	struct eaa_err err;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	if (!file_write_atomic(p, text, strlen(text), 0600, &err))
		fprintf(stderr, "%s\n", err.msg);
	return p;
}

static bool refused(const struct aa_broker_policy *p, const char *claims, const char *why)
{
	struct eaa_err err = { 0 };
	bool ok = !aa_broker_policy_check(p, "tdx_ecdsa", claims, &err) &&
		  strstr(err.msg, why) != NULL;

	if (!ok)
		fprintf(stderr, "claims %s: \"%s\" lacks \"%s\"\n", claims, err.msg, why);
	return ok;
}

static bool allowed(const struct aa_broker_policy *p, const char *claims)
{
	struct eaa_err err = { 0 };
	bool ok = aa_broker_policy_check(p, "tdx_ecdsa", claims, &err);

	if (!ok)
		fprintf(stderr, "claims %s refused: %s\n", claims, err.msg);
	return ok;
}

int main(void)
{
	const char *good;
	struct aa_broker_policy *p, *lax;
	struct eaa_err err = { 0 };

	snprintf(dir, sizeof(dir), "/tmp/test_aa_broker.XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	good = policy_file("broker.rego",
		"package policy\nimport rego.v1\ndefault allow := false\n"
		"allow if input.mr_td == \"aa\"\n");
	p = aa_broker_policy_load(good, NULL, &err);
	CHECK_MSG(p != NULL, "%s", err.msg);
	lax = aa_broker_policy_load(good, "UpToDate,SWHardeningNeeded", &err);
	CHECK_MSG(lax != NULL, "%s", err.msg);
	if (!p || !lax)
		return test_summary();

	CHECK(allowed(p, "{\"mr_td\":\"aa\",\"td_debug\":false,\"tcb_status\":\"UpToDate\"}"));
	CHECK(allowed(p, "{\"mr_td\":\"aa\"}"));
	/* the policy's own answer */
	CHECK(refused(p, "{\"mr_td\":\"bb\"}", "says allow = false"));
	CHECK(refused(p, "not json", "not a JSON object"));
	/* debug, whatever the policy says */
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"td_debug\":true}", "debug TEE (tdx_ecdsa claim td_debug"));
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"debug\":true}", "claim debug is true"));
	/* SEV-SNP and CSV name debug their own way */
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"policy_debug_allowed\":true}",
		      "claim policy_debug_allowed is true"));
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"policy_nodbg\":false}",
		      "claim policy_nodbg is false"));
	CHECK(allowed(p, "{\"mr_td\":\"aa\",\"policy_debug_allowed\":false,"
		      "\"policy_nodbg\":true}"));
	/* TCB status: UpToDate by default, the list when given, whole words */
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"tcb_status\":\"OutOfDate\"}",
		      "TCB status is \"OutOfDate\"; accepted: UpToDate"));
	CHECK(refused(p, "{\"mr_td\":\"aa\",\"tcb_status\":\"SWHardeningNeeded\"}", "TCB status"));
	CHECK(allowed(lax, "{\"mr_td\":\"aa\",\"tcb_status\":\"SWHardeningNeeded\"}"));
	CHECK(refused(lax, "{\"mr_td\":\"aa\",\"tcb_status\":\"UpToDate,OutOfDate\"}", "TCB status"));
	CHECK(refused(lax, "{\"mr_td\":\"aa\",\"tcb_status\":\"Date\"}", "TCB status"));
	CHECK(refused(lax, "{\"mr_td\":\"aa\",\"tcb_status\":3}", "TCB status"));
	aa_broker_policy_free(p);
	aa_broker_policy_free(lax);

	/* undefined allow (no default) refuses */
	p = aa_broker_policy_load(policy_file("undef.rego", "package policy\n"
					      "allow { input.mr_td == \"aa\" }\n"), NULL, &err);
	CHECK_MSG(p != NULL, "%s", err.msg);
	if (p)
		CHECK(refused(p, "{\"mr_td\":\"bb\"}", "says allow = undefined"));
	aa_broker_policy_free(p);
	/* a policy that does not compile stops the agent, naming file:line */
	p = aa_broker_policy_load(policy_file("bad.rego", "package policy\nallow if {\n"), NULL,
				  &err);
	CHECK(p == NULL && strstr(err.msg, "bad.rego:") != NULL);
	CHECK(aa_broker_policy_load("/nonexistent/broker.rego", NULL, &err) == NULL &&
	      strstr(err.msg, "/nonexistent/broker.rego") != NULL);
	test_rm_rf(dir);
	return test_summary();
}
