/* forge_intel.c - a look-alike Intel hierarchy (see forge_intel.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "bytes.h"
#include "codec.h"
#include "file.h"
#include "forge_intel.h"
#include "json_raw.h"
#include "pck.h"
#include "quote.h"

#define DAY (24 * 3600)

static X509 *make_cert(const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       EVP_PKEY *key, long serial, time_t at, bool ca,
		       X509_EXTENSION *extra)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX v3;
	X509_EXTENSION *bc;
	bool ok;

	ok = x && name && X509_set_version(x, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), serial) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0) &&
	     X509_set_subject_name(x, name) &&
	     X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) :
					      name) &&
	     X509_time_adj_ex(X509_getm_notBefore(x), 0, -365 * DAY, &at) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), 0, 365 * DAY, &at) &&
	     X509_set_pubkey(x, key);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	bc = ok ? X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
				      ca ? "critical,CA:TRUE" :
					   "critical,CA:FALSE") : NULL;
	ok = ok && bc && X509_add_ext(x, bc, -1) &&
	     (!extra || X509_add_ext(x, extra, -1)) &&
	     X509_sign(x, issuer_key, EVP_sha256()) > 0;
	X509_EXTENSION_free(bc);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *key, time_t at,
			  long revoked_serial)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_adj(NULL, at, -1, 0);
	ASN1_TIME *next = ASN1_TIME_adj(NULL, at, 30, 0);
	bool ok = crl && last && next && X509_CRL_set_version(crl, 1) &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) &&
		  X509_CRL_set1_lastUpdate(crl, last) &&
		  X509_CRL_set1_nextUpdate(crl, next);

	if (ok && revoked_serial) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();

		ok = r && s && ASN1_INTEGER_set(s, revoked_serial) &&
		     X509_REVOKED_set_serialNumber(r, s) &&
		     X509_REVOKED_set_revocationDate(r, last) &&
		     X509_CRL_add0_revoked(crl, r);
		if (ok)
			r = NULL;
		X509_REVOKED_free(r);
		ASN1_INTEGER_free(s);
	}
	ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, key, EVP_sha256()) > 0;
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	if (!ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

/* ECDSA-P256/SHA-256 as raw big-endian r || s. */
static bool sign_raw(EVP_PKEY *key, const void *msg, size_t n, uint8_t rs[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	size_t len = sizeof(der);
	const unsigned char *p = der;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	bool ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) &&
		  EVP_DigestSign(md, der, &len, msg, n) &&
		  (sig = d2i_ECDSA_SIG(NULL, &p, (long)len));

	if (ok) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok;
}

static bool pem_of(struct wr *w, X509 *const *certs, int n)
{
	for (int i = 0; i < n; i++) {
		BIO *b = BIO_new(BIO_s_mem());
		char *p;
		long len;
		bool ok = b && PEM_write_bio_X509(b, certs[i]) &&
			  (len = BIO_get_mem_data(b, &p)) > 0 &&
			  wr_bytes(w, p, (size_t)len);

		BIO_free(b);
		if (!ok)
			return false;
	}
	return true;
}

static bool write_file(const char *dir, const char *name, const void *p,
		       size_t n)
{
	char path[1024];
	struct eaa_err err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return file_write_atomic(path, p, n, 0600, &err);
}

static bool write_pem(const char *dir, const char *name, X509 *const *certs,
		      int n)
{
	struct wr w;
	bool ok;

	wr_init(&w);
	ok = pem_of(&w, certs, n) && write_file(dir, name, w.buf, w.len);
	wr_free(&w);
	return ok;
}

static bool write_crl(const char *dir, const char *name, X509_CRL *crl)
{
	unsigned char *der = NULL;
	int n = crl ? i2d_X509_CRL(crl, &der) : -1;
	bool ok = n > 0 && write_file(dir, name, der, (size_t)n);

	OPENSSL_free(der);
	return ok;
}

/* {"<member>":<the real document's span>,"signature":"<ours>"} */
/* Every `from` in span replaced by `to`, into w. */
static bool edit_span(struct rd span, const char *from, const char *to,
		      struct wr *w)
{
	size_t fl = strlen(from);

	while (span.n > 0) {
		const uint8_t *hit = memmem(span.p, span.n, from, fl);
		size_t before = hit ? (size_t)(hit - span.p) : span.n;

		wr_bytes(w, span.p, before);
		rd_skip(&span, before);
		if (!hit)
			break;
		wr_bytes(w, to, strlen(to));
		rd_skip(&span, fl);
	}
	return !w->failed;
}

static bool resign(const struct forge_intel *f, const char *data_dir,
		   const char *name, const char *member, EVP_PKEY *key,
		   const char *col_dir)
{
	struct wr edited;
	char path[1024];
	uint8_t *text, rs[64];
	size_t n;
	struct rd span;
	struct eaa_err err;
	char *hex = NULL;
	struct wr w;
	bool ok;

	snprintf(path, sizeof(path), "%s/intel/pcs-50806f000000/%s", data_dir,
		 name);
	if (!file_read(path, 1 << 20, &text, &n, &err))
		return false;
	wr_init(&w);
	wr_init(&edited);
	ok = json_raw_member((char *)text, n, member, &span);
	if (ok && f->edit_file && strcmp(f->edit_file, name) == 0) {
		ok = edit_span(span, f->edit_from, f->edit_to, &edited);
		span = rd_init(edited.buf, edited.len);
	}
	ok = ok && sign_raw(key, span.p, span.n, rs) && (hex = hex_encode(rs, 64)) &&
	     wr_bytes(&w, "{\"", 2) && wr_bytes(&w, member, strlen(member)) &&
	     wr_bytes(&w, "\":", 2) && wr_bytes(&w, span.p, span.n) &&
	     wr_bytes(&w, ",\"signature\":\"", 14) && wr_bytes(&w, hex, 128) &&
	     wr_bytes(&w, "\"}", 2) && write_file(col_dir, name, w.buf, w.len);
	wr_free(&w);
	wr_free(&edited);
	free(hex);
	free(text);
	return ok;
}

static bool raw_pub(EVP_PKEY *k, uint8_t xy[64])
{
	uint8_t pt[65];
	size_t n = sizeof(pt);

	if (!EVP_PKEY_get_octet_string_param(k, "encoded-pub-key", pt,
					     sizeof(pt), &n) || n != 65)
		return false;
	memcpy(xy, pt + 1, 64);
	return true;
}

/* The quote: the real header and body, our attestation key, the real QE
 * report with our key's hash, signed by our PCK, our chain. */
static bool build_quote(struct forge_intel *f, const struct quote *q,
			EVP_PKEY *att, EVP_PKEY *pck_key, X509 *const *chain)
{
	uint8_t xy[64], sig[64], qe[384], qe_sig[64], hash[32];
	struct wr w, certs, inner;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok;

	wr_init(&w);
	wr_init(&certs);
	wr_init(&inner);
	memcpy(qe, q->qe_report_raw.p, 384);
	ok = md && raw_pub(att, xy) &&
	     EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, xy, 64) &&
	     EVP_DigestUpdate(md, q->qe_auth.p, q->qe_auth.n) &&
	     EVP_DigestFinal_ex(md, hash, NULL);
	memcpy(qe + 320, hash, 32);
	memset(qe + 352, 0, 32);
	/* SGX report body: ATTRIBUTES at 48, MRSIGNER at 128, ISVPRODID at 256 */
	if (f->qe_mrsigner)
		memcpy(qe + 128, f->qe_mrsigner, 32);
	if (f->qe_prod_id) {
		qe[256] = (uint8_t)f->qe_prod_id;
		qe[257] = (uint8_t)(f->qe_prod_id >> 8);
	}
	if (f->qe_debug)
		qe[48] |= 2;
	ok = ok && sign_raw(pck_key, qe, 384, qe_sig) &&
	     sign_raw(att, q->signed_data.p, q->signed_data.n, sig) &&
	     pem_of(&certs, chain, 3);
	/* type 6: QE report, signature, auth data, then type 5 */
	wr_bytes(&inner, qe, 384);
	wr_bytes(&inner, qe_sig, 64);
	wr_u16le(&inner, (uint16_t)q->qe_auth.n);
	wr_bytes(&inner, q->qe_auth.p, q->qe_auth.n);
	wr_u16le(&inner, QUOTE_CERT_PCK_CHAIN);
	wr_u32le(&inner, (uint32_t)certs.len);
	wr_bytes(&inner, certs.buf, certs.len);
	wr_bytes(&w, q->signed_data.p, q->signed_data.n);
	wr_u32le(&w, (uint32_t)(128 + 6 + inner.len));
	wr_bytes(&w, sig, 64);
	wr_bytes(&w, xy, 64);
	wr_u16le(&w, QUOTE_CERT_QE_REPORT);
	wr_u32le(&w, (uint32_t)inner.len);
	wr_bytes(&w, inner.buf, inner.len);
	ok = ok && !w.failed && !inner.failed;
	if (ok)
		f->quote = wr_take(&w, &f->quote_len);
	EVP_MD_CTX_free(md);
	wr_free(&w);
	wr_free(&certs);
	wr_free(&inner);
	return ok;
}

bool forge_intel(struct forge_intel *f, const char *data_dir,
		 const char *col_dir)
{
	EVP_PKEY *root_k = EVP_EC_gen("P-256"), *plat_k = EVP_EC_gen("P-256"),
		 *pck_k = EVP_EC_gen("P-256"), *tcb_k = EVP_EC_gen("P-256"),
		 *att_k = EVP_EC_gen("P-256");
	X509 *plat = NULL, *pck = NULL, *tcbs = NULL, *chain[3];
	STACK_OF(X509) *real = NULL;
	X509_EXTENSION *sgx = NULL;
	X509_CRL *pck_crl = NULL, *root_crl = NULL;
	ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
	struct eaa_err err;
	struct quote q;
	char path[1024];
	uint8_t *real_quote = NULL;
	size_t n;
	bool ok;

	snprintf(path, sizeof(path), "%s/intel/tdx_quote_4.dat", data_dir);
	ok = root_k && plat_k && pck_k && tcb_k && att_k && oid &&
	     file_read(path, 1 << 20, &real_quote, &n, &err) &&
	     quote_parse(real_quote, n, &q, &err) &&
	     pem_certs_parse(q.pck_chain, &real, "PCK chain", &err);
	if (ok) {
		/* The real PCK's SGX extension: FMSPC and TCB of the quote. */
		int i = X509_get_ext_by_OBJ(sk_X509_value(real, 0), oid, -1);

		sgx = i >= 0 ? X509_get_ext(sk_X509_value(real, 0), i) : NULL;
		ok = sgx != NULL;
	}
	if (ok && f->arc_from) {
		/* DER of OID 1.2.840.113741.1.13.1.<arc>, then edit its arc. */
		static const uint8_t der[] = { 0x06, 0x0a, 0x2a, 0x86, 0x48,
					       0x86, 0xf8, 0x4d, 0x01, 0x0d,
					       0x01 };
		ASN1_OCTET_STRING *d = X509_EXTENSION_get_data(sgx);
		uint8_t *p = (uint8_t *)ASN1_STRING_get0_data(d);
		int len = ASN1_STRING_length(d);
		bool done = false;

		for (int i = 0; !done && i + (int)sizeof(der) < len; i++)
			if (memcmp(p + i, der, sizeof(der)) == 0 &&
			    p[i + sizeof(der)] == f->arc_from) {
				p[i + sizeof(der)] = (uint8_t)f->arc_to;
				done = true;
			}
		ok = done;
	}
	f->root = ok ? make_cert("Intel SGX Root CA", NULL, root_k, root_k, 1,
				 f->at, true, NULL) : NULL;
	plat = f->root ? make_cert("Intel SGX PCK Platform CA", f->root, root_k,
				   plat_k, 2, f->at, true, NULL) : NULL;
	pck = plat ? make_cert("Intel SGX PCK Certificate", plat, plat_k, pck_k,
			       3, f->at, false, sgx) : NULL;
	tcbs = f->root ? make_cert("Intel SGX TCB Signing", f->root, root_k,
				   tcb_k, 4, f->at, false, NULL) : NULL;
	ok = ok && plat && pck && tcbs;
	if (ok) {
		chain[0] = pck;
		chain[1] = plat;
		chain[2] = f->root;
		pck_crl = make_crl(plat, plat_k, f->at, f->revoke_pck ? 3 : 0);
		root_crl = make_crl(f->root, root_k, f->at,
				    f->revoke_platform ? 2 : 0);
		ok = build_quote(f, &q, att_k, pck_k, chain) &&
		     write_pem(col_dir, "tcb-info-issuer-chain.pem",
			       (X509 *[]){ tcbs, f->root }, 2) &&
		     write_pem(col_dir, "qe-identity-issuer-chain.pem",
			       (X509 *[]){ tcbs, f->root }, 2) &&
		     write_pem(col_dir, "pck-crl-issuer-chain.pem",
			       (X509 *[]){ plat, f->root }, 2) &&
		     write_crl(col_dir, "pck-crl.der", pck_crl) &&
		     write_crl(col_dir, "root-ca-crl.der", root_crl) &&
		     resign(f, data_dir, "tcb-info.json", "tcbInfo", tcb_k,
			    col_dir) &&
		     resign(f, data_dir, "qe-identity.json", "enclaveIdentity",
			    tcb_k, col_dir);
	}
	X509_CRL_free(pck_crl);
	X509_CRL_free(root_crl);
	X509_free(plat);
	X509_free(pck);
	X509_free(tcbs);
	sk_X509_pop_free(real, X509_free);
	ASN1_OBJECT_free(oid);
	free(real_quote);
	EVP_PKEY_free(root_k);
	EVP_PKEY_free(plat_k);
	EVP_PKEY_free(pck_k);
	EVP_PKEY_free(tcb_k);
	EVP_PKEY_free(att_k);
	return ok;
}

void forge_intel_free(struct forge_intel *f)
{
	X509_free(f->root);
	free(f->quote);
	f->root = NULL;
	f->quote = NULL;
}
