/* nv_claims.c - the claims of one verified GPU report: measurement blocks
 * by index and NVIDIA's opaque data decoded as trustee and nvtrust name and
 * format it (see nv_evidence.h for the whole shape). */
#include <stdio.h>
#include <string.h>
#include "codec.h"
#include "json_util.h"
#include "nv_evidence.h"

/* Text items end in NUL padding; the rest must be UTF-8 for JSON. */
static json_t *text_item(struct rd d)
{
	size_t n = rd_left(&d);

	while (n > 0 && d.p[n - 1] == 0)
		n--;
	return json_stringn((const char *)d.p, n);
}

/* "96.00.9f.00.01": the first half of the bytes reversed, then the byte
 * after it (nvtrust's format_vbios_version). */
static json_t *vbios_item(struct rd d)
{
	size_t n = rd_left(&d), half = n / 2, at = 0;
	char s[3 * 128 + 4];

	if (n < 2 || half > 127)
		return NULL;
	for (size_t i = half; i > 0; i--)
		at += (size_t)snprintf(s + at, sizeof(s) - at, "%02x.", d.p[i - 1]);
	snprintf(s + at, sizeof(s) - at, "%02x", d.p[half]);
	return json_string(s);
}

static bool le_u64(struct rd d, uint64_t *v)
{
	*v = 0;
	if (rd_left(&d) > 8)
		return false;
	for (size_t i = rd_left(&d); i > 0; i--)
		*v = *v << 8 | d.p[i - 1];
	return true;
}

static json_t *msrs_item(struct rd d)
{
	json_t *o = json_object();
	char key[8];
	uint32_t v;

	if (!o || rd_left(&d) % 4)
		goto bad;
	for (unsigned i = 1; rd_u32le(&d, &v); i++) {
		snprintf(key, sizeof(key), "%u", i);
		if (json_object_set_new(o, key, json_integer(v)) != 0)
			goto bad;
	}
	return o;
bad:
	json_decref(o);
	return NULL;
}

static json_t *pdi_item(struct rd d)
{
	json_t *a = json_array();
	uint8_t pdi[8];

	if (!a || rd_left(&d) % 8)
		goto bad;
	while (rd_bytes(&d, pdi, 8)) {
		char *h = hex_encode(pdi, 8);

		if (!h || json_array_append_new(a, json_string(h)) != 0) {
			free(h);
			goto bad;
		}
		free(h);
	}
	return a;
bad:
	json_decref(a);
	return NULL;
}

static json_t *opaque_value(const struct nv_opaque *o)
{
	uint64_t v;
	char *h;
	json_t *j;

	switch (o->type) {
	case NV_OD_DRIVER_VERSION: case NV_OD_CHIP_SKU: case NV_OD_CHIP_SKU_MOD:
	case NV_OD_NVDEC0_STATUS: case NV_OD_PROJECT: case NV_OD_PROJECT_SKU:
	case NV_OD_PROTECTED_PCIE_STATUS: case NV_OD_CHIP_INFO:
		return text_item(o->data);
	case NV_OD_VBIOS_VERSION:
		return vbios_item(o->data);
	case NV_OD_MSRS_CNT:
		return msrs_item(o->data);
	case NV_OD_SWITCH_PDI:
		return pdi_item(o->data);
	case NV_OD_OPAQUE_DATA_VERSION:
		return le_u64(o->data, &v) && v <= INT64_MAX ? json_integer((json_int_t)v) : NULL;
	case NV_OD_FEATURE_FLAG:
		if (!le_u64(o->data, &v))
			return NULL;
		return json_string(v == 0 ? "SPT" : v == 1 ? "MPT" : v == 2 ? "PPCIE" : "unknown");
	default:
		h = hex_encode(o->data.p, rd_left(&o->data));
		j = h ? json_string(h) : NULL;
		free(h);
		return j;
	}
}

bool nv_report_claims(const struct spdm_report *r, json_t *dev,
		      struct eaa_err *err)
{
	json_t *m = json_object(), *cfg = json_object();
	char key[24];

	if (!m || !cfg || json_object_set_new(dev, "measurements", m) != 0 ||
	    json_object_set_new(dev, "config", cfg) != 0) {
		json_decref(m);
		json_decref(cfg);
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	for (unsigned i = 0; i < r->nblocks; i++) {
		snprintf(key, sizeof(key), "%u", r->blocks[i].index);
		if (!json_set_hex(m, key, r->blocks[i].value.p,
				  rd_left(&r->blocks[i].value)))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < r->nopaque; i++) {
		const struct nv_opaque *o = &r->opaque[i];
		const char *name = nv_opaque_name(o->type);
		json_t *v = opaque_value(o);

		if (!name) {
			snprintf(key, sizeof(key), "type_%u", o->type);
			name = key;
		}
		if (!v)
			return eaa_fail(err, EAA_E_FORMAT, "SPDM opaque data: %s "
					"(%zu bytes) is malformed", name,
					rd_left(&o->data));
		if (json_object_set_new(cfg, name, v) != 0)
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	return json_set_hex(dev, "nonce", r->req_nonce, SPDM_NONCE_LEN) ||
	       eaa_fail(err, EAA_E_NOMEM, "out of memory");
}
