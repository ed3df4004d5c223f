/* test_guest_devices.c - the attesters that ask a guest driver by ioctl
 * (sev_snp on /dev/sev-guest, csv on /dev/csv-guest), against an emulated
 * driver: this program's own ioctl() answers requests on one regular file
 * that stands in for the device, as the kernel and firmware would, and
 * passes every other descriptor on to the C library's.
 *
 * SEV-SNP answers carry the real Milan report (report_data replaced when
 * asked for other data, so only the unchanged one verifies) and a host
 * certificate table holding the real VCEK; CSV answers are V1 reports in
 * the firmware's form, signed under forge_csv's test HRK for the mnonce
 * and user data the attester sent. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sev-guest.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "certtable.h"
#include "file.h"
#include "forge_csv.h"
#include "internal.h"
#include "snp.h"
#include "test.h"
#include "timefmt.h"
#include "tsm.h"

/* --- the emulated driver --- */

struct csv_report_req {
	uint8_t *report_data;
	int len;
};
#define CSV_CMD_GET_REPORT _IOWR('D', 1, struct csv_report_req)

static struct stat device;          /* the file standing in for the device */

static struct {
	bool no_ext;                    /* SNP_GET_EXT_REPORT unknown (EINVAL) */
	bool fw_fail;                   /* every request: firmware error 0x16 */
	uint32_t want_len;              /* certificate buffer the host asks for */
	const uint8_t *table;           /* host's certificate table, or NULL */
	size_t table_len;
	const uint8_t *report;          /* SNP report template */
	int ext_calls, plain_calls;
} snp;

static struct {
	const struct forge_csv *f;
	int version;                    /* 1: firmware form; 2: wrapped V2 */
	bool other_mnonce, other_data, bad_hmac;
} csv;

static int fail(int e)
{
	errno = e;
	return -1;
}

static void snp_fill(const struct snp_report_req *req, struct snp_report_resp *resp)
{
	uint32_t status = 0, size = SNP_REPORT_SIZE;

	memset(resp, 0, sizeof(*resp));
	memcpy(resp->data, &status, 4);
	memcpy(resp->data + 4, &size, 4);
	memcpy(resp->data + 32, snp.report, SNP_REPORT_SIZE);
	if (memcmp(snp.report + 0x50, req->user_data, 64) != 0)
		memcpy(resp->data + 32 + 0x50, req->user_data, 64);
}

static int snp_request(unsigned long cmd, struct snp_guest_request_ioctl *io)
{
	if (snp.fw_fail) {
		io->fw_error = 0x16;
		return fail(EIO);
	}
	if (cmd == SNP_GET_REPORT) {
		snp.plain_calls++;
		snp_fill((void *)(uintptr_t)io->req_data, (void *)(uintptr_t)io->resp_data);
		return 0;
	}
	struct snp_ext_report_req *ext = (void *)(uintptr_t)io->req_data;

	snp.ext_calls++;
	if (snp.no_ext)
		return fail(EINVAL);
	if (ext->certs_len % 4096 != 0)
		return fail(EINVAL);
	if (ext->certs_len < snp.want_len) {
		ext->certs_len = snp.want_len;
		io->vmm_error = SNP_GUEST_VMM_ERR_INVALID_LEN;
		return fail(EIO);
	}
	if (snp.table)
		memcpy((void *)(uintptr_t)ext->certs_address, snp.table, snp.table_len);
	snp_fill(&ext->data, (void *)(uintptr_t)io->resp_data);
	return 0;
}

/* The firmware checks the request's SM3 and answers in the same page. */
static int csv_request(struct csv_report_req *req)
{
	uint8_t digest[32], mnonce[16], data[64], out[4200];
	unsigned int dl = 0;
	size_t n;

	if (req->len < 4096)
		return fail(EINVAL);
	EVP_Digest(req->report_data, 80, digest, &dl, EVP_sm3(), NULL);
	if (memcmp(digest, req->report_data + 80, 32) != 0)
		return fail(EINVAL);
	memcpy(data, req->report_data, 64);
	memcpy(mnonce, req->report_data + 64, 16);
	mnonce[0] ^= csv.other_mnonce;
	data[0] ^= csv.other_data;
	n = forge_csv_report(csv.f, csv.version, 0x5eed1234, CSV_POLICY_NODBG, data, mnonce, out);
	out[n - 1] ^= csv.bad_hmac;
	memcpy(req->report_data, out, n);
	return 0;
}

int ioctl(int fd, unsigned long cmd, ...)
{
	static int (*next)(int, unsigned long, ...);
	struct stat st;
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fstat(fd, &st) == 0 && st.st_dev == device.st_dev && st.st_ino == device.st_ino) {
		if (cmd == SNP_GET_REPORT || cmd == SNP_GET_EXT_REPORT)
			return snp_request(cmd, arg);
		if (cmd == CSV_CMD_GET_REPORT)
			return csv_request(arg);
		return fail(ENOTTY);
	}
	if (!next)
		next = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return next(fd, cmd, arg);
}

/* --- running the attesters --- */

static char dir[] = "/tmp/eaa-guestdev-XXXXXX";
static char dev_path[600];

/* Init `name` with options kv, collect evidence for user_data and its
 * endorsements. */
static bool attest(const char *name, char **kv, size_t nkv, const uint8_t user_data[64],
		   struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	const struct rats_attester *a = rats_attester_find(name);
	struct rats_opts opts = { kv, nkv };
	void *state = NULL;
	bool ok;

	ok = a && a->init(&opts, &state, err) &&
	     a->collect(state, user_data, evidence, endorsements, err);
	if (a && state)
		a->cleanup(state);
	return ok;
}

static uint8_t *load(const char *name, size_t *n)
{
	const char *d = getenv("EAA_TESTDATA");
	char path[1024];
	uint8_t *p;
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", d ? d : "tests/data", name);
	if (!file_read(path, 1 << 20, &p, n, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	return p;
}

static void put_entry(uint8_t *p, const uint8_t guid[16], uint32_t off, uint32_t len)
{
	memcpy(p, guid, 16);
	memcpy(p + 16, &off, 4);
	memcpy(p + 20, &len, 4);
}

/* The real report, verified with the VCEK the attester's endorsements
 * carry, as of a date inside the chain's validity. */
static bool verifies(const struct wr *evidence, const struct wr *endorsements,
		     struct eaa_err *err)
{
	struct snp_verify_opts o = { 0 };
	struct snp_report r;
	const uint8_t *der;
	size_t len;
	X509 *vcek;
	bool ok;

	time_parse_utc("2026-11-01T00:00:00Z", &o.at);
	if (!snp_cert_table_find(endorsements->buf, endorsements->len, false, &der, &len, err))
		return false;
	if (!(vcek = d2i_X509(NULL, &der, (long)len)))
		return eaa_fail(err, EAA_E_FORMAT, "the table's VCEK is no certificate");
	ok = snp_report_parse(evidence->buf, evidence->len, &r, err) &&
	     snp_report_verify(evidence->buf, &r, vcek, &o, err);
	X509_free(vcek);
	return ok;
}

static void test_snp(void)
{
	static const uint8_t vcek_guid[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
					       0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
	static const uint8_t other_guid[16] = { 0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f,
						0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
	size_t rn, vn;
	uint8_t *report = load("amd/test-report.bin", &rn), *vcek = load("amd/test-vcek.der", &vn);
	uint8_t *table = calloc(1, 6 * 4096), other[64] = { 0x0e };
	char opt[700], vopt[700];
	char *kv[] = { opt, vopt };
	struct wr ev, en;
	struct eaa_err err;
	size_t used;

	if (rn != SNP_REPORT_SIZE || !table)
		exit(2);
	snp.report = report;
	snprintf(opt, sizeof(opt), "sev_snp.device=%s", dev_path);
	/* a host table of 5 pages and a bit: an ASK-like entry, the VCEK */
	put_entry(table, other_guid, 72, 20000);
	put_entry(table + 24, vcek_guid, 72 + 20000, (uint32_t)vn);
	memcpy(table + 72 + 20000, vcek, vn);
	snp.table = table;
	snp.table_len = 72 + 20000 + vn;
	snp.want_len = 6 * 4096;

	/* the extended report, its buffer grown once; evidence verifies with
	 * the VCEK found in the endorsed table */
	wr_init(&ev);
	wr_init(&en);
	CHECK_MSG(attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err), "%s", err.msg);
	CHECK(snp.ext_calls == 2 && snp.plain_calls == 0);
	CHECK(en.len == snp.table_len && memcmp(en.buf, table, en.len) == 0);
	CHECK(snp_cert_table_used(en.buf, en.len, &used, &err) && used == en.len);
	CHECK_MSG(verifies(&ev, &en, &err), "%s", err.msg);
	/* report_data is what was asked for; the changed report no longer verifies */
	wr_free(&ev);
	wr_free(&en);
	CHECK_MSG(attest("sev_snp", kv, 1, other, &ev, &en, &err), "%s", err.msg);
	CHECK(ev.len == rn && memcmp(ev.buf + 0x50, other, 64) == 0);
	CHECK(!verifies(&ev, &en, &err) && strstr(err.msg, "signature"));
	wr_free(&ev);
	wr_free(&en);

	/* a configured VCEK is endorsed instead of the host's table */
	snprintf(vopt, sizeof(vopt), "sev_snp.vcek=%s/amd/test-vcek.der",
		 getenv("EAA_TESTDATA") ? getenv("EAA_TESTDATA") : "tests/data");
	CHECK_MSG(attest("sev_snp", kv, 2, report + 0x50, &ev, &en, &err), "%s", err.msg);
	CHECK(en.len == vn && memcmp(en.buf, vcek, vn) == 0);
	wr_free(&ev);
	wr_free(&en);

	/* a host with no certificates: a zeroed buffer, nothing endorsed */
	snp.table = NULL;
	snp.want_len = 0;
	CHECK_MSG(attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err), "%s", err.msg);
	CHECK(ev.len == rn && en.len == 0);
	wr_free(&ev);
	wr_free(&en);

	/* a kernel without extended reports: SNP_GET_REPORT */
	snp.no_ext = true;
	snp.ext_calls = snp.plain_calls = 0;
	CHECK_MSG(attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err), "%s", err.msg);
	CHECK(snp.ext_calls == 1 && snp.plain_calls == 1 && ev.len == rn && en.len == 0);
	wr_free(&ev);
	wr_free(&en);
	snp.no_ext = false;

	/* a host that asks for more room than we give, a malformed table, a
	 * firmware error: each named */
	snp.want_len = 1 << 20;
	CHECK(!attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err) &&
	      strstr(err.msg, "certificate buffer of 1048576 bytes"));
	wr_free(&ev);
	wr_free(&en);
	snp.want_len = 0;
	put_entry(table, other_guid, 72, 100);
	put_entry(table + 24, vcek_guid, 172, 1 << 20);
	snp.table = table;
	snp.table_len = 4096;
	CHECK(!attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err) &&
	      strstr(err.msg, "from the host: certificate table: entry 1") &&
	      strstr(err.msg, "outside"));
	wr_free(&ev);
	wr_free(&en);
	snp.table = NULL;
	snp.fw_fail = true;
	CHECK(!attest("sev_snp", kv, 1, report + 0x50, &ev, &en, &err) &&
	      strstr(err.msg, "SNP_GET_REPORT") && strstr(err.msg, "firmware error 0x16"));
	wr_free(&ev);
	wr_free(&en);
	snp.fw_fail = false;
	free(report);
	free(vcek);
	free(table);
}

static bool csv_verifies(const struct forge_csv *f, const struct wr *ev,
			 const uint8_t report_data[64], struct eaa_err *err)
{
	struct csv_verify_opts o = { .hrk = &f->root, .report_data = report_data };
	struct csv_report *r = malloc(sizeof(*r));
	bool ok = r && csv_report_parse(ev->buf, ev->len, r, err) && r->firmware_form &&
		  csv_report_verify(r, f->hsk_cek, sizeof(f->hsk_cek), &o, err);

	free(r);
	return ok;
}

static void test_csv(void)
{
	struct forge_csv f;
	uint8_t want[64];
	char opt[700], popt[700];
	char *kv[] = { opt, popt };
	char pair[700];
	struct wr ev, en;
	struct eaa_err err;

	if (!forge_csv_init(&f))
		exit(2);
	csv.f = &f;
	csv.version = 1;
	for (int i = 0; i < 64; i++)
		want[i] = (uint8_t)(0x30 + i);
	snprintf(pair, sizeof(pair), "%s/hsk_cek", dir);
	if (!file_write_atomic(pair, f.hsk_cek, sizeof(f.hsk_cek), 0600, &err))
		exit(2);
	snprintf(opt, sizeof(opt), "csv.device=%s", dev_path);
	snprintf(popt, sizeof(popt), "csv.hsk_cek=%s", pair);

	/* the firmware's answer, whole, verifying under the test HRK; the
	 * configured HSK || CEK endorsed */
	wr_init(&ev);
	wr_init(&en);
	CHECK_MSG(attest("csv", kv, 2, want, &ev, &en, &err), "%s", err.msg);
	CHECK(ev.len == 2548 && en.len == sizeof(f.hsk_cek) &&
	      memcmp(en.buf, f.hsk_cek, en.len) == 0);
	CHECK_MSG(csv_verifies(&f, &ev, want, &err), "%s", err.msg);
	wr_free(&ev);
	wr_free(&en);
	/* each answer the attester must refuse */
	csv.other_mnonce = true;
	CHECK(!attest("csv", kv, 1, want, &ev, &en, &err) && err.code == EAA_E_NONCE &&
	      strstr(err.msg, "another mnonce"));
	wr_free(&ev);
	csv.other_mnonce = false;
	csv.other_data = true;
	CHECK(!attest("csv", kv, 1, want, &ev, &en, &err) && err.code == EAA_E_BINDING);
	wr_free(&ev);
	csv.other_data = false;
	csv.bad_hmac = true;
	CHECK(!attest("csv", kv, 1, want, &ev, &en, &err) && strstr(err.msg, "HMAC"));
	wr_free(&ev);
	csv.bad_hmac = false;
	csv.version = 2;
	CHECK(!attest("csv", kv, 1, want, &ev, &en, &err) &&
	      strstr(err.msg, "not a masked V1 report"));
	wr_free(&ev);
	csv.version = 1;
	/* a device the driver does not answer on */
	snprintf(opt, sizeof(opt), "csv.device=%s/none", dir);
	CHECK(!attest("csv", kv, 1, want, &ev, &en, &err) && err.code == EAA_E_IO &&
	      strstr(err.msg, "/none"));
	wr_free(&ev);
	wr_free(&en);
	forge_csv_free(&f);
}

int main(void)
{
	struct eaa_err err;

	if (!mkdtemp(dir))
		return 2;
	snprintf(dev_path, sizeof(dev_path), "%s/guest-device", dir);
	if (!file_write_atomic(dev_path, "", 0, 0600, &err) || stat(dev_path, &device) != 0)
		return 2;
	/* configfs-tsm, where the machine has it, takes precedence over the
	 * SEV-SNP device */
	if (access(TSM_DEFAULT_ROOT, F_OK) == 0)
		printf("skipped: sev_snp on the device (%s exists)\n", TSM_DEFAULT_ROOT);
	else
		test_snp();
	test_csv();
	test_rm_rf(dir);
	return test_summary();
}
