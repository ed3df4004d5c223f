/* quote_verify.c - check an Intel quote step by step (see quote_verify.h)
 * and turn it into claims. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "codec.h"
#include "json_util.h"
#include "ecdsa.h"
#include "quote_verify.h"

static const uint8_t intel_qe_vendor[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

/* Intel's quoting enclaves as its QE identity collateral describes them
 * (https://api.trustedservices.intel.com/{sgx,tdx}/certification/v4/qe/identity,
 * and tests/data/intel/pcs-50806f000000/qe-identity.json): the enclave
 * signer, product id, MISCSELECT and ATTRIBUTES under their masks (the mask
 * covers DEBUG: a debug QE's attestation key can be read out by the host).
 * Without collateral these are the only identity check, and they hold
 * anyway; the SVN is left to policy (claim qe_isv_svn). */
struct qe_pin {
	const char *name;
	uint8_t mrsigner[32];
	uint16_t isv_prod_id;
};

static const struct qe_pin qe_pin_sgx = {
	"SGX QE",
	{ 0x8c, 0x4f, 0x57, 0x75, 0xd7, 0x96, 0x50, 0x3e, 0x96, 0x13, 0x7f,
	  0x77, 0xc6, 0x8a, 0x82, 0x9a, 0x00, 0x56, 0xac, 0x8d, 0xed, 0x70,
	  0x14, 0x0b, 0x08, 0x1b, 0x09, 0x44, 0x90, 0xc5, 0x7b, 0xff },
	1,
};

static const struct qe_pin qe_pin_tdx = {
	"TDX QE (TD_QE)",
	{ 0xdc, 0x9e, 0x2a, 0x7c, 0x6f, 0x94, 0x8f, 0x17, 0x47, 0x4e, 0x34,
	  0xa7, 0xfc, 0x43, 0xed, 0x03, 0x0f, 0x7c, 0x15, 0x63, 0xf1, 0xba,
	  0xbd, 0xdf, 0x63, 0x40, 0xc8, 0x2e, 0x0e, 0x54, 0xa8, 0xc5 },
	2,
};

static const uint8_t qe_attributes[16] = { 0x11 };
static const uint8_t qe_attributes_mask[16] = {
	0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/* Step 6 without collateral: the QE report (PCK-signed by now) is from
 * Intel's quoting enclave for this TEE. */
static bool qe_pinned(const struct quote *q, struct eaa_err *err)
{
	const struct qe_pin *pin = q->tee_type == QUOTE_TEE_TDX ? &qe_pin_tdx
								: &qe_pin_sgx;
	const struct sgx_report *r = &q->qe_report;
	uint8_t diff = 0;
	char hex[65];

	if (CRYPTO_memcmp(r->mr_signer, pin->mrsigner, 32) != 0) {
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", r->mr_signer[i]);
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity (pinned, no "
				"collateral): QE MRSIGNER %s is not Intel's %s "
				"signer", hex, pin->name);
	}
	if (r->isv_prod_id != pin->isv_prod_id)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity (pinned, no "
				"collateral): QE product id %u, Intel's %s is %u",
				r->isv_prod_id, pin->name, pin->isv_prod_id);
	if (r->misc_select != 0)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity (pinned, no "
				"collateral): QE MISCSELECT does not match");
	for (size_t i = 0; i < 16; i++)
		diff |= (r->attributes[i] ^ qe_attributes[i]) & qe_attributes_mask[i];
	if (diff)
		return eaa_fail(err, EAA_E_UNTRUSTED, "QE identity (pinned, no "
				"collateral): QE attributes do not match%s",
				(r->attributes[0] & 2) ? " (a debug QE)" : "");
	return true;
}

/* Step 4: the QE vouches for the attestation key by putting its hash in
 * the report the PCK key signed. */
static bool qe_binding(const struct quote *q, struct eaa_err *err)
{
	uint8_t want[64] = { 0 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		  EVP_DigestUpdate(md, q->att_key, sizeof(q->att_key)) &&
		  EVP_DigestUpdate(md, q->qe_auth.p, q->qe_auth.n) &&
		  EVP_DigestFinal_ex(md, want, NULL);

	EVP_MD_CTX_free(md);
	if (!ok)
		return eaa_fail_ssl(err, EAA_E_CRYPTO, "QE report data");
	if (CRYPTO_memcmp(want, q->qe_report.report_data, sizeof(want)) != 0)
		return eaa_fail(err, EAA_E_BINDING, "QE report data is not "
				"SHA-256(attestation key || QE auth data) || "
				"zeros: the attestation key is not the QE's");
	return true;
}

static bool signatures(const struct quote *q, EVP_PKEY *pck,
		       struct eaa_err *err)
{
	EVP_PKEY *att;
	bool ok;

	/* Step 3: the QE report, signed by the platform's PCK key. */
	if (!ecdsa_verify_rs(pck, EVP_sha256(),
			     q->qe_report_raw.p, q->qe_report_raw.n,
			     q->qe_report_sig, q->qe_report_sig + 32, 32))
		return eaa_fail(err, EAA_E_SIGNATURE, "QE report signature "
				"does not verify with the PCK certificate's key");
	if (!qe_binding(q, err))
		return false;
	/* Step 5: header and body, signed by the attestation key. */
	att = ecdsa_pubkey_xy("P-256", q->att_key, 32);
	if (!att)
		return eaa_fail(err, EAA_E_FORMAT, "attestation key is not a "
				"P-256 point");
	ok = ecdsa_verify_rs(att, EVP_sha256(), q->signed_data.p,
			     q->signed_data.n, q->signature, q->signature + 32,
			     32);
	EVP_PKEY_free(att);
	if (!ok)
		return eaa_fail(err, EAA_E_SIGNATURE, "quote signature over "
				"header and body does not verify with the "
				"attestation key");
	return true;
}

/* ---- PCK chain results, cached ---- */

#define PCK_CACHE_SLOTS 32

struct pck_entry {
	uint8_t id[32]; /* SHA-256 of the chain's PEM text */
	time_t from, until;
	EVP_PKEY *key;
	struct pck_ext ext;
};

struct pck_cache {
	pthread_mutex_t lock;
	struct pck_entry e[PCK_CACHE_SLOTS];
	unsigned next;
};

struct pck_cache *pck_cache_new(void)
{
	struct pck_cache *c = calloc(1, sizeof(*c));

	if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

void pck_cache_free(struct pck_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < PCK_CACHE_SLOTS; i++)
		EVP_PKEY_free(c->e[i].key);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The window in which every certificate and CRL the check used is valid. */
static bool validity(STACK_OF(X509) *chain, STACK_OF(X509_CRL) *crls,
		     X509 *root, time_t *from, time_t *until)
{
	struct validity v;

	validity_init(&v);
	for (int i = 0; i < sk_X509_num(chain); i++)
		if (!validity_add_cert(&v, sk_X509_value(chain, i)))
			return false;
	if (!validity_add_cert(&v, root))
		return false;
	for (int i = 0; i < sk_X509_CRL_num(crls); i++)
		if (!validity_add_crl(&v, sk_X509_CRL_value(crls, i)))
			return false;
	*from = v.from;
	*until = v.until;
	return true;
}

static bool cache_get(struct pck_cache *c, const uint8_t id[32], time_t at,
		      EVP_PKEY **key, struct pck_ext *ext)
{
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < PCK_CACHE_SLOTS && !hit; i++) {
		struct pck_entry *e = &c->e[i];

		if (e->key && memcmp(e->id, id, 32) == 0 && e->from <= at &&
		    at < e->until && EVP_PKEY_up_ref(e->key)) {
			*key = e->key;
			*ext = e->ext;
			hit = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return hit;
}

static void cache_put(struct pck_cache *c, const uint8_t id[32], time_t from,
		      time_t until, EVP_PKEY *key, const struct pck_ext *ext)
{
	struct pck_entry *e;

	if (!EVP_PKEY_up_ref(key))
		return;
	pthread_mutex_lock(&c->lock);
	e = &c->e[c->next++ % PCK_CACHE_SLOTS];
	EVP_PKEY_free(e->key);
	memcpy(e->id, id, 32);
	e->from = from;
	e->until = until;
	e->key = key;
	e->ext = *ext;
	pthread_mutex_unlock(&c->lock);
}

/* Steps 2 and 6: the PCK chain to the root, then the PCK key and its SGX
 * extension; from the cache when this exact chain passed before and all
 * it relied on is still valid at `at`. *key is the caller's reference. */
static bool pck_checked(const struct quote *q,
			const struct quote_verify_opts *o, X509 *root,
			time_t at, EVP_PKEY **key,
			struct pck_ext *ext, struct eaa_err *err)
{
	STACK_OF(X509_CRL) *crls = o->col ? o->col->crls : NULL;
	STACK_OF(X509) *chain = NULL;
	uint8_t id[32];
	time_t from, until;
	bool ok;

	*key = NULL;
	if (o->cache) {
		if (!EVP_Digest(q->pck_chain.p, q->pck_chain.n, id, NULL,
				EVP_sha256(), NULL))
			return eaa_fail_ssl(err, EAA_E_CRYPTO, "PCK chain");
		if (cache_get(o->cache, id, at, key, ext))
			return true;
	}
	ok = pem_certs_parse(q->pck_chain, &chain, "PCK chain", err) &&
	     intel_chain_verify(chain, root, at, crls, "PCK chain", err) &&
	     pck_ext_parse(sk_X509_value(chain, 0), ext, err);
	if (ok) {
		*key = X509_get_pubkey(sk_X509_value(chain, 0));
		if (!*key)
			ok = eaa_fail_ssl(err, EAA_E_CRYPTO, "PCK key");
	}
	if (ok && o->cache && validity(chain, crls, root, &from, &until))
		cache_put(o->cache, id, from, until, *key, ext);
	sk_X509_pop_free(chain, X509_free);
	return ok;
}

bool quote_verify(const struct quote *q, const struct quote_verify_opts *o,
		  struct quote_result *res, struct eaa_err *err)
{
	X509 *root = o->root ? o->root : intel_root_ca();
	time_t at = o->at ? o->at : time(NULL);
	EVP_PKEY *pck = NULL;
	bool ok;

	memset(res, 0, sizeof(*res));
	if (!root)
		return eaa_fail(err, EAA_E_CRYPTO, "cannot load the Intel SGX "
				"Root CA");
	if (!o->col && !o->allow_no_collateral) {
		ok = eaa_fail(err, EAA_E_CONFIG, "no collateral (TCB info, QE "
			      "identity, CRLs) and verification without it is "
			      "not enabled");
		goto out;
	}
	if (CRYPTO_memcmp(q->qe_vendor_id, intel_qe_vendor, 16) != 0) {
		ok = eaa_fail(err, EAA_E_UNTRUSTED, "quote header: QE vendor id "
			      "is not Intel's");
		goto out;
	}
	ok = pck_checked(q, o, root, at, &pck, &res->pck, err) &&
	     signatures(q, pck, err);
	if (ok && o->col) {
		ok = tcb_evaluate(q, &res->pck, o->col, &res->tcb, err);
		res->qe_identity = QE_ID_COLLATERAL;
	} else if (ok) {
		ok = qe_pinned(q, err);
		res->qe_identity = QE_ID_PINNED;
	}
out:
	EVP_PKEY_free(pck);
	if (root != o->root)
		X509_free(root);
	return ok;
}

/* ---- claims ---- */

/* Each returns false when a field could not be added (no memory): claims
 * with a field missing must not reach a policy. */
static bool tdx_claims(json_t *c, const struct tdx_report *t, bool v15)
{
	static const char *const rtmr[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	bool ok = true;

	ok &= json_set_hex(c, "tee_tcb_svn", t->tee_tcb_svn, 16);
	ok &= json_set_hex(c, "mr_seam", t->mr_seam, 48);
	ok &= json_set_hex(c, "mr_signer_seam", t->mr_signer_seam, 48);
	ok &= json_set_hex(c, "seam_attributes", t->seam_attributes, 8);
	ok &= json_set_hex(c, "td_attributes", t->td_attributes, 8);
	ok &= json_set_hex(c, "xfam", t->xfam, 8);
	ok &= json_set_hex(c, "mr_td", t->mr_td, 48);
	ok &= json_set_hex(c, "mr_config_id", t->mr_config_id, 48);
	ok &= json_set_hex(c, "mr_owner", t->mr_owner, 48);
	ok &= json_set_hex(c, "mr_owner_config", t->mr_owner_config, 48);
	for (int i = 0; i < 4; i++)
		ok &= json_set_hex(c, rtmr[i], t->rtmr[i], 48);
	ok &= json_set_hex(c, "report_data", t->report_data, 64);
	if (v15) {
		ok &= json_set_hex(c, "tee_tcb_svn2", t->tee_tcb_svn2, 16);
		ok &= json_set_hex(c, "mr_servicetd", t->mr_servicetd, 48);
	}
	/* TDATTRIBUTES bit 0: the TD is debuggable, so not confidential. */
	ok &= json_object_set_new(c, "td_debug",
				  json_boolean(t->td_attributes[0] & 1)) == 0;
	return ok;
}

static bool sgx_claims(json_t *c, const struct sgx_report *s)
{
	bool ok = true;

	ok &= json_set_hex(c, "mr_enclave", s->mr_enclave, 32);
	ok &= json_set_hex(c, "mr_signer", s->mr_signer, 32);
	ok &= json_object_set_new(c, "isv_prod_id", json_integer(s->isv_prod_id)) == 0;
	ok &= json_object_set_new(c, "isv_svn", json_integer(s->isv_svn)) == 0;
	ok &= json_set_hex(c, "attributes", s->attributes, 16);
	ok &= json_set_hex(c, "cpu_svn", s->cpu_svn, 16);
	ok &= json_object_set_new(c, "misc_select", json_integer(s->misc_select)) == 0;
	ok &= json_set_hex(c, "config_id", s->config_id, 64);
	ok &= json_object_set_new(c, "config_svn", json_integer(s->config_svn)) == 0;
	ok &= json_set_hex(c, "isv_ext_prod_id", s->isv_ext_prod_id, 16);
	ok &= json_set_hex(c, "isv_family_id", s->isv_family_id, 16);
	ok &= json_set_hex(c, "report_data", s->report_data, 64);
	/* ATTRIBUTES.DEBUG is bit 1 of the first byte. */
	ok &= json_object_set_new(c, "debug", json_boolean(s->attributes[0] & 2)) == 0;
	/* verdictd's OPA input for SGX (sgxPolicy.rego): base64 measurements,
	 * decimal product id and svn. */
	ok &= json_set_base64(c, "mrEnclave", s->mr_enclave, 32);
	ok &= json_set_base64(c, "mrSigner", s->mr_signer, 32);
	ok &= json_object_set_new(c, "productId", json_integer(s->isv_prod_id)) == 0;
	ok &= json_object_set_new(c, "svn", json_integer(s->isv_svn)) == 0;
	return ok;
}

json_t *quote_claims(const struct quote *q, const struct quote_result *res)
{
	json_t *c = json_object(), *adv;
	bool ok = true;

	if (!c)
		return NULL;
	ok &= json_object_set_new(c, "tee",
				  json_string(quote_tee_name(q))) == 0;
	ok &= json_object_set_new(c, "quote_version",
				  json_integer(q->version)) == 0;
	if (q->body_type == QUOTE_BODY_SGX)
		ok &= sgx_claims(c, &q->sgx);
	else
		ok &= tdx_claims(c, &q->tdx, q->body_type == QUOTE_BODY_TDX15);
	ok &= json_set_hex(c, "fmspc", res->pck.fmspc, 6);
	ok &= json_set_hex(c, "pce_id", res->pck.pce_id, 2);
	ok &= json_object_set_new(c, "pce_svn",
				  json_integer(res->pck.pce_svn)) == 0;
	ok &= json_set_hex(c, "pck_tcb_components", res->pck.comp_svn, 16);
	ok &= json_object_set_new(c, "qe_svn",
				  json_integer(q->qe_report.isv_svn)) == 0;
	/* The QE that vouched for the attestation key, and how we know it is
	 * Intel's: its signed identity, or only the compiled-in pin. */
	ok &= json_set_hex(c, "qe_mrsigner", q->qe_report.mr_signer, 32);
	ok &= json_object_set_new(c, "qe_isv_prod_id",
				  json_integer(q->qe_report.isv_prod_id)) == 0;
	ok &= json_object_set_new(c, "qe_isv_svn",
				  json_integer(q->qe_report.isv_svn)) == 0;
	ok &= json_object_set_new(c, "qe_identity", json_string(
		res->qe_identity == QE_ID_COLLATERAL ? "collateral" :
		res->qe_identity == QE_ID_PINNED ? "pinned" : "unchecked")) == 0;
	/* Never hidden: without collateral the status says so, and policy
	 * decides whether that is acceptable. */
	ok &= json_object_set_new(c, "tcb_status", json_string(
		res->tcb.evaluated ? tcb_status_name(res->tcb.status) :
				     "NotEvaluated")) == 0;
	ok &= json_object_set_new(c, "collateral",
				  json_boolean(res->tcb.evaluated)) == 0;
	adv = json_array();
	for (size_t i = 0; adv && res->tcb.advisories &&
			   res->tcb.advisories[i]; i++)
		ok &= json_array_append_new(adv,
				json_string(res->tcb.advisories[i])) == 0;
	ok &= adv && json_object_set_new(c, "advisory_ids", adv) == 0;
	if (!ok) {
		json_decref(c);
		return NULL;
	}
	return c;
}
