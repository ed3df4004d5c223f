/* verifiers/null.c - nullverifier: accepts any peer, attested or not. It is
 * used only when named; it is never inferred or fallen back to. */
#include "internal.h"

static bool null_init(const struct rats_opts *opts, void **state,
		      struct eaa_err *err)
{
	*state = NULL;
	return true;
}

static bool null_verify(void *state, const struct rats_evidence *ev,
			struct rats_verified *out, struct eaa_err *err)
{
	out->claims = json_object();
	return out->claims || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

const struct rats_verifier rats_verifier_null = {
	.name = "nullverifier",
	.init = null_init,
	.verify = null_verify,
};
