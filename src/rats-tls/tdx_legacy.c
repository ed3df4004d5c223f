/* tdx_legacy.c - TDX quotes via the pre-configfs /dev/tdx_guest ioctls
 * (see tdx_legacy.h). Layouts:
 *   GHCI buffer (LE): u64 version (1) | u64 status | u32 in_len | u32 out_len
 *                     | data
 *   data: u32 big-endian length of the QGS message | QGS message
 *   QGS header (LE):  u16 major (1) | u16 minor | u32 type | u32 size (whole
 *                     message) | u32 error_code
 *   GET_QUOTE_REQ  (type 0): header | u32 report_size | u32 id_list_size |
 *                            report | id list
 *   GET_QUOTE_RESP (type 1): header | u32 selected_id_size | u32 quote_size |
 *                            selected id | quote */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "tdx_legacy.h"

#define GHCI_HEADER_LEN 24
#define QGS_HEADER_LEN 16
#define QGS_GET_QUOTE_REQ 0
#define QGS_GET_QUOTE_RESP 1
#define GET_QUOTE_SUCCESS 0ULL
#define GET_QUOTE_IN_FLIGHT 0xffffffffffffffffULL
#define GET_QUOTE_SERVICE_UNAVAILABLE 0x8000000000000001ULL

struct tdx_report_req {
	uint8_t reportdata[64];
	uint8_t tdreport[TDX_REPORT_LEN];
};

struct tdx_quote_req {
	uint64_t buf;
	uint64_t len;
};

#define TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct tdx_report_req)
#define TDX_CMD_GET_QUOTE _IOWR('T', 2, struct tdx_quote_req)

void tdx_qgs_request(const uint8_t tdreport[TDX_REPORT_LEN],
		     uint8_t blob[TDX_QUOTE_BLOB_LEN])
{
	uint32_t msg = QGS_HEADER_LEN + 8 + TDX_REPORT_LEN;
	struct wr w;

	memset(blob, 0, TDX_QUOTE_BLOB_LEN);
	wr_init_fixed(&w, blob, TDX_QUOTE_BLOB_LEN);
	wr_u64le(&w, 1);           /* version */
	wr_u64le(&w, 0);           /* status, set by the host */
	wr_u32le(&w, 4 + msg);     /* in_len */
	wr_u32le(&w, 0);           /* out_len, set by the host */
	wr_u32be(&w, msg);
	wr_u16le(&w, 1);           /* QGS major version */
	wr_u16le(&w, 0);
	wr_u32le(&w, QGS_GET_QUOTE_REQ);
	wr_u32le(&w, msg);
	wr_u32le(&w, 0);           /* error_code */
	wr_u32le(&w, TDX_REPORT_LEN);
	wr_u32le(&w, 0);           /* no id list: the default (Intel) QE */
	wr_bytes(&w, tdreport, TDX_REPORT_LEN);
}

bool tdx_qgs_response(const uint8_t *blob, size_t len, struct rd *quote,
		      struct eaa_err *err)
{
	struct rd r = rd_init(blob, len), data, msg;
	uint64_t version, status;
	uint32_t in_len, out_len, msg_len, type, size, code, id_len, quote_len;
	uint16_t major, minor;

	if (!rd_u64le(&r, &version) || !rd_u64le(&r, &status) ||
	    !rd_u32le(&r, &in_len) || !rd_u32le(&r, &out_len))
		return eaa_fail(err, EAA_E_FORMAT, "TDX quote buffer: truncated "
				"header");
	if (version != 1)
		return eaa_fail(err, EAA_E_FORMAT, "TDX quote buffer: version "
				"%llu", (unsigned long long)version);
	if (status == GET_QUOTE_IN_FLIGHT)
		return eaa_fail(err, EAA_E_IO, "TDX quote: still in flight");
	if (status == GET_QUOTE_SERVICE_UNAVAILABLE)
		return eaa_fail(err, EAA_E_IO, "TDX quote: the host's quote "
				"service is unavailable");
	if (status != GET_QUOTE_SUCCESS)
		return eaa_fail(err, EAA_E_IO, "TDX quote: host status 0x%llx",
				(unsigned long long)status);
	if (!rd_sub(&r, out_len, &data) || !rd_u32be(&data, &msg_len) ||
	    !rd_sub(&data, msg_len, &msg) || !rd_done(&data))
		return eaa_fail(err, EAA_E_FORMAT, "TDX quote buffer: out_len "
				"%u and the message length disagree", out_len);
	if (!rd_u16le(&msg, &major) || !rd_u16le(&msg, &minor) ||
	    !rd_u32le(&msg, &type) || !rd_u32le(&msg, &size) ||
	    !rd_u32le(&msg, &code) || !rd_u32le(&msg, &id_len) ||
	    !rd_u32le(&msg, &quote_len))
		return eaa_fail(err, EAA_E_FORMAT, "QGS response: truncated");
	if (major != 1 || type != QGS_GET_QUOTE_RESP || size != msg_len)
		return eaa_fail(err, EAA_E_FORMAT, "QGS response: version %u, "
				"type %u, size %u of %u", major, type, size,
				msg_len);
	if (code != 0)
		return eaa_fail(err, EAA_E_IO, "QGS response: error code 0x%x",
				code);
	if (!rd_skip(&msg, id_len) || !rd_sub(&msg, quote_len, quote) ||
	    !rd_done(&msg) || quote_len == 0)
		return eaa_fail(err, EAA_E_FORMAT, "QGS response: id of %u and "
				"quote of %u bytes do not fill the message",
				id_len, quote_len);
	return true;
}

bool tdx_legacy_quote(const char *dev, const uint8_t report_data[64],
		      struct wr *out, struct eaa_err *err)
{
	struct tdx_report_req rep;
	struct tdx_quote_req req;
	uint8_t *blob = NULL;
	struct rd quote;
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	bool ok = false;

	if (fd < 0)
		return eaa_fail(err, EAA_E_IO, "%s: %s", dev, strerror(errno));
	memcpy(rep.reportdata, report_data, 64);
	if (ioctl(fd, TDX_CMD_GET_REPORT0, &rep) != 0) {
		eaa_fail(err, EAA_E_IO, "%s: TDX_CMD_GET_REPORT0: %s", dev,
			 strerror(errno));
		goto out;
	}
	/* The kernel shares this buffer with the host: page-aligned. */
	if (posix_memalign((void **)&blob, 4096, TDX_QUOTE_BLOB_LEN) != 0) {
		blob = NULL;
		eaa_fail(err, EAA_E_NOMEM, "out of memory");
		goto out;
	}
	tdx_qgs_request(rep.tdreport, blob);
	req.buf = (uint64_t)(uintptr_t)blob;
	req.len = TDX_QUOTE_BLOB_LEN;
	if (ioctl(fd, TDX_CMD_GET_QUOTE, &req) != 0) {
		eaa_fail(err, EAA_E_IO, "%s: TDX_CMD_GET_QUOTE: %s", dev,
			 strerror(errno));
		goto out;
	}
	ok = tdx_qgs_response(blob, TDX_QUOTE_BLOB_LEN, &quote, err);
	if (ok && !wr_bytes(out, quote.p, quote.n))
		ok = eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	free(blob);
	close(fd);
	return ok;
}
