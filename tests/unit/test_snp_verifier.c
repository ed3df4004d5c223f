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
		/* endorsements that are not a certificate */
		CHECK(!run(kv, 1, report, rn, report, 16, &out, &err) &&
		      strstr(err.msg, "endorsements: not a VCEK"));
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
