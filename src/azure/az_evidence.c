/* az_evidence.c - trustee's JSON forms of Azure vTPM evidence (azure.h),
 * every version trustee's compat.rs accepts:
 *   v0 (no "version"): SNP {"quote": Q0, "report": [bytes], "vcek": PEM};
 *      TDX {"tpm_quote": Q0, "hcl_report": [bytes], "td_quote": [bytes]};
 *      Q0 = {"signature": [bytes], "message": [bytes], "pcrs": [[32 bytes]...]}
 *   v1, v2 ("version": 1 or 2): {"tpm_quote": Q1, "hcl_report": b64url,
 *      "vcek": b64url DER | "td_quote": b64url};
 *      Q1 = {"signature": hex, "message": hex, "pcrs": [hex...]}
 * v2 differs from v1 only in meaning: the runtime claims' user-data then
 * carries the report_data, and az_verify checks it. */
#include <stdlib.h>
#include <string.h>
#include "azure.h"
#include "codec.h"
#include "json_util.h"

#define MAX_BLOB (1u << 20)

const char *az_kind_name(enum az_kind kind)
{
	return kind == AZ_SNP_VTPM ? "az-snp-vtpm" : "az-tdx-vtpm";
}

void az_evidence_free(struct az_evidence *e)
{
	free(e->hcl);
	free(e->msg);
	free(e->sig);
	free(e->vcek);
	free(e->td_quote);
	memset(e, 0, sizeof(*e));
}

/* A v1/v2 field: hex or base64url text; a v0 field: Rust's byte array. */
static bool field(const json_t *o, const char *name, int version, bool hex, uint8_t **out,
		  size_t *n, struct eaa_err *err)
{
	const json_t *v = json_object_get(o, name);
	const char *s = json_string_value(v);
	bool ok;

	if (version == 0)
		ok = json_is_array(v) && json_get_bytes(v, MAX_BLOB, out, n);
	else if (hex)
		ok = s && hex_decode(s, out, n);
	else
		ok = s && base64_decode(s, true, out, n);
	if (!ok || *n == 0)
		return eaa_fail(err, EAA_E_FORMAT, "%s: not %s", name,
				version == 0 ? "an array of bytes" : hex ? "hex" : "base64url");
	return true;
}

static bool read_pcrs(const json_t *tq, int version, struct az_evidence *e, struct eaa_err *err)
{
	const json_t *pcrs = json_object_get(tq, "pcrs"), *p;
	size_t i;

	if (!json_is_array(pcrs) || json_array_size(pcrs) == 0 ||
	    json_array_size(pcrs) > AZ_MAX_PCRS)
		return eaa_fail(err, EAA_E_FORMAT, "tpm_quote.pcrs: want 1 to %d SHA-256 values",
				AZ_MAX_PCRS);
	json_array_foreach(pcrs, i, p) {
		uint8_t *b = NULL;
		size_t n = 0;
		bool ok = version == 0 ? json_get_bytes(p, 32, &b, &n)
				       : json_is_string(p) && hex_decode(json_string_value(p), &b, &n);

		if (ok && n == 32)
			memcpy(e->pcrs[i], b, 32);
		free(b);
		if (!ok || n != 32)
			return eaa_fail(err, EAA_E_FORMAT, "tpm_quote.pcrs[%zu]: not 32 bytes", i);
	}
	e->npcrs = json_array_size(pcrs);
	return true;
}

bool az_evidence_parse(const json_t *ev, enum az_kind kind, struct az_evidence *e,
		       struct eaa_err *err)
{
	const json_t *ver = json_object_get(ev, "version"), *tq;
	bool snp = kind == AZ_SNP_VTPM, ok;

	memset(e, 0, sizeof(*e));
	e->kind = kind;
	if (!json_is_object(ev))
		return eaa_fail(err, EAA_E_FORMAT, "%s evidence: not a JSON object",
				az_kind_name(kind));
	if (ver) {
		if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
		    json_integer_value(ver) > 2)
			return eaa_fail(err, EAA_E_UNSUPPORTED, "%s evidence: version %s (0, 1 "
					"and 2 are known)", az_kind_name(kind),
					json_is_integer(ver) ? "out of range" : "not a number");
		e->version = (int)json_integer_value(ver);
	}
	tq = json_object_get(ev, e->version == 0 && snp ? "quote" : "tpm_quote");
	if (!json_is_object(tq))
		return eaa_fail(err, EAA_E_FORMAT, "%s evidence v%d: no TPM quote object",
				az_kind_name(kind), e->version);
	ok = field(tq, "message", e->version, true, &e->msg, &e->msg_len, err) &&
	     field(tq, "signature", e->version, true, &e->sig, &e->sig_len, err) &&
	     read_pcrs(tq, e->version, e, err) &&
	     field(ev, e->version == 0 && snp ? "report" : "hcl_report", e->version, false,
		   &e->hcl, &e->hcl_len, err);
	if (ok && snp && e->version == 0) {
		const char *pem = json_string_value(json_object_get(ev, "vcek"));

		ok = pem && (e->vcek = (uint8_t *)strdup(pem)) != NULL;
		e->vcek_len = ok ? strlen(pem) : 0;
		if (!ok)
			eaa_fail(err, EAA_E_FORMAT, "vcek: not a PEM string");
	} else if (ok && snp) {
		ok = field(ev, "vcek", e->version, false, &e->vcek, &e->vcek_len, err);
	} else if (ok) {
		ok = field(ev, "td_quote", e->version, false, &e->td_quote, &e->td_quote_len, err);
	}
	if (!ok) {
		az_evidence_free(e);
		return eaa_err_prefix(err, "%s evidence", az_kind_name(kind));
	}
	return true;
}

bool az_evidence_load(const char *json, size_t n, enum az_kind kind, struct az_evidence *e,
		      struct eaa_err *err)
{
	json_error_t je;
	json_t *ev = json_loadb(json, n, JSON_REJECT_DUPLICATES, &je);
	bool ok;

	if (!ev) {
		memset(e, 0, sizeof(*e));
		return eaa_fail(err, EAA_E_FORMAT, "%s evidence: not JSON (line %d: %s)",
				az_kind_name(kind), je.line, je.text);
	}
	ok = az_evidence_parse(ev, kind, e, err);
	json_decref(ev);
	return ok;
}
