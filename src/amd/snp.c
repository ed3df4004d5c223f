/* snp.c - SEV-SNP attestation reports (see snp.h). The layout is the SEV
 * Secure Nested Paging Firmware ABI's ATTESTATION_REPORT (Table 22 in
 * revision 1.55), all little-endian; the signature covers bytes
 * 0x000-0x29F and its r and s are 72-byte little-endian fields of which 48
 * bytes are used for P-384. */
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "amd_roots.h"
#include "bytes.h"
#include "ecdsa.h"
#include "json_util.h"
#include "snp.h"

static bool zeros(struct rd *r, size_t n)
{
	struct rd sub;

	return rd_sub(r, n, &sub) && rd_all_zero(&sub);
}

bool snp_report_parse(const uint8_t *p, size_t n, struct snp_report *s,
		      struct eaa_err *err)
{
	struct rd r = rd_init(p, n), sig;
	uint8_t le[72];

	memset(s, 0, sizeof(*s));
	if (n != SNP_REPORT_SIZE)
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: %zu bytes, not %d", n,
				SNP_REPORT_SIZE);
	if (!rd_u32le(&r, &s->version) || !rd_u32le(&r, &s->guest_svn) ||
	    !rd_u64le(&r, &s->policy) || !rd_bytes(&r, s->family_id, 16) ||
	    !rd_bytes(&r, s->image_id, 16) || !rd_u32le(&r, &s->vmpl) ||
	    !rd_u32le(&r, &s->signature_algo) || !rd_u64le(&r, &s->current_tcb) ||
	    !rd_u64le(&r, &s->platform_info) || !rd_u32le(&r, &s->flags))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: header");
	if (s->version < 2 || s->version > 5)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SNP report: version %u (2 to 5 are "
				"known)", s->version);
	if (!zeros(&r, 4))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: reserved bytes at 0x4c");
	if (!rd_bytes(&r, s->report_data, 64) || !rd_bytes(&r, s->measurement, 48) ||
	    !rd_bytes(&r, s->host_data, 32) || !rd_bytes(&r, s->id_key_digest, 48) ||
	    !rd_bytes(&r, s->author_key_digest, 48) || !rd_bytes(&r, s->report_id, 32) ||
	    !rd_bytes(&r, s->report_id_ma, 32) || !rd_u64le(&r, &s->reported_tcb))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: body");
	if (s->version >= 3 && (!rd_u8(&r, &s->cpuid_fam_id) || !rd_u8(&r, &s->cpuid_mod_id) ||
				!rd_u8(&r, &s->cpuid_step)))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: CPUID");
	if (!zeros(&r, s->version >= 3 ? 21 : 24))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: reserved bytes at 0x%x",
				s->version >= 3 ? 0x18b : 0x188);
	if (!rd_bytes(&r, s->chip_id, 64) || !rd_u64le(&r, &s->committed_tcb) ||
	    !rd_u8(&r, &s->current_build) || !rd_u8(&r, &s->current_minor) ||
	    !rd_u8(&r, &s->current_major) || !zeros(&r, 1) ||
	    !rd_u8(&r, &s->committed_build) || !rd_u8(&r, &s->committed_minor) ||
	    !rd_u8(&r, &s->committed_major) || !zeros(&r, 1) ||
	    !rd_u64le(&r, &s->launch_tcb))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: versions and TCBs");
	/* version 5 adds the launch and current mitigation vectors */
	if (s->version >= 5 && !rd_skip(&r, 16))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: mitigation vectors");
	if (!zeros(&r, SNP_SIGNED_SIZE - 0x1f8 - (s->version >= 5 ? 16 : 0)))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: reserved bytes before the "
				"signature");
	if (!rd_sub(&r, 144, &sig) || !zeros(&r, SNP_REPORT_SIZE - SNP_SIGNED_SIZE - 144))
		return eaa_fail(err, EAA_E_FORMAT, "SNP report: signature area");
	/* r and s: 72 little-endian bytes each, the top 24 zero for P-384 */
	for (int k = 0; k < 2; k++) {
		uint8_t *out = k ? s->sig_s : s->sig_r;

		if (!rd_bytes(&sig, le, 72))
			return eaa_fail(err, EAA_E_FORMAT, "SNP report: signature");
		for (int i = 48; i < 72; i++)
			if (le[i])
				return eaa_fail(err, EAA_E_FORMAT, "SNP report: signature %c is "
						"wider than P-384", k ? 's' : 'r');
		for (int i = 0; i < 48; i++)
			out[i] = le[47 - i];
	}
	return true;
}

/* ---- the certificate's extensions ---- */

static int int_ext(X509 *c, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int i = o ? X509_get_ext_by_OBJ(c, o, -1) : -1;
	const unsigned char *p;
	ASN1_INTEGER *v;
	long val = -1;

	ASN1_OBJECT_free(o);
	if (i < 0)
		return -1;
	p = ASN1_STRING_get0_data(X509_EXTENSION_get_data(X509_get_ext(c, i)));
	v = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(
		X509_EXTENSION_get_data(X509_get_ext(c, i))));
	if (v)
		val = ASN1_INTEGER_get(v);
	ASN1_INTEGER_free(v);
	return val < 0 || val > 255 ? -2 : (int)val;
}

static const ASN1_OCTET_STRING *ext_data(X509 *c, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	int i = o ? X509_get_ext_by_OBJ(c, o, -1) : -1;

	ASN1_OBJECT_free(o);
	return i < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(c, i));
}

bool snp_cert_ext_parse(X509 *c, struct snp_cert_ext *e, struct eaa_err *err)
{
	static const struct { const char *oid; size_t off; const char *name; } spl[] = {
		{ "1.3.6.1.4.1.3704.1.3.1", offsetof(struct snp_cert_ext, bl), "blSPL" },
		{ "1.3.6.1.4.1.3704.1.3.2", offsetof(struct snp_cert_ext, tee), "teeSPL" },
		{ "1.3.6.1.4.1.3704.1.3.3", offsetof(struct snp_cert_ext, snp), "snpSPL" },
		{ "1.3.6.1.4.1.3704.1.3.8", offsetof(struct snp_cert_ext, ucode), "ucodeSPL" },
		{ "1.3.6.1.4.1.3704.1.3.9", offsetof(struct snp_cert_ext, fmc), "fmcSPL" },
	};
	const ASN1_OCTET_STRING *prod = ext_data(c, "1.3.6.1.4.1.3704.1.2");
	const ASN1_OCTET_STRING *hw = ext_data(c, "1.3.6.1.4.1.3704.1.4");
	const unsigned char *p;
	ASN1_IA5STRING *name;
	ASN1_OCTET_STRING *os;
	int len;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < sizeof(spl) / sizeof(*spl); i++) {
		int v = int_ext(c, spl[i].oid);

		if (v == -2)
			return eaa_fail(err, EAA_E_FORMAT, "VCEK: %s is not an integer 0..255",
					spl[i].name);
		*(int *)((char *)e + spl[i].off) = v;
	}
	if (e->bl < 0 || e->tee < 0 || e->snp < 0 || e->ucode < 0)
		return eaa_fail(err, EAA_E_FORMAT, "VCEK: a TCB extension (blSPL, teeSPL, snpSPL, "
				"ucodeSPL) is missing");
	if (!prod)
		return eaa_fail(err, EAA_E_FORMAT, "VCEK: no productName extension");
	p = ASN1_STRING_get0_data(prod);
	name = d2i_ASN1_IA5STRING(NULL, &p, ASN1_STRING_length(prod));
	if (!name || ASN1_STRING_length(name) >= (int)sizeof(e->product)) {
		ASN1_IA5STRING_free(name);
		return eaa_fail(err, EAA_E_FORMAT, "VCEK: productName is not a short IA5String");
	}
	memcpy(e->product, ASN1_STRING_get0_data(name), (size_t)ASN1_STRING_length(name));
	ASN1_IA5STRING_free(name);
	if (hw) {
		/* raw 64 bytes (older certificates) or a DER OCTET STRING */
		p = ASN1_STRING_get0_data(hw);
		len = ASN1_STRING_length(hw);
		if (len == 64) {
			memcpy(e->hwid, p, 64);
		} else {
			os = d2i_ASN1_OCTET_STRING(NULL, &p, len);
			if (!os || ASN1_STRING_length(os) != 64) {
				ASN1_OCTET_STRING_free(os);
				return eaa_fail(err, EAA_E_FORMAT, "VCEK: hwID is neither 64 bytes "
						"nor an OCTET STRING of 64");
			}
			memcpy(e->hwid, ASN1_STRING_get0_data(os), 64);
			ASN1_OCTET_STRING_free(os);
		}
		e->has_hwid = true;
	}
	ERR_clear_error();
	return true;
}

/* ---- chain ---- */

static bool time_ok(X509 *c, time_t at, const char *what, struct eaa_err *err)
{
	if (X509_cmp_time(X509_get0_notBefore(c), &at) > 0)
		return eaa_fail(err, EAA_E_EXPIRED, "%s is not yet valid at the verification time",
				what);
	if (X509_cmp_time(X509_get0_notAfter(c), &at) < 0)
		return eaa_fail(err, EAA_E_EXPIRED, "%s has expired at the verification time",
				what);
	return true;
}

/* c is issued by issuer: names match and issuer's key verifies it. */
static bool signed_by(X509 *c, X509 *issuer, const char *what, const char *by,
		      struct eaa_err *err)
{
	bool ok = X509_check_issued(issuer, c) == X509_V_OK &&
		  X509_verify(c, X509_get0_pubkey(issuer)) == 1;

	ERR_clear_error();
	return ok || eaa_fail(err, EAA_E_UNTRUSTED, "%s is not signed by %s", what, by);
}

/* The embedded chains, parsed and their signatures (ARK by itself, ASK and
 * ASVK by the ARK) checked once per process; validity is checked per use,
 * since it depends on the verification time. */
struct chain {
	X509 *ask, *ark, *asvk;
	bool loaded, ok;
};

static pthread_mutex_t chain_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chain chains[8];

/* VCEKs already found signed by their ASK: SHA-256 of the DER. */
#define VCEK_CACHE 16
static uint8_t vcek_seen[VCEK_CACHE][32];
static size_t vcek_next, vcek_count;

static bool load_chain(const struct amd_product *pr, struct chain *c, struct eaa_err *err)
{
	BIO *b = BIO_new_mem_buf(pr->pem, -1);
	struct eaa_err ignore;

	c->loaded = true;
	c->ask = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	c->ark = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	c->asvk = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	if (!c->ask || !c->ark || !c->asvk)
		return eaa_fail(err, EAA_E_CONFIG, "AMD %s chain: unreadable", pr->name);
	c->ok = signed_by(c->ark, c->ark, "the embedded ARK", "itself", err) &&
		signed_by(c->ask, c->ark, "the ASK", "the ARK", err) &&
		signed_by(c->asvk, c->ark, "the ASVK", "the ARK", &ignore);
	return c->ok;
}

/* The embedded ASK (or ASVK for a VLEK) and ARK of the product line, with
 * a reference each. */
static bool product_chain(const char *product, bool vlek, X509 **ca, X509 **ark,
			  struct eaa_err *err)
{
	size_t plen = strcspn(product, "-");
	bool ok = false;
	size_t i;

	for (i = 0; amd_products[i].name; i++)
		if (strlen(amd_products[i].name) == plen &&
		    strncmp(amd_products[i].name, product, plen) == 0)
			break;
	if (!amd_products[i].name || i >= sizeof(chains) / sizeof(*chains))
		return eaa_fail(err, EAA_E_UNTRUSTED, "no AMD root for product \"%.30s\"",
				product);
	pthread_mutex_lock(&chain_lock);
	if (!chains[i].loaded)
		load_chain(&amd_products[i], &chains[i], err);
	else if (!chains[i].ok)
		eaa_fail(err, EAA_E_CONFIG, "AMD %s chain: does not verify", amd_products[i].name);
	if (chains[i].ok) {
		*ark = chains[i].ark;
		*ca = vlek ? chains[i].asvk : chains[i].ask;
		ok = X509_up_ref(*ark) == 1 && X509_up_ref(*ca) == 1;
	}
	pthread_mutex_unlock(&chain_lock);
	return ok;
}

/* cert signed by ca, remembered for the next report of this chip. */
static bool vcek_signed(X509 *cert, X509 *ca, const char *what, const char *by,
			struct eaa_err *err)
{
	unsigned char md[32];
	unsigned n = 0;
	bool seen = false;

	if (X509_digest(cert, EVP_sha256(), md, &n) != 1 || n != 32)
		return signed_by(cert, ca, what, by, err);
	pthread_mutex_lock(&chain_lock);
	for (size_t i = 0; i < vcek_count && !seen; i++)
		seen = memcmp(vcek_seen[i], md, 32) == 0;
	pthread_mutex_unlock(&chain_lock);
	if (seen)
		return X509_check_issued(ca, cert) == X509_V_OK ||
		       eaa_fail(err, EAA_E_UNTRUSTED, "%s is not signed by %s", what, by);
	if (!signed_by(cert, ca, what, by, err))
		return false;
	pthread_mutex_lock(&chain_lock);
	memcpy(vcek_seen[vcek_next], md, 32);
	vcek_next = (vcek_next + 1) % VCEK_CACHE;
	if (vcek_count < VCEK_CACHE)
		vcek_count++;
	pthread_mutex_unlock(&chain_lock);
	return true;
}

bool snp_report_verify(const uint8_t *raw, const struct snp_report *r, X509 *cert,
		       const struct snp_verify_opts *o, struct eaa_err *err)
{
	unsigned key = SNP_SIGNING_KEY(r->flags);
	const char *kname = key == 1 ? "VLEK" : "VCEK";
	struct snp_cert_ext e;
	struct snp_tcb tcb;
	X509 *ca = NULL, *ark = NULL;
	EVP_PKEY *pub;
	bool ok = false, turin;

	if (key > 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SNP report: signing key %u (neither "
				"VCEK nor VLEK)", key);
	if (r->signature_algo != 1)
		return eaa_fail(err, EAA_E_UNSUPPORTED, "SNP report: signature algorithm %u "
				"(1, ECDSA P-384 with SHA-384, is known)", r->signature_algo);
	if (!cert)
		return eaa_fail(err, EAA_E_NO_EVIDENCE, "SNP report: no %s certificate", kname);
	if (!snp_cert_ext_parse(cert, &e, err) ||
	    !product_chain(e.product, key == 1, &ca, &ark, err))
		return false;
	/* the ARK is the anchor; it signs itself and the ASK (ASVK), which
	 * signs the certificate */
	if (!vcek_signed(cert, ca, kname, key == 1 ? "AMD's ASVK" : "AMD's ASK", err) ||
	    !time_ok(ark, o->at, "the ARK", err) || !time_ok(ca, o->at, "the ASK", err) ||
	    !time_ok(cert, o->at, kname, err))
		goto out;
	turin = strncmp(e.product, "Turin", 5) == 0;
	tcb.fmc = turin ? (uint8_t)r->reported_tcb : 0;
	tcb.bootloader = (uint8_t)(r->reported_tcb >> (turin ? 8 : 0));
	tcb.tee = (uint8_t)(r->reported_tcb >> (turin ? 16 : 8));
	tcb.snp = (uint8_t)(r->reported_tcb >> (turin ? 24 : 48));
	tcb.microcode = (uint8_t)(r->reported_tcb >> 56);
	if (e.bl != tcb.bootloader || e.tee != tcb.tee || e.snp != tcb.snp ||
	    e.ucode != tcb.microcode || (turin && e.fmc != tcb.fmc)) {
		eaa_fail(err, EAA_E_BINDING, "%s is for TCB bl%d/tee%d/snp%d/ucode%d, the report's "
			 "is bl%u/tee%u/snp%u/ucode%u", kname, e.bl, e.tee, e.snp, e.ucode,
			 tcb.bootloader, tcb.tee, tcb.snp, tcb.microcode);
		goto out;
	}
	if (key == 0 && !(r->flags & SNP_FLAG_MASK_CHIP_KEY) &&
	    (!e.has_hwid || memcmp(e.hwid, r->chip_id, 64) != 0)) {
		eaa_fail(err, EAA_E_BINDING, "VCEK is for another chip (hwID differs from the "
			 "report's chip_id)");
		goto out;
	}
	pub = X509_get0_pubkey(cert);
	if (!pub || !ecdsa_verify_rs(pub, EVP_sha384(), raw, SNP_SIGNED_SIZE, r->sig_r,
				     r->sig_s, 48)) {
		eaa_fail(err, EAA_E_SIGNATURE, "SNP report: the signature does not verify with "
			 "the %s", kname);
		goto out;
	}
	if ((r->policy & SNP_POLICY_DEBUG) && !o->allow_debug) {
		eaa_fail(err, EAA_E_REJECTED, "SNP report: the guest policy allows debugging");
		goto out;
	}
	if (o->report_data && memcmp(o->report_data, r->report_data, 64) != 0) {
		eaa_fail(err, EAA_E_BINDING, "SNP report: report_data is not the expected one");
		goto out;
	}
	ok = true;
out:
	ERR_clear_error();
	X509_free(ca);
	X509_free(ark);
	return ok;
}

json_t *snp_claims(const struct snp_report *r, const char *product)
{
	json_t *c = json_object();
	bool turin = product && strncmp(product, "Turin", 5) == 0;
	bool ok;

	if (!c)
		return NULL;
	ok = json_set_hex(c, "measurement", r->measurement, 48) &&
	     json_set_hex(c, "host_data", r->host_data, 32) &&
	     json_set_hex(c, "report_data", r->report_data, 64) &&
	     json_set_hex(c, "chip_id", r->chip_id, 64) &&
	     json_set_hex(c, "family_id", r->family_id, 16) &&
	     json_set_hex(c, "image_id", r->image_id, 16) &&
	     json_set_hex(c, "id_key_digest", r->id_key_digest, 48) &&
	     json_set_hex(c, "author_key_digest", r->author_key_digest, 48) &&
	     json_set_hex(c, "report_id", r->report_id, 32) &&
	     json_object_set_new(c, "version", json_integer(r->version)) == 0 &&
	     json_object_set_new(c, "guest_svn", json_integer(r->guest_svn)) == 0 &&
	     json_object_set_new(c, "vmpl", json_integer(r->vmpl)) == 0 &&
	     json_object_set_new(c, "policy_abi_minor", json_integer(r->policy & 0xff)) == 0 &&
	     json_object_set_new(c, "policy_abi_major", json_integer((r->policy >> 8) & 0xff)) == 0 &&
	     json_object_set_new(c, "policy_smt_allowed",
				 json_boolean(r->policy & SNP_POLICY_SMT)) == 0 &&
	     json_object_set_new(c, "policy_migrate_ma",
				 json_boolean(r->policy & SNP_POLICY_MIGRATE_MA)) == 0 &&
	     json_object_set_new(c, "policy_debug_allowed",
				 json_boolean(r->policy & SNP_POLICY_DEBUG)) == 0 &&
	     json_object_set_new(c, "policy_single_socket",
				 json_boolean(r->policy & SNP_POLICY_SINGLE_SOCKET)) == 0 &&
	     json_object_set_new(c, "platform_smt_enabled",
				 json_boolean(r->platform_info & 1)) == 0 &&
	     json_object_set_new(c, "platform_tsme_enabled",
				 json_boolean(r->platform_info & 2)) == 0 &&
	     json_object_set_new(c, "reported_tcb_bootloader",
				 json_integer((uint8_t)(r->reported_tcb >> (turin ? 8 : 0)))) == 0 &&
	     json_object_set_new(c, "reported_tcb_tee",
				 json_integer((uint8_t)(r->reported_tcb >> (turin ? 16 : 8)))) == 0 &&
	     json_object_set_new(c, "reported_tcb_snp",
				 json_integer((uint8_t)(r->reported_tcb >> (turin ? 24 : 48)))) == 0 &&
	     json_object_set_new(c, "reported_tcb_microcode",
				 json_integer((uint8_t)(r->reported_tcb >> 56))) == 0 &&
	     json_object_set_new(c, "signing_key", json_string(SNP_SIGNING_KEY(r->flags) ?
							       "vlek" : "vcek")) == 0 &&
	     (!product || json_object_set_new(c, "product", json_string(product)) == 0);
	if (!ok) {
		json_decref(c);
		return NULL;
	}
	return c;
}
