/* initdata.c - the CoCo init-data document as trustee reads it (see
 * initdata.h). */
#include <string.h>
#include "initdata.h"
#include "toml.h"

/* Text of the document, for a message: printable ASCII, anything else
 * (U+0000 too) as '?', cut at 40. */
static const char *shown(const char *s, size_t n, char out[48])
{
	size_t i;

	for (i = 0; i < n && i < 40; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	strcpy(out + i, i < n ? "..." : "");
	return out;
}

/* trustee's extract_policy_data: the JSON after "policy_data := " to the
 * end of the policy, or NULL when there is none or it is not exactly one
 * JSON value (serde_json::from_str allows only white space after it; so
 * does jansson without JSON_DISABLE_EOF_CHECK). */
static json_t *policy_data(const json_t *rego)
{
	static const char pat[] = "policy_data := {";
	const char *s = json_string_value(rego), *at;
	size_t n = json_string_length(rego);
	json_error_t je;

	if (!s || !(at = memmem(s, n, pat, sizeof(pat) - 1)))
		return NULL;
	at += sizeof(pat) - 2; /* from the '{' */
	return json_loadb(at, n - (size_t)(at - s), JSON_ALLOW_NUL, &je);
}

/* The data table (all strings) into init_data_claims. */
static json_t *claims_of(const json_t *data, struct eaa_err *err)
{
	static const char *const tomls[] = { "cdh.toml", "aa.toml" };
	json_t *claims = json_deep_copy(data), *v;
	struct eaa_err ignored;
	size_t i;

	if (!claims) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	/* what does not read as TOML stays the string it was, as in trustee */
	for (i = 0; i < sizeof(tomls) / sizeof(tomls[0]); i++) {
		json_t *s = json_object_get(claims, tomls[i]);

		if (s && (v = toml_parse(json_string_value(s), json_string_length(s), &ignored)))
			json_object_set_new(claims, tomls[i], v);
	}
	if ((v = policy_data(json_object_get(claims, "policy.rego")))) {
		json_object_del(claims, "policy.rego");
		json_object_set_new(claims, "agent_policy_claims", v);
	}
	return claims;
}

bool vd_initdata_read(const char *body, size_t n, const EVP_MD **md, json_t **claims,
		      struct eaa_err *err)
{
	json_t *doc, *version, *alg, *data, *v;
	const char *a = NULL, *k;
	char name[48];
	bool ok = false;

	*claims = NULL;
	if (!(doc = toml_parse(body, n, err)))
		return eaa_err_prefix(err, "init-data is not TOML");
	version = json_object_get(doc, "version");
	alg = json_object_get(doc, "algorithm");
	data = json_object_get(doc, "data");
	/* serde's order: a field of the wrong type or value as it meets it,
	 * then the first missing field in the struct's order */
	if (version && !json_is_string(version)) {
		eaa_fail(err, EAA_E_FORMAT, "init-data: version is not a string");
		goto out;
	}
	if (alg && !(a = json_string_value(alg))) {
		eaa_fail(err, EAA_E_FORMAT, "init-data: algorithm is not a string");
		goto out;
	}
	/* by length too: a TOML string may hold U+0000 ("sha256\u0000x") */
	if (a && !(*md = json_string_length(alg) != 6 ? NULL :
			 strcmp(a, "sha256") == 0 ? EVP_sha256() :
			 strcmp(a, "sha384") == 0 ? EVP_sha384() :
			 strcmp(a, "sha512") == 0 ? EVP_sha512() : NULL)) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "init-data: algorithm \"%s\" is not sha256, sha384 "
			 "or sha512", shown(a, json_string_length(alg), name));
		goto out;
	}
	if (data && !json_is_object(data)) {
		eaa_fail(err, EAA_E_FORMAT, "init-data: data is not a table");
		goto out;
	}
	json_object_foreach(data, k, v) {
		if (!json_is_string(v)) {
			eaa_fail(err, EAA_E_FORMAT, "init-data: data.\"%s\" is not a string (trustee's "
				 "Initdata holds only strings)", shown(k, strlen(k), name));
			goto out;
		}
	}
	if (!version || !alg || !data) {
		eaa_fail(err, EAA_E_FORMAT, "init-data: no top-level %s (trustee's Initdata needs "
			 "version, algorithm and data)", !version ? "version" : !alg ? "algorithm" :
			 "data table");
		goto out;
	}
	ok = (*claims = claims_of(data, err)) != NULL;
out:
	json_decref(doc);
	return ok;
}
