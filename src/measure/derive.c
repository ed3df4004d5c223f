/* derive.c - the table of `verdict --derive` TEEs and the accessors their
 * run functions read their options with (derive.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "derive.h"

/* One line per TEE; each row lives in derive_<tee>.c. */
const struct derive_tee *const derive_tees[] = {
	&derive_sev,
	&derive_csv,
	&derive_tdx,
	&derive_sgx,
	&derive_seves, &derive_snp,
	NULL,
};

const struct derive_tee *derive_find(const char *name)
{
	size_t i;

	for (i = 0; derive_tees[i]; i++)
		if (strcmp(derive_tees[i]->name, name) == 0)
			return derive_tees[i];
	return NULL;
}

const char *derive_arg(const struct derive_input *in, const char *name)
{
	const char *v = NULL;
	size_t i;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->v[i].name, name) == 0)
			v = in->v[i].value;
	return v;
}

size_t derive_args(const struct derive_input *in, const char *name,
		   const char **vals, size_t max)
{
	size_t i, k = 0;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->v[i].name, name) == 0) {
			if (k < max)
				vals[k] = in->v[i].value;
			k++;
		}
	return k;
}

bool derive_flag(const struct derive_input *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->n; i++)
		if (strcmp(in->v[i].name, name) == 0)
			return true;
	return false;
}

bool derive_u64(const struct derive_input *in, const char *name, uint64_t max,
		uint64_t dflt, uint64_t *out, struct eaa_err *err)
{
	const char *v = derive_arg(in, name);
	unsigned long long x;
	char *end;

	if (!v) {
		*out = dflt;
		return true;
	}
	errno = 0;
	x = strtoull(v, &end, 0);
	if (!*v || *v == '-' || *end || errno || x > max)
		return eaa_fail(err, EAA_E_CONFIG,
				"--%s %s: want a number from 0 to %llu", name, v,
				(unsigned long long)max);
	*out = x;
	return true;
}
