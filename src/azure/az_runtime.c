/* az_runtime.c - the runtime claims the HCL report carries (azure.h): a
 * JSON object with "keys" (JWKs; the vTPM's attestation key has kid
 * "HCLAkPub"), "vm-configuration" and "user-data" (hex). Read only after
 * nothing but the bytes' bounds are known: az_verify binds them to the
 * hardware report. */
#include <string.h>
#include "azure.h"
#include "codec.h"
#include "jose.h"
#include "json_util.h"

#define AK_KID "HCLAkPub"

void az_runtime_free(struct az_runtime *rt)
{
	json_decref(rt->doc);
	EVP_PKEY_free(rt->ak);
	memset(rt, 0, sizeof(*rt));
}

static bool read_ak(struct az_runtime *rt, struct eaa_err *err)
{
	const json_t *keys = json_object_get(rt->doc, "keys"), *k, *found = NULL;
	size_t i;

	if (!json_is_array(keys))
		return eaa_fail(err, EAA_E_FORMAT, "runtime claims: no \"keys\" array");
	json_array_foreach(keys, i, k) {
		const char *kid = json_string_value(json_object_get(k, "kid"));

		if (!kid || strcmp(kid, AK_KID) != 0)
			continue;
		/* two AKs would leave it open which one the quote trusts */
		if (found)
			return eaa_fail(err, EAA_E_FORMAT, "runtime claims: two keys with kid "
					"\"" AK_KID "\"");
		found = k;
	}
	if (!found)
		return eaa_fail(err, EAA_E_FORMAT, "runtime claims: no key with kid \"" AK_KID "\"");
	if (!(rt->ak = jwk_to_public(found, err)))
		return eaa_err_prefix(err, "runtime claims: " AK_KID);
	return true;
}

static bool read_user_data(struct az_runtime *rt, struct eaa_err *err)
{
	const json_t *u = json_object_get(rt->doc, "user-data");
	const char *s = json_string_value(u);
	size_t len;

	if (!u)
		return true;
	len = s ? strlen(s) : 0;
	if (!s || len % 2 || len > 2 * sizeof(rt->user_data) ||
	    !hex_decode_fixed(s, rt->user_data, len / 2))
		return eaa_fail(err, EAA_E_FORMAT, "runtime claims: \"user-data\" is not hex of "
				"at most 64 bytes");
	rt->user_data_len = len / 2;
	rt->has_user_data = true;
	return true;
}

bool az_runtime_parse(const uint8_t *p, size_t n, struct az_runtime *rt, struct eaa_err *err)
{
	json_error_t je;

	memset(rt, 0, sizeof(*rt));
	rt->doc = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(rt->doc)) {
		az_runtime_free(rt);
		return eaa_fail(err, EAA_E_FORMAT, "runtime claims: not a JSON object (%s)",
				je.text);
	}
	if (!read_ak(rt, err) || !read_user_data(rt, err)) {
		az_runtime_free(rt);
		return false;
	}
	return true;
}
