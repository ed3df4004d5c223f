/* tdx_legacy.h - TDX quotes through the /dev/tdx_guest ioctls of kernels
 * before configfs-tsm (6.7): TDX_CMD_GET_REPORT0 for the TD report, then
 * TDX_CMD_GET_QUOTE with a GHCI shared buffer carrying a framed QGS
 * GET_QUOTE_REQ message (Intel DCAP qgs_msg_lib) that the host's quote
 * generation service answers with GET_QUOTE_RESP.
 *
 * The message building and parsing are separate functions so they can be
 * tested and fuzzed here; the ioctls themselves need a TDX guest. */
#ifndef EAA_TDX_LEGACY_H
#define EAA_TDX_LEGACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bytes.h"
#include "err.h"

#define TDX_REPORT_LEN 1024
#define TDX_QUOTE_BLOB_LEN (4 * 4096) /* the GHCI buffer: four pages */

/* Fill blob (TDX_QUOTE_BLOB_LEN bytes) with the GHCI header (version 1,
 * status 0, in_len, out_len 0) and the framed GET_QUOTE_REQ for tdreport. */
void tdx_qgs_request(const uint8_t tdreport[TDX_REPORT_LEN],
		     uint8_t blob[TDX_QUOTE_BLOB_LEN]);

/* Check the host's answer in blob and borrow the quote in it. */
bool tdx_qgs_response(const uint8_t *blob, size_t len, struct rd *quote,
		      struct eaa_err *err);

/* The whole exchange on device `dev` (e.g. /dev/tdx_guest). */
bool tdx_legacy_quote(const char *dev, const uint8_t report_data[64],
		      struct wr *out, struct eaa_err *err);

#endif
