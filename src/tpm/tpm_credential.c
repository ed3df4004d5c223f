/* tpm_credential.c - the verifier's side of credential activation (see
 * tpm_credential.h).
 *
 * MakeCredential for an RSA EK (TPM 2.0 Part 1, "Credential Protection";
 * Part 3, TPM2_MakeCredential):
 *   seed      random, the size of the EK's nameAlg digest (SHA-256)
 *   secret    RSA-OAEP(SHA-256, label "IDENTITY\0") of seed to the EK
 *   symKey    KDFa(SHA-256, seed, "STORAGE", name of the AK, -, 128 bits)
 *   encIdentity  AES-128-CFB(symKey, IV 0) of TPM2B_DIGEST(credential)
 *   hmacKey   KDFa(SHA-256, seed, "INTEGRITY", -, -, 256 bits)
 *   credentialBlob = TPM2B(HMAC(hmacKey, encIdentity || name)) || encIdentity
 * KDFa is SP 800-108's counter mode with HMAC, which is OpenSSL's KBKDF. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <tss2/tss2_mu.h>
#include "tpm_credential.h"
#include "tpm_quote.h"

#define SEED_LEN 32     /* SHA-256, the EK's nameAlg */
#define SYM_LEN 16      /* AES-128, the EK's symmetric algorithm (L-1) */

static bool mu_fail(struct eaa_err *err, const char *what)
{
	return eaa_fail(err, EAA_E_FORMAT, "%s", what);
}

bool tpm_request_encode(const TPM2B_PUBLIC *ak, const uint8_t *ek_der, size_t ek_len,
			struct wr *out, struct eaa_err *err)
{
	uint8_t buf[sizeof(*ak) + 2];
	size_t off = 0;

	if (ek_len > UINT16_MAX)
		return eaa_fail(err, EAA_E_INVALID, "EK certificate of %zu bytes", ek_len);
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(ak, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS ||
	    Tss2_MU_UINT16_Marshal((UINT16)ek_len, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS)
		return mu_fail(err, "enrolment request: cannot encode the AK");
	if (!wr_bytes(out, buf, off) || !wr_bytes(out, ek_der, ek_len))
		return eaa_fail(err, EAA_E_NOMEM, "out of memory");
	return true;
}

bool tpm_request_parse(const uint8_t *p, size_t n, TPM2B_PUBLIC *ak, const uint8_t **ek_der,
		       size_t *ek_len, struct eaa_err *err)
{
	size_t off = 0;
	UINT16 len;

	memset(ak, 0, sizeof(*ak));
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, ak) != TSS2_RC_SUCCESS)
		return mu_fail(err, "enrolment request: no AK public area at its start");
	if (Tss2_MU_UINT16_Unmarshal(p, n, &off, &len) != TSS2_RC_SUCCESS || len != n - off)
		return eaa_fail(err, EAA_E_FORMAT, "enrolment request: the EK certificate's "
				"length does not match the %zu bytes after the AK", n - off);
	*ek_der = p + off;
	*ek_len = len;
	return true;
}

bool tpm_challenge_parse(const uint8_t *p, size_t n, TPM2B_ID_OBJECT *blob,
			 TPM2B_ENCRYPTED_SECRET *secret, struct eaa_err *err)
{
	size_t off = 0;

	memset(blob, 0, sizeof(*blob));
	memset(secret, 0, sizeof(*secret));
	if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(p, n, &off, blob) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(p, n, &off, secret) != TSS2_RC_SUCCESS ||
	    off != n)
		return mu_fail(err, "challenge: not a TPM2B_ID_OBJECT and a "
			       "TPM2B_ENCRYPTED_SECRET, and nothing after them");
	return true;
}

bool tpm_ek_verify(const uint8_t *der, size_t n, X509_STORE *cas, STACK_OF(X509) *untrusted,
		   time_t at, EVP_PKEY **ek, struct eaa_err *err)
{
	const uint8_t *q = der;
	X509 *cert = d2i_X509(NULL, &q, (long)n);
	X509_STORE_CTX *v = X509_STORE_CTX_new();
	EVP_PKEY *key;
	bool ok = false;

	if (!cert || q != der + n) {
		eaa_fail(err, EAA_E_FORMAT, "EK certificate: not one DER certificate");
		goto out;
	}
	if (!v || X509_STORE_CTX_init(v, cas, cert, untrusted) != 1) {
		eaa_fail_ssl(err, EAA_E_NOMEM, "EK certificate");
		goto out;
	}
	X509_STORE_CTX_set_time(v, 0, at);
	if (X509_verify_cert(v) != 1) {
		eaa_fail(err, EAA_E_UNTRUSTED, "EK certificate: %s (at depth %d)",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(v)),
			 X509_STORE_CTX_get_error_depth(v));
		goto out;
	}
	key = X509_get0_pubkey(cert);
	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) != 2048) {
		eaa_fail(err, EAA_E_UNSUPPORTED, "EK certificate: not an RSA 2048 key (the EK "
			 "template L-1)");
		goto out;
	}
	EVP_PKEY_up_ref(key);
	*ek = key;
	ok = true;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(v);
	X509_free(cert);
	return ok;
}

/* KDFa with SHA-256: label (its NUL added by KBKDF's separator) and
 * context, out_len bytes. */
static bool kdfa(const uint8_t *key, size_t key_len, const char *label, const uint8_t *context,
		 size_t context_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
	EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[7], *p = params;
	bool ok;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, "counter", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, "HMAC", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label,
						 strlen(label));
	if (context_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)context,
							 context_len);
	*p = OSSL_PARAM_construct_end();
	ok = c && EVP_KDF_derive(c, out, out_len, params) == 1;
	EVP_KDF_CTX_free(c);
	EVP_KDF_free(kdf);
	return ok;
}

/* seed to the EK: RSA-OAEP with SHA-256 and the label "IDENTITY\0". */
static bool seal_seed(EVP_PKEY *ek, const uint8_t seed[SEED_LEN], TPM2B_ENCRYPTED_SECRET *out)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(ek, NULL);
	unsigned char *label = OPENSSL_memdup("IDENTITY", 9);
	size_t len = sizeof(out->secret);
	bool ok = c && label && EVP_PKEY_encrypt_init(c) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) == 1 &&
		  EVP_PKEY_CTX_set_rsa_oaep_md(c, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set_rsa_mgf1_md(c, EVP_sha256()) == 1 &&
		  EVP_PKEY_CTX_set0_rsa_oaep_label(c, label, 9) == 1;

	if (ok)
		label = NULL;   /* the context owns it */
	ok = ok && EVP_PKEY_encrypt(c, out->secret, &len, seed, SEED_LEN) == 1;
	out->size = (UINT16)len;
	OPENSSL_free(label);
	EVP_PKEY_CTX_free(c);
	return ok;
}

bool tpm_make_credential(EVP_PKEY *ek, const TPM2B_PUBLIC *ak,
			 const uint8_t secret[TPM_CREDENTIAL_SECRET], struct wr *out,
			 struct eaa_err *err)
{
	uint8_t seed[SEED_LEN], sym[SYM_LEN], hkey[32], name[2 + EVP_MAX_MD_SIZE];
	uint8_t plain[2 + TPM_CREDENTIAL_SECRET], enc[sizeof(plain)], mac[32];
	uint8_t iv[16] = { 0 }, buf[sizeof(TPM2B_ID_OBJECT) + sizeof(TPM2B_ENCRYPTED_SECRET)];
	TPM2B_ID_OBJECT blob = { 0 };
	TPM2B_ENCRYPTED_SECRET sealed = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	unsigned int ml = 0;
	size_t nl, off = 0;
	int l1 = 0, l2 = 0;
	bool ok;

	if (!tpm_ak_attributes_ok(&ak->publicArea)) {
		EVP_CIPHER_CTX_free(c);
		return eaa_fail(err, EAA_E_UNTRUSTED, "AK: not a TPM-generated, fixed, "
				"restricted signing key (attributes 0x%x)",
				ak->publicArea.objectAttributes);
	}
	plain[0] = TPM_CREDENTIAL_SECRET >> 8;
	plain[1] = TPM_CREDENTIAL_SECRET & 0xff;
	memcpy(plain + 2, secret, TPM_CREDENTIAL_SECRET);
	ok = c && tpm_object_name(&ak->publicArea, name, &nl) && RAND_bytes(seed, SEED_LEN) == 1 &&
	     seal_seed(ek, seed, &sealed) &&
	     kdfa(seed, SEED_LEN, "STORAGE", name, nl, sym, SYM_LEN) &&
	     kdfa(seed, SEED_LEN, "INTEGRITY", NULL, 0, hkey, sizeof(hkey)) &&
	     EVP_EncryptInit_ex(c, EVP_aes_128_cfb128(), NULL, sym, iv) == 1 &&
	     EVP_EncryptUpdate(c, enc, &l1, plain, sizeof(plain)) == 1 &&
	     EVP_EncryptFinal_ex(c, enc + l1, &l2) == 1 && l1 + l2 == (int)sizeof(enc);
	if (ok) {
		uint8_t in[sizeof(enc) + sizeof(name)];

		memcpy(in, enc, sizeof(enc));
		memcpy(in + sizeof(enc), name, nl);
		ok = HMAC(EVP_sha256(), hkey, sizeof(hkey), in, sizeof(enc) + nl, mac, &ml) &&
		     ml == sizeof(mac);
	}
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(sym, sizeof(sym));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	OPENSSL_cleanse(plain, sizeof(plain));
	if (!ok)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "MakeCredential");
	blob.credential[0] = 0;
	blob.credential[1] = sizeof(mac);
	memcpy(blob.credential + 2, mac, sizeof(mac));
	memcpy(blob.credential + 2 + sizeof(mac), enc, sizeof(enc));
	blob.size = 2 + sizeof(mac) + sizeof(enc);
	if (Tss2_MU_TPM2B_ID_OBJECT_Marshal(&blob, buf, sizeof(buf), &off) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal(&sealed, buf, sizeof(buf), &off) !=
		    TSS2_RC_SUCCESS)
		return mu_fail(err, "challenge: cannot encode");
	return wr_bytes(out, buf, off) || eaa_fail(err, EAA_E_NOMEM, "out of memory");
}
