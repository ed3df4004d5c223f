/* attesters/snp.c - the `sev_snp` attester: an SEV-SNP report from the
 * kernel's configfs-tsm interface (provider sev_guest), or on kernels
 * without it from /dev/sev-guest's SNP_GET_REPORT ioctl, its report_data
 * set to what librats-tls binds.
 *
 * Options:
 *   sev_snp.tsm=PATH     configfs-tsm report directory (default
 *                        /sys/kernel/config/tsm/report), or an existing
 *                        report entry (tests point it at an emulation);
 *                        naming it disables the fallback
 *   sev_snp.device=PATH  the guest device (default /dev/sev-guest)
 *   sev_snp.vcek=FILE    the chip's VCEK (DER), sent in the endorsements
 *                        extension so verifiers need not fetch it
 * The report is parsed before it leaves: a TSM that answered with another
 * TEE's report or other report_data is an error here, not at the peer.
 * Chosen automatically when /dev/sev-guest exists. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sev-guest.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include "file.h"
#include "internal.h"
#include "snp.h"
#include "tsm.h"

struct snp_attester {
	char *tsm, *device;
	bool tsm_named;
	uint8_t *vcek;
	size_t vcek_len;
};

static bool snp_detect(void)
{
	return access("/dev/sev-guest", F_OK) == 0;
}

static void snp_cleanup(void *state)
{
	struct snp_attester *s = state;

	if (s) {
		free(s->tsm);
		free(s->device);
		free(s->vcek);
	}
	free(s);
}

static bool snp_init(const struct rats_opts *opts, void **state, struct eaa_err *err)
{
	const char *tsm = rats_opt(opts, "sev_snp", "tsm");
	const char *dev = rats_opt(opts, "sev_snp", "device");
	const char *vcek = rats_opt(opts, "sev_snp", "vcek");
	struct snp_attester *s = calloc(1, sizeof(*s));

	if (!s || !(s->tsm = strdup(tsm ? tsm : TSM_DEFAULT_ROOT)) ||
	    !(s->device = strdup(dev ? dev : "/dev/sev-guest"))) {
		snp_cleanup(s);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	*state = s;
	s->tsm_named = tsm != NULL;
	if (vcek && !file_read(vcek, 1 << 20, &s->vcek, &s->vcek_len, err))
		return eaa_err_prefix(err, "sev_snp.vcek");
	return true;
}

/* SNP_GET_REPORT: the response is MSG_REPORT_RSP, a status, the report's
 * size, 24 reserved bytes, then the report. */
static bool device_report(const char *path, const uint8_t user_data[64], struct wr *out,
			  struct eaa_err *err)
{
	struct snp_report_req req;
	struct snp_report_resp resp;
	struct snp_guest_request_ioctl io;
	struct rd r;
	uint32_t status, size;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	memset(&io, 0, sizeof(io));
	memcpy(req.user_data, user_data, 64);
	io.msg_version = 1;
	io.req_data = (uint64_t)(uintptr_t)&req;
	io.resp_data = (uint64_t)(uintptr_t)&resp;
	if (ioctl(fd, SNP_GET_REPORT, &io) != 0) {
		int e = errno;

		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s: SNP_GET_REPORT: %s (firmware error %#x, "
				"VMM error %#x)", path, strerror(e), io.fw_error, io.vmm_error);
	}
	close(fd);
	r = rd_init(resp.data, sizeof(resp.data));
	ok = rd_u32le(&r, &status) && rd_u32le(&r, &size) && rd_skip(&r, 24);
	if (!ok || status != 0 || size != SNP_REPORT_SIZE || size > rd_left(&r))
		return eaa_fail(err, EAA_E_FORMAT, "%s: SNP_GET_REPORT answered status %#x, "
				"a report of %u bytes", path, ok ? status : 0, ok ? size : 0);
	return wr_bytes(out, r.p, size) || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

static bool snp_collect(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct eaa_err *err)
{
	struct snp_attester *s = state;
	struct snp_report r;
	size_t start = evidence->len;
	struct stat st;

	if (s->tsm_named || stat(s->tsm, &st) == 0) {
		if (!tsm_report(s->tsm, "sev_guest", user_data, RATS_USER_DATA_LEN,
				SNP_REPORT_SIZE, evidence, err))
			return eaa_err_prefix(err, "sev_snp attester");
	} else if (!device_report(s->device, user_data, evidence, err)) {
		return eaa_err_prefix(err, "sev_snp attester (no %s)", s->tsm);
	}
	if (!snp_report_parse(evidence->buf + start, evidence->len - start, &r, err))
		return eaa_err_prefix(err, "sev_snp attester");
	if (CRYPTO_memcmp(r.report_data, user_data, 64) != 0)
		return eaa_fail(err, EAA_E_BINDING, "sev_snp attester: the report carries "
				"other report_data than was asked for");
	return true;
}

/* The VCEK, when configured, for the verifier. */
static bool snp_endorse(void *state, struct rd evidence, struct wr *out, struct eaa_err *err)
{
	struct snp_attester *s = state;

	if (!s->vcek)
		return true;
	return wr_bytes(out, s->vcek, s->vcek_len) ||
	       eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

const struct rats_attester rats_attester_sev_snp = {
	.name = "sev_snp",
	.tag = TAG_SEV_SNP,
	.detect = snp_detect,
	.init = snp_init,
	.collect = snp_collect,
	.endorse = snp_endorse,
	.cleanup = snp_cleanup,
};
