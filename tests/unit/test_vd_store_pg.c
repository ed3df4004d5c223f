/* test_vd_store_pg.c - the PostgreSQL store as two replicas see it: two
 * stores opened on one database (with_pg.sh gives its URL and master key
 * in EAA_TEST_PG_URL and EAA_TEST_STORE_KEY), threads writing through both.
 *
 *   - writers of both are serialised: 4 threads setting reference values
 *     field by field through two stores lose none of 200 updates (a
 *     read-modify-write that was not one locked transaction would);
 *   - a kid created at once through both exists once: one of the two is
 *     told it exists;
 *   - a write through one moves the other's generation, at once for a
 *     read (the value carries its generation) and within 1 s without one
 *     (NOTIFY);
 *   - a KBS session's nonce taken at once through both is taken once;
 *   - sessions past their end are gone, and the bound on live ones holds. */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store.h"
#include "store_pg.h"
#include "test.h"

#define THREADS 4
#define EACH 50

static struct vd_store *a, *b;

struct writer {
	struct vd_store *s;
	int id, failed;
};

static void *set_fields(void *arg)
{
	struct writer *w = arg;
	struct eaa_err err;

	for (int i = 0; i < EACH; i++) {
		char name[32];
		json_t *f = json_object();

		snprintf(name, sizeof(name), "w%d_%d", w->id, i);
		json_object_set_new(f, name, json_integer(i));
		if (!vd_opa_set_fields(w->s, VD_TEE_TPM, f, &err)) {
			fprintf(stderr, "writer %d: %s\n", w->id, err.msg);
			w->failed++;
		}
		json_decref(f);
	}
	return NULL;
}

static void test_no_lost_update(void)
{
	pthread_t t[THREADS];
	struct writer w[THREADS];
	struct eaa_err err;
	char *text = NULL;
	size_t n = 0;
	json_t *doc;
	int i, failed = 0;

	CHECK(vd_opa_set(a, VD_TEE_TPM, true, "{}", 2, &err));
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct writer){ i % 2 ? b : a, i, 0 };
		pthread_create(&t[i], NULL, set_fields, &w[i]);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		failed += w[i].failed;
	}
	CHECK(failed == 0);
	CHECK(vd_opa_get(b, VD_TEE_TPM, true, &text, &n, &err));
	doc = text ? json_loadb(text, n, 0, NULL) : NULL;
	CHECK_MSG(doc && json_object_size(doc) == THREADS * EACH, "%zu of %d fields kept",
		  doc ? json_object_size(doc) : 0, THREADS * EACH);
	json_decref(doc);
	free(text);
}

struct creator {
	struct vd_store *s;
	bool ok;
	char why[256];
};

static void *create_kid(void *arg)
{
	struct creator *c = arg;
	struct eaa_err err = { 0 };

	c->ok = vd_key_create(c->s, "race/key/1", &err);
	snprintf(c->why, sizeof(c->why), "%s", err.msg);
	return NULL;
}

static void test_create_once(void)
{
	for (int round = 0; round < 10; round++) {
		struct creator c[2] = { { a, false, "" }, { b, false, "" } };
		pthread_t t[2];
		struct eaa_err err;

		pthread_create(&t[0], NULL, create_kid, &c[0]);
		pthread_create(&t[1], NULL, create_kid, &c[1]);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		CHECK_MSG(c[0].ok != c[1].ok, "round %d: %d %d", round, c[0].ok, c[1].ok);
		CHECK(strstr(c[0].ok ? c[1].why : c[0].why, "exists") != NULL);
		CHECK(vd_key_delete(a, "race/key/1", &err));
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_generation(void)
{
	static const uint8_t key[VD_KEY_LEN] = "0123456789abcdef0123456789abcdef";
	uint8_t got[VD_KEY_LEN];
	struct eaa_err err;
	uint64_t g;
	double t0;

	/* a read carries the database's generation: at once */
	CHECK(vd_key_set(a, "gen/key/1", key, &err));
	g = vd_store_generation(b);
	CHECK(vd_key_set(a, "gen/key/1", key, &err));
	CHECK(vd_key_get(b, "gen/key/1", got, &err) && memcmp(got, key, sizeof(got)) == 0);
	CHECK_MSG(vd_store_generation(b) != g, "a read did not move the generation");
	/* without a read: the notification, well within 1 s */
	g = vd_store_generation(b);
	CHECK(vd_key_delete(a, "gen/key/1", &err));
	t0 = now();
	while (vd_store_generation(b) == g && now() - t0 < 2)
		usleep(1000); /* a bounded wait for the condition, not its cause */
	CHECK_MSG(now() - t0 < 1.0, "another store's write seen after %.3f s", now() - t0);
	/* vd_store_sync reads it without waiting */
	g = vd_store_generation(b);
	CHECK(vd_key_set(a, "gen/key/2", key, &err));
	CHECK(vd_store_sync(b, &err) && vd_store_generation(b) != g);
}

static char *take(const char *json, void *arg)
{
	json_t *o = json_loads(json, 0, NULL);
	char *out = NULL;

	if (o && json_string_length(json_object_get(o, "nonce"))) {
		*(bool *)arg = true;
		json_object_set_new(o, "nonce", json_string(""));
		out = json_dumps(o, JSON_COMPACT);
	}
	json_decref(o);
	return out;
}

struct taker {
	struct vd_store *s;
	const char *id;
	bool took;
};

static void *take_nonce(void *arg)
{
	struct taker *t = arg;
	struct eaa_err err = { 0 };
	bool missing;

	vd_pg_session_edit(vd_store_pg(t->s), t->id, time(NULL), take, &t->took, &missing, &err);
	return NULL;
}

static void test_sessions(void)
{
	struct vd_pg *pa = vd_store_pg(a), *pb = vd_store_pg(b);
	int64_t t = time(NULL);
	struct eaa_err err;
	char *json = NULL, id[33];
	bool missing;
	int round;

	CHECK(vd_pg_session_new(pa, "00000000000000000000000000000001", t + 60, t, 100,
				"{\"nonce\":\"n\"}", &err));
	CHECK(!vd_pg_session_new(pb, "00000000000000000000000000000001", t + 60, t, 100,
				 "{\"nonce\":\"m\"}", &err));
	CHECK(vd_pg_session_get(pb, "00000000000000000000000000000001", t, &json, &missing, &err) &&
	      strcmp(json, "{\"nonce\":\"n\"}") == 0);
	free(json);
	json = NULL;
	/* a nonce taken at once through both replicas is taken once */
	for (round = 0; round < 10; round++) {
		struct taker k[2] = { { a, id, false }, { b, id, false } };
		pthread_t th[2];

		snprintf(id, sizeof(id), "%032x", 100 + round);
		CHECK(vd_pg_session_new(pa, id, t + 60, t, 100, "{\"nonce\":\"n\"}", &err));
		pthread_create(&th[0], NULL, take_nonce, &k[0]);
		pthread_create(&th[1], NULL, take_nonce, &k[1]);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		CHECK_MSG(k[0].took != k[1].took, "round %d: took %d %d", round, k[0].took,
			  k[1].took);
	}
	/* ended: gone for readers, and not counted against the bound */
	CHECK(vd_pg_session_new(pa, "00000000000000000000000000000003", t + 1, t, 100, "{}", &err));
	CHECK(!vd_pg_session_get(pb, "00000000000000000000000000000003", t + 1, &json, &missing,
				 &err) && missing);
	/* 12 live now: a bound of 12 refuses the next, a bound of 13 takes it */
	CHECK(!vd_pg_session_new(pa, "00000000000000000000000000000004", t + 60, t, 12, "{}", &err));
	CHECK(vd_pg_session_new(pa, "00000000000000000000000000000004", t + 60, t, 13, "{}", &err));
}

int main(void)
{
	const char *url = getenv("EAA_TEST_PG_URL"), *key = getenv("EAA_TEST_STORE_KEY");
	struct eaa_err err;

	if (!url || !key) {
		fprintf(stderr, "run under tests/integration/with_pg.sh\n");
		return 2;
	}
	CHECK_MSG((a = vd_store_open_shared(NULL, url, key, &err)) != NULL, "%s", err.msg);
	CHECK_MSG((b = vd_store_open_shared(NULL, url, key, &err)) != NULL, "%s", err.msg);
	if (a && b) {
		test_no_lost_update();
		test_create_once();
		test_generation();
		test_sessions();
	}
	vd_store_close(a);
	vd_store_close(b);
	return test_summary();
}
