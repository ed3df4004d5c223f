/* test_azure.c - src/azure on trustee's real Azure vTPM samples
 * (tests/data/azure): each verifies with the claims trustee's own tests
 * expect, and each check refuses what it exists to refuse: a flipped byte
 * anywhere in a signed region, runtime claims the hardware report does not
 * bind, a swapped AK, a PCR list that is not the quoted one, a wrong
 * nonce, a version-2 user-data that does not carry the nonce. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include "azure.h"
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "jose.h"
#include "test.h"
#include "timefmt.h"
#include "store.h"
#include "verify_raw.h"

static const char *datadir;
static time_t at;

static const uint8_t challenge[] = "challenge";   /* trustee's REPORT_DATA, v0/v1 */
static const char v2_rd[] = "982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"
			    "a398f647caa2338748cd0fd9f5f819ef";
static const char genoa_rd[] = "0218488bae25d2509232bf676f1a66a30d7372add909109b36016ef136f2938c"
			       "a05475f8b46094de6b64270ea35d950f";

struct sample {
	const char *file;
	enum az_kind kind;
	const char *report_data_hex;   /* NULL: "challenge" */
	const char *pcr00, *product;   /* trustee's mod.rs expectations; product ours */
	int version;
};

/* pcr00 and report_data: deps/verifier/src/az_{snp,tdx}_vtpm/mod.rs tests */
static const struct sample samples[] = {
	{ "snp-evidence-v0.json", AZ_SNP_VTPM, NULL,
	  "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced", "Milan", 0 },
	{ "snp-evidence-v1.json", AZ_SNP_VTPM, NULL,
	  "e15c44796beabf46abcec7c57e590942041e47497e4ec27571c8b7664f48dced", "Milan", 1 },
	{ "snp-evidence-v2.json", AZ_SNP_VTPM, v2_rd,
	  "84275b2f4312cd4fc6cbe6b152ad3c3683e513d9f1e23c34fca160c8cca7a6a7", "Milan", 2 },
	{ "snp-evidence-genoa.json", AZ_SNP_VTPM, genoa_rd,
	  "afd689d0bb1c5f36f023fbaf574135f555a28a10c1f6b938d2a25e70c7783338", "Genoa", 0 },
	{ "tdx-evidence-v0.json", AZ_TDX_VTPM, NULL,
	  "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273", NULL, 0 },
	{ "tdx-evidence-v1.json", AZ_TDX_VTPM, NULL,
	  "782b20b10f55cc46e2142cc2145d548698073e5beb82752c8d7f9279f0d8a273", NULL, 1 },
};

static char *read_text(const char *name, size_t *n)
{
	char path[512];
	uint8_t *b = NULL;
	struct eaa_err err = { 0 };

	snprintf(path, sizeof(path), "%s/azure/%s", datadir, name);
	if (!file_read(path, 1 << 22, &b, n, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return NULL;
	}
	return (char *)b;
}

static bool load(const struct sample *s, struct az_evidence *e)
{
	size_t n = 0;
	char *t = read_text(s->file, &n);
	struct eaa_err err = { 0 };
	bool ok = t && az_evidence_load(t, n, s->kind, e, &err);

	if (t && !ok)
		fprintf(stderr, "%s: %s\n", s->file, err.msg);
	free(t);
	return ok;
}

/* The expected report_data of a sample, into rd (64 bytes). */
static size_t rd_of(const struct sample *s, uint8_t *rd)
{
	if (!s->report_data_hex) {
		memcpy(rd, challenge, sizeof(challenge) - 1);
		return sizeof(challenge) - 1;
	}
	hex_decode_fixed(s->report_data_hex, rd, strlen(s->report_data_hex) / 2);
	return strlen(s->report_data_hex) / 2;
}

static json_t *verify(const struct az_evidence *e, const uint8_t *rd, size_t rdn,
		      struct eaa_err *err)
{
	struct az_verify_opts o = { .at = at, .report_data = rd, .report_data_len = rdn };

	eaa_err_clear(err);
	return az_verify(e, &o, err);
}

static const char *str_at(const json_t *c, const char *a, const char *b)
{
	const json_t *v = json_object_get(c, a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

static void test_samples(void)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
		const struct sample *s = &samples[i];
		struct az_evidence e;
		struct eaa_err err = { 0 };
		uint8_t rd[64];
		size_t rdn = rd_of(s, rd);
		char *rdhex = hex_encode(rd, rdn);
		json_t *c;

		CHECK_MSG(load(s, &e), "%s: loads", s->file);
		c = verify(&e, rd, rdn, &err);
		CHECK_MSG(c != NULL, "%s: %s", s->file, err.msg);
		if (c) {
			const json_t *hw = json_object_get(c, s->kind == AZ_SNP_VTPM ? "snp" : "tdx");

			CHECK_MSG(str_at(c, "report_data", NULL) &&
				  strcmp(str_at(c, "report_data", NULL), rdhex) == 0, "%s: report_data",
				  s->file);
			CHECK_MSG(str_at(c, "tpm", "pcr00") &&
				  strcmp(str_at(c, "tpm", "pcr00"), s->pcr00) == 0, "%s: pcr00", s->file);
			CHECK(str_at(c, "tpm", "pcr23") != NULL && str_at(c, "tpm", "pcr24") == NULL);
			CHECK(json_is_object(hw));
			CHECK(json_integer_value(json_object_get(json_object_get(c, "binding"),
							"evidence_version")) == s->version);
			CHECK(json_is_array(json_object_get(json_object_get(c, "runtime_claims"),
							    "keys")));
			CHECK(str_at(c, "user_data", NULL) != NULL);
			CHECK_MSG(!s->product || (str_at(hw, "product", NULL) &&
				  strcmp(str_at(hw, "product", NULL), s->product) == 0),
				  "%s: product %s", s->file, s->product ? s->product : "");
			/* trustee: init_data is PCR 8 */
			CHECK(str_at(c, "init_data", NULL) && str_at(c, "tpm", "pcr08") &&
			      strcmp(str_at(c, "init_data", NULL), str_at(c, "tpm", "pcr08")) == 0);
			if (s->kind == AZ_TDX_VTPM)
				CHECK(strcmp(str_at(hw, "tcb_status", NULL), "NotEvaluated") == 0);
		}
		json_decref(c);
		/* without an expected nonce the quote still verifies, and the
		 * claims say the nonce was not checked */
		c = verify(&e, NULL, 0, &err);
		CHECK(c && json_is_false(json_object_get(json_object_get(c, "binding"),
							 "tpm_nonce_checked")));
		json_decref(c);
		/* a wrong nonce */
		rd[0] ^= 1;
		CHECK_MSG(!verify(&e, rd, rdn, &err) && err.code == EAA_E_BINDING,
			  "%s: wrong nonce: %s", s->file, err.msg);
		rd[0] ^= 1;
		CHECK_MSG(!verify(&e, rd, rdn - 1, &err) && err.code == EAA_E_BINDING,
			  "%s: short nonce", s->file);
		/* the other kind */
		e.kind = s->kind == AZ_SNP_VTPM ? AZ_TDX_VTPM : AZ_SNP_VTPM;
		CHECK(!verify(&e, rd, rdn, &err) && err.code == EAA_E_TEE_MISMATCH);
		az_evidence_free(&e);
		free(rdhex);
	}
}

/* Every byte of a region flipped in turn: refused each time. */
static void flip_all(const struct sample *s, uint8_t *(*region)(struct az_evidence *, size_t *),
		     const char *what)
{
	struct az_evidence e;
	struct eaa_err err = { 0 };
	uint8_t rd[64];
	size_t rdn = rd_of(s, rd), n, accepted = 0;
	uint8_t *p;

	if (!load(s, &e)) {
		CHECK(false);
		return;
	}
	p = region(&e, &n);
	for (size_t i = 0; i < n; i++) {
		json_t *c;

		p[i] ^= 0x01;
		if ((c = verify(&e, rd, rdn, &err)) != NULL) {
			fprintf(stderr, "%s: %s byte %zu flipped: accepted\n", s->file, what, i);
			accepted++;
		}
		json_decref(c);
		p[i] ^= 0x01;
	}
	CHECK_MSG(n > 0 && accepted == 0, "%s: %s: %zu of %zu flips accepted", s->file, what,
		  accepted, n);
	az_evidence_free(&e);
}

static uint8_t *hw_signed(struct az_evidence *e, size_t *n)
{
	/* SNP: the report up to its signature; TDX: the quote's header and
	 * body (the TD quote carries its own signatures after) */
	if (e->kind == AZ_SNP_VTPM) {
		*n = 0x2A0;
		return e->hcl + HCL_HEADER_SIZE;
	}
	*n = 48 + 584;
	return e->td_quote;
}
static uint8_t *snp_signature(struct az_evidence *e, size_t *n)
{
	*n = 2 * 72;   /* r and s, little-endian, 72 bytes each */
	return e->hcl + HCL_HEADER_SIZE + 0x2A0;
}
/* The TD quote up to its PCK chain: header, body, the attestation key's
 * signature and key, the QE report, its signature and the QE auth data
 * (what the PCK and attestation keys sign, and the signatures). The PEM
 * chain after it is checked as certificates, not as signed bytes. */
static uint8_t *td_quote_signed(struct az_evidence *e, size_t *n)
{
	const uint8_t *pem = memmem(e->td_quote, e->td_quote_len, "-----BEGIN", 10);

	*n = pem ? (size_t)(pem - e->td_quote) : 0;
	return e->td_quote;
}
/* The HCL report's TD report fields the quote must repeat: report_data,
 * and TDINFO's attributes to RTMR 3. */
static uint8_t *td_report_data(struct az_evidence *e, size_t *n)
{
	*n = 64;
	return e->hcl + HCL_HEADER_SIZE + 128;
}
static uint8_t *td_info(struct az_evidence *e, size_t *n)
{
	*n = 400;
	return e->hcl + HCL_HEADER_SIZE + 512;
}
static uint8_t *runtime_claims(struct az_evidence *e, size_t *n)
{
	/* only the declared variable data; the zero padding after it is not
	 * read */
	*n = e->hcl[HCL_VAR_DATA_OFFSET - 4] | e->hcl[HCL_VAR_DATA_OFFSET - 3] << 8;
	return e->hcl + HCL_VAR_DATA_OFFSET;
}
static uint8_t *request_header(struct az_evidence *e, size_t *n)
{
	*n = 20;
	return e->hcl + HCL_VAR_DATA_OFFSET - 20;
}
static uint8_t *tpm_message(struct az_evidence *e, size_t *n)
{
	*n = e->msg_len;
	return e->msg;
}
static uint8_t *tpm_signature(struct az_evidence *e, size_t *n)
{
	*n = e->sig_len;
	return e->sig;
}
static uint8_t *pcr_values(struct az_evidence *e, size_t *n)
{
	*n = e->npcrs * 32;
	return &e->pcrs[0][0];
}

static void test_flips(void)
{
	const struct sample *snp = &samples[1], *snp2 = &samples[2], *genoa = &samples[3],
			    *tdx = &samples[5];

	flip_all(snp, hw_signed, "SNP report (signed part)");
	flip_all(snp, snp_signature, "SNP report signature");
	flip_all(genoa, hw_signed, "SNP report (signed part)");
	flip_all(snp2, runtime_claims, "runtime claims");
	flip_all(snp, request_header, "HCL request data header");
	for (const struct sample *s = &samples[0]; s < &samples[6]; s++) {
		flip_all(s, tpm_message, "TPM quote message");
		flip_all(s, tpm_signature, "TPM quote signature");
		flip_all(s, pcr_values, "PCR values");
	}
	flip_all(tdx, hw_signed, "TD quote (signed part)");
	flip_all(tdx, td_quote_signed, "TD quote up to its PCK chain");
	flip_all(tdx, runtime_claims, "runtime claims");
	flip_all(tdx, td_report_data, "HCL TD report's report_data");
	flip_all(tdx, td_info, "HCL TD report's TDINFO");
}

/* The runtime claims' AK replaced by a fresh key (same JWK length), and
 * the TPM quote re-signed by it: the hardware report no longer binds the
 * claims. */
static void test_swapped_ak(void)
{
	for (size_t k = 1; k < sizeof(samples) / sizeof(*samples); k += 4) {
		const struct sample *s = &samples[k];
		struct az_evidence e;
		struct eaa_err err = { 0 };
		uint8_t rd[64], *sig = NULL;
		size_t rdn = rd_of(s, rd), sn = 0, vn;
		EVP_PKEY *fresh = EVP_RSA_gen(2048);
		json_t *jwk = fresh ? jwk_from_key(fresh, NULL, &err) : NULL;
		const char *n64 = json_string_value(json_object_get(jwk, "n"));
		char *var, *old;
		EVP_MD_CTX *c = EVP_MD_CTX_new();

		CHECK(load(s, &e) && n64);
		runtime_claims(&e, &vn);
		var = (char *)e.hcl + HCL_VAR_DATA_OFFSET;
		old = memmem(var, vn, "\"n\":\"", 5);
		CHECK(old && strlen(n64) == strcspn(old + 5, "\""));
		if (old && n64 && strlen(n64) == strcspn(old + 5, "\""))
			memcpy(old + 5, n64, strlen(n64));
		CHECK(c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, fresh) == 1 &&
		      EVP_DigestSign(c, NULL, &sn, e.msg, e.msg_len) == 1 &&
		      (sig = malloc(sn)) && EVP_DigestSign(c, sig, &sn, e.msg, e.msg_len) == 1 &&
		      sn == e.sig_len);
		if (sig && sn == e.sig_len)
			memcpy(e.sig, sig, sn);
		CHECK_MSG(!verify(&e, rd, rdn, &err) && err.code == EAA_E_BINDING,
			  "%s: swapped AK: %s", s->file, err.msg);
		EVP_MD_CTX_free(c);
		free(sig);
		json_decref(jwk);
		EVP_PKEY_free(fresh);
		az_evidence_free(&e);
	}
}

/* A PCR list that is not the quoted selection: one value short, or the
 * values in another order. */
static void test_pcr_list(void)
{
	const struct sample *s = &samples[1];
	struct az_evidence e;
	struct eaa_err err = { 0 };
	uint8_t rd[64], tmp[32];
	size_t rdn = rd_of(s, rd);

	CHECK(load(s, &e));
	e.npcrs--;
	CHECK_MSG(!verify(&e, rd, rdn, &err) && err.code == EAA_E_FORMAT &&
		  strstr(err.msg, "selection"), "short list: %s", err.msg);
	e.npcrs++;
	memcpy(tmp, e.pcrs[0], 32);
	memcpy(e.pcrs[0], e.pcrs[1], 32);
	memcpy(e.pcrs[1], tmp, 32);
	CHECK_MSG(!verify(&e, rd, rdn, &err) && err.code == EAA_E_SIGNATURE &&
		  strstr(err.msg, "pcrDigest"), "swapped values: %s", err.msg);
	az_evidence_free(&e);
}

/* Version 1 evidence relabelled as version 2: its user-data (zeros) does
 * not carry the nonce, which version 2 requires. */
static void test_user_data(void)
{
	size_t n = 0;
	char *t = read_text("snp-evidence-v1.json", &n), *v;
	struct az_evidence e;
	struct eaa_err err = { 0 };

	CHECK(t && (v = strstr(t, "\"version\": 1")) != NULL);
	if (t && v) {
		v[11] = '2';
		CHECK(az_evidence_load(t, n, AZ_SNP_VTPM, &e, &err) && e.version == 2);
		CHECK_MSG(!verify(&e, challenge, sizeof(challenge) - 1, &err) &&
			  err.code == EAA_E_BINDING && strstr(err.msg, "user-data"),
			  "v2 user-data: %s", err.msg);
		az_evidence_free(&e);
		v[11] = '3';
		CHECK(!az_evidence_load(t, n, AZ_SNP_VTPM, &e, &err) &&
		      err.code == EAA_E_UNSUPPORTED);
	}
	free(t);
}

/* A Milan VCEK presented with the Genoa report: refused. */
static void test_wrong_vcek(void)
{
	struct az_evidence g, m;
	struct eaa_err err = { 0 };
	uint8_t rd[64];
	size_t rdn = rd_of(&samples[3], rd);
	uint8_t *tmp;
	size_t tn;

	CHECK(load(&samples[3], &g) && load(&samples[0], &m));
	tmp = g.vcek, tn = g.vcek_len;
	g.vcek = m.vcek, g.vcek_len = m.vcek_len;
	m.vcek = tmp, m.vcek_len = tn;
	CHECK_MSG(!verify(&g, rd, rdn, &err), "Milan VCEK on a Genoa report accepted");
	az_evidence_free(&g);
	az_evidence_free(&m);
}

static void test_hcl_parse(void)
{
	uint8_t b[HCL_VAR_DATA_OFFSET + 4] = { 0 };
	struct hcl_report h;
	struct eaa_err err = { 0 };
	struct wr w;

	CHECK(!hcl_report_parse(b, sizeof(b), &h, &err) && err.code == EAA_E_FORMAT);
	wr_init_fixed(&w, b, sizeof(b));
	wr_u32le(&w, HCL_SIGNATURE);
	CHECK(!hcl_report_parse(b, 10, &h, &err) && err.code == EAA_E_FORMAT);
	/* data_size 24 = 20 + 4 bytes of variable data; report type SNP */
	w.len = HCL_VAR_DATA_OFFSET - 20;
	wr_u32le(&w, 24);
	wr_u32le(&w, 1);
	wr_u32le(&w, HCL_REPORT_SNP);
	wr_u32le(&w, HCL_HASH_SHA256);
	wr_u32le(&w, 4);
	CHECK(hcl_report_parse(b, sizeof(b), &h, &err) && h.var_len == 4);
	CHECK(!hcl_report_parse(b, sizeof(b) - 1, &h, &err) && err.code == EAA_E_FORMAT);
	b[HCL_VAR_DATA_OFFSET - 8] = 2;   /* SHA-384 */
	CHECK(!hcl_report_parse(b, sizeof(b), &h, &err) && err.code == EAA_E_UNSUPPORTED);
	b[HCL_VAR_DATA_OFFSET - 8] = 1;
	b[HCL_VAR_DATA_OFFSET - 12] = 3;  /* report type */
	CHECK(!hcl_report_parse(b, sizeof(b), &h, &err) && err.code == EAA_E_UNSUPPORTED);
}

static void test_runtime_parse(void)
{
	static const char *bad[] = {
		"", "[]", "{}", "{\"keys\":{}}", "{\"keys\":[]}",
		"{\"keys\":[{\"kid\":\"HCLEkPub\",\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
		"{\"keys\":[{\"kid\":\"HCLAkPub\",\"kty\":\"RSA\"}]}",
	};
	struct az_runtime rt;
	struct eaa_err err = { 0 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK_MSG(!az_runtime_parse((const uint8_t *)bad[i], strlen(bad[i]), &rt, &err) &&
			  err.code == EAA_E_FORMAT, "runtime claims %zu accepted", i);
}

/* The librats-tls rows, as verdictd's KBS calls them: the caller's
 * report data against the quote's qualifyingData. */
static void test_raw_verifier(void)
{
	static const char *const snp_opts[] = { "az_snp_vtpm.at=2025-06-01T00:00:00Z", NULL };
	static const char *const tdx_opts[] = { "az_tdx_vtpm.at=2025-06-01T00:00:00Z", NULL };
	static const char *const bad_opts[] = { "az_snp_vtpm.at=yesterday", NULL };
	struct eaa_err err = { 0 };
	struct rats_raw_verifier *v;
	json_t *claims = NULL;
	uint8_t rd[64];

	CHECK(!rats_raw_verifier_new("az_snp_vtpm", bad_opts, &err) && err.code == EAA_E_CONFIG);
	for (size_t i = 0; i < sizeof(samples) / sizeof(*samples); i++) {
		const struct sample *s = &samples[i];
		size_t n = 0, rdn = rd_of(s, rd);
		char *t = read_text(s->file, &n);

		v = rats_raw_verifier_new(s->kind == AZ_SNP_VTPM ? "az_snp_vtpm" : "az_tdx_vtpm",
					  s->kind == AZ_SNP_VTPM ? snp_opts : tdx_opts, &err);
		CHECK_MSG(v && t && rats_raw_verify(v, (uint8_t *)t, n, NULL, 0, rd, rdn, &claims,
						    &err), "%s: raw verify: %s", s->file, err.msg);
		CHECK(claims && json_object_get(claims, "tpm"));
		json_decref(claims);
		claims = NULL;
		rd[rdn - 1] ^= 1;
		CHECK(v && !rats_raw_verify(v, (uint8_t *)t, n, NULL, 0, rd, rdn, &claims, &err) &&
		      err.code == EAA_E_BINDING && !claims);
		rats_raw_verifier_free(v);
		free(t);
	}
}

static bool policy_says(struct vd_store *st, enum vd_tee t, const json_t *claims,
			const char *want)
{
	struct eaa_err err = { 0 };
	char *p = NULL, *d = NULL, *in = json_dumps(claims, JSON_COMPACT), *got = NULL;
	size_t pn, dn;
	bool ok = in && vd_opa_get(st, t, false, &p, &pn, &err) &&
		  vd_opa_get(st, t, true, &d, &dn, &err) &&
		  vd_opa_check(p, pn, d, dn, in, strlen(in), &got, &err) && strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "%s: got %s (%s), want %s\n", vd_tee_name(t), got ? got : "error",
			err.msg, want);
	free(p);
	free(d);
	free(in);
	free(got);
	return ok;
}

/* verdictd's default policies on the samples' real claims: nothing until
 * the owner lists PCR values; then exactly the listed values; the TD
 * quote's offline "NotEvaluated" TCB only when the owner accepts it. */
static void test_default_policies(void)
{
	char dir[] = "/tmp/az-policy-XXXXXX", ref[2048];
	struct eaa_err err = { 0 };
	struct vd_store *st;
	struct az_evidence e;
	uint8_t rd[64];
	json_t *snp = NULL, *tdx = NULL;
	const char *pcr4, *pcr7;

	if (!mkdtemp(dir) || !(st = vd_store_open(dir, &err))) {
		CHECK(false);
		return;
	}
	CHECK_MSG(vd_store_install_defaults(st, &err), "%s", err.msg);
	CHECK(load(&samples[1], &e) && (snp = verify(&e, rd, rd_of(&samples[1], rd), &err)));
	az_evidence_free(&e);
	CHECK(load(&samples[5], &e) && (tdx = verify(&e, rd, rd_of(&samples[5], rd), &err)));
	az_evidence_free(&e);
	if (!snp || !tdx)
		goto out;
	CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "false"));
	CHECK(policy_says(st, VD_TEE_AZ_TDX_VTPM, tdx, "false"));
	/* the owner edits the installed data document: every member stays */
	pcr4 = str_at(snp, "tpm", "pcr04");
	pcr7 = str_at(snp, "tpm", "pcr07");
#define SNP_REF(pcrs, meas, snp_min) \
	snprintf(ref, sizeof(ref), "{\"pcrs\": {%s}, \"paravisor\": {\"measurement\": [%s]}, " \
		 "\"minimum_tcb\": {\"bootloader\": 0, \"tee\": 0, \"snp\": %d, " \
		 "\"microcode\": 0}}", pcrs, meas, snp_min)
	{
		char pcrs[600], one[200];

		snprintf(pcrs, sizeof(pcrs), "\"pcr04\": [\"%s\"], \"pcr07\": [\"00\", \"%s\"]",
			 pcr4, pcr7);
		snprintf(one, sizeof(one), "\"pcr04\": [\"%s\"]", pcr4);
		SNP_REF(pcrs, "", 0);
		CHECK(vd_opa_set(st, VD_TEE_AZ_SNP_VTPM, true, ref, strlen(ref), &err));
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "true"));
		/* the TDX sample's PCR 4 differs (and it has no SNP claims) */
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, tdx, "false"));
		snprintf(pcrs, sizeof(pcrs), "\"pcr04\": [\"%s\"], \"pcr07\": [\"00\"]", pcr4);
		SNP_REF(pcrs, "", 0);
		CHECK(vd_opa_set(st, VD_TEE_AZ_SNP_VTPM, true, ref, strlen(ref), &err));
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "false"));
		SNP_REF(one, "\"00\"", 0);
		CHECK(vd_opa_set(st, VD_TEE_AZ_SNP_VTPM, true, ref, strlen(ref), &err));
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "false"));
		/* the sample's reported SNP SVN is 24 */
		SNP_REF(one, "", 25);
		CHECK(vd_opa_set(st, VD_TEE_AZ_SNP_VTPM, true, ref, strlen(ref), &err));
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "false"));
		SNP_REF(one, "", 24);
		CHECK(vd_opa_set(st, VD_TEE_AZ_SNP_VTPM, true, ref, strlen(ref), &err));
		CHECK(policy_says(st, VD_TEE_AZ_SNP_VTPM, snp, "true"));
	}
	pcr4 = str_at(tdx, "tpm", "pcr04");
	snprintf(ref, sizeof(ref), "{\"pcrs\": {\"pcr04\": [\"%s\"]}, \"paravisor\": "
		 "{\"mr_td\": []}, \"settings\": {\"tcbStatus\": [\"UpToDate\"]}}", pcr4);
	CHECK(vd_opa_set(st, VD_TEE_AZ_TDX_VTPM, true, ref, strlen(ref), &err));
	CHECK(policy_says(st, VD_TEE_AZ_TDX_VTPM, tdx, "false"));   /* NotEvaluated */
	snprintf(ref, sizeof(ref), "{\"pcrs\": {\"pcr04\": [\"%s\"]}, \"paravisor\": "
		 "{\"mr_td\": []}, \"settings\": {\"tcbStatus\": [\"UpToDate\", "
		 "\"NotEvaluated\"]}}", pcr4);
	CHECK(vd_opa_set(st, VD_TEE_AZ_TDX_VTPM, true, ref, strlen(ref), &err));
	CHECK(policy_says(st, VD_TEE_AZ_TDX_VTPM, tdx, "true"));
	CHECK(policy_says(st, VD_TEE_AZ_TDX_VTPM, snp, "false"));
	snprintf(ref, sizeof(ref), "{\"pcrs\": {\"pcr04\": [\"%s\"]}, \"paravisor\": "
		 "{\"mr_td\": [\"00\"]}, \"settings\": {\"tcbStatus\": [\"UpToDate\", "
		 "\"NotEvaluated\"]}}", pcr4);
	CHECK(vd_opa_set(st, VD_TEE_AZ_TDX_VTPM, true, ref, strlen(ref), &err));
	CHECK(policy_says(st, VD_TEE_AZ_TDX_VTPM, tdx, "false"));
out:
	json_decref(snp);
	json_decref(tdx);
	vd_store_close(st);
	test_rm_rf(dir);
}

int main(void)
{
	/* corrupted messages make libtss2-mu log each refusal */
	setenv("TSS2_LOG", "all+NONE", 1);
	datadir = getenv("EAA_TESTDATA");
	if (!datadir || !time_parse_utc("2025-06-01T00:00:00Z", &at)) {
		fprintf(stderr, "EAA_TESTDATA not set\n");
		return 1;
	}
	test_samples();
	test_flips();
	test_swapped_ak();
	test_pcr_list();
	test_user_data();
	test_wrong_vcek();
	test_hcl_parse();
	test_runtime_parse();
	test_raw_verifier();
	test_default_policies();
	return test_summary();
}
