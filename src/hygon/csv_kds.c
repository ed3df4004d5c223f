/* csv_kds.c - a chip's HSK || CEK from Hygon's certificate service (see
 * csv.h), by the serial number the report carries. The answer is trusted
 * for nothing (csv_report_verify checks it to the HRK); the cache keeps it
 * at <dir>/<serial>/hsk_cek.cert, the layout rats-tls reads offline. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "csv.h"
#include "file.h"
#include "http_get.h"

/* Serial numbers are short upper-case alphanumerics; anything else must
 * not reach a URL or a path. */
static bool serial_ok(const char *sn)
{
	size_t n = strlen(sn);

	if (n == 0 || n > CSV_SN_SIZE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((sn[i] >= '0' && sn[i] <= '9') || (sn[i] >= 'A' && sn[i] <= 'Z') ||
		      (sn[i] >= 'a' && sn[i] <= 'z')))
			return false;
	return true;
}

bool csv_kds_hsk_cek(const struct csv_kds *k, const char *sn, uint8_t **out, size_t *n,
		     struct eaa_err *err)
{
	char url[1024], dir[4096], cached[4200];
	struct http_get g = { .what = "Hygon certificate service", .url = url,
			      .max = CSV_HSK_CEK_SIZE };
	struct wr body;

	if (!serial_ok(sn))
		return eaa_fail(err, EAA_E_FORMAT, "CSV report: serial number \"%.64s\" is not "
				"alphanumeric", sn);
	if (k->cache_dir) {
		snprintf(dir, sizeof(dir), "%s/%s", k->cache_dir, sn);
		snprintf(cached, sizeof(cached), "%s/hsk_cek.cert", dir);
		if (file_read(cached, CSV_HSK_CEK_SIZE, out, n, NULL))
			return true;
	}
	if (!k->base)
		return eaa_fail(err, EAA_E_UNTRUSTED, "no HSK/CEK for chip %s in %s", sn,
				k->cache_dir ? cached : "the evidence");
	snprintf(url, sizeof(url), "%s/hsk_cek?snumber=%s", k->base, sn);
	if (!http_get(&g, &body, err)) {
		wr_free(&body);
		return false;
	}
	if (body.len != CSV_HSK_CEK_SIZE) {
		wr_free(&body);
		return eaa_fail(err, EAA_E_FORMAT, "Hygon certificate service %s: %zu bytes, not "
				"an HSK and a CEK (%d)", url, body.len, CSV_HSK_CEK_SIZE);
	}
	if (k->cache_dir && (mkdir(k->cache_dir, 0755) == 0 || errno == EEXIST) &&
	    (mkdir(dir, 0755) == 0 || errno == EEXIST))
		file_write_atomic(cached, body.buf, body.len, 0644, NULL);
	*out = wr_take(&body, n);
	return *out || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}
