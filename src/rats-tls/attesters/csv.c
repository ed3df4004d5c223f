/* attesters/csv.c - the `csv` attester: a Hygon CSV attestation report
 * from the guest driver's CSV_CMD_GET_REPORT ioctl on /dev/csv-guest,
 * its report_data set to what librats-tls binds.
 *
 * The request is the first bytes of a page the firmware overwrites with
 * the report: user_data (64) || mnonce (16) || SM3(user_data || mnonce).
 * The answer is checked before it leaves: a report with another mnonce
 * (not fresh), another report_data, or an HMAC that does not hold (PEK or
 * serial corrupted) is an error here. It is sent as the firmware wrote it
 * (2548 bytes, PEK and serial masked), so the verifier checks the HMAC too.
 *
 * Options:
 *   csv.device=PATH   the guest device (default /dev/csv-guest)
 *   csv.hsk_cek=FILE  the chip's HSK || CEK, sent in the endorsements
 *                     extension so verifiers need not fetch them
 * Chosen automatically when /dev/csv-guest exists. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "csv.h"
#include "file.h"
#include "internal.h"

/* The guest driver's ABI (drivers/virt/coco/csv-guest). */
struct csv_report_req {
	uint8_t *report_data;   /* in: the request; out: the report */
	int len;
};
#define CSV_CMD_GET_REPORT _IOWR('D', 1, struct csv_report_req)
#define CSV_PAGE 4096
#define CSV_V1_SIZE 2548

struct csv_attester {
	char *device;
	uint8_t *hsk_cek;
	size_t hsk_cek_len;
};

static bool csv_detect(void)
{
	return access("/dev/csv-guest", F_OK) == 0;
}

static void csv_cleanup(void *state)
{
	struct csv_attester *s = state;

	if (s) {
		free(s->device);
		free(s->hsk_cek);
	}
	free(s);
}

static bool csv_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	const char *dev = rats_opt(opts, "csv", "device");
	const char *pair = rats_opt(opts, "csv", "hsk_cek");
	struct csv_attester *s = calloc(1, sizeof(*s));

	if (!s || !(s->device = strdup(dev ? dev : "/dev/csv-guest"))) {
		csv_cleanup(s);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	*state = s;
	if (pair && !file_read(pair, CSV_HSK_CEK_SIZE, &s->hsk_cek, &s->hsk_cek_len, err))
		return eaa_err_prefix(err, "csv.hsk_cek");
	return true;
}

static bool request(uint8_t page[CSV_PAGE], const uint8_t user_data[64], uint8_t mnonce[16])
{
	unsigned int len = 0;

	memset(page, 0, CSV_PAGE);
	memcpy(page, user_data, 64);
	if (RAND_bytes(mnonce, 16) != 1)
		return false;
	memcpy(page + 64, mnonce, 16);
	return EVP_Digest(page, 80, page + 80, &len, EVP_sm3(), NULL) == 1 && len == 32;
}

static bool csv_collect(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	struct csv_attester *s = state;
	struct csv_report_req req;
	struct csv_report *r = NULL;
	uint8_t *page = malloc(CSV_PAGE), mnonce[16];
	int fd = -1;
	bool ok = false;

	if (!page || !(r = malloc(sizeof(*r)))) {
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	if (!request(page, user_data, mnonce)) {
		eaa_fail(err, EAA_E_CRYPTO, "csv attester: no random mnonce or SM3");
		goto out;
	}
	if ((fd = open(s->device, O_RDWR | O_CLOEXEC)) < 0) {
		eaa_fail(err, EAA_E_IO, "csv attester: %s: %s", s->device, strerror(errno));
		goto out;
	}
	req.report_data = page;
	req.len = CSV_PAGE;
	if (ioctl(fd, CSV_CMD_GET_REPORT, &req) != 0) {
		eaa_fail(err, EAA_E_IO, "csv attester: %s: CSV_CMD_GET_REPORT: %s", s->device,
			 strerror(errno));
		goto out;
	}
	if (!csv_report_parse(page, CSV_PAGE, r, err)) {
		eaa_err_prefix(err, "csv attester");
		goto out;
	}
	if (r->version != 1 || !r->firmware_form) {
		eaa_fail(err, EAA_E_FORMAT, "csv attester: %s answered a report that is not a "
			 "masked V1 report", s->device);
		goto out;
	}
	if (CRYPTO_memcmp(r->mnonce, mnonce, 16) != 0) {
		eaa_fail(err, EAA_E_NONCE, "csv attester: the report carries another mnonce "
			 "than was asked for (not fresh)");
		goto out;
	}
	if (!csv_report_hmac_holds(r)) {
		eaa_fail(err, EAA_E_SIGNATURE, "csv attester: the firmware's HMAC over PEK and "
			 "serial number does not hold");
		goto out;
	}
	if (CRYPTO_memcmp(r->report_data, user_data, 64) != 0) {
		eaa_fail(err, EAA_E_BINDING, "csv attester: the report carries other "
			 "report_data than was asked for");
		goto out;
	}
	/* with the HSK || CEK, when configured, for the verifier */
	ok = (wr_bytes(evidence, page, CSV_V1_SIZE) &&
	      (!endorsements || !s->hsk_cek ||
	       wr_bytes(endorsements, s->hsk_cek, s->hsk_cek_len))) ||
	     eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	if (fd >= 0)
		close(fd);
	free(page);
	free(r);
	return ok;
}

static const char *const attester_keys[] = { "device", "hsk_cek", NULL };

const struct rats_attester rats_attester_csv = {
	.name = "csv",
	.keys = attester_keys,
	.tag = TAG_CSV,
	.detect = csv_detect,
	.init = csv_init,
	.collect = csv_collect,
	.cleanup = csv_cleanup,
};
