/* test_rego_value.c - Rego values: OPA's ordering across types, sets and
 * objects kept canonical, object key conflicts, numbers, JSON both ways,
 * and the arena budget. */
#include <stdint.h>
#include <stdlib.h>
#include "test.h"
#include "value.h"

static struct rv *J(struct rv_arena *a, const char *s)
{
	struct eaa_err err;
	struct rv *v = rv_from_json(a, s, strlen(s), &err);

	if (!v)
		fprintf(stderr, "JSON %s: %s\n", s, err.msg);
	return v;
}

static bool json_is(const struct rv *v, const char *want)
{
	char *s = v ? rv_to_json(v, false) : NULL;
	bool ok = s && strcmp(s, want) == 0;

	if (!ok)
		fprintf(stderr, "got %s, want %s\n", s ? s : "(null)", want);
	free(s);
	return ok;
}

int main(void)
{
	struct rv_arena a, small;
	struct rv_builder b;
	struct eaa_err err;
	bool conflict;
	struct rv *v;
	int i;

	rv_arena_init(&a, 0);

	/* Type order: null < bool < number < string < array < object < set. */
	CHECK(rv_compare(rv_null(), rv_bool(false)) < 0);
	CHECK(rv_compare(rv_bool(true), rv_int(&a, -5)) < 0);
	CHECK(rv_compare(rv_int(&a, 9), rv_cstring(&a, "")) < 0);
	CHECK(rv_compare(rv_cstring(&a, "z"), rv_empty_array()) < 0);
	CHECK(rv_compare(rv_empty_array(), rv_empty_object()) < 0);
	CHECK(rv_compare(rv_empty_object(), rv_empty_set()) < 0);
	/* Numbers compare by value whatever their representation. */
	CHECK(rv_equal(rv_int(&a, 1), J(&a, "1.0")));
	CHECK(rv_compare(rv_double(&a, 1.5), rv_int(&a, 2)) < 0);
	CHECK(rv_compare(J(&a, "[1,2]"), J(&a, "[1,2,0]")) < 0);
	CHECK(rv_compare(J(&a, "\"ab\""), J(&a, "\"b\"")) < 0);

	/* Sets: sorted, unique. */
	rv_builder_init(&b, &a);
	for (i = 0; i < 5; i++)
		rv_builder_add(&b, rv_int(&a, 3 - i % 3));
	rv_builder_add(&b, rv_cstring(&a, "x"));
	v = rv_set_finish(&b);
	CHECK(v && v->u.arr.n == 4 && json_is(v, "[1,2,3,\"x\"]"));
	CHECK(rv_set_contains(v, rv_int(&a, 2)) && !rv_set_contains(v, rv_int(&a, 4)));

	/* Objects: sorted keys of any type; repeated equal pairs merge,
	 * repeated keys with different values conflict. */
	rv_builder_init(&b, &a);
	rv_builder_put(&b, rv_cstring(&a, "b"), rv_int(&a, 1));
	rv_builder_put(&b, rv_int(&a, 7), rv_null());
	rv_builder_put(&b, rv_cstring(&a, "b"), rv_int(&a, 1));
	v = rv_object_finish(&b, &conflict);
	CHECK(v && !conflict && json_is(v, "{\"7\":null,\"b\":1}"));
	CHECK(rv_object_getc(v, "b") && rv_object_get(v, rv_int(&a, 7)));
	rv_builder_init(&b, &a);
	rv_builder_put(&b, rv_cstring(&a, "b"), rv_int(&a, 1));
	rv_builder_put(&b, rv_cstring(&a, "b"), rv_int(&a, 2));
	CHECK(rv_object_finish(&b, &conflict) == NULL && conflict);

	/* rv_get over arrays, objects and sets. */
	v = J(&a, "[10,20]");
	CHECK(rv_get(v, rv_int(&a, 1)) && rv_get(v, rv_int(&a, 1))->u.num.i == 20);
	CHECK(rv_get(v, rv_int(&a, 2)) == NULL && rv_get(v, rv_double(&a, 0.5)) == NULL);
	CHECK(rv_get(v, rv_cstring(&a, "0")) == NULL);
	/* an index is OPA's Number.Int: 1.0 is one, 1e0 is not */
	CHECK(rv_get(v, J(&a, "1.0")) && rv_get(v, J(&a, "1e0")) == NULL);

	/* Numbers: text, doubles, big integers. */
	/* a literal prints as written, as OPA prints a number it did not
	 * compute */
	CHECK(json_is(rv_number_text(&a, "1e3", 3), "1e3"));
	CHECK(json_is(rv_number_text(&a, "100.0", 5), "100.0"));
	CHECK(json_is(rv_number_text(&a, "12345678901234567890123", 23), "12345678901234567890123"));
	CHECK(json_is(rv_number_text(&a, "-0.25", 5), "-0.25"));
	CHECK(rv_number_text(&a, "01", 2) == NULL && rv_number_text(&a, "1.", 2) == NULL);
	CHECK(json_is(rv_double(&a, 0.1), "0.1"));
	CHECK(rv_double(&a, 1.0 / 0.0) == NULL);
	v = J(&a, "123456789012345678901234");
	CHECK(v && v->type == RV_NUMBER && !v->u.num.is_int &&
	      rv_num_double(v) > 1.2345678e23 && rv_num_double(v) < 1.2345679e23);

	/* Numbers compare exactly on their decimals, past int64 and past
	 * the doubles; the magnitude is bounded as OPA's (2^±100000). */
	CHECK(rv_compare(J(&a, "9007199254740993"), J(&a, "9007199254740992")) > 0);
	CHECK(rv_compare(J(&a, "-9223372036854775809"), rv_int(&a, INT64_MIN)) < 0);
	CHECK(rv_compare(J(&a, "18446744073709551616"), J(&a, "18446744073709551616.0")) == 0);
	CHECK(rv_compare(J(&a, "1e400"), J(&a, "1e399")) > 0);
	CHECK(rv_compare(J(&a, "-1e400"), J(&a, "-1e399")) < 0);
	CHECK(rv_compare(J(&a, "1e400"), J(&a, "10e399")) == 0);
	CHECK(rv_compare(J(&a, "1e-400"), rv_int(&a, 0)) > 0);
	CHECK(rv_compare(J(&a, "-0.0"), rv_int(&a, 0)) == 0);
	CHECK(rv_compare(J(&a, "0.1"), rv_double(&a, 0.1)) == 0);
	CHECK(json_is(J(&a, "[2e308, 1e-400]"), "[2e308,1e-400]"));
	CHECK(rv_number_text(&a, "1e30103", 7) == NULL);
	CHECK(rv_number_text(&a, "1e-40000", 8) == NULL);
	CHECK(rv_number_text(&a, "0e99999", 7) != NULL);
	CHECK(rv_from_json(&a, "1e40000", 7, &err) == NULL);
	{
		/* long numbers keep their digits, up to the bound */
		char num[4100];

		memset(num, '9', sizeof(num));
		num[200] = '\0';
		v = J(&a, num);
		CHECK(v && v->u.num.text && strlen(v->u.num.text) == 200);
		CHECK(rv_compare(v, J(&a, "1e200")) < 0);
		num[200] = '9';
		CHECK(rv_from_json(&a, num, 4096, &err) != NULL);
		CHECK(rv_from_json(&a, num, 4097, &err) == NULL);
	}

	/* JSON in and out; errors name the place. */
	CHECK(json_is(J(&a, "{\"b\":[true,null],\"a\":\"q\\\"\\n\"}"),
		      "{\"a\":\"q\\\"\\n\",\"b\":[true,null]}"));
	CHECK(rv_from_json(&a, "{\"a\":", 5, &err) == NULL &&
	      strstr(err.msg, "line 1") != NULL);
	v = J(&a, "{\"a\":[1,{}]}");
	{
		char *s = rv_to_json(v, true);

		CHECK_MSG(s && strcmp(s, "{\n  \"a\": [\n    1,\n    {}\n  ]\n}") == 0,
			  "%s", s);
		free(s);
	}

	/* The budget: allocation fails and says so. */
	rv_arena_init(&small, 4096);
	rv_builder_init(&b, &small);
	for (i = 0; i < 10000; i++)
		rv_builder_add(&b, rv_int(&small, i));
	CHECK(rv_array_finish(&b) == NULL && small.exhausted);
	rv_arena_free(&small);

	rv_arena_free(&a);
	return test_summary();
}
