/* quote.c - split Intel SGX/TDX ECDSA quotes into fields (see quote.h).
 *
 * Trailing bytes: some guest stacks return the quote in a fixed-size buffer,
 * so a quote may be followed by zero padding (tdx_quote_6.dat in our test
 * data is such a quote). Padding is accepted only if every byte is zero and
 * is reported in trailing_zeros; any other byte after the signature data is
 * refused, because nothing signs it and a parser that ignored it could be
 * made to disagree with another about where the quote ends. */
#include <string.h>
#include "quote.h"

bool sgx_report_parse(struct rd *r, struct sgx_report *s)
{
	struct rd body;

	return rd_sub(r, 384, &body) &&
	       rd_bytes(&body, s->cpu_svn, 16) &&
	       rd_u32le(&body, &s->misc_select) &&
	       rd_skip(&body, 12) &&
	       rd_bytes(&body, s->isv_ext_prod_id, 16) &&
	       rd_bytes(&body, s->attributes, 16) &&
	       rd_bytes(&body, s->mr_enclave, 32) &&
	       rd_skip(&body, 32) &&
	       rd_bytes(&body, s->mr_signer, 32) &&
	       rd_skip(&body, 32) &&
	       rd_bytes(&body, s->config_id, 64) &&
	       rd_u16le(&body, &s->isv_prod_id) &&
	       rd_u16le(&body, &s->isv_svn) &&
	       rd_u16le(&body, &s->config_svn) &&
	       rd_skip(&body, 42) &&
	       rd_bytes(&body, s->isv_family_id, 16) &&
	       rd_bytes(&body, s->report_data, 64) &&
	       rd_done(&body);
}

static bool tdx_report_parse(struct rd *r, bool v15, struct tdx_report *t)
{
	bool ok = rd_bytes(r, t->tee_tcb_svn, 16) &&
		  rd_bytes(r, t->mr_seam, 48) &&
		  rd_bytes(r, t->mr_signer_seam, 48) &&
		  rd_bytes(r, t->seam_attributes, 8) &&
		  rd_bytes(r, t->td_attributes, 8) &&
		  rd_bytes(r, t->xfam, 8) &&
		  rd_bytes(r, t->mr_td, 48) &&
		  rd_bytes(r, t->mr_config_id, 48) &&
		  rd_bytes(r, t->mr_owner, 48) &&
		  rd_bytes(r, t->mr_owner_config, 48) &&
		  rd_bytes(r, t->rtmr, sizeof(t->rtmr)) &&
		  rd_bytes(r, t->report_data, 64);

	if (ok && v15)
		ok = rd_bytes(r, t->tee_tcb_svn2, 16) &&
		     rd_bytes(r, t->mr_servicetd, 48);
	return ok;
}

static bool parse_header(struct rd *r, struct quote *q, struct eaa_err *err)
{
	if (!rd_u16le(r, &q->version) || !rd_u16le(r, &q->att_key_type))
		return eaa_fail(err, EAA_E_FORMAT, "quote header: truncated");
	if (q->version < 3 || q->version > 5)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote header: version %u (want 3, 4 or 5)",
				q->version);
	if (q->att_key_type != QUOTE_ATT_KEY_ECDSA_P256)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote header: attestation key type %u (want 2, "
				"ECDSA-P256)", q->att_key_type);
	if (q->version == 3) {
		/* v3 predates TDX: the TEE type field is reserved (zero). */
		if (!rd_u32le(r, &q->tee_type) || !rd_u16le(r, &q->qe_svn) ||
		    !rd_u16le(r, &q->pce_svn))
			return eaa_fail(err, EAA_E_FORMAT,
					"quote header: truncated");
	} else if (!rd_u32le(r, &q->tee_type) || !rd_skip(r, 4)) {
		return eaa_fail(err, EAA_E_FORMAT, "quote header: truncated");
	}
	if (!rd_bytes(r, q->qe_vendor_id, 16) || !rd_bytes(r, q->user_data, 20))
		return eaa_fail(err, EAA_E_FORMAT, "quote header: truncated");
	if (q->version == 3 && q->tee_type != QUOTE_TEE_SGX)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote header: v3 quote with TEE type 0x%x "
				"(v3 is SGX only)", q->tee_type);
	if (q->version == 4 && q->tee_type != QUOTE_TEE_TDX)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote header: v4 quote with TEE type 0x%x "
				"(want 0x81, TDX)", q->tee_type);
	if (q->tee_type != QUOTE_TEE_SGX && q->tee_type != QUOTE_TEE_TDX)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote header: TEE type 0x%x", q->tee_type);
	return true;
}

static bool parse_body(struct rd *r, struct quote *q, struct eaa_err *err)
{
	uint32_t size, want;
	struct rd body;

	if (q->version == 3) {
		q->body_type = QUOTE_BODY_SGX;
		if (!sgx_report_parse(r, &q->sgx))
			return eaa_fail(err, EAA_E_FORMAT,
					"quote body: truncated SGX report");
		return true;
	}
	if (q->version == 4) {
		q->body_type = QUOTE_BODY_TDX10;
		if (!tdx_report_parse(r, false, &q->tdx))
			return eaa_fail(err, EAA_E_FORMAT,
					"quote body: truncated TD report");
		return true;
	}
	if (!rd_u16le(r, &q->body_type) || !rd_u32le(r, &size))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote body: truncated body descriptor");
	switch (q->body_type) {
	case QUOTE_BODY_SGX: want = 384; break;
	case QUOTE_BODY_TDX10: want = 584; break;
	case QUOTE_BODY_TDX15: want = 648; break;
	default:
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"quote body: body type %u", q->body_type);
	}
	if (size != want)
		return eaa_fail(err, EAA_E_FORMAT,
				"quote body: type %u body of %u bytes (want %u)",
				q->body_type, size, want);
	if ((q->body_type == QUOTE_BODY_SGX) != (q->tee_type == QUOTE_TEE_SGX))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote body: body type %u in a quote for TEE "
				"type 0x%x", q->body_type, q->tee_type);
	if (!rd_sub(r, size, &body))
		return eaa_fail(err, EAA_E_FORMAT, "quote body: truncated");
	if (q->body_type == QUOTE_BODY_SGX ? !sgx_report_parse(&body, &q->sgx) :
	    !tdx_report_parse(&body, q->body_type == QUOTE_BODY_TDX15, &q->tdx))
		return eaa_fail(err, EAA_E_FORMAT, "quote body: truncated");
	return true;
}

/* Certification data header: u16 type, u32 size, then size bytes. */
static bool cert_data(struct rd *r, uint16_t want, struct rd *data,
		      const char *where, struct eaa_err *err)
{
	uint16_t type;
	uint32_t size;

	if (!rd_u16le(r, &type) || !rd_u32le(r, &size))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: truncated certification data header", where);
	if (type != want)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"%s: certification data type %u (want %u)",
				where, type, want);
	if (!rd_sub(r, size, data))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: certification data of %u bytes overruns "
				"the quote", where, size);
	return true;
}

/* QE report, its signature, the QE authentication data, then the PCK chain. */
static bool parse_qe_part(struct rd *r, struct quote *q, const char *where,
			  struct eaa_err *err)
{
	uint16_t auth_len;
	struct rd raw;

	if (!rd_sub(r, 384, &q->qe_report_raw))
		return eaa_fail(err, EAA_E_FORMAT, "%s: truncated QE report", where);
	raw = q->qe_report_raw;
	sgx_report_parse(&raw, &q->qe_report);
	if (!rd_bytes(r, q->qe_report_sig, 64))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: truncated QE report signature", where);
	if (!rd_u16le(r, &auth_len) || !rd_sub(r, auth_len, &q->qe_auth))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: truncated QE authentication data", where);
	if (!cert_data(r, QUOTE_CERT_PCK_CHAIN, &q->pck_chain, where, err))
		return false;
	if (!rd_done(r))
		return eaa_fail(err, EAA_E_FORMAT,
				"%s: %zu unexpected bytes after the PCK chain",
				where, rd_left(r));
	return true;
}

bool quote_parse(const uint8_t *p, size_t n, struct quote *q,
		 struct eaa_err *err)
{
	struct rd r = rd_init(p, n), sig, qe;
	uint32_t sig_len;

	memset(q, 0, sizeof(*q));
	if (n > QUOTE_MAX_LEN)
		return eaa_fail(err, EAA_E_FORMAT,
				"quote: %zu bytes (at most %u)", n, QUOTE_MAX_LEN);
	if (!parse_header(&r, q, err) || !parse_body(&r, q, err))
		return false;
	q->signed_data = rd_init(p, n - rd_left(&r));
	if (!rd_u32le(&r, &sig_len) || !rd_sub(&r, sig_len, &sig))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote signature data: truncated (%zu bytes "
				"left)", rd_left(&r));
	if (!rd_all_zero(&r))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote: %zu bytes after the signature data are "
				"not zero padding", rd_left(&r));
	q->trailing_zeros = rd_left(&r);
	if (!rd_bytes(&sig, q->signature, 64) || !rd_bytes(&sig, q->att_key, 64))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote signature data: truncated signature or "
				"attestation key");
	if (q->version == 3)
		return parse_qe_part(&sig, q, "quote signature data", err);
	if (!cert_data(&sig, QUOTE_CERT_QE_REPORT, &qe, "quote signature data",
		       err))
		return false;
	if (!rd_done(&sig))
		return eaa_fail(err, EAA_E_FORMAT,
				"quote signature data: %zu unexpected bytes after "
				"the certification data", rd_left(&sig));
	return parse_qe_part(&qe, q, "QE report certification data", err);
}

const char *quote_tee_name(const struct quote *q)
{
	return q->tee_type == QUOTE_TEE_TDX ? "tdx" : "sgx";
}
