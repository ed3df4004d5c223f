/* bench-decide - key-release decisions per second, as verdictd takes one
 * per handshake, before and after the decider (decide.h):
 *
 *   bench-decide [-n DECISIONS] [-t THREADS] [DATA_DIR]   (default tests/data)
 *
 * A state directory in /tmp holds the SGX policy bench-rego measures
 * (verdictd_sgxPolicy.rego with the seed's reference values). Each case is
 * run two ways in the same process:
 *
 *   per call: what vd_decide did before the decider, on every handshake:
 *             read the policy and reference values from the store (one
 *             snapshot), compile them, evaluate data.policy.allow on the
 *             claims (with the explanation of a refusal);
 *   decider:  vd_decide on a decider: the compiled policy shared, the two
 *             files stat'ed to see hand edits, the claims evaluated.
 *
 * "current" is vd_decision_current alone: what an open channel pays per
 * request to know its decision still holds. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"
#include "decide.h"
#include "file.h"
#include "store.h"
#include "sgx_vectors.h"

enum mode { PER_CALL, DECIDER, CURRENT };

struct job {
	struct vd_store *s;
	struct vd_decider *dc;
	const char *claims;
	bool want;
	long n;
	enum mode mode;
};

/* The body vd_decide had before the decider (the commit before it). */
static bool decide_per_call(struct vd_store *s, const char *claims, char *why,
			    size_t cap)
{
	struct vd_opa_doc doc;
	struct eaa_err err;
	char *decision = NULL;
	bool allow;

	if (!vd_opa_snapshot(s, VD_TEE_SGX, &doc, &err))
		bench_die("snapshot", err.msg);
	if (!vd_opa_check_why("sgxPolicy.rego", doc.policy, doc.plen, doc.data, doc.dlen,
			      claims, strlen(claims), &decision, why, cap, &err))
		bench_die("decide", err.msg);
	allow = strcmp(decision, "true") == 0;
	vd_explain_one_line(why, cap);
	free(decision);
	vd_opa_doc_free(&doc);
	return allow;
}

static void *run(void *arg)
{
	struct job *j = arg;
	struct vd_decision d;
	char why[1024];

	if (j->mode == CURRENT)
		vd_decide(j->dc, "sgx_ecdsa", j->claims, &d);
	for (long i = 0; i < j->n; i++) {
		if (j->mode == PER_CALL) {
			if (decide_per_call(j->s, j->claims, why, sizeof(why)) != j->want)
				bench_die("per call", why);
		} else if (j->mode == DECIDER) {
			vd_decide(j->dc, "sgx_ecdsa", j->claims, &d);
			if (d.allow != j->want || (!d.allow && !d.explain[0]))
				bench_die("decider", d.why);
		} else if (!vd_decision_current(j->dc, &d)) {
			bench_die("current", "a decision went stale");
		}
	}
	return NULL;
}

static double measure(struct job j, int threads)
{
	pthread_t tid[64];
	double t0 = bench_now();
	int i;

	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, run, &j) != 0)
			bench_die("pthread_create", "failed");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	return (double)j.n * threads / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	bool enabled[VD_TEE_COUNT] = { [VD_TEE_SGX] = true };
	const char *dir = "tests/data";
	char root[] = "/tmp/bench-decide-XXXXXX", path[1024], cmd[1100];
	struct eaa_err err;
	struct vd_store *s = NULL;
	struct vd_decider *dc;
	uint8_t *policy;
	size_t plen;
	long n = 20000;
	int threads = 1;

	if (!bench_policy_args(argc, argv, &n, &threads, &dir))
		return 2;
	snprintf(path, sizeof(path), "%s/policy/verdictd_sgxPolicy.rego", dir);
	if (!file_read(path, 1 << 20, &policy, &plen, &err))
		bench_die(path, err.msg);
	if (!mkdtemp(root) || !(s = vd_store_open(root, &err)) ||
	    !vd_opa_set(s, VD_TEE_SGX, true, sgx_data, strlen(sgx_data), &err) ||
	    !vd_opa_set(s, VD_TEE_SGX, false, (char *)policy, plen, &err))
		bench_die("state directory", err.msg);
	free(policy);
	if (!(dc = vd_decider_new(s, enabled)))
		bench_die("decider", "out of memory");
	/* warm up, and check both ways agree */
	measure((struct job){ s, dc, sgx_ok, true, 100, PER_CALL }, 1);
	measure((struct job){ s, dc, sgx_ok, true, 100, DECIDER }, 1);
	{
		double pa = measure((struct job){ s, dc, sgx_ok, true, n / 10 + 1, PER_CALL }, threads);
		double da = measure((struct job){ s, dc, sgx_ok, true, n, DECIDER }, threads);
		double pr = measure((struct job){ s, dc, sgx_bad, false, n / 10 + 1, PER_CALL }, threads);
		double dr = measure((struct job){ s, dc, sgx_bad, false, n, DECIDER }, threads);
		double cu = measure((struct job){ s, dc, sgx_ok, true, n, CURRENT }, threads);

		printf("threads %d, %ld decisions per thread and case (%ld per call)\n",
		       threads, n, n / 10 + 1);
		printf("sgx allow   per call %10.0f/s   decider %10.0f/s   %5.1fx\n", pa, da, da / pa);
		printf("sgx refuse  per call %10.0f/s   decider %10.0f/s   %5.1fx\n", pr, dr, dr / pr);
		printf("current                          %10.0f/s\n", cu);
	}
	printf("compilations by the decider: %llu\n",
	       (unsigned long long)vd_decider_compilations(dc));
	vd_decider_free(dc);
	vd_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : 1;
}
