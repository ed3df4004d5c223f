/* derive_tdx.c - `verdict --derive tdx`: tdxData's measurements from a
 * TDVF image (MRTD, tdvf.h) and from a known-good quote with its CC event
 * log (MRTD, RTMR 0..3 and each logged event's digest). The fragment has
 * the default tdxData's shape (hex, as our TDX verifier's claims):
 *   { "measurements": { "mr_td": [..], "rtmr0": [..], .. "rtmr3": [..] },
 *     "ccel_digests": { "rtmr0": [..], .. } }
 * where ccel_digests lists the SHA-384 digest of every event the log
 * extends into that RTMR, the values the verifier's claim `ccel` carries
 * (ccel.h) as input.ccel[_].digest with input.ccel[_].rtmr. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ccel.h"
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "json_util.h"
#include "pccs.h"
#include "pck.h"
#include "quote.h"
#include "quote_verify.h"
#include "tdvf.h"
#include "timefmt.h"

#define TDVF_MAX_FILE (64u << 20)

static const struct derive_opt tdx_opts[] = {
	{ "tdvf", true, false, "FILE  a TDVF image (OVMF built for TDX, one file): its MRTD" },
	{ "two-pass", false, false,
	  "    MRTD as QEMU 8.x TDX stacks build it (every page added, then extended)" },
	{ "quote", true, false,
	  "FILE  a known-good TDX quote: its MRTD and RTMRs (not verified without --collateral)" },
	{ "collateral", true, false,
	  "DIR  verify the quote first against Intel's collateral (as rats-verify -C DIR)" },
	{ "at", true, false, "TIME  verify as of TIME (2023-06-20T00:00:00Z); default now" },
	{ "ccel-log", true, false,
	  "FILE  the quote's CC event log (the guest's /sys/firmware/acpi/tables/data/CCEL)" },
	{ NULL, false, false, NULL },
};

static const char *const rtmr_name[4] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

/* o[key] = [ hex of p ], o[key] created when absent. */
static bool add_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
	json_t *list = json_object_get(o, key), *v;
	char *hex = hex_encode(p, n);
	size_t i;

	if (!hex)
		return false;
	if (!list && json_object_set_new(o, key, list = json_array()) != 0) {
		free(hex);
		return false;
	}
	for (i = 0; i < json_array_size(list); i++)
		if (strcmp(json_string_value(json_array_get(list, i)), hex) == 0) {
			free(hex);
			return true;
		}
	v = json_string(hex);
	free(hex);
	return json_array_append_new(list, v) == 0;
}

static bool from_tdvf(const char *path, bool two_pass, uint8_t mrtd[48], FILE *info,
		      struct eaa_err *err)
{
	uint8_t *img = NULL;
	struct tdvf t;
	size_t n;
	uint32_t i;
	bool ok;

	if (!file_read(path, TDVF_MAX_FILE, &img, &n, err))
		return false;
	ok = tdvf_parse(img, n, &t, err) &&
	     tdvf_mrtd(img, n, &t, two_pass ? TDVF_TWO_PASS : TDVF_ONE_PASS, mrtd, err);
	if (ok) {
		fprintf(info, "%s: TDX metadata at 0x%zx (%s), %u sections:\n", path, t.offset,
			t.legacy ? "legacy pointer at the end - 0x20" :
				   "footer table entry " TDVF_METADATA_OFFSET_GUID, t.n);
		for (i = 0; i < t.n; i++)
			fprintf(info, "  %-7s GPA 0x%llx size 0x%llx data 0x%x+0x%x%s\n",
				tdvf_type_name(t.s[i].type), (unsigned long long)t.s[i].gpa,
				(unsigned long long)t.s[i].mem_size, t.s[i].data_offset,
				t.s[i].raw_size,
				t.s[i].attributes & TDVF_ATTR_MR_EXTEND ? " MR.EXTEND" : "");
		fprintf(info, "MRTD as QEMU and KVM build the TD (%s)\n",
			two_pass ? "two passes: QEMU 8.x" : "one pass: upstream KVM");
	} else {
		eaa_err_prefix(err, "%s", path);
	}
	free(img);
	return ok;
}

/* The quote checked as the verifier checks it (quote_verify.h), with the
 * collateral in dir (dir itself or dir/tdx-<fmspc>, pccs.h). */
static bool verify(const struct quote *q, const char *path, const char *dir, time_t at,
		   FILE *info, struct eaa_err *err)
{
	struct quote_verify_opts vo = { .at = at };
	struct quote_result res = { 0 };
	struct collateral col;
	char set[4096];
	X509 *root = intel_root_ca();
	bool ok;

	if (!root)
		return eaa_fail(err, EAA_E_CRYPTO, "the Intel SGX Root CA");
	ok = collateral_for_quote(q, dir, NULL, root, at, set, sizeof(set), err) &&
	     collateral_load_dir(set, root, at, &col, err);
	X509_free(root);
	if (!ok)
		return eaa_err_prefix(err, "%s: --collateral %s", path, dir);
	vo.col = &col;
	ok = quote_verify(q, &vo, &res, err);
	if (ok)
		fprintf(info, "%s: verified against %s: TCB status %s\n", path, set,
			tcb_status_name(res.tcb.status));
	else
		eaa_err_prefix(err, "%s", path);
	tcb_result_free(&res.tcb);
	collateral_free(&col);
	return ok;
}

/* The quote's values, and with a log the golden event digests. */
static bool from_quote(const char *path, const char *log_path, const char *col_dir,
		       time_t at, json_t *frag, FILE *info, struct eaa_err *err)
{
	json_t *m = json_object_get(frag, "measurements"), *events = NULL, *dig = NULL;
	uint8_t *raw = NULL, *log = NULL;
	struct quote q;
	size_t n, ln, i;
	bool ok = false;

	if (!file_read(path, QUOTE_MAX_LEN, &raw, &n, err))
		return false;
	if (!quote_parse(raw, n, &q, err)) {
		eaa_err_prefix(err, "%s", path);
		goto out;
	}
	if (q.tee_type != QUOTE_TEE_TDX) {
		eaa_fail(err, EAA_E_TEE_MISMATCH, "%s: a %s quote, not a TDX one", path,
			 quote_tee_name(&q));
		goto out;
	}
	if (!col_dir)
		fprintf(info, "%s: TDX quote v%u; without --collateral, --derive checks neither "
			"its signature nor its chain: it is taken as known-good\n", path, q.version);
	else if (!verify(&q, path, col_dir, at, info, err))
		goto out;
	if (q.tdx.td_attributes[0] & 1)
		fprintf(info, "%s: the TD is debuggable (TDATTRIBUTES bit 0): the default "
			"tdxPolicy refuses it whatever is listed\n", path);
	if (!add_hex(m, "mr_td", q.tdx.mr_td, 48))
		goto nomem;
	for (i = 0; i < 4; i++)
		if (!add_hex(m, rtmr_name[i], q.tdx.rtmr[i], 48))
			goto nomem;
	if (!log_path) {
		ok = true;
		goto out;
	}
	if (!file_read(log_path, CCEL_MAX, &log, &ln, err))
		goto out;
	if (!ccel_check(log, ln, (const uint8_t (*)[48])q.tdx.rtmr, &events, err)) {
		eaa_err_prefix(err, "%s against %s", log_path, path);
		goto out;
	}
	if (json_object_set_new(frag, "ccel_digests", dig = json_object()) != 0)
		goto nomem;
	for (i = 0; i < json_array_size(events); i++) {
		const json_t *e = json_array_get(events, i);
		json_int_t r = json_integer_value(json_object_get(e, "rtmr"));
		const char *d = json_string_value(json_object_get(e, "digest"));
		uint8_t b[48];

		if (r < 0 || r > 3 || !d || !hex_decode_fixed(d, b, 48) ||
		    !add_hex(dig, rtmr_name[r], b, 48))
			goto nomem;
	}
	fprintf(info, "%s: %zu events replay to the quote's RTMRs\n", log_path,
		json_array_size(events));
	ok = true;
	goto out;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "tdx: building the fragment");
out:
	json_decref(events);
	free(log);
	free(raw);
	return ok;
}

static json_t *tdx_run(const struct derive_input *in, FILE *info, struct eaa_err *err)
{
	const char *tdvf = derive_arg(in, "tdvf"), *quote = derive_arg(in, "quote");
	const char *log = derive_arg(in, "ccel-log"), *col = derive_arg(in, "collateral");
	const char *at_s = derive_arg(in, "at");
	time_t at = 0;
	json_t *frag = json_object(), *m = json_object(), *q;
	uint8_t mrtd[48];

	if (!frag || !m || json_object_set_new(frag, "measurements", m) != 0) {
		json_decref(frag);
		eaa_fail(err, EAA_E_NOMEM, "tdx: building the fragment");
		return NULL;
	}
	if (log && !quote) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: --ccel-log is checked against --quote's RTMRs: "
			 "give the quote too");
		goto fail;
	}
	if (!tdvf && !quote) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: give --tdvf FILE, --quote FILE, or both");
		goto fail;
	}
	if (derive_flag(in, "two-pass") && !tdvf) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: --two-pass applies to --tdvf");
		goto fail;
	}
	if ((col || at_s) && !quote) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: --collateral and --at verify --quote: give it");
		goto fail;
	}
	if (at_s && !col) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: --at is the time --collateral is checked at");
		goto fail;
	}
	if (at_s && !time_parse_utc(at_s, &at)) {
		eaa_fail(err, EAA_E_CONFIG, "tdx: --at %s: not a UTC time like "
			 "2023-06-20T00:00:00Z", at_s);
		goto fail;
	}
	if (tdvf && (!from_tdvf(tdvf, derive_flag(in, "two-pass"), mrtd, info, err) ||
		     !add_hex(m, "mr_td", mrtd, 48)))
		goto fail;
	if (quote && !from_quote(quote, log, col, at ? at : time(NULL), frag, info, err))
		goto fail;
	/* Both given: the image must be what the quoted TD was built from. */
	q = json_object_get(m, "mr_td");
	if (tdvf && quote && json_array_size(q) != 1) {
		eaa_fail(err, EAA_E_REJECTED, "tdx: %s's MRTD %s is not the quote's %s", tdvf,
			 json_string_value(json_array_get(q, 0)),
			 json_string_value(json_array_get(q, 1)));
		goto fail;
	}
	return frag;
fail:
	json_decref(frag);
	return NULL;
}

const struct derive_tee derive_tdx = {
	.name = "tdx",
	.reference = "tdxData",
	.summary = "MRTD from a TDVF image; MRTD, RTMRs and event digests from a known-good "
		   "quote and its CC event log",
	.opts = tdx_opts,
	.run = tdx_run,
};
