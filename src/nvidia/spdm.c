/* spdm.c - the SPDM 1.1 GET_MEASUREMENTS request/response pair of NVIDIA's
 * attestation report, read through the bounded reader (see spdm.h). */
#include <string.h>
#include "spdm.h"

static const char *const opaque_names[] = {
	[NV_OD_CERT_ISSUER_NAME] = "cert_issuer_name",
	[NV_OD_CERT_AKI] = "cert_authority_key_identifier",
	[NV_OD_DRIVER_VERSION] = "driver_version",
	[NV_OD_GPU_INFO] = "gpu_info",
	[NV_OD_ID_SKU] = "id_sku",
	[NV_OD_VBIOS_VERSION] = "vbios_version",
	[NV_OD_MANUFACTURER_ID] = "manufacturer_id",
	[NV_OD_TAMPER_DETECTION] = "tamper_detection",
	[NV_OD_SMC] = "smc",
	[NV_OD_VPR] = "vpr",
	[NV_OD_NVDEC0_STATUS] = "nvdec0_status",
	[NV_OD_MSRS_CNT] = "measurement_count",
	[NV_OD_CPR_INFO] = "cpr_info",
	[NV_OD_BOARD_ID] = "board_id",
	[NV_OD_CHIP_SKU] = "chip_sku",
	[NV_OD_CHIP_SKU_MOD] = "chip_sku_mod",
	[NV_OD_PROJECT] = "project",
	[NV_OD_PROJECT_SKU] = "project_sku",
	[NV_OD_PROJECT_SKU_MOD] = "project_sku_mod",
	[NV_OD_FWID] = "fwid",
	[NV_OD_PROTECTED_PCIE_STATUS] = "protected_pcie_status",
	[NV_OD_SWITCH_PDI] = "switch_pdi",
	[NV_OD_FLOORSWEPT_PORTS] = "floorswept_ports",
	[NV_OD_POSITION_ID] = "position_id",
	[NV_OD_LOCK_SWITCH_STATUS] = "lock_switch_status",
	[NV_OD_GPU_LINK_CONN] = "gpu_link_conn",
	[NV_OD_SYS_ENABLE_STATUS] = "sys_enable_status",
	[NV_OD_OPAQUE_DATA_VERSION] = "opaque_data_version",
	[NV_OD_CHIP_INFO] = "chip_info",
	[NV_OD_FEATURE_FLAG] = "feature_flag",
};

const char *nv_opaque_name(uint16_t type)
{
	if (type >= sizeof(opaque_names) / sizeof(opaque_names[0]))
		return NULL;
	return opaque_names[type];
}

const struct nv_opaque *nv_opaque_find(const struct spdm_report *r,
				       uint16_t type)
{
	for (size_t i = 0; i < r->nopaque; i++)
		if (r->opaque[i].type == type)
			return &r->opaque[i];
	return NULL;
}

static bool read_request(struct rd *in, struct spdm_report *r,
			 struct eaa_err *err)
{
	if (!rd_u8(in, &r->req_version) || !rd_u8(in, &r->req_code) ||
	    !rd_u8(in, &r->req_param1) || !rd_u8(in, &r->req_param2) ||
	    !rd_bytes(in, r->req_nonce, SPDM_NONCE_LEN) ||
	    !rd_u8(in, &r->req_slot))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM request: shorter than "
				"%d bytes", SPDM_REQUEST_LEN);
	if (r->req_version != SPDM_VERSION_11)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SPDM request: version "
				"0x%02x, not 1.1", r->req_version);
	if (r->req_code != SPDM_GET_MEASUREMENTS)
		return eaa_fail(err, EAA_E_FORMAT, "SPDM request: code 0x%02x, "
				"not GET_MEASUREMENTS", r->req_code);
	/* Param1 bit 0 asks for a signature: without it the response would
	 * carry no nonce binding. */
	if (!(r->req_param1 & 1))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM request: Param1 0x%02x "
				"does not ask for a signature", r->req_param1);
	return true;
}

/* One measurement block: Index, MeasurementSpecification, MeasurementSize,
 * then the DMTF value (type, size, value) filling exactly MeasurementSize. */
static bool read_block(struct rd *rec, unsigned i, struct spdm_block *b,
		       struct eaa_err *err)
{
	uint16_t size, vsize;
	struct rd m;

	if (!rd_u8(rec, &b->index) || !rd_u8(rec, &b->spec) ||
	    !rd_u16le(rec, &size) || !rd_sub(rec, size, &m))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM measurement block %u: "
				"runs past the measurement record", i);
	if (b->spec != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SPDM measurement block "
				"%u (index %u): specification 0x%02x, not DMTF",
				i, b->index, b->spec);
	if (!rd_u8(&m, &b->dmtf_type) || !rd_u16le(&m, &vsize) ||
	    !rd_sub(&m, vsize, &b->value) || !rd_done(&m))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM measurement block %u "
				"(index %u): DMTF value size does not fill "
				"MeasurementSize %u", i, b->index, size);
	return true;
}

static bool read_opaque(struct rd od, struct spdm_report *r,
			struct eaa_err *err)
{
	while (!rd_done(&od)) {
		struct nv_opaque *o = &r->opaque[r->nopaque];
		uint16_t size;

		if (r->nopaque == NV_MAX_OPAQUE)
			return eaa_fail(err, EAA_E_FORMAT, "SPDM opaque data: "
					"more than %d items", NV_MAX_OPAQUE);
		if (!rd_u16le(&od, &o->type) || !rd_u16le(&od, &size) ||
		    !rd_sub(&od, size, &o->data))
			return eaa_fail(err, EAA_E_FORMAT, "SPDM opaque data: "
					"item %zu runs past OpaqueLength",
					r->nopaque);
		if (nv_opaque_find(r, o->type))
			return eaa_fail(err, EAA_E_FORMAT, "SPDM opaque data: "
					"type %u twice", o->type);
		r->nopaque++;
	}
	/* The TCB of the device is named by these two; trustee requires them
	 * as well. */
	if (!nv_opaque_find(r, NV_OD_DRIVER_VERSION) ||
	    !nv_opaque_find(r, NV_OD_VBIOS_VERSION))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM opaque data: no "
				"driver_version or no vbios_version");
	return true;
}

bool spdm_report_parse(const uint8_t *buf, size_t n, size_t sig_len,
		       struct spdm_report *r, struct eaa_err *err)
{
	struct rd in = rd_init(buf, n), rec, od;
	uint8_t l0, l1, l2;
	uint16_t olen;

	memset(r, 0, sizeof(*r));
	if (!read_request(&in, r, err))
		return false;
	if (!rd_u8(&in, &r->version) || !rd_u8(&in, &r->code) ||
	    !rd_u8(&in, &r->param1) || !rd_u8(&in, &r->param2) ||
	    !rd_u8(&in, &r->nblocks) || !rd_u8(&in, &l0) || !rd_u8(&in, &l1) ||
	    !rd_u8(&in, &l2))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: header "
				"truncated");
	if (r->version != SPDM_VERSION_11)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SPDM response: version "
				"0x%02x, not 1.1", r->version);
	if (r->code != SPDM_MEASUREMENTS)
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: code 0x%02x, "
				"not MEASUREMENTS", r->code);
	r->record_len = (uint32_t)l0 | (uint32_t)l1 << 8 | (uint32_t)l2 << 16;
	if (!rd_sub(&in, r->record_len, &rec))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: "
				"MeasurementRecordLength %u runs past the end",
				r->record_len);
	for (unsigned i = 0; i < r->nblocks; i++)
		if (!read_block(&rec, i, &r->blocks[i], err))
			return false;
	if (!rd_done(&rec))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: %zu bytes of "
				"the measurement record after block %u",
				rd_left(&rec), r->nblocks);
	for (unsigned i = 0; i < r->nblocks; i++)
		for (unsigned j = 0; j < i; j++)
			if (r->blocks[i].index == r->blocks[j].index)
				return eaa_fail(err, EAA_E_FORMAT, "SPDM response: "
						"measurement index %u twice",
						r->blocks[i].index);
	if (!rd_bytes(&in, r->nonce, SPDM_NONCE_LEN) || !rd_u16le(&in, &olen) ||
	    !rd_sub(&in, olen, &od))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: nonce or "
				"opaque data truncated");
	r->opaque_raw = od;
	if (!read_opaque(od, r, err))
		return false;
	r->signed_part = rd_init(buf, n - rd_left(&in));
	if (!rd_sub(&in, sig_len, &r->signature))
		return eaa_fail(err, EAA_E_FORMAT, "SPDM response: signature "
				"truncated (want %zu bytes)", sig_len);
	/* trustee ignores what follows the signature, and its CoCo sample
	 * has one more byte there; it is not signed, so nothing reads it. */
	r->trailing = rd_left(&in);
	return true;
}
