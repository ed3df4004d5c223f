/* az_verify.c - the chain of checks for Azure vTPM evidence (azure.h) and
 * the claims it yields. Order: the hardware report first (it is what makes
 * the runtime claims, and so the AK, trustworthy), then the TPM quote by
 * that AK, then the bindings to the caller's report_data. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include "az_tpm.h"
#include "codec.h"
#include "collateral.h"
#include "kds.h"
#include "pccs.h"
#include "pck.h"
#include "quote.h"
#include "quote_verify.h"
#include "snp.h"

#define TD_REPORT_DATA_OFFSET 128   /* REPORTMACSTRUCT: type, reserved, cpusvn, 2 hashes */
#define TD_INFO_OFFSET 512          /* after REPORTMACSTRUCT and TEE_TCB_INFO */
#define TD_INFO_COMPARED 400        /* attributes, xfam, mrtd, 3 config ids, 4 rtmrs */

/* The HCL report's TDREPORT is MACed for this CPU only, so what can be
 * trusted of it is what the TD quote (that report, signed) says: its
 * report_data and TDINFO must be the quote's. */
static bool td_report_is_quoted(const uint8_t *hw, const struct quote *q, struct eaa_err *err)
{
	struct rd td = rd_init(hw, HCL_TD_REPORT_SIZE), info;
	uint8_t rd_field[64], want[TD_INFO_COMPARED];
	struct wr w;

	wr_init_fixed(&w, want, sizeof(want));
	wr_bytes(&w, q->tdx.td_attributes, 8);
	wr_bytes(&w, q->tdx.xfam, 8);
	wr_bytes(&w, q->tdx.mr_td, 48);
	wr_bytes(&w, q->tdx.mr_config_id, 48);
	wr_bytes(&w, q->tdx.mr_owner, 48);
	wr_bytes(&w, q->tdx.mr_owner_config, 48);
	for (int i = 0; i < 4; i++)
		wr_bytes(&w, q->tdx.rtmr[i], 48);
	if (w.failed || w.len != sizeof(want) || !rd_skip(&td, TD_REPORT_DATA_OFFSET) ||
	    !rd_bytes(&td, rd_field, sizeof(rd_field)) ||
	    !rd_skip(&td, TD_INFO_OFFSET - TD_REPORT_DATA_OFFSET - sizeof(rd_field)) ||
	    !rd_sub(&td, TD_INFO_COMPARED, &info))
		return eaa_fail(err, EAA_E_FORMAT, "HCL report: TD report layout");
	if (CRYPTO_memcmp(rd_field, q->tdx.report_data, sizeof(rd_field)) != 0)
		return eaa_fail(err, EAA_E_BINDING, "td_quote: report_data differs from the HCL "
				"report's TD report");
	if (CRYPTO_memcmp(info.p, want, sizeof(want)) != 0)
		return eaa_fail(err, EAA_E_BINDING, "td_quote: TD info (attributes, XFAM, MRTD, "
				"config ids, RTMRs) differs from the HCL report's TD report");
	return true;
}

/* The hardware report's report_data must begin with SHA-256 of the runtime
 * claims (the hash type the HCL report names; hcl_report_parse refuses
 * others). */
static bool runtime_bound(const struct hcl_report *h, const uint8_t *report_data,
			  const char *what, struct eaa_err *err)
{
	uint8_t d[SHA256_DIGEST_LENGTH];

	SHA256(h->var_data, h->var_len, d);
	if (CRYPTO_memcmp(d, report_data, sizeof(d)) != 0)
		return eaa_fail(err, EAA_E_BINDING, "%s report_data does not carry SHA-256 of "
				"the HCL report's runtime claims", what);
	return true;
}

static X509 *vcek_of(const struct az_evidence *e, struct eaa_err *err)
{
	const unsigned char *p = e->vcek;
	X509 *x = NULL;
	BIO *b;

	if (e->version == 0) {
		if ((b = BIO_new_mem_buf(e->vcek, (int)e->vcek_len)) != NULL)
			x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		x = d2i_X509(NULL, &p, (long)e->vcek_len);
		if (x && p != e->vcek + e->vcek_len) {
			X509_free(x);
			x = NULL;
		}
	}
	ERR_clear_error();
	if (!x)
		eaa_fail(err, EAA_E_FORMAT, "vcek: not a %s certificate", e->version ? "DER" : "PEM");
	return x;
}

static json_t *verify_snp(const struct az_evidence *e, const struct hcl_report *h,
			  const struct az_verify_opts *o, struct eaa_err *err)
{
	struct snp_verify_opts so = { .at = o->at ? o->at : time(NULL) };
	struct snp_report r;
	struct snp_cert_ext ext;
	const char *want;
	json_t *c = NULL;
	X509 *vcek;

	if (!snp_report_parse(h->hw, HCL_HW_REPORT_SIZE, &r, err))
		return eaa_err_prefix(err, "HCL report"), NULL;
	if (!(vcek = vcek_of(e, err)))
		return NULL;
	if (!snp_report_verify(h->hw, &r, vcek, &so, err) || !snp_cert_ext_parse(vcek, &ext, err))
		goto out;
	ext.product[strcspn(ext.product, "-")] = '\0';
	/* the chain was picked by the certificate's product name: a report
	 * that says its CPU must say the same line */
	want = snp_product_of(&r, NULL);
	if (want && strcmp(want, ext.product) != 0) {
		eaa_fail(err, EAA_E_UNTRUSTED, "SNP report: a %s CPU, but the VCEK is %s's",
			 want, ext.product);
		goto out;
	}
	/* the paravisor runs at VMPL 0; a report from a higher VMPL could come
	 * from the guest, which chooses its own report_data */
	if (r.vmpl != 0) {
		eaa_fail(err, EAA_E_UNTRUSTED, "SNP report: VMPL %u, not the paravisor's 0",
			 r.vmpl);
		goto out;
	}
	if (runtime_bound(h, r.report_data, "SNP report", err))
		c = snp_claims(&r, ext.product);
out:
	X509_free(vcek);
	return c;
}

static json_t *verify_tdx(const struct az_evidence *e, const struct hcl_report *h,
			  const struct az_verify_opts *o, struct eaa_err *err)
{
	struct quote_verify_opts vo = { .at = o->at ? o->at : time(NULL) };
	struct collateral col;
	struct quote_result res;
	struct quote *q = malloc(sizeof(*q));
	bool have_col = false, ok;
	json_t *c = NULL;
	X509 *root = NULL;

	if (!q)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory"), NULL;
	ok = quote_parse(e->td_quote, e->td_quote_len, q, err) ||
	     eaa_err_prefix(err, "td_quote");
	if (ok && strcmp(quote_tee_name(q), "tdx") != 0)
		ok = eaa_fail(err, EAA_E_TEE_MISMATCH, "td_quote: an %s quote, not a TD quote",
			      quote_tee_name(q));
	if (ok && o->collateral_dir) {
		char dir[PATH_MAX + 16];

		root = intel_root_ca();
		ok = have_col = root &&
			collateral_for_quote(q, o->collateral_dir, NULL, root, vo.at, dir,
					     sizeof(dir), err) &&
			collateral_load_dir(dir, root, vo.at, &col, err);
		vo.col = have_col ? &col : NULL;
	}
	vo.allow_no_collateral = !o->collateral_dir;
	ok = ok && quote_verify(q, &vo, &res, err);
	ok = ok && td_report_is_quoted(h->hw, q, err);
	ok = ok && runtime_bound(h, q->tdx.report_data, "TD quote", err);
	if (ok && !(c = quote_claims(q, &res)))
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	if (have_col)
		collateral_free(&col);
	X509_free(root);
	free(q);
	return c;
}

static bool set_hex(json_t *o, const char *k, const uint8_t *p, size_t n)
{
	char *h = hex_encode(p, n);
	bool ok = h && json_object_set_new(o, k, json_string(h)) == 0;

	free(h);
	return ok;
}

/* trustee's names where it has them: tpm.pcr00..pcrNN, report_data (the
 * TPM quote's qualifyingData), init_data (PCR 8); the hardware claims
 * under "snp" or "tdx" (trustee puts them flat, where its report_data
 * would clash). */
static json_t *claims(const struct az_evidence *e, const struct tpm_quote *q,
		      const struct az_runtime *rt, json_t *hw, const struct az_verify_opts *o)
{
	json_t *c = json_object(), *tpm = json_object(), *bind = json_object();
	bool ok = c && tpm && bind && hw;
	char name[8];

	for (size_t i = 0; ok && i < e->npcrs; i++) {
		snprintf(name, sizeof(name), "pcr%02zu", i);
		ok = set_hex(tpm, name, e->pcrs[i], 32);
	}
	ok = ok && set_hex(c, "report_data", q->info.extraData.buffer, q->info.extraData.size);
	if (ok && e->npcrs > 8)
		ok = set_hex(c, "init_data", e->pcrs[8], 32);
	if (ok && rt->has_user_data)
		ok = set_hex(c, "user_data", rt->user_data, rt->user_data_len);
	ok = ok &&
	     json_object_set_new(bind, "evidence_version", json_integer(e->version)) == 0 &&
	     json_object_set_new(bind, "runtime_claims", json_string(
		     e->kind == AZ_SNP_VTPM ? "sha256 in snp.report_data[0..32]"
					    : "sha256 in td_quote.report_data[0..32]")) == 0 &&
	     json_object_set_new(bind, "tpm_ak", json_string("runtime_claims.keys[kid=HCLAkPub]"))
		     == 0 &&
	     json_object_set_new(bind, "tpm_nonce_checked", json_boolean(o->report_data)) == 0 &&
	     json_object_set_new(bind, "user_data_checked", json_boolean(e->version >= 2)) == 0 &&
	     json_object_set_new(c, "tpm", tpm) == 0 &&
	     json_object_set_new(c, "binding", bind) == 0 &&
	     json_object_set(c, "runtime_claims", rt->doc) == 0 &&
	     json_object_set_new(c, e->kind == AZ_SNP_VTPM ? "snp" : "tdx", hw) == 0;
	tpm = bind = hw = NULL;
	if (!ok) {
		json_decref(c);
		return NULL;
	}
	return c;
}

json_t *az_verify(const struct az_evidence *e, const struct az_verify_opts *o,
		  struct eaa_err *err)
{
	struct hcl_report h;
	struct az_runtime rt = { 0 };
	struct tpm_quote *q = NULL;
	struct tpm_verify_opts to = { .nonce = o->report_data, .nonce_len = o->report_data_len };
	json_t *hw = NULL, *c = NULL;
	bool snp = e->kind == AZ_SNP_VTPM;

	if (!hcl_report_parse(e->hcl, e->hcl_len, &h, err))
		return NULL;
	if (h.report_type != (snp ? HCL_REPORT_SNP : HCL_REPORT_TDX))
		return eaa_fail(err, EAA_E_TEE_MISMATCH, "HCL report: report_type %u in %s "
				"evidence", h.report_type, az_kind_name(e->kind)), NULL;
	if (!az_runtime_parse(h.var_data, h.var_len, &rt, err))
		return NULL;
	if (!(hw = snp ? verify_snp(e, &h, o, err) : verify_tdx(e, &h, o, err)))
		goto out;
	if (!(q = malloc(sizeof(*q)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	to.aks = &rt.ak;
	to.naks = 1;
	if (!az_tpm_quote(e, rt.ak, q, err) || !tpm_trustee_verify(q, rt.ak, &to, err))
		goto out;
	/* from version 2 the runtime claims' user-data carries the report
	 * data too (trustee: its first report_data bytes). The quote's
	 * qualifyingData is the report data (checked above when the caller
	 * gave it, by rats_raw_verify otherwise), so user-data must begin
	 * with it. */
	if (e->version >= 2 &&
	    (!rt.has_user_data || rt.user_data_len < q->info.extraData.size ||
	     CRYPTO_memcmp(rt.user_data, q->info.extraData.buffer,
			   q->info.extraData.size) != 0)) {
		eaa_fail(err, EAA_E_BINDING, "runtime claims: user-data does not begin with the "
			 "expected report_data");
		goto out;
	}
	if (!(c = claims(e, q, &rt, hw, o)))
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
	hw = NULL;
out:
	json_decref(hw);
	free(q);
	az_runtime_free(&rt);
	return c;
}
