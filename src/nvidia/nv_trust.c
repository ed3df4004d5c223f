/* nv_trust.c - the owner's NVIDIA RIMs, CRLs and OCSP responses, read
 * from verdictd's options (nv_trust.h). */
#include <stdlib.h>
#include <string.h>
#include <openssl/pem.h>
#include "collateral.h"
#include "file.h"
#include "nv_trust.h"

#define MAX_FILE (16u << 20)
#define MAX_EACH 64

bool nv_crl_load(const char *path, STACK_OF(X509_CRL) **crls, struct eaa_err *err)
{
	X509_CRL *crl;
	uint8_t *raw;
	size_t n;

	if (!file_read(path, MAX_FILE, &raw, &n, err))
		return false;
	crl = crl_decode(raw, n);
	free(raw);
	if (!crl || (!*crls && !(*crls = sk_X509_CRL_new_null())) || !sk_X509_CRL_push(*crls, crl)) {
		X509_CRL_free(crl);
		return eaa_fail(err, EAA_E_CONFIG, "%s: not a DER or PEM CRL", path);
	}
	return true;
}

/* Append a file's bytes to a NULL-terminated list with lengths beside. */
static bool add_file(const char *key, const char *path, uint8_t ***list, size_t **lens,
		     size_t *count, struct eaa_err *err)
{
	uint8_t *raw, **l;
	size_t n, *ls;

	if (*count == MAX_EACH)
		return eaa_fail(err, EAA_E_CONFIG, "%s: at most %d files", key, MAX_EACH);
	if (!file_read(path, MAX_FILE, &raw, &n, err))
		return eaa_err_prefix(err, "%s", key);
	l = realloc(*list, (*count + 2) * sizeof(*l));
	if (l)
		*list = l;
	ls = l ? realloc(*lens, (*count + 2) * sizeof(*ls)) : NULL;
	if (!l || !ls) {
		free(raw);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	*lens = ls;
	l[*count] = raw;
	ls[*count] = n;
	l[++*count] = NULL;
	return true;
}

bool nv_trust_load(struct nv_trust_files *f, const char *const *options,
		   struct eaa_err *err)
{
	const char *const *o;

	memset(f, 0, sizeof(*f));
	for (o = options; o && *o; o++) {
		const char *v = strchr(*o, '=');
		bool ok;

		if (strncmp(*o, "nvidia.", 7) != 0 || !v)
			continue;
		v++;
		if (strncmp(*o, "nvidia.crl=", 11) == 0)
			ok = nv_crl_load(v, &f->t.crls, err) ||
			     eaa_err_prefix(err, "nvidia.crl");
		else if (strncmp(*o, "nvidia.rim=", 11) == 0)
			ok = add_file("nvidia.rim", v, (uint8_t ***)&f->rims, &f->rim_lens,
				      &f->nrims, err);
		else if (strncmp(*o, "nvidia.ocsp=", 12) == 0)
			ok = add_file("nvidia.ocsp", v, &f->ocsp, &f->ocsp_lens, &f->nocsp, err);
		else
			ok = eaa_fail(err, EAA_E_CONFIG, "%.*s: unknown option (nvidia.rim, "
				      "nvidia.crl, nvidia.ocsp)", (int)(v - *o - 1), *o);
		if (!ok) {
			nv_trust_free(f);
			return false;
		}
	}
	f->t.rims = (const char *const *)f->rims;
	f->t.rim_lens = f->rim_lens;
	f->t.ocsp = (const uint8_t *const *)f->ocsp;
	f->t.ocsp_lens = f->ocsp_lens;
	return true;
}

void nv_trust_free(struct nv_trust_files *f)
{
	size_t i;

	for (i = 0; i < f->nrims; i++)
		free(f->rims[i]);
	for (i = 0; i < f->nocsp; i++)
		free(f->ocsp[i]);
	free(f->rims);
	free(f->rim_lens);
	free(f->ocsp);
	free(f->ocsp_lens);
	sk_X509_CRL_pop_free(f->t.crls, X509_CRL_free);
	memset(f, 0, sizeof(*f));
}
