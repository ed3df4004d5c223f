/* test_intel.c - Intel quotes and collateral, on real evidence
 * (tests/data/intel, see its README): every quote passes every check, the
 * claims agree with trustee's, collateral gives Intel's TCB status, and
 * every edit of signed bytes, truncation or bad collateral is refused with
 * its named reason. */
#include <stdlib.h>
#include <unistd.h>
#include <jansson.h>
#include "collateral_cache.h"
#include "file.h"
#include "forge_intel.h"
#include "quote_verify.h"
#include "test.h"
#include "timefmt.h"

static char data_dir[512];
static char tmp_dir[64];

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob load(const char *name)
{
	char path[1024];
	struct blob b = { 0 };
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/intel/%s", data_dir, name);
	if (!file_read(path, 1 << 20, &b.p, &b.n, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	return b;
}

static time_t utc(const char *s)
{
	time_t t = 0;

	if (!time_parse_utc(s, &t))
		exit(2);
	return t;
}

/* Parse and verify without collateral, as of `at`. */
static bool check(const uint8_t *p, size_t n, time_t at, struct quote *q,
		  struct quote_result *res, struct eaa_err *err)
{
	struct quote_verify_opts o = { .at = at, .allow_no_collateral = true };

	return quote_parse(p, n, q, err) && quote_verify(q, &o, res, err);
}

static const struct {
	const char *file, *tee, *at;
} quotes[] = {
	{ "tdx_quote_4.dat", "tdx", "2025-01-01T00:00:00Z" },
	{ "tdx_quote_5.dat", "tdx", "2025-01-01T00:00:00Z" },
	{ "tdx_quote_6.dat", "tdx", "2026-01-01T00:00:00Z" },
	{ "occlum_quote.dat", "sgx", "2025-01-01T00:00:00Z" },
};

static void test_real_quotes(void)
{
	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
		struct blob b = load(quotes[i].file);
		struct quote q;
		struct quote_result res;
		struct eaa_err err = { 0 };
		bool ok = check(b.p, b.n, utc(quotes[i].at), &q, &res, &err);

		CHECK_MSG(ok, "%s: %s", quotes[i].file, err.msg);
		CHECK(!ok || strcmp(quote_tee_name(&q), quotes[i].tee) == 0);
		free(b.p);
	}
}

/* Without collateral nothing passes unless the caller allowed it, and the
 * claims then say the TCB was not evaluated. */
static void test_no_collateral(void)
{
	struct blob b = load("tdx_quote_4.dat");
	struct quote_verify_opts o = { .at = utc("2025-01-01T00:00:00Z") };
	struct quote q;
	struct quote_result res;
	struct eaa_err err;
	json_t *c;

	CHECK(quote_parse(b.p, b.n, &q, &err));
	CHECK(!quote_verify(&q, &o, &res, &err) && err.code == EAA_E_CONFIG);
	o.allow_no_collateral = true;
	CHECK(quote_verify(&q, &o, &res, &err));
	c = quote_claims(&q, &res);
	CHECK(c && strcmp(json_string_value(json_object_get(c, "tcb_status")),
			  "NotEvaluated") == 0);
	CHECK(json_is_false(json_object_get(c, "collateral")));
	json_decref(c);
	/* Chains are checked at the given time: before the PCK existed. */
	o.at = utc("2022-01-01T00:00:00Z");
	CHECK(!quote_verify(&q, &o, &res, &err) && err.code == EAA_E_EXPIRED);
	free(b.p);
}

/* A cached chain result is reused only inside its validity, and never
 * saves the quote's own signatures. */
static void test_pck_cache(void)
{
	struct blob b = load("tdx_quote_4.dat");
	struct quote_verify_opts o = { .at = utc("2025-01-01T00:00:00Z"),
				       .allow_no_collateral = true,
				       .cache = pck_cache_new() };
	struct quote q;
	struct quote_result res;
	struct eaa_err err;

	CHECK(quote_parse(b.p, b.n, &q, &err));
	CHECK(quote_verify(&q, &o, &res, &err));
	CHECK(quote_verify(&q, &o, &res, &err)); /* from the cache */
	o.at = utc("2031-01-01T00:00:00Z");      /* PCK expired in 2030 */
	CHECK(!quote_verify(&q, &o, &res, &err) && err.code == EAA_E_EXPIRED);
	o.at = utc("2025-01-01T00:00:00Z");
	b.p[100] ^= 1;                           /* same chain, edited body */
	CHECK(quote_parse(b.p, b.n, &q, &err));
	CHECK(!quote_verify(&q, &o, &res, &err) && err.code == EAA_E_SIGNATURE);
	pck_cache_free(o.cache);
	free(b.p);
}

/* Our claims against trustee's for tdx_quote_4.dat, on every field both
 * have; trustee's names differ for a few. */
static void test_claims_match_trustee(void)
{
	static const struct {
		const char *theirs, *ours;
	} names[] = {
		{ "mrsigner_seam", "mr_signer_seam" },
		{ "tcb_svn", "tee_tcb_svn" },
		{ "rtmr_0", "rtmr0" }, { "rtmr_1", "rtmr1" },
		{ "rtmr_2", "rtmr2" }, { "rtmr_3", "rtmr3" },
	};
	struct blob b = load("tdx_quote_4.dat"), e = load(
		"parse_tdx_claims_expected.json");
	json_t *want = json_loadb((char *)e.p, e.n, 0, NULL), *body, *v, *c;
	struct quote q;
	struct quote_result res;
	struct eaa_err err;
	const char *key;
	int compared = 0;

	CHECK(check(b.p, b.n, utc("2025-01-01T00:00:00Z"), &q, &res, &err));
	c = quote_claims(&q, &res);
	body = json_object_get(json_object_get(want, "quote"), "body");
	CHECK(json_object_size(body) >= 15);
	json_object_foreach(body, key, v) {
		const char *ours = key;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(key, names[i].theirs) == 0)
				ours = names[i].ours;
		CHECK_MSG(json_equal(v, json_object_get(c, ours)),
			  "claim %s (theirs %s) differs", ours, key);
		compared++;
	}
	CHECK(json_equal(json_object_get(want, "report_data"),
			 json_object_get(c, "report_data")));
	CHECK(json_is_true(json_object_get(c, "td_debug")) ==
	      json_is_true(json_object_get(json_object_get(want,
				"td_attributes"), "debug")));
	CHECK(compared == (int)json_object_size(body));
	json_decref(c);
	json_decref(want);
	free(b.p);
	free(e.p);
}

/* Parse each real quote, then hand it to fn with its verification time. */
static void each_quote(void (*fn)(const char *file, struct blob *b, time_t at,
				  const struct quote *q))
{
	for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
		struct blob b = load(quotes[i].file);
		struct quote q;
		struct eaa_err err;

		if (quote_parse(b.p, b.n, &q, &err))
			fn(quotes[i].file, &b, utc(quotes[i].at), &q);
		else
			CHECK_MSG(false, "%s: %s", quotes[i].file, err.msg);
		free(b.p);
	}
}

/* Every byte outside the PEM text is signed or framing: flipping any one
 * must be refused. (Flips inside the PEM text hit certificate signatures
 * or PEM syntax; the chain tests cover those.) */
static void flip_each_byte(const char *file, struct blob *b, time_t at,
			   const struct quote *parsed)
{
	size_t chain_at = (size_t)(parsed->pck_chain.p - b->p);
	size_t chain_end = chain_at + parsed->pck_chain.n;
	size_t accepted = 0, first = 0;
	struct quote_result res;
	struct eaa_err err;
	struct quote q;

	for (size_t off = 0; off < b->n; off++) {
		if (off >= chain_at && off < chain_end)
			continue;
		b->p[off] ^= 0x01;
		if (check(b->p, b->n, at, &q, &res, &err) && accepted++ == 0)
			first = off;
		b->p[off] ^= 0x01;
	}
	CHECK_MSG(accepted == 0, "%s: %zu flipped bytes accepted, first at "
		  "offset %zu", file, accepted, first);
}

/* Every truncation is refused without a crash (only zero padding, as in
 * tdx_quote_6.dat, may go). */
static void cut_at_each_length(const char *file, struct blob *b, time_t at,
			       const struct quote *parsed)
{
	size_t end = b->n - parsed->trailing_zeros, accepted = 0;
	struct quote_result res;
	struct eaa_err err;
	struct quote q;

	for (size_t n = 0; n < end; n++) {
		/* A fresh copy of exactly n bytes, so ASan sees any read past
		 * the end. */
		uint8_t *cut = malloc(n ? n : 1);

		memcpy(cut, b->p, n);
		if (check(cut, n, at, &q, &res, &err))
			accepted++;
		free(cut);
	}
	CHECK_MSG(accepted == 0, "%s: %zu truncations accepted", file, accepted);
}

static void test_byte_flips(void)
{
	each_quote(flip_each_byte);
}

static void test_truncation(void)
{
	each_quote(cut_at_each_length);
	/* Trailing bytes that are not zero padding are refused. */
	{
		struct blob b = load("tdx_quote_6.dat");
		struct quote q;
		struct eaa_err err;

		b.p[b.n - 1] = 1;
		CHECK(!quote_parse(b.p, b.n, &q, &err) &&
		      strstr(err.msg, "not zero padding"));
		free(b.p);
	}
}

/* ---- collateral ---- */

static const char *const pcs_files[] = {
	"tcb-info.json", "tcb-info-issuer-chain.pem", "qe-identity.json",
	"qe-identity-issuer-chain.pem", "pck-crl.der",
	"pck-crl-issuer-chain.pem", "root-ca-crl.der",
};

/* A fresh copy of the PCS collateral in tmp_dir. */
static void pcs_copy(void)
{
	for (size_t i = 0; i < sizeof(pcs_files) / sizeof(pcs_files[0]); i++) {
		char name[128], path[1024];
		struct blob b;
		struct eaa_err err;

		snprintf(name, sizeof(name), "pcs-50806f000000/%s", pcs_files[i]);
		b = load(name);
		snprintf(path, sizeof(path), "%s/%s", tmp_dir, pcs_files[i]);
		if (!file_write_atomic(path, b.p, b.n, 0600, &err))
			exit(2);
		free(b.p);
	}
}

/* Replace the first occurrence of `from` in a copied file with `to`. */
static void pcs_edit(const char *file, const char *from, const char *to)
{
	char path[1024];
	struct blob b;
	struct wr w;
	struct eaa_err err;
	uint8_t *hit;
	size_t at;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, file);
	if (!file_read(path, 1 << 20, &b.p, &b.n, &err) ||
	    !(hit = memmem(b.p, b.n, from, strlen(from))))
		exit(2);
	at = (size_t)(hit - b.p);
	wr_init(&w);
	wr_bytes(&w, b.p, at);
	wr_bytes(&w, to, strlen(to));
	wr_bytes(&w, hit + strlen(from), b.n - at - strlen(from));
	if (w.failed || !file_write_atomic(path, w.buf, w.len, 0600, &err))
		exit(2);
	wr_free(&w);
	free(b.p);
}

static void pcs_put(const char *file, const char *from_file)
{
	char path[1024];
	struct blob b = load(from_file);
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, file);
	if (!file_write_atomic(path, b.p, b.n, 0600, &err))
		exit(2);
	free(b.p);
}

/* Verify tdx_quote_4.dat with the collateral in tmp_dir as of `at`. */
static bool with_collateral(const char *at, struct quote_result *res,
			    struct eaa_err *err)
{
	struct blob b = load("tdx_quote_4.dat");
	struct collateral col;
	struct quote_verify_opts o = { .at = utc(at) };
	X509 *root = intel_root_ca();
	struct quote q;
	bool ok;

	memset(res, 0, sizeof(*res));
	ok = collateral_load_dir(tmp_dir, root, o.at, &col, err);
	if (ok) {
		o.col = &col;
		ok = quote_parse(b.p, b.n, &q, err) &&
		     quote_verify(&q, &o, res, err);
		collateral_free(&col);
	}
	X509_free(root);
	free(b.p);
	return ok;
}

static void test_collateral(void)
{
	const char *inside = "2023-06-20T00:00:00Z";
	struct quote_result res;
	struct eaa_err err = { 0 };

	pcs_copy();
	CHECK_MSG(with_collateral(inside, &res, &err), "%s", err.msg);
	CHECK(res.tcb.evaluated && res.tcb.status == TCB_UP_TO_DATE &&
	      res.tcb.qe == TCB_UP_TO_DATE);
	tcb_result_free(&res.tcb);

	/* Outside the validity of the TCB info, QE identity or CRLs. */
	CHECK(!with_collateral("2023-06-10T00:00:00Z", &res, &err) &&
	      err.code == EAA_E_EXPIRED && strstr(err.msg, "tcb-info.json"));
	CHECK(!with_collateral("2023-07-10T00:00:00Z", &res, &err) &&
	      err.code == EAA_E_EXPIRED && strstr(err.msg, "pck-crl.der"));

	/* A signed byte of the TCB info or QE identity edited. */
	pcs_edit("tcb-info.json", "\"tcbEvaluationDataNumber\":15",
		 "\"tcbEvaluationDataNumber\":16");
	CHECK_MSG(!with_collateral(inside, &res, &err) &&
		  err.code == EAA_E_SIGNATURE && strstr(err.msg, "tcb-info.json"),
		  "%s", err.msg);
	pcs_copy();
	pcs_edit("qe-identity.json", "\"isvprodid\":2", "\"isvprodid\":3");
	CHECK(!with_collateral(inside, &res, &err) &&
	      err.code == EAA_E_SIGNATURE && strstr(err.msg, "qe-identity.json"));
	pcs_copy();
	pcs_edit("tcb-info.json", "\"signature\":\"", "\"signature\" :\"");
	CHECK_MSG(with_collateral(inside, &res, &err), "whitespace outside the "
		  "signed value is not signed: %s", err.msg);
	tcb_result_free(&res.tcb);

	/* A signature byte edited. */
	pcs_copy();
	pcs_edit("qe-identity.json", "\"signature\":\"b6", "\"signature\":\"b7");
	CHECK(!with_collateral(inside, &res, &err) &&
	      err.code == EAA_E_SIGNATURE);

	/* The TCB info signed by a certificate that is not Intel's TCB
	 * signing certificate, though it chains to the root. */
	pcs_copy();
	pcs_put("tcb-info-issuer-chain.pem",
		"pcs-50806f000000/pck-crl-issuer-chain.pem");
	CHECK(!with_collateral(inside, &res, &err) &&
	      err.code == EAA_E_UNTRUSTED && strstr(err.msg, "signer is"));

	/* An issuer chain that stops short of the root. */
	pcs_copy();
	{
		char path[1024];
		struct blob b = load("pcs-50806f000000/tcb-info-issuer-chain.pem");
		char *second = strstr((char *)b.p + 1, "-----BEGIN");
		struct eaa_err e2;

		snprintf(path, sizeof(path), "%s/tcb-info-issuer-chain.pem",
			 tmp_dir);
		CHECK(second != NULL);
		if (second)
			file_write_atomic(path, b.p, (size_t)(second - (char *)b.p),
					  0600, &e2);
		CHECK(!with_collateral(inside, &res, &err) &&
		      err.code == EAA_E_UNTRUSTED);
		free(b.p);
	}

	/* A CRL whose signature is broken. */
	pcs_copy();
	{
		char path[1024];
		struct blob b = load("pcs-50806f000000/pck-crl.der");
		struct eaa_err e2;

		b.p[b.n - 1] ^= 1;
		snprintf(path, sizeof(path), "%s/pck-crl.der", tmp_dir);
		file_write_atomic(path, b.p, b.n, 0600, &e2);
		CHECK(!with_collateral(inside, &res, &err) &&
		      err.code == EAA_E_SIGNATURE && strstr(err.msg, "pck-crl"));
		free(b.p);
	}

	/* A missing file is named. */
	pcs_copy();
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/qe-identity.json", tmp_dir);
		unlink(path);
		CHECK(!with_collateral(inside, &res, &err) &&
		      strstr(err.msg, "qe-identity.json"));
	}
}

/* Loaded sets are shared inside their validity window, which is the
 * intersection of every part's: here 2023-06-18T08:42:58Z (TCB info issued)
 * to 2023-07-08T07:24:59Z (QE identity's next update). */
static void test_collateral_cache(void)
{
	struct collateral_cache *cc = collateral_cache_new();
	X509 *root = intel_root_ca();
	struct collateral_ref *a, *b;
	struct eaa_err err = { 0 };
	struct blob q4 = load("tdx_quote_4.dat");
	struct quote_verify_opts o = { .root = root,
				       .at = utc("2023-06-20T00:00:00Z") };
	struct quote_result res;
	struct quote q;

	pcs_copy();
	a = collateral_cache_get(cc, tmp_dir, root, o.at, &err);
	CHECK_MSG(a != NULL, "%s", err.msg);
	if (!a)
		goto out;
	CHECK(collateral_ref_set(a)->valid.from == utc("2023-06-18T08:42:58Z") &&
	      collateral_ref_set(a)->valid.until == utc("2023-07-08T07:24:59Z"));
	b = collateral_cache_find(cc, tmp_dir, utc("2023-07-01T00:00:00Z"));
	CHECK(b == a);
	CHECK(collateral_cache_find(cc, tmp_dir, utc("2023-07-09T00:00:00Z")) ==
	      NULL);
	o.col = collateral_ref_set(a);
	o.cache = collateral_ref_pck_cache(a);
	CHECK(quote_parse(q4.p, q4.n, &q, &err) &&
	      quote_verify(&q, &o, &res, &err) &&
	      res.tcb.status == TCB_UP_TO_DATE);
	tcb_result_free(&res.tcb);
	collateral_cache_put(cc, b);
	/* Outside the window the set is loaded again, and fails by name. */
	CHECK(!collateral_cache_get(cc, tmp_dir, root,
				    utc("2023-07-09T00:00:00Z"), &err) &&
	      err.code == EAA_E_EXPIRED);
	collateral_cache_put(cc, a);
out:
	collateral_cache_free(cc);
	X509_free(root);
	free(q4.p);
}

/* Under a look-alike hierarchy we hold the keys of: with its root pinned
 * the forged quote passes (the control); revocations then bite. */
static bool forged_verify(struct forge_intel *f, bool pin_forged,
			  struct quote_result *res, struct eaa_err *err)
{
	struct quote_verify_opts o = { .at = f->at };
	struct collateral col;
	struct quote q;
	bool ok;

	memset(res, 0, sizeof(*res));
	if (!forge_intel(f, data_dir, tmp_dir)) {
		fprintf(stderr, "forge_intel failed\n");
		exit(2);
	}
	o.root = pin_forged ? f->root : NULL;
	ok = collateral_load_dir(tmp_dir, f->root, f->at, &col, err);
	if (ok) {
		o.col = &col;
		ok = quote_parse(f->quote, f->quote_len, &q, err) &&
		     quote_verify(&q, &o, res, err);
		collateral_free(&col);
	}
	forge_intel_free(f);
	return ok;
}

/* The forged quote verified without collateral (allow_no_collateral),
 * under its own root. */
static bool forged_verify_bare(struct forge_intel *f, struct quote_result *res,
			       struct eaa_err *err)
{
	struct quote_verify_opts o = { .at = f->at, .allow_no_collateral = true };
	struct quote q;
	bool ok;

	if (!forge_intel(f, data_dir, tmp_dir)) {
		fprintf(stderr, "forge_intel failed\n");
		exit(2);
	}
	o.root = f->root;
	ok = quote_parse(f->quote, f->quote_len, &q, err) &&
	     quote_verify(&q, &o, res, err);
	forge_intel_free(f);
	return ok;
}

/* The QE identity: on the real quotes, pinned to Intel's QE (claims say so
 * and name it); a QE report the PCK signed but that is not Intel's QE is
 * refused even without collateral, and with collateral by its identity. */
static void test_qe_identity(void)
{
	static const struct {
		const char *file, *at, *mrsigner;
		int prod, svn;
	} real[] = {
		{ "tdx_quote_4.dat", "2025-01-01T00:00:00Z",
		  "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5", 2, 4 },
		{ "tdx_quote_5.dat", "2025-01-01T00:00:00Z",
		  "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5", 2, 6 },
		{ "tdx_quote_6.dat", "2026-01-01T00:00:00Z",
		  "dc9e2a7c6f948f17474e34a7fc43ed030f7c1563f1babddf6340c82e0e54a8c5", 2, 7 },
		{ "occlum_quote.dat", "2025-01-01T00:00:00Z",
		  "8c4f5775d796503e96137f77c68a829a0056ac8ded70140b081b094490c57bff", 1, 8 },
	};
	static const uint8_t other[32] = { 0x0e, 0xaa };
	struct forge_intel f = { .at = utc("2023-06-20T00:00:00Z") };
	struct quote_result res;
	struct eaa_err err = { 0 };

	for (size_t i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		struct blob b = load(real[i].file);
		struct quote q;
		json_t *c = NULL;
		bool ok = check(b.p, b.n, utc(real[i].at), &q, &res, &err);

		CHECK_MSG(ok, "%s: %s", real[i].file, err.msg);
		if (ok)
			c = quote_claims(&q, &res);
		CHECK_MSG(c && res.qe_identity == QE_ID_PINNED &&
			  !strcmp(json_string_value(json_object_get(c, "qe_identity")), "pinned") &&
			  !strcmp(json_string_value(json_object_get(c, "qe_mrsigner")),
				  real[i].mrsigner) &&
			  json_integer_value(json_object_get(c, "qe_isv_prod_id")) == real[i].prod &&
			  json_integer_value(json_object_get(c, "qe_isv_svn")) == real[i].svn,
			  "%s: QE identity claims", real[i].file);
		json_decref(c);
		free(b.p);
	}

	/* The forged quote carries the real TD_QE report: the control. */
	CHECK_MSG(forged_verify_bare(&f, &res, &err), "control: %s", err.msg);
	CHECK(forged_verify(&f, true, &res, &err) && res.qe_identity == QE_ID_COLLATERAL);
	tcb_result_free(&res.tcb);

	f.qe_mrsigner = other;
	CHECK_MSG(!forged_verify_bare(&f, &res, &err) && err.code == EAA_E_UNTRUSTED &&
		  strstr(err.msg, "QE MRSIGNER 0eaa00") &&
		  strstr(err.msg, "is not Intel's TDX QE"), "other signer, pinned: %s", err.msg);
	CHECK_MSG(!forged_verify(&f, true, &res, &err) && err.code == EAA_E_UNTRUSTED &&
		  strstr(err.msg, "QE MRSIGNER is not Intel's"),
		  "other signer, collateral: %s", err.msg);
	f.qe_mrsigner = NULL;

	f.qe_prod_id = 1; /* Intel's SGX QE vouching in a TDX quote */
	CHECK_MSG(!forged_verify_bare(&f, &res, &err) && err.code == EAA_E_UNTRUSTED &&
		  strstr(err.msg, "QE product id 1, Intel's TDX QE (TD_QE) is 2"),
		  "product id: %s", err.msg);
	f.qe_prod_id = 0;

	f.qe_debug = true;
	CHECK_MSG(!forged_verify_bare(&f, &res, &err) && err.code == EAA_E_UNTRUSTED &&
		  strstr(err.msg, "a debug QE"), "debug QE: %s", err.msg);
	f.qe_debug = false;
}

static void test_forged_hierarchy(void)
{
	struct forge_intel f = { .at = utc("2023-06-20T00:00:00Z") };
	struct quote_result res;
	struct eaa_err err = { 0 };

	CHECK_MSG(forged_verify(&f, true, &res, &err), "control: %s", err.msg);
	CHECK(res.tcb.status == TCB_UP_TO_DATE);
	tcb_result_free(&res.tcb);

	/* The same quote with Intel's root pinned: a look-alike root. */
	CHECK(!forged_verify(&f, false, &res, &err) &&
	      err.code == EAA_E_UNTRUSTED &&
	      strstr(err.msg, "not the pinned Intel SGX Root CA"));

	/* The PCK CRL revokes the PCK. */
	f.revoke_pck = true;
	CHECK_MSG(!forged_verify(&f, true, &res, &err) &&
		  err.code == EAA_E_UNTRUSTED && strstr(err.msg, "revoked") &&
		  strstr(err.msg, "PCK chain"), "%s", err.msg);
	f.revoke_pck = false;

	/* Look-alike collateral with Intel's root pinned: with the real root
	 * CRL in place, its issuer chains end at the wrong root. */
	{
		struct collateral col;
		X509 *intel = intel_root_ca();

		CHECK(forge_intel(&f, data_dir, tmp_dir));
		CHECK(!collateral_load_dir(tmp_dir, intel, f.at, &col, &err) &&
		      err.code == EAA_E_SIGNATURE && strstr(err.msg, "root-ca-crl"));
		pcs_put("root-ca-crl.der", "pcs-50806f000000/root-ca-crl.der");
		CHECK_MSG(!collateral_load_dir(tmp_dir, intel, f.at, &col, &err) &&
			  err.code == EAA_E_UNTRUSTED &&
			  strstr(err.msg, "not the pinned Intel SGX Root CA"),
			  "%s", err.msg);
		forge_intel_free(&f);
		X509_free(intel);
	}

	/* The PCK's SGX extension, each entry checked by name. */
	{
		static const struct {
			int from, to;
			const char *why;
		} edits[] = {
			{ 4, 9, "lacks PPID, TCB, PCE-ID, FMSPC or SGX type" },
			{ 3, 4, "FMSPC): want 6 octets" },
			{ 5, 1, "1.2.840.113741.1.13.1.1: appears twice" },
			{ 1, 3, "PCE-ID): want 2 octets" },
			{ 2, 5, "SGX type): want ENUMERATED" },
		};

		for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
			f.arc_from = edits[i].from;
			f.arc_to = edits[i].to;
			CHECK_MSG(!forged_verify(&f, true, &res, &err) &&
				  err.code == EAA_E_FORMAT &&
				  strstr(err.msg, edits[i].why),
				  "SGX extension .%d -> .%d: %s", edits[i].from,
				  edits[i].to, err.msg);
		}
		f.arc_from = f.arc_to = 0;
	}

	/* Each TCB info and QE identity check, on collateral edited and
	 * re-signed: a mismatch is named, a status converges as Intel's. */
	{
		static const char zeros48[] = "0000000000000000000000000000000000"
					      "00000000000000";
		static const struct {
			const char *file, *from, *to, *why;
			enum tcb_status status;
		} edits[] = {
			{ "qe-identity.json", "\"isvprodid\":2", "\"isvprodid\":3",
			  "QE product id 2, want 3", TCB_UNKNOWN },
			{ "qe-identity.json", "DC9E2A7C", "DC9E2A7D",
			  "MRSIGNER is not Intel's", TCB_UNKNOWN },
			{ "qe-identity.json", "\"attributes\":\"11",
			  "\"attributes\":\"21", "attributes do not match", TCB_UNKNOWN },
			{ "qe-identity.json", "\"miscselect\":\"00000000",
			  "\"miscselect\":\"01000000", "MISCSELECT", TCB_UNKNOWN },
			{ "qe-identity.json", "\"isvsvn\":4", "\"isvsvn\":5",
			  "QE SVN 4 is below every TCB level", TCB_UNKNOWN },
			{ "qe-identity.json", "\"TD_QE\"", "\"QE\"",
			  "is for \"QE\"", TCB_UNKNOWN },
			{ "tcb-info.json", "\"id\":\"TDX\"", "\"id\":\"SGX\"",
			  "is for SGX", TCB_UNKNOWN },
			{ "tcb-info.json", "\"pcesvn\":", "\"pcesvn\":9",
			  "no TCB level matches", TCB_UNKNOWN },
			{ "tcb-info.json", zeros48, "1000000000000000000000000000"
			  "00000000000000000000", "mr_signer_seam", TCB_UNKNOWN },
			{ "tcb-info.json", "\"tcbStatus\":\"UpToDate\"",
			  "\"tcbStatus\":\"Revoked\"", NULL, TCB_REVOKED },
			{ "qe-identity.json", "\"tcbStatus\":\"UpToDate\"",
			  "\"tcbStatus\":\"OutOfDate\"", NULL, TCB_OUT_OF_DATE },
			{ "tcb-info.json", "\"tcbStatus\":\"UpToDate\"",
			  "\"tcbStatus\":\"ConfigurationNeeded\"", NULL,
			  TCB_CONFIGURATION_NEEDED },
		};

		for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
			bool ok;

			f.edit_file = edits[i].file;
			f.edit_from = edits[i].from;
			f.edit_to = edits[i].to;
			ok = forged_verify(&f, true, &res, &err);
			if (edits[i].why)
				CHECK_MSG(!ok && strstr(err.msg, edits[i].why),
					  "%s %s: %s", edits[i].file,
					  edits[i].to, ok ? "accepted" : err.msg);
			else
				CHECK_MSG(ok && res.tcb.status == edits[i].status,
					  "%s %s: %s %s", edits[i].file,
					  edits[i].to, ok ? "" : err.msg,
					  tcb_status_name(res.tcb.status));
			tcb_result_free(&res.tcb);
		}
		f.edit_file = NULL;
	}

	/* The root CRL revokes the Platform CA: the collateral's own PCK CRL
	 * issuer chain fails first. */
	f.revoke_platform = true;
	CHECK_MSG(!forged_verify(&f, true, &res, &err) &&
		  err.code == EAA_E_UNTRUSTED && strstr(err.msg, "revoked") &&
		  strstr(err.msg, "pck-crl-issuer-chain.pem"), "%s", err.msg);
}

/* tdx_quote_6.dat against the TCB info and QE identity Intel served for
 * its FMSPC (no issuer chains: matching only). Its PCESVN 11 is below the
 * 13 of every UpToDate level: OutOfDate. */
static void test_tcb_levels(void)
{
	struct blob b = load("tdx_quote_6.dat"), t = load("tcbInfo.json"),
		    e = load("enclaveIdentity.json"), b4 = load("tdx_quote_4.dat");
	struct collateral col = { 0 };
	struct quote_result res;
	struct tcb_result tr;
	struct quote q, q4;
	struct eaa_err err = { 0 };

	CHECK(check(b.p, b.n, utc("2026-01-01T00:00:00Z"), &q, &res, &err));
	CHECK_MSG(tcb_info_parse((char *)t.p, t.n, NULL, &col.tcb, &err) &&
		  qe_identity_parse((char *)e.p, e.n, NULL, &col.qe, &err),
		  "%s", err.msg);
	CHECK_MSG(tcb_evaluate(&q, &res.pck, &col, &tr, &err), "%s", err.msg);
	CHECK_MSG(tr.status == TCB_OUT_OF_DATE && tr.platform == TCB_OUT_OF_DATE,
		  "status %s", tcb_status_name(tr.status));
	CHECK(tr.module == TCB_UP_TO_DATE); /* TDX_03, module SVN 5 >= 3 */
	CHECK(tr.advisories == NULL);       /* none on the matched levels */
	tcb_result_free(&tr);

	/* The same collateral does not describe another platform. */
	CHECK(check(b4.p, b4.n, utc("2025-01-01T00:00:00Z"), &q4, &res, &err));
	CHECK(!tcb_evaluate(&q4, &res.pck, &col, &tr, &err) &&
	      strstr(err.msg, "FMSPC"));
	collateral_free(&col);
	free(b.p);
	free(t.p);
	free(e.p);
	free(b4.p);
}

int main(void)
{
	const char *d = getenv("EAA_TESTDATA");

	snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/eaa-intel-XXXXXX");
	if (!mkdtemp(tmp_dir))
		return 2;
	test_real_quotes();
	test_no_collateral();
	test_pck_cache();
	test_claims_match_trustee();
	test_truncation();
	test_byte_flips();
	test_collateral();
	test_tcb_levels();
	test_forged_hierarchy();
	test_qe_identity();
	test_collateral_cache();
	test_rm_rf(tmp_dir);
	return test_summary();
}
