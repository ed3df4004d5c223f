/* refmerge.c - add derived reference values to a stored document without
 * dropping any (refmerge.h). The merge is first checked on a copy, so a
 * refused fragment leaves the document as it was. */
#include <string.h>
#include "refmerge.h"

static bool merge(json_t *doc, const json_t *frag, char *path, size_t cap,
		  FILE *info, struct eaa_err *err)
{
	const char *key;
	json_t *fv, *dv;
	size_t len = strlen(path), i, j;

	json_object_foreach((json_t *)frag, key, fv) {
		snprintf(path + len, cap - len, "%s%s", len ? "." : "", key);
		dv = json_object_get(doc, key);
		if (!dv) {
			json_object_set_new(doc, key, json_deep_copy(fv));
		} else if (json_is_object(dv) && json_is_object(fv)) {
			if (!merge(dv, fv, path, cap, info, err))
				return false;
		} else if (json_is_array(dv) && json_is_array(fv)) {
			for (i = 0; i < json_array_size(fv); i++) {
				json_t *x = json_array_get(fv, i);

				for (j = 0; j < json_array_size(dv); j++)
					if (json_equal(json_array_get(dv, j), x))
						break;
				if (j == json_array_size(dv))
					json_array_append_new(dv, json_deep_copy(x));
			}
		} else if (json_is_integer(dv) && json_is_integer(fv)) {
			json_int_t a = json_integer_value(dv), b = json_integer_value(fv);

			if (b < a) {
				if (info)
					fprintf(info, "%s: lowered from %lld to %lld, so that the values already listed still pass\n",
						path, (long long)a, (long long)b);
				json_integer_set(dv, b);
			} else if (b > a && info) {
				fprintf(info, "%s: kept at %lld (the derived value is %lld): it is a minimum the values already listed must still pass\n",
					path, (long long)a, (long long)b);
			}
		} else if (!json_equal(dv, fv)) {
			return eaa_fail(err, EAA_E_CONFIG,
					"%s: the stored value and the derived one differ, and neither is a list; use --replace to overwrite",
					path);
		}
		path[len] = '\0';
	}
	return true;
}

bool refmerge(json_t *doc, const json_t *frag, FILE *info, struct eaa_err *err)
{
	char path[512] = "";
	json_t *trial;

	if (!json_is_object(doc) || !json_is_object(frag))
		return eaa_fail(err, EAA_E_FORMAT,
				"the stored reference document is not a JSON object");
	/* dry run first, quietly: nothing changes unless all of it merges */
	trial = json_deep_copy(doc);
	if (!trial || !merge(trial, frag, path, sizeof(path), NULL, err)) {
		json_decref(trial);
		return trial ? false : eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	json_decref(trial);
	path[0] = '\0';
	return merge(doc, frag, path, sizeof(path), info, err);
}
