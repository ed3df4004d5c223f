/* hcl_report.c - the paravisor's HCL attestation report (azure.h): its
 * header, where the hardware report sits, and the bounds of the runtime
 * claims after it. Nothing here is trusted until az_verify has checked
 * the hardware report and its report_data. */
#include "azure.h"
#include "bytes.h"

bool hcl_report_parse(const uint8_t *p, size_t n, struct hcl_report *h, struct eaa_err *err)
{
	struct rd r = rd_init(p, n), hw, var;
	uint32_t sig, reserved[3];

	if (!rd_u32le(&r, &sig) || !rd_u32le(&r, &h->version) || !rd_u32le(&r, &h->report_size) ||
	    !rd_u32le(&r, &h->request_type) || !rd_u32le(&r, &h->status) ||
	    !rd_u32le(&r, &reserved[0]) || !rd_u32le(&r, &reserved[1]) ||
	    !rd_u32le(&r, &reserved[2]))
		return eaa_fail(err, EAA_E_FORMAT, "HCL report: %zu bytes, shorter than its header",
				n);
	if (sig != HCL_SIGNATURE)
		return eaa_fail(err, EAA_E_FORMAT, "HCL report: signature 0x%08x is not \"HCLA\"",
				sig);
	if (!rd_sub(&r, HCL_HW_REPORT_SIZE, &hw))
		return eaa_fail(err, EAA_E_FORMAT, "HCL report: truncated hardware report");
	h->hw = hw.p;
	if (!rd_u32le(&r, &h->data_size) || !rd_u32le(&r, &h->data_version) ||
	    !rd_u32le(&r, &h->report_type) || !rd_u32le(&r, &h->hash_type))
		return eaa_fail(err, EAA_E_FORMAT, "HCL report: truncated request data header");
	{
		uint32_t var_size;

		if (!rd_u32le(&r, &var_size))
			return eaa_fail(err, EAA_E_FORMAT, "HCL report: truncated request data "
					"header");
		/* data_size counts the five words above and the variable data */
		if (h->data_size < 20 || h->data_size - 20 != var_size)
			return eaa_fail(err, EAA_E_FORMAT, "HCL report: data_size %u does not "
					"match variable_data_size %u", h->data_size, var_size);
		if (!rd_sub(&r, var_size, &var))
			return eaa_fail(err, EAA_E_FORMAT, "HCL report: variable_data_size %u "
					"runs past the report's %zu bytes", var_size, n);
	}
	h->var_data = var.p;
	h->var_len = var.n;
	/* the request data header is outside what the hardware report
	 * binds: only the layout we know is read */
	if (h->data_version != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "HCL report: request data version %u "
				"(1 is known)", h->data_version);
	if (h->report_type != HCL_REPORT_SNP && h->report_type != HCL_REPORT_TDX)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "HCL report: report_type %u (2 SNP, "
				"4 TDX)", h->report_type);
	/* the hardware report binds SHA-256 of the variable data: another
	 * hash would leave the runtime claims unbound */
	if (h->hash_type != HCL_HASH_SHA256)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "HCL report: report_data_hash_type %u "
				"(1 SHA-256 is known)", h->hash_type);
	return true;
}
