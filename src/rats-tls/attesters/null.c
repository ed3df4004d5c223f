/* attesters/null.c - nullattester: presents a plain self-signed certificate
 * with no evidence (for a side that does not run in a TEE). */
#include "internal.h"

static bool null_init(const struct rats_opts *opts, void **state,
		      struct eaa_err *err)
{
	*state = NULL;
	return true;
}

const struct rats_attester rats_attester_null = {
	.name = "nullattester",
	.tag = 0,
	.init = null_init,
};
