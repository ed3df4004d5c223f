/* sigstruct.c - read a SIGSTRUCT through the bounded reader and check its
 * RSA-3072 signature and Q1/Q2 as EINIT does (sigstruct.h). The bytes come
 * from an owner's file: nothing in them is trusted until it verifies. */
#include <string.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include "bytes.h"
#include "sigstruct.h"

#define SIGNED_PART 128u  /* each of the two signed regions */

static const uint8_t want_header[12] = { 0x06, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 0x01, 0 };
static const uint8_t want_header2[16] = { 0x01, 0x01, 0, 0, 0x60, 0, 0, 0,
					  0x60, 0, 0, 0, 0x01, 0, 0, 0 };

static bool read_header(struct sigstruct *s, struct rd r, struct eaa_err *err)
{
	uint8_t header[12], header2[16];

	if (!rd_bytes(&r, header, sizeof(header)) || !rd_u32le(&r, &s->type) ||
	    !rd_u32le(&r, &s->vendor) || !rd_u32le(&r, &s->date) ||
	    !rd_bytes(&r, header2, sizeof(header2)) || !rd_u32le(&r, &s->sw_defined))
		return eaa_fail(err, EAA_E_FORMAT, "SIGSTRUCT header is cut short");
	/* an EINIT on any other header fails: not a SIGSTRUCT at all */
	if (memcmp(header, want_header, sizeof(header)) != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"SIGSTRUCT HEADER (bytes 0..11) is not 06000000e100000000000100");
	if (memcmp(header2, want_header2, sizeof(header2)) != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"SIGSTRUCT HEADER2 (bytes 24..39) is not 01010000600000006000000001000000");
	return true;
}

static bool read_body(struct sigstruct *s, struct rd r, struct eaa_err *err)
{
	if (!rd_u32le(&r, &s->misc_select) || !rd_u32le(&r, &s->misc_mask) ||
	    !rd_u8(&r, &s->cet_attributes) || !rd_u8(&r, &s->cet_attributes_mask) ||
	    !rd_skip(&r, 2) || !rd_bytes(&r, s->isv_family_id, 16) ||
	    !rd_u64le(&r, &s->flags) || !rd_u64le(&r, &s->xfrm) ||
	    !rd_u64le(&r, &s->flags_mask) || !rd_u64le(&r, &s->xfrm_mask) ||
	    !rd_bytes(&r, s->mr_enclave, 32) || !rd_skip(&r, 16) ||
	    !rd_bytes(&r, s->isv_ext_prod_id, 16) || !rd_u16le(&r, &s->isv_prod_id) ||
	    !rd_u16le(&r, &s->isv_svn) || !rd_done(&r))
		return eaa_fail(err, EAA_E_FORMAT, "SIGSTRUCT body is cut short");
	return true;
}

/* The public key (modulus little-endian as stored, exponent 3). */
static EVP_PKEY *rsa_key(const BIGNUM *n, struct eaa_err *err)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = BN_new();
	EVP_PKEY *key = NULL;

	if (!bld || !ctx || !e || !BN_set_word(e, 3) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		key = NULL;
		eaa_fail_ssl(err, EAA_E_CRYPTO, "SIGSTRUCT MODULUS: not an RSA key");
	}
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(e);
	return key;
}

/* RSASSA-PKCS1-v1_5 / SHA-256 over header || body. */
static bool check_signature(const BIGNUM *n, const BIGNUM *sig,
			    const uint8_t msg[2 * SIGNED_PART], struct eaa_err *err)
{
	uint8_t digest[32], sig_be[SIGSTRUCT_KEY_SIZE];
	EVP_PKEY *key;
	EVP_PKEY_CTX *ctx = NULL;
	int ok = 0;

	if (BN_cmp(sig, n) >= 0)
		return eaa_fail(err, EAA_E_SIGNATURE,
				"SIGSTRUCT SIGNATURE is not smaller than its MODULUS");
	if (!EVP_Digest(msg, 2 * SIGNED_PART, digest, NULL, EVP_sha256(), NULL) ||
	    BN_bn2binpad(sig, sig_be, sizeof(sig_be)) != (int)sizeof(sig_be))
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "SIGSTRUCT: SHA-256");
	if (!(key = rsa_key(n, err)))
		return false;
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) && EVP_PKEY_verify_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0)
		ok = EVP_PKEY_verify(ctx, sig_be, sizeof(sig_be), digest, sizeof(digest));
	else
		ok = -1;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	if (ok < 0)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "SIGSTRUCT: RSA verify");
	if (ok != 1) {
		ERR_clear_error();
		return eaa_fail(err, EAA_E_SIGNATURE,
				"SIGSTRUCT SIGNATURE does not verify with its MODULUS "
				"(RSA-3072 PKCS#1 v1.5 SHA-256 over bytes 0..127 and 900..1027)");
	}
	return true;
}

/* EINIT checks the signature with Q1 = floor(S^2 / M) and
 * Q2 = floor((S^3 - Q1*S*M) / M) = floor((S^2 mod M) * S / M); a
 * SIGSTRUCT whose Q1/Q2 are wrong never launches. */
static bool check_q1q2(const BIGNUM *n, const BIGNUM *sig, const uint8_t q1_le[SIGSTRUCT_KEY_SIZE],
		       const uint8_t q2_le[SIGSTRUCT_KEY_SIZE], struct eaa_err *err)
{
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *s2, *q1, *r, *t, *q2, *got1, *got2;
	bool ok = false, done = false;

	if (!bc)
		return eaa_fail(err, EAA_E_NOMEM, "SIGSTRUCT Q1/Q2");
	BN_CTX_start(bc);
	s2 = BN_CTX_get(bc);
	q1 = BN_CTX_get(bc);
	r = BN_CTX_get(bc);
	t = BN_CTX_get(bc);
	q2 = BN_CTX_get(bc);
	got1 = BN_CTX_get(bc);
	got2 = BN_CTX_get(bc);
	if (got2 && BN_sqr(s2, sig, bc) && BN_div(q1, r, s2, n, bc) &&
	    BN_mul(t, r, sig, bc) && BN_div(q2, NULL, t, n, bc) &&
	    BN_lebin2bn(q1_le, SIGSTRUCT_KEY_SIZE, got1) &&
	    BN_lebin2bn(q2_le, SIGSTRUCT_KEY_SIZE, got2)) {
		done = true;
		ok = BN_cmp(q1, got1) == 0 && BN_cmp(q2, got2) == 0;
	}
	BN_CTX_end(bc);
	BN_CTX_free(bc);
	if (!done)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "SIGSTRUCT Q1/Q2");
	if (!ok)
		return eaa_fail(err, EAA_E_SIGNATURE,
				"SIGSTRUCT Q1/Q2 (bytes 1040..1807) do not match its SIGNATURE: "
				"EINIT would refuse this enclave");
	return true;
}

bool sigstruct_read(struct sigstruct *s, const uint8_t *p, size_t n,
		    struct eaa_err *err)
{
	struct rd r = rd_init(p, n), head, body;
	uint8_t sig_le[SIGSTRUCT_KEY_SIZE], q1[SIGSTRUCT_KEY_SIZE], q2[SIGSTRUCT_KEY_SIZE];
	uint8_t msg[2 * SIGNED_PART], reserved[12];
	struct rd hcopy, bcopy;
	uint32_t exponent;
	BIGNUM *bn_n = NULL, *bn_s = NULL;
	bool ok = false;

	memset(s, 0, sizeof(*s));
	if (n != SIGSTRUCT_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "a SIGSTRUCT is %u bytes, not %zu",
				SIGSTRUCT_SIZE, n);
	if (!rd_sub(&r, SIGNED_PART, &head) || !rd_bytes(&r, s->modulus, sizeof(s->modulus)) ||
	    !rd_u32le(&r, &exponent) || !rd_bytes(&r, sig_le, sizeof(sig_le)) ||
	    !rd_sub(&r, SIGNED_PART, &body) || !rd_bytes(&r, reserved, sizeof(reserved)) ||
	    !rd_bytes(&r, q1, sizeof(q1)) || !rd_bytes(&r, q2, sizeof(q2)) || !rd_done(&r))
		return eaa_fail(err, EAA_E_FORMAT, "SIGSTRUCT layout");
	if (!read_header(s, head, err) || !read_body(s, body, err))
		return false;
	if (exponent != 3)
		return eaa_fail(err, EAA_E_FORMAT,
				"SIGSTRUCT EXPONENT (bytes 512..515) is %u; SGX requires 3", exponent);
	hcopy = head;
	bcopy = body;
	if (!rd_bytes(&hcopy, msg, SIGNED_PART) ||
	    !rd_bytes(&bcopy, msg + SIGNED_PART, SIGNED_PART))
		return eaa_fail(err, EAA_E_FORMAT, "SIGSTRUCT layout");
	if (!(bn_n = BN_lebin2bn(s->modulus, sizeof(s->modulus), NULL)) ||
	    !(bn_s = BN_lebin2bn(sig_le, sizeof(sig_le), NULL))) {
		eaa_fail_ssl(err, EAA_E_NOMEM, "SIGSTRUCT MODULUS");
		goto out;
	}
	if (BN_num_bits(bn_n) != 3072) {
		eaa_fail(err, EAA_E_FORMAT, "SIGSTRUCT MODULUS is %d bits, not 3072",
			 BN_num_bits(bn_n));
		goto out;
	}
	if (!check_signature(bn_n, bn_s, msg, err) || !check_q1q2(bn_n, bn_s, q1, q2, err))
		goto out;
	if (!EVP_Digest(s->modulus, sizeof(s->modulus), s->mr_signer, NULL, EVP_sha256(), NULL)) {
		eaa_fail_ssl(err, EAA_E_CRYPTO, "MRSIGNER: SHA-256");
		goto out;
	}
	ok = true;
out:
	BN_free(bn_n);
	BN_free(bn_s);
	return ok;
}

bool sigstruct_debug_only(const struct sigstruct *s)
{
	return (s->flags & SGX_FLAG_DEBUG) && (s->flags_mask & SGX_FLAG_DEBUG);
}

bool sigstruct_debug_allowed(const struct sigstruct *s)
{
	return !(s->flags_mask & SGX_FLAG_DEBUG) || (s->flags & SGX_FLAG_DEBUG);
}

void sigstruct_describe(const struct sigstruct *s, FILE *f)
{
	const char *debug;

	if (sigstruct_debug_only(s))
		debug = "set and enforced by ATTRIBUTEMASK: the enclave only launches as a "
			"debug enclave, whose memory the host can read";
	else if (s->flags_mask & SGX_FLAG_DEBUG)
		debug = "clear and enforced by ATTRIBUTEMASK: production launches only";
	else if (s->flags & SGX_FLAG_DEBUG)
		debug = "not enforced by ATTRIBUTEMASK (set in ATTRIBUTES): this MRENCLAVE "
			"launches as a debug or a production enclave alike; only the quote's "
			"DEBUG attribute (refused by the default sgxPolicy) tells them apart";
	else
		debug = "not enforced by ATTRIBUTEMASK (clear in ATTRIBUTES): this MRENCLAVE "
			"launches as a debug or a production enclave alike; only the quote's "
			"DEBUG attribute (refused by the default sgxPolicy) tells them apart";
	fprintf(f, "  vendor: %s (0x%04x)\n",
		s->vendor == 0x8086 ? "Intel" : s->vendor == 0 ? "not Intel" : "unknown",
		s->vendor);
	fprintf(f, "  date: %04x-%02x-%02x\n", s->date >> 16, (s->date >> 8) & 0xff,
		s->date & 0xff);
	fprintf(f, "  signed for %s (HEADER type 0x%08x)\n",
		s->type & 0x80000000u ? "debug" : "production", s->type);
	fprintf(f, "  attributes: flags 0x%016llx xfrm 0x%016llx\n",
		(unsigned long long)s->flags, (unsigned long long)s->xfrm);
	fprintf(f, "  attribute mask: flags 0x%016llx xfrm 0x%016llx\n",
		(unsigned long long)s->flags_mask, (unsigned long long)s->xfrm_mask);
	fprintf(f, "  DEBUG attribute: %s\n", debug);
	fprintf(f, "  miscselect 0x%08x miscmask 0x%08x\n", s->misc_select, s->misc_mask);
	fprintf(f, "  isvprodid %u isvsvn %u\n", s->isv_prod_id, s->isv_svn);
}
