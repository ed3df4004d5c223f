/* ccel.c - the TDX CC event log's replay into RTMRs (see ccel.h). The
 * record format is tcg_eventlog.c's; this file owns what TDX adds: the
 * register mapping, the SHA-384 bank, the comparison with a quote and the
 * events as claims. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "bytes.h"
#include "codec.h"
#include "json_util.h"
#include "tcg_eventlog.h"
#include "ccel.h"

#define NREGS 5 /* CC MR 0 (MRTD) and 1..4 (RTMR 0..3) */

struct ccel {
	struct tcg_log tcg;
	size_t bank; /* the SHA-384 algorithm's place in tcg.alg */
	uint8_t rtmr[4][48];
	size_t extended[4];
	json_t *events; /* NULL: not asked for */
};

static bool open_log(struct ccel *c, const uint8_t *p, size_t n, struct eaa_err *err)
{
	bool found = false;

	c->tcg = (struct tcg_log){ .what = "CC event log", .reg = "CC MR", .nregs = NREGS,
				   .fill_ends = true };
	if (n > CCEL_MAX)
		return eaa_fail(err, EAA_E_FORMAT, "CC event log: %zu bytes (at most %u)", n,
				CCEL_MAX);
	if (!tcg_log_open(&c->tcg, p, n, err))
		return false;
	for (size_t i = 0; i < c->tcg.nalgs; i++) {
		if (!c->tcg.alg[i].md)
			return eaa_fail(err, EAA_E_UNSUPPORTED, "CC event log: the header lists "
					"digest algorithm 0x%04x, which is unknown",
					c->tcg.alg[i].id);
		if (c->tcg.alg[i].id == TCG_ALG_SHA384) {
			c->bank = i;
			found = true;
		}
	}
	if (!found)
		return eaa_fail(err, EAA_E_FORMAT, "CC event log: the header lists no SHA-384 "
				"digests (TDX's RTMRs are SHA-384)");
	return true;
}

/* The data as text where it is text (see ccel.h), into out (NUL-ended). */
static bool as_text(const uint8_t *p, size_t n, char out[CCEL_TEXT_MAX + 1])
{
	size_t k = 0, w;

	if (n > CCEL_TEXT_MAX)
		return false;
	/* UTF-16LE when every second byte is zero and there are at least two units */
	w = n >= 4 && n % 2 == 0 ? 2 : 1;
	for (size_t i = 1; w == 2 && i < n; i += 2)
		if (p[i] != 0)
			w = 1;
	while (n >= w && p[n - w] == 0)
		n -= w;
	for (size_t i = 0; i < n; i += w) {
		if (!((p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\t' || p[i] == '\n' ||
		      p[i] == '\r'))
			return false;
		out[k++] = (char)p[i];
	}
	out[k] = 0;
	return k > 0;
}

/* EV_EVENT_TAG's data: u32 event ID, u32 size, that many bytes. */
static bool tagged(const uint8_t *p, size_t n, uint32_t *id, struct rd *inner)
{
	struct rd r = rd_init(p, n);
	uint32_t size;

	return rd_u32le(&r, id) && rd_u32le(&r, &size) && rd_sub(&r, size, inner) && rd_done(&r);
}

static json_t *event_claims(const struct ccel *c, const struct tcg_event *e)
{
	const uint8_t *d = e->digest[c->bank];
	uint8_t h[48];
	char type[16], text[CCEL_TEXT_MAX + 1];
	const char *name = tcg_event_type_name(e->type);
	json_t *o = json_object();
	struct rd inner = rd_init(e->data, e->len);
	uint32_t tag = 0;
	bool is_tag = e->type == TCG_EV_EVENT_TAG && tagged(e->data, e->len, &tag, &inner);
	bool ok;

	snprintf(type, sizeof(type), "0x%08x", e->type);
	ok = o && EVP_Digest(e->data, e->len, h, NULL, EVP_sha384(), NULL) == 1 &&
	     json_object_set_new(o, "index", json_integer(e->index)) == 0 &&
	     json_object_set_new(o, "rtmr", json_integer(e->index - 1)) == 0 &&
	     json_object_set_new(o, "type", json_string(name ? name : type)) == 0 &&
	     json_set_hex(o, "digest", d, 48) &&
	     json_object_set_new(o, "digest_matches_data",
				 json_boolean(memcmp(h, d, 48) == 0)) == 0;
	if (ok && is_tag)
		ok = json_object_set_new(o, "tag", json_integer(tag)) == 0;
	if (ok && as_text(inner.p, inner.n, text))
		ok = json_object_set_new(o, "data", json_string(text)) == 0;
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Read every record, replay it, and collect the claims when asked. */
static bool replay(struct ccel *c, const uint8_t *p, size_t n, struct eaa_err *err)
{
	if (!open_log(c, p, n, err))
		return false;
	while (!tcg_log_done(&c->tcg)) {
		struct tcg_event e;
		json_t *o;

		if (c->tcg.nev >= CCEL_MAX_EVENTS)
			return eaa_fail(err, EAA_E_FORMAT, "CC event log: more than %u events",
					CCEL_MAX_EVENTS);
		if (!tcg_log_next(&c->tcg, &e, err))
			return false;
		if (e.type == TCG_EV_NO_ACTION)
			continue;
		if (!e.digest[c->bank])
			return eaa_fail(err, EAA_E_FORMAT, "CC event log: event %zu has no SHA-384 "
					"digest", c->tcg.nev - 1);
		if (e.index == 0)
			continue;
		if (!tcg_extend(&c->tcg.alg[c->bank], c->rtmr[e.index - 1], e.digest[c->bank]))
			return eaa_fail(err, EAA_E_CRYPTO, "CC event log: replay");
		c->extended[e.index - 1]++;
		if (c->events && (!(o = event_claims(c, &e)) ||
				  json_array_append_new(c->events, o) != 0))
			return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	}
	return true;
}

bool ccel_replay(const uint8_t *log, size_t n, uint8_t rtmr[4][48], struct eaa_err *err)
{
	struct ccel c = { 0 };

	if (!replay(&c, log, n, err))
		return false;
	memcpy(rtmr, c.rtmr, sizeof(c.rtmr));
	return true;
}

static bool compare(const struct ccel *c, const uint8_t rtmr[4][48], struct eaa_err *err)
{
	for (int i = 0; i < 4; i++) {
		char *got, *want;

		if (CRYPTO_memcmp(c->rtmr[i], rtmr[i], 48) == 0)
			continue;
		got = hex_encode(c->rtmr[i], 48);
		want = hex_encode(rtmr[i], 48);
		eaa_fail(err, EAA_E_SIGNATURE, "CC event log: replayed, RTMR%d is %s%s; the "
			 "quote holds %s", i, got ? got : "?",
			 c->extended[i] ? "" : " (the log has no events for it)",
			 want ? want : "?");
		free(got);
		free(want);
		return false;
	}
	return true;
}

bool ccel_check(const uint8_t *log, size_t n, const uint8_t rtmr[4][48], json_t **events,
		struct eaa_err *err)
{
	struct ccel c = { 0 };
	bool ok;

	if (events && !(c.events = json_array()))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	ok = replay(&c, log, n, err) && compare(&c, rtmr, err);
	if (ok && events)
		*events = c.events;
	else
		json_decref(c.events);
	return ok;
}
