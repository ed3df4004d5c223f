/* test_rego_policies.c - the policies our users run, with the decisions
 * OPA gives them: verdictd's default SGX policy with the seeds' reference
 * values, the seeds' CSV policy, and trustee's test policies. Each case
 * says why OPA decides as it does. */
#include <pthread.h>
#include <stdlib.h>
#include "eaa/rego.h"
#include "file.h"
#include "test.h"

static char *slurp(const char *name)
{
	char path[512];
	struct eaa_err err;
	uint8_t *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/policy/%s", getenv("EAA_TESTDATA"), name);
	if (!file_read(path, 1 << 20, &buf, &n, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	return (char *)buf;
}

/* Every policy compiled here, freed at the end. */
static struct rego_policy *policies[32];
static size_t npolicies;

static struct rego_query *load(const char *policy, const char *data)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_policy *p;
	struct rego_query *q;
	struct rego_error err;
	char *src = slurp(policy);

	if (!src || !rego_builder_add_module(b, policy, src, strlen(src),
					     REGO_SYNTAX_AUTO, &err) ||
	    (data && !rego_builder_set_data(b, data, strlen(data), &err))) {
		fprintf(stderr, "%s: %s\n", policy, src ? err.msg : "unreadable");
		free(src);
		rego_builder_free(b);
		return NULL;
	}
	free(src);
	p = rego_builder_compile(b, &err);
	if (!p) {
		fprintf(stderr, "%s: %s\n", policy, err.msg);
		return NULL;
	}
	if (npolicies < sizeof(policies) / sizeof(*policies))
		policies[npolicies++] = p;
	q = rego_query_compile(p, "data.policy.allow", &err);
	if (!q)
		fprintf(stderr, "%s: %s\n", policy, err.msg);
	return q;
}

/* The value of data.policy.allow ("undefined" or the error). */
static bool allow_is(struct rego_query *q, const char *input, const char *want)
{
	struct rego_error err;
	char *out = NULL;
	enum rego_result r;
	bool ok;

	if (!q)
		return false;
	r = rego_query_eval(q, input, input ? strlen(input) : 0, NULL, &out, &err);
	ok = strcmp(r == REGO_ERROR ? err.msg : r == REGO_UNDEFINED ? "undefined" :
		    out, want) == 0;
	if (!ok)
		fprintf(stderr, "input %s: got %s, want %s\n", input ? input : "none",
			r == REGO_ERROR ? err.msg : r == REGO_UNDEFINED ? "undefined" : out,
			want);
	free(out);
	return ok;
}

/* The seed's evidence (002) and its reference values. */
#define MRE "zqs/chEBBNrInHlSCDO+0eV/pnlAB5qieF3M0hKfekA="
#define MRE2 "+PLc9QPrEZ6ad9e3BgihgOINOVPYvIj0v/ixt2Kbwyw="
#define MRS "g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="
#define EVIDENCE(mre, mrs, pid, svn) \
	"{\"mrEnclave\":\"" mre "\",\"mrSigner\":\"" mrs "\",\"productId\":" \
	#pid ",\"svn\":" #svn "}"

static void test_sgx(void)
{
	static const char seed_data[] =
		"{\"mrEnclave\":[\"" MRE "\"],\"mrSigner\":[\"" MRS "\"],"
		"\"productId\":0,\"svn\":0}";
	static const char strict_data[] =
		"{\"mrEnclave\":[\"" MRE "\"],\"mrSigner\":[\"" MRS "\"],"
		"\"productId\":1,\"svn\":2}";
	struct rego_query *q = load("verdictd_sgxPolicy.rego", seed_data);
	struct rego_query *dflt, *strict;
	char *d = slurp("verdictd_sgxData.json");

	/* The seed's evidence against the seed's sgxData: both measurements
	 * listed, productId and svn >= 0. */
	CHECK(allow_is(q, EVIDENCE(MRE, MRS, 0, 0), "true"));
	/* The other distribution's enclave is not in mrEnclave: no
	 * mrEnclave_is_grant body holds, allow falls to its default. */
	CHECK(allow_is(q, EVIDENCE(MRE2, MRS, 0, 0), "false"));
	/* A foreign signer. */
	CHECK(allow_is(q, EVIDENCE(MRE, MRE2, 0, 0), "false"));
	/* A missing claim makes the comparison undefined, not an error. */
	CHECK(allow_is(q, "{\"mrEnclave\":\"" MRE "\",\"mrSigner\":\"" MRS "\",\"svn\":0}",
		       "false"));
	/* A string where a number is expected: "1" >= 0 is true in OPA's
	 * total order (strings sort after numbers), so the claims type
	 * matters; ours are numbers. */
	CHECK(allow_is(q, "{\"mrEnclave\":\"" MRE "\",\"mrSigner\":\"" MRS "\","
		       "\"productId\":\"0\",\"svn\":0}", "true"));
	/* No input at all. */
	CHECK(allow_is(q, NULL, "false"));

	/* verdictd's default data: empty lists accept any measurement. */
	dflt = load("verdictd_sgxPolicy.rego", d);
	CHECK(allow_is(dflt, EVIDENCE(MRE2, MRE2, 0, 0), "true"));
	/* ... but a negative svn is below the reference 0. */
	CHECK(allow_is(dflt, EVIDENCE(MRE2, MRE2, 0, -1), "false"));

	/* Minimum productId and svn. */
	strict = load("verdictd_sgxPolicy.rego", strict_data);
	CHECK(allow_is(strict, EVIDENCE(MRE, MRS, 1, 2), "true"));
	CHECK(allow_is(strict, EVIDENCE(MRE, MRS, 1, 1), "false"));
	CHECK(allow_is(strict, EVIDENCE(MRE, MRS, 0, 5), "false"));
	free(d);
	rego_query_free(q);
	rego_query_free(dflt);
	rego_query_free(strict);
}

static void test_csv(void)
{
	char *d = slurp("seed_csvData.json");
	struct rego_query *q = load("seed_csvPolicy.rego", d);
	struct rego_query *open = load("seed_csvPolicy.rego", "{\"measure\":[]}");

	/* The guide's firmware digest is the one reference measure. */
	CHECK(allow_is(q, "{\"measure\":\"OJXIhq3PHbknNmpAIy8YpUHOpY0wvGRXULOW8djVAZA=\"}",
		       "true"));
	/* The white paper's copy of the digest differs in two letters
	 * (l for I): refused. */
	CHECK(allow_is(q, "{\"measure\":\"OJXlhq3PHbknNmpAly8YpUHOpY0wvGRXULOW8djVAZA=\"}",
		       "false"));
	CHECK(allow_is(q, "{}", "false"));
	/* An empty reference list accepts any measure. */
	CHECK(allow_is(open, "{\"measure\":\"anything\"}", "true"));
	free(d);
	rego_query_free(q);
	rego_query_free(open);
}

#define SAMPLE(pid, svn) \
	"{\"submods\":{\"cpu0\":{\"ear.veraison.annotated-evidence\":" \
	"{\"sample\":{\"productId\":" pid ",\"svn\":" svn "}}}}}"

static void test_trustee(void)
{
	static const char data3[] =
		"{\"resource-path\":[\"myrepo\",\"secret\",\"secret1\"],\"plugin\":\"resource\"}";
	static const char data2[] =
		"{\"resource-path\":[\"myrepo\",\"secret\"],\"plugin\":\"resource\"}";
	static const char data_other[] =
		"{\"resource-path\":[\"myrepo\",\"secret\",\"secret3\"],\"plugin\":\"resource\"}";
	static const char data_wrong_plugin[] =
		"{\"resource-path\":[\"myrepo\",\"secret\",\"secret1\"],\"plugin\":\"other\"}";
	struct rego_query *q;
	const char *names[] = { "trustee_policy_1.rego", "trustee_policy_4.rego" };
	size_t i;

	/* 1 and 4: the resource path's second element must equal the
	 * sample productId ("secret" here). 4 adds blank lines and an
	 * unused rule, which must not change anything. */
	for (i = 0; i < 2; i++) {
		q = load(names[i], data3);
		CHECK(allow_is(q, SAMPLE("\"secret\"", "1"), "true"));
		CHECK(allow_is(q, SAMPLE("\"other\"", "1"), "false"));
		CHECK(allow_is(q, "{}", "false"));
		rego_query_free(q);
		/* a two-element path fails count(...) == 3 */
		q = load(names[i], data2);
		CHECK(allow_is(q, SAMPLE("\"secret\"", "1"), "false"));
		rego_query_free(q);
		q = load(names[i], data_wrong_plugin);
		CHECK(allow_is(q, SAMPLE("\"secret\"", "1"), "false"));
		rego_query_free(q);
	}
	/* 2 and 3: constant decisions. */
	q = load("trustee_policy_2.rego", data3);
	CHECK(allow_is(q, "{}", "true"));
	rego_query_free(q);
	q = load("trustee_policy_3.rego", data3);
	CHECK(allow_is(q, SAMPLE("\"secret\"", "9"), "false"));
	rego_query_free(q);

	/* 5: secret1 needs svn >= 2 (resources map), the path must be
	 * myrepo/secret/..., and the sample submodule must be there. */
	q = load("trustee_policy_5.rego", data3);
	CHECK(allow_is(q, SAMPLE("1", "3"), "true"));
	CHECK(allow_is(q, SAMPLE("1", "2"), "true"));
	CHECK(allow_is(q, SAMPLE("1", "1"), "false"));
	CHECK(allow_is(q, "{\"submods\":{\"cpu0\":{}}}", "false"));
	rego_query_free(q);
	/* secret3 has no minimum in resources: resources[...] is undefined */
	q = load("trustee_policy_5.rego", data_other);
	CHECK(allow_is(q, SAMPLE("1", "99"), "false"));
	rego_query_free(q);
}

/* One compiled query, several threads, different inputs: each thread must
 * see only its own decisions (no shared mutable state in evaluation). */
struct worker {
	struct rego_query *q;
	int id, bad;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct rego_error err;
	char in[256], want[8], *out;
	int i;

	for (i = 0; i < 2000; i++) {
		bool allow = (i + w->id) % 2 == 0;

		snprintf(in, sizeof(in), EVIDENCE("%s", MRS, 0, %d),
			 allow ? MRE : MRE2, w->id);
		snprintf(want, sizeof(want), "%s", allow ? "true" : "false");
		if (rego_query_eval(w->q, in, strlen(in), NULL, &out, &err) != REGO_DEFINED ||
		    strcmp(out, want) != 0)
			w->bad++;
		free(out);
	}
	return NULL;
}

static void test_threads(void)
{
	static const char data[] =
		"{\"mrEnclave\":[\"" MRE "\"],\"mrSigner\":[\"" MRS "\"],"
		"\"productId\":0,\"svn\":0}";
	struct rego_query *q = load("verdictd_sgxPolicy.rego", data);
	struct worker w[4];
	pthread_t t[4];
	int i, bad = 0;

	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ q, i, 0 };
		pthread_create(&t[i], NULL, work, &w[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].bad;
	}
	CHECK_MSG(bad == 0, "%d wrong decisions under concurrency", bad);
	rego_query_free(q);
}

int main(void)
{
	test_sgx();
	test_threads();
	test_csv();
	test_trustee();
	while (npolicies)
		rego_policy_free(policies[--npolicies]);
	return test_summary();
}
