/* tpm_eventlog.c - event log replay (see tpm_eventlog.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "codec.h"
#include "json_util.h"
#include "tcg_eventlog.h"
#include "tpm_eventlog.h"

#define NPCRS 24

struct bank {
	const struct tcg_alg *alg;        /* md NULL: an algorithm we cannot replay */
	uint8_t pcr[NPCRS][EVP_MAX_MD_SIZE];
	bool extended[NPCRS];
	bool verified[NPCRS];
};

struct log {
	struct tcg_log tcg;
	struct bank bank[TCG_MAX_ALGS];
	struct tcg_event *ev;
	size_t nev;
};

static bool push(struct log *l, const struct tcg_event *e, struct eaa_err *err)
{
	if ((l->nev & (l->nev - 1)) == 0) {   /* 0, 1, 2, 4, ...: grow */
		struct tcg_event *grown = realloc(l->ev, (l->nev ? 2 * l->nev : 1) * sizeof(*e));

		if (!grown)
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
		l->ev = grown;
	}
	l->ev[l->nev++] = *e;
	return true;
}

/* PCR 0 of every bank starts at the locality: 0...0 || locality. */
static bool startup_locality(struct log *l, const struct tcg_event *e, struct eaa_err *err)
{
	for (size_t b = 0; b < l->tcg.nalgs; b++) {
		if (l->bank[b].extended[0])
			return eaa_fail(err, EAA_E_FORMAT, "TPM event log: event %zu sets the "
					"startup locality after PCR 0 was extended", l->nev);
		l->bank[b].pcr[0][l->bank[b].alg->size - 1] = e->data[16];
	}
	return true;
}

static bool events(const uint8_t *p, size_t n, struct log *l, struct eaa_err *err)
{
	l->tcg = (struct tcg_log){ .what = "TPM event log", .reg = "PCR", .nregs = NPCRS };
	if (!tcg_log_open(&l->tcg, p, n, err))
		return false;
	if (l->tcg.header_index != 0)
		return eaa_fail(err, EAA_E_FORMAT, "TPM event log: no \"Spec ID Event03\" header "
				"(not a crypto-agile log)");
	for (size_t b = 0; b < l->tcg.nalgs; b++)
		l->bank[b].alg = &l->tcg.alg[b];
	while (!tcg_log_done(&l->tcg)) {
		struct tcg_event e;

		if (!tcg_log_next(&l->tcg, &e, err))
			return false;
		if (e.type == TCG_EV_NO_ACTION) {
			if (e.index == 0 && e.len == 17 && memcmp(e.data, "StartupLocality", 16) == 0 &&
			    !startup_locality(l, &e, err))
				return false;
		} else {
			for (size_t b = 0; b < l->tcg.nalgs; b++) {
				struct bank *k = &l->bank[b];

				if (!e.digest[b] || !k->alg->md)
					continue;
				k->extended[e.index] = true;
				if (!tcg_extend(k->alg, k->pcr[e.index], e.digest[b]))
					return eaa_fail(err, EAA_E_CRYPTO, "TPM event log: replay");
			}
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

	if (sel->count > TPM2_NUM_PCR_BANKS)
		return eaa_fail(err, EAA_E_FORMAT, "TPM quote: %u PCR banks selected (at most %d)",
				sel->count, TPM2_NUM_PCR_BANKS);
	for (UINT32 s = 0; s < sel->count; s++) {
		const TPMS_PCR_SELECTION *ps = &sel->pcrSelections[s];
		struct bank *b = NULL;

		for (size_t i = 0; i < l->tcg.nalgs; i++)
			if (l->bank[i].alg->id == ps->hash && l->bank[i].alg->md)
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

				if (vals[k].size == b->alg->size &&
				    CRYPTO_memcmp(vals[k].buffer, b->pcr[i], b->alg->size) == 0) {
					b->verified[i] = true;
				} else {
					want = hex_encode(vals[k].buffer, vals[k].size);
					got = hex_encode(b->pcr[i], b->alg->size);
					eaa_fail(err, EAA_E_SIGNATURE, "TPM event log: replayed, %s PCR "
						 "%u is %s; the quote holds %s", tcg_alg_name(b->alg->id),
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

/* One verified event as claims: the digest of the bank that verified it
 * (SHA-256 when it did). */
static json_t *event_claims(const struct log *l, const struct tcg_event *e)
{
	const struct bank *b = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	const char *name;
	char type[16];
	json_t *o;
	size_t bi = 0;
	bool ok;

	for (size_t i = 0; i < l->tcg.nalgs; i++)
		if (e->digest[i] && l->bank[i].verified[e->index] &&
		    (!b || l->bank[i].alg->id == TCG_ALG_SHA256)) {
			b = &l->bank[i];
			bi = i;
		}
	if (!b)
		return json_null();
	snprintf(type, sizeof(type), "0x%08x", e->type);
	o = json_object();
	name = tcg_event_type_name(e->type);
	ok = o && json_object_set_new(o, "pcr", json_integer(e->index)) == 0 &&
	     json_object_set_new(o, "type", json_string(name ? name : type)) == 0 &&
	     json_set_hex(o, "digest", e->digest[bi], b->alg->size);
	/* the data only where the digest is its hash, and so binds it */
	if (ok && EVP_Digest(e->data, e->len, h, &hl, b->alg->md, NULL) == 1 &&
	    hl == b->alg->size &&
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
	json_t *list = NULL;
	bool ok;

	if (!l)
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = events(p, n, l, err) && compare(l, sel, vals, nvals, err);
	if (ok && out) {
		ok = (list = json_array()) != NULL;
		for (size_t i = 0; ok && i < l->nev; i++) {
			json_t *e;

			if (l->ev[i].type == TCG_EV_NO_ACTION)
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
