/* verifiers/csv.c - the `csv` verifier: Hygon CSV reports checked by
 * src/hygon from the built-in HRK down to report_data.
 *
 * The HSK/CEK of the chip come, in this order of preference, from:
 *   csv.kds=URL / csv.kds_cache=DIR  Hygon's certificate service
 *                         (https://cert.hygon.cn) by the report's serial
 *                         number, kept in DIR/<serial>/hsk_cek.cert (the
 *                         cache alone serves offline); only this way is
 *                         the serial number itself vouched for
 *   the evidence          the endorsements extension (HSK || CEK)
 *   csv.hsk_cek=FILE      a fixed pair (one chip; tests)
 * Other options:
 *   csv.allow_debug=1     accept guests whose policy lacks NODBG
 * The root is built in: the verifier is always configured, and may be
 * inferred from the evidence type. */
#include <stdlib.h>
#include <string.h>
#include "csv.h"
#include "file.h"
#include "internal.h"

struct csv_verifier {
	uint8_t *hsk_cek;
	size_t hsk_cek_len;
	bool allow_debug, use_kds;
	struct csv_kds kds;
};

static void csv_cleanup(void *state)
{
	struct csv_verifier *s = state;

	if (s)
		free(s->hsk_cek);
	free(s);
}

static bool csv_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	struct csv_verifier *s = calloc(1, sizeof(*s));
	const char *file = rats_opt(opts, "csv", "hsk_cek");
	const char *dbg = rats_opt(opts, "csv", "allow_debug");

	if (!s)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	s->allow_debug = dbg && strcmp(dbg, "1") == 0;
	s->kds.base = rats_opt(opts, "csv", "kds");
	s->kds.cache_dir = rats_opt(opts, "csv", "kds_cache");
	s->use_kds = s->kds.base || s->kds.cache_dir;
	if (file && !file_read(file, CSV_HSK_CEK_SIZE, &s->hsk_cek, &s->hsk_cek_len, err)) {
		csv_cleanup(s);
		return eaa_err_prefix(err, "csv.hsk_cek");
	}
	*state = s;
	return true;
}

static bool csv_verify(void *state, const struct rats_evidence *ev,
		       struct rats_verified *out, struct eaa_err *err)
{
	struct csv_verifier *s = state;
	struct csv_verify_opts o = { .allow_debug = s->allow_debug };
	struct csv_report *r = malloc(sizeof(*r));
	uint8_t *fetched = NULL;
	const uint8_t *pair = s->hsk_cek;
	size_t n = s->hsk_cek_len;
	bool ok = false;

	if (!r)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (!csv_report_parse(ev->quote.p, ev->quote.n, r, err))
		goto out;
	if (s->use_kds) {
		if (!csv_kds_hsk_cek(&s->kds, r->sn, &fetched, &n, err))
			goto out;
		pair = fetched;
	} else if (!rd_done(&ev->endorsements)) {
		pair = ev->endorsements.p;
		n = ev->endorsements.n;
	}
	if (!csv_report_verify(r, pair, n, &o, err))
		goto out;
	memcpy(out->user_data, r->report_data, 64);
	out->user_data_len = 64;
	out->claims = csv_claims(r, fetched != NULL);
	ok = out->claims || eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	free(fetched);
	free(r);
	return ok;
}

static const uint64_t csv_tags[] = { TAG_CSV };

static const char *const verifier_keys[] = { "hsk_cek", "allow_debug", "kds", "kds_cache", NULL };

const struct rats_verifier rats_verifier_csv = {
	.name = "csv",
	.keys = verifier_keys,
	.tags = csv_tags,
	.ntags = 1,
	.init = csv_init,
	.verify = csv_verify,
	.cleanup = csv_cleanup,
};
