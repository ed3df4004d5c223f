/* test_snp_verifier.c - librats-tls's sev_snp verifier on the real Milan
 * report: the VCEK from the endorsements or from sev_snp.vcek, the verifier
 * time from sev_snp.at; report_data handed on for the binding check. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "codec.h"
#include "file.h"
#include "internal.h"
#include "../test.h"

extern const struct rats_verifier rats_verifier_sev_snp;

static bool run(char **kv, size_t nkv, const uint8_t *report, size_t rn,
		const uint8_t *vcek, size_t vn, struct rats_verified *out, struct eaa_err *err)
{
	struct rats_opts o = { kv, nkv };
	struct rats_evidence ev = { .tag = TAG_SEV_SNP, .quote = rd_init(report, rn),
				    .endorsements = rd_init(vcek, vn) };
	void *state = NULL;
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = rats_verifier_sev_snp.init(&o, &state, err) &&
	     rats_verifier_sev_snp.verify(state, &ev, out, err);
	rats_verifier_sev_snp.cleanup(state);
	return ok;
}

/* An extended report's certificate table: an ASK entry, the VCEK, the end. */
static void put_entry(uint8_t *p, const uint8_t guid[16], uint32_t off, uint32_t len)
{
	memcpy(p, guid, 16);
	for (int i = 0; i < 4; i++) {
		p[16 + i] = (uint8_t)(off >> (8 * i));
		p[20 + i] = (uint8_t)(len >> (8 * i));
	}
}

static void test_table(char **kv, const uint8_t *report, size_t rn, const uint8_t *vcek,
		       size_t vn)
{
	static const uint8_t vcek_guid[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
					       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
	static const uint8_t ask_guid[16] = { 0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f,
					      0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
	uint8_t *t = calloc(1, 72 + vn);
	struct rats_verified out;
	struct eaa_err err;

	if (!t)
		return;
	put_entry(t, ask_guid, 72, 1);
	put_entry(t + 24, vcek_guid, 72, (uint32_t)vn);
	memcpy(t + 72, vcek, vn);
	CHECK_MSG(run(kv, 1, report, rn, t, 72 + vn, &out, &err), "%s", err.msg);
	json_decref(out.claims);
	/* the VCEK entry pointing past the table */
	put_entry(t + 24, vcek_guid, 72, (uint32_t)vn + 1);
	CHECK(!run(kv, 1, report, rn, t, 72 + vn, &out, &err) &&
	      strstr(err.msg, "is outside its"));
	/* no VCEK entry */
	memset(t + 24, 0, 24);
	CHECK(!run(kv, 1, report, rn, t, 72 + vn, &out, &err) && strstr(err.msg, "no VCEK"));
	free(t);
}

int main(void)
{
	char rpath[512], vpath[512], opt_vcek[600];
	char opt_at[] = "sev_snp.at=2026-11-01T00:00:00Z", opt_late[] = "sev_snp.at=2031-01-01T00:00:00Z";
	uint8_t *report = NULL, *vcek = NULL;
	size_t rn = 0, vn = 0;
	struct rats_verified out;
	struct eaa_err err;

	snprintf(rpath, sizeof(rpath), "%s/amd/test-report.bin", getenv("EAA_TESTDATA"));
	snprintf(vpath, sizeof(vpath), "%s/amd/test-vcek.der", getenv("EAA_TESTDATA"));
	snprintf(opt_vcek, sizeof(opt_vcek), "sev_snp.vcek=%s", vpath);
	CHECK(file_read(rpath, 1 << 20, &report, &rn, NULL) &&
	      file_read(vpath, 1 << 20, &vcek, &vn, NULL));
	if (!report || !vcek)
		return test_summary();
	{
		char *kv[] = { opt_at };

		CHECK_MSG(run(kv, 1, report, rn, vcek, vn, &out, &err), "%s", err.msg);
		CHECK(out.user_data_len == 64 && memcmp(out.user_data, report + 0x50, 64) == 0);
		CHECK(out.claims && strcmp(json_string_value(json_object_get(out.claims, "product")),
					   "Milan") == 0);
		json_decref(out.claims);
		/* no VCEK anywhere */
		CHECK(!run(kv, 1, report, rn, NULL, 0, &out, &err) &&
		      err.code == EAA_E_NO_EVIDENCE && strstr(err.msg, "no VCEK certificate"));
		/* endorsements that are neither a certificate nor a table */
		CHECK(!run(kv, 1, report, rn, report, 16, &out, &err) &&
		      strstr(err.msg, "endorsements: neither a certificate nor: certificate "
			     "table: entry 0 is cut short"));
		test_table(kv, report, rn, vcek, vn);
	}
	{
		char *kv[] = { opt_at, opt_vcek };

		CHECK_MSG(run(kv, 2, report, rn, NULL, 0, &out, &err), "%s", err.msg);
		json_decref(out.claims);
	}
	{
		/* the KDS cache alone serves the VCEK offline */
		char cache[] = "/tmp/test_snp_verifier-XXXXXX", file[700], opt_cache[600];
		char opt_product[] = "sev_snp.product=Milan";
		char *kv[] = { opt_at, opt_cache, opt_product };
		char *hex;
		struct eaa_err e2;

		CHECK(mkdtemp(cache) != NULL);
		hex = hex_encode(report + 0x1a0, 64);
		snprintf(file, sizeof(file), "%s/Milan-%s-0-3-0-8-115.der", cache, hex);
		free(hex);
		snprintf(opt_cache, sizeof(opt_cache), "sev_snp.kds_cache=%s", cache);
		CHECK(file_write_atomic(file, vcek, vn, 0644, &e2));
		CHECK_MSG(run(kv, 3, report, rn, NULL, 0, &out, &err), "%s", err.msg);
		json_decref(out.claims);
		unlink(file);
		rmdir(cache);
	}
	{
		char *kv[] = { opt_late };

		CHECK(!run(kv, 1, report, rn, vcek, vn, &out, &err) && err.code == EAA_E_EXPIRED);
	}
	{
		char bad[] = "sev_snp.at=yesterday";
		char *kv[] = { bad };

		CHECK(!run(kv, 1, report, rn, vcek, vn, &out, &err) && err.code == EAA_E_CONFIG);
	}
	free(report);
	free(vcek);
	return test_summary();
}
