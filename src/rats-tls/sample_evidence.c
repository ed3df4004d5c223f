/* sample_evidence.c - parse, sign and check the sample TEE report (layout in
 * sample_evidence.h). */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include "sample_evidence.h"

bool sample_report_parse(struct rd in, struct sample_report *rep,
			 struct eaa_err *err)
{
	struct rd start = in;
	uint8_t magic[8];
	uint16_t sig_len;

	memset(rep, 0, sizeof(*rep));
	if (!rd_bytes(&in, magic, 8) || !rd_u16le(&in, &rep->version) ||
	    !rd_u16le(&in, &rep->flags) || !rd_u32le(&in, &rep->svn) ||
	    !rd_bytes(&in, rep->measurement, 32) ||
	    !rd_bytes(&in, rep->report_data, 64) ||
	    !rd_bytes(&in, rep->signer, 32))
		return eaa_fail(err, EAA_E_FORMAT,
				"sample report: truncated header (%zu bytes)",
				rd_left(&start));
	rep->signed_part = rd_init(start.p, rd_left(&start) - rd_left(&in));
	if (memcmp(magic, SAMPLE_MAGIC, 8) != 0)
		return eaa_fail(err, EAA_E_FORMAT, "sample report: bad magic");
	if (rep->version != SAMPLE_VERSION)
		return eaa_fail(err, EAA_E_UNSUPPORTED,
				"sample report: version %u, expected %u",
				rep->version, SAMPLE_VERSION);
	if (rep->flags != 0)
		return eaa_fail(err, EAA_E_FORMAT,
				"sample report: reserved flags 0x%04x set",
				rep->flags);
	if (!rd_u16le(&in, &sig_len) || sig_len == 0 ||
	    sig_len > SAMPLE_MAX_SIG || !rd_sub(&in, sig_len, &rep->sig))
		return eaa_fail(err, EAA_E_FORMAT,
				"sample report: signature length field "
				"missing, zero, over %d or past the end",
				SAMPLE_MAX_SIG);
	if (!rd_done(&in))
		return eaa_fail(err, EAA_E_FORMAT,
				"sample report: %zu trailing bytes", rd_left(&in));
	return true;
}

bool sample_key_id(EVP_PKEY *key, uint8_t id[32], struct eaa_err *err)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	bool ok;

	if (len <= 0)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "encode public key");
	ok = EVP_Digest(der, (size_t)len, id, NULL, EVP_sha256(), NULL) == 1;
	OPENSSL_free(der);
	return ok || eaa_fail_ssl(err, EAA_E_CRYPTO, "hash public key");
}

static const EVP_MD *sig_md(EVP_PKEY *key)
{
	return EVP_PKEY_get_bits(key) > 256 ? EVP_sha384() : EVP_sha256();
}

bool sample_report_sign(EVP_PKEY *key, const uint8_t measurement[32],
			uint32_t svn, const uint8_t report_data[64],
			struct wr *out, struct eaa_err *err)
{
	uint8_t signer[32], sig[SAMPLE_MAX_SIG];
	size_t start = out->len, sig_len = sizeof(sig);
	EVP_MD_CTX *md;
	bool ok;

	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return eaa_fail(err, EAA_E_CONFIG,
				"sample attester: signing key must be ECDSA");
	if (!sample_key_id(key, signer, err))
		return false;
	wr_bytes(out, SAMPLE_MAGIC, 8);
	wr_u16le(out, SAMPLE_VERSION);
	wr_u16le(out, 0);
	wr_u32le(out, svn);
	wr_bytes(out, measurement, 32);
	wr_bytes(out, report_data, 64);
	wr_bytes(out, signer, 32);
	if (out->failed)
		return eaa_fail(err, EAA_E_NOMEM, "sample report: out of memory");
	if (!(md = EVP_MD_CTX_new()))
		return eaa_fail(err, EAA_E_NOMEM, "sample report: out of memory");
	ok = EVP_DigestSignInit(md, NULL, sig_md(key), NULL, key) == 1 &&
	     EVP_DigestSign(md, sig, &sig_len, out->buf + start,
			    out->len - start) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "sample report: sign");
	return (wr_u16le(out, (uint16_t)sig_len) && wr_bytes(out, sig, sig_len)) ||
	       eaa_fail(err, EAA_E_NOMEM, "sample report: out of memory");
}

bool sample_report_verify_sig(const struct sample_report *rep, EVP_PKEY *key,
			      struct eaa_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int rc;

	if (!md)
		return eaa_fail(err, EAA_E_NOMEM, "sample report: out of memory");
	rc = EVP_DigestVerifyInit(md, NULL, sig_md(key), NULL, key);
	if (rc == 1)
		rc = EVP_DigestVerify(md, rep->sig.p, rep->sig.n,
				      rep->signed_part.p, rep->signed_part.n);
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	if (rc != 1)
		return eaa_fail(err, EAA_E_SIGNATURE,
				"sample report: signature does not verify with "
				"the trusted key");
	return true;
}
