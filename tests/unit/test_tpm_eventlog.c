/* test_tpm_eventlog.c - TCG event log replay on logs built here: the
 * replay itself (with a StartupLocality of 3), which events and data the
 * claims carry, and each malformed log refused by name. The logs a real
 * TPM extends alongside are in test_tpm.sh. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include "bytes.h"
#include "tcg_forge.h"
#include "test.h"
#include "tpm_eventlog.h"

struct pcrs {
	uint8_t v[24][32];
};

static void header(struct wr *w, uint32_t nalg, const uint16_t *algs, const uint16_t *sizes)
{
	tcg_forge_header(w, 0, "Spec ID Event03", nalg, algs, sizes);
}

static const uint16_t sha256_alg[] = { TPM2_ALG_SHA256 }, sha256_size[] = { 32 };

/* An event with a SHA-256 digest of data (or of `of` when given), extended
 * into p when p is given. */
static void event(struct wr *w, struct pcrs *p, uint32_t pcr, uint32_t type, const char *data,
		  const char *of)
{
	uint8_t d[32];
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_Digest(of ? of : data, strlen(of ? of : data), d, NULL, EVP_sha256(), NULL);
	tcg_forge_record(w, pcr, type, TPM2_ALG_SHA256, d, 32, data, strlen(data));
	if (p && type != 3) {
		EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		EVP_DigestUpdate(c, p->v[pcr], 32);
		EVP_DigestUpdate(c, d, 32);
		EVP_DigestFinal_ex(c, p->v[pcr], NULL);
	}
	EVP_MD_CTX_free(c);
}

/* Quote PCRs 0-7 of the SHA-256 bank with values p. */
static bool check(const struct wr *w, const struct pcrs *p, json_t **events,
		  struct eaa_err *err)
{
	TPML_PCR_SELECTION sel = { 1, { { TPM2_ALG_SHA256, 3, { 0xff, 0, 0 } } } };
	TPM2B_DIGEST vals[8];

	for (int i = 0; i < 8; i++) {
		vals[i].size = 32;
		memcpy(vals[i].buffer, p->v[i], 32);
	}
	return tpm_eventlog_check(w->buf, w->len, &sel, vals, 8, events, err);
}

static void test_replay(void)
{
	struct pcrs p = { 0 };
	struct wr w;
	struct eaa_err err;
	json_t *ev = NULL;

	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	/* PCR 0 starts at locality 3 */
	wr_u32le(&w, 0);
	wr_u32le(&w, 3);
	wr_u32le(&w, 1);
	wr_u16le(&w, TPM2_ALG_SHA256);
	wr_bytes(&w, (uint8_t[32]){ 0 }, 32);
	wr_u32le(&w, 17);
	wr_bytes(&w, "StartupLocality\0\3", 17);
	p.v[0][31] = 3;
	event(&w, &p, 0, 0x8, "firmware 2.0", NULL);
	event(&w, &p, 4, 0x80000003, "\\EFI\\BOOT\\BOOTX64.EFI", "image bytes");
	event(&w, &p, 9, 0xd, "grub.cfg", NULL);      /* not quoted: not claimed */
	event(&w, &p, 5, 0x123, "odd", NULL);
	CHECK_MSG(check(&w, &p, &ev, &err), "%s", err.msg);
	CHECK(json_array_size(ev) == 3);
	CHECK(json_integer_value(json_object_get(json_array_get(ev, 0), "pcr")) == 0);
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(ev, 0), "data")),
		     "6669726d7761726520322e30") == 0);
	CHECK(!json_object_get(json_array_get(ev, 1), "data"));
	CHECK(strcmp(json_string_value(json_object_get(json_array_get(ev, 2), "type")),
		     "0x00000123") == 0);
	json_decref(ev);
	/* a quoted PCR the log says nothing of must hold its reset value */
	p.v[6][0] = 1;
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "replayed, sha256 PCR 6 is 0000"));
	p.v[6][0] = 0;
	/* without the locality, PCR 0 replays to another value */
	p.v[0][0] ^= 1;
	CHECK(!check(&w, &p, NULL, &err) && err.code == EAA_E_SIGNATURE &&
	      strstr(err.msg, "replayed, sha256 PCR 0 is"));
	wr_free(&w);
}

/* Each malformed log: its error names what is wrong. */
static void test_malformed(void)
{
	static const uint16_t two[] = { TPM2_ALG_SHA256, TPM2_ALG_SHA256 }, sizes2[] = { 32, 32 };
	static const uint16_t bad_size[] = { 20 }, sha1[] = { TPM2_ALG_SHA1 }, s20[] = { 20 };
	struct pcrs p = { 0 };
	struct wr w;
	struct eaa_err err;

	wr_init(&w);
	header(&w, 1, sha256_alg, bad_size);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "sha256 digests 20 bytes"));
	wr_free(&w);
	wr_init(&w);
	header(&w, 2, two, sizes2);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "algorithm 0x000b twice"));
	wr_free(&w);
	wr_init(&w);
	header(&w, 0, two, sizes2);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "lists 0 digest algorithms"));
	wr_free(&w);
	/* not a crypto-agile log */
	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	w.buf[32 + 5] ^= 1;
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "Spec ID Event03"));
	wr_free(&w);
	/* PCR 24; a digest the header does not list; no common bank */
	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	event(&w, NULL, 24, 0x8, "x", NULL);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "extends PCR 24"));
	wr_free(&w);
	wr_init(&w);
	header(&w, 1, sha1, s20);
	event(&w, NULL, 0, 0x8, "x", NULL);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "algorithm 0x000b the header does "
						       "not list"));
	wr_free(&w);
	wr_init(&w);
	header(&w, 1, sha1, s20);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "none of its digest algorithms"));
	wr_free(&w);
	/* more digests than algorithms; one algorithm twice; vendor
	 * information that does not end the header */
	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	wr_u32le(&w, 0);
	wr_u32le(&w, 8);
	wr_u32le(&w, 2);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "2 digests for 1 algorithms"));
	wr_free(&w);
	{
		static const uint16_t pair[] = { TPM2_ALG_SHA256, TPM2_ALG_SHA1 };
		static const uint16_t pair_sizes[] = { 32, 20 };

		wr_init(&w);
		header(&w, 2, pair, pair_sizes);
		wr_u32le(&w, 0);
		wr_u32le(&w, 8);
		wr_u32le(&w, 2);
		wr_u16le(&w, TPM2_ALG_SHA256);
		wr_bytes(&w, (uint8_t[32]){ 0 }, 32);
		wr_u16le(&w, TPM2_ALG_SHA256);
		wr_bytes(&w, (uint8_t[32]){ 0 }, 32);
		wr_u32le(&w, 0);
		CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "algorithm 0x000b twice"));
		wr_free(&w);
	}
	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	w.buf[32 + 24 + 4 + 4] = 5;   /* vendorInfoSize: 5 bytes that are not there */
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "vendor information"));
	wr_free(&w);
	/* a locality after PCR 0 was extended */
	wr_init(&w);
	header(&w, 1, sha256_alg, sha256_size);
	event(&w, NULL, 0, 0x8, "x", NULL);
	wr_u32le(&w, 0);
	wr_u32le(&w, 3);
	wr_u32le(&w, 0);
	wr_u32le(&w, 17);
	wr_bytes(&w, "StartupLocality\0\3", 17);
	CHECK(!check(&w, &p, NULL, &err) && strstr(err.msg, "startup locality after PCR 0"));
	wr_free(&w);
	/* every truncation of a good log is refused, at an event's edge too */
	{
		struct pcrs q = { 0 };
		size_t refused = 0, len;

		wr_init(&w);
		header(&w, 1, sha256_alg, sha256_size);
		event(&w, &q, 0, 0x8, "firmware", NULL);
		event(&w, &q, 1, 0x8, "config", NULL);
		len = w.len;
		for (size_t cut = 0; cut < len; cut++) {
			w.len = cut;
			refused += !check(&w, &q, NULL, &err);
		}
		w.len = len;
		CHECK_MSG(refused == len, "%zu of %zu truncations refused", refused, len);
		CHECK(check(&w, &q, NULL, &err));
		wr_free(&w);
	}
}

int main(void)
{
	test_replay();
	test_malformed();
	return test_summary();
}
