/* test_rego_conformance.c - OPA's own test cases, run by our engine.
 *
 * <cases>/<category>/<file>.json hold cases converted from OPA's
 * v1/test/cases/testdata/v1 by tools/rego-cases-import.py: the pinned OPA
 * module's whole corpus, by test_rego_conformance_opa.sh.
 * Each case compiles its modules (Rego v1) with its data, evaluates its
 * query with its input, and compares:
 *  - want_result: the set of solutions' variable bindings (order does not
 *    matter; with sort_bindings, array values are sorted first);
 *  - want_error_code / want_error: evaluation errors by OPA's code and
 *    message text; compile errors (rego_*) by their class, since our
 *    compile-time messages are worded our own way.
 * Prints a line per failing case, the count per category, and the plain
 * summary line. An optional argument limits the run to one category.
 *
 * EAA_REGO_CASES names another directory of converted cases (OPA's whole
 * corpus from the Go module cache: test_rego_conformance_opa.sh), and
 * EAA_REGO_SKIPS a JSON file {"<category>/<file>.json": {"<note>":
 * "<reason>"}} of cases not run, each with its reason: they are counted
 * as skipped, per category and in the summary line; the note "*" skips
 * a whole file. */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include "eaa/rego.h"
#include "test.h"
#include "value.h"

struct tally {
	char name[128];
	int passed, failed, skipped;
};

static json_t *skips;
static int t_skipped;

static struct tally tallies[256];
static size_t ntallies;

static struct tally *tally_for(const char *category)
{
	size_t i;

	for (i = 0; i < ntallies; i++)
		if (strcmp(tallies[i].name, category) == 0)
			return &tallies[i];
	if (ntallies == sizeof(tallies) / sizeof(*tallies))
		return &tallies[ntallies - 1];
	snprintf(tallies[ntallies].name, sizeof(tallies[0].name), "%s", category);
	return &tallies[ntallies++];
}

static struct rv *value_of(struct rv_arena *a, const char *json)
{
	struct eaa_err err;

	return rv_from_json(a, json, strlen(json), &err);
}

static struct rv *sort_arrays(struct rv_arena *a, struct rv *v)
{
	struct rv_builder b;
	size_t i;

	if (!v)
		return NULL;
	if (v->type == RV_OBJECT) {
		rv_builder_init(&b, a);
		for (i = 0; i < v->u.obj.n; i++)
			rv_builder_put(&b, v->u.obj.k[i], sort_arrays(a, v->u.obj.v[i]));
		return rv_object_finish(&b, NULL);
	}
	if (v->type == RV_ARRAY) {
		/* a set finish sorts; keep duplicates by sorting a copy */
		struct rv **items = rv_alloc(a, (v->u.arr.n + 1) * sizeof(*items));
		struct rv *out;
		size_t j;

		if (!items)
			return NULL;
		if (v->u.arr.n)
			memcpy(items, v->u.arr.v, v->u.arr.n * sizeof(*items));
		for (i = 1; i < v->u.arr.n; i++)
			for (j = i; j > 0 && rv_compare(items[j - 1], items[j]) > 0; j--) {
				struct rv *t = items[j];

				items[j] = items[j - 1];
				items[j - 1] = t;
			}
		out = rv_alloc(a, sizeof(*out));
		if (!out)
			return NULL;
		*out = *v;
		out->u.arr.v = items;
		return out;
	}
	return v;
}

/* v with its decimals as doubles, as jansson reads the expected values
 * (100.1 comes back as 100.09999999999999): only integers keep their
 * exact digits. */
static struct rv *plain_numbers(struct rv_arena *a, struct rv *v)
{
	struct rv_builder b;
	struct rv *out;
	size_t i;

	if (!v)
		return NULL;
	switch (v->type) {
	case RV_NUMBER:
		if (!v->u.num.text || strpbrk(v->u.num.text, ".eE") == NULL)
			return v;
		if (!(out = rv_alloc(a, sizeof(*out))))
			return NULL;
		*out = *v;
		out->u.num.text = NULL;
		return out;
	case RV_OBJECT:
		rv_builder_init(&b, a);
		for (i = 0; i < v->u.obj.n; i++)
			rv_builder_put(&b, plain_numbers(a, v->u.obj.k[i]),
				       plain_numbers(a, v->u.obj.v[i]));
		return rv_object_finish(&b, NULL);
	case RV_ARRAY:
	case RV_SET:
		rv_builder_init(&b, a);
		for (i = 0; i < v->u.arr.n; i++)
			rv_builder_add(&b, plain_numbers(a, v->u.arr.v[i]));
		return v->type == RV_SET ? rv_set_finish(&b) : rv_array_finish(&b);
	default:
		return v;
	}
}

/* The result set as a set of binding objects: results is an array of
 * {"bindings": ...} (from_eval) or of binding objects. Read with our own
 * JSON reader, which keeps integers past 64 bits. */
static struct rv *result_set(struct rv_arena *a, const struct rv *results,
			     bool from_eval, bool sort)
{
	struct rv_builder b;
	size_t i;

	rv_builder_init(&b, a);
	for (i = 0; rv_is(results, RV_ARRAY) && i < results->u.arr.n; i++) {
		struct rv *r = results->u.arr.v[i];
		struct rv *v = from_eval ? rv_object_getc(r, "bindings") : r;

		if (!v)
			v = rv_empty_object();
		v = plain_numbers(a, v);
		if (sort)
			v = sort_arrays(a, v);
		rv_builder_add(&b, v ? v : rv_null());
	}
	return rv_set_finish(&b);
}

/* A case's JSON field: its text under NAME_json (the converter's form for
 * integers past 64 bits), else the field dumped by jansson. Caller frees;
 * NULL when absent. */
static char *case_json(json_t *c, const char *name)
{
	char key[64];
	const char *text;
	json_t *v;

	snprintf(key, sizeof(key), "%s_json", name);
	if ((text = json_string_value(json_object_get(c, key))))
		return strdup(text);
	/* "data:" with no value in OPA's YAML is no data, as for OPA */
	if (!(v = json_object_get(c, name)) || json_is_null(v))
		return NULL;
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* got without the columns of its places: OPA names a place FILE:ROW
 * ("test-0.rego:4: eval_type_error: ..."), ours FILE:ROW:COL. */
static void drop_columns(const char *got, char *out, size_t len)
{
	size_t n = 0;
	const char *p = got, *q;

	while (*p && n + 1 < len) {
		if (p[0] == ':' && p[1] >= '0' && p[1] <= '9' && p > got &&
		    p[-1] >= '0' && p[-1] <= '9') {
			for (q = p + 1; *q >= '0' && *q <= '9'; q++)
				;
			if (q[0] == ':' && q[1] == ' ') {
				p = q;
				continue;
			}
		}
		out[n++] = *p++;
	}
	out[n] = '\0';
}

static bool error_matches(const char *got, const char *code, const char *msg,
			  char *why, size_t len)
{
	char place[1024];

	if (!code && !msg)
		return false;
	if (code && strncmp(code, "rego_", 5) == 0) {
		/* compile errors: the class is enough */
		if (strstr(got, "eval_") == got) {
			snprintf(why, len, "want compile error %s, got %s", code, got);
			return false;
		}
		return true;
	}
	if (code && !strstr(got, code)) {
		snprintf(why, len, "want %s, got %s", code, got);
		return false;
	}
	drop_columns(got, place, sizeof(place));
	if (msg && !strstr(got, msg) && !strstr(place, msg)) {
		snprintf(why, len, "want error \"%s\", got %s", msg, got);
		return false;
	}
	return true;
}

static bool run_case(json_t *c, char *why, size_t len)
{
	json_t *mods = json_object_get(c, "modules"), *m;
	char *data = case_json(c, "data"), *input = case_json(c, "input");
	char *want = case_json(c, "want_result");
	const char *input_term = json_string_value(json_object_get(c, "input_term"));
	const char *query = json_string_value(json_object_get(c, "query"));
	const char *want_code = json_string_value(json_object_get(c, "want_error_code"));
	const char *want_msg = json_string_value(json_object_get(c, "want_error"));
	bool sort = json_is_true(json_object_get(c, "sort_bindings"));
	struct rego_limits lim = { .max_steps = 5000000, .max_bytes = 256u << 20 };
	struct rego_builder *b = rego_builder_new();
	struct rego_policy *p = NULL;
	struct rego_query *q = NULL;
	struct rego_error err;
	char *out = NULL, *in = NULL, name[32];
	bool ok = false;
	size_t i;

	lim.strict = json_is_true(json_object_get(c, "strict_error"));
	if (!query) {
		snprintf(why, len, "no query");
		rego_builder_free(b);
		free(data);
		free(input);
		free(want);
		return false;
	}
	json_array_foreach(mods, i, m) {
		snprintf(name, sizeof(name), "test-%zu.rego", i);
		if (!rego_builder_add_module(b, name, json_string_value(m),
					     json_string_length(m), REGO_SYNTAX_V1, &err)) {
			rego_builder_free(b);
			goto error;
		}
	}
	if (data) {
		if (!rego_builder_set_data(b, data, strlen(data), &err)) {
			rego_builder_free(b);
			goto error;
		}
	}
	if (!(p = rego_builder_compile(b, &err)))
		goto error;
	if (input_term) {
		/* A Rego term, which JSON may not carry (a set, keys that are
		 * not strings): the query sees it through `with`, its single
		 * expression (all such cases have one) evaluated as OPA's
		 * with an input of that value. */
		size_t n = strlen(query) + strlen(input_term) + 16;

		if (!(in = malloc(n))) {
			snprintf(why, len, "out of memory");
			goto done;
		}
		snprintf(in, n, "%s with input as %s", query, input_term);
		q = rego_query_compile(p, in, &err);
		free(in);
		in = NULL;
		if (!q)
			goto error;
	} else {
		if (input) {
			in = input;
			input = NULL;
		}
		if (!(q = rego_query_compile(p, query, &err)))
			goto error;
	}
	if (rego_query_eval_all(q, in, in ? strlen(in) : 0, &lim, false, &out,
				&err) == REGO_ERROR)
		goto error;
	if (want_code || want_msg) {
		snprintf(why, len, "want error %s, got result %s",
			 want_code ? want_code : want_msg, out);
		goto done;
	}
	{
		struct rv_arena a;
		struct rv *got, *gs, *ws = NULL;

		rv_arena_init(&a, 0);
		got = value_of(&a, out);
		gs = result_set(&a, got ? rv_object_getc(got, "result") : NULL,
				true, sort);
		if (want)
			ws = result_set(&a, value_of(&a, want), false, sort);
		else
			ws = result_set(&a, NULL, false, sort);
		ok = gs && ws && rv_equal(gs, ws);
		if (!ok) {
			char *g = gs ? rv_to_json(gs, false) : NULL;
			char *w = ws ? rv_to_json(ws, false) : NULL;

			snprintf(why, len, "got %s, want %s", g, w);
			free(g);
			free(w);
		}
		rv_arena_free(&a);
	}
	goto done;
error:
	ok = error_matches(err.msg, want_code, want_msg, why, len);
	if (!ok && !want_code && !want_msg)
		snprintf(why, len, "error %s", err.msg);
done:
	free(out);
	free(data);
	free(input);
	free(want);
	free(in);
	rego_query_free(q);
	rego_policy_free(p);
	return ok;
}

/* The reason a case is skipped, or NULL. */
static const char *skip_reason(const char *path, const char *category,
			       const char *note)
{
	const char *base = strrchr(path, '/');
	char key[512];

	snprintf(key, sizeof(key), "%s/%s", category, base ? base + 1 : path);
	return json_string_value(json_object_get(json_object_get(skips, key),
						 note ? note : ""));
}

static void run_file(const char *path, const char *category)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je), *cases, *c;
	struct tally *t = tally_for(category);
	char why[600];
	size_t i;

	/* jansson refuses integers past 64 bits (bits.lsh's results): read
	 * that file's numbers as doubles, which compare by value alike */
	if (!doc && strstr(je.text, "too big integer"))
		doc = json_load_file(path, JSON_DECODE_INT_AS_REAL, &je);
	if (!doc) {
		/* "*" skips a whole file that cannot be read */
		if (skip_reason(path, category, "*")) {
			t->skipped++;
			t_skipped++;
			return;
		}
		fprintf(stderr, "%s: %s%s\n", path, je.text,
			strstr(je.text, "too big integer") ?
			" (converted before tools/rego-cases-import.py kept such integers as text: convert again)" : "");
		t->failed++;
		t_failed++;
		return;
	}
	cases = json_object_get(doc, "cases");
	json_array_foreach(cases, i, c) {
		const char *note = json_string_value(json_object_get(c, "note"));

		why[0] = '\0';
		if (skip_reason(path, category, note)) {
			t->skipped++;
			t_skipped++;
		} else if (run_case(c, why, sizeof(why))) {
			t->passed++;
			t_passed++;
		} else {
			t->failed++;
			t_failed++;
			/* tab-separated: notes and reasons contain ": " */
			printf("FAIL\t%s\t%s\t%s\n", path, note ? note : "?", why);
		}
	}
	json_decref(doc);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void run_dir(const char *dir, const char *category, const char *only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[4096];
	size_t n = 0, i;
	char path[1024];

	if (!d) {
		fprintf(stderr, "%s: cannot open\n", dir);
		t_failed++;
		return;
	}
	while ((e = readdir(d)) != NULL && n < sizeof(names) / sizeof(*names))
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (!category) {
			if (len > 3 && strcmp(names[i] + len - 3, ".md") == 0)
				;
			else if (!only || strcmp(only, names[i]) == 0)
				run_dir(path, names[i], NULL);
		} else if (len > 5 && strcmp(names[i] + len - 5, ".json") == 0) {
			run_file(path, category);
		}
		free(names[i]);
	}
}

int main(int argc, char **argv)
{
	char dir[512];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/rego-cases", getenv("EAA_TESTDATA") ?
		 getenv("EAA_TESTDATA") : "tests/data");
	if (getenv("EAA_REGO_CASES"))
		snprintf(dir, sizeof(dir), "%s", getenv("EAA_REGO_CASES"));
	if (getenv("EAA_REGO_SKIPS")) {
		json_error_t je;

		if (!(skips = json_load_file(getenv("EAA_REGO_SKIPS"), 0, &je))) {
			fprintf(stderr, "%s: %s\n", getenv("EAA_REGO_SKIPS"), je.text);
			return 1;
		}
	}
	run_dir(dir, NULL, argc > 1 ? argv[1] : NULL);
	for (i = 0; i < ntallies; i++)
		printf("%-32s %4d passed %4d failed %4d skipped\n", tallies[i].name,
		       tallies[i].passed, tallies[i].failed, tallies[i].skipped);
	json_decref(skips);
	if (!t_skipped)
		return test_summary();
	printf("%d passed, %d failed, %d skipped\n", t_passed, t_failed, t_skipped);
	return t_failed ? 1 : 0;
}
