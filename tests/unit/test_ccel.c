/* test_ccel.c - the TDX CC event log's replay into RTMRs: trustee's three
 * logs replay to the RTMRs trustee's test asserts, and CCEL_data to its
 * listed values, not to tdx_quote_4.dat's (tests/data/kbs/ccel_replay.json
 * and README); the claims name what they bind; flipped, cut and malformed
 * logs, built here, are each refused by name. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <openssl/evp.h>
#include "bytes.h"
#include "ccel.h"
#include "codec.h"
#include "file.h"
#include "quote.h"
#include "tcg_forge.h"
#include "test.h"

static char data_dir[512];
static json_t *vectors;

struct blob {
	uint8_t *p;
	size_t n;
};

/* A file under tests/data; the test stops when it cannot be read. */
static struct blob load(const char *name)
{
	char path[1024];
	struct blob b = { 0 };
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if (file_read(path, 2 << 20, &b.p, &b.n, &err))
		return b;
	fprintf(stderr, "%s\n", err.msg);
	exit(2);
}

/* rtmr0..rtmr3 of ccel_replay.json's logs.<log>.<set> */
static void rtmrs(const char *log, const char *set, uint8_t out[4][48])
{
	json_t *o = json_object_get(json_object_get(json_object_get(vectors, "logs"), log), set);

	for (int i = 0; i < 4; i++) {
		char key[8];

		snprintf(key, sizeof(key), "rtmr%d", i);
		if (!hex_decode_fixed(json_string_value(json_object_get(o, key)), out[i], 48)) {
			fprintf(stderr, "ccel_replay.json: %s %s %s\n", log, set, key);
			exit(2);
		}
	}
}

/* Where text (an event's data) begins in b; exits when it is not there. */
static size_t find(const struct blob *b, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i + n <= b->n; i++)
		if (memcmp(b->p + i, text, n) == 0)
			return i;
	fprintf(stderr, "no \"%s\" in the log\n", text);
	exit(2);
}

static json_t *event_with(json_t *events, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(events, i, e) {
		const char *v = json_string_value(json_object_get(e, key));

		if (v && strcmp(v, value) == 0)
			return e;
	}
	return NULL;
}

/* The three logs trustee's test_rtmr_integrity replays. */
static void test_trustee_logs(void)
{
	static const struct { const char *name; size_t events; } logs[] = {
		{ "CCEL_data_grub", 37 },
		{ "CCEL_data_gcp", 21 },
		/* 35 records, two of them EV_NO_ACTION for CC MR 0: not claimed */
		{ "CCEL_data_grub_gke", 33 },
	};

	for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char path[64];
		struct blob b;
		uint8_t want[4][48], computed[4][48], got[4][48];
		struct eaa_err err;
		json_t *ev = NULL;

		snprintf(path, sizeof(path), "kbs/%s", logs[i].name);
		b = load(path);
		rtmrs(logs[i].name, "trustee_expects", want);
		rtmrs(logs[i].name, "computed", computed);
		CHECK(memcmp(want, computed, sizeof(want)) == 0);
		CHECK_MSG(ccel_replay(b.p, b.n, got, &err), "%s: %s", logs[i].name, err.msg);
		CHECK(memcmp(got, want, sizeof(want)) == 0);
		CHECK_MSG(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, &ev, &err), "%s: %s",
			  logs[i].name, err.msg);
		CHECK_MSG(json_array_size(ev) == logs[i].events, "%s: %zu events", logs[i].name,
			  json_array_size(ev));
		/* without the claims, the same answer */
		CHECK(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, NULL, &err));
		json_decref(ev);
		free(b.p);
	}
}

/* The claims of the grub log: what is text, what is bound. */
static void test_claims(void)
{
	struct blob b = load("kbs/CCEL_data_grub");
	uint8_t want[4][48];
	struct eaa_err err;
	json_t *ev = NULL, *e;

	rtmrs("CCEL_data_grub", "computed", want);
	CHECK_MSG(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, &ev, &err), "%s", err.msg);
	/* the first record: RTMR0's EV_EFI_HANDOFF_TABLES2, binary data */
	e = json_array_get(ev, 0);
	CHECK(json_integer_value(json_object_get(e, "index")) == 1);
	CHECK(json_integer_value(json_object_get(e, "rtmr")) == 0);
	CHECK(strcmp(json_string_value(json_object_get(e, "type")), "EV_EFI_HANDOFF_TABLES2") == 0);
	CHECK(strlen(json_string_value(json_object_get(e, "digest"))) == 96);
	CHECK(!json_object_get(e, "data"));
	/* an action string: its digest is its hash, so the text is bound */
	e = event_with(ev, "data", "Calling EFI Application from Boot Option");
	CHECK(e && json_integer_value(json_object_get(e, "index")) == 2 &&
	      json_integer_value(json_object_get(e, "rtmr")) == 1 &&
	      strcmp(json_string_value(json_object_get(e, "type")), "EV_EFI_ACTION") == 0 &&
	      json_is_true(json_object_get(e, "digest_matches_data")));
	/* the platform config flags say "ACPI DATA" but measure the tables */
	e = event_with(ev, "data", "ACPI DATA");
	CHECK(e && json_is_false(json_object_get(e, "digest_matches_data")));
	/* shim's EV_IPL of a variable name, NUL-ended */
	e = event_with(ev, "data", "MokListTrusted");
	CHECK(e && strcmp(json_string_value(json_object_get(e, "type")), "EV_IPL") == 0 &&
	      json_integer_value(json_object_get(e, "rtmr")) == 2);
	/* grub's tagged events: the tag's text and its event ID */
	e = event_with(ev, "data", "LOADED_IMAGE::LoadOptions");
	CHECK(e && strcmp(json_string_value(json_object_get(e, "type")), "EV_EVENT_TAG") == 0 &&
	      json_integer_value(json_object_get(e, "tag")) == 0x8f3b22ed);
	json_decref(ev);
	free(b.p);

	/* the GKE log's EV_IPL names are UTF-16 */
	b = load("kbs/CCEL_data_grub_gke");
	rtmrs("CCEL_data_grub_gke", "computed", want);
	CHECK_MSG(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, &ev, &err), "%s", err.msg);
	CHECK(event_with(ev, "data", ".cmdline") != NULL);
	json_decref(ev);
	free(b.p);
}

/* CCEL_data replays to its listed values, and not to the quote trustee
 * pairs it with. */
static void test_ccel_data(void)
{
	struct blob b = load("kbs/CCEL_data"), qb = load("intel/tdx_quote_4.dat");
	uint8_t want[4][48], listed[4][48], got[4][48];
	struct quote q;
	struct eaa_err err;
	json_t *ev = NULL;

	rtmrs("CCEL_data", "computed", want);
	CHECK_MSG(ccel_replay(b.p, b.n, got, &err), "%s", err.msg);
	CHECK(memcmp(got, want, sizeof(want)) == 0);
	CHECK_MSG(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, &ev, &err), "%s", err.msg);
	CHECK(json_array_size(ev) == 5);
	json_decref(ev);

	CHECK_MSG(quote_parse(qb.p, qb.n, &q, &err), "%s", err.msg);
	rtmrs("CCEL_data", "tdx_quote_4_rtmrs", listed);
	CHECK(memcmp(q.tdx.rtmr, listed, sizeof(listed)) == 0);
	ev = NULL;
	CHECK(!ccel_check(b.p, b.n, (const uint8_t(*)[48])q.tdx.rtmr, &ev, &err) &&
	      err.code == EAA_E_SIGNATURE && ev == NULL);
	CHECK_MSG(strstr(err.msg, "replayed, RTMR0 is 2dc71230") &&
		  strstr(err.msg, "the quote holds e940da7c"), "%s", err.msg);
	/* RTMR0 right, RTMR1 still wrong: named */
	memcpy(q.tdx.rtmr[0], want[0], 48);
	CHECK(!ccel_check(b.p, b.n, (const uint8_t(*)[48])q.tdx.rtmr, NULL, &err) &&
	      strstr(err.msg, "replayed, RTMR1 is 0fa3be56"));
	/* a quote whose RTMR3 was extended, with a log that has no events for it */
	memcpy(got, want, sizeof(got));
	got[3][0] = 1;
	CHECK(!ccel_check(b.p, b.n, (const uint8_t(*)[48])got, NULL, &err) &&
	      strstr(err.msg, "RTMR3 is 0000") && strstr(err.msg, "has no events for it"));
	free(qb.p);
	free(b.p);
}

/* A byte flipped in an event's digest changes the replay; one flipped in
 * its data leaves the replay but unbinds the data; a log cut anywhere is
 * refused. */
static void test_flips_and_cuts(void)
{
	struct blob b = load("kbs/CCEL_data_grub");
	uint8_t want[4][48];
	size_t data = find(&b, "Calling EFI Application"), next;
	size_t digest = data - 4 - 48;   /* u16 alg | digest | u32 size | data */
	struct eaa_err err;
	json_t *ev = NULL, *e;

	rtmrs("CCEL_data_grub", "computed", want);
	b.p[digest] ^= 1;
	CHECK(!ccel_check(b.p, b.n, (const uint8_t(*)[48])want, NULL, &err) &&
	      err.code == EAA_E_SIGNATURE && strstr(err.msg, "RTMR1"));
	b.p[digest] ^= 1;

	b.p[data] ^= 0x20; /* "calling ..." */
	CHECK_MSG(ccel_check(b.p, b.n, (const uint8_t(*)[48])want, &ev, &err), "%s", err.msg);
	e = event_with(ev, "data", "calling EFI Application from Boot Option");
	CHECK(e && json_is_false(json_object_get(e, "digest_matches_data")));
	json_decref(ev);
	b.p[data] ^= 0x20;

	/* cut at a record's start: it parses, and RTMR1 misses the rest */
	next = find(&b, "Exit Boot Services Invocation") - 4 - 48 - 2 - 4 - 4 - 4;
	CHECK(!ccel_check(b.p, next, (const uint8_t(*)[48])want, NULL, &err) &&
	      strstr(err.msg, "RTMR1"));
	/* cut inside records and the header */
	CHECK(!ccel_check(b.p, data + 3, (const uint8_t(*)[48])want, NULL, &err) &&
	      err.code == EAA_E_FORMAT && strstr(err.msg, "data is cut short"));
	CHECK(!ccel_check(b.p, digest + 10, (const uint8_t(*)[48])want, NULL, &err) &&
	      strstr(err.msg, "is cut short"));
	CHECK(!ccel_check(b.p, 40, (const uint8_t(*)[48])want, NULL, &err) &&
	      strstr(err.msg, "the header event is cut short"));
	CHECK(!ccel_check(b.p, 0, (const uint8_t(*)[48])want, NULL, &err) &&
	      strstr(err.msg, "cut short"));
	CHECK(!ccel_check(NULL, 0, (const uint8_t(*)[48])want, NULL, &err));
	/* every cut from the header's end to the log's end is refused */
	for (size_t n = 65; n < 15130; n += 7)
		if (ccel_check(b.p, n, (const uint8_t(*)[48])want, NULL, &err)) {
			CHECK_MSG(false, "a log cut at %zu bytes passed", n);
			break;
		}
	/* an absurd data size */
	memcpy(b.p + data - 4, "\xff\xff\xff\x7f", 4);
	CHECK(!ccel_check(b.p, b.n, (const uint8_t(*)[48])want, NULL, &err) &&
	      strstr(err.msg, "event 14's data is cut short"));
	free(b.p);
}

/* Logs built here (tcg_forge.h): SHA-384 digests of each event's data,
 * replayed alongside into rtmr. */
static const uint16_t sha384[] = { 0x000c }, sha384_size[] = { 48 };

static void sha384_header(struct wr *w)
{
	tcg_forge_header(w, 0, "Spec ID Event03", 1, sha384, sha384_size);
}

static void event(struct wr *w, uint8_t rtmr[4][48], uint32_t mr, uint32_t type,
		  const char *data)
{
	uint8_t d[48];

	EVP_Digest(data, strlen(data), d, NULL, EVP_sha384(), NULL);
	tcg_forge_record(w, mr, type, 0x000c, d, 48, data, strlen(data));
	if (rtmr && mr >= 1 && type != 3) {
		EVP_MD_CTX *c = EVP_MD_CTX_new();

		EVP_DigestInit_ex(c, EVP_sha384(), NULL);
		EVP_DigestUpdate(c, rtmr[mr - 1], 48);
		EVP_DigestUpdate(c, d, 48);
		EVP_DigestFinal_ex(c, rtmr[mr - 1], NULL);
		EVP_MD_CTX_free(c);
	}
}

static bool check(const struct wr *w, uint8_t rtmr[4][48], json_t **ev, struct eaa_err *err)
{
	return ccel_check(w->buf, w->len, (const uint8_t(*)[48])rtmr, ev, err);
}

/* Which records extend, and where the log ends. */
static void test_built_logs(void)
{
	uint8_t r[4][48] = { { 0 } }, got[4][48];
	struct wr w;
	struct eaa_err err;
	json_t *ev = NULL;
	size_t len;

	wr_init(&w);
	sha384_header(&w);
	event(&w, r, 0, 0x80000008, "MRTD's own");        /* never replayed */
	event(&w, r, 1, 0x80000007, "one");
	event(&w, r, 2, 3, "not extended");              /* EV_NO_ACTION */
	event(&w, r, 3, 0x1234, "type unknown");
	event(&w, r, 4, 0x80000007, "rtmr 3");
	CHECK_MSG(check(&w, r, &ev, &err), "%s", err.msg);
	CHECK(json_array_size(ev) == 3);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(ev, 1), "type")),
		     "0x00001234") == 0);
	CHECK(json_integer_value(json_object_get(json_array_get(ev, 2), "rtmr")) == 3);
	json_decref(ev);
	/* the same log then fill: 0xff, zeros, a short tail of either */
	len = w.len;
	wr_bytes(&w, "\xff\xff\xff\xff\xff\xff\xff\xff" "garbage", 15);
	CHECK_MSG(check(&w, r, NULL, &err), "%s", err.msg);
	w.len = len;
	wr_bytes(&w, (uint8_t[64]){ 0 }, 64);
	CHECK_MSG(check(&w, r, NULL, &err), "%s", err.msg);
	w.len = len;
	wr_bytes(&w, "\xff\xff\xff", 3);
	CHECK_MSG(check(&w, r, NULL, &err), "%s", err.msg);
	/* and not fill: a record of seven zero bytes and a one is read */
	w.len = len;
	wr_bytes(&w, "\0\0\0\0\0\0\0\1", 8);
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "event 5 is cut short"));
	/* ccel_replay gives the values ccel_check compared with */
	w.len = len;
	CHECK(ccel_replay(w.buf, w.len, got, &err));
	CHECK(memcmp(got, r, sizeof(got)) == 0);
	wr_free(&w);

	/* the header's register index is not checked (TDVF writes 0 or 1) */
	memset(r, 0, sizeof(r));
	wr_init(&w);
	tcg_forge_header(&w, 1, "Spec ID Event03", 1, sha384, sha384_size);
	event(&w, r, 1, 4, "sep");
	CHECK_MSG(check(&w, r, NULL, &err), "%s", err.msg);
	wr_free(&w);
}

/* Each malformed header, refused by name. */
static void test_bad_headers(void)
{
	static const uint16_t unknown[] = { 0x000c, 0x0099 }, unknown_size[] = { 48, 32 };
	static const uint16_t sha256[] = { 0x000b }, size32[] = { 32 };
	static const struct {
		const char *sig;
		uint32_t nalg;
		const uint16_t *algs, *sizes;
		enum eaa_code code;
		const char *msg;
	} bad[] = {
		{ "Spec ID Event02", 1, sha384, sha384_size, EAA_E_FORMAT,
		  "no \"Spec ID Event03\" header" },
		{ "Spec ID Event03", 2, unknown, unknown_size, EAA_E_UNSUPPORTED,
		  "digest algorithm 0x0099, which is unknown" },
		{ "Spec ID Event03", 1, sha256, size32, EAA_E_FORMAT, "no SHA-384 digests" },
		{ "Spec ID Event03", 1, sha384, size32, EAA_E_FORMAT, "sha384 digests 32 bytes" },
		{ "Spec ID Event03", 0, sha384, sha384_size, EAA_E_FORMAT,
		  "lists 0 digest algorithms" },
	};
	uint8_t r[4][48] = { { 0 } };
	struct eaa_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct wr w;

		wr_init(&w);
		tcg_forge_header(&w, 0, bad[i].sig, bad[i].nalg, bad[i].algs, bad[i].sizes);
		CHECK_MSG(!check(&w, r, NULL, &err) && err.code == bad[i].code &&
			  strstr(err.msg, bad[i].msg), "header %zu: %s", i, err.msg);
		wr_free(&w);
	}
}

/* Each malformed record, refused by name. */
static void test_malformed(void)
{
	static const uint16_t two[] = { 0x000b, 0x000c }, two_size[] = { 32, 48 };
	static const uint8_t zero[32];
	uint8_t r[4][48] = { { 0 } };
	struct wr w;
	struct eaa_err err;
	uint8_t *big;

	/* CC MR 5 does not exist on TDX */
	wr_init(&w);
	sha384_header(&w);
	event(&w, NULL, 5, 4, "sep");
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "event 0 extends CC MR 5"));
	wr_free(&w);

	/* a digest of an algorithm the header does not list */
	wr_init(&w);
	sha384_header(&w);
	tcg_forge_record(&w, 1, 4, 0x000b, zero, 32, "", 0);
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "algorithm 0x000b the header does "
						    "not list"));
	wr_free(&w);

	/* an absurd digest count; no SHA-384 digest where both are listed */
	wr_init(&w);
	tcg_forge_header(&w, 0, "Spec ID Event03", 2, two, two_size);
	wr_u32le(&w, 1);
	wr_u32le(&w, 4);
	wr_u32le(&w, 0xffffffff);
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "4294967295 digests for 2"));
	wr_free(&w);
	wr_init(&w);
	tcg_forge_header(&w, 0, "Spec ID Event03", 2, two, two_size);
	tcg_forge_record(&w, 1, 4, 0x000b, zero, 32, "", 0);
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "event 0 has no SHA-384 digest"));
	wr_free(&w);

	/* more records than CCEL_MAX_EVENTS */
	wr_init(&w);
	sha384_header(&w);
	for (unsigned i = 0; i <= CCEL_MAX_EVENTS; i++)
		event(&w, NULL, 1, 4, "s");
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "more than 16384 events"));
	wr_free(&w);

	/* an absurd header size */
	wr_init(&w);
	wr_u32le(&w, 0);
	wr_u32le(&w, 3);
	wr_bytes(&w, (uint8_t[20]){ 0 }, 20);
	wr_u32le(&w, 0xfffffff0);
	CHECK(!check(&w, r, NULL, &err) && strstr(err.msg, "the header event is cut short"));
	wr_free(&w);

	/* more than CCEL_MAX bytes are not read at all */
	big = calloc(1, CCEL_MAX + 1);
	CHECK(big && !ccel_check(big, CCEL_MAX + 1, (const uint8_t(*)[48])r, NULL, &err) &&
	      strstr(err.msg, "at most"));
	free(big);
}

int main(void)
{
	const char *d = getenv("EAA_TESTDATA");
	char path[600];

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
	snprintf(path, sizeof(path), "%s/kbs/ccel_replay.json", data_dir);
	if (!(vectors = json_load_file(path, 0, NULL))) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 2;
	}
	test_trustee_logs();
	test_claims();
	test_ccel_data();
	test_flips_and_cuts();
	test_built_logs();
	test_bad_headers();
	test_malformed();
	json_decref(vectors);
	return test_summary();
}
