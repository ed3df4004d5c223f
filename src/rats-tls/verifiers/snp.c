/* verifiers/snp.c - the `sev_snp` verifier: SEV-SNP reports checked by
 * src/amd to AMD's pinned ARK of the chip's product line.
 *
 * The VCEK (or VLEK) travels in the certificate's endorsements extension,
 * as its DER or as the extended report's certificate table. Options:
 *   sev_snp.vcek=FILE      a VCEK/VLEK (DER or PEM) for evidence that carries
 *                          none (offline use, tests)
 *   sev_snp.at=TIME        verify as of TIME (RFC 3339 UTC); default now
 *   sev_snp.allow_debug=1  accept guests whose policy allows debugging
 *   sev_snp.kds=URL        fetch VCEKs the evidence lacks from AMD's KDS
 *                          (https://kdsintf.amd.com) by chip ID and TCB
 *   sev_snp.kds_cache=DIR  keep fetched VCEKs there (enough on its own for
 *                          offline use)
 *   sev_snp.product=NAME   Milan, Genoa or Turin, for version 2 reports
 * The roots are built in: the verifier is always configured, and may be
 * inferred from the evidence type. */
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include "file.h"
#include "internal.h"
#include "certtable.h"
#include "kds.h"
#include "snp.h"
#include "timefmt.h"

struct snp_verifier {
	X509 *vcek;
	time_t at;
	bool allow_debug;
	struct snp_kds kds;
	bool use_kds;
	const char *product;
};

static X509 *cert_from(const uint8_t *p, size_t n)
{
	const unsigned char *q = p;
	X509 *x = d2i_X509(NULL, &q, (long)n);
	BIO *b;

	if (!x && (b = BIO_new_mem_buf(p, (int)n)) != NULL) {
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	}
	ERR_clear_error();
	return x;
}

static void snp_cleanup(void *state)
{
	struct snp_verifier *s = state;

	if (s)
		X509_free(s->vcek);
	free(s);
}

static bool snp_configure(struct snp_verifier *s, const struct rats_opts *opts,
			  struct eaa_err *err)
{
	const char *vcek = rats_opt(opts, "sev_snp", "vcek");
	const char *at = rats_opt(opts, "sev_snp", "at");
	const char *dbg = rats_opt(opts, "sev_snp", "allow_debug");
	uint8_t *raw;
	size_t n;

	s->allow_debug = dbg && strcmp(dbg, "1") == 0;
	s->kds.base = rats_opt(opts, "sev_snp", "kds");
	s->kds.cache_dir = rats_opt(opts, "sev_snp", "kds_cache");
	s->use_kds = s->kds.base || s->kds.cache_dir;
	if (!s->kds.base)
		s->kds.base = SNP_KDS_DEFAULT;
	s->product = rats_opt(opts, "sev_snp", "product");
	if (at && !time_parse_utc(at, &s->at))
		return eaa_fail(err, EAA_E_CONFIG, "sev_snp.at: \"%s\" is not a UTC time", at);
	if (vcek) {
		if (!file_read(vcek, 1 << 20, &raw, &n, err))
			return eaa_err_prefix(err, "sev_snp.vcek");
		s->vcek = cert_from(raw, n);
		free(raw);
		if (!s->vcek)
			return eaa_fail(err, EAA_E_CONFIG, "sev_snp.vcek %s: not a certificate",
					vcek);
	}
	return true;
}

static bool snp_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	struct snp_verifier *s = calloc(1, sizeof(*s));

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!snp_configure(s, opts, err)) {
		snp_cleanup(s);
		return false;
	}
	*state = s;
	return true;
}

static bool snp_verify(void *state, const struct rats_evidence *ev,
		       struct rats_verified *out, struct eaa_err *err)
{
	struct snp_verifier *s = state;
	struct snp_verify_opts o = { .at = s->at ? s->at : time(NULL),
				     .allow_debug = s->allow_debug };
	struct snp_report r;
	struct snp_cert_ext e;
	X509 *cert = NULL;
	bool ok;

	if (!snp_report_parse(ev->quote.p, ev->quote.n, &r, err))
		return false;
	if (!rd_done(&ev->endorsements) &&
	    !(cert = cert_from(ev->endorsements.p, ev->endorsements.n))) {
		const uint8_t *der;
		size_t dn;

		if (!snp_cert_table_find(ev->endorsements.p, ev->endorsements.n,
					 SNP_SIGNING_KEY(r.flags) == 1, &der, &dn, err))
			return eaa_err_prefix(err, "endorsements: neither a certificate nor");
		if (!(cert = cert_from(der, dn)))
			return eaa_fail(err, EAA_E_FORMAT, "endorsements: the certificate table's "
					"%s is not a certificate",
					SNP_SIGNING_KEY(r.flags) == 1 ? "VLEK" : "VCEK");
	}
	if (!cert && !s->vcek && s->use_kds) {
		const char *product = snp_product_of(&r, s->product);

		if (!product)
			return eaa_fail(err, EAA_E_CONFIG, "the report does not say its product "
					"line: set sev_snp.product");
		if (!(cert = snp_kds_vcek(&s->kds, product, &r, err)))
			return false;
	}
	ok = snp_report_verify(ev->quote.p, &r, cert ? cert : s->vcek, &o, err) &&
	     snp_cert_ext_parse(cert ? cert : s->vcek, &e, err);
	if (ok) {
		e.product[strcspn(e.product, "-")] = '\0';
		memcpy(out->user_data, r.report_data, 64);
		out->user_data_len = 64;
		out->claims = snp_claims(&r, e.product);
		ok = out->claims || eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	X509_free(cert);
	return ok;
}

static const uint64_t snp_tags[] = { TAG_SEV_SNP };

static const char *const verifier_keys[] = { "vcek", "at", "allow_debug", "kds", "kds_cache", "product", NULL };

const struct rats_verifier rats_verifier_sev_snp = {
	.name = "sev_snp",
	.keys = verifier_keys,
	.tags = snp_tags,
	.ntags = 1,
	.init = snp_init,
	.verify = snp_verify,
	.cleanup = snp_cleanup,
};
