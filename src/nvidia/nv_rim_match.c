/* nv_rim_match.c - a report's measurement blocks compared with the golden
 * values of the RIMs the owner supplied (see nv_rim.h), as nvtrust's local
 * verifier compares them: active resources only, any alternative of the
 * same size matches, the driver's and the VBIOS's RIM may not both claim an
 * index, index 35 is skipped when NVDEC0 is off. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "nv_evidence.h"
#include "nv_rim.h"

#define NVDEC0_DISABLED 0x55   /* nvtrust's NVDEC_STATUS.DISABLED */

static const struct spdm_block *block_of(const struct spdm_report *r, unsigned index)
{
	for (unsigned i = 0; i < r->nblocks; i++)
		if (r->blocks[i].index == index)
			return &r->blocks[i];
	return NULL;
}

static bool text_equal(const struct nv_opaque *o, const char *lower)
{
	size_t n = o ? rd_left(&o->data) : 0;

	while (n > 0 && o->data.p[n - 1] == 0)
		n--;
	if (!o || n != strlen(lower))
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower(o->data.p[i]) != lower[i])
			return false;
	return true;
}

/* The VBIOS version as nvtrust prints it, for comparing with a RIM's. */
static void vbios_text(const struct nv_opaque *o, char *buf, size_t len)
{
	size_t n = o ? rd_left(&o->data) : 0, half = n / 2, at = 0;

	buf[0] = '\0';
	if (n < 2)
		return;
	for (size_t i = half; i > 0 && at < len; i--)
		at += (size_t)snprintf(buf + at, len - at, "%02x.", o->data.p[i - 1]);
	if (at < len)
		snprintf(buf + at, len - at, "%02x", o->data.p[half]);
}

static json_t *rim_json(const struct nv_rim *rim, size_t matched)
{
	return json_pack("{s:s, s:s, s:I}", "tag_id", rim->tag_id, "version",
			 rim->version, "matched", (json_int_t)matched);
}

bool nv_rim_check(const struct spdm_report *r, const struct nv_trust *trust,
		  time_t at, json_t *dev, struct eaa_err *err)
{
	struct nv_rim *rims[2] = { NULL, NULL }; /* driver, VBIOS */
	const char *what[2] = { "driver", "VBIOS" };
	const struct nv_opaque *nvdec = nv_opaque_find(r, NV_OD_NVDEC0_STATUS);
	bool skip35 = nvdec && rd_left(&nvdec->data) == 1 && nvdec->data.p[0] == NVDEC0_DISABLED;
	size_t matched[2] = { 0, 0 };
	char vbios[64];
	json_t *o = NULL, *skipped = NULL;
	bool ok = false;

	if (!trust || !trust->rims || !trust->rims[0])
		return json_object_set_new(dev, "rim", json_pack("{s:b}", "checked", 0)) == 0 ||
		       eaa_fail(err, EAA_E_NOMEM, "out of memory");
	vbios_text(nv_opaque_find(r, NV_OD_VBIOS_VERSION), vbios, sizeof(vbios));
	for (size_t i = 0; trust->rims[i]; i++) {
		struct nv_rim *rim = malloc(sizeof(*rim));
		int k;

		if (!rim) {
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
			goto out;
		}
		if (!nv_rim_load(trust->rims[i], trust->rim_lens[i], trust->test_rim_root, at,
				 rim, err)) {
			free(rim);
			goto out;
		}
		k = text_equal(nv_opaque_find(r, NV_OD_DRIVER_VERSION), rim->version) ? 0 :
		    strcmp(rim->version, vbios) == 0 ? 1 : -1;
		if (k < 0 || rims[k]) {
			eaa_fail(err, EAA_E_REJECTED, k < 0 ?
				 "RIM %s: version %s is neither the GPU's driver's nor "
				 "its VBIOS's (%s)" : "RIM %s: a second RIM for the %s",
				 rim->tag_id, k < 0 ? rim->version : what[k], vbios);
			free(rim);
			goto out;
		}
		rims[k] = rim;
	}
	if (!(skipped = json_array()))
		goto nomem;
	for (int k = 0; k < 2; k++) {
		for (size_t j = 0; rims[k] && j < rims[k]->nres; j++) {
			const struct nv_rim_res *g = &rims[k]->res[j];
			const struct spdm_block *b;
			bool hit = false;

			if (!g->active)
				continue;
			for (size_t m = 0; k == 1 && rims[0] && m < rims[0]->nres; m++)
				if (rims[0]->res[m].active && rims[0]->res[m].index == g->index) {
					eaa_fail(err, EAA_E_REJECTED, "RIMs: the driver's and "
						 "the VBIOS's both give measurement %u",
						 g->index + 1);
					goto out;
				}
			if (g->index == 35 && skip35) {
				if (json_array_append_new(skipped, json_integer(36)) != 0)
					goto nomem;
				continue;
			}
			if (!(b = block_of(r, g->index + 1))) {
				eaa_fail(err, EAA_E_REJECTED, "RIM %s: the report has no "
					 "measurement %u", rims[k]->tag_id, g->index + 1);
				goto out;
			}
			for (size_t a = 0; a < g->nalt && !hit; a++)
				hit = rd_left(&b->value) == g->size &&
				      CRYPTO_memcmp(b->value.p, g->alt[a], g->size) == 0;
			if (!hit) {
				eaa_fail(err, EAA_E_REJECTED, "GPU measurement %u matches "
					 "none of the %zu value(s) of the %s RIM %s",
					 g->index + 1, g->nalt, what[k], rims[k]->tag_id);
				goto out;
			}
			matched[k]++;
		}
	}
	o = json_pack("{s:b, s:b, s:o, s:o, s:o}", "checked", 1, "complete",
		      rims[0] && rims[1],
		      "driver", rims[0] ? rim_json(rims[0], matched[0]) : json_null(),
		      "vbios", rims[1] ? rim_json(rims[1], matched[1]) : json_null(),
		      "skipped", skipped);
	skipped = NULL;
	if (!o || json_object_set_new(dev, "rim", o) != 0)
		goto nomem;
	ok = true;
	goto out;
nomem:
	eaa_fail(err, EAA_E_NOMEM, "out of memory");
out:
	json_decref(skipped);
	free(rims[0]);
	free(rims[1]);
	return ok;
}
