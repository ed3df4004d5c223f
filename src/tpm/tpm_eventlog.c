/* tpm_eventlog.c - event log replay (see tpm_eventlog.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "bytes.h"
#include "codec.h"
#include "json_util.h"
#include "tpm_eventlog.h"
#include "tpm_quote.h"

#define MAX_BANKS 8
#define NPCRS 24
#define EV_NO_ACTION 3

struct bank {
	uint16_t alg, size;
	const EVP_MD *md;                 /* NULL: an algorithm we cannot replay */
	uint8_t pcr[NPCRS][EVP_MAX_MD_SIZE];
	bool extended[NPCRS];
	bool verified[NPCRS];
};

struct event {
	uint32_t pcr, type;
	const uint8_t *digest[MAX_BANKS];  /* per bank; NULL when absent */
	const uint8_t *data;
	size_t len;
};

struct log {
	struct bank bank[MAX_BANKS];
	size_t nbanks;
	struct event *ev;
	size_t nev;
};

static bool header(struct rd *r, struct log *l, struct eaa_err *err)
{
	static const char sig[16] = "Spec ID Event03";
	uint32_t pcr, type, size, nalg = 0;
	uint8_t got[16], vendor;
	struct rd s;

	if (!rd_u32le(r, &pcr) || !rd_u32le(r, &type) || !rd_skip(r, 20) ||
	    !rd_u32le(r, &size) || !rd_sub(r, size, &s))
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header event is cut short");
	if (pcr != 0 || type != EV_NO_ACTION || !rd_bytes(&s, got, 16) ||
	    memcmp(got, sig, 16) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: no \"Spec ID Event03\" header "
				"(not a crypto-agile log)");
	if (!rd_skip(&s, 4 + 4) || !rd_u32le(&s, &nalg) || nalg == 0 || nalg > MAX_BANKS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header lists %u digest "
				"algorithms (1 to %d)", nalg, MAX_BANKS);
	for (uint32_t i = 0; i < nalg; i++) {
		struct bank *b = &l->bank[i];

		if (!rd_u16le(&s, &b->alg) || !rd_u16le(&s, &b->size) || b->size == 0 ||
		    b->size > EVP_MAX_MD_SIZE)
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header's algorithm "
					"%u is malformed", i);
		b->md = tpm_md(b->alg);
		if (b->md && (size_t)EVP_MD_get_size(b->md) != b->size)
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header gives %s "
					"digests %u bytes", tpm_bank_name(b->alg), b->size);
		for (uint32_t j = 0; j < i; j++)
			if (l->bank[j].alg == b->alg)
				return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header lists "
						"algorithm 0x%04x twice", b->alg);
	}
	l->nbanks = nalg;
	if (!rd_u8(&s, &vendor) || !rd_skip(&s, vendor) || !rd_done(&s))
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: the header's vendor "
				"information does not end the header");
	return true;
}

static bool push(struct log *l, const struct event *e, struct eaa_err *err)
{
	if ((l->nev & (l->nev - 1)) == 0) {   /* 0, 1, 2, 4, ...: grow */
		struct event *grown = realloc(l->ev, (l->nev ? 2 * l->nev : 1) * sizeof(*e));

		if (!grown)
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		l->ev = grown;
	}
	l->ev[l->nev++] = *e;
	return true;
}

/* PCR 0 of every bank starts at the locality: 0...0 || locality. */
static bool startup_locality(struct log *l, const struct event *e, struct eaa_err *err)
{
	for (size_t b = 0; b < l->nbanks; b++) {
		if (l->bank[b].extended[0])
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu sets the "
					"startup locality after PCR 0 was extended", l->nev);
		l->bank[b].pcr[0][l->bank[b].size - 1] = e->data[16];
	}
	return true;
}

static bool extend(struct bank *b, unsigned pcr, const uint8_t *digest)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && EVP_DigestInit_ex(c, b->md, NULL) == 1 &&
		  EVP_DigestUpdate(c, b->pcr[pcr], b->size) == 1 &&
		  EVP_DigestUpdate(c, digest, b->size) == 1 &&
		  EVP_DigestFinal_ex(c, b->pcr[pcr], NULL) == 1;

	EVP_MD_CTX_free(c);
	b->extended[pcr] = true;
	return ok;
}

static bool events(struct rd *r, struct log *l, struct eaa_err *err)
{
	while (!rd_done(r)) {
		struct event e = { 0 };
		uint32_t count;
		struct rd data;

		if (!rd_u32le(r, &e.pcr) || !rd_u32le(r, &e.type) || !rd_u32le(r, &count))
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu is cut short",
					l->nev);
		if (e.pcr >= NPCRS)
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu extends PCR "
					"%u", l->nev, e.pcr);
		if (count > l->nbanks)
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu has %u "
					"digests for %zu algorithms", l->nev, count, l->nbanks);
		for (uint32_t i = 0; i < count; i++) {
			uint16_t alg;
			size_t b = 0;

			if (!rd_u16le(r, &alg))
				return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu is cut "
						"short", l->nev);
			while (b < l->nbanks && l->bank[b].alg != alg)
				b++;
			if (b == l->nbanks || e.digest[b])
				return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu has a "
						"digest of algorithm 0x%04x %s", l->nev, alg,
						b == l->nbanks ? "the header does not list"
							       : "twice");
			e.digest[b] = r->p;
			if (!rd_skip(r, l->bank[b].size))
				return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu is cut "
						"short", l->nev);
		}
		if (!rd_u32le(r, &count) || !rd_sub(r, count, &data))
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu's data is cut "
					"short", l->nev);
		e.data = data.p;
		e.len = data.n;
		if (e.type == EV_NO_ACTION) {
			if (e.pcr == 0 && e.len == 17 && memcmp(e.data, "StartupLocality", 16) == 0 &&
			    !startup_locality(l, &e, err))
				return false;
		} else {
			for (size_t b = 0; b < l->nbanks; b++)
				if (e.digest[b] && l->bank[b].md &&
				    !extend(&l->bank[b], e.pcr, e.digest[b]))
					return eaa_fail(err, EAA_E_CRYPTO, "TPM event log: replay");
		}
		if (!push(l, &e, err))
			return false;
	}
	return true;
}

/* Each quoted PCR of a bank the log has, against its replay: a PCR the
 * log never extends must still hold its reset value, or events were
 * left out. */
static bool compare(struct log *l, const TPML_PCR_SELECTION *sel, const TPM2B_DIGEST *vals,
		    size_t nvals, struct eaa_err *err)
{
	size_t k = 0;
	bool common = false;

	for (UINT32 s = 0; s < sel->count; s++) {
		const TPMS_PCR_SELECTION *ps = &sel->pcrSelections[s];
		struct bank *b = NULL;

		for (size_t i = 0; i < l->nbanks; i++)
			if (l->bank[i].alg == ps->hash && l->bank[i].md)
				b = &l->bank[i];
		common = common || b;
		for (unsigned i = 0; i < 8u * ps->sizeofSelect && i < NPCRS; i++) {
			if (!((ps->pcrSelect[i / 8] >> (i % 8)) & 1))
				continue;
			if (k >= nvals)
				return eaa_fail(err, EAA_E_FORMAT, "TPM event log: fewer PCR values "
						"than quoted PCRs");
			if (b) {
				char *want, *got;

				if (vals[k].size == b->size &&
				    CRYPTO_memcmp(vals[k].buffer, b->pcr[i], b->size) == 0) {
					b->verified[i] = true;
				} else {
					want = hex_encode(vals[k].buffer, vals[k].size);
					got = hex_encode(b->pcr[i], b->size);
					eaa_fail(err, EAA_E_SIGNATURE, "TPM event log: replayed, %s PCR "
						 "%u is %s; the quote holds %s", tpm_bank_name(b->alg),
						 i, got ? got : "?", want ? want : "?");
					free(want);
					free(got);
					return false;
				}
			}
			k++;
		}
	}
	if (!common)
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: none of its digest algorithms "
				"is a quoted PCR bank");
	return true;
}

static const char *type_name(uint32_t t)
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

/* One verified event as claims: the digest of the bank that verified it
 * (SHA-256 when it did). */
static json_t *event_claims(const struct log *l, const struct event *e)
{
	const struct bank *b = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	char type[16];
	json_t *o;
	size_t bi = 0;
	bool ok;

	for (size_t i = 0; i < l->nbanks; i++)
		if (e->digest[i] && l->bank[i].verified[e->pcr] &&
		    (!b || l->bank[i].alg == TPM2_ALG_SHA256)) {
			b = &l->bank[i];
			bi = i;
		}
	if (!b)
		return json_null();
	snprintf(type, sizeof(type), "0x%08x", e->type);
	o = json_object();
	ok = o && json_object_set_new(o, "pcr", json_integer(e->pcr)) == 0 &&
	     json_object_set_new(o, "type", json_string(type_name(e->type) ? type_name(e->type)
									    : type)) == 0 &&
	     json_set_hex(o, "digest", e->digest[bi], b->size);
	/* the data only where the digest is its hash, and so binds it */
	if (ok && EVP_Digest(e->data, e->len, h, &hl, b->md, NULL) == 1 && hl == b->size &&
	    memcmp(h, e->digest[bi], hl) == 0)
		ok = json_set_hex(o, "data", e->data, e->len);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool tpm_eventlog_check(const uint8_t *p, size_t n, const TPML_PCR_SELECTION *sel,
			const TPM2B_DIGEST *vals, size_t nvals, json_t **out,
			struct eaa_err *err)
{
	struct log *l = calloc(1, sizeof(*l));
	struct rd r = rd_init(p, n);
	json_t *list = NULL;
	bool ok;

	if (!l)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = header(&r, l, err) && events(&r, l, err) && compare(l, sel, vals, nvals, err);
	if (ok && out) {
		ok = (list = json_array()) != NULL;
		for (size_t i = 0; ok && i < l->nev; i++) {
			json_t *e;

			if (l->ev[i].type == EV_NO_ACTION)
				continue;
			e = event_claims(l, &l->ev[i]);
			ok = e && (json_is_null(e) ? (json_decref(e), true)
						   : json_array_append_new(list, e) == 0);
		}
		if (!ok) {
			json_decref(list);
			eaa_fail(err, EAA_E_NOMEM, "out of memory");
		} else {
			*out = list;
		}
	}
	free(l->ev);
	free(l);
	return ok;
}
