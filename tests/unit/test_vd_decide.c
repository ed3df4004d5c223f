/* test_vd_decide.c - the decider (decide.h): each TEE's policy compiled
 * once and again only when it changed (a store write, a hand edit), never
 * replaced by one that does not compile, refusing every peer with the
 * compile error when there is none, and shared by threads deciding while
 * the policy is swapped, each decision over one state of the store. */
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "decide.h"
#include "edits.h"
#include "file.h"
#include "store.h"
#include "test.h"
#include "log_capture.h"

static char root[64];

static const char policy_a[] =
	"package policy\nimport rego.v1\ndefault allow := false\n"
	"allow if input.m == data.m\n";
/* the same rule, another text: allow only when m is not data's */
static const char policy_b[] =
	"package policy\nimport rego.v1\ndefault allow := false\n"
	"allow if input.m != data.m\n";
static const char broken[] = "package policy\nallow := \n";
static const char data_m1[] = "{\"m\": \"m1\"}";
static const char claims_m1[] = "{\"m\":\"m1\"}";

static int count_of(const char *s, const char *what)
{
	int n = 0;

	for (; (s = strstr(s, what)); s += strlen(what))
		n++;
	return n;
}

/* A hand edit: the file rewritten in place (same inode) or replaced. */
static bool hand_write(const char *rel, const char *text, bool in_place)
{
	char path[256];
	struct eaa_err err;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (!in_place)
		return file_write_atomic(path, text, strlen(text), 0600, &err);
	if (!(f = fopen(path, "w")))
		return false;
	fputs(text, f);
	return fclose(f) == 0;
}

static bool link_or_fail(const char *from, const char *to)
{
	unlink(to);
	return link(from, to) == 0;
}

static struct vd_store *fresh_store(void)
{
	struct eaa_err err;
	struct vd_store *s;

	test_rm_rf(root);
	s = vd_store_open(root, &err);
	CHECK_MSG(s && vd_store_install_defaults(s, &err), "%s", err.msg);
	return s;
}

static struct vd_decider *sample_decider(struct vd_store *s)
{
	bool enabled[VD_TEE_COUNT] = { false };

	enabled[VD_TEE_SAMPLE] = true;
	return vd_decider_new(s, enabled);
}

/* Compiled once; a write elsewhere in the store re-reads but does not
 * recompile; a policy write does; the record says what decided. */
static void test_compile_once(void)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	uint8_t key[VD_KEY_LEN] = { 7 };
	struct vd_decision d;
	struct eaa_err err;
	uint64_t serial;
	int i;

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	CHECK(vd_decider_compilations(dc) == 0);
	for (i = 0; i < 100; i++)
		vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(vd_decider_compilations(dc) == 1, "%llu",
		  (unsigned long long)vd_decider_compilations(dc));
	CHECK_MSG(d.allow && d.tee == VD_TEE_SAMPLE && d.serial != 0 &&
		  strcmp(d.policy, "samplePolicy.rego") == 0 &&
		  d.claims == claims_m1 && strcmp(d.verifier, "sample") == 0 &&
		  d.generation == vd_store_generation(s) &&
		  strcmp(d.why, "samplePolicy.rego allows it") == 0, "%s", d.why);
	CHECK(vd_decision_current(dc, &d));
	serial = d.serial;
	/* a key write: every decision is stale, but the policy is the same */
	CHECK(vd_key_set(s, "k", key, &err));
	CHECK(!vd_decision_current(dc, &d));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK(d.allow && d.serial == serial && vd_decision_current(dc, &d));
	CHECK(vd_decider_compilations(dc) == 1);
	/* a policy write: compiled again, and the old decision is stale */
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_b, strlen(policy_b), &err));
	CHECK(!vd_decision_current(dc, &d));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(!d.allow && d.serial > serial &&
		  strcmp(d.why, "samplePolicy.rego says allow = false") == 0, "%s", d.why);
	CHECK(vd_decider_compilations(dc) == 2);
	/* a TEE not enabled asks no policy */
	vd_decide(dc, "tdx", "{}", &d);
	CHECK_MSG(!d.allow && d.serial == 0 && strstr(d.why, "not enabled"), "%s", d.why);
	CHECK(vd_decider_compilations(dc) == 2);
	vd_decider_free(dc);
	vd_store_close(s);
}

/* With opa/ watched (verdictd's case), an edit that has finished is
 * counted by the next look: no waiting. */
static void seen(struct vd_store *s, bool watched, uint64_t before)
{
	if (watched)
		CHECK_MSG(vd_store_edits(s) != before, "the watch did not count an edit");
}

/* An edit behind the store's back (no generation change) is seen by its
 * inode, size or mtime: by the next decision and by an open channel's
 * currency check. Watched, the files are stat'ed only after the watch
 * counted a change; the same edits are seen. */
static void test_hand_edit(bool watched)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	struct vd_decision d;
	struct eaa_err err;
	uint64_t g, e;

	CHECK(!watched || vd_store_watch_edits(s, &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK(d.allow && vd_decider_compilations(dc) == 1);
	g = vd_store_generation(s);
	/* replaced (a new inode) */
	e = vd_store_edits(s);
	CHECK(!watched || e != VD_EDITS_UNKNOWN);
	CHECK(hand_write("opa/samplePolicy.rego", policy_b, false));
	seen(s, watched, e);
	CHECK(vd_store_generation(s) == g);
	CHECK(!vd_decision_current(dc, &d));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(!d.allow && vd_decider_compilations(dc) == 2, "%s", d.why);
	/* rewritten in place (same inode, another size) */
	e = vd_store_edits(s);
	CHECK(hand_write("opa/samplePolicy.rego", policy_a, true) &&
	      hand_write("opa/sampleData", "{\"m\": \"m1\", \"x\": 1}", true));
	seen(s, watched, e);
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(d.allow && vd_decider_compilations(dc) == 3, "%s", d.why);
	CHECK(vd_decision_current(dc, &d));
	/* removed: every peer refused, with the store's reason */
	e = vd_store_edits(s);
	CHECK(unlink(strcat(strcpy((char[128]){ 0 }, root), "/opa/sampleData")) == 0);
	seen(s, watched, e);
	CHECK(!vd_decision_current(dc, &d));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(!d.allow && d.serial == 0 && strstr(d.why, "no sample reference values in"),
		  "%s", d.why);
	vd_decider_free(dc);
	vd_store_close(s);
}

/* The watch's limits: an edit through a hard link outside opa/ is seen
 * (each file is watched as an inode), and what it cannot see makes it
 * blind, so the caches stat again: a symbolic link in opa/, opa/
 * removed. */
static void test_watch_limits(void)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	char path[300], link[300];
	struct vd_decision d;
	struct eaa_err err;
	uint64_t e;
	FILE *f;

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	snprintf(path, sizeof(path), "%s/opa/samplePolicy.rego", root);
	snprintf(link, sizeof(link), "%s/elsewhere.rego", root);
	CHECK(link_or_fail(path, link));
	CHECK(vd_store_watch_edits(s, &err));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK(d.allow && vd_decision_current(dc, &d));
	/* edited in place through the other name */
	e = vd_store_edits(s);
	CHECK(e != VD_EDITS_UNKNOWN);
	CHECK((f = fopen(link, "w")) && fputs(policy_b, f) >= 0 && fclose(f) == 0);
	seen(s, true, e);
	CHECK_MSG(!vd_decision_current(dc, &d), "an edit through a hard link was not seen");
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK(!d.allow);
	/* a symbolic link appears in opa/: blind from then on */
	snprintf(path, sizeof(path), "%s/opa/other", root);
	CHECK(symlink(link, path) == 0);
	CHECK_MSG(vd_store_edits(s) == VD_EDITS_UNKNOWN, "a symbolic link left the watch trusted");
	vd_decider_free(dc);
	vd_store_close(s);
	/* present at start: blind at once */
	s = fresh_store();
	snprintf(path, sizeof(path), "%s/opa/other", root);
	CHECK(symlink(link, path) == 0);
	CHECK(vd_store_watch_edits(s, &err));
	CHECK(vd_store_edits(s) == VD_EDITS_UNKNOWN);
	vd_store_close(s);
	/* opa/ itself removed */
	s = fresh_store();
	CHECK(vd_store_watch_edits(s, &err));
	CHECK(vd_store_edits(s) != VD_EDITS_UNKNOWN);
	snprintf(path, sizeof(path), "%s/opa", root);
	test_rm_rf(path);
	CHECK_MSG(vd_store_edits(s) == VD_EDITS_UNKNOWN, "a removed opa/ left the watch trusted");
	vd_store_close(s);
	unlink(link);
}

/* A policy that does not compile never replaces the working one, and is
 * said once per change, not per decision. */
static void test_broken_keeps_old(void)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	uint8_t key[VD_KEY_LEN] = { 7 };
	struct vd_decision d, before;
	struct eaa_err err;
	const char *log;
	int i;

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	vd_decide(dc, "sample", claims_m1, &before);
	CHECK(before.allow);
	/* the store itself refuses it */
	CHECK(!vd_opa_set(s, VD_TEE_SAMPLE, false, broken, strlen(broken), &err));
	log_begin_in(root);
	CHECK(hand_write("opa/samplePolicy.rego", broken, false));
	for (i = 0; i < 5; i++)
		vd_decide(dc, "sample", claims_m1, &d);
	/* an unrelated write re-reads the same broken text: not again */
	CHECK(vd_key_set(s, "k", key, &err));
	vd_decide(dc, "sample", claims_m1, &d);
	log = log_end();
	CHECK_MSG(d.allow && d.serial == before.serial, "%s", d.why);
	CHECK_MSG(count_of(log, "samplePolicy.rego (generation ") == 1 &&
		  strstr(log, "does not compile, so the policy compiled before decides on: "
			 "samplePolicy.rego:3:1: unexpected end of file") && count_of(log, "\n") == 1, "%s", log);
	CHECK_MSG(vd_decider_compilations(dc) == 2, "%llu",
		  (unsigned long long)vd_decider_compilations(dc));
	/* a decision taken under the working policy stays current */
	CHECK(vd_decision_current(dc, &d));
	vd_decider_free(dc);
	vd_store_close(s);
}

/* Broken at start: no working policy, so every peer of that TEE is
 * refused with the compile error; fixed by hand, it decides again. */
static void test_broken_at_start(void)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc;
	struct vd_decision d;
	struct eaa_err err;
	char line[1200];
	const char *log;

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(hand_write("opa/samplePolicy.rego", broken, false));
	dc = sample_decider(s);
	log_begin_in(root);
	vd_describe_tee(dc, VD_TEE_SAMPLE, line, sizeof(line));
	vd_decide(dc, "sample", claims_m1, &d);
	log = log_end();
	CHECK_MSG(strncmp(line, "sample: refuses every peer: ", 28) == 0 &&
		  strstr(line, "/opa/samplePolicy.rego does not compile: samplePolicy.rego:3:1: unexpected end of file"),
		  "%s", line);
	CHECK_MSG(!d.allow && d.serial == 0 &&
		  strcmp(d.why, "does not compile: samplePolicy.rego:3:1: unexpected end of file, expected a term") == 0, "%s", d.why);
	CHECK_MSG(count_of(log, "every sample peer is refused until it does") == 1, "%s", log);
	CHECK(vd_decider_compilations(dc) == 1);
	CHECK(hand_write("opa/samplePolicy.rego", policy_a, false));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK_MSG(d.allow && vd_decider_compilations(dc) == 2, "%s", d.why);
	vd_decider_free(dc);
	vd_store_close(s);
}

/* The check before each request: served only while the record allows
 * and is current; a stale allow is decided again first, on the record's
 * own claims; a refusal never turns back into an allow. */
static void test_holds(void)
{
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	uint8_t key[VD_KEY_LEN] = { 7 };
	struct vd_decision d;
	struct eaa_err err;
	char claims[32];
	bool again;

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	/* the record's claims are the caller's, not copied */
	snprintf(claims, sizeof(claims), "%s", claims_m1);
	vd_decide(dc, "sample", claims, &d);
	CHECK(vd_decision_holds(dc, &d, &again) && !again);
	CHECK(vd_key_set(s, "k", key, &err));
	CHECK(vd_decision_holds(dc, &d, &again) && again && d.allow && d.claims == claims &&
	      vd_decision_current(dc, &d));
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_b, strlen(policy_b), &err));
	CHECK(!vd_decision_holds(dc, &d, &again) && again && !d.allow);
	CHECK_MSG(strcmp(d.why, "samplePolicy.rego says allow = false") == 0, "%s", d.why);
	CHECK(!vd_decision_holds(dc, &d, &again) && !again);
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_a, strlen(policy_a), &err));
	CHECK(!vd_decision_holds(dc, &d, &again) && !again && !d.allow);
	/* a hand edit that refuses revokes too */
	vd_decide(dc, "sample", claims, &d);
	CHECK(d.allow && hand_write("opa/samplePolicy.rego", policy_b, false));
	CHECK(!vd_decision_holds(dc, &d, &again) && again && !d.allow);
	vd_decider_free(dc);
	vd_store_close(s);
}

/* ---- deciding on many threads while the policy is swapped ---- */

/* Each policy and data carry a number; allow is the pair "P<i>/D<j>", so
 * a refusal's reason shows which policy decided with which data. A write
 * of policy i+1 follows data i, so the store only ever holds P<i>/D<i> or
 * P<i+1>/D<i>: anything else was read from two states. */
struct race {
	struct vd_store *s;
	struct vd_decider *dc;
	atomic_bool done;
	atomic_int bad, decisions;
	char first_bad[700];
};

static void *decider_thread(void *arg)
{
	struct race *r = arg;
	struct vd_decision d;
	uint64_t last_serial = 0;
	int n = 0, p, q;

	while (!r->done || n < 200) {
		vd_decide(r->dc, "sample", "{}", &d);
		n++;
		if (d.allow || sscanf(d.why, "samplePolicy.rego says allow = \"P%d/D%d\"",
				      &p, &q) != 2 || (p != q && p != q + 1) ||
		    d.serial < last_serial) {
			if (r->bad++ == 0)
				snprintf(r->first_bad, sizeof(r->first_bad), "%s (serial %llu after %llu)",
					 d.why, (unsigned long long)d.serial,
					 (unsigned long long)last_serial);
		}
		last_serial = d.serial;
	}
	r->decisions += n;
	return NULL;
}

static void test_threads(void)
{
	struct race r = { .s = fresh_store() };
	pthread_t th[4];
	struct eaa_err err;
	char text[200];
	uint64_t before;
	int i;

	snprintf(text, sizeof(text), "{\"n\": 0}");
	CHECK(vd_opa_set(r.s, VD_TEE_SAMPLE, true, text, strlen(text), &err));
	snprintf(text, sizeof(text), "package policy\nallow := sprintf(\"P%%d/D%%d\", [0, data.n])\n");
	CHECK(vd_opa_set(r.s, VD_TEE_SAMPLE, false, text, strlen(text), &err));
	r.dc = sample_decider(r.s);
	for (i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, decider_thread, &r);
	for (i = 1; i <= 40; i++) {
		snprintf(text, sizeof(text), "package policy\nallow := sprintf(\"P%%d/D%%d\", "
			 "[%d, data.n])\n", i);
		CHECK_MSG(vd_opa_set(r.s, VD_TEE_SAMPLE, false, text, strlen(text), &err),
			  "%s", err.msg);
		snprintf(text, sizeof(text), "{\"n\": %d}", i);
		CHECK(vd_opa_set(r.s, VD_TEE_SAMPLE, true, text, strlen(text), &err));
	}
	r.done = true;
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	CHECK_MSG(r.bad == 0, "%d of %d decisions inconsistent, first: %s", (int)r.bad,
		  (int)r.decisions, r.first_bad);
	/* the last state decides, compiled at most once per write */
	before = vd_decider_compilations(r.dc);
	{
		struct vd_decision d;

		vd_decide(r.dc, "sample", "{}", &d);
		CHECK_MSG(strcmp(d.why, "samplePolicy.rego says allow = \"P40/D40\"") == 0,
			  "%s", d.why);
	}
	CHECK_MSG(before <= 81 && vd_decider_compilations(r.dc) == before,
		  "%llu", (unsigned long long)before);
	vd_decider_free(r.dc);
	vd_store_close(r.s);
}

/* The built-in defaults' trust vectors (docs/kbs-protocol.md 9.4): once a
 * TEE's reference values are listed and its policy allows a peer, the
 * vector is trustee's best for that TEE (executables 3, hardware 2,
 * configuration 2; a TPM's configuration 0), status affirming; a peer
 * whose TCB is not accepted (refused by allow) would get hardware 97; a
 * custom policy's vector is checked for names and range. */
struct trust_case {
	enum vd_tee tee;
	const char *verifier, *data, *claims;
	int executables, hardware, configuration;
	const char *status;
};

static void test_trust_defaults(void)
{
	static const struct trust_case cases[] = {
		{ VD_TEE_SAMPLE, "sample", "{\"measurement\": [\"m1\"], \"svn\": 1}",
		  "{\"measurement\": \"m1\", \"svn\": 2}", 3, 2, 2, "affirming" },
		{ VD_TEE_SGX, "sgx_ecdsa", "{\"mrEnclave\": [\"e1\"], \"mrSigner\": [], \"productId\": 0, "
		  "\"svn\": 0, \"tcbStatus\": [\"UpToDate\"]}", "{\"mrEnclave\": \"e1\", \"mrSigner\": \"s\", "
		  "\"productId\": 1, \"svn\": 1, \"debug\": false, \"tcb_status\": \"UpToDate\"}",
		  3, 2, 2, "affirming" },
		{ VD_TEE_TDX, "tdx_ecdsa", "{\"measurements\": {\"mr_td\": [\"t1\"]}, "
		  "\"settings\": {\"tcbStatus\": [\"UpToDate\"]}}",
		  "{\"mr_td\": \"t1\", \"td_debug\": false, \"tcb_status\": \"UpToDate\"}", 3, 2, 2,
		  "affirming" },
		{ VD_TEE_SNP, "sev_snp", "{\"measurements\": {\"measurement\": [\"m1\"]}, \"minimum_tcb\": "
		  "{\"snp\": 20}}", "{\"measurement\": \"m1\", \"policy_debug_allowed\": false, "
		  "\"reported_tcb_bootloader\": 9, \"reported_tcb_tee\": 0, \"reported_tcb_snp\": 23, "
		  "\"reported_tcb_microcode\": 72}", 3, 2, 2, "affirming" },
		{ VD_TEE_CSV, "csv", "{\"measure\": [\"c1\"]}",
		  "{\"measure\": \"c1\", \"policy_nodbg\": true, \"serial_number\": \"NZA9\"}", 3, 2, 2,
		  "affirming" },
		/* a serial number nobody vouched for: hardware not recognised */
		{ VD_TEE_CSV, "csv", "{\"measure\": [\"c1\"]}",
		  "{\"measure\": \"c1\", \"policy_nodbg\": true, \"serial_number_unverified\": \"NZA9\"}",
		  3, 97, 2, "contraindicated" },
		{ VD_TEE_TPM, "tpm", "{\"pcrs\": {\"pcr16\": [\"00\"]}}", "{\"pcr16\": \"00\"}", 3, 2, 0,
		  "affirming" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct trust_case *c = &cases[i];
		bool enabled[VD_TEE_COUNT] = { false };
		struct vd_store *s = fresh_store();
		struct vd_decider *dc;
		struct vd_decision d;
		struct eaa_err err;
		int vec[VD_TRUST_CLAIMS];
		const char *status = "";
		char why[300] = "";

		enabled[c->tee] = true;
		dc = vd_decider_new(s, enabled);
		CHECK_MSG(vd_opa_set(s, c->tee, true, c->data, strlen(c->data), &err), "%s: %s",
			  c->verifier, err.msg);
		vd_decide(dc, c->verifier, c->claims, &d);
		CHECK_MSG(d.allow, "%s (%zu): %s %s", c->verifier, i, d.why, d.explain);
		CHECK_MSG(vd_trust_vector(dc, &d, vec, &status, why, sizeof(why)), "%s: %s",
			  c->verifier, why);
		/* vec: instance-identity, configuration, executables, file-system, hardware, ... */
		CHECK_MSG(vec[2] == c->executables && vec[4] == c->hardware &&
			  vec[1] == c->configuration && vec[0] == 0 && vec[3] == 0 && vec[5] == 0 &&
			  vec[6] == 0 && vec[7] == 0 && strcmp(status, c->status) == 0,
			  "%s (%zu): executables %d hardware %d configuration %d status %s", c->verifier,
			  i, vec[2], vec[4], vec[1], status);
		vd_decider_free(dc);
		vd_store_close(s);
	}
}

/* A custom policy's trust_claims: a claim outside the eight, a value out
 * of range and a non-object refused; the policy replaced since the
 * decision refused (decide again). */
static void test_trust_custom(void)
{
	static const char *const bad[] = {
		"trust_claims := {\"hw\": 2}", "trust_claims := {\"hardware\": 128}",
		"trust_claims := [2]",
	};
	struct vd_store *s = fresh_store();
	struct vd_decider *dc = sample_decider(s);
	struct vd_decision d;
	struct eaa_err err;
	int vec[VD_TRUST_CLAIMS];
	const char *status = "";
	char why[300], text[300];

	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, true, data_m1, strlen(data_m1), &err));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", policy_a, bad[i]);
		CHECK_MSG(vd_opa_set(s, VD_TEE_SAMPLE, false, text, strlen(text), &err), "%s", err.msg);
		vd_decide(dc, "sample", claims_m1, &d);
		why[0] = '\0';
		CHECK_MSG(d.allow && !vd_trust_vector(dc, &d, vec, &status, why, sizeof(why)) &&
			  strstr(why, "trust_claims"), "%s: %s", bad[i], why);
	}
	snprintf(text, sizeof(text), "%strust_claims := {\"executables\": -2}\n", policy_a);
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, text, strlen(text), &err));
	vd_decide(dc, "sample", claims_m1, &d);
	CHECK(vd_trust_vector(dc, &d, vec, &status, why, sizeof(why)) && vec[2] == -2 &&
	      strcmp(status, "affirming") == 0);
	CHECK(vd_opa_set(s, VD_TEE_SAMPLE, false, policy_b, strlen(policy_b), &err));
	CHECK_MSG(!vd_trust_vector(dc, &d, vec, &status, why, sizeof(why)) &&
		  strstr(why, "decide again"), "replaced: %s", why);
	vd_decider_free(dc);
	vd_store_close(s);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/vd-decide-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_compile_once();
	test_hand_edit(false);
	test_hand_edit(true);
	test_watch_limits();
	test_broken_keeps_old();
	test_broken_at_start();
	test_holds();
	test_threads();
	test_trust_defaults();
	test_trust_custom();
	test_rm_rf(root);
	return test_summary();
}
