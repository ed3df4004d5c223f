/* test_tdx_attester.c - the configfs-tsm attesters (tdx_ecdsa, sev_snp)
 * against an emulated report entry: provider and generation files, an
 * inblob, and an outblob FIFO that a thread answers once the attester opens
 * it (as the kernel answers a read of outblob), with a real TDX quote or
 * SEV-SNP report. */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file.h"
#include "internal.h"
#include "quote.h"
#include "tdx_legacy.h"
#include "test.h"

static char dir[] = "/tmp/eaa-tsm-XXXXXX";
static char data_dir[512];

struct emu {
	char entry[256];
	const uint8_t *blob;
	size_t len;
	int generation_after;
	pthread_t t;
};

static void put(const char *entry, const char *name, const void *p, size_t n)
{
	char path[512];
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", entry, name);
	if (!file_write_atomic(path, p, n, 0600, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
}

/* Blocks until the attester opens outblob, then answers as the kernel
 * would: the generation moves on, the report is read to EOF. */
static void *emu_run(void *arg)
{
	struct emu *e = arg;
	char path[512], gen[16];
	int fd;

	snprintf(path, sizeof(path), "%s/outblob", e->entry);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return NULL;
	snprintf(gen, sizeof(gen), "%d\n", e->generation_after);
	put(e->entry, "generation", gen, strlen(gen));
	if (write(fd, e->blob, e->len) != (ssize_t)e->len)
		fprintf(stderr, "emulator: short write\n");
	close(fd);
	return NULL;
}

static void emu_start(struct emu *e, const char *name, const char *provider,
		      bool answer)
{
	char path[512];

	snprintf(e->entry, sizeof(e->entry), "%s/%s", dir, name);
	if (mkdir(e->entry, 0700) != 0)
		exit(2);
	put(e->entry, "provider", provider, strlen(provider));
	put(e->entry, "generation", "0\n", 2);
	put(e->entry, "inblob", "", 0);
	snprintf(path, sizeof(path), "%s/outblob", e->entry);
	if (mkfifo(path, 0600) != 0)
		exit(2);
	if (answer)
		pthread_create(&e->t, NULL, emu_run, e);
}

/* Run the attester `name` on entry with user_data, asking for
 * endorsements when given; returns its verdict. */
static bool attest_with(const char *name, const char *entry, const uint8_t user_data[64],
			struct wr *out, struct wr *endorsements, struct eaa_err *err)
{
	const struct rats_attester *a = rats_attester_find(name);
	char opt[600];
	char *kv[] = { opt };
	struct rats_opts opts = { kv, 1 };
	void *state = NULL;
	bool ok;

	snprintf(opt, sizeof(opt), "%s.tsm=%s", name, entry);
	ok = a && a->init(&opts, &state, err) &&
	     a->collect(state, user_data, out, endorsements, err);
	if (a && state)
		a->cleanup(state);
	return ok;
}

static bool collect_with(const char *name, const char *entry, const uint8_t user_data[64],
			 struct wr *out, struct eaa_err *err)
{
	return attest_with(name, entry, user_data, out, NULL, err);
}

static bool collect(const char *entry, const uint8_t user_data[64], struct wr *out,
		    struct eaa_err *err)
{
	return collect_with("tdx_ecdsa", entry, user_data, out, err);
}

/* sev_snp: the real Milan report with our report_data written into it (the
 * attester parses, it does not verify), a report for other data, a TDX
 * quote from a sev_guest provider, and no device at all. */
static void test_snp(const uint8_t *tdx, size_t tn)
{
	char path[1024];
	uint8_t *report, want[64];
	size_t n;
	struct eaa_err err;
	struct wr out;

	snprintf(path, sizeof(path), "%s/amd/test-report.bin", data_dir);
	if (!file_read(path, 1 << 20, &report, &n, &err) || n != 0x4a0)
		exit(2);
	for (int i = 0; i < 64; i++)
		want[i] = (uint8_t)(0xa0 + i);
	memcpy(report + 0x50, want, 64);
	{
		struct emu e = { .blob = report, .len = n, .generation_after = 1 };

		emu_start(&e, "snp-good", "sev_guest\n", true);
		wr_init(&out);
		CHECK_MSG(collect_with("sev_snp", e.entry, want, &out, &err), "%s", err.msg);
		pthread_join(e.t, NULL);
		CHECK(out.len == n && memcmp(out.buf, report, n) == 0);
		wr_free(&out);
	}
	/* the entry's auxblob, the host's certificate table, is endorsed;
	 * one that is no table is refused */
	{
		struct emu e = { .blob = report, .len = n, .generation_after = 1 };
		uint8_t table[24 * 2 + 8] = { 0x8d, 0x75, 0xda, 0x63 };
		struct wr en;

		table[16] = 48;   /* offset */
		table[20] = 8;    /* length */
		memcpy(table + 48, "VCEK-DER", 8);
		emu_start(&e, "snp-aux", "sev_guest\n", true);
		put(e.entry, "auxblob", table, sizeof(table));
		wr_init(&out);
		wr_init(&en);
		CHECK_MSG(attest_with("sev_snp", e.entry, want, &out, &en, &err), "%s", err.msg);
		pthread_join(e.t, NULL);
		CHECK(en.len == sizeof(table) && memcmp(en.buf, table, en.len) == 0);
		wr_free(&out);
		wr_free(&en);
		e.generation_after = 1;
		emu_start(&e, "snp-aux-bad", "sev_guest\n", true);
		put(e.entry, "auxblob", table, 30);
		wr_init(&out);
		wr_init(&en);
		CHECK(!attest_with("sev_snp", e.entry, want, &out, &en, &err) &&
		      strstr(err.msg, "from the host: certificate table: entry 0 (offset 48, "
				  "length 8) is outside its 30 bytes"));
		pthread_join(e.t, NULL);
		wr_free(&out);
		wr_free(&en);
	}
	{
		struct emu e = { .blob = report, .len = n, .generation_after = 1 };
		uint8_t other[64] = { 0 };

		emu_start(&e, "snp-other", "sev_guest\n", true);
		wr_init(&out);
		CHECK(!collect_with("sev_snp", e.entry, other, &out, &err) &&
		      err.code == EAA_E_BINDING && strstr(err.msg, "other report_data"));
		pthread_join(e.t, NULL);
		wr_free(&out);
	}
	{
		struct emu e = { .blob = tdx, .len = tn, .generation_after = 1 };

		emu_start(&e, "snp-tdx", "sev_guest\n", true);
		wr_init(&out);
		CHECK(!collect_with("sev_snp", e.entry, want, &out, &err) &&
		      (strstr(err.msg, "SNP report") || strstr(err.msg, "larger")));
		pthread_join(e.t, NULL);
		wr_free(&out);
	}
	{
		struct emu e = { 0 };

		emu_start(&e, "snp-provider", "tdx_guest\n", false);
		wr_init(&out);
		CHECK(!collect_with("sev_snp", e.entry, want, &out, &err) &&
		      err.code == EAA_E_TEE_MISMATCH && strstr(err.msg, "tdx_guest"));
		wr_free(&out);
	}
	free(report);
}

static uint8_t *load(const char *name, size_t *n)
{
	char path[1024];
	uint8_t *p;
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/intel/%s", data_dir, name);
	if (!file_read(path, 1 << 20, &p, n, &err))
		exit(2);
	return p;
}

/* The legacy ioctl path's messages: our request as the QGS expects it,
 * and the host's answer parsed strictly. */
static void test_legacy_messages(const uint8_t *quote, size_t n)
{
	static uint8_t blob[TDX_QUOTE_BLOB_LEN];
	uint8_t report[TDX_REPORT_LEN];
	struct rd r, got;
	struct wr w;
	struct eaa_err err;
	uint64_t u64;
	uint32_t u32;

	memset(report, 0xab, sizeof(report));
	tdx_qgs_request(report, blob);
	r = rd_init(blob, sizeof(blob));
	CHECK(rd_u64le(&r, &u64) && u64 == 1);          /* version */
	CHECK(rd_u64le(&r, &u64) && u64 == 0);          /* status */
	CHECK(rd_u32le(&r, &u32) && u32 == 4 + 1048);   /* in_len */
	CHECK(rd_u32le(&r, &u32) && u32 == 0);          /* out_len */
	CHECK(rd_u32be(&r, &u32) && u32 == 1048);       /* framing, BE */
	CHECK(rd_u32le(&r, &u32) && u32 == 1);          /* major 1, minor 0 */
	CHECK(rd_u32le(&r, &u32) && u32 == 0);          /* GET_QUOTE_REQ */
	CHECK(rd_u32le(&r, &u32) && u32 == 1048);       /* size */
	CHECK(rd_skip(&r, 4) && rd_u32le(&r, &u32) && u32 == 1024 &&
	      rd_u32le(&r, &u32) && u32 == 0 && rd_left(&r) >= 1024 &&
	      memcmp(r.p, report, 1024) == 0);

	/* A host answer carrying the real quote. */
	for (int v = 0; v < 6; v++) {
		uint32_t msg = 16 + 8 + (uint32_t)n;

		wr_init_fixed(&w, blob, sizeof(blob));
		wr_u64le(&w, 1);
		wr_u64le(&w, v == 1 ? 0x8000000000000001ULL : 0);
		wr_u32le(&w, 0);
		wr_u32le(&w, 4 + msg + (v == 2 ? 1 : 0));
		wr_u32be(&w, msg);
		wr_u16le(&w, 1);
		wr_u16le(&w, 0);
		wr_u32le(&w, v == 3 ? 0 : 1);           /* response type */
		wr_u32le(&w, msg);
		wr_u32le(&w, v == 4 ? 0x12 : 0);        /* error code */
		wr_u32le(&w, 0);
		wr_u32le(&w, (uint32_t)n + (v == 5 ? 1 : 0));
		wr_bytes(&w, quote, n);
		switch (v) {
		case 0:
			CHECK(tdx_qgs_response(blob, sizeof(blob), &got, &err) &&
			      got.n == n && memcmp(got.p, quote, n) == 0);
			break;
		case 1:
			CHECK(!tdx_qgs_response(blob, sizeof(blob), &got, &err) &&
			      strstr(err.msg, "unavailable"));
			break;
		case 4:
			CHECK(!tdx_qgs_response(blob, sizeof(blob), &got, &err) &&
			      strstr(err.msg, "error code 0x12"));
			break;
		default: /* out_len, type, quote size disagree */
			CHECK(!tdx_qgs_response(blob, sizeof(blob), &got, &err) &&
			      err.code == EAA_E_FORMAT);
		}
	}
	for (size_t cut = 0; cut < 24; cut++)
		CHECK(!tdx_qgs_response(blob, cut, &got, &err));
}

int main(void)
{
	const char *d = getenv("EAA_TESTDATA");
	size_t n, sn;
	uint8_t *quote, *sgx;
	struct quote q;
	struct eaa_err err = { 0 };
	struct wr out;
	uint8_t want[64], other[64] = { 1 };

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
	if (!mkdtemp(dir))
		return 2;
	quote = load("tdx_quote_4.dat", &n);
	sgx = load("occlum_quote.dat", &sn);
	if (!quote_parse(quote, n, &q, &err))
		return 2;
	memcpy(want, q.tdx.report_data, 64);
	test_legacy_messages(quote, n);

	/* The report answers our inblob: the quote comes back whole. */
	{
		struct emu e = { .blob = quote, .len = n, .generation_after = 1 };
		char path[600];
		uint8_t *in;
		size_t inlen;

		emu_start(&e, "good", "tdx_guest\n", true);
		wr_init(&out);
		CHECK_MSG(collect(e.entry, want, &out, &err), "%s", err.msg);
		pthread_join(e.t, NULL);
		CHECK(out.len == n && memcmp(out.buf, quote, n) == 0);
		snprintf(path, sizeof(path), "%s/inblob", e.entry);
		CHECK(file_read(path, 64, &in, &inlen, &err) && inlen == 64 &&
		      memcmp(in, want, 64) == 0);
		free(in);
		wr_free(&out);
	}
	/* A quote for other report_data than we wrote. */
	{
		struct emu e = { .blob = quote, .len = n, .generation_after = 1 };

		emu_start(&e, "other-data", "tdx_guest\n", true);
		wr_init(&out);
		CHECK(!collect(e.entry, other, &out, &err) &&
		      err.code == EAA_E_BINDING && strstr(err.msg, "report_data"));
		pthread_join(e.t, NULL);
		wr_free(&out);
	}
	/* Another writer moved the generation on. */
	{
		struct emu e = { .blob = quote, .len = n, .generation_after = 2 };

		emu_start(&e, "raced", "tdx_guest\n", true);
		wr_init(&out);
		CHECK(!collect(e.entry, want, &out, &err) &&
		      strstr(err.msg, "another process wrote inblob"));
		pthread_join(e.t, NULL);
		wr_free(&out);
	}
	/* An SGX quote, and bytes that are no quote at all. */
	{
		struct emu e = { .blob = sgx, .len = sn, .generation_after = 1 };
		static const uint8_t junk[100] = { 4, 0, 2, 0, 0x81 };
		struct emu j = { .blob = junk, .len = sizeof(junk),
				 .generation_after = 1 };

		emu_start(&e, "sgx", "tdx_guest\n", true);
		wr_init(&out);
		CHECK(!collect(e.entry, want, &out, &err) &&
		      err.code == EAA_E_TEE_MISMATCH);
		pthread_join(e.t, NULL);
		wr_free(&out);
		emu_start(&j, "junk", "tdx_guest\n", true);
		wr_init(&out);
		CHECK(!collect(j.entry, want, &out, &err) &&
		      strstr(err.msg, "the TSM's report"));
		pthread_join(j.t, NULL);
		wr_free(&out);
	}
	/* Another TEE's provider; no configfs at all. */
	{
		struct emu e = { 0 };

		emu_start(&e, "snp", "sev_guest\n", false);
		wr_init(&out);
		CHECK(!collect(e.entry, want, &out, &err) &&
		      err.code == EAA_E_TEE_MISMATCH && strstr(err.msg, "sev_guest"));
		CHECK(!collect("/nonexistent/tsm/report", want, &out, &err) &&
		      err.code == EAA_E_IO && strstr(err.msg, "configfs-tsm"));
		wr_free(&out);
	}
	test_snp(quote, n);
	free(quote);
	free(sgx);
	test_rm_rf(dir);
	return test_summary();
}
