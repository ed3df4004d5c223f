/* test_measure_sgx.c - `verdict --derive sgx`: SIGSTRUCTs made here field
 * by field and signed as the SGX SDK signs them (RSA-3072, e = 3, PKCS#1
 * v1.5 SHA-256 over header || body, little-endian signature, Q1/Q2), read
 * back by sigstruct.c; signed enclaves built here as ELF bytes, read by
 * sgx_elf.c; and each check flipped into a named refusal.
 *
 *   test_measure_sgx                    run the tests
 *   test_measure_sgx --write-seeds DIR  write the fuzz seeds (SDK test key) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "bytes.h"
#include "codec.h"
#include "derive.h"
#include "file.h"
#include "sgx_elf.h"
#include "sigstruct.h"
#include "test.h"

/* seed 002: the mrSigner of its enclaves, signed with the SDK's test key */
#define SDK_MRSIGNER_B64 "g9cZ533qyhRw9rr2Kk13QwPImdtpAg+ccO4d/AjHzp4="

struct css_fields {
	uint32_t type, vendor, date;
	uint32_t misc_select, misc_mask;
	uint64_t flags, xfrm, flags_mask, xfrm_mask;
	uint8_t mr_enclave[32];
	uint16_t prod_id, svn;
	uint32_t exponent;          /* as written into the EXPONENT field */
};

static const uint8_t header[12] = { 6, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0 };
static const uint8_t header2[16] = { 1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0 };
static const uint8_t zeros[128];

static struct css_fields default_fields(void)
{
	struct css_fields f = { 0 };
	size_t i;

	f.date = 0x20261207;
	f.misc_mask = 0xffffffff;
	f.flags = SGX_FLAG_MODE64BIT;
	f.xfrm = 3;
	/* the SDK's default mask: everything but DEBUG (and bits 48..55) */
	f.flags_mask = ~(SGX_FLAG_DEBUG | 0x00ff000000000000ull);
	f.xfrm_mask = 0xfffffffffff9ff1bull;
	for (i = 0; i < 32; i++)
		f.mr_enclave[i] = (uint8_t)(0xa0 + i);
	f.prod_id = 0x1234;
	f.svn = 7;
	f.exponent = 3;
	return f;
}

static EVP_PKEY *gen_key(unsigned e)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *pub = BN_new();
	EVP_PKEY *key = NULL;

	if (ctx && pub && BN_set_word(pub, e) && EVP_PKEY_keygen_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072) > 0 &&
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, pub) > 0)
		EVP_PKEY_generate(ctx, &key);
	BN_free(pub);
	EVP_PKEY_CTX_free(ctx);
	return key;
}

static EVP_PKEY *load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return key;
}

/* The SIGSTRUCT for f, signed with key, into out[1808]. */
static bool make_sigstruct(EVP_PKEY *key, const struct css_fields *f, uint8_t *out)
{
	uint8_t head[128], body[128], msg[256], sig_be[384], sig_le[384];
	uint8_t mod_le[384], q1_le[384], q2_le[384];
	struct wr h, b, w;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	BIGNUM *n = NULL, *s = NULL, *s2 = BN_new(), *q1 = BN_new(), *r = BN_new(),
	       *t = BN_new(), *q2 = BN_new();
	BN_CTX *bc = BN_CTX_new();
	size_t siglen = sizeof(sig_be), i;
	bool ok = false;

	wr_init_fixed(&h, head, sizeof(head));
	wr_bytes(&h, header, sizeof(header));
	wr_u32le(&h, f->type);
	wr_u32le(&h, f->vendor);
	wr_u32le(&h, f->date);
	wr_bytes(&h, header2, sizeof(header2));
	wr_u32le(&h, 0);               /* SWDEFINED */
	wr_bytes(&h, zeros, 84);
	wr_init_fixed(&b, body, sizeof(body));
	wr_u32le(&b, f->misc_select);
	wr_u32le(&b, f->misc_mask);
	wr_bytes(&b, zeros, 4);        /* CET attributes, mask, reserved */
	wr_bytes(&b, zeros, 16);       /* ISVFAMILYID */
	wr_u64le(&b, f->flags);
	wr_u64le(&b, f->xfrm);
	wr_u64le(&b, f->flags_mask);
	wr_u64le(&b, f->xfrm_mask);
	wr_bytes(&b, f->mr_enclave, 32);
	wr_bytes(&b, zeros, 16);
	wr_bytes(&b, zeros, 16);       /* ISVEXTPRODID */
	wr_u16le(&b, f->prod_id);
	wr_u16le(&b, f->svn);
	if (h.failed || b.failed || h.len != 128 || b.len != 128)
		goto out;
	memcpy(msg, head, 128);
	memcpy(msg + 128, body, 128);
	if (!md || EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0 ||
	    EVP_DigestSign(md, sig_be, &siglen, msg, sizeof(msg)) <= 0 || siglen != 384)
		goto out;
	for (i = 0; i < 384; i++)
		sig_le[i] = sig_be[383 - i];
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    BN_bn2lebinpad(n, mod_le, 384) != 384 || !(s = BN_bin2bn(sig_be, 384, NULL)) ||
	    !BN_sqr(s2, s, bc) || !BN_div(q1, r, s2, n, bc) || !BN_mul(t, r, s, bc) ||
	    !BN_div(q2, NULL, t, n, bc) || BN_bn2lebinpad(q1, q1_le, 384) != 384 ||
	    BN_bn2lebinpad(q2, q2_le, 384) != 384)
		goto out;
	wr_init_fixed(&w, out, SIGSTRUCT_SIZE);
	wr_bytes(&w, head, 128);
	wr_bytes(&w, mod_le, 384);
	wr_u32le(&w, f->exponent);
	wr_bytes(&w, sig_le, 384);
	wr_bytes(&w, body, 128);
	wr_bytes(&w, zeros, 12);
	wr_bytes(&w, q1_le, 384);
	wr_bytes(&w, q2_le, 384);
	ok = !w.failed && w.len == SIGSTRUCT_SIZE;
out:
	EVP_MD_CTX_free(md);
	BN_free(n);
	BN_free(s);
	BN_free(s2);
	BN_free(q1);
	BN_free(r);
	BN_free(t);
	BN_free(q2);
	BN_CTX_free(bc);
	return ok;
}

/* ---- ELF images made here ------------------------------------------ */

struct elf_opts {
	const char *section;        /* the note's section name */
	const char *note_name;
	uint32_t note_type_sh;      /* section type */
	uint64_t magic;
	uint64_t version;
	unsigned entries;
	bool differ;                /* the second entry's SIGSTRUCT differs */
	uint32_t descsz_extra;      /* added to descsz (past the section) */
	uint16_t machine;
	uint64_t shoff_extra;       /* moves the section headers */
};

static struct elf_opts elf_defaults(void)
{
	struct elf_opts o = { ".note.sgxmeta", "sgx_metadata", 7, SGX_METADATA_MAGIC,
			      (3ull << 32) | 3, 2, false, 0, 62, 0 };
	return o;
}

static void put_shdr(struct wr *w, uint32_t name, uint32_t type, uint64_t off, uint64_t size)
{
	wr_u32le(w, name);
	wr_u32le(w, type);
	wr_u64le(w, 0);         /* flags */
	wr_u64le(w, 0);         /* addr */
	wr_u64le(w, off);
	wr_u64le(w, size);
	wr_u32le(w, 0);
	wr_u32le(w, 0);
	wr_u64le(w, 4);         /* addralign */
	wr_u64le(w, 0);
}

/* An ELF64 with a null section, the metadata note and .shstrtab; the
 * note as the SDK lays it out (descriptor right after the 13-byte name). */
static uint8_t *make_elf(const uint8_t *css, const struct elf_opts *o, size_t *len)
{
	struct wr note, w, strtab;
	uint32_t entry_size = 64 + SIGSTRUCT_SIZE + 120, desc_len;
	uint8_t other[SIGSTRUCT_SIZE];
	unsigned i;
	uint32_t name_sec, name_str;
	uint64_t note_off, str_off, sh_off;
	uint8_t *p;

	memcpy(other, css, sizeof(other));
	other[960] ^= 1;
	desc_len = entry_size * o->entries + 256;   /* zero fill after */
	wr_init(&note);
	wr_u32le(&note, (uint32_t)strlen(o->note_name) + 1);
	wr_u32le(&note, desc_len + o->descsz_extra);
	wr_u32le(&note, 1);
	wr_bytes(&note, o->note_name, strlen(o->note_name) + 1);
	for (i = 0; i < o->entries; i++) {
		wr_u64le(&note, o->magic);
		wr_u64le(&note, i == 0 ? o->version : (2ull << 32) | 2);
		wr_u32le(&note, entry_size);
		wr_bytes(&note, zeros, 20);
		wr_u64le(&note, 0x200000);         /* enclave_size */
		wr_bytes(&note, zeros, 16);        /* attributes */
		wr_bytes(&note, i == 1 && o->differ ? other : css, SIGSTRUCT_SIZE);
		wr_bytes(&note, zeros, 120);
	}
	wr_bytes(&note, zeros, 128);
	wr_bytes(&note, zeros, 128);
	while (note.len % 4)
		wr_u8(&note, 0);

	wr_init(&strtab);
	wr_u8(&strtab, 0);
	name_sec = (uint32_t)strtab.len;
	wr_bytes(&strtab, o->section, strlen(o->section) + 1);
	name_str = (uint32_t)strtab.len;
	wr_bytes(&strtab, ".shstrtab", 10);

	note_off = 64;
	str_off = note_off + note.len;
	sh_off = str_off + strtab.len + o->shoff_extra;
	wr_init(&w);
	wr_bytes(&w, "\177ELF\2\1\1", 7);
	wr_bytes(&w, zeros, 9);
	wr_u16le(&w, 3);             /* ET_DYN */
	wr_u16le(&w, o->machine);
	wr_u32le(&w, 1);
	wr_u64le(&w, 0);             /* entry */
	wr_u64le(&w, 0);             /* phoff */
	wr_u64le(&w, sh_off);
	wr_u32le(&w, 0);
	wr_u16le(&w, 64);
	wr_u16le(&w, 0);
	wr_u16le(&w, 0);
	wr_u16le(&w, 64);
	wr_u16le(&w, 3);             /* shnum */
	wr_u16le(&w, 2);             /* shstrndx */
	wr_bytes(&w, note.buf, note.len);
	wr_bytes(&w, strtab.buf, strtab.len);
	if (!o->shoff_extra) {
		put_shdr(&w, 0, 0, 0, 0);
		put_shdr(&w, name_sec, o->note_type_sh, note_off, note.len);
		put_shdr(&w, name_str, 3, str_off, strtab.len);
	}
	wr_free(&note);
	wr_free(&strtab);
	p = w.failed ? NULL : wr_take(&w, len);
	wr_free(&w);
	return p;
}

/* ---- the tests ----------------------------------------------------- */

static bool refused(const uint8_t *css, size_t n, enum eaa_code code, const char *needle)
{
	struct sigstruct s;
	struct eaa_err err = { 0 };

	if (sigstruct_read(&s, css, n, &err)) {
		fprintf(stderr, "    accepted, wanted \"%s\"\n", needle);
		return false;
	}
	if (err.code != code || !strstr(err.msg, needle)) {
		fprintf(stderr, "    refused with %s: %s (wanted \"%s\")\n",
			eaa_code_name(err.code), err.msg, needle);
		return false;
	}
	return true;
}

static void test_fields(EVP_PKEY *key)
{
	struct css_fields f = default_fields();
	uint8_t css[SIGSTRUCT_SIZE], mod[384], digest[32];
	struct sigstruct s;
	struct eaa_err err = { 0 };
	BIGNUM *n = NULL;

	f.misc_select = 1;
	f.vendor = 0x8086;
	CHECK(make_sigstruct(key, &f, css));
	CHECK_MSG(sigstruct_read(&s, css, sizeof(css), &err), "%s", err.msg);
	CHECK(memcmp(s.mr_enclave, f.mr_enclave, 32) == 0);
	CHECK(s.isv_prod_id == 0x1234 && s.isv_svn == 7);
	CHECK(s.misc_select == 1 && s.misc_mask == 0xffffffff);
	CHECK(s.flags == f.flags && s.flags_mask == f.flags_mask);
	CHECK(s.xfrm == 3 && s.xfrm_mask == f.xfrm_mask);
	CHECK(s.vendor == 0x8086 && s.date == 0x20261207 && s.type == 0);
	/* MRSIGNER: SHA-256 of the modulus, little-endian as stored */
	CHECK(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n));
	CHECK(BN_bn2lebinpad(n, mod, 384) == 384);
	CHECK(EVP_Digest(mod, 384, digest, NULL, EVP_sha256(), NULL));
	CHECK(memcmp(s.mr_signer, digest, 32) == 0);
	BN_free(n);
	/* the SDK's default mask leaves DEBUG free: both launches match */
	CHECK(sigstruct_debug_allowed(&s) && !sigstruct_debug_only(&s));
}

static void test_refusals(EVP_PKEY *key)
{
	struct css_fields f = default_fields();
	uint8_t good[SIGSTRUCT_SIZE], bad[SIGSTRUCT_SIZE];
	/* a byte in each signed region, the modulus, the signature */
	static const struct { size_t at; const char *what; } flips[] = {
		{ 20, "SIGNATURE does not verify" },    /* DATE */
		{ 100, "SIGNATURE does not verify" },   /* header reserved */
		{ 900, "SIGNATURE does not verify" },   /* MISCSELECT */
		{ 960, "SIGNATURE does not verify" },   /* ENCLAVEHASH */
		{ 1024, "SIGNATURE does not verify" },  /* ISVPRODID */
		{ 1027, "SIGNATURE does not verify" },  /* ISVSVN, last signed byte */
		{ 128, "SIGNATURE" },                   /* MODULUS, low byte */
		{ 300, "SIGNATURE" },                   /* MODULUS */
		{ 600, "SIGNATURE" },                   /* SIGNATURE */
		{ 1100, "Q1/Q2" },                      /* Q1 */
		{ 1700, "Q1/Q2" },                      /* Q2 */
		{ 0, "HEADER (bytes 0..11)" },
		{ 24, "HEADER2" },
		{ 512, "EXPONENT" },
	};
	size_t i;

	CHECK(make_sigstruct(key, &f, good));
	for (i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		memcpy(bad, good, sizeof(bad));
		bad[flips[i].at] ^= 0x01;
		CHECK_MSG(refused(bad, sizeof(bad),
				  strstr(flips[i].what, "HEADER") || strstr(flips[i].what, "EXPONENT")
				  ? EAA_E_FORMAT : EAA_E_SIGNATURE, flips[i].what),
			  "byte %zu flipped", flips[i].at);
	}
	/* the bytes outside both regions and the key that nothing checks:
	 * the reserved 12 before Q1 are neither signed nor used by EINIT */
	memcpy(bad, good, sizeof(bad));
	bad[1030] ^= 1;
	{
		struct sigstruct s;
		struct eaa_err err;

		CHECK(sigstruct_read(&s, bad, sizeof(bad), &err));
	}
	/* a modulus short of 3072 bits (its top byte, stored last, zero) */
	memcpy(bad, good, sizeof(bad));
	bad[128 + 383] = 0;
	CHECK(refused(bad, sizeof(bad), EAA_E_FORMAT, "MODULUS is"));
	CHECK(refused(good, sizeof(good) - 1, EAA_E_FORMAT, "1808 bytes"));
	CHECK(refused(good, 0, EAA_E_FORMAT, "1808 bytes"));
	/* a key with exponent 65537, correctly signed: SGX wants 3 */
	{
		EVP_PKEY *k65537 = gen_key(65537);

		f.exponent = 65537;
		CHECK(k65537 && make_sigstruct(k65537, &f, bad));
		CHECK(refused(bad, sizeof(bad), EAA_E_FORMAT, "EXPONENT (bytes 512..515) is 65537"));
		f.exponent = 3;
		CHECK(make_sigstruct(k65537, &f, bad));
		CHECK(refused(bad, sizeof(bad), EAA_E_SIGNATURE, "SIGNATURE does not verify"));
		EVP_PKEY_free(k65537);
	}
	/* another key's signature over the same fields */
	{
		EVP_PKEY *other = gen_key(3);
		uint8_t theirs[SIGSTRUCT_SIZE];

		CHECK(other && make_sigstruct(other, &f, theirs));
		memcpy(bad, good, sizeof(bad));
		memcpy(bad + 516, theirs + 516, 384);
		CHECK(refused(bad, sizeof(bad), EAA_E_SIGNATURE, "SIGNATURE"));
		EVP_PKEY_free(other);
	}
}

static void test_debug(EVP_PKEY *key)
{
	struct css_fields f = default_fields();
	uint8_t css[SIGSTRUCT_SIZE];
	struct sigstruct s;
	struct eaa_err err;

	/* DisableDebug=1: DEBUG clear and enforced */
	f.flags_mask |= SGX_FLAG_DEBUG;
	CHECK(make_sigstruct(key, &f, css) && sigstruct_read(&s, css, sizeof(css), &err));
	CHECK(!sigstruct_debug_allowed(&s) && !sigstruct_debug_only(&s));
	/* DEBUG set and enforced: a debug-only enclave */
	f.flags |= SGX_FLAG_DEBUG;
	CHECK(make_sigstruct(key, &f, css) && sigstruct_read(&s, css, sizeof(css), &err));
	CHECK(sigstruct_debug_allowed(&s) && sigstruct_debug_only(&s));
}

/* The SDK's test key: seed 002's mrSigner and occlum_quote.dat's. */
static void test_sdk_key(EVP_PKEY *sdk, const char *data)
{
	struct css_fields f = default_fields();
	uint8_t css[SIGSTRUCT_SIZE], quote_signer[32], *quote = NULL;
	char path[512];
	struct sigstruct s;
	struct eaa_err err;
	struct rd r;
	size_t n = 0;
	char *b64;

	CHECK(make_sigstruct(sdk, &f, css));
	CHECK_MSG(sigstruct_read(&s, css, sizeof(css), &err), "%s", err.msg);
	b64 = base64_encode(s.mr_signer, 32, false);
	CHECK_MSG(b64 && strcmp(b64, SDK_MRSIGNER_B64) == 0, "mrSigner %s", b64 ? b64 : "-");
	free(b64);
	/* the SGX quote v3: a 48-byte header, then the report body, whose
	 * MRSIGNER is at 128 */
	snprintf(path, sizeof(path), "%s/intel/occlum_quote.dat", data);
	CHECK(file_read(path, 1 << 20, &quote, &n, &err));
	r = rd_init(quote, n);
	CHECK(rd_skip(&r, 48 + 128) && rd_bytes(&r, quote_signer, 32));
	CHECK(memcmp(quote_signer, s.mr_signer, 32) == 0);
	free(quote);
}

static bool elf_refused(const uint8_t *css, const struct elf_opts *o, enum eaa_code code,
			const char *needle)
{
	struct sgx_elf_meta m;
	struct eaa_err err = { 0 };
	size_t n;
	uint8_t *img = make_elf(css, o, &n);
	bool ok;

	if (!img)
		return false;
	ok = !sgx_elf_metadata(img, n, &m, &err) && err.code == code && strstr(err.msg, needle);
	if (!ok)
		fprintf(stderr, "    %s: %s (wanted %s: \"%s\")\n", eaa_code_name(err.code),
			err.msg, eaa_code_name(code), needle);
	free(img);
	return ok;
}

static void test_elf(EVP_PKEY *key)
{
	struct css_fields f = default_fields();
	uint8_t css[SIGSTRUCT_SIZE], got[SIGSTRUCT_SIZE], *img;
	struct elf_opts o = elf_defaults();
	struct sgx_elf_meta m;
	struct eaa_err err = { 0 };
	struct rd r;
	size_t n, cut;

	CHECK(make_sigstruct(key, &f, css));
	img = make_elf(css, &o, &n);
	CHECK(img != NULL);
	CHECK_MSG(img && sgx_elf_metadata(img, n, &m, &err), "%s", err.msg);
	r = m.sigstruct;
	CHECK(rd_bytes(&r, got, sizeof(got)) && memcmp(got, css, sizeof(css)) == 0);
	CHECK(m.entries == 2 && m.version == ((3ull << 32) | 3) && m.enclave_size == 0x200000);
	/* every cut of the file is refused, never read past */
	for (cut = 0; img && cut < n; cut += cut < 128 ? 1 : 97) {
		struct sgx_elf_meta mm;

		CHECK(!sgx_elf_metadata(img, cut, &mm, &err));
	}
	free(img);

	o = elf_defaults();
	o.section = ".note.other";
	CHECK(elf_refused(css, &o, EAA_E_CONFIG, "no sgx_metadata note"));
	o = elf_defaults();
	o.note_name = "sgx_metadatX";
	CHECK(elf_refused(css, &o, EAA_E_CONFIG, "no sgx_metadata note"));
	o = elf_defaults();
	o.magic ^= 1;
	CHECK(elf_refused(css, &o, EAA_E_UNSUPPORTED, "magic"));
	o = elf_defaults();
	o.entries = 0;      /* the zero-filled placeholder of an unsigned build */
	CHECK(elf_refused(css, &o, EAA_E_CONFIG, "not yet signed"));
	o = elf_defaults();
	o.version = 9ull << 32;
	CHECK(elf_refused(css, &o, EAA_E_UNSUPPORTED, "version 9.0"));
	o = elf_defaults();
	o.differ = true;
	CHECK(elf_refused(css, &o, EAA_E_FORMAT, "entry 1 (version 2.2) carries a SIGSTRUCT other"));
	o = elf_defaults();
	o.descsz_extra = 4096;
	CHECK(elf_refused(css, &o, EAA_E_FORMAT, "descsz"));
	o = elf_defaults();
	o.machine = 183;   /* aarch64 */
	CHECK(elf_refused(css, &o, EAA_E_UNSUPPORTED, "e_machine 183"));
	o = elf_defaults();
	o.note_type_sh = 1;
	CHECK(elf_refused(css, &o, EAA_E_FORMAT, "not SHT_NOTE"));
	o = elf_defaults();
	o.shoff_extra = 1u << 20;   /* section headers past the end */
	CHECK(elf_refused(css, &o, EAA_E_FORMAT, "end past the file"));
	/* one entry, as an SGX1-only signer writes it */
	o = elf_defaults();
	o.entries = 1;
	img = make_elf(css, &o, &n);
	CHECK(img && sgx_elf_metadata(img, n, &m, &err) && m.entries == 1);
	free(img);
}

/* derive_sgx's row end to end, through files as verdict gives them. */
static void test_derive(EVP_PKEY *key, const char *dir)
{
	const struct derive_tee *t = derive_find("sgx");
	struct css_fields f = default_fields();
	struct elf_opts o = elf_defaults();
	uint8_t css[SIGSTRUCT_SIZE], *img;
	char raw[600], elf[600];
	struct derive_input in = { 0 };
	struct eaa_err err;
	json_t *frag, *frag2;
	FILE *info = fopen("/dev/null", "w");
	size_t n;
	char *b64;

	CHECK(t && strcmp(t->reference, "sgxData") == 0);
	if (!t || !info)
		return;
	CHECK(make_sigstruct(key, &f, css));
	snprintf(raw, sizeof(raw), "%s/enclave.sig", dir);
	snprintf(elf, sizeof(elf), "%s/enclave.signed.so", dir);
	CHECK(file_write_atomic(raw, css, sizeof(css), 0600, &err));
	img = make_elf(css, &o, &n);
	CHECK(img && file_write_atomic(elf, img, n, 0600, &err));
	free(img);

	in.n = 1;
	in.v[0].name = "sigstruct";
	in.v[0].value = raw;
	frag = t->run(&in, info, &err);
	CHECK(frag != NULL);
	b64 = base64_encode(f.mr_enclave, 32, false);
	CHECK(frag && json_array_size(json_object_get(frag, "mrEnclave")) == 1 &&
	      strcmp(json_string_value(json_array_get(json_object_get(frag, "mrEnclave"), 0)),
		     b64) == 0);
	free(b64);
	CHECK(frag && json_integer_value(json_object_get(frag, "productId")) == 0x1234 &&
	      json_integer_value(json_object_get(frag, "svn")) == 7 &&
	      json_array_size(json_object_get(frag, "mrSigner")) == 1 && json_object_size(frag) == 4);
	in.v[0].name = "enclave";
	in.v[0].value = elf;
	frag2 = t->run(&in, info, &err);
	CHECK_MSG(frag2 && json_equal(frag, frag2), "%s", frag2 ? "differ" : err.msg);
	json_decref(frag2);
	json_decref(frag);

	/* an ELF without the note; both inputs; neither */
	in.v[0].value = raw;
	CHECK(!t->run(&in, info, &err) && strstr(err.msg, "not an ELF file"));
	in.n = 2;
	in.v[1].name = "sigstruct";
	in.v[1].value = raw;
	CHECK(!t->run(&in, info, &err) && err.code == EAA_E_CONFIG);
	in.n = 0;
	CHECK(!t->run(&in, info, &err) && err.code == EAA_E_CONFIG);

	/* a debug-only enclave: refused unless --allow-debug */
	f.flags |= SGX_FLAG_DEBUG;
	f.flags_mask |= SGX_FLAG_DEBUG;
	CHECK(make_sigstruct(key, &f, css) && file_write_atomic(raw, css, sizeof(css), 0600, &err));
	in.n = 1;
	in.v[0].name = "sigstruct";
	in.v[0].value = raw;
	CHECK(!t->run(&in, info, &err) && err.code == EAA_E_REJECTED &&
	      strstr(err.msg, "--allow-debug"));
	in.n = 2;
	in.v[1].name = "allow-debug";
	in.v[1].value = NULL;
	frag = t->run(&in, info, &err);
	CHECK(frag != NULL);
	json_decref(frag);
	/* a flipped byte through the row: refused, naming the signature */
	css[960] ^= 1;
	CHECK(file_write_atomic(raw, css, sizeof(css), 0600, &err));
	CHECK(!t->run(&in, info, &err) && err.code == EAA_E_SIGNATURE);
	fclose(info);
	unlink(raw);
	unlink(elf);
}

static int write_seeds(EVP_PKEY *sdk, const char *dir)
{
	struct css_fields f = default_fields();
	struct elf_opts o = elf_defaults();
	uint8_t css[SIGSTRUCT_SIZE], *img;
	char path[600];
	struct eaa_err err;
	size_t n;

	if (!make_sigstruct(sdk, &f, css))
		return 1;
	snprintf(path, sizeof(path), "%s/sdk_test_key.sigstruct", dir);
	if (!file_write_atomic(path, css, sizeof(css), 0644, &err))
		return 1;
	o.entries = 1;
	if (!(img = make_elf(css, &o, &n)))
		return 1;
	snprintf(path, sizeof(path), "%s/sdk_test_key.signed.elf", dir);
	if (!file_write_atomic(path, img, n, 0644, &err))
		return 1;
	free(img);
	return 0;
}

int main(int argc, char **argv)
{
	const char *data = getenv("EAA_TESTDATA");
	char path[512], dir[] = "/tmp/test_measure_sgx.XXXXXX";
	EVP_PKEY *key, *sdk;

	if (!data)
		data = "tests/data";
	snprintf(path, sizeof(path), "%s/measure/sgx_sdk_test_key.pem", data);
	sdk = load_key(path);
	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return sdk ? write_seeds(sdk, argv[2]) : 1;
	CHECK_MSG(sdk != NULL, "cannot read %s", path);
	key = gen_key(3);
	CHECK(key != NULL);
	if (key && sdk) {
		test_fields(key);
		test_refusals(key);
		test_debug(key);
		test_sdk_key(sdk, data);
		test_elf(key);
		if (mkdtemp(dir)) {
			test_derive(key, dir);
			test_rm_rf(dir);
		} else {
			CHECK(!"mkdtemp");
		}
	}
	EVP_PKEY_free(key);
	EVP_PKEY_free(sdk);
	return test_summary();
}
