/* tcg_eventlog.c - the TCG crypto-agile event log's records (see
 * tcg_eventlog.h). */
#include <string.h>
#include "tcg_eventlog.h"

const EVP_MD *tcg_alg_md(uint16_t alg)
{
	switch (alg) {
	case TCG_ALG_SHA1: return EVP_sha1();
	case TCG_ALG_SHA256: return EVP_sha256();
	case TCG_ALG_SHA384: return EVP_sha384();
	case TCG_ALG_SHA512: return EVP_sha512();
	case TCG_ALG_SM3_256: return EVP_sm3();
	default: return NULL;
	}
}

const char *tcg_alg_name(uint16_t alg)
{
	switch (alg) {
	case TCG_ALG_SHA1: return "sha1";
	case TCG_ALG_SHA256: return "sha256";
	case TCG_ALG_SHA384: return "sha384";
	case TCG_ALG_SHA512: return "sha512";
	case TCG_ALG_SM3_256: return "sm3";
	default: return NULL;
	}
}

static bool header(struct tcg_log *l, struct rd *r, struct eaa_err *err)
{
	static const char sig[16] = "Spec ID Event03";
	uint32_t type, size, nalg = 0;
	uint8_t got[16], vendor;
	struct rd s;

	if (!rd_u32le(r, &l->header_index) || !rd_u32le(r, &type) || !rd_skip(r, 20) ||
	    !rd_u32le(r, &size) || !rd_sub(r, size, &s))
		return eaa_fail(err, EAA_E_FORMAT, "%s: the header event is cut short", l->what);
	if (type != TCG_EV_NO_ACTION || !rd_bytes(&s, got, 16) || memcmp(got, sig, 16) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "%s: no \"Spec ID Event03\" header (not a "
				"crypto-agile log)", l->what);
	if (!rd_skip(&s, 4 + 4) || !rd_u32le(&s, &nalg) || nalg == 0 || nalg > TCG_MAX_ALGS)
		return eaa_fail(err, EAA_E_FORMAT, "%s: the header lists %u digest algorithms "
				"(1 to %d)", l->what, nalg, TCG_MAX_ALGS);
	for (uint32_t i = 0; i < nalg; i++) {
		struct tcg_alg *a = &l->alg[i];

		if (!rd_u16le(&s, &a->id) || !rd_u16le(&s, &a->size) || a->size == 0 ||
		    a->size > EVP_MAX_MD_SIZE)
			return eaa_fail(err, EAA_E_FORMAT, "%s: the header's algorithm %u is "
					"malformed", l->what, i);
		a->md = tcg_alg_md(a->id);
		if (a->md && (size_t)EVP_MD_get_size(a->md) != a->size)
			return eaa_fail(err, EAA_E_FORMAT, "%s: the header gives %s digests %u "
					"bytes", l->what, tcg_alg_name(a->id), a->size);
		for (uint32_t j = 0; j < i; j++)
			if (l->alg[j].id == a->id)
				return eaa_fail(err, EAA_E_FORMAT, "%s: the header lists algorithm "
						"0x%04x twice", l->what, a->id);
	}
	l->nalgs = nalg;
	if (!rd_u8(&s, &vendor) || !rd_skip(&s, vendor) || !rd_done(&s))
		return eaa_fail(err, EAA_E_FORMAT, "%s: the header's vendor information does "
				"not end the header", l->what);
	return true;
}

bool tcg_log_open(struct tcg_log *l, const uint8_t *p, size_t n, struct eaa_err *err)
{
	l->r = rd_init(p, n);
	l->nalgs = 0;
	l->nev = 0;
	return header(l, &l->r, err);
}

bool tcg_log_done(const struct tcg_log *l)
{
	size_t k = rd_left(&l->r) < 8 ? rd_left(&l->r) : 8;
	bool ff = true, zero = true;

	if (rd_done(&l->r))
		return true;
	if (!l->fill_ends)
		return false;
	for (size_t i = 0; i < k; i++) {
		ff = ff && l->r.p[i] == 0xff;
		zero = zero && l->r.p[i] == 0;
	}
	return ff || zero;
}

bool tcg_log_next(struct tcg_log *l, struct tcg_event *e, struct eaa_err *err)
{
	struct rd *r = &l->r, data;
	uint32_t count;

	memset(e, 0, sizeof(*e));
	if (!rd_u32le(r, &e->index) || !rd_u32le(r, &e->type) || !rd_u32le(r, &count))
		return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu is cut short", l->what, l->nev);
	if (e->index >= l->nregs)
		return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu extends %s %u", l->what, l->nev,
				l->reg, e->index);
	if (count > l->nalgs)
		return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu has %u digests for %zu "
				"algorithms", l->what, l->nev, count, l->nalgs);
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg;
		size_t a = 0;

		if (!rd_u16le(r, &alg))
			return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu is cut short", l->what,
					l->nev);
		while (a < l->nalgs && l->alg[a].id != alg)
			a++;
		if (a == l->nalgs || e->digest[a])
			return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu has a digest of "
					"algorithm 0x%04x %s", l->what, l->nev, alg,
					a == l->nalgs ? "the header does not list" : "twice");
		e->digest[a] = r->p;
		if (!rd_skip(r, l->alg[a].size))
			return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu is cut short", l->what,
					l->nev);
	}
	if (!rd_u32le(r, &count) || !rd_sub(r, count, &data))
		return eaa_fail(err, EAA_E_FORMAT, "%s: event %zu's data is cut short", l->what,
				l->nev);
	e->data = data.p;
	e->len = data.n;
	l->nev++;
	return true;
}

bool tcg_extend(const struct tcg_alg *alg, uint8_t *reg, const uint8_t *digest)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && alg->md && EVP_DigestInit_ex(c, alg->md, NULL) == 1 &&
		  EVP_DigestUpdate(c, reg, alg->size) == 1 &&
		  EVP_DigestUpdate(c, digest, alg->size) == 1 &&
		  EVP_DigestFinal_ex(c, reg, NULL) == 1;

	EVP_MD_CTX_free(c);
	return ok;
}

const char *tcg_event_type_name(uint32_t t)
{
	static const struct { uint32_t t; const char *name; } names[] = {
		{ 0x1, "EV_POST_CODE" }, { 0x3, "EV_NO_ACTION" }, { 0x4, "EV_SEPARATOR" },
		{ 0x5, "EV_ACTION" }, { 0x6, "EV_EVENT_TAG" }, { 0x7, "EV_S_CRTM_CONTENTS" },
		{ 0x8, "EV_S_CRTM_VERSION" }, { 0x9, "EV_CPU_MICROCODE" },
		{ 0xa, "EV_PLATFORM_CONFIG_FLAGS" }, { 0xb, "EV_TABLE_OF_DEVICES" },
		{ 0xc, "EV_COMPACT_HASH" }, { 0xd, "EV_IPL" }, { 0xe, "EV_IPL_PARTITION_DATA" },
		{ 0xf, "EV_NONHOST_CODE" }, { 0x10, "EV_NONHOST_CONFIG" },
		{ 0x11, "EV_NONHOST_INFO" }, { 0x12, "EV_OMIT_BOOT_DEVICE_EVENTS" },
		{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
		{ 0x80000002, "EV_EFI_VARIABLE_BOOT" },
		{ 0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION" },
		{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
		{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
		{ 0x80000006, "EV_EFI_GPT_EVENT" }, { 0x80000007, "EV_EFI_ACTION" },
		{ 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
		{ 0x80000009, "EV_EFI_HANDOFF_TABLES" },
		{ 0x8000000a, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
		{ 0x8000000b, "EV_EFI_HANDOFF_TABLES2" }, { 0x8000000c, "EV_EFI_VARIABLE_BOOT2" },
		{ 0x80000010, "EV_EFI_HCRTM_EVENT" }, { 0x800000e0, "EV_EFI_VARIABLE_AUTHORITY" },
		{ 0x800000e1, "EV_EFI_SPDM_FIRMWARE_BLOB" },
		{ 0x800000e2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].t == t)
			return names[i].name;
	return NULL;
}
