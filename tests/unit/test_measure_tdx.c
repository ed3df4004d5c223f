/* test_measure_tdx.c - `verdict --derive tdx`: the MRTD of TDVF images
 * built here (their values computed by dstack-mr's tdvf.rs, README of
 * tests/data/measure), every refusal of the metadata parser by name, and
 * the quote path on tests/data/intel's real quotes and CC event logs. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "bytes.h"
#include "ccel.h"
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "guid_table.h"
#include "quote.h"
#include "tdvf.h"
#include "test.h"

static char data_dir[512];
static char tmp_dir[] = "/tmp/test_measure_tdx.XXXXXX";

/* ---- a TDVF image built to order ---- */

#define IMG 0x8000u
#define DESC_AT 0x6000u
#define TABLE_END 72u         /* the footer table's 40 bytes, the reset vector's 32 */

struct sec {
	uint32_t off, raw;
	uint64_t gpa, size;
	uint32_t type, attr;
};

struct knobs {
	uint32_t nsec;
	struct sec s[TDVF_MAX_SECTIONS];
	uint32_t version, len_delta; /* len_delta added to the right length */
	bool no_table;               /* no footer table at all */
	bool no_entry;               /* a footer table without the TDX entry */
	bool legacy;                 /* no table, the pointer at end - 0x20 */
	uint32_t at;                 /* where the descriptor is; 0: DESC_AT */
	uint32_t ptr;                /* where the pointer says it is; 0: at */
	size_t cut;                  /* the image ends this many bytes early */
};

/* OVMF's layout in small: an extended BFV, a CFV, TempMem, a TD HOB. */
static struct knobs ovmf_like(void)
{
	struct knobs k = { .nsec = 4, .version = 1 };

	k.s[0] = (struct sec){ 0x1000, 0x2000, 0xfffe0000, 0x2000, TDVF_BFV, 1 };
	k.s[1] = (struct sec){ 0x3000, 0x1000, 0xfffd0000, 0x1000, TDVF_CFV, 0 };
	k.s[2] = (struct sec){ 0, 0, 0x800000, 0x6000, TDVF_TEMP_MEM, 0 };
	k.s[3] = (struct sec){ 0, 0, 0x809000, 0x2000, TDVF_TD_HOB, 0 };
	return k;
}

static void guid(struct wr *w, const char *text)
{
	uint8_t g[16];

	guid_from_string(text, g);
	wr_bytes(w, g, 16);
}

/* The image: a byte pattern, the descriptor at k->at (as much of it as
 * fits before the table), and at the end the footer table (TDX entry,
 * footer) and 32 bytes of reset vector. */
static uint8_t *make(const struct knobs *k, size_t *n)
{
	uint32_t at = k->at ? k->at : DESC_AT, ptr = k->ptr ? k->ptr : at, i;
	uint8_t *img = calloc(1, IMG);
	struct wr w;

	if (!img)
		exit(2);
	for (i = 0; i < IMG - TABLE_END; i++)
		img[i] = (uint8_t)(i * 7 + (i >> 8));
	wr_init_fixed(&w, img + at, IMG - TABLE_END - at);
	wr_bytes(&w, "TDVF", 4);
	wr_u32le(&w, 16 + 32 * k->nsec + k->len_delta);
	wr_u32le(&w, k->version);
	wr_u32le(&w, k->nsec);
	for (i = 0; i < k->nsec; i++) {
		wr_u32le(&w, k->s[i].off);
		wr_u32le(&w, k->s[i].raw);
		wr_u64le(&w, k->s[i].gpa);
		wr_u64le(&w, k->s[i].size);
		wr_u32le(&w, k->s[i].type);
		wr_u32le(&w, k->s[i].attr);
	}
	wr_init_fixed(&w, img + IMG - TABLE_END, TABLE_END);
	if (k->no_table || k->legacy) {
		wr_bytes(&w, (const uint8_t[40]){ 0 }, 40);
	} else {
		/* an entry: data, u16 size, GUID; then the footer's own */
		wr_u32le(&w, IMG - ptr);
		wr_u16le(&w, 22);
		guid(&w, k->no_entry ? "00f771de-1a7e-4fcb-890e-68c77e2fb44e" :
				       TDVF_METADATA_OFFSET_GUID);
		wr_u16le(&w, 40);
		guid(&w, GUID_TABLE_FOOTER);
	}
	wr_u32le(&w, k->legacy ? ptr : 0);
	*n = IMG - k->cut;
	return img;
}

static bool mrtd_of(const struct knobs *k, enum tdvf_order o, char hex[97],
		    struct eaa_err *err)
{
	uint8_t *img, m[48];
	struct tdvf t;
	size_t n;
	bool ok;

	img = make(k, &n);
	ok = tdvf_parse(img, n, &t, err) && tdvf_mrtd(img, n, &t, o, m, err);
	if (ok) {
		char *h = hex_encode(m, 48);

		memcpy(hex, h, 97);
		free(h);
	}
	free(img);
	return ok;
}

/* A refusal whose message holds want. */
static void refused(const struct knobs *k, enum eaa_code code, const char *want)
{
	struct eaa_err err;
	char hex[97];

	CHECK_MSG(!mrtd_of(k, TDVF_ONE_PASS, hex, &err) && err.code == code &&
		  strstr(err.msg, want), "want \"%s\" (%d), got \"%s\" (%d)", want, code,
		  err.msg, err.code);
}

/* The values dstack-mr computes for these images (its Tdvf::parse and
 * compute_mrtd, SinglePass and TwoPass), tests/data/measure/README.md. */
static void test_mrtd(void)
{
	static const char one[] = "c3bc4bdbd8b295ba7b8ac4341405f8a2da22e805dedba547"
				  "cc460e29e32164205b245c4ee9c4a42686ab798a2bce57da";
	static const char two[] = "4c699d425b75ec89a3b3a9304322e41f98ebcbe4a502daa8"
				  "a45ebd556de94fe2fe99e7c84fb4f6a99d11a9349e56c837";
	struct knobs k = ovmf_like();
	const char *dump = getenv("EAA_TDVF_DUMP");
	struct eaa_err err;
	char hex[97];

	/* the image and its legacy twin, for a peer to measure by hand and
	 * as fuzz_tdvf's seeds (tests/data/measure/README.md) */
	if (dump) {
		for (int legacy = 0; legacy < 2; legacy++) {
			char path[600];
			uint8_t *img;
			size_t n;

			k.legacy = legacy;
			snprintf(path, sizeof(path), "%s/%s", dump,
				 legacy ? "tdvf_legacy.fd" : "tdvf_synth.fd");
			img = make(&k, &n);
			CHECK_MSG(file_write_atomic(path, img, n, 0644, &err), "%s", err.msg);
			free(img);
		}
		k.legacy = false;
	}
	CHECK_MSG(mrtd_of(&k, TDVF_ONE_PASS, hex, &err), "%s", err.msg);
	CHECK_MSG(strcmp(hex, one) == 0, "one pass: %s", hex);
	CHECK_MSG(mrtd_of(&k, TDVF_TWO_PASS, hex, &err), "%s", err.msg);
	CHECK_MSG(strcmp(hex, two) == 0, "two passes: %s", hex);

	/* the legacy pointer finds the same descriptor, the same MRTD */
	k.legacy = true;
	CHECK_MSG(mrtd_of(&k, TDVF_ONE_PASS, hex, &err), "%s", err.msg);
	CHECK(strcmp(hex, one) == 0);

	/* a byte of the extended BFV is in MRTD, a byte of the CFV is not */
	{
		uint8_t *img, m1[48], m2[48];
		struct tdvf t;
		size_t n;

		k = ovmf_like();
		img = make(&k, &n);
		CHECK(tdvf_parse(img, n, &t, &err) && tdvf_mrtd(img, n, &t, TDVF_ONE_PASS, m1, &err));
		img[0x3000] ^= 1;
		CHECK(tdvf_mrtd(img, n, &t, TDVF_ONE_PASS, m2, &err) && memcmp(m1, m2, 48) == 0);
		img[0x2fff] ^= 1;
		CHECK(tdvf_mrtd(img, n, &t, TDVF_ONE_PASS, m2, &err) && memcmp(m1, m2, 48) != 0);
		free(img);
	}
	/* the GPA of an unextended section is */
	k = ovmf_like();
	k.s[2].gpa += 0x1000000;
	CHECK(mrtd_of(&k, TDVF_ONE_PASS, hex, &err) && strcmp(hex, one) != 0);
}

static void test_refusals(void)
{
	struct knobs k;

	k = ovmf_like();
	k.no_table = true;
	refused(&k, EAA_E_CONFIG, "no TDX metadata: no footer table with GUID "
		TDVF_METADATA_OFFSET_GUID);
	k = ovmf_like();
	k.no_entry = true;
	refused(&k, EAA_E_CONFIG, "no TDX metadata offset (GUID " TDVF_METADATA_OFFSET_GUID);
	k = ovmf_like();
	k.ptr = IMG - 8;         /* the descriptor's header would run past the end */
	refused(&k, EAA_E_FORMAT, "TDVF descriptor at 0x7ff8: cut short");
	k = ovmf_like();
	k.cut = 0x100;           /* the image cut: its table is gone */
	refused(&k, EAA_E_CONFIG, "no TDX metadata");
	k = ovmf_like();
	k.ptr = DESC_AT + 4;
	refused(&k, EAA_E_FORMAT, "signature is not \"TDVF\"");
	k = ovmf_like();
	k.version = 2;
	refused(&k, EAA_E_UNSUPPORTED, "version 2, only 1 is defined");
	k = ovmf_like();
	k.len_delta = 32;
	refused(&k, EAA_E_FORMAT, "length 176 for 4 sections (want 144)");
	k = ovmf_like();
	k.nsec = 1;
	refused(&k, EAA_E_FORMAT, "1 sections (want 2 to 32)");
	k = ovmf_like();
	k.nsec = 32;             /* 32 sections from 152 bytes before the end */
	k.at = IMG - TABLE_END - 80;
	refused(&k, EAA_E_FORMAT, "cut short by the image's end");
	k = ovmf_like();
	k.s[1].off = IMG - 0x800; /* CFV data past the image's end */
	refused(&k, EAA_E_FORMAT, "TDVF section 1 (CFV): data 0x7800+0x1000 is outside the image");
	k = ovmf_like();
	k.s[2].gpa += 0x800;
	refused(&k, EAA_E_FORMAT, "TDVF section 2 (TempMem): MemoryAddress 0x800800");
	k = ovmf_like();
	k.s[3].size = 0x1800;
	refused(&k, EAA_E_FORMAT, "not 4 KiB aligned");
	k = ovmf_like();
	k.s[3].gpa = 0x805000;   /* inside the TempMem at 0x800000 */
	refused(&k, EAA_E_FORMAT, "TDVF sections 2 and 3 overlap");
	k = ovmf_like();
	k.s[1].gpa = 0xfffe1000; /* the CFV inside the BFV */
	refused(&k, EAA_E_FORMAT, "TDVF sections 0 and 1 overlap");
	k = ovmf_like();
	k.s[2].type = 4;
	refused(&k, EAA_E_UNSUPPORTED, "type 4 (PermMem)");
	k = ovmf_like();
	k.s[2].attr = TDVF_ATTR_PAGE_AUG;
	refused(&k, EAA_E_UNSUPPORTED, "PAGE.AUG");
	k = ovmf_like();
	k.s[2].attr = 4;
	refused(&k, EAA_E_UNSUPPORTED, "unknown attributes 0x00000004");
	k = ovmf_like();
	k.s[0].size = 0x3000;    /* extended beyond its raw data */
	refused(&k, EAA_E_FORMAT, "MR.EXTEND with RawDataSize 0x2000 != MemoryDataSize 0x3000");
	k = ovmf_like();
	k.s[3].raw = 0x1000;
	refused(&k, EAA_E_FORMAT, "TDVF section 3 (TD_HOB): RawDataSize 0x1000");
	k = ovmf_like();
	k.s[1].raw = 0;
	refused(&k, EAA_E_FORMAT, "TDVF section 1 (CFV): RawDataSize 0x0");
	k = ovmf_like();
	k.s[0].raw = 0x3000;
	refused(&k, EAA_E_FORMAT, "RawDataSize 0x3000 exceeds MemoryDataSize 0x2000");
	k = ovmf_like();
	k.s[2].size = 8ull << 30;
	refused(&k, EAA_E_FORMAT, "over 4 GiB");
	k = ovmf_like();
	k.s[2].gpa = 0xfffffffffffff000ull;
	refused(&k, EAA_E_FORMAT, "wraps");
	k = ovmf_like();
	k.s[2].size = 3ull << 30;
	k.s[3].gpa = 0x100000000ull;
	k.s[3].size = 2ull << 30;
	refused(&k, EAA_E_FORMAT, "more than 4 GiB");
	k = ovmf_like();
	k.ptr = IMG + 16;        /* offset larger than the image */
	refused(&k, EAA_E_FORMAT, "TDX metadata offset");
	k = ovmf_like();
	k.legacy = true;
	k.ptr = DESC_AT + 4;     /* the legacy pointer at no descriptor */
	refused(&k, EAA_E_CONFIG, "no TDX metadata");
}

/* ---- the command's row ---- */

static struct derive_input input(const char *const *kv)
{
	struct derive_input in = { 0 };

	for (; kv[0]; kv += 2) {
		in.v[in.n].name = kv[0];
		in.v[in.n].value = kv[1];
		in.n++;
	}
	return in;
}

static json_t *run(const char *const *kv, struct eaa_err *err)
{
	struct derive_input in = input(kv);
	const struct derive_tee *t = derive_find("tdx");
	FILE *info = fopen("/dev/null", "w");
	json_t *j;

	j = t->run(&in, info, err);
	fclose(info);
	return j;
}

static const char *first(const json_t *frag, const char *obj, const char *key)
{
	return json_string_value(json_array_get(json_object_get(json_object_get(frag, obj), key),
						0));
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	struct eaa_err err;

	if (!file_write_atomic(path, p, n, 0600, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
}

static void path_of(char *out, size_t n, const char *dir, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static void test_quote(void)
{
	char q4[600], q5[600], grub[600], ccel[600], forged[700], tdvf[700];
	json_t *expect, *j;
	json_error_t je;
	struct eaa_err err;
	size_t i;

	path_of(q4, sizeof(q4), data_dir, "intel/tdx_quote_4.dat");
	path_of(q5, sizeof(q5), data_dir, "intel/tdx_quote_5.dat");
	path_of(grub, sizeof(grub), data_dir, "kbs/CCEL_data_grub");
	path_of(ccel, sizeof(ccel), data_dir, "kbs/CCEL_data");
	{
		char p[600];

		path_of(p, sizeof(p), data_dir, "intel/parse_tdx_claims_expected.json");
		expect = json_load_file(p, 0, &je);
	}
	CHECK(expect != NULL);

	/* the quote's values, as the verifier's claims carry them */
	j = run((const char *[]){ "quote", q4, NULL }, &err);
	CHECK_MSG(j, "%s", err.msg);
	/* trustee's claims of the same quote name them rtmr_0 .. rtmr_3 */
	for (i = 0; i < 5; i++) {
		static const char *const ours[] = { "mr_td", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
		static const char *const theirs[] = { "mr_td", "rtmr_0", "rtmr_1", "rtmr_2",
						      "rtmr_3" };
		const char *w = json_string_value(json_object_get(
			json_object_get(json_object_get(expect, "quote"), "body"), theirs[i]));

		CHECK_MSG(w && first(j, "measurements", ours[i]) &&
			  strcmp(first(j, "measurements", ours[i]), w) == 0, "%s", ours[i]);
	}
	CHECK(first(j, "measurements", "mr_td") &&
	      strncmp(first(j, "measurements", "mr_td"), "705ee9381b8633a9", 16) == 0);
	CHECK(!json_object_get(j, "ccel_digests"));
	json_decref(j);

	/* a log that does not replay to the quote: refused, the RTMR named */
	j = run((const char *[]){ "quote", q4, "ccel-log", ccel, NULL }, &err);
	CHECK_MSG(!j && err.code == EAA_E_SIGNATURE && strstr(err.msg, "RTMR0"), "%s", err.msg);
	json_decref(j);

	/* the quote with the grub log's RTMRs written in (a TD that booted
	 * with that log; the signature, which --derive does not check, no
	 * longer matches): every event's digest, by RTMR */
	{
		uint8_t *raw, *log, rt[4][48];
		size_t n, ln;
		struct quote q;

		CHECK(file_read(q4, 1 << 20, &raw, &n, &err) && quote_parse(raw, n, &q, &err));
		CHECK(file_read(grub, 1 << 20, &log, &ln, &err));
		CHECK(ccel_replay(log, ln, rt, &err));
		for (i = 0; i + 4 * 48 <= n; i++)
			if (memcmp(raw + i, q.tdx.rtmr, 4 * 48) == 0)
				break;
		CHECK(i + 4 * 48 <= n);
		memcpy(raw + i, rt, sizeof(rt));
		path_of(forged, sizeof(forged), tmp_dir, "quote_grub.dat");
		write_file(forged, raw, n);
		free(raw);
		free(log);
	}
	/* verified against Intel's collateral, that copy is refused; the
	 * real quote passes, as of a time inside the collateral's validity,
	 * and not after it */
	{
		char col[600];

		path_of(col, sizeof(col), data_dir, "intel/pcs-50806f000000");
		j = run((const char *[]){ "quote", forged, "collateral", col, "at",
					  "2023-06-20T00:00:00Z", NULL }, &err);
		CHECK_MSG(!j && err.code == EAA_E_SIGNATURE, "%s (%d)", err.msg, err.code);
		j = run((const char *[]){ "quote", q4, "collateral", col, "at",
					  "2023-06-20T00:00:00Z", NULL }, &err);
		CHECK_MSG(j && strncmp(first(j, "measurements", "mr_td"), "705ee938", 8) == 0,
			  "%s", err.msg);
		json_decref(j);
		j = run((const char *[]){ "quote", q4, "collateral", col, "at",
					  "2023-08-01T00:00:00Z", NULL }, &err);
		CHECK_MSG(!j && strstr(err.msg, "not valid at the verification time"), "%s",
			  err.msg);
		j = run((const char *[]){ "quote", q4, "collateral", col, "at", "yesterday",
					  NULL }, &err);
		CHECK(!j && strstr(err.msg, "--at yesterday: not a UTC time"));
		j = run((const char *[]){ "quote", q4, "at", "2023-06-20T00:00:00Z", NULL },
			&err);
		CHECK(!j && strstr(err.msg, "--at is the time --collateral is checked at"));
		j = run((const char *[]){ "tdvf", forged, "collateral", col, NULL }, &err);
		CHECK(!j && strstr(err.msg, "--collateral and --at verify --quote"));
	}
	j = run((const char *[]){ "quote", forged, "ccel-log", grub, NULL }, &err);
	CHECK_MSG(j, "%s", err.msg);
	{
		json_t *d = json_object_get(j, "ccel_digests");
		size_t total = 0;

		for (i = 0; i < 4; i++) {
			char k[8];

			snprintf(k, sizeof(k), "rtmr%zu", i);
			total += json_array_size(json_object_get(d, k));
		}
		/* 37 events, some digests repeated (listed once) */
		CHECK_MSG(total > 10 && total <= 37, "%zu digests", total);
		CHECK(json_array_size(json_object_get(d, "rtmr0")) > 0 &&
		      json_array_size(json_object_get(d, "rtmr1")) > 0 &&
		      json_array_size(json_object_get(d, "rtmr2")) > 0);
		CHECK(strlen(json_string_value(json_array_get(json_object_get(d, "rtmr0"), 0))) ==
		      96);
	}
	json_decref(j);

	/* the log alone, a TDVF whose MRTD is not the quote's */
	j = run((const char *[]){ "ccel-log", grub, NULL }, &err);
	CHECK(!j && err.code == EAA_E_CONFIG && strstr(err.msg, "--ccel-log"));
	{
		struct knobs k = ovmf_like();
		uint8_t *img;
		size_t n;

		img = make(&k, &n);
		path_of(tdvf, sizeof(tdvf), tmp_dir, "tdvf.fd");
		write_file(tdvf, img, n);
		free(img);
	}
	j = run((const char *[]){ "tdvf", tdvf, "quote", q4, NULL }, &err);
	CHECK_MSG(!j && err.code == EAA_E_REJECTED && strstr(err.msg, "is not the quote's 705ee938"),
		  "%s", err.msg);
	j = run((const char *[]){ "tdvf", tdvf, NULL }, &err);
	CHECK_MSG(j && json_array_size(json_object_get(json_object_get(j, "measurements"),
						       "mr_td")) == 1, "%s", err.msg);
	json_decref(j);
	j = run((const char *[]){ "two-pass", NULL, "quote", q4, NULL }, &err);
	CHECK(!j && strstr(err.msg, "--two-pass applies to --tdvf"));
	j = run((const char *[]){ NULL }, &err);
	CHECK(!j && strstr(err.msg, "give --tdvf FILE, --quote FILE, or both"));

	/* a quote that is not TDX's, and a quote cut short */
	{
		char sgx[600];

		path_of(sgx, sizeof(sgx), data_dir, "intel/occlum_quote.dat");
		j = run((const char *[]){ "quote", sgx, NULL }, &err);
		CHECK_MSG(!j && err.code == EAA_E_TEE_MISMATCH, "%s", err.msg);
	}
	{
		uint8_t *raw;
		size_t n;

		CHECK(file_read(q5, 1 << 20, &raw, &n, &err));
		path_of(forged, sizeof(forged), tmp_dir, "quote_cut.dat");
		write_file(forged, raw, 600);
		free(raw);
		j = run((const char *[]){ "quote", forged, NULL }, &err);
		CHECK_MSG(!j && err.code == EAA_E_FORMAT, "%s", err.msg);
	}
	json_decref(expect);
}

int main(void)
{
	const char *d = getenv("EAA_TESTDATA");

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
	if (!mkdtemp(tmp_dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_mrtd();
	test_refusals();
	test_quote();
	test_rm_rf(tmp_dir);
	return test_summary();
}
