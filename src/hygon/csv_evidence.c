/* csv_evidence.c - trustee's CSV evidence JSON, as its attester and csv-rs
 * write it:
 *   { "attestation_report": { "magic": [16], "flags": n, "data": [4096] },
 *     "cert_chain": { "pek": <the PEK as serde writes the struct>, ... },
 *     "serial_number": [64], "cc_eventlog": ... }
 * turned into the binary report csv_report_parse takes. The PEK and serial
 * beside the report are copies: they must equal the report's own, which is
 * what is verified. HSK/CEK and the event log are not read from here. */
#include <stdlib.h>
#include <string.h>
#include "bytes.h"
#include "csv.h"
#include "json_util.h"

static bool put_array(struct wr *w, const json_t *v, size_t n)
{
	uint8_t *b = NULL;
	size_t len = 0;
	bool ok = json_is_array(v) && json_get_bytes(v, n, &b, &len) && len == n &&
		  wr_bytes(w, b, n);

	free(b);
	return ok;
}

static bool put_int(struct wr *w, const json_t *o, const char *path, int bytes)
{
	json_t *v = (json_t *)o;
	char key[64];
	const char *p = path;

	/* a dotted path of objects */
	while (v && *p) {
		size_t k = strcspn(p, ".");

		if (k >= sizeof(key))
			return false;
		memcpy(key, p, k);
		key[k] = '\0';
		v = json_object_get(v, key);
		p += k + (p[k] == '.');
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (bytes < 8 && json_integer_value(v) >> (8 * bytes)))
		return false;
	switch (bytes) {
	case 1: return wr_u8(w, (uint8_t)json_integer_value(v));
	case 2: return wr_u16le(w, (uint16_t)json_integer_value(v));
	default: return wr_u32le(w, (uint32_t)json_integer_value(v));
	}
}

/* The serde form of csv-rs's certificate struct, field by field. */
static bool pek_binary(const json_t *pek, struct wr *w)
{
	const json_t *data = json_object_get(json_object_get(pek, "body"), "data");
	const json_t *key = json_object_get(json_object_get(data, "pubkey"), "key");
	const json_t *sigs = json_object_get(pek, "sigs");

	if (!put_int(w, pek, "body.ver", 4) || !put_int(w, data, "firmware.major", 1) ||
	    !put_int(w, data, "firmware.minor", 1) || !put_int(w, data, "reserved1", 2) ||
	    !put_int(w, data, "pubkey.usage", 4) || !put_int(w, data, "pubkey.algo", 4) ||
	    !put_int(w, key, "g", 4) || !put_array(w, json_object_get(key, "x"), 72) ||
	    !put_array(w, json_object_get(key, "y"), 72) || !put_int(w, data, "uid_size", 2) ||
	    !put_array(w, json_object_get(data, "user_id"), 254) ||
	    !put_array(w, json_object_get(data, "sid"), 16) ||
	    !put_array(w, json_object_get(data, "reserved2"), 608) ||
	    !json_is_array(sigs) || json_array_size(sigs) != 2)
		return false;
	for (size_t i = 0; i < 2; i++) {
		const json_t *s = json_array_get(sigs, i);
		const json_t *sig = json_object_get(s, "signature");

		if (!put_int(w, s, "usage", 4) || !put_int(w, s, "algo", 4) ||
		    !put_array(w, json_object_get(sig, "r"), 72) ||
		    !put_array(w, json_object_get(sig, "s"), 72) ||
		    !put_array(w, json_object_get(s, "_reserved"), 368))
			return false;
	}
	return w->len == CSV_CERT_SIZE;
}

bool csv_evidence_json(const char *text, size_t len, uint8_t **out, size_t *n,
		       struct eaa_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *ar = json_object_get(root, "attestation_report");
	const json_t *pek = json_object_get(json_object_get(root, "cert_chain"), "pek");
	struct wr report, pekb, sn;
	struct csv_report *r = NULL;
	bool ok = false;

	wr_init(&report);
	wr_init(&pekb);
	wr_init(&sn);
	if (!root) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: line %d: %s", je.line, je.text);
		goto out;
	}
	if (!put_array(&report, json_object_get(ar, "magic"), 16) ||
	    !put_int(&report, ar, "flags", 4) ||
	    !put_array(&report, json_object_get(ar, "data"), 4096)) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: attestation_report is not {magic: 16 "
			 "bytes, flags, data: 4096 bytes}");
		goto out;
	}
	if (!put_array(&sn, json_object_get(root, "serial_number"), CSV_SN_SIZE)) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: serial_number is not 64 bytes");
		goto out;
	}
	if (!pek || !pek_binary(pek, &pekb)) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: cert_chain.pek is not a PEK certificate");
		goto out;
	}
	/* An all-zero magic is the plain V1 report. */
	if (!(r = malloc(sizeof(*r)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	{
		struct rd m = rd_init(report.buf, 16);

		if (rd_all_zero(&m))
			memmove(report.buf, report.buf + 20, report.len -= 20);
	}
	if (!csv_report_parse(report.buf, report.len, r, err)) {
		eaa_err_prefix(err, "CSV evidence");
		goto out;
	}
	if (memcmp(r->pek.raw, pekb.buf, CSV_CERT_SIZE) != 0) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: cert_chain.pek is not the report's PEK");
		goto out;
	}
	if (memcmp(r->sn, sn.buf, CSV_SN_SIZE) != 0) {
		eaa_fail(err, EAA_E_FORMAT, "CSV evidence: serial_number is not the report's");
		goto out;
	}
	*out = wr_take(&report, n);
	ok = *out != NULL || eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	free(r);
	wr_free(&report);
	wr_free(&pekb);
	wr_free(&sn);
	json_decref(root);
	return ok;
}

/* ---- the other way: our report as trustee's form ---- */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}


/* pek_binary's inverse: the certificate's 2084 bytes as csv-rs's serde
 * writes the struct. */
static json_t *pek_json(const uint8_t *c)
{
	json_t *sigs = json_array();

	for (size_t i = 0; sigs && i < 2; i++) {
		const uint8_t *g = c + 1044 + i * 520;

		if (json_array_append_new(sigs, json_pack("{s:I, s:I, s:{s:o, s:o}, s:o}", "usage",
							  (json_int_t)le32(g), "algo",
							  (json_int_t)le32(g + 4), "signature", "r",
							  json_byte_array(g + 8, 72), "s", json_byte_array(g + 80, 72),
							  "_reserved", json_byte_array(g + 152, 368))) != 0) {
			json_decref(sigs);
			sigs = NULL;
		}
	}
	return json_pack("{s:{s:I, s:{s:{s:i, s:i}, s:i, s:{s:I, s:I, s:{s:I, s:o, s:o}}, s:i, "
			 "s:o, s:o, s:o}}, s:o}",
			 "body", "ver", (json_int_t)le32(c), "data", "firmware", "major", c[4],
			 "minor", c[5], "reserved1", c[6] | c[7] << 8, "pubkey", "usage",
			 (json_int_t)le32(c + 8), "algo", (json_int_t)le32(c + 12), "key", "g",
			 (json_int_t)le32(c + 16), "x", json_byte_array(c + 20, 72), "y", json_byte_array(c + 92, 72),
			 "uid_size", c[164] | c[165] << 8, "user_id", json_byte_array(c + 166, 254), "sid",
			 json_byte_array(c + 420, 16), "reserved2", json_byte_array(c + 436, 608), "sigs", sigs);
}

json_t *csv_evidence_to_json(const uint8_t *raw, size_t n, struct eaa_err *err)
{
	static const uint8_t zero[20];
	uint8_t data[4096] = { 0 }, sn[CSV_SN_SIZE] = { 0 };
	const uint8_t *head = zero;
	struct csv_report *r = malloc(sizeof(*r));
	json_t *out = NULL;

	if (!r) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		return NULL;
	}
	if (!csv_report_parse(raw, n, r, err))
		goto done;
	/* a version 2 or 3 report comes with its magic and flags (the
	 * ATTESTATION_EXT wrapper: 20 bytes, then 4096); a version 1 report
	 * is the data alone, zero magic, padded as csv-rs pads it */
	if (n == 20 + sizeof(data) && memcmp(raw, zero, 16) != 0) {
		head = raw;
		memcpy(data, raw + 20, sizeof(data));
	} else if (n <= sizeof(data)) {
		memcpy(data, raw, n);
	} else {
		eaa_fail(err, EAA_E_FORMAT, "CSV report: %zu bytes do not fit trustee's form", n);
		goto done;
	}
	memcpy(sn, r->sn, strnlen(r->sn, CSV_SN_SIZE));
	if (!(out = json_pack("{s:{s:o, s:I, s:o}, s:{s:o}, s:o, s:n}", "attestation_report",
			      "magic", json_byte_array(head, 16), "flags", (json_int_t)le32(head + 16), "data",
			      json_byte_array(data, sizeof(data)), "cert_chain", "pek", pek_json(r->pek.raw),
			      "serial_number", json_byte_array(sn, sizeof(sn)), "cc_eventlog")))
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
done:
	free(r);
	return out;
}
