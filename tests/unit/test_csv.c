/* test_csv.c - Hygon CSV on real data (tests/data/hygon):
 * - the built-in HRK is hrk.cert and signs itself; HRK -> HSK -> CEK holds
 *   for csv-rs's pair, alone and concatenated;
 * - csvrs_report.cert is a raw firmware report (PEK and serial masked, the
 *   HMAC intact) whose PEK chains to that CEK: HRK -> ... -> report;
 * - csv_evidence.json's report verifies against its PEK, its missing
 *   HSK/CEK are named, and another chip's CEK is refused;
 * - every byte of the report flipped, every byte of the signed parts of
 *   HSK and CEK flipped, and every truncation, is refused.
 * Policies and versions no real sample has (debug guests, V2 and V3) are
 * checked on a chain forged under a test HRK (forge_csv.c). */
#include <stdlib.h>
#include <string.h>
#include "csv.h"
#include "file.h"
#include "forge_csv.h"
#include "../test.h"

static uint8_t *load(const char *name, size_t *n)
{
	char path[512];
	uint8_t *raw = NULL;

	snprintf(path, sizeof(path), "%s/hygon/%s", getenv("EAA_TESTDATA"), name);
	if (!file_read(path, 1 << 20, &raw, n, NULL)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	return raw;
}

static bool verify(const uint8_t *p, size_t n, const uint8_t *hc, size_t hn,
		   const struct csv_verify_opts *o, struct eaa_err *err)
{
	struct csv_report *r = malloc(sizeof(*r));
	bool ok = r && csv_report_parse(p, n, r, err) && csv_report_verify(r, hc, hn, o, err);

	free(r);
	return ok;
}

static void test_certs(void)
{
	size_t n, hn, cn, pn;
	uint8_t *hrk = load("hrk.cert", &n), *hsk = load("csvrs_hsk.cert", &hn);
	uint8_t *cek = load("csvrs_cek.cert", &cn), *pair = load("csvrs_hsk_cek.cert", &pn);
	struct csv_ca_cert h, s;
	struct csv_cert c;
	struct eaa_err err;

	CHECK(csv_hrk() != NULL);
	CHECK(n == CSV_CA_CERT_SIZE && memcmp(csv_hrk()->raw, hrk, n) == 0);
	CHECK(csv_ca_cert_parse(hsk, hn, &s, &err) && s.usage == CSV_USAGE_HSK);
	CHECK(s.key.uid_len == 13 && memcmp(s.key.uid, "HYGON-SSD-HSK", 13) == 0);
	CHECK_MSG(csv_hsk_verify(csv_hrk(), &s, &err), "%s", err.msg);
	CHECK(csv_cert_parse(cek, cn, &c, &err) && c.usage == CSV_USAGE_CEK);
	CHECK_MSG(csv_cek_verify(&s, &c, &err), "%s", err.msg);
	CHECK(pn == CSV_HSK_CEK_SIZE && memcmp(pair, hsk, hn) == 0 &&
	      memcmp(pair + hn, cek, cn) == 0);
	CHECK_MSG(csv_hsk_cek_parse(pair, pn, csv_hrk(), &s, &c, &err), "%s", err.msg);
	/* the HSK is no CEK signer for itself, nor the HRK a CEK */
	CHECK(csv_ca_cert_parse(hrk, n, &h, &err));
	CHECK(!csv_hsk_verify(&h, &h, &err) && strstr(err.msg, "not HSK"));
	CHECK(!csv_hsk_cek_parse(pair, pn - 1, csv_hrk(), &s, &c, &err) &&
	      strstr(err.msg, "not 2916"));
	/* swapped: the CEK where the HSK should be */
	CHECK(!csv_ca_cert_parse(cek, CSV_CA_CERT_SIZE, &s, &err));
	for (size_t k = 0; k < pn; k++)
		CHECK(!csv_hsk_cek_parse(pair, k, csv_hrk(), &s, &c, &err));
	/* every byte of the signed parts and of the signatures */
	{
		size_t refused = 0, total = 0;
		const size_t ranges[][2] = { { 0, 576 }, { 576, 720 },
					     { 832, 832 + 1044 }, { 832 + 1044, 832 + 1196 } };

		for (size_t i = 0; i < 4; i++)
			for (size_t k = ranges[i][0]; k < ranges[i][1]; k++, total++) {
				pair[k] ^= 0x01;
				refused += !csv_hsk_cek_parse(pair, pn, csv_hrk(), &s, &c, &err);
				pair[k] ^= 0x01;
			}
		CHECK_MSG(refused == total, "%zu of %zu flips refused", refused, total);
	}
	free(hrk);
	free(hsk);
	free(cek);
	free(pair);
}

static void test_firmware_report(void)
{
	size_t n, pn;
	uint8_t *rep = load("csvrs_report.cert", &n), *pair = load("csvrs_hsk_cek.cert", &pn);
	uint8_t want[64] = "user data", page[4096] = { 0 };
	struct csv_verify_opts o = { .report_data = want };
	struct csv_report *r = malloc(sizeof(*r));
	struct eaa_err err;
	json_t *c;

	CHECK(n == 2548);
	CHECK_MSG(csv_report_parse(rep, n, r, &err), "%s", err.msg);
	CHECK(r->version == 1 && r->firmware_form && r->anonce == 0x1291429b);
	CHECK(strcmp(r->sn, "NZA9T14052605") == 0);
	CHECK(r->policy == 0x40000001 && r->sig_usage == CSV_USAGE_PEK && r->sig_algo == 4);
	CHECK(r->pek.usage == CSV_USAGE_PEK && r->pek.sig[1].usage == CSV_USAGE_OCA);
	CHECK_MSG(csv_report_verify(r, pair, pn, &o, &err), "%s", err.msg);
	c = csv_claims(r, true);
	CHECK(c && strcmp(json_string_value(json_object_get(c, "serial_number")),
			  "NZA9T14052605") == 0);
	CHECK(c && json_is_true(json_object_get(c, "policy_nodbg")));
	CHECK(c && strncmp(json_string_value(json_object_get(c, "report_data")),
			   "7573657220646174610000", 22) == 0);
	json_decref(c);
	/* its page, zero-padded as the device returns it */
	memcpy(page, rep, n);
	CHECK_MSG(verify(page, sizeof(page), pair, pn, &o, &err), "%s", err.msg);
	page[4000] = 1;
	CHECK(!verify(page, sizeof(page), pair, pn, &o, &err) && strstr(err.msg, "padding"));
	want[0] ^= 1;
	CHECK(!csv_report_verify(r, pair, pn, &o, &err) && err.code == EAA_E_BINDING);
	want[0] ^= 1;
	CHECK(!csv_report_verify(r, NULL, 0, &o, &err) && err.code == EAA_E_UNTRUSTED &&
	      strstr(err.msg, "NZA9T14052605"));
	/* Every byte matters: signed, MACed, or the mask itself. */
	{
		size_t refused = 0;

		for (size_t k = 0; k < n; k++) {
			rep[k] ^= 0x10;
			refused += !verify(rep, n, pair, pn, &o, &err);
			rep[k] ^= 0x10;
		}
		CHECK_MSG(refused == n, "%zu of %zu flips refused", refused, n);
	}
	for (size_t k = 0; k < n; k++)
		CHECK(!csv_report_parse(rep, k, r, &err));
	free(r);
	free(rep);
	free(pair);
}

/* The firmware's own form (as our csv attester sends it: masked, 2548
 * bytes) into trustee's form and back: the same report, PEK and serial. */
static void test_firmware_to_trustee(void)
{
	size_t n, bn = 0;
	uint8_t *rep = load("csvrs_report.cert", &n), *bin = NULL;
	struct csv_report *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct eaa_err err;
	json_t *j = csv_evidence_to_json(rep, n, &err);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	CHECK_MSG(text && csv_evidence_json(text, strlen(text), &bin, &bn, &err), "%s", err.msg);
	CHECK(a && b && csv_report_parse(rep, n, a, &err) && bin &&
	      csv_report_parse(bin, bn, b, &err) && memcmp(a->measure, b->measure, 32) == 0 &&
	      memcmp(a->report_data, b->report_data, 64) == 0 && strcmp(a->sn, b->sn) == 0 &&
	      memcmp(a->pek.raw, b->pek.raw, CSV_CERT_SIZE) == 0 && a->policy == b->policy);
	CHECK(!csv_evidence_to_json(rep, 100, &err));
	free(text);
	json_decref(j);
	free(bin);
	free(a);
	free(b);
	free(rep);
}

static void test_trustee_evidence(void)
{
	size_t n, pn, bn;
	uint8_t *json = load("csv_evidence.json", &n), *pair = load("csvrs_hsk_cek.cert", &pn);
	uint8_t *bin = NULL;
	struct csv_verify_opts o = { 0 };
	struct csv_report *r = malloc(sizeof(*r));
	struct eaa_err err;
	json_t *c;
	char *edit;

	CHECK_MSG(csv_evidence_json((char *)json, n, &bin, &bn, &err), "%s", err.msg);
	CHECK(bin && csv_report_parse(bin, bn, r, &err));
	/* back into trustee's form: the report, the PEK and the serial number
	 * as trustee's file has them, member for member */
	{
		json_t *orig = json_loadb((char *)json, n, 0, NULL);
		json_t *back = bin ? csv_evidence_to_json(bin, bn, &err) : NULL;

		CHECK_MSG(back && json_equal(json_object_get(back, "attestation_report"),
					     json_object_get(orig, "attestation_report")) &&
			  json_equal(json_object_get(back, "cert_chain"),
				     json_object_get(orig, "cert_chain")) &&
			  json_equal(json_object_get(back, "serial_number"),
				     json_object_get(orig, "serial_number")),
			  "csv_evidence_to_json: %s", back ? "differs from trustee's JSON" : err.msg);
		json_decref(back);
		json_decref(orig);
	}
	free(bin);
	CHECK(r->version == 1 && !r->firmware_form && strcmp(r->sn, "KPA64911240507") == 0);
	CHECK(r->policy == 0x45 && r->anonce == 0x5dc7d726);
	/* PEK -> report holds; the chain above it is that chip's */
	CHECK(csv_sm2_verify(&r->pek.key, r->tbs, r->tbs_len, r->r, r->s));
	CHECK(!csv_report_verify(r, NULL, 0, &o, &err) && err.code == EAA_E_UNTRUSTED &&
	      strstr(err.msg, "no HSK/CEK for chip KPA64911240507"));
	CHECK(!csv_report_verify(r, pair, pn, &o, &err) &&
	      strstr(err.msg, "PEK: the CEK's signature does not verify"));
	c = csv_claims(r, true);
	CHECK(c && json_is_string(json_object_get(c, "measure")));
	CHECK(c && json_integer_value(json_object_get(c, "policy")) == 0x45);
	json_decref(c);
	/* the PEK beside the report must be the report's */
	edit = strndup((char *)json, n);
	{
		char *x = strstr(edit, "\"x\":[");

		CHECK(x != NULL);
		if (x) {
			x += 5;
			*x = *x == '1' ? '2' : '1';
		}
	}
	CHECK(!csv_evidence_json(edit, n, &bin, &bn, &err) &&
	      strstr(err.msg, "not the report's PEK"));
	free(edit);
	CHECK(!csv_evidence_json("{}", 2, &bin, &bn, &err) && strstr(err.msg, "attestation_report"));
	for (size_t k = 0; k < n; k += 97)
		CHECK(!csv_evidence_json((char *)json, k, &bin, &bn, &err));
	free(r);
	free(json);
	free(pair);
}

/* The rules no real sample reaches, on a chain under a test HRK. */
static void forge_csv_tests(void)
{
	struct forge_csv f;
	uint8_t rd[64] = "bound", out[4200], tmp[CSV_CERT_SIZE];
	struct csv_verify_opts o = { 0 };
	struct csv_report *r = malloc(sizeof(*r));
	struct csv_ca_cert hsk;
	struct csv_cert cek;
	struct eaa_err err;
	size_t n;
	json_t *c;

	if (!forge_csv_init(&f)) {
		CHECK(!"forge_csv_init");
		free(r);
		return;
	}
	o.hrk = &f.root;
	o.report_data = rd;
	n = forge_csv_report(&f, 1, 0xa1b2c3d4, CSV_POLICY_NODBG, rd, NULL, out);
	CHECK(csv_report_parse(out, n, r, &err) && r->firmware_form);
	CHECK_MSG(verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err), "%s", err.msg);
	/* the same chain is foreign to the real HRK */
	o.hrk = NULL;
	CHECK(!verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err) &&
	      err.code == EAA_E_UNTRUSTED && strstr(err.msg, "HSK: certified by another key"));
	o.hrk = &f.root;
	/* a debuggable guest, refused unless allowed */
	n = forge_csv_report(&f, 1, 0xa1b2c3d4, 0, rd, NULL, out);
	CHECK(!verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err) &&
	      err.code == EAA_E_REJECTED && strstr(err.msg, "NODBG"));
	o.allow_debug = true;
	CHECK_MSG(verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err), "%s", err.msg);
	o.allow_debug = false;
	/* a bad HMAC in the firmware form */
	n = forge_csv_report(&f, 1, 0xa1b2c3d4, CSV_POLICY_NODBG, rd, NULL, out);
	out[n - 1] ^= 1;
	CHECK(!verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err) &&
	      strstr(err.msg, "HMAC"));
	/* V2 and V3, unmasked and wrapped */
	for (int v = 2; v <= 3; v++) {
		size_t refused = 0;

		n = forge_csv_report(&f, v, 0, CSV_POLICY_NODBG, rd, NULL, out);
		CHECK_MSG(csv_report_parse(out, n, r, &err) && r->version == v, "V%d: %s", v,
			  err.msg);
		CHECK_MSG(csv_report_verify(r, f.hsk_cek, sizeof(f.hsk_cek), &o, &err), "V%d: %s",
			  v, err.msg);
		c = csv_claims(r, true);
		CHECK(c && json_integer_value(json_object_get(c, "build")) == 2337);
		CHECK(c && strncmp(json_string_value(json_object_get(c, "rtmr1")), "1011", 4) == 0);
		CHECK(c && (v == 2) == (json_object_get(c, "host_data") == NULL));
		json_decref(c);
		for (size_t k = 20; k < 20 + 1024 + 144; k++) {
			out[k] ^= 0x04;
			refused += !verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err);
			out[k] ^= 0x04;
		}
		CHECK_MSG(refused == 1024 + 144, "V%d: %zu of 1168 flips refused", v, refused);
	}
	out[16] = 2;
	CHECK(!csv_report_parse(out, n, r, &err) && strstr(err.msg, "flags 0x2"));
	/* link rules: the CEK's signature in slot 2 is accepted (csv-rs),
	 * a CEK certified by another HSK id is not, nor a PEK whose slots
	 * hold no CEK signature */
	memcpy(tmp, f.hsk_cek + CSV_CA_CERT_SIZE, sizeof(tmp));
	memcpy(f.hsk_cek + CSV_CA_CERT_SIZE + 1564, tmp + 1044, 520);
	memcpy(f.hsk_cek + CSV_CA_CERT_SIZE + 1044, tmp + 1564, 520);
	CHECK_MSG(csv_hsk_cek_parse(f.hsk_cek, sizeof(f.hsk_cek), &f.root, &hsk, &cek, &err),
		  "%s", err.msg);
	f.hsk_cek[CSV_CA_CERT_SIZE + 1564] = 0x14;   /* slot usage: not the HSK's */
	CHECK(!csv_hsk_cek_parse(f.hsk_cek, sizeof(f.hsk_cek), &f.root, &hsk, &cek, &err) &&
	      strstr(err.msg, "no signature by an HSK"));
	memcpy(f.hsk_cek + CSV_CA_CERT_SIZE, tmp, sizeof(tmp));
	f.hsk_cek[CSV_CA_CERT_SIZE + 420] ^= 1;      /* sid */
	CHECK(!csv_hsk_cek_parse(f.hsk_cek, sizeof(f.hsk_cek), &f.root, &hsk, &cek, &err) &&
	      strstr(err.msg, "another key than this HSK"));
	f.hsk_cek[CSV_CA_CERT_SIZE + 420] ^= 1;
	f.pek_cert[1044] = 0x13;
	n = forge_csv_report(&f, 2, 0, CSV_POLICY_NODBG, rd, NULL, out);
	CHECK(!verify(out, n, f.hsk_cek, sizeof(f.hsk_cek), &o, &err) &&
	      strstr(err.msg, "no signature by a CEK"));
	forge_csv_free(&f);
	free(r);
}

int main(void)
{
	test_certs();
	test_firmware_report();
	test_trustee_evidence();
	test_firmware_to_trustee();
	forge_csv_tests();
	return test_summary();
}
