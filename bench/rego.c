/* bench-rego - policy evaluations per second: the seeds' SGX and CSV
 * policies with their reference data, compiled once and evaluated many
 * times, as verdictd does per connection.
 *
 *   bench-rego [-n EVALS] [-t THREADS] [DATA_DIR]     (default tests/data)
 *
 * Each evaluation parses the input JSON (the claims), runs
 * data.policy.allow and prints the decision as JSON: the whole per-request
 * cost. Accepted and refused inputs are measured separately, since a
 * refusal tries every body before falling to the default. With -t, that
 * many threads evaluate the same compiled query at once. "sgx explain"
 * is a refusal as verdictd takes it: the decision plus its
 * explanation (rego_query_eval_explain). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "bench.h"
#include "eaa/rego.h"
#include "file.h"
#include "sgx_vectors.h"

static char *slurp(const char *dir, const char *name)
{
	char path[1024];
	struct eaa_err err;
	uint8_t *buf;
	size_t n;

	snprintf(path, sizeof(path), "%s/policy/%s", dir, name);
	if (!file_read(path, 1 << 20, &buf, &n, &err))
		bench_die(path, err.msg);
	return (char *)buf;
}

static struct rego_query *compile(const char *dir, const char *policy,
				  const char *data, struct rego_policy **pp)
{
	struct rego_builder *b = rego_builder_new();
	struct rego_error err;
	struct rego_query *q = NULL;
	char *src = slurp(dir, policy);

	if (!rego_builder_add_module(b, policy, src, strlen(src), REGO_SYNTAX_AUTO,
				     &err) ||
	    !rego_builder_set_data(b, data, strlen(data), &err))
		bench_die(policy, err.msg);
	free(src);
	*pp = rego_builder_compile(b, &err);
	if (!*pp || !(q = rego_query_compile(*pp, "data.policy.allow", &err)))
		bench_die(policy, err.msg);
	return q;
}

struct job {
	const struct rego_query *q;
	const char *input, *want;
	long n;
	bool explain;
};

static void *run(void *arg)
{
	struct job *j = arg;
	struct rego_error err;
	size_t len = strlen(j->input);
	char *out;

	char why[REGO_EXPLAIN_CAP];

	for (long i = 0; i < j->n; i++) {
		if ((j->explain ?
		     rego_query_eval_explain(j->q, j->input, len, NULL, &out, why,
					     sizeof(why), &err) :
		     rego_query_eval(j->q, j->input, len, NULL, &out, &err)) != REGO_DEFINED)
			bench_die("eval", err.msg);
		if (j->explain && !strstr(why, "is false"))
			bench_die("explain", why);
		if (strcmp(out, j->want) != 0)
			bench_die("eval", out);
		free(out);
	}
	return NULL;
}

static double measure(const struct rego_query *q, const char *input,
		      const char *want, long n, int threads, bool explain)
{
	pthread_t tid[64];
	struct job j = { q, input, want, n, explain };
	double t0 = bench_now();
	int i;

	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, run, &j) != 0)
			bench_die("pthread_create", "failed");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return (double)n * threads / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	static const char csv_ok[] =
		"{\"measure\":\"OJXIhq3PHbknNmpAIy8YpUHOpY0wvGRXULOW8djVAZA=\"}";
	static const char csv_bad[] =
		"{\"measure\":\"OJXlhq3PHbknNmpAly8YpUHOpY0wvGRXULOW8djVAZA=\"}";
	const char *dir = "tests/data";
	struct rego_policy *sp, *cp;
	struct rego_query *sq, *cq;
	long n = 200000;
	int threads = 1;
	char *csv_data;

	if (!bench_policy_args(argc, argv, &n, &threads, &dir))
		return 2;
	csv_data = slurp(dir, "seed_csvData.json");
	sq = compile(dir, "verdictd_sgxPolicy.rego", sgx_data, &sp);
	cq = compile(dir, "seed_csvPolicy.rego", csv_data, &cp);
	/* warm up */
	measure(sq, sgx_ok, "true", 1000, 1, false);
	printf("threads %d, %ld evaluations per thread and case\n", threads, n);
	printf("sgx allow  %10.0f evals/s\n", measure(sq, sgx_ok, "true", n, threads, false));
	printf("sgx deny   %10.0f evals/s\n", measure(sq, sgx_bad, "false", n, threads, false));
	printf("sgx explain%10.0f evals/s\n",
	       measure(sq, sgx_bad, "false", n, threads, true));
	printf("csv allow  %10.0f evals/s\n", measure(cq, csv_ok, "true", n, threads, false));
	printf("csv deny   %10.0f evals/s\n", measure(cq, csv_bad, "false", n, threads, false));
	rego_query_free(sq);
	rego_query_free(cq);
	rego_policy_free(sp);
	rego_policy_free(cp);
	free(csv_data);
	return 0;
}
