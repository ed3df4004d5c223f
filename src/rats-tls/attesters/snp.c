/* attesters/snp.c - the `sev_snp` attester: an SEV-SNP report from the
 * kernel's configfs-tsm interface (provider sev_guest), or on kernels
 * without it from /dev/sev-guest's SNP_GET_EXT_REPORT ioctl (SNP_GET_REPORT
 * where that fails), its report_data set to what librats-tls binds.
 *
 * The host may hand the guest a certificate table with the report (the
 * TSM's auxblob, the extended report's certificate buffer): the VCEK or
 * VLEK, ASK and ARK. The attester endorses its evidence with the table
 * that came with it, unless a VCEK is configured, so verifiers need not
 * reach AMD's KDS. It is checked for shape here; trust comes from the
 * verifier's chain to the AMD roots.
 *
 * Options:
 *   sev_snp.tsm=PATH     configfs-tsm report directory (default
 *                        /sys/kernel/config/tsm/report), or an existing
 *                        report entry (tests point it at an emulation);
 *                        naming it disables the fallback
 *   sev_snp.device=PATH  the guest device (default /dev/sev-guest)
 *   sev_snp.vcek=FILE    the chip's VCEK (DER), sent in the endorsements
 *                        extension in place of the host's table
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
#include "certtable.h"
#include "file.h"
#include "internal.h"
#include "snp.h"
#include "tsm.h"

/* The certificate buffer's bound: the kernel takes page multiples, and
 * a table of VLEK/VCEK, ASK and ARK takes about 5 KiB. */
#define CERTS_MAX (64 * 1024)
#define PAGE 4096

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
	s->tsm_named = tsm != NULL;
	if (vcek && !file_read(vcek, 1 << 20, &s->vcek, &s->vcek_len, err)) {
		snp_cleanup(s);
		return eaa_err_prefix(err, "sev_snp.vcek");
	}
	*state = s;
	return true;
}

/* MSG_REPORT_RSP: a status, the report's size, 24 reserved bytes, then
 * the report. */
static bool report_rsp(const char *path, const struct snp_report_resp *resp, struct wr *out,
		       struct eaa_err *err)
{
	struct rd r = rd_init(resp->data, sizeof(resp->data));
	uint32_t status, size;
	bool ok = rd_u32le(&r, &status) && rd_u32le(&r, &size) && rd_skip(&r, 24);

	if (!ok || status != 0 || size != SNP_REPORT_SIZE || size > r.n)
		return eaa_fail(err, EAA_E_FORMAT, "%s: the firmware answered status %#x, "
				"a report of %u bytes", path, ok ? status : 0, ok ? size : 0);
	return wr_bytes(out, r.p, size) || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

/* One guest request on fd; errno kept for the caller. */
static int guest_request(int fd, unsigned long cmd, void *req, struct snp_report_resp *resp,
			 struct snp_guest_request_ioctl *io)
{
	int rc;

	memset(resp, 0, sizeof(*resp));
	memset(io, 0, sizeof(*io));
	io->msg_version = 1;
	io->req_data = (uint64_t)(uintptr_t)req;
	io->resp_data = (uint64_t)(uintptr_t)resp;
	do
		rc = ioctl(fd, cmd, io);
	while (rc != 0 && errno == EINTR);
	return rc;
}

/* SNP_GET_EXT_REPORT with a certificate buffer, grown once to the size the
 * host asks for (VMM error "invalid length"); true with *done false when
 * the kernel or host has no extended reports. */
static bool ext_report(int fd, const char *path, struct snp_ext_report_req *ext,
		       struct snp_report_resp *resp, struct wr *certs, bool *done,
		       struct eaa_err *err)
{
	struct snp_guest_request_ioctl io;
	size_t len = 4 * PAGE;
	uint8_t *buf = NULL;

	*done = false;
	for (int tries = 0; tries < 2; tries++) {
		free(buf);
		if (!(buf = calloc(1, len)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		ext->certs_address = (uint64_t)(uintptr_t)buf;
		ext->certs_len = (uint32_t)len;
		if (guest_request(fd, SNP_GET_EXT_REPORT, ext, resp, &io) == 0) {
			bool ok = wr_bytes(certs, buf, len) ||
				  eaa_fail(err, EAA_E_NOMEM, "out of memory");

			free(buf);
			*done = ok;
			return ok;
		}
		if (io.vmm_error != SNP_GUEST_VMM_ERR_INVALID_LEN)
			break;
		/* the host wants more room: page multiples, within our bound */
		if (ext->certs_len <= len || ext->certs_len > CERTS_MAX) {
			free(buf);
			return eaa_fail(err, EAA_E_FORMAT, "%s: SNP_GET_EXT_REPORT asks for a "
					"certificate buffer of %u bytes (at most %u)", path,
					ext->certs_len, CERTS_MAX);
		}
		len = ((size_t)ext->certs_len + PAGE - 1) / PAGE * PAGE;
	}
	free(buf);
	return true;
}

static bool device_report(const char *path, const uint8_t user_data[64], struct wr *out,
			  struct wr *certs, struct eaa_err *err)
{
	struct snp_ext_report_req ext;
	struct snp_report_resp resp;
	struct snp_guest_request_ioctl io;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool done;

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", path, strerror(errno));
	memset(&ext, 0, sizeof(ext));
	memcpy(ext.data.user_data, user_data, 64);
	if (!ext_report(fd, path, &ext, &resp, certs, &done, err)) {
		close(fd);
		return false;
	}
	if (!done && guest_request(fd, SNP_GET_REPORT, &ext.data, &resp, &io) != 0) {
		int e = errno;

		close(fd);
		return eaa_fail(err, EAA_E_IO, "%s: SNP_GET_REPORT: %s (firmware error %#x, "
				"VMM error %#x)", path, strerror(e), io.fw_error, io.vmm_error);
	}
	close(fd);
	return report_rsp(path, &resp, out, err);
}

/* The host's table, once it has the shape of one, as endorsements. */
static bool endorse_table(const struct wr *certs, struct wr *endorsements, struct eaa_err *err)
{
	size_t used;

	if (!snp_cert_table_used(certs->buf, certs->len, &used, err))
		return eaa_err_prefix(err, "sev_snp attester: from the host");
	return !used || wr_bytes(endorsements, certs->buf, used) ||
	       eaa_fail(err, EAA_E_NOMEM, "out of memory");
}

static bool snp_collect(void *state, const uint8_t user_data[RATS_USER_DATA_LEN],
			struct wr *evidence, struct wr *endorsements, struct eaa_err *err)
{
	struct snp_attester *s = state;
	struct snp_report r;
	size_t start = evidence->len;
	struct wr certs;
	struct stat st;
	bool ok;

	wr_init(&certs);
	if (s->tsm_named || stat(s->tsm, &st) == 0) {
		ok = tsm_report(s->tsm, "sev_guest", user_data, RATS_USER_DATA_LEN,
				SNP_REPORT_SIZE, evidence, &certs, CERTS_MAX, err) ||
		     eaa_err_prefix(err, "sev_snp attester");
	} else {
		ok = device_report(s->device, user_data, evidence, &certs, err) ||
		     eaa_err_prefix(err, "sev_snp attester (no %s)", s->tsm);
	}
	if (ok && !snp_report_parse(evidence->buf + start, evidence->len - start, &r, err))
		ok = eaa_err_prefix(err, "sev_snp attester");
	if (ok && CRYPTO_memcmp(r.report_data, user_data, 64) != 0)
		ok = eaa_fail(err, EAA_E_BINDING, "sev_snp attester: the report carries "
			      "other report_data than was asked for");
	/* a configured VCEK, else the host's table */
	if (ok && endorsements && s->vcek)
		ok = wr_bytes(endorsements, s->vcek, s->vcek_len) ||
		     eaa_fail(err, EAA_E_NOMEM, "out of memory");
	else if (ok && endorsements && certs.len)
		ok = endorse_table(&certs, endorsements, err);
	wr_free(&certs);
	return ok;
}

static const char *const attester_keys[] = { "tsm", "device", "vcek", NULL };

const struct rats_attester rats_attester_sev_snp = {
	.name = "sev_snp",
	.keys = attester_keys,
	.tag = TAG_SEV_SNP,
	.detect = snp_detect,
	.init = snp_init,
	.collect = snp_collect,
	.cleanup = snp_cleanup,
};
