/* test_measure.c - the parts of `verdict --derive` every TEE shares: the
 * merge into a stored reference document, the OVMF/TDVF GUIDed footer
 * table's bounds, and the kernel hashes table's bytes. The TEEs'
 * derivations are checked against independent implementations by the
 * test_derive_* scripts. */
#include <jansson.h>
#include <stdlib.h>
#include "bytes.h"
#include "guid_table.h"
#include "refmerge.h"
#include "sev_hashes.h"
#include "test.h"

static json_t *J(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	if (!j)
		fprintf(stderr, "bad test JSON: %s\n", s);
	return j;
}

/* merge frag into doc; true when the result equals want (NULL: refused
 * and doc unchanged) */
static bool merged(const char *doc, const char *frag, const char *want)
{
	json_t *d = J(doc), *f = J(frag), *w = want ? J(want) : J(doc);
	struct eaa_err err;
	bool ok = refmerge(d, f, NULL, &err);
	bool same = json_equal(d, w);

	if (!same) {
		char *s = json_dumps(d, JSON_SORT_KEYS);

		fprintf(stderr, "merged into %s\n", s);
		free(s);
	}
	json_decref(d);
	json_decref(f);
	json_decref(w);
	return want ? ok && same : !ok && same;
}

static void test_refmerge(void)
{
	/* lists gain values, keep order, never duplicate */
	CHECK(merged("{\"measure\":[\"a\"]}", "{\"measure\":[\"b\"]}",
		     "{\"measure\":[\"a\",\"b\"]}"));
	CHECK(merged("{\"measure\":[\"a\",\"b\"]}", "{\"measure\":[\"b\"]}",
		     "{\"measure\":[\"a\",\"b\"]}"));
	/* members the fragment does not name stay; new ones are added */
	CHECK(merged("{\"mrEnclave\":[],\"tcbStatus\":[\"UpToDate\"]}",
		     "{\"mrEnclave\":[\"x\"],\"svn\":2}",
		     "{\"mrEnclave\":[\"x\"],\"tcbStatus\":[\"UpToDate\"],\"svn\":2}"));
	/* objects merge member by member */
	CHECK(merged("{\"measurements\":{\"mr_td\":[\"1\"],\"rtmr0\":[]},\"settings\":{}}",
		     "{\"measurements\":{\"mr_td\":[\"2\"],\"rtmr1\":[\"3\"]}}",
		     "{\"measurements\":{\"mr_td\":[\"1\",\"2\"],\"rtmr0\":[],\"rtmr1\":[\"3\"]},\"settings\":{}}"));
	/* numbers are minimums: the lower one stays */
	CHECK(merged("{\"svn\":3,\"productId\":1}", "{\"svn\":1,\"productId\":4}",
		     "{\"svn\":1,\"productId\":1}"));
	/* anything else that differs is refused, and nothing changes, even
	 * members merged before the conflict was met */
	CHECK(merged("{\"a\":[\"x\"],\"measure\":\"s\"}", "{\"a\":[\"y\"],\"measure\":[\"t\"]}", NULL));
	CHECK(merged("{\"m\":{\"k\":\"v\"}}", "{\"m\":{\"k\":\"w\"}}", NULL));
	CHECK(merged("{\"svn\":1}", "{\"svn\":\"1\"}", NULL));
	CHECK(merged("{\"m\":{\"k\":\"v\"}}", "{\"m\":{\"k\":\"v\"}}", "{\"m\":{\"k\":\"v\"}}"));
	/* a stored document that is not an object */
	{
		json_t *d = J("[1]"), *f = J("{}");
		struct eaa_err err;

		CHECK(!refmerge(d, f, NULL, &err) && strstr(err.msg, "not a JSON object"));
		json_decref(d);
		json_decref(f);
	}
}

/* An image of n bytes whose footer table holds entries (data, GUID),
 * built the way edk2 lays it out. */
static uint8_t *image(size_t n, const char *const *guids, const char *const *data,
		      size_t count, int footer_size_delta)
{
	uint8_t *img = calloc(1, n), g[16];
	struct wr w;
	size_t i, len = 0, off;

	for (i = 0; i < count; i++)
		len += strlen(data[i]) + 18;
	off = n - 32 - 18 - len;
	wr_init_fixed(&w, img + off, len + 18);
	for (i = 0; i < count; i++) {
		wr_bytes(&w, data[i], strlen(data[i]));
		wr_u16le(&w, (uint16_t)(strlen(data[i]) + 18));
		guid_from_string(guids[i], g);
		wr_bytes(&w, g, 16);
	}
	wr_u16le(&w, (uint16_t)((int)len + 18 + footer_size_delta));
	guid_from_string(GUID_TABLE_FOOTER, g);
	wr_bytes(&w, g, 16);
	return img;
}

static void test_guid_table(void)
{
	static const char *const guids[] = { "dc886566-984a-4798-a75e-5585a7bf67cc",
					     "7255371f-3a3b-4b04-927b-1da6efa8d454" };
	static const char *const data[] = { "ABCD", "12345678" };
	struct guid_table t;
	struct eaa_err err;
	struct rd d;
	uint8_t g[16], *img;

	/* the EFI byte order of a GUID's first three fields */
	CHECK(guid_from_string("00112233-4455-6677-8899-aabbccddeeff", g) &&
	      g[0] == 0x33 && g[3] == 0x00 && g[4] == 0x55 && g[6] == 0x77 &&
	      g[8] == 0x88 && g[15] == 0xff);
	CHECK(!guid_from_string("00112233-4455-6677-8899-aabbccddeef", g));
	CHECK(!guid_from_string("00112233+4455-6677-8899-aabbccddeeff", g));
	CHECK(!guid_from_string("0011223g-4455-6677-8899-aabbccddeeff", g));

	img = image(4096, guids, data, 2, 0);
	CHECK(guid_table_open(&t, img, 4096, &err));
	CHECK(guid_table_find(&t, guids[0], "SEV metadata", &d, &err) &&
	      rd_left(&d) == 4 && memcmp(d.p, "ABCD", 4) == 0);
	CHECK(guid_table_find(&t, guids[1], "hashes", &d, &err) &&
	      rd_left(&d) == 8 && memcmp(d.p, "12345678", 8) == 0);
	CHECK(!guid_table_find(&t, "e47a6535-984a-4798-865e-4685a7bf8ec2", "TDX metadata", &d, &err) &&
	      err.code == EAA_E_CONFIG && strstr(err.msg, "no TDX metadata (GUID e47a6535"));
	free(img);

	/* a footer whose size reaches before the image's start */
	img = image(4096, guids, data, 2, 4000);
	CHECK(!guid_table_open(&t, img, 4096, &err) && strstr(err.msg, "no GUIDed footer table"));
	free(img);
	/* a footer size that cuts an entry: the walk meets an impossible size */
	img = image(4096, guids, data, 2, -3);
	CHECK(guid_table_open(&t, img, 4096, &err));
	CHECK(!guid_table_find(&t, "e47a6535-984a-4798-865e-4685a7bf8ec2", "TDX metadata", &d, &err) &&
	      err.code == EAA_E_FORMAT);
	free(img);
	/* too short, and no footer GUID */
	img = calloc(1, 4096);
	CHECK(!guid_table_open(&t, img, 40, &err) && strstr(err.msg, "too short"));
	CHECK(!guid_table_open(&t, img, 4096, &err) && strstr(err.msg, "96b582de"));
	free(img);
}

static void test_sev_hashes_table(void)
{
	struct sev_hashes h;
	uint8_t t[SEV_HASHES_TABLE_LEN], g[16];
	struct rd r = rd_init(t, sizeof(t)), e;
	uint16_t len;
	size_t i;

	for (i = 0; i < 32; i++) {
		h.cmdline[i] = 0xc0 + (uint8_t)i;
		h.initrd[i] = 0x10 + (uint8_t)i;
		h.kernel[i] = 0x80 + (uint8_t)i;
	}
	sev_hashes_table(&h, t);
	guid_from_string("9438d606-4f22-4cc9-b479-a793d411fd21", g);
	CHECK(rd_sub(&r, 16, &e) && memcmp(e.p, g, 16) == 0);
	CHECK(rd_u16le(&r, &len) && len == 168);
	guid_from_string("97d02dd8-bd20-4c94-aa78-e7714d36ab2a", g);
	CHECK(rd_sub(&r, 16, &e) && memcmp(e.p, g, 16) == 0);
	CHECK(rd_u16le(&r, &len) && len == 50);
	CHECK(rd_sub(&r, 32, &e) && memcmp(e.p, h.cmdline, 32) == 0);
	guid_from_string("44baf731-3a2f-4bd7-9af1-41e29169781d", g);
	CHECK(rd_sub(&r, 16, &e) && memcmp(e.p, g, 16) == 0);
	CHECK(rd_u16le(&r, &len) && len == 50);
	CHECK(rd_sub(&r, 32, &e) && memcmp(e.p, h.initrd, 32) == 0);
	guid_from_string("4de79437-abd2-427f-b835-d5b172d2045b", g);
	CHECK(rd_sub(&r, 16, &e) && memcmp(e.p, g, 16) == 0);
	CHECK(rd_u16le(&r, &len) && len == 50);
	CHECK(rd_sub(&r, 32, &e) && memcmp(e.p, h.kernel, 32) == 0);
	CHECK(rd_left(&r) == 8 && rd_all_zero(&r));
}

int main(void)
{
	test_refmerge();
	test_guid_table();
	test_sev_hashes_table();
	return test_summary();
}
